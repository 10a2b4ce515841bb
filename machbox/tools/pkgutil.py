"""pkgutil: the receipt database and flat packages, as macOS's pkgutil(1).

    pkgutil [--volume DIR] --pkgs[=REGEXP] | --pkgs-plist
    pkgutil [--volume DIR] --files ID [--only-files|--only-dirs]
    pkgutil [--volume DIR] --pkg-info ID | --pkg-info-plist ID
    pkgutil [--volume DIR] --forget ID
    pkgutil --expand PKG DIR | --expand-full PKG DIR
    pkgutil --payload-files PKG

The volume is the prefix's root unless --volume names another (a directory used as an
installer -target). Receipts are private/var/db/receipts/ID.plist and ID.bom there.
Commands run in the order given; options (--volume, --only-files, --only-dirs, --regexp)
apply to all of them."""

from __future__ import annotations

import os
import plistlib
import re
import sys

from machbox.tools.flatpkg import PackageError, bom, payload, receipts
from machbox.tools.flatpkg.extract import extract

USAGE = """Usage: pkgutil [options] [commands]
  --volume PATH            operate on the volume at PATH (default: the prefix's /)
  --only-files, --only-dirs   filter --files
  --regexp                 match package ids as regular expressions
  --pkgs[=REGEXP], --packages  list installed package ids
  --pkgs-plist             list them as a plist
  --files ID               list the paths a package installed
  --pkg-info ID            show a receipt (--pkg-info-plist: as a plist)
  --forget ID              delete a receipt (not the files)
  --expand PKG DIR         unpack a flat package (--expand-full: its payloads too)
  --payload-files PKG      list the paths a package would install
"""
EXIT_FAILED, EXIT_USAGE = 1, 2
# commands and how many operands each takes
COMMANDS = {"--pkgs": 0, "--packages": 0, "--pkgs-plist": 0, "--files": 1, "--pkg-info": 1,
            "--pkg-info-plist": 1, "--forget": 1, "--expand": 2, "--expand-full": 2,
            "--payload-files": 1}
FLAGS = {"--only-files", "--only-dirs", "--regexp", "--force", "-f", "--verbose", "-v"}


class Options:
    def __init__(self):
        self.volume: str | None = None
        self.flags: set[str] = set()

    def volume_root(self) -> str:
        if self.volume is not None and self.volume != "/":
            return self.volume
        from machbox.vfs import prefix

        return prefix.default_path()

    def volume_name(self) -> str:
        return self.volume or "/"


def main(args: list[str]) -> int:
    parsed = _parse(args)
    if isinstance(parsed, int):
        return parsed
    options, commands = parsed
    status = 0
    for name, operands, pattern in commands:
        try:
            status = max(status, RUNNERS[name](options, operands, pattern))
        except PackageError as e:
            sys.stderr.write(f"pkgutil: {e}\n")
            status = EXIT_FAILED
    return status


def _parse(args: list[str]):
    options, commands = Options(), []
    args = list(args)
    while args:
        a = args.pop(0)
        name, _, pattern = a.partition("=")
        if a == "--volume":
            if not args:
                return _usage()
            options.volume = args.pop(0)
        elif a in FLAGS:
            options.flags.add(a)
        elif name in ("--pkgs", "--packages") and pattern:
            commands.append(("--pkgs", [], pattern))
        elif a in COMMANDS:
            count = COMMANDS[a]
            if len(args) < count:
                return _usage()
            commands.append((a, args[:count], None))
            del args[:count]
        elif a in ("-h", "--help"):
            sys.stdout.write(USAGE)
            return 0
        else:
            sys.stderr.write(f"pkgutil: unknown option {a}\n")
            return _usage()
    if not commands:
        return _usage()
    return options, commands


def _usage() -> int:
    sys.stderr.write(USAGE)
    return EXIT_USAGE


def _matching(options: Options, identifier: str) -> list[str]:
    ids = receipts.identifiers(options.volume_root())
    if identifier in ids:
        return [identifier]
    if "--regexp" in options.flags:
        try:
            rx = re.compile(identifier)
        except re.error:
            return []
        return [i for i in ids if rx.search(i)]
    return []


def _receipt(options: Options, identifier: str):
    ids = _matching(options, identifier)
    if not ids:
        sys.stderr.write(f"No receipt for '{identifier}' found at '{options.volume_name()}'.\n")
        return []
    return [receipts.load(options.volume_root(), i) for i in ids]


def cmd_pkgs(options: Options, operands, pattern) -> int:
    ids = receipts.identifiers(options.volume_root())
    if pattern:
        try:
            rx = re.compile(pattern)
        except re.error as e:
            sys.stderr.write(f"pkgutil: bad regular expression {pattern!r}: {e}\n")
            return EXIT_FAILED
        ids = [i for i in ids if rx.search(i)]
        if not ids:
            sys.stderr.write(f"No packages matching '{pattern}' found.\n")
            return EXIT_FAILED
    sys.stdout.write("".join(i + "\n" for i in ids))
    return 0


def cmd_pkgs_plist(options: Options, operands, pattern) -> int:
    sys.stdout.write(plistlib.dumps(receipts.identifiers(options.volume_root())).decode())
    return 0


def cmd_files(options: Options, operands, pattern) -> int:
    found = _receipt(options, operands[0])
    for receipt in found:
        sys.stdout.write("".join(p + "\n" for p in _paths(receipt.files(), options.flags)))
    return 0 if found else EXIT_FAILED


def _paths(entries: list[bom.BomEntry], flags: set[str]) -> list[str]:
    """pkgutil's listing of BOM entries: relative paths, without "." itself."""
    out = []
    for e in entries:
        if e.path == ".":
            continue
        if "--only-files" in flags and e.is_dir or "--only-dirs" in flags and not e.is_dir:
            continue
        out.append(e.path[2:] if e.path.startswith("./") else e.path)
    return out


def cmd_pkg_info(options: Options, operands, pattern) -> int:
    found = _receipt(options, operands[0])
    for r in found:
        sys.stdout.write(f"package-id: {r.identifier}\nversion: {r.version}\n"
                         f"volume: {options.volume_name()}\nlocation: {r.prefix_path}\n"
                         f"install-time: {_epoch(r.install_date)}\n")
    return 0 if found else EXIT_FAILED


def cmd_pkg_info_plist(options: Options, operands, pattern) -> int:
    found = _receipt(options, operands[0])
    for r in found:
        sys.stdout.write(plistlib.dumps({
            "install-location": r.prefix_path, "install-time": _epoch(r.install_date),
            "pkg-version": r.version, "pkgid": r.identifier,
            "receipt-plist-version": 1, "volume": options.volume_name()}).decode())
    return 0 if found else EXIT_FAILED


def _epoch(date) -> int:
    import calendar

    return calendar.timegm(date.timetuple())


def cmd_forget(options: Options, operands, pattern) -> int:
    found = _receipt(options, operands[0])
    for r in found:
        receipts.forget(options.volume_root(), r.identifier)
        sys.stdout.write(f"Forgot package '{r.identifier}' on '{options.volume_name()}'.\n")
    return 0 if found else EXIT_FAILED


def cmd_expand(options: Options, operands, pattern, full: bool = False) -> int:
    from machbox.tools.flatpkg.xar import Xar

    source, dest = operands
    if os.path.lexists(dest):
        sys.stderr.write(f"Error: {dest} already exists.\n")
        return EXIT_FAILED
    xar = Xar(source)
    os.makedirs(dest)
    for path, entry in xar.entries.items():
        target = os.path.join(dest, path)
        name = os.path.basename(path)
        if entry.type == "directory":
            os.makedirs(target, exist_ok=True)
        elif entry.type == "symlink":
            os.symlink(entry.link or "", target)
        elif name == "Scripts" or (full and name == "Payload"):
            extract(payload.members(xar.read(path)), target)
        else:
            with open(target, "wb") as f:
                f.write(xar.read(path))
            os.chmod(target, entry.mode & 0o777)
    return 0


def cmd_expand_full(options: Options, operands, pattern) -> int:
    return cmd_expand(options, operands, pattern, full=True)


def cmd_payload_files(options: Options, operands, pattern) -> int:
    from machbox.tools.flatpkg.package import open_package

    for component in open_package(operands[0]).components:
        entries = component.bom_entries() if component.has("Bom") else \
            bom.entries_of_members(component.payload())
        keep = _paths(entries, options.flags)  # as pkgutil prints them: ".", "./a", ...
        sys.stdout.write("".join(e.path + "\n" for e in entries
                                 if e.path == "." or e.path[2:] in keep))
    return 0


RUNNERS = {"--pkgs": cmd_pkgs, "--packages": cmd_pkgs, "--pkgs-plist": cmd_pkgs_plist,
           "--files": cmd_files, "--pkg-info": cmd_pkg_info,
           "--pkg-info-plist": cmd_pkg_info_plist, "--forget": cmd_forget,
           "--expand": cmd_expand, "--expand-full": cmd_expand_full,
           "--payload-files": cmd_payload_files}
