"""Putting a volume where programs can read it.

Through FUSE when the host allows it (fusepy over libfuse2, and /dev/fuse usable by this
process): a child process serves the volume read-only at the mount point until detach
unmounts it. Otherwise extracted into a directory (always possible): files, folders and
symlinks with their modes and modification times, read-only as an attached image is, with a
progress bar on stderr when asked (a terminal). The extracted tree is marked by a file in it
(MARKER) so unmount removes only a tree that an attach made, never a user's directory.
MACHBOX_HDIUTIL_FUSE=0 forces extraction.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import signal
import stat
import subprocess
import sys
import time

from machbox.dmg import MALFORMED, ImageError, malformed
from machbox.dmg.hfsplus import Volume  # or apfs.Volume: the same interface

MARKER = ".machbox-attached"
BAR_WIDTH = 40


class Progress:
    def __init__(self, total: int, label: str):
        self.total, self.done, self.label, self.shown = max(total, 1), 0, label, -1

    def advance(self, n: int) -> None:
        self.done += n
        percent = min(100, self.done * 100 // self.total)
        if percent != self.shown:
            self.shown = percent
            filled = BAR_WIDTH * percent // 100
            sys.stderr.write(f"\r{self.label} [{'#' * filled}{' ' * (BAR_WIDTH - filled)}] "
                             f"{percent:3d}%")
            sys.stderr.flush()

    def finish(self) -> None:
        self.advance(self.total - self.done)
        sys.stderr.write("\n")


def mount(volume: Volume, target: str, progress: bool = False,
          reopen=None) -> tuple[str, int]:
    """Makes ``volume`` readable at ``target``; returns how ("fuse" or "extracted") and the
    pid of the process serving it (0 when extracted)."""
    if os.path.lexists(target) and (not os.path.isdir(target) or os.listdir(target)):
        raise ImageError(f"mount point {target} is not empty")
    os.makedirs(target, exist_ok=True)
    if fuse_available():
        pid = _serve_fuse(volume, target, reopen)
        if pid:
            return "fuse", pid
    try:
        extract(volume, target, progress)
    except MALFORMED as e:
        shutil.rmtree(target, ignore_errors=True)
        raise malformed(f"volume {volume.name!r}", e) from None
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return "extracted", 0


def unmount(target: str, method: str, force: bool = False, pid: int = 0) -> None:
    if method == "fuse":
        _unmount_fuse(target, pid)
        return
    if not os.path.lexists(target):
        return
    if not os.path.exists(os.path.join(target, MARKER)) and not force:
        raise ImageError(f"{target} was not made by attach (no {MARKER}); -force removes it")
    _make_writable(target)
    shutil.rmtree(target)


def extract(volume: Volume, target: str, progress: bool = False) -> None:
    entries = list(volume.walk())
    total = sum(volume.resolve(e).data.size for _, e in entries
                if stat.S_ISREG(volume.resolve(e).mode) and volume.resolve(e).data)
    bar = Progress(total, f"Attaching {volume.name}") if progress else None
    folders = []
    for path, entry in entries:
        host = os.path.join(target, path)
        if entry.is_dir:
            os.mkdir(host)
            folders.append((host, entry))
            continue
        entry = volume.resolve(entry)
        if stat.S_ISLNK(entry.mode):
            os.symlink(volume.symlink_target(entry), host)
            continue
        if not stat.S_ISREG(entry.mode):
            continue  # devices, fifos and sockets are not recreated
        with open(host, "wb") as f:
            for piece in volume.read_fork(entry.data, entry.cnid):
                f.write(piece)
                if bar:
                    bar.advance(len(piece))
        _finish(host, entry)
    for host, entry in reversed(folders):  # after their contents, or writing them changes it
        _finish(host, entry)
    with open(os.path.join(target, MARKER), "w") as f:
        f.write(f"{volume.name}\n")
    if bar:
        bar.finish()


def _finish(host: str, entry) -> None:
    # read-only, as the mounted image is; owners are ignored as hdiutil's default
    # (-noowners for removable images) does
    os.chmod(host, stat.S_IMODE(entry.mode) & ~0o222)
    os.utime(host, (entry.atime or entry.mtime, entry.mtime))


def _make_writable(top: str) -> None:
    for base, dirs, _ in os.walk(top):
        for d in dirs:
            path = os.path.join(base, d)
            if not os.path.islink(path):
                os.chmod(path, 0o755)
    os.chmod(top, 0o755)


# ---- FUSE ----------------------------------------------------------------------------------

def fuse_available() -> bool:
    if os.environ.get("MACHBOX_HDIUTIL_FUSE") == "0":
        return False
    if not os.access("/dev/fuse", os.R_OK | os.W_OK):
        return False
    try:
        import fuse  # noqa: F401  (fusepy; raises OSError when libfuse2 is missing)
    except (ImportError, OSError):
        return False
    return True


def _serve_fuse(volume: Volume, target: str, reopen) -> int:
    """Forks the server; the pid once the mount is up, 0 if it could not mount."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        status = 1
        try:
            os.setsid()
            if reopen:  # its own file offset: the parent may still read the image
                reopen()
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            status = _fuse_main(volume, target, write_end)
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as r:
        ready = r.read(1) == b"1"
    deadline = time.monotonic() + 10
    while ready and not os.path.ismount(target) and time.monotonic() < deadline:
        if os.waitpid(pid, os.WNOHANG)[0]:
            return 0
        time.sleep(0.02)
    if ready and os.path.ismount(target):
        return pid
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
    return 0


def _fuse_main(volume: Volume, target: str, ready_fd: int) -> int:
    import fuse

    ops = _Operations(volume, ready_fd)
    try:
        fuse.FUSE(ops, target, foreground=True, ro=True, nothreads=True,
                  fsname=f"machbox-hdiutil:{volume.name}", subtype="hfs")
    except RuntimeError:
        return 1
    return 0


def _unmount_fuse(target: str, pid: int) -> None:
    if os.path.ismount(target):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.umount2(os.fsencode(target), 0) != 0:
            for tool in ("fusermount", "fusermount3"):
                if shutil.which(tool) and subprocess.run(
                        [tool, "-u", target], capture_output=True).returncode == 0:
                    break
            else:
                raise ImageError(f"cannot unmount {target}: "
                                 f"{os.strerror(ctypes.get_errno())}")
    if pid:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _running(pid):
            time.sleep(0.02)
        if _running(pid):
            os.kill(pid, signal.SIGTERM)
    try:
        os.rmdir(target)
    except OSError:
        pass


def _running(pid: int) -> bool:
    """Whether the server still runs: gone, or a zombie nobody reaps (its parent, the attach,
    has exited and a container's init may not reap), is not running."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _make_operations():
    """The Operations class, made on first use: fusepy is imported only when FUSE is used."""
    import fuse

    fuse_error = fuse.FuseOSError

    class Operations(fuse.Operations):
        def __init__(self, volume: Volume, ready_fd: int):
            self.volume = volume
            self.ready_fd = ready_fd
            self.paths = {"/": volume.root}
            for path, entry in volume.walk():
                self.paths["/" + path] = entry

        def init(self, path):
            os.write(self.ready_fd, b"1")
            os.close(self.ready_fd)

        def _entry(self, path):
            entry = self.paths.get(path)
            if entry is None:
                raise fuse_error(errno.ENOENT)
            return self.volume.resolve(entry)

        def getattr(self, path, fh=None):
            e = self._entry(path)
            size = e.data.size if e.data and not e.is_dir else 0
            return {"st_mode": e.mode, "st_nlink": 2 + sum(k.is_dir for k in e.children)
                    if e.is_dir else 1, "st_size": size, "st_uid": os.getuid(),
                    "st_gid": os.getgid(), "st_mtime": e.mtime, "st_atime": e.atime or e.mtime,
                    "st_ctime": e.ctime or e.mtime,
                    "st_blocks": -(-size // 512)}

        def readdir(self, path, fh):
            e = self._entry(path)
            if not e.is_dir:
                raise fuse_error(errno.ENOTDIR)
            return [".", ".."] + [k.name for k in self.volume.visible_children(e)]

        def readlink(self, path):
            try:
                return self.volume.symlink_target(self._entry(path))
            except (ImageError, *MALFORMED):
                raise fuse_error(errno.EIO) from None

        def open(self, path, flags):
            if flags & (os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_TRUNC):
                raise fuse_error(errno.EROFS)
            self._entry(path)
            return 0

        def read(self, path, size, offset, fh):
            e = self._entry(path)
            if e.is_dir:
                raise fuse_error(errno.EISDIR)
            try:
                return self.volume.read_range(e.data, e.cnid, offset, size)
            except (ImageError, *MALFORMED):
                raise fuse_error(errno.EIO) from None

        def statfs(self, path):
            v = self.volume
            return {"f_bsize": v.block_size, "f_frsize": v.block_size,
                    "f_blocks": v.total_blocks, "f_bfree": v.free_blocks,
                    "f_bavail": v.free_blocks, "f_files": v.file_count + v.folder_count,
                    "f_ffree": 0, "f_namemax": 255}

    return Operations


def _Operations(volume: Volume, ready_fd: int):
    return _make_operations()(volume, ready_fd)
