"""dlopen, dlsym, dladdr and dlerror as libdyld answers them.

The images themselves belong to the loader, which registers itself here (`attach`) when a
program starts; these functions only translate between the C calling convention and it.
"""

from __future__ import annotations

import struct

from machbox.libsystem.registry import python

_LIBMACHO = ["getsectiondata", "getsegmentdata", "getsectbynamefromheader_64",
             "getsectdatafromheader_64", "getsectbyname", "getsegbyname", "getsectdata"]

EMULATED = {"_dlopen", "_dlsym", "_dlclose", "_dlerror", "_dladdr", "_dlopen_preflight",
            *(f"_{n}" for n in _LIBMACHO)}

EXPORTS = {
    "libSystem": {
        "_dlopen": "py:dlopen",
        "_dlsym": "py:dlsym",
        "_dlclose": "py:dlclose",
        "_dlerror": "py:dlerror",
        "_dladdr": "py:dladdr",
        "_dlopen_preflight": "py:dlopen_preflight",
        # libmacho: segments and sections of loaded images (native/dyld.c)
        **{f"_{n}": f"mb_{n}" for n in _LIBMACHO},
    },
}

# <dlfcn.h> special handles on Darwin
RTLD_NEXT = (1 << 64) - 1
RTLD_DEFAULT = (1 << 64) - 2
RTLD_SELF = (1 << 64) - 3
RTLD_MAIN_ONLY = (1 << 64) - 5

_process = None  # the loader of the running program
_error: str | None = None
_error_cstr = 0


def attach(process) -> None:
    """Called by the loader once the program's images are in place."""
    global _process
    _process = process


def _fail(message: str) -> int:
    global _error
    _error = message
    return 0


@python
def dlopen(a) -> int:
    path = a.cstr(0)
    if path is None:
        return _process.main_handle()
    guest = path.decode(errors="surrogateescape")
    host = a.native.vfs_expand(guest) if guest.startswith("/") else guest
    handle, error = _process.dlopen(host)
    return handle if handle else _fail(error)


@python
def dlopen_preflight(a) -> int:
    path = a.cstr(0)
    if path is None:
        return 0
    guest = path.decode(errors="surrogateescape")
    host = a.native.vfs_expand(guest) if guest.startswith("/") else guest
    return 1 if _process.dlopen_preflight(host) else 0


@python
def dlsym(a) -> int:
    handle = a.u(0)
    name = "_" + (a.cstr(1) or b"").decode(errors="surrogateescape")
    addr = _process.dlsym(handle, name, a.return_address())
    if not addr:
        return _fail(f"dlsym({handle:#x}, {name[1:]}): symbol not found")
    return addr


@python
def dlclose(a) -> int:
    return 0  # images stay mapped, as dyld keeps most images loaded


@python
def dlerror(a) -> int:
    global _error, _error_cstr
    if _error is None:
        return 0
    native = a.native
    if _error_cstr:
        native.free(_error_cstr)
    _error_cstr = native.strdup(_error.encode())
    _error = None
    return _error_cstr


@python
def dladdr(a) -> int:
    info = _process.dladdr(a.u(0))
    if info is None:
        return 0
    fname, fbase, sname, saddr = info
    native = a.native
    # Dl_info {dli_fname, dli_fbase, dli_sname, dli_saddr}; the strings live as long as
    # the images, so they are made once per name and kept
    native.write(a.u(1), struct.pack("<4Q", _process.cstring(fname), fbase,
                                     _process.cstring(sname) if sname else 0, saddr))
    return 1
