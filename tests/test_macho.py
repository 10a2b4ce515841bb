"""machbox.macho checked against LIEF on every corpus binary and on the test programs:
the same segments, sections, symbols, binds, rebases, exports, dylibs and entry point.
Then malformed input: every mutation ends in MachOError or a parse, nothing else."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import lief
import pytest
from conftest import CORPUS, ROOT
from zigbuild import MACOS, BuildError

from machbox.macho import MachOError, parse_bytes, parse_file

sys.path.insert(0, str(ROOT / "tools"))
import fuzz_macho  # noqa: E402

lief.logging.disable()

BIG: set[str] = set()  # bun, the largest (94 MB), checks in full in under 10 s


def corpus_binaries() -> list:
    try:
        data = json.loads((CORPUS / "corpus.json").read_text())
    except OSError:
        return []
    out = []
    for pkg in data["packages"]:
        for key in pkg["macos"]["executables"]:
            out.append(pytest.param(f"{pkg['name']}/{key}", id=f"{pkg['name']}/{key}",
                                    marks=[pytest.mark.slow] if pkg["name"] in BIG else []))
    return out


def corpus_path(ref: str) -> str:
    p = subprocess.run([sys.executable, str(CORPUS / "corpus.py"), "path", ref],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def lief_binary(path: str):
    fat = lief.MachO.parse(path)
    b = fat.take(lief.MachO.Header.CPU_TYPE.X86_64)
    assert b is not None, f"LIEF finds no x86_64 slice in {path}"
    return b


def sample(items: list, limit: int) -> list:
    step = max(1, len(items) // limit)
    return items[::step]


def compare(path: str, limit: int | None = None) -> None:
    m = parse_file(path)
    b = lief_binary(path)

    ours = [(s.name, s.vmaddr, s.vmsize, s.fileoff, s.filesize, s.maxprot, s.initprot)
            for s in m.segments]
    theirs = [(s.name, s.virtual_address, s.virtual_size, s.file_offset, s.file_size,
               int(s.max_protection), int(s.init_protection)) for s in b.segments]
    assert ours == theirs, "segments differ"

    ours = [(s.segname, s.sectname, s.addr, s.size, s.offset)
            for g in m.segments for s in g.sections]
    theirs = [(s.segment_name, s.name, s.virtual_address, s.size, s.offset) for s in b.sections]
    assert ours == theirs, "sections differ"

    # LIEF counts a dylib's own LC_ID_DYLIB among its libraries
    theirs = [lib.name for lib in b.libraries if not str(lib.command).endswith("ID_DYLIB")]
    assert [d.name for d in m.dylibs] == theirs, "dylibs differ"
    if m.uuid:
        assert list(m.uuid) == list(b.uuid.uuid), "uuid differs"
    if m.entry is None:
        assert not b.has_main_command and not b.has_thread_command
    elif m.entry.kind == "main":
        assert m.entry.entryoff == b.main_command.entrypoint
    else:
        assert m.entry.pc == b.thread_command.pc

    syms = m.symbols
    # LIEF also lists symbols it found only in the export trie or bind opcodes
    lsyms = [s for s in b.symbols if str(s.origin).endswith(".SYMTAB")]
    assert len(syms) == len(lsyms), "symbol count differs"
    idx = range(len(syms)) if limit is None else sample(list(range(len(syms))), limit)
    for i in idx:
        assert (syms[i].name, syms[i].value) == (lsyms[i].name, lsyms[i].value), f"symbol {i}"

    ours = sorted((x.address, x.symbol, x.addend) for x in m.binds() if x.kind != "weak")
    theirs = sorted((x.address, x.symbol.name if x.has_symbol else "", x.addend)
                    for x in b.bindings if "WEAK" not in str(getattr(x, "binding_class", "")))
    if limit is not None:
        ours, theirs = sample(ours, limit), sample(theirs, limit)
    assert ours == theirs, "binds differ"

    ours = sorted(r.address for r in m.rebases())
    # LIEF lists rebases as the relocations that come from dyld info or chained fixups
    # (object-file relocations have another origin; binds are in b.bindings)
    theirs = sorted(r.address for r in b.relocations
                    if str(r.origin).split(".")[-1] in ("DYLDINFO", "CHAINED_FIXUPS"))
    if limit is not None:
        ours, theirs = sample(ours, limit), sample(theirs, limit)
    assert ours == theirs, "rebases differ"

    ours = sorted((e.name, e.address) for e in m.exports() if e.kind in ("regular", "thread_local"))
    # every symbol carrying export info, not b.exported_symbols (that one also wants N_EXT)
    theirs = sorted({(s.name, s.export_info.address) for s in b.symbols
                     if s.has_export_info and not s.export_info.alias})
    # LIEF stops at trie depth 60 (GHC's long names go deeper); what it misses must still be
    # a defined symbol in the symbol table at the same address
    reached = set(ours) & set(theirs)
    assert reached == set(theirs), "exports differ"
    in_symtab = {(s.name, s.value - m.image_base) for s in m.symbols}
    assert set(ours) - reached <= in_symtab, "exports beyond LIEF's reach not in symtab"


@pytest.mark.parametrize("ref", corpus_binaries())
def test_corpus_binary_matches_lief(ref):
    path = corpus_path(ref)
    compare(path, limit=5000 if ref.split("/")[0] in BIG else None)


PROGRAMS_TO_CHECK = ["cxx_exceptions", "cxx_threads", "dylib_user", "threads", "stdio_printf"]


@pytest.mark.parametrize("name", PROGRAMS_TO_CHECK)
def test_test_program_matches_lief(name, built):
    exe = built[(name, MACOS)]
    assert not isinstance(exe, BuildError), exe
    compare(str(exe))


def test_dylib_exports_and_install_name(built):
    exe = built[("dylib_user", MACOS)]
    assert not isinstance(exe, BuildError), exe
    lib = exe.parent / "libhelper.dylib"
    m = parse_file(str(lib))
    assert m.header.filetype_name == "DYLIB"
    assert m.id_dylib.name == "@rpath/libhelper.dylib"
    names = {e.name for e in m.exports()}
    assert {"_helper_add", "_helper_name", "_helper_counter"} <= names
    compare(str(lib))
    user = parse_file(str(exe))
    assert "@executable_path" in user.rpaths


def test_tlv_initializers_and_unwind(built):
    exe = built[("cxx_threads", MACOS)]
    assert not isinstance(exe, BuildError), exe
    m = parse_file(str(exe))
    tlv = m.tlv
    assert tlv is not None and tlv.descriptors_count >= 1 and tlv.template_size >= tlv.init_size
    assert len(m.init_pointers()) >= 1
    text = m.segment("__TEXT")
    for p in m.init_pointers():
        assert text.vmaddr <= p < text.vmaddr + text.vmsize
    entries = m.parse_unwind_info()
    # zig's linker writes an empty LC_FUNCTION_STARTS, so functions are known by symbol
    starts = set(m.function_starts()) | {s.value for s in m.symbols if s.value}
    assert entries and all(e.function_offset + m.image_base in starts for e in entries[:-1])
    assert [e.function_offset for e in entries] == sorted(e.function_offset for e in entries)
    modes = {e.encoding & 0x0F000000 for e in entries}
    assert modes <= {0, 0x01000000, 0x02000000, 0x03000000, 0x04000000}
    fdes = [r for r in m.parse_eh_frame() if r[0] == "fde"]
    assert all(text.vmaddr <= r[2] < r[3] <= text.vmaddr + text.vmsize for r in fdes)


def test_chained_fixups_of_bun():
    """bun is the corpus binary with LC_DYLD_CHAINED_FIXUPS and LC_DYLD_EXPORTS_TRIE."""
    m = parse_file(corpus_path("bun/bun"))
    cf = m.chained_fixups
    assert cf is not None and cf.imports and cf.starts
    assert {s.pointer_format for s in cf.starts} <= {2, 6}
    fixups = cf.fixups()
    assert any(f.kind == "bind" for f in fixups) and any(f.kind == "rebase" for f in fixups)
    assert all(f.import_index < len(cf.imports) for f in fixups if f.kind == "bind")
    assert len(m.exports()) > 0


# ---- malformed input ------------------------------------------------------------------------

def test_empty_text_truncated(tmp_path, built):
    for data, kind in [(b"", "not_macho"), (b"hello world\n" * 10, "not_macho"),
                       (b"\xcf\xfa\xed\xfe", "truncated")]:
        with pytest.raises(MachOError) as e:
            parse_bytes(data)
        assert e.value.kind == kind
    exe = built[("stdio_printf", MACOS)]
    raw = exe.read_bytes()
    for n in (10, 100, 1000):
        with pytest.raises(MachOError) as e:
            parse_bytes(raw[:n])
        assert e.value.kind == "truncated", (n, e.value)


def test_thin_arm64_is_wrong_arch(tmp_path):
    from zigbuild import _zig

    src = tmp_path / "a.c"
    src.write_text("int main(void) { return 0; }\n")
    out = tmp_path / "arm"
    _zig(False, "aarch64-macos", ["-o", str(out), str(src)])
    with pytest.raises(MachOError) as e:
        parse_file(str(out))
    assert e.value.kind == "wrong_arch" and "arm64 only" in str(e.value)


def test_fat_picks_x86_64():
    m = parse_file(corpus_path("ninja/ninja"))
    assert "x86_64" in m.arches and "arm64" in m.arches and m.slice_offset > 0
    assert m.header.cputype == 0x01000007


def test_mutation_fuzz(built):
    exe = built[("cxx_exceptions", MACOS)]
    raw = exe.read_bytes()
    t0 = time.monotonic()
    outcomes = {"ok": 0, "error": 0}
    for data in fuzz_macho.mutations(raw, 2000, seed=1234):
        outcome = fuzz_macho.run_case(data, timeout=5)
        assert outcome in outcomes, outcome
        outcomes[outcome] += 1
    assert outcomes["error"] > 100 and outcomes["ok"] > 100, outcomes
    assert time.monotonic() - t0 < 60


def test_export_trie_cycle_is_an_error(built):
    exe = built[("dylib_user", MACOS)]
    lib = (exe.parent / "libhelper.dylib").read_bytes()
    m = parse_bytes(lib)
    assert m.dyld_info, "zig writes LC_DYLD_INFO_ONLY"
    off = m.dyld_info["export_off"]
    data = bytearray(lib)
    # root: no terminal, one child "_" whose node offset points back at the root
    data[off:off + 5] = bytes([0, 1, ord("_"), 0, 0])
    with pytest.raises(MachOError):
        parse_bytes(bytes(data)).exports()


def test_import_time():
    best = min(_import_ms() for _ in range(3))
    assert best < 20, f"import machbox.macho took {best:.1f} ms"


def _import_ms() -> float:
    p = subprocess.run([sys.executable, "-X", "importtime", "-c", "import machbox.macho"],
                       capture_output=True, text=True)
    for line in p.stderr.splitlines():
        if line.rstrip().endswith("| machbox.macho"):
            return int(line.split("|")[1]) / 1000
    raise AssertionError(p.stderr)
