"""Symbols of loaded images for host debuggers (`machbox debug`).

Each image's functions are written as a small ELF file, named as the image, whose symbols
sit at the addresses the image was loaded at (an allocated, contentless .text section
spanning the image's __TEXT), so the debugger needs no offsets: gdb cannot read Mach-O at
all, and lldb debugging a Linux process takes no Mach-O module. Written into
MACHBOX_DEBUG_SYMBOLS before the program's first initialiser, with the command scripts
that load them.
"""

from __future__ import annotations

import os
import struct

from machbox.macho import constants as C


def _functions(image) -> list[tuple[int, str]]:
    """(runtime address, name) of the image's symbols in sections, and its exports."""
    m, slide = image.macho, image.slide
    found = {}
    for s in m.symbols:
        if not s.is_stab and (s.type & C.N_TYPE) == C.N_SECT and s.name:
            found[s.value + slide] = s.name[1:] if s.name.startswith("_") else s.name
    for e in m.exports():
        if e.kind == "regular":
            addr = image.base + e.address
            found.setdefault(addr, e.name[1:] if e.name.startswith("_") else e.name)
    return sorted(found.items())


def elf_symbols(image) -> bytes:
    """An ELF64 file with the image's functions at their loaded addresses."""
    text = next((s for s in image.macho.segments if s.name == "__TEXT"), None)
    start = (text.vmaddr + image.slide) if text else image.base
    size = text.vmsize if text else 0
    funcs = [(a, n) for a, n in _functions(image) if start <= a < start + size]
    strtab = bytearray(b"\0")
    symtab = bytearray(24)  # the null symbol
    for i, (addr, name) in enumerate(funcs):
        end = funcs[i + 1][0] if i + 1 < len(funcs) else start + size
        symtab += struct.pack("<IBBHQQ", len(strtab), 0x12, 0, 1, addr, end - addr)
        strtab += name.encode(errors="replace") + b"\0"
    shstrtab = b"\0.text\0.symtab\0.strtab\0.shstrtab\0"
    body = bytes(symtab) + bytes(strtab) + shstrtab
    sym_off = 64
    str_off = sym_off + len(symtab)
    shstr_off = str_off + len(strtab)
    sh_off = (shstr_off + len(shstrtab) + 7) & ~7
    header = struct.pack("<4sBBBBB7sHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0, b"\0" * 7,
                         2, 62, 1, 0, 0, sh_off, 0, 64, 0, 0, 64, 5, 4)
    sections = [
        struct.pack("<IIQQQQIIQQ", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        struct.pack("<IIQQQQIIQQ", 1, 8, 6, start, 0, size, 0, 0, 16, 0),  # NOBITS, AX
        struct.pack("<IIQQQQIIQQ", 7, 2, 0, 0, sym_off, len(symtab), 3, 1, 8, 24),
        struct.pack("<IIQQQQIIQQ", 15, 3, 0, 0, str_off, len(strtab), 0, 0, 1, 0),
        struct.pack("<IIQQQQIIQQ", 23, 3, 0, 0, shstr_off, len(shstrtab), 0, 0, 1, 0),
    ]
    padding = b"\0" * (sh_off - 64 - len(body))
    return header + body + padding + b"".join(sections)


def write(directory: str, images) -> None:
    """Symbol files and the gdb and lldb scripts that load them."""
    gdb, lldb = [], []
    for i, image in enumerate(images):
        name = os.path.basename(image.path)
        path = os.path.join(directory, f"{i:03d}", name)  # frames show the image's name
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(elf_symbols(image))
        gdb.append(f"add-symbol-file {path}")
        lldb.append(f"target modules add {path}")
        lldb.append(f"target modules load --file {path} --slide 0")
    with open(os.path.join(directory, "symbols.gdb"), "w") as f:
        f.write("\n".join(gdb) + "\n")
    with open(os.path.join(directory, "symbols.lldb"), "w") as f:
        f.write("\n".join(lldb) + "\n")
