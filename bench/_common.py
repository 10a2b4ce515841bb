"""Shared helpers for the benchmarks: locating programs, timing commands."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("MACHBOX_CORPUS", ROOT.parent / "shared" / "corpus"))
MACHBOX = [sys.executable, "-m", "machbox", "run"]


def corpus_path(ref: str, platform: str) -> str:
    out = subprocess.run([sys.executable, str(CORPUS / "corpus.py"), "path", "--platform",
                          platform, ref], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def timed(cmd: list[str], runs: int, **kw) -> float:
    """Median wall time of `runs` runs, in seconds; fails loudly if the command fails."""
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
        samples.append(time.perf_counter() - t)
        if p.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.decode()[-500:]}")
    return statistics.median(samples)


def report(name: str, rows: list[tuple[str, float]], ratio: tuple[str, float, float] | None,
           target: str) -> None:
    print(f"== {name}")
    for label, secs in rows:
        print(f"  {label:<42} {secs * 1000:9.1f} ms")
    if ratio:
        label, a, b = ratio
        print(f"  {label:<42} {a / b:9.2f}x   (target {target})")
