"""otool -tV: the disassembly of (__TEXT,__text) in the format of Apple's otool (and of
LLVM's llvm-otool, which copies it), with symbolic operands:

    _main:
    0000000100000f50	pushq	%rbp
    0000000100000f5f	leaq	0x3a(%rip), %rdi ## literal pool for: "hello"
    0000000100000f66	callq	0x100000f8a ## symbol stub for: _puts
    0000000100000f70	callq	_helper
    0000000100000f80	movq	0x1e76c(%rip), %rax ## literal pool symbol address: ___stdoutp

A label line for every symbol defined at an instruction; a call or jump to a symbol shows its
name, one into __stubs the stub's symbol; a RIP-relative operand reaching a symbol shows its
name, one reaching a C string shows the string, one reaching a __got slot the symbol the
slot binds; C++ names get their demangled form as a comment; the jump tables LC_DATA_IN_CODE
marks print as data. Instructions are decoded by capstone (PyPI), rendered in LLVM's AT&T
spelling: hex immediates (signed unless a full-width 32-bit one), no space after the commas
inside a memory operand, a lock prefix on a line of its own, no "$1" on shift-by-one."""

from __future__ import annotations

import re
import struct

from machbox.macho import constants as C

N_STAB, N_TYPE, N_SECT = 0xE0, 0x0E, 0xE
DICE = {C.DICE_KIND_DATA: "KIND_DATA", C.DICE_KIND_JUMP_TABLE8: "KIND_JUMP_TABLE8",
        C.DICE_KIND_JUMP_TABLE16: "KIND_JUMP_TABLE16",
        C.DICE_KIND_JUMP_TABLE32: "KIND_JUMP_TABLE32",
        C.DICE_KIND_ABS_JUMP_TABLE32: "KIND_ABS_JUMP_TABLE32"}
LOCK, SHIFT_BY_ONE, XCHG_RM = 0xF0, (0xD0, 0xD1), (0x86, 0x87)
X87_ARITHMETIC = {"fadd", "fsub", "fsubr", "fmul", "fdiv", "fdivr"}
X87_COMPARE = {"fcomi", "fucomi", "fcompi", "fucompi"}
BRANCHES = re.compile(r"^(call|j|loop)")
# one-byte opcodes of the string instructions (movs, cmps, stos, scas, ins)
STRING_OPCODES = {0xA4, 0xA5, 0xA6, 0xA7, 0xAA, 0xAB, 0xAE, 0xAF, 0x6C, 0x6D}
# conversions LLVM spells without the size suffix when the source is a register
UNSUFFIXED = {"cvtsi2ssl": "cvtsi2ss", "cvtsi2ssq": "cvtsi2ss", "cvtsi2sdl": "cvtsi2sd",
              "cvtsi2sdq": "cvtsi2sd"}


class DisassemblerMissing(Exception):
    """capstone is not installed."""


def _capstone():
    try:
        import capstone
    except ImportError:
        # the prefix's tool scripts run Python without site-packages (-S): look there too
        import site

        site.main()
        try:
            import capstone
        except ImportError:
            raise DisassemblerMissing("-tV needs the capstone disassembler "
                                      "(pip install capstone)") from None
    return capstone


class Context:
    """What the operands are named from: symbols, stubs, pointer slots, C strings."""

    def __init__(self, m):
        self.m = m
        sections = [s for seg in m.segments for s in seg.sections]
        self.sections = sections
        self.labels: dict[int, list[str]] = {}
        symbols = m.symbols
        for sym in symbols:
            if sym.type & N_STAB or sym.type & N_TYPE != N_SECT or not sym.name:
                continue
            self.labels.setdefault(sym.value, []).append(sym.name)
        self.stubs: dict[int, str] = {}
        self.pointers: dict[int, str] = {}
        indirect = m.indirect_symbols
        for s in sections:
            if s.type == C.S_SYMBOL_STUBS and s.reserved2:
                self._slots(s, s.reserved2, indirect, symbols, self.stubs)
            elif s.type in (C.S_NON_LAZY_SYMBOL_POINTERS, C.S_LAZY_SYMBOL_POINTERS):
                self._slots(s, 8, indirect, symbols, self.pointers)

    @staticmethod
    def _slots(s, size, indirect, symbols, into: dict) -> None:
        for n in range(s.size // size):
            i = s.reserved1 + n
            if i >= len(indirect):
                return
            index = indirect[i]
            if index & (C.INDIRECT_SYMBOL_LOCAL | C.INDIRECT_SYMBOL_ABS) or \
                    index >= len(symbols):
                continue
            into[s.addr + n * size] = symbols[index].name

    def name_at(self, addr: int) -> str | None:
        """The symbol an operand is named after: of several at one address, the last in
        the symbol table (an external one over a local alias), as otool picks."""
        names = self.labels.get(addr)
        return names[-1] if names else None

    def section_at(self, addr: int):
        for s in self.sections:
            if s.addr <= addr < s.addr + s.size:
                return s
        return None

    def cfstring(self, addr: int) -> str | None:
        """The text of a constant CFString (__cfstring: isa, flags, characters, length)."""
        s = self.section_at(addr)
        if s is None or s.sectname != "__cfstring":
            return None
        raw = self.m.section_bytes(s)[addr - s.addr + 16:addr - s.addr + 24]
        if len(raw) < 8:
            return None
        # a rebase: a plain pointer, or a chained-fixup one holding the target in its low
        # 36 bits (as an address, or as an offset from the image's base)
        pointer = int.from_bytes(raw, "little") & 0xFFFFFFFFF
        if pointer < self.m.image_base:
            pointer += self.m.image_base
        return self.cstring(pointer)

    def cstring(self, addr: int) -> str | None:
        s = self.section_at(addr)
        if s is None or s.type != C.S_CSTRING_LITERALS:
            return None
        data = self.m.section_bytes(s)
        start = addr - s.addr
        end = data.find(b"\0", start)
        return data[start:end if end >= 0 else len(data)].decode("latin-1")


def text_section(m):
    return next((s for seg in m.segments for s in seg.sections
                 if (s.segname, s.sectname) == ("__TEXT", "__text")), None)


def hex_dump(m, path: str) -> list[str]:
    """otool -t: the section as hex bytes, 16 a line."""
    text = text_section(m)
    out = [f"{path}:", "Contents of (__TEXT,__text) section"]
    if text is not None:
        code = m.section_bytes(text)
        for i in range(0, len(code), 16):
            out.append(f"{text.addr + i:016x}\t" + "".join(f"{b:02x} " for b in code[i:i + 16]))
    return out


def disassemble(m, path: str, symbolic: bool = True) -> list[str]:
    """otool -tV (symbolic) or -tv (plain operands, no comments)."""
    capstone = _capstone()
    ctx = Context(m)
    text = text_section(m)
    out = [f"{path}:", "Contents of (__TEXT,__text) section"]
    if text is None:
        return out
    code = m.section_bytes(text)
    md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
    md.syntax = capstone.CS_OPT_SYNTAX_ATT
    md.detail = True
    data_regions = _data_in_code(m, text)
    regions, labels = sorted(data_regions), sorted(ctx.labels)
    pos = 0
    while pos < len(code):
        addr = text.addr + pos
        out += [f"{name}:" for name in ctx.labels.get(addr, ())]
        region = data_regions.get(addr)
        if region is not None:
            lines, size = _data_lines(code, pos, addr, *region)
            out += lines
            pos += size
            continue
        limit = min(_next(regions, addr), text.addr + len(code))
        insn = next(md.disasm(code[pos:limit - text.addr], addr, 1), None)
        if insn is None:
            # as otool: a lock prefix before what cannot take one is an instruction of
            # its own; an undecodable byte is shown without its address
            out.append(f"{addr:016x}\tlock" if code[pos] == LOCK
                       else f"\t.byte 0x{code[pos]:02x} #bad opcode")
            pos += 1
            continue
        out += _render(insn, ctx if symbolic else None, capstone)
        # an instruction running over the next label is shown whole, as otool does, and
        # decoding starts again at the label
        pos = min(pos + insn.size, _next(labels, addr) - text.addr)
    return out


def _next(addrs: list[int], addr: int) -> int:
    """The first of the sorted ``addrs`` after ``addr`` (infinity when none)."""
    import bisect

    i = bisect.bisect_right(addrs, addr)
    return addrs[i] if i < len(addrs) else 1 << 64


def _data_in_code(m, text) -> dict[int, tuple[int, int]]:
    """address -> (length, kind) of the data regions inside __text."""
    raw = m.data_in_code or b""
    regions = {}
    for i in range(0, len(raw) - 7, 8):
        offset, length, kind = struct.unpack_from("<IHH", raw, i)
        if text.offset <= offset < text.offset + text.size:
            regions[text.addr + offset - text.offset] = (length, kind)
    return regions


def _data_lines(code: bytes, pos: int, addr: int, length: int, kind: int):
    width = {C.DICE_KIND_JUMP_TABLE8: 1, C.DICE_KIND_JUMP_TABLE16: 2}.get(kind, 4)
    lines, done = [], 0
    while done < length:
        left = length - done
        size = width if left >= width else (2 if left >= 2 else 1)
        value = int.from_bytes(code[pos + done:pos + done + size], "little")
        directive = {1: ".byte", 2: ".short", 4: ".long"}[size]
        lines.append(f"{addr + done:016x}\t{directive} {value}\t@ {DICE.get(kind, 'KIND_DATA')}")
        done += size
    return lines, length


def _render(insn, ctx: Context | None, capstone) -> list[str]:
    mnemonic, operands = insn.mnemonic, _operands(insn, capstone)
    lines = []
    addr = insn.address
    if mnemonic.startswith("lock "):
        at = bytes(insn.bytes).index(LOCK)
        lines.append(f"{addr + at:016x}\tlock")
        addr, mnemonic = addr + at + 1, mnemonic[5:]
    prefix, _, base = mnemonic.rpartition(" ")
    if insn.opcode[0] in STRING_OPCODES:  # LLVM names the destination's segment
        operands = operands.replace("(%rdi)", "%es:(%rdi)")
    if operands[:1] == "%":
        base = UNSUFFIXED.get(base, base)
    mnemonic = f"{prefix}\t\t{base}" if prefix else base  # "rep\t\tmovsq"
    comment = None
    if ctx is None:
        pass
    elif BRANCHES.match(base) and re.fullmatch(r"0x[0-9a-f]+", operands):
        operands, comment = _branch(int(operands, 16), ctx)
    elif "(%rip)" in operands:
        operands, comment = _rip_relative(insn, operands, ctx, capstone)
    elif insn.imm_size == 8:  # a 64-bit immediate that is a symbol's address is named
        operands, comment = _absolute(operands, ctx)
    line = f"{addr:016x}\t{mnemonic}" + (f"\t{operands}" if operands else "")
    lines.append(line + (f" ## {comment}" if comment else ""))
    return lines


def _branch(target: int, ctx: Context):
    name = ctx.name_at(target)
    if name:
        return name, _demangled_comment(name)
    if target in ctx.stubs:
        return f"0x{target:x}", f"symbol stub for: {ctx.stubs[target]}"
    return f"0x{target:x}", None


def _rip_relative(insn, operands: str, ctx: Context, capstone):
    from capstone import x86

    mem = next((op.mem for op in insn.operands if op.type == x86.X86_OP_MEM), None)
    if mem is None:
        return operands, None
    # Apple's otool (LLVM's disassembler) takes the address after the displacement as the
    # base, not the end of the instruction: when an immediate follows (movl $1, x(%rip)) it
    # names nothing, or a neighbour. Its output is the format: computed the same way.
    target = insn.address + insn.disp_offset + insn.disp_size + mem.disp
    name = ctx.name_at(target)
    if name:
        replaced = re.sub(r"-?0x[0-9a-f]+\(%rip\)", f"{name}(%rip)", operands, count=1)
        return replaced, _demangled_comment(name)
    if target in ctx.pointers:
        return operands, f"literal pool symbol address: {ctx.pointers[target]}"
    string = ctx.cfstring(target)
    if string is not None:
        return operands, f'Objc cfstring ref: @"{_escape(string)}"'
    string = ctx.cstring(target)
    if string is not None:
        return operands, f'literal pool for: "{_escape(string)}"'
    return operands, None


NAMED_ESCAPES = {0x0A: "\\n", 0x09: "\\t", 0x22: '\\"', 0x5C: "\\\\"}


def _absolute(operands: str, ctx: Context):
    match = re.match(r"\$(0x[0-9a-f]+)", operands)
    name = ctx.name_at(int(match.group(1), 16)) if match else None
    if name is None:
        return operands, None
    return f"${name}" + operands[match.end():], _demangled_comment(name)


def _escape(s: str) -> str:
    """A C string as otool shows it: printable ASCII as is but quote and backslash,
    newline and tab as \\n and \\t, every other byte in octal (UTF-8 "é": \\303\\251)."""
    out = []
    for b in s.encode("latin-1"):
        if 0x20 <= b < 0x7F and b not in NAMED_ESCAPES:
            out.append(chr(b))
        else:
            out.append(NAMED_ESCAPES.get(b, f"\\{b:03o}"))
    return "".join(out)


# ---- operands in LLVM's spelling ----

def _hex(v: int) -> str:
    return f"-0x{-v:x}" if v < 0 else f"0x{v:x}"


def _signed(bits: int, imm_size: int, byte_operation: bool) -> bool:
    """Whether LLVM prints an immediate signed: one sign-extended to its operand's width is,
    a full-width 16- or 32-bit one is not, nor an 8-bit one of an instruction working on
    wider data (pshufd $0xd4), while a byte operation's is (addb $-0x3a)."""
    if imm_size * 8 < bits:
        return True
    if bits == 8:
        return byte_operation
    return bits == 64


def _x87(insn, s: str) -> str:
    """LLVM spells out the implicit %st of x87 register forms: after the source where
    %st is written (D8, fcomi...), before the target where %st(i) is (DC/DE)."""
    base = insn.mnemonic
    if re.fullmatch(r"%st\(\d\)", s):
        if base in X87_COMPARE or (base in X87_ARITHMETIC and insn.opcode[0] == 0xD8):
            return f"{s}, %st"
        if base.rstrip("p") in X87_ARITHMETIC:
            return f"%st, {s}"
    if insn.opcode[0] in (0xDC, 0xDE) and re.fullmatch(r"%st\(0\), %st\(\d\)", s):
        return "%st" + s[6:]
    return s


def _operands(insn, capstone) -> str:
    s = insn.op_str
    if not s:
        return s
    from capstone import x86

    s = re.sub(r"\(([^)]*)\)", lambda mm: "(" + mm.group(1).replace(", ", ",") + ")", s)
    imms = iter([op for op in insn.operands if op.type == x86.X86_OP_IMM])

    byte_operation = any(op.size == 1 for op in insn.operands if op.type != x86.X86_OP_IMM)
    # an I/O port or a shift count is unsigned; the bytes a return pops, a signed 16 bits
    unsigned = insn.mnemonic.startswith(("in", "out", "sa", "sh", "ro", "rc"))
    pops = insn.mnemonic.startswith(("ret", "lret"))

    def immediate(mm) -> str:
        op = next(imms, None)
        value = int(mm.group(1), 0)
        bits = 16 if pops else 8 * (op.size if op is not None else 8)
        value &= (1 << bits) - 1
        signed = pops or (not unsigned and _signed(bits, insn.imm_size, byte_operation))
        if value >> (bits - 1) and signed:
            value -= 1 << bits
        return "$" + _hex(value)

    s = re.sub(r"\$(-?(?:0x[0-9a-f]+|\d+))", immediate, s)
    s = re.sub(r"(?<![\w$])(-?\d+)(?=\()", lambda mm: _hex(int(mm.group(1))), s)
    if insn.mnemonic.startswith("movabs"):  # a 64-bit memory offset, shown signed
        s = re.sub(r"(?<![\w$-])0x([0-9a-f]{16})\b", lambda mm: _hex(
            int(mm.group(1), 16) - (1 << 64) if int(mm.group(1), 16) >> 63
            else int(mm.group(1), 16)), s)
    if insn.opcode[0] in SHIFT_BY_ONE and s.startswith("$0x1, "):
        s = s[6:]
    s = _x87(insn, s)
    if (insn.opcode[0] in XCHG_RM or 0x91 <= insn.opcode[0] <= 0x97) and \
            re.fullmatch(r"%\w+, %\w+", s):
        s = ", ".join(reversed(s.split(", ")))  # LLVM names the ModRM.reg operand first
    return s


# ---- C++ names ----

_demangler = None


def _demangled_comment(name: str) -> str | None:
    if not name.startswith("__Z"):
        return None
    out = demangle(name[1:])
    return out if out != name[1:] else None


def demangle(name: str) -> str:
    """A mangled C++ name demangled by the host's C++ ABI library (as LLVM's demangler)."""
    global _demangler
    import ctypes

    if _demangler is None:
        _demangler = False
        for lib in ("libc++abi.so.1", "libstdc++.so.6"):
            try:
                f = ctypes.CDLL(lib).__cxa_demangle
            except (OSError, AttributeError):
                continue
            f.restype = ctypes.c_void_p
            f.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p,
                          ctypes.POINTER(ctypes.c_int)]
            _demangler = f
            break
    if not _demangler:
        return name
    status = ctypes.c_int()
    p = _demangler(name.encode(), None, None, ctypes.byref(status))
    if not p or status.value:
        return name
    try:
        return ctypes.string_at(p).decode("utf-8", "replace")
    finally:
        ctypes.CDLL(None).free(ctypes.c_void_p(p))
