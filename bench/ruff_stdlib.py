#!/usr/bin/env python3
"""ruff over CPython's standard library: the macOS ruff under machbox vs the Linux ruff of the
same version, both checking the running interpreter's Lib directory. Target ratio ≤ 1.05."""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import MACHBOX, corpus_path, report, timed  # noqa: E402


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    lib = sysconfig.get_paths()["stdlib"]
    args = ["check", "--no-cache", "--exit-zero", "--quiet", "--select", "E,F,W", lib]
    mac, linux = corpus_path("ruff/ruff", "macos"), corpus_path("ruff/ruff", "linux")
    timed([linux] + args, 1)
    native = timed([linux] + args, runs)
    mb = timed(MACHBOX + [mac] + args, runs)
    report(f"ruff check {lib}", [("Linux ruff", native), ("macOS ruff under machbox", mb)],
           [("ratio", mb, native)], "<= 1.05")


if __name__ == "__main__":
    main()
