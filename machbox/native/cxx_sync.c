/* libc++'s mutexes, condition variables and std::thread on Darwin's pthread objects.
 *
 * Programs link Apple's libc++ dynamically and machbox binds it to the host's LLVM libc++
 * (same std::__1 ABI). But a std::mutex or std::condition_variable constructed in the
 * program's own inline code holds Darwin's static initialiser (a signature word such as
 * 0x32AAABA7), and a std::thread holds the pthread_t machbox's pthread_create returned;
 * the host's libc++ would hand both to glibc, which reads the signature as a held lock (a
 * hang) and the pthread_t as its own. These entry points go to machbox's Darwin pthreads
 * instead, and the classes built from them (timed_mutex, shared_mutex) are rebuilt on
 * Darwin's member layout. std::future's shared state is not: its members are libc++'s.
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "darwin_abi.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

struct mb_thread;
MB_EXPORT int mb_pthread_mutex_init(void *m, const void *attr);
MB_EXPORT int mb_pthread_mutex_destroy(void *m);
MB_EXPORT int mb_pthread_mutex_lock(void *m);
MB_EXPORT int mb_pthread_mutex_trylock(void *m);
MB_EXPORT int mb_pthread_mutex_unlock(void *m);
MB_EXPORT int mb_pthread_mutexattr_init(void *a);
MB_EXPORT int mb_pthread_mutexattr_settype(void *a, int type);
MB_EXPORT int mb_pthread_mutexattr_destroy(void *a);
MB_EXPORT int mb_pthread_cond_destroy(void *c);
MB_EXPORT int mb_pthread_cond_signal(void *c);
MB_EXPORT int mb_pthread_cond_broadcast(void *c);
MB_EXPORT int mb_pthread_cond_wait(void *c, void *m);
MB_EXPORT int mb_pthread_cond_timedwait(void *c, void *m, const struct timespec *abs);
MB_EXPORT int mb_pthread_cond_timedwait_relative_np(void *c, void *m, const struct timespec *rel);
MB_EXPORT int mb_pthread_join(struct mb_thread *t, void **ret);
MB_EXPORT int mb_pthread_detach(struct mb_thread *t);
MB_EXPORT int mb_pthread_key_create(unsigned long *key, void (*dtor)(void *));

#define DARWIN_PTHREAD_MUTEX_RECURSIVE 2

/* libc++'s own error paths (std::system_error) and std::terminate, from the host library */
static void (*throw_system_error)(int, const char *);
static void (*terminate)(void);
static void (*thread_struct_dtor)(void *);
static void (*operator_delete)(void *);
static pthread_once_t host_once = PTHREAD_ONCE_INIT;

static void host_functions(void)
{
    void *h = dlopen("libc++.so.1", RTLD_NOW | RTLD_NOLOAD);
    if (!h)
        h = dlopen("libc++.so.1", RTLD_NOW);
    if (!h)
        return;
    *(void **)&throw_system_error = dlsym(h, "_ZNSt3__120__throw_system_errorEiPKc");
    *(void **)&terminate = dlsym(h, "_ZSt9terminatev");
    *(void **)&thread_struct_dtor = dlsym(h, "_ZNSt3__115__thread_structD1Ev");
    *(void **)&operator_delete = dlsym(h, "_ZdlPv");
}

static void check(int err, const char *what)
{
    if (!err)
        return;
    pthread_once(&host_once, host_functions);
    if (throw_system_error)
        throw_system_error(mb_errno_to_linux(err), what);
}

/* unique_lock<mutex>: the mutex pointer, then whether it owns it */
struct unique_lock {
    void *mutex;
    _Bool owns;
};

/* ---- std::mutex and std::recursive_mutex (Darwin pthread_mutex_t inside) ------------------ */

MB_EXPORT void mb_cxx_mutex_lock(void *m) { check(mb_pthread_mutex_lock(m), "mutex lock failed"); }
MB_EXPORT _Bool mb_cxx_mutex_try_lock(void *m) { return mb_pthread_mutex_trylock(m) == 0; }
MB_EXPORT void mb_cxx_mutex_unlock(void *m) { mb_pthread_mutex_unlock(m); }
MB_EXPORT void mb_cxx_mutex_destroy(void *m) { mb_pthread_mutex_destroy(m); }

MB_EXPORT void mb_cxx_recursive_mutex_init(void *m)
{
    long attr[3];
    mb_pthread_mutexattr_init(attr);
    mb_pthread_mutexattr_settype(attr, DARWIN_PTHREAD_MUTEX_RECURSIVE);
    int err = mb_pthread_mutex_init(m, attr);
    mb_pthread_mutexattr_destroy(attr);
    check(err, "recursive_mutex constructor failed");
}

/* ---- std::condition_variable ---------------------------------------------------------------- */

MB_EXPORT void mb_cxx_cond_notify_one(void *c) { mb_pthread_cond_signal(c); }
MB_EXPORT void mb_cxx_cond_notify_all(void *c) { mb_pthread_cond_broadcast(c); }
MB_EXPORT void mb_cxx_cond_destroy(void *c) { mb_pthread_cond_destroy(c); }

MB_EXPORT void mb_cxx_cond_wait(void *c, struct unique_lock *lk)
{
    if (!lk->owns)
        check(DARWIN_EPERM, "condition_variable::wait: mutex not locked");
    check(mb_pthread_cond_wait(c, lk->mutex), "condition_variable wait failed");
}

/* __do_timed_wait with a system_clock deadline in nanoseconds since 1970 */
MB_EXPORT void mb_cxx_cond_timed_wait(void *c, struct unique_lock *lk, int64_t deadline_ns)
{
    if (!lk->owns)
        check(DARWIN_EPERM, "condition_variable::timed wait: mutex not locked");
    struct timespec abs = {deadline_ns / 1000000000, deadline_ns % 1000000000};
    if (abs.tv_nsec < 0) {
        abs.tv_sec--;
        abs.tv_nsec += 1000000000;
    }
    int err = mb_pthread_cond_timedwait(c, lk->mutex, &abs);
    if (err != DARWIN_ETIMEDOUT)
        check(err, "condition_variable timed_wait failed");
}

/* the steady_clock form: a deadline on the monotonic clock, waited for as a duration */
MB_EXPORT void mb_cxx_cond_timed_wait_steady(void *c, struct unique_lock *lk, int64_t deadline_ns)
{
    if (!lk->owns)
        check(DARWIN_EPERM, "condition_variable::timed wait: mutex not locked");
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t left = deadline_ns - ((int64_t)now.tv_sec * 1000000000 + now.tv_nsec);
    if (left < 0)
        left = 0;
    struct timespec rel = {left / 1000000000, left % 1000000000};
    int err = mb_pthread_cond_timedwait_relative_np(c, lk->mutex, &rel);
    if (err != DARWIN_ETIMEDOUT)
        check(err, "condition_variable timed_wait failed");
}

/* ---- std::thread ------------------------------------------------------------------------------ */

MB_EXPORT void mb_cxx_thread_join(struct mb_thread **t)
{
    int err = *t ? mb_pthread_join(*t, NULL) : DARWIN_EINVAL;
    if (!err)
        *t = NULL;
    check(err, "thread::join failed");
}

MB_EXPORT void mb_cxx_thread_detach(struct mb_thread **t)
{
    int err = *t ? mb_pthread_detach(*t) : DARWIN_EINVAL;
    if (!err)
        *t = NULL;
    check(err, "thread::detach failed");
}

MB_EXPORT void mb_cxx_thread_destroy(struct mb_thread **t)
{
    if (!*t)
        return;
    pthread_once(&host_once, host_functions);
    if (terminate)
        terminate(); /* destroying a joinable std::thread */
}

/* The per-thread __thread_struct std::thread's start routine stores (inline, with
 * pthread_setspecific): its key must be one of machbox's Darwin keys. */
static struct { unsigned long key; } thread_local_data;
static pthread_once_t tld_once = PTHREAD_ONCE_INIT;

static void free_thread_struct(void *p)
{
    if (thread_struct_dtor)
        thread_struct_dtor(p);
    if (operator_delete)
        operator_delete(p);
}

static void make_tld_key(void)
{
    pthread_once(&host_once, host_functions);
    mb_pthread_key_create(&thread_local_data.key, free_thread_struct);
}

MB_EXPORT void *mb_cxx_thread_local_data(void)
{
    pthread_once(&tld_once, make_tld_key);
    return &thread_local_data;
}

/* ---- classes libc++ builds from a mutex and condition variables ----------------------------
 * timed_mutex, recursive_timed_mutex and shared_mutex hold Darwin-sized members, at Darwin
 * offsets that the program's inline code (try_lock_for, try_lock_until) also uses; the
 * host's out-of-line members would use Linux's smaller ones. They are rebuilt here on the
 * Darwin objects, with libc++'s algorithms. */

struct darwin_mutex { struct darwin_pthread_mutex m; };
struct darwin_cond { struct darwin_pthread_cond c; };

static void mutex_static_init(struct darwin_mutex *m)
{
    memset(m, 0, sizeof *m);
    m->m.__sig = DARWIN__PTHREAD_MUTEX_SIG_init;
}

static void cond_static_init(struct darwin_cond *c)
{
    memset(c, 0, sizeof *c);
    c->c.__sig = DARWIN__PTHREAD_COND_SIG_init;
}

struct timed_mutex {
    struct darwin_mutex m;
    struct darwin_cond cv;
    _Bool locked;
};

MB_EXPORT void mb_cxx_timed_mutex_init(struct timed_mutex *t)
{
    mutex_static_init(&t->m);
    cond_static_init(&t->cv);
    t->locked = 0;
}

MB_EXPORT void mb_cxx_timed_mutex_destroy(struct timed_mutex *t)
{
    mb_pthread_mutex_lock(&t->m); /* as libc++: wait for a holder of the inner lock */
    mb_pthread_mutex_unlock(&t->m);
    mb_pthread_cond_destroy(&t->cv);
    mb_pthread_mutex_destroy(&t->m);
}

MB_EXPORT void mb_cxx_timed_mutex_lock(struct timed_mutex *t)
{
    mb_cxx_mutex_lock(&t->m);
    while (t->locked)
        mb_pthread_cond_wait(&t->cv, &t->m);
    t->locked = 1;
    mb_pthread_mutex_unlock(&t->m);
}

MB_EXPORT _Bool mb_cxx_timed_mutex_try_lock(struct timed_mutex *t)
{
    if (mb_pthread_mutex_trylock(&t->m) != 0)
        return 0;
    _Bool got = !t->locked;
    t->locked = 1;
    mb_pthread_mutex_unlock(&t->m);
    return got;
}

MB_EXPORT void mb_cxx_timed_mutex_unlock(struct timed_mutex *t)
{
    mb_cxx_mutex_lock(&t->m);
    t->locked = 0;
    mb_pthread_cond_signal(&t->cv);
    mb_pthread_mutex_unlock(&t->m);
}

MB_EXPORT struct mb_thread *mb_pthread_self(void);

struct recursive_timed_mutex {
    struct darwin_mutex m;
    struct darwin_cond cv;
    size_t count;
    struct mb_thread *owner;
};

MB_EXPORT void mb_cxx_recursive_timed_mutex_init(struct recursive_timed_mutex *t)
{
    mutex_static_init(&t->m);
    cond_static_init(&t->cv);
    t->count = 0;
    t->owner = NULL;
}

MB_EXPORT void mb_cxx_recursive_timed_mutex_destroy(struct recursive_timed_mutex *t)
{
    mb_pthread_cond_destroy(&t->cv);
    mb_pthread_mutex_destroy(&t->m);
}

MB_EXPORT void mb_cxx_recursive_timed_mutex_lock(struct recursive_timed_mutex *t)
{
    struct mb_thread *self = mb_pthread_self();
    mb_cxx_mutex_lock(&t->m);
    if (t->owner == self) {
        t->count++;
    } else {
        while (t->count)
            mb_pthread_cond_wait(&t->cv, &t->m);
        t->count = 1;
        t->owner = self;
    }
    mb_pthread_mutex_unlock(&t->m);
}

MB_EXPORT _Bool mb_cxx_recursive_timed_mutex_try_lock(struct recursive_timed_mutex *t)
{
    struct mb_thread *self = mb_pthread_self();
    if (mb_pthread_mutex_trylock(&t->m) != 0)
        return 0;
    _Bool got = t->count == 0 || t->owner == self;
    if (got) {
        t->count++;
        t->owner = self;
    }
    mb_pthread_mutex_unlock(&t->m);
    return got;
}

MB_EXPORT void mb_cxx_recursive_timed_mutex_unlock(struct recursive_timed_mutex *t)
{
    mb_cxx_mutex_lock(&t->m);
    if (--t->count == 0) {
        t->owner = NULL;
        mb_pthread_cond_signal(&t->cv);
    }
    mb_pthread_mutex_unlock(&t->m);
}

/* __shared_mutex_base (shared_mutex, shared_timed_mutex): writers pass gate1 and wait at
 * gate2 for the readers to drain */
struct shared_mutex {
    struct darwin_mutex m;
    struct darwin_cond gate1, gate2;
    unsigned state;
};
#define WRITE_ENTERED (1u << 31)
#define READERS (~WRITE_ENTERED)

MB_EXPORT void mb_cxx_shared_mutex_init(struct shared_mutex *s)
{
    mutex_static_init(&s->m);
    cond_static_init(&s->gate1);
    cond_static_init(&s->gate2);
    s->state = 0;
}

MB_EXPORT void mb_cxx_shared_mutex_destroy(struct shared_mutex *s)
{
    mb_pthread_cond_destroy(&s->gate1);
    mb_pthread_cond_destroy(&s->gate2);
    mb_pthread_mutex_destroy(&s->m);
}

MB_EXPORT void mb_cxx_shared_mutex_lock(struct shared_mutex *s)
{
    mb_cxx_mutex_lock(&s->m);
    while (s->state & WRITE_ENTERED)
        mb_pthread_cond_wait(&s->gate1, &s->m);
    s->state |= WRITE_ENTERED;
    while (s->state & READERS)
        mb_pthread_cond_wait(&s->gate2, &s->m);
    mb_pthread_mutex_unlock(&s->m);
}

MB_EXPORT _Bool mb_cxx_shared_mutex_try_lock(struct shared_mutex *s)
{
    mb_cxx_mutex_lock(&s->m);
    _Bool got = s->state == 0;
    if (got)
        s->state = WRITE_ENTERED;
    mb_pthread_mutex_unlock(&s->m);
    return got;
}

MB_EXPORT void mb_cxx_shared_mutex_unlock(struct shared_mutex *s)
{
    mb_cxx_mutex_lock(&s->m);
    s->state = 0;
    mb_pthread_cond_broadcast(&s->gate1);
    mb_pthread_mutex_unlock(&s->m);
}

MB_EXPORT void mb_cxx_shared_mutex_lock_shared(struct shared_mutex *s)
{
    mb_cxx_mutex_lock(&s->m);
    while ((s->state & WRITE_ENTERED) || (s->state & READERS) == READERS)
        mb_pthread_cond_wait(&s->gate1, &s->m);
    s->state = (s->state & WRITE_ENTERED) | ((s->state & READERS) + 1);
    mb_pthread_mutex_unlock(&s->m);
}

MB_EXPORT _Bool mb_cxx_shared_mutex_try_lock_shared(struct shared_mutex *s)
{
    mb_cxx_mutex_lock(&s->m);
    unsigned readers = s->state & READERS;
    _Bool got = !(s->state & WRITE_ENTERED) && readers != READERS;
    if (got)
        s->state = (s->state & WRITE_ENTERED) | (readers + 1);
    mb_pthread_mutex_unlock(&s->m);
    return got;
}

MB_EXPORT void mb_cxx_shared_mutex_unlock_shared(struct shared_mutex *s)
{
    mb_cxx_mutex_lock(&s->m);
    unsigned readers = (s->state & READERS) - 1;
    s->state = (s->state & WRITE_ENTERED) | readers;
    if (s->state & WRITE_ENTERED) {
        if (readers == 0)
            mb_pthread_cond_signal(&s->gate2);
    } else if (readers == READERS - 1) {
        mb_pthread_cond_signal(&s->gate1);
    }
    mb_pthread_mutex_unlock(&s->m);
}
