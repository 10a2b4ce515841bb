// fork and wait statuses (exit codes and signals), posix_spawn with file actions, popen,
// system, pipes between processes
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <spawn.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/wait.h>

extern char **environ;

int main(void) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) _exit(3);
    int st;
    waitpid(pid, &st, 0);
    printf("child exit: exited=%d status=%d\n", WIFEXITED(st), WEXITSTATUS(st));

    pid = fork();
    if (pid == 0) { pause(); _exit(0); }
    kill(pid, SIGTERM);
    waitpid(pid, &st, 0);
    printf("child killed: signaled=%d by SIGTERM=%d\n", WIFSIGNALED(st), WTERMSIG(st) == SIGTERM);

    pid = fork();
    if (pid == 0) { raise(SIGSEGV); _exit(0); }
    waitpid(pid, &st, 0);
    printf("child segv: signaled=%d SIGSEGV=%d\n", WIFSIGNALED(st), WTERMSIG(st) == SIGSEGV);

    int p[2];
    pipe(p);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
    char *argv[] = {"/bin/sh", "-c", "echo spawned $((6*7)); exit 5", NULL};
    int r = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, environ);
    close(p[1]);
    char buf[64] = {0};
    read(p[0], buf, sizeof buf - 1);
    waitpid(pid, &st, 0);
    printf("posix_spawn=%d output=[%s] status=%d\n", r, strtok(buf, "\n"), WEXITSTATUS(st));
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);

    char *argv2[] = {"sh", "-c", "exit 9", NULL};
    r = posix_spawnp(&pid, "sh", NULL, NULL, argv2, environ);
    waitpid(pid, &st, 0);
    printf("posix_spawnp=%d status=%d\n", r, WEXITSTATUS(st));
    r = posix_spawn(&pid, "/nonexistent/program", NULL, NULL, argv2, environ);
    printf("spawn missing: failed=%d\n", r != 0);

    FILE *f = popen("printf 'a\\nb\\nc\\n' | wc -l", "r");
    int lines = 0;
    fscanf(f, "%d", &lines);
    int pst = pclose(f);
    printf("popen lines=%d pclose=%d\n", lines, WEXITSTATUS(pst));
    fflush(stdout);
    st = system("exit 4");
    printf("system status=%d\n", WEXITSTATUS(st));
    printf("getpid>0=%d getppid>0=%d\n", getpid() > 0, getppid() > 0);
    return 0;
}
