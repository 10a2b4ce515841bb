"""Putting a volume where programs can read it: extracted into a directory (always possible),
files, folders and symlinks with their modes and modification times, read-only as an attached
image is. A progress bar on stderr when asked (a terminal).

The extracted tree is marked by a file in it (MARKER) so unmount removes only a tree that an
attach made, never a directory a user put there.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys

from machbox.dmg import ImageError
from machbox.dmg.hfsplus import Volume

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
        sys.stderr.write("\n")


def mount(volume: Volume, target: str, progress: bool = False) -> str:
    """Makes ``volume`` readable at ``target``; returns how ("extracted")."""
    if os.path.lexists(target) and (not os.path.isdir(target) or os.listdir(target)):
        raise ImageError(f"mount point {target} is not empty")
    os.makedirs(target, exist_ok=True)
    try:
        extract(volume, target, progress)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return "extracted"


def unmount(target: str, method: str, force: bool = False) -> None:
    if not os.path.lexists(target):
        return
    if not os.path.exists(os.path.join(target, MARKER)) and not force:
        raise ImageError(f"{target} was not made by attach (no {MARKER}); -force removes it")
    _make_writable(target)
    shutil.rmtree(target)


def extract(volume: Volume, target: str, progress: bool = False) -> None:
    entries = list(volume.walk())
    total = sum(volume.resolve(e).data.size for _, e in entries
                if not e.is_dir and volume.resolve(e).data)
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
