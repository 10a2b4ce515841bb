"""sysctl and sysctlbyname: the machine as a Mac would describe it.

Values come from the host where a Mac would report the hardware (CPUs, memory, CPU brand
and features) and from the emulated system otherwise (kernel name and release). One table
maps each name to its MIB and a function producing the value, so both entry points and
sysctlnametomib agree.
"""

from __future__ import annotations

import os
import struct
import time

from machbox.libsystem.registry import DarwinError, python

EMULATED = {"_sysctl", "_sysctlbyname", "_sysctlnametomib"}

EXPORTS = {
    "libSystem": {
        "_sysctl": "py:sysctl",
        "_sysctlbyname": "py:sysctlbyname",
        "_sysctlnametomib": "py:sysctlnametomib",
    },
}

ENOENT, ENOMEM, EINVAL, EPERM, ENOTDIR = 2, 12, 22, 1, 20

# Darwin release matching the macOS version the prefix reports (machbox.native too).
OS_RELEASE = "24.6.0"
OS_BUILD = "24G84"
OS_PRODUCT_VERSION = "15.6"
KERNEL_VERSION = ("Darwin Kernel Version 24.6.0: Mon Jul 14 11:30:29 PDT 2025; "
                  "root:xnu-11417.140.69~1/RELEASE_X86_64")


def _int(v: int) -> bytes:
    return struct.pack("<i", v)


def _quad(v: int) -> bytes:
    return struct.pack("<q", v)


class Text(bytes):
    """A NUL-terminated string value (sysctl truncates these instead of refusing)."""


def _string(s: str) -> bytes:
    return Text(s.encode() + b"\0")


def _ncpu() -> int:
    return os.cpu_count() or 1


def _memsize() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _cpuinfo(field: str) -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith(field):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def _boottime() -> bytes:
    with open("/proc/uptime") as f:
        up = float(f.read().split()[0])
    t = time.time() - up
    return struct.pack("<qi4x", int(t), int((t % 1) * 1e6))


def _has_flag(flag: str) -> bytes:
    return _int(1 if flag in _cpuinfo("flags").split() else 0)


# name → (MIB, value producer). MIB numbers from <sys/sysctl.h>; None for OID-only names
# that sysctlbyname resolves through the name table.
TABLE = {
    "kern.ostype": ((1, 1), lambda: _string("Darwin")),
    "kern.osrelease": ((1, 2), lambda: _string(OS_RELEASE)),
    "kern.osrevision": ((1, 3), lambda: _int(199506)),
    "kern.version": ((1, 4), lambda: _string(KERNEL_VERSION)),
    "kern.maxvnodes": ((1, 5), lambda: _int(263168)),
    "kern.maxproc": ((1, 6), lambda: _int(4176)),
    "kern.maxfiles": ((1, 7), lambda: _int(245760)),
    "kern.argmax": ((1, 8), lambda: _int(1048576)),
    "kern.securelevel": ((1, 9), lambda: _int(0)),
    "kern.hostname": ((1, 10), lambda: _string(os.uname().nodename)),
    "kern.hostid": ((1, 11), lambda: _int(0)),
    "kern.posix1version": ((1, 17), lambda: _int(200112)),
    "kern.ngroups": ((1, 18), lambda: _int(16)),
    "kern.boottime": ((1, 21), _boottime),
    "kern.maxfilesperproc": ((1, 29), lambda: _int(122880)),
    "kern.maxprocperuid": ((1, 30), lambda: _int(2784)),
    "kern.osversion": ((1, 65), lambda: _string(OS_BUILD)),
    "kern.osproductversion": ((1, 0x1000), lambda: _string(OS_PRODUCT_VERSION)),
    "kern.iossupportversion": ((1, 0x1001), lambda: _string("18.6")),
    "hw.machine": ((6, 1), lambda: _string("x86_64")),
    "hw.model": ((6, 2), lambda: _string("MacBookPro16,1")),
    "hw.ncpu": ((6, 3), lambda: _int(_ncpu())),
    "hw.byteorder": ((6, 4), lambda: _int(1234)),
    "hw.physmem": ((6, 5), lambda: _int(min(_memsize(), 0x7FFFFFFF))),
    "hw.usermem": ((6, 6), lambda: _int(min(_memsize(), 0x7FFFFFFF))),
    "hw.pagesize": ((6, 7), lambda: _quad(os.sysconf("SC_PAGE_SIZE"))),
    "hw.memsize": ((6, 24), lambda: _quad(_memsize())),
    "hw.availcpu": ((6, 25), lambda: _int(_ncpu())),
    "hw.activecpu": ((6, 0x1002), lambda: _int(_ncpu())),
    "hw.logicalcpu": ((6, 0x1003), lambda: _int(_ncpu())),
    "hw.logicalcpu_max": ((6, 0x1004), lambda: _int(_ncpu())),
    "hw.physicalcpu": ((6, 0x1005), lambda: _int(_ncpu())),
    "hw.physicalcpu_max": ((6, 0x1006), lambda: _int(_ncpu())),
    "hw.cachelinesize": ((6, 0x1007), lambda: _quad(64)),
    "hw.l1dcachesize": ((6, 0x1008), lambda: _quad(32768)),
    "hw.l2cachesize": ((6, 0x1009), lambda: _quad(262144)),
    "hw.cpufrequency": ((6, 0x100A), lambda: _quad(int(float(_cpuinfo("cpu MHz") or 0) * 1e6))),
    "hw.cputype": ((6, 0x100B), lambda: _int(7)),
    "hw.cpusubtype": ((6, 0x100C), lambda: _int(8)),
    "hw.cpu64bit_capable": ((6, 0x100D), lambda: _int(1)),
    "hw.optional.x86_64": ((6, 0x1100), lambda: _int(1)),
    "hw.optional.sse4_2": ((6, 0x1101), lambda: _has_flag("sse4_2")),
    "hw.optional.avx1_0": ((6, 0x1102), lambda: _has_flag("avx")),
    "hw.optional.avx2_0": ((6, 0x1103), lambda: _has_flag("avx2")),
    "hw.optional.avx512f": ((6, 0x1104), lambda: _has_flag("avx512f")),
    "hw.optional.arm64": ((6, 0x1105), lambda: _int(0)),
    "machdep.cpu.brand_string": ((7, 0x1000), lambda: _string(_cpuinfo("model name"))),
    "machdep.cpu.vendor": ((7, 0x1001), lambda: _string(_cpuinfo("vendor_id"))),
    "machdep.cpu.core_count": ((7, 0x1002), lambda: _int(_ncpu())),
    "machdep.cpu.thread_count": ((7, 0x1003), lambda: _int(_ncpu())),
    "machdep.cpu.features": ((7, 0x1004), lambda: _string(_cpuinfo("flags").upper())),
    # not a Rosetta-translated process
    "sysctl.proc_translated": ((0x1000, 1), lambda: _int(0)),
    "sysctl.proc_native": ((0x1000, 2), lambda: _int(1)),
}

BY_MIB = {mib: (name, producer) for name, (mib, producer) in TABLE.items()}


def _answer(native, producer, oldp: int, oldlenp: int, newp: int) -> int:
    if newp:
        raise DarwinError(EPERM)
    value = producer()
    if oldlenp == 0:
        return 0
    size = struct.unpack("<Q", native.read(oldlenp, 8))[0]
    if oldp == 0:
        native.write(oldlenp, struct.pack("<Q", len(value)))
        return 0
    if size == 4 and len(value) == 8 and not isinstance(value, Text):
        # XNU's sysctl_io_number hands a 64-bit value to a 4-byte buffer when it fits
        v = struct.unpack("<q", value)[0]
        if -(1 << 31) <= v < (1 << 31):
            value = struct.pack("<i", v)
    if size < len(value):
        # strings are truncated like Darwin does; fixed-size values refuse
        if isinstance(value, Text) and size:
            native.write(oldp, value[:size])
            native.write(oldlenp, struct.pack("<Q", size))
        raise DarwinError(ENOMEM)
    native.write(oldp, value)
    native.write(oldlenp, struct.pack("<Q", len(value)))
    return 0


@python
def sysctl(a) -> int:
    count = a.u(1) & 0xFFFFFFFF
    mib = struct.unpack(f"<{count}i", a.native.read(a.u(0), 4 * count))
    if mib[:2] == (0, 3):  # name2oid, the lookup sysctlbyname itself uses on Darwin
        name = a.native.read(a.u(4), a.u(5)).rstrip(b"\0").decode(errors="replace")
        entry = TABLE.get(name)
        if entry is None:
            raise DarwinError(ENOENT)
        return _answer(a.native, lambda: struct.pack(f"<{len(entry[0])}i", *entry[0]),
                       a.u(2), a.u(3), 0)
    if mib[:2] == (1, 14):  # kern.proc.*: process records
        from machbox.libsystem.libproc import kern_proc

        return _answer(a.native, lambda: kern_proc(tuple(mib[2:])), a.u(2), a.u(3), a.u(4))
    entry = BY_MIB.get(tuple(mib))
    if entry is None:
        raise DarwinError(ENOENT if mib and mib[0] in (1, 6, 7) else ENOTDIR)
    return _answer(a.native, entry[1], a.u(2), a.u(3), a.u(4))


@python
def sysctlbyname(a) -> int:
    name = (a.cstr(0) or b"").decode(errors="replace")
    entry = TABLE.get(name)
    if entry is None:
        raise DarwinError(ENOENT)
    return _answer(a.native, entry[1], a.u(1), a.u(2), a.u(3))


@python
def sysctlnametomib(a) -> int:
    name = (a.cstr(0) or b"").decode(errors="replace")
    entry = TABLE.get(name)
    if entry is None:
        raise DarwinError(ENOENT)
    mib = entry[0]
    size = struct.unpack("<Q", a.native.read(a.u(2), 8))[0]
    if size < len(mib):
        raise DarwinError(ENOMEM)
    a.native.write(a.u(1), struct.pack(f"<{len(mib)}i", *mib))
    a.native.write(a.u(2), struct.pack("<Q", len(mib)))
    return 0
