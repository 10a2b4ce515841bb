"""xar archives, the container of flat packages.

Layout (all big-endian): a header (magic "xar!", header size, version, compressed and
uncompressed lengths of the table of contents, checksum algorithm), the table of contents
(zlib-compressed XML naming every file, its metadata and where its data lies in the heap),
then the heap. The TOC's own checksum lies in the heap at <toc><checksum><offset>; each
file's data carries an archived checksum (of the stored bytes) and an extracted one (of the
decoded bytes). Both are verified on reading: a damaged package is refused, not installed."""

from __future__ import annotations

import bz2
import hashlib
import lzma
import struct
import zlib
from dataclasses import dataclass
from xml.etree import ElementTree

from machbox.tools.flatpkg import PackageError

MAGIC = b"xar!"
HEADER = struct.Struct(">4sHHQQI")
# the header's checksum algorithm numbers, and the hashlib names of the TOC's styles
CHECKSUM_NAMES = {0: "none", 1: "sha1", 2: "md5"}
DIGESTS = {"sha1", "md5", "sha256", "sha512"}


@dataclass
class Entry:
    path: str
    type: str  # file, directory, symlink, hardlink
    mode: int
    uid: int
    gid: int
    mtime: str
    link: str | None = None
    offset: int = 0
    length: int = 0  # stored bytes in the heap
    size: int = 0  # decoded bytes
    encoding: str = "application/octet-stream"
    archived: tuple[str, str] | None = None  # (style, hex digest)
    extracted: tuple[str, str] | None = None


class Xar:
    """A xar archive opened from a file: its entries by path, and their data."""

    def __init__(self, path: str):
        self.path = path
        try:
            with open(path, "rb") as f:
                self.raw = f.read()
        except OSError as e:
            raise PackageError(f"{path}: {e.strerror}") from None
        self.toc = self._read_toc()
        self.entries: dict[str, Entry] = {}
        for node in self.toc.findall("file"):
            self._add(node, "")

    def _read_toc(self) -> ElementTree.Element:
        if len(self.raw) < HEADER.size or self.raw[:4] != MAGIC:
            raise PackageError(f"{self.path}: not a flat package (no xar header)")
        _, hsize, _, clen, ulen, alg = HEADER.unpack_from(self.raw)
        self.heap = hsize + clen
        compressed = self.raw[hsize:hsize + clen]
        try:
            text = zlib.decompress(compressed)
        except zlib.error as e:
            raise PackageError(f"{self.path}: damaged table of contents ({e})") from None
        if len(text) != ulen:
            raise PackageError(f"{self.path}: table of contents is {len(text)} bytes, "
                               f"the header says {ulen}")
        try:
            root = ElementTree.fromstring(text)
        except ElementTree.ParseError as e:
            raise PackageError(f"{self.path}: table of contents is not XML ({e})") from None
        toc = root.find("toc")
        if toc is None:
            raise PackageError(f"{self.path}: table of contents has no <toc>")
        self._check_toc(toc, compressed, CHECKSUM_NAMES.get(alg, "other"))
        return toc

    def _check_toc(self, toc, compressed: bytes, style: str) -> None:
        node = toc.find("checksum")
        if node is None or style == "none":
            return
        style = node.get("style", style).lower()
        offset, size = _int(node, "offset"), _int(node, "size")
        stored = self.raw[self.heap + offset:self.heap + offset + size]
        if style in DIGESTS and hashlib.new(style, compressed).digest() != stored:
            raise PackageError(f"{self.path}: table of contents checksum mismatch")

    def _add(self, node, parent: str) -> None:
        name = node.findtext("name", "")
        if not name or "/" in name or name in (".", ".."):
            raise PackageError(f"{self.path}: bad file name {name!r} in the archive")
        path = f"{parent}/{name}" if parent else name
        entry = Entry(path=path, type=node.findtext("type", "file"),
                      mode=int(node.findtext("mode", "0644"), 8),
                      uid=int(node.findtext("uid", "0")), gid=int(node.findtext("gid", "0")),
                      mtime=node.findtext("mtime", ""))
        link = node.find("link")
        if link is not None:
            entry.link = link.text or ""
        data = node.find("data")
        if data is not None:
            entry.offset, entry.length = _int(data, "offset"), _int(data, "length")
            entry.size = _int(data, "size")
            enc = data.find("encoding")
            if enc is not None:
                entry.encoding = enc.get("style", entry.encoding)
            entry.archived = _checksum(data, "archived-checksum")
            entry.extracted = _checksum(data, "extracted-checksum")
        self.entries[path] = entry
        for child in node.findall("file"):
            self._add(child, path)

    def read(self, path: str) -> bytes:
        """The decoded data of the file at ``path``, its checksums verified."""
        entry = self.entries.get(path)
        if entry is None:
            raise PackageError(f"{self.path}: no {path} in the package")
        start = self.heap + entry.offset
        stored = self.raw[start:start + entry.length]
        if len(stored) != entry.length:
            raise PackageError(f"{self.path}: {path} is cut short")
        _verify(self.path, path, stored, entry.archived, "archived")
        data = _decode(self.path, path, stored, entry.encoding)
        _verify(self.path, path, data, entry.extracted, "extracted")
        return data

    def has(self, path: str) -> bool:
        return path in self.entries


def _int(node, tag: str) -> int:
    try:
        return int(node.findtext(tag, "0"))
    except ValueError:
        raise PackageError(f"bad <{tag}> in the table of contents") from None


def _checksum(data, tag: str) -> tuple[str, str] | None:
    node = data.find(tag)
    if node is None or not node.text:
        return None
    return node.get("style", "sha1").lower(), node.text.strip().lower()


def _verify(archive: str, path: str, data: bytes, checksum, which: str) -> None:
    if checksum is None or checksum[0] not in DIGESTS:
        return
    if hashlib.new(checksum[0], data).hexdigest() != checksum[1]:
        raise PackageError(f"{archive}: {path}: {which} checksum mismatch")


def _decode(archive: str, path: str, stored: bytes, encoding: str) -> bytes:
    try:
        if encoding == "application/x-gzip":  # xar's "gzip" is a zlib stream
            return zlib.decompress(stored)
        if encoding == "application/x-bzip2":
            return bz2.decompress(stored)
        if encoding in ("application/x-lzma", "application/x-xz"):
            return lzma.decompress(stored)
    except (zlib.error, OSError, lzma.LZMAError, EOFError) as e:
        raise PackageError(f"{archive}: {path}: cannot decode ({e})") from None
    if encoding == "application/octet-stream":
        return stored
    raise PackageError(f"{archive}: {path}: unknown encoding {encoding}")
