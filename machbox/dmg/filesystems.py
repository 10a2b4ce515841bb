"""Which reader opens a partition, by its Apple type: the file systems attach can mount."""

from __future__ import annotations

from machbox.dmg import MALFORMED, apfs, hfsplus, malformed

READERS = {"Apple_HFS": (hfsplus.Volume, "hfs", "HFS+"), "Apple_APFS": (apfs.Volume, "apfs",
                                                                      "APFS")}


def mountable(kind: str) -> bool:
    return kind in READERS


def open_volume(read, kind: str, offset: int, size: int):
    try:
        return READERS[kind][0](read, offset, size)
    except MALFORMED as e:
        raise malformed(f"the {display_name(kind)} volume", e) from None


def volume_kind(kind: str) -> str:
    """The volume-kind hdiutil's plists give (hfs, apfs)."""
    return READERS[kind][1]


def display_name(kind: str) -> str:
    return READERS[kind][2]
