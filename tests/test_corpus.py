"""The corpus: real macOS programs from PyPI and npm, run through ../shared/corpus/corpus.py
exactly as its README says, one pytest test per corpus test id.

Packages whose runtimes need work tracked in a later issue are expected failures named
after that issue (they still run, and report XPASS once they pass)."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

import pytest
from conftest import CORPUS

# package → (issue, what it needs); none at the moment
PACKAGE_ISSUE: dict[str, tuple[int, str]] = {}
# tests whose expected output the Linux build itself does not always print: they get up to
# three runs, and pass if one matches (measured: `typos --format brief .` on the Linux
# build printed the two files' lines in the other order in 15 of 100 runs; the Linux
# ast-grep's `run --json` listed the two files' matches in the other order in 3 of 130)
NONDETERMINISTIC = {
    "typos-brief": "typos checks files in parallel and prints as each finishes",
    "ast-grep-json": "ast-grep searches files in parallel and prints matches as each finishes",
}
# single tests whose expected output a macOS build cannot produce
TEST_ISSUE = {
    "py-spy-help": (9, "the macOS build of py-spy does not offer --native"),
}


def _tests() -> list:
    try:
        data = json.loads((CORPUS / "corpus.json").read_text())
    except OSError:
        return []
    params = []
    for t in data["tests"]:
        marks = []
        if t.get("slow"):
            marks.append(pytest.mark.slow)
        issue = TEST_ISSUE.get(t["id"]) or PACKAGE_ISSUE.get(t["exe"].split("/")[0])
        if issue:
            marks.append(pytest.mark.xfail(reason=f"needs issue #{issue[0]}: {issue[1]}",
                                           strict=False))
        params.append(pytest.param(t["id"], marks=marks, id=t["id"]))
    return params


def _run_corpus(args: list[str], machbox_cmd: list[str], timeout: int):
    runner = " ".join(shlex.quote(a) for a in machbox_cmd + ["run"])
    return subprocess.run([sys.executable, str(CORPUS / "corpus.py"), "run", "--runner", runner,
                           *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("test_id", _tests())
def test_corpus(test_id, corpus_dir, machbox_cmd):
    for _attempt in range(3 if test_id in NONDETERMINISTIC else 1):
        p = _run_corpus([test_id], machbox_cmd, 300)
        if p.returncode == 0 and "1 passed, 0 failed" in p.stdout:
            return
    pytest.fail(p.stdout[-3000:] + p.stderr[-2000:])


@pytest.mark.slow
def test_whole_corpus_the_readme_way(corpus_dir, machbox_cmd):
    """`corpus.py run --runner "machbox run"`, everything but the expected failures."""
    p = _run_corpus([], machbox_cmd, 1800)
    failed = [line.split()[1] for line in p.stdout.splitlines() if line.startswith("FAIL ")]
    unexpected = [t for t in failed if t not in TEST_ISSUE and t not in NONDETERMINISTIC
                  and t.split("-")[0] not in PACKAGE_ISSUE]
    assert not unexpected, p.stdout[-4000:]
