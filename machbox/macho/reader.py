"""Bounded reading: every access to file bytes goes through here and fails with one
MachOError that says what was being read and where, never IndexError or struct.error."""

from __future__ import annotations

import struct


class MachOError(Exception):
    """A file machbox cannot use as a Mach-O; `kind` is one of "not_macho", "truncated",
    "malformed", "wrong_arch", "unsupported"."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def truncated(what: str, offset: int) -> MachOError:
    return MachOError("truncated", f"truncated: {what} at offset {offset:#x} runs past the end")


def malformed(what: str, offset: int | None = None) -> MachOError:
    where = f" at offset {offset:#x}" if offset is not None else ""
    return MachOError("malformed", f"malformed: {what}{where}")


_STRUCTS: dict[str, struct.Struct] = {}


def unpack(fmt: str, data, offset: int, what: str) -> tuple:
    """struct.unpack_from with bounds checked up front."""
    s = _STRUCTS.get(fmt)
    if s is None:
        s = _STRUCTS[fmt] = struct.Struct(fmt)
    if offset < 0 or offset + s.size > len(data):
        raise truncated(what, offset)
    return s.unpack_from(data, offset)


def u32(data, offset: int, what: str) -> int:
    return unpack("<I", data, offset, what)[0]


def cstring(data, offset: int, end: int, what: str) -> str:
    """A NUL-terminated string within [offset, end)."""
    if offset < 0 or offset > end or end > len(data):
        raise truncated(what, offset)
    raw = bytes(data[offset:end])
    nul = raw.find(b"\0")
    if nul < 0:
        raise malformed(f"{what} is not NUL-terminated", offset)
    return raw[:nul].decode("utf-8", errors="surrogateescape")


def fixed_string(raw: bytes) -> str:
    """A char[16] name (segment and section names)."""
    return bytes(raw).split(b"\0", 1)[0].decode("utf-8", errors="surrogateescape")


def uleb(data, p: int, end: int, what: str) -> tuple[int, int]:
    """(value, next offset) of a ULEB128 inside [p, end); at most 10 bytes (64 bits)."""
    result = shift = 0
    start = p
    while True:
        if p >= end:
            raise truncated(f"ULEB128 in {what}", start)
        b = data[p]
        p += 1
        if shift >= 64 and b & 0x7F:
            raise malformed(f"ULEB128 in {what} overflows 64 bits", start)
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result & 0xFFFFFFFFFFFFFFFF, p
        if shift > 70:
            raise malformed(f"ULEB128 in {what} is too long", start)


def sleb(data, p: int, end: int, what: str) -> tuple[int, int]:
    result = shift = 0
    start = p
    while True:
        if p >= end:
            raise truncated(f"SLEB128 in {what}", start)
        b = data[p]
        p += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            if b & 0x40:
                result -= 1 << shift
            if not -(1 << 63) <= result < (1 << 63):
                raise malformed(f"SLEB128 in {what} overflows 64 bits", start)
            return result, p
        if shift > 70:
            raise malformed(f"SLEB128 in {what} is too long", start)
