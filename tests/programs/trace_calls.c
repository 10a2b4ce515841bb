// status: 0
// files: trace_out.txt
// The calls `machbox trace` must show (tests/test_trace.py): a failing open (ENOENT), an
// open with O_CREAT, a write of 12 bytes, a fork whose child writes and exits with 3; with
// `exec` it first starts itself again by exec (the trace follows it); with `closeall` it
// closes every descriptor and dup2s over the high ones, then writes a file (the trace's
// own descriptor must survive that and never receive the program's data).
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exec") == 0) {
        execl(argv[0], argv[0], (char *)NULL);
        return 127;
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
