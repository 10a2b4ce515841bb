"""Which Apple library an install name denotes.

macOS system libraries are not files machbox maps: their exports are served by the import
table. An install name under /usr/lib or /System/Library names such a library; anything
else (@rpath/..., /usr/local/lib/..., an app's own dylib) is a Mach-O file to load.
"""

from __future__ import annotations

# libSystem and everything it re-exports answer as one namespace.
_ALIASES = {
    "libSystem": "libSystem",
    "libc": "libSystem",
    "libm": "libSystem",
    "libpthread": "libSystem",
    "libdl": "libSystem",
    "libinfo": "libSystem",
    "libdbm": "libSystem",
    "libpoll": "libSystem",
    "libproc": "libSystem",
    "librpcsvc": "libSystem",
    "libgcc_s": "libSystem",
    "libutil": "libSystem",
}

_SYSTEM_PREFIXES = ("/usr/lib/", "/System/Library/", "/System/iOSSupport/")


def library_key(install_name: str) -> str | None:
    """The Apple library an install name refers to, or None for a Mach-O file to load."""
    if not install_name.startswith(_SYSTEM_PREFIXES):
        return None
    if ".framework/" in install_name:
        return install_name.split(".framework/", 1)[0].rsplit("/", 1)[-1]
    base = install_name.rsplit("/", 1)[-1]
    stem = base.split(".", 1)[0]
    if install_name.startswith("/usr/lib/system/"):
        return "libSystem"
    return _ALIASES.get(stem, stem)
