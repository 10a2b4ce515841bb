// qsort, bsearch, qsort_r (argument order differs between macOS and glibc)
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

struct ctx { int descending; int calls; };
#ifdef __APPLE__
static int cmp_ctx(void *c, const void *a, const void *b)
#else
static int cmp_ctx(const void *a, const void *b, void *c)
#endif
{
    struct ctx *x = c;
    x->calls++;
    int r = *(const int *)a - *(const int *)b;
    return x->descending ? -r : r;
}

int main(void) {
    int v[] = {42, 7, -3, 19, 0, 7, 100, -50};
    size_t n = sizeof v / sizeof v[0];
    qsort(v, n, sizeof v[0], cmp_int);
    for (size_t i = 0; i < n; i++) printf("%d ", v[i]);
    printf("\n");
    int key = 19;
    int *found = bsearch(&key, v, n, sizeof v[0], cmp_int);
    printf("bsearch 19 at %td\n", found ? found - v : -1);
    key = 8;
    printf("bsearch 8: %s\n", bsearch(&key, v, n, sizeof v[0], cmp_int) ? "found" : "absent");
    const char *words[] = {"pear", "apple", "fig", "banana", "cherry"};
    qsort(words, 5, sizeof words[0], cmp_str);
    for (int i = 0; i < 5; i++) printf("%s ", words[i]);
    printf("\n");
    struct ctx c = {1, 0};
#ifdef __APPLE__
    qsort_r(v, n, sizeof v[0], &c, cmp_ctx);
#else
    qsort_r(v, n, sizeof v[0], cmp_ctx, &c);
#endif
    for (size_t i = 0; i < n; i++) printf("%d ", v[i]);
    printf("\ncomparator called: %s\n", c.calls > 0 ? "yes" : "no");
    srand(1);
    int r1 = rand();
    srand(1);
    printf("rand repeatable: %d\n", r1 == rand());
    return 0;
}
