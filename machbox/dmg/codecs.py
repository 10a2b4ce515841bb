"""The compressions a UDIF chunk can use, by blkx entry type.

zlib and bzip2 come from the standard library. LZFSE comes from the LZFSE reference
implementation through PyPI's ``pyliblzfse`` (module ``liblzfse``) when it is installed;
without it an LZFSE image gets a clear error. ADC (Apple Data Compression, the UDCO format
of classic Mac OS) is small enough to implement here, both ways.
"""

from __future__ import annotations

import bz2
import zlib

from machbox.dmg import ImageError

# blkx chunk entry types (UDIF block table)
ZERO_FILL = 0x00000000
RAW = 0x00000001
IGNORE = 0x00000002   # free space: reads as zeros, stores nothing
ADC = 0x80000004
ZLIB = 0x80000005
BZIP2 = 0x80000006
LZFSE = 0x80000007
LZMA = 0x80000008
COMMENT = 0x7FFFFFFE
TERMINATOR = 0xFFFFFFFF

NAMES = {ZERO_FILL: "zero-fill", RAW: "raw", IGNORE: "ignore", ADC: "ADC", ZLIB: "zlib",
         BZIP2: "bzip2", LZFSE: "lzfse", LZMA: "lzma", COMMENT: "comment",
         TERMINATOR: "terminator"}


def lzfse_module():
    try:
        import liblzfse
    except ImportError:
        raise ImageError("LZFSE chunks need the pyliblzfse package "
                         "(pip install pyliblzfse)") from None
    return liblzfse


def decompress(kind: int, data: bytes, size: int) -> bytes:
    """The ``size`` bytes a chunk of type ``kind`` holds."""
    try:
        # at most ``size`` bytes out of the decoders: a chunk cannot inflate past its sectors
        if kind == RAW:
            out = data
        elif kind == ZLIB:
            out = zlib.decompressobj().decompress(data, size)
        elif kind == BZIP2:
            out = bz2.BZ2Decompressor().decompress(data, size)
        elif kind == LZFSE:
            out = lzfse_module().decompress(data)
        elif kind == ADC:
            out = adc_decompress(data, size)
        elif kind == LZMA:
            import lzma
            out = lzma.LZMADecompressor().decompress(data, size)
        else:
            raise ImageError(f"unknown chunk type 0x{kind:08x}")
    except (zlib.error, OSError, ValueError, EOFError, MemoryError) as e:
        raise ImageError(f"{NAMES.get(kind, hex(kind))} chunk does not decompress: {e}") from None
    if len(out) < size:
        raise ImageError(f"{NAMES[kind]} chunk holds {len(out)} bytes, {size} expected")
    return out[:size]


def compress(kind: int, data: bytes) -> bytes:
    if kind == RAW:
        return data
    if kind == ZLIB:
        return zlib.compress(data, 6)  # hdiutil's default zlib level is 1..9, 6 by convention
    if kind == BZIP2:
        return bz2.compress(data, 9)
    if kind == LZFSE:
        return lzfse_module().compress(data)
    if kind == ADC:
        return adc_compress(data)
    if kind == LZMA:  # ULMO: each chunk an xz stream (7-Zip reads it as such)
        import lzma
        return lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32)
    raise ValueError(f"cannot compress chunk type 0x{kind:08x}")


# ADC: a byte stream of three token kinds, told apart by the first byte's high bits.
#   1xxxxxxx                      literal run of x+1 bytes follows (1..128)
#   01xxxxxx hhhhhhhh llllllll    copy x+4 bytes (4..67) from offset h:l + 1 back (1..65536)
#   00xxxxyy llllllll             copy x+3 bytes (3..18) from offset yy:l + 1 back (1..1024)

def adc_decompress(data: bytes, size: int) -> bytes:
    out = bytearray()
    i, n = 0, len(data)
    while i < n and len(out) < size:
        b = data[i]
        if b & 0x80:
            count = (b & 0x7F) + 1
            if i + 1 + count > n:
                raise ImageError("ADC chunk: literal run past the end")
            out += data[i + 1:i + 1 + count]
            i += 1 + count
            continue
        if b & 0x40:
            if i + 3 > n:
                raise ImageError("ADC chunk: truncated copy")
            length, offset = (b & 0x3F) + 4, ((data[i + 1] << 8) | data[i + 2]) + 1
            i += 3
        else:
            if i + 2 > n:
                raise ImageError("ADC chunk: truncated copy")
            length, offset = ((b >> 2) & 0x0F) + 3, (((b & 3) << 8) | data[i + 1]) + 1
            i += 2
        if offset > len(out):
            raise ImageError("ADC chunk: copy from before the start")
        start = len(out) - offset
        for k in range(length):  # byte by byte: a copy may overlap what it writes
            out.append(out[start + k])
    return bytes(out)


def adc_compress(data: bytes) -> bytes:
    """Greedy ADC: the longest match at the last position a 3-byte prefix was seen."""
    out = bytearray()
    literal = bytearray()
    seen: dict[bytes, int] = {}
    i, n = 0, len(data)

    def flush():
        for k in range(0, len(literal), 128):
            run = literal[k:k + 128]
            out.append(0x80 | (len(run) - 1))
            out.extend(run)
        literal.clear()

    while i < n:
        key = data[i:i + 3]
        j = seen.get(key) if len(key) == 3 else None
        seen[key] = i
        length = 0
        if j is not None and i - j <= 65536:
            limit = min(67, n - i)
            while length < limit and data[j + length] == data[i + length]:
                length += 1
        offset = i - j - 1 if j is not None else 0
        if length >= 3 and offset < 1024 and length <= 18:
            flush()
            out += bytes((((length - 3) << 2) | (offset >> 8), offset & 0xFF))
        elif length >= 4:
            flush()
            out += bytes((0x40 | (length - 4), offset >> 8, offset & 0xFF))
        else:
            literal.append(data[i])
            i += 1
            continue
        for k in range(i + 1, i + length):
            seen[data[k:k + 3]] = k
        i += length
    flush()
    return bytes(out)
