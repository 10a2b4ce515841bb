"""`machbox info`: the report before running agrees with what a run does."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from zigbuild import MACOS, Program, build

USES_UNIMPLEMENTED = r"""
#include <stdio.h>
#include <stdlib.h>
int CFUserNotificationDisplayAlert(void);
int main(int argc, char **argv) {
    puts("started");
    fflush(stdout);
    if (argc > 1) CFUserNotificationDisplayAlert();
    return 0;
}
"""


@pytest.fixture(scope="module")
def program(tmp_path_factory):
    src = tmp_path_factory.mktemp("info") / "runloop.c"
    src.write_text("// flags: -F{programs}/sdk -framework CoreFoundation\n" + USES_UNIMPLEMENTED)
    return build(Program(src), MACOS)


def _info(machbox_cmd, *args):
    return subprocess.run(machbox_cmd + ["info", *args], capture_output=True, text=True,
                          timeout=120)


def test_info_predicts_the_unimplemented_stop(machbox_cmd, program):
    p = _info(machbox_cmd, "--json", str(program))
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["architectures"] == ["x86_64"] and report["filetype"] == "EXECUTE"
    kinds = {i["name"]: i["kind"] for i in report["imports"]}
    assert kinds["_puts"] in ("direct", "bridge")
    assert "_CFUserNotificationDisplayAlert" in report["unimplemented"]
    assert report["verdict"].startswith(
        "will stop if it calls: _CFUserNotificationDisplayAlert (CoreFoundation)")
    # and a run that calls it stops exactly there, with the documented status
    quiet = subprocess.run(machbox_cmd + ["run", str(program)], capture_output=True, text=True)
    assert (quiet.returncode, quiet.stdout) == (0, "started\n")
    stop = subprocess.run(machbox_cmd + ["run", str(program), "x"], capture_output=True,
                          text=True)
    assert stop.returncode == 120
    assert stop.stderr == \
        "machbox: unimplemented: _CFUserNotificationDisplayAlert (CoreFoundation)\n"


def test_info_on_the_corpus_ninja_is_ready(machbox_cmd, corpus_dir):
    path = subprocess.run([sys.executable, str(corpus_dir / "corpus.py"), "path", "ninja/ninja"],
                          capture_output=True, text=True, timeout=600).stdout.strip()
    p = _info(machbox_cmd, path)
    assert p.returncode == 0 and p.stdout.rstrip().endswith("verdict: ready"), p.stdout[-500:]
    assert "architectures: x86_64, arm64" in p.stdout


@pytest.mark.parametrize("content,status", [(b"#!/bin/sh\necho hi\n", 123),
                                            (b"\xcf\xfa\xed\xfe\x07\x00", 122)])
def test_info_bad_input(machbox_cmd, tmp_path, content, status):
    f = tmp_path / "bad"
    f.write_bytes(content)
    p = _info(machbox_cmd, str(f))
    assert p.returncode == status and p.stderr.startswith("machbox: ")
    assert _info(machbox_cmd, str(tmp_path / "missing")).returncode == 127
