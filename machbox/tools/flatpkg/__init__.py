"""machbox.tools.flatpkg: the formats of macOS flat installer packages, read in pure Python.

    xar      the archive a .pkg is (header, zlib-compressed XML table of contents, heap)
    cpio     the archives inside (Payload, Scripts): odc, as Apple's pkgbuild writes, and newc
    payload  a Payload's compression: gzip, bzip2, xz or pbzx (xz chunks, Apple's)
    bom      bills of materials (BOMStore): the Paths tree pkgutil and lsbom list
    package  product archives (Distribution + component packages) and component packages
    receipts the receipt database on a volume (private/var/db/receipts/ID.plist and ID.bom)

Decoding only: nothing here prints or installs (the installer and pkgutil tools do)."""


class PackageError(Exception):
    """A package, archive or receipt that cannot be read; the message says what is wrong."""
