"""LC_DYLD_CHAINED_FIXUPS: the import table and the per-page chains of pointers that are
either rebases or binds, encoded in place (x86_64 uses DYLD_CHAINED_PTR_64 and _64_OFFSET)."""

from __future__ import annotations

from machbox.macho import constants as C
from machbox.macho.reader import MachOError, cstring, malformed, truncated, unpack
from machbox.macho.records import ChainedFixup, ChainedImport, ChainedStarts

_SPECIAL_ORDINALS_8 = {0xFF: -1, 0xFE: -2, 0xFD: -3}
_SPECIAL_ORDINALS_16 = {0xFFFF: -1, 0xFFFE: -2, 0xFFFD: -3}
_SUPPORTED = (C.DYLD_CHAINED_PTR_64, C.DYLD_CHAINED_PTR_64_OFFSET)


class ChainedFixups:
    """The decoded header, imports and starts; `fixups()` walks the chains in the file."""

    def __init__(self, macho, off: int, size: int):
        self.macho = macho
        data = macho.data
        end = off + size
        if end > len(data):
            raise truncated("chained fixups", off)
        (self.version, starts_off, imports_off, symbols_off, count, self.imports_format,
         self.symbols_format) = unpack("<7I", data, off, "chained fixups header")
        if self.symbols_format != 0:
            raise MachOError("unsupported", "unsupported: compressed chained-fixup symbols")
        self.imports = self._imports(data, off, end, imports_off, symbols_off, count)
        self.starts = self._starts(data, off, end, starts_off)

    def _imports(self, data, base, end, imports_off, symbols_off, count):
        sizes = {C.DYLD_CHAINED_IMPORT: 4, C.DYLD_CHAINED_IMPORT_ADDEND: 8,
                 C.DYLD_CHAINED_IMPORT_ADDEND64: 16}
        width = sizes.get(self.imports_format)
        if width is None:
            raise malformed(f"unknown chained import format {self.imports_format}", base)
        if base + imports_off + count * width > end:
            raise truncated("chained fixups imports", base + imports_off)
        out = []
        for i in range(count):
            at = base + imports_off + i * width
            if self.imports_format == C.DYLD_CHAINED_IMPORT_ADDEND64:
                raw, addend = unpack("<Qq", data, at, "chained import")
                ordinal = _SPECIAL_ORDINALS_16.get(raw & 0xFFFF, raw & 0xFFFF)
                weak, name_off = bool(raw >> 16 & 1), raw >> 32
            else:
                raw = unpack("<I", data, at, "chained import")[0]
                addend = unpack("<i", data, at + 4, "chained import")[0] if width == 8 else 0
                ordinal = _SPECIAL_ORDINALS_8.get(raw & 0xFF, raw & 0xFF)
                weak, name_off = bool(raw >> 8 & 1), raw >> 9
            name = cstring(data, base + symbols_off + name_off, end, "chained import name")
            out.append(ChainedImport(ordinal, name, weak, addend))
        return out

    def _starts(self, data, base, end, starts_off):
        at = base + starts_off
        (seg_count,) = unpack("<I", data, at, "chained starts")
        if seg_count > len(self.macho.segments) or at + 4 + 4 * seg_count > end:
            raise malformed(f"chained starts for {seg_count} segments", at)
        out = []
        for i in range(seg_count):
            (info,) = unpack("<I", data, at + 4 + 4 * i, "chained starts")
            if info == 0:
                continue
            s = at + info
            size, page_size, fmt, seg_off, max_valid, page_count = unpack(
                "<IHHQIH", data, s, "chained starts in segment")
            if s + 22 + 2 * page_count > end or page_size == 0:
                raise truncated("chained page starts", s)
            starts = []
            for p in range(page_count):
                (v,) = unpack("<H", data, s + 22 + 2 * p, "chained page start")
                starts.append([] if v == C.DYLD_CHAINED_PTR_START_NONE else [v])
            out.append(ChainedStarts(i, page_size, fmt, seg_off, max_valid, starts))
        return out

    def fixups(self) -> list[ChainedFixup]:
        """Every fixup location, decoded from the chains as they sit in the file."""
        m = self.macho
        data = m.data
        base = m.image_base
        out: list[ChainedFixup] = []
        limit = len(data) // 4
        for starts in self.starts:
            fmt = starts.pointer_format
            if fmt not in _SUPPORTED:
                raise MachOError("unsupported",
                                 f"unsupported: chained pointer format {fmt} (not x86_64)")
            for page, page_starts in enumerate(starts.page_starts):
                for start in page_starts:
                    vm_off = starts.segment_offset + page * starts.page_size + start
                    self._walk(data, base, vm_off, fmt, out, limit)
        return out

    def _walk(self, data, base, vm_off, fmt, out, limit):
        m = self.macho
        while True:
            addr = base + vm_off
            raw = unpack("<Q", data, m.vmaddr_to_offset(addr, 8), "chained pointer")[0]
            if raw >> 63:
                ordinal = raw & 0xFFFFFF
                if ordinal >= len(self.imports):
                    raise malformed(f"chained bind to import {ordinal} of {len(self.imports)}",
                                    m.vmaddr_to_offset(addr, 8))
                out.append(ChainedFixup(addr, "bind", import_index=ordinal,
                                        addend=(raw >> 24) & 0xFF))
            else:
                target = raw & 0xFFFFFFFFF
                if fmt == C.DYLD_CHAINED_PTR_64_OFFSET:
                    target += base
                out.append(ChainedFixup(addr, "rebase", target=target, high8=(raw >> 36) & 0xFF))
            if len(out) > limit:
                raise malformed("chained fixups loop", m.vmaddr_to_offset(addr, 8))
            step = (raw >> 51) & 0xFFF
            if step == 0:
                return
            vm_off += step * 4
