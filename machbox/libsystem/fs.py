"""Files and directories. Calls whose structures, flags or constants differ are bridges
(native/fs.c); plain descriptor and path calls with identical ABIs go to the host."""

EMULATED = {"_clonefile", "_clonefileat", "_fclonefileat", "_copyfile", "_fcopyfile",
            "_copyfile_state_alloc", "_copyfile_state_free", "_copyfile_state_get",
            "_copyfile_state_set"}

_STAT64 = {  # the 64-bit-inode struct stat (the only layout of stat64 and of $INODE64)
    "stat": "mb_stat64", "lstat": "mb_lstat64", "fstat": "mb_fstat64", "fstatat": "mb_fstatat64",
    "statfs": "mb_statfs64", "fstatfs": "mb_fstatfs64",
}

_VFS_PATHS = (
    "truncate", "unlink", "rmdir", "mkdir", "chdir", "chmod", "lchmod", "chown", "lchown",
    "link", "symlink", "rename", "access", "readlink", "mkfifo", "mknod", "getcwd",
    "realpath", "utimes", "lutimes", "utime", "chroot", "remove",
)

EXPORTS = {
    "libSystem": {
        **{f"_{n}$INODE64": impl for n, impl in _STAT64.items()},
        **{f"_{n}64": impl for n, impl in _STAT64.items()},
        # plain names keep the old 32-bit-inode layout
        "_stat": "mb_stat_legacy",
        "_lstat": "mb_lstat_legacy",
        "_fstat": "mb_fstat_legacy",
        "_fstatat": "mb_fstatat_legacy",
        "_statvfs": "mb_statvfs",
        "_fstatvfs": "mb_fstatvfs",
        "_close": "mb_close",  # a kqueue's table goes with its descriptors
        "_dup": "mb_dup",
        "_dup2": "mb_dup2",
        "_open": "mb_open",
        "_openat": "mb_openat",
        "_creat": "mb_creat",
        "_fcntl": "mb_fcntl",
        "_ioctl": "mb_ioctl",
        "_faccessat": "mb_faccessat",
        "_fchmodat": "mb_fchmodat",
        "_fchownat": "mb_fchownat",
        "_linkat": "mb_linkat",
        "_unlinkat": "mb_unlinkat",
        "_mkdirat": "mb_mkdirat",
        "_mkfifoat": "mb_mkfifoat",
        "_renameat": "mb_renameat",
        "_renameatx_np": "mb_renameatx_np",
        "_renamex_np": "mb_renamex_np",
        "_symlinkat": "mb_symlinkat",
        "_readlinkat": "mb_readlinkat",
        "_utimensat": "mb_utimensat",
        "_futimens": "mb_futimens",
        "_lseek": "mb_lseek",
        "_mmap": "mb_mmap",
        "_msync": "mb_msync",
        "_madvise": "mb_madvise_bridge",
        "_posix_madvise": "mb_posix_madvise",
        "_opendir$INODE64": "mb_opendir",
        "_opendir": "mb_opendir",
        "_fdopendir$INODE64": "mb_fdopendir",
        "_fdopendir": "mb_fdopendir",
        "_readdir$INODE64": "mb_readdir",
        "_readdir_r$INODE64": "mb_readdir_r",
        "_closedir": "mb_closedir",
        "_rewinddir$INODE64": "mb_rewinddir",
        "_rewinddir": "mb_rewinddir",
        "_telldir$INODE64": "mb_telldir",
        "_telldir": "mb_telldir",
        "_seekdir$INODE64": "mb_seekdir",
        "_seekdir": "mb_seekdir",
        "_dirfd": "mb_dirfd",
        "_scandir$INODE64": "mb_scandir",
        "_alphasort$INODE64": "mb_alphasort",
        "___getdirentries64": "mb___getdirentries64",
        "_copyfile": "mb_copyfile",
        "_fcopyfile": "mb_fcopyfile",
        "_copyfile_state_alloc": "mb_copyfile_state_alloc",
        "_copyfile_state_free": "mb_copyfile_state_free",
        "_copyfile_state_get": "mb_copyfile_state_get",
        "_copyfile_state_set": "mb_copyfile_state_set",
        # Copy-on-write clones need APFS; Darwin answers ENOTSUP on other volumes and
        # callers (Rust's fs::copy) fall back to copying.
        "_clonefile": "py:enotsup",
        "_clonefileat": "py:enotsup",
        "_fclonefileat": "py:enotsup",
        **{f"_{n}": "=" for n in (
            "read", "write", "pread", "pwrite", "readv", "writev", "preadv", "pwritev",
            "pipe", "fsync", "fdatasync", "ftruncate", "fchdir", "fchmod", "umask",
            "flock", "mprotect", "munmap", "mlock", "munlock", "mlockall", "munlockall",
            "mincore", "isatty", "ttyname", "ttyname_r", "futimes", "sync", "getdtablesize",
            "getpagesize", "mkstemp", "mkostemp", "mkstemps", "mkostemps", "mkdtemp",
            "mktemp", "tmpnam", "dirname", "shm_open", "shm_unlink",
        )},
        # paths: through the merged view (native/vfs.c)
        **{f"_{n}": f"mb_vfs_{n}" for n in _VFS_PATHS},
        "_realpath$DARWIN_EXTSN": "mb_vfs_realpath",
        "_fchown": "mb_vfs_fchown",  # may be faked (RFC 377 ownership)
        **{f"_{n}": f"mb_{n}" for n in (
            "getxattr", "fgetxattr", "setxattr", "fsetxattr", "removexattr", "fremovexattr",
            "listxattr", "flistxattr", "pthread_chdir_np", "pthread_fchdir_np",
        )},
        "___pthread_chdir": "mb_pthread_chdir_np",
        "___pthread_fchdir": "mb_pthread_fchdir_np",
        "_basename": "=__xpg_basename",  # glibc's plain basename is the GNU variant
    },
}

from machbox.libsystem.registry import DarwinError, python  # noqa: E402

ENOTSUP = 45


@python
def enotsup(args):
    raise DarwinError(ENOTSUP)
