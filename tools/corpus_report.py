#!/usr/bin/env python3
"""The compatibility report: `machbox info` over every program in the corpus, as the
markdown table the README carries.

    python3 tools/corpus_report.py            print the table
    python3 tools/corpus_report.py --readme   replace the table in README.md
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("MACHBOX_CORPUS", ROOT.parent / "shared" / "corpus"))
BEGIN, END = "<!-- corpus-report -->", "<!-- /corpus-report -->"


def programs() -> list[str]:
    data = json.loads((CORPUS / "corpus.json").read_text())
    seen = []
    for t in data["tests"]:
        if t["exe"] not in seen:
            seen.append(t["exe"])
    return seen


def report_row(exe: str) -> str:
    path = subprocess.run([sys.executable, str(CORPUS / "corpus.py"), "path", exe],
                          capture_output=True, text=True, check=True).stdout.strip()
    p = subprocess.run([sys.executable, "-m", "machbox", "info", "--json", path],
                       capture_output=True, text=True, cwd=ROOT)
    if p.returncode != 0:
        return f"| {exe} | | | | {p.stderr.strip()} |"
    r = json.loads(p.stdout)
    c = r["counts"]
    machbox = c["direct"] + c["bridge"] + c["emulated"]
    stops = r["unimplemented"]
    verdict = "ready" if not stops else (
        f"stops if it calls {len(stops)}: " + ", ".join(f"`{s}`" for s in stops[:4]) +
        (", ..." if len(stops) > 4 else ""))
    libs = ", ".join(sorted({lib["library"] for lib in r["libraries"]}))
    return (f"| {exe} | {r['min_macos'] or ''} | {libs} | {len(r['imports'])} "
            f"({machbox} bound: {c['direct']} direct, {c['bridge']} bridge, "
            f"{c['emulated']} emulated) | {verdict} |")


def table() -> str:
    rows = ["| program | min macOS | libraries | imports | verdict |",
            "| --- | --- | --- | --- | --- |"]
    rows += [report_row(exe) for exe in programs()]
    return "\n".join(rows)


def main() -> int:
    text = table()
    if "--readme" not in sys.argv:
        print(text)
        return 0
    readme = ROOT / "README.md"
    s = readme.read_text()
    block = f"{BEGIN}\n{text}\n{END}"
    if BEGIN in s:
        s = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _m: block, s, flags=re.S)
    else:
        s = s.replace("## Benchmarks", f"{block}\n\n## Benchmarks", 1)
    readme.write_text(s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
