// std::thread, mutex, condition_variable, atomic, thread_local with constructors and
// destructors, static initialisers and function-local statics, constructor attributes
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

static std::atomic<int> tl_ctors{0}, tl_dtors{0};
struct PerThread {
    int value = 0;
    PerThread() { tl_ctors++; }
    ~PerThread() { tl_dtors++; }
};
thread_local PerThread per_thread;

struct Announce { Announce(const char *s) { std::printf("static init: %s\n", s); } };
static Announce first("first");
static Announce second("second");
__attribute__((constructor)) static void ctor_attr() { std::printf("constructor attribute\n"); }
__attribute__((destructor)) static void dtor_attr() { std::printf("destructor attribute\n"); }

static int &counter() { static int c = [] { std::printf("function-local static init\n"); return 100; }(); return c; }

int main() {
    std::printf("main starts\n");
    std::mutex m;
    std::condition_variable cv;
    std::queue<int> q;
    bool finished = false;
    long sum = 0;
    std::thread consumer([&] {
        std::unique_lock<std::mutex> lk(m);
        for (;;) {
            cv.wait(lk, [&] { return !q.empty() || finished; });
            while (!q.empty()) { sum += q.front(); q.pop(); }
            if (finished) break;
        }
    });
    std::vector<std::thread> producers;
    std::atomic<long> produced{0};
    for (int t = 0; t < 4; t++)
        producers.emplace_back([&, t] {
            per_thread.value = t;
            for (int i = 1; i <= 1000; i++) {
                { std::lock_guard<std::mutex> g(m); q.push(i); }
                produced += i;
                cv.notify_one();
            }
        });
    for (auto &p : producers) p.join();
    { std::lock_guard<std::mutex> g(m); finished = true; }
    cv.notify_all();
    consumer.join();
    std::printf("sum=%ld produced=%ld\n", sum, produced.load());
    std::printf("thread_local ctors=%d dtors=%d (main's still alive)\n", tl_ctors.load(), tl_dtors.load());
    counter()++;
    std::printf("counter=%d\n", counter());
    std::printf("hardware_concurrency>0: %d\n", std::thread::hardware_concurrency() > 0);
    return 0;
}
