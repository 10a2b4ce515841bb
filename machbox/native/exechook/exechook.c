/* The exec hook: preloaded (LD_PRELOAD) into the ELF programs a macOS guest starts, so
 * that when one of them (a shell, make, xargs, a test runner) execs a Mach-O file, or a
 * "#!" script whose interpreter is one, it runs under machbox instead of failing with
 * ENOEXEC. It wraps the libc entry points that exec by path: execve, execv, execvp,
 * execvpe, the execl family and posix_spawn(p). Anything that is not a Mach-O goes to libc
 * unchanged. Static programs do not load it; they cannot start Mach-O files.
 */
#define _GNU_SOURCE
#include "../execrewrite.h"

#include <dlfcn.h>
#include <errno.h>
#include <spawn.h>
#include <stdarg.h>

extern char **environ;

#define HOOK __attribute__((visibility("default")))

typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*execvpe_fn)(const char *, char *const[], char *const[]);
typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
                        const posix_spawnattr_t *, char *const[], char *const[]);

static char **reentry(void)
{
    static char **cached;
    static int done;
    if (!done) {
        cached = mbx_reentry_from_env();
        done = 1;
    }
    return cached;
}

static void *next(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

HOOK int execve(const char *path, char *const argv[], char *const envp[])
{
    execve_fn real = (execve_fn)next("execve");
    char host[4096];
    path = mbx_host_path(path, host, sizeof host);
    char scratch[MBX_SHEBANG_MAX];
    int nomem;
    char **v = mbx_rewrite(reentry(), path, argv, scratch, sizeof scratch, &nomem);
    if (nomem) {
        errno = ENOMEM;
        return -1;
    }
    if (!v)
        return real(path, argv, envp);
    real(v[0], v, envp);
    int saved = errno;
    free(v);
    errno = saved;
    return -1;
}

HOOK int execv(const char *path, char *const argv[])
{
    return execve(path, argv, environ);
}

HOOK int execvpe(const char *file, char *const argv[], char *const envp[])
{
    if (*file && reentry()) {
        char *path = mbx_search_path(file);
        if (path) {
            char scratch[MBX_SHEBANG_MAX];
            char *interp, *arg;
            if (mbx_is_macho(path) ||
                mbx_macho_shebang(path, scratch, sizeof scratch, &interp, &arg)) {
                int r = execve(path, argv, envp);
                int saved = errno;
                free(path);
                errno = saved;
                return r;
            }
            free(path);
        }
    }
    return ((execvpe_fn)next("execvpe"))(file, argv, envp);
}

HOOK int execvp(const char *file, char *const argv[])
{
    return execvpe(file, argv, environ);
}

/* The execl family: arguments up to the NULL, then (execle) the environment. */
static char **gather(const char *arg0, va_list ap, char ***envp)
{
    size_t cap = 16, n = 0;
    char **v = malloc(cap * sizeof *v);
    if (!v)
        return NULL;
    v[n++] = (char *)arg0;
    while (v[n - 1]) {
        if (n == cap) {
            char **grown = realloc(v, (cap *= 2) * sizeof *v);
            if (!grown) {
                free(v);
                return NULL;
            }
            v = grown;
        }
        v[n++] = va_arg(ap, char *);
    }
    if (envp)
        *envp = va_arg(ap, char **);
    return v;
}

#define EXECL_BODY(call, want_env)                                                         \
    va_list ap;                                                                            \
    char **envp = environ;                                                                 \
    va_start(ap, arg0);                                                                    \
    char **v = gather(arg0, ap, (want_env) ? &envp : NULL);                                \
    va_end(ap);                                                                            \
    if (!v) {                                                                              \
        errno = ENOMEM;                                                                    \
        return -1;                                                                         \
    }                                                                                      \
    int r = call;                                                                          \
    int saved = errno;                                                                     \
    free(v);                                                                               \
    errno = saved;                                                                         \
    return r;

HOOK int execl(const char *path, const char *arg0, ...) { EXECL_BODY(execve(path, v, envp), 0) }
HOOK int execle(const char *path, const char *arg0, ...) { EXECL_BODY(execve(path, v, envp), 1) }
HOOK int execlp(const char *file, const char *arg0, ...) { EXECL_BODY(execvpe(file, v, envp), 0) }

static int spawn(spawn_fn real, pid_t *pid, const char *path,
                 const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
                 char *const argv[], char *const envp[])
{
    char scratch[MBX_SHEBANG_MAX], host[4096];
    int nomem;
    path = mbx_host_path(path, host, sizeof host);
    char **v = mbx_rewrite(reentry(), path, argv, scratch, sizeof scratch, &nomem);
    if (nomem)
        return ENOMEM;
    if (!v)
        return real(pid, path, fa, attr, argv, envp);
    int r = real(pid, v[0], fa, attr, v, envp);
    free(v);
    return r;
}

HOOK int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                     const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    return spawn((spawn_fn)next("posix_spawn"), pid, path, fa, attr, argv, envp);
}

HOOK int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                      const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    if (*file && reentry() && !strchr(file, '/')) {
        char *path = mbx_search_path(file);
        if (path) {
            char scratch[MBX_SHEBANG_MAX];
            char *interp, *arg;
            if (mbx_is_macho(path) ||
                mbx_macho_shebang(path, scratch, sizeof scratch, &interp, &arg)) {
                int r = spawn((spawn_fn)next("posix_spawn"), pid, path, fa, attr, argv, envp);
                free(path);
                return r;
            }
            free(path);
        }
    }
    return spawn((spawn_fn)next("posix_spawnp"), pid, file, fa, attr, argv, envp);
}
