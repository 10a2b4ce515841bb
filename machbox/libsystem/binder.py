"""Turning (Apple library, symbol) into an address the guest can call or read.

The import table says what an export is; the binder makes it real: a host symbol found
with dlsym, a native shim of machbox's C part, a Python implementation behind a generated
stub, or an "unimplemented" stub that names the call if the guest ever makes it.
"""

from __future__ import annotations

import os
import struct

from machbox.libsystem import registry
from machbox.libsystem.core import (
    KERNEL_NOT_SYSCALLS,
    KERNEL_STACK_ARGUMENTS,
    KERNEL_WIDE_RESULTS,
)
from machbox.libsystem.mach import NO_ERRNO_THUNK
from machbox.libsystem.registry import DIRECT, UNIMPLEMENTED, DarwinError, Export
from machbox.trace import tracer

_UNWRAPPED = KERNEL_NOT_SYSCALLS | KERNEL_STACK_ARGUMENTS | NO_ERRNO_THUNK


class Binding:
    """Where an import was bound and what kind of implementation is there."""

    __slots__ = ("address", "kind", "library")

    def __init__(self, address: int, kind: str, library: str):
        self.address = address
        self.kind = kind
        self.library = library  # Apple (sub-)library, for messages and `machbox info`


class Args:
    """The arguments of a call into a Python implementation (System V registers)."""

    __slots__ = ("native", "ints", "floats", "stack")

    def __init__(self, native, regs: int, stack: int):
        self.native = native
        raw = native.read(regs, 112)
        self.ints = struct.unpack_from("<6Q", raw, 0)
        self.floats = struct.unpack_from("<8d", raw, 48)
        self.stack = stack

    def u(self, i: int) -> int:
        """Argument i as an unsigned 64-bit integer (pointers, sizes)."""
        if i < 6:
            return self.ints[i]
        return struct.unpack("<Q", self.native.read(self.stack + 8 * (i - 6), 8))[0]

    def s(self, i: int) -> int:
        """Argument i as a signed 64-bit integer."""
        v = self.u(i)
        return v - (1 << 64) if v >= 1 << 63 else v

    def i32(self, i: int) -> int:
        """Argument i as a C int."""
        v = self.u(i) & 0xFFFFFFFF
        return v - (1 << 32) if v >= 1 << 31 else v

    def return_address(self) -> int:
        """Where the guest's call returns to (for RTLD_NEXT and the like)."""
        return struct.unpack("<Q", self.native.read(self.stack - 8, 8))[0]

    def f(self, i: int) -> float:
        return self.floats[i]

    def cstr(self, i: int) -> bytes | None:
        return self.native.cstring(self.u(i))


class Binder:
    """Resolves imports against the table and the host, creating stubs as needed."""

    def __init__(self, native):
        self.native = native
        self.table = registry.table()
        self.self_handle = native.self_handle()
        self.host_handles: dict[str, int] = {}
        self.python_impls: list = []
        self.python_index: dict[tuple[str, str], int] = {}
        self.stubs: dict[tuple[str, str], int] = {}
        self.bound: dict[tuple[str, str], Binding] = {}
        self.icu: tuple[int, list[int]] | None = None
        native.set_dispatcher(self._dispatch)
        # under `machbox trace` only: imports are then bound through recording thunks
        self.tracer = tracer(native)
        self.untraced: dict[tuple[str, str], Binding | None] = {}

    # ---- host libraries -----------------------------------------------------------------

    def host_handle(self, key: str) -> int:
        h = self.host_handles.get(key)
        if h is None:
            try:
                h = self.native.dlopen(registry.HOST_LIBRARIES[key])
            except OSError:
                h = 0
            self.host_handles[key] = h
        return h

    def host_symbol(self, library: str, spec: str, name: str) -> int:
        target = spec[1:] or name[1:]
        hosts = registry.DEFAULT_HOSTS.get(library, ("libc",))
        if "@" in target:
            target, host = target.split("@", 1)
            hosts = (host,)
        for host in hosts:
            h = self.host_handle(host)
            if h:
                addr = self.native.dlsym(h, target)
                if addr:
                    return addr
        return 0

    def icu_symbol(self, name: str) -> int:
        """Apple's libicucore is plain ICU with unversioned C names; the host's ICU has the
        same C API with its major version appended (``u_strlen_72``)."""
        if self.icu is None:
            self.icu = host_icu(self.native)
        major, handles = self.icu
        for h in handles:
            addr = self.native.dlsym(h, f"{name[1:]}_{major}")
            if addr:
                return addr
        return 0

    # ---- stubs ---------------------------------------------------------------------------

    def unimplemented(self, name: str, library: str) -> int:
        key = (name, library)
        addr = self.stubs.get(key)
        if addr is None:
            addr = self.native.unimplemented_stub(name, library)
            self.stubs[key] = addr
        return addr

    def python_stub(self, export: Export) -> int:
        key = (export.area, export.spec)
        index = self.python_index.get(key)
        if index is None:
            index = len(self.python_impls)
            self.python_impls.append(registry.python_impl(export.area, export.spec[3:]))
            self.python_index[key] = index
        return self.native.python_stub(index)

    def _dispatch(self, index: int, regs: int, stack: int):
        try:
            return self.python_impls[index](Args(self.native, regs, stack))
        except DarwinError as e:
            self.native.set_errno(e.errno)
            return e.result

    # ---- resolution ----------------------------------------------------------------------

    def resolve(self, library: str, name: str) -> Binding | None:
        """The binding for ``name`` exported by Apple library ``library``, or None if the
        library does not export it at all."""
        key = (library, name)
        b = self.bound.get(key)
        if b is None:
            b = self._resolve(library, name)
            if b is not None and self.tracer is not None \
                    and self.tracer.wants(name, b.library, b.kind):
                b = Binding(self.tracer.wrap(name, b.kind, b.address), b.kind, b.library)
            self.bound[key] = b
        return b

    def implementation(self, library: str, name: str) -> Binding | None:
        """The binding of ``name`` without a tracing thunk: what a raw system call runs
        (machbox.kernel.syscalls), which `machbox trace` records itself."""
        if self.tracer is None:
            return self.resolve(library, name)
        key = (library, name)
        if key not in self.untraced:
            self.untraced[key] = self._resolve(library, name)
        return self.untraced[key]

    @staticmethod
    def wide_result(name: str) -> bool:
        """Whether libsystem_kernel function ``name`` fails with a 64-bit -1 only."""
        return name in KERNEL_WIDE_RESULTS

    def _resolve(self, library: str, name: str) -> Binding | None:
        export = self.table.lookup(library, name)
        if export is None:
            if library in ("libc++", "libc++abi"):
                # libc++'s interface is the host libc++'s: same std::__1 ABI.
                addr = self.host_symbol(library, "=", name)
                if addr:
                    return Binding(addr, DIRECT, library)
            if library == "libicucore":
                addr = self.icu_symbol(name)
                # Apple's libicucore also exports the C++ runtime's operators (__Znam...)
                # that programs linked against it bind there
                if not addr and name.startswith("__Z"):
                    addr = self.host_symbol("libc++", "=", name)
                if addr:
                    return Binding(addr, DIRECT, library)
            if self.table.knows(library):
                return None
            # A library machbox has no list for: every import is a stub named after it.
            return Binding(self.unimplemented(name, library), UNIMPLEMENTED, library)
        if export.kind == UNIMPLEMENTED:
            return Binding(self.unimplemented(name, export.library), UNIMPLEMENTED,
                           export.library)
        if export.kind == DIRECT:
            addr = self.host_symbol(library, export.spec, export.name)
        elif export.spec.startswith("py:"):
            addr = self.python_stub(export)
        else:
            addr = self.native.dlsym(self.self_handle, export.spec)
        if not addr:
            # The table promised an implementation the host lacks: say so if called.
            return Binding(self.unimplemented(name, export.library), UNIMPLEMENTED,
                           export.library)
        if export.library == "libsystem_kernel" and export.name not in _UNWRAPPED \
                and not export.spec.startswith("py:"):
            addr = self.native.syscall_stub(addr, export.name in KERNEL_WIDE_RESULTS)
        return Binding(addr, export.kind, export.library)


ICU_LIBRARIES = ("libicuuc", "libicui18n", "libicuio")
ICU_DIRS = ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib",
            "/usr/local/lib")


def host_icu(native) -> tuple[int, list[int]]:
    """(major version, dlopen handles) of the newest ICU installed on the host."""
    majors = set()
    for folder in ICU_DIRS:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for n in names:
            head, _, version = n.partition(".so.")
            if head == "libicuuc" and version.isdigit():
                majors.add(int(version))
    for major in sorted(majors, reverse=True):
        handles = []
        for lib in ICU_LIBRARIES:
            try:
                handles.append(native.dlopen(f"{lib}.so.{major}"))
            except OSError:
                pass
        if handles:
            return major, handles
    return 0, []
