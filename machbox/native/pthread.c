/* pthreads with Darwin's object layouts.
 *
 * Darwin's pthread objects are bigger than glibc's and start with a signature word; their
 * static initialisers set only that word. The host object lives after the word (it fits:
 * mutex 56 bytes for glibc's 40, rwlock 192 for 56, attr 56 for 56, once 8 for 4) and is
 * set up on first use from the signature. Condition variables are our own futex-based
 * ones (glibc's 48 bytes do not fit Darwin's 40), usable with any mutex.
 * The guest's pthread_t is machbox's per-thread block (whose %gs TSD Apple code reads).
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "translate.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define E(x) ((x) ? mb_errno_to_darwin(x) : 0)

/* ---- mutexes -------------------------------------------------------------------------- */

struct dmutex {
    _Atomic long sig;
    pthread_mutex_t m; /* 40 of the 56 opaque bytes */
};
_Static_assert(sizeof(struct dmutex) <= 64, "Darwin pthread_mutex_t is 64 bytes");

struct dmutexattr {
    long sig;
    int type, pshared, protocol, policy;
};
_Static_assert(sizeof(struct dmutexattr) <= 24, "fits Darwin pthread_mutexattr_t (16)");

static int linux_type(int dtype)
{
    return dtype == DARWIN_PTHREAD_MUTEX_RECURSIVE ? PTHREAD_MUTEX_RECURSIVE
           : dtype == DARWIN_PTHREAD_MUTEX_ERRORCHECK ? PTHREAD_MUTEX_ERRORCHECK
                                                      : PTHREAD_MUTEX_NORMAL;
}

static void mutex_init_type(struct dmutex *d, int ltype)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, ltype);
    pthread_mutex_init(&d->m, &a);
    pthread_mutexattr_destroy(&a);
}

/* Statically initialised mutexes become real ones on first use; racing first users agree
 * through the signature word (INIT → BUSY → READY). */
static pthread_mutex_t *host_mutex(struct dmutex *d)
{
    long s = atomic_load_explicit(&d->sig, memory_order_acquire);
    if (s == DARWIN_PTHREAD_MUTEX_SIG)
        return &d->m;
    int ltype = s == DARWIN__PTHREAD_RECURSIVE_MUTEX_SIG_init ? PTHREAD_MUTEX_RECURSIVE
                : s == DARWIN__PTHREAD_ERRORCHECK_MUTEX_SIG_init ? PTHREAD_MUTEX_ERRORCHECK
                                                                : PTHREAD_MUTEX_NORMAL;
    if (s == DARWIN__PTHREAD_MUTEX_SIG_init || s == DARWIN__PTHREAD_RECURSIVE_MUTEX_SIG_init ||
        s == DARWIN__PTHREAD_ERRORCHECK_MUTEX_SIG_init ||
        s == DARWIN__PTHREAD_FIRSTFIT_MUTEX_SIG_init) {
        if (atomic_compare_exchange_strong(&d->sig, &s, 1)) {
            mutex_init_type(d, ltype);
            atomic_store_explicit(&d->sig, DARWIN_PTHREAD_MUTEX_SIG, memory_order_release);
            return &d->m;
        }
    }
    while ((s = atomic_load_explicit(&d->sig, memory_order_acquire)) == 1)
        sched_yield();
    return s == DARWIN_PTHREAD_MUTEX_SIG ? &d->m : NULL;
}

MB_EXPORT int mb_pthread_mutex_init(struct dmutex *d, const struct dmutexattr *a)
{
    mutex_init_type(d, a ? linux_type(a->type) : PTHREAD_MUTEX_NORMAL);
    atomic_store(&d->sig, DARWIN_PTHREAD_MUTEX_SIG);
    return 0;
}

MB_EXPORT int mb_pthread_mutex_destroy(struct dmutex *d)
{
    pthread_mutex_t *m = host_mutex(d);
    if (!m)
        return DARWIN_EINVAL;
    int r = pthread_mutex_destroy(m);
    if (r == 0)
        atomic_store(&d->sig, 0);
    return E(r);
}

MB_EXPORT int mb_pthread_mutex_lock(struct dmutex *d)
{
    pthread_mutex_t *m = host_mutex(d);
    return m ? E(pthread_mutex_lock(m)) : DARWIN_EINVAL;
}

MB_EXPORT int mb_pthread_mutex_trylock(struct dmutex *d)
{
    pthread_mutex_t *m = host_mutex(d);
    return m ? E(pthread_mutex_trylock(m)) : DARWIN_EINVAL;
}

MB_EXPORT int mb_pthread_mutex_unlock(struct dmutex *d)
{
    pthread_mutex_t *m = host_mutex(d);
    return m ? E(pthread_mutex_unlock(m)) : DARWIN_EINVAL;
}

MB_EXPORT int mb_pthread_mutexattr_init(struct dmutexattr *a)
{
    memset(a, 0, sizeof *a);
    a->sig = DARWIN_PTHREAD_MUTEX_ATTR_SIG;
    a->type = DARWIN_PTHREAD_MUTEX_DEFAULT;
    return 0;
}

MB_EXPORT int mb_pthread_mutexattr_destroy(struct dmutexattr *a) { a->sig = 0; return 0; }
MB_EXPORT int mb_pthread_mutexattr_settype(struct dmutexattr *a, int t) { a->type = t; return 0; }
MB_EXPORT int mb_pthread_mutexattr_gettype(const struct dmutexattr *a, int *t) { *t = a->type; return 0; }
MB_EXPORT int mb_pthread_mutexattr_setpshared(struct dmutexattr *a, int p) { a->pshared = p; return 0; }
MB_EXPORT int mb_pthread_mutexattr_getpshared(const struct dmutexattr *a, int *p) { *p = a->pshared; return 0; }
MB_EXPORT int mb_pthread_mutexattr_setprotocol(struct dmutexattr *a, int p) { a->protocol = p; return 0; }
MB_EXPORT int mb_pthread_mutexattr_getprotocol(const struct dmutexattr *a, int *p) { *p = a->protocol; return 0; }
MB_EXPORT int mb_pthread_mutexattr_setpolicy_np(struct dmutexattr *a, int p) { a->policy = p; return 0; }

/* ---- condition variables: a sequence counter and a futex ------------------------------- */

struct dcond {
    long sig;
    _Atomic uint32_t seq;
};

static long futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, addr, op, val, ts, NULL, FUTEX_BITSET_MATCH_ANY);
}

MB_EXPORT int mb_pthread_cond_init(struct dcond *c, const void *attr)
{
    (void)attr;
    c->sig = DARWIN_PTHREAD_COND_SIG;
    atomic_store(&c->seq, 0);
    return 0;
}

MB_EXPORT int mb_pthread_cond_destroy(struct dcond *c) { c->sig = 0; return 0; }

MB_EXPORT int mb_pthread_cond_signal(struct dcond *c)
{
    atomic_fetch_add(&c->seq, 1);
    futex(&c->seq, FUTEX_WAKE_PRIVATE, 1, NULL);
    return 0;
}

MB_EXPORT int mb_pthread_cond_broadcast(struct dcond *c)
{
    atomic_fetch_add(&c->seq, 1);
    futex(&c->seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
    return 0;
}

/* abs: an absolute CLOCK_REALTIME deadline, or NULL. */
static int cond_wait(struct dcond *c, struct dmutex *d, const struct timespec *abs)
{
    pthread_mutex_t *m = host_mutex(d);
    if (!m)
        return DARWIN_EINVAL;
    uint32_t seq = atomic_load(&c->seq);
    int r = pthread_mutex_unlock(m);
    if (r)
        return E(r);
    long fr = futex(&c->seq, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, seq, abs);
    int timed_out = fr != 0 && errno == ETIMEDOUT;
    errno = 0;
    pthread_mutex_lock(m);
    return timed_out ? DARWIN_ETIMEDOUT : 0;
}

MB_EXPORT int mb_pthread_cond_wait(struct dcond *c, struct dmutex *d)
{
    return cond_wait(c, d, NULL);
}

MB_EXPORT int mb_pthread_cond_timedwait(struct dcond *c, struct dmutex *d,
                                        const struct timespec *abs)
{
    return cond_wait(c, d, abs);
}

MB_EXPORT int mb_pthread_cond_timedwait_relative_np(struct dcond *c, struct dmutex *d,
                                                    const struct timespec *rel)
{
    struct timespec abs;
    clock_gettime(CLOCK_REALTIME, &abs);
    abs.tv_sec += rel->tv_sec;
    abs.tv_nsec += rel->tv_nsec;
    if (abs.tv_nsec >= 1000000000) {
        abs.tv_sec++;
        abs.tv_nsec -= 1000000000;
    }
    return cond_wait(c, d, &abs);
}

MB_EXPORT int mb_pthread_condattr_init(long *a) { a[0] = DARWIN_PTHREAD_COND_ATTR_SIG; return 0; }
MB_EXPORT int mb_pthread_condattr_destroy(long *a) { a[0] = 0; return 0; }
MB_EXPORT int mb_pthread_condattr_setpshared(long *a, int p) { (void)a; (void)p; return 0; }

/* ---- read-write locks ----------------------------------------------------------------- */

struct drwlock {
    _Atomic long sig;
    pthread_rwlock_t l; /* 56 of the 192 opaque bytes */
};

static pthread_rwlock_t *host_rwlock(struct drwlock *d)
{
    long s = atomic_load_explicit(&d->sig, memory_order_acquire);
    if (s == DARWIN_PTHREAD_RWLOCK_SIG)
        return &d->l;
    if (s == DARWIN__PTHREAD_RWLOCK_SIG_init && atomic_compare_exchange_strong(&d->sig, &s, 1)) {
        pthread_rwlock_init(&d->l, NULL);
        atomic_store_explicit(&d->sig, DARWIN_PTHREAD_RWLOCK_SIG, memory_order_release);
        return &d->l;
    }
    while ((s = atomic_load_explicit(&d->sig, memory_order_acquire)) == 1)
        sched_yield();
    return s == DARWIN_PTHREAD_RWLOCK_SIG ? &d->l : NULL;
}

MB_EXPORT int mb_pthread_rwlock_init(struct drwlock *d, const void *attr)
{
    (void)attr;
    pthread_rwlock_init(&d->l, NULL);
    atomic_store(&d->sig, DARWIN_PTHREAD_RWLOCK_SIG);
    return 0;
}

#define RWLOCK_OP(name, call)                                                              \
    MB_EXPORT int name(struct drwlock *d)                                                  \
    {                                                                                      \
        pthread_rwlock_t *l = host_rwlock(d);                                              \
        return l ? E(call(l)) : DARWIN_EINVAL;                                             \
    }
RWLOCK_OP(mb_pthread_rwlock_destroy, pthread_rwlock_destroy)
RWLOCK_OP(mb_pthread_rwlock_rdlock, pthread_rwlock_rdlock)
RWLOCK_OP(mb_pthread_rwlock_tryrdlock, pthread_rwlock_tryrdlock)
RWLOCK_OP(mb_pthread_rwlock_wrlock, pthread_rwlock_wrlock)
RWLOCK_OP(mb_pthread_rwlock_trywrlock, pthread_rwlock_trywrlock)
RWLOCK_OP(mb_pthread_rwlock_unlock, pthread_rwlock_unlock)

MB_EXPORT int mb_pthread_rwlockattr_init(long *a) { a[0] = DARWIN_PTHREAD_RWLOCK_ATTR_SIG; return 0; }
MB_EXPORT int mb_pthread_rwlockattr_destroy(long *a) { a[0] = 0; return 0; }

/* ---- once ------------------------------------------------------------------------------ */

struct donce {
    long sig;
    pthread_once_t once;
};

MB_EXPORT int mb_pthread_once(struct donce *o, void (*fn)(void))
{
    return E(pthread_once(&o->once, fn));
}

/* ---- os_unfair_lock: a 32-bit word, owner-tracked on Darwin; a plain futex lock here ---- */

MB_EXPORT void mb_os_unfair_lock_lock(_Atomic uint32_t *l)
{
    uint32_t expected = 0;
    if (atomic_compare_exchange_strong(l, &expected, 1))
        return;
    do {
        if (expected == 2 || atomic_exchange(l, 2) != 0)
            futex(l, FUTEX_WAIT_PRIVATE, 2, NULL);
        expected = 0;
    } while (!atomic_compare_exchange_strong(l, &expected, 2));
}

MB_EXPORT int mb_os_unfair_lock_trylock(_Atomic uint32_t *l)
{
    uint32_t expected = 0;
    return atomic_compare_exchange_strong(l, &expected, 1);
}

MB_EXPORT void mb_os_unfair_lock_unlock(_Atomic uint32_t *l)
{
    if (atomic_exchange(l, 0) == 2)
        futex(l, FUTEX_WAKE_PRIVATE, 1, NULL);
}

MB_EXPORT void mb_os_unfair_lock_assert_owner(_Atomic uint32_t *l) { (void)l; }
MB_EXPORT void mb_os_unfair_lock_assert_not_owner(_Atomic uint32_t *l) { (void)l; }

/* ---- __ulock_wait/__ulock_wake: Darwin's futex (Rust's std parks threads with it) ------ */

#define UL_OPCODE_MASK 0xff
#define ULF_WAKE_ALL 0x100
#define ULF_NO_ERRNO 0x1000000

MB_EXPORT int mb___ulock_wait(uint32_t op, void *addr, uint64_t value, uint32_t timeout_us)
{
    struct timespec ts, *tp = NULL;
    if (timeout_us) {
        ts.tv_sec = timeout_us / 1000000;
        ts.tv_nsec = (long)(timeout_us % 1000000) * 1000;
        tp = &ts;
    }
    long r = futex(addr, FUTEX_WAIT_PRIVATE, (uint32_t)value, tp);
    if (r != 0) {
        int e = errno == EAGAIN ? 0 : errno; /* value changed: not an error for callers */
        if (e == 0) {
            errno = 0;
            return 0;
        }
        if (op & ULF_NO_ERRNO) {
            errno = 0;
            return -mb_errno_to_darwin(e);
        }
        return -1;
    }
    return 0;
}

MB_EXPORT int mb___ulock_wait2(uint32_t op, void *addr, uint64_t value, uint64_t timeout_ns,
                               uint64_t value2)
{
    (void)value2;
    uint64_t us = timeout_ns ? (timeout_ns + 999) / 1000 : 0;
    return mb___ulock_wait(op, addr, value, us > 0xffffffffu ? 0xffffffffu : (uint32_t)us);
}

MB_EXPORT int mb___ulock_wake(uint32_t op, void *addr, uint64_t wake_value)
{
    (void)wake_value;
    long n = futex(addr, FUTEX_WAKE_PRIVATE, (op & ULF_WAKE_ALL) ? INT_MAX : 1, NULL);
    if (n == 0) {
        /* Darwin reports "nobody waiting" as ENOENT */
        if (op & ULF_NO_ERRNO)
            return -DARWIN_ENOENT;
        mb_set_darwin_errno(DARWIN_ENOENT);
        return -1;
    }
    return n < 0 ? -1 : 0;
}

/* ---- thread attributes ---------------------------------------------------------------- */

struct dattr {
    long sig;
    size_t stacksize, guardsize;
    void *stackaddr;
    int detached, inherit, policy, priority, scope, qos;
};
_Static_assert(sizeof(struct dattr) <= 64, "Darwin pthread_attr_t is 64 bytes");

#define DARWIN_DEFAULT_STACK (512 * 1024)

MB_EXPORT int mb_pthread_attr_init(struct dattr *a)
{
    memset(a, 0, sizeof *a);
    a->sig = DARWIN_PTHREAD_ATTR_SIG;
    a->stacksize = DARWIN_DEFAULT_STACK;
    a->guardsize = 4096;
    a->detached = DARWIN_PTHREAD_CREATE_JOINABLE;
    return 0;
}

MB_EXPORT int mb_pthread_attr_destroy(struct dattr *a) { a->sig = 0; return 0; }
MB_EXPORT int mb_pthread_attr_setstacksize(struct dattr *a, size_t s)
{
    if (s < 16384)
        return DARWIN_EINVAL;
    a->stacksize = s;
    return 0;
}
MB_EXPORT int mb_pthread_attr_getstacksize(const struct dattr *a, size_t *s) { *s = a->stacksize; return 0; }
MB_EXPORT int mb_pthread_attr_setstack(struct dattr *a, void *addr, size_t s) { a->stackaddr = (char *)addr + s; a->stacksize = s; return 0; }
MB_EXPORT int mb_pthread_attr_getstack(const struct dattr *a, void **addr, size_t *s)
{
    *addr = a->stackaddr ? (char *)a->stackaddr - a->stacksize : NULL;
    *s = a->stacksize;
    return 0;
}
MB_EXPORT int mb_pthread_attr_setstackaddr(struct dattr *a, void *addr) { a->stackaddr = addr; return 0; }
MB_EXPORT int mb_pthread_attr_getstackaddr(const struct dattr *a, void **addr) { *addr = a->stackaddr; return 0; }
MB_EXPORT int mb_pthread_attr_setguardsize(struct dattr *a, size_t g) { a->guardsize = g; return 0; }
MB_EXPORT int mb_pthread_attr_getguardsize(const struct dattr *a, size_t *g) { *g = a->guardsize; return 0; }
MB_EXPORT int mb_pthread_attr_setdetachstate(struct dattr *a, int d)
{
    if (d != DARWIN_PTHREAD_CREATE_JOINABLE && d != DARWIN_PTHREAD_CREATE_DETACHED)
        return DARWIN_EINVAL;
    a->detached = d;
    return 0;
}
MB_EXPORT int mb_pthread_attr_getdetachstate(const struct dattr *a, int *d) { *d = a->detached; return 0; }
MB_EXPORT int mb_pthread_attr_setinheritsched(struct dattr *a, int v) { a->inherit = v; return 0; }
MB_EXPORT int mb_pthread_attr_getinheritsched(const struct dattr *a, int *v) { *v = a->inherit; return 0; }
MB_EXPORT int mb_pthread_attr_setschedpolicy(struct dattr *a, int v) { a->policy = v; return 0; }
MB_EXPORT int mb_pthread_attr_getschedpolicy(const struct dattr *a, int *v) { *v = a->policy; return 0; }
MB_EXPORT int mb_pthread_attr_setschedparam(struct dattr *a, const int *p) { a->priority = *p; return 0; }
MB_EXPORT int mb_pthread_attr_getschedparam(const struct dattr *a, int *p) { *p = a->priority; return 0; }
MB_EXPORT int mb_pthread_attr_setscope(struct dattr *a, int v) { a->scope = v; return 0; }
MB_EXPORT int mb_pthread_attr_getscope(const struct dattr *a, int *v) { *v = a->scope; return 0; }
MB_EXPORT int mb_pthread_attr_set_qos_class_np(struct dattr *a, int q, int rel) { (void)rel; a->qos = q; return 0; }

/* ---- creating and ending threads ------------------------------------------------------- */

enum { T_RUNNING, T_EXITED, T_DETACHED };

struct start_args {
    struct mb_thread *t;
    void *(*fn)(void *);
    void *arg;
};

static pthread_key_t finish_key;
static pthread_once_t finish_once = PTHREAD_ONCE_INIT;

/* Runs when the host thread ends, by return or pthread_exit: Darwin's exit work, then the
 * block is freed unless a join still needs it. */
static void thread_finished(void *p)
{
    struct mb_thread *t = p;
    mb_thread_run_exit_hooks(t);
    int expected = T_RUNNING;
    if (!__atomic_compare_exchange_n(&t->join_state, &expected, T_EXITED, 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        free(t); /* detached: nobody will join */
}

static void make_finish_key(void) { pthread_key_create(&finish_key, thread_finished); }

static void *thread_start(void *p)
{
    struct start_args a = *(struct start_args *)p;
    free(p);
    mb_thread_install(a.t);
    pthread_setspecific(finish_key, a.t);
    return a.fn(a.arg);
}

MB_EXPORT int mb_pthread_create(struct mb_thread **out, const struct dattr *da,
                                void *(*fn)(void *), void *arg)
{
    pthread_once(&finish_once, make_finish_key);
    struct mb_thread *t = mb_thread_new();
    struct start_args *sa = malloc(sizeof *sa);
    if (!t || !sa) {
        free(t);
        free(sa);
        return DARWIN_EAGAIN;
    }
    *sa = (struct start_args){t, fn, arg};
    int detached = da && da->detached == DARWIN_PTHREAD_CREATE_DETACHED;
    t->join_state = detached ? T_DETACHED : T_RUNNING;
    pthread_attr_t la;
    pthread_attr_init(&la);
    size_t stack = da ? da->stacksize : DARWIN_DEFAULT_STACK;
    if (da && da->stackaddr)
        pthread_attr_setstack(&la, (char *)da->stackaddr - da->stacksize, da->stacksize);
    else
        pthread_attr_setstacksize(&la, stack);
    if (da)
        pthread_attr_setguardsize(&la, da->guardsize);
    if (detached)
        pthread_attr_setdetachstate(&la, PTHREAD_CREATE_DETACHED);
    *out = t; /* visible to the new thread before it runs, as on Darwin */
    pthread_t h;
    int r = pthread_create(&h, &la, thread_start, sa);
    pthread_attr_destroy(&la);
    if (r != 0) {
        free(t);
        free(sa);
        return E(r);
    }
    t->host = h;
    return 0;
}

MB_EXPORT int mb_pthread_join(struct mb_thread *t, void **ret)
{
    int r = pthread_join(t->host, ret);
    if (r == 0 && !t->is_main)
        free(t);
    return E(r);
}

MB_EXPORT int mb_pthread_detach(struct mb_thread *t)
{
    int r = pthread_detach(t->host);
    if (r)
        return E(r);
    int expected = T_RUNNING;
    if (!__atomic_compare_exchange_n(&t->join_state, &expected, T_DETACHED, 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE) && expected == T_EXITED)
        free(t);
    return 0;
}

MB_EXPORT void mb_pthread_exit(void *ret) { pthread_exit(ret); }
MB_EXPORT struct mb_thread *mb_pthread_self(void) { return mb_self(); }
MB_EXPORT int mb_pthread_equal(struct mb_thread *a, struct mb_thread *b) { return a == b; }
MB_EXPORT int mb_pthread_main_np(void) { return mb_self()->is_main; }
MB_EXPORT void *mb_pthread_get_stackaddr_np(struct mb_thread *t) { return t->stackaddr; }
MB_EXPORT size_t mb_pthread_get_stacksize_np(struct mb_thread *t) { return t->stacksize; }
MB_EXPORT unsigned mb_pthread_mach_thread_np(struct mb_thread *t) { return (unsigned)t->thread_id; }

MB_EXPORT int mb_pthread_threadid_np(struct mb_thread *t, uint64_t *id)
{
    if (!id)
        return DARWIN_EINVAL;
    *id = (t ? t : mb_self())->thread_id;
    return 0;
}

/* Darwin names only the calling thread. */
MB_EXPORT int mb_pthread_setname_np(const char *name)
{
    struct mb_thread *t = mb_self();
    strncpy(t->name, name, sizeof t->name - 1);
    char short_name[16];
    strncpy(short_name, name, 15);
    short_name[15] = 0;
    pthread_setname_np(pthread_self(), short_name);
    return 0;
}

MB_EXPORT int mb_pthread_getname_np(struct mb_thread *t, char *buf, size_t n)
{
    if (n == 0)
        return DARWIN_ERANGE;
    strncpy(buf, t->name, n - 1);
    buf[n - 1] = 0;
    return 0;
}

MB_EXPORT int mb_pthread_setcancelstate(int state, int *old)
{
    int lo;
    int r = pthread_setcancelstate(state == DARWIN_PTHREAD_CANCEL_ENABLE ? PTHREAD_CANCEL_ENABLE
                                                                         : PTHREAD_CANCEL_DISABLE,
                                   &lo);
    if (old)
        *old = lo == PTHREAD_CANCEL_ENABLE ? DARWIN_PTHREAD_CANCEL_ENABLE
                                           : DARWIN_PTHREAD_CANCEL_DISABLE;
    return E(r);
}

MB_EXPORT int mb_pthread_set_qos_class_self_np(int qos, int rel) { (void)qos; (void)rel; return 0; }

MB_EXPORT int mb_pthread_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void))
{
    return E(pthread_atfork(prepare, parent, child));
}

/* ---- semaphores --------------------------------------------------------------------
 * macOS has only named semaphores: sem_init, sem_destroy and sem_getvalue fail with
 * ENOSYS. A named semaphore is the host's (shared between machbox processes the same
 * way); Darwin's sem_t * is opaque, so the host pointer is handed out as it is, except
 * that failure is (sem_t *)-1 on Darwin and NULL in glibc. */

#include <semaphore.h>
#include <stdarg.h>

#define DARWIN_PSEMNAMLEN 31 /* longest name sem_open accepts on macOS */
#define DARWIN_SEM_FAILED ((void *)-1)

MB_EXPORT int mb_sem_init(void *sem, int pshared, unsigned value)
{
    (void)sem, (void)pshared, (void)value;
    return (int)mb_fail(DARWIN_ENOSYS);
}

MB_EXPORT int mb_sem_destroy(void *sem)
{
    (void)sem;
    return (int)mb_fail(DARWIN_ENOSYS);
}

MB_EXPORT int mb_sem_getvalue(void *sem, int *value)
{
    (void)sem, (void)value;
    return (int)mb_fail(DARWIN_ENOSYS);
}

MB_EXPORT void *mb_sem_open(const char *name, int oflag, ...)
{
    unsigned mode = 0, value = 0;
    if (oflag & DARWIN_O_CREAT) {
        va_list ap;
        va_start(ap, oflag);
        mode = va_arg(ap, unsigned);
        value = va_arg(ap, unsigned);
        va_end(ap);
    }
    if (strlen(name) > DARWIN_PSEMNAMLEN) {
        mb_fail(DARWIN_ENAMETOOLONG);
        return DARWIN_SEM_FAILED;
    }
    int flags = (oflag & DARWIN_O_CREAT ? O_CREAT : 0) | (oflag & DARWIN_O_EXCL ? O_EXCL : 0);
    sem_t *s = sem_open(name, flags, (mode_t)mode, value);
    return s == SEM_FAILED ? DARWIN_SEM_FAILED : s;
}
