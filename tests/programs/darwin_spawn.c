// darwin-only
// posix_spawn attributes only Darwin has or numbers differently: CLOEXEC_DEFAULT closes
// every descriptor not named by a file action (addinherit_np keeps one), SETPGROUP puts
// the child in its own group, SETSIGDEF resets an ignored signal, SETSIGMASK blocks one;
// addchdir_np runs the child elsewhere
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int run(const char *script, posix_spawn_file_actions_t *fa, posix_spawnattr_t *at) {
    int p[2];
    pipe(p);
    posix_spawn_file_actions_adddup2(fa, p[1], 1);
    char *argv[] = {"sh", "-c", (char *)script, NULL};
    pid_t pid;
    int r = posix_spawn(&pid, "/bin/sh", fa, at, argv, environ);
    close(p[1]);
    char buf[256] = {0};
    int n = 0, k;
    while ((k = read(p[0], buf + n, sizeof buf - 1 - n)) > 0) n += k;
    close(p[0]);
    int st = 0;
    if (r == 0) waitpid(pid, &st, 0);
    if (WIFSIGNALED(st))
        printf("  spawn=%d killed by SIGTERM=%d output: %s", r, WTERMSIG(st) == SIGTERM, buf);
    else
        printf("  spawn=%d status=%d output: %s", r, WEXITSTATUS(st), buf);
    return r;
}

int main(void) {
    int keep = open("/dev/null", O_RDONLY);
    int inherited = open("/dev/null", O_RDONLY);
    dup2(keep, 20);
    dup2(inherited, 21);
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;

    printf("without CLOEXEC_DEFAULT:\n");
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    run("for fd in 20 21; do if [ -e /dev/fd/$fd ]; then printf \"$fd:open \"; "
        "else printf \"$fd:closed \"; fi; done; echo", &fa, &at);

    printf("with CLOEXEC_DEFAULT and addinherit_np(21):\n");
    posix_spawn_file_actions_destroy(&fa);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addinherit_np(&fa, 21);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_CLOEXEC_DEFAULT);
    run("for fd in 20 21; do if [ -e /dev/fd/$fd ]; then printf \"$fd:open \"; "
        "else printf \"$fd:closed \"; fi; done; echo", &fa, &at);

    printf("SETPGROUP 0:\n");
    posix_spawn_file_actions_destroy(&fa);
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&at, 0);
    run("if [ \"$(ps -o pgid= -p $$ | tr -d ' ')\" = \"$$\" ]; then echo own group; "
        "else echo parent group; fi", &fa, &at);

    printf("SETSIGDEF SIGTERM after ignoring it, SETSIGMASK SIGUSR1:\n");
    signal(SIGTERM, SIG_IGN);
    sigset_t def, mask;
    sigemptyset(&def);
    sigaddset(&def, SIGTERM);
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    posix_spawnattr_setsigdefault(&at, &def);
    posix_spawnattr_setsigmask(&at, &mask);
    run("kill -USR1 $$; echo survived blocked USR1; kill -TERM $$; echo survived TERM", &fa,
        &at);

    printf("addchdir_np /:\n");
    posix_spawnattr_setflags(&at, 0);
    posix_spawn_file_actions_addchdir_np(&fa, "/");
    run("pwd", &fa, &at);
    return 0;
}
