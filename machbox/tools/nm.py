"""nm: the symbol table of a Mach-O file, in the format of Apple's nm (from machbox.macho).

    nm [-g] [-u] [-U] [-j] [-n] [-p] FILE...

Each line is the value (16 hex digits, blank for undefined symbols), the type letter and the
name: U undefined, A absolute, T/D/B/S defined in __text / __data / __bss / another section,
I indirect, C common; lower case for symbols that are not external. Sorted by name unless
-n (by value) or -p (symbol-table order)."""

from __future__ import annotations

import sys

N_STAB, N_PEXT, N_TYPE, N_EXT = 0xE0, 0x10, 0x0E, 0x01
N_UNDF, N_ABS, N_SECT, N_INDR = 0x0, 0x2, 0xE, 0xA


def type_letter(sym, sections) -> str:
    kind = sym.type & N_TYPE
    if kind == N_UNDF:
        letter = "C" if sym.value else "U"
    elif kind == N_ABS:
        letter = "A"
    elif kind == N_INDR:
        letter = "I"
    elif kind == N_SECT and 0 < sym.sect <= len(sections):
        sect = sections[sym.sect - 1]
        letter = {("__TEXT", "__text"): "T", ("__DATA", "__data"): "D",
                  ("__DATA", "__bss"): "B", ("__DATA", "__common"): "S"}.get(
                      (sect.segname, sect.sectname), "S")
    else:
        letter = "?"
    return letter if sym.type & N_EXT else letter.lower()


def lines(path: str, opts: set[str]) -> list[str]:
    from machbox.macho import parse_file

    m = parse_file(path)
    sections = [s for seg in m.segments for s in seg.sections]
    syms = [s for s in m.symbols if not s.type & N_STAB]
    if "-g" in opts:
        syms = [s for s in syms if s.type & N_EXT]
    if "-u" in opts:
        syms = [s for s in syms if s.is_undefined]
    if "-U" in opts:
        syms = [s for s in syms if not s.is_undefined]
    if "-n" in opts:
        syms.sort(key=lambda s: (s.value, s.name))
    elif "-p" not in opts:
        syms.sort(key=lambda s: (s.name, s.value))
    out = []
    for s in syms:
        if "-j" in opts or "-u" in opts:
            out.append(s.name)
            continue
        letter = type_letter(s, sections)
        value = " " * 16 if letter in ("U", "u") else f"{s.value:016x}"
        out.append(f"{value} {letter} {s.name}")
    return out


def main(args: list[str]) -> int:
    from machbox.macho import MachOError

    # single-letter flags, alone or together (-hv)
    opts = {f"-{c}" for a in args if a.startswith("-") and len(a) > 1 for c in a[1:]}
    files = [a for a in args if not a.startswith("-")]
    unknown = opts - {"-g", "-u", "-U", "-j", "-n", "-p"}
    if unknown or not files:
        sys.stderr.write("usage: nm [-g] [-u] [-U] [-j] [-n] [-p] file ...\n")
        return 1
    status = 0
    for path in files:
        try:
            out = lines(path, opts)
        except (MachOError, OSError) as e:
            sys.stderr.write(f"nm: {path}: {e}\n")
            status = 1
            continue
        if len(files) > 1:
            sys.stdout.write(f"\n{path}:\n")
        sys.stdout.write("".join(line + "\n" for line in out))
    return status
