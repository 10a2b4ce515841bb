/* stdio with Darwin FILE objects.
 *
 * Darwin code may touch FILE fields inline (getc_unlocked/putc_unlocked expand to code that
 * reads _r, _w, _p; feof_unlocked reads _flags; fileno_unlocked reads _file), so every FILE
 * a guest sees is a Darwin-layout `struct darwin_FILE` wrapping a host FILE kept in
 * _cookie. _r and _w stay 0 so the inline fast paths always fall into __srget/__swbuf, and
 * _flags mirrors the host's EOF/error state after every operation.
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "vfs.h"
#include "darwin_abi.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

typedef struct darwin_FILE DFILE;

#define D_SLBF 0x0001
#define D_SNBF 0x0002
#define D_SRD 0x0004
#define D_SWR 0x0008
#define D_SRW 0x0010
#define D_SEOF 0x0020
#define D_SERR 0x0040

/* The three standard streams: Darwin's __sF[3] and the __stdinp/__stdoutp/__stderrp
 * variables pointing into it. Exported as data symbols. */
MB_EXPORT DFILE mb___sF[3];
MB_EXPORT DFILE *mb___stdinp = &mb___sF[0];
MB_EXPORT DFILE *mb___stdoutp = &mb___sF[1];
MB_EXPORT DFILE *mb___stderrp = &mb___sF[2];

static inline FILE *H(DFILE *f) { return (FILE *)f->_cookie; }

static void wrap_into(DFILE *d, FILE *h, int rw_flags)
{
    memset(d, 0, sizeof *d);
    d->_cookie = h;
    d->_file = (short)fileno(h);
    d->_flags = (short)rw_flags;
}

static int mode_flags(const char *mode)
{
    int f = mode[0] == 'r' ? D_SRD : D_SWR;
    if (strchr(mode, '+'))
        f = D_SRW;
    return f;
}

static DFILE *wrap(FILE *h, const char *mode)
{
    if (!h)
        return NULL;
    DFILE *d = malloc(sizeof *d);
    if (!d) {
        fclose(h);
        errno = ENOMEM;
        return NULL;
    }
    wrap_into(d, h, mode ? mode_flags(mode) : D_SRW);
    return d;
}

static int is_std(DFILE *f) { return f >= &mb___sF[0] && f < &mb___sF[3]; }

MB_HIDDEN void mb_stdio_init(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    wrap_into(&mb___sF[0], stdin, D_SRD);
    wrap_into(&mb___sF[1], stdout, D_SWR);
    wrap_into(&mb___sF[2], stderr, D_SWR | D_SNBF);
}

/* Before an operation: a guest that cleared EOF/error inline (clearerr_unlocked) means it. */
static inline FILE *in(DFILE *f)
{
    FILE *h = H(f);
    if (!(f->_flags & (D_SEOF | D_SERR)) && (feof_unlocked(h) || ferror_unlocked(h)))
        clearerr_unlocked(h);
    return h;
}

/* After an operation: mirror the host's EOF/error bits and keep the inline paths closed. */
static inline void out(DFILE *f)
{
    FILE *h = H(f);
    short fl = f->_flags & ~(D_SEOF | D_SERR);
    if (feof_unlocked(h))
        fl |= D_SEOF;
    if (ferror_unlocked(h))
        fl |= D_SERR;
    f->_flags = fl;
    f->_r = 0;
    f->_w = 0;
}

/* ---- opening and closing ------------------------------------------------------------ */

MB_EXPORT DFILE *mb_fopen(const char *path, const char *mode)
{
    VFS_IN(path);
    return wrap(fopen(path, mode), mode);
}

MB_EXPORT DFILE *mb_fdopen(int fd, const char *mode)
{
    return wrap(fdopen(fd, mode), mode);
}

MB_EXPORT DFILE *mb_freopen(const char *path, const char *mode, DFILE *f)
{
    char path_vfs[4096];
    if (path)
        path = mb_vfs_in(path, path_vfs);
    FILE *h = freopen(path, mode, H(f));
    if (!h) {
        if (!is_std(f))
            free(f);
        return NULL;
    }
    wrap_into(f, h, mode_flags(mode));
    return f;
}

MB_EXPORT int mb_fclose(DFILE *f)
{
    int r = fclose(H(f));
    if (is_std(f))
        f->_cookie = NULL;
    else
        free(f);
    return r;
}

MB_EXPORT DFILE *mb_tmpfile(void) { return wrap(tmpfile(), "w+"); }
MB_EXPORT DFILE *mb_popen(const char *cmd, const char *mode) { return wrap(popen(cmd, mode), mode); }

MB_HIDDEN int mb_wait_status_to_darwin(int st);

MB_EXPORT int mb_pclose(DFILE *f)
{
    int r = pclose(H(f));
    free(f);
    return r == -1 ? -1 : mb_wait_status_to_darwin(r);
}

MB_EXPORT DFILE *mb_fmemopen(void *buf, size_t size, const char *mode)
{
    return wrap(fmemopen(buf, size, mode), mode);
}

MB_EXPORT DFILE *mb_open_memstream(char **ptr, size_t *size)
{
    return wrap(open_memstream(ptr, size), "w");
}

/* funopen(3): Darwin's callbacks take int lengths and an fpos_t (off_t) offset. */
struct funopen_cookie {
    void *cookie;
    int (*readfn)(void *, char *, int);
    int (*writefn)(void *, const char *, int);
    off_t (*seekfn)(void *, off_t, int);
    int (*closefn)(void *);
};

static ssize_t fun_read(void *c, char *buf, size_t n)
{
    struct funopen_cookie *fc = c;
    return fc->readfn(fc->cookie, buf, n > 0x7fffffff ? 0x7fffffff : (int)n);
}

static ssize_t fun_write(void *c, const char *buf, size_t n)
{
    struct funopen_cookie *fc = c;
    int r = fc->writefn(fc->cookie, buf, n > 0x7fffffff ? 0x7fffffff : (int)n);
    return r < 0 ? 0 : r;
}

static int fun_seek(void *c, off64_t *pos, int whence)
{
    struct funopen_cookie *fc = c;
    off_t r = fc->seekfn(fc->cookie, *pos, whence);
    if (r < 0)
        return -1;
    *pos = r;
    return 0;
}

static int fun_close(void *c)
{
    struct funopen_cookie *fc = c;
    int r = fc->closefn ? fc->closefn(fc->cookie) : 0;
    free(fc);
    return r;
}

MB_EXPORT DFILE *mb_funopen(void *cookie, int (*readfn)(void *, char *, int),
                            int (*writefn)(void *, const char *, int),
                            off_t (*seekfn)(void *, off_t, int), int (*closefn)(void *))
{
    struct funopen_cookie *fc = malloc(sizeof *fc);
    if (!fc)
        return NULL;
    *fc = (struct funopen_cookie){cookie, readfn, writefn, seekfn, closefn};
    cookie_io_functions_t io = {readfn ? fun_read : NULL, writefn ? fun_write : NULL,
                                seekfn ? fun_seek : NULL, fun_close};
    const char *mode = readfn && writefn ? "r+" : readfn ? "r" : "w";
    return wrap(fopencookie(fc, mode, io), mode);
}

/* ---- the inline fast paths' slow halves -------------------------------------------- */

MB_EXPORT int mb___srget(DFILE *f)
{
    int c = fgetc(in(f));
    out(f);
    return c;
}

MB_EXPORT int mb___swbuf(int c, DFILE *f)
{
    int r = fputc(c, in(f));
    out(f);
    return r;
}

/* ---- byte and line I/O ------------------------------------------------------------- */

#define READ_OP(ret, call) do { FILE *h = in(f); ret r = call; out(f); return r; } while (0)

MB_EXPORT int mb_fgetc(DFILE *f) { READ_OP(int, fgetc(h)); }
MB_EXPORT int mb_getc(DFILE *f) { READ_OP(int, getc(h)); }
MB_EXPORT int mb_getc_unlocked(DFILE *f) { READ_OP(int, getc_unlocked(h)); }
MB_EXPORT int mb_getw(DFILE *f) { READ_OP(int, getw(h)); }
MB_EXPORT int mb_fputc(int c, DFILE *f) { READ_OP(int, fputc(c, h)); }
MB_EXPORT int mb_putc(int c, DFILE *f) { READ_OP(int, putc(c, h)); }
MB_EXPORT int mb_putc_unlocked(int c, DFILE *f) { READ_OP(int, putc_unlocked(c, h)); }
MB_EXPORT int mb_putw(int w, DFILE *f) { READ_OP(int, putw(w, h)); }
MB_EXPORT int mb_ungetc(int c, DFILE *f) { READ_OP(int, ungetc(c, h)); }
MB_EXPORT char *mb_fgets(char *s, int n, DFILE *f) { READ_OP(char *, fgets(s, n, h)); }
MB_EXPORT int mb_fputs(const char *s, DFILE *f) { READ_OP(int, fputs(s, h)); }
MB_EXPORT size_t mb_fread(void *p, size_t sz, size_t n, DFILE *f) { READ_OP(size_t, fread(p, sz, n, h)); }
MB_EXPORT size_t mb_fwrite(const void *p, size_t sz, size_t n, DFILE *f) { READ_OP(size_t, fwrite(p, sz, n, h)); }
MB_EXPORT ssize_t mb_getline(char **l, size_t *n, DFILE *f) { READ_OP(ssize_t, getline(l, n, h)); }
MB_EXPORT ssize_t mb_getdelim(char **l, size_t *n, int d, DFILE *f) { READ_OP(ssize_t, getdelim(l, n, d, h)); }
MB_EXPORT wint_t mb_fgetwc(DFILE *f) { READ_OP(wint_t, fgetwc(h)); }
MB_EXPORT wint_t mb_getwc(DFILE *f) { READ_OP(wint_t, getwc(h)); }
MB_EXPORT wint_t mb_fputwc(wchar_t c, DFILE *f) { READ_OP(wint_t, fputwc(c, h)); }
MB_EXPORT wint_t mb_putwc(wchar_t c, DFILE *f) { READ_OP(wint_t, putwc(c, h)); }
MB_EXPORT wint_t mb_ungetwc(wint_t c, DFILE *f) { READ_OP(wint_t, ungetwc(c, h)); }
MB_EXPORT wchar_t *mb_fgetws(wchar_t *s, int n, DFILE *f) { READ_OP(wchar_t *, fgetws(s, n, h)); }
MB_EXPORT int mb_fputws(const wchar_t *s, DFILE *f) { READ_OP(int, fputws(s, h)); }
MB_EXPORT int mb_fwide(DFILE *f, int mode) { READ_OP(int, fwide(h, mode)); }

/* fgetln(3): a line without its terminator guarantee, valid until the next call. */
MB_EXPORT char *mb_fgetln(DFILE *f, size_t *len)
{
    static __thread char *line;
    static __thread size_t cap;
    ssize_t n = getline(&line, &cap, in(f));
    out(f);
    if (n < 0)
        return NULL;
    *len = (size_t)n;
    return line;
}

/* ---- formatted I/O ------------------------------------------------------------------ */

MB_EXPORT int mb_vfprintf(DFILE *f, const char *fmt, va_list ap) { READ_OP(int, vfprintf(h, fmt, ap)); }
MB_EXPORT int mb_vfscanf(DFILE *f, const char *fmt, va_list ap) { READ_OP(int, vfscanf(h, fmt, ap)); }
MB_EXPORT int mb_vfwprintf(DFILE *f, const wchar_t *fmt, va_list ap) { READ_OP(int, vfwprintf(h, fmt, ap)); }
MB_EXPORT int mb_vfwscanf(DFILE *f, const wchar_t *fmt, va_list ap) { READ_OP(int, vfwscanf(h, fmt, ap)); }

#define VARIADIC(name, vname, T)                                                         \
    MB_EXPORT int name(DFILE *f, const T *fmt, ...)                                       \
    {                                                                                    \
        va_list ap;                                                                      \
        va_start(ap, fmt);                                                               \
        int r = vname(f, fmt, ap);                                                       \
        va_end(ap);                                                                      \
        return r;                                                                        \
    }
VARIADIC(mb_fprintf, mb_vfprintf, char)
VARIADIC(mb_fscanf, mb_vfscanf, char)
VARIADIC(mb_fwprintf, mb_vfwprintf, wchar_t)
VARIADIC(mb_fwscanf, mb_vfwscanf, wchar_t)

/* ---- positioning, state, buffering ------------------------------------------------------ */

MB_EXPORT int mb_fseek(DFILE *f, long off, int whence) { READ_OP(int, fseek(h, off, whence)); }
MB_EXPORT int mb_fseeko(DFILE *f, off_t off, int whence) { READ_OP(int, fseeko(h, off, whence)); }
MB_EXPORT long mb_ftell(DFILE *f) { READ_OP(long, ftell(h)); }
MB_EXPORT off_t mb_ftello(DFILE *f) { READ_OP(off_t, ftello(h)); }

MB_EXPORT void mb_rewind(DFILE *f)
{
    rewind(in(f));
    out(f);
}

/* Darwin's fpos_t is a plain off_t. */
MB_EXPORT int mb_fgetpos(DFILE *f, int64_t *pos)
{
    off_t o = ftello(in(f));
    out(f);
    if (o < 0)
        return -1;
    *pos = o;
    return 0;
}

MB_EXPORT int mb_fsetpos(DFILE *f, const int64_t *pos) { READ_OP(int, fseeko(h, *pos, SEEK_SET)); }

MB_EXPORT int mb_fflush(DFILE *f)
{
    if (!f)
        return fflush(NULL);
    READ_OP(int, fflush(h));
}

MB_EXPORT int mb_fpurge(DFILE *f)
{
    __fpurge(in(f));
    out(f);
    return 0;
}

MB_EXPORT int mb_feof(DFILE *f) { return feof(in(f)); }
MB_EXPORT int mb_ferror(DFILE *f) { return ferror(in(f)); }

MB_EXPORT void mb_clearerr(DFILE *f)
{
    clearerr(H(f));
    out(f);
}

MB_EXPORT int mb_fileno(DFILE *f) { return fileno(H(f)); }
MB_EXPORT void mb_flockfile(DFILE *f) { flockfile(H(f)); }
MB_EXPORT void mb_funlockfile(DFILE *f) { funlockfile(H(f)); }
MB_EXPORT int mb_ftrylockfile(DFILE *f) { return ftrylockfile(H(f)); }

MB_EXPORT int mb_setvbuf(DFILE *f, char *buf, int mode, size_t size)
{
    /* _IOFBF 0, _IOLBF 1, _IONBF 2 on both systems */
    int r = setvbuf(H(f), buf, mode, size);
    f->_flags = (short)((f->_flags & ~(D_SLBF | D_SNBF)) |
                        (mode == _IOLBF ? D_SLBF : mode == _IONBF ? D_SNBF : 0));
    return r;
}

MB_EXPORT void mb_setbuf(DFILE *f, char *buf) { mb_setvbuf(f, buf, buf ? _IOFBF : _IONBF, BUFSIZ); }
MB_EXPORT void mb_setbuffer(DFILE *f, char *buf, int size) { mb_setvbuf(f, buf, buf ? _IOFBF : _IONBF, (size_t)size); }
MB_EXPORT int mb_setlinebuf(DFILE *f) { return mb_setvbuf(f, NULL, _IOLBF, 0); }

/* ---- errno-reading helpers -------------------------------------------------------------- */

MB_HIDDEN int mb_guest_errno_as_linux(void);

MB_EXPORT void mb_perror(const char *s)
{
    errno = mb_guest_errno_as_linux();
    perror(s);
    errno = 0;
}
