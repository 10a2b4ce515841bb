"""Crash reports (issue 10): a guest that dies of a fault, abort or an uncaught C++ exception
gets a macOS-shaped report on stderr and in ~/Library/Logs/DiagnosticReports naming the
exception and the program's functions on the stack in order, while its exit status stays
the signal's (the Linux build of the same program is the oracle for that);
--no-crash-report turns it off."""

from __future__ import annotations

import os
import re
import subprocess

import lief
import pytest
from zigbuild import LINUX, MACOS

WAYS = {
    "": ("EXC_BAD_ACCESS (SIGSEGV)", "KERN_INVALID_ADDRESS at 0x0000000000000010",
         "Code 11 Segmentation fault: 11", ["crash_here(int volatile*)", "level_two", "main"]),
    "abort": ("EXC_CRASH (SIGABRT)", None, "Code 6 Abort trap: 6", ["abort", "main"]),
    "divide": ("EXC_ARITHMETIC (SIGFPE)", "EXC_I386_DIV (divide by zero)",
               "Code 8 Floating point exception: 8", ["divide", "main"]),
    "throw": ("EXC_CRASH (SIGABRT)", None, "Code 6 Abort trap: 6",
              ["__cxa_throw", "thrower(char const*)", "main"]),
}


@pytest.fixture(scope="module")
def crasher(built):
    return str(built[("crash", MACOS)]), str(built[("crash", LINUX)])


def _run(machbox_cmd, home, *args):
    env = dict(os.environ, HOME=str(home))
    env.pop("MACHBOX_NO_CRASH_REPORT", None)
    return subprocess.run(machbox_cmd + ["run", *args], capture_output=True, text=True,
                          timeout=60, env=env)


def _frame_names(report: str) -> list[str]:
    crashed = report.split("Thread 0 Crashed:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    # "N   image<tab>0xADDRESS symbol + offset"
    return [m.group(1) for m in (re.search(r"\t0x[0-9a-f]+ (.*) \+ \d+$", x) for x in crashed)
            if m]


@pytest.mark.parametrize("way", sorted(WAYS), ids=lambda w: w or "bad-access")
def test_report(machbox_cmd, crasher, tmp_path, way):
    mac, linux = crasher
    args = [way] if way else []
    p = _run(machbox_cmd, tmp_path, mac, *args)
    oracle = subprocess.run([linux, *args], capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == oracle.returncode < 0 and p.stdout == oracle.stdout
    exception, codes, reason, in_order = WAYS[way]
    report = p.stderr
    assert f"Exception Type:        {exception}" in report, report
    if codes:
        assert f"Exception Codes:       {codes}" in report
    assert f"Termination Reason:    Namespace SIGNAL, {reason}" in report
    names = _frame_names(report)
    positions = [names.index(n) for n in in_order]  # each present...
    assert positions == sorted(positions), names  # ...innermost first
    saved = list((tmp_path / "Library/Logs/DiagnosticReports").glob("crash-*.crash"))
    assert len(saved) == 1 and exception in saved[0].read_text()


def test_images_carry_uuids(machbox_cmd, crasher, tmp_path):
    mac, _ = crasher
    report = _run(machbox_cmd, tmp_path, mac).stderr
    uuid = "".join(f"{b:02X}" for b in lief.MachO.parse(mac).at(0).uuid.uuid)
    dashed = f"<{uuid[:8]}-{uuid[8:12]}-{uuid[12:16]}-{uuid[16:20]}-{uuid[20:]}>"
    assert f"crash {dashed} {mac}" in report
    line = next(x for x in report.splitlines() if x.startswith("0   "))
    assert line.split()[1] == "crash"


def test_no_crash_report(machbox_cmd, crasher, tmp_path):
    p = _run(machbox_cmd, tmp_path, "--no-crash-report", crasher[0])
    assert p.returncode == -11 and "Exception Type" not in p.stderr
    assert not (tmp_path / "Library/Logs/DiagnosticReports").exists()
