"""Starting a macOS program in this process: load, bind, initialise, call main."""

from __future__ import annotations

import os
import sys

from machbox.libsystem import dyld
from machbox.loader.loader import Loader, LoadError
from machbox.loader.reentry import hook_environment, reentry_command
from machbox.macho import MachOError, parse_file

MH_EXECUTE = 2

# MachOError kinds → (message prefix, exit status); statuses documented in machbox.cli
_MACHO_STATUS = {
    "not_macho": 123,
    "truncated": 122,
    "malformed": 122,
    "unsupported": 122,
    "wrong_arch": 121,
}


def launch(program: str, argv: list[str], prefix: str | None = None,
           root: str = "merged") -> int:
    """Runs ``program`` with ``argv``; returns only on failure to start (an exit status).

    ``prefix``: the prefix directory; ``root``: "merged" (host paths unchanged, macOS
    system paths from the prefix) or "prefix" ("/" is the prefix, the host is
    /Volumes/SystemRoot)."""
    try:
        m = parse_file(program)
    except MachOError as e:
        return _fail(f"{program}: {e}", _MACHO_STATUS.get(e.kind, 122))
    except OSError as e:
        return _fail(f"{program}: {e.strerror}", 126)
    if m.header.filetype != MH_EXECUTE:
        return _fail(f"{program}: not an executable (a {m.header.filetype_name} file)", 126)
    if m.entry is None:
        return _fail(f"{program}: no entry point (LC_MAIN or LC_UNIXTHREAD)", 122)

    from machbox import _native as native

    native.setup()
    from machbox.kernel.commpage import Commpage

    commpage = Commpage(native)
    if prefix:
        native.set_prefix(prefix, root == "prefix")
        # the prefix's server (Mach IPC across processes, bootstrap), started on demand
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        native.set_server(prefix, sys.executable, os.path.dirname(package))
        os.environ["MACHBOX_PREFIX"] = prefix  # children and their children use it too
        os.environ["MACHBOX_ROOT"] = root
        # machbox's Darwin tools (sw_vers, ...) are found as on a Mac, after the host's
        tools = os.path.join(prefix, "usr/bin")
        path = os.environ.get("PATH", "")
        if tools not in path.split(":"):
            os.environ["PATH"] = f"{path}:{tools}" if path else tools
    reentry = reentry_command()
    native.set_reentry(reentry)
    # host programs this guest starts (sh, make) can run Mach-O files too: the exec hook
    # and the re-entry command travel in the environment to any depth
    hook_environment(os.environ, reentry)
    loader = Loader(native, program)
    try:
        main = loader.load(program, m)
        for image in loader.images:
            loader.fix_image(image)
        for image in loader.images:
            loader.finish_image(image)
    except LoadError as e:
        return _fail(str(e), e.status)
    except MachOError as e:
        return _fail(f"{program}: {e}", _MACHO_STATUS.get(e.kind, 122))

    dyld.attach(loader)
    exe = os.path.abspath(program)
    if prefix and root == "prefix":  # the program's own paths as it sees them
        exe = guest_path(exe, prefix)
        if argv and argv[0] == program and program.startswith("/"):  # not an --argv0
            argv = [guest_path(argv[0], prefix)] + argv[1:]
    native.set_program(main.base, argv, [f"executable_path={exe}"], exe)
    symbols = os.environ.pop("MACHBOX_DEBUG_SYMBOLS", None)
    if symbols:  # `machbox debug`: the debugger loads these when it attaches
        from machbox.loader import debugsyms

        debugsyms.write(symbols, loader.images)
        loader.debugger_attached = True
    commpage.start()
    commpage.keep_time_for(loader.images)
    # from here on guest code runs: its raw `syscall` instructions get Darwin's meaning
    from machbox.kernel import sud

    sud.arm_for(native, loader.binder, loader.images)
    inits = [p + img.slide for img in loader.initializer_order() for p in img.plan.initializers]
    entry = main.macho.entry
    if entry.kind == "main":
        native.run(inits, "main", main.macho.image_base + main.slide + entry.entryoff)
    else:
        native.run(inits, "unixthread", entry.pc + main.slide)
    return 125  # not reached: run() ends the process


def guest_path(host_path: str, prefix: str) -> str:
    """A host path as a program sees it when "/" is the prefix (native/vfs.c's unexpand)."""
    if host_path == prefix or host_path.startswith(prefix + "/"):
        return host_path[len(prefix):] or "/"
    return "/Volumes/SystemRoot" + host_path


def _fail(message: str, status: int) -> int:
    sys.stderr.write(f"machbox: {message}\n")
    return status
