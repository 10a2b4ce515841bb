/* Small libc functions whose Darwin ABI differs from glibc's: errno-numbered messages,
 * qsort_r's argument order, fpclassify's values, struct-returning sincos, pattern fills,
 * malloc introspection. */
#define _GNU_SOURCE
#include "runtime.h"
#include "translate.h"

#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <stdio.h>
#include <fcntl.h>
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

/* ---- libnotify without notifyd --------------------------------------------------------------
 * Registrations succeed and are remembered, so tokens are valid and their state can be set
 * and read; no other process posts here, so a registration hears only its own process's
 * notify_post (delivered to file descriptors and checks; dispatch handlers never run). */

#define NOTIFY_STATUS_OK 0
#define NOTIFY_STATUS_INVALID_TOKEN 2
#define MAX_TOKENS 256

static struct registration {
    char name[128];
    int used, check_pending, fd_write, fd_read, token_in_fd;
    uint64_t state;
} tokens[MAX_TOKENS];
static pthread_mutex_t notify_lock = PTHREAD_MUTEX_INITIALIZER;

static int register_name(const char *name, int *token)
{
    pthread_mutex_lock(&notify_lock);
    int t = 0;
    while (t < MAX_TOKENS && tokens[t].used)
        t++;
    if (t == MAX_TOKENS) {
        pthread_mutex_unlock(&notify_lock);
        return 1000000; /* NOTIFY_STATUS_FAILED */
    }
    tokens[t] = (struct registration){.used = 1, .check_pending = 1, .fd_write = -1,
                                      .fd_read = -1};
    snprintf(tokens[t].name, sizeof tokens[t].name, "%s", name ? name : "");
    pthread_mutex_unlock(&notify_lock);
    *token = t;
    return NOTIFY_STATUS_OK;
}

static struct registration *registration_of(int token)
{
    return token >= 0 && token < MAX_TOKENS && tokens[token].used ? &tokens[token] : NULL;
}

MB_EXPORT int mb_notify_is_valid_token(int token) { return registration_of(token) != NULL; }

MB_EXPORT uint32_t mb_notify_register_check(const char *name, int *token)
{
    return (uint32_t)register_name(name, token);
}

MB_EXPORT uint32_t mb_notify_register_dispatch(const char *name, int *token, void *queue,
                                               void *handler)
{
    (void)queue, (void)handler;
    return (uint32_t)register_name(name, token);
}

/* A pipe whose read end becomes readable (the token, 4 bytes big-endian) on each post. */
MB_EXPORT uint32_t mb_notify_register_file_descriptor(const char *name, int *fd, int flags,
                                                      int *token)
{
    int p[2];
    (void)flags; /* NOTIFY_REUSE: every registration gets its own pipe here */
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
        return 1000000;
    uint32_t r = (uint32_t)register_name(name, token);
    if (r != NOTIFY_STATUS_OK) {
        close(p[0]);
        close(p[1]);
        return r;
    }
    tokens[*token].fd_read = p[0];
    tokens[*token].fd_write = p[1];
    *fd = p[0];
    return NOTIFY_STATUS_OK;
}

MB_EXPORT uint32_t mb_notify_check(int token, int *check)
{
    struct registration *r = registration_of(token);
    if (!r)
        return NOTIFY_STATUS_INVALID_TOKEN;
    *check = __atomic_exchange_n(&r->check_pending, 0, __ATOMIC_ACQ_REL);
    return NOTIFY_STATUS_OK;
}

MB_EXPORT uint32_t mb_notify_post(const char *name)
{
    pthread_mutex_lock(&notify_lock);
    for (int t = 0; t < MAX_TOKENS; t++) {
        if (!tokens[t].used || strcmp(tokens[t].name, name ? name : ""))
            continue;
        tokens[t].check_pending = 1;
        if (tokens[t].fd_write >= 0) {
            uint32_t be = __builtin_bswap32((uint32_t)t);
            (void)!write(tokens[t].fd_write, &be, sizeof be);
        }
    }
    pthread_mutex_unlock(&notify_lock);
    errno = 0;
    return NOTIFY_STATUS_OK;
}

MB_EXPORT uint32_t mb_notify_set_state(int token, uint64_t state)
{
    struct registration *r = registration_of(token);
    if (!r)
        return NOTIFY_STATUS_INVALID_TOKEN;
    r->state = state;
    return NOTIFY_STATUS_OK;
}

MB_EXPORT uint32_t mb_notify_get_state(int token, uint64_t *state)
{
    struct registration *r = registration_of(token);
    if (!r)
        return NOTIFY_STATUS_INVALID_TOKEN;
    *state = r->state;
    return NOTIFY_STATUS_OK;
}

MB_EXPORT uint32_t mb_notify_cancel(int token)
{
    pthread_mutex_lock(&notify_lock);
    struct registration *r = registration_of(token);
    if (r) {
        if (r->fd_write >= 0)
            close(r->fd_write);
        r->used = 0;
    }
    pthread_mutex_unlock(&notify_lock);
    return r ? NOTIFY_STATUS_OK : NOTIFY_STATUS_INVALID_TOKEN;
}

/* ---- dns_sd without mDNSResponder: every call answers kDNSServiceErr_ServiceNotRunning, as
 * on a Mac whose daemon is gone; callers (Bun's dns module) report or fall back to
 * getaddrinfo. */

#define kDNSServiceErr_ServiceNotRunning (-65563)

MB_EXPORT int32_t mb_DNSServiceCreateConnection(void **ref)
{
    if (ref)
        *ref = NULL;
    return kDNSServiceErr_ServiceNotRunning;
}

MB_EXPORT int32_t mb_DNSServiceQueryRecord(void **ref, uint32_t flags, uint32_t iface,
                                           const char *name, uint16_t type, uint16_t cls,
                                           void *callback, void *context)
{
    (void)flags, (void)iface, (void)name, (void)type, (void)cls, (void)callback, (void)context;
    return mb_DNSServiceCreateConnection(ref);
}

MB_EXPORT int32_t mb_DNSServiceGetAddrInfo(void **ref, uint32_t flags, uint32_t iface,
                                           uint32_t protocol, const char *name, void *callback,
                                           void *context)
{
    (void)flags, (void)iface, (void)protocol, (void)name, (void)callback, (void)context;
    return mb_DNSServiceCreateConnection(ref);
}

MB_EXPORT int mb_DNSServiceRefSockFD(void *ref)
{
    (void)ref;
    return -1;
}

MB_EXPORT int32_t mb_DNSServiceProcessResult(void *ref)
{
    (void)ref;
    return kDNSServiceErr_ServiceNotRunning;
}

MB_EXPORT void mb_DNSServiceRefDeallocate(void *ref) { (void)ref; }

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
