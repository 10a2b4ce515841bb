"""The commpage at 0x7fffffe00000, as XNU maps it: read by Apple code without a call.

Mapped before the program's images are loaded and filled from the host: the CPU features
from cpuid, the CPU counts sysconf reports, the memory size, the page size; its time data
makes nanotime() (``NT_NS_BASE + ((rdtsc - NT_TSC_BASE) * NT_SCALE >> 32)``) agree with
machbox's mach_absolute_time, the counter's rate measured between mapping the page and
starting the program (the loader's work in between makes that interval tens of ms, for
free). gettimeofday's data is left at generation 0, which sends Apple's libc to the
system call. The page is read-only once the program runs.
"""

from __future__ import annotations

import os
import struct
import sys

from machbox.abi import commpage as layout

PROT_READ, PROT_WRITE = 1, 2
_REGISTERS = ("eax", "ebx", "ecx", "edx")


def capabilities(cpuid, ncpus: int) -> int:
    """_cpu_capabilities for this CPU: features by cpuid, plus the facts machbox fixes."""
    caps = layout.CAPABILITIES
    leaves = {}
    max_leaf = cpuid(0, 0)[0]
    value = caps["k64Bit"] | caps["kCache64"] | caps["kFastThreadLocalStorage"]
    for name, (leaf, sub, register, bit) in layout.CPUID_FEATURES.items():
        if leaf > max_leaf:
            continue
        if (leaf, sub) not in leaves:
            leaves[(leaf, sub)] = cpuid(leaf, sub)
        if leaves[(leaf, sub)][_REGISTERS.index(register)] >> bit & 1:
            value |= caps[name]
    value |= (min(ncpus, 255) << layout.NUM_CPUS_SHIFT) & caps["kNumCPUs"]
    if ncpus == 1:
        value |= caps["kUP"]
    return value


def page(values: dict[str, object]) -> bytearray:
    """The page's bytes with ``values`` (field name → value) at their offsets."""
    data = bytearray(layout.SIZE)
    for name, value in values.items():
        offset, fmt = layout.FIELDS[name]
        struct.pack_into("<" + fmt, data, offset, value)
    return data


def host_values(native) -> dict[str, object]:
    configured = os.cpu_count() or 1
    online = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else configured
    caps = capabilities(native.cpuid, configured)
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        memory = 0
    return {
        "SIGNATURE": layout.SIGNATURE, "VERSION": layout.THIS_VERSION,
        "CPU_CAPABILITIES64": caps, "CPU_CAPABILITIES": caps & 0xFFFFFFFF,
        "NCPUS": min(configured, 255), "ACTIVE_CPUS": min(online, 255),
        "PHYSICAL_CPUS": min(configured, 255), "LOGICAL_CPUS": min(configured, 255),
        "CPU_CLUSTERS": 1, "CACHE_LINESIZE": 64, "MEMORY_SIZE": memory,
        "KERNEL_PAGE_SHIFT": 12, "USER_PAGE_SHIFT_64": 12,
    }


class Commpage:
    """The mapped page of this process (None-safe: a host where the address is taken
    runs programs without one)."""

    def __init__(self, native):
        self.native = native
        self.mapped = native.reserve(layout.BASE, layout.SIZE) == layout.BASE
        if not self.mapped:  # rare (the address is taken): say so, code reading it will fault
            sys.stderr.write(f"machbox: warning: no commpage, {layout.BASE:#x} is taken by "
                             f"{_mapping_at(layout.BASE)}\n")
        self.first_sample = native.tsc_sample()
        if self.mapped:
            native.protect(layout.BASE, layout.SIZE, PROT_READ | PROT_WRITE)
            native.write(layout.BASE, bytes(page(host_values(native))))

    def start(self) -> None:
        """Fills the time data from the counter's measured rate and seals the page."""
        if not self.mapped:
            return
        tsc0, ns0 = self.first_sample
        tsc1, ns1 = self.native.tsc_sample()
        scale = 1 << 31  # a guess for a counter that did not move; never a generation of 0
        if tsc1 > tsc0 and ns1 > ns0:
            scale = min(((ns1 - ns0) << 32) // (tsc1 - tsc0), 0xFFFFFFFF)
        offset = layout.FIELDS["NT_TSC_BASE"][0]
        end = layout.FIELDS["NT_GENERATION"][0] + 4
        time_data = page({"NT_TSC_BASE": tsc1, "NT_SCALE": scale, "NT_SHIFT": 0,
                          "NT_NS_BASE": ns1, "NT_GENERATION": 1})
        self.native.write(layout.BASE + offset, bytes(time_data[offset:end]))
        self.native.protect(layout.BASE, layout.SIZE, PROT_READ)

    def keep_time_for(self, images) -> bool:
        """Keeps the time data current (a native thread re-bases it every second, see
        native/commpage_time.c) when the images' code may read the commpage itself: it
        holds the page's address. Other programs, nearly all, read the time through calls
        and go without the thread. MACHBOX_COMMPAGE_TIME=always|never overrides."""
        mode = os.environ.get(ENV_TIME, "auto")
        if not self.mapped or mode == "never" or (mode != "always" and
                                                   not _reads_commpage(self.native, images)):
            return False
        f = layout.FIELDS
        self.native.keep_commpage_time(layout.BASE, layout.SIZE, f["NT_TSC_BASE"][0],
                                       f["NT_SCALE"][0], f["NT_NS_BASE"][0],
                                       f["NT_GENERATION"][0])
        return True


ENV_TIME = "MACHBOX_COMMPAGE_TIME"
VM_PROT_EXECUTE = 4
# an address in the page as code holds it (a movabs immediate): its upper six bytes
_ADDRESS_BYTES = struct.pack("<Q", layout.BASE)[2:]


def _reads_commpage(native, images) -> bool:
    for image in images:
        for seg in image.plan.segments:
            if seg.initprot & VM_PROT_EXECUTE and seg.filesize and native.memscan(
                    seg.vmaddr + image.slide, min(seg.vmsize, seg.filesize), _ADDRESS_BYTES):
                return True
    return False


def _mapping_at(address: int) -> str:
    with open("/proc/self/maps") as f:
        for line in f:
            span = line.split()[0].split("-")
            if int(span[0], 16) <= address < int(span[1], 16):
                return line.strip()
    return "nothing (the kernel refused the mapping)"
