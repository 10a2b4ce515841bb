"""One Mach-O image (a thin file or the chosen slice of a fat one).

The header and load commands are decoded eagerly (they are small); symbols, fixups,
exports and unwind data are decoded when asked for and then kept.
"""

from __future__ import annotations

from machbox.macho import constants as C
from machbox.macho import dyldinfo
from machbox.macho.chained import ChainedFixups
from machbox.macho.loadcommands import PARSERS
from machbox.macho.reader import MachOError, cstring, malformed, truncated, unpack
from machbox.macho.records import TLV, Header, LoadCommand, Symbol


def _guarded(method):
    """Lazily decoded data fails as MachOError too, whatever the parser tripped on."""
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except MachOError:
            raise
        except (IndexError, ValueError, OverflowError, UnicodeError, MemoryError,
                RecursionError, KeyError, TypeError) as e:
            raise MachOError("malformed", f"malformed: {type(e).__name__}: {e}") from None

    # what functools.wraps would copy, without importing functools (and collections)
    wrapper.__name__, wrapper.__qualname__ = method.__name__, method.__qualname__
    wrapper.__doc__ = method.__doc__
    return wrapper


class MachO:
    def __init__(self, data, path: str, slice_offset: int = 0, arches=("x86_64",)):
        self.data = data  # the slice's bytes (bytes, memoryview or mmap slice)
        self.path = path
        self.slice_offset = slice_offset
        self.slice_size = len(data)
        self.arches = list(arches)
        self.segments = []
        self.dylibs = []
        self.rpaths = []
        self.id_dylib = None
        self.dylinker = None
        self.entry = None
        self.uuid = None
        self.build_version = None
        self.source_version = None
        self.encrypted = False
        self.symtab_info = None
        self.dysymtab = None
        self.dyld_info = None
        self.linkedit: dict[int, tuple[int, int]] = {}
        self.load_commands: list[LoadCommand] = []
        self._cache: dict[str, object] = {}
        self._read_header()

    # ---- header and load commands ----------------------------------------------------------

    def _read_header(self) -> None:
        data = self.data
        fields = unpack("<7I", data, 0, "mach header")
        self.header = Header(*fields)
        if self.header.sizeofcmds > len(data) - 32:
            raise truncated(f"load commands ({self.header.sizeofcmds} bytes)", 32)
        p, end = 32, 32 + self.header.sizeofcmds
        for i in range(self.header.ncmds):
            if p + 8 > end:
                raise truncated(f"load command {i}", p)
            cmd, cmdsize = unpack("<2I", data, p, f"load command {i}")
            lc = LoadCommand(i, cmd, cmdsize, p)
            if cmdsize < 8 or cmdsize % 4 or p + cmdsize > end:
                raise truncated(f"load command {i} ({lc.name}) of {cmdsize} bytes", p)
            self.load_commands.append(lc)
            parser = PARSERS.get(cmd)
            if parser is not None:
                parser(self, lc, data)
            p += cmdsize
        if self.header.filetype == C.MH_EXECUTE and not any(
                s.name == "__TEXT" for s in self.segments):
            raise malformed("executable without a __TEXT segment")

    # ---- addresses --------------------------------------------------------------------------

    @property
    def image_base(self) -> int:
        """The vmaddr where the mach header lives (__TEXT's)."""
        for s in self.segments:
            if s.fileoff == 0 and s.filesize:
                return s.vmaddr
        return self.segments[0].vmaddr if self.segments else 0

    @property
    def image_size(self) -> int:
        mapped = [s for s in self.segments if s.vmsize and not (s.initprot == 0 and s.maxprot == 0
                                                                and s.filesize == 0)]
        if not mapped:
            return 0
        return max(s.vmaddr + s.vmsize for s in mapped) - min(s.vmaddr for s in mapped)

    def segment(self, name: str):
        return next((s for s in self.segments if s.name == name), None)

    def section(self, segname: str, sectname: str):
        for s in self.segments:
            if s.name == segname:
                for sect in s.sections:
                    if sect.sectname == sectname:
                        return sect
        # a section may live in a segment of another name (ld's -sectcreate, __DATA_CONST)
        for s in self.segments:
            for sect in s.sections:
                if sect.segname == segname and sect.sectname == sectname:
                    return sect
        return None

    def sections_of_type(self, stype: int) -> list:
        return [sect for s in self.segments for sect in s.sections if sect.type == stype]

    def vmaddr_to_offset(self, addr: int, size: int = 1) -> int:
        for s in self.segments:
            if s.vmaddr <= addr and addr + size <= s.vmaddr + s.filesize:
                return s.fileoff + addr - s.vmaddr
        raise malformed(f"address {addr:#x} is not backed by the file")

    def read(self, addr: int, size: int) -> bytes:
        off = self.vmaddr_to_offset(addr, size)
        return bytes(self.data[off:off + size])

    def section_bytes(self, sect) -> bytes:
        if sect.is_zerofill:
            return bytes(sect.size)
        if sect.offset + sect.size > len(self.data):
            raise truncated(f"section {sect.segname},{sect.sectname}", sect.offset)
        return bytes(self.data[sect.offset:sect.offset + sect.size])

    def linkedit_data(self, cmd: int) -> bytes | None:
        r = self.linkedit.get(cmd)
        return None if r is None else bytes(self.data[r[0]:r[0] + r[1]])

    # ---- symbols ------------------------------------------------------------------------------

    @property
    def symbols(self) -> list[Symbol]:
        syms = self._cache.get("symbols")
        if syms is None:
            syms = self._cache["symbols"] = self._read_symbols()
        return syms

    @_guarded
    def _read_symbols(self) -> list[Symbol]:
        if self.symtab_info is None:
            return []
        symoff, nsyms, stroff, strsize = self.symtab_info
        data = self.data
        if symoff + nsyms * 16 > len(data) or stroff + strsize > len(data):
            raise truncated("symbol table", symoff)
        strend = stroff + strsize
        out = []
        for i in range(nsyms):
            strx, ntype, sect, desc, value = unpack("<IBBHQ", data, symoff + 16 * i, "nlist_64")
            if strx >= strsize:
                raise malformed(f"symbol {i} names string offset {strx} beyond the table",
                                symoff + 16 * i)
            name = cstring(data, stroff + strx, strend, f"symbol {i} name") if strx else ""
            out.append(Symbol(i, name, ntype, sect, desc, value))
        return out

    @property
    @_guarded
    def indirect_symbols(self) -> list[int]:
        if not self.dysymtab:
            return []
        off, n = self.dysymtab["indirectsymoff"], self.dysymtab["nindirectsyms"]
        if off + 4 * n > len(self.data):
            raise truncated("indirect symbol table", off)
        return [unpack("<I", self.data, off + 4 * i, "indirect symbol")[0] for i in range(n)]

    # ---- fixups ---------------------------------------------------------------------------

    @property
    @_guarded
    def chained_fixups(self) -> ChainedFixups | None:
        if C.LC_DYLD_CHAINED_FIXUPS not in self.linkedit:
            return None
        cf = self._cache.get("chained")
        if cf is None:
            off, size = self.linkedit[C.LC_DYLD_CHAINED_FIXUPS]
            cf = self._cache["chained"] = ChainedFixups(self, off, size)
        return cf

    @_guarded
    def rebases(self) -> list:
        if self.chained_fixups is not None:
            from machbox.macho.records import Rebase

            return [Rebase(f.address, C.REBASE_TYPE_POINTER)
                    for f in self.chained_fixups.fixups() if f.kind == "rebase"]
        di = self.dyld_info
        if not di or not di["rebase_size"]:
            return []
        return dyldinfo.rebases(self.data, self.segments, di["rebase_off"], di["rebase_size"])

    @_guarded
    def binds(self) -> list:
        cf = self.chained_fixups
        if cf is not None:
            from machbox.macho.records import Bind

            out = []
            for f in cf.fixups():
                if f.kind == "bind":
                    imp = cf.imports[f.import_index]
                    out.append(Bind(f.address, imp.name, imp.lib_ordinal, C.BIND_TYPE_POINTER,
                                    imp.addend + f.addend, imp.weak_import, "bind"))
            return out
        di = self.dyld_info
        if not di:
            return []
        out = []
        for kind, off, size in (("bind", "bind_off", "bind_size"),
                                ("weak", "weak_bind_off", "weak_bind_size"),
                                ("lazy", "lazy_bind_off", "lazy_bind_size")):
            if di[size]:
                out += dyldinfo.binds(self.data, self.segments, di[off], di[size], kind)
        return out

    @_guarded
    def exports(self) -> list:
        ex = self._cache.get("exports")
        if ex is None:
            if C.LC_DYLD_EXPORTS_TRIE in self.linkedit:
                off, size = self.linkedit[C.LC_DYLD_EXPORTS_TRIE]
            elif self.dyld_info:
                off, size = self.dyld_info["export_off"], self.dyld_info["export_size"]
            else:
                off, size = 0, 0
            ex = self._cache["exports"] = dyldinfo.exports(self.data, off, size) if size else []
        return ex

    # ---- TLV, initialisers, unwind ---------------------------------------------------------

    @property
    @_guarded
    def tlv(self) -> TLV | None:
        varsects = self.sections_of_type(C.S_THREAD_LOCAL_VARIABLES)
        if not varsects:
            return None
        v = varsects[0]
        data = self.sections_of_type(C.S_THREAD_LOCAL_REGULAR)
        bss = self.sections_of_type(C.S_THREAD_LOCAL_ZEROFILL)
        parts = data + bss
        if not parts:
            return TLV(v.addr, v.size // 24, 0, 0, 0)
        start = min(s.addr for s in parts)
        init_end = max((s.addr + s.size for s in data), default=start)
        end = max(s.addr + s.size for s in parts)
        return TLV(v.addr, v.size // 24, start, init_end - start, end - start)

    def _pointer_targets(self, stype: int) -> list[int]:
        """The functions an array of pointers names (decoded through chained fixups)."""
        out = []
        cf = self.chained_fixups
        by_addr = {f.address: f for f in cf.fixups()} if cf is not None else None
        for sect in self.sections_of_type(stype):
            raw = self.section_bytes(sect)
            for i in range(len(raw) // 8):
                if by_addr is not None:
                    f = by_addr.get(sect.addr + 8 * i)
                    if f is None or f.kind != "rebase":
                        raise malformed(f"initialiser pointer {i} of {sect.sectname} not fixed up")
                    out.append(f.target)
                else:
                    out.append(unpack("<Q", raw, 8 * i, "initialiser pointer")[0])
        return out

    @_guarded
    def init_pointers(self) -> list[int]:
        out = self._pointer_targets(C.S_MOD_INIT_FUNC_POINTERS)
        base = self.image_base
        for sect in self.sections_of_type(C.S_INIT_FUNC_OFFSETS):
            raw = self.section_bytes(sect)
            out += [base + unpack("<I", raw, 4 * i, "init offset")[0] for i in range(len(raw) // 4)]
        return out

    @_guarded
    def term_pointers(self) -> list[int]:
        return self._pointer_targets(C.S_MOD_TERM_FUNC_POINTERS)

    @property
    def unwind_info(self):
        return self.section("__TEXT", "__unwind_info")

    @property
    def eh_frame(self):
        return self.section("__TEXT", "__eh_frame")

    @_guarded
    def parse_unwind_info(self):
        from machbox.macho.unwind import parse_unwind_info

        sect = self.unwind_info
        return parse_unwind_info(self.section_bytes(sect)) if sect else []

    @_guarded
    def parse_eh_frame(self):
        from machbox.macho.unwind import parse_eh_frame

        sect = self.eh_frame
        return parse_eh_frame(self.section_bytes(sect), sect.addr) if sect else []

    @_guarded
    def function_starts(self) -> list[int]:
        raw = self.linkedit_data(C.LC_FUNCTION_STARTS)
        if not raw:
            return []
        from machbox.macho.reader import uleb

        out, addr, p = [], self.image_base, 0
        while p < len(raw):
            delta, p = uleb(raw, p, len(raw), "function starts")
            if delta == 0:
                break
            addr += delta
            out.append(addr)
        return out

    @property
    def data_in_code(self) -> bytes | None:
        return self.linkedit_data(C.LC_DATA_IN_CODE)

    @property
    def code_signature(self) -> tuple[int, int] | None:
        return self.linkedit.get(C.LC_CODE_SIGNATURE)


__all__ = ["MachO", "MachOError"]
