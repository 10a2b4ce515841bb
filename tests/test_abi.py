"""machbox.abi against the C headers: the tables are what the SDK zig ships and the host's
/usr/include say (regenerated and compared), the generated darwin_abi.h lays out every struct
exactly as the SDK does (compiled for x86_64-macos beside the real structs), and its
translation tables agree with the rows they came from (compiled on the host and read back)."""

from __future__ import annotations

import errno
import subprocess
import sys

import pytest
from conftest import ROOT

from machbox.abi import cheader
from machbox.abi.constants import AREAS, DARWIN_ONLY_ERRNO, LINUX_ONLY_ERRNO
from machbox.abi.layouts import LAYOUTS

sys.path.insert(0, str(ROOT / "tools"))
import abi_structs  # noqa: E402


@pytest.fixture(scope="module")
def header(tmp_path_factory):
    path = tmp_path_factory.mktemp("abi") / "darwin_abi.h"
    path.write_text(cheader.render())
    return path


def test_tables_are_current():
    p = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_abi.py"), "--check"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


def test_checked_in_header_is_current():
    checked_in = ROOT / "machbox" / "native" / "generated" / "darwin_abi.h"
    if checked_in.exists():  # written by the build; absent only before the first build
        assert checked_in.read_text() == cheader.render()


def _field(name: str) -> str:
    return name + "_" if name in cheader.GLIBC_MACRO_FIELDS else name


def _asserts(name: str, ctype: str) -> list[str]:
    ours = f"struct darwin_{name}"
    if not LAYOUTS[name][1]:  # opaque to us: the header has only its size
        return [f'_Static_assert(sizeof({ctype}) == DARWIN_SIZEOF_{name.upper()}, "{name}");']
    out = [f'_Static_assert(sizeof({ctype}) == sizeof({ours}), "{name} size");']
    for fname, _ftype, _off, _size in LAYOUTS[name][1]:
        f = _field(fname)
        out.append(f"_Static_assert(offsetof({ctype}, {fname}) == offsetof({ours}, {f}), "
                   f'"{name}.{fname} offset");')
        out.append(f"_Static_assert(sizeof((({ctype} *)0)->{fname}) == "
                   f'sizeof((({ours} *)0)->{f}), "{name}.{fname} size");')
    return out


def _units() -> list[tuple[str, list[str]]]:
    """Structs grouped into translation units: those needing a #define first get their own."""
    shared, alone = [], []
    for name, (headers, _ctype, _fields) in abi_structs.STRUCTS.items():
        (alone if any(h.startswith("#") for h in headers) else shared).append(name)
    return [("shared", shared)] + [(n, [n]) for n in alone]


@pytest.mark.parametrize("unit,names", _units(), ids=[u for u, _ in _units()])
def test_header_structs_match_the_sdk(unit, names, header, tmp_path):
    lines = ["#define _DARWIN_C_SOURCE 1"]
    for name in names:
        for h in abi_structs.STRUCTS[name][0]:
            lines.append(h if h.startswith("#") else f"#include <{h}>")
    lines.append(f'#include "{header}"')
    for name in names:
        lines += _asserts(name, abi_structs.STRUCTS[name][1])
    src = tmp_path / f"{unit}.c"
    src.write_text("\n".join(lines) + "\n")
    p = subprocess.run([sys.executable, "-m", "ziglang", "cc", "-target", "x86_64-macos",
                        "-S", "-o", str(tmp_path / "out.s"), str(src)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-3000:]


def _host_tables(header, tmp_path) -> dict[str, list[int]]:
    names = ["mb_errno_linux_to_darwin", "mb_errno_darwin_to_linux",
             "mb_signal_darwin_to_linux", "mb_signal_linux_to_darwin"]
    body = "".join(
        f'printf("{n}"); for (unsigned i = 0; i < sizeof {n} / sizeof {n}[0]; i++) '
        f'printf(" %d", {n}[i]); printf("\\n");\n' for n in names)
    src = tmp_path / "tables.c"
    src.write_text(f'#include <stdio.h>\n#include <errno.h>\n#include <signal.h>\n'
                   f'#include <sys/stat.h>\n#include "{header}"\nint main(void) {{\n{body}}}\n')
    exe = tmp_path / "tables"
    subprocess.run(["cc", "-Wall", "-Werror", "-o", str(exe), str(src)], check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout
    return {line.split()[0]: [int(v) for v in line.split()[1:]] for line in out.splitlines()}


def test_errno_translation(header, tmp_path):
    t = _host_tables(header, tmp_path)
    l2d, d2l = t["mb_errno_linux_to_darwin"], t["mb_errno_darwin_to_linux"]
    rows = AREAS["errno"]
    darwin = {n: dv for n, dv, _lv, _ln in rows}
    for name, dv, lv, _ln in rows:
        if lv is not None:
            assert d2l[dv] == lv, name
            assert d2l[l2d[lv]] == lv, f"{name}: Linux {lv} does not come back"
        else:
            assert d2l[dv] == getattr(errno, DARWIN_ONLY_ERRNO[name]), name
    for name, lv, fallback in LINUX_ONLY_ERRNO:
        assert l2d[lv] in (darwin[fallback], darwin.get(name)), name
    # every errno this host's libc can produce has a Darwin number
    for value, name in errno.errorcode.items():
        assert value < len(l2d) and l2d[value] > 0, name
    assert l2d[errno.EAGAIN] == darwin["EAGAIN"] == 35
    assert l2d[errno.ENOTEMPTY] == darwin["ENOTEMPTY"] == 66


def test_signal_translation(header, tmp_path):
    t = _host_tables(header, tmp_path)
    d2l, l2d = t["mb_signal_darwin_to_linux"], t["mb_signal_linux_to_darwin"]
    for name, dv, lv, _ln in AREAS["signals"]:
        if lv is None:
            assert d2l[dv] == -1, name  # SIGEMT, SIGINFO: no Linux signal
        else:
            assert d2l[dv] == lv and l2d[lv] == dv, name
    import signal
    assert d2l[30] == signal.SIGUSR1 and d2l[31] == signal.SIGUSR2 and d2l[20] == signal.SIGCHLD


def test_struct_sizes_known_from_darwin():
    """A few sizes every Darwin programmer knows, so a broken extraction cannot agree with
    itself unnoticed."""
    assert LAYOUTS["stat"][0] == 144 and LAYOUTS["stat_legacy"][0] == 120
    assert LAYOUTS["dirent"][0] == 1048 and LAYOUTS["statfs"][0] == 2168
    assert LAYOUTS["pthread_mutex"][0] == 64 and LAYOUTS["pthread_cond"][0] == 48
    assert LAYOUTS["kevent"][0] == 32 and LAYOUTS["kevent64"][0] == 48
    assert LAYOUTS["jmp_buf"][0] == 148 and LAYOUTS["sigjmp_buf"][0] == 152
