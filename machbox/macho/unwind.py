"""__unwind_info (compact unwind) and __eh_frame, decoded for tools and crash reports.
(The loader's own translation to DWARF for the host unwinder is native code.)"""

from __future__ import annotations

from machbox.macho import constants as C
from machbox.macho.reader import malformed, sleb, truncated, uleb, unpack
from machbox.macho.records import UnwindEntry


def parse_unwind_info(sect: bytes) -> list[UnwindEntry]:
    """Every function entry, in address order: (offset, encoding, LSDA offset, personality)."""
    n = len(sect)
    (version, common_off, common_count, pers_off, pers_count, index_off,
     index_count) = unpack("<7I", sect, 0, "__unwind_info header")
    if version != 1:
        raise malformed(f"__unwind_info version {version}")
    if common_off + 4 * common_count > n or pers_off + 4 * pers_count > n or \
            index_off + 12 * index_count > n:
        raise truncated("__unwind_info tables", 0)
    common = [unpack("<I", sect, common_off + 4 * i, "common encoding")[0]
              for i in range(common_count)]
    personalities = [unpack("<I", sect, pers_off + 4 * i, "personality")[0]
                     for i in range(pers_count)]
    index = [unpack("<3I", sect, index_off + 12 * i, "unwind index") for i in range(index_count)]
    lsdas = {}
    if index:
        lo, hi = index[0][2], index[-1][2]
        if hi < lo or hi > n:
            raise malformed("__unwind_info LSDA index range")
        for at in range(lo, hi, 8):
            f, lsda = unpack("<2I", sect, at, "LSDA index")
            lsdas[f] = lsda
    out: list[UnwindEntry] = []
    for first, page, _lsda in index[:-1]:
        if page == 0:
            continue
        kind = unpack("<I", sect, page, "second-level page")[0]
        if kind == C.UNWIND_SECOND_LEVEL_REGULAR:
            entry_off, count = unpack("<HH", sect, page + 4, "regular page")
            for i in range(count):
                func, enc = unpack("<2I", sect, page + entry_off + 8 * i, "regular entry")
                out.append(_entry(func, enc, lsdas, personalities))
        elif kind == C.UNWIND_SECOND_LEVEL_COMPRESSED:
            entry_off, count, enc_off, enc_count = unpack("<4H", sect, page + 4,
                                                           "compressed page")
            for i in range(count):
                word = unpack("<I", sect, page + entry_off + 4 * i, "compressed entry")[0]
                idx = word >> 24
                if idx < len(common):
                    enc = common[idx]
                elif idx - len(common) < enc_count:
                    enc = unpack("<I", sect, page + enc_off + 4 * (idx - len(common)),
                                 "page encoding")[0]
                else:
                    raise malformed(f"compact unwind encoding index {idx} out of range", page)
                out.append(_entry(first + (word & 0xFFFFFF), enc, lsdas, personalities))
        else:
            raise malformed(f"unknown second-level page kind {kind}", page)
    return out


def _entry(func: int, enc: int, lsdas: dict, personalities: list) -> UnwindEntry:
    pers_index = (enc & C.UNWIND_PERSONALITY_MASK) >> 28
    personality = personalities[pers_index - 1] if 0 < pers_index <= len(personalities) else 0
    lsda = lsdas.get(func, 0) if enc & C.UNWIND_HAS_LSDA else 0
    return UnwindEntry(func, enc, lsda, personality)


def parse_eh_frame(sect: bytes, addr: int) -> list[tuple[str, int, int, int]]:
    """("cie"|"fde", section offset, pc start, pc end) for each record; FDE pc values assume
    the pointer encodings ld64 emits (pc-relative, sdata4/sdata8/absptr)."""
    out = []
    cies: dict[int, int] = {}  # cie offset → FDE pointer encoding
    off = 0
    n = len(sect)
    while off + 4 <= n:
        (length,) = unpack("<I", sect, off, "__eh_frame record")
        if length == 0:
            break
        if length == 0xFFFFFFFF:
            raise malformed("64-bit __eh_frame records", off)
        end = off + 4 + length
        if end > n:
            raise truncated("__eh_frame record", off)
        (cie_id,) = unpack("<I", sect, off + 4, "__eh_frame id")
        if cie_id == 0:
            cies[off] = _cie_fde_encoding(sect, off + 9, end)
            out.append(("cie", off, 0, 0))
        else:
            cie = off + 4 - cie_id
            enc = cies.get(cie)
            if enc is None:
                raise malformed("FDE points at no CIE", off)
            start, p = _encoded(sect, off + 8, end, enc, addr)
            rng, p = _encoded(sect, p, end, enc & 0x0F, addr)
            out.append(("fde", off, start, start + rng))
        off = end
    return out


def _cie_fde_encoding(sect, p, end) -> int:
    nul = bytes(sect[p:end]).find(b"\0")
    if nul < 0:
        raise malformed("CIE augmentation string", p)
    aug = bytes(sect[p:p + nul])
    p += nul + 1
    _, p = uleb(sect, p, end, "CIE")  # code alignment
    _, p = sleb(sect, p, end, "CIE")  # data alignment
    _, p = uleb(sect, p, end, "CIE")  # return register
    enc = 0
    if aug.startswith(b"z"):
        _, p = uleb(sect, p, end, "CIE")
        for ch in aug[1:]:
            if ch == ord("R"):
                enc = sect[p]
                p += 1
            elif ch == ord("P"):
                penc = sect[p]
                _, p = _encoded(sect, p + 1, end, penc & 0x7F, 0)
            elif ch == ord("L"):
                p += 1
    return enc


def _encoded(sect, p, end, enc, section_addr) -> tuple[int, int]:
    fmt = enc & 0x0F
    sizes = {0x0: ("<Q", 8), 0x3: ("<I", 4), 0x4: ("<Q", 8), 0xB: ("<i", 4), 0xC: ("<q", 8),
             0x2: ("<H", 2), 0xA: ("<h", 2)}
    if fmt not in sizes:
        raise malformed(f"pointer encoding {enc:#x}", p)
    f, size = sizes[fmt]
    if p + size > end:
        raise truncated("encoded pointer", p)
    (v,) = unpack(f, sect, p, "encoded pointer")
    if enc & 0x70 == 0x10:  # pc-relative
        v += section_addr + p
    return v & 0xFFFFFFFFFFFFFFFF, p + size
