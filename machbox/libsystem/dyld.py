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
            "_backtrace_symbols", "_backtrace_symbols_fd", *(f"_{n}" for n in _LIBMACHO)}

EXPORTS = {
    "libSystem": {
        "_dlopen": "py:dlopen",
        "_dlsym": "py:dlsym",
        "_dlclose": "py:dlclose",
        "_dlerror": "py:dlerror",
        "_dladdr": "py:dladdr",
        "_dlopen_preflight": "py:dlopen_preflight",
        # libsystem_c's, but they are dladdr with formatting
        "_backtrace_symbols": "py:backtrace_symbols",
        "_backtrace_symbols_fd": "py:backtrace_symbols_fd",
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


def _frame_line(frame: int, addr: int) -> bytes:
    """One frame as Libc's backtrace_symbols writes it: number, image, address, symbol and
    offset (the image and its base when there is no symbol)."""
    info = _process.dladdr(addr) if _process else None
    image, symbol, offset = "???", "0x0", addr
    if info is not None:
        fname, fbase, sname, saddr = info
        image = fname.rsplit("/", 1)[-1]
        if sname:
            symbol, offset = sname, addr - saddr
        else:
            symbol, offset = image, addr - fbase
    return f"{frame:<4d}{image:<35s} 0x{addr:016x} {symbol} + {offset}".encode()


def _frames(a) -> list[int]:
    n = max(0, a.i32(1))
    raw = a.native.read(a.u(0), 8 * n) if n else b""
    return list(struct.unpack(f"<{n}Q", raw))


@python
def backtrace_symbols(a) -> int:
    """An array of strings in one malloc'd block the caller frees with free()."""
    lines = [_frame_line(i, addr) + b"\0" for i, addr in enumerate(_frames(a))]
    table = 8 * len(lines)
    block = a.native.strdup(b"\0" * (table + sum(map(len, lines))))
    pointers, at = [], block + table
    for line in lines:
        pointers.append(at)
        at += len(line)
    a.native.write(block, struct.pack(f"<{len(lines)}Q", *pointers) + b"".join(lines))
    return block


@python
def backtrace_symbols_fd(a) -> int:
    import os

    text = b"".join(_frame_line(i, addr) + b"\n" for i, addr in enumerate(_frames(a)))
    try:
        os.write(a.i32(2), text)
    except OSError:
        pass
    return 0
