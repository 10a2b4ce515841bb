/* `machbox trace`: one JSON record per traced call, written by the process that made it.
 *
 * Only under tracing does the binder route an import through a tracing thunk (a stub that
 * loads the call site into r11 and enters mb_trace_trampoline, asm.S); untraced runs bind
 * as always and pay nothing. The site says how to decode the call: argument kinds and
 * flag sets come from machbox.trace's prototype table, the flag names from machbox.abi, so
 * this file knows no function and no constant. Records are data (pid, tid, call, decoded
 * arguments, result, Darwin errno name, duration); `machbox trace` renders them.
 *
 * Writing a record may happen on any guest thread, in a signal handler or in a forked
 * child, so it is plain C: one write(2) of a line built on the stack (O_APPEND keeps the
 * lines of several processes whole), guest memory read with process_vm_readv so that a bad
 * pointer gives "<bad address>" instead of a fault, errno left as the call set it.
 */
#define _GNU_SOURCE
#include <Python.h>

#include "runtime.h"
#include "trace.h"
#include "ownfd.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static int trace_fd = -1;
static char *trace_only;        /* --only GLOB for raw syscalls (imports are filtered at bind) */

/* ---- flag sets (names and values from machbox.abi, registered by machbox.trace) ---------- */

struct flag { const char *name; int64_t value; };
struct flag_set { int mode; int count; struct flag *flags; };
static struct flag_set sets[MB_TRACE_MAX_SETS];

/* ---- the line being built ----------------------------------------------------------- */

struct line { char text[MB_TRACE_LINE]; size_t len; };

static void put(struct line *l, const char *s, size_t n)
{
    size_t room = sizeof l->text - 3;       /* "}\n" always fits */
    room = l->len < room ? room - l->len : 0;
    if (n > room)
        n = room;
    memcpy(l->text + l->len, s, n);
    l->len += n;
}

static void puts_(struct line *l, const char *s) { put(l, s, strlen(s)); }

static void putf(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct line *l, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        put(l, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* A JSON string of n bytes; bytes outside printable ASCII as \u00XX (Latin-1), so any byte
 * sequence gives valid JSON and the renderer gets the bytes back. */
static void put_json_bytes(struct line *l, const unsigned char *s, size_t n)
{
    put(l, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            put(l, esc, 2);
        } else if (c >= 0x20 && c < 0x7f) {
            put(l, (const char *)&c, 1);
        } else {
            putf(l, "\\u%04x", c);
        }
    }
    put(l, "\"", 1);
}

/* ---- reading guest memory without trusting it ------------------------------------------ */

static size_t safe_read(uint64_t addr, void *dst, size_t n)
{
    struct iovec local = {dst, n}, remote[2];
    size_t first = 4096 - (addr & 4095);
    int count = 1;
    remote[0].iov_base = (void *)(uintptr_t)addr;
    remote[0].iov_len = n < first ? n : first;
    if (n > first) {
        remote[1].iov_base = (void *)(uintptr_t)(addr + first);
        remote[1].iov_len = n - first;
        count = 2;
    }
    ssize_t r = process_vm_readv(getpid(), &local, 1, remote, count, 0);
    return r < 0 ? 0 : (size_t)r;
}

static void put_cstring(struct line *l, uint64_t addr)
{
    unsigned char buf[MB_TRACE_STRING_MAX];
    if (!addr) {
        puts_(l, "null");
        return;
    }
    size_t got = safe_read(addr, buf, sizeof buf);
    if (!got) {
        puts_(l, "\"<bad address>\"");
        return;
    }
    unsigned char *end = memchr(buf, 0, got);
    put_json_bytes(l, buf, end ? (size_t)(end - buf) : got);
}

static void put_buffer(struct line *l, uint64_t addr, uint64_t size)
{
    unsigned char buf[MB_TRACE_BUFFER_MAX];
    size_t n = size < sizeof buf ? size : sizeof buf;
    size_t got = addr ? safe_read(addr, buf, n) : 0;
    if (n && !got) {
        puts_(l, addr ? "\"<bad address>\"" : "null");
        return;
    }
    put_json_bytes(l, buf, got);
}

/* A Mach message header (mach_msg's first argument) as an object: the message id, size,
 * ports and the bits that say how the ports travel. Read when the call is recorded, so
 * a receive shows the message that arrived. */
static void put_message(struct line *l, uint64_t addr)
{
    struct { uint32_t bits, size, remote, local, voucher; int32_t id; } h;
    if (!addr) {
        puts_(l, "null");
        return;
    }
    if (safe_read(addr, &h, sizeof h) != sizeof h) {
        puts_(l, "\"<bad address>\"");
        return;
    }
    putf(l, "{\"id\":%d,\"size\":%u,\"remote\":%u,\"local\":%u,\"bits\":\"0x%x\"}", h.id,
         h.size, h.remote, h.local, h.bits);
}

/* ---- decoding one value ------------------------------------------------------------ */

static const char *enum_name(int set, int64_t v)
{
    const struct flag_set *fs = &sets[set];
    for (int i = 0; i < fs->count; i++)
        if (fs->flags[i].value == v)
            return fs->flags[i].name;
    return NULL;
}

static int64_t flag_value(int set, const char *name)
{
    const struct flag_set *fs = &sets[set];
    for (int i = 0; i < fs->count; i++)
        if (strcmp(fs->flags[i].name, name) == 0)
            return fs->flags[i].value;
    return 0;
}

/* Bits by name in table order (a name's bits are taken once), what is left in hex. */
static void put_bits(struct line *l, int set, uint64_t v, int access_mode)
{
    const struct flag_set *fs = &sets[set];
    int first = 1;
    put(l, "\"", 1);
    if (access_mode) {  /* open's O_RDONLY/O_WRONLY/O_RDWR are a number, not bits */
        const char *name = enum_name(set, (int64_t)(v & 3));
        puts_(l, name ? name : "O_ACCMODE");
        v &= ~(uint64_t)3;
        first = 0;
    }
    for (int i = 0; i < fs->count && v; i++) {
        uint64_t bits = (uint64_t)fs->flags[i].value;
        if (!bits || (access_mode && (bits & 3)) || (v & bits) != bits)
            continue;
        if (!first)
            put(l, "|", 1);
        puts_(l, fs->flags[i].name);
        v &= ~bits;
        first = 0;
    }
    if (v || first) {
        const char *zero = v ? NULL : enum_name(set, 0);
        if (!first)
            put(l, "|", 1);
        if (zero)
            puts_(l, zero);
        else if (v)
            putf(l, "0x%llx", (unsigned long long)v);
        else
            put(l, "0", 1);
    }
    put(l, "\"", 1);
}

static void put_value(struct line *l, int kind, int set, const uint64_t *args, int i)
{
    uint64_t v = args[i];
    const char *name;
    switch (kind) {
    case MB_TK_INT:
        putf(l, "%d", (int)v);
        break;
    case MB_TK_UINT:
        putf(l, "%u", (unsigned)v);
        break;
    case MB_TK_LONG:
        putf(l, "%lld", (long long)v);
        break;
    case MB_TK_SIZE:
        putf(l, "%llu", (unsigned long long)v);
        break;
    case MB_TK_FD:
        if ((int)v == MB_TRACE_AT_FDCWD)
            puts_(l, "\"AT_FDCWD\"");
        else
            putf(l, "%d", (int)v);
        break;
    case MB_TK_LFD:
        if ((int)v == MB_TRACE_LINUX_AT_FDCWD)
            puts_(l, "\"AT_FDCWD\"");
        else
            putf(l, "%d", (int)v);
        break;
    case MB_TK_STR:
        put_cstring(l, v);
        break;
    case MB_TK_BUF:     /* data whose length is the next argument */
        put_buffer(l, v, i + 1 < MB_TRACE_MAX_ARGS ? args[i + 1] : 0);
        break;
    case MB_TK_MODE:
        putf(l, "\"0%o\"", (unsigned)v);
        break;
    case MB_TK_BITS:
        put_bits(l, set, (uint32_t)v, 0);
        break;
    case MB_TK_OFLAGS:
        put_bits(l, set, (uint32_t)v, 1);
        break;
    case MB_TK_ENUM:
        name = enum_name(set, (int)v);
        if (name)
            putf(l, "\"%s\"", name);
        else
            putf(l, "%d", (int)v);
        break;
    case MB_TK_MSG:
        put_message(l, v);
        break;
    case MB_TK_HEX:
        putf(l, "\"0x%llx\"", (unsigned long long)v);
        break;
    default:  /* MB_TK_PTR */
        if (v)
            putf(l, "\"0x%llx\"", (unsigned long long)v);
        else
            puts_(l, "null");
    }
}

/* ---- records ----------------------------------------------------------------------- */

static uint64_t now_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int fails(int result_kind, uint64_t r)
{
    switch (result_kind) {
    case MB_TR_INT: return (int)r == -1;
    case MB_TR_LONG: return (int64_t)r == -1;
    case MB_TR_PTR: return r == 0;
    case MB_TR_ERR: return (int)r != 0;
    default: return 0;
    }
}

MB_HIDDEN void mb_trace_record(const struct mb_trace_site *site, const uint64_t *args,
                               int has_result, uint64_t result, int darwin_errno,
                               uint64_t start)
{
    struct line l;
    uint64_t end = now_ns(CLOCK_MONOTONIC);
    uint64_t wall = now_ns(CLOCK_REALTIME) - (end - start);
    l.len = 0;
    putf(&l, "{\"ts\":%llu.%06llu,\"pid\":%d,\"tid\":%ld,\"kind\":\"%s\",\"call\":",
         (unsigned long long)(wall / 1000000000u),
         (unsigned long long)(wall % 1000000000u / 1000u), getpid(), syscall(SYS_gettid),
         site->kind);
    put_json_bytes(&l, (const unsigned char *)site->name, strlen(site->name));
    if (site->nargs == MB_TRACE_UNKNOWN) {
        puts_(&l, ",\"args\":null");
    } else {
        puts_(&l, ",\"args\":[");
        for (int i = 0; i < site->nargs; i++) {
            /* open's mode is there only with O_CREAT (it is a variadic argument) */
            if (site->arg[i] == MB_TK_MODE && i && site->arg[i - 1] == MB_TK_OFLAGS &&
                !(args[i - 1] & flag_value(site->set[i - 1], "O_CREAT")))
                break;
            if (i)
                put(&l, ",", 1);
            put_value(&l, site->arg[i], site->set[i], args, i);
        }
        put(&l, "]", 1);
    }
    if (has_result && site->result != MB_TR_VOID) {
        puts_(&l, ",\"result\":");
        switch (site->result) {
        case MB_TR_INT:
        case MB_TR_ERR:
            putf(&l, "%d", (int)result);
            break;
        case MB_TR_LONG:
            putf(&l, "%lld", (long long)result);
            break;
        default:
            putf(&l, "\"0x%llx\"", (unsigned long long)result);
        }
        if (darwin_errno) {
            const char *name = enum_name(MB_TRACE_SET_ERRNO, darwin_errno);
            if (name)
                putf(&l, ",\"errno\":\"%s\"", name);
            else
                putf(&l, ",\"errno\":%d", darwin_errno);
        }
        putf(&l, ",\"us\":%.1f", (double)(end - start) / 1000.0);
    }
    memcpy(l.text + l.len, "}\n", 2);  /* put() always leaves room for it */
    l.len += 2;
    ssize_t ignored = write(trace_fd, l.text, l.len);
    (void)ignored;
}

static void gather_args(uint64_t *out, const uint64_t *regs, const uint64_t *stack)
{
    for (int i = 0; i < MB_TRACE_MAX_ARGS; i++)
        out[i] = i < 6 ? regs[i] : stack[i - 6];
}

/* Called by the trampoline before the target. Calls that may not return (exit, exec) are
 * recorded here, since nothing would be recorded after. Returns the start time. */
MB_EXPORT uint64_t mb_trace_enter(const struct mb_trace_site *site, const uint64_t *regs,
                                  const uint64_t *stack)
{
    int saved = errno;
    if (site->flags & MB_TRACE_BEFORE) {
        uint64_t args[MB_TRACE_MAX_ARGS];
        gather_args(args, regs, stack);
        mb_trace_record(site, args, 0, 0, 0, now_ns(CLOCK_MONOTONIC));
    }
    uint64_t start = now_ns(CLOCK_MONOTONIC);
    if (site->flags & MB_TRACE_CAPTURE)
        mb_sud_capture_begin();  /* last: from here the call's own system calls trap */
    errno = saved;
    return start;
}

/* Called by the trampoline after the target returned `result`. A failed call's errno is
 * moved into the Darwin slot exactly as the guest's next __error() would move it. */
MB_EXPORT void mb_trace_exit(const struct mb_trace_site *site, const uint64_t *regs,
                             const uint64_t *stack, uint64_t start, uint64_t result)
{
    if (site->flags & MB_TRACE_CAPTURE)
        mb_sud_capture_end();    /* first: the record below is the tracer's own */
    int saved = errno, darwin_errno = 0;
    uint64_t args[MB_TRACE_MAX_ARGS];
    if (fails(site->result, result)) {
        if (site->result == MB_TR_ERR) {
            darwin_errno = (int)result;
        } else {
            mb_sync_errno();
            darwin_errno = mb_self()->darwin_errno;
            saved = 0;
        }
    }
    gather_args(args, regs, stack);
    mb_trace_record(site, args, 1, result, darwin_errno, start);
    errno = saved;
}

MB_HIDDEN int mb_trace_on(void)
{
    return trace_fd >= 0;
}

MB_HIDDEN int mb_trace_wanted(const char *name)
{
    return trace_fd >= 0 && (!trace_only || fnmatch(trace_only, name, 0) == 0);
}

/* ---- from Python --------------------------------------------------------------------- */

extern void mb_trace_trampoline(void);

/* trace_open(path, only): records go to path (opened for appending, shared by every
 * process of the traced tree); `only` filters raw syscalls by name. */
MB_HIDDEN PyObject *mb_py_trace_open(PyObject *self, PyObject *args)
{
    const char *path, *only;
    if (!PyArg_ParseTuple(args, "sz", &path, &only))
        return NULL;
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_CREAT, 0644);
    if (fd < 0)
        return PyErr_SetFromErrnoWithFilename(PyExc_OSError, path);
    /* machbox's, out of the way of the program's descriptors (ownfd.c); only ever
     * written through trace_fd, so a dup2 onto it may move it */
    trace_fd = mb_fd_move_high(fd);
    mb_fd_own(&trace_fd, 1);
    free(trace_only);
    trace_only = only && *only ? strdup(only) : NULL;
    Py_RETURN_NONE;
}

/* trace_flagset(index, mode, ((name, value), ...)) */
MB_HIDDEN PyObject *mb_py_trace_flagset(PyObject *self, PyObject *args)
{
    int index, mode;
    PyObject *items;
    if (!PyArg_ParseTuple(args, "iiO!", &index, &mode, &PyTuple_Type, &items))
        return NULL;
    if (index < 0 || index >= MB_TRACE_MAX_SETS)
        return PyErr_Format(PyExc_ValueError, "flag set %d out of range", index);
    Py_ssize_t n = PyTuple_GET_SIZE(items);
    struct flag *flags = calloc(n ? n : 1, sizeof *flags);
    if (!flags)
        return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *name;
        long long value;
        if (!PyArg_ParseTuple(PyTuple_GET_ITEM(items, i), "sL", &name, &value)) {
            free(flags);
            return NULL;
        }
        flags[i].name = strdup(name);
        flags[i].value = value;
    }
    sets[index].mode = mode;
    sets[index].count = (int)n;
    sets[index].flags = flags;
    Py_RETURN_NONE;
}

/* A call site from (target, name, kind, argkinds, argsets, result, flags); argkinds None:
 * the prototype is unknown. NULL with a Python error set on failure. */
static struct mb_trace_site *make_site(PyObject *args)
{
    unsigned long long target;
    const char *name, *kind;
    PyObject *kinds, *setidx;
    int result, flags;
    if (!PyArg_ParseTuple(args, "KssOOii", &target, &name, &kind, &kinds, &setidx, &result,
                          &flags))
        return NULL;
    struct mb_trace_site *site = calloc(1, sizeof *site);
    if (!site) {
        PyErr_NoMemory();
        return NULL;
    }
    site->target = (void *)(uintptr_t)target;
    site->name = strdup(name);
    site->kind = strdup(kind);
    site->result = (uint8_t)result;
    site->flags = (uint8_t)flags;
    site->nargs = MB_TRACE_UNKNOWN;
    if (kinds != Py_None) {
        char *k, *s;
        Py_ssize_t nk, ns;
        if (PyBytes_AsStringAndSize(kinds, &k, &nk) < 0 ||
            PyBytes_AsStringAndSize(setidx, &s, &ns) < 0)
            return NULL;
        if (nk > MB_TRACE_MAX_ARGS || ns != nk) {
            PyErr_Format(PyExc_ValueError, "%s: bad prototype", name);
            return NULL;
        }
        site->nargs = (uint8_t)nk;
        memcpy(site->arg, k, nk);
        memcpy(site->set, s, nk);
    }
    return site;
}

/* trace_site(0, name, kind, argkinds, argsets, result, flags) -> address of a call site,
 * for records made by C code itself (raw system calls, sud.c) */
MB_HIDDEN PyObject *mb_py_trace_site(PyObject *self, PyObject *args)
{
    struct mb_trace_site *site = make_site(args);
    return site ? PyLong_FromUnsignedLongLong((uintptr_t)site) : NULL;
}

/* trace_stub(target, name, kind, argkinds, argsets, result, flags) -> address of a thunk
 * that records each call of target. */
MB_HIDDEN PyObject *mb_py_trace_stub(PyObject *self, PyObject *args)
{
    struct mb_trace_site *site = make_site(args);
    if (!site)
        return NULL;
    unsigned char *code = mb_code_alloc(32);
    if (!code)
        return PyErr_NoMemory();
    unsigned char *p = code;
    uint64_t imm = (uint64_t)(uintptr_t)site;
    *p++ = 0x49; *p++ = 0xBB; memcpy(p, &imm, 8); p += 8;        /* movabs $site, %r11 */
    imm = (uint64_t)(uintptr_t)mb_trace_trampoline;
    *p++ = 0x49; *p++ = 0xBA; memcpy(p, &imm, 8); p += 8;        /* movabs $tramp, %r10 */
    *p++ = 0x41; *p++ = 0xFF; *p++ = 0xE2;                       /* jmp *%r10 */
    return PyLong_FromUnsignedLongLong((uintptr_t)code);
}

/* trace_kinds() -> (argument kind names, result kind names), in this file's order */
MB_HIDDEN PyObject *mb_py_trace_kinds(PyObject *self, PyObject *unused)
{
    return Py_BuildValue("(ss)", MB_TRACE_KIND_NAMES, MB_TRACE_RESULT_NAMES);
}
