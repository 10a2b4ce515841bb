/* CFRunLoop timers and version-0 sources on the main run loop.
 *
 * The main run loop is the main dispatch queue drained by CFRunLoopRun (cf.c); a timer is a
 * dispatch_after of its next firing onto that queue, a signalled source an async block on it,
 * so both run on the main thread inside CFRunLoopRun, in the order they become due. A
 * repeating timer is rescheduled from its previous fire date (missed firings are skipped,
 * as CF does); invalidating a timer or source stops whatever is already queued for it.
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "cf_api.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define TYPE_TIMER 44
#define TYPE_SOURCE 45
#define SECONDS_1970_TO_2001 978307200.0

struct dqueue;
MB_HIDDEN void *mb_cf_object_new(unsigned long type, const char *name, size_t size,
                                 void (*finalize)(void *));
MB_EXPORT void mb_dispatch_after_f(uint64_t when, struct dqueue *q, void *ctx, void (*fn)(void *));
MB_EXPORT void mb_dispatch_async_f(struct dqueue *q, void *ctx, void (*fn)(void *));
MB_EXPORT uint64_t mb_dispatch_time(uint64_t when, int64_t delta);
extern struct dqueue mb__dispatch_main_q;

/* CFRunLoopTimerContext / CFRunLoopSourceContext: version, info, retain, release, copyDescription */
struct context {
    long version;
    void *info;
    const void *(*retain)(const void *);
    void (*release)(const void *);
    void *copy_description;
};

/* ---- timers -------------------------------------------------------------------------------- */

struct timer {
    unsigned char base[16];
    CFAbsoluteTime next;
    double interval;
    void (*callout)(struct timer *, void *);
    struct context ctx;
    _Atomic int valid, scheduled;
    _Atomic unsigned generation; /* bumped when the fire date changes: older firings lapse */
};

struct firing {
    struct timer *t;
    unsigned generation;
};

static void timer_finalize(void *p)
{
    struct timer *t = p;
    if (t->ctx.release && t->ctx.info)
        t->ctx.release(t->ctx.info);
}

MB_EXPORT unsigned long mb_CFRunLoopTimerGetTypeID(void) { return TYPE_TIMER; }

MB_EXPORT struct timer *mb_CFRunLoopTimerCreate(const void *alloc, CFAbsoluteTime fire,
                                                double interval, unsigned long flags, long order,
                                                void (*callout)(struct timer *, void *),
                                                const struct context *ctx)
{
    (void)alloc, (void)flags, (void)order;
    struct timer *t = mb_cf_object_new(TYPE_TIMER, "CFRunLoopTimer", sizeof *t, timer_finalize);
    if (!t)
        return NULL;
    t->next = fire;
    t->interval = interval > 0 ? interval : 0;
    t->callout = callout;
    if (ctx) {
        t->ctx = *ctx;
        if (t->ctx.retain && t->ctx.info)
            t->ctx.info = (void *)t->ctx.retain(t->ctx.info);
    }
    atomic_store(&t->valid, 1);
    return t;
}

static void fire(void *arg);

static void schedule(struct timer *t)
{
    struct firing *f = malloc(sizeof *f);
    if (!f)
        return;
    f->t = (struct timer *)mb_CFRetain(t);
    f->generation = atomic_load(&t->generation);
    double delay = t->next - mb_CFAbsoluteTimeGetCurrent();
    int64_t ns = delay > 0 ? (int64_t)(delay * 1e9) : 0;
    mb_dispatch_after_f(mb_dispatch_time(0, ns), &mb__dispatch_main_q, f, fire);
}

static void fire(void *arg)
{
    struct firing *f = arg;
    struct timer *t = f->t;
    unsigned generation = f->generation;
    free(f);
    if (generation == atomic_load(&t->generation) && atomic_load(&t->valid)) {
        if (t->interval > 0) {
            /* the next firing after now, on the original schedule */
            double now = mb_CFAbsoluteTimeGetCurrent();
            double skipped = floor((now - t->next) / t->interval);
            t->next += t->interval * (skipped > 0 ? skipped + 1 : 1);
        }
        t->callout(t, t->ctx.info);
        if (t->interval == 0 && generation == atomic_load(&t->generation))
            atomic_store(&t->valid, 0); /* a one-shot timer ends after its callout, as in CF */
        /* again, unless the callout invalidated, removed or rescheduled it itself */
        if (t->interval > 0 && atomic_load(&t->valid) && atomic_load(&t->scheduled) &&
            generation == atomic_load(&t->generation)) {
            atomic_fetch_add(&t->generation, 1);
            schedule(t);
        }
    }
    mb_CFRelease(t);
}

MB_EXPORT void mb_CFRunLoopAddTimer(const void *rl, struct timer *t, const void *mode)
{
    (void)rl, (void)mode;
    if (!t || !atomic_load(&t->valid) || atomic_exchange(&t->scheduled, 1))
        return; /* a timer is in one run loop once, whatever the modes */
    atomic_fetch_add(&t->generation, 1);
    schedule(t);
}

MB_EXPORT void mb_CFRunLoopTimerInvalidate(struct timer *t)
{
    if (t)
        atomic_store(&t->valid, 0);
}

MB_EXPORT void mb_CFRunLoopRemoveTimer(const void *rl, struct timer *t, const void *mode)
{
    (void)rl, (void)mode;
    if (t && atomic_exchange(&t->scheduled, 0))
        atomic_fetch_add(&t->generation, 1); /* what is queued lapses */
}

MB_EXPORT unsigned char mb_CFRunLoopTimerIsValid(struct timer *t)
{
    return t && atomic_load(&t->valid);
}

MB_EXPORT unsigned char mb_CFRunLoopContainsTimer(const void *rl, struct timer *t, const void *mode)
{
    (void)rl, (void)mode;
    return t && atomic_load(&t->scheduled) && atomic_load(&t->valid);
}

MB_EXPORT CFAbsoluteTime mb_CFRunLoopTimerGetNextFireDate(struct timer *t)
{
    return t ? t->next : 0;
}

MB_EXPORT double mb_CFRunLoopTimerGetInterval(struct timer *t) { return t ? t->interval : 0; }

MB_EXPORT void mb_CFRunLoopTimerSetNextFireDate(struct timer *t, CFAbsoluteTime when)
{
    if (!t)
        return;
    t->next = when;
    atomic_fetch_add(&t->generation, 1);
    if (atomic_load(&t->scheduled) && atomic_load(&t->valid))
        schedule(t);
}

/* ---- version-0 sources ------------------------------------------------------------------------ */

struct source_context {
    struct context base;
    void *equal, *hash;
    void (*schedule)(void *info, const void *rl, const void *mode);
    void (*cancel)(void *info, const void *rl, const void *mode);
    void (*perform)(void *info);
};

struct source {
    unsigned char base[16];
    struct source_context ctx;
    _Atomic int valid, signaled, added;
};

static void source_finalize(void *p)
{
    struct source *s = p;
    if (s->ctx.base.release && s->ctx.base.info)
        s->ctx.base.release(s->ctx.base.info);
}

MB_EXPORT unsigned long mb_CFRunLoopSourceGetTypeID(void) { return TYPE_SOURCE; }

MB_EXPORT struct source *mb_CFRunLoopSourceCreate(const void *alloc, long order,
                                                  const struct source_context *ctx)
{
    (void)alloc, (void)order;
    if (!ctx || ctx->base.version != 0)
        return NULL; /* version 1 (Mach port) sources: CFMachPort's business */
    struct source *s = mb_cf_object_new(TYPE_SOURCE, "CFRunLoopSource", sizeof *s,
                                        source_finalize);
    if (!s)
        return NULL;
    s->ctx = *ctx;
    if (s->ctx.base.retain && s->ctx.base.info)
        s->ctx.base.info = (void *)s->ctx.base.retain(s->ctx.base.info);
    atomic_store(&s->valid, 1);
    return s;
}

static void perform(void *arg)
{
    struct source *s = arg;
    if (atomic_load(&s->valid) && atomic_load(&s->added) && atomic_exchange(&s->signaled, 0) &&
        s->ctx.perform)
        s->ctx.perform(s->ctx.base.info);
    mb_CFRelease(s);
}

static void queue_perform(struct source *s)
{
    mb_dispatch_async_f(&mb__dispatch_main_q, (void *)mb_CFRetain(s), perform);
}

MB_EXPORT void mb_CFRunLoopAddSource(const void *rl, struct source *s, const void *mode)
{
    if (!s || !atomic_load(&s->valid) || atomic_exchange(&s->added, 1))
        return;
    if (s->ctx.schedule)
        s->ctx.schedule(s->ctx.base.info, rl, mode);
    if (atomic_load(&s->signaled))
        queue_perform(s);
}

MB_EXPORT void mb_CFRunLoopRemoveSource(const void *rl, struct source *s, const void *mode)
{
    if (s && atomic_exchange(&s->added, 0) && s->ctx.cancel)
        s->ctx.cancel(s->ctx.base.info, rl, mode);
}

MB_EXPORT void mb_CFRunLoopSourceSignal(struct source *s)
{
    if (s && atomic_load(&s->valid) && !atomic_exchange(&s->signaled, 1) && atomic_load(&s->added))
        queue_perform(s);
}

MB_EXPORT void mb_CFRunLoopSourceInvalidate(struct source *s)
{
    if (!s || !atomic_exchange(&s->valid, 0))
        return;
    extern void *mb_CFRunLoopGetMain(void);
    extern const void *mb_kCFRunLoopDefaultMode;
    mb_CFRunLoopRemoveSource(mb_CFRunLoopGetMain(), s, mb_kCFRunLoopDefaultMode);
}

MB_EXPORT unsigned char mb_CFRunLoopSourceIsValid(struct source *s)
{
    return s && atomic_load(&s->valid);
}

MB_EXPORT unsigned char mb_CFRunLoopContainsSource(const void *rl, struct source *s,
                                                   const void *mode)
{
    (void)rl, (void)mode;
    return s && atomic_load(&s->added);
}
