"""UDIF, the .dmg container: a data fork of chunks, an XML property list whose
``resource-fork/blkx`` entries each hold a ``mish`` block table (which chunk makes which
sectors of the disk), and a 512-byte ``koly`` trailer at the very end.

All numbers are big-endian; a sector is 512 bytes. A file without a trailer is a raw disk
image (as hdiutil treats .img/.iso/.cdr files). ``open_image`` gives a Disk whose ``read``
serves any byte range of the emulated disk, decompressing only the chunks it touches.
"""

from __future__ import annotations

import bisect
import os
import plistlib
import struct
import uuid
import zlib
from dataclasses import dataclass, field
from xml.parsers.expat import ExpatError

from machbox.dmg import ImageError, codecs

SECTOR = 512
KOLY = struct.Struct(">4sIIIQQQQQII16sII128sQQ120sII128sIQ12x")
MISH = struct.Struct(">4sIQQQII24sII128sI")
CHUNK = struct.Struct(">IIQQQQ")
CHECKSUM_CRC32 = 2
FLAG_FLATTENED = 1
VARIANT_DEVICE = 1
CHUNK_SECTORS = 2048          # 1 MiB per chunk, as hdiutil writes
BLKX_ATTRIBUTES = "0x0050"
ZERO_KINDS = (codecs.ZERO_FILL, codecs.IGNORE)
MAX_COMPRESSED_CHUNK = 64 << 20   # hdiutil writes 1 MiB; other writers a partition at once

# -format NAME -> (chunk type for data, description for imageinfo)
FORMATS = {
    "UDZO": (codecs.ZLIB, "UDIF read-only compressed (zlib)"),
    "UDBZ": (codecs.BZIP2, "UDIF read-only compressed (bzip2)"),
    "ULFO": (codecs.LZFSE, "UDIF read-only compressed (lzfse)"),
    "UDCO": (codecs.ADC, "UDIF read-only compressed (adc)"),
    "ULMO": (codecs.LZMA, "UDIF read-only compressed (lzma)"),
    "UDRO": (codecs.RAW, "UDIF read-only"),
}
# read/write and CD/DVD master images are the disk's bytes alone, no trailer: hdiutil
# describes such a file as a CRawDiskImage, "raw read/write"
RAW_FORMATS = {"UDRW": ".dmg", "UDTO": ".cdr"}
WRITABLE_FORMATS = ("UDZO", "UDBZ", "ULFO", "ULMO", "UDCO", "UDRO", "UDRW", "UDTO")


@dataclass
class Chunk:
    kind: int
    sector: int       # first sector on the disk
    count: int        # sectors
    offset: int       # byte offset in the image file
    length: int       # bytes stored


@dataclass
class Block:
    """One blkx entry: a run of the disk (usually one partition) and its chunks."""
    name: str
    id: int
    attributes: str
    sector: int
    count: int
    checksum_type: int
    checksum: int
    chunks: list[Chunk] = field(default_factory=list)


@dataclass
class Trailer:
    flags: int
    data_offset: int
    data_length: int
    rsrc_offset: int
    rsrc_length: int
    segment: int
    segments: int
    segment_id: uuid.UUID
    data_checksum_type: int
    data_checksum: int
    xml_offset: int
    xml_length: int
    master_checksum_type: int
    master_checksum: int
    variant: int
    sectors: int


class Disk:
    """The emulated disk of an image, readable at any offset."""

    def __init__(self, path: str, trailer: Trailer | None, blocks: list[Block], size: int):
        self.path = path
        self.trailer = trailer
        self.blocks = blocks
        self.size = size
        self._file = open(path, "rb")
        self._chunks = sorted((c for b in blocks for c in b.chunks if c.count),
                              key=lambda c: c.sector)
        self._starts = [c.sector for c in self._chunks]
        self._cache: dict[int, bytes] = {}

    def close(self) -> None:
        self._file.close()

    def reopen(self) -> None:
        """A file of its own (after a fork, so that offsets are not shared)."""
        self._file.close()
        self._file = open(self.path, "rb")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def format(self) -> str:
        if self.trailer is None:  # as imageinfo names raw files: by their extension
            ext = os.path.splitext(self.path)[1].lower()
            return {".dmg": "UDRW", ".cdr": "UDTO", ".iso": "UDTO"}.get(ext, "RAW*")
        kinds = {c.kind for c in self._chunks}
        for name, (kind, _) in FORMATS.items():
            if kind in kinds and kind != codecs.RAW:
                return name
        return "UDRO"

    def read(self, offset: int, size: int) -> bytes:
        if offset < 0 or offset + size > self.size:
            raise ImageError(f"read past the end of the disk ({offset}+{size} > {self.size})")
        if self.trailer is None:
            self._file.seek(offset)
            data = self._file.read(size)
            if len(data) != size:
                raise ImageError("image is truncated")
            return data
        out = bytearray()
        while size:
            sector = offset // SECTOR
            i = bisect.bisect_right(self._starts, sector) - 1
            chunk = self._chunks[i] if i >= 0 else None
            if chunk is None or sector >= chunk.sector + chunk.count:
                raise ImageError(f"sector {sector} is in no chunk of the image")
            start = offset - chunk.sector * SECTOR
            piece = self._piece(i, chunk, start, min(size, chunk.count * SECTOR - start))
            out += piece
            offset += len(piece)
            size -= len(piece)
        return bytes(out)

    def _piece(self, index: int, chunk: Chunk, start: int, size: int) -> bytes:
        """``size`` bytes from ``start`` within a chunk. Zero and raw chunks are read as
        needed (free space can be gigabytes in one chunk); compressed ones are decoded
        whole (hdiutil's are at most 1 MiB) and cached."""
        if chunk.kind in ZERO_KINDS:
            return bytes(size)
        if chunk.kind == codecs.RAW:
            if size > chunk.length - start:
                raise ImageError("raw chunk is shorter than the sectors it maps")
            self._file.seek(chunk.offset + start)
            data = self._file.read(size)
            if len(data) != size:
                raise ImageError("image is truncated: a chunk runs past the end of the file")
            return data
        data = self._cache.get(index)
        if data is None:
            data = self.chunk_bytes(chunk)
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[index] = data
        return data[start:start + size]

    def chunk_bytes(self, chunk: Chunk) -> bytes:
        size = chunk.count * SECTOR
        if chunk.kind not in ZERO_KINDS and chunk.kind != codecs.RAW and \
                size > MAX_COMPRESSED_CHUNK:
            raise ImageError(f"a {codecs.NAMES[chunk.kind]} chunk of {chunk.count} sectors "
                             "(too large to be one of hdiutil's)")
        if chunk.kind in ZERO_KINDS:
            return bytes(size)
        self._file.seek(chunk.offset)
        stored = self._file.read(chunk.length)
        if len(stored) != chunk.length:
            raise ImageError("image is truncated: a chunk runs past the end of the file")
        return codecs.decompress(chunk.kind, stored, size)

    def block_bytes(self, block: Block):
        """The uncompressed sectors of ``block`` its checksum covers, 1 MiB at most at a time:
        all but the "ignore" chunks (free space, which no checksum covers)."""
        for chunk in block.chunks:
            if not chunk.count or chunk.kind == codecs.IGNORE:
                continue
            if chunk.kind in ZERO_KINDS or chunk.kind == codecs.RAW:
                for start in range(0, chunk.count * SECTOR, 1 << 20):
                    yield self._piece(-1, chunk, start, min(1 << 20,
                                                            chunk.count * SECTOR - start))
            else:
                yield self.chunk_bytes(chunk)


def open_image(path: str) -> Disk:
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            trailer = None
            if size >= KOLY.size:
                f.seek(size - KOLY.size)
                trailer = parse_trailer(f.read(KOLY.size))
            if trailer is None:
                return Disk(path, None, [], size)
            blocks = read_blocks(f, trailer, size)
    except OSError as e:
        raise ImageError(e.strerror or str(e)) from None
    # the trailer's sector count, or where the blocks end when a writer left it 0
    sectors = max([trailer.sectors] + [b.sector + b.count for b in blocks])
    return Disk(path, trailer, blocks, sectors * SECTOR)


def parse_trailer(raw: bytes) -> Trailer | None:
    f = KOLY.unpack(raw)
    if f[0] != b"koly":
        return None
    if f[1] != 4 or f[2] != KOLY.size:
        raise ImageError(f"unsupported UDIF trailer (version {f[1]}, size {f[2]})")
    return Trailer(flags=f[3], data_offset=f[5], data_length=f[6], rsrc_offset=f[7],
                   rsrc_length=f[8], segment=f[9], segments=f[10], segment_id=uuid.UUID(
                       bytes=f[11]), data_checksum_type=f[12],
                   data_checksum=struct.unpack_from(">I", f[14])[0], xml_offset=f[15],
                   xml_length=f[16], master_checksum_type=f[18],
                   master_checksum=struct.unpack_from(">I", f[20])[0], variant=f[21],
                   sectors=f[22])


def read_blocks(f, trailer: Trailer, file_size: int) -> list[Block]:
    if trailer.segments > 1:
        raise ImageError(f"segmented images are not supported ({trailer.segments} segments)")
    if trailer.xml_length == 0:
        raise ImageError("image has no XML property list (resource-fork-only images from "
                         "before Mac OS X 10.2 are not supported)")
    if trailer.xml_offset + trailer.xml_length > file_size:
        raise ImageError("image is truncated: its property list runs past the end of the file")
    f.seek(trailer.xml_offset)
    try:
        plist = plistlib.loads(f.read(trailer.xml_length))
        entries = plist["resource-fork"]["blkx"]
    except (plistlib.InvalidFileException, ExpatError, KeyError, TypeError, ValueError) as e:
        raise ImageError(f"image property list is unreadable ({e.__class__.__name__})") from None
    blocks = [parse_block(e, trailer.data_offset) for e in entries]
    for b in blocks:
        for c in b.chunks:
            if c.length and c.offset + c.length > file_size:
                raise ImageError("image is truncated: a chunk runs past the end of the file")
    return blocks


def parse_block(entry: dict, data_offset: int) -> Block:
    data = entry.get("Data", b"")
    if len(data) < MISH.size or data[:4] != b"mish":
        raise ImageError(f"blkx entry {entry.get('Name', '?')!r} is not a mish block table")
    (_, _, first, count, offset, _, _, _, ck_type, _, ck, n) = MISH.unpack_from(data)
    if len(data) < MISH.size + n * CHUNK.size:
        raise ImageError("mish block table is truncated")
    block = Block(name=entry.get("CFName") or entry.get("Name", ""),
                  id=int(entry.get("ID", "0")), attributes=entry.get("Attributes", ""),
                  sector=first, count=count, checksum_type=ck_type,
                  checksum=struct.unpack_from(">I", ck)[0])
    for i in range(n):
        kind, _, sector, sectors, coff, clen = CHUNK.unpack_from(data, MISH.size + i * CHUNK.size)
        if kind in (codecs.COMMENT, codecs.TERMINATOR):
            continue
        if kind not in codecs.NAMES:
            raise ImageError(f"unknown chunk type 0x{kind:08x} in {block.name!r}")
        block.chunks.append(Chunk(kind, first + sector, sectors, data_offset + offset + coff,
                                  clen))
    return block


def master_checksum(blocks: list[Block]) -> int:
    """CRC32 over the blocks' own CRC32s, in table order."""
    return zlib.crc32(b"".join(struct.pack(">I", b.checksum) for b in blocks))


def data_fork_checksum(disk: Disk) -> int:
    crc = 0
    with open(disk.path, "rb") as f:
        f.seek(disk.trailer.data_offset)
        left = disk.trailer.data_length
        while left:
            piece = f.read(min(left, 1 << 20))
            if not piece:
                raise ImageError("image is truncated: data fork runs past the end of the file")
            crc = zlib.crc32(piece, crc)
            left -= len(piece)
    return crc


# ---- writing -------------------------------------------------------------------------------

@dataclass
class Partition:
    """What a writer is given: a run of sectors and a reader for its bytes."""
    name: str          # the CFName, e.g. "disk image (Apple_HFS : 4)"
    sector: int
    count: int
    read: object       # callable(offset_in_partition, size) -> bytes


def write_image(path: str, partitions: list[Partition], fmt: str, *,
                zero_kind: int = codecs.IGNORE, comment: bool = False,
                progress=None) -> None:
    """Writes a flattened UDIF of ``partitions`` (contiguous, from sector 0), or for UDRW and
    UDTO the raw disk."""
    if fmt in RAW_FORMATS:
        write_raw(path, partitions, progress)
        return
    kind = FORMATS[fmt][0]
    blocks_plist, blocks = [], []
    with open(path, "wb") as out:
        for index, part in enumerate(partitions):
            block, table = _write_partition(out, part, kind, zero_kind, comment, progress)
            blocks.append(block)
            blocks_plist.append({"Attributes": BLKX_ATTRIBUTES, "CFName": part.name,
                                 "Data": table, "ID": str(index - 1), "Name": part.name})
        data_length = out.tell()
        xml = plistlib.dumps({"resource-fork": {"blkx": blocks_plist}})
        out.write(xml)
    with open(path, "rb") as f:
        crc = 0
        while f.tell() < data_length:
            crc = zlib.crc32(f.read(min(1 << 20, data_length - f.tell())), crc)
    sectors = sum(p.count for p in partitions)
    trailer = KOLY.pack(
        b"koly", 4, KOLY.size, FLAG_FLATTENED, 0, 0, data_length, 0, 0, 1, 1,
        uuid.uuid4().bytes, CHECKSUM_CRC32, 32, struct.pack(">I", crc).ljust(128, b"\0"),
        data_length, len(xml), b"", CHECKSUM_CRC32, 32,
        struct.pack(">I", master_checksum(blocks)).ljust(128, b"\0"), VARIANT_DEVICE, sectors)
    with open(path, "ab") as out:
        out.write(trailer)


def write_raw(path: str, partitions: list[Partition], progress=None) -> None:
    """The disk's bytes; runs of zeros are left as holes (a sparse file)."""
    with open(path, "wb") as out:
        end = 0
        for part in partitions:
            for first in range(0, part.count, CHUNK_SECTORS):
                count = min(CHUNK_SECTORS, part.count - first)
                raw = part.read(first * SECTOR, count * SECTOR)
                offset = (part.sector + first) * SECTOR
                if raw.count(0) != len(raw):
                    out.seek(offset)
                    out.write(raw)
                end = offset + len(raw)
                if progress:
                    progress(count)
        out.truncate(end)


def _write_partition(out, part: Partition, kind: int, zero_kind: int, comment: bool,
                     progress) -> tuple[Block, bytes]:
    entries = []
    if comment:
        entries.append((codecs.COMMENT, 0, 0, 0, 0))
    crc = 0
    for first in range(0, part.count, CHUNK_SECTORS):
        count = min(CHUNK_SECTORS, part.count - first)
        raw = part.read(first * SECTOR, count * SECTOR)
        if raw.count(0) == len(raw):
            entries.append((zero_kind, first, count, out.tell(), 0))
            if zero_kind != codecs.IGNORE:
                crc = zlib.crc32(raw, crc)
            continue
        crc = zlib.crc32(raw, crc)
        stored, this_kind = codecs.compress(kind, raw), kind
        if len(stored) >= len(raw):  # incompressible: hdiutil keeps such chunks raw
            stored, this_kind = raw, codecs.RAW
        entries.append((this_kind, first, count, out.tell(), len(stored)))
        out.write(stored)
        if progress:
            progress(count)
    entries.append((codecs.TERMINATOR, part.count, 0, out.tell(), 0))
    table = bytearray(MISH.pack(b"mish", 1, part.sector, part.count, 0, 0x208,
                                len(entries), b"", CHECKSUM_CRC32, 32,
                                struct.pack(">I", crc).ljust(128, b"\0"), len(entries)))
    for entry in entries:
        table += CHUNK.pack(entry[0], 0, *entry[1:])
    block = Block(part.name, 0, BLKX_ATTRIBUTES, part.sector, part.count, CHECKSUM_CRC32, crc)
    return block, bytes(table)
