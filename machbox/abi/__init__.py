"""machbox.abi: Darwin ABI facts as data.

The tables (constants.py, layouts.py) are generated from the real headers by
tools/gen_abi.py: each Darwin constant beside its Linux counterpart, each Darwin struct
with its size and field offsets. This module answers questions about them; cheader.py
turns them into the C header the native part is built with.
"""

from __future__ import annotations

# The tables are read on first use, not on import: a program's launch imports small modules
# of this package (the commpage layout) and should not pay ~1.5 ms for every constant.
_TABLES = ("AREAS", "DARWIN_ONLY_ERRNO", "DARWIN_PRIVATE", "LINUX_ONLY_ERRNO")


def __getattr__(name: str):
    if name in _TABLES:
        from machbox.abi import constants

        return getattr(constants, name)
    raise AttributeError(f"module 'machbox.abi' has no attribute {name!r}")


_by_name_cache: dict = {}


def _by_name() -> dict:
    if not _by_name_cache:  # functools.cache would cost the launch path its import
        from machbox.abi.constants import AREAS

        _by_name_cache.update({row[0]: row for rows in AREAS.values() for row in rows})
    return _by_name_cache


def darwin(name: str) -> int:
    """The Darwin value of a constant (KeyError if machbox does not record it)."""
    from machbox.abi.constants import DARWIN_PRIVATE

    if name in DARWIN_PRIVATE:
        return DARWIN_PRIVATE[name]
    return _by_name()[name][1]


def linux(name: str) -> int | None:
    """The Linux value paired with a Darwin constant, None where Linux has none."""
    return _by_name()[name][2]


def rows(area: str) -> tuple:
    """(Darwin name, Darwin value, Linux value or None, Linux name if different) rows."""
    from machbox.abi.constants import AREAS

    return AREAS[area]


def errno_name(darwin_errno: int) -> str | None:
    for name, value, _lv, _ln in rows("errno"):
        if value == darwin_errno:
            return name
    return None


def signal_name(darwin_signal: int) -> str | None:
    for name, value, _lv, _ln in rows("signals"):
        if value == darwin_signal:
            return name
    return None


__all__ = ["AREAS", "DARWIN_ONLY_ERRNO", "DARWIN_PRIVATE", "LINUX_ONLY_ERRNO", "darwin",
           "errno_name", "linux", "rows", "signal_name"]


_SCALARS = {"int8_t": "b", "uint8_t": "B", "char": "b", "int16_t": "h", "uint16_t": "H",
            "int32_t": "i", "uint32_t": "I", "int64_t": "q", "uint64_t": "Q", "void *": "Q"}


def pack(struct_name: str, **values) -> bytearray:
    """A Darwin struct as bytes: zero-filled, with the named fields set.

    Nested structs are set with "outer__inner" names (kp_eproc__e_ppid); char arrays take
    bytes (truncated to fit, NUL-terminated when there is room)."""
    import struct as _struct

    from machbox.abi.layouts import LAYOUTS

    size = LAYOUTS[struct_name][0]
    out = bytearray(size)
    for name, value in values.items():
        offset, ctype, length = field(struct_name, name)
        if "[" in ctype and not ctype.startswith("char["):  # first element of an array
            ctype = ctype.split("[", 1)[0]
        if ctype.startswith("char["):
            data = bytes(value)[:length - 1] if len(value) >= length else bytes(value)
            out[offset:offset + len(data)] = data
        else:
            _struct.pack_into("<" + _SCALARS[ctype], out, offset, value)
    return out


def layout_size(struct_name: str) -> int:
    from machbox.abi.layouts import LAYOUTS

    return LAYOUTS[struct_name][0]


def field(struct_name: str, path: str) -> tuple[int, str, int]:
    """(offset, C type, size) of a field; "a__b" reaches field b of struct field a."""
    from machbox.abi.layouts import LAYOUTS

    offset = 0
    for part in path.split("__"):
        fields = {row[0]: row[1:] for row in LAYOUTS[struct_name][1]}
        if part not in fields:
            raise KeyError(f"{struct_name} has no field {part}")
        ctype, foffset, fsize = fields[part]
        offset += foffset
        if ctype.startswith("struct darwin_"):
            struct_name = ctype[len("struct darwin_"):]
    return offset, ctype, fsize
