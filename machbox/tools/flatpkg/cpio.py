"""cpio archives: Payload and Scripts of a component package.

Apple's pkgbuild writes the portable ASCII format (odc, magic 070707: octal fields); the SVR4
"newc" format (070701/070702: hex fields, 4-byte alignment) is read too. The archive ends at
the entry named TRAILER!!!."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from machbox.tools.flatpkg import PackageError

S_IFMT, S_IFDIR, S_IFREG, S_IFLNK = 0o170000, 0o040000, 0o100000, 0o120000
TRAILER = "TRAILER!!!"
# odc: magic, dev, ino, mode, uid, gid, nlink, rdev, mtime, namesize, filesize
ODC_FIELDS = (6, 6, 6, 6, 6, 6, 6, 6, 11, 6, 11)
NEWC_FIELDS = 13  # after the magic: 13 fields of 8 hex digits


@dataclass
class Member:
    name: str  # as stored, e.g. "./Applications/hello.txt"
    mode: int
    uid: int
    gid: int
    mtime: int
    ino: int
    nlink: int
    dev: int
    data: bytes  # a regular file's contents, a symlink's target

    @property
    def kind(self) -> int:
        return self.mode & S_IFMT

    @property
    def path(self) -> str:
        """The name without its leading "./" ("" for the root entry ".")."""
        name = self.name
        while name.startswith("./"):
            name = name[2:]
        return "" if name == "." else name.lstrip("/")


def members(data: bytes) -> Iterator[Member]:
    pos = 0
    while pos < len(data):
        magic = data[pos:pos + 6]
        if magic == b"070707":
            member, pos = _odc(data, pos)
        elif magic in (b"070701", b"070702"):
            member, pos = _newc(data, pos)
        else:
            raise PackageError(f"not a cpio archive (bad magic at offset {pos})")
        if member.name == TRAILER:
            return
        yield member
    raise PackageError("cpio archive ends without its trailer")


def _fields(data: bytes, pos: int, widths, base: int) -> list[int]:
    out = []
    for w in widths:
        try:
            out.append(int(data[pos:pos + w], base))
        except ValueError:
            raise PackageError(f"bad cpio header at offset {pos}") from None
        pos += w
    return out


def _odc(data: bytes, pos: int) -> tuple[Member, int]:
    dev, ino, mode, uid, gid, nlink, _, mtime, namesize, filesize = _fields(
        data, pos + 6, ODC_FIELDS[1:], 8)
    start = pos + 76
    name = _name(data, start, namesize)
    body = start + namesize
    return _member(name, mode, uid, gid, mtime, ino, nlink, dev, data, body, filesize), \
        body + filesize


def _newc(data: bytes, pos: int) -> tuple[Member, int]:
    (ino, mode, uid, gid, nlink, mtime, filesize, major, minor, _, _, namesize,
     _) = _fields(data, pos + 6, (8,) * NEWC_FIELDS, 16)
    start = pos + 110
    name = _name(data, start, namesize)
    body = _align4(start + namesize)
    return _member(name, mode, uid, gid, mtime, ino, nlink, (major << 32) | minor, data, body,
                   filesize), _align4(body + filesize)


def _align4(n: int) -> int:
    return (n + 3) & ~3


def _name(data: bytes, start: int, namesize: int) -> str:
    raw = data[start:start + namesize]
    if len(raw) != namesize or not raw.endswith(b"\0"):
        raise PackageError(f"bad cpio member name at offset {start}")
    return raw[:-1].decode("utf-8", "surrogateescape")


def _member(name, mode, uid, gid, mtime, ino, nlink, dev, data, body, filesize) -> Member:
    content = data[body:body + filesize]
    if len(content) != filesize:
        raise PackageError(f"cpio member {name} is cut short")
    return Member(name, mode, uid, gid, mtime, ino, nlink, dev, content)
