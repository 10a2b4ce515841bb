"""installer: installs flat packages (product archives and component packages) into the
prefix, as macOS's installer(8) does.

    installer -pkg FILE -target /|DIR [-verbose] [-dumplog] [-allowUntrusted]
    installer -pkginfo -pkg FILE
    installer -volinfo -pkg FILE

Target "/" (or LocalSystem) is the prefix's root; any other DIR is taken as a volume: a host
directory, else that directory in the prefix (/Volumes/NAME).

Every checksum of the package is verified first (a damaged package installs nothing). Then
for each component, in the Distribution's order: its Scripts archive is unpacked into a
scratch directory, preinstall runs, the Payload is laid down at install-location on the
volume (modes and times kept), postinstall runs, and the receipt is written to the
volume's private/var/db/receipts (ID.plist, ID.bom) so pkgutil sees the package. Scripts run
as macOS runs them: $1 the package path, $2 the install location, $3 the target volume, $4 "/",
with PACKAGE_PATH, INSTALLER_TEMP, SCRIPT_NAME, DSTROOT, DSTVOLUME, COMMAND_LINE_INSTALL;
a Mach-O script runs under machbox, a "#!" script by its interpreter in a machbox session
(so the Mach-O programs it starts run under machbox too). The paths given are the host paths
of those places, so host tools in a script (cp, mkdir) reach the prefix. A script failing
(non-zero status) fails the install, as on macOS. Every step is logged to the volume's
private/var/log/install.log (and to stderr with -dumplog)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time

from machbox.tools.flatpkg import PackageError, bom, payload
from machbox.tools.flatpkg.extract import extract
from machbox.tools.flatpkg.package import SCRIPT_PHASES, Component, Package, open_package

USAGE = """Usage: installer [-pkginfo | -volinfo] -pkg <pathToPackage>
       installer -pkg <pathToPackage> -target <device|/|DIR> [-verbose] [-dumplog]
"""
FAILED = ("installer: The install failed. (The Installer encountered an error that caused "
          "the installation to fail. Contact the software manufacturer for assistance.)")
MACHO_MAGICS = (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe")
EXIT_FAILED, EXIT_USAGE = 1, 2


class InstallError(Exception):
    """A step of an install failed; the message says which."""


class Session:
    """One run of the installer: the package, where it goes, and its log."""

    def __init__(self, package: Package, target: str, volume: str, verbose: bool, dump: bool):
        self.package, self.target, self.volume = package, target, volume
        self.verbose, self.dump = verbose, dump
        self.log_path = os.path.join(volume, "private/var/log/install.log")

    def say(self, text: str) -> None:
        sys.stdout.write(f"installer: {text}\n")
        sys.stdout.flush()
        self.log(text)

    def log(self, text: str) -> None:
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S%z')} machbox installer[{os.getpid()}]: {text}"
        if self.dump:
            sys.stderr.write(line + "\n")
        try:
            os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
            with open(self.log_path, "a") as f:
                f.write(line + "\n")
        except OSError:
            pass


def main(args: list[str]) -> int:
    opts = _parse(args)
    if isinstance(opts, int):
        return opts
    path = opts.get("-pkg")
    if not path:
        sys.stderr.write(USAGE)
        return EXIT_USAGE
    if not os.path.isfile(path):
        sys.stderr.write(f"installer: Error - the package path specified was invalid: "
                         f"'{path}'.\n")
        return EXIT_FAILED
    try:
        package = open_package(os.path.abspath(path))
    except PackageError as e:
        sys.stderr.write(f"installer: Error - {e}\n")
        return EXIT_FAILED
    if "-pkginfo" in opts:
        sys.stdout.write(package.title + "\n")
        if package.product:
            sys.stdout.write("".join(f"{c.identifier}\n" for c in package.components))
        return 0
    if "-volinfo" in opts:
        sys.stdout.write("/\n")
        return 0
    target = opts.get("-target")
    if not target:
        sys.stderr.write(USAGE)
        return EXIT_USAGE
    volume = _volume(target)
    if volume is None:
        sys.stderr.write(f"installer: Error - the target specified was invalid: '{target}'.\n")
        return EXIT_FAILED
    session = Session(package, target, volume, "-verbose" in opts or "-verboseR" in opts,
                      "-dumplog" in opts)
    return install(session)


def _parse(args: list[str]) -> dict[str, str] | int:
    opts: dict[str, str] = {}
    args = list(args)
    while args:
        a = args.pop(0)
        if a in ("-pkg", "-package", "-target", "-tgt", "-lang", "-language"):
            if not args:
                sys.stderr.write(USAGE)
                return EXIT_USAGE
            opts[{"-package": "-pkg", "-tgt": "-target"}.get(a, a)] = args.pop(0)
        elif a in ("-verbose", "-verboseR", "-dumplog", "-pkginfo", "-volinfo",
                   "-allowUntrusted", "-plist", "-showChoiceChangesXML"):
            opts[a] = ""
        elif a in ("-help", "-h", "--help"):
            sys.stdout.write(USAGE)
            return 0
        else:
            sys.stderr.write(f"installer: unknown option {a}\n{USAGE}")
            return EXIT_USAGE
    return opts


def _volume(target: str) -> str | None:
    """The host directory standing for the target volume."""
    from machbox.cli import open_prefix

    prefix = open_prefix(None)
    if target in ("/", "LocalSystem"):
        return prefix if isinstance(prefix, str) else None
    if os.path.isdir(target):
        return os.path.abspath(target)
    # a volume as macOS names it (/Volumes/NAME): the prefix's
    if isinstance(prefix, str) and target.startswith("/") and \
            os.path.isdir(os.path.join(prefix, target.lstrip("/"))):
        return os.path.join(prefix, target.lstrip("/"))
    return None


def install(session: Session) -> int:
    package = session.package
    session.say(f"Package name is {package.title}")
    session.say(f"Installing at base path {session.target}")
    session.log(f"Installing {package.path} on {session.volume}")
    try:
        _verify(session)
        for component in package.components:
            _install_component(session, component)
    except (InstallError, PackageError, OSError) as e:
        session.log(f"Install failed: {e}")
        sys.stderr.write(f"installer: {e}\n")
        sys.stdout.write(FAILED + "\n")
        return EXIT_FAILED
    session.say("The install was successful.")
    return 0


def _verify(session: Session) -> None:
    """Every file's checksums, before anything is written: a damaged package installs
    nothing."""
    xar = session.package.xar
    for path, entry in xar.entries.items():
        if entry.type == "file":
            xar.read(path)
    session.log(f"Verified {session.package.path}")


def _install_component(session: Session, component: Component) -> None:
    location = os.path.join(session.volume, component.install_location.lstrip("/"))
    scratch_root = os.path.join(session.volume, "private/tmp")
    os.makedirs(scratch_root, exist_ok=True)
    temp = tempfile.mkdtemp(prefix=f".{os.path.basename(session.package.path)}.", dir=scratch_root)
    try:
        scripts = _unpack_scripts(session, component, temp)
        _run_phase(session, component, "preinstall", scripts, location, temp)
        if session.verbose:
            session.say(f"Writing files of {component.identifier} to {location}")
        members = list(component.payload())
        extract(members, location, session.log)
        _run_phase(session, component, "postinstall", scripts, location, temp)
        bom_data = component.read("Bom") if component.has("Bom") else \
            bom.write(bom.entries_of_members(members))
        from machbox.tools.flatpkg import receipts

        receipts.write(session.volume, component.identifier, component.version,
                       os.path.basename(session.package.path), component.install_location,
                       bom_data)
        session.log(f"Registered {component.identifier} {component.version}")
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def _unpack_scripts(session: Session, component: Component, temp: str) -> str | None:
    if not component.has("Scripts"):
        return None
    folder = os.path.join(temp, "Scripts")
    extract(payload.members(component.read("Scripts")), folder)
    return folder


def _run_phase(session: Session, component: Component, phase: str, scripts: str | None,
               location: str, temp: str) -> None:
    if scripts is None:
        return
    name = component.scripts.get(phase)
    if name is None and phase in SCRIPT_PHASES and not component.scripts:
        name = phase  # a PackageInfo without <scripts>: the conventional names
    script = os.path.join(scripts, name) if name else None
    if script is None or not os.path.isfile(script):
        return
    if session.verbose:
        session.say(f"Running {phase} script of {component.identifier}")
    session.log(f"Running {phase} script {name}")
    status = run_script(session, script, phase, location, temp)
    if status != 0:
        raise InstallError(f"{component.identifier}: the {phase} script exited with status "
                           f"{status}")


def run_script(session: Session, script: str, phase: str, location: str, temp: str) -> int:
    """Runs an install script as macOS does; its exit status."""
    import subprocess

    from machbox.cli.shell import session_environment
    from machbox.loader.reentry import reentry_command

    with open(script, "rb") as f:
        head = f.read(4)
    args = [session.package.path, location, session.volume, "/"]
    if head in MACHO_MAGICS:
        command = reentry_command() + [script, *args]
    elif head[:2] == b"#!":
        if not os.access(script, os.X_OK):
            raise InstallError(f"the {phase} script is not executable")
        command = [script, *args]
    else:
        raise InstallError(f"the {phase} script is neither a Mach-O program nor a #! script")
    from machbox.vfs import prefix

    home = prefix.default_path()
    env = session_environment(home if prefix.version_of(home) is not None else None)
    env.update(PACKAGE_PATH=session.package.path, INSTALLER_TEMP=temp, SCRIPT_NAME=phase,
               DSTROOT=location, DSTVOLUME=session.volume, COMMAND_LINE_INSTALL="1",
               INSTALL_PKG_SESSION_ID=os.path.basename(temp))
    sys.stdout.flush()
    try:
        return subprocess.call(command, env=env, cwd=os.path.dirname(script))
    except OSError as e:
        raise InstallError(f"cannot run the {phase} script: {e.strerror}") from None
