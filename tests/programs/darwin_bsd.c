// darwin-only
// status: 3
// BSD functions libSystem has and glibc lacks: fls, heapsort, mergesort (stable), reallocf,
// strtonum, strmode, at_quick_exit; expected output is what the manual pages specify
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

struct pair { int key; int order; };

static int by_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int by_key(const void *a, const void *b) {
    const struct pair *x = a, *y = b;
    return (x->key > y->key) - (x->key < y->key);
}

static void on_quick_exit(void) { printf("quick exit handler\n"); fflush(stdout); }

int main(void) {
    printf("fls: %d %d %d %d\n", fls(0), fls(1), fls(0x80), fls(-1));
    printf("flsl: %d flsll: %d\n", flsl(1L << 40), flsll(3LL << 61));

    int v[] = {9, 3, 7, 1, 8, 2, 6, 4, 5, 0, 3, 7};
    int n = sizeof v / sizeof v[0];
    printf("heapsort: %d:", heapsort(v, n, sizeof v[0], by_int));
    for (int i = 0; i < n; i++) printf(" %d", v[i]);
    printf("\n");

    struct pair p[] = {{2, 0}, {1, 1}, {2, 2}, {0, 3}, {1, 4}, {2, 5}, {0, 6}};
    int pn = sizeof p / sizeof p[0];
    printf("mergesort: %d:", mergesort(p, pn, sizeof p[0], by_key));
    for (int i = 0; i < pn; i++) printf(" %d/%d", p[i].key, p[i].order);
    printf("\n");
    errno = 0;
    char tiny[4];
    printf("mergesort tiny elements: %d %s\n", mergesort(tiny, 4, 1, by_int),
           errno == EINVAL ? "EINVAL" : "?");

    char *buf = malloc(16);
    strcpy(buf, "grow me");
    buf = reallocf(buf, 4096);
    printf("reallocf: %s\n", buf ? buf : "(null)");
    free(buf);

    const char *err = NULL;
    const char *inputs[] = {"42", "-7", "1000", "-1000", "12x", "", "99999999999999999999"};
    for (int i = 0; i < 7; i++) {
        errno = 0;
        long long r = strtonum(inputs[i], -100, 100, &err);
        printf("strtonum(\"%s\") = %lld %s errno=%s\n", inputs[i], r, err ? err : "ok",
               errno == 0 ? "0" : errno == EINVAL ? "EINVAL" : errno == ERANGE ? "ERANGE" : "?");
    }

    char mode[12];
    int modes[] = {S_IFDIR | 0755, S_IFREG | 0644, S_IFLNK | 0777, S_IFREG | 04755,
                   S_IFDIR | 01777, S_IFREG | 02640, S_IFIFO | 0600, S_IFCHR | 0620};
    for (int i = 0; i < 8; i++) {
        strmode(modes[i], mode);
        printf("strmode(%07o) = \"%s\"\n", modes[i], mode);
    }

    at_quick_exit(on_quick_exit);
    quick_exit(3);
}
