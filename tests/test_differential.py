"""Differential tests: each program in tests/programs/ is built for macOS and for Linux with
zig; the Linux build, run natively, is the oracle. The macOS build must print the same bytes,
exit with the same status and leave the same files under `machbox run`. Programs marked
`// darwin-only` compare against their NAME.expected file instead."""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from zigbuild import LINUX, MACOS, BuildError, programs

PROGS = programs()
TIMEOUT = 60


def _env(program, tmp: Path) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp / "home"),
           "LC_ALL": "C", "LANG": "C", "TZ": "UTC", "TMPDIR": str(tmp / "tmp")}
    env.update(program.env)
    return env


def _run(cmd: list[str], program, tmp: Path, name: str):
    work = tmp / name
    work.mkdir()
    (tmp / "home").mkdir(exist_ok=True)
    (tmp / "tmp").mkdir(exist_ok=True)
    try:
        p = subprocess.run(cmd + program.args, cwd=work, env=_env(program, tmp),
                           input=program.stdin, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{name} run timed out after {TIMEOUT} s")
    files = {f: (work / f).read_bytes() if (work / f).exists() else None for f in program.files}
    return p, files


def _show(p) -> str:
    return f"status {p.returncode}\n--- stderr (last 2 KB) ---\n" + \
        p.stderr.decode(errors="replace")[-2048:]


def _stop_server(machbox_cmd, prefix: Path) -> None:
    """A program that used the bootstrap namespace started the prefix's server: stop it
    with the temporary prefix it serves."""
    if (prefix / "private" / "var" / "run" / "machbox" / "server.sock").exists():
        subprocess.run(machbox_cmd + ["shutdown", "--prefix", str(prefix)], capture_output=True,
                       timeout=TIMEOUT)


@pytest.mark.parametrize("program", PROGS, ids=[p.name for p in PROGS])
def test_program(program, built, machbox_cmd):
    mac = built[(program.name, MACOS)]
    if isinstance(mac, BuildError):
        pytest.fail(f"macOS build failed:\n{mac}")
    with tempfile.TemporaryDirectory(prefix="mbtest-") as t:
        tmp = Path(t)
        # the program runs from a copy beside its dylibs, as a user's would
        exe_dir = tmp / "bin"
        shutil.copytree(mac.parent, exe_dir)
        got, got_files = _run(machbox_cmd + ["run", str(exe_dir / program.name)], program, tmp,
                              "mac")
        _stop_server(machbox_cmd, tmp / "home" / ".machbox")
        if program.darwin_only:
            want_out = program.path.with_suffix(".expected").read_bytes()
            want_status = int(program.get("status", "0"))
            want_files = got_files
        else:
            lin = built[(program.name, LINUX)]
            if isinstance(lin, BuildError):
                pytest.fail(f"Linux build failed:\n{lin}")
            lin_dir = tmp / "lbin"
            shutil.copytree(lin.parent, lin_dir)
            want, want_files = _run([str(lin_dir / program.name)], program, tmp, "linux")
            want_out, want_status = want.stdout, want.returncode
    if got.stdout != want_out:
        diff = difflib.unified_diff(want_out.decode(errors="replace").splitlines(),
                                    got.stdout.decode(errors="replace").splitlines(),
                                    "expected (Linux build)", "machbox", lineterm="", n=2)
        pytest.fail("stdout differs:\n" + "\n".join(list(diff)[:60]) + "\n" + _show(got))
    assert got.returncode == want_status, _show(got)
    assert got_files == want_files, "files written differ"


OTHER_WAYS_PROGRAMS = ["process_exec", "fs_dirs", "stdio_files", "threads", "signals"]
OTHER_WAYS = {
    # through `machbox shell`, whose exec hook must take the Mach-O through machbox
    # wherever it is started from
    "shell": lambda exe: ["shell", exe],
    # with "/" the prefix: the program's files are reached through /Volumes/SystemRoot
    "prefix-view": lambda exe: ["run", "--root", "prefix", exe],
}


@pytest.mark.parametrize("way", sorted(OTHER_WAYS))
@pytest.mark.parametrize("name", OTHER_WAYS_PROGRAMS)
def test_program_other_ways(name, way, built, machbox_cmd):
    """The same programs, started through the shell and in the prefix view."""
    program = next(p for p in PROGS if p.name == name)
    mac, lin = built[(name, MACOS)], built[(name, LINUX)]
    with tempfile.TemporaryDirectory(prefix="mbtest-") as t:
        tmp = Path(t)
        shutil.copytree(mac.parent, tmp / "bin")
        shutil.copytree(lin.parent, tmp / "lbin")
        got, got_files = _run(machbox_cmd + OTHER_WAYS[way](str(tmp / "bin" / name)), program,
                              tmp, "mac")
        want, want_files = _run([str(tmp / "lbin" / name)], program, tmp, "linux")
    assert got.stdout == want.stdout, _show(got)
    assert got.returncode == want.returncode, _show(got)
    assert got_files == want_files
