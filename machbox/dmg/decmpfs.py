"""HFS+ file compression (decmpfs): a file flagged UF_COMPRESSED keeps an empty data fork and
its content in the com.apple.decmpfs extended attribute, either inline after a 16-byte header
or, when larger, in its resource fork as 64 KiB units. Little-endian fields; the resource
fork around the zlib units is a classic one holding a single 'cmpf' resource.

    header        "fpmc" magic, u32 type, u64 uncompressed size
    3 / 4         zlib, inline / resource fork (a unit starting 0xFF (low nibble 0xF) is raw)
    7 / 8         LZVN, inline / resource fork (a unit starting 0x06 is raw)
    11 / 12       LZFSE, inline / resource fork
    1, 9          raw inline (9: after a 0xCC marker)

LZVN and LZFSE decode through the LZFSE reference library (pyliblzfse); LZVN units are
wrapped in the "bvxn" block header that library reads.
"""

from __future__ import annotations

import struct
import zlib

from machbox.dmg import ImageError

XATTR_NAME = "com.apple.decmpfs"
UF_COMPRESSED = 0x20                   # BSD ownerFlags bit
HEADER = struct.Struct("<4sIQ")
MAGIC = b"fpmc"
UNIT = 65536
INLINE_MAX = 3802                      # the largest attribute HFS+ keeps inline
RAW_ATTR, ZLIB_ATTR, ZLIB_RSRC = 1, 3, 4
LZVN_ATTR, LZVN_RSRC, COPY_ATTR = 7, 8, 9
LZFSE_ATTR, LZFSE_RSRC = 11, 12
RSRC_HEADER = struct.Struct(">IIII")   # data offset, map offset, data length, map length
RSRC_DATA = 0x100
RSRC_MAP_SIZE = 50


# ---- encoding (zlib, as Apple's own tools write it) ----------------------------------------

def encode(data: bytes) -> tuple[bytes, bytes | None]:
    """(attribute value, resource fork or None) holding ``data`` zlib-compressed."""
    packed = zlib.compress(data, 9)
    if len(packed) >= len(data):
        packed = b"\xff" + data          # incompressible: stored, marked raw
    if HEADER.size + len(packed) <= INLINE_MAX:
        return HEADER.pack(MAGIC, ZLIB_ATTR, len(data)) + packed, None
    return HEADER.pack(MAGIC, ZLIB_RSRC, len(data)), _zlib_resource_fork(data)


def _zlib_resource_fork(data: bytes) -> bytes:
    units = []
    for start in range(0, len(data), UNIT):
        raw = data[start:start + UNIT]
        packed = zlib.compress(raw, 9)
        units.append(packed if len(packed) < len(raw) else b"\xff" + raw)
    table_size = 4 + 8 * len(units)
    table, offset = bytearray(struct.pack("<I", len(units))), table_size
    for unit in units:
        table += struct.pack("<II", offset, len(unit))
        offset += len(unit)
    body = bytes(table) + b"".join(units)
    data_length = 4 + len(body)
    header = RSRC_HEADER.pack(RSRC_DATA, RSRC_DATA + data_length, data_length, RSRC_MAP_SIZE)
    resource_map = (header + struct.pack(">IHHHHHIHHHBBBBI", 0, 0, 0, 28, RSRC_MAP_SIZE, 0,
                                         0x636D7066, 0, 10, 1, 0xFF, 0xFF, 0, 0, 0))
    # the map: header copy, next-map handle, file ref, attributes, type-list offset (28),
    # name-list offset (50), one type 'cmpf' with one resource (ID 1, no name, data at 0)
    resource_map = resource_map[:RSRC_MAP_SIZE].ljust(RSRC_MAP_SIZE, b"\0")
    return (header.ljust(RSRC_DATA, b"\0") + struct.pack(">I", len(body)) + body +
            resource_map)


# ---- decoding ----------------------------------------------------------------------------

def parse_header(value: bytes) -> tuple[int, int] | None:
    """(type, uncompressed size) of a decmpfs attribute, None if it is not one."""
    if len(value) < HEADER.size:
        return None
    magic, kind, size = HEADER.unpack_from(value)
    return (kind, size) if magic == MAGIC else None


def decode(value: bytes, read_resource) -> bytes:
    """The file's content from its attribute (and ``read_resource()``, its resource fork)."""
    parsed = parse_header(value)
    if parsed is None:
        raise ImageError("com.apple.decmpfs attribute without its fpmc header")
    kind, size = parsed
    payload = value[HEADER.size:]
    if kind == RAW_ATTR:
        out = payload
    elif kind == COPY_ATTR:
        out = payload[1:] if payload[:1] == b"\xcc" else payload
    elif kind == ZLIB_ATTR:
        out = payload[1:] if payload and payload[0] & 0x0F == 0x0F else _inflate(payload, size)
    elif kind in (LZVN_ATTR, LZFSE_ATTR):
        out = payload[1:] if payload[:1] == b"\x06" else _lz(kind, payload, size)
    elif kind == ZLIB_RSRC:
        out = _zlib_units(read_resource(), size)
    elif kind in (LZVN_RSRC, LZFSE_RSRC):
        out = _lz_units(kind, read_resource(), size)
    else:
        raise ImageError(f"HFS+ compression type {kind} is not supported")
    if len(out) != size:
        raise ImageError(f"compressed file holds {len(out)} bytes, {size} expected")
    return out


def _inflate(data: bytes, size: int) -> bytes:
    try:
        return zlib.decompressobj().decompress(data, size)
    except zlib.error as e:
        raise ImageError(f"compressed file does not inflate: {e}") from None


def _lz(kind: int, data: bytes, size: int) -> bytes:
    from machbox.dmg import codecs

    lzfse = codecs.lzfse_module()
    if kind in (LZVN_ATTR, LZVN_RSRC):  # a bare LZVN stream: give it its block header
        data = b"bvxn" + struct.pack("<II", size, len(data)) + data + b"bvx$"
    try:
        return lzfse.decompress(data)[:size]
    except Exception as e:  # the library raises its own error type
        raise ImageError(f"compressed file does not decode: {e}") from None


def _zlib_units(fork: bytes, size: int) -> bytes:
    if len(fork) < RSRC_DATA + 8:
        raise ImageError("compressed file's resource fork is truncated")
    data_offset = RSRC_HEADER.unpack_from(fork)[0]
    base = data_offset + 4
    count = struct.unpack_from("<I", fork, base)[0]
    if count != -(-size // UNIT) or base + 4 + 8 * count > len(fork):
        raise ImageError("compressed file's unit table does not match its size")
    out = bytearray()
    for i in range(count):
        offset, length = struct.unpack_from("<II", fork, base + 4 + 8 * i)
        unit = fork[base + offset:base + offset + length]
        want = min(UNIT, size - len(out))
        out += unit[1:] if unit and unit[0] & 0x0F == 0x0F else _inflate(unit, want)
    return bytes(out)


def _lz_units(kind: int, fork: bytes, size: int) -> bytes:
    count = -(-size // UNIT)
    if len(fork) < 4 * (count + 1):
        raise ImageError("compressed file's resource fork is truncated")
    offsets = struct.unpack_from(f"<{count + 1}I", fork)
    out = bytearray()
    for i in range(count):
        unit = fork[offsets[i]:offsets[i + 1]]
        want = min(UNIT, size - len(out))
        out += unit[1:] if unit[:1] == b"\x06" else _lz(kind, unit, want)
    return bytes(out)
