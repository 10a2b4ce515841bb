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
# the `machbox` command as a user types it (site processing included) ...
MACHBOX = [sys.executable, "-m", "machbox", "run"]
# ... and as machbox starts Mach-O children (exec, posix_spawn, from shells): python -S
sys.path.insert(0, str(ROOT))
from machbox.loader.reentry import reentry_command  # noqa: E402

MACHBOX_CHILD = reentry_command()
TARGETS = ("x86_64-macos", "x86_64-linux-gnu")


def build_both(tmp: Path, name: str, source: str) -> dict[str, str]:
    """The C program ``source`` built with zig for macOS and for Linux, in ``tmp``:
    target -> executable."""
    src = tmp / f"{name}.c"
    src.write_text(source)
    out = {}
    for target in TARGETS:
        out[target] = str(tmp / f"{name}-{target}")
        subprocess.run([sys.executable, "-m", "ziglang", "cc", "-O2", "-target", target,
                        str(src), "-o", out[target]], check=True)
    return out


def prefix_env(tmp: Path) -> dict[str, str]:
    """The environment of a fresh prefix in ``tmp`` (created here)."""
    env = dict(os.environ, MACHBOX_PREFIX=str(tmp / "pfx"))
    subprocess.run(MACHBOX[:-1] + ["prefix", "create"], env=env, check=True,
                   capture_output=True)
    return env


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


def report(name: str, rows: list[tuple[str, float]],
           ratios: list[tuple[str, float, float]], target: str) -> None:
    print(f"== {name}")
    for label, secs in rows:
        print(f"  {label:<46} {secs * 1000:9.1f} ms")
    for label, a, b in ratios:
        print(f"  {label:<46} {a / b:9.2f}x   (target {target})")
