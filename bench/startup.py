#!/usr/bin/env python3
"""Startup: hello world's macOS build under machbox vs its Linux build, with the Python
interpreter's own start (`python3 -c pass`) as the floor. Target: machbox ≤ floor + 25 ms."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import MACHBOX, MACHBOX_CHILD, build_both, report, timed  # noqa: E402

HELLO = '#include <stdio.h>\nint main(void) { puts("hello, world"); return 0; }\n'


def build(tmp: Path) -> tuple[str, str]:
    exe = build_both(tmp, "hello", HELLO)
    return exe["x86_64-macos"], exe["x86_64-linux-gnu"]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with tempfile.TemporaryDirectory() as t:
        macho, elf = build(Path(t))
        timed(MACHBOX + [macho], 2)  # warm caches
        floor = timed([sys.executable, "-c", "pass"], runs)
        native = timed([elf], runs)
        mb = timed(MACHBOX + [macho], runs)
        floor_s = timed([sys.executable, "-S", "-c", "pass"], runs)
        child = timed(MACHBOX_CHILD + [macho], runs)
    report("startup (hello world)", [
        ("python3 -c pass (floor)", floor),
        ("python3 -S -c pass (floor for children)", floor_s),
        ("Linux build, native", native),
        ("macOS build: machbox run", mb),
        ("macOS build: as a Mach-O child (python -S)", child),
    ], [("machbox run / Linux build", mb, native), ("as a child / Linux build", child, native)],
        "none: bounded by the floor")
    above = (mb - floor) * 1000
    print(f"  {'machbox run above its floor':<46} {above:9.1f} ms   (target <= 25 ms)")
    print(f"  {'as a child above its floor':<46} {(child - floor_s) * 1000:9.1f} ms")


if __name__ == "__main__":
    main()
