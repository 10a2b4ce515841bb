"""Prefixes (machbox.vfs.prefix), `machbox prefix`, `machbox shell` and `machbox tool`:
what a prefix holds, atomic creation (a creation killed halfway leaves nothing broken and
the next one works), in-place upgrade, errors, and Mach-O programs run from the shell."""

from __future__ import annotations

import os
import plistlib
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _machbox(machbox_cmd, *args, env=None, **kw):
    return subprocess.run(machbox_cmd + list(args), capture_output=True, text=True,
                          timeout=60, env=env, **kw)


def test_prefix_contents(tmp_path, machbox_cmd):
    prefix = tmp_path / "pfx"
    p = _machbox(machbox_cmd, "prefix", "create", str(prefix))
    assert p.returncode == 0 and p.stdout.strip() == str(prefix), p.stderr
    with open(prefix / "System/Library/CoreServices/SystemVersion.plist", "rb") as f:
        info = plistlib.load(f)
    assert info["ProductName"] == "macOS" and info["ProductVersion"].split(".")[0] >= "15"
    assert os.readlink(prefix / "etc") == "private/etc"
    assert os.readlink(prefix / "tmp") == "private/tmp"
    assert os.readlink(prefix / "var") == "private/var"
    assert os.readlink(prefix / "Volumes/SystemRoot") == "/"
    users = [u for u in os.listdir(prefix / "Users") if u != "Shared"]
    assert len(users) == 1 and os.path.samefile(prefix / "Users" / users[0],
                                                os.path.expanduser("~"))
    if os.path.exists("/etc/hosts"):
        assert (prefix / "private/etc/hosts").read_bytes() == Path("/etc/hosts").read_bytes()
    assert os.access(prefix / "usr/bin/sw_vers", os.X_OK)
    assert (prefix / "private/tmp").stat().st_mode & 0o1777 == 0o1777


def test_creation_killed_halfway_leaves_no_prefix_and_rerun_works(tmp_path, machbox_cmd):
    prefix = tmp_path / "pfx"
    # a creation that dies (SIGKILL) in the middle of writing the tree
    killer = (f"import os, signal, sys; sys.path.insert(0, {str(ROOT)!r})\n"
              "from machbox.vfs import prefix as p\n"
              "real = p.system_version_plist\n"
              "def die():\n"
              "    os.kill(os.getpid(), signal.SIGKILL)\n"
              "p.system_version_plist = die\n"
              f"p.ensure({str(prefix)!r}, quiet=True)\n")
    r = subprocess.run([sys.executable, "-c", killer], capture_output=True, timeout=60)
    assert r.returncode == -signal.SIGKILL
    assert not prefix.exists()  # no half-made prefix
    leftovers = [e for e in os.listdir(tmp_path) if e.startswith(".pfx.build-")]
    assert len(leftovers) == 1
    p = _machbox(machbox_cmd, "prefix", "create", str(prefix))
    assert p.returncode == 0, p.stderr
    assert (prefix / ".machbox-prefix").exists()
    assert [e for e in os.listdir(tmp_path) if e.startswith(".pfx.build-")] == []


def test_upgrade_in_place_keeps_user_files(tmp_path, machbox_cmd):
    prefix = tmp_path / "pfx"
    assert _machbox(machbox_cmd, "prefix", "create", str(prefix)).returncode == 0
    (prefix / "Library/Preferences/mine.plist").write_text("user data")
    (prefix / ".machbox-prefix").write_text("0\n")  # made by an older machbox
    (prefix / "System/Library/CoreServices/SystemVersion.plist").unlink()
    assert _machbox(machbox_cmd, "prefix", "create", str(prefix)).returncode == 0
    assert (prefix / "System/Library/CoreServices/SystemVersion.plist").exists()
    assert (prefix / "Library/Preferences/mine.plist").read_text() == "user data"
    assert (prefix / ".machbox-prefix").read_text().strip() != "0"


def test_prefix_errors(tmp_path, machbox_cmd):
    not_prefix = tmp_path / "stuff"
    not_prefix.mkdir()
    (not_prefix / "file").write_text("x")
    p = _machbox(machbox_cmd, "prefix", "create", str(not_prefix))
    assert p.returncode == 118 and p.stderr.startswith("machbox: ")
    assert p.stderr.count("\n") == 1 and "not a machbox prefix" in p.stderr
    p = _machbox(machbox_cmd, "run", "--prefix", str(tmp_path / "no/such/dir"), "/bin/true")
    assert p.returncode == 118 and "does not exist" in p.stderr, p.stderr
    assert _machbox(machbox_cmd, "prefix", "delete", str(not_prefix)).returncode == 118
    assert (not_prefix / "file").exists()


def test_prefix_from_environment_and_delete(tmp_path, machbox_cmd):
    prefix = tmp_path / "darling-style"
    env = dict(os.environ, DPREFIX=str(prefix))
    env.pop("MACHBOX_PREFIX", None)
    assert _machbox(machbox_cmd, "prefix", "path", env=env).stdout.strip() == str(prefix)
    assert _machbox(machbox_cmd, "shell", "true", env=env).returncode == 0
    assert (prefix / ".machbox-prefix").exists()
    assert _machbox(machbox_cmd, "prefix", "delete", str(prefix)).returncode == 0
    assert not prefix.exists()


def test_sw_vers(tmp_path, machbox_cmd):
    env = dict(os.environ, MACHBOX_PREFIX=str(tmp_path / "pfx"))
    assert _machbox(machbox_cmd, "prefix", "create", env=env).returncode == 0
    p = _machbox(machbox_cmd, "tool", "sw_vers", env=env)
    lines = p.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["ProductName", "ProductVersion",
                                                       "BuildVersion"]
    assert lines[0] == "ProductName:\t\tmacOS"
    version = _machbox(machbox_cmd, "tool", "sw_vers", "-productVersion", env=env).stdout
    assert version.strip() == lines[1].split("\t")[-1]
    bad = _machbox(machbox_cmd, "tool", "sw_vers", "-bogus", env=env)
    assert bad.returncode == 1 and bad.stderr.startswith("usage: sw_vers")
    # the prefix's /usr/bin/sw_vers, as scripts and macOS programs find it
    shell = _machbox(machbox_cmd, "shell", "sw_vers", "-productName", env=env)
    assert (shell.returncode, shell.stdout) == (0, "macOS\n"), shell.stderr


@pytest.fixture(scope="module")
def ninja(corpus_dir):
    p = subprocess.run([sys.executable, str(corpus_dir / "corpus.py"), "path", "ninja/ninja"],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def test_shell_runs_mach_o_by_path_name(tmp_path, machbox_cmd, ninja):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink(ninja, bin_dir / "ninja")
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
               MACHBOX_PREFIX=str(tmp_path / "pfx"))
    direct = _machbox(machbox_cmd, "run", ninja, "--version", env=env)
    # the command itself, and a Mach-O started by a host shell inside the session
    for cmd in (["ninja", "--version"], ["sh", "-c", "ninja --version | cat"]):
        p = _machbox(machbox_cmd, "shell", *cmd, env=env)
        assert (p.returncode, p.stdout) == (0, direct.stdout), p.stderr
    status = _machbox(machbox_cmd, "shell", "ninja", "-C", str(tmp_path / "missing"), env=env)
    assert status.returncode == 1  # the command's own status comes back
