#!/usr/bin/env python3
"""Writes machbox/libsystem/data/libSystem.exports from the libSystem.tbd that zig ships.

It lists every symbol libSystem exports on x86_64 macOS (directly or through a re-exported
sub-library) under a "[sub-library]" line. The list is Apple's interface (names only), kept
in the repository so machbox needs no zig at run time; tests/test_libsystem_table.py checks
it is current.

    python3 tools/gen_exports.py [--tbd PATH] [--out PATH]
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "machbox" / "libsystem" / "data" / "libSystem.exports"
TARGET = "x86_64-macos"


def zig_tbd() -> Path:
    import ziglang  # test/dev dependency only

    return Path(ziglang.__file__).parent / "lib" / "libc" / "darwin" / "libSystem.tbd"


def flow_lists(text: str) -> list[tuple[str, list[str]]]:
    """(key, items) for every 'key: [ a, b, ... ]' flow list in a YAML block."""
    out = []
    for m in re.finditer(r"([a-z-]+):\s*\[([^\]]*)\]", text):
        items = [s.strip().strip("'\"") for s in m.group(2).replace("\n", " ").split(",")]
        out.append((m.group(1), [s for s in items if s]))
    return out


def exports(tbd_text: str) -> list[tuple[str, str]]:
    """(sub-library, symbol) for every symbol; a symbol one library defines and another
    re-exports is listed once, under the library that defines it."""
    owner: dict[str, str] = {}
    for key in ("exports", "reexports"):
        for doc in tbd_text.split("--- !tapi-tbd")[1:]:
            m = re.search(r"install-name:\s*'([^']+)'", doc)
            if not m:
                continue
            sub = Path(m.group(1)).name.split(".")[0]
            for body in sections(doc, (key,)):
                for _, sym in section_symbols(sub, body):
                    owner.setdefault(sym, sub)
    return sorted(((sub, sym) for sym, sub in owner.items()), key=lambda r: (r[1], r[0]))


def sections(doc: str, keys: tuple[str, ...]) -> list[str]:
    """The bodies of the top-level `key:` sections of one tbd document. A library's
    `reexports:` are symbols it passes on from another one (libsystem_c's memcpy)."""
    out = []
    for key in keys:
        parts = doc.split(f"\n{key}:", 1)
        if len(parts) == 2:
            out.append(re.split(r"\n[a-z-]+:", parts[1], maxsplit=1)[0])
    return out


def section_symbols(sub: str, body: str) -> list[tuple[str, str]]:
    rows = []
    for block in re.split(r"\n\s*- targets:", body)[1:]:
        lists = flow_lists("targets:" + block)
        if not lists or TARGET not in lists[0][1]:
            continue
        for key, items in lists[1:]:
            if key in ("symbols", "weak-symbols", "thread-local-symbols"):
                # $ld$... entries are linker directives, not symbols
                rows.extend((sub, s) for s in items if not s.startswith("$ld$"))
            elif key == "objc-classes":
                rows.extend((sub, f"_OBJC_CLASS_$_{s}") for s in items)
                rows.extend((sub, f"_OBJC_METACLASS_$_{s}") for s in items)
    return rows


def render(rows: list[tuple[str, str]]) -> str:
    """One `[sub-library]` line, then its symbols one per line, sorted."""
    out = ["# libSystem.B.dylib exports on x86_64-macos by sub-library (tools/gen_exports.py)\n"]
    for sub in sorted({sub for sub, _ in rows}):
        out.append(f"[{sub}]\n")
        out.extend(f"{sym}\n" for s, sym in rows if s == sub)
    return "".join(out)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tbd", type=Path)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--check", action="store_true", help="fail if --out is not current")
    args = ap.parse_args(argv)
    rows = exports((args.tbd or zig_tbd()).read_text())
    if args.check:
        current = args.out.exists() and args.out.read_text() == render(rows)
        print(f"{args.out} is {'current' if current else 'STALE: run tools/gen_exports.py'}")
        return 0 if current else 1
    args.out.write_text(render(rows))
    print(f"{len(rows)} exports written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
