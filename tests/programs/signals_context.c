// signal handlers that read and change the interrupted context (resume elsewhere, fix a
// register and retry), faults in program code (SIGSEGV, SIGFPE, SIGILL, SIGTRAP) with their
// siginfo, nested handlers on the alternate stack, SA_NODEFER, sigsuspend, sigwait,
// pthread_kill and pthread_sigmask, killpg, abort and SIGPIPE as child wait statuses
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#ifndef __APPLE__
#include <ucontext.h>
#endif
#include <unistd.h>

#ifdef __APPLE__
#define SYM(x) "_" #x
#define RIP(uc) ((uc)->uc_mcontext->__ss.__rip)
#define RDI(uc) ((uc)->uc_mcontext->__ss.__rdi)
#define RAX(uc) ((uc)->uc_mcontext->__ss.__rax)
#else
#define SYM(x) #x
#define RIP(uc) ((uc)->uc_mcontext.gregs[REG_RIP])
#define RDI(uc) ((uc)->uc_mcontext.gregs[REG_RDI])
#define RAX(uc) ((uc)->uc_mcontext.gregs[REG_RAX])
#endif

// load(p): returns *p; the load instruction is at load_insn, load_resume returns 42.
// divide(a, b): a / b with idiv at div_insn (3 bytes). trap(): int3 then returns 7.
// illegal(): ud2 at ill_insn, ill_resume returns 9.
__asm__(".text\n"
        ".globl " SYM(load) "\n" SYM(load) ":\n"
        ".globl " SYM(load_insn) "\n" SYM(load_insn) ":\n"
        "  movq (%rdi), %rax\n"
        "  ret\n"
        ".globl " SYM(load_resume) "\n" SYM(load_resume) ":\n"
        "  movq $42, %rax\n"
        "  ret\n"
        ".globl " SYM(divide) "\n" SYM(divide) ":\n"
        "  movq %rdi, %rax\n"
        "  cqto\n"
        ".globl " SYM(div_insn) "\n" SYM(div_insn) ":\n"
        "  idivq %rsi\n"
        "  ret\n"
        ".globl " SYM(trap) "\n" SYM(trap) ":\n"
        "  int3\n"
        "  movq $7, %rax\n"
        "  ret\n"
        ".globl " SYM(illegal) "\n" SYM(illegal) ":\n"
        ".globl " SYM(ill_insn) "\n" SYM(ill_insn) ":\n"
        "  ud2\n"
        ".globl " SYM(ill_resume) "\n" SYM(ill_resume) ":\n"
        "  movq $9, %rax\n"
        "  ret\n");
long load(long *p);
long divide(long a, long b);
long trap(void);
long illegal(void);
extern char load_insn[], load_resume[], div_insn[], ill_insn[], ill_resume[];

static long good_value = 1234;
static volatile int mode;

static void on_segv(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    printf("  SIGSEGV: signo ok=%d addr=%#lx at load_insn=%d rdi=%#lx maperr=%d\n",
           si->si_signo == SIGSEGV, (unsigned long)si->si_addr,
           (char *)RIP(uc) == load_insn, (unsigned long)RDI(uc), si->si_code == SEGV_MAPERR);
    if (mode == 0) RIP(uc) = (uintptr_t)load_resume;  // skip to the recovery code
    else RDI(uc) = (uintptr_t)&good_value;              // fix the pointer and retry
    (void)sig;
}

static void on_fpe(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    printf("  SIGFPE: intdiv=%d at div_insn=%d\n", si->si_code == FPE_INTDIV,
           (char *)RIP(uc) == div_insn);
    RIP(uc) += 3;  // past idivq %rsi
    RAX(uc) = -1;
    (void)sig;
}

static void on_trap(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    printf("  SIGTRAP: after int3=%d\n", *(unsigned char *)(RIP(uc) - 1) == 0xcc);
    (void)sig, (void)si;
}

static void on_ill(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    printf("  SIGILL: at ud2=%d addr ok=%d\n", (char *)RIP(uc) == ill_insn,
           (char *)si->si_addr == ill_insn);
    RIP(uc) = (uintptr_t)ill_resume;
    (void)sig;
}

static void handle(int sig, void (*fn)(int, siginfo_t *, void *), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void faults(void) {
    printf("faults:\n");
    handle(SIGSEGV, on_segv, 0);
    handle(SIGFPE, on_fpe, 0);
    handle(SIGTRAP, on_trap, 0);
    handle(SIGILL, on_ill, 0);
    mode = 0;
    printf("  load(bad) resumed -> %ld\n", load((long *)0x10));
    mode = 1;
    printf("  load(bad) retried -> %ld\n", load((long *)0x18));
    printf("  divide(7, 0) -> %ld, divide(7, 2) -> %ld\n", divide(7, 0), divide(7, 2));
    printf("  trap() -> %ld\n", trap());
    printf("  illegal() -> %ld\n", illegal());
    fflush(stdout);
}

// ---- nested handlers on the alternate stack ----
static char *alt_lo, *alt_hi;
static int on_alt(void *p) { return (char *)p >= alt_lo && (char *)p < alt_hi; }

static void on_usr2(int sig, siginfo_t *si, void *ctx) {
    int here;
    stack_t ss;
    sigaltstack(NULL, &ss);
    printf("  inner SIGUSR2: on altstack=%d onstack flag=%d\n", on_alt(&here),
           (ss.ss_flags & SS_ONSTACK) != 0);
    (void)sig, (void)si, (void)ctx;
}

static void on_usr1(int sig, siginfo_t *si, void *ctx) {
    int here;
    printf("  outer SIGUSR1: on altstack=%d from pid=%d user=%d\n", on_alt(&here),
           si->si_pid == getpid(), si->si_code == SI_USER);
    raise(SIGUSR2);
    printf("  outer SIGUSR1: back\n");
    (void)sig, (void)ctx;
}

static void alternate_stack(void) {
    printf("altstack:\n");
    stack_t ss = {0};
    ss.ss_size = 1 << 16;
    ss.ss_sp = malloc(ss.ss_size);
    alt_lo = ss.ss_sp;
    alt_hi = alt_lo + ss.ss_size;
    sigaltstack(&ss, NULL);
    handle(SIGUSR1, on_usr1, SA_ONSTACK);
    handle(SIGUSR2, on_usr2, SA_ONSTACK);
    kill(getpid(), SIGUSR1);
    stack_t now;
    sigaltstack(NULL, &now);
    printf("  after: onstack flag=%d\n", (now.ss_flags & SS_ONSTACK) != 0);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    handle(SIGUSR1, on_usr1, 0);
    handle(SIGUSR2, on_usr2, 0);
    fflush(stdout);
}

// ---- SA_NODEFER: the handler's own signal nests only with it ----
static volatile int depth, max_depth, rounds;
static void on_again(int sig) {
    depth++;
    if (depth > max_depth) max_depth = depth;
    if (rounds++ == 0) raise(sig);
    depth--;
}

static void nodefer(void) {
    printf("nodefer:\n");
    int variants[] = {0, SA_NODEFER};
    for (int i = 0; i < 2; i++) {
        int flags = variants[i];
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_again;
        sa.sa_flags = flags;
        sigaction(SIGUSR1, &sa, NULL);
        depth = max_depth = rounds = 0;
        raise(SIGUSR1);
        printf("  SA_NODEFER=%d: ran %d times, deepest nesting %d\n", flags != 0, rounds,
               max_depth);
    }
}

// ---- masks: sigsuspend, sigwait, pthread_kill, pthread_sigmask ----
static volatile int got;
static void on_got(int sig) { got = sig; }

static void *waiter(void *arg) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    int sig = 0;
    int r = sigwait(&set, &sig);
    printf("  thread sigwait=%d got SIGUSR2=%d\n", r, sig == SIGUSR2);
    (void)arg;
    return NULL;
}

static void masks(void) {
    printf("masks:\n");
    signal(SIGUSR1, on_got);
    sigset_t block, old, pending;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    raise(SIGUSR1);
    sigpending(&pending);
    printf("  pending USR1=%d USR2=%d handled=%d\n", sigismember(&pending, SIGUSR1),
           sigismember(&pending, SIGUSR2), got);
    sigset_t wait_mask = old;
    sigdelset(&wait_mask, SIGUSR1);
    int r = sigsuspend(&wait_mask);
    printf("  sigsuspend=%d eintr=%d handled USR1=%d\n", r, errno == EINTR, got == SIGUSR1);
    pthread_t t;
    pthread_create(&t, NULL, waiter, NULL);  // inherits the mask: SIGUSR2 blocked
    usleep(20000);
    pthread_kill(t, SIGUSR2);
    pthread_join(t, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    sigset_t cur;
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    printf("  restored: USR1 blocked=%d\n", sigismember(&cur, SIGUSR1));
    fflush(stdout);
}

// ---- how children die ----
static int child_status(void (*body)(void)) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        body();
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    return st;
}

static void do_abort(void) { abort(); }
static void do_pipe(void) {
    int p[2];
    pipe(p);
    close(p[0]);
    write(p[1], "x", 1);
}
static void do_killpg(void) {
    setpgid(0, 0);  // its own group, so the test runner is not in it
    if (fork() == 0) {
        pause();
        _exit(0);
    }
    killpg(getpgrp(), SIGTERM);
    pause();
}
static void do_interrupt(void) { raise(SIGINT); }  // machbox's Python must not catch it
static void do_segv(void) {
    signal(SIGSEGV, SIG_DFL);
    load((long *)8);
}

static void children(void) {
    printf("children:\n");
    struct {
        const char *name;
        void (*body)(void);
        int sig;
    } cases[] = {{"abort", do_abort, SIGABRT}, {"broken pipe", do_pipe, SIGPIPE},
                 {"killpg", do_killpg, SIGTERM}, {"segfault", do_segv, SIGSEGV},
                 {"interrupt", do_interrupt, SIGINT}};
    for (unsigned i = 0; i < sizeof cases / sizeof *cases; i++) {
        int st = child_status(cases[i].body);
        printf("  %s: signaled=%d expected signal=%d\n", cases[i].name, WIFSIGNALED(st),
               WTERMSIG(st) == cases[i].sig);
    }
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    faults();
    alternate_stack();
    nodefer();
    masks();
    children();
    return 0;
}
