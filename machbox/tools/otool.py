"""otool: Mach-O headers, load commands and linked libraries, in the format of Apple's
otool (from machbox.macho).

    otool -L FILE   the libraries it links (a dylib's own id first)
    otool -h FILE   the mach header (add -v for symbolic names)
    otool -l FILE   the load commands
    otool -tV FILE  the disassembly of (__TEXT,__text), operands named (machbox.tools.disasm);
                    -tv the same, -t alone as hex words
"""

from __future__ import annotations

import sys

CPU_SUBTYPE_LIB64 = 0x80  # in the capability byte of cpusubtype (<mach/machine.h>)
# the header flags in the order otool prints them (not the bits' order), by otool's names
FLAG_ORDER = (
    (0x1, "NOUNDEFS"), (0x2, "INCRLINK"), (0x4, "DYLDLINK"), (0x8, "BINDATLOAD"),
    (0x10, "PREBOUND"), (0x20, "SPLIT_SEGS"), (0x40, "LAZY_INIT"), (0x80, "TWOLEVEL"),
    (0x100, "FORCE_FLAT"), (0x200, "NOMULTIDEFS"), (0x400, "NOFIXPREBINDING"),
    (0x800, "PREBINDABLE"), (0x1000, "ALLMODSBOUND"), (0x2000, "SUBSECTIONS_VIA_SYMBOLS"),
    (0x4000, "CANONICAL"), (0x8000, "WEAK_DEFINES"), (0x10000, "BINDS_TO_WEAK"),
    (0x20000, "ALLOW_STACK_EXECUTION"), (0x400000, "DEAD_STRIPPABLE_DYLIB"), (0x200000, "PIE"),
    (0x100000, "NO_REEXPORTED_DYLIBS"), (0x800000, "MH_HAS_TLV_DESCRIPTORS"),
    (0x1000000, "MH_NO_HEAP_EXECUTION"), (0x2000000, "APP_EXTENSION_SAFE"),
    (0x4000000, "MH_NLIST_OUTOFSYNC_WITH_DYLDINFO"), (0x8000000, "MH_SIM_SUPPORT"),
    (0x80000000, "MH_DYLIB_IN_CACHE"),
)


def version(v: int) -> str:
    return f"{v >> 16}.{(v >> 8) & 0xFF}.{v & 0xFF}"


def libraries(m, path: str) -> list[str]:
    out = [f"{path}:"]
    if m.id_dylib is not None:
        d = m.id_dylib
        out.append(f"\t{d.name} (compatibility version {version(d.compat_version)}, "
                   f"current version {version(d.current_version)})")
    for d in m.dylibs:
        extra = {"weak": ", weak", "reexport": ", reexport", "upward": ", upward",
                 "lazy": ", lazy"}.get(d.kind, "")
        out.append(f"\t{d.name} (compatibility version {version(d.compat_version)}, "
                   f"current version {version(d.current_version)}{extra})")
    return out


def header(m, path: str, verbose: bool) -> list[str]:
    h = m.header
    out = [f"{path}:", "Mach header",
           "      magic cputype cpusubtype  caps    filetype ncmds sizeofcmds      flags"]
    sub, caps = h.cpusubtype & 0x00FFFFFF, (h.cpusubtype >> 24) & 0xFF
    if verbose:
        # otool sets NOUNDEFS off by three spaces, every other flag by one
        flags = "".join(("   " if bit == 1 else " ") + name for bit, name in FLAG_ORDER
                        if h.flags & bit)
        shown_caps = "LIB64" if caps & CPU_SUBTYPE_LIB64 else f"0x{caps:02x}"
        out.append(f"MH_MAGIC_64  X86_64 {'ALL' if sub == 3 else sub:>10} {shown_caps:>5} "
                   f"{h.filetype_name:>11} {h.ncmds:5} {h.sizeofcmds:10}{flags}")
    else:
        out.append(f" 0x{h.magic:08x} {h.cputype:8} {sub:10}  0x{caps:02x} {h.filetype:11} "
                   f"{h.ncmds:5} {h.sizeofcmds:10} 0x{h.flags:08x}")
    return out


def load_commands(m, path: str) -> list[str]:
    """otool -l: as LLVM's otool, the mach header first, then every load command."""
    from machbox.tools import loadcommands

    return header(m, path, False) + loadcommands.render(m)


def text(m, path: str, opts: set[str]) -> list[str]:
    from machbox.tools import disasm

    if "-V" in opts or "-v" in opts:
        return disasm.disassemble(m, path, symbolic="-V" in opts)
    return disasm.hex_dump(m, path)


def main(args: list[str]) -> int:
    from machbox.macho import MachOError, parse_file
    from machbox.tools import disasm

    # single-letter flags, alone or together (-hv)
    opts = {f"-{c}" for a in args if a.startswith("-") and len(a) > 1 for c in a[1:]}
    files = [a for a in args if not a.startswith("-")]
    if not files or not opts & {"-L", "-h", "-l", "-t"} or \
            opts - {"-L", "-h", "-l", "-t", "-v", "-V"}:
        sys.stderr.write("Usage: otool [-L|-h|-l|-t] [-v|-V] <object file> ...\n")
        return 1
    status = 0
    for path in files:
        try:
            m = parse_file(path)
        except (MachOError, OSError) as e:
            sys.stderr.write(f"otool: {path}: {e}\n")
            status = 1
            continue
        if "-t" in opts:
            try:
                out = text(m, path, opts)
            except disasm.DisassemblerMissing as e:
                sys.stderr.write(f"otool: {e}\n")
                return 1
        elif "-L" in opts:
            out = libraries(m, path)
        elif "-h" in opts:
            out = header(m, path, "-v" in opts)
        else:
            out = load_commands(m, path)
        sys.stdout.write("".join(line + "\n" for line in out))
    return status
