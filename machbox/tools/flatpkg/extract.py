"""Writing cpio members (a Payload, a Scripts archive) into a directory, as the installer
lays a payload down: modes and modification times kept, hard links linked, symlinks made.

A member may not leave the directory: no absolute names, no "..", and no path through a
symlink the same archive made (the classic way an archive writes outside its root).
Ownership is not changed: the prefix's files belong to the user (sudo fakes root)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable

from machbox.tools.flatpkg import PackageError
from machbox.tools.flatpkg.cpio import S_IFDIR, S_IFLNK, S_IFREG, Member


def extract(members: Iterable[Member], root: str, log=None) -> list[Member]:
    """Writes ``members`` under ``root``; returns them, in archive order."""
    os.makedirs(root, exist_ok=True)
    links: set[str] = set()  # symlinks this archive made, relative to root
    inodes: dict[tuple[int, int], str] = {}
    dirs: list[tuple[str, Member]] = []
    done = []
    for m in members:
        rel = _safe(m, links)
        target = os.path.join(root, rel) if rel else root
        if log:
            log(rel or ".")
        kind = m.kind
        if kind == S_IFDIR:
            _make_dir(target)
            if rel:  # the install location itself keeps its own mode and times
                dirs.append((target, m))
        elif kind == S_IFLNK:
            _replace(target)
            os.symlink(m.data.decode("utf-8", "surrogateescape"), target)
            links.add(rel)
        elif kind == S_IFREG:
            _write_file(target, m, inodes)
        else:
            raise PackageError(f"{m.name}: device or special files are not installed")
        if kind != S_IFDIR:
            _times(target, m)
        done.append(m)
    for target, m in reversed(dirs):  # after their contents: a read-only directory last
        os.chmod(target, stat.S_IMODE(m.mode))
        _times(target, m)
    return done


def _safe(m: Member, links: set[str]) -> str:
    rel = m.path
    parts = rel.split("/") if rel else []
    if m.name.startswith("/") or ".." in parts:
        raise PackageError(f"{m.name}: refusing a path outside the install location")
    for i in range(1, len(parts)):
        if "/".join(parts[:i]) in links:
            raise PackageError(f"{m.name}: refusing a path through a symlink of the archive")
    return rel


def _make_dir(target: str) -> None:
    if os.path.islink(target) and os.path.isdir(target):
        return  # an existing link to a directory stays (/etc -> private/etc)
    if os.path.lexists(target) and not os.path.isdir(target):
        os.unlink(target)
    os.makedirs(target, exist_ok=True)
    os.chmod(target, 0o700 | stat.S_IMODE(os.stat(target).st_mode))


def _replace(target: str) -> None:
    if os.path.isdir(target) and not os.path.islink(target):
        import shutil

        shutil.rmtree(target)
    elif os.path.lexists(target):
        os.unlink(target)


def _write_file(target: str, m: Member, inodes: dict) -> None:
    _replace(target)
    key = (m.dev, m.ino)
    if m.nlink > 1 and key in inodes:  # another name of a file already written
        os.link(inodes[key], target)
        if not m.data:  # odc repeats the data; newc carries it in the last name only
            return
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(m.data)
    os.chmod(target, stat.S_IMODE(m.mode))
    if m.nlink > 1:
        inodes.setdefault(key, target)


def _times(target: str, m: Member) -> None:
    try:
        os.utime(target, (m.mtime, m.mtime), follow_symlinks=False)
    except (OSError, NotImplementedError):
        pass
