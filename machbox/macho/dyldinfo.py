"""LC_DYLD_INFO: the rebase and bind opcode streams and the export trie.

Every loop is bounded by the stream (opcodes) or by the data size (repeat counts, trie
nodes), so hostile input ends in MachOError instead of a hang.
"""

from __future__ import annotations

from machbox.macho import constants as C
from machbox.macho.reader import MachOError, cstring, malformed, sleb, truncated, uleb
from machbox.macho.records import Bind, Export, Rebase

PTR = 8


class _Cursor:
    """The segment-relative address opcodes move around, checked against segment bounds."""

    __slots__ = ("segments", "seg", "addr", "what")

    def __init__(self, segments, what):
        self.segments = segments
        self.seg = None
        self.addr = 0
        self.what = what

    def set(self, index: int, offset: int, at: int) -> None:
        if index >= len(self.segments):
            raise malformed(f"{self.what} names segment {index} of {len(self.segments)}", at)
        self.seg = self.segments[index]
        self.addr = self.seg.vmaddr + offset

    def take(self, at: int) -> int:
        s = self.seg
        if s is None or not s.vmaddr <= self.addr <= s.vmaddr + s.vmsize - PTR:
            raise malformed(f"{self.what} address {self.addr:#x} outside its segment", at)
        return self.addr


def rebases(data, segments, off: int, size: int) -> list[Rebase]:
    end = off + size
    if end > len(data):
        raise truncated("rebase opcodes", off)
    out: list[Rebase] = []
    cur = _Cursor(segments, "rebase opcode")
    rtype = C.REBASE_TYPE_POINTER
    limit = size * 8 + len(data) // PTR  # no stream can name more pointers than this
    p = off
    while p < end:
        at = p
        byte = data[p]
        p += 1
        op, imm = byte & C.REBASE_OPCODE_MASK, byte & C.REBASE_IMMEDIATE_MASK
        if op == C.REBASE_OPCODE_DONE:
            break
        if op == C.REBASE_OPCODE_SET_TYPE_IMM:
            rtype = imm
        elif op == C.REBASE_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB:
            o, p = uleb(data, p, end, "rebase opcodes")
            cur.set(imm, o, at)
        elif op == C.REBASE_OPCODE_ADD_ADDR_ULEB:
            o, p = uleb(data, p, end, "rebase opcodes")
            cur.addr = (cur.addr + o) & 0xFFFFFFFFFFFFFFFF
        elif op == C.REBASE_OPCODE_ADD_ADDR_IMM_SCALED:
            cur.addr += imm * PTR
        elif op in (C.REBASE_OPCODE_DO_REBASE_IMM_TIMES, C.REBASE_OPCODE_DO_REBASE_ULEB_TIMES,
                    C.REBASE_OPCODE_DO_REBASE_ADD_ADDR_ULEB,
                    C.REBASE_OPCODE_DO_REBASE_ULEB_TIMES_SKIPPING_ULEB):
            skip = 0
            if op == C.REBASE_OPCODE_DO_REBASE_IMM_TIMES:
                count = imm
            elif op == C.REBASE_OPCODE_DO_REBASE_ULEB_TIMES:
                count, p = uleb(data, p, end, "rebase opcodes")
            elif op == C.REBASE_OPCODE_DO_REBASE_ADD_ADDR_ULEB:
                count = 1
                skip, p = uleb(data, p, end, "rebase opcodes")
            else:
                count, p = uleb(data, p, end, "rebase opcodes")
                skip, p = uleb(data, p, end, "rebase opcodes")
            if len(out) + count > limit:
                raise malformed("rebase opcodes repeat more pointers than the file holds", at)
            for _ in range(count):
                out.append(Rebase(cur.take(at), rtype))
                cur.addr += PTR + skip
        else:
            raise malformed(f"unknown rebase opcode {byte:#04x}", at)
    return out


def binds(data, segments, off: int, size: int, kind: str) -> list[Bind]:
    """One of the three bind streams; `kind` is "bind", "weak" or "lazy"."""
    end = off + size
    if end > len(data):
        raise truncated(f"{kind} bind opcodes", off)
    out: list[Bind] = []
    cur = _Cursor(segments, f"{kind} bind opcode")
    ordinal, symbol, flags, btype, addend = 0, "", 0, C.BIND_TYPE_POINTER, 0
    limit = size * 8 + len(data) // PTR
    p = off
    while p < end:
        at = p
        byte = data[p]
        p += 1
        op, imm = byte & C.BIND_OPCODE_MASK, byte & C.BIND_IMMEDIATE_MASK
        if op == C.BIND_OPCODE_DONE:
            if kind != "lazy":  # lazy binds end each symbol's run with DONE
                break
        elif op == C.BIND_OPCODE_SET_DYLIB_ORDINAL_IMM:
            ordinal = imm
        elif op == C.BIND_OPCODE_SET_DYLIB_ORDINAL_ULEB:
            ordinal, p = uleb(data, p, end, "bind opcodes")
        elif op == C.BIND_OPCODE_SET_DYLIB_SPECIAL_IMM:
            ordinal = (imm | ~0xF) if imm else 0  # sign-extend the nibble: -1, -2, -3
        elif op == C.BIND_OPCODE_SET_SYMBOL_TRAILING_FLAGS_IMM:
            flags = imm
            symbol = cstring(data, p, end, "bind symbol name")
            p += len(symbol.encode("utf-8", errors="surrogateescape")) + 1
        elif op == C.BIND_OPCODE_SET_TYPE_IMM:
            btype = imm
        elif op == C.BIND_OPCODE_SET_ADDEND_SLEB:
            addend, p = sleb(data, p, end, "bind opcodes")
        elif op == C.BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB:
            o, p = uleb(data, p, end, "bind opcodes")
            cur.set(imm, o, at)
        elif op == C.BIND_OPCODE_ADD_ADDR_ULEB:
            o, p = uleb(data, p, end, "bind opcodes")
            cur.addr = (cur.addr + o) & 0xFFFFFFFFFFFFFFFF
        elif op in (C.BIND_OPCODE_DO_BIND, C.BIND_OPCODE_DO_BIND_ADD_ADDR_ULEB,
                    C.BIND_OPCODE_DO_BIND_ADD_ADDR_IMM_SCALED,
                    C.BIND_OPCODE_DO_BIND_ULEB_TIMES_SKIPPING_ULEB):
            count, skip = 1, 0
            if op == C.BIND_OPCODE_DO_BIND_ADD_ADDR_ULEB:
                skip, p = uleb(data, p, end, "bind opcodes")
            elif op == C.BIND_OPCODE_DO_BIND_ADD_ADDR_IMM_SCALED:
                skip = imm * PTR
            elif op == C.BIND_OPCODE_DO_BIND_ULEB_TIMES_SKIPPING_ULEB:
                count, p = uleb(data, p, end, "bind opcodes")
                skip, p = uleb(data, p, end, "bind opcodes")
            if len(out) + count > limit:
                raise malformed("bind opcodes repeat more pointers than the file holds", at)
            weak_import = bool(flags & C.BIND_SYMBOL_FLAGS_WEAK_IMPORT)
            for _ in range(count):
                out.append(Bind(cur.take(at), symbol, ordinal, btype, addend, weak_import, kind))
                cur.addr = (cur.addr + PTR + skip) & 0xFFFFFFFFFFFFFFFF
        elif op == C.BIND_OPCODE_THREADED:
            raise MachOError("unsupported", f"unsupported: threaded bind opcodes at {at:#x}")
        else:
            raise malformed(f"unknown bind opcode {byte:#04x}", at)
    return out


def exports(data, off: int, size: int) -> list[Export]:
    """Every terminal of an export trie (LC_DYLD_INFO or LC_DYLD_EXPORTS_TRIE)."""
    end = off + size
    if end > len(data) or off > end:
        raise truncated("export trie", off)
    out: list[Export] = []
    seen = set()
    # iterative walk: (node offset, prefix bytes); every node is visited once, so a cyclic
    # or self-referencing trie cannot loop
    stack = [(off, b"")] if size else []
    while stack:
        node, prefix = stack.pop()
        if node in seen:
            raise malformed("export trie revisits a node (a cycle)", node)
        seen.add(node)
        info_size, p = uleb(data, node, end, "export trie")
        if info_size:
            info_end = p + info_size
            if info_end > end:
                raise truncated("export trie terminal", p)
            flags, q = uleb(data, p, info_end, "export trie")
            name = prefix.decode("utf-8", errors="surrogateescape")
            if flags & C.EXPORT_SYMBOL_FLAGS_REEXPORT:
                ordinal, q = uleb(data, q, info_end, "export trie")
                imported = cstring(data, q, info_end, "re-exported name")
                out.append(Export(name, flags, 0, ordinal, imported or None))
            elif flags & C.EXPORT_SYMBOL_FLAGS_STUB_AND_RESOLVER:
                stub, q = uleb(data, q, info_end, "export trie")
                resolver, q = uleb(data, q, info_end, "export trie")
                out.append(Export(name, flags, stub, resolver=resolver))
            else:
                addr, q = uleb(data, q, info_end, "export trie")
                out.append(Export(name, flags, addr))
            p = info_end
        if p >= end:
            raise truncated("export trie children", p)
        nchildren = data[p]
        p += 1
        children = []
        for _ in range(nchildren):
            nul = bytes(data[p:end]).find(b"\0")
            if nul < 0:
                raise malformed("export trie edge label is not NUL-terminated", p)
            label = bytes(data[p:p + nul])
            p += nul + 1
            child, p = uleb(data, p, end, "export trie")
            if child >= size:
                raise malformed(f"export trie child offset {child:#x} outside the trie", p)
            children.append((off + child, prefix + label))
        stack.extend(reversed(children))
    return out
