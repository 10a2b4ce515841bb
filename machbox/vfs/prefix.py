"""The prefix: a directory holding the macOS side of the file system (Darling's DPREFIX).

Where it is: ``--prefix DIR``, else ``MACHBOX_PREFIX``, else ``DPREFIX`` (as Darling), else
``~/.machbox``. It is created on first use, atomically: the tree is built in a sibling
directory and renamed into place, so a ``kill -9`` halfway leaves at most a stale build
directory (removed by the next creation), never a half-made prefix. A prefix records the
base-tree version it was made with and is upgraded in place when machbox's is newer;
upgrading only adds or refreshes machbox's own files, never the user's.

Layout, as on a Mac::

    System/Library/CoreServices/SystemVersion.plist
    Applications/  Library/{Preferences,Caches,Application Support,LaunchAgents,LaunchDaemons}
    Users/Shared/  Users/NAME -> the host home
    Volumes/SystemRoot -> /          (the host's root)
    private/{etc,tmp,var/tmp,var/folders}
    etc -> private/etc   tmp -> private/tmp   var -> private/var
    private/etc/{passwd,group,hosts,resolv.conf}   derived from the host
    usr/bin/  usr/local/bin/  bin/  sbin/  usr/sbin/   (machbox's Darwin tools in usr/bin)
"""

from __future__ import annotations

import os
import sys

# shutil, tempfile and pwd are imported where used: a run that finds its prefix made pays
# for none of them

# Bump when the base tree changes; older prefixes are upgraded in place.
BASE_VERSION = 7
STAMP = ".machbox-prefix"

# The macOS release the prefix reports (SystemVersion.plist; sysctl agrees: kern.osrelease).
PRODUCT_NAME = "macOS"
PRODUCT_VERSION = "15.6"
PRODUCT_BUILD = "24G84"

DIRECTORIES = (
    "System/Library/CoreServices", "System/Library/Frameworks", "Applications",
    "Library/Preferences", "Library/Caches", "Library/Application Support",
    "Library/LaunchAgents", "Library/LaunchDaemons", "Library/Logs/DiagnosticReports",
    "Users/Shared", "Volumes", "private/etc", "private/tmp", "private/var/tmp",
    "private/var/folders", "private/var/db", "usr/bin", "usr/sbin", "usr/local/bin",
    "usr/lib", "bin", "sbin", "cores", "opt",
)
LINKS = {"etc": "private/etc", "tmp": "private/tmp", "var": "private/var",
         "Volumes/SystemRoot": "/"}
HOST_ETC = ("hosts", "resolv.conf", "passwd", "group", "shells")
# Darwin commands machbox provides, as scripts in usr/bin calling `machbox tool NAME`.
TOOLS = ("sw_vers", "sudo", "otool", "nm", "defaults", "launchctl", "hdiutil", "installer",
         "pkgutil", "lsbom")


class PrefixError(Exception):
    """The prefix cannot be found, made or used; the message says why."""


def default_path(explicit: str | None = None) -> str:
    for candidate in (explicit, os.environ.get("MACHBOX_PREFIX"), os.environ.get("DPREFIX")):
        if candidate:
            return os.path.abspath(os.path.expanduser(candidate))
    return os.path.join(os.path.expanduser("~"), ".machbox")


def version_of(path: str) -> int | None:
    """The base-tree version of the prefix at ``path``, None if there is none."""
    try:
        with open(os.path.join(path, STAMP)) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def ensure(path: str, quiet: bool = False) -> str:
    """The prefix at ``path``, created or upgraded as needed."""
    version = version_of(path)
    if version == BASE_VERSION:
        return path
    if version is None and os.path.lexists(path) and os.listdir(path):
        raise PrefixError(f"{path} exists and is not a machbox prefix")
    if version is None:
        create(path, quiet)
    else:
        populate(path)  # upgrade in place: machbox's files only
        _write_stamp(path)
    return path


def create(path: str, quiet: bool = False) -> None:
    parent = os.path.dirname(path) or "."
    if not os.path.isdir(parent):
        raise PrefixError(f"cannot create prefix {path}: {parent} does not exist")
    import shutil
    import tempfile

    _remove_stale_builds(parent, os.path.basename(path))
    if not quiet:
        sys.stderr.write(f"machbox: creating prefix {path} ...\n")
    try:
        build = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.build-{os.getpid()}-",
                                 dir=parent)
    except OSError as e:
        raise PrefixError(f"cannot create prefix {path}: {e.strerror}") from None
    try:
        populate(build)
        _write_stamp(build)
        if os.path.isdir(path) and not os.listdir(path):
            os.rmdir(path)
        os.rename(build, path)
    except OSError as e:
        shutil.rmtree(build, ignore_errors=True)
        if version_of(path) == BASE_VERSION:  # another process made it meanwhile
            return
        raise PrefixError(f"cannot create prefix {path}: {e.strerror or e}") from None


def populate(root: str) -> None:
    """Writes machbox's base tree into ``root`` (idempotent)."""
    import shutil

    for d in DIRECTORIES:
        os.makedirs(os.path.join(root, d), exist_ok=True)
    os.chmod(os.path.join(root, "private/tmp"), 0o1777)
    for link, target in LINKS.items():
        _symlink(target, os.path.join(root, link))
    user = _user()
    # relative, through /Volumes/SystemRoot: right for the kernel and for the prefix view
    home = os.path.expanduser("~")
    _symlink(f"../Volumes/SystemRoot{home}", os.path.join(root, "Users", user))
    _write(os.path.join(root, "System/Library/CoreServices/SystemVersion.plist"),
           system_version_plist())
    for name in HOST_ETC:
        src = os.path.join("/etc", name)
        if os.path.isfile(src):
            try:
                shutil.copyfile(src, os.path.join(root, "private/etc", name))
            except OSError:
                pass
    for tool in TOOLS:
        script = os.path.join(root, "usr/bin", tool)
        _write(script, _tool_script(tool))
        os.chmod(script, 0o755)


def system_version_plist() -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>BuildID</key>
	<string>machbox-{PRODUCT_BUILD}</string>
	<key>ProductBuildVersion</key>
	<string>{PRODUCT_BUILD}</string>
	<key>ProductCopyright</key>
	<string>1983-2025 Apple Inc.</string>
	<key>ProductName</key>
	<string>{PRODUCT_NAME}</string>
	<key>ProductUserVisibleVersion</key>
	<string>{PRODUCT_VERSION}</string>
	<key>ProductVersion</key>
	<string>{PRODUCT_VERSION}</string>
	<key>iOSSupportVersion</key>
	<string>18.6</string>
</dict>
</plist>
"""


def _tool_script(tool: str) -> str:
    # the interpreter that installed machbox runs the tool; -S skips site (machbox needs
    # nothing from site-packages)
    package_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
        __file__))))
    return (f"#!/bin/sh\n# machbox's {tool} (machbox tool {tool})\n"
            f"PYTHONPATH={_sh_quote(package_parent)} exec {_sh_quote(sys.executable)} -S -m "
            f"machbox tool {tool} \"$@\"\n")


def _sh_quote(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


def _user() -> str:
    import pwd

    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return os.environ.get("USER", "user")


def _symlink(target: str, link: str) -> None:
    try:
        if os.readlink(link) == target:
            return
        os.unlink(link)
    except OSError:
        pass
    os.symlink(target, link)


def _write(path: str, text: str) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def _write_stamp(root: str) -> None:
    _write(os.path.join(root, STAMP), f"{BASE_VERSION}\n")


def _remove_stale_builds(parent: str, name: str) -> None:
    """Build directories left by a creation that was killed (its process is gone)."""
    import shutil

    head = f".{name}.build-"
    try:
        entries = os.listdir(parent)
    except OSError:
        return
    for entry in entries:
        if not entry.startswith(head):
            continue
        pid = entry[len(head):].split("-", 1)[0]
        if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            shutil.rmtree(os.path.join(parent, entry), ignore_errors=True)


def delete(path: str) -> None:
    import shutil

    if version_of(path) is None:
        raise PrefixError(f"{path} is not a machbox prefix")
    shutil.rmtree(path)
