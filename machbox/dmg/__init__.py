"""machbox.dmg: Apple disk images, read and written in pure Python.

    udif        the UDIF container (.dmg): koly trailer, blkx tables, chunk codecs
    codecs      the chunk compressions: zlib, bzip2, lzfse (optional liblzfse), ADC
    partitions  the partition maps inside a disk: GPT, APM, MBR or none
    hfsplus     reading an HFS+/HFSX volume; hfsplus_write writes one from a folder
    apfs        reading a single-volume, unencrypted APFS container

Decoding never prints: bad input raises ImageError with a sentence saying what is wrong, and
machbox.tools.hdiutil renders it.
"""


import struct


class ImageError(Exception):
    """The image is malformed, truncated or of a kind we do not read; the message says how."""


# what decoding a malformed structure can raise where no check caught it first: the entry
# points (opening a map or a volume, extracting, serving) turn these into ImageError
MALFORMED = (struct.error, IndexError, KeyError, ValueError, OverflowError, RecursionError)


def malformed(what: str, error: Exception) -> ImageError:
    return ImageError(f"{what} is malformed ({error.__class__.__name__}: {error})")
