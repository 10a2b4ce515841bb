"""What loading an image means, as data.

A plan lists, for one Mach-O image, every mapping to make, every pointer to fix and every
import to resolve, in unslid addresses. Computing it reads only the file; applying it
(machbox.loader.apply) touches memory. Keeping the two apart is what lets a later version
cache plans per binary and replay them from a small native launcher, as dyld3's launch
closures do.
"""

from __future__ import annotations

from machbox.macho import MachO

PAGE = 4096
SG_READ_ONLY = 0x10  # dyld makes such segments (__DATA_CONST) read-only after fixups


def page_up(n: int) -> int:
    return (n + PAGE - 1) & ~(PAGE - 1)


class SegmentMap:
    """One segment to map: where, how big, from which file bytes, with what protection."""

    __slots__ = ("name", "vmaddr", "vmsize", "fileoff", "filesize", "initprot",
                 "read_only_after_fixups")

    def __init__(self, name, vmaddr, vmsize, fileoff, filesize, initprot,
                 read_only_after_fixups):
        self.name = name
        self.vmaddr = vmaddr
        self.vmsize = vmsize
        self.fileoff = fileoff  # absolute offset in the file (the fat slice offset included)
        self.filesize = filesize
        self.initprot = initprot
        self.read_only_after_fixups = read_only_after_fixups


class Import:
    """A pointer-sized location that must hold the address of an imported symbol."""

    __slots__ = ("address", "symbol", "ordinal", "addend", "weak_import", "kind")

    def __init__(self, address, symbol, ordinal, addend, weak_import, kind):
        self.address = address  # unslid
        self.symbol = symbol
        self.ordinal = ordinal  # library ordinal: 1.. dylibs, 0 self, -1 main, -2 flat, -3 weak
        self.addend = addend
        self.weak_import = weak_import
        self.kind = kind  # "bind" | "lazy" | "weak"


class TLVPlan:
    """An image's thread-local variables: descriptors and the per-thread template."""

    __slots__ = ("descriptors", "count", "template", "init_size", "total_size")

    def __init__(self, descriptors, count, template, init_size, total_size):
        self.descriptors = descriptors  # unslid address of __thread_vars
        self.count = count
        self.template = template  # unslid start of __thread_data/__thread_bss
        self.init_size = init_size
        self.total_size = total_size


class ImagePlan:
    """Everything loading one image takes, in unslid addresses."""

    def __init__(self, path, macho, segments, low, span, imports, chained=None, tlv=None,
                 initializers=(), terminators=(), unwind_info=None, eh_frame=None, dylibs=()):
        self.path = path
        self.macho: MachO = macho
        self.segments = segments
        self.low = low  # lowest mapped vmaddr (the mach header's, normally)
        self.span = span
        self.imports = imports
        self.chained = chained
        self.tlv = tlv
        self.initializers = list(initializers)
        self.terminators = list(terminators)
        self.unwind_info = unwind_info  # (unslid address, size) or None
        self.eh_frame = eh_frame
        self.dylibs = list(dylibs)


def _mapped_segments(m: MachO) -> list[SegmentMap]:
    out = []
    for seg in m.segments:
        if seg.vmsize == 0 or (seg.initprot == 0 and seg.maxprot == 0 and seg.filesize == 0):
            continue  # __PAGEZERO and empty segments reserve nothing here
        out.append(SegmentMap(seg.name, seg.vmaddr, seg.vmsize, m.slice_offset + seg.fileoff,
                              seg.filesize, seg.initprot, bool(seg.flags & SG_READ_ONLY)))
    return out


def _tlv_plan(m: MachO) -> TLVPlan | None:
    tlv = m.tlv
    if tlv is None:
        return None
    return TLVPlan(tlv.descriptors_addr, tlv.descriptors_count, tlv.template_addr,
                   tlv.init_size, tlv.template_size)


def plan_image(m: MachO, path: str) -> ImagePlan:
    segs = _mapped_segments(m)
    low = min(s.vmaddr for s in segs)
    high = max(s.vmaddr + page_up(s.vmsize) for s in segs)
    imports = [Import(b.address, b.symbol, b.library_ordinal, b.addend, b.weak_import, b.kind)
               for b in m.binds()] if m.chained_fixups is None else []
    ui = m.section("__TEXT", "__unwind_info")
    eh = m.section("__TEXT", "__eh_frame")
    return ImagePlan(
        path=path,
        macho=m,
        segments=segs,
        low=low,
        span=high - low,
        imports=imports,
        chained=m.chained_fixups,
        tlv=_tlv_plan(m),
        initializers=list(m.init_pointers()),
        terminators=list(m.term_pointers()),
        unwind_info=(ui.addr, ui.size) if ui else None,
        eh_frame=(eh.addr, eh.size) if eh else None,
        dylibs=list(m.dylibs),
    )
