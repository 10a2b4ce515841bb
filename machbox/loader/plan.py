"""What loading an image means, as data.

A plan lists, for one Mach-O image, every mapping to make, every pointer to fix and every
import to resolve, in unslid addresses. Computing it reads only the file; applying it
(machbox.loader.apply) touches memory. Keeping the two apart is what lets a later version
cache plans per binary and replay them from a small native launcher, as dyld3's launch
closures do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from machbox.macho import MachO

PAGE = 4096
SG_READ_ONLY = 0x10  # dyld makes such segments (__DATA_CONST) read-only after fixups


def page_up(n: int) -> int:
    return (n + PAGE - 1) & ~(PAGE - 1)


@dataclass(frozen=True)
class SegmentMap:
    name: str
    vmaddr: int
    vmsize: int
    fileoff: int  # absolute offset in the file (the fat slice offset included)
    filesize: int
    initprot: int
    read_only_after_fixups: bool


@dataclass(frozen=True)
class Import:
    """A pointer-sized location that must hold the address of an imported symbol."""

    address: int  # unslid
    symbol: str
    ordinal: int  # library ordinal: 1.. dylibs, 0 self, -1 main, -2 flat, -3 weak
    addend: int
    weak_import: bool
    kind: str  # "bind" | "lazy" | "weak"


@dataclass(frozen=True)
class TLVPlan:
    descriptors: int  # unslid address of __thread_vars
    count: int
    template: int  # unslid start of __thread_data/__thread_bss
    init_size: int
    total_size: int


@dataclass
class ImagePlan:
    path: str
    macho: MachO
    segments: list[SegmentMap]
    low: int  # lowest mapped vmaddr (the mach header's, normally)
    span: int
    imports: list[Import]
    rebases: list[int] = field(default_factory=list)
    chained: object | None = None
    tlv: TLVPlan | None = None
    initializers: list[int] = field(default_factory=list)
    terminators: list[int] = field(default_factory=list)
    unwind_info: tuple[int, int] | None = None
    eh_frame: tuple[int, int] | None = None
    dylibs: list = field(default_factory=list)


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
