/* libdispatch: dispatch_once, semaphores, dispatch_time, the retain/release object model
 * (this file), and queues, groups, timers, apply and sources (dispatch_queue.c), which
 * run on a pool of host threads and on machbox's kqueue.
 *
 * Every dispatch object starts with a header machbox owns; blocks are Apple blocks
 * (isa, flags, reserved, invoke, descriptor) called through their invoke pointer.
 */
#define _GNU_SOURCE
#include "runtime.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define DISPATCH_TIME_NOW 0ull
#define DISPATCH_TIME_FOREVER (~0ull)

static long futex(void *addr, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

/* ---- objects -------------------------------------------------------------------------- */

#include "dispatch.h"

MB_EXPORT void mb_dispatch_retain(struct dobject *o)
{
    if (o)
        atomic_fetch_add(&o->refs, 1);
}

MB_EXPORT void mb_dispatch_release(struct dobject *o)
{
    if (o && atomic_fetch_sub(&o->refs, 1) == 1)
        mb_dispatch_dispose(o);
}

/* ---- dispatch_once ----------------------------------------------------------------- */

/* The predicate is 0 before, ~0 after (the header's inline check reads it); 1 while the
 * first caller runs the function and others sleep on it. */
MB_EXPORT void mb_dispatch_once_f(long *pred, void *ctx, void (*fn)(void *))
{
    _Atomic long *p = (_Atomic long *)pred;
    long v = atomic_load(p);
    if (v == ~0l)
        return;
    long expected = 0;
    if (atomic_compare_exchange_strong(p, &expected, 1)) {
        fn(ctx);
        atomic_store(p, ~0l);
        futex(pred, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
        return;
    }
    while ((v = atomic_load(p)) != ~0l)
        futex(pred, FUTEX_WAIT_PRIVATE, (uint32_t)v, NULL);
}

static void call_block(void *block)
{
    ((struct mb_block *)block)->invoke(block);
}

MB_EXPORT void mb_dispatch_once(long *pred, void *block)
{
    mb_dispatch_once_f(pred, block, call_block);
}

/* ---- time -------------------------------------------------------------------------- */

MB_HIDDEN uint64_t mb_dispatch_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* dispatch_time_t is mach_absolute_time (nanoseconds here). */
MB_EXPORT uint64_t mb_dispatch_time(uint64_t when, int64_t delta)
{
    if (when == DISPATCH_TIME_FOREVER)
        return DISPATCH_TIME_FOREVER;
    uint64_t base = when == DISPATCH_TIME_NOW ? mb_dispatch_now() : when;
    if (delta < 0 && (uint64_t)-delta > base)
        return 1;
    uint64_t t = base + (uint64_t)delta;
    return (delta > 0 && t < base) ? DISPATCH_TIME_FOREVER : t;
}

MB_EXPORT uint64_t mb_dispatch_walltime(const struct timespec *when, int64_t delta)
{
    struct timespec ts;
    if (!when) {
        clock_gettime(CLOCK_REALTIME, &ts);
        when = &ts;
    }
    /* wall times are negative on Darwin; machbox keeps them absolute-monotonic-equivalent */
    uint64_t wall = (uint64_t)when->tv_sec * 1000000000ull + (uint64_t)when->tv_nsec;
    struct timespec real;
    clock_gettime(CLOCK_REALTIME, &real);
    uint64_t real_ns = (uint64_t)real.tv_sec * 1000000000ull + (uint64_t)real.tv_nsec;
    return mb_dispatch_time(mb_dispatch_now() + (wall - real_ns), delta);
}

/* ---- semaphores --------------------------------------------------------------------- */


MB_EXPORT struct dsemaphore *mb_dispatch_semaphore_create(long value)
{
    if (value < 0)
        return NULL;
    struct dsemaphore *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->head.refs = 1;
    s->head.kind = KIND_SEMAPHORE;
    s->value = (int32_t)value;
    return s;
}

/* Returns non-zero when a waiter was woken. */
MB_EXPORT long mb_dispatch_semaphore_signal(struct dsemaphore *s)
{
    if (atomic_fetch_add(&s->value, 1) >= 0)
        return 0;
    atomic_fetch_add(&s->wakeups, 1);
    futex(&s->wakeups, FUTEX_WAKE_PRIVATE, 1, NULL);
    return 1;
}

/* Returns 0 on success, non-zero on timeout. */
MB_EXPORT long mb_dispatch_semaphore_wait(struct dsemaphore *s, uint64_t timeout)
{
    if (atomic_fetch_sub(&s->value, 1) > 0)
        return 0;
    for (;;) {
        uint32_t seen = atomic_load(&s->wakeups);
        /* a pending wakeup is ours if we can consume it */
        if (seen && atomic_compare_exchange_strong(&s->wakeups, &seen, seen - 1))
            return 0;
        struct timespec ts, *tp = NULL;
        if (timeout != DISPATCH_TIME_FOREVER) {
            uint64_t now = mb_dispatch_now();
            if (timeout <= now) {
                /* give the count back unless a signal already targeted us */
                int32_t v = atomic_load(&s->value);
                while (v < 0) {
                    if (atomic_compare_exchange_strong(&s->value, &v, v + 1))
                        return 1;
                }
                continue; /* a signal is in flight: consume its wakeup */
            }
            uint64_t d = timeout - now;
            ts.tv_sec = (time_t)(d / 1000000000ull);
            ts.tv_nsec = (long)(d % 1000000000ull);
            tp = &ts;
        }
        futex(&s->wakeups, FUTEX_WAIT_PRIVATE, seen, tp);
        errno = 0;
    }
}
