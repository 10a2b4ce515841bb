/* machbox.vfs in C: the prefix's two views of the file system.
 *
 * merged (default for `run`): host paths stay as they are, and the macOS system
 *   directories (/System, /Library, /Applications, /Users, /Volumes, /private, /cores) are
 *   served from the prefix;
 * prefix (`--root=prefix`, Darling's view): "/" is the prefix and the host's root is
 *   /Volumes/SystemRoot.
 * Every path a guest hands to the host goes through mb_vfs_in (expand); paths handed back
 * (getcwd, realpath, F_GETPATH) through mb_vfs_out (unexpand). Inside the prefix, paths are
 * resolved component by component as the kernel would, but against the prefix's root:
 * ".." stops at "/", and absolute symlinks point into the prefix, so nothing escapes it
 * except through /Volumes/SystemRoot. Lookups there are case-insensitive and
 * case-preserving (a Mac's default volume) unless MACHBOX_CASE_SENSITIVE is set. A host
 * path in the merged view costs a length check and a few compares; nothing at all runs
 * when no prefix is set.
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "darwin_abi.h"
#include "vfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <utime.h>

#define SYSROOT "/Volumes/SystemRoot"
#define SYSROOT_LEN 19
#define MAX_LINKS 40

static char prefix[PATH_MAX];
static size_t prefix_len;
static int prefix_view;
static int case_insensitive = 1;

static const struct { const char *name; size_t len; } system_dirs[] = {
    {"System", 6}, {"Library", 7}, {"Applications", 12}, {"Users", 5}, {"Volumes", 7},
    {"private", 7}, {"cores", 5},
};

MB_HIDDEN void mb_vfs_set_prefix(const char *p)
{
    prefix_len = p ? strlen(p) : 0;
    if (prefix_len >= sizeof prefix - 1)
        prefix_len = 0;
    if (prefix_len)
        memcpy(prefix, p, prefix_len + 1);
    const char *cs = getenv("MACHBOX_CASE_SENSITIVE");
    case_insensitive = !(cs && *cs && strcmp(cs, "0") != 0);
}

MB_HIDDEN void mb_vfs_set_view(int whole_prefix) { prefix_view = whole_prefix; }

static int is_system_path(const char *path)
{
    const char *c = path + 1;
    size_t n = strcspn(c, "/");
    for (size_t i = 0; i < sizeof system_dirs / sizeof *system_dirs; i++)
        if (n == system_dirs[i].len && memcmp(c, system_dirs[i].name, n) == 0)
            return 1;
    return 0;
}

/* A path under /Volumes/SystemRoot: the host path it names, or NULL. */
static const char *host_part(const char *virt)
{
    if (strncmp(virt, SYSROOT, SYSROOT_LEN) != 0)
        return NULL;
    if (virt[SYSROOT_LEN] == 0)
        return "/";
    return virt[SYSROOT_LEN] == '/' ? virt + SYSROOT_LEN : NULL;
}

/* The entry of directory `dir` named `name` ignoring case, copied into `name`. */
static int case_match(const char *dir, char *name)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    int found = 0;
    while ((e = readdir(d))) {
        if (strcasecmp(e->d_name, name) == 0) {
            strcpy(name, e->d_name);
            found = 1;
            break;
        }
    }
    closedir(d);
    return found;
}

/* Resolves virtual path `path` (absolute) inside the prefix into a host path in `out`.
 * follow: whether a symlink in the last component is followed. In the merged view an
 * absolute symlink target that is not a system path leaves the prefix for the host. */
static int resolve(const char *path, char *out, int follow)
{
    char virt[PATH_MAX] = "";  /* resolved so far, without a trailing slash */
    char rest[2 * PATH_MAX];
    size_t vlen = 0;
    int links = 0;
    if (snprintf(rest, sizeof rest, "%s", path) >= (int)sizeof rest)
        return -1;
    char *p = rest;
    for (;;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        char comp[NAME_MAX + 1];
        size_t n = strcspn(p, "/");
        if (n > NAME_MAX)
            return -1;
        memcpy(comp, p, n);
        comp[n] = 0;
        p += n;
        int last = 1;
        for (const char *q = p; *q; q++)
            if (*q != '/') {
                last = 0;
                break;
            }
        if (strcmp(comp, ".") == 0)
            continue;
        if (strcmp(comp, "..") == 0) {
            while (vlen > 0 && virt[vlen - 1] != '/')
                vlen--;
            if (vlen > 0)
                vlen--;
            virt[vlen] = 0;
            continue;
        }
        if (vlen + 1 + n >= sizeof virt)
            return -1;
        virt[vlen] = '/';
        memcpy(virt + vlen + 1, comp, n + 1);
        const char *host = host_part(virt);
        if (host) { /* the host's own tree: the kernel takes it from here */
            snprintf(out, PATH_MAX, "%s%s", host, p);
            return 0;
        }
        char real[PATH_MAX];
        snprintf(real, sizeof real, "%s%s", prefix, virt);
        struct stat st;
        int exists = lstat(real, &st) == 0;
        if (!exists && case_insensitive && errno == ENOENT) {
            char dir[PATH_MAX];
            snprintf(dir, sizeof dir, "%s%.*s", prefix, (int)vlen, virt);
            char name[NAME_MAX + 1];
            strcpy(name, comp);
            if (case_match(dir[0] ? dir : "/", name)) {
                memcpy(virt + vlen + 1, name, strlen(name) + 1);
                snprintf(real, sizeof real, "%s%s", prefix, virt);
                exists = lstat(real, &st) == 0;
            }
        }
        errno = 0;
        if (exists && S_ISLNK(st.st_mode) && (!last || follow)) {
            char target[PATH_MAX];
            ssize_t tl = readlink(real, target, sizeof target - 1);
            if (tl < 0 || ++links > MAX_LINKS)
                return -1;
            target[tl] = 0;
            char joined[2 * PATH_MAX];
            snprintf(joined, sizeof joined, "%s%s", target, p);
            if (target[0] == '/') {
                if (!prefix_view && !is_system_path(target)) { /* merged: a host path */
                    snprintf(out, PATH_MAX, "%s", joined);
                    return 0;
                }
                vlen = 0;
                virt[0] = 0;
            } else {
                virt[vlen] = 0; /* relative to the link's directory */
            }
            snprintf(rest, sizeof rest, "%s", joined);
            p = rest;
            continue;
        }
        vlen += 1 + strlen(virt + vlen + 1);
    }
    snprintf(out, PATH_MAX, "%s%s", prefix, vlen ? virt : "/");
    return 0;
}

/* The current directory as the guest sees it. */
static int virtual_cwd(char *out)
{
    if (!getcwd(out, PATH_MAX))
        return -1;
    mb_vfs_out(out);
    return 0;
}

/* In the prefix view, the host's device and process trees are the guest's too, and the
 * Unix directories (bin, usr, lib...) fall back to the host's where the prefix has no such
 * file: machbox ships no macOS userland, so /bin/sh is the host's shell. */
static int host_tree(const char *path)
{
    static const char *const always[] = {"/dev", "/proc", "/sys", "/run"};
    for (size_t i = 0; i < sizeof always / sizeof *always; i++) {
        size_t n = strlen(always[i]);
        if (strncmp(path, always[i], n) == 0 && (path[n] == 0 || path[n] == '/'))
            return 1;
    }
    return 0;
}

static int overlay_tree(const char *path)
{
    static const char *const dirs[] = {"/bin/", "/sbin/", "/usr/", "/lib/", "/lib64/"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
        if (strncmp(path, dirs[i], strlen(dirs[i])) == 0)
            return 1;
    return 0;
}

static int cached_resolve(const char *path, char *out, int follow);

static const char *expand_prefix_view(const char *path, char *buf, int follow)
{
    if (host_tree(path))
        return path;
    if (cached_resolve(path, buf, follow) != 0)
        return path;
    if (overlay_tree(path) && access(buf, F_OK) != 0) {
        errno = 0;
        return path; /* not in the prefix: the host's */
    }
    return buf;
}

/* ---- the resolution cache ----------------------------------------------------------------
 * Resolving walks the path with an lstat per component; the answer is kept per thread,
 * keyed by the guest path, until this process changes the namespace (creates, removes,
 * renames or links anything: mb_vfs_changed bumps the generation). */

#define CACHE_SLOTS 32
#define CACHE_KEY 192
struct cache_entry {
    uint64_t generation;
    int follow;
    char key[CACHE_KEY];
    char value[PATH_MAX];
};
static _Atomic uint64_t generation = 1;
static __thread struct cache_entry *cache;

MB_HIDDEN void mb_vfs_changed(void) { atomic_fetch_add(&generation, 1); }

static struct cache_entry *cache_slot(const char *path, int follow)
{
    if (!cache && !(cache = calloc(CACHE_SLOTS, sizeof *cache)))
        return NULL;
    uint32_t h = 2166136261u;
    for (const char *p = path; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    return &cache[(h ^ (uint32_t)follow) % CACHE_SLOTS];
}

static int cached_resolve(const char *path, char *out, int follow)
{
    size_t n = strlen(path);
    struct cache_entry *e = n < CACHE_KEY ? cache_slot(path, follow) : NULL;
    uint64_t gen = atomic_load(&generation);
    if (e && e->generation == gen && e->follow == follow && strcmp(e->key, path) == 0) {
        strcpy(out, e->value);
        return 0;
    }
    if (resolve(path, out, follow) != 0)
        return -1;
    if (e) {
        e->generation = gen;
        e->follow = follow;
        memcpy(e->key, path, n + 1);
        strcpy(e->value, out);
    }
    return 0;
}

static const char *expand(const char *path, char *buf, int follow)
{
    if (!prefix_len || !path || !*path)
        return path;
    if (path[0] != '/') {
        if (!prefix_view)
            return path; /* relative to a real directory: the kernel resolves it */
        char cwd[PATH_MAX], whole[2 * PATH_MAX];
        if (virtual_cwd(cwd) != 0 || host_part(cwd))
            return path; /* outside the prefix: a host directory */
        snprintf(whole, sizeof whole, "%s/%s", cwd, path);
        return resolve(whole, buf, follow) == 0 ? buf : path;
    }
    if (prefix_view)
        return expand_prefix_view(path, buf, follow);
    if (!is_system_path(path))
        return path;
    return cached_resolve(path, buf, follow) == 0 ? buf : path;
}

MB_HIDDEN const char *mb_vfs_in(const char *path, char *buf) { return expand(path, buf, 1); }
MB_HIDDEN const char *mb_vfs_in_nofollow(const char *path, char *buf)
{
    return expand(path, buf, 0);
}

MB_HIDDEN char *mb_vfs_out(char *path)
{
    if (!prefix_len || !path || path[0] != '/')
        return path;
    int inside = strncmp(path, prefix, prefix_len) == 0 &&
                 (path[prefix_len] == '/' || path[prefix_len] == 0);
    if (inside) {
        char *rest = path + prefix_len;
        if (!*rest)
            strcpy(path, "/");
        else if (prefix_view || is_system_path(rest))
            memmove(path, rest, strlen(rest) + 1);
        return path;
    }
    if (prefix_view) { /* a host path: seen through /Volumes/SystemRoot */
        size_t n = strlen(path);
        if (n + SYSROOT_LEN < PATH_MAX) {
            memmove(path + SYSROOT_LEN, path, n + 1);
            memcpy(path, SYSROOT, SYSROOT_LEN);
            if (n == 1)
                path[SYSROOT_LEN] = 0;
        }
    }
    return path;
}

/* ---- wrappers for path functions otherwise bound straight to the host ------------------ */

#define IN(p) char p##_buf[PATH_MAX]; p = mb_vfs_in(p, p##_buf)
#define IN_NOFOLLOW(p) char p##_buf[PATH_MAX]; p = mb_vfs_in_nofollow(p, p##_buf)

MB_EXPORT int mb_vfs_unlink(const char *p) { IN_NOFOLLOW(p); mb_vfs_changed(); return unlink(p); }
MB_EXPORT int mb_vfs_rmdir(const char *p) { IN_NOFOLLOW(p); mb_vfs_changed(); return rmdir(p); }
MB_EXPORT int mb_vfs_remove(const char *p) { IN_NOFOLLOW(p); mb_vfs_changed(); return remove(p); }
MB_EXPORT int mb_vfs_mkdir(const char *p, mode_t m) { IN(p); mb_vfs_changed(); return mkdir(p, m); }
MB_EXPORT int mb_vfs_chdir(const char *p) { IN(p); return chdir(p); }
MB_EXPORT int mb_vfs_chroot(const char *p) { IN(p); return chroot(p); }
MB_EXPORT int mb_vfs_chmod(const char *p, mode_t m) { IN(p); return chmod(p, m); }
MB_EXPORT int mb_vfs_lchmod(const char *p, mode_t m)
{
    IN_NOFOLLOW(p);
    return fchmodat(AT_FDCWD, p, m, AT_SYMLINK_NOFOLLOW);
}

MB_EXPORT int mb_vfs_access(const char *p, int mode) { IN(p); return access(p, mode); }
MB_EXPORT int mb_vfs_truncate(const char *p, off_t n) { IN(p); return truncate(p, n); }
MB_EXPORT int mb_vfs_mkfifo(const char *p, mode_t m) { IN(p); mb_vfs_changed(); return mkfifo(p, m); }
MB_EXPORT int mb_vfs_mknod(const char *p, mode_t m, dev_t d) { IN(p); return mknod(p, m, d); }
MB_EXPORT int mb_vfs_utimes(const char *p, const struct timeval t[2]) { IN(p); return utimes(p, t); }
MB_EXPORT int mb_vfs_lutimes(const char *p, const struct timeval t[2]) { IN_NOFOLLOW(p); return lutimes(p, t); }
MB_EXPORT int mb_vfs_utime(const char *p, const struct utimbuf *t) { IN(p); return utime(p, t); }
MB_EXPORT int mb_vfs_link(const char *a, const char *b) { IN_NOFOLLOW(a); IN_NOFOLLOW(b); mb_vfs_changed(); return link(a, b); }
MB_EXPORT int mb_vfs_symlink(const char *target, const char *p) { IN_NOFOLLOW(p); mb_vfs_changed(); return symlink(target, p); }
MB_EXPORT int mb_vfs_rename(const char *a, const char *b) { IN_NOFOLLOW(a); IN_NOFOLLOW(b); mb_vfs_changed(); return rename(a, b); }
MB_EXPORT ssize_t mb_vfs_readlink(const char *p, char *buf, size_t n) { IN_NOFOLLOW(p); return readlink(p, buf, n); }

MB_EXPORT char *mb_vfs_getcwd(char *buf, size_t size)
{
    char *r = getcwd(buf, size);
    return r ? mb_vfs_out(r) : r;
}

MB_EXPORT char *mb_vfs_realpath(const char *p, char *resolved)
{
    IN(p);
    char *r = realpath(p, resolved);
    return r ? mb_vfs_out(r) : r;
}


/* ---- fake ownership (RFC 377): chown by a user who may not, kept in an xattr ------------
 * A non-root chown that the host refuses (EPERM) records the owner the guest asked for in
 * the file's "user.machbox.owner" attribute and succeeds; stat then reports it. stat only
 * looks for the attribute once some chown has been faked in this prefix (a marker file), so
 * programs that never chown pay nothing. */

#define OWNER_XATTR "user.machbox.owner"
static int fake_owners = -1; /* unknown until first asked */

static int fake_owners_in_use(void)
{
    if (fake_owners < 0) {
        char marker[PATH_MAX];
        snprintf(marker, sizeof marker, "%s/.machbox-fake-owners", prefix);
        fake_owners = prefix_len && access(marker, F_OK) == 0;
    }
    return fake_owners;
}

static int record_owner(const char *path, int fd, int nofollow, uid_t u, gid_t g)
{
    struct stat st;
    int r = fd >= 0 ? fstat(fd, &st) : nofollow ? lstat(path, &st) : stat(path, &st);
    if (r != 0)
        return -1;
    if (u == (uid_t)-1)
        u = st.st_uid;
    if (g == (gid_t)-1)
        g = st.st_gid;
    char value[64];
    int n = snprintf(value, sizeof value, "%u:%u", (unsigned)u, (unsigned)g);
    r = fd >= 0 ? fsetxattr(fd, OWNER_XATTR, value, (size_t)n, 0)
        : nofollow ? lsetxattr(path, OWNER_XATTR, value, (size_t)n, 0)
                   : setxattr(path, OWNER_XATTR, value, (size_t)n, 0);
    if (r != 0)
        return -1;
    if (prefix_len && fake_owners != 1) {
        char marker[PATH_MAX];
        snprintf(marker, sizeof marker, "%s/.machbox-fake-owners", prefix);
        int m = open(marker, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        if (m >= 0)
            close(m);
        fake_owners = 1;
    }
    errno = 0;
    return 0;
}

/* Called by the stat bridges: the faked owner of a file, if it has one. */
MB_HIDDEN void mb_vfs_fake_owner(int dirfd, const char *path, int nofollow, uint32_t *uid,
                                 uint32_t *gid)
{
    if (fake_owners_in_use() != 1)
        return;
    char value[64];
    ssize_t n;
    int saved = errno;
    if (path && *path) {
        char buf[PATH_MAX];
        if (dirfd != AT_FDCWD && path[0] != '/') {
            char link[64], dir[PATH_MAX];
            snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
            ssize_t dl = readlink(link, dir, sizeof dir - 1);
            if (dl < 0)
                return;
            dir[dl] = 0;
            snprintf(buf, sizeof buf, "%s/%s", dir, path);
            path = buf;
        }
        n = nofollow ? lgetxattr(path, OWNER_XATTR, value, sizeof value - 1)
                     : getxattr(path, OWNER_XATTR, value, sizeof value - 1);
    } else {
        n = fgetxattr(dirfd, OWNER_XATTR, value, sizeof value - 1);
    }
    errno = saved;
    if (n <= 0)
        return;
    value[n] = 0;
    unsigned u, g;
    if (sscanf(value, "%u:%u", &u, &g) == 2) {
        *uid = u;
        *gid = g;
    }
}

static int chown_or_fake(int r, const char *path, int fd, int nofollow, uid_t u, gid_t g)
{
    if (r == 0 || errno != EPERM || getuid() == 0)
        return r;
    return record_owner(path, fd, nofollow, u, g);
}

MB_EXPORT int mb_vfs_chown(const char *p, uid_t u, gid_t g)
{
    IN(p);
    return chown_or_fake(chown(p, u, g), p, -1, 0, u, g);
}

MB_EXPORT int mb_vfs_lchown(const char *p, uid_t u, gid_t g)
{
    IN_NOFOLLOW(p);
    return chown_or_fake(lchown(p, u, g), p, -1, 1, u, g);
}

MB_EXPORT int mb_vfs_fchown(int fd, uid_t u, gid_t g)
{
    return chown_or_fake(fchown(fd, u, g), NULL, fd, 0, u, g);
}

/* ---- extended attributes: Darwin's API (position, options), names in "user." ---------- */

#define DARWIN_XATTR_NOFOLLOW 0x0001
#define DARWIN_XATTR_CREATE 0x0002
#define DARWIN_XATTR_REPLACE 0x0004

static int xattr_name(const char *name, char *out, size_t size)
{
    if (snprintf(out, size, "user.%s", name) >= (int)size) {
        errno = ERANGE;
        return -1;
    }
    return 0;
}

static ssize_t xattr_result(ssize_t r)
{
    if (r < 0 && errno == ENODATA) { /* Darwin says ENOATTR */
        mb_set_darwin_errno(DARWIN_ENOATTR);
        return -1;
    }
    return r;
}

static int xattr_flags(int options)
{
    return (options & DARWIN_XATTR_CREATE ? XATTR_CREATE : 0) |
           (options & DARWIN_XATTR_REPLACE ? XATTR_REPLACE : 0);
}

MB_EXPORT ssize_t mb_getxattr(const char *path, const char *name, void *value, size_t size,
                              uint32_t position, int options)
{
    (void)position;
    char n[XATTR_NAME_MAX + 8];
    if (xattr_name(name, n, sizeof n) < 0)
        return -1;
    if (options & DARWIN_XATTR_NOFOLLOW) {
        IN_NOFOLLOW(path);
        return xattr_result(lgetxattr(path, n, value, size));
    }
    IN(path);
    return xattr_result(getxattr(path, n, value, size));
}

MB_EXPORT ssize_t mb_fgetxattr(int fd, const char *name, void *value, size_t size,
                               uint32_t position, int options)
{
    (void)position, (void)options;
    char n[XATTR_NAME_MAX + 8];
    if (xattr_name(name, n, sizeof n) < 0)
        return -1;
    return xattr_result(fgetxattr(fd, n, value, size));
}

MB_EXPORT int mb_setxattr(const char *path, const char *name, const void *value, size_t size,
                          uint32_t position, int options)
{
    (void)position;
    char n[XATTR_NAME_MAX + 8];
    if (xattr_name(name, n, sizeof n) < 0)
        return -1;
    if (options & DARWIN_XATTR_NOFOLLOW) {
        IN_NOFOLLOW(path);
        return (int)xattr_result(lsetxattr(path, n, value, size, xattr_flags(options)));
    }
    IN(path);
    return (int)xattr_result(setxattr(path, n, value, size, xattr_flags(options)));
}

MB_EXPORT int mb_fsetxattr(int fd, const char *name, const void *value, size_t size,
                           uint32_t position, int options)
{
    (void)position;
    char n[XATTR_NAME_MAX + 8];
    if (xattr_name(name, n, sizeof n) < 0)
        return -1;
    return (int)xattr_result(fsetxattr(fd, n, value, size, xattr_flags(options)));
}

MB_EXPORT int mb_removexattr(const char *path, const char *name, int options)
{
    char n[XATTR_NAME_MAX + 8];
    if (xattr_name(name, n, sizeof n) < 0)
        return -1;
    if (options & DARWIN_XATTR_NOFOLLOW) {
        IN_NOFOLLOW(path);
        return (int)xattr_result(lremovexattr(path, n));
    }
    IN(path);
    return (int)xattr_result(removexattr(path, n));
}

MB_EXPORT int mb_fremovexattr(int fd, const char *name, int options)
{
    (void)options;
    char n[XATTR_NAME_MAX + 8];
    if (xattr_name(name, n, sizeof n) < 0)
        return -1;
    return (int)xattr_result(fremovexattr(fd, n));
}

/* Only the "user." names, without the prefix, and never machbox's own. */
static ssize_t list_user_names(ssize_t r, char *list, size_t size)
{
    if (r <= 0 || !list || !size)
        return r < 0 ? r : r; /* a size query over-reports slightly; callers allocate that */
    char *out = list;
    for (char *p = list; p < list + r; p += strlen(p) + 1) {
        if (strncmp(p, "user.", 5) != 0 || strcmp(p, OWNER_XATTR) == 0)
            continue;
        size_t n = strlen(p + 5) + 1;
        memmove(out, p + 5, n);
        out += n;
    }
    return out - list;
}

MB_EXPORT ssize_t mb_listxattr(const char *path, char *list, size_t size, int options)
{
    if (options & DARWIN_XATTR_NOFOLLOW) {
        IN_NOFOLLOW(path);
        return list_user_names(llistxattr(path, list, size), list, size);
    }
    IN(path);
    return list_user_names(listxattr(path, list, size), list, size);
}

MB_EXPORT ssize_t mb_flistxattr(int fd, char *list, size_t size, int options)
{
    (void)options;
    return list_user_names(flistxattr(fd, list, size), list, size);
}

/* ---- per-thread working directories (pthread_chdir_np) -------------------------------- */

static __thread int thread_has_own_fs;
static int process_cwd_fd = -1;

static int own_cwd(void)
{
    if (thread_has_own_fs)
        return 0;
    if (process_cwd_fd < 0)
        process_cwd_fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (unshare(CLONE_FS) != 0)
        return -1;
    thread_has_own_fs = 1;
    return 0;
}

MB_EXPORT int mb_pthread_chdir_np(const char *path)
{
    IN(path);
    if (own_cwd() != 0)
        return -1;
    return chdir(path);
}

/* fd -1: back to the process's directory (as it was when the thread first left it). */
MB_EXPORT int mb_pthread_fchdir_np(int fd)
{
    if (fd == -1)
        return thread_has_own_fs && process_cwd_fd >= 0 ? fchdir(process_cwd_fd) : 0;
    if (own_cwd() != 0)
        return -1;
    return fchdir(fd);
}
