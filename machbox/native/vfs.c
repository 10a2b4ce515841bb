/* The merged view of the file system (machbox.vfs): host paths stay as they are, and the
 * macOS system directories (/System, /Library, /Applications, /Users, /Volumes, /private,
 * /cores) are served from the prefix. Every path a guest hands to the host goes through
 * mb_vfs_in (expand); paths the host hands back (getcwd, realpath, F_GETPATH) go through
 * mb_vfs_out (unexpand). Both are a length check and a handful of compares when the path
 * is not a system path, and nothing at all when no prefix is set. */
#define _GNU_SOURCE
#include "runtime.h"
#include "vfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <utime.h>

static char prefix[PATH_MAX];
static size_t prefix_len;

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
}

static int is_system_path(const char *path)
{
    const char *c = path + 1;
    size_t n = strcspn(c, "/");
    for (size_t i = 0; i < sizeof system_dirs / sizeof *system_dirs; i++)
        if (n == system_dirs[i].len && memcmp(c, system_dirs[i].name, n) == 0)
            return 1;
    return 0;
}

MB_HIDDEN const char *mb_vfs_in(const char *path, char *buf)
{
    if (!prefix_len || !path || path[0] != '/' || !is_system_path(path))
        return path;
    size_t n = strlen(path);
    if (prefix_len + n >= PATH_MAX)
        return path;
    memcpy(buf, prefix, prefix_len);
    memcpy(buf + prefix_len, path, n + 1);
    return buf;
}

MB_HIDDEN char *mb_vfs_out(char *path)
{
    if (!prefix_len || !path || strncmp(path, prefix, prefix_len) != 0)
        return path;
    char *rest = path + prefix_len;
    if (rest[0] == '/' && is_system_path(rest))
        memmove(path, rest, strlen(rest) + 1);
    return path;
}

/* ---- wrappers for path functions otherwise bound straight to the host ------------------ */

#define IN(p) char p##_buf[PATH_MAX]; p = mb_vfs_in(p, p##_buf)

MB_EXPORT int mb_vfs_unlink(const char *p) { IN(p); return unlink(p); }
MB_EXPORT int mb_vfs_rmdir(const char *p) { IN(p); return rmdir(p); }
MB_EXPORT int mb_vfs_remove(const char *p) { IN(p); return remove(p); }
MB_EXPORT int mb_vfs_mkdir(const char *p, mode_t m) { IN(p); return mkdir(p, m); }
MB_EXPORT int mb_vfs_chdir(const char *p) { IN(p); return chdir(p); }
MB_EXPORT int mb_vfs_chroot(const char *p) { IN(p); return chroot(p); }
MB_EXPORT int mb_vfs_chmod(const char *p, mode_t m) { IN(p); return chmod(p, m); }
MB_EXPORT int mb_vfs_lchmod(const char *p, mode_t m)
{
    IN(p);
    return fchmodat(AT_FDCWD, p, m, AT_SYMLINK_NOFOLLOW);
}
MB_EXPORT int mb_vfs_chown(const char *p, uid_t u, gid_t g) { IN(p); return chown(p, u, g); }
MB_EXPORT int mb_vfs_lchown(const char *p, uid_t u, gid_t g) { IN(p); return lchown(p, u, g); }
MB_EXPORT int mb_vfs_access(const char *p, int mode) { IN(p); return access(p, mode); }
MB_EXPORT int mb_vfs_truncate(const char *p, off_t n) { IN(p); return truncate(p, n); }
MB_EXPORT int mb_vfs_mkfifo(const char *p, mode_t m) { IN(p); return mkfifo(p, m); }
MB_EXPORT int mb_vfs_mknod(const char *p, mode_t m, dev_t d) { IN(p); return mknod(p, m, d); }
MB_EXPORT int mb_vfs_utimes(const char *p, const struct timeval t[2]) { IN(p); return utimes(p, t); }
MB_EXPORT int mb_vfs_lutimes(const char *p, const struct timeval t[2]) { IN(p); return lutimes(p, t); }
MB_EXPORT int mb_vfs_utime(const char *p, const struct utimbuf *t) { IN(p); return utime(p, t); }
MB_EXPORT int mb_vfs_link(const char *a, const char *b) { IN(a); IN(b); return link(a, b); }
MB_EXPORT int mb_vfs_symlink(const char *target, const char *p) { IN(p); return symlink(target, p); }
MB_EXPORT int mb_vfs_rename(const char *a, const char *b) { IN(a); IN(b); return rename(a, b); }
MB_EXPORT ssize_t mb_vfs_readlink(const char *p, char *buf, size_t n) { IN(p); return readlink(p, buf, n); }

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
