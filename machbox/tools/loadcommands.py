"""otool -l: every load command, in the layout of Apple's (LLVM's) otool: each command's
fields right-aligned in the column widths otool uses for that command, sections with the
notes otool adds (the indirect symbol table index of stubs and pointer sections).

One renderer per command kind, from a table; a kind without one prints cmd and cmdsize."""

from __future__ import annotations

import struct
import time

from machbox.macho import constants as C

LINKEDIT_DATA = (C.LC_FUNCTION_STARTS, C.LC_DATA_IN_CODE, C.LC_CODE_SIGNATURE,
                 C.LC_SEGMENT_SPLIT_INFO, C.LC_DYLIB_CODE_SIGN_DRS,
                 C.LC_LINKER_OPTIMIZATION_HINT, C.LC_DYLD_EXPORTS_TRIE,
                 C.LC_DYLD_CHAINED_FIXUPS)
DYLIBS = (C.LC_LOAD_DYLIB, C.LC_ID_DYLIB, C.LC_LOAD_WEAK_DYLIB, C.LC_REEXPORT_DYLIB,
          C.LC_LAZY_LOAD_DYLIB, C.LC_LOAD_UPWARD_DYLIB)
INDIRECT_SECTIONS = (C.S_SYMBOL_STUBS, C.S_LAZY_SYMBOL_POINTERS,
                     C.S_LAZY_DYLIB_SYMBOL_POINTERS, C.S_NON_LAZY_SYMBOL_POINTERS,
                     C.S_THREAD_LOCAL_VARIABLE_POINTERS)
BUILD_TOOLS = {1: "clang", 2: "swift", 3: "ld"}


def _fields(width: int, rows) -> list[str]:
    """Lines of "label value", the labels right-aligned in a column ``width`` wide."""
    return [f"{label:>{width}} {value}" for label, value in rows]


def _words(m, lc, fmt: str) -> tuple:
    return struct.unpack_from("<" + fmt, m.data, lc.offset + 8)


def _cstring(m, lc, offset: int) -> str:
    raw = bytes(m.data[lc.offset + offset:lc.offset + lc.cmdsize])
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def _version(v: int) -> str:
    """X.Y.Z packed in nibbles xxxx.yy.zz; otool leaves out a zero Z."""
    text = f"{v >> 16}.{(v >> 8) & 0xFF}"
    return text + (f".{v & 0xFF}" if v & 0xFF else "")


def _full_version(v: int) -> str:
    return f"{v >> 16}.{(v >> 8) & 0xFF}.{v & 0xFF}"


def segment(m, lc, seg) -> list[str]:
    out = _fields(9, [("cmd", lc.name), ("cmdsize", lc.cmdsize), ("segname", seg.name),
                      ("vmaddr", f"0x{seg.vmaddr:016x}"), ("vmsize", f"0x{seg.vmsize:016x}"),
                      ("fileoff", seg.fileoff), ("filesize", seg.filesize),
                      ("maxprot", f"0x{seg.maxprot:08x}"), ("initprot", f"0x{seg.initprot:08x}"),
                      ("nsects", len(seg.sections)), ("flags", f"0x{seg.flags:x}")])
    for s in seg.sections:
        indirect = s.type in INDIRECT_SECTIONS
        out.append("Section")
        out += _fields(10, [("sectname", s.sectname), ("segname", s.segname),
                           ("addr", f"0x{s.addr:016x}"), ("size", f"0x{s.size:016x}" + (
                               # as otool: zerofill sections too, by their (0) offset
                               " (past end of file)" if s.offset + s.size > len(m.data)
                               else "")),
                           ("offset", s.offset), ("align", f"2^{s.align} ({1 << s.align})"),
                           ("reloff", s.reloff), ("nreloc", s.nreloc),
                           ("flags", f"0x{s.flags:08x}"),
                           ("reserved1", f"{s.reserved1}" + (
                               " (index into indirect symbol table)" if indirect else "")),
                           ("reserved2", f"{s.reserved2}" + (
                               " (size of stubs)" if s.type == C.S_SYMBOL_STUBS else ""))])
    return out


def dyld_info(m, lc) -> list[str]:
    names = ("rebase_off", "rebase_size", "bind_off", "bind_size", "weak_bind_off",
             "weak_bind_size", "lazy_bind_off", "lazy_bind_size", "export_off", "export_size")
    return _fields(15, [("cmd", lc.name), ("cmdsize", lc.cmdsize),
                        *zip(names, _words(m, lc, "10I"))])


def linkedit_data(m, lc) -> list[str]:
    dataoff, datasize = _words(m, lc, "2I")
    return _fields(9, [("cmd", lc.name), ("cmdsize", lc.cmdsize), ("dataoff", dataoff),
                       ("datasize", datasize)])


def symtab(m, lc) -> list[str]:
    return _fields(8, [("cmd", lc.name), ("cmdsize", lc.cmdsize),
                       *zip(("symoff", "nsyms", "stroff", "strsize"), _words(m, lc, "4I"))])


def dysymtab(m, lc) -> list[str]:
    names = ("ilocalsym", "nlocalsym", "iextdefsym", "nextdefsym", "iundefsym", "nundefsym",
             "tocoff", "ntoc", "modtaboff", "nmodtab", "extrefsymoff", "nextrefsyms",
             "indirectsymoff", "nindirectsyms", "extreloff", "nextrel", "locreloff", "nlocrel")
    return _fields(15, [("cmd", lc.name), ("cmdsize", lc.cmdsize),
                        *zip(names, _words(m, lc, "18I"))])


def dylinker(m, lc) -> list[str]:
    (offset,) = _words(m, lc, "I")
    return _fields(13, [("cmd", lc.name), ("cmdsize", lc.cmdsize),
                        ("name", f"{_cstring(m, lc, offset)} (offset {offset})")])


def rpath(m, lc) -> list[str]:
    (offset,) = _words(m, lc, "I")
    return _fields(13, [("cmd", lc.name), ("cmdsize", lc.cmdsize),
                        ("path", f"{_cstring(m, lc, offset)} (offset {offset})")])


def dylib(m, lc) -> list[str]:
    offset, stamp, current, compat = _words(m, lc, "4I")
    return _fields(13, [("cmd", lc.name), ("cmdsize", lc.cmdsize),
                        ("name", f"{_cstring(m, lc, offset)} (offset {offset})"),
                        ("time stamp", f"{stamp} {time.ctime(stamp)}")]) + [
        f"      current version {_full_version(current)}",
        f"compatibility version {_full_version(compat)}"]


def main_command(m, lc) -> list[str]:
    entryoff, stacksize = _words(m, lc, "2Q")
    return _fields(10, [("cmd", lc.name), ("cmdsize", lc.cmdsize), ("entryoff", entryoff),
                        ("stacksize", stacksize)])


def source_version(m, lc) -> list[str]:
    (v,) = _words(m, lc, "Q")
    parts = [v >> 40, (v >> 30) & 0x3FF, (v >> 20) & 0x3FF, (v >> 10) & 0x3FF, v & 0x3FF]
    while len(parts) > 2 and parts[-1] == 0:
        parts.pop()
    return _fields(9, [("cmd", lc.name), ("cmdsize", lc.cmdsize),
                       ("version", ".".join(map(str, parts)))])


def build_version(m, lc) -> list[str]:
    platform, minos, sdk, ntools = _words(m, lc, "4I")
    out = _fields(10, [("cmd", lc.name), ("cmdsize", lc.cmdsize),
                       ("platform", C.PLATFORMS.get(platform, str(platform))),
                       ("sdk", _version(sdk) if sdk else "n/a"), ("minos", _version(minos)),
                       ("ntools", ntools)])
    for i in range(ntools):
        tool, version = struct.unpack_from("<2I", m.data, lc.offset + 24 + 8 * i)
        out += _fields(10, [("tool", BUILD_TOOLS.get(tool, f"0x{tool:06x}")),
                            ("version", _version(version))])
    return out


def version_min(m, lc) -> list[str]:
    version, sdk = _words(m, lc, "2I")
    return _fields(9, [("cmd", lc.name), ("cmdsize", lc.cmdsize), ("version", _version(version)),
                       ("sdk", _version(sdk) if sdk else "n/a")])


def uuid(m, lc) -> list[str]:
    raw = bytes(m.data[lc.offset + 8:lc.offset + 24]).hex().upper()
    text = f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
    return _fields(8, [("cmd", lc.name), ("cmdsize", lc.cmdsize), ("uuid", text)])


THREAD_STATE64, THREAD_STATE64_COUNT = 4, 42  # x86_THREAD_STATE64 (<mach/i386/thread_status.h>)
# otool's layout of an x86_64 thread state: the registers, three a line, in struct order
STATE_LINES = (
    "   rax  {rax} rbx {rbx} rcx  {rcx}", "   rdx  {rdx} rdi {rdi} rsi  {rsi}",
    "   rbp  {rbp} rsp {rsp} r8   {r8}", "    r9  {r9} r10 {r10} r11  {r11}",
    "   r12  {r12} r13 {r13} r14  {r14}", "   r15  {r15} rip {rip}",
    "rflags  {rflags} cs  {cs} fs   {fs}", "    gs  {gs}")
STATE_REGISTERS = ("rax", "rbx", "rcx", "rdx", "rdi", "rsi", "rbp", "rsp", "r8", "r9", "r10",
                   "r11", "r12", "r13", "r14", "r15", "rip", "rflags", "cs", "fs", "gs")


def thread(m, lc) -> list[str]:
    out = _fields(11, [("cmd", lc.name), ("cmdsize", lc.cmdsize)])
    pos, end = lc.offset + 8, lc.offset + lc.cmdsize
    while pos + 8 <= end:
        flavor, count = struct.unpack_from("<2I", m.data, pos)
        pos += 8
        if flavor == THREAD_STATE64 and count == THREAD_STATE64_COUNT:
            out += _fields(11, [("flavor", "x86_THREAD_STATE64"),
                                ("count", "x86_THREAD_STATE64_COUNT")])
            values = struct.unpack_from("<21Q", m.data, pos)
            regs = {n: f"0x{v:016x}" for n, v in zip(STATE_REGISTERS, values)}
            out += [line.format(**regs) for line in STATE_LINES]
        else:
            out += _fields(11, [("flavor", flavor), ("count", count)])
        pos += 4 * count
    return out


RENDERERS = {
    C.LC_UNIXTHREAD: thread, C.LC_THREAD: thread,
    C.LC_DYLD_INFO: dyld_info, C.LC_DYLD_INFO_ONLY: dyld_info, C.LC_SYMTAB: symtab,
    C.LC_DYSYMTAB: dysymtab, C.LC_LOAD_DYLINKER: dylinker, C.LC_ID_DYLINKER: dylinker,
    C.LC_RPATH: rpath, C.LC_MAIN: main_command, C.LC_SOURCE_VERSION: source_version,
    C.LC_BUILD_VERSION: build_version, C.LC_VERSION_MIN_MACOSX: version_min, C.LC_UUID: uuid,
    **{cmd: linkedit_data for cmd in LINKEDIT_DATA}, **{cmd: dylib for cmd in DYLIBS},
}


def render(m) -> list[str]:
    out = []
    segments = iter(m.segments)
    for lc in m.load_commands:
        out.append(f"Load command {lc.index}")
        if lc.cmd == C.LC_SEGMENT_64:
            out += segment(m, lc, next(segments))
            continue
        renderer = RENDERERS.get(lc.cmd)
        try:
            out += renderer(m, lc) if renderer else _fields(8, [("cmd", lc.name),
                                                                 ("cmdsize", lc.cmdsize)])
        except struct.error:
            out += _fields(8, [("cmd", lc.name), ("cmdsize", f"{lc.cmdsize} (too small)")])
    return out
