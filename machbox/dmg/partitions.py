"""Partition maps inside a disk: GPT (with its protective MBR), Apple Partition Map, a plain
MBR, or none (the disk is one volume). Each partition is named by its Apple type, as
hdiutil prints it (Apple_HFS, Apple_APFS, ...)."""

from __future__ import annotations

import struct
import uuid
import zlib
from dataclasses import dataclass

from machbox.dmg import MALFORMED, ImageError, malformed

SECTOR = 512
GPT_SIGNATURE = b"EFI PART"
GPT_HEADER = struct.Struct("<8sIIIIQQQQ16sQIII")
GPT_ENTRY = struct.Struct("<16s16sQQQ72s")
GPT_ENTRIES = 128
GPT_ENTRY_SECTORS = GPT_ENTRIES * GPT_ENTRY.size // SECTOR   # 32
GPT_FIRST_USABLE = 40   # hdiutil starts the first partition 4 KiB-aligned at sector 40
APM_ENTRY = struct.Struct(">2sHIII32s32s")
MBR_ENTRY = struct.Struct("<B3sB3sII")

# GPT partition type GUIDs -> the Apple type names hdiutil shows
GPT_TYPES = {
    uuid.UUID("48465300-0000-11AA-AA11-00306543ECAC"): "Apple_HFS",
    uuid.UUID("7C3457EF-0000-11AA-AA11-00306543ECAC"): "Apple_APFS",
    uuid.UUID("426F6F74-0000-11AA-AA11-00306543ECAC"): "Apple_Boot",
    uuid.UUID("C12A7328-F81F-11D2-BA4B-00A0C93EC93B"): "EFI",
    uuid.UUID("EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"): "Microsoft Basic Data",
}
TYPE_GUIDS = {name: guid for guid, name in GPT_TYPES.items()}
MBR_TYPES = {0xAF: "Apple_HFS", 0xEE: "EFI", 0x07: "Windows_NTFS", 0x0B: "DOS_FAT_32",
             0x0C: "DOS_FAT_32", 0x83: "Linux"}


@dataclass
class Partition:
    index: int
    name: str      # the partition's own name ("disk image", "EFI System Partition", ...)
    type: str      # Apple_HFS, Apple_APFS, ...
    offset: int    # bytes from the start of the disk
    size: int      # bytes
    guid: str = ""  # a GPT partition's type GUID, which `hdiutil info` shows
    uuid: str = ""  # a GPT partition's own GUID


@dataclass
class Map:
    scheme: str    # GUID_partition_scheme, Apple_partition_scheme, FDisk_partition_scheme, none
    partitions: list[Partition]


def read_map(read, disk_size: int) -> Map:
    """The partition map of a disk read through ``read(offset, size)``."""
    try:
        return _read_map(read, disk_size)
    except MALFORMED as e:
        raise malformed("the partition map", e) from None


def _read_map(read, disk_size: int) -> Map:
    head = read(0, min(disk_size, 4 * SECTOR))
    if len(head) >= 2 * SECTOR and head[SECTOR:SECTOR + 8] == GPT_SIGNATURE:
        return Map("GUID_partition_scheme", _read_gpt(read, head[SECTOR:2 * SECTOR]))
    if head[:2] == b"ER" and len(head) >= 2 * SECTOR and head[SECTOR:SECTOR + 2] == b"PM":
        return Map("Apple_partition_scheme", _read_apm(read, head))
    if len(head) >= SECTOR and head[510:512] == b"\x55\xaa" and not _looks_like_volume(head):
        parts = _read_mbr(head)
        if parts:
            return Map("FDisk_partition_scheme", parts)
    return Map("none", [Partition(0, "", volume_type(read, 0), 0, disk_size)])


def _looks_like_volume(head: bytes) -> bool:
    return head[32:36] == b"NXSB" or (len(head) >= 1026 and head[1024:1026] in (b"H+", b"HX"))


def volume_type(read, offset: int) -> str:
    """What file system starts at ``offset``: Apple_HFS, Apple_APFS or Apple_Free."""
    try:
        head = read(offset, 1536)
    except ImageError:
        return "Apple_Free"
    if head[32:36] == b"NXSB":
        return "Apple_APFS"
    if head[1024:1026] in (b"H+", b"HX", b"BD"):
        return "Apple_HFS"
    return "Apple_Free"


def _read_gpt(read, header: bytes) -> list[Partition]:
    (_, _, size, crc, _, _, _, _, _, _, entries_lba, count, entry_size,
     _) = GPT_HEADER.unpack_from(header)
    fixed = header[:16] + b"\0\0\0\0" + header[20:size]
    if zlib.crc32(fixed) != crc:
        raise ImageError("GPT header checksum does not match")
    if entry_size < GPT_ENTRY.size or count > 1024:
        raise ImageError(f"GPT partition entries of {entry_size} bytes x {count}: not supported")
    table = read(entries_lba * SECTOR, count * entry_size)
    parts = []
    for i in range(count):
        type_guid, own, first, last, _, name = GPT_ENTRY.unpack_from(table, i * entry_size)
        if type_guid == bytes(16):
            continue
        guid = str(uuid.UUID(bytes_le=type_guid)).upper()
        kind = GPT_TYPES.get(uuid.UUID(guid), guid)
        label = name.decode("utf-16-le", "replace").split("\0")[0]
        parts.append(Partition(i, label, kind, first * SECTOR, (last - first + 1) * SECTOR,
                               guid, str(uuid.UUID(bytes_le=own)).upper()))
    return parts


def _read_apm(read, head: bytes) -> list[Partition]:
    block = struct.unpack_from(">H", head, 2)[0] or SECTOR
    first = APM_ENTRY.unpack_from(read(block, APM_ENTRY.size))
    count = first[2]
    if count > 256:
        raise ImageError(f"Apple partition map with {count} entries")
    parts = []
    for i in range(count):
        sig, _, _, start, blocks, name, kind = APM_ENTRY.unpack_from(
            read((i + 1) * block, APM_ENTRY.size))
        if sig != b"PM":
            raise ImageError(f"Apple partition map entry {i + 1} has no PM signature")
        parts.append(Partition(i, _cstr(name), _cstr(kind), start * block, blocks * block))
    return parts


def _read_mbr(head: bytes) -> list[Partition]:
    parts = []
    for i in range(4):
        _, _, kind, _, first, count = MBR_ENTRY.unpack_from(head, 446 + 16 * i)
        if kind and count:
            parts.append(Partition(i, "", MBR_TYPES.get(kind, f"0x{kind:02X}"), first * SECTOR,
                                   count * SECTOR))
    return parts


def _cstr(raw: bytes) -> str:
    return raw.split(b"\0")[0].decode("mac_roman")


# ---- the map as hdiutil imageinfo lists it --------------------------------------------------

def listing(pmap: Map, disk_sectors: int) -> list[dict]:
    """Every run of the disk in order, as imageinfo's "partitions": for GPT the protective
    MBR, the headers and tables and the free gaps are "synthesized" entries around the real
    partitions; a disk without a map is one synthesized "whole disk"."""
    if pmap.scheme == "none":
        part = pmap.partitions[0]
        return [_synthesized("whole disk", 0, disk_sectors, part.type, part)]
    if pmap.scheme == "Apple_partition_scheme":
        return [_synthesized("Driver Descriptor Map", 0, 1, "DDM")] + [
            _real(p, n) for n, p in enumerate(pmap.partitions, 1)]
    if pmap.scheme != "GUID_partition_scheme":
        return [_real(p, n) for n, p in enumerate(pmap.partitions, 1)]
    backup_table = disk_sectors - 1 - GPT_ENTRY_SECTORS
    out = [_synthesized("Protective Master Boot Record", 0, 1, "MBR"),
           _synthesized("GPT Header", 1, 1, "Primary GPT Header"),
           _synthesized("GPT Partition Data", 2, GPT_ENTRY_SECTORS, "Primary GPT Table")]
    cursor = 2 + GPT_ENTRY_SECTORS
    for number, part in enumerate(sorted(pmap.partitions, key=lambda p: p.offset), 1):
        start = part.offset // SECTOR
        if start > cursor:
            out.append(_synthesized("", cursor, start - cursor, "Apple_Free"))
        out.append(_real(part, number))
        cursor = start + part.size // SECTOR
    if backup_table > cursor:
        out.append(_synthesized("", cursor, backup_table - cursor, "Apple_Free"))
    out += [_synthesized("GPT Partition Data", backup_table, GPT_ENTRY_SECTORS,
                         "Backup GPT Table"),
            _synthesized("GPT Header", disk_sectors - 1, 1, "Backup GPT Header")]
    return out


def _synthesized(name: str, start: int, length: int, hint: str,
                 part: Partition | None = None) -> dict:
    entry = {"partition-name": name, "partition-start": start, "partition-synthesized": True,
             "partition-length": length, "partition-hint": hint}
    if part is not None:
        entry["source"] = part
    return entry


def _real(part: Partition, number: int) -> dict:
    entry = {}
    if part.uuid:
        entry["partition-UUID"] = part.uuid
    entry["partition-name"] = part.name
    if part.guid:
        entry["partition-hint-UUID"] = part.guid
    entry.update({"partition-start": part.offset // SECTOR, "partition-number": number,
                  "partition-length": part.size // SECTOR, "partition-hint": part.type,
                  "source": part})
    return entry


# ---- writing a GPT disk around one volume, laid out as hdiutil does --------------------------

@dataclass
class Layout:
    """Sector runs of a GPT disk holding one partition, with hdiutil's blkx names."""
    runs: list[tuple[str, int, int, bytes | None]]   # (CFName, first sector, count, bytes)
    volume_sector: int
    total_sectors: int


def gpt_layout(volume_sectors: int, kind: str = "Apple_HFS", name: str = "disk image") -> Layout:
    first = GPT_FIRST_USABLE
    end_free = 8                       # hdiutil leaves a small gap before the backup table
    total = first + volume_sectors + end_free + GPT_ENTRY_SECTORS + 1
    last_usable = total - GPT_ENTRY_SECTORS - 2
    entry = GPT_ENTRY.pack(TYPE_GUIDS[kind].bytes_le, uuid.uuid4().bytes_le, first,
                           first + volume_sectors - 1, 0, name.encode("utf-16-le"))
    table = entry.ljust(GPT_ENTRIES * GPT_ENTRY.size, b"\0")
    disk_guid = uuid.uuid4().bytes_le
    primary = _gpt_header(1, total - 1, last_usable, 2, table, disk_guid)
    backup = _gpt_header(total - 1, 1, last_usable, total - 1 - GPT_ENTRY_SECTORS, table,
                         disk_guid)
    runs = [
        ("Protective Master Boot Record (MBR : 0)", 0, 1, _protective_mbr(total)),
        ("GPT Header (Primary GPT Header : 1)", 1, 1, primary),
        ("GPT Partition Data (Primary GPT Table : 2)", 2, GPT_ENTRY_SECTORS, table),
        (" (Apple_Free : 3)", 2 + GPT_ENTRY_SECTORS, first - 2 - GPT_ENTRY_SECTORS, None),
        (f"{name} ({kind} : 4)", first, volume_sectors, None),
        (" (Apple_Free : 5)", first + volume_sectors, end_free, None),
        ("GPT Partition Data (Backup GPT Table : 6)", total - 1 - GPT_ENTRY_SECTORS,
         GPT_ENTRY_SECTORS, table),
        ("GPT Header (Backup GPT Header : 7)", total - 1, 1, backup),
    ]
    return Layout(runs, first, total)


APM_MAP_SECTORS = 63            # the map partition's size in a one-partition APM disk
APM_VALID_ALLOCATED_INUSE = 0x37
DDM = struct.Struct(">2sHI")


def apm_layout(volume_sectors: int, kind: str = "Apple_HFS", name: str = "disk image") -> Layout:
    """An Apple Partition Map disk (hdiutil's SPUD layout): the driver descriptor map, the map
    partition describing itself, the volume, a free run at the end."""
    first = 1 + APM_MAP_SECTORS
    end_free = 8
    total = first + volume_sectors + end_free
    entries = [("Apple", "Apple_partition_map", 1, APM_MAP_SECTORS),
               (name, kind, first, volume_sectors), ("", "Apple_Free", first + volume_sectors,
                                                      end_free)]
    table = b"".join(APM_ENTRY.pack(b"PM", 0, len(entries), start, count,
                                    label.encode("mac_roman"), typ.encode("mac_roman")) +
                     struct.pack(">III", 0, count, APM_VALID_ALLOCATED_INUSE).ljust(
                         SECTOR - APM_ENTRY.size, b"\0")
                     for label, typ, start, count in entries)
    ddm = DDM.pack(b"ER", SECTOR, total).ljust(SECTOR, b"\0")
    runs = [("Driver Descriptor Map (DDM : 0)", 0, 1, ddm),
            ("Apple (Apple_partition_map : 1)", 1, APM_MAP_SECTORS, table),
            (f"{name} ({kind} : 2)", first, volume_sectors, None),
            (" (Apple_Free : 3)", first + volume_sectors, end_free, None)]
    return Layout(runs, first, total)


def _gpt_header(current: int, backup: int, last_usable: int, entries_lba: int, table: bytes,
                disk_guid: bytes) -> bytes:
    fields = [GPT_SIGNATURE, 0x00010000, 92, 0, 0, current, backup, GPT_FIRST_USABLE,
              last_usable, disk_guid, entries_lba, GPT_ENTRIES, GPT_ENTRY.size,
              zlib.crc32(table)]
    fields[3] = zlib.crc32(GPT_HEADER.pack(*fields))
    return GPT_HEADER.pack(*fields).ljust(SECTOR, b"\0")


def _protective_mbr(total: int) -> bytes:
    mbr = bytearray(SECTOR)
    mbr[446:462] = MBR_ENTRY.pack(0, b"\x00\x02\x00", 0xEE, b"\xff\xff\xff", 1,
                                  min(total - 1, 0xFFFFFFFF))
    mbr[510:512] = b"\x55\xaa"
    return bytes(mbr)
