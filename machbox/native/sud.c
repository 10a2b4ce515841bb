/* Raw `syscall` instructions in guest code, caught with Syscall User Dispatch.
 *
 * XNU's numbering puts a class in the top byte: 0x2000000 | n is BSD call n, 0x1000000 | n
 * Mach trap n, 0x3000000 | n machine-dependent call n. Guest code that makes its own system
 * calls (static code, old Go runtimes, hand-written assembly) would otherwise run Linux
 * calls with Darwin numbers. With SUD on, a syscall instruction outside the exempt range
 * raises SIGSYS instead, and this handler gives it Darwin's result: a BSD call runs the
 * implementation machbox already has for the libSystem function of the same name and
 * returns with CF clear and the result in rax, or CF set and the Darwin errno in rax; a
 * Mach trap returns its kern_return_t (or port name) in rax.
 *
 * Cost. The exempt range is everything from the host C library's mapping to the top of
 * the address space: the C library, the dynamic loader, the vDSO and every library loaded
 * before them, which is where machbox's and the host's system calls are made, so they run
 * at full speed with no selector to flip on any path, direct imports included. The guest's
 * images sit below. A host library loaded later below the boundary still works: its calls
 * carry Linux numbers (no class byte), and the handler makes them for it (slowly).
 *
 * SUD is per thread and is not inherited by fork or clone: it is armed on the main thread,
 * in every guest thread machbox starts (mb_thread_install) and in the child of a fork.
 * Which implementation serves a number is resolved on its first use by machbox.kernel
 * (a Python callback: the trap is synchronous, on a guest thread, like a call) and cached.
 */
#define _GNU_SOURCE
#include <Python.h>

#include "runtime.h"
#include "ownfd.h"
#include "trace.h"
#include "darwin_abi.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#endif
#ifndef PR_SYS_DISPATCH_ON
#define PR_SYS_DISPATCH_ON 1
#endif
#ifndef SYS_USER_DISPATCH
#define SYS_USER_DISPATCH 2   /* si_code of a SIGSYS raised by SUD */
#endif

#define CLASS_MACH 1
#define CLASS_BSD 2
#define CLASS_MACHDEP 3
#define MAX_NUMBER 1024
#define MAX_ARGS 9            /* beyond six in registers, XNU reads the caller's stack */

/* how a number is served (machbox.kernel.syscalls names them in this order) */
enum { SUD_UNRESOLVED, SUD_ENOSYS, SUD_BSD, SUD_TRAP, SUD_FORK, SUD_PIPE, SUD_CTHREAD };

struct sud_entry {
    uint8_t how;
    uint8_t wide;        /* BSD: a 64-bit result (sizes, offsets, addresses) */
    uint8_t nargs;
    void *impl;
    const struct mb_trace_site *site;   /* under `machbox trace` */
};

static struct sud_entry table[4][MAX_NUMBER];
static uintptr_t exempt_start, exempt_len;
static int armed;

/* `machbox trace` only: the host system calls made inside a call the tracer captures
 * (stdio: a printf is a write) are caught too. For the call's duration the thread's SUD
 * configuration becomes "everything but the page of the C library's signal return
 * trampoline, while the selector says BLOCK": the handler sets ALLOW while it runs and
 * every signal handler returns through that exempt page. */
#define MAX_HOST_NUMBER 512
static uintptr_t restorer_page;
static int capture_ready;
static __thread volatile char selector;
static __thread int capture_depth;
static const struct mb_trace_site *host_sites[MAX_HOST_NUMBER];
static PyObject *resolver;  /* callable(class, number) -> (how, impl, wide, nargs, site) */

typedef long (*call9)(long, long, long, long, long, long, long, long, long);

/* ---- arming --------------------------------------------------------------------------- */

MB_HIDDEN int mb_sud_armed(void) { return armed || capture_ready; }

/* SUD for the calling thread (it is per thread); a no-op until mb_sud_arm ran. */
MB_HIDDEN void mb_sud_arm_thread(void)
{
    if (armed)
        prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, exempt_start, exempt_len, 0);
}

static void after_fork_child(void)
{
    capture_depth = 0;   /* a capture in progress stays with the parent */
    selector = SYSCALL_DISPATCH_FILTER_ALLOW;
    mb_sud_arm_thread();
}

MB_HIDDEN void mb_sud_capture_begin(void)
{
    if (!capture_ready || capture_depth++)
        return;
    if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, restorer_page, 4096,
              &selector) == 0)
        selector = SYSCALL_DISPATCH_FILTER_BLOCK;
}

MB_HIDDEN void mb_sud_capture_end(void)
{
    if (!capture_ready || capture_depth == 0 || --capture_depth)
        return;
    selector = SYSCALL_DISPATCH_FILTER_ALLOW;
    if (armed)
        mb_sud_arm_thread();
    else
        prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF, 0, 0, 0);
}

/* ---- resolving a number ------------------------------------------------------------------ */

static struct sud_entry *entry(int cls, int number)
{
    struct sud_entry *e = &table[cls][number];
    if (e->how != SUD_UNRESOLVED)
        return e;
    int how = SUD_ENOSYS, wide = 0, nargs = 0;
    unsigned long long impl = 0, site = 0;
    if (!resolver)  /* caught only for a trace's capture, never armed: nothing to route to */
        return e;
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject *r = PyObject_CallFunction(resolver, "ii", cls, number);
    if (!r || !PyArg_ParseTuple(r, "iKiiK", &how, &impl, &wide, &nargs, &site)) {
        PyErr_Print();
        how = SUD_ENOSYS;
    }
    Py_XDECREF(r);
    PyGILState_Release(g);
    e->impl = (void *)(uintptr_t)impl;
    e->wide = (uint8_t)wide;
    e->nargs = (uint8_t)nargs;
    e->site = (const struct mb_trace_site *)(uintptr_t)site;
    __atomic_store_n(&e->how, (uint8_t)how, __ATOMIC_RELEASE);
    return e;
}

/* ---- the handler ----------------------------------------------------------------------- */

MB_HIDDEN int mb_signal_guest_sigsys(int lsig, siginfo_t *info, void *uc);

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A BSD call: the implementation's -1 becomes CF and the Darwin errno in rax. The
 * guest's errno is not the kernel's business: both errno slots are left as they were. */
static void bsd_call(const struct sud_entry *e, const uint64_t *a, greg_t *g, long *result,
                     int *err)
{
    long r;
    int failed;
    switch (e->how) {
    case SUD_BSD:
        r = ((call9)e->impl)(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8]);
        failed = e->wide ? r == -1 : (int)r == -1;
        if (!e->wide)
            r = (int)r;
        break;
    case SUD_FORK:  /* rdx tells the processes apart: 1 in the child */
        r = fork();
        failed = r < 0;
        g[REG_RDX] = r == 0;
        if (r == 0)
            r = getppid();
        break;
    case SUD_PIPE: {  /* the two descriptors come back in rax and rdx */
        int fds[2];
        failed = pipe(fds) != 0;
        r = failed ? -1 : fds[0];
        if (!failed)
            g[REG_RDX] = fds[1];
        break;
    }
    default:
        r = -1;
        failed = 1;
        mb_set_darwin_errno(DARWIN_ENOSYS);
    }
    if (failed) {
        mb_sync_errno();
        *err = mb_self()->darwin_errno;
        g[REG_RAX] = *err;
        g[REG_EFL] |= 1;    /* CF */
        *result = -1;
    } else {
        g[REG_RAX] = r;
        g[REG_EFL] &= ~(greg_t)1;
        *result = r;
    }
}

static void mach_trap(const struct sud_entry *e, const uint64_t *a, greg_t *g, long *result)
{
    uint32_t r = DARWIN_KERN_INVALID_ARGUMENT;  /* XNU's kern_invalid */
    if (e->how == SUD_TRAP)
        r = (uint32_t)((call9)e->impl)(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8]);
    g[REG_RAX] = r;
    *result = r;
}

/* thread_fast_set_cthread_self64: the thread's %gs base is machbox's thread block, whose
 * first member is the TSD array Apple code addresses through %gs: asking for that base
 * again succeeds; another one would cut machbox off from the thread, and is refused. */
static void machdep_call(const struct sud_entry *e, const uint64_t *a, greg_t *g, long *result)
{
    uint32_t r = DARWIN_KERN_INVALID_ARGUMENT;
    if (e->how == SUD_CTHREAD && a[0] == (uint64_t)(uintptr_t)mb_self())
        r = 0;
    g[REG_RAX] = r;
    *result = r;
}

/* A Linux system call from host code below the exempt range, or from inside a captured
 * call: made here, for it, and recorded in the second case. */
static void linux_call(long nr, const uint64_t *a, greg_t *g)
{
    uint64_t start = capture_depth ? now_ns() : 0;
    long r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    int err = r == -1 ? errno : 0;
    g[REG_RAX] = err ? -err : r;
    if (capture_depth && nr >= 0 && nr < MAX_HOST_NUMBER && host_sites[nr] &&
        !mb_fd_owned((int)a[0]))
        mb_trace_record(host_sites[nr], a, 1, (uint64_t)r, err ? mb_errno_to_darwin(err) : 0,
                        start);
}

/* Host calls a signal handler cannot make for the interrupted code: a new thread or
 * process would start inside the handler, and the signal mask or stack it sets would be
 * undone by the return from it. */
static int must_run_natively(long nr)
{
    return nr == SYS_clone || nr == SYS_clone3 || nr == SYS_fork || nr == SYS_vfork ||
           nr == SYS_rt_sigprocmask || nr == SYS_sigaltstack || nr == SYS_rt_sigsuspend ||
           nr == SYS_execve || nr == SYS_execveat || nr == SYS_rt_sigreturn;
}

static void on_sigsys(int lsig, siginfo_t *info, void *ctx)
{
    ucontext_t *uc = ctx;
    if (info->si_code != SYS_USER_DISPATCH) {
        mb_signal_guest_sigsys(lsig, info, ctx);
        return;
    }
    char saved_selector = selector;
    selector = SYSCALL_DISPATCH_FILTER_ALLOW;  /* this handler's own calls run */
    int saved_errno = errno;
    greg_t *g = uc->uc_mcontext.gregs;
    uint64_t a[MAX_ARGS] = {g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8],
                            g[REG_R9], 0, 0, 0};
    long nr = (unsigned)info->si_syscall;
    int cls = (int)(nr >> 24), number = (int)(nr & 0xffffff);
    if (cls == 0 && capture_depth && must_run_natively(nr)) {
        /* made again by the instruction itself once the handler returns, with the
         * selector left on ALLOW: the rest of the captured call is not captured (only a
         * capture has a selector: without one the instruction would trap again) */
        g[REG_RIP] -= 2;        /* the syscall instruction is 0f 05 */
        g[REG_RAX] = nr;
        errno = saved_errno;
        return;
    }
    if (cls == 0) {
        linux_call(nr, a, g);
        errno = saved_errno;
        selector = saved_selector;
        return;
    }
    if (cls > CLASS_MACHDEP || number >= MAX_NUMBER) {
        cls = CLASS_BSD;
        number = 0;       /* not a call: ENOSYS, as XNU's nosys */
    }
    struct mb_thread *self = mb_self();
    int saved_darwin_errno = self->darwin_errno;
    const struct sud_entry *e = entry(cls, number);
    /* arguments past the sixth are on the caller's stack, above its return address */
    for (int i = 6; i < e->nargs && i < MAX_ARGS; i++)
        a[i] = ((const uint64_t *)(uintptr_t)g[REG_RSP])[i - 5];
    uint64_t start = e->site ? now_ns() : 0;
    long result = 0;
    int err = 0;
    if (cls == CLASS_BSD)
        bsd_call(e, a, g, &result, &err);
    else if (cls == CLASS_MACH)
        mach_trap(e, a, g, &result);
    else
        machdep_call(e, a, g, &result);
    if (e->site)
        mb_trace_record(e->site, a, 1, (uint64_t)result, err, start);
    self->darwin_errno = saved_darwin_errno;
    errno = saved_errno;
    selector = saved_selector;
}

/* ---- from Python --------------------------------------------------------------------- */

static int install_handler(void)
{
    struct sigaction sa, now;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    /* no SA_ONSTACK: the trap is synchronous, on the caller's stack like a call, and
     * an implementation (Python ones included) needs more room than a signal stack */
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSYS, &sa, NULL) != 0 || sigaction(SIGSYS, NULL, &now) != 0)
        return -1;
    /* the C library's signal return trampoline, which every handler returns through */
    restorer_page = (uintptr_t)now.sa_restorer & ~(uintptr_t)4095;
    return 0;
}

/* sud_capture_init() -> bool: `machbox trace` will capture host calls (see above) */
MB_HIDDEN PyObject *mb_py_sud_capture_init(PyObject *self, PyObject *unused)
{
    if (!capture_ready) {
        if (install_handler() != 0 || !restorer_page)
            Py_RETURN_FALSE;
        if (!armed)
            pthread_atfork(NULL, NULL, after_fork_child);
        capture_ready = 1;
    }
    Py_RETURN_TRUE;
}

/* trace_host_site(number, site): how a captured host system call is recorded */
MB_HIDDEN PyObject *mb_py_trace_host_site(PyObject *self, PyObject *args)
{
    int nr;
    unsigned long long site;
    if (!PyArg_ParseTuple(args, "iK", &nr, &site))
        return NULL;
    if (nr < 0 || nr >= MAX_HOST_NUMBER)
        return PyErr_Format(PyExc_ValueError, "system call %d out of range", nr);
    host_sites[nr] = (const struct mb_trace_site *)(uintptr_t)site;
    Py_RETURN_NONE;
}

/* host_syscall_numbers() -> {name: number} of the host system calls a trace decodes,
 * from the host's headers */
MB_HIDDEN PyObject *mb_py_host_syscall_numbers(PyObject *self, PyObject *unused)
{
    static const struct { const char *name; long nr; } calls[] = {
        {"read", SYS_read}, {"write", SYS_write}, {"openat", SYS_openat},
        {"close", SYS_close}, {"pread64", SYS_pread64}, {"pwrite64", SYS_pwrite64},
        {"readv", SYS_readv}, {"writev", SYS_writev}, {"lseek", SYS_lseek},
        {"newfstatat", SYS_newfstatat}, {"fstat", SYS_fstat}, {"ioctl", SYS_ioctl},
        {"unlinkat", SYS_unlinkat}, {"renameat", SYS_renameat}, {"mkdirat", SYS_mkdirat},
        {"fsync", SYS_fsync}, {"ftruncate", SYS_ftruncate}, {"fcntl", SYS_fcntl},
        {"dup", SYS_dup}, {"dup3", SYS_dup3},
    };
    PyObject *d = PyDict_New();
    for (size_t i = 0; d && i < sizeof calls / sizeof *calls; i++) {
        PyObject *v = PyLong_FromLong(calls[i].nr);
        if (!v || PyDict_SetItemString(d, calls[i].name, v) < 0) {
            Py_XDECREF(v);
            Py_DECREF(d);
            return NULL;
        }
        Py_DECREF(v);
    }
    return d;
}

/* sud_arm(exempt_start, resolver) -> bool: SIGSYS handler, SUD on for this thread and
 * every guest thread and fork child from now on. False where the kernel lacks SUD. */
MB_HIDDEN PyObject *mb_py_sud_arm(PyObject *self, PyObject *args)
{
    unsigned long long start;
    PyObject *callable;
    if (!PyArg_ParseTuple(args, "KO", &start, &callable))
        return NULL;
    uintptr_t top = (uintptr_t)1 << 47;
    if (start >= top)
        return PyErr_Format(PyExc_ValueError, "exempt range start above user space");
    if (install_handler() != 0)
        return PyErr_SetFromErrno(PyExc_OSError);
    if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, start, top - start, 0) != 0) {
        signal(SIGSYS, SIG_DFL);
        Py_RETURN_FALSE;
    }
    Py_INCREF(callable);
    Py_XSETREF(resolver, callable);
    exempt_start = start;
    exempt_len = top - start;
    if (!armed && !capture_ready)
        pthread_atfork(NULL, NULL, after_fork_child);
    armed = 1;
    Py_RETURN_TRUE;
}

/* sud_scan(addr, size) -> whether guest code there holds the bytes of a syscall
 * instruction (0f 05): SUD is armed only for programs that may make raw calls, since
 * with it on every system call of the process takes the kernel's slower entry path */
MB_HIDDEN PyObject *mb_py_sud_scan(PyObject *self, PyObject *args)
{
    unsigned long long addr, size;
    if (!PyArg_ParseTuple(args, "KK", &addr, &size))
        return NULL;
    static const unsigned char insn[2] = {0x0f, 0x05};
    return PyBool_FromLong(memmem((const void *)(uintptr_t)addr, size, insn, 2) != NULL);
}

/* sud_libc_base() -> where the host C library is mapped (its lowest address): the start
 * of the exempt range */
MB_HIDDEN PyObject *mb_py_sud_libc_base(PyObject *self, PyObject *unused)
{
    Dl_info info;
    if (!dladdr((void *)syscall, &info) || !info.dli_fbase)
        Py_RETURN_NONE;
    return PyLong_FromUnsignedLongLong((uintptr_t)info.dli_fbase);
}

/* sud_kinds() -> the names of the ways a number is served, in this file's order */
MB_HIDDEN PyObject *mb_py_sud_kinds(PyObject *self, PyObject *unused)
{
    return Py_BuildValue("(sssssss)", "unresolved", "enosys", "bsd", "trap", "fork", "pipe",
                         "cthread");
}
