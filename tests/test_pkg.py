"""installer, pkgutil and lsbom on flat packages (issue 8).

Oracles that are not machbox: tests/pkg/Sample.pkg was built by Apple's tools on macOS (its
Bom is Apple's); the other packages are built here by recorded commands with third-party
tools (GNU cpio writes the odc payloads, gzip/xz compress them, libarchive's bsdtar writes the
xar), and bsdtar, 7-Zip and POSIX cksum read the same files to check what machbox lists and
installs. The one part machbox writes itself is the Bom of those built packages (no mkbom
exists off macOS): its reader is checked against Apple's Bom first."""

from __future__ import annotations

import os
import plistlib
import shutil
import stat
import struct
import subprocess
from pathlib import Path

import pytest
from zigbuild import MACOS

from machbox.tools.flatpkg import bom, cpio

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "pkg" / "Sample.pkg"
BSDTAR, CPIO = shutil.which("bsdtar"), shutil.which("cpio")
SEVENZIP = shutil.which("7zz") or shutil.which("7z")
pytestmark = pytest.mark.skipif(
    not (BSDTAR and CPIO),
    reason="bsdtar and cpio not installed (scripts/setup-host.sh installs them; issue 8)")


def run(machbox_cmd, prefix, *args, env=None):
    e = dict(os.environ, MACHBOX_PREFIX=str(prefix), **(env or {}))
    return subprocess.run(machbox_cmd + ["tool", *args], capture_output=True, text=True,
                          timeout=120, env=e)


# ---- building packages with third-party tools ----

def cpio_odc(tree: Path) -> bytes:
    names = subprocess.run(["find", "."], cwd=tree, capture_output=True, check=True).stdout
    return subprocess.run([CPIO, "-o", "--format=odc", "--quiet"], cwd=tree, input=names,
                          capture_output=True, check=True).stdout


def gzip(data: bytes) -> bytes:
    return subprocess.run(["gzip", "-n", "-c"], input=data, capture_output=True,
                          check=True).stdout


def pbzx(data: bytes) -> bytes:
    """Apple's pbzx framing around xz chunks (the xz streams written by xz(1))."""
    out = b"pbzx" + struct.pack(">Q", 1 << 24)
    size = 1 << 24
    for i in range(0, len(data), size):
        chunk = data[i:i + size]
        packed = subprocess.run(["xz", "-c", "--check=crc64"], input=chunk,
                                capture_output=True, check=True).stdout
        out += struct.pack(">QQ", len(chunk), len(packed)) + packed
    return out


def package_info(ident, location, scripts=()) -> str:
    refs = "".join(f'<{s} file="./{s}"/>' for s in scripts)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<pkg-info format-version="2" '
            f'identifier="{ident}" version="1.2.3" install-location="{location}" auth="root">'
            f'<payload numberOfFiles="3" installKBytes="4"/><scripts>{refs}</scripts>'
            f'</pkg-info>\n')


def component(stage: Path, ident, location, root: Path, scripts: Path | None = None,
              compress=gzip) -> Path:
    stage.mkdir(parents=True)
    archive = cpio_odc(root)
    (stage / "Payload").write_bytes(compress(archive))
    names = []
    if scripts is not None:
        (stage / "Scripts").write_bytes(gzip(cpio_odc(scripts)))
        names = sorted(p.name for p in scripts.iterdir())
    (stage / "Bom").write_bytes(bom.write(bom.entries_of_members(cpio.members(archive))))
    (stage / "PackageInfo").write_text(package_info(ident, location, names))
    return stage


def xar(out: Path, stage: Path, *names: str, options: str = "") -> Path:
    cmd = [BSDTAR, "--format", "xar", "-cf", str(out), "-C", str(stage)]
    if options:
        cmd[1:1] = ["--options", options]
    subprocess.run(cmd + list(names), check=True, capture_output=True)
    return out


def bsdtar_list(archive: Path) -> list[str]:
    return subprocess.run([BSDTAR, "-tf", str(archive)], capture_output=True, text=True,
                          check=True).stdout.split("\n")[:-1]


def tree_of(root: Path) -> dict[str, tuple]:
    """Every path under root with its type, permission bits and contents or link target."""
    out = {}
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            p = Path(dirpath) / name
            st = p.lstat()
            rel = str(p.relative_to(root))
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", stat.S_IMODE(st.st_mode))
            else:
                out[rel] = ("file", stat.S_IMODE(st.st_mode), p.read_bytes())
    return out


# ---- Apple's own package ----

def test_apple_bom_reads_as_bsdtar_and_cksum_see_the_payload(machbox_cmd, tmp_path):
    subprocess.run([BSDTAR, "-xf", str(SAMPLE), "-C", str(tmp_path)], check=True)
    comp = tmp_path / "base.pkg"
    p = run(machbox_cmd, tmp_path / "prefix", "lsbom", str(comp / "Bom"))
    assert p.returncode == 0, p.stderr
    rows = [line.split("\t") for line in p.stdout.splitlines()]
    payload = comp / "Payload"
    assert [r[0] for r in rows] == bsdtar_list(payload) == [
        ".", "./Applications", "./Applications/hello.txt"]
    out = tmp_path / "payload"
    out.mkdir()
    subprocess.run([BSDTAR, "-xf", str(payload), "-C", str(out)], check=True)
    crc, size = subprocess.run(["cksum", str(out / "Applications/hello.txt")],
                               capture_output=True, text=True).stdout.split()[:2]
    assert rows[2] == ["./Applications/hello.txt", "100644", "502/20", size, crc]
    numeric = subprocess.run([BSDTAR, "-tvnf", str(payload)], capture_output=True,
                             text=True).stdout.splitlines()
    assert numeric[2].split()[2:4] == ["502", "20"]
    assert rows[0] == [".", "40755", "502/20"]


@pytest.mark.skipif(not SEVENZIP, reason="7-Zip not installed (setup-host.sh; issue 8)")
def test_xar_entries_as_7zip_lists_them(machbox_cmd, tmp_path):
    from machbox.tools.flatpkg.xar import Xar

    p = subprocess.run([SEVENZIP, "l", "-slt", str(SAMPLE)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    listed = {line[7:] for line in p.stdout.splitlines() if line.startswith("Path = ")}
    listed.discard(str(SAMPLE))
    ours = set(Xar(str(SAMPLE)).entries)
    # 7-Zip lists files (and may add the TOC as [TOC].xml); every one of ours is there
    assert ours - {"Resources", "Resources/en.lproj", "base.pkg"} <= listed
    assert {"base.pkg/Bom", "base.pkg/Payload", "base.pkg/PackageInfo", "Distribution"} <= ours


def test_install_apple_package_and_its_receipt(machbox_cmd, tmp_path):
    prefix = tmp_path / "prefix"
    p = run(machbox_cmd, prefix, "installer", "-pkg", str(SAMPLE), "-target", "/")
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == [
        "installer: Package name is Your ApplicationName your_app_version",
        "installer: Installing at base path /",
        "installer: The install was successful."]
    assert (prefix / "Applications/hello.txt").read_bytes() == b"Hello, World!\n"
    assert stat.S_IMODE((prefix / "Applications/hello.txt").stat().st_mode) == 0o644
    receipts = prefix / "private/var/db/receipts"
    info = plistlib.loads((receipts / "your.app.desc.com.plist").read_bytes())
    assert {k: info[k] for k in info if k != "InstallDate"} == {
        "InstallPrefixPath": "/", "InstallProcessName": "installer",
        "PackageFileName": "Sample.pkg", "PackageIdentifier": "your.app.desc.com",
        "PackageVersion": "your_app_version"}
    extracted = tmp_path / "x"
    extracted.mkdir()
    subprocess.run([BSDTAR, "-xf", str(SAMPLE), "-C", str(extracted)], check=True)
    assert (receipts / "your.app.desc.com.bom").read_bytes() == \
        (extracted / "base.pkg/Bom").read_bytes()
    assert run(machbox_cmd, prefix, "pkgutil", "--pkgs").stdout == "your.app.desc.com\n"
    files = run(machbox_cmd, prefix, "pkgutil", "--files", "your.app.desc.com")
    assert files.stdout == "Applications\nApplications/hello.txt\n"
    only = run(machbox_cmd, prefix, "pkgutil", "--only-files", "--files", "your.app.desc.com")
    assert only.stdout == "Applications/hello.txt\n"
    pi = run(machbox_cmd, prefix, "pkgutil", "--pkg-info", "your.app.desc.com").stdout
    lines = pi.splitlines()
    assert lines[:4] == ["package-id: your.app.desc.com", "version: your_app_version",
                         "volume: /", "location: /"]
    assert lines[4].startswith("install-time: ") and int(lines[4].split()[1]) > 1.7e9
    f = run(machbox_cmd, prefix, "pkgutil", "--forget", "your.app.desc.com")
    assert f.returncode == 0 and f.stdout == "Forgot package 'your.app.desc.com' on '/'.\n"
    gone = run(machbox_cmd, prefix, "pkgutil", "--files", "your.app.desc.com")
    assert gone.returncode == 1
    assert gone.stderr == "No receipt for 'your.app.desc.com' found at '/'.\n"
    assert run(machbox_cmd, prefix, "pkgutil", "--pkgs").stdout == ""
    assert (prefix / "Applications/hello.txt").exists()  # forget keeps the files
    assert "installer" in (prefix / "usr/bin/installer").read_text()


# ---- packages built with bsdtar and cpio ----

@pytest.fixture
def product(tmp_path, built):
    """A product archive of two components: an app (gzip payload, a shell preinstall) and a
    library (pbzx payload, the Mach-O install_script as postinstall)."""
    app = tmp_path / "roots/app"
    (app / "bin").mkdir(parents=True)
    (app / "bin/tool").write_text("#!/bin/sh\necho tool\n")
    (app / "bin/tool").chmod(0o755)
    (app / "share").mkdir()
    (app / "share/secret.conf").write_text("key=1\n")
    (app / "share/secret.conf").chmod(0o600)
    os.symlink("bin/tool", app / "run-tool")
    lib = tmp_path / "roots/lib"
    lib.mkdir(parents=True)
    (lib / "libdemo.txt").write_bytes(bytes(range(256)) * 300)
    app_scripts = tmp_path / "scripts/app"
    app_scripts.mkdir(parents=True)
    pre = app_scripts / "preinstall"
    pre.write_text('#!/bin/sh\nprintf "%s|%s|%s|%s|%s|%s|%s|%s\\n" "$1" "$2" "$3" "$4" '
                   '"$SCRIPT_NAME" "$PACKAGE_PATH" "$COMMAND_LINE_INSTALL" '
                   '"$(sw_vers -productVersion)" > "$INSTALLER_TEMP/../preinstall.seen"\n'
                   'test -d "$INSTALLER_TEMP" && test "$PWD" = "$(dirname "$0")"\n')
    pre.chmod(0o755)
    lib_scripts = tmp_path / "scripts/lib"
    lib_scripts.mkdir(parents=True)
    shutil.copy(built[("install_script", MACOS)], lib_scripts / "postinstall")
    stage = tmp_path / "stage"
    component(stage / "app.pkg", "org.example.app", "/Applications/Demo", app, app_scripts)
    component(stage / "lib.pkg", "org.example.lib", "/usr/local/lib/demo", lib, lib_scripts,
              compress=pbzx)
    (stage / "Distribution").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<installer-gui-script minSpecVersion="2">'
        '<title>Demo Suite</title><choices-outline><line choice="c"/></choices-outline>'
        '<choice id="c"><pkg-ref id="org.example.app"/><pkg-ref id="org.example.lib"/>'
        '</choice><pkg-ref id="org.example.app" version="1.2.3">#app.pkg</pkg-ref>'
        '<pkg-ref id="org.example.lib" version="1.2.3">#lib.pkg</pkg-ref>'
        '</installer-gui-script>\n')
    return xar(tmp_path / "Demo.pkg", stage, "Distribution", "app.pkg", "lib.pkg"), app, lib


def test_product_archive_installs_runs_scripts_and_registers(machbox_cmd, tmp_path, product):
    pkg, app_root, lib_root = product
    prefix = tmp_path / "prefix"
    p = run(machbox_cmd, prefix, "installer", "-verbose", "-pkg", str(pkg), "-target", "/")
    assert p.returncode == 0, p.stdout + p.stderr
    lines = p.stdout.splitlines()
    assert lines[:2] == ["installer: Package name is Demo Suite",
                         "installer: Installing at base path /"]
    assert lines[-1] == "installer: The install was successful."
    # the files are what bsdtar extracts from the same payloads
    app_dest, lib_dest = prefix / "Applications/Demo", prefix / "usr/local/lib/demo"
    x = tmp_path / "xar"
    x.mkdir()
    subprocess.run([BSDTAR, "-xf", str(pkg), "-C", str(x)], check=True)
    ref = tmp_path / "ref-app"
    ref.mkdir()
    subprocess.run([BSDTAR, "-xpf", str(x / "app.pkg/Payload"), "-C", str(ref)], check=True)
    assert tree_of(app_dest) == tree_of(ref) == tree_of(app_root)
    mine = tree_of(lib_dest)  # pbzx: bsdtar cannot read it; the tree cpio was given is the oracle
    assert mine.pop("ran-postinstall")[0] == "file"  # left by the Mach-O postinstall
    assert mine == tree_of(lib_root)
    assert tree_of(app_dest)["share/secret.conf"][1] == 0o600
    assert tree_of(app_dest)["run-tool"] == ("link", "bin/tool")
    assert (lib_dest / "libdemo.txt").read_bytes() == (lib_root / "libdemo.txt").read_bytes()
    # the shell preinstall saw Apple's arguments and variables, and sw_vers from the prefix
    seen = (prefix / "private/tmp/preinstall.seen").read_text().strip().split("|")
    assert seen == [str(pkg), str(app_dest), str(prefix), "/", "preinstall", str(pkg), "1",
                    "15.6"]
    # the Mach-O postinstall ran under machbox with them too
    assert (lib_dest / "ran-postinstall").read_text() == f"{pkg}\n"
    assert f"$2={lib_dest}" in p.stdout and "SCRIPT_NAME=postinstall" in p.stdout
    assert "INSTALLER_TEMP is set" in p.stdout
    # receipts: pkgutil lists what bsdtar lists in each payload
    pkgs = run(machbox_cmd, prefix, "pkgutil", "--pkgs").stdout.split()
    assert pkgs == ["org.example.app", "org.example.lib"]
    for ident, root in (("org.example.app", app_root), ("org.example.lib", lib_root)):
        files = run(machbox_cmd, prefix, "pkgutil", "--files", ident).stdout.splitlines()
        assert sorted(files) == sorted(tree_of(root))
    files = run(machbox_cmd, prefix, "pkgutil", "--files", "org.example.app").stdout.split()
    assert sorted(files) == sorted(n.removeprefix("./") for n in bsdtar_list(
        x / "app.pkg/Payload") if n not in (".", "./"))
    info = run(machbox_cmd, prefix, "pkgutil", "--pkg-info", "org.example.lib").stdout
    assert "location: usr/local/lib/demo\n" in info and "version: 1.2.3\n" in info
    # and the log has the steps
    log = (prefix / "private/var/log/install.log").read_text()
    assert "Running preinstall script" in log and "Registered org.example.lib" in log


def test_pkginfo_and_expand(machbox_cmd, tmp_path, product):
    pkg = product[0]
    info = run(machbox_cmd, tmp_path / "prefix", "installer", "-pkginfo", "-pkg", str(pkg))
    assert info.stdout == "Demo Suite\norg.example.app\norg.example.lib\n"
    out = tmp_path / "expanded"
    p = run(machbox_cmd, tmp_path / "prefix", "pkgutil", "--expand", str(pkg), str(out))
    assert p.returncode == 0, p.stderr
    ref = tmp_path / "ref"
    ref.mkdir()
    subprocess.run([BSDTAR, "-xf", str(pkg), "-C", str(ref)], check=True)
    for f in ("Distribution", "app.pkg/Payload", "app.pkg/Bom", "lib.pkg/PackageInfo"):
        assert (out / f).read_bytes() == (ref / f).read_bytes()
    # Scripts comes out as a directory, as pkgutil --expand leaves it
    assert (out / "app.pkg/Scripts/preinstall").read_bytes() == \
        (tmp_path / "scripts/app/preinstall").read_bytes()
    again = run(machbox_cmd, tmp_path / "prefix", "pkgutil", "--expand", str(pkg), str(out))
    assert again.returncode == 1 and "already exists" in again.stderr


def test_failing_script_fails_the_install(machbox_cmd, tmp_path, product):
    prefix = tmp_path / "prefix"
    p = run(machbox_cmd, prefix, "installer", "-pkg", str(product[0]), "-target", "/",
            env={"INSTALL_SCRIPT_EXIT": "3"})
    assert p.returncode == 1
    assert "installer: The install failed." in p.stdout
    assert "postinstall script exited with status 3" in p.stderr
    # the first component was registered, the failing one not (as macOS: no receipt)
    pkgs = run(machbox_cmd, prefix, "pkgutil", "--pkgs").stdout.split()
    assert pkgs == ["org.example.app"]


def test_damaged_package_is_refused(machbox_cmd, tmp_path, product):
    from machbox.tools.flatpkg.xar import Xar

    x = Xar(str(product[0]))
    entry = x.entries["lib.pkg/Payload"]  # the second component's: the first is intact
    data = bytearray(product[0].read_bytes())
    data[x.heap + entry.offset + entry.length // 2] ^= 0xFF
    bad = tmp_path / "bad.pkg"
    bad.write_bytes(bytes(data))
    prefix = tmp_path / "prefix"
    p = run(machbox_cmd, prefix, "installer", "-pkg", str(bad), "-target", "/")
    assert p.returncode == 1, p.stdout
    assert "checksum mismatch" in p.stderr and "Traceback" not in p.stderr
    assert "lib.pkg/Payload: archived checksum mismatch" in p.stderr
    # checked before anything is written: nothing installed, nothing registered
    assert not (prefix / "Applications/Demo").exists()
    assert run(machbox_cmd, prefix, "pkgutil", "--pkgs").stdout == ""


@pytest.mark.parametrize("options", ["xar:compression=bzip2", "xar:compression=xz",
                                     "xar:compression=none,xar:checksum=md5",
                                     "xar:toc-checksum=md5"])
def test_xar_variants_bsdtar_writes(tmp_path, options):
    from machbox.tools.flatpkg.xar import Xar

    root = tmp_path / "root"
    (root / "d").mkdir(parents=True)
    (root / "d/f").write_bytes(b"contents\n" * 1000)
    out = xar(tmp_path / "v.pkg", root, "d", options=options)
    x = Xar(str(out))
    assert x.read("d/f") == b"contents\n" * 1000 and x.entries["d"].type == "directory"


def test_install_into_a_directory_target(machbox_cmd, tmp_path):
    volume = tmp_path / "volume"
    volume.mkdir()
    p = run(machbox_cmd, tmp_path / "prefix", "installer", "-pkg", str(SAMPLE), "-target",
            str(volume))
    assert p.returncode == 0, p.stderr
    assert (volume / "Applications/hello.txt").exists()
    q = run(machbox_cmd, tmp_path / "prefix", "pkgutil", "--volume", str(volume), "--pkgs")
    assert q.stdout == "your.app.desc.com\n"
    assert run(machbox_cmd, tmp_path / "prefix", "pkgutil", "--pkgs").stdout == ""


def test_bad_input(machbox_cmd, tmp_path):
    prefix = tmp_path / "prefix"
    text = tmp_path / "text.pkg"
    text.write_text("not a package\n")
    cases = [(["installer", "-pkg", str(tmp_path / "none.pkg"), "-target", "/"], 1,
              "the package path specified was invalid"),
             (["installer", "-pkg", str(text), "-target", "/"], 1, "not a flat package"),
             (["installer", "-pkg", str(SAMPLE), "-target", str(tmp_path / "nowhere")], 1,
              "the target specified was invalid"),
             (["installer", "-bogus"], 2, "unknown option"),
             (["lsbom", str(text)], 1, "not a BOM file"),
             (["pkgutil", "--frobnicate"], 2, "unknown option"),
             (["pkgutil", "--expand", str(text), str(tmp_path / "o")], 1, "not a flat package")]
    for args, status, message in cases:
        p = run(machbox_cmd, prefix, *args)
        assert p.returncode == status, (args, p.stderr)
        assert message in p.stderr and "Traceback" not in p.stderr, (args, p.stderr)


def test_bom_writer_round_trip_with_many_leaves(tmp_path):
    """More paths than one 4096-byte tree node holds: leaves chained under a meta node, read
    back in order; each file's checksum is what POSIX cksum(1) says."""
    root = tmp_path / "many"
    root.mkdir()
    for i in range(700):
        (root / f"f{i:04d}").write_text(f"file {i}\n")
    archive = cpio_odc(root)
    entries = bom.entries_of_members(cpio.members(archive))
    back = bom.read(bom.write(entries))
    assert back == entries and len(back) == 701
    assert [e.path for e in back] == ["."] + sorted(f"./f{i:04d}" for i in range(700))
    crc = subprocess.run(["cksum", str(root / "f0123")], capture_output=True,
                         text=True).stdout.split()[0]
    assert next(e for e in back if e.path == "./f0123").checksum == int(crc)


@pytest.mark.parametrize("fmt", ["odc", "newc"])
def test_cpio_formats_and_hard_links(tmp_path, fmt):
    """bsdtar's odc and newc archives (newc keeps a hard link's data in its last member
    only) install as the tree they were made from."""
    from machbox.tools.flatpkg.extract import extract

    root = tmp_path / "root"
    (root / "d").mkdir(parents=True)
    (root / "d/a").write_text("shared\n")
    os.link(root / "d/a", root / "d/b")
    (root / "x").write_text("x\n")
    archive = tmp_path / "a.cpio"
    subprocess.run([BSDTAR, "--format", fmt, "-cf", str(archive), "-C", str(root), "."],
                   check=True)
    out = tmp_path / "out"
    extract(cpio.members(archive.read_bytes()), str(out))
    assert tree_of(out) == tree_of(root)
    assert (out / "d/a").stat().st_ino == (out / "d/b").stat().st_ino


def test_install_onto_a_prefix_volume(machbox_cmd, tmp_path):
    """-target /Volumes/NAME, as macOS names a volume: the prefix's /Volumes/NAME."""
    prefix = tmp_path / "prefix"
    subprocess.run(machbox_cmd + ["prefix", "create", str(prefix)], check=True,
                   capture_output=True)
    (prefix / "Volumes/Data").mkdir()
    p = run(machbox_cmd, prefix, "installer", "-pkg", str(SAMPLE), "-target", "/Volumes/Data")
    assert p.returncode == 0, p.stderr
    assert (prefix / "Volumes/Data/Applications/hello.txt").exists()
    assert not (prefix / "Applications/hello.txt").exists()
    q = run(machbox_cmd, prefix, "pkgutil", "--volume", str(prefix / "Volumes/Data"), "--pkgs")
    assert q.stdout == "your.app.desc.com\n"
