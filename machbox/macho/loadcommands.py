"""Load commands: one short parser per command kind, chosen from a table.

Each parser receives the image being built, the command's record and the slice bytes, and
records what it found on the image. Commands no parser knows are kept in the raw list.
"""

from __future__ import annotations

from machbox.macho import constants as C
from machbox.macho.reader import cstring, fixed_string, malformed, truncated, unpack
from machbox.macho.records import BuildVersion, Dylib, Entry, Section, Segment


def _version(v: int) -> tuple[int, int, int]:
    return (v >> 16, (v >> 8) & 0xFF, v & 0xFF)


def _lc_string(data, lc, offset_field: int) -> str:
    """An lc_str: an offset from the command's start, the string within the command."""
    if offset_field < 8 or offset_field >= lc.cmdsize:
        raise malformed(f"string offset {offset_field} outside load command {lc.index} "
                        f"({lc.name})", lc.offset)
    return cstring(data, lc.offset + offset_field, lc.offset + lc.cmdsize, f"{lc.name} string")


def segment_64(m, lc, data) -> None:
    what = f"load command {lc.index} (LC_SEGMENT_64)"
    (segname, vmaddr, vmsize, fileoff, filesize, maxprot, initprot, nsects,
     flags) = unpack("<16s4Q4I", data, lc.offset + 8, what)
    if 72 + nsects * 80 > lc.cmdsize:
        raise malformed(f"{what} declares {nsects} sections that do not fit its size", lc.offset)
    if fileoff + filesize > len(data) or fileoff + filesize < fileoff:
        raise truncated(f"segment {fixed_string(segname)} file range", fileoff)
    sections = []
    for i in range(nsects):
        q = lc.offset + 72 + 80 * i
        (sectname, sname, addr, size, offset, align, reloff, nreloc, sflags, r1, r2,
         r3) = unpack("<16s16s2Q8I", data, q, f"section {i} of {what}")
        sections.append(Section(fixed_string(sname), fixed_string(sectname), addr, size, offset,
                                align, reloff, nreloc, sflags, r1, r2, r3))
    m.segments.append(Segment(fixed_string(segname), vmaddr, vmsize, fileoff, filesize, maxprot,
                              initprot, flags, sections))


_DYLIB_KINDS = {
    C.LC_LOAD_DYLIB: "load",
    C.LC_LOAD_WEAK_DYLIB: "weak",
    C.LC_REEXPORT_DYLIB: "reexport",
    C.LC_LAZY_LOAD_DYLIB: "lazy",
    C.LC_LOAD_UPWARD_DYLIB: "upward",
    C.LC_ID_DYLIB: "id",
}


def dylib(m, lc, data) -> None:
    name_off, timestamp, current, compat = unpack("<4I", data, lc.offset + 8,
                                                  f"load command {lc.index} ({lc.name})")
    d = Dylib(_lc_string(data, lc, name_off), _DYLIB_KINDS[lc.cmd], timestamp, current, compat)
    if lc.cmd == C.LC_ID_DYLIB:
        m.id_dylib = d
    else:
        m.dylibs.append(d)


def rpath(m, lc, data) -> None:
    (off,) = unpack("<I", data, lc.offset + 8, f"load command {lc.index} (LC_RPATH)")
    m.rpaths.append(_lc_string(data, lc, off))


def dylinker(m, lc, data) -> None:
    (off,) = unpack("<I", data, lc.offset + 8, f"load command {lc.index} ({lc.name})")
    m.dylinker = _lc_string(data, lc, off)


def main(m, lc, data) -> None:
    entryoff, stacksize = unpack("<2Q", data, lc.offset + 8, f"load command {lc.index} (LC_MAIN)")
    m.entry = Entry("main", entryoff=entryoff, stacksize=stacksize)


def unixthread(m, lc, data) -> None:
    """Thread states follow as (flavor, count, state[count]) until the command ends."""
    p, end = lc.offset + 8, lc.offset + lc.cmdsize
    while p + 8 <= end:
        flavor, count = unpack("<2I", data, p, f"load command {lc.index} (LC_UNIXTHREAD)")
        p += 8
        if p + count * 4 > end:
            raise malformed(f"thread state of load command {lc.index} overruns it", p)
        if flavor == C.x86_THREAD_STATE64 and count >= 42:
            regs = unpack("<21Q", data, p, "x86_THREAD_STATE64")
            named = dict(zip(C.X86_THREAD_STATE64_REGS, regs))
            m.entry = Entry("unixthread", pc=named["rip"], regs=named)
        p += count * 4


def uuid(m, lc, data) -> None:
    (raw,) = unpack("<16s", data, lc.offset + 8, f"load command {lc.index} (LC_UUID)")
    m.uuid = bytes(raw)


def symtab(m, lc, data) -> None:
    m.symtab_info = unpack("<4I", data, lc.offset + 8, f"load command {lc.index} (LC_SYMTAB)")


def dysymtab(m, lc, data) -> None:
    names = ("ilocalsym", "nlocalsym", "iextdefsym", "nextdefsym", "iundefsym", "nundefsym",
             "tocoff", "ntoc", "modtaboff", "nmodtab", "extrefsymoff", "nextrefsyms",
             "indirectsymoff", "nindirectsyms", "extreloff", "nextrel", "locreloff", "nlocrel")
    values = unpack("<18I", data, lc.offset + 8, f"load command {lc.index} (LC_DYSYMTAB)")
    m.dysymtab = dict(zip(names, values))


def dyld_info(m, lc, data) -> None:
    names = ("rebase_off", "rebase_size", "bind_off", "bind_size", "weak_bind_off",
             "weak_bind_size", "lazy_bind_off", "lazy_bind_size", "export_off", "export_size")
    values = unpack("<10I", data, lc.offset + 8, f"load command {lc.index} ({lc.name})")
    m.dyld_info = dict(zip(names, values))


def linkedit_data(m, lc, data) -> None:
    off, size = unpack("<2I", data, lc.offset + 8, f"load command {lc.index} ({lc.name})")
    if off + size > len(data):
        raise truncated(f"{lc.name} data", off)
    m.linkedit[lc.cmd] = (off, size)


def version_min(m, lc, data) -> None:
    version, sdk = unpack("<2I", data, lc.offset + 8, f"load command {lc.index} ({lc.name})")
    platform = {C.LC_VERSION_MIN_MACOSX: 1, C.LC_VERSION_MIN_IPHONEOS: 2,
                C.LC_VERSION_MIN_TVOS: 3, C.LC_VERSION_MIN_WATCHOS: 4}[lc.cmd]
    if m.build_version is None:
        m.build_version = BuildVersion(platform, _version(version), _version(sdk), [])


def build_version(m, lc, data) -> None:
    platform, minos, sdk, ntools = unpack("<4I", data, lc.offset + 8,
                                          f"load command {lc.index} (LC_BUILD_VERSION)")
    if 24 + ntools * 8 > lc.cmdsize:
        raise malformed(f"LC_BUILD_VERSION lists {ntools} tools that do not fit", lc.offset)
    tools = [unpack("<2I", data, lc.offset + 24 + 8 * i, "build tool") for i in range(ntools)]
    m.build_version = BuildVersion(platform, _version(minos), _version(sdk),
                                   [(t, _version(v)) for t, v in tools])


def source_version(m, lc, data) -> None:
    (v,) = unpack("<Q", data, lc.offset + 8, f"load command {lc.index} (LC_SOURCE_VERSION)")
    m.source_version = (v >> 40, (v >> 30) & 0x3FF, (v >> 20) & 0x3FF, (v >> 10) & 0x3FF,
                        v & 0x3FF)


def encryption_info(m, lc, data) -> None:
    off, size, cryptid = unpack("<3I", data, lc.offset + 8, f"load command {lc.index}")
    m.encrypted = cryptid != 0


PARSERS = {
    C.LC_SEGMENT_64: segment_64,
    C.LC_LOAD_DYLIB: dylib,
    C.LC_LOAD_WEAK_DYLIB: dylib,
    C.LC_REEXPORT_DYLIB: dylib,
    C.LC_LAZY_LOAD_DYLIB: dylib,
    C.LC_LOAD_UPWARD_DYLIB: dylib,
    C.LC_ID_DYLIB: dylib,
    C.LC_RPATH: rpath,
    C.LC_LOAD_DYLINKER: dylinker,
    C.LC_ID_DYLINKER: dylinker,
    C.LC_MAIN: main,
    C.LC_UNIXTHREAD: unixthread,
    C.LC_UUID: uuid,
    C.LC_SYMTAB: symtab,
    C.LC_DYSYMTAB: dysymtab,
    C.LC_DYLD_INFO: dyld_info,
    C.LC_DYLD_INFO_ONLY: dyld_info,
    C.LC_FUNCTION_STARTS: linkedit_data,
    C.LC_DATA_IN_CODE: linkedit_data,
    C.LC_CODE_SIGNATURE: linkedit_data,
    C.LC_SEGMENT_SPLIT_INFO: linkedit_data,
    C.LC_DYLD_EXPORTS_TRIE: linkedit_data,
    C.LC_DYLD_CHAINED_FIXUPS: linkedit_data,
    C.LC_DYLIB_CODE_SIGN_DRS: linkedit_data,
    C.LC_LINKER_OPTIMIZATION_HINT: linkedit_data,
    C.LC_ATOM_INFO: linkedit_data,
    C.LC_VERSION_MIN_MACOSX: version_min,
    C.LC_VERSION_MIN_IPHONEOS: version_min,
    C.LC_VERSION_MIN_TVOS: version_min,
    C.LC_VERSION_MIN_WATCHOS: version_min,
    C.LC_BUILD_VERSION: build_version,
    C.LC_SOURCE_VERSION: source_version,
    C.LC_ENCRYPTION_INFO_64: encryption_info,
}
