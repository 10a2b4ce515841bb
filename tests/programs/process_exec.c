// exec chains: a Mach-O execs itself, then /bin/sh, which execs the Mach-O again (through
// machbox's exec hook); a "#!" script whose interpreter is this program; vfork + exec;
// posix_spawnp of itself; system() starting it; exec failures and their errno
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *base(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int wait_for(pid_t pid) {
    int st;
    if (waitpid(pid, &st, 0) != pid) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

int main(int argc, char **argv) {
    const char *stage = argc > 1 ? argv[1] : "start";
    printf("[%s] argv0=%s argc=%d", stage, base(argv[0]), argc);
    for (int i = 2; i < argc; i++) printf(" arg=%s", base(argv[i]));
    printf("\n");
    fflush(stdout);
    char self[4096];
    if (argv[0][0] == '/') snprintf(self, sizeof self, "%s", argv[0]);
    else snprintf(self, sizeof self, "%s", getenv("SELF") ? getenv("SELF") : argv[0]);

    if (strcmp(stage, "start") == 0) {
        setenv("SELF", self, 1);
        execl(self, "renamed-by-execl", "via-execl", (char *)0);
        return 1;
    }
    if (strcmp(stage, "via-execl") == 0) {
        execl("/bin/sh", "sh", "-c", "echo sh says hi; exec \"$SELF\" via-sh extra", (char *)0);
        return 1;
    }
    if (strcmp(stage, "via-sh") == 0) {
        FILE *f = fopen("script.sh", "w");
        fprintf(f, "#!%s via-script\nignored\n", self);
        fclose(f);
        chmod("script.sh", 0755);
        pid_t pid = fork();
        if (pid == 0) {
            char *args[] = {"./script.sh", "one", NULL};
            execv("./script.sh", args);
            _exit(90);
        }
        printf("script child: %d\n", wait_for(pid));
        pid = vfork();
        if (pid == 0) {
            execl(self, "vforked", "via-vfork", (char *)0);
            _exit(91);
        }
        printf("vfork child: %d\n", wait_for(pid));
        char *sargs[] = {"spawned", "via-spawn", NULL};
        char *dir = strdup(self);
        *strrchr(dir, '/') = 0;
        char path[8192];
        snprintf(path, sizeof path, "%s:%s", dir, getenv("PATH"));
        setenv("PATH", path, 1);
        int r = posix_spawnp(&pid, base(self), NULL, NULL, sargs, environ);
        printf("posix_spawnp=%d child: %d\n", r, wait_for(pid));
        fflush(stdout);
        int st = system("\"$SELF\" via-system; echo \"system's child said $?\"");
        printf("system: %d\n", WEXITSTATUS(st));
        errno = 0;
        char *nargs[] = {"x", NULL};
        printf("execv missing: %d enoent=%d\n", execv("/nonexistent/x", nargs), errno == ENOENT);
        errno = 0;
        printf("execvp missing: %d enoent=%d\n", execvp("no-such-program-xyz", nargs), errno == ENOENT);
        errno = 0;
        printf("execv dir: %d eacces=%d\n", execv("/", nargs), errno == EACCES);
        return 0;
    }
    if (strcmp(stage, "via-script") == 0) return 21;
    if (strcmp(stage, "via-vfork") == 0) return 22;
    if (strcmp(stage, "via-spawn") == 0) return 23;
    if (strcmp(stage, "via-system") == 0) return 24;
    return 99;
}
