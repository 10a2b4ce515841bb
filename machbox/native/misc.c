/* Small libc functions whose Darwin ABI differs from glibc's: errno-numbered messages,
 * qsort_r's argument order, fpclassify's values, struct-returning sincos, pattern fills,
 * malloc introspection. */
#define _GNU_SOURCE
#include "runtime.h"
#include "translate.h"

#include <errno.h>
#include <malloc.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

MB_EXPORT char *mb_strerror(int e) { return strerror(mb_errno_to_linux(e)); }

extern int __xpg_strerror_r(int, char *, size_t);

MB_EXPORT int mb_strerror_r(int e, char *buf, size_t n)
{
    int r = __xpg_strerror_r(mb_errno_to_linux(e), buf, n);
    return r ? mb_errno_to_darwin(r) : 0;
}

/* Darwin: qsort_r(base, n, size, thunk, cmp(thunk, a, b)); glibc passes the context last. */
struct qsort_ctx {
    void *thunk;
    int (*cmp)(void *, const void *, const void *);
};

static int qsort_thunk(const void *a, const void *b, void *c)
{
    struct qsort_ctx *q = c;
    return q->cmp(q->thunk, a, b);
}

MB_EXPORT void mb_qsort_r(void *base, size_t n, size_t size, void *thunk,
                          int (*cmp)(void *, const void *, const void *))
{
    struct qsort_ctx q = {thunk, cmp};
    qsort_r(base, n, size, qsort_thunk, &q);
}

static int fpclass_to_darwin(int c)
{
    switch (c) {
    case FP_NAN: return DARWIN_FP_NAN;
    case FP_INFINITE: return DARWIN_FP_INFINITE;
    case FP_ZERO: return DARWIN_FP_ZERO;
    case FP_SUBNORMAL: return DARWIN_FP_SUBNORMAL;
    default: return DARWIN_FP_NORMAL;
    }
}

MB_EXPORT int mb___fpclassifyd(double x) { return fpclass_to_darwin(fpclassify(x)); }
MB_EXPORT int mb___fpclassifyf(float x) { return fpclass_to_darwin(fpclassify(x)); }
MB_EXPORT int mb___fpclassifyl(long double x) { return fpclass_to_darwin(fpclassify(x)); }

/* Returned in xmm0 (and xmm1 for doubles), as Darwin's __sincos_stret does. */
struct sincosf_pair { float s, c; };
struct sincos_pair { double s, c; };

MB_EXPORT struct sincosf_pair mb___sincosf_stret(float x)
{
    struct sincosf_pair r;
    sincosf(x, &r.s, &r.c);
    return r;
}

MB_EXPORT struct sincos_pair mb___sincos_stret(double x)
{
    struct sincos_pair r;
    sincos(x, &r.s, &r.c);
    return r;
}

MB_EXPORT struct sincosf_pair mb___sincospif_stret(float x)
{
    return mb___sincosf_stret((float)M_PI * x);
}

MB_EXPORT struct sincos_pair mb___sincospi_stret(double x)
{
    return mb___sincos_stret(M_PI * x);
}

static void fill_pattern(unsigned char *b, const unsigned char *pat, size_t plen, size_t len)
{
    size_t i = 0;
    for (; i + plen <= len; i += plen)
        memcpy(b + i, pat, plen);
    memcpy(b + i, pat, len - i);
}

MB_EXPORT void mb_memset_pattern4(void *b, const void *p, size_t len) { fill_pattern(b, p, 4, len); }
MB_EXPORT void mb_memset_pattern8(void *b, const void *p, size_t len) { fill_pattern(b, p, 8, len); }
MB_EXPORT void mb_memset_pattern16(void *b, const void *p, size_t len) { fill_pattern(b, p, 16, len); }

MB_EXPORT size_t mb_malloc_size(const void *p) { return p ? malloc_usable_size((void *)p) : 0; }
MB_EXPORT size_t mb_malloc_good_size(size_t n) { return n <= 16 ? 16 : (n + 15) & ~(size_t)15; }

/* libcommonCrypto's random source (Rust's getrandom uses it on macOS): kCCSuccess is 0. */
MB_EXPORT int mb_CCRandomGenerateBytes(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -4300; /* kCCRNGFailure */
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Set-id programs don't run under machbox; AT_SECURE says whether the host thinks so. */
MB_EXPORT int mb_issetugid(void) { return getauxval(AT_SECURE) ? 1 : 0; }

/* libnotify without a notification server: no token is ever registered, so none is valid. */
MB_EXPORT int mb_notify_is_valid_token(int token) { (void)token; return 0; }

/* An XPC date object: Go's runtime creates one at start (a workaround for Apple's fork
 * handlers) and never looks inside. */
MB_EXPORT void *mb_xpc_date_create_from_current(void)
{
    static struct { void *isa; int64_t ns; } date;
    return &date;
}

/* ---- BSD string functions glibc (before 2.38) lacks ------------------------------------ */

MB_EXPORT size_t mb_strlcpy(char *dst, const char *src, size_t size)
{
    size_t len = strlen(src);
    if (size) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = 0;
    }
    return len;
}

MB_EXPORT size_t mb_strlcat(char *dst, const char *src, size_t size)
{
    size_t dl = strnlen(dst, size);
    if (dl == size)
        return size + strlen(src);
    return dl + mb_strlcpy(dst + dl, src, size - dl);
}

MB_EXPORT size_t mb___strlcpy_chk(char *dst, const char *src, size_t size, size_t dstlen)
{
    if (size > dstlen)
        abort(); /* Darwin's __chk_fail: a buffer overflow the compiler could see */
    return mb_strlcpy(dst, src, size);
}

MB_EXPORT size_t mb___strlcat_chk(char *dst, const char *src, size_t size, size_t dstlen)
{
    if (size > dstlen)
        abort();
    return mb_strlcat(dst, src, size);
}

/* atexit lives in glibc's static libc_nonshared, so it has no exported symbol to bind. */
extern int __cxa_atexit(void (*fn)(void *), void *arg, void *dso);

MB_EXPORT int mb_atexit(void (*fn)(void))
{
    return __cxa_atexit((void (*)(void *))(void *)fn, NULL, NULL);
}
