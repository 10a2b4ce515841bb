/* The blocks runtime (libsystem_blocks): copying stack blocks to the heap, reference
 * counting them, and the helpers the compiler's copy/dispose functions call for captured
 * blocks and __block variables. Written from the ABI the compiler emits (Block literal and
 * Block_byref layouts, BLOCK_* flag bits); there is no Objective-C here, so captured
 * objects are assigned, not retained. */
#define _GNU_SOURCE
#include "runtime.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Block literal flags */
#define BLOCK_DEALLOCATING 0x0001
#define BLOCK_REFCOUNT_MASK 0xfffe
#define BLOCK_NEEDS_FREE (1 << 24)
#define BLOCK_HAS_COPY_DISPOSE (1 << 25)
#define BLOCK_IS_GLOBAL (1 << 28)
/* __block variable flags */
#define BLOCK_BYREF_LAYOUT_EXTENDED (1 << 28)
#define BLOCK_BYREF_HAS_COPY_DISPOSE (1 << 25)
#define BLOCK_BYREF_NEEDS_FREE (1 << 24)
/* _Block_object_assign/_dispose field kinds */
#define BLOCK_FIELD_IS_OBJECT 3
#define BLOCK_FIELD_IS_BLOCK 7
#define BLOCK_FIELD_IS_BYREF 8
#define BLOCK_FIELD_IS_WEAK 16
#define BLOCK_BYREF_CALLER 128
#define BLOCK_ALL_COPY_DISPOSE_FLAGS 0x9f

struct block_descriptor {
    unsigned long reserved, size;
    void (*copy)(void *dst, const void *src);  /* with BLOCK_HAS_COPY_DISPOSE */
    void (*dispose)(const void *);
};

struct block {
    void *isa;
    _Atomic int flags;
    int reserved;
    void (*invoke)(void *, ...);
    struct block_descriptor *descriptor;
};

struct byref {
    void *isa;
    struct byref *forwarding;
    _Atomic int flags;
    uint32_t size;
    void (*keep)(struct byref *dst, struct byref *src); /* with BLOCK_BYREF_HAS_COPY_DISPOSE */
    void (*destroy)(struct byref *);
    const char *layout;                                  /* with BLOCK_BYREF_LAYOUT_EXTENDED */
};

/* The isa words blocks point at: only their addresses matter. */
MB_EXPORT void *mb__NSConcreteStackBlock[32];
MB_EXPORT void *mb__NSConcreteMallocBlock[32];
MB_EXPORT void *mb__NSConcreteGlobalBlock[32];
MB_EXPORT void *mb__NSConcreteAutoBlock[32];
MB_EXPORT void *mb__NSConcreteFinalizingBlock[32];
MB_EXPORT void *mb__NSConcreteWeakBlockVariable[32];

/* Adds 2 (one reference) unless the count is pinned at its maximum. */
static void latching_incr(_Atomic int *flags)
{
    int old = atomic_load(flags);
    while ((old & BLOCK_REFCOUNT_MASK) != BLOCK_REFCOUNT_MASK &&
           !atomic_compare_exchange_weak(flags, &old, old + 2))
        ;
}

/* Drops one reference; true when it was the last. */
static int latching_decr_is_last(_Atomic int *flags)
{
    int old = atomic_load(flags);
    for (;;) {
        if ((old & BLOCK_REFCOUNT_MASK) == BLOCK_REFCOUNT_MASK)
            return 0; /* pinned */
        if ((old & BLOCK_REFCOUNT_MASK) == 0)
            return 0; /* underflow: not ours to free */
        int last = (old & BLOCK_REFCOUNT_MASK) == 2;
        int new_flags = last ? (old - 2) | BLOCK_DEALLOCATING : old - 2;
        if (atomic_compare_exchange_weak(flags, &old, new_flags))
            return last;
    }
}

MB_EXPORT void *mb__Block_copy(const void *arg)
{
    struct block *b = (struct block *)arg;
    if (!b)
        return NULL;
    int flags = atomic_load(&b->flags);
    if (flags & BLOCK_NEEDS_FREE) {
        latching_incr(&b->flags);
        return b;
    }
    if (flags & BLOCK_IS_GLOBAL)
        return b;
    struct block *copy = malloc(b->descriptor->size);
    if (!copy)
        return NULL;
    memcpy(copy, b, b->descriptor->size);
    atomic_store(&copy->flags,
                 (flags & ~(BLOCK_REFCOUNT_MASK | BLOCK_DEALLOCATING)) | BLOCK_NEEDS_FREE | 2);
    copy->isa = mb__NSConcreteMallocBlock;
    if (flags & BLOCK_HAS_COPY_DISPOSE)
        b->descriptor->copy(copy, b);
    return copy;
}

MB_EXPORT void mb__Block_release(const void *arg)
{
    struct block *b = (struct block *)arg;
    if (!b || !(atomic_load(&b->flags) & BLOCK_NEEDS_FREE))
        return; /* global and stack blocks are not counted */
    if (latching_decr_is_last(&b->flags)) {
        if (atomic_load(&b->flags) & BLOCK_HAS_COPY_DISPOSE)
            b->descriptor->dispose(b);
        free(b);
    }
}

MB_EXPORT size_t mb_Block_size(const void *arg)
{
    return ((const struct block *)arg)->descriptor->size;
}

/* A __block variable moves to the heap the first time a block capturing it is copied. */
static struct byref *byref_copy(struct byref *src)
{
    if ((atomic_load(&src->forwarding->flags) & BLOCK_REFCOUNT_MASK) == 0) {
        struct byref *copy = malloc(src->size);
        if (!copy)
            return src->forwarding;
        copy->isa = NULL;
        /* two references: the stack variable's and the copying block's */
        atomic_store(&copy->flags, atomic_load(&src->flags) | BLOCK_BYREF_NEEDS_FREE | 4);
        copy->forwarding = copy;
        src->forwarding = copy;
        copy->size = src->size;
        int flags = atomic_load(&src->flags);
        if (flags & BLOCK_BYREF_HAS_COPY_DISPOSE) {
            copy->keep = src->keep;
            copy->destroy = src->destroy;
            if (flags & BLOCK_BYREF_LAYOUT_EXTENDED)
                copy->layout = src->layout;
            src->keep(copy, src);
        } else {
            size_t header = offsetof(struct byref, keep);
            memmove((char *)copy + header, (char *)src + header, src->size - header);
        }
    } else if (atomic_load(&src->forwarding->flags) & BLOCK_BYREF_NEEDS_FREE) {
        latching_incr(&src->forwarding->flags);
    }
    return src->forwarding;
}

static void byref_release(struct byref *arg)
{
    struct byref *b = arg->forwarding;
    if (!(atomic_load(&b->flags) & BLOCK_BYREF_NEEDS_FREE))
        return;
    if (latching_decr_is_last(&b->flags)) {
        if (atomic_load(&b->flags) & BLOCK_BYREF_HAS_COPY_DISPOSE)
            b->destroy(b);
        free(b);
    }
}

MB_EXPORT void mb__Block_object_assign(void *dest, const void *object, int flags)
{
    void **d = dest;
    switch (flags & BLOCK_ALL_COPY_DISPOSE_FLAGS) {
    case BLOCK_FIELD_IS_BLOCK:
        *d = mb__Block_copy(object);
        break;
    case BLOCK_FIELD_IS_BYREF | BLOCK_FIELD_IS_WEAK:
    case BLOCK_FIELD_IS_BYREF:
        *d = byref_copy((struct byref *)object);
        break;
    default: /* objects (no retain without Objective-C) and byref callers' fields */
        *d = (void *)object;
        break;
    }
}

MB_EXPORT void mb__Block_object_dispose(const void *object, int flags)
{
    switch (flags & BLOCK_ALL_COPY_DISPOSE_FLAGS) {
    case BLOCK_FIELD_IS_BYREF | BLOCK_FIELD_IS_WEAK:
    case BLOCK_FIELD_IS_BYREF:
        byref_release((struct byref *)object);
        break;
    case BLOCK_FIELD_IS_BLOCK:
        mb__Block_release(object);
        break;
    default:
        break;
    }
}

MB_EXPORT int mb__Block_isDeallocating(const void *arg)
{
    return (atomic_load(&((struct block *)arg)->flags) & BLOCK_DEALLOCATING) != 0;
}

MB_EXPORT int mb__Block_tryRetain(const void *arg)
{
    struct block *b = (struct block *)arg;
    int old = atomic_load(&b->flags);
    for (;;) {
        if (old & BLOCK_DEALLOCATING)
            return 0;
        if ((old & BLOCK_REFCOUNT_MASK) == BLOCK_REFCOUNT_MASK)
            return 1;
        if (atomic_compare_exchange_weak(&b->flags, &old, old + 2))
            return 1;
    }
}
