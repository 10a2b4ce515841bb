"""A component package's Payload (and Scripts): a cpio archive, compressed.

pkgbuild compresses with gzip; macOS's own packages use pbzx: magic "pbzx", a 64-bit flags
word, then chunks (64-bit flags, 64-bit length, data) while the flags' bit 24 says more
follow; a chunk is an xz stream, or stored as is when it does not start with xz's magic."""

from __future__ import annotations

import bz2
import gzip
import lzma
import struct
import zlib

from machbox.tools.flatpkg import PackageError, cpio

PBZX = b"pbzx"
XZ_MAGIC = b"\xfd7zXZ\x00"
MORE_CHUNKS = 0x01000000


def decompress(data: bytes) -> bytes:
    """The cpio archive inside a Payload or Scripts file, whatever its compression."""
    try:
        if data[:2] == b"\x1f\x8b":
            return gzip.decompress(data)
        if data[:4] == PBZX:
            return _pbzx(data)
        if data[:3] == b"BZh":
            return bz2.decompress(data)
        if data[:6] == XZ_MAGIC:
            return lzma.decompress(data)
    except (OSError, EOFError, zlib.error, lzma.LZMAError) as e:
        raise PackageError(f"cannot decompress the payload ({e})") from None
    if data[:5] in (b"07070", b""):
        return data
    raise PackageError("payload is not a cpio archive (gzip, bzip2, xz, pbzx or plain)")


def _pbzx(data: bytes) -> bytes:
    (flags,) = struct.unpack_from(">Q", data, 4)
    pos, out = 12, []
    while flags & MORE_CHUNKS:
        if pos + 16 > len(data):
            raise PackageError("pbzx payload is cut short")
        flags, length = struct.unpack_from(">QQ", data, pos)
        pos += 16
        chunk = data[pos:pos + length]
        if len(chunk) != length:
            raise PackageError("pbzx chunk is cut short")
        out.append(lzma.decompress(chunk) if chunk[:6] == XZ_MAGIC else chunk)
        pos += length
    return b"".join(out)


def members(data: bytes):
    """The cpio members of a compressed Payload or Scripts file."""
    return cpio.members(decompress(data))
