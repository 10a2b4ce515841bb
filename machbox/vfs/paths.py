"""Guest paths as host paths, for the parts of machbox that open files on a program's behalf
outside the program (launchd's job output files, its working directories): the merged view
of native/vfs.c, where the macOS system directories come from the prefix and every other
path is the host's. Symlinks and case-insensitive lookup are left to the kernel and to
native/vfs.c; this only places the path."""

from __future__ import annotations

import os

# the first components native/vfs.c maps into the prefix (its system_dirs)
SYSTEM_DIRS = ("System", "Library", "Applications", "Users", "Volumes", "private", "cores")
SYSTEM_ROOT = "/Volumes/SystemRoot"


def host_path(guest: str, prefix: str) -> str:
    """Where the guest path ``guest`` (absolute) is on the host with prefix ``prefix``."""
    if guest == SYSTEM_ROOT or guest.startswith(SYSTEM_ROOT + "/"):
        return guest[len(SYSTEM_ROOT):] or "/"
    first = guest[1:].split("/", 1)[0]
    if guest.startswith("/") and first in SYSTEM_DIRS:
        return os.path.join(prefix, guest[1:])
    return guest
