// setjmp/longjmp, sigsetjmp/siglongjmp (restoring the signal mask), _setjmp
#include <stdio.h>
#include <setjmp.h>
#include <signal.h>

static jmp_buf env;
static sigjmp_buf senv;

static int depth(int n) {
    if (n == 0) longjmp(env, 42);
    return depth(n - 1) + 1;
}

int main(void) {
    volatile int count = 0;
    int r = setjmp(env);
    count++;
    if (r == 0) depth(10);
    printf("setjmp returned %d after %d entries\n", r, count);
    r = setjmp(env);
    if (r == 0) longjmp(env, 0);
    printf("longjmp(0) gives %d\n", r);
    sigset_t set, cur;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    if (sigsetjmp(senv, 1) == 0) {
        sigprocmask(SIG_BLOCK, &set, NULL);
        siglongjmp(senv, 1);
    }
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("mask restored: usr1 blocked=%d\n", sigismember(&cur, SIGUSR1));
    if (sigsetjmp(senv, 0) == 0) {
        sigprocmask(SIG_BLOCK, &set, NULL);
        siglongjmp(senv, 1);
    }
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("mask kept: usr1 blocked=%d\n", sigismember(&cur, SIGUSR1));
    return 0;
}
