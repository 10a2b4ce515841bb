"""Bad input gets one `machbox: ...` line on stderr and a distinct documented exit status,
never a traceback; a guest's own status and death by signal pass through unchanged."""

from __future__ import annotations

import signal
import struct
import subprocess
from pathlib import Path

import pytest
from zigbuild import MACOS, BuildError, _zig

STATUS = {"usage": 2, "library": 119, "unimplemented": 120, "wrong_arch": 121,
          "malformed": 122, "not_macho": 123, "cannot_execute": 126, "not_found": 127}


def run(machbox_cmd, args, **kw):
    return subprocess.run(machbox_cmd + args, capture_output=True, text=True, timeout=60, **kw)


def one_machbox_line(p) -> str:
    lines = p.stderr.strip().splitlines()
    assert "Traceback" not in p.stderr, p.stderr
    assert len(lines) >= 1 and lines[0].startswith("machbox: "), p.stderr
    return lines[0]


@pytest.fixture(scope="module")
def hello_macho(built) -> Path:
    exe = built[("exit_status", MACOS)]
    assert not isinstance(exe, BuildError), exe
    return exe


def test_text_file(machbox_cmd, tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("just some text\n")
    p = run(machbox_cmd, ["run", str(f)])
    assert p.returncode == STATUS["not_macho"]
    assert "not a Mach-O file" in one_machbox_line(p)


def test_truncated_macho(machbox_cmd, tmp_path, hello_macho):
    f = tmp_path / "cut"
    f.write_bytes(hello_macho.read_bytes()[:100])
    p = run(machbox_cmd, ["run", str(f)])
    assert p.returncode == STATUS["malformed"], p.stderr
    assert "truncated" in one_machbox_line(p)


def test_arm64_only(machbox_cmd, tmp_path):
    src = tmp_path / "a.c"
    src.write_text("int main(void) { return 0; }\n")
    exe = tmp_path / "arm"
    _zig(False, "aarch64-macos", ["-o", str(exe), str(src)])
    p = run(machbox_cmd, ["run", str(exe)])
    assert p.returncode == STATUS["wrong_arch"], p.stderr
    line = one_machbox_line(p)
    assert "arm64 only" in line and "x86_64" in line


def test_fat_without_x86_64(machbox_cmd, tmp_path):
    thin = struct.pack("<7I", 0xFEEDFACF, 0x0100000C, 0, 2, 0, 0, 0) + bytes(4096)
    fat = struct.pack(">2I", 0xCAFEBABE, 1) + struct.pack(">5I", 0x0100000C, 0, 4096,
                                                           len(thin), 12)
    f = tmp_path / "fatarm"
    f.write_bytes(fat.ljust(4096, b"\0") + thin)
    p = run(machbox_cmd, ["run", str(f)])
    assert p.returncode == STATUS["wrong_arch"]
    assert "arm64 only" in one_machbox_line(p)


def test_missing_file(machbox_cmd, tmp_path):
    p = run(machbox_cmd, ["run", str(tmp_path / "nothing-here")])
    assert p.returncode == STATUS["not_found"]
    assert "no such file" in one_machbox_line(p)


def test_directory(machbox_cmd, tmp_path):
    p = run(machbox_cmd, ["run", str(tmp_path)])
    assert p.returncode == STATUS["cannot_execute"]
    assert "is a directory" in one_machbox_line(p)


def test_no_program_is_a_usage_error(machbox_cmd):
    p = run(machbox_cmd, ["run"])
    assert p.returncode == STATUS["usage"]
    assert "no program" in one_machbox_line(p)


def test_unknown_command(machbox_cmd):
    p = run(machbox_cmd, ["frobnicate"])
    assert p.returncode == STATUS["usage"]
    one_machbox_line(p)


def test_unimplemented_import_names_symbol_and_library(machbox_cmd, tmp_path):
    """A program calling CFUserNotificationDisplayAlert (linked against a .tbd stub of
    CoreFoundation)."""
    fw = tmp_path / "frameworks" / "CoreFoundation.framework"
    fw.mkdir(parents=True)
    (fw / "CoreFoundation.tbd").write_text(
        "--- !tapi-tbd\ntbd-version: 4\ntargets: [ x86_64-macos ]\n"
        "install-name: '/System/Library/Frameworks/CoreFoundation.framework/Versions/A/"
        "CoreFoundation'\nexports:\n  - targets: [ x86_64-macos ]\n"
        "    symbols: [ _CFUserNotificationDisplayAlert ]\n...\n")
    src = tmp_path / "cf.c"
    src.write_text('#include <stdio.h>\nvoid CFUserNotificationDisplayAlert(void);\n'
                   'int main(void) { puts("before"); CFUserNotificationDisplayAlert();\n'
                   '                 puts("after"); return 0; }\n')
    exe = tmp_path / "cf"
    _zig(False, MACOS, ["-o", str(exe), str(src), "-F", str(tmp_path / "frameworks"),
                        "-framework", "CoreFoundation"])
    p = run(machbox_cmd, ["run", str(exe)])
    assert p.returncode == STATUS["unimplemented"], p.stderr
    assert one_machbox_line(p) == \
        "machbox: unimplemented: _CFUserNotificationDisplayAlert (CoreFoundation)"
    assert p.stdout == "before\n"  # what the program wrote before is not lost


def test_missing_dylib(machbox_cmd, built, tmp_path):
    exe = built[("dylib_user", MACOS)]
    assert not isinstance(exe, BuildError), exe
    lonely = tmp_path / "dylib_user"
    lonely.write_bytes(exe.read_bytes())
    lonely.chmod(0o755)
    p = run(machbox_cmd, ["run", str(lonely)])
    assert p.returncode == STATUS["library"], p.stderr
    assert "libhelper.dylib" in one_machbox_line(p)


@pytest.mark.parametrize("status", [0, 1, 42, 255])
def test_exit_status_passes_through(machbox_cmd, hello_macho, status):
    p = run(machbox_cmd, ["run", str(hello_macho), str(status)])
    assert p.returncode == status, p.stderr
    assert p.stdout == "flushed before _exit\n"


@pytest.mark.parametrize("sig", ["SIGSEGV", "SIGABRT", "SIGTERM"])
def test_death_by_signal_passes_through(machbox_cmd, tmp_path, sig):
    src = tmp_path / "die.c"
    body = {"SIGSEGV": "raise(SIGSEGV);", "SIGABRT": "abort();", "SIGTERM": "raise(SIGTERM);"}[sig]
    src.write_text("#include <signal.h>\n#include <stdlib.h>\n"
                   f"int main(void) {{ {body} return 0; }}\n")
    exe = tmp_path / "die"
    _zig(False, MACOS, ["-o", str(exe), str(src)])
    p = run(machbox_cmd, ["run", str(exe)])
    assert p.returncode == -getattr(signal, sig), (p.returncode, p.stderr)
    assert "Traceback" not in p.stderr


def test_argv0_option(machbox_cmd, built):
    exe = built[("env", MACOS)]
    assert not isinstance(exe, BuildError)
    p = run(machbox_cmd, ["run", "--argv0", "custom-name", str(exe), "x"])
    assert p.returncode == 0 and "argv[1]=x" in p.stdout, p.stderr


def test_version(machbox_cmd):
    p = run(machbox_cmd, ["--version"])
    assert p.returncode == 0 and p.stdout.startswith("machbox ")
