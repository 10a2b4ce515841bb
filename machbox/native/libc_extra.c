/* libc functions whose Darwin ABI differs from glibc's in layout or behaviour:
 * POSIX regex (a 32-byte regex_t and 16-byte regmatch_t against glibc's 64 and 8),
 * confstr (Darwin's per-user directory names), __assert_rtn (Darwin's assert message),
 * backtrace (guest frames are known to LLVM's libunwind, not to glibc's unwinder). */
#define _GNU_SOURCE
#include "runtime.h"
#include "translate.h"

#include <dlfcn.h>
#include <errno.h>
#include <pwd.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- regex ------------------------------------------------------------------------------- */

#define DARWIN_REGEX_MAGIC 0xf265 /* re_magic of a compiled pattern */

struct darwin_regmatch { int64_t rm_so, rm_eo; };

MB_EXPORT int mb_regcomp(struct darwin_regex *d, const char *pattern, int cflags)
{
    regex_t *r = calloc(1, sizeof *r);
    if (!r)
        return DARWIN_REG_ESPACE;
    int lflags = (int)mb_bits_to_linux(mb_regcomp_flags, MB_REGCOMP_FLAGS_COUNT,
                                       (uint32_t)cflags, NULL);
    int e = regcomp(r, pattern, lflags);
    if (e) {
        free(r);
        return e; /* REG_* error codes are numbered alike (Spencer's) */
    }
    d->re_magic = DARWIN_REGEX_MAGIC;
    d->re_nsub = r->re_nsub;
    d->re_endp = NULL;
    d->re_g = r;
    return 0;
}

MB_EXPORT int mb_regexec(const struct darwin_regex *d, const char *s, size_t nmatch,
                         struct darwin_regmatch *m, int eflags)
{
    if (!d || d->re_magic != DARWIN_REGEX_MAGIC)
        return DARWIN_REG_BADPAT;
    regmatch_t local[32], *lm = nmatch <= 32 ? local : malloc(nmatch * sizeof *lm);
    if (!lm)
        return DARWIN_REG_ESPACE;
    int lflags = (int)mb_bits_to_linux(mb_regexec_flags, MB_REGEXEC_FLAGS_COUNT,
                                       (uint32_t)eflags, NULL);
    if ((eflags & DARWIN_REG_STARTEND) && nmatch > 0 && m) {
        lm[0].rm_so = (regoff_t)m[0].rm_so;
        lm[0].rm_eo = (regoff_t)m[0].rm_eo;
    }
    int r = regexec(d->re_g, s, nmatch, lm, lflags);
    if (r == 0 && m)
        for (size_t i = 0; i < nmatch; i++) {
            m[i].rm_so = lm[i].rm_so;
            m[i].rm_eo = lm[i].rm_eo;
        }
    if (lm != local)
        free(lm);
    return r;
}

MB_EXPORT size_t mb_regerror(int code, const struct darwin_regex *d, char *buf, size_t size)
{
    return regerror(code, d && d->re_magic == DARWIN_REGEX_MAGIC ? d->re_g : NULL, buf, size);
}

MB_EXPORT void mb_regfree(struct darwin_regex *d)
{
    if (!d || d->re_magic != DARWIN_REGEX_MAGIC)
        return;
    regfree(d->re_g);
    free(d->re_g);
    d->re_magic = 0;
    d->re_g = NULL;
}

/* ---- confstr ------------------------------------------------------------------------------ */

/* The per-user directory Darwin keeps under /var/folders; here, in the prefix when there is
 * one (the merged view serves /private/var/folders from it), else under TMPDIR. */
static void user_dir(char *out, size_t size, const char *leaf)
{
    const char *prefix = getenv("MACHBOX_PREFIX");
    struct passwd *pw = getpwuid(getuid());
    const char *user = pw ? pw->pw_name : "user";
    if (prefix)
        snprintf(out, size, "%s/private/var/folders/%s/%s", prefix, user, leaf);
    else
        snprintf(out, size, "%s/machbox-%s/%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
                 user, leaf);
    char partial[4096];
    for (char *p = out + 1; *p; p++)
        if (*p == '/') {
            memcpy(partial, out, (size_t)(p - out));
            partial[p - out] = 0;
            mkdir(partial, 0700);
        }
    mkdir(out, 0700);
    errno = 0;
    strncat(out, "/", size - strlen(out) - 1);
}

MB_EXPORT size_t mb_confstr(int name, char *buf, size_t len)
{
    char value[4096];
    switch (name) {
    case DARWIN__CS_PATH: snprintf(value, sizeof value, "/usr/bin:/bin:/usr/sbin:/sbin"); break;
    case DARWIN__CS_DARWIN_USER_DIR: user_dir(value, sizeof value, "0"); break;
    case DARWIN__CS_DARWIN_USER_TEMP_DIR: user_dir(value, sizeof value, "T"); break;
    case DARWIN__CS_DARWIN_USER_CACHE_DIR: user_dir(value, sizeof value, "C"); break;
    default:
        mb_fail(DARWIN_EINVAL);
        return 0;
    }
    size_t need = strlen(value) + 1;
    if (buf && len) {
        strncpy(buf, value, len - 1);
        buf[len - 1] = 0;
    }
    return need;
}

/* ---- assert ------------------------------------------------------------------------------- */

MB_EXPORT void mb___assert_rtn(const char *func, const char *file, int line, const char *expr)
{
    if (func)
        fprintf(stderr, "Assertion failed: (%s), function %s, file %s, line %d.\n", expr, func,
                file, line);
    else
        fprintf(stderr, "Assertion failed: (%s), file %s, line %d.\n", expr, file, line);
    fflush(stderr);
    abort();
}

/* ---- backtrace ---------------------------------------------------------------------------- */

typedef int (*unwind_trace_fn)(void *, void *);
struct trace { void **buf; int max, n; uintptr_t (*get_ip)(void *); };

static int trace_step(void *ctx, void *arg)
{
    struct trace *t = arg;
    if (t->n >= t->max)
        return 5; /* _URC_END_OF_STACK */
    uintptr_t ip = t->get_ip(ctx);
    if (!ip)
        return 5;
    t->buf[t->n++] = (void *)ip;
    return 0;
}

MB_EXPORT int mb_backtrace(void **buf, int size)
{
    static int (*unwind)(unwind_trace_fn, void *);
    static uintptr_t (*get_ip)(void *);
    if (!unwind) {
        void *h = dlopen("libunwind.so.1", RTLD_NOW | RTLD_LOCAL);
        unwind = h ? (int (*)(unwind_trace_fn, void *))dlsym(h, "_Unwind_Backtrace") : NULL;
        get_ip = h ? (uintptr_t (*)(void *))dlsym(h, "_Unwind_GetIP") : NULL;
        if (!unwind || !get_ip)
            return 0;
    }
    struct trace t = {buf, size, 0, get_ip};
    unwind((unwind_trace_fn)trace_step, &t);
    /* the first frame is this function, as Darwin's backtrace does not report itself */
    if (t.n > 0) {
        memmove(buf, buf + 1, (size_t)(t.n - 1) * sizeof *buf);
        t.n--;
    }
    return t.n;
}
