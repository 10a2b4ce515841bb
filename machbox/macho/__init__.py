"""machbox.macho: a Mach-O parser, stdlib only, no side effects at import.

    from machbox.macho import parse_file, MachOError
    m = parse_file("./ninja")          # picks the x86_64 slice of a fat file
    m.segments, m.dylibs, m.binds(), m.exports(), m.entry ...

Malformed input raises MachOError (with .kind: not_macho, truncated, malformed, wrong_arch,
unsupported) saying what and where; never another exception.
"""

from __future__ import annotations

import mmap
import os

from machbox.macho import constants as C
from machbox.macho.image import MachO
from machbox.macho.reader import MachOError, truncated, unpack

__all__ = ["MachO", "MachOError", "parse_bytes", "parse_file"]

_MAX_FAT_ARCHES = 64  # a Java class file shares the fat magic, with a version number here


def _arch_name(cputype: int) -> str:
    return C.CPU_TYPES.get(cputype, f"cputype {cputype:#x}")


def _fat_slice(data, path: str):
    magic, count = unpack(">2I", data, 0, "fat header")
    if count == 0 or count > _MAX_FAT_ARCHES:
        raise MachOError("not_macho", "not a Mach-O file")
    wide = magic == C.FAT_MAGIC_64
    entry = ">iiQQII" if wide else ">iiIII"
    size = 32 if wide else 20
    arches = []
    for i in range(count):
        cputype, _sub, offset, length, *_ = unpack(entry, data, 8 + size * i, f"fat arch {i}")
        arches.append((cputype & 0xFFFFFFFF, offset, length))
    names = [_arch_name(c) for c, _, _ in arches]
    for cputype, offset, length in arches:
        if cputype == C.CPU_TYPE_X86_64:
            if offset + length > len(data) or offset + length < offset:
                raise truncated("x86_64 slice of the fat file", offset)
            return offset, length, names
    only = " and ".join(names) if names else "no architecture"
    raise MachOError("wrong_arch", f"{only} only, this host runs x86_64")


def parse_bytes(data, path: str = "<bytes>") -> MachO:
    """Parses a whole file's bytes (bytes, bytearray, memoryview or mmap)."""
    try:
        if len(data) < 4:
            raise MachOError("not_macho" if len(data) == 0 else "truncated",
                             "empty file: not a Mach-O file" if len(data) == 0 else
                             "truncated: shorter than a Mach-O header")
        (be,) = unpack(">I", data, 0, "magic")
        (le,) = unpack("<I", data, 0, "magic")
        view = memoryview(data)
        if be in (C.FAT_MAGIC, C.FAT_MAGIC_64):
            offset, length, names = _fat_slice(data, path)
            slice_view = view[offset:offset + length]
            (inner,) = unpack("<I", slice_view, 0, "x86_64 slice magic")
            if inner != C.MH_MAGIC_64:
                raise MachOError("malformed", "malformed: the x86_64 slice is not a Mach-O")
            return MachO(slice_view, path, offset, names)
        if le == C.MH_MAGIC_64:
            (cputype,) = unpack("<i", data, 4, "cputype")
            if cputype & 0xFFFFFFFF != C.CPU_TYPE_X86_64:
                raise MachOError("wrong_arch",
                                 f"{_arch_name(cputype & 0xFFFFFFFF)} only, this host runs x86_64")
            return MachO(view, path, 0, ["x86_64"])
        if le == C.MH_MAGIC:
            raise MachOError("unsupported", "32-bit Mach-O (i386 or arm) is not supported")
        if le in (C.MH_CIGAM, C.MH_CIGAM_64):
            raise MachOError("unsupported", "big-endian Mach-O (PowerPC) is not supported")
        raise MachOError("not_macho", "not a Mach-O file")
    except MachOError:
        raise
    except (IndexError, ValueError, OverflowError, UnicodeError, MemoryError,
            RecursionError) as e:  # a parser bug must still look like bad input
        raise MachOError("malformed", f"malformed: {type(e).__name__}: {e}") from None


def parse_file(path: str) -> MachO:
    """Parses a file, mapping it rather than reading it (large binaries stay cheap)."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            return parse_bytes(b"", path)
        data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    return parse_bytes(data, path)
