"""Arming the catching of raw system calls (native/sud.c) for the images that need it.

Kept apart from the routing tables (machbox.kernel.syscalls), which are read only when a
program may make raw calls: most never do, and their start-up should not pay for them.
"""

from __future__ import annotations

import os

ENV_MODE = "MACHBOX_RAW_SYSCALLS"  # auto (default), always (code generated at run time), never
VM_PROT_EXECUTE = 4
_armed = False


def exempt_start(native) -> int | None:
    """Where the exempt range begins: the host C library's lowest mapping (see sud.c)."""
    return native.sud_libc_base()


def may_make_raw_calls(native, images) -> bool:
    """Whether any executable segment of ``images`` holds the bytes of a syscall
    instruction (a cheap over-approximation: the bytes may be part of another one)."""
    for image in images:
        for seg in image.plan.segments:
            if seg.initprot & VM_PROT_EXECUTE and seg.filesize and \
                    native.sud_scan(seg.vmaddr + image.slide, min(seg.vmsize, seg.filesize)):
                return True
    return False


def arm_for(native, binder, images) -> bool:
    """Catches raw system calls from now on if ``images`` may make them (see sud.c: with
    SUD on, every system call of the process costs the kernel a little more, so programs
    without syscall instructions go without). Called for the program's images and again
    for each dlopen. False where not armed."""
    global _armed
    mode = os.environ.get(ENV_MODE, "auto")
    if _armed or mode == "never" or (mode != "always" and
                                      not may_make_raw_calls(native, images)):
        return _armed
    start = exempt_start(native)
    _armed = start is not None and native.sud_arm(start, _resolver(native, binder))
    return _armed


def _resolver(native, binder):
    from machbox.kernel.syscalls import Resolver

    return Resolver(native, binder)
