"""machbox's Darwin commands (`machbox tool NAME`): otool and nm against LIEF's reading of
the same files, sw_vers and sudo are in test_prefix.py and test_vfs.py."""

from __future__ import annotations

import subprocess
import sys

import lief
import pytest


@pytest.fixture(scope="module")
def ninja(corpus_dir):
    p = subprocess.run([sys.executable, str(corpus_dir / "corpus.py"), "path", "ninja/ninja"],
                       capture_output=True, text=True, timeout=600)
    return p.stdout.strip()


@pytest.fixture(scope="module")
def lief_ninja(ninja):
    fat = lief.MachO.parse(ninja)
    return fat.take(lief.MachO.Header.CPU_TYPE.X86_64)  # owned: outlives the fat binary


def tool(machbox_cmd, *args):
    return subprocess.run(machbox_cmd + ["tool", *args], capture_output=True, text=True,
                          timeout=120)


def test_otool_libraries(machbox_cmd, ninja, lief_ninja):
    p = tool(machbox_cmd, "otool", "-L", ninja)
    assert p.returncode == 0
    lines = p.stdout.splitlines()
    assert lines[0] == f"{ninja}:"
    want = []
    for lib in lief_ninja.libraries:
        cur = ".".join(str(x) for x in lib.current_version)
        compat = ".".join(str(x) for x in lib.compatibility_version)
        want.append(f"\t{lib.name} (compatibility version {compat}, current version {cur})")
    assert lines[1:] == want


def test_otool_header_and_load_commands(machbox_cmd, ninja, lief_ninja):
    h = tool(machbox_cmd, "otool", "-hv", ninja).stdout.splitlines()
    fields = h[3].split()
    assert fields[:2] == ["MH_MAGIC_64", "X86_64"] and fields[4] == "EXECUTE"
    assert int(fields[5]) == len(lief_ninja.commands)
    assert "PIE" in fields and "TWOLEVEL" in fields
    ll = tool(machbox_cmd, "otool", "-l", ninja).stdout.splitlines()
    assert sum(1 for line in ll if line.startswith("Load command ")) == len(lief_ninja.commands)
    names = [line.split()[1] for line in ll if line.startswith("  segname ")]
    assert names == [s.name for s in lief_ninja.segments] + names[len(lief_ninja.segments):]


def test_nm_matches_the_symbol_table(machbox_cmd, ninja, lief_ninja):
    p = tool(machbox_cmd, "nm", ninja)
    assert p.returncode == 0
    ours = {}
    for line in p.stdout.splitlines():
        value, letter, name = line[:16], line[17], line[19:]
        ours[name] = (letter, value.strip())
    for sym in lief_ninja.symbols:
        if sym.origin != lief.MachO.Symbol.ORIGIN.SYMTAB or sym.raw_type & 0xE0:
            continue
        letter, value = ours[sym.name]
        if letter in "Uu":
            assert value == "" and sym.raw_type & 0x0E == 0
        else:
            assert int(value, 16) == sym.value
    assert ours["__mh_execute_header"][0] == "T"  # ninja is stripped: its one defined name
    undefined = tool(machbox_cmd, "nm", "-u", ninja).stdout.split()
    assert undefined == sorted(n for n, (letter, _) in ours.items() if letter == "U")


def test_bad_input(machbox_cmd, tmp_path):
    f = tmp_path / "text"
    f.write_text("not a binary\n")
    for args in (["otool", "-L", str(f)], ["nm", str(f)], ["otool", str(f)]):
        p = tool(machbox_cmd, *args)
        assert p.returncode == 1 and p.stderr and "Traceback" not in p.stderr


def test_defaults_round_trips_through_plistlib(machbox_cmd, tmp_path):
    import datetime
    import os
    import plistlib

    env = dict(os.environ, HOME=str(tmp_path))

    def d(*args, stdin=None):
        return subprocess.run(machbox_cmd + ["tool", "defaults", *args], capture_output=True,
                              text=True, timeout=60, env=env, input=stdin)

    for args in (["Name", "Hello World"], ["Count", "-int", "42"], ["Ratio", "-float", "1.5"],
                 ["On", "-bool", "YES"], ["List", "-array", "a", "-int", "2"],
                 ["List", "-array-add", "c"], ["Map", "-dict", "k", "v", "n", "-int", "3"],
                 ["When", "-date", "2024-01-02 03:04:05 +0000"], ["Blob", "-data", "cafe"]):
        assert d("write", "com.example.app", *args).returncode == 0
    path = tmp_path / "Library/Preferences/com.example.app.plist"
    assert path.read_bytes().startswith(b"bplist00")  # binary, as macOS writes them
    assert plistlib.loads(path.read_bytes()) == {
        "Name": "Hello World", "Count": 42, "Ratio": 1.5, "On": True, "List": ["a", 2, "c"],
        "Map": {"k": "v", "n": 3}, "When": datetime.datetime(2024, 1, 2, 3, 4, 5),
        "Blob": b"\xca\xfe"}
    assert d("read", "com.example.app", "Count").stdout == "42\n"
    assert d("read", "com.example.app", "Name").stdout == "Hello World\n"
    assert d("read-type", "com.example.app", "On").stdout == "Type is boolean\n"
    assert d("read-type", "com.example.app", "Map").stdout == "Type is dictionary\n"
    whole = d("read", "com.example.app").stdout
    assert whole.startswith("{\n") and '    Name = "Hello World";\n' in whole
    missing = d("read", "com.example.app", "Nope")
    assert missing.returncode == 1 and "(com.example.app, Nope) does not exist" in missing.stderr
    assert d("read", "com.nothing").returncode == 1
    assert d("domains").stdout == "com.example.app\n"
    exported = d("export", "com.example.app", "-").stdout
    assert plistlib.loads(exported.encode()) == plistlib.loads(path.read_bytes())
    assert d("import", "org.other", "-", stdin=exported).returncode == 0
    assert plistlib.loads((tmp_path / "Library/Preferences/org.other.plist").read_bytes()) == \
        plistlib.loads(path.read_bytes())
    assert d("delete", "com.example.app", "Count").returncode == 0
    assert "Count" not in plistlib.loads(path.read_bytes())
    assert d("write", "-g", "AppleLocale", "en_US").returncode == 0
    assert plistlib.loads((tmp_path / "Library/Preferences/.GlobalPreferences.plist")
                          .read_bytes()) == {"AppleLocale": "en_US"}
    assert d("-currentHost", "write", "com.example.app", "Here", "-bool", "NO").returncode == 0
    byhost = list((tmp_path / "Library/Preferences/ByHost").iterdir())
    assert len(byhost) == 1 and byhost[0].name.startswith("com.example.app.")
    assert d("-currentHost", "read", "com.example.app", "Here").stdout == "0\n"


def test_defaults_and_cfpreferences_agree(machbox_cmd, built, tmp_path):
    """What `defaults write` stores a Mach-O program reads with CFPreferencesCopyAppValue,
    and what the program stores with CFPreferencesSetAppValue `defaults read` shows."""
    import os

    from zigbuild import MACOS

    program = str(built[("darwin_cfprefs", MACOS)])
    env = dict(os.environ, HOME=str(tmp_path))

    def run(*args):
        return subprocess.run(machbox_cmd + list(args), capture_output=True, text=True,
                              timeout=60, env=env)

    for args in (["com.example.tool", "greeting", "hi there"],
                 ["com.example.tool", "level", "-int", "7"], ["-g", "AppleLocale", "en_GB"]):
        assert run("tool", "defaults", "write", *args).returncode == 0
    assert run("run", program, "read", "com.example.tool", "greeting").stdout == "hi there\n"
    assert run("run", program, "read", "com.example.tool", "level").stdout == "7\n"
    # the global domain answers for every application
    assert run("run", program, "read", "com.example.tool", "AppleLocale").stdout == "en_GB\n"
    assert run("run", program).returncode == 0  # stores com.machbox.test's values
    assert run("tool", "defaults", "read", "com.machbox.test", "enabled").stdout == "YES\n"
