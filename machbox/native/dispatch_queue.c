/* libdispatch queues, groups, dispatch_after, dispatch_apply and sources.
 *
 * Work runs on one pool of host threads that grows while every worker is busy (blocks may
 * block). A queue with runnable work puts a ticket on the pool's ready list; a worker
 * takes a ticket, runs one item the queue's rules allow (serial: one at a time;
 * concurrent: many, except around barriers) and leaves a ticket behind while more can run.
 * The main queue is drained only by dispatch_main() on the main thread, as on macOS.
 * Timers (dispatch_after, timer sources) and kernel-event sources share one manager
 * thread that waits in kevent on a private kqueue with the next timer as its timeout.
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "darwin_abi.h"
#include "dispatch.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- queues ----------------------------------------------------------------------------- */

struct work {
    struct work *next;
    void (*fn)(void *);
    void *ctx;
    int barrier;
    struct dsemaphore *done; /* dispatch_sync: signalled when fn has run */
};

struct dqueue {
    struct dobject head;
    char label[128];
    int concurrent;
    int global;
    int main;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* main queue: dispatch_main waits on it */
    struct work *first, *last;
    int running;
    int barrier_running;
    int suspended;
};

#define QUEUE_INIT(name, conc, glob, is_main)                                                \
    {.head = {.refs = 1 << 30, .kind = KIND_QUEUE}, .label = name, .concurrent = conc,      \
     .global = glob, .main = is_main, .lock = PTHREAD_MUTEX_INITIALIZER,                    \
     .cond = PTHREAD_COND_INITIALIZER}

MB_EXPORT struct dqueue mb__dispatch_main_q = QUEUE_INIT("com.apple.main-thread", 0, 0, 1);
static struct dqueue global_queues[] = {
    QUEUE_INIT("com.apple.root.background-qos", 1, 1, 0),
    QUEUE_INIT("com.apple.root.utility-qos", 1, 1, 0),
    QUEUE_INIT("com.apple.root.default-qos", 1, 1, 0),
    QUEUE_INIT("com.apple.root.user-initiated-qos", 1, 1, 0),
    QUEUE_INIT("com.apple.root.user-interactive-qos", 1, 1, 0),
};
/* DISPATCH_QUEUE_CONCURRENT is the address of this object; only the address matters */
MB_EXPORT char mb__dispatch_queue_attr_concurrent[64];

static __thread struct dqueue *current_queue;

/* ---- the thread pool ---------------------------------------------------------------------- */

struct ticket {
    struct ticket *next;
    struct dqueue *q;
};

#define POOL_MAX 64
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cond = PTHREAD_COND_INITIALIZER;
static struct ticket *ready_first, *ready_last;
static int workers, idle_workers;

static void *worker_main(void *arg);

static void pool_push(struct dqueue *q)
{
    struct ticket *t = malloc(sizeof *t);
    if (!t)
        abort();
    t->q = q;
    t->next = NULL;
    pthread_mutex_lock(&pool_lock);
    if (ready_last)
        ready_last->next = t;
    else
        ready_first = t;
    ready_last = t;
    if (idle_workers > 0) {
        pthread_cond_signal(&pool_cond);
    } else if (workers < POOL_MAX) {
        struct mb_thread *th;
        if (mb_pthread_create(&th, NULL, worker_main, NULL) == 0) {
            mb_pthread_detach(th);
            workers++;
        }
    }
    pthread_mutex_unlock(&pool_lock);
}

/* Takes the next item q's rules let run now; NULL if none. Called with q->lock held. */
static struct work *take(struct dqueue *q)
{
    struct work *w = q->first;
    if (!w || q->suspended || q->barrier_running)
        return NULL;
    if ((!q->concurrent || w->barrier) && q->running)
        return NULL;
    q->first = w->next;
    if (!q->first)
        q->last = NULL;
    q->running++;
    q->barrier_running = !q->concurrent || w->barrier;
    return w;
}

static int runnable(struct dqueue *q)
{
    struct work *w = q->first;
    if (!w || q->suspended || q->barrier_running)
        return 0;
    return !((!q->concurrent || w->barrier) && q->running);
}

static void run_item(struct dqueue *q, struct work *w)
{
    struct dqueue *outer = current_queue;
    current_queue = q;
    w->fn(w->ctx);
    current_queue = outer;
    if (w->done)
        mb_dispatch_semaphore_signal(w->done);
    free(w);
    pthread_mutex_lock(&q->lock);
    q->running--;
    q->barrier_running = 0;
    int more = runnable(q);
    pthread_mutex_unlock(&q->lock);
    if (more)
        pool_push(q);
}

static void *worker_main(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&pool_lock);
        idle_workers++;
        while (!ready_first)
            pthread_cond_wait(&pool_cond, &pool_lock);
        idle_workers--;
        struct ticket *t = ready_first;
        ready_first = t->next;
        if (!ready_first)
            ready_last = NULL;
        pthread_mutex_unlock(&pool_lock);
        struct dqueue *q = t->q;
        free(t);
        pthread_mutex_lock(&q->lock);
        struct work *w = take(q);
        int more = w && runnable(q); /* a concurrent queue can feed another worker */
        pthread_mutex_unlock(&q->lock);
        if (more)
            pool_push(q);
        if (w)
            run_item(q, w);
    }
    return NULL;
}

static void enqueue(struct dqueue *q, void (*fn)(void *), void *ctx, int barrier,
                    struct dsemaphore *done)
{
    struct work *w = calloc(1, sizeof *w);
    if (!w)
        abort();
    w->fn = fn;
    w->ctx = ctx;
    w->barrier = barrier;
    w->done = done;
    pthread_mutex_lock(&q->lock);
    if (q->last)
        q->last->next = w;
    else
        q->first = w;
    q->last = w;
    int go = !q->main && runnable(q);
    if (q->main)
        pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->lock);
    if (go)
        pool_push(q);
}

/* ---- the public queue API ---------------------------------------------------------------- */

MB_EXPORT struct dqueue *mb_dispatch_get_global_queue(long identifier, unsigned long flags)
{
    (void)flags;
    switch (identifier) {
    case -32768: /* DISPATCH_QUEUE_PRIORITY_BACKGROUND */
    case 0x09: return &global_queues[0];  /* QOS_CLASS_BACKGROUND */
    case 0x11: return &global_queues[1];  /* QOS_CLASS_UTILITY */
    case -2: return &global_queues[1];    /* DISPATCH_QUEUE_PRIORITY_LOW */
    case 0x19: return &global_queues[3];  /* QOS_CLASS_USER_INITIATED */
    case 2: return &global_queues[3];     /* DISPATCH_QUEUE_PRIORITY_HIGH */
    case 0x21: return &global_queues[4];  /* QOS_CLASS_USER_INTERACTIVE */
    default: return &global_queues[2];    /* DEFAULT, QOS_CLASS_DEFAULT (0x15), unspecified */
    }
}

MB_EXPORT struct dqueue *mb_dispatch_queue_create(const char *label, const void *attr)
{
    struct dqueue *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->head.refs = 1;
    q->head.kind = KIND_QUEUE;
    if (label)
        snprintf(q->label, sizeof q->label, "%s", label);
    q->concurrent = attr == (const void *)mb__dispatch_queue_attr_concurrent;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);
    return q;
}

MB_EXPORT struct dqueue *mb_dispatch_queue_create_with_target(const char *label,
                                                             const void *attr, void *target)
{
    (void)target;
    return mb_dispatch_queue_create(label, attr);
}

MB_EXPORT const void *mb_dispatch_queue_attr_make_with_qos_class(const void *attr, int qos,
                                                                int prio)
{
    (void)qos, (void)prio;
    return attr;
}

MB_EXPORT const void *mb_dispatch_queue_attr_make_initially_inactive(const void *attr)
{
    return attr;
}

MB_EXPORT const char *mb_dispatch_queue_get_label(struct dqueue *q)
{
    if (!q) /* DISPATCH_CURRENT_QUEUE_LABEL */
        q = current_queue;
    return q ? q->label : "";
}

MB_EXPORT struct dqueue *mb_dispatch_get_current_queue(void)
{
    return current_queue ? current_queue : &global_queues[2];
}

MB_EXPORT void mb_dispatch_async_f(struct dqueue *q, void *ctx, void (*fn)(void *))
{
    enqueue(q, fn, ctx, 0, NULL);
}

MB_EXPORT void mb_dispatch_barrier_async_f(struct dqueue *q, void *ctx, void (*fn)(void *))
{
    enqueue(q, fn, ctx, !q->global, NULL);
}

static void call_and_release(void *block)
{
    ((struct mb_block *)block)->invoke(block);
    mb__Block_release(block);
}

MB_EXPORT void mb_dispatch_async(struct dqueue *q, void *block)
{
    enqueue(q, call_and_release, mb__Block_copy(block), 0, NULL);
}

MB_EXPORT void mb_dispatch_barrier_async(struct dqueue *q, void *block)
{
    enqueue(q, call_and_release, mb__Block_copy(block), !q->global, NULL);
}

static void sync_on(struct dqueue *q, void (*fn)(void *), void *ctx, int barrier)
{
    if (q->global) { /* a root queue runs synchronous work on the calling thread */
        struct dqueue *outer = current_queue;
        current_queue = q;
        fn(ctx);
        current_queue = outer;
        return;
    }
    struct dsemaphore *done = mb_dispatch_semaphore_create(0);
    enqueue(q, fn, ctx, barrier, done);
    mb_dispatch_semaphore_wait(done, DISPATCH_TIME_FOREVER);
    mb_dispatch_release(&done->head);
}

static void call_block(void *block)
{
    ((struct mb_block *)block)->invoke(block);
}

MB_EXPORT void mb_dispatch_sync_f(struct dqueue *q, void *ctx, void (*fn)(void *))
{
    sync_on(q, fn, ctx, 0);
}

MB_EXPORT void mb_dispatch_sync(struct dqueue *q, void *block)
{
    sync_on(q, call_block, block, 0);
}

MB_EXPORT void mb_dispatch_barrier_sync_f(struct dqueue *q, void *ctx, void (*fn)(void *))
{
    sync_on(q, fn, ctx, 1);
}

MB_EXPORT void mb_dispatch_barrier_sync(struct dqueue *q, void *block)
{
    sync_on(q, call_block, block, 1);
}

MB_EXPORT void mb_dispatch_suspend(struct dobject *o);
MB_EXPORT void mb_dispatch_resume(struct dobject *o);

/* Runs main-queue work on the calling (main) thread until `deadline` (mach time) or until
 * *stop becomes non-zero; returns how many items ran. CFRunLoopRun is built on this. */
MB_HIDDEN int mb_dispatch_drain_main(uint64_t deadline, _Atomic int *stop)
{
    struct dqueue *q = &mb__dispatch_main_q;
    int ran = 0;
    struct dqueue *outer = current_queue;
    current_queue = q;
    while (!(stop && atomic_load(stop))) {
        pthread_mutex_lock(&q->lock);
        struct work *w = take(q);
        if (!w) {
            uint64_t now = mb_dispatch_now();
            if (deadline != DISPATCH_TIME_FOREVER && now >= deadline) {
                pthread_mutex_unlock(&q->lock);
                break;
            }
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            uint64_t wait = deadline == DISPATCH_TIME_FOREVER ? 100000000ull
                            : deadline - now < 100000000ull ? deadline - now : 100000000ull;
            uint64_t at = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec + wait;
            ts.tv_sec = (time_t)(at / 1000000000ull);
            ts.tv_nsec = (long)(at % 1000000000ull);
            pthread_cond_timedwait(&q->cond, &q->lock, &ts);
            pthread_mutex_unlock(&q->lock);
            continue;
        }
        pthread_mutex_unlock(&q->lock);
        w->fn(w->ctx);
        if (w->done)
            mb_dispatch_semaphore_signal(w->done);
        free(w);
        pthread_mutex_lock(&q->lock);
        q->running--;
        q->barrier_running = 0;
        pthread_mutex_unlock(&q->lock);
        ran++;
    }
    current_queue = outer;
    return ran;
}

/* dispatch_main: the main thread becomes the main queue's worker, forever. */
MB_EXPORT void mb_dispatch_main(void)
{
    for (;;)
        mb_dispatch_drain_main(DISPATCH_TIME_FOREVER, NULL);
}

MB_HIDDEN void mb_dispatch_wake_main(void)
{
    pthread_mutex_lock(&mb__dispatch_main_q.lock);
    pthread_cond_broadcast(&mb__dispatch_main_q.cond);
    pthread_mutex_unlock(&mb__dispatch_main_q.lock);
}

/* ---- groups -------------------------------------------------------------------------------- */

struct notify {
    struct notify *next;
    struct dqueue *q;
    void (*fn)(void *);
    void *ctx;
};

struct dgroup {
    struct dobject head;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    long count;
    struct notify *notifies;
};

MB_EXPORT struct dgroup *mb_dispatch_group_create(void)
{
    struct dgroup *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->head.refs = 1;
    g->head.kind = KIND_GROUP;
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->cond, NULL);
    return g;
}

MB_EXPORT void mb_dispatch_group_enter(struct dgroup *g)
{
    pthread_mutex_lock(&g->lock);
    g->count++;
    pthread_mutex_unlock(&g->lock);
}

MB_EXPORT void mb_dispatch_group_leave(struct dgroup *g)
{
    pthread_mutex_lock(&g->lock);
    struct notify *fire = NULL;
    if (--g->count == 0) {
        fire = g->notifies;
        g->notifies = NULL;
        pthread_cond_broadcast(&g->cond);
    }
    pthread_mutex_unlock(&g->lock);
    while (fire) {
        struct notify *next = fire->next;
        enqueue(fire->q, fire->fn, fire->ctx, 0, NULL);
        free(fire);
        fire = next;
    }
}

MB_EXPORT long mb_dispatch_group_wait(struct dgroup *g, uint64_t timeout)
{
    pthread_mutex_lock(&g->lock);
    long r = 0;
    while (g->count > 0) {
        if (timeout == DISPATCH_TIME_FOREVER) {
            pthread_cond_wait(&g->cond, &g->lock);
            continue;
        }
        uint64_t now = mb_dispatch_now();
        if (timeout <= now) {
            r = 1;
            break;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t at = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec + (timeout - now);
        ts.tv_sec = (time_t)(at / 1000000000ull);
        ts.tv_nsec = (long)(at % 1000000000ull);
        pthread_cond_timedwait(&g->cond, &g->lock, &ts);
    }
    pthread_mutex_unlock(&g->lock);
    return r;
}

MB_EXPORT void mb_dispatch_group_notify_f(struct dgroup *g, struct dqueue *q, void *ctx,
                                          void (*fn)(void *))
{
    pthread_mutex_lock(&g->lock);
    if (g->count == 0) {
        pthread_mutex_unlock(&g->lock);
        enqueue(q, fn, ctx, 0, NULL);
        return;
    }
    struct notify *n = malloc(sizeof *n);
    if (!n)
        abort();
    *n = (struct notify){g->notifies, q, fn, ctx};
    g->notifies = n;
    pthread_mutex_unlock(&g->lock);
}

MB_EXPORT void mb_dispatch_group_notify(struct dgroup *g, struct dqueue *q, void *block)
{
    mb_dispatch_group_notify_f(g, q, mb__Block_copy(block), call_and_release);
}

struct group_item {
    struct dgroup *g;
    void (*fn)(void *);
    void *ctx;
};

static void run_group_item(void *arg)
{
    struct group_item *it = arg;
    it->fn(it->ctx);
    mb_dispatch_group_leave(it->g);
    free(it);
}

MB_EXPORT void mb_dispatch_group_async_f(struct dgroup *g, struct dqueue *q, void *ctx,
                                         void (*fn)(void *))
{
    struct group_item *it = malloc(sizeof *it);
    if (!it)
        abort();
    *it = (struct group_item){g, fn, ctx};
    mb_dispatch_group_enter(g);
    enqueue(q, run_group_item, it, 0, NULL);
}

MB_EXPORT void mb_dispatch_group_async(struct dgroup *g, struct dqueue *q, void *block)
{
    mb_dispatch_group_async_f(g, q, mb__Block_copy(block), call_and_release);
}

/* ---- dispatch_apply -------------------------------------------------------------------------- */

struct apply {
    _Atomic size_t next;
    size_t n;
    void (*fn)(void *, size_t);
    void *ctx;
    struct dgroup *group;
};

static void apply_worker(void *arg)
{
    struct apply *a = arg;
    size_t i;
    while ((i = atomic_fetch_add(&a->next, 1)) < a->n)
        a->fn(a->ctx, i);
}

MB_EXPORT void mb_dispatch_apply_f(size_t n, struct dqueue *q, void *ctx,
                                   void (*fn)(void *, size_t))
{
    if (n == 0)
        return;
    struct apply a = {.n = n, .fn = fn, .ctx = ctx, .group = mb_dispatch_group_create()};
    atomic_store(&a.next, 0);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t helpers = q && !q->concurrent ? 0 : (size_t)(cpus > 1 ? cpus - 1 : 0);
    if (helpers > n - 1)
        helpers = n - 1;
    for (size_t h = 0; h < helpers; h++)
        mb_dispatch_group_async_f(a.group, &global_queues[2], &a, apply_worker);
    apply_worker(&a);
    mb_dispatch_group_wait(a.group, DISPATCH_TIME_FOREVER);
    mb_dispatch_release(&a.group->head);
}

static void apply_block(void *block, size_t i)
{
    ((void (*)(void *, size_t))((struct mb_block *)block)->invoke)(block, i);
}

MB_EXPORT void mb_dispatch_apply(size_t n, struct dqueue *q, void *block)
{
    mb_dispatch_apply_f(n, q, block, apply_block);
}

/* ---- the manager thread: timers and kernel events ---------------------------------------------- */

struct source;

struct timer {
    struct timer *next;
    uint64_t deadline;
    struct dqueue *q;       /* dispatch_after */
    void (*fn)(void *);
    void *ctx;
    struct source *source;  /* or a timer source */
};

static pthread_mutex_t manager_lock = PTHREAD_MUTEX_INITIALIZER;
static struct timer *timers; /* sorted by deadline */
static int manager_kq = -1;
static int manager_wake[2] = {-1, -1};

MB_EXPORT int mb_kqueue(void);
MB_EXPORT int mb_kevent(int kq, const struct darwin_kevent *changes, int nchanges,
                        struct darwin_kevent *events, int nevents, const struct timespec *timeout);

static void *manager_main(void *arg);

static void manager_start(void)
{
    manager_kq = mb_kqueue();
    if (manager_kq < 0 || pipe2(manager_wake, O_CLOEXEC | O_NONBLOCK) != 0)
        abort();
    struct darwin_kevent ch = {(uint64_t)manager_wake[0], DARWIN_EVFILT_READ, DARWIN_EV_ADD, 0, 0, NULL};
    mb_kevent(manager_kq, &ch, 1, NULL, 0, NULL);
    struct mb_thread *th;
    if (mb_pthread_create(&th, NULL, manager_main, NULL) != 0)
        abort();
    mb_pthread_detach(th);
}

static void manager_poke(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, manager_start);
    char c = 1;
    (void)!write(manager_wake[1], &c, 1);
}

static void add_timer(struct timer *t)
{
    pthread_mutex_lock(&manager_lock);
    struct timer **pp = &timers;
    while (*pp && (*pp)->deadline <= t->deadline)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    pthread_mutex_unlock(&manager_lock);
    manager_poke();
}

static void remove_timers_of(struct source *s)
{
    pthread_mutex_lock(&manager_lock);
    for (struct timer **pp = &timers; *pp;) {
        if ((*pp)->source == s) {
            struct timer *t = *pp;
            *pp = t->next;
            free(t);
        } else {
            pp = &(*pp)->next;
        }
    }
    pthread_mutex_unlock(&manager_lock);
}

MB_EXPORT void mb_dispatch_after_f(uint64_t when, struct dqueue *q, void *ctx, void (*fn)(void *))
{
    if (when == DISPATCH_TIME_FOREVER)
        return;
    struct timer *t = calloc(1, sizeof *t);
    if (!t)
        abort();
    t->deadline = when;
    t->q = q;
    t->fn = fn;
    t->ctx = ctx;
    add_timer(t);
}

MB_EXPORT void mb_dispatch_after(uint64_t when, struct dqueue *q, void *block)
{
    mb_dispatch_after_f(when, q, mb__Block_copy(block), call_and_release);
}

/* ---- sources -------------------------------------------------------------------------------- */

/* DISPATCH_SOURCE_TYPE_* are addresses of these; each names its kind by its position. */
enum { SRC_DATA_ADD, SRC_DATA_OR, SRC_DATA_REPLACE, SRC_READ, SRC_WRITE, SRC_TIMER,
       SRC_SIGNAL, SRC_PROC, SRC_VNODE, SRC_MACH_SEND, SRC_MACH_RECV, SRC_MEMORYPRESSURE,
       SRC_KINDS };
MB_EXPORT char mb__dispatch_source_type_data_add[16], mb__dispatch_source_type_data_or[16],
    mb__dispatch_source_type_data_replace[16], mb__dispatch_source_type_read[16],
    mb__dispatch_source_type_write[16], mb__dispatch_source_type_timer[16],
    mb__dispatch_source_type_signal[16], mb__dispatch_source_type_proc[16],
    mb__dispatch_source_type_vnode[16], mb__dispatch_source_type_mach_send[16],
    mb__dispatch_source_type_mach_recv[16], mb__dispatch_source_type_memorypressure[16];

static int source_kind(const void *type)
{
    const void *types[SRC_KINDS] = {
        mb__dispatch_source_type_data_add, mb__dispatch_source_type_data_or,
        mb__dispatch_source_type_data_replace, mb__dispatch_source_type_read,
        mb__dispatch_source_type_write, mb__dispatch_source_type_timer,
        mb__dispatch_source_type_signal, mb__dispatch_source_type_proc,
        mb__dispatch_source_type_vnode, mb__dispatch_source_type_mach_send,
        mb__dispatch_source_type_mach_recv, mb__dispatch_source_type_memorypressure};
    for (int i = 0; i < SRC_KINDS; i++)
        if (types[i] == type)
            return i;
    return -1;
}

struct handler {
    void (*fn)(void *);
    void *ctx;   /* the context, or the copied block */
    int block;
};

struct source {
    struct dobject head;
    int kind;
    uintptr_t handle;
    uintptr_t ident;   /* what the kqueue watches: the handle, or a Mach port's descriptor */
    unsigned long mask;
    struct dqueue *q;
    struct handler event, cancel, registration;
    pthread_mutex_t lock;
    _Atomic unsigned long pending_data; /* merged since the handler last ran */
    unsigned long data;                 /* what dispatch_source_get_data answers */
    int active, suspended, canceled, handler_queued, cancel_queued, running;
    uint64_t start, interval;           /* timers */
};

static void call_handler(struct source *s, struct handler *h)
{
    if (!h->fn)
        return;
    if (h->block)
        ((struct mb_block *)h->ctx)->invoke(h->ctx);
    else
        h->fn(h->ctx ? h->ctx : s->head.context);
}

static void run_cancel(void *arg)
{
    struct source *s = arg;
    call_handler(s, &s->cancel);
    mb_dispatch_release(&s->head);
}

static void maybe_cancel(struct source *s) /* with s->lock held */
{
    if (s->canceled && !s->running && !s->handler_queued && !s->cancel_queued) {
        s->cancel_queued = 1;
        enqueue(s->q, run_cancel, s, 0, NULL);
    }
}

static void rearm(struct source *s);

static void run_event(void *arg)
{
    struct source *s = arg;
    pthread_mutex_lock(&s->lock);
    s->handler_queued = 0;
    if (s->canceled || s->suspended) {
        maybe_cancel(s);
        pthread_mutex_unlock(&s->lock);
        mb_dispatch_release(&s->head);
        return;
    }
    s->running = 1;
    s->data = atomic_exchange(&s->pending_data, 0);
    pthread_mutex_unlock(&s->lock);
    call_handler(s, &s->event);
    pthread_mutex_lock(&s->lock);
    s->running = 0;
    if (!s->canceled)
        rearm(s);
    maybe_cancel(s);
    pthread_mutex_unlock(&s->lock);
    mb_dispatch_release(&s->head);
}

/* Queues the event handler once for whatever has accumulated. */
static void signal_source(struct source *s)
{
    pthread_mutex_lock(&s->lock);
    if (s->active && !s->suspended && !s->canceled && !s->handler_queued && !s->running &&
        atomic_load(&s->pending_data)) {
        s->handler_queued = 1;
        mb_dispatch_retain(&s->head);
        enqueue(s->q, run_event, s, 0, NULL);
    }
    pthread_mutex_unlock(&s->lock);
}

static void merge(struct source *s, unsigned long v)
{
    if (s->kind == SRC_DATA_OR)
        atomic_fetch_or(&s->pending_data, v);
    else if (s->kind == SRC_DATA_REPLACE)
        atomic_store(&s->pending_data, v);
    else
        atomic_fetch_add(&s->pending_data, v);
}

static struct darwin_kevent source_kevent(struct source *s, uint16_t flags)
{
    struct darwin_kevent k = {s->ident, 0, flags, 0, 0, s};
    switch (s->kind) {
    case SRC_READ:
    case SRC_MACH_RECV: k.filter = DARWIN_EVFILT_READ; k.flags |= DARWIN_EV_DISPATCH; break;
    case SRC_WRITE: k.filter = DARWIN_EVFILT_WRITE; k.flags |= DARWIN_EV_DISPATCH; break;
    case SRC_SIGNAL: k.filter = DARWIN_EVFILT_SIGNAL; break;
    case SRC_PROC: k.filter = DARWIN_EVFILT_PROC; k.fflags = (uint32_t)s->mask; break;
    case SRC_VNODE:
        k.filter = DARWIN_EVFILT_VNODE;
        k.fflags = (uint32_t)s->mask;
        k.flags |= DARWIN_EV_CLEAR;
        break;
    default: k.filter = 0; break;
    }
    return k;
}

/* After the handler ran: read and write sources listen again; timers need nothing. */
static void rearm(struct source *s)
{
    if (s->kind == SRC_READ || s->kind == SRC_WRITE || s->kind == SRC_MACH_RECV) {
        struct darwin_kevent k = source_kevent(s, DARWIN_EV_ENABLE);
        mb_kevent(manager_kq, &k, 1, NULL, 0, NULL);
    } else if (atomic_load(&s->pending_data) && !s->handler_queued) {
        s->handler_queued = 1; /* more arrived while it ran */
        mb_dispatch_retain(&s->head);
        enqueue(s->q, run_event, s, 0, NULL);
    }
}

static void arm_timer(struct source *s, uint64_t deadline)
{
    struct timer *t = calloc(1, sizeof *t);
    if (!t)
        abort();
    t->deadline = deadline;
    t->source = s;
    add_timer(t);
}

static void source_register(struct source *s)
{
    if (s->kind == SRC_TIMER) {
        if (s->start != DISPATCH_TIME_FOREVER)
            arm_timer(s, s->start);
        return;
    }
    struct darwin_kevent k = source_kevent(s, DARWIN_EV_ADD);
    if (k.filter) {
        manager_poke();
        mb_kevent(manager_kq, &k, 1, NULL, 0, NULL);
    }
}

static void *manager_main(void *arg)
{
    (void)arg;
    struct darwin_kevent evs[16];
    for (;;) {
        pthread_mutex_lock(&manager_lock);
        uint64_t now = mb_dispatch_now();
        struct timer *due = NULL, **tail = &due;
        while (timers && timers->deadline <= now) {
            struct timer *t = timers;
            timers = t->next;
            t->next = NULL;
            *tail = t;
            tail = &t->next;
        }
        uint64_t next = timers ? timers->deadline : DISPATCH_TIME_FOREVER;
        pthread_mutex_unlock(&manager_lock);
        while (due) {
            struct timer *t = due;
            due = t->next;
            if (t->source) {
                struct source *s = t->source;
                uint64_t fires = 1;
                if (s->interval && s->interval != DISPATCH_TIME_FOREVER) {
                    fires += (now - t->deadline) / s->interval;
                    arm_timer(s, t->deadline + fires * s->interval);
                }
                merge(s, fires);
                signal_source(s);
            } else {
                enqueue(t->q, t->fn, t->ctx, 0, NULL);
            }
            free(t);
        }
        if (due == NULL && next != DISPATCH_TIME_FOREVER && next <= mb_dispatch_now())
            continue;
        struct timespec ts, *tp = NULL;
        if (next != DISPATCH_TIME_FOREVER) {
            uint64_t d = next - mb_dispatch_now();
            if ((int64_t)d < 0)
                d = 0;
            ts.tv_sec = (time_t)(d / 1000000000ull);
            ts.tv_nsec = (long)(d % 1000000000ull);
            tp = &ts;
        }
        int n = mb_kevent(manager_kq, NULL, 0, evs, 16, tp);
        for (int i = 0; i < n; i++) {
            if (evs[i].ident == (uint64_t)manager_wake[0] && evs[i].udata == NULL) {
                char buf[64];
                while (read(manager_wake[0], buf, sizeof buf) > 0)
                    ;
                continue;
            }
            struct source *s = evs[i].udata;
            if (s->kind == SRC_PROC || s->kind == SRC_VNODE)
                merge(s, evs[i].fflags);
            else
                merge(s, evs[i].data > 0 ? (unsigned long)evs[i].data : 1);
            signal_source(s);
        }
        errno = 0;
    }
    return NULL;
}

MB_EXPORT struct source *mb_dispatch_source_create(const void *type, uintptr_t handle,
                                                   unsigned long mask, struct dqueue *q)
{
    int kind = source_kind(type);
    if (kind < 0 || kind == SRC_MACH_SEND)
        return NULL; /* dead-name sources need ports of other processes */
    /* a receive right waits on the descriptor mach_ipc.c keeps readable while a message is
     * queued; the handler receives it (mach_msg_server_once...) */
    int port_fd = kind == SRC_MACH_RECV ? mb_mach_port_fd((uint32_t)handle) : -1;
    if (kind == SRC_MACH_RECV && port_fd < 0)
        return NULL;
    struct source *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->head.refs = 1;
    s->head.kind = KIND_SOURCE;
    s->kind = kind;
    s->handle = handle;
    s->ident = kind == SRC_MACH_RECV ? (uintptr_t)port_fd : handle;
    s->mask = mask;
    s->q = q ? q : &global_queues[2];
    s->start = DISPATCH_TIME_FOREVER;
    pthread_mutex_init(&s->lock, NULL);
    return s;
}

static void set_handler(struct handler *h, void *block, void (*fn)(void *))
{
    if (h->block && h->ctx)
        mb__Block_release(h->ctx);
    if (block) {
        h->block = 1;
        h->ctx = mb__Block_copy(block);
        h->fn = (void (*)(void *))1;
    } else {
        h->block = 0;
        h->ctx = NULL;
        h->fn = fn;
    }
}

MB_EXPORT void mb_dispatch_source_set_event_handler(struct source *s, void *block)
{
    set_handler(&s->event, block, NULL);
}

MB_EXPORT void mb_dispatch_source_set_event_handler_f(struct source *s, void (*fn)(void *))
{
    set_handler(&s->event, NULL, fn);
}

MB_EXPORT void mb_dispatch_source_set_cancel_handler(struct source *s, void *block)
{
    set_handler(&s->cancel, block, NULL);
}

MB_EXPORT void mb_dispatch_source_set_cancel_handler_f(struct source *s, void (*fn)(void *))
{
    set_handler(&s->cancel, NULL, fn);
}

MB_EXPORT void mb_dispatch_source_set_registration_handler(struct source *s, void *block)
{
    set_handler(&s->registration, block, NULL);
}

MB_EXPORT void mb_dispatch_source_set_timer(struct source *s, uint64_t start, uint64_t interval,
                                            uint64_t leeway)
{
    (void)leeway;
    remove_timers_of(s);
    s->start = start == DISPATCH_TIME_NOW ? mb_dispatch_now() : start;
    s->interval = interval;
    if (s->active && !s->canceled)
        source_register(s);
}

MB_EXPORT void mb_dispatch_source_merge_data(struct source *s, unsigned long v)
{
    merge(s, v);
    signal_source(s);
}

MB_EXPORT unsigned long mb_dispatch_source_get_data(struct source *s) { return s->data; }
MB_EXPORT uintptr_t mb_dispatch_source_get_handle(struct source *s) { return s->handle; }
MB_EXPORT unsigned long mb_dispatch_source_get_mask(struct source *s) { return s->mask; }
MB_EXPORT long mb_dispatch_source_testcancel(struct source *s) { return s->canceled; }

MB_EXPORT void mb_dispatch_source_cancel(struct source *s)
{
    pthread_mutex_lock(&s->lock);
    if (s->canceled) {
        pthread_mutex_unlock(&s->lock);
        return;
    }
    s->canceled = 1;
    int was_active = s->active;
    pthread_mutex_unlock(&s->lock);
    if (s->kind == SRC_TIMER) {
        remove_timers_of(s);
    } else if (was_active) {
        struct darwin_kevent k = source_kevent(s, DARWIN_EV_DELETE);
        if (k.filter)
            mb_kevent(manager_kq, &k, 1, NULL, 0, NULL);
    }
    pthread_mutex_lock(&s->lock);
    mb_dispatch_retain(&s->head); /* released by run_cancel */
    maybe_cancel(s);
    pthread_mutex_unlock(&s->lock);
}

static void activate(struct source *s)
{
    s->active = 1;
    if (s->registration.fn) {
        /* Darwin runs it on the target queue before any event; running it here keeps
         * that order */
        call_handler(s, &s->registration);
    }
    source_register(s);
}

MB_EXPORT void mb_dispatch_activate(struct dobject *o)
{
    if (o && o->kind == KIND_SOURCE && !((struct source *)o)->active)
        activate((struct source *)o);
}

MB_EXPORT void mb_dispatch_suspend(struct dobject *o)
{
    if (!o)
        return;
    if (o->kind == KIND_QUEUE) {
        struct dqueue *q = (struct dqueue *)o;
        pthread_mutex_lock(&q->lock);
        q->suspended++;
        pthread_mutex_unlock(&q->lock);
    } else if (o->kind == KIND_SOURCE) {
        struct source *s = (struct source *)o;
        pthread_mutex_lock(&s->lock);
        s->suspended++;
        pthread_mutex_unlock(&s->lock);
    }
}

MB_EXPORT void mb_dispatch_resume(struct dobject *o)
{
    if (!o)
        return;
    if (o->kind == KIND_QUEUE) {
        struct dqueue *q = (struct dqueue *)o;
        pthread_mutex_lock(&q->lock);
        if (q->suspended > 0)
            q->suspended--;
        int go = runnable(q);
        pthread_mutex_unlock(&q->lock);
        if (go)
            pool_push(q);
    } else if (o->kind == KIND_SOURCE) {
        struct source *s = (struct source *)o;
        if (!s->active) { /* a new source starts inactive: its first resume activates it */
            activate(s);
            return;
        }
        pthread_mutex_lock(&s->lock);
        if (s->suspended > 0)
            s->suspended--;
        pthread_mutex_unlock(&s->lock);
        signal_source(s);
    }
}

/* ---- contexts and disposal ---------------------------------------------------------------- */

MB_EXPORT void mb_dispatch_set_context(struct dobject *o, void *ctx) { if (o) o->context = ctx; }
MB_EXPORT void *mb_dispatch_get_context(struct dobject *o) { return o ? o->context : NULL; }
MB_EXPORT void mb_dispatch_set_finalizer_f(struct dobject *o, void (*fn)(void *))
{
    if (o)
        o->finalizer = fn;
}

MB_HIDDEN void mb_dispatch_dispose(struct dobject *o)
{
    if (o->kind == KIND_QUEUE && (((struct dqueue *)o)->global || ((struct dqueue *)o)->main))
        return;
    if (o->finalizer)
        o->finalizer(o->context);
    if (o->kind == KIND_SOURCE) {
        struct source *s = (struct source *)o;
        set_handler(&s->event, NULL, NULL);
        set_handler(&s->cancel, NULL, NULL);
        set_handler(&s->registration, NULL, NULL);
    }
    free(o);
}
