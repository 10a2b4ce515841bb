"""The prefix's views of the file system (machbox.vfs, native/vfs.c), seen from a macOS
program: the prefix view's root and /Volumes/SystemRoot, escape attempts (`..`, symlinks
to `/`, absolute symlinks, renames), case-insensitive lookup that preserves names, Darwin
xattrs, fake ownership for non-root users, and the merged view leaving host paths alone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from zigbuild import MACOS, Program, build

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


@pytest.fixture(scope="module")
def views():
    return build(Program(HERE / "vfs" / "views.c"), MACOS)


@pytest.fixture
def prefix(tmp_path, machbox_cmd):
    p = tmp_path / "pfx"
    assert subprocess.run(machbox_cmd + ["prefix", "create", str(p)], capture_output=True,
                          timeout=60).returncode == 0
    return p


def run(machbox_cmd, views, prefix, *queries, root="prefix", cwd=None):
    p = subprocess.run(machbox_cmd + ["run", "--prefix", str(prefix), "--root", root,
                                      str(views), *queries],
                       capture_output=True, text=True, timeout=60, cwd=cwd)
    assert p.returncode == 0, p.stderr
    return p.stdout.splitlines()


def test_prefix_view_root_and_host(machbox_cmd, views, prefix, tmp_path):
    (tmp_path / "host.txt").write_text("on the host\n")
    out = run(machbox_cmd, views, prefix, "cd:/", "cwd", "write:/Library/in.txt:inside",
              "read:/Library/in.txt", f"read:/Volumes/SystemRoot{tmp_path}/host.txt",
              f"read:{tmp_path}/host.txt", f"cd:/Volumes/SystemRoot{tmp_path}", "cwd",
              "real:host.txt", "ls:/")
    assert out[1] == "cwd: /"
    assert out[3] == "read /Library/in.txt: inside"
    assert (prefix / "Library/in.txt").read_text() == "inside\n"
    assert out[4].endswith(": on the host")
    assert out[5].endswith("No such file or directory")  # host paths are not "/" here
    assert out[7] == f"cwd: /Volumes/SystemRoot{tmp_path}"
    assert out[8] == f"real host.txt: /Volumes/SystemRoot{tmp_path}/host.txt"
    for name in ("Applications", "Library", "System", "Users", "Volumes", "private", "etc"):
        assert f" {name}" in out[9]


def test_escapes_stay_inside(machbox_cmd, views, prefix):
    out = run(machbox_cmd, views, prefix, "cd:/Library", "write:/Library/secret.txt:prefix",
              "read:../../../../../Library/secret.txt", "link:/:/Library/to-root",
              "read:/Library/to-root/Library/secret.txt",
              "link:/Library/secret.txt:/Library/absolute",
              "read:/Library/absolute", "link:../../../..:/Library/up",
              "read:/Library/up/Library/secret.txt",
              "write:/Library/moved.txt:moved", "rename:/Library/moved.txt:/../../../moved.txt",
              "stat:/moved.txt")
    assert all(line.endswith(": prefix") for line in out if line.startswith("read "))
    assert len([line for line in out if line.startswith("read ")]) == 4
    # the renamed file landed at the prefix's root, not above it
    assert (prefix / "moved.txt").read_text() == "moved\n"
    assert out[-1].startswith("stat /moved.txt: ok")


def test_case_insensitive_and_preserving(machbox_cmd, views, prefix):
    out = run(machbox_cmd, views, prefix, "write:/Library/Preferences/MixedCase.plist:x",
              "read:/library/preferences/mixedcase.PLIST", "stat:/LIBRARY/PREFERENCES",
              "write:/library/preferences/NewName.txt:y", "ls:/Library/Preferences",
              "rename:/library/preferences/newname.txt:/Library/Preferences/Renamed.TXT",
              "ls:/Library/Preferences")
    assert out[1] == "read /library/preferences/mixedcase.PLIST: x"
    assert out[2].startswith("stat /LIBRARY/PREFERENCES: ok")
    assert out[4] == "ls /Library/Preferences: MixedCase.plist NewName.txt"
    assert out[6] == "ls /Library/Preferences: MixedCase.plist Renamed.TXT"


def test_case_sensitive_when_asked(machbox_cmd, views, prefix):
    env = dict(os.environ, MACHBOX_CASE_SENSITIVE="1")
    p = subprocess.run(machbox_cmd + ["run", "--prefix", str(prefix), "--root", "prefix",
                                      str(views), "stat:/library"],
                       capture_output=True, text=True, timeout=60, env=env)
    assert "No such file" in p.stdout


def test_merged_view_leaves_host_paths(machbox_cmd, views, prefix, tmp_path):
    (tmp_path / "host.txt").write_text("host\n")
    out = run(machbox_cmd, views, prefix, f"read:{tmp_path}/host.txt",
              "read:/System/Library/CoreServices/SystemVersion.plist",
              "stat:/Volumes/SystemRoot", "stat:/", root="merged")
    assert out[0].endswith(": host")
    assert out[1].endswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert out[2].split("ino=")[1] == out[3].split("ino=")[1]


def test_xattrs_with_darwin_names(machbox_cmd, views, prefix):
    out = run(machbox_cmd, views, prefix, "write:/Library/x.txt:x", "xattr:/Library/x.txt")
    # ENOATTR is 93 on Darwin; names come back without Linux's "user." namespace
    assert out[1] == ("xattr /Library/x.txt: set=0 get=5 [hello] list=17 "
                      "[com.example.note] missing=-1 errno=93")


def _as_nobody() -> list[str] | None:
    """A command prefix running machbox as an unprivileged user, or None if impossible."""
    if os.getuid() != 0:
        return [sys.executable, "-m", "machbox"]
    system = shutil.which("python3", path="/usr/bin:/bin")
    if not system:
        return None
    v = subprocess.run([system, "-c", "import sys; print(sys.version_info[:2])"],
                       capture_output=True, text=True).stdout.strip()
    if v != str(sys.version_info[:2]):
        return None
    return [system, "-S", "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
            "from machbox.cli import main; sys.exit(main())"]


def test_fake_ownership_for_non_root(views):
    cmd = _as_nobody()
    if cmd is None:
        pytest.skip("no interpreter to run machbox as an unprivileged user (issue 6)")
    work = Path(tempfile.mkdtemp(prefix="mbowner-"))
    try:
        os.chmod(work, 0o777)
        exe = work / "views"
        shutil.copy(views, exe)
        os.chmod(exe, 0o755)

        def drop():
            if os.getuid() == 0:
                os.setgid(65534)
                os.setuid(65534)

        env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "MACHBOX_PREFIX": str(work / "p")}
        p = subprocess.run(cmd + ["run", str(exe), f"write:{work}/f.txt:x",
                                  f"chown:{work}/f.txt:0:80", f"stat:{work}/f.txt"],
                           capture_output=True, text=True, timeout=60, env=env,
                           preexec_fn=drop)
        assert p.returncode == 0, p.stderr
        lines = p.stdout.splitlines()
        assert lines[1] == f"chown {work}/f.txt: 0"
        assert " uid=0 gid=80 " in lines[2]
        assert os.stat(work / "f.txt").st_uid != 0 or os.getuid() == 0
        # machbox's fake sudo: ids read as root, and root's chown is faked the same way
        p = subprocess.run(cmd + ["run", str(exe), "ids"], capture_output=True, text=True,
                           timeout=60, env=env, preexec_fn=drop)
        assert p.stdout == "ids: uid=65534 euid=65534 gid=65534 egid=65534\n" or \
            os.getuid() != 0
        p = subprocess.run(cmd + ["tool", "sudo", str(exe), "ids", f"write:{work}/g.txt:y",
                                  f"chown:{work}/g.txt:0:0", f"stat:{work}/g.txt"],
                           capture_output=True, text=True, timeout=60, env=env,
                           preexec_fn=drop)
        lines = p.stdout.splitlines()
        assert lines[0] == "ids: uid=0 euid=0 gid=0 egid=0", p.stderr
        assert lines[2] == f"chown {work}/g.txt: 0" and " uid=0 gid=0 " in lines[3]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_binfmt_runs_mach_o_directly(views, machbox_cmd, tmp_path):
    binfmt = "/proc/sys/fs/binfmt_misc"
    if os.geteuid() != 0 or not os.path.exists(f"{binfmt}/register"):
        pytest.skip("binfmt_misc needs root and a mounted /proc/sys/fs/binfmt_misc (issue 6)")
    if os.path.exists(f"{binfmt}/machbox-macho64"):
        pytest.skip("machbox's binfmt handler is already installed on this machine")
    exe = tmp_path / "views"
    shutil.copy(views, exe)
    assert subprocess.run(machbox_cmd + ["binfmt", "install"], timeout=60).returncode == 0
    try:
        p = subprocess.run([str(exe), "cwd"], capture_output=True, text=True, timeout=60,
                           cwd=tmp_path)
        assert (p.returncode, p.stdout) == (0, f"cwd: {tmp_path}\n"), p.stderr
    finally:
        subprocess.run(machbox_cmd + ["binfmt", "uninstall"], timeout=60)
    assert not os.path.exists(f"{binfmt}/machbox-macho64")
