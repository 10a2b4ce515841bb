#!/usr/bin/env python3
"""Fork + kill + timeout stress (seed 001's test-fork): runs tests/process/fork_tree.c's
macOS build under `machbox run --timeout` N times and counts the processes left behind.

    python3 tools/stress_fork.py [RUNS]        (default 200; the test suite runs a few)

Prints one line per 50 runs and a summary; exits 1 if any run did not exit 124, printed the
wrong thing, or left a process alive."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "tests" / "process" / "fork_tree.c"
EXPECTED = b"killed child: signaled=1 sig=9\n"


def build() -> Path:
    sys.path.insert(0, str(ROOT / "tests"))
    from zigbuild import MACOS, Program
    from zigbuild import build as zig_build

    return zig_build(Program(SOURCE), MACOS)


def survivors(token: str) -> list[int]:
    """Processes whose command line holds ``token`` (the guest processes of one run)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if token.encode() in f.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found


def one_run(exe: Path, machbox: list[str], timeout: str = "0.5") -> tuple[str, list[int]]:
    """Runs the tree once; returns a problem description ('' when fine) and orphans."""
    token = f"mbstress-{uuid.uuid4().hex}"
    p = subprocess.run(machbox + ["run", "--timeout", timeout, "--kill-after", "0.2", str(exe),
                                  "3", token], capture_output=True, timeout=60)
    problem = ""
    if p.returncode != 124:
        problem = f"exit status {p.returncode}: {p.stderr.decode(errors='replace')[-300:]}"
    elif p.stdout != EXPECTED:
        problem = f"output {p.stdout!r}"
    time.sleep(0.05)  # SIGKILLed processes vanish asynchronously
    left = survivors(token)
    for pid in left:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
    return problem, left


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    exe = build()
    machbox = [sys.executable, "-m", "machbox"]
    failures = orphans = 0
    start = time.monotonic()
    for i in range(1, runs + 1):
        problem, left = one_run(exe, machbox)
        orphans += len(left)
        if problem or left:
            failures += 1
            print(f"run {i}: {problem or 'ok'}; {len(left)} process(es) left", flush=True)
        if i % 50 == 0:
            print(f"{i} runs, {failures} failed, {orphans} orphans", flush=True)
    print(f"stress_fork: {runs} runs in {time.monotonic() - start:.1f} s: {failures} failed, "
          f"{orphans} orphan processes")
    return 1 if failures or orphans else 0


if __name__ == "__main__":
    sys.exit(main())
