/* BSD and compiler-rt functions Darwin's libSystem exports that glibc does not: bit scans,
 * heapsort/mergesort, reallocf, strtonum, strmode, at_quick_exit,
 * __muloti4. Written from their manual pages; errno is host errno, translated lazily. */
#define _GNU_SOURCE
#include "runtime.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- bit scans: fls(x) is the 1-based index of the most significant set bit, 0 for 0 */

MB_EXPORT int mb_fls(int x) { return x ? 32 - __builtin_clz((unsigned)x) : 0; }
MB_EXPORT int mb_flsl(long x) { return x ? 64 - __builtin_clzl((unsigned long)x) : 0; }
MB_EXPORT int mb_flsll(long long x) { return x ? 64 - __builtin_clzll((unsigned long long)x) : 0; }

/* ---- sorting ---------------------------------------------------------------------------- */

typedef int (*compare_fn)(const void *, const void *);

static void swap_bytes(char *a, char *b, size_t size)
{
    while (size--) {
        char t = *a;
        *a++ = *b;
        *b++ = t;
    }
}

static void sift_down(char *base, size_t root, size_t n, size_t size, compare_fn cmp)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && cmp(base + child * size, base + (child + 1) * size) < 0)
            child++;
        if (cmp(base + root * size, base + child * size) >= 0)
            return;
        swap_bytes(base + root * size, base + child * size, size);
        root = child;
    }
}

/* heapsort(3): in place, not stable, O(n log n) worst case. */
MB_EXPORT int mb_heapsort(void *vbase, size_t n, size_t size, compare_fn cmp)
{
    char *base = vbase;
    if (size == 0) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = n / 2; i-- > 0;)
        sift_down(base, i, n, size, cmp);
    for (size_t end = n; end-- > 1;) {
        swap_bytes(base, base + end * size, size);
        sift_down(base, 0, end, size, cmp);
    }
    return 0;
}

static void merge_runs(char *base, char *tmp, size_t lo, size_t mid, size_t hi, size_t size,
                       compare_fn cmp)
{
    size_t i = lo, j = mid, k = lo;
    while (i < mid && j < hi) {
        /* `<= 0` takes from the left run on ties: that is what makes the sort stable */
        if (cmp(base + i * size, base + j * size) <= 0)
            memcpy(tmp + k++ * size, base + i++ * size, size);
        else
            memcpy(tmp + k++ * size, base + j++ * size, size);
    }
    memcpy(tmp + k * size, base + i * size, (mid - i) * size);
    k += mid - i;
    memcpy(tmp + k * size, base + j * size, (hi - j) * size);
    memcpy(base + lo * size, tmp + lo * size, (hi - lo) * size);
}

/* mergesort(3): stable; like BSD it refuses elements smaller than half a pointer. */
MB_EXPORT int mb_mergesort(void *vbase, size_t n, size_t size, compare_fn cmp)
{
    char *base = vbase;
    if (size < sizeof(void *) / 2) {
        errno = EINVAL;
        return -1;
    }
    if (n < 2)
        return 0;
    char *tmp = malloc(n * size);
    if (!tmp)
        return -1;
    for (size_t width = 1; width < n; width *= 2)
        for (size_t lo = 0; lo + width < n; lo += 2 * width) {
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            merge_runs(base, tmp, lo, lo + width, hi, size, cmp);
        }
    free(tmp);
    return 0;
}

/* ---- allocation ------------------------------------------------------------------------- */

/* reallocf(3): like realloc, but frees the old block when it fails. */
MB_EXPORT void *mb_reallocf(void *p, size_t size)
{
    void *q = realloc(p, size);
    if (!q && size)
        free(p);
    return q;
}

/* ---- strings ---------------------------------------------------------------------------- */

/* strtonum(3): a base-10 long long in [min, max], or 0 with *errstr saying why. */
MB_EXPORT long long mb_strtonum(const char *s, long long min, long long max, const char **errstr)
{
    const char *why = NULL;
    long long v = 0;
    int saved = errno;
    if (min > max) {
        why = "invalid";
        errno = EINVAL;
    } else {
        char *end;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (s == end || *end != '\0') {
            why = "invalid";
            errno = EINVAL;
        } else if ((v == LLONG_MIN && errno == ERANGE) || v < min) {
            why = "too small";
            errno = ERANGE;
        } else if ((v == LLONG_MAX && errno == ERANGE) || v > max) {
            why = "too large";
            errno = ERANGE;
        } else {
            errno = saved;
        }
    }
    if (errstr)
        *errstr = why;
    return why ? 0 : v;
}

static char type_letter(mode_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFDIR: return 'd';
    case S_IFCHR: return 'c';
    case S_IFBLK: return 'b';
    case S_IFREG: return '-';
    case S_IFLNK: return 'l';
    case S_IFSOCK: return 's';
    case S_IFIFO: return 'p';
    case 0160000: return 'w'; /* Darwin's S_IFWHT */
    default: return '?';
    }
}

static char exec_letter(mode_t mode, mode_t exec_bit, mode_t special_bit, char set, char unset)
{
    if (mode & special_bit)
        return mode & exec_bit ? set : unset;
    return mode & exec_bit ? 'x' : '-';
}

/* strmode(3): "drwxr-xr-x " (eleven characters and a NUL) as ls -l prints it. The S_IF and
 * permission bits are the same numbers on Darwin and Linux. */
MB_EXPORT void mb_strmode(int mode, char *p)
{
    mode_t m = (mode_t)mode;
    p[0] = type_letter(m);
    p[1] = m & S_IRUSR ? 'r' : '-';
    p[2] = m & S_IWUSR ? 'w' : '-';
    p[3] = exec_letter(m, S_IXUSR, S_ISUID, 's', 'S');
    p[4] = m & S_IRGRP ? 'r' : '-';
    p[5] = m & S_IWGRP ? 'w' : '-';
    p[6] = exec_letter(m, S_IXGRP, S_ISGID, 's', 'S');
    p[7] = m & S_IROTH ? 'r' : '-';
    p[8] = m & S_IWOTH ? 'w' : '-';
    p[9] = exec_letter(m, S_IXOTH, S_ISVTX, 't', 'T');
    p[10] = ' ';
    p[11] = '\0';
}

/* ---- process ---------------------------------------------------------------------------- */

/* at_quick_exit lives in glibc's static libc_nonshared; its exported core is this one. */
extern int __cxa_at_quick_exit(void (*fn)(void *), void *dso);

MB_EXPORT int mb_at_quick_exit(void (*fn)(void))
{
    return __cxa_at_quick_exit((void (*)(void *))(void *)fn, NULL);
}

/* ---- compiler-rt ------------------------------------------------------------------------ */

/* __muloti4: 128-bit signed multiply reporting overflow (libgcc has no such symbol). */
MB_EXPORT __int128 mb___muloti4(__int128 a, __int128 b, int *overflow)
{
    __int128 r;
    *overflow = __builtin_mul_overflow(a, b, &r);
    return r;
}
