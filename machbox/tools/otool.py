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

LC_SEGMENT_64, LC_ID_DYLIB = 0x19, 0xD


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
           "      magic  cputype cpusubtype  caps    filetype ncmds sizeofcmds      flags"]
    sub, caps = h.cpusubtype & 0x00FFFFFF, (h.cpusubtype >> 24) & 0xFF
    if verbose:
        flags = " ".join(h.flag_names)
        out.append(f"MH_MAGIC_64  X86_64 {'ALL' if sub == 3 else sub:>10}  0x{caps:02x} "
                   f"{h.filetype_name:>11} {h.ncmds:5} {h.sizeofcmds:10}   {flags}")
    else:
        out.append(f" 0x{h.magic:08x} {h.cputype:8} {sub:10}  0x{caps:02x} {h.filetype:11} "
                   f"{h.ncmds:5} {h.sizeofcmds:10} 0x{h.flags:08x}")
    return out


def load_commands(m, path: str) -> list[str]:
    out = [f"{path}:"]
    segments = iter(m.segments)
    for lc in m.load_commands:
        out.append(f"Load command {lc.index}")
        out.append(f"      cmd {lc.name}")
        out.append(f"  cmdsize {lc.cmdsize}")
        if lc.cmd == LC_SEGMENT_64:
            seg = next(segments)
            out += [f"  segname {seg.name}", f"   vmaddr 0x{seg.vmaddr:016x}",
                    f"   vmsize 0x{seg.vmsize:016x}", f"  fileoff {seg.fileoff}",
                    f" filesize {seg.filesize}", f"  maxprot 0x{seg.maxprot:08x}",
                    f" initprot 0x{seg.initprot:08x}", f"   nsects {len(seg.sections)}",
                    f"    flags 0x{seg.flags:x}"]
            for s in seg.sections:
                out += ["Section", f"  sectname {s.sectname}", f"   segname {s.segname}",
                        f"      addr 0x{s.addr:016x}", f"      size 0x{s.size:016x}",
                        f"    offset {s.offset}", f"     align 2^{s.align} ({1 << s.align})",
                        f"    reloff {s.reloff}", f"    nreloc {s.nreloc}",
                        f"     flags 0x{s.flags:08x}", f" reserved1 {s.reserved1}",
                        f" reserved2 {s.reserved2}"]
    return out


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
