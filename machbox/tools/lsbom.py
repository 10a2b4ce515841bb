"""lsbom: the contents of a bill of materials (a package's Bom, a receipt's ID.bom), in the
format of macOS's lsbom(8).

    lsbom [-s] [-d] [-f] [-l] [-b] [-c] FILE

Each line: the path, then tab-separated the mode (octal, with the file type), uid/gid, and
for files the size and the POSIX cksum CRC, for symlinks those and the target, for devices
the device number. -s prints paths only; -d -f -l -b -c keep directories, files, symlinks,
block devices, character devices (any combination; none means all)."""

from __future__ import annotations

import stat
import sys

from machbox.tools.flatpkg import PackageError, bom

USAGE = "usage: lsbom [-s] [-d] [-f] [-l] [-b] [-c] bom ...\n"
KEEP = {"-d": bom.TYPE_DIR, "-f": bom.TYPE_FILE, "-l": bom.TYPE_LINK}


def line(e: bom.BomEntry) -> str:
    fields = [e.path, f"{e.mode:o}", f"{e.uid}/{e.gid}"]
    if e.type in (bom.TYPE_FILE, bom.TYPE_LINK):
        fields += [str(e.size), str(e.checksum)]
    if e.type == bom.TYPE_LINK:
        fields.append(e.link)
    if e.type == bom.TYPE_DEV:
        fields.append(str(e.dev))
    return "\t".join(fields)


def _kept(e: bom.BomEntry, opts: set[str]) -> bool:
    kinds = opts & {"-d", "-f", "-l", "-b", "-c"}
    if not kinds:
        return True
    if e.type == bom.TYPE_DEV:
        return ("-b" in kinds and stat.S_ISBLK(e.mode)) or ("-c" in kinds and stat.S_ISCHR(e.mode))
    return any(KEEP.get(k) == e.type for k in kinds)


def main(args: list[str]) -> int:
    opts = {f"-{c}" for a in args if a.startswith("-") and len(a) > 1 for c in a[1:]}
    files = [a for a in args if not a.startswith("-")]
    if not files or opts - {"-s", "-d", "-f", "-l", "-b", "-c"}:
        sys.stderr.write(USAGE)
        return 1
    status = 0
    for path in files:
        try:
            with open(path, "rb") as f:
                entries = bom.read(f.read(), path)
        except (OSError, PackageError) as e:
            sys.stderr.write(f"lsbom: {getattr(e, 'strerror', None) or e}\n")
            status = 1
            continue
        out = [e.path if "-s" in opts else line(e) for e in entries if _kept(e, opts)]
        sys.stdout.write("".join(x + "\n" for x in out))
    return status
