/* Threads as Darwin code sees them: a TSD array at %gs, pthread keys that are slots in it,
 * TLV blocks allocated per thread on first access, and the exit work (TLV destructors,
 * key destructors) done when a thread ends, in Darwin's order. */
#define _GNU_SOURCE
#include "runtime.h"

#include <asm/prctl.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

struct mb_tlv_dtor {
    void (*fn)(void *);
    void *obj;
    struct mb_tlv_dtor *next;
};

/* ---- keys ----------------------------------------------------------------------------- */

static pthread_mutex_t keys_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char key_used[MB_TSD_SLOTS];
static void (*key_dtor[MB_TSD_SLOTS])(void *);

MB_HIDDEN int mb_key_alloc(void (*dtor)(void *), unsigned long *key)
{
    pthread_mutex_lock(&keys_lock);
    for (int k = MB_TSD_FIRST_USER_KEY; k < MB_TSD_SLOTS; k++) {
        if (!key_used[k]) {
            key_used[k] = 1;
            key_dtor[k] = dtor;
            pthread_mutex_unlock(&keys_lock);
            *key = (unsigned long)k;
            return 0;
        }
    }
    pthread_mutex_unlock(&keys_lock);
    return EAGAIN;
}

/* ---- the per-thread block ---------------------------------------------------------------- */

MB_HIDDEN struct mb_thread *mb_thread_new(void)
{
    struct mb_thread *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->tsd[MB_TSD_SLOT_SELF] = t;
    t->tsd[MB_TSD_SLOT_ERRNO] = &t->darwin_errno;
    return t;
}

static void set_gs_base(void *base)
{
    /* wrgsbase is one instruction when the kernel enabled FSGSBASE; arch_prctl otherwise. */
    if (getauxval(AT_HWCAP2) & 2 /* HWCAP2_FSGSBASE */)
        __asm__ volatile("wrgsbase %0" ::"r"(base) : "memory");
    else
        syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)base);
}

/* Binds the block to the calling thread: %gs, host identity, stack bounds. */
MB_HIDDEN void mb_sud_arm_thread(void);

MB_HIDDEN void mb_thread_install(struct mb_thread *t)
{
    set_gs_base(t);
    mb_sud_arm_thread();  /* raw system calls are caught per thread (sud.c) */
    t->host = pthread_self();
    t->thread_id = (uint64_t)syscall(SYS_gettid);
    t->tsd[MB_TSD_SLOT_MACH_THREAD_SELF] = (void *)(uintptr_t)t->thread_id;
    pthread_attr_t a;
    if (pthread_getattr_np(t->host, &a) == 0) {
        void *lo;
        size_t size;
        if (pthread_attr_getstack(&a, &lo, &size) == 0) {
            t->stackaddr = (char *)lo + size;
            t->stacksize = size;
        }
        pthread_attr_destroy(&a);
    }
}

MB_HIDDEN void mb_thread_setup_main(void)
{
    static struct mb_thread *main_thread;
    if (main_thread)
        return;
    main_thread = mb_thread_new();
    if (!main_thread) {
        fputs("machbox: out of memory setting up the main thread\n", stderr);
        _exit(MB_EXIT_INTERNAL);
    }
    main_thread->is_main = 1;
    mb_thread_install(main_thread);
}

/* ---- thread exit ---------------------------------------------------------------------- */

/* Darwin runs a thread's TLV destructors (C++ thread_local objects) first, newest first,
 * then the pthread key destructors, up to PTHREAD_DESTRUCTOR_ITERATIONS rounds. */
MB_HIDDEN void mb_thread_run_tlv_dtors(struct mb_thread *t)
{
    while (t->tlv_dtors) {
        struct mb_tlv_dtor *d = t->tlv_dtors;
        t->tlv_dtors = d->next;
        d->fn(d->obj);
        free(d);
    }
}

MB_HIDDEN void mb_thread_run_exit_hooks(struct mb_thread *t)
{
    mb_thread_run_tlv_dtors(t);
    for (int round = 0; round < 4; round++) {
        int again = 0;
        for (int k = MB_TSD_FIRST_USER_KEY; k < MB_TSD_SLOTS; k++) {
            void *v = t->tsd[k];
            if (v && key_dtor[k]) {
                t->tsd[k] = NULL;
                key_dtor[k](v);
                again = 1;
            }
        }
        if (!again)
            break;
    }
}

/* ---- pthread keys (Darwin semantics; the slots are read directly by Apple code) ---------- */

MB_EXPORT int mb_pthread_key_create(unsigned long *key, void (*dtor)(void *))
{
    return mb_key_alloc(dtor, key);
}

MB_EXPORT int mb_pthread_key_delete(unsigned long key)
{
    if (key < MB_TSD_FIRST_USER_KEY || key >= MB_TSD_SLOTS)
        return 22; /* EINVAL: the same number on Darwin and Linux */
    pthread_mutex_lock(&keys_lock);
    key_used[key] = 0;
    key_dtor[key] = NULL;
    pthread_mutex_unlock(&keys_lock);
    return 0;
}

MB_EXPORT void *mb_pthread_getspecific(unsigned long key)
{
    if (key >= MB_TSD_SLOTS)
        return NULL;
    return mb_self()->tsd[key];
}

MB_EXPORT int mb_pthread_setspecific(unsigned long key, const void *value)
{
    if (key >= MB_TSD_SLOTS)
        return 22; /* EINVAL is 22 on both systems */
    mb_self()->tsd[key] = (void *)value;
    return 0;
}

/* ---- thread-local variables (TLV) ------------------------------------------------------- */

/* One per image with __thread_vars: the key its descriptors carry and its template. */
struct mb_tlv_image {
    unsigned long key;
    const void *init_start;
    size_t init_size;
    size_t total_size;
};

#define MB_MAX_TLV_IMAGES 256
static struct mb_tlv_image tlv_images[MB_MAX_TLV_IMAGES];
static _Atomic int tlv_image_count;

struct tlv_descriptor {
    void *(*thunk)(struct tlv_descriptor *);
    unsigned long key;
    unsigned long offset;
};

extern void *mb_tlv_get_addr(struct tlv_descriptor *); /* asm.S: fast path, preserves regs */

/* Called from the asm slow path with the descriptor's key: allocates this thread's block. */
MB_EXPORT void *mb_tlv_allocate(unsigned long key)
{
    int n = atomic_load(&tlv_image_count);
    for (int i = 0; i < n; i++) {
        struct mb_tlv_image *img = &tlv_images[i];
        if (img->key != key)
            continue;
        char *block = malloc(img->total_size ? img->total_size : 1);
        if (!block) {
            fputs("machbox: out of memory allocating thread-local storage\n", stderr);
            _exit(MB_EXIT_INTERNAL);
        }
        memcpy(block, img->init_start, img->init_size);
        memset(block + img->init_size, 0, img->total_size - img->init_size);
        mb_self()->tsd[key] = block;
        return block;
    }
    fprintf(stderr, "machbox: thread-local access with unknown key %lu\n", key);
    _exit(MB_EXIT_INTERNAL);
}

/* Registers an image's TLV template and points every descriptor at our accessor. */
MB_HIDDEN int mb_tlv_register(void *descriptors, size_t count, const void *init_start,
                              size_t init_size, size_t total_size)
{
    int i = atomic_load(&tlv_image_count);
    if (i >= MB_MAX_TLV_IMAGES)
        return -1;
    unsigned long key;
    if (mb_key_alloc(free, &key) != 0)
        return -1;
    tlv_images[i] = (struct mb_tlv_image){key, init_start, init_size, total_size};
    atomic_store(&tlv_image_count, i + 1);
    struct tlv_descriptor *d = descriptors;
    for (size_t j = 0; j < count; j++) {
        d[j].thunk = mb_tlv_get_addr;
        d[j].key = key;
    }
    return 0;
}

MB_EXPORT void mb__tlv_atexit(void (*fn)(void *), void *obj)
{
    struct mb_tlv_dtor *d = malloc(sizeof *d);
    if (!d)
        return;
    struct mb_thread *t = mb_self();
    d->fn = fn;
    d->obj = obj;
    d->next = t->tlv_dtors;
    t->tlv_dtors = d;
}
