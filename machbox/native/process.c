/* Processes: spawning and exec (a Mach-O child re-enters machbox, anything else runs
 * natively), resource limits, sysconf/pathconf names, uname and the passwd database. */
#define _GNU_SOURCE
#include "runtime.h"
#include "translate.h"
#include "execrewrite.h"
#include "vfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

extern char **environ;
typedef uint32_t darwin_sigset_t;

/* ---- re-entering machbox for Mach-O children ----------------------------------------- */

static char **reentry; /* e.g. {"/usr/bin/python3", "-m", "machbox", "run", NULL} */

MB_HIDDEN void mb_set_reentry(char **argv, int n)
{
    (void)n;
    reentry = argv;
}

/* PATH search for the guest: candidates are guest paths, checked through the vfs.
 * Returns a malloc'd guest path or NULL. */
static int guest_executable(const char *path)
{
    char buf[4096];
    int ok = access(mb_vfs_in(path, buf), X_OK) == 0;
    errno = 0;
    return ok;
}

static char *guest_search_path(const char *file)
{
    return mbx_search_path_with(file, guest_executable);
}

/* ---- exec --------------------------------------------------------------------------- */

MB_EXPORT int mb_execve(const char *path, char *const argv[], char *const envp[])
{
    VFS_IN(path);
    char scratch[MBX_SHEBANG_MAX];
    int nomem;
    char **v = mbx_rewrite(reentry, path, argv, scratch, sizeof scratch, &nomem);
    if (nomem)
        return (int)mb_fail(DARWIN_ENOMEM);
    if (v) {
        execve(v[0], v, envp);
        free(v);
        return -1;
    }
    return execve(path, argv, envp);
}

MB_EXPORT int mb_execv(const char *path, char *const argv[])
{
    return mb_execve(path, argv, environ);
}

MB_EXPORT int mb_execvp(const char *file, char *const argv[])
{
    char *path = guest_search_path(file);
    if (!path)
        return (int)mb_fail(DARWIN_ENOENT);
    int r = mb_execve(path, argv, environ);
    free(path);
    return r;
}

MB_EXPORT int mb_execvP(const char *file, const char *search, char *const argv[])
{
    (void)search;
    return mb_execvp(file, argv);
}

static char **collect_args(const char *arg0, va_list ap, char ***envp_out)
{
    size_t cap = 16, n = 0;
    char **v = malloc(cap * sizeof *v);
    if (!v)
        return NULL;
    v[n++] = (char *)arg0;
    for (;;) {
        char *a = arg0 ? va_arg(ap, char *) : NULL;
        if (n == cap) {
            char **nv = realloc(v, (cap *= 2) * sizeof *v);
            if (!nv) {
                free(v);
                return NULL;
            }
            v = nv;
        }
        v[n++] = a;
        if (!a)
            break;
    }
    if (envp_out)
        *envp_out = va_arg(ap, char **);
    return v;
}

MB_EXPORT int mb_execl(const char *path, const char *arg0, ...)
{
    va_list ap;
    va_start(ap, arg0);
    char **v = collect_args(arg0, ap, NULL);
    va_end(ap);
    int r = v ? mb_execve(path, v, environ) : (int)mb_fail(DARWIN_ENOMEM);
    free(v);
    return r;
}

MB_EXPORT int mb_execle(const char *path, const char *arg0, ...)
{
    va_list ap;
    char **envp;
    va_start(ap, arg0);
    char **v = collect_args(arg0, ap, &envp);
    va_end(ap);
    int r = v ? mb_execve(path, v, envp) : (int)mb_fail(DARWIN_ENOMEM);
    free(v);
    return r;
}

MB_EXPORT int mb_execlp(const char *file, const char *arg0, ...)
{
    va_list ap;
    va_start(ap, arg0);
    char **v = collect_args(arg0, ap, NULL);
    va_end(ap);
    int r = v ? mb_execvp(file, v) : (int)mb_fail(DARWIN_ENOMEM);
    free(v);
    return r;
}

/* ---- posix_spawn: Darwin's attribute and action objects are pointers to opaque data ---- */

struct mb_spawnattr {
    short flags;
    pid_t pgroup;
    darwin_sigset_t sigdefault, sigmask;
};

enum { ACT_OPEN, ACT_CLOSE, ACT_DUP2, ACT_INHERIT, ACT_CHDIR, ACT_FCHDIR };

struct mb_action {
    int kind, fd, newfd, oflag;
    mode_t mode;
    char *path;
};

struct mb_file_actions {
    size_t n, cap;
    struct mb_action *a;
};

MB_EXPORT int mb_posix_spawnattr_init(struct mb_spawnattr **attr)
{
    *attr = calloc(1, sizeof **attr);
    return *attr ? 0 : DARWIN_ENOMEM;
}

MB_EXPORT int mb_posix_spawnattr_destroy(struct mb_spawnattr **attr)
{
    free(*attr);
    *attr = NULL;
    return 0;
}

MB_EXPORT int mb_posix_spawnattr_setflags(struct mb_spawnattr **a, short f) { (*a)->flags = f; return 0; }
MB_EXPORT int mb_posix_spawnattr_getflags(struct mb_spawnattr **a, short *f) { *f = (*a)->flags; return 0; }
MB_EXPORT int mb_posix_spawnattr_setpgroup(struct mb_spawnattr **a, pid_t g) { (*a)->pgroup = g; return 0; }
MB_EXPORT int mb_posix_spawnattr_getpgroup(struct mb_spawnattr **a, pid_t *g) { *g = (*a)->pgroup; return 0; }
MB_EXPORT int mb_posix_spawnattr_setsigmask(struct mb_spawnattr **a, const darwin_sigset_t *s) { (*a)->sigmask = *s; return 0; }
MB_EXPORT int mb_posix_spawnattr_getsigmask(struct mb_spawnattr **a, darwin_sigset_t *s) { *s = (*a)->sigmask; return 0; }
MB_EXPORT int mb_posix_spawnattr_setsigdefault(struct mb_spawnattr **a, const darwin_sigset_t *s) { (*a)->sigdefault = *s; return 0; }
MB_EXPORT int mb_posix_spawnattr_getsigdefault(struct mb_spawnattr **a, darwin_sigset_t *s) { *s = (*a)->sigdefault; return 0; }
/* Apple-only knobs (CPU preference, QoS...) have no effect here; accepting them is right. */
MB_EXPORT int mb_posix_spawnattr_ignored(void) { return 0; }

MB_EXPORT int mb_posix_spawn_file_actions_init(struct mb_file_actions **fa)
{
    *fa = calloc(1, sizeof **fa);
    return *fa ? 0 : DARWIN_ENOMEM;
}

MB_EXPORT int mb_posix_spawn_file_actions_destroy(struct mb_file_actions **fa)
{
    if (*fa) {
        for (size_t i = 0; i < (*fa)->n; i++)
            free((*fa)->a[i].path);
        free((*fa)->a);
        free(*fa);
    }
    *fa = NULL;
    return 0;
}

static int add_action(struct mb_file_actions **fa, struct mb_action act)
{
    struct mb_file_actions *f = *fa;
    if (act.fd < 0 || (act.kind == ACT_DUP2 && act.newfd < 0))
        return DARWIN_EBADF;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 8;
        struct mb_action *a = realloc(f->a, cap * sizeof *a);
        if (!a)
            return DARWIN_ENOMEM;
        f->a = a;
        f->cap = cap;
    }
    f->a[f->n++] = act;
    return 0;
}

MB_EXPORT int mb_posix_spawn_file_actions_addopen(struct mb_file_actions **fa, int fd,
                                                  const char *path, int oflag, mode_t mode)
{
    char *p = strdup(path);
    if (!p)
        return DARWIN_ENOMEM;
    return add_action(fa, (struct mb_action){ACT_OPEN, fd, 0, oflag, mode, p});
}

MB_EXPORT int mb_posix_spawn_file_actions_addclose(struct mb_file_actions **fa, int fd)
{
    return add_action(fa, (struct mb_action){ACT_CLOSE, fd, 0, 0, 0, NULL});
}

MB_EXPORT int mb_posix_spawn_file_actions_adddup2(struct mb_file_actions **fa, int fd, int nfd)
{
    return add_action(fa, (struct mb_action){ACT_DUP2, fd, nfd, 0, 0, NULL});
}

MB_EXPORT int mb_posix_spawn_file_actions_addinherit_np(struct mb_file_actions **fa, int fd)
{
    return add_action(fa, (struct mb_action){ACT_INHERIT, fd, 0, 0, 0, NULL});
}

MB_EXPORT int mb_posix_spawn_file_actions_addchdir_np(struct mb_file_actions **fa, const char *p)
{
    char *c = strdup(p);
    if (!c)
        return DARWIN_ENOMEM;
    return add_action(fa, (struct mb_action){ACT_CHDIR, 0, 0, 0, 0, c});
}

MB_EXPORT int mb_posix_spawn_file_actions_addfchdir_np(struct mb_file_actions **fa, int fd)
{
    return add_action(fa, (struct mb_action){ACT_FCHDIR, fd, 0, 0, 0, NULL});
}

static void sigset_darwin_to_linux(darwin_sigset_t d, sigset_t *l)
{
    sigemptyset(l);
    for (int s = 1; s < 32; s++)
        if (d & (1u << (s - 1))) {
            int ls = mb_signal_to_linux(s);
            if (ls > 0)
                sigaddset(l, ls);
        }
}

static int open_flags(int darwin)
{
    return (int)mb_bits_to_linux(mb_open_flags, MB_OPEN_FLAGS_COUNT, (uint64_t)darwin, NULL) |
           (darwin & 3);
}

/* Builds the host attribute and action objects; POSIX_SPAWN_CLOEXEC_DEFAULT becomes closes,
 * appended after every action, of each open descriptor no action names as its result. */
static int build_host(const struct mb_spawnattr *da, const struct mb_file_actions *dfa,
                      posix_spawnattr_t *la, posix_spawn_file_actions_t *lfa)
{
    posix_spawnattr_init(la);
    posix_spawn_file_actions_init(lfa);
    short lflags = 0;
    if (da) {
        short f = da->flags;
        if (f & DARWIN_POSIX_SPAWN_RESETIDS) lflags |= POSIX_SPAWN_RESETIDS;
        if (f & DARWIN_POSIX_SPAWN_SETPGROUP) lflags |= POSIX_SPAWN_SETPGROUP;
        if (f & DARWIN_POSIX_SPAWN_SETSIGDEF) lflags |= POSIX_SPAWN_SETSIGDEF;
        if (f & DARWIN_POSIX_SPAWN_SETSIGMASK) lflags |= POSIX_SPAWN_SETSIGMASK;
        if (f & DARWIN_POSIX_SPAWN_SETSID) lflags |= POSIX_SPAWN_SETSID;
        posix_spawnattr_setpgroup(la, da->pgroup);
        sigset_t s;
        sigset_darwin_to_linux(da->sigdefault, &s);
        posix_spawnattr_setsigdefault(la, &s);
        sigset_darwin_to_linux(da->sigmask, &s);
        posix_spawnattr_setsigmask(la, &s);
    }
    posix_spawnattr_setflags(la, lflags);
    unsigned char keep[1024] = {0};
    keep[0] = keep[1] = keep[2] = 0;
    for (size_t i = 0; dfa && i < dfa->n; i++) {
        const struct mb_action *a = &dfa->a[i];
        int r = 0;
        switch (a->kind) {
        case ACT_OPEN:
            r = posix_spawn_file_actions_addopen(lfa, a->fd, a->path, open_flags(a->oflag), a->mode);
            if (a->fd < 1024) keep[a->fd] = 1;
            break;
        case ACT_CLOSE:
            r = posix_spawn_file_actions_addclose(lfa, a->fd);
            break;
        case ACT_DUP2:
            r = posix_spawn_file_actions_adddup2(lfa, a->fd, a->newfd);
            if (a->newfd < 1024) keep[a->newfd] = 1;
            break;
        case ACT_INHERIT:
            if (a->fd < 1024) keep[a->fd] = 1;
            break;
        case ACT_CHDIR:
            r = posix_spawn_file_actions_addchdir_np(lfa, a->path);
            break;
        case ACT_FCHDIR:
            r = posix_spawn_file_actions_addfchdir_np(lfa, a->fd);
            break;
        }
        if (r)
            return r;
    }
    if (da && (da->flags & DARWIN_POSIX_SPAWN_CLOEXEC_DEFAULT)) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *e;
        int self = d ? dirfd(d) : -1;
        while (d && (e = readdir(d))) {
            int fd = atoi(e->d_name);
            if (e->d_name[0] == '.' || fd == self || (fd < 1024 && keep[fd]))
                continue;
            if (fcntl(fd, F_GETFD) & FD_CLOEXEC)
                continue;
            posix_spawn_file_actions_addclose(lfa, fd);
        }
        if (d)
            closedir(d);
    }
    return 0;
}

static int spawn_path(pid_t *pid, const char *path, struct mb_file_actions **fa,
                      struct mb_spawnattr **attr, char *const argv[], char *const envp[])
{
    VFS_IN(path);
    posix_spawnattr_t la;
    posix_spawn_file_actions_t lfa;
    int r = build_host(attr ? *attr : NULL, fa ? *fa : NULL, &la, &lfa);
    if (r == 0) {
        char scratch[MBX_SHEBANG_MAX];
        int nomem;
        char **v = mbx_rewrite(reentry, path, argv, scratch, sizeof scratch, &nomem);
        if (nomem)
            r = ENOMEM;
        else if (v)
            r = posix_spawn(pid, v[0], &lfa, &la, v, envp ? envp : environ);
        else
            r = posix_spawn(pid, path, &lfa, &la, argv, envp ? envp : environ);
        free(v);
    }
    posix_spawnattr_destroy(&la);
    posix_spawn_file_actions_destroy(&lfa);
    return r ? mb_errno_to_darwin(r) : 0;
}

MB_EXPORT int mb_posix_spawn(pid_t *pid, const char *path, struct mb_file_actions **fa,
                             struct mb_spawnattr **attr, char *const argv[], char *const envp[])
{
    return spawn_path(pid, path, fa, attr, argv, envp);
}

MB_EXPORT int mb_posix_spawnp(pid_t *pid, const char *file, struct mb_file_actions **fa,
                              struct mb_spawnattr **attr, char *const argv[], char *const envp[])
{
    char *path = guest_search_path(file);
    if (!path)
        return DARWIN_ENOENT;
    int r = spawn_path(pid, path, fa, attr, argv, envp);
    free(path);
    return r;
}

/* ---- resource limits ---------------------------------------------------------------- */

#define DARWIN_RLIM_INFINITY (((uint64_t)1 << 63) - 1)

static int rlimit_resource(int d)
{
    return d >= 0 && d <= MB_RLIMIT_DARWIN_MAX ? mb_rlimit_darwin_to_linux[d] : -1;
}

static uint64_t lim_to_darwin(rlim_t v) { return v == RLIM_INFINITY ? DARWIN_RLIM_INFINITY : v; }
static rlim_t lim_to_linux(uint64_t v) { return v >= DARWIN_RLIM_INFINITY ? RLIM_INFINITY : v; }

MB_EXPORT int mb_getrlimit(int res, struct rlimit *out)
{
    int r = rlimit_resource(res);
    if (r < 0)
        return (int)mb_fail(DARWIN_EINVAL);
    struct rlimit l;
    if (getrlimit(r, &l) != 0)
        return -1;
    out->rlim_cur = lim_to_darwin(l.rlim_cur);
    out->rlim_max = lim_to_darwin(l.rlim_max);
    return 0;
}

MB_EXPORT int mb_setrlimit(int res, const struct rlimit *in)
{
    int r = rlimit_resource(res);
    if (r < 0)
        return (int)mb_fail(DARWIN_EINVAL);
    struct rlimit l = {lim_to_linux(in->rlim_cur), lim_to_linux(in->rlim_max)};
    return setrlimit(r, &l);
}

/* ---- sysconf / pathconf ------------------------------------------------------------- */

MB_EXPORT long mb_sysconf(int name)
{
    if (name == DARWIN__SC_OPEN_MAX) {
        struct rlimit l;
        if (getrlimit(RLIMIT_NOFILE, &l) == 0)
            return l.rlim_cur == RLIM_INFINITY ? -1 : (long)l.rlim_cur;
    }
    int l = name >= 0 && name <= MB_SYSCONF_DARWIN_MAX ? mb_sysconf_darwin_to_linux[name] : -1;
    if (l < 0)
        return mb_fail(DARWIN_EINVAL);
    return sysconf(l);
}

static int pathconf_name(int name)
{
    return name >= 0 && name <= MB_PATHCONF_DARWIN_MAX ? mb_pathconf_darwin_to_linux[name] : -1;
}

MB_EXPORT long mb_pathconf(const char *path, int name)
{
    int l = pathconf_name(name);
    return l < 0 ? mb_fail(DARWIN_EINVAL) : pathconf(path, l);
}

MB_EXPORT long mb_fpathconf(int fd, int name)
{
    int l = pathconf_name(name);
    return l < 0 ? mb_fail(DARWIN_EINVAL) : fpathconf(fd, l);
}

/* ---- uname ---------------------------------------------------------------------------- */

/* The Darwin kernel a current macOS reports; the prefix's SystemVersion can refine it. */
MB_HIDDEN const char *mb_darwin_release = "24.6.0";
MB_HIDDEN const char *mb_darwin_version =
    "Darwin Kernel Version 24.6.0: Mon Jul 14 11:30:29 PDT 2025; "
    "root:xnu-11417.140.69~1/RELEASE_X86_64";

MB_EXPORT int mb_uname(struct darwin_utsname *u)
{
    struct utsname l;
    if (uname(&l) != 0)
        return -1;
    memset(u, 0, sizeof *u);
    snprintf(u->sysname, sizeof u->sysname, "Darwin");
    snprintf(u->nodename, sizeof u->nodename, "%s", l.nodename);
    snprintf(u->release, sizeof u->release, "%s", mb_darwin_release);
    snprintf(u->version, sizeof u->version, "%s", mb_darwin_version);
    snprintf(u->machine, sizeof u->machine, "x86_64");
    return 0;
}

/* ---- passwd: Darwin's struct has pw_change, pw_class and pw_expire ------------------------ */

static int fill_passwd(const struct passwd *p, struct darwin_passwd *d, char *buf, size_t len)
{
    const char *src[] = {p->pw_name, p->pw_passwd, "", p->pw_gecos, p->pw_dir, p->pw_shell};
    char **dst[] = {&d->pw_name, &d->pw_passwd, &d->pw_class, &d->pw_gecos, &d->pw_dir,
                    &d->pw_shell};
    size_t used = 0;
    for (int i = 0; i < 6; i++) {
        const char *s = src[i] ? src[i] : "";
        size_t n = strlen(s) + 1;
        if (used + n > len)
            return DARWIN_ERANGE;
        memcpy(buf + used, s, n);
        *dst[i] = buf + used;
        used += n;
    }
    d->pw_uid = p->pw_uid;
    d->pw_gid = p->pw_gid;
    d->pw_change = 0;
    d->pw_expire = 0;
    return 0;
}

typedef int (*host_getpw_r)(const void *key, struct passwd *, char *, size_t, struct passwd **);

static int getpw_r(int by_uid, uid_t uid, const char *name, struct darwin_passwd *d, char *buf,
                   size_t len, struct darwin_passwd **res)
{
    struct passwd p, *lp = NULL;
    char tmp[4096];
    int r = by_uid ? getpwuid_r(uid, &p, tmp, sizeof tmp, &lp)
                   : getpwnam_r(name, &p, tmp, sizeof tmp, &lp);
    *res = NULL;
    if (r != 0)
        return mb_errno_to_darwin(r);
    if (!lp)
        return 0;
    r = fill_passwd(lp, d, buf, len);
    if (r == 0)
        *res = d;
    return r;
}

MB_EXPORT int mb_getpwuid_r(uid_t uid, struct darwin_passwd *d, char *buf, size_t len,
                            struct darwin_passwd **res)
{
    return getpw_r(1, uid, NULL, d, buf, len, res);
}

MB_EXPORT int mb_getpwnam_r(const char *name, struct darwin_passwd *d, char *buf, size_t len,
                            struct darwin_passwd **res)
{
    return getpw_r(0, 0, name, d, buf, len, res);
}

static __thread struct darwin_passwd pw_static;
static __thread char pw_buf[4096];

static struct darwin_passwd *static_pw(const struct passwd *p)
{
    if (!p || fill_passwd(p, &pw_static, pw_buf, sizeof pw_buf) != 0)
        return NULL;
    return &pw_static;
}

MB_EXPORT struct darwin_passwd *mb_getpwuid(uid_t uid) { return static_pw(getpwuid(uid)); }
MB_EXPORT struct darwin_passwd *mb_getpwnam(const char *name) { return static_pw(getpwnam(name)); }
MB_EXPORT struct darwin_passwd *mb_getpwent(void) { return static_pw(getpwent()); }


/* ---- `sudo`: machbox's is Darling's fake one -------------------------------------------
 * Under MACHBOX_FAKE_ROOT (set by `machbox tool sudo`), the process's user and group ids
 * read as 0; what root could change and this user cannot (chown) is faked by the vfs. */
static int fake_root = -1;

static int faking_root(void)
{
    if (fake_root < 0) {
        const char *v = getenv("MACHBOX_FAKE_ROOT");
        fake_root = v && *v && strcmp(v, "0") != 0;
    }
    return fake_root;
}

MB_EXPORT uid_t mb_getuid(void) { return faking_root() ? 0 : getuid(); }
MB_EXPORT uid_t mb_geteuid(void) { return faking_root() ? 0 : geteuid(); }
MB_EXPORT gid_t mb_getgid(void) { return faking_root() ? 0 : getgid(); }
MB_EXPORT gid_t mb_getegid(void) { return faking_root() ? 0 : getegid(); }

/* ---- ptrace with Darwin's requests ------------------------------------------------------
 * The requests a Darwin debugger or anti-debugging check makes, on Linux's ptrace. A Mac's
 * PT_DENY_ATTACH stops debuggers from attaching; here it succeeds and changes nothing, so a
 * developer can still debug the program under machbox (issue 10). The Mach-exception
 * variants (PT_ATTACHEXC, PT_SIGEXC) attach and stop as the BSD ones do. */

#include <sys/ptrace.h>

static long ptrace_resume(int linux_request, pid_t pid, void *addr, int data)
{
    /* addr 1 means "where it stopped"; any other address is not supported here */
    if (addr != (void *)1)
        return mb_fail(DARWIN_ENOTSUP);
    return ptrace(linux_request, pid, NULL, (void *)(long)mb_signal_to_linux(data));
}

MB_EXPORT int mb_ptrace(int request, pid_t pid, void *addr, int data)
{
    long word;
    switch (request) {
    case DARWIN_PT_TRACE_ME:
        return (int)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
    case DARWIN_PT_DENY_ATTACH:
    case DARWIN_PT_SIGEXC:
        return 0;
    case DARWIN_PT_ATTACH:
    case DARWIN_PT_ATTACHEXC:
        return (int)ptrace(PTRACE_ATTACH, pid, NULL, NULL);
    case DARWIN_PT_DETACH:
        return (int)ptrace(PTRACE_DETACH, pid, NULL, (void *)(long)mb_signal_to_linux(data));
    case DARWIN_PT_CONTINUE:
        return (int)ptrace_resume(PTRACE_CONT, pid, addr, data);
    case DARWIN_PT_STEP:
        return (int)ptrace_resume(PTRACE_SINGLESTEP, pid, addr, data);
    case DARWIN_PT_KILL:
        return (int)ptrace(PTRACE_KILL, pid, NULL, NULL);
    case DARWIN_PT_READ_I:
    case DARWIN_PT_READ_D:
        /* Darwin reads an int; errno tells a -1 word from a failure, as there */
        errno = 0;
        word = ptrace(PTRACE_PEEKDATA, pid, addr, NULL);
        return (int)word;
    case DARWIN_PT_WRITE_I:
    case DARWIN_PT_WRITE_D:
        errno = 0;
        word = ptrace(PTRACE_PEEKDATA, pid, addr, NULL);
        if (errno)
            return -1;
        word = (word & ~0xffffffffL) | (uint32_t)data;
        return (int)ptrace(PTRACE_POKEDATA, pid, addr, (void *)word);
    default:
        return (int)mb_fail(DARWIN_EINVAL);
    }
}
