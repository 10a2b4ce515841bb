/* Signals with Darwin numbers, masks and handler conventions.
 *
 * A guest handler never runs as the host's handler: every caught signal enters
 * mb_signal_trampoline (installed SA_SIGINFO | SA_ONSTACK, plus the guest's SA_RESTART,
 * SA_NODEFER, SA_RESETHAND...), which translates the number and siginfo to Darwin's and
 * calls the guest with the host errno preserved. Nothing here enters Python.
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "translate.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

typedef uint32_t darwin_sigset_t;


/* ---- sigset_t: 32 bits on Darwin, bit (n - 1) for signal n ------------------------------ */

static void set_to_linux(const darwin_sigset_t *d, sigset_t *l)
{
    sigemptyset(l);
    for (int s = 1; s < DARWIN_NSIG; s++)
        if (*d & (1u << (s - 1))) {
            int ls = mb_signal_to_linux(s);
            if (ls > 0)
                sigaddset(l, ls);
        }
}

static void set_to_darwin(const sigset_t *l, darwin_sigset_t *d)
{
    *d = 0;
    for (int s = 1; s < DARWIN_NSIG; s++) {
        int ls = mb_signal_to_linux(s);
        if (ls > 0 && sigismember(l, ls) == 1)
            *d |= 1u << (s - 1);
    }
}

MB_EXPORT int mb_sigemptyset(darwin_sigset_t *s) { *s = 0; return 0; }
MB_EXPORT int mb_sigfillset(darwin_sigset_t *s) { *s = 0xffffffffu; return 0; }

MB_EXPORT int mb_sigaddset(darwin_sigset_t *s, int sig)
{
    if (sig <= 0 || sig >= DARWIN_NSIG)
        return (int)mb_fail(DARWIN_EINVAL);
    *s |= 1u << (sig - 1);
    return 0;
}

MB_EXPORT int mb_sigdelset(darwin_sigset_t *s, int sig)
{
    if (sig <= 0 || sig >= DARWIN_NSIG)
        return (int)mb_fail(DARWIN_EINVAL);
    *s &= ~(1u << (sig - 1));
    return 0;
}

MB_EXPORT int mb_sigismember(const darwin_sigset_t *s, int sig)
{
    if (sig <= 0 || sig >= DARWIN_NSIG)
        return (int)mb_fail(DARWIN_EINVAL);
    return (*s >> (sig - 1)) & 1;
}

static int how_to_linux(int how)
{
    return how == DARWIN_SIG_BLOCK ? SIG_BLOCK : how == DARWIN_SIG_UNBLOCK ? SIG_UNBLOCK
           : how == DARWIN_SIG_SETMASK ? SIG_SETMASK : -1;
}

MB_EXPORT int mb_pthread_sigmask(int how, const darwin_sigset_t *set, darwin_sigset_t *old)
{
    sigset_t ls, lo;
    int lhow = how_to_linux(how);
    if (set && lhow < 0)
        return DARWIN_EINVAL;
    if (set)
        set_to_linux(set, &ls);
    int r = pthread_sigmask(set ? lhow : SIG_BLOCK, set ? &ls : NULL, &lo);
    if (r != 0)
        return mb_errno_to_darwin(r);
    if (old)
        set_to_darwin(&lo, old);
    return 0;
}

MB_EXPORT int mb_sigprocmask(int how, const darwin_sigset_t *set, darwin_sigset_t *old)
{
    int r = mb_pthread_sigmask(how, set, old);
    return r ? (int)mb_fail(r) : 0;
}

MB_EXPORT int mb_sigpending(darwin_sigset_t *set)
{
    sigset_t l;
    if (sigpending(&l) != 0)
        return -1;
    set_to_darwin(&l, set);
    return 0;
}

MB_EXPORT int mb_sigsuspend(const darwin_sigset_t *set)
{
    sigset_t l;
    set_to_linux(set, &l);
    return sigsuspend(&l);
}

MB_EXPORT int mb_sigwait(const darwin_sigset_t *set, int *sig)
{
    sigset_t l;
    int ls;
    set_to_linux(set, &l);
    int r = sigwait(&l, &ls);
    if (r != 0)
        return mb_errno_to_darwin(r);
    *sig = mb_signal_to_darwin(ls);
    return 0;
}

/* ---- alternate stacks: Darwin's stack_t is {sp, size, flags}, Linux's {sp, flags, size} -- */

static int ss_flags_to_darwin(int l)
{
    return (l & SS_ONSTACK ? DARWIN_SS_ONSTACK : 0) | (l & SS_DISABLE ? DARWIN_SS_DISABLE : 0);
}

/* ---- handlers ---------------------------------------------------------------------------- */

struct guest_handler {
    void *handler; /* the guest's function, or SIG_DFL/SIG_IGN */
    int flags;     /* Darwin sa_flags */
    darwin_sigset_t mask;
};

static struct guest_handler handlers[DARWIN_NSIG];

/* si_code: the SI_* sources differ in value; fault codes of SIGILL and SIGFPE are
 * numbered differently (FPE_INTDIV is 1 on Linux, 7 on Darwin); SEGV, BUS, TRAP, CLD and
 * POLL codes agree. Values come from the generated ABI header. */
static int si_code_to_darwin(int sig, int code)
{
    switch (code) {
    case SI_USER: return DARWIN_SI_USER;
    case SI_QUEUE: return DARWIN_SI_QUEUE;
    case SI_TIMER: return DARWIN_SI_TIMER;
    case SI_MESGQ: return DARWIN_SI_MESGQ;
    case SI_ASYNCIO: return DARWIN_SI_ASYNCIO;
    case SI_TKILL: return DARWIN_SI_USER; /* tgkill: raise/pthread_kill, SI_USER on Darwin */
    }
    if (sig == SIGILL) {
        switch (code) {
        case ILL_ILLOPC: return DARWIN_ILL_ILLOPC;
        case ILL_ILLOPN: return DARWIN_ILL_ILLOPN;
        case ILL_ILLADR: return DARWIN_ILL_ILLADR;
        case ILL_ILLTRP: return DARWIN_ILL_ILLTRP;
        case ILL_PRVOPC: return DARWIN_ILL_PRVOPC;
        case ILL_PRVREG: return DARWIN_ILL_PRVREG;
        case ILL_COPROC: return DARWIN_ILL_COPROC;
        case ILL_BADSTK: return DARWIN_ILL_BADSTK;
        }
    } else if (sig == SIGFPE) {
        switch (code) {
        case FPE_INTDIV: return DARWIN_FPE_INTDIV;
        case FPE_INTOVF: return DARWIN_FPE_INTOVF;
        case FPE_FLTDIV: return DARWIN_FPE_FLTDIV;
        case FPE_FLTOVF: return DARWIN_FPE_FLTOVF;
        case FPE_FLTUND: return DARWIN_FPE_FLTUND;
        case FPE_FLTRES: return DARWIN_FPE_FLTRES;
        case FPE_FLTINV: return DARWIN_FPE_FLTINV;
        case FPE_FLTSUB: return DARWIN_FPE_FLTSUB;
        }
    }
    return code;
}

static void siginfo_to_darwin(int dsig, const siginfo_t *l, struct darwin_siginfo *d)
{
    memset(d, 0, sizeof *d);
    d->si_signo = dsig;
    d->si_errno = l->si_errno ? mb_errno_to_darwin(l->si_errno) : 0;
    d->si_code = si_code_to_darwin(l->si_signo, l->si_code);
    d->si_pid_ = l->si_pid;
    d->si_uid_ = l->si_uid;
    if (l->si_signo == SIGCHLD) {
        d->si_status_ = (l->si_code == CLD_EXITED) ? l->si_status
                                                  : mb_signal_to_darwin(l->si_status);
    }
    if (l->si_signo == SIGSEGV || l->si_signo == SIGBUS || l->si_signo == SIGILL ||
        l->si_signo == SIGFPE || l->si_signo == SIGTRAP)
        d->si_addr_ = (uint64_t)(uintptr_t)l->si_addr;
    d->si_value_ = (uint64_t)(uintptr_t)l->si_value.sival_ptr;
}

/* The host context as Darwin's ucontext/mcontext (thread, float and exception state), and
 * back: a handler may change registers (Go's async preemption rewrites rip and rsp) or
 * the mask, and the change must take effect when the handler returns. */
struct darwin_signal_frame {
    struct darwin_ucontext uc;
    struct darwin_mcontext64 mc;
};

#define G(r) ((uint64_t)lu->uc_mcontext.gregs[r])

/* The registers of a host context as Darwin's mcontext (thread, float and exception
 * state); thread_get_state reads a suspended thread's the same way (mach_thread.c). */
MB_HIDDEN void mb_mcontext_to_darwin(const ucontext_t *lu, struct darwin_mcontext64 *mc)
{
    memset(mc, 0, sizeof *mc);
    struct darwin_x86_thread_state64 *ss = &mc->__ss;
    ss->__rax = G(REG_RAX); ss->__rbx = G(REG_RBX); ss->__rcx = G(REG_RCX); ss->__rdx = G(REG_RDX);
    ss->__rdi = G(REG_RDI); ss->__rsi = G(REG_RSI); ss->__rbp = G(REG_RBP); ss->__rsp = G(REG_RSP);
    ss->__r8 = G(REG_R8); ss->__r9 = G(REG_R9); ss->__r10 = G(REG_R10); ss->__r11 = G(REG_R11);
    ss->__r12 = G(REG_R12); ss->__r13 = G(REG_R13); ss->__r14 = G(REG_R14); ss->__r15 = G(REG_R15);
    ss->__rip = G(REG_RIP); ss->__rflags = G(REG_EFL);
    uint64_t csgsfs = G(REG_CSGSFS);
    ss->__cs = csgsfs & 0xffff;
    ss->__gs = (csgsfs >> 16) & 0xffff;
    ss->__fs = (csgsfs >> 32) & 0xffff;
    mc->__es.__trapno = (uint16_t)G(REG_TRAPNO);
    mc->__es.__err = (uint32_t)G(REG_ERR);
    mc->__es.__faultvaddr = G(REG_CR2);
    /* Darwin's x86_float_state64 is the FXSAVE image after two reserved words */
    if (lu->uc_mcontext.fpregs)
        memcpy((char *)&mc->__fs + 8, lu->uc_mcontext.fpregs, 512);
}

#define S(r, v) (lu->uc_mcontext.gregs[r] = (greg_t)(v))

/* ...and back: what a handler (or thread_set_state) changed takes effect on return. */
MB_HIDDEN void mb_mcontext_from_darwin(ucontext_t *lu, const struct darwin_mcontext64 *mc)
{
    const struct darwin_x86_thread_state64 *ss = &mc->__ss;
    S(REG_RAX, ss->__rax); S(REG_RBX, ss->__rbx); S(REG_RCX, ss->__rcx); S(REG_RDX, ss->__rdx);
    S(REG_RDI, ss->__rdi); S(REG_RSI, ss->__rsi); S(REG_RBP, ss->__rbp); S(REG_RSP, ss->__rsp);
    S(REG_R8, ss->__r8); S(REG_R9, ss->__r9); S(REG_R10, ss->__r10); S(REG_R11, ss->__r11);
    S(REG_R12, ss->__r12); S(REG_R13, ss->__r13); S(REG_R14, ss->__r14); S(REG_R15, ss->__r15);
    S(REG_RIP, ss->__rip); S(REG_EFL, ss->__rflags);
    if (lu->uc_mcontext.fpregs)
        memcpy(lu->uc_mcontext.fpregs, (const char *)&mc->__fs + 8, 512);
}

static void context_to_darwin(const ucontext_t *lu, struct darwin_signal_frame *f)
{
    memset(&f->uc, 0, sizeof f->uc);
    mb_mcontext_to_darwin(lu, &f->mc);
    f->uc.uc_onstack = (lu->uc_stack.ss_flags & SS_ONSTACK) ? 1 : 0;
    set_to_darwin(&lu->uc_sigmask, &f->uc.uc_sigmask);
    f->uc.uc_stack.ss_sp = lu->uc_stack.ss_sp;
    f->uc.uc_stack.ss_size = lu->uc_stack.ss_size;
    f->uc.uc_stack.ss_flags = ss_flags_to_darwin(lu->uc_stack.ss_flags);
    f->uc.uc_mcsize = sizeof f->mc;
    f->uc.uc_mcontext = &f->mc;
}

static void context_from_darwin(ucontext_t *lu, const struct darwin_signal_frame *f)
{
    mb_mcontext_from_darwin(lu, f->uc.uc_mcontext);
    sigset_t mask;
    set_to_linux(&f->uc.uc_sigmask, &mask);
    /* signals Darwin cannot name (real-time ones) keep their state */
    for (int s = 32; s < NSIG; s++)
        if (sigismember(&lu->uc_sigmask, s) == 1)
            sigaddset(&mask, s);
    lu->uc_sigmask = mask;
}

/* EVFILT_SIGNAL knotes per signal (kqueue.c): while any, the host catches the signal even
 * when the guest ignores it, so that kqueue can count it as Darwin does. */
static int watchers[DARWIN_NSIG];
MB_HIDDEN void mb_kqueue_signal_delivered(int dsig);

static int default_ignored(int dsig)
{
    return dsig == DARWIN_SIGCHLD || dsig == DARWIN_SIGURG || dsig == DARWIN_SIGCONT ||
           dsig == DARWIN_SIGWINCH || dsig == DARWIN_SIGIO || dsig == DARWIN_SIGINFO;
}

/* Whether the host must run the trampoline for a guest disposition. */
static int needs_trampoline(int dsig, void *handler)
{
    if (handler != NULL && handler != (void *)1)
        return 1;
    return watchers[dsig] > 0 && (handler == (void *)1 || default_ignored(dsig));
}

MB_HIDDEN int mb_exception_deliver(int lsig, siginfo_t *info, ucontext_t *uc);

static int is_fault(int lsig)
{
    return lsig == SIGSEGV || lsig == SIGBUS || lsig == SIGILL || lsig == SIGFPE ||
           lsig == SIGTRAP;
}

MB_HIDDEN void mb_crash_report(int lsig, const siginfo_t *info, const ucontext_t *uc);
MB_HIDDEN void mb_exception_crash(int lsig, const siginfo_t *info, ucontext_t *uc);

/* A fault or abort nobody handles: EXC_CRASH to a registered port, a crash report, then
 * the default action, as if machbox had never caught it. */
static void default_fault_action(int lsig, const siginfo_t *info, ucontext_t *uc)
{
    mb_exception_crash(lsig, info, uc);
    mb_crash_report(lsig, info, uc);
    signal(lsig, SIG_DFL);
    if (lsig == SIGTRAP || info->si_code <= 0)
        raise(lsig); /* re-running the instruction would not fault again */
}

static void mb_signal_trampoline(int lsig, siginfo_t *info, void *uc)
{
    int saved_errno = errno;
    int dsig = mb_signal_to_darwin(lsig);
    /* a fault goes to a Mach exception handler first, as XNU raises it before the signal */
    if (is_fault(lsig) && info->si_code > 0 && mb_exception_deliver(lsig, info, uc)) {
        errno = saved_errno;
        return;
    }
    if (watchers[dsig])
        mb_kqueue_signal_delivered(dsig);
    struct guest_handler h = handlers[dsig];
    if (h.flags & DARWIN_SA_RESETHAND)
        handlers[dsig].handler = NULL;
    if (h.handler == NULL && (is_fault(lsig) || lsig == SIGABRT)) {
        default_fault_action(lsig, info, uc);
        errno = saved_errno;
        return;
    }
    if (h.handler == NULL || h.handler == (void *)1) {
        errno = saved_errno;
        return; /* reset or ignored meanwhile */
    }
    if (h.flags & DARWIN_SA_SIGINFO) {
        struct darwin_siginfo dinfo;
        struct darwin_signal_frame frame;
        siginfo_to_darwin(dsig, info, &dinfo);
        context_to_darwin(uc, &frame);
        ((void (*)(int, struct darwin_siginfo *, void *))h.handler)(dsig, &dinfo, &frame.uc);
        context_from_darwin(uc, &frame);
    } else {
        ((void (*)(int))h.handler)(dsig);
    }
    errno = saved_errno;
}

/* With Mach exception ports registered or crash reports on, faults (and abort, for the
 * report) must reach the trampoline even where the guest left the default disposition. */
MB_HIDDEN void mb_signal_catch_faults(int with_abort)
{
    static const int faults[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT};
    size_t count = sizeof faults / sizeof *faults - (with_abort ? 0 : 1);
    for (size_t i = 0; i < count; i++) {
        struct sigaction now;
        if (sigaction(faults[i], NULL, &now) != 0 || now.sa_handler != SIG_DFL ||
            (now.sa_flags & SA_SIGINFO))
            continue;
        struct sigaction la;
        memset(&la, 0, sizeof la);
        la.sa_sigaction = mb_signal_trampoline;
        la.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
        sigemptyset(&la.sa_mask);
        sigaction(faults[i], &la, NULL);
    }
}

static int host_flags(int dflags)
{
    int f = SA_SIGINFO | SA_ONSTACK;
    if (dflags & DARWIN_SA_RESTART) f |= SA_RESTART;
    if (dflags & DARWIN_SA_NODEFER) f |= SA_NODEFER;
    if (dflags & DARWIN_SA_RESETHAND) f |= SA_RESETHAND;
    if (dflags & DARWIN_SA_NOCLDSTOP) f |= SA_NOCLDSTOP;
    if (dflags & DARWIN_SA_NOCLDWAIT) f |= SA_NOCLDWAIT;
    return f;
}

MB_HIDDEN int mb_sud_armed(void);

/* SIGSYS while raw system calls are caught (sud.c): the host handler is sud.c's, which
 * passes a SIGSYS that is not a caught system call on to the guest's disposition here. */
MB_HIDDEN int mb_signal_guest_sigsys(int lsig, siginfo_t *info, void *uc)
{
    void *h = handlers[DARWIN_SIGSYS].handler;
    if (h == (void *)1)
        return 0;
    if (h == NULL) {  /* the default action: end the process as SIGSYS would */
        signal(SIGSYS, SIG_DFL);
        raise(SIGSYS);
        return 0;
    }
    mb_signal_trampoline(lsig, info, uc);
    return 1;
}

MB_EXPORT int mb_sigaction(int dsig, const struct darwin_sigaction *act,
                           struct darwin_sigaction *old)
{
    int lsig = mb_signal_to_linux(dsig);
    if (dsig <= 0 || dsig >= DARWIN_NSIG)
        return (int)mb_fail(DARWIN_EINVAL);
    struct guest_handler prev = handlers[dsig];
    if (lsig <= 0 || (lsig == SIGSYS && mb_sud_armed())) {
        /* SIGEMT, SIGINFO: Linux never raises them; the disposition is only remembered.
         * SIGSYS under SUD: remembered for mb_signal_guest_sigsys. */
        /* SIGEMT, SIGINFO: Linux never raises them; the disposition is only remembered */
        if (act)
            handlers[dsig] = (struct guest_handler){act->__sigaction_u, act->sa_flags, act->sa_mask};
        if (old)
            *old = (struct darwin_sigaction){prev.handler, prev.mask, prev.flags};
        return 0;
    }
    struct sigaction lold;
    if (act) {
        if (lsig == SIGKILL || lsig == SIGSTOP)
            return (int)mb_fail(DARWIN_EINVAL);
        struct sigaction la;
        memset(&la, 0, sizeof la);
        set_to_linux(&act->sa_mask, &la.sa_mask);
        if (!needs_trampoline(dsig, act->__sigaction_u)) {
            la.sa_handler = (void (*)(int))act->__sigaction_u;
            la.sa_flags = host_flags(act->sa_flags) & ~SA_SIGINFO;
        } else {
            la.sa_sigaction = mb_signal_trampoline;
            la.sa_flags = host_flags(act->sa_flags);
        }
        handlers[dsig] = (struct guest_handler){act->__sigaction_u, act->sa_flags, act->sa_mask};
        if (sigaction(lsig, &la, &lold) != 0) {
            handlers[dsig] = prev;
            return -1;
        }
    } else if (sigaction(lsig, NULL, &lold) != 0) {
        return -1;
    }
    if (old) {
        if (lold.sa_sigaction == mb_signal_trampoline) {
            old->__sigaction_u = prev.handler;
            old->sa_flags = prev.flags;
            old->sa_mask = prev.mask;
        } else {
            old->__sigaction_u = (void *)lold.sa_handler;
            old->sa_flags = 0;
            set_to_darwin(&lold.sa_mask, &old->sa_mask);
        }
    }
    return 0;
}

/* A kqueue starts (+1) or stops (-1) watching dsig: reinstall the host disposition. */
MB_HIDDEN void mb_signal_watch(int dsig, int delta)
{
    if (dsig <= 0 || dsig >= DARWIN_NSIG)
        return;
    watchers[dsig] += delta;
    int lsig = mb_signal_to_linux(dsig);
    if (lsig <= 0 || lsig == SIGKILL || lsig == SIGSTOP)
        return;
    struct guest_handler h = handlers[dsig];
    struct sigaction la;
    memset(&la, 0, sizeof la);
    set_to_linux(&h.mask, &la.sa_mask);
    if (needs_trampoline(dsig, h.handler)) {
        la.sa_sigaction = mb_signal_trampoline;
        la.sa_flags = host_flags(h.flags) | SA_RESTART;
    } else {
        la.sa_handler = (void (*)(int))h.handler;
        la.sa_flags = host_flags(h.flags) & ~SA_SIGINFO;
    }
    sigaction(lsig, &la, NULL);
}

/* signal(3): BSD semantics, the handler stays installed and calls restart. */
MB_EXPORT void *mb_signal(int dsig, void *handler)
{
    struct darwin_sigaction act = {handler, 0, DARWIN_SA_RESTART}, old;
    if (mb_sigaction(dsig, &act, &old) != 0)
        return (void *)-1; /* SIG_ERR */
    return old.__sigaction_u;
}

MB_EXPORT int mb_siginterrupt(int dsig, int flag)
{
    struct darwin_sigaction act;
    if (mb_sigaction(dsig, NULL, &act) != 0)
        return -1;
    if (flag)
        act.sa_flags &= ~DARWIN_SA_RESTART;
    else
        act.sa_flags |= DARWIN_SA_RESTART;
    return mb_sigaction(dsig, &act, NULL);
}

/* ---- sending -------------------------------------------------------------------------- */

static int sig_arg(int dsig)
{
    if (dsig == 0)
        return 0;
    int l = mb_signal_to_linux(dsig);
    return l > 0 ? l : -1;
}

MB_EXPORT int mb_kill(pid_t pid, int dsig)
{
    int l = sig_arg(dsig);
    return l < 0 ? (int)mb_fail(DARWIN_EINVAL) : kill(pid, l);
}

MB_EXPORT int mb_killpg(pid_t pg, int dsig)
{
    int l = sig_arg(dsig);
    return l < 0 ? (int)mb_fail(DARWIN_EINVAL) : killpg(pg, l);
}

MB_EXPORT int mb_raise(int dsig)
{
    int l = sig_arg(dsig);
    return l < 0 ? (int)mb_fail(DARWIN_EINVAL) : raise(l);
}

MB_EXPORT int mb_pthread_kill(struct mb_thread *t, int dsig)
{
    int l = sig_arg(dsig);
    if (l < 0)
        return DARWIN_EINVAL;
    int r = pthread_kill(t->host, l);
    return r ? mb_errno_to_darwin(r) : 0;
}

MB_EXPORT char *mb_strsignal(int dsig)
{
    int l = mb_signal_to_linux(dsig);
    return strsignal(l > 0 ? l : 0);
}

MB_EXPORT void mb_psignal(int dsig, const char *s)
{
    int l = mb_signal_to_linux(dsig);
    psignal(l > 0 ? l : 0, s);
}

MB_EXPORT int mb_sigaltstack(const struct darwin_stack *ss, struct darwin_stack *old)
{
    stack_t l, lo;
    if (ss) {
        l.ss_sp = ss->ss_sp;
        l.ss_size = ss->ss_size;
        l.ss_flags = (ss->ss_flags & DARWIN_SS_DISABLE) ? SS_DISABLE : 0;
    }
    if (sigaltstack(ss ? &l : NULL, &lo) != 0)
        return -1;
    if (old) {
        old->ss_sp = lo.ss_sp;
        old->ss_size = lo.ss_size;
        old->ss_flags = ss_flags_to_darwin(lo.ss_flags);
    }
    return 0;
}

/* ---- wait statuses carry signal numbers ------------------------------------------------ */

MB_HIDDEN int mb_wait_status_to_darwin(int st)
{
    if (WIFSIGNALED(st))
        return (st & ~0x7f) | (mb_signal_to_darwin(WTERMSIG(st)) & 0x7f);
    if (WIFSTOPPED(st))
        return (mb_signal_to_darwin(WSTOPSIG(st)) << 8) | 0x7f;
    return st;
}

static int wait_options(int d)
{
    return (int)mb_bits_to_linux(mb_wait_options, MB_WAIT_OPTIONS_COUNT, (uint64_t)d, NULL);
}

MB_EXPORT pid_t mb_wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
    int st;
    pid_t r = wait4(pid, &st, wait_options(options), ru);
    if (r > 0 && status)
        *status = mb_wait_status_to_darwin(st);
    return r;
}

MB_EXPORT pid_t mb_waitpid(pid_t pid, int *status, int options)
{
    return mb_wait4(pid, status, options, NULL);
}

MB_EXPORT pid_t mb_wait(int *status) { return mb_wait4(-1, status, 0, NULL); }

MB_EXPORT pid_t mb_wait3(int *status, int options, struct rusage *ru)
{
    return mb_wait4(-1, status, options, ru);
}

MB_EXPORT int mb_system(const char *cmd)
{
    int st = system(cmd);
    return st == -1 ? -1 : mb_wait_status_to_darwin(st);
}

/* ---- select with a signal mask --------------------------------------------------------- */

/* fd_set is the same 1024-bit little-endian bitmap on both systems; only the mask differs. */
MB_EXPORT int mb_pselect(int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts,
                         const darwin_sigset_t *mask)
{
    sigset_t l;
    if (mask)
        set_to_linux(mask, &l);
    return pselect(n, r, w, e, ts, mask ? &l : NULL);
}

/* Darwin's FD_SET checks descriptors against FD_SETSIZE through this call. */
MB_EXPORT int mb___darwin_check_fd_set_overflow(int fd, const void *set, int unlimited)
{
    (void)set;
    return unlimited || (fd >= 0 && fd < 1024);
}

/* setjmp/longjmp's signal mask (asm.S keeps the registers). */
MB_EXPORT void mb_jmp_save_mask(unsigned char *buf)
{
    mb_pthread_sigmask(DARWIN_SIG_BLOCK, NULL, (darwin_sigset_t *)(buf + 72));
}

MB_EXPORT void mb_jmp_restore_mask(unsigned char *buf)
{
    mb_pthread_sigmask(DARWIN_SIG_SETMASK, (darwin_sigset_t *)(buf + 72), NULL);
}
