// darwin-only
// malloc zones: the default zone and its function table, zone calls, created zones with
// names, zone_from_ptr, batch allocation, statistics, and malloc_size/good_size
#include <malloc/malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    malloc_zone_t *z = malloc_default_zone();
    printf("default zone: name=%s version>=9=%d has memalign=%d\n", malloc_get_zone_name(z),
           z->version >= 9, z->memalign != NULL);
    char *p = malloc_zone_malloc(z, 100);
    strcpy(p, "zone memory");
    printf("malloc_zone_malloc: %s size>=100=%d from default=%d\n", p, malloc_size(p) >= 100,
           malloc_zone_from_ptr(p) == z);
    p = malloc_zone_realloc(z, p, 5000);
    printf("realloc kept contents: %d\n", strcmp(p, "zone memory") == 0);
    malloc_zone_free(z, p);
    int *c = malloc_zone_calloc(z, 10, sizeof(int));
    int zero = 1;
    for (int i = 0; i < 10; i++) zero &= c[i] == 0;
    printf("calloc zeroed: %d\n", zero);
    free(c);  // zone memory and malloc memory are one
    void *a = malloc_zone_memalign(z, 4096, 10);
    printf("memalign 4096: %d\n", ((unsigned long)a & 4095) == 0);
    malloc_zone_free(z, a);

    malloc_zone_t *mine = malloc_create_zone(0, 0);
    malloc_set_zone_name(mine, "com.example.zone");
    void *q = malloc_zone_malloc(mine, 64);
    printf("created zone: name=%s allocation ok=%d\n", malloc_get_zone_name(mine), q != NULL);
    malloc_zone_free(mine, q);
    void *batch[8];
    unsigned got = malloc_zone_batch_malloc(z, 32, batch, 8);
    printf("batch malloc: some=%d\n", got >= 1 && got <= 8);  /* it may return fewer */
    malloc_zone_batch_free(z, batch, got);
    malloc_destroy_zone(mine);

    malloc_statistics_t st;
    void *keep = malloc(1 << 16);
    malloc_zone_statistics(NULL, &st);
    printf("statistics: in use>=64K=%d allocated>=in use=%d\n", st.size_in_use >= (1 << 16),
           st.size_allocated >= st.size_in_use);
    free(keep);
    printf("malloc_good_size(1)>=1: %d\n", malloc_good_size(1) >= 1);
    return 0;
}
