"""machbox.dmg: Apple disk images, read and written in pure Python.

    udif        the UDIF container (.dmg): koly trailer, blkx tables, chunk codecs
    codecs      the chunk compressions: zlib, bzip2, lzfse (optional liblzfse), ADC
    partitions  the partition maps inside a disk: GPT, APM, MBR or none
    hfsplus     reading an HFS+/HFSX volume; hfsplus_write writes one from a folder
    apfs        reading a single-volume, unencrypted APFS container

Decoding never prints: bad input raises ImageError with a sentence saying what is wrong, and
machbox.tools.hdiutil renders it.
"""


class ImageError(Exception):
    """The image is malformed, truncated or of a kind we do not read; the message says how."""
