"""hdiutil against independent oracles (issue 8).

Images machbox writes are read by other implementations: 7-Zip (Debian's `7zip`, its DMG and
HFS handlers check every chunk, checksum and file), dmg2img, and dpp-py (PyPI, a Rust DMG/HFS+
reader whose path lookups go through the catalog's index nodes). Images machbox reads are
written by other implementations: xorriso (`xorriso -as mkisofs -hfsplus`, an HFS+ volume in an
Apple partition map) and dpp-py's DmgBuilder (UDIF containers with raw, zlib, bzip2 and lzfse
chunks). ADC, LZMA (xz), zero-fill and comment chunks have no third-party writer here, so
machbox writes them and 7-Zip verifies them.
"""

from __future__ import annotations

import os
import plistlib
import re
import shutil
import subprocess
import unicodedata

import pytest

SEVEN_ZIP = shutil.which("7zz") or shutil.which("7z")
needs_7zip = pytest.mark.skipif(SEVEN_ZIP is None, reason="7-Zip not installed (issue 8: "
                                "scripts/setup-host.sh installs Debian's 7zip)")
needs_xorriso = pytest.mark.skipif(shutil.which("xorriso") is None, reason="xorriso not "
                                   "installed (issue 8: scripts/setup-host.sh installs it)")
needs_dmg2img = pytest.mark.skipif(shutil.which("dmg2img") is None, reason="dmg2img not "
                                   "installed (issue 8: scripts/setup-host.sh installs it)")
MKAPFS = shutil.which("mkapfs") or (os.access("/usr/sbin/mkapfs", os.X_OK) and
                                     "/usr/sbin/mkapfs") or None
needs_mkapfs = pytest.mark.skipif(MKAPFS is None, reason="mkapfs not installed (issue 8: "
                                  "scripts/setup-host.sh installs apfsprogs)")
MTIME = 1_600_000_000
SECTOR = 512


def _has(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


needs_lzfse = pytest.mark.skipif(not _has("liblzfse"), reason="pyliblzfse not installed "
                                 "(issue 8: a test extra in pyproject.toml)")
needs_dpp = pytest.mark.skipif(not _has("dpp"), reason="dpp-py not installed (issue 8: a test "
                               "extra in pyproject.toml)")


def _fuse_usable() -> bool:
    try:
        import fuse  # noqa: F401  (fusepy, which needs libfuse2)
    except (ImportError, OSError):
        return False
    return os.access("/dev/fuse", os.R_OK | os.W_OK)


@pytest.fixture(params=["extracted", "fuse"])
def mount_mode(request):
    if request.param == "fuse" and not _fuse_usable():
        pytest.skip("FUSE not usable here: needs /dev/fuse, fusepy and libfuse2 (issue 8: "
                    "setup-host installs libfuse2, fusepy is a test extra)")
    return request.param


@pytest.fixture
def hdiutil(machbox_cmd, tmp_path, request):
    env = dict(os.environ, MACHBOX_PREFIX=str(tmp_path / "prefix"))
    mode = request.getfixturevalue("mount_mode") if "mount_mode" in request.fixturenames \
        else "extracted"
    if mode == "extracted":
        env["MACHBOX_HDIUTIL_FUSE"] = "0"

    def run(*args, check=True):
        p = subprocess.run(machbox_cmd + ["tool", "hdiutil", *map(str, args)],
                           capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
        assert "Traceback" not in p.stderr, p.stderr
        if check:
            assert p.returncode == 0, p.stderr
        return p

    run.prefix = tmp_path / "prefix"
    run.mode = mode
    yield run
    # detach whatever a failed test left attached: no mounts or servers outlive the test
    info = run("info", "-plist", check=False)
    if info.returncode == 0:
        for image in plistlib.loads(info.stdout.encode()).get("images", []):
            run("detach", "-force", image["system-entities"][0]["dev-entry"], check=False)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A tree with what a volume must carry: nested folders, a folder of 300 files (many
    catalog leaves, so index nodes), a file over 1 MiB (several chunks), an empty file, an
    executable, a symlink, a decomposable Unicode name and a space."""
    root = tmp_path_factory.mktemp("src") / "Payload"
    (root / "App" / "Contents" / "MacOS").mkdir(parents=True)
    tool = root / "App" / "Contents" / "MacOS" / "tool"
    tool.write_bytes(b"#!/bin/sh\necho hi\n")
    tool.chmod(0o755)
    (root / "README.txt").write_text("read me\n")
    (root / "empty").write_bytes(b"")
    big = bytes(range(256)) * 4096 + os.urandom(300_000) + bytes(600_000)
    (root / "big.bin").write_bytes(big)
    many = root / "many files"
    many.mkdir()
    for i in range(300):
        (many / f"file{i:03d}.txt").write_text(f"file number {i}\n")
    (root / "Caf\u00e9 \u00dcber.txt").write_text("unicode\n")
    (root / "link").symlink_to("README.txt")
    for path in [*root.rglob("*"), root]:
        if not path.is_symlink():
            os.utime(path, (MTIME, MTIME))
    return root


def regular_files(root) -> dict[str, bytes]:
    out = {}
    for base, _, files in os.walk(root):
        for name in files:
            path = os.path.join(base, name)
            if not os.path.islink(path) and name != ".machbox-attached":
                rel = unicodedata.normalize("NFC", os.path.relpath(path, root))
                with open(path, "rb") as f:
                    out[rel] = f.read()
    return out


def seven_zip(*args, cwd=None):
    p = subprocess.run([SEVEN_ZIP, *map(str, args)], capture_output=True, text=True,
                       timeout=300, cwd=cwd)
    return p


# ---- machbox writes, others read -----------------------------------------------------------

@needs_7zip
@pytest.mark.parametrize("fmt", ["UDZO", "UDBZ", "ULFO", "ULMO", "UDCO", "UDRO", "UDRW",
                                 "UDTO"])
def test_create_is_read_by_7zip(hdiutil, source, tmp_path, fmt):
    if fmt == "ULFO" and not _has("liblzfse"):
        pytest.skip("pyliblzfse not installed (issue 8: a test extra in pyproject.toml)")
    out = tmp_path / ("made.cdr" if fmt == "UDTO" else "made.dmg")
    p = hdiutil("create", "-srcfolder", source, "-volname", "Test Volume", "-format", fmt, out)
    assert p.stdout == f"created: {out}\n"
    test = seven_zip("t", out)
    assert test.returncode == 0 and "Everything is Ok" in test.stdout, test.stdout
    seven_zip("x", "-y", f"-o{tmp_path / 'x'}", out)
    extracted = tmp_path / "x" / "Test Volume"
    assert regular_files(extracted) == regular_files(source)
    listing = seven_zip("l", "-slt", out).stdout
    assert "Path = Test Volume/link" in listing
    assert hdiutil("imageinfo", "-format", out).stdout == f"{fmt}\n"


@needs_7zip
def test_master_checksum_agrees_with_7zip(hdiutil, source, tmp_path):
    out = tmp_path / "sum.dmg"
    hdiutil("create", "-srcfolder", source, out)
    listing = seven_zip("l", "-slt", "-tdmg", out).stdout
    theirs = re.search(r"master-checksum: CRC: ([0-9A-F]{8})", listing)
    assert theirs, listing
    assert hdiutil("imageinfo", "-checksum", out).stdout == f"CRC32 ${theirs.group(1)}\n"
    verify = hdiutil("verify", out).stdout.splitlines()
    assert verify[-1] == f'hdiutil: verify: checksum of "{out}" is VALID'
    assert verify[-2] == f"verified   CRC32 ${theirs.group(1)}"
    # the shape of a macOS transcript of the same GPT layout: each blkx name right-aligned
    # in 36 columns and cut there, its CRC32, the master CRC32 last
    names = [line[:36] for line in verify if ": verified   CRC32 $" in line]
    assert names == ["Protective Master Boot Record (MBR :", " GPT Header (Primary GPT Header : 1)",
                     "GPT Partition Data (Primary GPT Tabl", "                    (Apple_Free : 3)",
                     "          disk image (Apple_HFS : 4)", "                    (Apple_Free : 5)",
                     "GPT Partition Data (Backup GPT Table", "  GPT Header (Backup GPT Header : 7)"]
    assert verify[0] == "Checksumming Protective Master Boot Record (MBR : 0)\u2026"


@needs_7zip
def test_create_apple_partition_map(hdiutil, source, tmp_path):
    """-layout SPUD: an Apple Partition Map disk, as a macOS transcript of attaching one shows
    it (the map partition, then the volume)."""
    image = tmp_path / "apm.dmg"
    hdiutil("create", "-srcfolder", source, "-volname", "Old", "-layout", "SPUD", image)
    assert "Everything is Ok" in seven_zip("t", image).stdout
    info = plistlib.loads(hdiutil("imageinfo", "-plist", image).stdout.encode())
    assert info["partitions"]["partition-scheme"] == "Apple"
    p = hdiutil("attach", "-nomount", image)
    assert [line.split() for line in p.stdout.splitlines()] == [
        ["/dev/disk4", "Apple_partition_scheme"], ["/dev/disk4s1", "Apple_partition_map"],
        ["/dev/disk4s2", "Apple_HFS"]]
    hdiutil("detach", "disk4")
    blkx = [line for line in hdiutil("verify", image).stdout.splitlines()
            if line.startswith("Checksumming ")]
    assert blkx == ["Checksumming Driver Descriptor Map (DDM : 0)\u2026",
                    "Checksumming Apple (Apple_partition_map : 1)\u2026",
                    "Checksumming disk image (Apple_HFS : 2)\u2026",
                    "Checksumming  (Apple_Free : 3)\u2026"]


@needs_dmg2img
@needs_dpp
def test_create_is_read_by_dmg2img_and_dpp(hdiutil, source, tmp_path):
    """dmg2img decompresses the image to a raw disk; dpp-py opens its HFS+ partition and looks
    every file up by path (through the catalog's index nodes)."""
    import dpp

    out = tmp_path / "made.dmg"
    hdiutil("create", "-srcfolder", source, "-volname", "Vol", "-format", "UDBZ", out)
    raw = tmp_path / "disk.img"
    p = subprocess.run(["dmg2img", "-p", "4", str(out), str(raw)], capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    with dpp.HfsVolume.open(str(raw)) as volume:
        for rel, data in regular_files(source).items():
            assert volume.read_file("/" + unicodedata.normalize("NFD", rel)) == data, rel
        assert volume.stat("/App/Contents/MacOS/tool").mode == 0o100755
        assert volume.stat("/link").kind == "symlink"
        assert sorted(e.name for e in volume.list_directory("/many files"))[:2] == [
            "file000.txt", "file001.txt"]


@needs_dmg2img
def test_convert_to_a_raw_master_equals_dmg2img(hdiutil, source, tmp_path):
    """UDTO (and UDRW) images are the disk's bytes: the same bytes dmg2img makes of the UDZO."""
    image = tmp_path / "x.dmg"
    hdiutil("create", "-srcfolder", source, image)
    p = hdiutil("convert", image, "-format", "UDTO", "-o", tmp_path / "master")
    assert p.stdout == f"created: {tmp_path / 'master.cdr'}\n"
    raw = tmp_path / "dmg2img.img"
    subprocess.run(["dmg2img", str(image), str(raw)], check=True, capture_output=True,
                   timeout=300)
    assert (tmp_path / "master.cdr").read_bytes() == raw.read_bytes()
    info = hdiutil("imageinfo", tmp_path / "master.cdr").stdout
    assert "Class Name: CRawDiskImage\n" in info and "Format: UDTO\n" in info


@needs_7zip
def test_zero_fill_comment_and_adc_chunks_are_read_by_7zip(tmp_path):
    """No third-party writer makes ADC, zero-fill (type 0) or comment chunks: machbox's writer
    does, 7-Zip checks them, machbox's reader reads them back."""
    from machbox.dmg import codecs, udif

    # chunks are 1 MiB: one of text, one of zeros, one partly random
    data = (b"ADC compresses runs " * 60_000)[:1 << 20] + bytes(1 << 20) + os.urandom(70_000)
    data += bytes(-len(data) % SECTOR)
    out = tmp_path / "chunks.dmg"
    part = udif.Partition("blob (Apple_Blob : 0)", 0, len(data) // SECTOR,
                          lambda offset, size: data[offset:offset + size])
    udif.write_image(str(out), [part], "UDCO", zero_kind=codecs.ZERO_FILL, comment=True)
    with udif.open_image(str(out)) as disk:
        kinds = {c.kind for b in disk.blocks for c in b.chunks}
        assert {codecs.ADC, codecs.ZERO_FILL} <= kinds
        assert disk.read(0, len(data)) == data
    p = seven_zip("x", "-y", f"-o{tmp_path / 'x'}", "-tdmg", out)
    assert p.returncode == 0 and "Everything is Ok" in p.stdout, p.stdout
    listing = seven_zip("l", "-slt", "-tdmg", out).stdout
    assert "ADC" in listing and "Zero0" in listing and "Comment" in listing, listing
    assert (tmp_path / "x" / "0.Apple_Blob").read_bytes() == data


@needs_7zip
def test_hfs_compressed_files_are_read_by_7zip(mount_mode, hdiutil, source, tmp_path):
    """HFS+ compression (decmpfs, as ditto keeps it when it copies compressed files into an
    image): machbox writes zlib-compressed files (inline in the attribute, and in the
    resource fork for large ones); 7-Zip decodes each by its method; attach reads them."""
    from machbox.dmg import hfsplus_write, udif

    with open(tmp_path / "vol", "w+b") as f:
        hfsplus_write.write_volume(str(source), "Squeezed", f, compress=True)
        f.seek(0)
        volume = f.read()
    image = tmp_path / "compressed.dmg"
    part = udif.Partition("disk image (Apple_HFS : 0)", 0, len(volume) // SECTOR,
                          lambda offset, size: volume[offset:offset + size])
    udif.write_image(str(image), [part], "UDZO")
    methods = {}
    for block in seven_zip("l", "-slt", image).stdout.split("\n\n"):
        fields = dict(line.split(" = ", 1) for line in block.splitlines() if " = " in line)
        if fields.get("Path", "").startswith("Squeezed/"):
            methods[fields["Path"][len("Squeezed/"):]] = fields.get("Method")
    assert methods["README.txt"] == "ZLIB-attr" and methods["big.bin"] == "ZLIB-rsrc", methods
    seven_zip("x", "-y", f"-o{tmp_path / 'x'}", image)
    assert regular_files(tmp_path / "x" / "Squeezed") == regular_files(source)
    check_attached(hdiutil, image, "Squeezed", source)


# ---- others write, machbox reads -----------------------------------------------------------

@pytest.fixture
def xorriso_image(source, tmp_path):
    """Recorded command: xorriso -as mkisofs -hfsplus -V XVol -o x.iso SOURCE"""
    iso = tmp_path / "x.iso"
    p = subprocess.run(["xorriso", "-as", "mkisofs", "-hfsplus", "-V", "XVol", "-o", str(iso),
                        str(source)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return iso


def check_attached(hdiutil, image, volume_name, source):
    p = hdiutil("attach", image)
    lines = p.stdout.splitlines()
    hfs = [line for line in lines if "\tApple_HFS" in line]
    assert len(hfs) == 1 and hfs[0].endswith(f"\t/Volumes/{volume_name}"), p.stdout
    mounted = hdiutil.prefix / "Volumes" / volume_name
    assert regular_files(mounted) == regular_files(source)
    assert os.readlink(mounted / "link") == "README.txt"
    tool = mounted / "App" / "Contents" / "MacOS" / "tool"
    if hdiutil.mode == "fuse":  # a read-only mount, modes as stored
        assert os.path.ismount(mounted)
        assert os.stat(tool).st_mode & 0o777 == 0o755
        with pytest.raises(OSError) as e:
            open(mounted / "new-file", "w")
        assert e.value.errno == 30  # EROFS
    else:  # extracted: read-only by its modes, executable bits kept
        assert os.stat(tool).st_mode & 0o777 == 0o555
    assert int(os.stat(mounted / "README.txt").st_mtime) == MTIME
    info = hdiutil("info").stdout
    assert f"image-path      : {image}\n" in info and "images          : 1\n" in info
    assert f"\t/Volumes/{volume_name}\n" in info
    whole = lines[0].split()[0]   # the whole disk, /dev/diskN
    assert hdiutil("detach", whole).stdout == f"\"{whole[5:]}\" ejected.\n"
    assert not mounted.exists()
    assert "image-path" not in hdiutil("info").stdout


@needs_xorriso
def test_attach_reads_xorriso_hfsplus(mount_mode, hdiutil, xorriso_image, source):
    p = hdiutil("imageinfo", "-plist", xorriso_image)
    info = plistlib.loads(p.stdout.encode())
    assert info["partitions"]["partition-scheme"] == "Apple"
    names = [x.get("partition-filesystems") for x in info["partitions"]["partitions"]]
    assert {"HFS+": "XVol"} in names
    check_attached(hdiutil, xorriso_image, "XVol", source)


@needs_xorriso
@needs_dpp
@pytest.mark.parametrize("compression", ["raw", "zlib", "bzip2", "lzfse"])
def test_attach_reads_dpp_built_udif(mount_mode, hdiutil, xorriso_image, source, tmp_path,
                                     compression):
    """dpp-py's DmgBuilder wraps xorriso's disk in a UDIF of the given chunk compression."""
    import dpp

    if compression == "lzfse" and not _has("liblzfse"):
        pytest.skip("pyliblzfse not installed (issue 8: a test extra in pyproject.toml)")
    dmg = tmp_path / f"dpp-{compression}.dmg"
    builder = dpp.DmgBuilder()
    builder.compression = compression
    builder.add_partition("whole disk", xorriso_image.read_bytes())
    builder.build(str(dmg))
    verify = hdiutil("verify", dmg)
    assert verify.stdout.endswith(f"checksum of \"{dmg}\" is VALID\n")
    check_attached(hdiutil, dmg, "XVol", source)


@needs_mkapfs
def test_attach_reads_mkapfs_container(mount_mode, hdiutil, tmp_path):
    """Recorded command: mkapfs -L "Empty APFS" apfs.img (a 600 MB sparse file; mkapfs refuses
    small containers). apfsprogs has no tool that adds files, so the volume is empty: this
    covers the checkpoint, object maps, volume superblock and file-system tree root."""
    image = tmp_path / "apfs.img"
    with open(image, "wb") as f:
        f.truncate(600 << 20)
    p = subprocess.run([MKAPFS, "-L", "Empty APFS", str(image)], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    info = plistlib.loads(hdiutil("imageinfo", "-plist", image).stdout.encode())
    assert info["partitions"]["partitions"][0]["partition-filesystems"] == {
        "APFS": "Empty APFS"}
    dmg = tmp_path / "apfs.dmg"
    hdiutil("convert", image, "-format", "UDZO", "-o", dmg)
    if SEVEN_ZIP:
        assert "Everything is Ok" in seven_zip("t", "-tdmg", dmg).stdout
    for source in (image, dmg):
        p = hdiutil("attach", "-plist", source)
        entity = plistlib.loads(p.stdout.encode())["system-entities"][0]
        assert (entity["mount-point"], entity["volume-kind"]) == ("/Volumes/Empty APFS", "apfs")
        mounted = hdiutil.prefix / "Volumes" / "Empty APFS"
        assert sorted(os.listdir(mounted)) == ([] if hdiutil.mode == "fuse"
                                               else [".machbox-attached"])
        if _has("dpp"):  # dpp-py's APFS reader agrees: an empty root
            import dpp

            with dpp.ApfsVolume.open(str(image)) as volume:
                assert list(volume.list_directory("/")) == []
        hdiutil("detach", "/Volumes/Empty APFS")


def test_imageinfo_lists_the_gpt_layout(hdiutil, source, tmp_path):
    """The synthesized runs around the partition, in the order and with the names of a macOS
    transcript of `hdiutil imageinfo` on an image of the same GPT layout."""
    image = tmp_path / "x.dmg"
    hdiutil("create", "-srcfolder", source, "-volname", "Info", image)
    info = plistlib.loads(hdiutil("imageinfo", "-plist", image).stdout.encode())
    runs = info["partitions"]["partitions"]
    assert [(r["partition-name"], r["partition-hint"]) for r in runs] == [
        ("Protective Master Boot Record", "MBR"), ("GPT Header", "Primary GPT Header"),
        ("GPT Partition Data", "Primary GPT Table"), ("", "Apple_Free"),
        ("disk image", "Apple_HFS"), ("", "Apple_Free"),
        ("GPT Partition Data", "Backup GPT Table"), ("GPT Header", "Backup GPT Header")]
    assert [r["partition-start"] for r in runs[:5]] == [0, 1, 2, 34, 40]
    assert runs[4]["partition-hint-UUID"] == "48465300-0000-11AA-AA11-00306543ECAC"
    assert runs[4]["partition-filesystems"] == {"HFS+": "Info"}
    ends = [r["partition-start"] + r["partition-length"] for r in runs]
    assert ends[:-1] == [r["partition-start"] for r in runs[1:]]   # contiguous
    assert ends[-1] == info["Size Information"]["Sector Count"]
    assert info["Format"] == "UDZO" and info["Checksum Type"] == "CRC32"
    text = hdiutil("imageinfo", image).stdout
    assert "\t\t4:\n\t\t\tpartition-UUID: " in text and "\tpartition-scheme: GUID\n" in text


@pytest.mark.parametrize("src_fmt,dst_fmt", [("UDZO", "UDBZ"), ("UDBZ", "UDRO"),
                                             ("UDRO", "UDCO"), ("UDCO", "UDZO")])
def test_convert_keeps_the_disk(hdiutil, source, tmp_path, src_fmt, dst_fmt):
    from machbox.dmg import udif

    first, second = tmp_path / "a.dmg", tmp_path / "b.dmg"
    hdiutil("create", "-srcfolder", source, "-format", src_fmt, first)
    p = hdiutil("convert", first, "-format", dst_fmt, "-o", tmp_path / "b")
    assert p.stdout == f"created: {second}\n"
    assert hdiutil("imageinfo", "-format", second).stdout == f"{dst_fmt}\n"
    with udif.open_image(str(first)) as a, udif.open_image(str(second)) as b:
        assert a.size == b.size and a.read(0, a.size) == b.read(0, b.size)
    if SEVEN_ZIP:
        assert "Everything is Ok" in seven_zip("t", second).stdout


# ---- bad input -----------------------------------------------------------------------------

def test_corruption_is_found(hdiutil, source, tmp_path):
    good = tmp_path / "good.dmg"
    hdiutil("create", "-srcfolder", source, "-format", "UDRO", good)
    data = bytearray(good.read_bytes())
    data[40 * SECTOR + 1024 + 64] ^= 0xFF        # inside the HFS+ volume header
    bad = tmp_path / "bad.dmg"
    bad.write_bytes(data)
    p = hdiutil("verify", bad, check=False)
    assert p.returncode == 1
    assert p.stderr == f'hdiutil: verify failed - checksum of "{bad}" is INVALID\n'
    assert "disk image (Apple_HFS : 4): checksum mismatch" in p.stdout
    p = hdiutil("attach", bad, check=False)
    assert (p.returncode, p.stderr) == (1, "hdiutil: attach failed - corrupt image "
                                           "(checksum mismatch)\n")
    if SEVEN_ZIP:  # the oracle agrees that it is broken
        p = seven_zip("t", "-tdmg", bad)
        assert p.returncode != 0 and "CRC Failed : 4.hfs" in p.stderr, p.stdout


@pytest.mark.parametrize("case", ["missing", "directory", "truncated", "junk", "bad-zlib",
                                  "bad-plist"])
def test_bad_images_fail_cleanly(hdiutil, source, tmp_path, case):
    good = tmp_path / "good.dmg"
    hdiutil("create", "-srcfolder", source, good)
    data = good.read_bytes()
    image = tmp_path / "image.dmg"
    if case == "directory":
        image = tmp_path
    elif case == "truncated":
        image.write_bytes(data[:len(data) // 2])
    elif case == "junk":
        image.write_bytes(os.urandom(64 * 1024))
    elif case == "bad-zlib":
        raw = bytearray(data)
        raw[80 * SECTOR // 4] ^= 0x55     # somewhere in the compressed chunks
        image.write_bytes(raw)
    elif case == "bad-plist":
        xml = data.find(b"<?xml")
        image.write_bytes(data[:xml] + b"<plist>nonsense" + data[xml + 15:])
    expected = {"missing": "No such file or directory",
                "directory": "image not recognized (a directory)",
                "truncated": "image not recognized", "junk": "image not recognized",
                "bad-plist": "image property list is unreadable"}
    for verb in ("attach", "imageinfo", "verify"):
        p = hdiutil(verb, image, check=False)
        if verb == "imageinfo" and case in ("truncated", "junk", "bad-zlib"):
            # any file is a raw disk image to imageinfo, which reads no checksums
            assert p.returncode == 0
            continue
        assert p.returncode == 1, (verb, p.stdout)
        assert p.stderr.startswith(f"hdiutil: {verb} failed - "), p.stderr
        if case in expected and not (verb == "verify" and case in ("truncated", "junk")):
            assert expected[case] in p.stderr, p.stderr
    assert not any((hdiutil.prefix / "Volumes").glob("Payload*"))


def _read_everything(read, size):
    from machbox.dmg import filesystems, partitions

    for part in partitions.read_map(read, size).partitions:
        if filesystems.mountable(part.type):
            volume = filesystems.open_volume(read, part.type, part.offset, part.size)
            for _, entry in volume.walk():
                entry = volume.resolve(entry)
                if not entry.is_dir and entry.data:
                    for _ in volume.read_fork(entry.data, entry.cnid):
                        pass


def test_mutated_volumes_fail_cleanly(source, tmp_path):
    """Random bytes changed in an HFS+ volume's metadata (the header, bitmap, B-trees) and in
    its UDIF container: reading fails with ImageError (hdiutil's one-line failure) or
    succeeds, never with another exception."""
    import random

    from machbox.dmg import ImageError, hfsplus_write, udif

    with open(tmp_path / "vol", "w+b") as f:
        hfsplus_write.write_volume(str(source), "Fuzz", f)
        f.seek(0)
        volume = f.read()
    rng = random.Random(8)
    metadata_end = volume.find(b"file number 0")  # the file data starts after the catalog
    assert metadata_end > 0
    for _ in range(300):
        data = bytearray(volume)
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(1024, metadata_end)] = rng.randrange(256)

        def read(offset, size, data=data):
            if offset + size > len(data):
                raise ImageError("past the end")
            return bytes(data[offset:offset + size])

        try:
            _read_everything(read, len(data))
        except ImageError:
            pass
    image = tmp_path / "x.dmg"
    part = udif.Partition("disk image (Apple_HFS : 0)", 0, len(volume) // SECTOR,
                          lambda offset, size: volume[offset:offset + size])
    udif.write_image(str(image), [part], "UDZO")
    dmg = image.read_bytes()
    for i in range(150):
        data = bytearray(dmg)
        if i % 5 == 0:
            data = data[:rng.randrange(len(data))]
        else:   # the trailer and the property list before it
            for _ in range(rng.randint(1, 4)):
                data[len(data) - 1 - rng.randrange(min(len(data), 6000))] = rng.randrange(256)
        (tmp_path / "m.dmg").write_bytes(data)
        try:
            with udif.open_image(str(tmp_path / "m.dmg")) as disk:
                _read_everything(disk.read, disk.size)
        except ImageError:
            pass


@needs_7zip
def test_case_sensitive_volume(hdiutil, tmp_path):
    src = tmp_path / "cases"
    src.mkdir()
    (src / "a.txt").write_text("lower\n")
    (src / "A.txt").write_text("upper\n")
    p = hdiutil("create", "-srcfolder", src, tmp_path / "ci", check=False)
    assert p.returncode == 1 and "are one name on a case-insensitive volume" in p.stderr
    assert not (tmp_path / "ci.dmg").exists()
    image = tmp_path / "cs.dmg"
    hdiutil("create", "-srcfolder", src, "-fs", "Case-sensitive HFS+", image)
    assert "Everything is Ok" in seven_zip("t", image).stdout
    seven_zip("x", "-y", f"-o{tmp_path / 'x'}", image)
    assert regular_files(tmp_path / "x" / "cases") == {"a.txt": b"lower\n", "A.txt": b"upper\n"}
    hdiutil("attach", image)
    assert regular_files(hdiutil.prefix / "Volumes" / "cases") == {"a.txt": b"lower\n",
                                                                   "A.txt": b"upper\n"}
    from machbox.dmg import udif

    with udif.open_image(str(image)) as disk:
        assert disk.read(40 * SECTOR + 1024, 4) == b"HX\x00\x05"   # HFSX, version 5


def test_usage_and_errors(hdiutil, source, tmp_path):
    p = hdiutil("frobnicate", check=False)
    assert p.returncode == 1 and p.stderr.startswith('hdiutil: unknown verb "frobnicate"')
    out = tmp_path / "x.dmg"
    hdiutil("create", "-srcfolder", source, out)
    p = hdiutil("create", "-srcfolder", source, out, check=False)
    assert (p.returncode, p.stderr) == (1, "hdiutil: create failed - File exists\n")
    hdiutil("create", "-ov", "-srcfolder", source, out)
    p = hdiutil("create", "-srcfolder", source, "-fs", "APFS", tmp_path / "y", check=False)
    assert p.returncode == 1 and "APFS is not supported" in p.stderr
    p = hdiutil("detach", "disk42", check=False)
    assert (p.returncode, p.stderr) == (1, "hdiutil: detach failed - No such file or "
                                           "directory\n")


def test_attach_names_a_second_volume_like_disk_arbitration(mount_mode, hdiutil, source,
                                                            tmp_path):
    out = tmp_path / "x.dmg"
    hdiutil("create", "-srcfolder", source, "-volname", "Same", out)
    first = hdiutil("attach", out).stdout
    second = hdiutil("attach", out).stdout
    assert first.rstrip().endswith("/Volumes/Same") and second.rstrip().endswith(
        "/Volumes/Same 1")
    assert first.startswith("/dev/disk4 ") and second.startswith("/dev/disk5 ")
    plist = plistlib.loads(hdiutil("info", "-plist").stdout.encode())
    assert [img["image-path"] for img in plist["images"]] == [str(out), str(out)]
    hdiutil("detach", "/Volumes/Same 1")
    hdiutil("detach", "/dev/disk4")
    assert not (hdiutil.prefix / "Volumes" / "Same").exists()


def test_extraction_shows_progress_on_a_terminal(machbox_cmd, source, tmp_path):
    import pty

    env = dict(os.environ, MACHBOX_PREFIX=str(tmp_path / "prefix"), MACHBOX_HDIUTIL_FUSE="0")
    image = tmp_path / "x.dmg"
    subprocess.run(machbox_cmd + ["tool", "hdiutil", "create", "-srcfolder", str(source),
                                  str(image)], check=True, capture_output=True, env=env)
    master, slave = pty.openpty()
    p = subprocess.Popen(machbox_cmd + ["tool", "hdiutil", "attach", str(image)], env=env,
                         stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the other side closed
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    out, _ = p.communicate(timeout=120)
    assert p.returncode == 0
    assert b"\rAttaching Payload [" in shown and shown.rstrip().endswith(b"] 100%"), shown
    assert out.decode().endswith("\t/Volumes/Payload\n")
    # not on a terminal: no bar (the other attach tests capture stderr and see none)
    quiet = subprocess.run(machbox_cmd + ["tool", "hdiutil", "attach", str(image)], env=env,
                           capture_output=True, text=True)
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_attach_options(hdiutil, source, tmp_path):
    image = tmp_path / "x.dmg"
    hdiutil("create", "-srcfolder", source, "-volname", "Opt", image)
    p = hdiutil("attach", "-nomount", "-nobrowse", image)   # devices only
    assert p.stdout.splitlines()[1].split() == ["/dev/disk4s1", "Apple_HFS"]
    assert not (hdiutil.prefix / "Volumes" / "Opt").exists()
    hdiutil("detach", "disk4")
    here = tmp_path / "mnt"
    p = hdiutil("attach", "-mountpoint", here, image)
    assert p.stdout.rstrip().endswith(f"\t{here}") and (here / "README.txt").is_file()
    roots = tmp_path / "roots"
    roots.mkdir()
    p = hdiutil("attach", "-mountroot", roots, image)
    assert p.stdout.rstrip().endswith(f"\t{roots}/Opt") and (roots / "Opt" / "empty").exists()
    hdiutil("detach", here)
    hdiutil("detach", roots / "Opt")
    assert not here.exists() and not (roots / "Opt").exists()
    p = hdiutil("attach", "-frobnicate", image, check=False)
    assert (p.returncode, p.stderr) == (1, "hdiutil: attach failed - unknown option "
                                           "-frobnicate\n")


def test_concurrent_attaches_get_distinct_disks(machbox_cmd, hdiutil, source, tmp_path):
    image = tmp_path / "x.dmg"
    hdiutil("create", "-srcfolder", source, "-volname", "Same", image)
    env = dict(os.environ, MACHBOX_PREFIX=str(hdiutil.prefix), MACHBOX_HDIUTIL_FUSE="0")
    cmd = machbox_cmd + ["tool", "hdiutil", "attach", str(image)]
    runs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in runs]
    assert all(p.returncode == 0 for p in runs), outs
    disks = sorted(out.split()[0] for out, _ in outs)
    mounts = sorted(out.rstrip().split("\t")[-1] for out, _ in outs)
    assert disks == ["/dev/disk4", "/dev/disk5", "/dev/disk6"]
    assert mounts == ["/Volumes/Same", "/Volumes/Same 1", "/Volumes/Same 2"]
    assert hdiutil("info").stdout.count("image-path      : ") == 3


def test_prefix_has_hdiutil(hdiutil, source, tmp_path):
    hdiutil("info")
    script = hdiutil.prefix / "usr" / "bin" / "hdiutil"
    env = dict(os.environ, MACHBOX_PREFIX=str(hdiutil.prefix))
    p = subprocess.run([str(script), "info"], capture_output=True, text=True, timeout=60,
                       env=env)
    assert p.returncode == 0 and p.stdout.startswith("framework       : "), p.stderr
    if _has("liblzfse"):  # the script runs Python without site; hdiutil still finds it
        p = subprocess.run([str(script), "create", "-srcfolder", str(source), "-format",
                            "ULFO", str(tmp_path / "lz")], capture_output=True, text=True,
                           timeout=120, env=env)
        assert p.returncode == 0, p.stderr


def test_adc_codec_round_trip():
    from machbox.dmg import codecs

    samples = [b"", b"a", b"abcabcabcabcabc" * 100, os.urandom(5000),
               bytes(70_000) + b"tail", (b"x" * 3 + b"y") * 5000]
    for data in samples:
        packed = codecs.adc_compress(data)
        assert codecs.adc_decompress(packed, len(data)) == data
