// libcxx-dylib
// C++ threads against libc++ linked dynamically, as real macOS programs link it (the other
// C++ tests carry zig's static libc++): std::mutex and condition_variable objects built by
// the program's inline code (a static one too) locked and waited on through libc++'s
// out-of-line members, recursive_mutex, timed waits on both clocks, std::thread join and
// detach, call_once, timed_mutex and shared_mutex that libc++ builds itself.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

static std::mutex global_mutex;  // constant-initialised: Darwin's static initialiser
static int counter;

static void count_up(int n)
{
    for (int i = 0; i < n; i++) {
        std::lock_guard<std::mutex> g(global_mutex);
        counter++;
    }
}

int main()
{
    std::vector<std::thread> workers;
    for (int i = 0; i < 4; i++)
        workers.emplace_back(count_up, 10000);
    for (auto &w : workers)
        w.join();
    std::printf("counter %d\n", counter);

    std::mutex m;
    std::condition_variable cv;
    int stage = 0;
    std::thread pinger([&] {
        for (int i = 0; i < 3; i++) {
            std::unique_lock<std::mutex> lk(m);
            cv.wait(lk, [&] { return stage % 2 == 0; });
            stage++;
            cv.notify_all();
        }
    });
    for (int i = 0; i < 3; i++) {
        std::unique_lock<std::mutex> lk(m);
        cv.wait(lk, [&] { return stage % 2 == 1; });
        stage++;
        cv.notify_all();
    }
    pinger.join();
    std::printf("ping-pong stage %d\n", stage);

    {
        std::unique_lock<std::mutex> lk(m);
        auto start = std::chrono::steady_clock::now();
        bool woke = cv.wait_for(lk, std::chrono::milliseconds(30), [] { return false; });
        auto waited = std::chrono::steady_clock::now() - start;
        std::printf("wait_for: %s after >= 30 ms: %d\n", woke ? "woke" : "timed out",
                    waited >= std::chrono::milliseconds(30));
        auto deadline = std::chrono::system_clock::now() + std::chrono::milliseconds(20);
        std::cv_status s = cv.wait_until(lk, deadline);
        std::printf("wait_until system_clock: %s\n",
                    s == std::cv_status::timeout ? "timeout" : "no_timeout");
    }

    std::recursive_mutex rm;
    rm.lock();
    bool again = rm.try_lock();
    rm.unlock();
    if (again)
        rm.unlock();
    std::printf("recursive try_lock while held: %d, try_lock on free mutex: %d\n", again,
                m.try_lock());
    m.unlock();

    std::atomic<int> detached_done{0};
    std::thread d([&] { detached_done = 1; });
    d.detach();
    while (!detached_done)
        std::this_thread::yield();
    std::printf("detached ran, joinable after detach: %d\n", d.joinable());

    std::once_flag once;
    int calls = 0;
    std::vector<std::thread> callers;
    for (int i = 0; i < 3; i++)
        callers.emplace_back([&] { std::call_once(once, [&] { calls++; }); });
    for (auto &c : callers)
        c.join();
    std::printf("call_once calls %d\n", calls);

    std::timed_mutex tm;
    tm.lock();
    bool got = tm.try_lock_for(std::chrono::milliseconds(10));
    tm.unlock();
    std::shared_mutex sm;
    sm.lock_shared();
    bool shared_again = sm.try_lock_shared();
    bool exclusive = sm.try_lock();
    sm.unlock_shared();
    if (shared_again)
        sm.unlock_shared();
    std::printf("timed_mutex try_lock_for while held: %d; shared twice %d, exclusive %d\n", got,
                shared_again, exclusive);
    return 0;
}
