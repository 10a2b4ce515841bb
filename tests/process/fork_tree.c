// The process tree machbox run --timeout must end (after seed 001's test-fork): a
// multithreaded parent forks children, one of which starts its own session and forks again;
// it kills and reaps one child itself, then everyone sleeps until the timeout. The last
// argument is a token the test finds leftover processes by.
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void *spin(void *arg) {
    (void)arg;
    for (;;) pause();
    return NULL;
}

static void child(int depth) {
    if (depth > 0 && fork() == 0) {
        setsid();  // a daemon-like grandchild outside the parent's process group
        child(depth - 1);
    }
    for (;;) pause();
}

int main(int argc, char **argv) {
    int children = argc > 1 ? atoi(argv[1]) : 3;
    pthread_t t;
    pthread_create(&t, NULL, spin, NULL);  // fork from a multithreaded process
    pid_t victim = fork();
    if (victim == 0) child(0);
    for (int i = 0; i < children; i++)
        if (fork() == 0) child(2);
    kill(victim, SIGKILL);
    int status;
    waitpid(victim, &status, 0);
    printf("killed child: signaled=%d sig=%d\n", WIFSIGNALED(status), WTERMSIG(status));
    fflush(stdout);
    for (;;) pause();
}
