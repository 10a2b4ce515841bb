/* Suspending threads and reading their registers: thread_suspend/resume, thread_get/
 * set_state, task_threads.
 *
 * JavaScriptCore's garbage collector, Go-style profilers and crash reporters stop a thread,
 * read its registers and stack, and let it go. Linux has no such call for a thread of one's
 * own process; the way of Boehm's collector works here: a real-time signal (one Darwin
 * cannot name, so no guest mask or handler touches it) sends the thread into a handler
 * that publishes its interrupted context and waits on a futex until its suspend count is
 * back to zero. The context stays on its stack meanwhile, so thread_get_state reads it and
 * thread_set_state rewrites it: the thread resumes with the new registers, as on XNU.
 * A thread port is the thread's Linux id (mach_thread_self, pthread_mach_thread_np).
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "darwin_abi.h"

#include <dirent.h>
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

typedef uint32_t mach_port_t;
typedef int kern_return_t;
#define KR(x) ((kern_return_t)DARWIN_##x)
#define MAX_SUSPENDED 256

MB_HIDDEN void mb_mcontext_to_darwin(const ucontext_t *lu, struct darwin_mcontext64 *mc);
MB_HIDDEN void mb_mcontext_from_darwin(ucontext_t *lu, const struct darwin_mcontext64 *mc);

struct suspension {
    pid_t tid;                 /* 0: a free slot */
    _Atomic int count;         /* thread_suspend minus thread_resume */
    _Atomic int parked;        /* the thread waits in the handler; `context` is valid */
    ucontext_t *context;
};

static struct suspension suspensions[MAX_SUSPENDED];
static pthread_mutex_t suspend_lock = PTHREAD_MUTEX_INITIALIZER;
static int suspend_signal;

static long futex(_Atomic int *addr, int op, int value)
{
    return syscall(SYS_futex, (int *)addr, op, value, NULL, NULL, 0);
}

static struct suspension *find(pid_t tid, int create)
{
    struct suspension *free_slot = NULL;
    for (int i = 0; i < MAX_SUSPENDED; i++) {
        if (suspensions[i].tid == tid)
            return &suspensions[i];
        if (!suspensions[i].tid && !free_slot)
            free_slot = &suspensions[i];
    }
    if (create && free_slot) {
        free_slot->tid = tid;
        atomic_store(&free_slot->count, 0);
        atomic_store(&free_slot->parked, 0);
    }
    return create ? free_slot : NULL;
}

/* Runs on the suspended thread: publish the context, wait for the count to reach zero. */
static void park(int sig, siginfo_t *info, void *uc)
{
    (void)sig, (void)info;
    int saved_errno = errno;
    pid_t self = (pid_t)syscall(SYS_gettid);
    struct suspension *s = NULL;
    for (int i = 0; i < MAX_SUSPENDED && !s; i++)
        if (suspensions[i].tid == self)
            s = &suspensions[i];
    if (s && atomic_load(&s->count) > 0) {
        s->context = uc;
        atomic_store(&s->parked, 1);
        futex(&s->parked, FUTEX_WAKE_PRIVATE, 64);
        int c;
        while ((c = atomic_load(&s->count)) > 0)
            futex(&s->count, FUTEX_WAIT_PRIVATE, c);
        s->context = NULL;
        atomic_store(&s->parked, 0);
        futex(&s->parked, FUTEX_WAKE_PRIVATE, 64);
    }
    errno = saved_errno;
}

static void install_handler(void)
{
    suspend_signal = SIGRTMIN + 6;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = park;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
    sigfillset(&sa.sa_mask);
    sigaction(suspend_signal, &sa, NULL);
}

static pthread_once_t handler_once = PTHREAD_ONCE_INIT;

MB_EXPORT kern_return_t mb_thread_suspend(mach_port_t thread)
{
    pthread_once(&handler_once, install_handler);
    pid_t tid = (pid_t)thread, self = (pid_t)syscall(SYS_gettid);
    pthread_mutex_lock(&suspend_lock);
    struct suspension *s = find(tid, 1);
    if (!s) {
        pthread_mutex_unlock(&suspend_lock);
        return KR(KERN_RESOURCE_SHORTAGE);
    }
    int first = atomic_fetch_add(&s->count, 1) == 0;
    pthread_mutex_unlock(&suspend_lock);
    if (!first)
        return KR(KERN_SUCCESS);
    if (syscall(SYS_tgkill, getpid(), tid, suspend_signal) != 0) {
        atomic_fetch_sub(&s->count, 1);
        return KR(KERN_INVALID_ARGUMENT);
    }
    if (tid == self)
        return KR(KERN_SUCCESS); /* it parked and has been resumed by now */
    /* XNU returns once the thread is stopped: wait for it to park */
    while (!atomic_load(&s->parked) && atomic_load(&s->count) > 0)
        futex(&s->parked, FUTEX_WAIT_PRIVATE, 0);
    return KR(KERN_SUCCESS);
}

MB_EXPORT kern_return_t mb_thread_resume(mach_port_t thread)
{
    pthread_mutex_lock(&suspend_lock);
    struct suspension *s = find((pid_t)thread, 0);
    kern_return_t r = KR(KERN_FAILURE);
    if (s && atomic_load(&s->count) > 0) {
        r = KR(KERN_SUCCESS);
        if (atomic_fetch_sub(&s->count, 1) == 1) {
            futex(&s->count, FUTEX_WAKE_PRIVATE, 64);
            /* wait until it has left the handler, so a quick re-suspend re-signals it */
            while (atomic_load(&s->parked))
                futex(&s->parked, FUTEX_WAIT_PRIVATE, 1);
            s->tid = 0;
        }
    }
    pthread_mutex_unlock(&suspend_lock);
    return r;
}

/* thread_abort(_safely): nothing is in a kernel wait here that a Mach abort would cut short
 * which the thread's own signal handling does not already; success. */
MB_EXPORT kern_return_t mb_thread_abort(mach_port_t thread)
{
    (void)thread;
    return KR(KERN_SUCCESS);
}

/* ---- registers --------------------------------------------------------------------------- */

static uint32_t state_words(int flavor)
{
    switch (flavor) {
    case DARWIN_x86_THREAD_STATE64: return (uint32_t)DARWIN_x86_THREAD_STATE64_COUNT;
    case DARWIN_x86_THREAD_STATE: return (uint32_t)DARWIN_x86_THREAD_STATE_COUNT;
    case DARWIN_x86_FLOAT_STATE64: return (uint32_t)DARWIN_x86_FLOAT_STATE64_COUNT;
    case DARWIN_x86_EXCEPTION_STATE64: return (uint32_t)DARWIN_x86_EXCEPTION_STATE64_COUNT;
    case DARWIN_x86_DEBUG_STATE64: return (uint32_t)DARWIN_x86_DEBUG_STATE64_COUNT;
    default: return 0;
    }
}

static void state_out(const struct darwin_mcontext64 *mc, int flavor, uint32_t *out)
{
    uint32_t words = state_words(flavor);
    switch (flavor) {
    case DARWIN_x86_THREAD_STATE:
        out[0] = (uint32_t)DARWIN_x86_THREAD_STATE64;
        out[1] = (uint32_t)DARWIN_x86_THREAD_STATE64_COUNT;
        memcpy(out + 2, &mc->__ss, sizeof mc->__ss);
        break;
    case DARWIN_x86_THREAD_STATE64: memcpy(out, &mc->__ss, sizeof mc->__ss); break;
    case DARWIN_x86_FLOAT_STATE64: memcpy(out, &mc->__fs, words * 4); break;
    case DARWIN_x86_EXCEPTION_STATE64: memcpy(out, &mc->__es, sizeof mc->__es); break;
    default: memset(out, 0, words * 4); break; /* no hardware breakpoints are set */
    }
}

static void state_in(struct darwin_mcontext64 *mc, int flavor, const uint32_t *in)
{
    switch (flavor) {
    case DARWIN_x86_THREAD_STATE: memcpy(&mc->__ss, in + 2, sizeof mc->__ss); break;
    case DARWIN_x86_THREAD_STATE64: memcpy(&mc->__ss, in, sizeof mc->__ss); break;
    case DARWIN_x86_FLOAT_STATE64: memcpy(&mc->__fs, in, sizeof mc->__fs); break;
    default: break;
    }
}

/* Runs `fn` on the stopped thread's context, stopping it for the call if it was running. */
static kern_return_t with_context(mach_port_t thread, int writing,
                                  void (*fn)(ucontext_t *, void *), void *arg)
{
    if ((pid_t)thread == (pid_t)syscall(SYS_gettid))
        return KR(KERN_INVALID_ARGUMENT); /* its own registers are not at rest */
    kern_return_t r = mb_thread_suspend(thread);
    if (r != KR(KERN_SUCCESS))
        return r;
    pthread_mutex_lock(&suspend_lock);
    struct suspension *s = find((pid_t)thread, 0);
    ucontext_t *uc = s && atomic_load(&s->parked) ? s->context : NULL;
    pthread_mutex_unlock(&suspend_lock);
    if (uc)
        fn(uc, arg);
    (void)writing;
    mb_thread_resume(thread);
    return uc ? KR(KERN_SUCCESS) : KR(KERN_FAILURE);
}

struct state_request {
    int flavor;
    uint32_t *words;
};

static void read_state(ucontext_t *uc, void *arg)
{
    struct state_request *q = arg;
    struct darwin_mcontext64 mc;
    mb_mcontext_to_darwin(uc, &mc);
    state_out(&mc, q->flavor, q->words);
}

static void write_state(ucontext_t *uc, void *arg)
{
    struct state_request *q = arg;
    struct darwin_mcontext64 mc;
    mb_mcontext_to_darwin(uc, &mc);
    state_in(&mc, q->flavor, q->words);
    mb_mcontext_from_darwin(uc, &mc);
}

MB_EXPORT kern_return_t mb_thread_get_state(mach_port_t thread, int flavor, uint32_t *state,
                                            uint32_t *count)
{
    uint32_t words = state_words(flavor);
    if (!words || !count || *count < words)
        return KR(KERN_INVALID_ARGUMENT);
    struct state_request q = {flavor, state};
    kern_return_t r = with_context(thread, 0, read_state, &q);
    if (r == KR(KERN_SUCCESS))
        *count = words;
    return r;
}

MB_EXPORT kern_return_t mb_thread_set_state(mach_port_t thread, int flavor,
                                            const uint32_t *state, uint32_t count)
{
    uint32_t words = state_words(flavor);
    if (!words || count < words || flavor == DARWIN_x86_EXCEPTION_STATE64)
        return KR(KERN_INVALID_ARGUMENT);
    struct state_request q = {flavor, (uint32_t *)state};
    return with_context(thread, 1, write_state, &q);
}

/* ---- the task's threads ------------------------------------------------------------------ */

/* Every thread of the process, as ports (Linux ids) in memory the caller vm_deallocates. */
MB_EXPORT kern_return_t mb_task_threads(mach_port_t task, mach_port_t **threads,
                                        uint32_t *count)
{
    (void)task;
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return KR(KERN_FAILURE);
    size_t cap = 64, n = 0;
    mach_port_t *list = malloc(cap * sizeof *list);
    struct dirent *e;
    while (list && (e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        if (n == cap) {
            mach_port_t *grown = realloc(list, (cap *= 2) * sizeof *list);
            if (!grown)
                break;
            list = grown;
        }
        list[n++] = (mach_port_t)atoi(e->d_name);
    }
    closedir(d);
    if (!list)
        return KR(KERN_RESOURCE_SHORTAGE);
    void *out = mmap(NULL, n * sizeof *list + 1, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (out == MAP_FAILED) {
        free(list);
        return KR(KERN_RESOURCE_SHORTAGE);
    }
    memcpy(out, list, n * sizeof *list);
    free(list);
    *threads = out;
    *count = (uint32_t)n;
    return KR(KERN_SUCCESS);
}
