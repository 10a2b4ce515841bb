#!/usr/bin/env python3
"""Startup: hello world's macOS build under machbox vs its Linux build, with the Python
interpreter's own start (`python3 -c pass`) as the floor. Target: machbox ≤ floor + 25 ms."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import MACHBOX, report, timed  # noqa: E402

HELLO = '#include <stdio.h>\nint main(void) { puts("hello, world"); return 0; }\n'


def build(tmp: Path) -> tuple[str, str]:
    src = tmp / "hello.c"
    src.write_text(HELLO)
    out = {}
    for target in ("x86_64-macos", "x86_64-linux-gnu"):
        exe = tmp / f"hello-{target}"
        subprocess.run([sys.executable, "-m", "ziglang", "cc", "-O2", "-target", target,
                        str(src), "-o", str(exe)], check=True)
        out[target] = str(exe)
    return out["x86_64-macos"], out["x86_64-linux-gnu"]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with tempfile.TemporaryDirectory() as t:
        macho, elf = build(Path(t))
        timed(MACHBOX + [macho], 2)  # warm caches
        floor = timed([sys.executable, "-c", "pass"], runs)
        native = timed([elf], runs)
        mb = timed(MACHBOX + [macho], runs)
    report("startup (hello world)", [
        ("python3 -c pass (floor)", floor),
        ("Linux build, native", native),
        ("macOS build under machbox", mb),
    ], ("macOS build under machbox / Linux build", mb, native), "none: bounded by the floor")
    print(f"  {'overhead above floor':<42} {(mb - floor) * 1000:9.1f} ms   (target <= 25 ms)")


if __name__ == "__main__":
    main()
