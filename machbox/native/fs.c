/* Files and directories: the calls whose flags, constants or structures differ.
 *
 * stat results are converted to Darwin's layouts (statx supplies the birth time Darwin
 * reports); open/fcntl/mmap flags, AT_FDCWD, lseek's whence and utimensat's special times are
 * translated through the tables; directories are read as Darwin dirent records.
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "translate.h"
#include "vfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>

MB_HIDDEN int mb_kqueue_duplicated(int oldfd, int newfd);

/* ---- stat ------------------------------------------------------------------------------ */

static int32_t darwin_dev(uint32_t major, uint32_t minor)
{
    return (int32_t)((major << 24) | (minor & 0xffffff));
}

static uint16_t clamp16(uint64_t v) { return v > 0xffff ? 0xffff : (uint16_t)v; }

#define FILL_TIMES(d, x)                                                                   \
    do {                                                                                   \
        (d)->st_atimespec.tv_sec = (x)->stx_atime.tv_sec;                                  \
        (d)->st_atimespec.tv_nsec = (x)->stx_atime.tv_nsec;                                \
        (d)->st_mtimespec.tv_sec = (x)->stx_mtime.tv_sec;                                  \
        (d)->st_mtimespec.tv_nsec = (x)->stx_mtime.tv_nsec;                                \
        (d)->st_ctimespec.tv_sec = (x)->stx_ctime.tv_sec;                                  \
        (d)->st_ctimespec.tv_nsec = (x)->stx_ctime.tv_nsec;                                \
    } while (0)

static void to_darwin_stat(const struct statx *x, struct darwin_stat *d)
{
    memset(d, 0, sizeof *d);
    d->st_dev = darwin_dev(x->stx_dev_major, x->stx_dev_minor);
    d->st_mode = (uint16_t)x->stx_mode;
    d->st_nlink = clamp16(x->stx_nlink);
    d->st_ino = x->stx_ino;
    d->st_uid = x->stx_uid;
    d->st_gid = x->stx_gid;
    d->st_rdev = darwin_dev(x->stx_rdev_major, x->stx_rdev_minor);
    FILL_TIMES(d, x);
    /* no birth time on this file system: Darwin reports the change time's era instead */
    const struct statx_timestamp *b = (x->stx_mask & STATX_BTIME) ? &x->stx_btime : &x->stx_ctime;
    d->st_birthtimespec.tv_sec = b->tv_sec;
    d->st_birthtimespec.tv_nsec = b->tv_nsec;
    d->st_size = (int64_t)x->stx_size;
    d->st_blocks = (int64_t)x->stx_blocks;
    d->st_blksize = (int32_t)x->stx_blksize;
}

static void to_darwin_stat_legacy(const struct statx *x, struct darwin_stat_legacy *d)
{
    memset(d, 0, sizeof *d);
    d->st_dev = darwin_dev(x->stx_dev_major, x->stx_dev_minor);
    d->st_ino = (uint32_t)x->stx_ino;
    d->st_mode = (uint16_t)x->stx_mode;
    d->st_nlink = clamp16(x->stx_nlink);
    d->st_uid = x->stx_uid;
    d->st_gid = x->stx_gid;
    d->st_rdev = darwin_dev(x->stx_rdev_major, x->stx_rdev_minor);
    FILL_TIMES(d, x);
    d->st_size = (int64_t)x->stx_size;
    d->st_blocks = (int64_t)x->stx_blocks;
    d->st_blksize = (int32_t)x->stx_blksize;
}

static int do_statx(int dirfd, const char *path, int flags, struct statx *x)
{
    int r = statx(dirfd, path, flags, STATX_BASIC_STATS | STATX_BTIME, x);
    if (r == 0)
        mb_vfs_fake_owner(dirfd, path, flags & AT_SYMLINK_NOFOLLOW, &x->stx_uid, &x->stx_gid);
    return r;
}

static int at_flags_to_linux(int darwin)
{
    return (int)mb_bits_to_linux(mb_at_flags, MB_AT_FLAGS_COUNT, (uint64_t)darwin, NULL);
}

MB_EXPORT int mb_stat64(const char *path, struct darwin_stat *d)
{
    VFS_IN(path);
    struct statx x;
    if (do_statx(AT_FDCWD, path, 0, &x) != 0)
        return -1;
    to_darwin_stat(&x, d);
    return 0;
}

MB_EXPORT int mb_lstat64(const char *path, struct darwin_stat *d)
{
    VFS_IN_NOFOLLOW(path);
    struct statx x;
    if (do_statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, &x) != 0)
        return -1;
    to_darwin_stat(&x, d);
    return 0;
}

MB_EXPORT int mb_fstat64(int fd, struct darwin_stat *d)
{
    struct statx x;
    if (do_statx(fd, "", AT_EMPTY_PATH, &x) != 0)
        return -1;
    to_darwin_stat(&x, d);
    return 0;
}

MB_EXPORT int mb_fstatat64(int dirfd, const char *path, struct darwin_stat *d, int flags)
{
    VFS_IN(path);
    struct statx x;
    if (do_statx(mb_at_fd(dirfd), path, at_flags_to_linux(flags), &x) != 0)
        return -1;
    to_darwin_stat(&x, d);
    return 0;
}

MB_EXPORT int mb_stat_legacy(const char *path, struct darwin_stat_legacy *d)
{
    VFS_IN(path);
    struct statx x;
    if (do_statx(AT_FDCWD, path, 0, &x) != 0)
        return -1;
    to_darwin_stat_legacy(&x, d);
    return 0;
}

MB_EXPORT int mb_lstat_legacy(const char *path, struct darwin_stat_legacy *d)
{
    VFS_IN_NOFOLLOW(path);
    struct statx x;
    if (do_statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, &x) != 0)
        return -1;
    to_darwin_stat_legacy(&x, d);
    return 0;
}

MB_EXPORT int mb_fstat_legacy(int fd, struct darwin_stat_legacy *d)
{
    struct statx x;
    if (do_statx(fd, "", AT_EMPTY_PATH, &x) != 0)
        return -1;
    to_darwin_stat_legacy(&x, d);
    return 0;
}

MB_EXPORT int mb_fstatat_legacy(int dirfd, const char *path, struct darwin_stat_legacy *d,
                                int flags)
{
    VFS_IN(path);
    struct statx x;
    if (do_statx(mb_at_fd(dirfd), path, at_flags_to_linux(flags), &x) != 0)
        return -1;
    to_darwin_stat_legacy(&x, d);
    return 0;
}

/* ---- statfs ------------------------------------------------------------------------- */

static const char *fs_type_name(long type)
{
    switch (type) {
    case 0xEF53: return "ext4"; /* ext2/3/4 share the magic */
    case 0x01021994: return "tmpfs";
    case 0x9123683E: return "btrfs";
    case 0x58465342: return "xfs";
    case 0x794c7630: return "overlay";
    case 0x6969: return "nfs";
    case 0x65735546: return "fuse";
    case 0x9fa0: return "proc";
    default: return "linux";
    }
}

static void to_darwin_statfs(const struct statfs *s, struct darwin_statfs *d, const char *path)
{
    memset(d, 0, sizeof *d);
    d->f_bsize = (uint32_t)s->f_bsize;
    d->f_iosize = (int32_t)s->f_bsize;
    d->f_blocks = s->f_blocks;
    d->f_bfree = s->f_bfree;
    d->f_bavail = s->f_bavail;
    d->f_files = s->f_files;
    d->f_ffree = s->f_ffree;
    memcpy(&d->f_fsid, &s->f_fsid, sizeof d->f_fsid);
    d->f_owner = 0;
    d->f_type = (uint32_t)s->f_type;
    d->f_flags = (s->f_flags & ST_RDONLY) ? DARWIN_MNT_RDONLY : 0;
    snprintf(d->f_fstypename, sizeof d->f_fstypename, "%s", fs_type_name((long)s->f_type));
    snprintf(d->f_mntonname, sizeof d->f_mntonname, "%s", path ? path : "/");
    snprintf(d->f_mntfromname, sizeof d->f_mntfromname, "%s", fs_type_name((long)s->f_type));
}

MB_EXPORT int mb_statfs64(const char *path, struct darwin_statfs *d)
{
    VFS_IN(path);
    struct statfs s;
    if (statfs(path, &s) != 0)
        return -1;
    to_darwin_statfs(&s, d, "/");
    return 0;
}

MB_EXPORT int mb_fstatfs64(int fd, struct darwin_statfs *d)
{
    struct statfs s;
    if (fstatfs(fd, &s) != 0)
        return -1;
    to_darwin_statfs(&s, d, "/");
    return 0;
}

static void to_darwin_statvfs(const struct statvfs *s, struct darwin_statvfs *d)
{
    memset(d, 0, sizeof *d);
    d->f_bsize = s->f_bsize;
    d->f_frsize = s->f_frsize;
    d->f_blocks = (uint32_t)(s->f_blocks > 0xffffffffu ? 0xffffffffu : s->f_blocks);
    d->f_bfree = (uint32_t)(s->f_bfree > 0xffffffffu ? 0xffffffffu : s->f_bfree);
    d->f_bavail = (uint32_t)(s->f_bavail > 0xffffffffu ? 0xffffffffu : s->f_bavail);
    d->f_files = (uint32_t)(s->f_files > 0xffffffffu ? 0xffffffffu : s->f_files);
    d->f_ffree = (uint32_t)(s->f_ffree > 0xffffffffu ? 0xffffffffu : s->f_ffree);
    d->f_favail = (uint32_t)(s->f_favail > 0xffffffffu ? 0xffffffffu : s->f_favail);
    d->f_fsid = s->f_fsid;
    d->f_flag = (s->f_flag & ST_RDONLY ? 1 : 0) | (s->f_flag & ST_NOSUID ? 2 : 0);
    d->f_namemax = s->f_namemax;
}

MB_EXPORT int mb_statvfs(const char *path, struct darwin_statvfs *d)
{
    VFS_IN(path);
    struct statvfs s;
    if (statvfs(path, &s) != 0)
        return -1;
    to_darwin_statvfs(&s, d);
    return 0;
}

MB_EXPORT int mb_fstatvfs(int fd, struct darwin_statvfs *d)
{
    struct statvfs s;
    if (fstatvfs(fd, &s) != 0)
        return -1;
    to_darwin_statvfs(&s, d);
    return 0;
}

/* ---- open and fcntl ------------------------------------------------------------------ */

static int open_flags_to_linux(int darwin, int *lock_op)
{
    uint64_t unknown;
    int f = (int)mb_bits_to_linux(mb_open_flags, MB_OPEN_FLAGS_COUNT, (uint64_t)darwin, &unknown);
    f |= darwin & 3; /* O_RDONLY/O_WRONLY/O_RDWR are the same numbers */
    *lock_op = (darwin & DARWIN_O_EXLOCK) ? LOCK_EX : (darwin & DARWIN_O_SHLOCK) ? LOCK_SH : 0;
    if (darwin & DARWIN_O_NONBLOCK)
        *lock_op |= *lock_op ? LOCK_NB : 0;
    return f;
}

static int open_flags_to_darwin(int linux_flags)
{
    return (int)mb_bits_to_darwin(mb_open_flags, MB_OPEN_FLAGS_COUNT,
                                  (uint64_t)(linux_flags & ~O_LARGEFILE)) | (linux_flags & 3);
}

/* O_SHLOCK/O_EXLOCK: Darwin takes the flock() atomically with the open. */
static int finish_open(int fd, int lock_op)
{
    if (fd >= 0 && lock_op && flock(fd, lock_op) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

MB_EXPORT int mb_openat(int dirfd, const char *path, int flags, ...)
{
    VFS_IN(path);
    mode_t mode = 0;
    if (flags & DARWIN_O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    int lock_op;
    int lf = open_flags_to_linux(flags, &lock_op);
    if (lf & O_CREAT)
        mb_vfs_changed();
    return finish_open(openat(mb_at_fd(dirfd), path, lf, mode), lock_op);
}

MB_EXPORT int mb_open(const char *path, int flags, ...)
{
    VFS_IN(path);
    mode_t mode = 0;
    if (flags & DARWIN_O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    int lock_op;
    int lf = open_flags_to_linux(flags, &lock_op);
    if (lf & O_CREAT)
        mb_vfs_changed();
    return finish_open(openat(AT_FDCWD, path, lf, mode), lock_op);
}

MB_EXPORT int mb_creat(const char *path, mode_t mode)
{
    mb_vfs_changed();
    VFS_IN(path);
    return open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

static int flock_to_linux(const struct darwin_flock *d, struct flock *l)
{
    int64_t type = mb_value_to_linux(mb_lock_types, MB_LOCK_TYPES_COUNT, d->l_type, -1);
    if (type < 0)
        return -1;
    l->l_type = (short)type;
    l->l_whence = d->l_whence;
    l->l_start = d->l_start;
    l->l_len = d->l_len;
    l->l_pid = d->l_pid;
    return 0;
}

static void flock_to_darwin(const struct flock *l, struct darwin_flock *d)
{
    d->l_type = (short)mb_value_to_darwin(mb_lock_types, MB_LOCK_TYPES_COUNT, l->l_type, l->l_type);
    d->l_whence = l->l_whence;
    d->l_start = l->l_start;
    d->l_len = l->l_len;
    d->l_pid = l->l_pid;
}

/* F_GETPATH: the path of an open descriptor, from /proc. */
static int fd_path(int fd, char *out)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, DARWIN_MAXPATHLEN - 1);
    if (n < 0)
        return -1;
    out[n] = 0;
    mb_vfs_out(out);
    return 0;
}

MB_EXPORT int mb_fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    uintptr_t arg = va_arg(ap, uintptr_t);
    va_end(ap);
    switch (cmd) {
    case DARWIN_F_GETFL: {
        int r = fcntl(fd, F_GETFL);
        return r < 0 ? r : open_flags_to_darwin(r);
    }
    case DARWIN_F_SETFL: {
        int lock_op;
        return fcntl(fd, F_SETFL, open_flags_to_linux((int)arg, &lock_op));
    }
    case DARWIN_F_GETLK:
    case DARWIN_F_SETLK:
    case DARWIN_F_SETLKW: {
        struct flock l;
        struct darwin_flock *d = (struct darwin_flock *)arg;
        if (flock_to_linux(d, &l) != 0)
            return (int)mb_fail(DARWIN_EINVAL);
        int lcmd = cmd == DARWIN_F_GETLK ? F_GETLK : cmd == DARWIN_F_SETLK ? F_SETLK : F_SETLKW;
        int r = fcntl(fd, lcmd, &l);
        if (r == 0 && cmd == DARWIN_F_GETLK)
            flock_to_darwin(&l, d);
        return r;
    }
    case DARWIN_F_GETPATH:
        return fd_path(fd, (char *)arg);
    case DARWIN_F_FULLFSYNC:
        return fsync(fd);
    case DARWIN_F_NOCACHE:
    case DARWIN_F_RDAHEAD:
    case DARWIN_F_SETNOSIGPIPE:
        return fcntl(fd, F_GETFD) < 0 ? -1 : 0; /* hints; succeed on a valid descriptor */
    case DARWIN_F_GETNOSIGPIPE:
        return 0;
    case DARWIN_F_PREALLOCATE: {
        struct darwin_fstore *fs = (struct darwin_fstore *)arg;
        off_t start = fs->fst_posmode == DARWIN_F_PEOFPOSMODE ? lseek(fd, 0, SEEK_END)
                                                              : fs->fst_offset;
        if (start < 0)
            return -1;
        int r = posix_fallocate(fd, start, fs->fst_length);
        if (r != 0) {
            errno = r;
            return -1;
        }
        fs->fst_bytesalloc = fs->fst_length;
        return 0;
    }
    default: {
        int64_t lcmd = mb_value_to_linux(mb_fcntl_cmds, MB_FCNTL_CMDS_COUNT, cmd, -1);
        if (lcmd < 0)
            return (int)mb_fail(DARWIN_EINVAL);
        int r = fcntl(fd, (int)lcmd, arg);
        if (lcmd == F_DUPFD || lcmd == F_DUPFD_CLOEXEC)
            r = mb_kqueue_duplicated(fd, r);
        return r;
    }
    }
}

/* ---- *at calls and friends -------------------------------------------------------------- */

MB_EXPORT int mb_faccessat(int dirfd, const char *path, int mode, int flags)
{
    VFS_IN(path);
    return faccessat(mb_at_fd(dirfd), path, mode, at_flags_to_linux(flags));
}

MB_EXPORT int mb_fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
    VFS_IN(path);
    return fchmodat(mb_at_fd(dirfd), path, mode, at_flags_to_linux(flags));
}

MB_EXPORT int mb_fchownat(int dirfd, const char *path, uid_t u, gid_t g, int flags)
{
    VFS_IN(path);
    return fchownat(mb_at_fd(dirfd), path, u, g, at_flags_to_linux(flags));
}

MB_EXPORT int mb_linkat(int fd1, const char *p1, int fd2, const char *p2, int flags)
{
    mb_vfs_changed();
    VFS_IN_NOFOLLOW(p1);
    VFS_IN_NOFOLLOW(p2);
    return linkat(mb_at_fd(fd1), p1, mb_at_fd(fd2), p2, at_flags_to_linux(flags));
}

MB_EXPORT int mb_unlinkat(int dirfd, const char *path, int flags)
{
    mb_vfs_changed();
    VFS_IN_NOFOLLOW(path);
    return unlinkat(mb_at_fd(dirfd), path, at_flags_to_linux(flags));
}

MB_EXPORT int mb_mkdirat(int dirfd, const char *path, mode_t mode)
{
    mb_vfs_changed();
    VFS_IN(path);
    return mkdirat(mb_at_fd(dirfd), path, mode);
}

MB_EXPORT int mb_mkfifoat(int dirfd, const char *path, mode_t mode)
{
    mb_vfs_changed();
    VFS_IN(path);
    return mkfifoat(mb_at_fd(dirfd), path, mode);
}

MB_EXPORT int mb_renameat(int fd1, const char *p1, int fd2, const char *p2)
{
    mb_vfs_changed();
    VFS_IN_NOFOLLOW(p1);
    VFS_IN_NOFOLLOW(p2);
    return renameat(mb_at_fd(fd1), p1, mb_at_fd(fd2), p2);
}

MB_EXPORT int mb_renameatx_np(int fd1, const char *p1, int fd2, const char *p2, unsigned flags)
{
    mb_vfs_changed();
    VFS_IN_NOFOLLOW(p1);
    VFS_IN_NOFOLLOW(p2);
    unsigned lf = 0;
    if (flags & DARWIN_RENAME_SWAP)
        lf |= RENAME_EXCHANGE;
    if (flags & DARWIN_RENAME_EXCL)
        lf |= RENAME_NOREPLACE;
    return renameat2(mb_at_fd(fd1), p1, mb_at_fd(fd2), p2, lf);
}

MB_EXPORT int mb_renamex_np(const char *p1, const char *p2, unsigned flags)
{
    mb_vfs_changed();
    VFS_IN_NOFOLLOW(p1);
    VFS_IN_NOFOLLOW(p2);
    return mb_renameatx_np(DARWIN_AT_FDCWD, p1, DARWIN_AT_FDCWD, p2, flags);
}

MB_EXPORT int mb_symlinkat(const char *target, int dirfd, const char *path)
{
    mb_vfs_changed();
    VFS_IN_NOFOLLOW(path);
    return symlinkat(target, mb_at_fd(dirfd), path);
}

MB_EXPORT ssize_t mb_readlinkat(int dirfd, const char *path, char *buf, size_t n)
{
    VFS_IN_NOFOLLOW(path);
    return readlinkat(mb_at_fd(dirfd), path, buf, n);
}

static void times_to_linux(const struct timespec *in, struct timespec out[2])
{
    for (int i = 0; i < 2; i++) {
        out[i] = in[i];
        if (in[i].tv_nsec == DARWIN_UTIME_NOW)
            out[i].tv_nsec = UTIME_NOW;
        else if (in[i].tv_nsec == DARWIN_UTIME_OMIT)
            out[i].tv_nsec = UTIME_OMIT;
    }
}

MB_EXPORT int mb_utimensat(int dirfd, const char *path, const struct timespec *t, int flags)
{
    VFS_IN(path);
    struct timespec lt[2];
    if (t)
        times_to_linux(t, lt);
    return utimensat(mb_at_fd(dirfd), path, t ? lt : NULL, at_flags_to_linux(flags));
}

MB_EXPORT int mb_futimens(int fd, const struct timespec *t)
{
    struct timespec lt[2];
    if (t)
        times_to_linux(t, lt);
    return futimens(fd, t ? lt : NULL);
}

MB_EXPORT off_t mb_lseek(int fd, off_t off, int whence)
{
    int w = whence;
    if (whence == DARWIN_SEEK_HOLE)
        w = SEEK_HOLE;
    else if (whence == DARWIN_SEEK_DATA)
        w = SEEK_DATA;
    return lseek(fd, off, w);
}

/* ---- mmap ----------------------------------------------------------------------------- */

MB_EXPORT void *mb_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    uint64_t unknown;
    int lf = (int)mb_bits_to_linux(mb_mmap_flags, MB_MMAP_FLAGS_COUNT, (uint64_t)flags, &unknown);
    if (flags & DARWIN_MAP_ANON)
        fd = -1; /* Darwin passes a VM tag in fd for anonymous memory */
    /* MAP_FIXED without MAP_ANON|MAP_SHARED etc. keeps Darwin semantics: replace. */
    return mmap(addr, len, prot & 7, lf, fd, off);
}

MB_EXPORT int mb_msync(void *addr, size_t len, int flags)
{
    int lf = (int)mb_bits_to_linux(mb_msync_flags, MB_MSYNC_FLAGS_COUNT, (uint64_t)flags, NULL);
    return msync(addr, len, lf);
}

MB_EXPORT int mb_madvise_bridge(void *addr, size_t len, int advice)
{
    int64_t la = mb_value_to_linux(mb_madvise, MB_MADVISE_COUNT, advice, -1);
    if (la < 0)
        return 0; /* Darwin-only advice (MADV_ZERO_WIRED_PAGES...) is a hint */
    return madvise(addr, len, (int)la);
}

MB_EXPORT int mb_posix_madvise(void *addr, size_t len, int advice)
{
    return mb_madvise_bridge(addr, len, advice) == 0 ? 0 : errno;
}

/* ---- directories ---------------------------------------------------------------------- */

/* Darwin's DIR is opaque but starts with the descriptor (__dd_fd). */
struct mb_dir {
    int fd;
    DIR *host;
    struct darwin_dirent ent;
};

static struct mb_dir *wrap_dir(DIR *h)
{
    if (!h)
        return NULL;
    struct mb_dir *d = malloc(sizeof *d);
    if (!d) {
        closedir(h);
        errno = ENOMEM;
        return NULL;
    }
    d->fd = dirfd(h);
    d->host = h;
    return d;
}

MB_EXPORT struct mb_dir *mb_opendir(const char *path)
{
    VFS_IN(path);
    return wrap_dir(opendir(path));
}
MB_EXPORT struct mb_dir *mb_fdopendir(int fd) { return wrap_dir(fdopendir(fd)); }

MB_EXPORT int mb_closedir(struct mb_dir *d)
{
    int r = closedir(d->host);
    free(d);
    return r;
}

static void to_darwin_dirent(const struct dirent64 *e, struct darwin_dirent *d)
{
    size_t len = strnlen(e->d_name, sizeof e->d_name);
    d->d_ino = e->d_ino;
    d->d_seekoff = (uint64_t)e->d_off;
    d->d_namlen = (uint16_t)len;
    d->d_type = e->d_type; /* DT_* values are the same on both systems */
    memcpy(d->d_name, e->d_name, len);
    d->d_name[len] = 0;
    /* records are 4-byte aligned and hold the name and its NUL */
    d->d_reclen = (uint16_t)((offsetof(struct darwin_dirent, d_name) + len + 1 + 3) & ~3u);
}

MB_EXPORT struct darwin_dirent *mb_readdir(struct mb_dir *d)
{
    struct dirent64 *e = readdir64(d->host);
    if (!e)
        return NULL;
    to_darwin_dirent(e, &d->ent);
    return &d->ent;
}

MB_EXPORT int mb_readdir_r(struct mb_dir *d, struct darwin_dirent *out, struct darwin_dirent **res)
{
    int saved = errno;
    errno = 0;
    struct dirent64 *e = readdir64(d->host);
    if (!e) {
        int err = errno;
        errno = saved;
        *res = NULL;
        return err ? mb_errno_to_darwin(err) : 0;
    }
    to_darwin_dirent(e, out);
    *res = out;
    return 0;
}

MB_EXPORT void mb_rewinddir(struct mb_dir *d) { rewinddir(d->host); }
MB_EXPORT long mb_telldir(struct mb_dir *d) { return telldir(d->host); }
MB_EXPORT void mb_seekdir(struct mb_dir *d, long pos) { seekdir(d->host, pos); }
MB_EXPORT int mb_dirfd(struct mb_dir *d) { return d->fd; }

MB_EXPORT int mb_alphasort(const struct darwin_dirent **a, const struct darwin_dirent **b)
{
    return strcoll((*a)->d_name, (*b)->d_name);
}

/* scandir with Darwin dirent records handed to the guest's filter and comparator. */
MB_EXPORT int mb_scandir(const char *path, struct darwin_dirent ***out,
                         int (*filter)(const struct darwin_dirent *),
                         int (*compar)(const struct darwin_dirent **, const struct darwin_dirent **))
{
    VFS_IN(path);
    struct mb_dir *d = mb_opendir(path);
    if (!d)
        return -1;
    size_t n = 0, cap = 16;
    struct darwin_dirent **v = malloc(cap * sizeof *v);
    struct darwin_dirent *e;
    while (v && (e = mb_readdir(d))) {
        if (filter && !filter(e))
            continue;
        if (n == cap) {
            struct darwin_dirent **nv = realloc(v, (cap *= 2) * sizeof *v);
            if (!nv)
                break;
            v = nv;
        }
        struct darwin_dirent *copy = malloc(sizeof *copy);
        if (!copy)
            break;
        memcpy(copy, e, sizeof *copy);
        v[n++] = copy;
    }
    mb_closedir(d);
    if (!v)
        return -1;
    if (compar)
        qsort(v, n, sizeof *v, (int (*)(const void *, const void *))compar);
    *out = v;
    return (int)n;
}

/* __getdirentries64: Darwin records packed into buf, *basep the position before them. */
MB_EXPORT ssize_t mb___getdirentries64(int fd, char *buf, size_t nbytes, int64_t *basep)
{
    char tmp[16384];
    off_t start = lseek(fd, 0, SEEK_CUR);
    ssize_t n = getdents64(fd, tmp, nbytes < sizeof tmp ? nbytes : sizeof tmp);
    if (n <= 0)
        return n;
    size_t out = 0;
    off_t resume = start;
    for (ssize_t pos = 0; pos < n;) {
        struct dirent64 *e = (struct dirent64 *)(tmp + pos);
        struct darwin_dirent d;
        to_darwin_dirent(e, &d);
        if (out + d.d_reclen > nbytes) {
            lseek(fd, resume, SEEK_SET); /* the rest is read by the next call */
            break;
        }
        memcpy(buf + out, &d, d.d_reclen);
        out += d.d_reclen;
        resume = e->d_off;
        pos += e->d_reclen;
    }
    if (basep)
        *basep = start;
    return (ssize_t)out;
}

/* ---- ioctl: request numbers differ; the argument structures commonly used do not ------- */

MB_HIDDEN int mb_termios_ioctl(int fd, unsigned long request, void *arg, int *handled);

MB_EXPORT int mb_ioctl(int fd, unsigned long request, ...)
{
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    int handled;
    int r = mb_termios_ioctl(fd, request, arg, &handled); /* struct termios differs */
    if (handled)
        return r;
    int64_t lreq = mb_value_to_linux(mb_ioctl_requests, MB_IOCTL_REQUESTS_COUNT,
                                     (int64_t)(uint32_t)request, -1);
    if (lreq < 0)
        return (int)mb_fail(DARWIN_ENOTTY);
    return ioctl(fd, (unsigned long)lreq, arg);
}

/* ---- copyfile(3): data, mode and times, extended attributes, directory trees ---------- */

struct mb_copyfile_state {
    int64_t copied;
    int src_fd, dst_fd;
};

MB_EXPORT struct mb_copyfile_state *mb_copyfile_state_alloc(void)
{
    struct mb_copyfile_state *s = calloc(1, sizeof *s);
    if (s)
        s->src_fd = s->dst_fd = -1;
    return s;
}

MB_EXPORT int mb_copyfile_state_free(struct mb_copyfile_state *s)
{
    free(s);
    return 0;
}

MB_EXPORT int mb_copyfile_state_get(struct mb_copyfile_state *s, uint32_t flag, void *dst)
{
    switch (flag) {
    case DARWIN_COPYFILE_STATE_COPIED: *(int64_t *)dst = s->copied; return 0;
    case DARWIN_COPYFILE_STATE_SRC_FD: *(int *)dst = s->src_fd; return 0;
    case DARWIN_COPYFILE_STATE_DST_FD: *(int *)dst = s->dst_fd; return 0;
    default: return (int)mb_fail(DARWIN_EINVAL);
    }
}

MB_EXPORT int mb_copyfile_state_set(struct mb_copyfile_state *s, uint32_t flag, const void *src)
{
    (void)s; (void)flag; (void)src;
    return 0; /* callbacks and status are optional; nothing here reports progress */
}

static int copy_data(int in, int out, struct mb_copyfile_state *s)
{
    off_t from = 0;
    for (;;) {
        ssize_t n = copy_file_range(in, &from, out, NULL, 1 << 30, 0);
        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
            char buf[65536];
            n = pread(in, buf, sizeof buf, from);
            if (n > 0 && write(out, buf, (size_t)n) != n)
                return -1;
            if (n > 0)
                from += n;
        }
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        if (s)
            s->copied += n;
    }
    errno = 0;
    return 0;
}

static void copy_xattrs(int in, int out)
{
    char names[4096];
    ssize_t len = flistxattr(in, names, sizeof names);
    for (ssize_t i = 0; i < len; i += (ssize_t)strlen(names + i) + 1) {
        char value[65536];
        ssize_t v = fgetxattr(in, names + i, value, sizeof value);
        if (v >= 0)
            fsetxattr(out, names + i, value, (size_t)v, 0);
    }
    errno = 0;
}

MB_EXPORT int mb_fcopyfile(int in, int out, struct mb_copyfile_state *s, uint32_t flags)
{
    if (s) {
        s->src_fd = in;
        s->dst_fd = out;
    }
    struct stat st;
    if (fstat(in, &st) != 0)
        return -1;
    if ((flags & DARWIN_COPYFILE_DATA) && S_ISREG(st.st_mode) && copy_data(in, out, s) != 0)
        return -1;
    if (flags & DARWIN_COPYFILE_XATTR)
        copy_xattrs(in, out);
    if (flags & DARWIN_COPYFILE_STAT) {
        fchmod(out, st.st_mode & 07777);
        struct timespec t[2] = {st.st_atim, st.st_mtim};
        futimens(out, t);
        errno = 0;
    }
    return 0;
}

static int copy_tree(const char *from, const char *to, struct mb_copyfile_state *s,
                     uint32_t flags, int depth)
{
    struct stat st;
    int nofollow = flags & (DARWIN_COPYFILE_NOFOLLOW_SRC | DARWIN_COPYFILE_NOFOLLOW);
    if ((nofollow ? lstat(from, &st) : stat(from, &st)) != 0)
        return -1;
    if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t n = readlink(from, target, sizeof target - 1);
        if (n < 0)
            return -1;
        target[n] = 0;
        return symlink(target, to);
    }
    if (S_ISDIR(st.st_mode)) {
        if (!(flags & DARWIN_COPYFILE_RECURSIVE) && depth == 0)
            return (int)mb_fail(DARWIN_EISDIR);
        if (mkdir(to, st.st_mode & 07777) != 0 && errno != EEXIST)
            return -1;
        DIR *d = opendir(from);
        if (!d)
            return -1;
        struct dirent *e;
        int r = 0;
        while (r == 0 && (e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char a[4096], b[4096];
            snprintf(a, sizeof a, "%s/%s", from, e->d_name);
            snprintf(b, sizeof b, "%s/%s", to, e->d_name);
            r = copy_tree(a, b, s, flags, depth + 1);
        }
        closedir(d);
        errno = 0;
        return r;
    }
    int in = open(from, O_RDONLY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
    if (in < 0)
        return -1;
    int oflags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
    if (flags & DARWIN_COPYFILE_EXCL)
        oflags |= O_EXCL;
    if (flags & (DARWIN_COPYFILE_NOFOLLOW_DST | DARWIN_COPYFILE_NOFOLLOW))
        oflags |= O_NOFOLLOW;
    int out = open(to, oflags, st.st_mode & 07777);
    if (out < 0) {
        int e = errno;
        close(in);
        errno = e;
        return -1;
    }
    int r = mb_fcopyfile(in, out, s, flags);
    int e = errno;
    close(in);
    close(out);
    errno = e;
    return r;
}

MB_EXPORT int mb_copyfile(const char *from, const char *to, struct mb_copyfile_state *s,
                          uint32_t flags)
{
    VFS_IN(from);
    VFS_IN(to);
    if (!from || !to)
        return (int)mb_fail(DARWIN_EINVAL);
    if (copy_tree(from, to, s, flags, 0) != 0)
        return -1;
    if (flags & (DARWIN_COPYFILE_MOVE | DARWIN_COPYFILE_UNLINK))
        return remove(from);
    return 0;
}
