"""`machbox debug --gdb` (issue 10): the host's gdb attaches with the guest's images'
symbols loaded, so a breakpoint on a guest function stops there and `bt` names the
guest's frames."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from zigbuild import MACOS


@pytest.mark.skipif(shutil.which("gdb") is None,
                    reason="gdb is not installed (scripts/setup-host.sh installs it; issue 10)")
def test_gdb_breaks_in_guest_code(machbox_cmd, built, tmp_path):
    program = str(built[("darwin_crash", MACOS)])
    p = subprocess.run(machbox_cmd + ["debug", "--gdb", "-ex", "break level_two", "-ex",
                                      "continue", "-ex", "bt 3", "-ex", "x/i $pc", "-ex", "kill",
                                      program], capture_output=True, text=True, timeout=180,
                       cwd=tmp_path)
    out = p.stdout
    assert "Breakpoint 1, 0x" in out and " in level_two ()" in out, out + p.stderr
    frames = [line for line in out.splitlines() if line.startswith("#")]
    assert " in level_two ()" in frames[0] and " in main ()" in frames[1], out
    assert "<level_two+" in out  # disassembly names guest code
    assert "about to crash" in out  # the program ran up to the breakpoint


def test_debug_usage(machbox_cmd):
    p = subprocess.run(machbox_cmd + ["debug"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "usage: machbox debug" in p.stderr
