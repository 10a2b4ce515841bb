"""machbox.abi: Darwin ABI facts as data.

The tables (constants.py, layouts.py) are generated from the real headers by
tools/gen_abi.py: each Darwin constant beside its Linux counterpart, each Darwin struct
with its size and field offsets. This module answers questions about them; cheader.py
turns them into the C header the native part is built with.
"""

from __future__ import annotations

from machbox.abi.constants import AREAS, DARWIN_ONLY_ERRNO, DARWIN_PRIVATE, LINUX_ONLY_ERRNO

_BY_NAME = {row[0]: row for rows in AREAS.values() for row in rows}


def darwin(name: str) -> int:
    """The Darwin value of a constant (KeyError if machbox does not record it)."""
    if name in DARWIN_PRIVATE:
        return DARWIN_PRIVATE[name]
    return _BY_NAME[name][1]


def linux(name: str) -> int | None:
    """The Linux value paired with a Darwin constant, None where Linux has none."""
    return _BY_NAME[name][2]


def rows(area: str) -> tuple:
    """(Darwin name, Darwin value, Linux value or None, Linux name if different) rows."""
    return AREAS[area]


def errno_name(darwin_errno: int) -> str | None:
    for name, value, _lv, _ln in AREAS["errno"]:
        if value == darwin_errno:
            return name
    return None


def signal_name(darwin_signal: int) -> str | None:
    for name, value, _lv, _ln in AREAS["signals"]:
        if value == darwin_signal:
            return name
    return None


__all__ = ["AREAS", "DARWIN_ONLY_ERRNO", "DARWIN_PRIVATE", "LINUX_ONLY_ERRNO", "darwin",
           "errno_name", "linux", "rows", "signal_name"]
