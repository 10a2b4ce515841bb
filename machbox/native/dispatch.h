/* libdispatch internals shared by dispatch.c and dispatch_queue.c. */
#ifndef MACHBOX_DISPATCH_H
#define MACHBOX_DISPATCH_H

#include <stdatomic.h>
#include <stdint.h>

#define DISPATCH_TIME_NOW 0ull
#define DISPATCH_TIME_FOREVER (~0ull)

/* An Apple block literal: called through invoke with itself as the first argument. */
struct mb_block {
    void *isa;
    int flags, reserved;
    void (*invoke)(void *, ...);
    void *descriptor;
};

enum { KIND_SEMAPHORE = 1, KIND_QUEUE, KIND_GROUP, KIND_SOURCE };

/* Every dispatch object starts with this header. */
struct dobject {
    const void *vtable; /* Apple code compares isa/vtable pointers; never dereferenced here */
    _Atomic int refs;
    int kind;
    void *context;
    void (*finalizer)(void *);
};

struct dsemaphore {
    struct dobject head;
    _Atomic int32_t value;
    _Atomic uint32_t wakeups; /* futex word: bumped by every signal that must wake */
};

struct mb_thread;
MB_HIDDEN uint64_t mb_dispatch_now(void);
MB_EXPORT struct dsemaphore *mb_dispatch_semaphore_create(long value);
MB_EXPORT long mb_dispatch_semaphore_signal(struct dsemaphore *s);
MB_EXPORT long mb_dispatch_semaphore_wait(struct dsemaphore *s, uint64_t timeout);
MB_EXPORT void mb_dispatch_retain(struct dobject *o);
MB_EXPORT void mb_dispatch_release(struct dobject *o);
/* threads that run guest code are machbox threads (TSD at %gs, Darwin errno) */
MB_EXPORT int mb_pthread_create(struct mb_thread **out, const void *attr,
                                void *(*fn)(void *), void *arg);
MB_EXPORT int mb_pthread_detach(struct mb_thread *t);
MB_HIDDEN void mb_dispatch_dispose(struct dobject *o);
MB_EXPORT void *mb__Block_copy(const void *block);
MB_EXPORT void mb__Block_release(const void *block);

#endif
