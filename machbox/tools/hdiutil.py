"""hdiutil: disk images, as macOS's hdiutil(1) handles them, for UDIF (.dmg) and raw images
holding HFS+ volumes in GPT, APM, MBR or no partition map.

    hdiutil attach IMAGE [-mountpoint DIR] [-noverify] [-nobrowse] [-readonly] [-plist]
    hdiutil detach DEVICE|MOUNTPOINT [-force]          (eject: the same)
    hdiutil info [-plist]
    hdiutil imageinfo IMAGE [-format|-checksum] [-plist]
    hdiutil verify IMAGE [-quiet]
    hdiutil create -srcfolder DIR [-volname NAME]
                   [-format UDZO|UDBZ|ULFO|ULMO|UDCO|UDRO|UDRW|UDTO]
                   [-fs HFS+|HFSX] [-layout GPTSPUD|SPUD|NONE] [-ov] OUT[.dmg]
    hdiutil convert IMAGE -format FORMAT -o OUT[.dmg] [-ov]

attach mounts each HFS+ volume read-only at /Volumes/NAME in the prefix: through FUSE when the
host allows it (fusepy and libfuse2, /dev/fuse usable), otherwise by extracting the volume
there (with a progress bar on a terminal). The attached images are listed in the prefix's
private/var/db/hdiutil-attached.plist, which is how info lists them and detach removes only
what attach made. Failures print "hdiutil: VERB failed - REASON" and exit 1, as hdiutil does.
"""

from __future__ import annotations

import contextlib
import os
import plistlib
import sys
import zlib

from machbox.dmg import ImageError, codecs, filesystems, partitions, udif

EXIT_FAILED = 1
FRAMEWORK_VERSION = "683.160.3"   # DiskImages of macOS 15
ICON_PATH = "/System/Library/PrivateFrameworks/DiskImages.framework/Resources/CDiskImage.icns"
REGISTRY = "private/var/db/hdiutil-attached.plist"
FIRST_DISK = 4                    # disk0..3 are a Mac's own
USAGE = """Usage: hdiutil <verb> <options>
<verb> is one of the following:
attach     \tdetach     \teject      \tinfo
imageinfo  \tverify     \tcreate     \tconvert
help
"""


class Failure(Exception):
    """A verb failed; the message is the reason hdiutil prints."""


# create -fs NAME -> case-sensitive (HFSX); journaled ones are written without a journal
FILE_SYSTEMS = {"HFS+": False, "HFS+J": False, "Journaled HFS+": False, "HFSX": True,
                "Case-sensitive HFS+": True, "Case-sensitive Journaled HFS+": True}
COMMON_FLAGS = {"-quiet", "-verbose", "-debug", "-plist", "-puppetstrings"}
# per verb: (flags, options taking a value); a flag listed but not acted on is accepted as
# hdiutil accepts it, with no effect here (-nobrowse: no Finder to hide the volume from)
VERB_OPTIONS = {
    "attach": ({"-noverify", "-verify", "-nobrowse", "-browse", "-readonly", "-noautoopen",
                "-autoopen", "-noautofsck", "-autofsck", "-nomount", "-ignorebadchecksums",
                "-noidme", "-idme"},
               {"-mountpoint", "-mountroot", "-imagekey", "-owners", "-mount"}),
    "detach": ({"-force"}, set()),
    "info": (set(), set()),
    "imageinfo": ({"-format", "-checksum"}, {"-imagekey"}),
    "verify": (set(), {"-imagekey"}),
    "create": ({"-ov", "-nospotlight", "-spotlight", "-anyowners", "-noanyowners",
                "-skipunreadable", "-crossdev", "-nocrossdev", "-scrub", "-noscrub"},
               {"-srcfolder", "-volname", "-format", "-fs", "-layout", "-size", "-imagekey",
                "-fsargs", "-uid", "-gid", "-mode", "-type"}),
    "convert": ({"-ov"}, {"-format", "-o", "-imagekey", "-srcimagekey", "-tgtimagekey"}),
}


class Options:
    """Verb arguments: flags, valued options and the positional ones, in hdiutil's syntax
    (single dash, long names; ``-o`` and ``-format`` take a value)."""

    def __init__(self, args: list[str], flags: set[str], valued: set[str]):
        self.flags: set[str] = set()
        self.values: dict[str, str] = {}
        self.positional: list[str] = []
        i = 0
        while i < len(args):
            arg = args[i]
            if arg in valued:
                if i + 1 >= len(args):
                    raise Failure(f"{arg} needs a value")
                self.values[arg] = args[i + 1]
                i += 2
                continue
            if arg.startswith("-") and len(arg) > 1:
                if arg not in flags and arg not in COMMON_FLAGS:
                    raise Failure(f"unknown option {arg}")
                self.flags.add(arg)
            else:
                self.positional.append(arg)
            i += 1

    def one(self, what: str) -> str:
        if len(self.positional) != 1:
            raise Failure(f"exactly one {what} is needed")
        return self.positional[0]


def _site_packages() -> None:
    """The prefix's /usr/bin scripts run Python with -S (no site-packages, for speed); the
    optional packages hdiutil uses (pyliblzfse, fusepy) live there."""
    if sys.flags.no_site:
        import site

        site.main()


def main(args: list[str]) -> int:
    _site_packages()
    if not args or args[0] in ("help", "-help", "-h"):
        (sys.stdout if args else sys.stderr).write(USAGE)
        return 0 if args else EXIT_FAILED
    verb, rest = args[0], args[1:]
    handler = VERBS.get(verb)
    if handler is None:
        sys.stderr.write(f"hdiutil: unknown verb \"{verb}\"\n{USAGE}")
        return EXIT_FAILED
    try:
        flags, valued = VERB_OPTIONS[VERB_NAMES.get(verb, verb)]
        return handler(Options(rest, flags, valued))
    except (Failure, ImageError) as e:
        sys.stderr.write(f"hdiutil: {VERB_NAMES.get(verb, verb)} failed - {e}\n")
    except BrokenPipeError:  # output to a closed pipe (`| head`): stop quietly
        sys.stderr.close()
    except OSError as e:
        sys.stderr.write(f"hdiutil: {VERB_NAMES.get(verb, verb)} failed - "
                         f"{e.strerror or e}\n")
    except KeyboardInterrupt:
        sys.stderr.write(f"hdiutil: {VERB_NAMES.get(verb, verb)} failed - interrupted\n")
    return EXIT_FAILED


# ---- opening images ------------------------------------------------------------------------

def open_image(path: str) -> udif.Disk:
    if not os.path.exists(path):
        raise Failure("No such file or directory")
    if os.path.isdir(path):
        raise Failure("image not recognized (a directory)")
    disk = udif.open_image(path)
    if disk.trailer is None and disk.size < 4096:
        disk.close()
        raise Failure("image not recognized")
    return disk


def checksum_blocks(disk: udif.Disk, report=None) -> bool:
    """Checks every blkx checksum and the data fork's; ``report(name, expected, actual)``."""
    ok = True
    for block in disk.blocks:
        crc = 0
        for piece in disk.block_bytes(block):
            crc = zlib.crc32(piece, crc)
        good = block.checksum_type != udif.CHECKSUM_CRC32 or crc == block.checksum
        ok &= good
        if report:
            report(block.name, block, crc, good)
    t = disk.trailer
    if t and t.data_checksum_type == udif.CHECKSUM_CRC32:
        ok &= udif.data_fork_checksum(disk) == t.data_checksum
    if t and t.master_checksum_type == udif.CHECKSUM_CRC32:
        ok &= udif.master_checksum(disk.blocks) == t.master_checksum
    return ok


# ---- verify --------------------------------------------------------------------------------

def verify(opts: Options) -> int:
    path = opts.one("image")
    quiet = "-quiet" in opts.flags
    with open_image(path) as disk:
        if disk.trailer is None:
            raise Failure("image has no checksum (not a UDIF image)")

        def report(name, block, crc, good):
            if quiet:
                return
            # hdiutil's own shape: the name right-aligned in (and cut to) 36 columns
            sys.stdout.write(f"Checksumming {name}\u2026\n")
            word = "verified" if good else "checksum mismatch"
            sys.stdout.write(f"{name[:36]:>36}: {word}   CRC32 ${crc:08X}\n")

        ok = checksum_blocks(disk, report)
        name = path  # as typed, as hdiutil names it
        if not ok:
            raise Failure(f"checksum of \"{name}\" is INVALID")
        if not quiet:
            sys.stdout.write(f"verified   CRC32 ${disk.trailer.master_checksum:08X}\n")
            sys.stdout.write(f"hdiutil: verify: checksum of \"{name}\" is VALID\n")
    return 0


# ---- imageinfo -----------------------------------------------------------------------------

def image_info(path: str, disk: udif.Disk) -> dict:
    pmap = partitions.read_map(disk.read, disk.size)
    fmt = disk.format
    described = udif.FORMATS.get(fmt, (0, "raw read/write"))[1]
    if fmt == "UDTO":
        described = "DVD/CD-R master for export"
    stored = sum(c.length for b in disk.blocks for c in b.chunks)
    empty = sum(c.count for b in disk.blocks for c in b.chunks
                if c.kind in (codecs.ZERO_FILL, codecs.IGNORE)) * udif.SECTOR
    compressed = disk.trailer is not None and fmt != "UDRO"
    info = {
        "Format Description": described,
        "Class Name": "CUDIFDiskImage" if disk.trailer else "CRawDiskImage",
        "Checksum Type": "CRC32" if disk.trailer else "none",
        "Size Information": {
            "Total Bytes": disk.size,
            "Sector Count": disk.size // udif.SECTOR,
            "Total Empty Bytes": empty,
            "Total Non-Empty Bytes": disk.size - empty,
            "Compressed Bytes": stored if disk.trailer else disk.size,
            "Compressed Ratio": round(stored / disk.size, 6) if disk.size else 0,
        },
        "Format": fmt,
        "Backing Store Information": {"URL": "file://" + os.path.abspath(path),
                                      "Name": os.path.basename(path),
                                      "Class Name": "CBSDBackingStore"},
        "Properties": {"Encrypted": False, "Kernel Compatible": True,
                       "Checksummed": disk.trailer is not None,
                       "Software License Agreement": False,
                       "Partitioned": pmap.scheme != "none", "Compressed": compressed},
        "Segments": {"0": os.path.abspath(path)},
        "partitions": {"partition-scheme": _scheme_short(pmap.scheme), "block-size": 512,
                       "partitions": _partition_info(disk, pmap),
                       "burnable": pmap.scheme == "none"},
    }
    if disk.trailer:
        info["Checksum Value"] = f"${disk.trailer.master_checksum:08X}"
    return info


def _scheme_short(scheme: str) -> str:
    return {"GUID_partition_scheme": "GUID", "Apple_partition_scheme": "Apple",
            "FDisk_partition_scheme": "FDisk"}.get(scheme, "none")


def _partition_info(disk: udif.Disk, pmap: partitions.Map) -> list[dict]:
    """imageinfo's "partitions" array (printed as 0:, 1:, ...)."""
    out = []
    for entry in partitions.listing(pmap, disk.size // udif.SECTOR):
        part = entry.pop("source", None)
        name = _volume_name(disk, part) if part is not None else None
        if name is not None:
            entry["partition-filesystems"] = {filesystems.display_name(part.type): name}
        out.append(entry)
    return out


def _volume_name(disk: udif.Disk, part: partitions.Partition) -> str | None:
    if not filesystems.mountable(part.type):
        return None
    try:
        return filesystems.open_volume(disk.read, part.type, part.offset, part.size).name
    except ImageError:
        return None


def _render_text(value, indent: int = 0) -> str:
    out = []
    pad = "\t" * indent
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if isinstance(item, (dict, list)):
            out.append(f"{pad}{key}:\n{_render_text(item, indent + 1)}")
        else:
            text = str(item).lower() if isinstance(item, bool) else item
            out.append(f"{pad}{key}: {text}\n")
    return "".join(out)


def imageinfo(opts: Options) -> int:
    path = opts.one("image")
    with open_image(path) as disk:
        if "-format" in opts.flags:
            sys.stdout.write(disk.format + "\n")
            return 0
        if "-checksum" in opts.flags:
            value = f"CRC32 ${disk.trailer.master_checksum:08X}" if disk.trailer else "none"
            sys.stdout.write(value + "\n")
            return 0
        info = image_info(path, disk)
    if "-plist" in opts.flags:
        sys.stdout.write(plistlib.dumps(info).decode())
    else:
        sys.stdout.write(_render_text(info))
    return 0


# ---- create / convert ----------------------------------------------------------------------

def _target(path: str, overwrite: bool, fmt: str = "UDZO") -> str:
    if not path.endswith((".dmg", ".img", ".cdr", ".iso", ".sparseimage")):
        path += udif.RAW_FORMATS.get(fmt, ".dmg")
    if os.path.exists(path):
        if not overwrite:
            raise Failure("File exists")
        os.unlink(path)
    return path


def create(opts: Options) -> int:
    from machbox.dmg import create as make

    src = opts.values.get("-srcfolder")
    if src is None:
        raise Failure("only create -srcfolder is supported")
    fs = opts.values.get("-fs", "HFS+")
    if fs not in FILE_SYSTEMS:
        raise Failure(f"file system {fs} is not supported (HFS+ and HFSX are)")
    if not os.path.isdir(src):
        raise Failure(f"{src}: No such file or directory")
    fmt = opts.values.get("-format", "UDZO")
    out = _target(opts.one("target image"), "-ov" in opts.flags, fmt)
    volname = opts.values.get("-volname") or os.path.basename(os.path.abspath(src))
    return _write(out, make.create_from_folder, src, out, volname, fmt,
                  opts.values.get("-layout", "GPTSPUD"), None, FILE_SYSTEMS[fs])


def convert(opts: Options) -> int:
    from machbox.dmg import create as make

    src = opts.one("source image")
    if "-o" not in opts.values or "-format" not in opts.values:
        raise Failure("convert needs -format FORMAT and -o OUTPUT")
    with open_image(src):
        pass
    out = _target(opts.values["-o"], "-ov" in opts.flags, opts.values["-format"])
    return _write(out, make.convert, src, out, opts.values["-format"])


def _write(out: str, maker, *args) -> int:
    """Runs ``maker``; a failed or interrupted write leaves no half image behind."""
    try:
        maker(*args)
    except BaseException:
        if os.path.exists(out):
            os.unlink(out)
        raise
    sys.stdout.write(f"created: {os.path.abspath(out)}\n")
    return 0


# ---- the registry of attached images -------------------------------------------------------

def prefix_root() -> str:
    from machbox.vfs import prefix

    return prefix.ensure(prefix.default_path(), quiet=True)


def _registry_path() -> str:
    return os.path.join(prefix_root(), REGISTRY)


@contextlib.contextmanager
def registry_lock():
    """Serialises attach and detach of one prefix. A POSIX record lock: a FUSE server forked
    while it is held does not inherit it."""
    import fcntl

    path = _registry_path() + ".lock"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def load_registry() -> list[dict]:
    try:
        with open(_registry_path(), "rb") as f:
            return plistlib.load(f).get("images", [])
    except (OSError, plistlib.InvalidFileException, AttributeError):
        return []


def save_registry(images: list[dict]) -> None:
    path = _registry_path()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}"
    with open(tmp, "wb") as f:
        plistlib.dump({"images": images}, f)
    os.replace(tmp, path)


def _free_disk_number(images: list[dict]) -> int:
    used = {img.get("disk") for img in images}
    n = FIRST_DISK
    while n in used:
        n += 1
    return n


def _mount_point(base: str, name: str, images: list[dict], entities: list[dict]) -> str:
    """BASE/NAME, or NAME 1, NAME 2... when taken, as Disk Arbitration names them; BASE is
    /Volumes (in the prefix) or a -mountroot directory."""
    taken = {e.get("mount-point") for img in images for e in img.get("system-entities", [])}
    taken |= {e.get("mount-point") for e in entities}
    in_prefix = base == "/Volumes"
    root = prefix_root() if in_prefix else ""
    safe = name.replace("/", ":") or "Untitled"
    candidate, n = f"{base}/{safe}", 0
    while candidate in taken or os.path.lexists(root + candidate if in_prefix else candidate):
        n += 1
        candidate = f"{base}/{safe} {n}"
    return candidate


# ---- attach / detach / info ----------------------------------------------------------------

def attach(opts: Options) -> int:
    path = os.path.abspath(opts.one("image"))
    root = prefix_root()
    with open_image(path) as disk:
        if disk.trailer and not {"-noverify", "-ignorebadchecksums"} & opts.flags and \
                not checksum_blocks(disk):
            raise Failure("corrupt image (checksum mismatch)")
        pmap = partitions.read_map(disk.read, disk.size)
        with registry_lock():
            return _attach_locked(path, disk, pmap, opts, root)


def _attach_locked(path: str, disk: udif.Disk, pmap: partitions.Map, opts: Options,
                   root: str) -> int:
    images = load_registry()
    number = _free_disk_number(images)
    entities = []
    if pmap.scheme != "none":
        entities.append({"dev-entry": f"/dev/disk{number}", "content-hint": pmap.scheme,
                         "potentially-mountable": False})
    try:
        for index, part in enumerate(pmap.partitions, 1):
            if part.type == "Apple_Free":
                continue  # free space gets no device node
            dev = (f"/dev/disk{number}s{index}" if pmap.scheme != "none"
                   else f"/dev/disk{number}")
            entities.append(_attach_partition(disk, part, dev, opts, root, images,
                                              entities))
    except BaseException:
        _unmount_all(entities)
        raise
    if not any(e["potentially-mountable"] for e in entities):
        raise Failure("image not recognized" if disk.trailer is None
                      else "no mountable file systems")
    images.append({"image-path": path, "disk": number, "pid": os.getpid(),
                   "sectors": disk.size // udif.SECTOR,
                   "format": disk.format, "system-entities": entities})
    save_registry(images)
    if "-plist" in opts.flags:
        sys.stdout.write(plistlib.dumps({"system-entities": [_public(e) for e in entities]})
                         .decode())
    else:
        for e in entities:
            sys.stdout.write(_device_line(e))
    return 0


def _attach_partition(disk, part, dev: str, opts: Options, root: str, images: list[dict],
                      entities: list[dict]) -> dict:
    from machbox.dmg import mount

    entity = {"dev-entry": dev, "content-hint": part.type,
              "potentially-mountable": filesystems.mountable(part.type)}
    if part.guid:
        entity["content-guid"] = part.guid
    if not filesystems.mountable(part.type) or "-nomount" in opts.flags or \
            opts.values.get("-mount") == "suppressed":
        return entity
    volume = filesystems.open_volume(disk.read, part.type, part.offset, part.size)
    first = not any("mount-point" in e for e in entities)
    if first and "-mountpoint" in opts.values:
        mount_point = host = os.path.abspath(opts.values["-mountpoint"])
        if mount_point.startswith("/Volumes/"):  # macOS's /Volumes is the prefix's
            host = os.path.join(root, mount_point.lstrip("/"))
    elif "-mountroot" in opts.values:
        base = os.path.abspath(opts.values["-mountroot"])
        mount_point = host = _mount_point(base, volume.name, images, entities)
    else:
        mount_point = _mount_point("/Volumes", volume.name, images, entities)
        host = os.path.join(root, mount_point.lstrip("/"))
    method, server = mount.mount(volume, host, progress=sys.stderr.isatty() and
                                 "-quiet" not in opts.flags, reopen=disk.reopen)
    entity.update({"mount-point": mount_point, "volume-kind": filesystems.volume_kind(part.type),
                   "host-path": host, "method": method, "server-pid": server})
    return entity


def _unmount_all(entities: list[dict]) -> None:
    from machbox.dmg import mount

    for entity in entities:
        if "host-path" in entity:
            try:
                mount.unmount(entity["host-path"], entity["method"], force=True,
                              pid=entity.get("server-pid", 0))
            except (ImageError, OSError):
                pass


def _public(entity: dict) -> dict:
    return {k: v for k, v in entity.items() if k not in ("host-path", "method", "server-pid",
                                                         "content-guid")}


def _device_line(entity: dict) -> str:
    """attach's line: the device padded to 20 columns, the content to 31, the mount point."""
    if "mount-point" not in entity:
        return f"{entity['dev-entry']:<20}\t{entity['content-hint']}\n"
    return f"{entity['dev-entry']:<20}\t{entity['content-hint']:<31}\t{entity['mount-point']}\n"


def detach(opts: Options) -> int:

    target = opts.one("device name or mount point")
    with registry_lock():
        return _detach_locked(target, opts)


def _detach_locked(target: str, opts: Options) -> int:
    from machbox.dmg import mount

    images = load_registry()
    root = prefix_root()
    image = _find_attached(images, target, root)
    if image is None:
        raise Failure("No such file or directory")
    for entity in image["system-entities"]:
        if "host-path" in entity:
            mount.unmount(entity["host-path"], entity.get("method", "extracted"),
                          force="-force" in opts.flags, pid=entity.get("server-pid", 0))
    images.remove(image)
    save_registry(images)
    sys.stdout.write(f"\"disk{image['disk']}\" ejected.\n")
    return 0


def _find_attached(images: list[dict], target: str, root: str) -> dict | None:
    name = target[len("/dev/"):] if target.startswith("/dev/") else target
    norm = os.path.abspath(target).rstrip("/")
    for image in images:
        for entity in image["system-entities"]:
            dev = entity["dev-entry"][len("/dev/"):]
            if name == dev or name == f"disk{image['disk']}":
                return image
            if norm in (entity.get("mount-point"), entity.get("host-path")):
                return image
    return None


def info(opts: Options) -> int:
    images = load_registry()
    if "-plist" in opts.flags:
        doc = {"framework": FRAMEWORK_VERSION, "revision": FRAMEWORK_VERSION,
               "vendor": "Apple", "images": [
                   {"image-path": img["image-path"], "image-type": _image_type(img),
                    "writeable": False, "removable": True, "autodiskmount": True,
                    "owner-mode": 0, "system-entities": [_public(e) for e in
                                                         img["system-entities"]]}
                   for img in images]}
        sys.stdout.write(plistlib.dumps(doc).decode())
        return 0
    # the shape of macOS 15's `hdiutil info` (DiskImages 683): "key : value" lines, then a
    # tab-separated line per device, GPT partitions named by their type GUID
    out = [f"framework       : {FRAMEWORK_VERSION}\n", f"driver          : {FRAMEWORK_VERSION}\n",
           f"images          : {len(images)}\n"]
    for img in images:
        out.append("=" * 48 + "\n")
        fields = [("image-path", img["image-path"]), ("image-alias", img["image-path"]),
                  ("shadow-path", "<none>"), ("icon-path", ICON_PATH),
                  ("image-type", _image_type(img)), ("system-image", "false"),
                  ("blockcount", img.get("sectors", 0)), ("blocksize", 512),
                  ("writeable", "false"), ("autodiskmount", "TRUE"), ("removable", "TRUE"),
                  ("image-encrypted", "false"), ("mounting user", _user()),
                  ("mounting mode", "<unknown>"), ("process ID", img.get("pid", 0)),
                  ("framework name", "DiskImages")]
        out += [f"{key:<16}: {value}\n" for key, value in fields]
        for e in img["system-entities"]:
            hint = e.get("content-guid") or e["content-hint"]
            out.append(f"{e['dev-entry']}\t{hint}\t{e.get('mount-point', '')}\n")
    sys.stdout.write("".join(out))
    return 0


def _image_type(img: dict) -> str:
    return {"UDZO": "UDIF read-only compressed (zlib)", "UDBZ":
            "UDIF read-only compressed (bzip2)", "ULFO": "UDIF read-only compressed (lzfse)",
            "UDCO": "UDIF read-only compressed (adc)", "UDRO": "UDIF read-only",
            "ULMO": "UDIF read-only compressed (lzma)"}.get(img.get("format"),
                                                           "read-only disk image")


def _user() -> str:
    import pwd

    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return str(os.getuid())


VERBS = {"attach": attach, "mount": attach, "detach": detach, "eject": detach, "info": info,
         "imageinfo": imageinfo, "verify": verify, "create": create, "convert": convert}
VERB_NAMES = {"mount": "attach", "eject": "detach"}

