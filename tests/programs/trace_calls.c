// status: 0
// files: trace_out.txt
// The calls `machbox trace` must show (tests/test_trace.py): a failing open (ENOENT), an
// open with O_CREAT, a write of 12 bytes, a fork whose child writes and exits with 3; with
// `exec` it first starts itself again by exec (the trace follows it); with `closeall` it
// closes every descriptor and dup2s over the high ones, then writes a file (the trace's
// own descriptor must survive that and never receive the program's data); with `exitthread`
// its exit (whose host calls the trace records) runs a handler that starts a thread and
// blocks a signal, calls a signal handler cannot make for it.
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *thread_main(void *arg)
{
    (void)arg;
    printf("thread ran\n");
    return NULL;
}

static void at_exit(void)
{
    pthread_t t;
    pthread_create(&t, NULL, thread_main, NULL);
    pthread_join(t, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sigprocmask(SIG_BLOCK, NULL, &set);
    printf("at exit: SIGUSR1 blocked %d\n", sigismember(&set, SIGUSR1));
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exec") == 0) {
        execl(argv[0], argv[0], (char *)NULL);
        return 127;
    }
    if (argc > 1 && strcmp(argv[1], "exitthread") == 0) {
        atexit(at_exit);
        printf("main\n");
        exit(0);
    }
    if (argc > 1 && strcmp(argv[1], "closeall") == 0) {
        for (int i = 3; i < 1024; i++)
            close(i);
        int out = open("closeall.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        for (int i = 900; i < 920; i++)
            dup2(out, i);
        write(out, "program data", 12);
        for (int i = 900; i < 920; i++)
            close(i);
        close(out);
        printf("closed all\n");
        return 0;
    }
    int fd = open("/nonexistent-machbox/missing.txt", O_RDONLY | O_CLOEXEC);
    printf("missing: %d %s\n", fd, fd < 0 && errno == ENOENT ? "ENOENT" : "?");
    fd = open("trace_out.txt", O_WRONLY | O_CREAT | O_TRUNC, 0640);
    printf("write: %zd\n", write(fd, "traced bytes", 12));
    close(fd);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        write(1, "child\n", 6);
        _exit(3);
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("child status: %d\n", WEXITSTATUS(status));
    return 0;
}
