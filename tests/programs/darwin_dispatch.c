// darwin-only
// libdispatch and blocks: serial queues keep order, concurrent queues run in parallel
// with barriers between, sync/async/after/apply, groups with wait and notify, semaphores,
// once, sources (data add, timer, read, signal, proc) with cancel handlers, contexts and
// finalizers, __block variables and copied blocks, and dispatch_main ending by exit()
#include <Block.h>
#include <dispatch/dispatch.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static dispatch_semaphore_t finalized;
static const char *finalized_with;
static void finalize(void *ctx) {  // runs asynchronously after the last release on a Mac
    finalized_with = ctx;
    dispatch_semaphore_signal(finalized);
}

static void serial_and_concurrent(void) {
    dispatch_queue_t serial = dispatch_queue_create("com.example.serial", DISPATCH_QUEUE_SERIAL);
    printf("label: %s\n", dispatch_queue_get_label(serial));
    char *order = calloc(64, 1);
    __block int n = 0;
    for (int i = 0; i < 10; i++)
        dispatch_async(serial, ^{ order[n++] = (char)('0' + i); });
    dispatch_sync(serial, ^{ printf("serial order: %s\n", order); });
    free(order);

    dispatch_queue_t conc = dispatch_queue_create("com.example.conc", DISPATCH_QUEUE_CONCURRENT);
    __block _Atomic int inside = 0, peak = 0, after_barrier_saw = -1;
    dispatch_semaphore_t go = dispatch_semaphore_create(0);
    for (int i = 0; i < 2; i++)
        dispatch_async(conc, ^{
            int now = atomic_fetch_add(&inside, 1) + 1;
            int p = atomic_load(&peak);
            while (now > p && !atomic_compare_exchange_weak(&peak, &p, now)) {}
            dispatch_semaphore_wait(go, dispatch_time(DISPATCH_TIME_NOW, 2 * NSEC_PER_SEC));
            atomic_fetch_sub(&inside, 1);
        });
    while (atomic_load(&peak) < 2) usleep(1000);  // both run at once, or this never ends
    dispatch_semaphore_signal(go);
    dispatch_semaphore_signal(go);
    dispatch_barrier_sync(conc, ^{ after_barrier_saw = atomic_load(&inside); });
    printf("concurrent peak=%d, inside at barrier=%d\n", atomic_load(&peak), after_barrier_saw);
    dispatch_set_context(serial, "serial queue");
    dispatch_set_finalizer_f(serial, finalize);
    finalized = dispatch_semaphore_create(0);
    dispatch_release(serial);
    dispatch_semaphore_wait(finalized, dispatch_time(DISPATCH_TIME_NOW, 2 * NSEC_PER_SEC));
    printf("finalizer ran with context: %s\n", finalized_with);
    dispatch_release(conc);
    dispatch_release(go);
}

static void groups_apply_once(void) {
    dispatch_queue_t q = dispatch_get_global_queue(DISPATCH_QUEUE_PRIORITY_DEFAULT, 0);
    dispatch_group_t g = dispatch_group_create();
    __block _Atomic int sum = 0;
    for (int i = 1; i <= 100; i++)
        dispatch_group_async(g, q, ^{ atomic_fetch_add(&sum, i); });
    long w = dispatch_group_wait(g, DISPATCH_TIME_FOREVER);
    printf("group wait=%ld sum=%d\n", w, atomic_load(&sum));
    dispatch_group_enter(g);
    w = dispatch_group_wait(g, dispatch_time(DISPATCH_TIME_NOW, 20 * NSEC_PER_MSEC));
    printf("group wait with one entered: timed out=%d\n", w != 0);
    dispatch_semaphore_t notified = dispatch_semaphore_create(0);
    dispatch_group_notify(g, q, ^{ dispatch_semaphore_signal(notified); });
    dispatch_group_leave(g);
    printf("notify ran: %d\n",
           dispatch_semaphore_wait(notified, dispatch_time(DISPATCH_TIME_NOW, 2 * NSEC_PER_SEC)) == 0);

    __block _Atomic long squares = 0;
    dispatch_apply(1000, q, ^(size_t i) { atomic_fetch_add(&squares, (long)(i * i)); });
    printf("apply sum of squares: %ld\n", atomic_load(&squares));

    static dispatch_once_t once;
    __block int ran = 0;
    for (int i = 0; i < 3; i++) dispatch_once(&once, ^{ ran++; });
    printf("once ran %d time(s)\n", ran);
    dispatch_release(g);
    dispatch_release(notified);
}

static void blocks(void) {
    __block int counter = 10;
    int captured = 5;
    void (^inc)(void) = ^{ counter += captured; };
    void (^copy)(void) = Block_copy(inc);
    copy();
    inc();
    void (^copy2)(void) = Block_copy(copy);
    copy2();
    Block_release(copy2);
    Block_release(copy);
    printf("blocks: counter=%d\n", counter);
}

static void sources(void) {
    dispatch_queue_t q = dispatch_queue_create("com.example.sources", NULL);
    dispatch_semaphore_t done = dispatch_semaphore_create(0);

    dispatch_source_t add = dispatch_source_create(DISPATCH_SOURCE_TYPE_DATA_ADD, 0, 0, q);
    __block unsigned long total = 0;
    dispatch_source_set_event_handler(add, ^{
        total += dispatch_source_get_data(add);
        if (total == 6) dispatch_semaphore_signal(done);
    });
    dispatch_resume(add);
    dispatch_source_merge_data(add, 1);
    dispatch_source_merge_data(add, 2);
    dispatch_source_merge_data(add, 3);
    dispatch_semaphore_wait(done, dispatch_time(DISPATCH_TIME_NOW, 2 * NSEC_PER_SEC));
    printf("data add: total=%lu\n", total);

    dispatch_source_t timer = dispatch_source_create(DISPATCH_SOURCE_TYPE_TIMER, 0, 0, q);
    __block int ticks = 0;
    dispatch_source_set_timer(timer, dispatch_time(DISPATCH_TIME_NOW, 10 * NSEC_PER_MSEC),
                              10 * NSEC_PER_MSEC, 0);
    dispatch_source_set_event_handler(timer, ^{
        if (++ticks == 3) {
            dispatch_source_cancel(timer);
        }
    });
    dispatch_source_set_cancel_handler(timer, ^{ dispatch_semaphore_signal(done); });
    dispatch_resume(timer);
    dispatch_semaphore_wait(done, dispatch_time(DISPATCH_TIME_NOW, 2 * NSEC_PER_SEC));
    printf("timer: ticks=%d canceled=%ld\n", ticks, dispatch_source_testcancel(timer));

    int *p = calloc(2, sizeof(int));
    pipe(p);
    dispatch_source_t rd = dispatch_source_create(DISPATCH_SOURCE_TYPE_READ, (uintptr_t)p[0], 0, q);
    dispatch_source_set_event_handler(rd, ^{
        char buf[16] = {0};
        unsigned long avail = dispatch_source_get_data(rd);
        read(p[0], buf, sizeof buf - 1);
        printf("read source: %lu bytes available [%s]\n", avail, buf);
        dispatch_source_cancel(rd);
    });
    dispatch_source_set_cancel_handler(rd, ^{
        close(p[0]);
        dispatch_semaphore_signal(done);
    });
    dispatch_resume(rd);
    write(p[1], "ping", 4);
    dispatch_semaphore_wait(done, dispatch_time(DISPATCH_TIME_NOW, 2 * NSEC_PER_SEC));
    close(p[1]);

    signal(SIGUSR2, SIG_IGN);
    dispatch_source_t sig = dispatch_source_create(DISPATCH_SOURCE_TYPE_SIGNAL, SIGUSR2, 0, q);
    dispatch_source_set_event_handler(sig, ^{
        printf("signal source: SIGUSR2 x%lu\n", dispatch_source_get_data(sig));
        dispatch_semaphore_signal(done);
    });
    dispatch_resume(sig);
    usleep(20000);
    kill(getpid(), SIGUSR2);
    dispatch_semaphore_wait(done, dispatch_time(DISPATCH_TIME_NOW, 2 * NSEC_PER_SEC));
    dispatch_source_cancel(sig);

    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        usleep(50000);
        _exit(0);
    }
    dispatch_source_t proc = dispatch_source_create(DISPATCH_SOURCE_TYPE_PROC, (uintptr_t)child,
                                                    DISPATCH_PROC_EXIT, q);
    dispatch_source_set_event_handler(proc, ^{
        printf("proc source: exit=%d\n", (dispatch_source_get_data(proc) & DISPATCH_PROC_EXIT) != 0);
        dispatch_source_cancel(proc);
        dispatch_semaphore_signal(done);
    });
    dispatch_resume(proc);
    dispatch_semaphore_wait(done, dispatch_time(DISPATCH_TIME_NOW, 5 * NSEC_PER_SEC));
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    serial_and_concurrent();
    groups_apply_once();
    blocks();
    sources();
    dispatch_time_t start = dispatch_time(DISPATCH_TIME_NOW, 0);
    dispatch_after(dispatch_time(DISPATCH_TIME_NOW, 30 * NSEC_PER_MSEC), dispatch_get_main_queue(), ^{
        uint64_t waited = dispatch_time(DISPATCH_TIME_NOW, 0) - start;
        printf("after on the main queue: waited>=30ms=%d\n", waited >= 30 * NSEC_PER_MSEC);
        dispatch_async(dispatch_get_global_queue(0, 0), ^{
            dispatch_sync(dispatch_get_main_queue(), ^{ printf("sync onto main from a worker\n"); });
            exit(0);
        });
    });
    dispatch_main();
}
