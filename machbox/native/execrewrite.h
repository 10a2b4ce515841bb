/* How an exec of a Mach-O becomes an exec of machbox.
 *
 * Shared by the guest's exec and posix_spawn bridges (process.c) and by the LD_PRELOAD hook
 * machbox puts into the ELF programs a guest starts (exechook/exechook.c), so a shell, make
 * or any other host program that execs a macOS program re-enters machbox the same way.
 * Header-only (static functions) because the hook is a separate library without the runtime.
 *
 * The re-entry command (e.g. "python3 -m machbox run") travels in the environment variable
 * MACHBOX_REENTRY, one argument per line, so it survives into any depth of host programs.
 */
#ifndef MACHBOX_EXECREWRITE_H
#define MACHBOX_EXECREWRITE_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MBX_REENTRY_ENV "MACHBOX_REENTRY"
#define MBX_SHEBANG_MAX 256 /* Darwin's limit on a "#!" line (BSD's MAXINTERP is shorter) */

/* True for thin and fat Mach-O files (a Java class file shares the fat magic but has a
 * version number where a fat header has a small architecture count). */
static int mbx_is_macho(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    unsigned char h[8];
    ssize_t n = read(fd, h, sizeof h);
    close(fd);
    if (n < 8)
        return 0;
    uint32_t le = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
    if (le == 0xfeedfacf || le == 0xfeedface)
        return 1;
    uint32_t be = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
    uint32_t count = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
    return (be == 0xcafebabe || be == 0xcafebabf) && count > 0 && count < 32;
}

static const char *mbx_host_path(const char *path, char *buf, size_t size);

/* For a "#!INTERP [ARG]" script whose interpreter is a Mach-O, points *interp and *arg
 * (NULL when absent) into buf and returns 1; the kernel cannot run such a script itself. */
static int mbx_macho_shebang(const char *path, char *buf, size_t size, char **interp, char **arg)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n < 3 || buf[0] != '#' || buf[1] != '!')
        return 0;
    buf[n] = 0;
    char *end = strchr(buf, '\n');
    if (!end)
        return 0;
    *end = 0;
    char *p = buf + 2;
    while (*p == ' ' || *p == '\t')
        p++;
    *interp = p;
    while (*p && *p != ' ' && *p != '\t')
        p++;
    *arg = NULL;
    if (*p) {
        *p++ = 0;
        while (*p == ' ' || *p == '\t')
            p++;
        char *t = p + strlen(p);
        while (t > p && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r'))
            *--t = 0;
        if (*p)
            *arg = p; /* like Linux and Darwin: the rest of the line is one argument */
    }
    if (!**interp)
        return 0;
    char host[4096];
    return mbx_is_macho(mbx_host_path(*interp, host, sizeof host));
}

/* The argv that runs `path` (a Mach-O, or a script whose interpreter is one) with
 * `argv` under machbox, or NULL when `path` is neither; *nomem is set when allocation
 * failed. Strings are borrowed from reentry, path, argv and scratch; free() the array. */
static char **mbx_rewrite(char *const *reentry, const char *path, char *const argv[],
                          char *scratch, size_t scratch_size, int *nomem)
{
    char *interp = NULL, *arg = NULL;
    *nomem = 0;
    if (!reentry || !reentry[0])
        return NULL;
    if (!mbx_is_macho(path) && !mbx_macho_shebang(path, scratch, scratch_size, &interp, &arg))
        return NULL;
    int nr = 0, na = 0;
    while (reentry[nr])
        nr++;
    while (argv && argv[na])
        na++;
    char **v = calloc((size_t)(nr + na + 8), sizeof *v);
    if (!v) {
        *nomem = 1;
        return NULL;
    }
    int k = 0;
    for (int i = 0; i < nr; i++)
        v[k++] = reentry[i];
    v[k++] = "--argv0";
    if (interp) { /* the script's interpreter runs with [interp, arg?, script, args...] */
        static __thread char host[4096];
        v[k++] = interp;
        v[k++] = "--";
        v[k++] = (char *)mbx_host_path(interp, host, sizeof host);
        if (arg)
            v[k++] = arg;
        v[k++] = (char *)path;
    } else {
        v[k++] = (char *)(argv && argv[0] ? argv[0] : path);
        v[k++] = "--";
        v[k++] = (char *)path;
    }
    for (int i = 1; i < na; i++)
        v[k++] = argv[i];
    v[k] = NULL;
    return v;
}

/* In a host program started from a guest in the prefix view (MACHBOX_ROOT=prefix), a path
 * it was handed may be the guest's: /Volumes/SystemRoot/... is the host's own, and a path
 * that exists only inside the prefix is the prefix's. Returns `path` or `buf`. */
static const char *mbx_host_path(const char *path, char *buf, size_t size)
{
    const char *root = getenv("MACHBOX_ROOT");
    if (!path || path[0] != '/' || !root || strcmp(root, "prefix") != 0)
        return path;
    if (strncmp(path, "/Volumes/SystemRoot/", 20) == 0)
        return path + 19;
    const char *prefix = getenv("MACHBOX_PREFIX");
    if (prefix && access(path, F_OK) != 0 &&
        snprintf(buf, size, "%s%s", prefix, path) < (int)size && access(buf, F_OK) == 0)
        return buf;
    return path;
}

/* MACHBOX_REENTRY parsed into a NULL-terminated argv (malloc'd, lives for the process). */
static char **mbx_reentry_from_env(void)
{
    const char *s = getenv(MBX_REENTRY_ENV);
    if (!s || !*s)
        return NULL;
    char *copy = strdup(s);
    size_t n = 2;
    for (const char *p = s; *p; p++)
        n += *p == '\n';
    char **v = calloc(n, sizeof *v);
    if (!copy || !v) {
        free(copy);
        free(v);
        return NULL;
    }
    size_t k = 0;
    for (char *tok = strtok(copy, "\n"); tok; tok = strtok(NULL, "\n"))
        v[k++] = tok;
    return v;
}

static int mbx_executable(const char *path) { return access(path, X_OK) == 0; }

/* Searches PATH (or the default path) like execvp, a candidate counting when `usable`
 * says so; returns a malloc'd path or NULL. */
static char *mbx_search_path_with(const char *file, int (*usable)(const char *))
{
    if (strchr(file, '/'))
        return strdup(file);
    const char *p = getenv("PATH");
    if (!p)
        p = "/usr/bin:/bin:/usr/sbin:/sbin";
    size_t fl = strlen(file);
    while (*p) {
        const char *e = strchr(p, ':');
        size_t dl = e ? (size_t)(e - p) : strlen(p);
        char *cand = malloc(dl + fl + 2);
        if (!cand)
            return NULL;
        memcpy(cand, p, dl);
        cand[dl] = '/';
        memcpy(cand + dl + 1, file, fl + 1);
        if (dl == 0)
            memmove(cand, cand + 1, fl + 1); /* an empty entry means the current directory */
        if (usable(cand))
            return cand;
        free(cand);
        if (!e)
            break;
        p = e + 1;
    }
    return NULL;
}

static char *mbx_search_path(const char *file)
{
    return mbx_search_path_with(file, mbx_executable);
}

#endif
