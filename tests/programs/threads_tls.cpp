// thread exit: C++ thread_local destructors run in reverse order of construction, pthread
// key destructors in key order and again when a destructor sets a value (up to the
// iteration limit), pthread_exit from a nested call, detached threads finishing, and a
// join value; the main thread's thread_locals are destroyed at exit()
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <string>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static std::string events;

static void note(const std::string &s) {
    pthread_mutex_lock(&log_lock);
    events += s + "\n";
    pthread_mutex_unlock(&log_lock);
}

struct Tracked {
    std::string name;
    explicit Tracked(const char *n) : name(n) { note("construct " + name); }
    ~Tracked() { note("destroy " + name); }
};

static thread_local Tracked first("first");
static thread_local Tracked second("second");
static pthread_key_t key_a, key_b;
static int again_left = 2;

static void dtor_a(void *v) { note(std::string("key a: ") + (const char *)v); }
static void dtor_b(void *v) {
    note(std::string("key b: ") + (const char *)v);
    if (again_left-- > 0) pthread_setspecific(key_b, "set again by its destructor");
}

static void *worker(void *arg) {
    const char *name = (const char *)arg;
    note(std::string("start ") + name + " " + second.name + " " + first.name);
    pthread_setspecific(key_a, "value a");
    pthread_setspecific(key_b, "value b");
    return (void *)strlen(name);
}

static void nested_exit(int depth) {
    if (depth == 0) pthread_exit((void *)77);
    nested_exit(depth - 1);
}

static void *exits_early(void *) {
    (void)first.name;
    nested_exit(3);
    return nullptr;
}

static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static int detached_done;

static void *detached(void *) {
    (void)second.name;
    pthread_mutex_lock(&done_lock);
    detached_done = 1;
    pthread_cond_signal(&done_cond);
    pthread_mutex_unlock(&done_lock);
    return nullptr;
}

int main() {
    pthread_key_create(&key_a, dtor_a);
    pthread_key_create(&key_b, dtor_b);
    pthread_t t;
    void *ret;
    pthread_create(&t, nullptr, worker, (void *)"worker");
    pthread_join(t, &ret);
    printf("%sjoined worker: %ld\n", events.c_str(), (long)ret);
    events.clear();

    pthread_create(&t, nullptr, exits_early, nullptr);
    pthread_join(t, &ret);
    printf("%sjoined early exit: %ld\n", events.c_str(), (long)ret);
    events.clear();

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int state = 0;
    pthread_attr_getdetachstate(&attr, &state);
    pthread_create(&t, &attr, detached, nullptr);
    pthread_mutex_lock(&done_lock);
    while (!detached_done) pthread_cond_wait(&done_cond, &done_lock);
    pthread_mutex_unlock(&done_lock);
    usleep(50000);  // let it finish exiting
    printf("%sdetached state=%d, done=%d\n", events.c_str(), state == PTHREAD_CREATE_DETACHED,
           detached_done);
    fflush(stdout);
    (void)first.name;  // the main thread's copy: destroyed at exit, after this line
    printf("main exits\n");
    return 0;
}
