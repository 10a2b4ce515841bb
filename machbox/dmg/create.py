"""Making images: ``create -srcfolder`` (an HFS+ volume of a folder, in a GPT disk or alone)
and ``convert`` (the same disk re-encoded in another UDIF format)."""

from __future__ import annotations

import os
import tempfile

from machbox.dmg import ImageError, codecs, hfsplus_write, partitions, udif

SECTOR = udif.SECTOR
LAYOUTS = ("GPTSPUD", "SPUD", "NONE")   # GPT, Apple Partition Map, or the volume alone


def _file_reader(f, base: int = 0):
    def read(offset: int, size: int) -> bytes:
        f.seek(base + offset)
        data = f.read(size)
        return data + bytes(size - len(data))
    return read


def _bytes_reader(data: bytes):
    def read(offset: int, size: int) -> bytes:
        return data[offset:offset + size].ljust(size, b"\0")
    return read


def _zeros(offset: int, size: int) -> bytes:
    return bytes(size)


def create_from_folder(src: str, out: str, volname: str, fmt: str = "UDZO",
                       layout: str = "GPTSPUD", progress=None,
                       case_sensitive: bool = False) -> None:
    if fmt not in udif.WRITABLE_FORMATS:
        raise ImageError(f"format {fmt} is not supported for writing "
                         f"({', '.join(udif.WRITABLE_FORMATS)})")
    if layout not in LAYOUTS:
        raise ImageError(f"layout {layout} is not supported ({', '.join(LAYOUTS)})")
    if fmt in udif.FORMATS:
        codecs.compress(udif.FORMATS[fmt][0], b"")  # fail early when the codec is missing
    with tempfile.TemporaryFile(dir=os.path.dirname(os.path.abspath(out))) as volume:
        size = hfsplus_write.write_volume(src, volname, volume, case_sensitive=case_sensitive)
        sectors = size // SECTOR
        read = _file_reader(volume)
        if layout == "NONE":
            parts = [udif.Partition("disk image (Apple_HFS : 0)", 0, sectors, read)]
        else:
            maker = partitions.gpt_layout if layout == "GPTSPUD" else partitions.apm_layout
            parts = _layout_partitions(maker(sectors), read)
        udif.write_image(out, parts, fmt, progress=progress)


def _layout_partitions(layout: partitions.Layout, read_volume) -> list[udif.Partition]:
    parts = []
    for name, first, count, data in layout.runs:
        if first == layout.volume_sector:
            reader = read_volume
        elif data is None:
            reader = _zeros
        else:
            reader = _bytes_reader(data)
        parts.append(udif.Partition(name, first, count, reader))
    return parts


def convert(src: str, out: str, fmt: str, progress=None) -> None:
    """``src`` (any image we read) re-encoded as ``fmt``, partition by partition."""
    if fmt not in udif.WRITABLE_FORMATS:
        raise ImageError(f"format {fmt} is not supported for writing "
                         f"({', '.join(udif.WRITABLE_FORMATS)})")
    if os.path.abspath(src) == os.path.abspath(out):
        raise ImageError("the source and the target are the same file")
    with udif.open_image(src) as disk:
        if disk.blocks:
            runs = [(b.name, b.sector, b.count) for b in sorted(disk.blocks,
                                                                 key=lambda b: b.sector)]
        else:
            kind = partitions.read_map(disk.read, disk.size).partitions[0].type
            runs = [(f"whole disk ({kind} : 0)", 0, disk.size // SECTOR)]

        def reader(first: int):
            return lambda offset, size: disk.read(first * SECTOR + offset, size)

        parts = [udif.Partition(name, first, count, reader(first)) for name, first, count in runs]
        udif.write_image(out, parts, fmt, progress=progress)
