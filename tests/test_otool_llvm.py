"""otool and nm against LLVM's llvm-otool and llvm-nm (the otool Xcode ships is LLVM's), line
for line on test programs built by zig: a C program, a C++ one (demangled names, jump tables
in LC_DATA_IN_CODE), one with constant CFStrings and one linking its own dylib (-l: rpaths,
LC_ID_DYLIB). otool -t/-tv/-tV disassemble, -l lists load commands, -hv the header.

The one difference allowed: the demangled comment of a C++ name, where Debian's LLVM (an
older demangler: "> >", no C++20 constraints) and the host's libc++abi (machbox's) differ;
"> >" is normalised and the comments of names its demangler gives up on are dropped."""

from __future__ import annotations

import glob
import re
import shutil
import subprocess
import sys

import pytest
from zigbuild import MACOS


def _llvm(tool: str) -> str | None:
    return shutil.which(tool) or next(iter(sorted(glob.glob(f"/usr/bin/{tool}-*"),
                                                  reverse=True)), None)


LLVM_OTOOL, LLVM_NM = _llvm("llvm-otool"), _llvm("llvm-nm")
PROGRAMS = ("install_script", "crash", "darwin_cf")
needs_llvm = pytest.mark.skipif(
    LLVM_OTOOL is None or LLVM_NM is None,
    reason="llvm-otool/llvm-nm not installed (setup-host.sh installs llvm; issue 8)")
needs_capstone = pytest.mark.skipif(
    __import__("importlib").util.find_spec("capstone") is None,
    reason="capstone not installed (the disasm extra of setup.py; issue 8)")


def otool(machbox_cmd, *args) -> subprocess.CompletedProcess:
    return subprocess.run(machbox_cmd + ["tool", "otool", *args], capture_output=True,
                          text=True, timeout=300)


def _normalised(text: str) -> list[str]:
    out = []
    for line in text.replace("> >", ">>").replace("> >", ">>").splitlines():
        body, _, comment = line.partition(" ## ")
        if comment and not re.match(r"(symbol stub for|literal pool|Objc cfstring)", comment):
            comment = ""  # a demangled name: the two demanglers' versions differ
        out.append(body + (f" ## {comment}" if comment else ""))
    return out


@needs_llvm
@needs_capstone
@pytest.mark.parametrize("flag", ["-t", "-tv", "-tV"])
@pytest.mark.parametrize("name", PROGRAMS)
def test_text_as_llvm_otool_prints_it(machbox_cmd, built, name, flag):
    binary = str(built[(name, MACOS)])
    ours = otool(machbox_cmd, flag, binary)
    assert ours.returncode == 0, ours.stderr
    ref = subprocess.run([LLVM_OTOOL, flag, binary], capture_output=True, text=True)
    assert ref.returncode == 0
    mine, theirs = _normalised(ours.stdout), _normalised(ref.stdout)
    assert len(mine) == len(theirs)
    differing = [(a, b) for a, b in zip(mine, theirs) if a != b]
    assert differing == []


@needs_llvm
@pytest.mark.parametrize("flag", ["-l", "-hv", "-h", "-L"])
@pytest.mark.parametrize("name", PROGRAMS + ("dylib_user",))
def test_headers_as_llvm_otool_prints_them(machbox_cmd, built, name, flag):
    binary = str(built[(name, MACOS)])
    ours = otool(machbox_cmd, flag, binary)
    assert ours.returncode == 0, ours.stderr
    ref = subprocess.run([LLVM_OTOOL, flag, binary], capture_output=True, text=True).stdout
    mine = ours.stdout.splitlines()
    if flag in ("-h", "-hv"):  # LLVM 14's -h leaves out the "FILE:" line otool prints
        assert mine[0] == f"{binary}:"
        mine = mine[1:]
    assert mine == ref.splitlines()


@needs_llvm
@pytest.mark.parametrize("flag", ["", "-g", "-u", "-U", "-j", "-n", "-p"])
@pytest.mark.parametrize("name", ("crash", "darwin_cf"))
def test_nm_as_llvm_nm_prints_it(machbox_cmd, built, name, flag):
    binary = str(built[(name, MACOS)])
    args = [flag, binary] if flag else [binary]
    ours = subprocess.run(machbox_cmd + ["tool", "nm", *args], capture_output=True, text=True)
    ref = subprocess.run([LLVM_NM, *args], capture_output=True, text=True)
    assert ours.returncode == 0 and ours.stdout == ref.stdout


@needs_capstone
def test_symbolic_operands(machbox_cmd, built):
    """What -tV names, checked without LLVM: stubs, C strings, labels, C++ names."""
    out = otool(machbox_cmd, "-tV", str(built[("install_script", MACOS)])).stdout
    assert "\n_main:\n" in out
    assert re.search(r"\tcallq\t0x[0-9a-f]+ ## symbol stub for: _printf\n", out)
    assert re.search(r'\tleaq\t0x[0-9a-f]+\(%rip\), %rdi ## literal pool for: "argc=%d\\n"\n',
                     out)
    crash = otool(machbox_cmd, "-tV", str(built[("crash", MACOS)])).stdout
    assert re.search(r"\tcallq\t__ZL10crash_herePVi ## crash_here\(int volatile\*\)\n", crash)
    assert re.search(r"\t\.long \d+\t@ KIND_JUMP_TABLE32\n", crash)
    cf = otool(machbox_cmd, "-tV", str(built[("darwin_cf", MACOS)])).stdout
    assert '## Objc cfstring ref: @"Asia/Tokyo"' in cf


def test_bad_input(machbox_cmd, tmp_path):
    f = tmp_path / "text"
    f.write_text("not a binary\n")
    p = otool(machbox_cmd, "-tV", str(f))
    assert p.returncode == 1 and p.stderr.startswith("otool: ") and "Traceback" not in p.stderr
    assert otool(machbox_cmd, "-tX", str(f)).returncode == 1


@needs_llvm
@needs_capstone
def test_ninja_as_llvm_otool_disassembles_it(machbox_cmd, corpus_dir):
    """A real program linked by Apple's ld (the corpus's ninja, a fat file): 64 000 lines,
    x87 code among them, all equal."""
    p = subprocess.run([sys.executable, str(corpus_dir / "corpus.py"), "path", "ninja/ninja"],
                       capture_output=True, text=True, timeout=600)
    ninja = p.stdout.strip()
    ours = otool(machbox_cmd, "-tV", ninja)
    ref = subprocess.run([LLVM_OTOOL, "-tV", ninja], capture_output=True, text=True)
    mine, theirs = _normalised(ours.stdout), _normalised(ref.stdout)
    assert len(mine) == len(theirs) > 60000
    assert [(a, b) for a, b in zip(mine, theirs) if a != b] == []
