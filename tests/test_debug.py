"""`machbox debug` (issue 10): the host's gdb or lldb attaches with the guest's images'
symbols loaded, so a breakpoint on a guest function stops there, `bt` names the guest's
frames in order, and the program then runs on to its own exit status."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from zigbuild import MACOS


def _debug(machbox_cmd, debugger, program, commands, cwd):
    args = machbox_cmd + ["debug", f"--{debugger}"]
    for c in commands:
        args += ["-ex", c]
    return subprocess.run(args + [program], capture_output=True, text=True, timeout=180,
                          cwd=cwd)


def _needs(tool):
    return pytest.mark.skipif(shutil.which(tool) is None,
                              reason=f"{tool} is not installed (scripts/setup-host.sh installs "
                                     "it; issue 10)")


@_needs("gdb")
def test_gdb_breaks_in_guest_code(machbox_cmd, built, tmp_path):
    program = str(built[("crash", MACOS)])
    p = _debug(machbox_cmd, "gdb", program,
               ["break level_two", "continue", "bt 3", "x/i $pc", "kill"], tmp_path)
    out = p.stdout
    assert "Breakpoint 1, 0x" in out and " in level_two ()" in out, out + p.stderr
    frames = [line for line in out.splitlines() if line.startswith("#")]
    assert " in level_two ()" in frames[0] and " in main ()" in frames[1], out
    assert "<level_two+" in out  # disassembly names guest code
    assert "about to crash" in out  # the program ran up to the breakpoint


@_needs("gdb")
def test_gdb_runs_on_to_the_exit_status(machbox_cmd, built, tmp_path):
    program = str(built[("exit_status", MACOS)])
    p = _debug(machbox_cmd, "gdb", program, ["break main", "continue", "continue"], tmp_path)
    # "main" also names the host python's; the guest's is where it stops first
    assert re.search(r"Breakpoint 1(\.\d+)?, 0x0*1[0-9a-f]{8} in main \(\)", p.stdout), \
        p.stdout + p.stderr
    linux = subprocess.run([str(built[("exit_status", "x86_64-linux-gnu")])],
                           capture_output=True, cwd=tmp_path)
    assert f"exited with code {linux.returncode:02o}" in p.stdout or \
        (linux.returncode == 0 and "exited normally" in p.stdout), p.stdout
    assert p.returncode == linux.returncode


@_needs("lldb")
def test_lldb_breaks_in_guest_code(machbox_cmd, built, tmp_path):
    program = str(built[("crash", MACOS)])
    p = _debug(machbox_cmd, "lldb", program,
               ["breakpoint set -n level_two", "continue", "bt 3", "process kill"], tmp_path)
    frames = [line.strip() for line in p.stdout.splitlines() if "frame #" in line]
    assert any("crash`level_two" in f for f in frames), p.stdout + p.stderr
    assert any("crash`main + " in f for f in frames), p.stdout


@_needs("gdb")
def test_gdb_sees_a_dylib_opened_later(machbox_cmd, built, tmp_path):
    """plugin_run lives in a dylib the program dlopens after the debugger attached: the
    pending breakpoint resolves when machbox announces the image (GDB JIT interface)."""
    program = str(built[("dlopen_plugin", MACOS)])
    p = _debug(machbox_cmd, "gdb", program,
               ["set breakpoint pending on", "break plugin_run", "continue", "bt 2",
                "stepi", "x/i $pc", "continue"], tmp_path)
    out = p.stdout
    assert re.search(r"Breakpoint 1, 0x[0-9a-f]+ in plugin_run \(\)", out), out + p.stderr
    frames = [line for line in out.splitlines() if line.startswith("#")]
    assert " in plugin_run ()" in frames[0] and " in main ()" in frames[1], out
    assert re.search(r"=> 0x[0-9a-f]+ <plugin_run\+\d+>:", out), out  # stepped, still there
    assert "plugin run by main: 42" in out and p.returncode == 0, out


@_needs("lldb")
def test_lldb_sees_a_dylib_opened_later(machbox_cmd, built, tmp_path):
    program = str(built[("dlopen_plugin", MACOS)])
    p = _debug(machbox_cmd, "lldb", program,
               ["breakpoint set -n plugin_run", "continue", "bt 2", "process kill"], tmp_path)
    frames = [line.strip() for line in p.stdout.splitlines() if "frame #" in line]
    assert any(f.endswith("`plugin_run") or "`plugin_run + " in f for f in frames), \
        p.stdout + p.stderr
    assert any("dlopen_plugin`main + " in f for f in frames), p.stdout


def test_debug_usage(machbox_cmd):
    p = subprocess.run(machbox_cmd + ["debug"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "usage: machbox debug" in p.stderr
