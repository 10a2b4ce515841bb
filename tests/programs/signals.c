// handlers, SA_SIGINFO, masks and pending signals, SIGALRM from setitimer, SA_RESETHAND,
// kill to self, sigaltstack
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/time.h>

static volatile sig_atomic_t got_usr1, got_alrm, got_info_ok, resets;

static void on_usr1(int sig) { got_usr1 += sig == SIGUSR1; }
static void on_alrm(int sig) { (void)sig; got_alrm++; }
static void on_info(int sig, siginfo_t *info, void *uc) {
    (void)uc;
    got_info_ok = sig == SIGUSR2 && info->si_signo == SIGUSR2 && info->si_code == SI_USER &&
                  info->si_pid == getpid();
}
static void on_hup(int sig) { (void)sig; resets++; }

int main(void) {
    signal(SIGUSR1, on_usr1);
    raise(SIGUSR1);
    kill(getpid(), SIGUSR1);
    printf("usr1 handled %d times\n", got_usr1);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_info;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR2, &sa, NULL);
    kill(getpid(), SIGUSR2);
    printf("siginfo ok: %d\n", got_info_ok);

    struct sigaction old;
    sigaction(SIGUSR2, NULL, &old);
    printf("query: siginfo=%d handler=%d\n", !!(old.sa_flags & SA_SIGINFO), old.sa_sigaction == on_info);

    sigset_t block, pending, prev;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &prev);
    raise(SIGUSR1);
    sigpending(&pending);
    printf("pending while blocked: %d, handled: %d\n", sigismember(&pending, SIGUSR1), got_usr1);
    sigprocmask(SIG_SETMASK, &prev, NULL);
    printf("after unblock handled: %d\n", got_usr1);

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_hup;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGHUP, &sa, NULL);
    raise(SIGHUP);
    sigaction(SIGHUP, NULL, &old);
    printf("resethand: ran=%d now default=%d\n", resets, old.sa_handler == SIG_DFL);

    signal(SIGALRM, on_alrm);
    struct itimerval it = {{0, 0}, {0, 30000}};
    setitimer(ITIMER_REAL, &it, NULL);
    while (!got_alrm) pause();
    printf("alarm fired: %d\n", got_alrm);

    stack_t ss;
    ss.ss_sp = malloc(SIGSTKSZ);
    ss.ss_size = SIGSTKSZ;
    ss.ss_flags = 0;
    printf("sigaltstack=%d\n", sigaltstack(&ss, NULL));
    stack_t cur;
    sigaltstack(NULL, &cur);
    printf("altstack set: %d disabled: %d\n", cur.ss_sp == ss.ss_sp, !!(cur.ss_flags & SS_DISABLE));
    signal(SIGPIPE, SIG_IGN);
    int p[2];
    pipe(p);
    close(p[0]);
    printf("write to closed pipe: %zd\n", write(p[1], "x", 1));
    printf("strsignal(SIGTERM)=%s\n", strsignal(SIGTERM));
    return 0;
}
