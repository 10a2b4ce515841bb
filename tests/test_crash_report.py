"""Crash reports (issue 10): a guest that dies of a fault or abort gets a macOS-shaped
report on stderr and in ~/Library/Logs/DiagnosticReports, symbolicated from its own symbol
table, while its exit status stays the signal's; --no-crash-report turns it off."""

from __future__ import annotations

import os
import subprocess

import lief
import pytest
from zigbuild import MACOS


@pytest.fixture(scope="module")
def crasher(built):
    return str(built[("darwin_crash", MACOS)])


def _run(machbox_cmd, home, *args):
    env = dict(os.environ, HOME=str(home))
    env.pop("MACHBOX_NO_CRASH_REPORT", None)
    return subprocess.run(machbox_cmd + ["run", *args], capture_output=True, text=True,
                          timeout=60, env=env)


def test_bad_access_report(machbox_cmd, crasher, tmp_path):
    p = _run(machbox_cmd, tmp_path, crasher)
    assert p.returncode == -11 and p.stdout == "about to crash\n"
    report = p.stderr
    assert "Exception Type:        EXC_BAD_ACCESS (SIGSEGV)" in report
    assert "Exception Codes:       KERN_INVALID_ADDRESS at 0x0000000000000010" in report
    assert "Termination Reason:    Namespace SIGNAL, Code 11 Segmentation fault: 11" in report
    crashed = report.split("Thread 0 Crashed:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    names = [line.split()[3] for line in crashed[:3]]
    assert names == ["crash_here", "level_two", "main"], crashed
    assert all(line.split()[1] == "darwin_crash" for line in crashed[:3])
    # the image list names the program with the UUID its LC_UUID holds
    uuid = "".join(f"{b:02X}" for b in lief.MachO.parse(crasher).at(0).uuid.uuid)
    dashed = f"<{uuid[:8]}-{uuid[8:12]}-{uuid[12:16]}-{uuid[16:20]}-{uuid[20:]}>"
    assert f"darwin_crash {dashed} {crasher}" in report
    saved = list((tmp_path / "Library/Logs/DiagnosticReports").glob("darwin_crash-*.crash"))
    assert len(saved) == 1 and "EXC_BAD_ACCESS (SIGSEGV)" in saved[0].read_text()


def test_abort_report(machbox_cmd, crasher, tmp_path):
    p = _run(machbox_cmd, tmp_path, crasher, "abort")
    assert p.returncode == -6
    assert "Exception Type:        EXC_CRASH (SIGABRT)" in p.stderr
    assert "Code 6 Abort trap: 6" in p.stderr


def test_no_crash_report(machbox_cmd, crasher, tmp_path):
    p = _run(machbox_cmd, tmp_path, "--no-crash-report", crasher)
    assert p.returncode == -11 and "Exception Type" not in p.stderr
    assert not (tmp_path / "Library/Logs/DiagnosticReports").exists()
