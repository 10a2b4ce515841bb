// darwin-only
// ptrace with Darwin's request numbers: PT_DENY_ATTACH is accepted (and debuggers can still
// attach under machbox), a child that asked PT_TRACE_ME stops on a signal, its parent reads
// and writes a word of its memory (PT_READ_D/PT_WRITE_D, Darwin's int-sized words), resumes it
// with PT_CONTINUE at (caddr_t)1, and unknown requests fail with EINVAL.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int ptrace(int request, pid_t pid, void *addr, int data);
#define PT_TRACE_ME 0
#define PT_READ_D 2
#define PT_WRITE_D 5
#define PT_CONTINUE 7
#define PT_DENY_ATTACH 31

static volatile int shared_word = 1234;

int main(void)
{
    printf("deny attach %d\n", ptrace(PT_DENY_ATTACH, 0, 0, 0));
    errno = 0;
    printf("unknown request %d errno %d\n", ptrace(99, getpid(), 0, 0), errno);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        ptrace(PT_TRACE_ME, 0, 0, 0);
        raise(SIGSTOP);
        printf("child sees %d\n", shared_word);
        fflush(stdout);
        _exit(shared_word == 5678 ? 7 : 1);
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("stopped %d by %s\n", WIFSTOPPED(status), WSTOPSIG(status) == SIGSTOP ? "SIGSTOP" : "?");
    errno = 0;
    int word = ptrace(PT_READ_D, child, (void *)&shared_word, 0);
    printf("read %d errno %d\n", word, errno);
    printf("write %d\n", ptrace(PT_WRITE_D, child, (void *)&shared_word, 5678));
    fflush(stdout); /* before the child runs again: its line must come after ours */
    int resumed = ptrace(PT_CONTINUE, child, (void *)1, 0);
    waitpid(child, &status, 0);
    printf("continue %d\n", resumed);
    printf("exited %d status %d\n", WIFEXITED(status), WEXITSTATUS(status));
    return 0;
}
