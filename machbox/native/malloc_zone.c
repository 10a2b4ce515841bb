/* Darwin's malloc zones over the host's malloc. Every allocation comes from glibc's heap;
 * zones are the Darwin-layout tables of functions programs call through (and sometimes
 * inspect or replace: allocators such as jemalloc read malloc_default_zone()->version).
 * The default zone's functions call glibc; a created zone starts as a copy of it. */
#define _GNU_SOURCE
#include "runtime.h"
#include "darwin_abi.h"

#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct darwin_malloc_zone zone_t;

static size_t z_size(zone_t *z, const void *p) { (void)z; return p ? malloc_usable_size((void *)p) : 0; }
static void *z_malloc(zone_t *z, size_t n) { (void)z; return malloc(n); }
static void *z_calloc(zone_t *z, size_t n, size_t m) { (void)z; return calloc(n, m); }
static void *z_valloc(zone_t *z, size_t n)
{
    (void)z;
    void *p = NULL;
    return posix_memalign(&p, (size_t)sysconf(_SC_PAGESIZE), n) ? NULL : p;
}
static void z_free(zone_t *z, void *p) { (void)z; free(p); }
static void *z_realloc(zone_t *z, void *p, size_t n) { (void)z; return realloc(p, n); }
static void z_destroy(zone_t *z) { free((void *)z->zone_name); free(z); }
static void *z_memalign(zone_t *z, size_t align, size_t n)
{
    (void)z;
    void *p = NULL;
    return posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, n) ? NULL : p;
}
static void z_free_definite_size(zone_t *z, void *p, size_t n) { (void)z, (void)n; free(p); }
static size_t z_pressure_relief(zone_t *z, size_t goal) { (void)z, (void)goal; return 0; }
static unsigned z_batch_malloc(zone_t *z, size_t n, void **out, unsigned count)
{
    unsigned i = 0;
    for (; i < count && (out[i] = z_malloc(z, n)); i++)
        ;
    return i;
}
static void z_batch_free(zone_t *z, void **ptrs, unsigned count)
{
    (void)z;
    for (unsigned i = 0; i < count; i++)
        free(ptrs[i]);
}
static int z_claimed_address(zone_t *z, void *p) { (void)z; return p != NULL; }

#define ZONE_FUNCTIONS                                                                      \
    .size = (void *)z_size, .malloc = (void *)z_malloc, .calloc = (void *)z_calloc,       \
    .valloc = (void *)z_valloc, .free = (void *)z_free, .realloc = (void *)z_realloc,       \
    .destroy = (void *)z_destroy, .batch_malloc = (void *)z_batch_malloc,                  \
    .batch_free = (void *)z_batch_free, .version = 13, .memalign = (void *)z_memalign,     \
    .free_definite_size = (void *)z_free_definite_size,                                    \
    .pressure_relief = (void *)z_pressure_relief, .claimed_address = (void *)z_claimed_address

static zone_t default_zone = {ZONE_FUNCTIONS, .zone_name = "DefaultMallocZone"};

MB_EXPORT zone_t *mb_malloc_default_zone(void) { return &default_zone; }
MB_EXPORT zone_t *mb_malloc_default_purgeable_zone(void) { return &default_zone; }
/* every block comes from the one heap: the default zone owns them all */
MB_EXPORT zone_t *mb_malloc_zone_from_ptr(const void *p) { return p ? &default_zone : NULL; }

MB_EXPORT zone_t *mb_malloc_create_zone(size_t start_size, unsigned flags)
{
    (void)start_size, (void)flags;
    zone_t *z = malloc(sizeof *z);
    if (!z)
        return NULL;
    *z = (zone_t){ZONE_FUNCTIONS, .zone_name = NULL};
    return z;
}

MB_EXPORT void mb_malloc_destroy_zone(zone_t *z)
{
    if (z && z != &default_zone)
        ((void (*)(zone_t *))z->destroy)(z);
}

MB_EXPORT void mb_malloc_set_zone_name(zone_t *z, const char *name)
{
    if (!z || z == &default_zone)
        return;
    free((void *)z->zone_name);
    z->zone_name = name ? strdup(name) : NULL;
}

MB_EXPORT const char *mb_malloc_get_zone_name(zone_t *z) { return z ? z->zone_name : NULL; }

/* The zone entry points call through the table, as Darwin's do, so replaced functions
 * are honoured. */
MB_EXPORT void *mb_malloc_zone_malloc(zone_t *z, size_t n)
{
    return ((void *(*)(zone_t *, size_t))z->malloc)(z, n);
}
MB_EXPORT void *mb_malloc_zone_calloc(zone_t *z, size_t n, size_t m)
{
    return ((void *(*)(zone_t *, size_t, size_t))z->calloc)(z, n, m);
}
MB_EXPORT void *mb_malloc_zone_valloc(zone_t *z, size_t n)
{
    return ((void *(*)(zone_t *, size_t))z->valloc)(z, n);
}
MB_EXPORT void *mb_malloc_zone_realloc(zone_t *z, void *p, size_t n)
{
    return ((void *(*)(zone_t *, void *, size_t))z->realloc)(z, p, n);
}
MB_EXPORT void *mb_malloc_zone_memalign(zone_t *z, size_t align, size_t n)
{
    return ((void *(*)(zone_t *, size_t, size_t))z->memalign)(z, align, n);
}
MB_EXPORT void mb_malloc_zone_free(zone_t *z, void *p)
{
    ((void (*)(zone_t *, void *))z->free)(z, p);
}
MB_EXPORT unsigned mb_malloc_zone_batch_malloc(zone_t *z, size_t n, void **out, unsigned count)
{
    return ((unsigned (*)(zone_t *, size_t, void **, unsigned))z->batch_malloc)(z, n, out, count);
}
MB_EXPORT void mb_malloc_zone_batch_free(zone_t *z, void **ptrs, unsigned count)
{
    ((void (*)(zone_t *, void **, unsigned))z->batch_free)(z, ptrs, count);
}
MB_EXPORT size_t mb_malloc_zone_pressure_relief(zone_t *z, size_t goal)
{
    (void)z, (void)goal;
    malloc_trim(0);
    return 0;
}

MB_EXPORT void mb_malloc_zone_register(zone_t *z) { (void)z; }
MB_EXPORT void mb_malloc_zone_unregister(zone_t *z) { (void)z; }
MB_EXPORT int mb_malloc_zone_check(zone_t *z) { (void)z; return 1; }
MB_EXPORT void mb_malloc_zone_print(zone_t *z, int verbose) { (void)z, (void)verbose; }

MB_EXPORT void mb_malloc_zone_statistics(zone_t *z, struct darwin_malloc_statistics *st)
{
    (void)z;
    struct mallinfo2 mi = mallinfo2();
    memset(st, 0, sizeof *st);
    st->blocks_in_use = (uint32_t)(mi.ordblks + mi.smblks);
    st->size_in_use = mi.uordblks + mi.hblkhd;
    st->max_size_in_use = st->size_in_use;
    st->size_allocated = mi.arena + mi.hblkhd;
}

/* malloc_zones and malloc_num_zones: the registered zones, as a program may walk them */
MB_EXPORT zone_t *mb_malloc_zones_array[1] = {&default_zone};
MB_EXPORT zone_t **mb_malloc_zones = mb_malloc_zones_array;
MB_EXPORT unsigned mb_malloc_num_zones = 1;
