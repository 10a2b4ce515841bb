#!/usr/bin/env python3
"""ninja no-op: a generated 5 000-target build that is already up to date, checked by the
macOS ninja under machbox and by the Linux ninja of the same version. Target ratio ≤ 1.3."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import MACHBOX, MACHBOX_CHILD, corpus_path, report, timed  # noqa: E402

TARGETS = 5000


def generate(root: Path) -> None:
    lines = ["rule cp", "  command = cp $in $out", ""]
    (root / "src").mkdir()
    for i in range(TARGETS):
        (root / "src" / f"f{i}.txt").write_text(f"{i}\n")
        lines.append(f"build out/f{i}.txt: cp src/f{i}.txt")
    (root / "build.ninja").write_text("\n".join(lines) + "\n")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    mac, linux = corpus_path("ninja/ninja", "macos"), corpus_path("ninja/ninja", "linux")
    with tempfile.TemporaryDirectory() as t:
        root = Path(t)
        generate(root)
        subprocess.run([linux, "-C", str(root)], check=True, stdout=subprocess.DEVNULL)
        native = timed([linux, "-C", str(root)], runs)
        mb = timed(MACHBOX + [mac, "-C", str(root)], runs)
        child = timed(MACHBOX_CHILD + [mac, "-C", str(root)], runs)
    report("ninja no-op (5000 targets)",
           [("Linux ninja", native), ("macOS ninja: machbox run", mb),
            ("macOS ninja: as a Mach-O child (python -S)", child)],
           [("machbox run / Linux", mb, native), ("as a child / Linux", child, native)],
           "<= 1.3")


if __name__ == "__main__":
    main()
