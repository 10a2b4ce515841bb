"""Starting a macOS program in this process: load, bind, initialise, call main."""

from __future__ import annotations

import os
import sys

from machbox.libsystem import dyld
from machbox.loader.loader import Loader, LoadError
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


def launch(program: str, argv: list[str]) -> int:
    """Runs ``program`` with ``argv``; returns only on failure to start (an exit status)."""
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
    reentry = reentry_command()
    native.set_reentry(reentry)
    _hook_host_children(native.__file__, reentry)
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
    native.set_program(main.base, argv, [f"executable_path={exe}"], exe)
    inits = [p + img.slide for img in loader.initializer_order() for p in img.plan.initializers]
    entry = main.macho.entry
    if entry.kind == "main":
        native.run(inits, "main", main.macho.image_base + main.slide + entry.entryoff)
    else:
        native.run(inits, "unixthread", entry.pc + main.slide)
    return 125  # not reached: run() ends the process


def reentry_command() -> list[str]:
    """How a Mach-O child (exec, posix_spawn, a shell's exec) starts: this interpreter
    without site processing (-S: .pth files and the editable-install finder cost tens of
    milliseconds, and machbox needs nothing from site-packages) and with this machbox."""
    package_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = (f"import sys; sys.path.insert(0, {package_parent!r}); "
            "from machbox.cli import main; sys.exit(main(sys.argv[1:]))")
    return [sys.executable, "-S", "-E", "-c", code, "run"]


def _hook_host_children(native_path: str, reentry: list[str]) -> None:
    """Lets the ELF programs this guest starts (sh, make, ...) run Mach-O files too.

    The exec hook library is preloaded into them and told how to re-enter machbox; both
    travel in the environment so they reach grandchildren started through any path."""
    folder, name = os.path.split(native_path)
    hook = os.path.join(folder, name.replace("_native", "_exechook", 1))
    preload = os.environ.get("LD_PRELOAD", "")
    if hook not in preload.replace(":", " ").split():
        os.environ["LD_PRELOAD"] = f"{hook} {preload}".strip()
    os.environ["MACHBOX_REENTRY"] = "\n".join(reentry)


def _fail(message: str, status: int) -> int:
    sys.stderr.write(f"machbox: {message}\n")
    return status
