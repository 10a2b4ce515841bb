/* machbox._native: the Python face of the native part.
 *
 * The loader (Python) computes a plan; these functions apply it: reserve and map memory,
 * write fixups, make stubs, register unwind and TLV data, then hand the thread to the guest.
 * Nothing here decides anything about Mach-O or Darwin semantics.
 */
#define PY_SSIZE_T_CLEAN
#define _GNU_SOURCE
#include <Python.h>

#include "runtime.h"

#include <cpuid.h>
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <unistd.h>

MB_HIDDEN void *mb_make_unimplemented_stub(const char *name, const char *library);
MB_HIDDEN void *mb_make_python_stub(long index);
MB_HIDDEN void mb_set_py_dispatcher(PyObject *callable);
MB_HIDDEN long mb_register_unwind(uint64_t image_base, uint32_t text_end, const void *unwind_info,
                                  size_t unwind_size, const void *eh_frame, size_t eh_size);
MB_HIDDEN int mb_tlv_register(void *descriptors, size_t count, const void *init_start,
                              size_t init_size, size_t total_size);
MB_HIDDEN void mb_images_add(const void *mh, intptr_t slide, const char *path);
MB_HIDDEN void mb_stdio_init(void);
MB_HIDDEN void mb_ctype_init(void);
MB_HIDDEN void mb_dyld_init(void);
extern MB_HIDDEN char **mb_apple;
MB_EXPORT void mb_exit(int status);
extern void mb_jump_unixthread(void *entry, const uint64_t *words, size_t nwords);

MB_HIDDEN unsigned int mb_xsave_size = 4096;
MB_HIDDEN struct mb_program_vars mb_program;
MB_HIDDEN char **mb_apple;

/* ---- argument helpers ------------------------------------------------------------------ */

static void *as_ptr(PyObject *o)
{
    return (void *)(uintptr_t)PyLong_AsUnsignedLongLongMask(o);
}

static PyObject *os_error(const char *what)
{
    return PyErr_Format(PyExc_OSError, "%s: %s", what, strerror(errno));
}

/* ---- memory -------------------------------------------------------------------------- */

/* reserve(addr, size) -> addr: a PROT_NONE reservation at addr if free, else anywhere. */
static PyObject *py_reserve(PyObject *self, PyObject *args)
{
    unsigned long long addr, size;
    if (!PyArg_ParseTuple(args, "KK", &addr, &size))
        return NULL;
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
    void *p = MAP_FAILED;
    if (addr)
        p = mmap((void *)(uintptr_t)addr, size, PROT_NONE, flags | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED || (addr && (uintptr_t)p != addr)) {
        if (p != MAP_FAILED)
            munmap(p, size);
        p = mmap(NULL, size, PROT_NONE, flags, -1, 0);
    }
    if (p == MAP_FAILED)
        return os_error("reserving address space");
    return PyLong_FromUnsignedLongLong((uintptr_t)p);
}

/* map_file(addr, size, prot, fd, offset): a private file mapping inside a reservation. */
static PyObject *py_map_file(PyObject *self, PyObject *args)
{
    unsigned long long addr, size, offset;
    int prot, fd;
    if (!PyArg_ParseTuple(args, "KKiiK", &addr, &size, &prot, &fd, &offset))
        return NULL;
    void *p = mmap((void *)(uintptr_t)addr, size, prot, MAP_PRIVATE | MAP_FIXED, fd, (off_t)offset);
    if (p == MAP_FAILED)
        return os_error("mapping a segment");
    Py_RETURN_NONE;
}

static PyObject *py_map_anon(PyObject *self, PyObject *args)
{
    unsigned long long addr, size;
    int prot;
    if (!PyArg_ParseTuple(args, "KKi", &addr, &size, &prot))
        return NULL;
    void *p = mmap((void *)(uintptr_t)addr, size, prot, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS,
                   -1, 0);
    if (p == MAP_FAILED)
        return os_error("mapping zero-fill memory");
    Py_RETURN_NONE;
}

static PyObject *py_protect(PyObject *self, PyObject *args)
{
    unsigned long long addr, size;
    int prot;
    if (!PyArg_ParseTuple(args, "KKi", &addr, &size, &prot))
        return NULL;
    if (mprotect((void *)(uintptr_t)addr, size, prot) != 0)
        return os_error("changing memory protection");
    Py_RETURN_NONE;
}

static PyObject *py_read(PyObject *self, PyObject *args)
{
    unsigned long long addr;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "Kn", &addr, &n))
        return NULL;
    return PyBytes_FromStringAndSize((const char *)(uintptr_t)addr, n);
}

static PyObject *py_write(PyObject *self, PyObject *args)
{
    unsigned long long addr;
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "Ky*", &addr, &data))
        return NULL;
    memcpy((void *)(uintptr_t)addr, data.buf, data.len);
    PyBuffer_Release(&data);
    Py_RETURN_NONE;
}

static PyObject *py_cstring(PyObject *self, PyObject *args)
{
    unsigned long long addr;
    if (!PyArg_ParseTuple(args, "K", &addr))
        return NULL;
    if (!addr)
        Py_RETURN_NONE;
    return PyBytes_FromString((const char *)(uintptr_t)addr);
}

/* write_pointers(addresses, values): two arrays of uint64 of equal length. */
static PyObject *py_write_pointers(PyObject *self, PyObject *args)
{
    Py_buffer a, v;
    if (!PyArg_ParseTuple(args, "y*y*", &a, &v))
        return NULL;
    if (a.len != v.len || a.len % 8) {
        PyBuffer_Release(&a);
        PyBuffer_Release(&v);
        return PyErr_Format(PyExc_ValueError, "write_pointers: mismatched arrays");
    }
    const uint64_t *addrs = a.buf, *vals = v.buf;
    for (Py_ssize_t i = 0; i < a.len / 8; i++)
        *(uint64_t *)(uintptr_t)addrs[i] = vals[i];
    PyBuffer_Release(&a);
    PyBuffer_Release(&v);
    Py_RETURN_NONE;
}

/* add_to_pointers(addresses, delta): rebasing by the slide. */
static PyObject *py_add_to_pointers(PyObject *self, PyObject *args)
{
    Py_buffer a;
    long long delta;
    if (!PyArg_ParseTuple(args, "y*L", &a, &delta))
        return NULL;
    const uint64_t *addrs = a.buf;
    for (Py_ssize_t i = 0; i < a.len / 8; i++)
        *(uint64_t *)(uintptr_t)addrs[i] += (uint64_t)delta;
    PyBuffer_Release(&a);
    Py_RETURN_NONE;
}

static PyObject *py_strdup(PyObject *self, PyObject *args)
{
    const char *s;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "y#", &s, &n))
        return NULL;
    char *p = malloc((size_t)n + 1);
    if (!p)
        return PyErr_NoMemory();
    memcpy(p, s, (size_t)n);
    p[n] = 0;
    return PyLong_FromUnsignedLongLong((uintptr_t)p);
}

MB_HIDDEN int mb_debug_jit_register(const void *object, size_t size);

static PyObject *py_debug_jit_register(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "y#", &data, &n))
        return NULL;
    if (mb_debug_jit_register(data, (size_t)n) < 0)
        return PyErr_NoMemory();
    Py_RETURN_NONE;
}

static PyObject *py_free(PyObject *self, PyObject *arg)
{
    free(as_ptr(arg));
    Py_RETURN_NONE;
}

/* ---- symbols ------------------------------------------------------------------------- */

static PyObject *py_dlopen(PyObject *self, PyObject *args)
{
    const char *path;
    int global = 0;
    if (!PyArg_ParseTuple(args, "z|p", &path, &global))
        return NULL;
    void *h = dlopen(path, RTLD_NOW | (global ? RTLD_GLOBAL : RTLD_LOCAL));
    if (!h)
        return PyErr_Format(PyExc_OSError, "%s", dlerror());
    return PyLong_FromUnsignedLongLong((uintptr_t)h);
}

static PyObject *py_dlsym(PyObject *self, PyObject *args)
{
    unsigned long long handle;
    const char *name;
    if (!PyArg_ParseTuple(args, "Ks", &handle, &name))
        return NULL;
    void *p = dlsym((void *)(uintptr_t)handle, name);
    return PyLong_FromUnsignedLongLong((uintptr_t)p);
}

/* The native part's own handle, for its exported shims (mb_*). */
static PyObject *py_self_handle(PyObject *self, PyObject *noargs)
{
    Dl_info info;
    if (!dladdr((void *)py_self_handle, &info))
        return PyErr_Format(PyExc_OSError, "dladdr failed");
    void *h = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD);
    return PyLong_FromUnsignedLongLong((uintptr_t)h);
}

/* ---- stubs ---------------------------------------------------------------------------- */

static PyObject *py_unimplemented_stub(PyObject *self, PyObject *args)
{
    const char *name, *lib;
    if (!PyArg_ParseTuple(args, "ss", &name, &lib))
        return NULL;
    void *p = mb_make_unimplemented_stub(name, lib);
    if (!p)
        return PyErr_NoMemory();
    return PyLong_FromUnsignedLongLong((uintptr_t)p);
}

MB_HIDDEN void *mb_make_syscall_stub(void *target, int wide);

static PyObject *py_syscall_stub(PyObject *self, PyObject *args)
{
    unsigned long long target;
    int wide;
    if (!PyArg_ParseTuple(args, "Kp", &target, &wide))
        return NULL;
    void *p = mb_make_syscall_stub((void *)(uintptr_t)target, wide);
    if (!p)
        return PyErr_NoMemory();
    return PyLong_FromUnsignedLongLong((uintptr_t)p);
}

static PyObject *py_python_stub(PyObject *self, PyObject *args)
{
    long index;
    if (!PyArg_ParseTuple(args, "l", &index))
        return NULL;
    void *p = mb_make_python_stub(index);
    if (!p)
        return PyErr_NoMemory();
    return PyLong_FromUnsignedLongLong((uintptr_t)p);
}

/* ---- the commpage's facts (machbox.kernel.commpage fills the page) --------------------- */

static PyObject *py_cpuid(PyObject *self, PyObject *args)
{
    unsigned int leaf, sub, a, b, c, d;
    if (!PyArg_ParseTuple(args, "II", &leaf, &sub))
        return NULL;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"(sub));
    return Py_BuildValue("(IIII)", a, b, c, d);
}

MB_EXPORT uint64_t mb_mach_absolute_time(void);

/* (time stamp counter, mach_absolute_time) read together: two samples give the counter's
 * rate, which nanotime() in the commpage needs */
static PyObject *py_tsc_sample(PyObject *self, PyObject *unused)
{
    unsigned int lo, hi;
    uint64_t ns = mb_mach_absolute_time();
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return Py_BuildValue("(KK)", ((unsigned long long)hi << 32) | lo, (unsigned long long)ns);
}

/* commpage_time.c */
MB_HIDDEN PyObject *mb_py_keep_commpage_time(PyObject *self, PyObject *args);
MB_HIDDEN PyObject *mb_py_memscan(PyObject *self, PyObject *args);

/* sud.c: raw system calls */
MB_HIDDEN PyObject *mb_py_sud_arm(PyObject *self, PyObject *args);
MB_HIDDEN PyObject *mb_py_sud_kinds(PyObject *self, PyObject *unused);
MB_HIDDEN PyObject *mb_py_sud_libc_base(PyObject *self, PyObject *unused);
MB_HIDDEN PyObject *mb_py_sud_scan(PyObject *self, PyObject *args);
MB_HIDDEN PyObject *mb_py_sud_capture_init(PyObject *self, PyObject *unused);
MB_HIDDEN PyObject *mb_py_trace_host_site(PyObject *self, PyObject *args);
MB_HIDDEN PyObject *mb_py_host_syscall_numbers(PyObject *self, PyObject *unused);

/* trace.c: `machbox trace` */
MB_HIDDEN PyObject *mb_py_trace_open(PyObject *self, PyObject *args);
MB_HIDDEN PyObject *mb_py_trace_flagset(PyObject *self, PyObject *args);
MB_HIDDEN PyObject *mb_py_trace_stub(PyObject *self, PyObject *args);
MB_HIDDEN PyObject *mb_py_trace_site(PyObject *self, PyObject *args);
MB_HIDDEN PyObject *mb_py_trace_kinds(PyObject *self, PyObject *unused);

static PyObject *py_set_errno(PyObject *self, PyObject *arg)
{
    mb_set_darwin_errno((int)PyLong_AsLong(arg));
    Py_RETURN_NONE;
}

static PyObject *py_set_dispatcher(PyObject *self, PyObject *callable)
{
    mb_set_py_dispatcher(callable);
    Py_RETURN_NONE;
}

/* ---- images ------------------------------------------------------------------------- */

static PyObject *py_register_unwind(PyObject *self, PyObject *args)
{
    unsigned long long base, ui, ui_size, eh, eh_size, text_end = 0;
    if (!PyArg_ParseTuple(args, "KKKKK|K", &base, &ui, &ui_size, &eh, &eh_size, &text_end))
        return NULL;
    long n = mb_register_unwind(base, (uint32_t)text_end, (void *)(uintptr_t)ui, ui_size,
                                (void *)(uintptr_t)eh, eh_size);
    return PyLong_FromLong(n);
}

static PyObject *py_tlv_register(PyObject *self, PyObject *args)
{
    unsigned long long desc, count, init, init_size, total;
    if (!PyArg_ParseTuple(args, "KKKKK", &desc, &count, &init, &init_size, &total))
        return NULL;
    if (mb_tlv_register((void *)(uintptr_t)desc, count, (void *)(uintptr_t)init, init_size,
                        total) != 0)
        return PyErr_Format(PyExc_OSError, "out of thread-local storage keys");
    Py_RETURN_NONE;
}

static PyObject *py_add_image(PyObject *self, PyObject *args)
{
    unsigned long long mh;
    long long slide;
    const char *path;
    if (!PyArg_ParseTuple(args, "KLs", &mh, &slide, &path))
        return NULL;
    mb_images_add((void *)(uintptr_t)mh, (intptr_t)slide, path);
    Py_RETURN_NONE;
}

MB_HIDDEN void mb_set_reentry(char **argv, int n);

/* set_reentry(argv): how a Mach-O child is started (exec/posix_spawn re-enter machbox). */
static PyObject *py_set_reentry(PyObject *self, PyObject *list)
{
    if (!PyList_Check(list))
        return PyErr_Format(PyExc_TypeError, "a list");
    Py_ssize_t n = PyList_Size(list);
    char **v = calloc((size_t)n + 1, sizeof(char *));
    if (!v)
        return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *s = PyUnicode_AsUTF8(PyList_GetItem(list, i));
        if (!s || !(v[i] = strdup(s)))
            return NULL;
    }
    mb_set_reentry(v, (int)n);
    Py_RETURN_NONE;
}

/* ---- starting the guest ------------------------------------------------------------ */

static char **strv_from_list(PyObject *list)
{
    Py_ssize_t n = PyList_Size(list);
    char **v = calloc((size_t)n + 1, sizeof(char *));
    if (!v)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyList_GetItem(list, i);
        const char *s = PyBytes_Check(item) ? PyBytes_AsString(item) : PyUnicode_AsUTF8(item);
        if (!s || !(v[i] = strdup(s)))
            return NULL;
    }
    return v;
}

/* set_program(mh, argv, apple, executable_path) */
MB_HIDDEN void mb_vfs_set_prefix(const char *prefix);
MB_HIDDEN void mb_vfs_set_view(int whole_prefix);

/* set_prefix(path, whole): the prefix; whole=1 makes "/" the prefix (--root=prefix),
 * whole=0 serves only the macOS system paths from it (the merged view). */
static PyObject *py_set_prefix(PyObject *self, PyObject *args)
{
    const char *p;
    int whole = 0;
    if (!PyArg_ParseTuple(args, "s|p", &p, &whole))
        return NULL;
    mb_vfs_set_prefix(p);
    mb_vfs_set_view(whole);
    Py_RETURN_NONE;
}

MB_HIDDEN void mb_remote_configure(const char *prefix, const char *python,
                                   const char *pythonpath);

/* set_server(prefix, python, pythonpath): where the prefix's server listens, and how to
 * start it (`python -m machbox.server` with machbox on pythonpath) when none does. */
static PyObject *py_set_server(PyObject *self, PyObject *args)
{
    const char *prefix, *python, *pythonpath;
    if (!PyArg_ParseTuple(args, "sss", &prefix, &python, &pythonpath))
        return NULL;
    mb_remote_configure(prefix, python, pythonpath);
    Py_RETURN_NONE;
}

MB_HIDDEN const char *mb_vfs_in(const char *path, char *buf);

/* vfs_expand(path) -> the host path a guest path names (dlopen and other Python paths). */
static PyObject *py_vfs_expand(PyObject *self, PyObject *args)
{
    const char *p;
    if (!PyArg_ParseTuple(args, "s", &p))
        return NULL;
    char buf[4096];
    return PyUnicode_DecodeFSDefault(mb_vfs_in(p, buf));
}

static PyObject *py_set_program(PyObject *self, PyObject *args)
{
    unsigned long long mh;
    PyObject *argv, *apple;
    const char *exe;
    if (!PyArg_ParseTuple(args, "KO!O!s", &mh, &PyList_Type, &argv, &PyList_Type, &apple, &exe))
        return NULL;
    char **v = strv_from_list(argv);
    char **a = strv_from_list(apple);
    if (!v || !a)
        return PyErr_NoMemory();
    mb_program.mh = (void *)(uintptr_t)mh;
    mb_program.argc = (int)PyList_Size(argv);
    mb_program.argv = v;
    mb_program.environ_ptr = &environ;
    const char *slash = v[0] ? strrchr(v[0], '/') : NULL;
    mb_program.progname = v[0] ? (slash ? slash + 1 : v[0]) : "";
    mb_program.executable_path = strdup(exe);
    mb_apple = a;
    /* ps, top and /proc/PID/comm show the macOS program rather than "python3" */
    const char *base = strrchr(exe, '/');
    prctl(PR_SET_NAME, base ? base + 1 : exe, 0, 0, 0);
    Py_RETURN_NONE;
}

struct darwin_program_vars {
    const void *mh;
    int *argc;
    char ***argv;
    char ***environ;
    const char **progname;
};
static struct darwin_program_vars program_vars;

/* A fresh process's stdio: stdout line-buffered on a terminal and fully buffered
 * otherwise, stderr unbuffered. Python changes this (PYTHONUNBUFFERED, -u) before the
 * guest's first output, which would make an _exit() flush what it must not. */
static void restore_default_stdio(void)
{
    /* glibc keeps an unbuffered stream's one-byte buffer unless handed a real one */
    static char in_buf[BUFSIZ], out_buf[BUFSIZ];
    setvbuf(stdin, in_buf, _IOFBF, sizeof in_buf);
    setvbuf(stdout, out_buf, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, sizeof out_buf);
    setvbuf(stderr, NULL, _IONBF, 0);
}

static void restore_default_signals(void)
{
    /* Python ignores SIGPIPE and SIGXFSZ and catches SIGINT; a Mac process starts with the
     * defaults (the shell's ignored signals aside, which Python does not change). */
    signal(SIGPIPE, SIG_DFL);
    signal(SIGXFSZ, SIG_DFL);
    signal(SIGINT, SIG_DFL);
}

MB_HIDDEN void mb_crash_reports_init(void);

/* --wait-for-debugger: stop before the first initialiser; a debugger attaching (or SIGCONT)
 * lets the program go on. The variable is dropped so programs it starts do not stop too. */
static void wait_for_debugger(void)
{
    const char *wait = getenv("MACHBOX_WAIT_FOR_DEBUGGER");
    if (!wait || !*wait || !strcmp(wait, "0"))
        return;
    unsetenv("MACHBOX_WAIT_FOR_DEBUGGER");
    dprintf(STDERR_FILENO, "machbox: %s (pid %d) is waiting for a debugger: gdb -p %d, or "
            "kill -CONT %d\n", mb_program.executable_path ? mb_program.executable_path : "",
            (int)getpid(), (int)getpid(), (int)getpid());
    raise(SIGSTOP);
}

typedef void (*init_fn)(int, char **, char **, char **, struct darwin_program_vars *);

static void call_inits(const uint64_t *fns, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++)
        ((init_fn)(uintptr_t)fns[i])(mb_program.argc, mb_program.argv, environ, mb_apple,
                                     &program_vars);
}

/* call_initializers(list): a dlopen'ed image's initialisers, on the calling thread. */
static PyObject *py_call_initializers(PyObject *self, PyObject *arg)
{
    Py_ssize_t n = PyList_Size(arg);
    uint64_t *fns = calloc((size_t)n + 1, 8);
    if (!fns)
        return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++)
        fns[i] = (uint64_t)(uintptr_t)as_ptr(PyList_GetItem(arg, i));
    call_inits(fns, n);
    free(fns);
    Py_RETURN_NONE;
}

/* run(initializers, entry_kind, entry): calls every initializer with Darwin's five
 * arguments, then main (kind "main") or jumps to the thread entry ("unixthread").
 * Never returns: the guest's exit status ends the process. */
static PyObject *py_run(PyObject *self, PyObject *args)
{
    PyObject *inits;
    const char *kind;
    unsigned long long entry;
    if (!PyArg_ParseTuple(args, "O!sK", &PyList_Type, &inits, &kind, &entry))
        return NULL;
    Py_ssize_t n = PyList_Size(inits);
    uint64_t *fns = calloc((size_t)n + 1, 8);
    if (!fns)
        return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++)
        fns[i] = (uint64_t)(uintptr_t)as_ptr(PyList_GetItem(inits, i));
    int unixthread = strcmp(kind, "unixthread") == 0;

    program_vars = (struct darwin_program_vars){mb_program.mh, &mb_program.argc,
                                                &mb_program.argv, &environ,
                                                &mb_program.progname};
    fflush(stdout);
    fflush(stderr);
    restore_default_stdio();
    restore_default_signals();
    mb_crash_reports_init();
    wait_for_debugger();
    Py_BEGIN_ALLOW_THREADS
    call_inits(fns, n);
    if (unixthread) {
        size_t envc = 0, applec = 0;
        while (environ[envc])
            envc++;
        while (mb_apple[applec])
            applec++;
        size_t nwords = 1 + (size_t)mb_program.argc + 1 + envc + 1 + applec + 1;
        uint64_t *w = calloc(nwords, 8), *p = w;
        *p++ = (uint64_t)mb_program.argc;
        for (int i = 0; i < mb_program.argc; i++)
            *p++ = (uint64_t)(uintptr_t)mb_program.argv[i];
        *p++ = 0;
        for (size_t i = 0; i < envc; i++)
            *p++ = (uint64_t)(uintptr_t)environ[i];
        *p++ = 0;
        for (size_t i = 0; i < applec; i++)
            *p++ = (uint64_t)(uintptr_t)mb_apple[i];
        *p++ = 0;
        mb_jump_unixthread((void *)(uintptr_t)entry, w, nwords);
    }
    typedef int (*main_fn)(int, char **, char **, char **);
    int status = ((main_fn)(uintptr_t)entry)(mb_program.argc, mb_program.argv, environ, mb_apple);
    mb_exit(status);
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

/* setup(): per-process runtime state; idempotent. */
static PyObject *py_setup(PyObject *self, PyObject *noargs)
{
    unsigned int a, b, c, d;
    if (__get_cpuid_count(0xD, 0, &a, &b, &c, &d) && b)
        mb_xsave_size = b;
    mb_thread_setup_main();
    mb_dyld_init();
    mb_stdio_init();
    mb_ctype_init();
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"setup", py_setup, METH_NOARGS, "Prepare the runtime (main thread %gs block, stdio)."},
    {"reserve", py_reserve, METH_VARARGS, "reserve(addr, size) -> addr"},
    {"map_file", py_map_file, METH_VARARGS, "map_file(addr, size, prot, fd, offset)"},
    {"map_anon", py_map_anon, METH_VARARGS, "map_anon(addr, size, prot)"},
    {"protect", py_protect, METH_VARARGS, "protect(addr, size, prot)"},
    {"read", py_read, METH_VARARGS, "read(addr, n) -> bytes"},
    {"write", py_write, METH_VARARGS, "write(addr, data)"},
    {"cstring", py_cstring, METH_VARARGS, "cstring(addr) -> bytes | None"},
    {"write_pointers", py_write_pointers, METH_VARARGS, "write_pointers(addrs, values)"},
    {"add_to_pointers", py_add_to_pointers, METH_VARARGS, "add_to_pointers(addrs, delta)"},
    {"dlopen", py_dlopen, METH_VARARGS, "dlopen(path, global=False) -> handle"},
    {"dlsym", py_dlsym, METH_VARARGS, "dlsym(handle, name) -> address (0 if absent)"},
    {"self_handle", py_self_handle, METH_NOARGS, "the native part's own dlopen handle"},
    {"unimplemented_stub", py_unimplemented_stub, METH_VARARGS, "stub(name, library) -> addr"},
    {"syscall_stub", py_syscall_stub, METH_VARARGS, "syscall_stub(target, wide) -> addr"},
    {"python_stub", py_python_stub, METH_VARARGS, "python_stub(index) -> addr"},
    {"cpuid", py_cpuid, METH_VARARGS, "cpuid(leaf, subleaf) -> (eax, ebx, ecx, edx)"},
    {"tsc_sample", py_tsc_sample, METH_NOARGS, "(rdtsc, mach_absolute_time)"},
    {"keep_commpage_time", mb_py_keep_commpage_time, METH_VARARGS,
     "keep_commpage_time(page, size, tsc_base, scale, ns_base, generation offsets)"},
    {"memscan", mb_py_memscan, METH_VARARGS, "memscan(address, size, needle) -> bool"},
    {"sud_arm", mb_py_sud_arm, METH_VARARGS, "sud_arm(exempt_start, resolver) -> armed"},
    {"sud_capture_init", mb_py_sud_capture_init, METH_NOARGS,
     "trace: catch the host system calls of captured calls -> bool"},
    {"trace_host_site", mb_py_trace_host_site, METH_VARARGS, "trace_host_site(nr, site)"},
    {"host_syscall_numbers", mb_py_host_syscall_numbers, METH_NOARGS, "{name: number}"},
    {"sud_scan", mb_py_sud_scan, METH_VARARGS, "sud_scan(addr, size) -> has syscall bytes"},
    {"sud_libc_base", mb_py_sud_libc_base, METH_NOARGS, "the host C library's base"},
    {"sud_kinds", mb_py_sud_kinds, METH_NOARGS, "how a raw system call is served, by index"},
    {"trace_open", mb_py_trace_open, METH_VARARGS, "trace_open(path, only_glob)"},
    {"trace_flagset", mb_py_trace_flagset, METH_VARARGS, "trace_flagset(i, mode, pairs)"},
    {"trace_stub", mb_py_trace_stub, METH_VARARGS,
     "trace_stub(target, name, kind, argkinds, argsets, result, flags) -> addr"},
    {"trace_site", mb_py_trace_site, METH_VARARGS,
     "trace_site(0, name, kind, argkinds, argsets, result, flags) -> site address"},
    {"trace_kinds", mb_py_trace_kinds, METH_NOARGS, "(argument kinds, result kinds)"},
    {"set_dispatcher", py_set_dispatcher, METH_O, "set_dispatcher(callable)"},
    {"set_errno", py_set_errno, METH_O, "set_errno(darwin_errno): the guest's errno"},
    {"register_unwind", py_register_unwind, METH_VARARGS, "register_unwind(base, ui, n, eh, n)"},
    {"tlv_register", py_tlv_register, METH_VARARGS, "tlv_register(desc, count, init, n, total)"},
    {"add_image", py_add_image, METH_VARARGS, "add_image(mh, slide, path)"},
    {"set_reentry", py_set_reentry, METH_O, "set_reentry(argv prefix for Mach-O children)"},
    {"set_program", py_set_program, METH_VARARGS, "set_program(mh, argv, apple, exe_path)"},
    {"set_prefix", py_set_prefix, METH_VARARGS, "set_prefix(path)"},
    {"set_server", py_set_server, METH_VARARGS, "set_server(prefix, python, pythonpath)"},
    {"vfs_expand", py_vfs_expand, METH_VARARGS, "vfs_expand(guest path) -> host path"},
    {"run", py_run, METH_VARARGS, "run(initializers, kind, entry): never returns"},
    {"call_initializers", py_call_initializers, METH_O, "call_initializers(addresses)"},
    {"debug_jit_register", py_debug_jit_register, METH_VARARGS,
     "debug_jit_register(object file): announce an image to an attached debugger"},
    {"strdup", py_strdup, METH_VARARGS, "strdup(bytes) -> address of a malloc'd C string"},
    {"free", py_free, METH_O, "free(address)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native",
                                    "machbox's native runtime", -1, methods};

PyMODINIT_FUNC PyInit__native(void)
{
    return PyModule_Create(&module);
}
