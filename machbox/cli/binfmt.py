"""`machbox binfmt install|uninstall|status`: let the kernel run Mach-O files (root only).

Registers machbox with binfmt_misc for 64-bit Mach-O and fat files, so that any process on
the machine that execs one (not only those started from `machbox shell`) runs it under
machbox. The handler is a small script next to the package that keeps argv[0] (flag P).
"""

from __future__ import annotations

import os

from machbox.cli import EXIT_USAGE, fail

BINFMT = "/proc/sys/fs/binfmt_misc"
ENTRIES = {
    "machbox-macho64": r"\xcf\xfa\xed\xfe",
    "machbox-fat": r"\xca\xfe\xba\xbe",
}
EXIT_NOT_POSSIBLE = 1


def handler_path() -> str:
    from machbox.loader.reentry import PACKAGE_DIR

    return os.path.join(PACKAGE_DIR, "binfmt-handler")


def write_handler() -> str:
    """The interpreter binfmt_misc runs: [handler, binary, original argv0, args...]."""
    from machbox.loader.reentry import reentry_command

    cmd = reentry_command()
    quoted = " ".join("'" + a.replace("'", "'\\''") + "'" for a in cmd)
    path = handler_path()
    with open(path + ".tmp", "w") as f:
        f.write("#!/bin/sh\n# machbox's binfmt_misc handler (machbox binfmt install)\n"
                'bin="$1"; argv0="$2"; shift 2\n'
                f'exec {quoted} --argv0 "$argv0" -- "$bin" "$@"\n')
    os.chmod(path + ".tmp", 0o755)
    os.replace(path + ".tmp", path)
    return path


def _ready() -> str | None:
    if os.geteuid() != 0:
        return "binfmt_misc needs root"
    if not os.path.exists(os.path.join(BINFMT, "register")):
        return f"binfmt_misc is not mounted at {BINFMT} (mount -t binfmt_misc none {BINFMT})"
    return None


def main(args: list[str]) -> int:
    if len(args) != 1 or args[0] not in ("install", "uninstall", "status"):
        return fail("binfmt: install|uninstall|status", EXIT_USAGE)
    if args[0] == "status":
        for name in ENTRIES:
            state = "registered" if os.path.exists(os.path.join(BINFMT, name)) else "absent"
            print(f"{name}\t{state}")
        return 0
    problem = _ready()
    if problem:
        return fail(f"binfmt: {problem}", EXIT_NOT_POSSIBLE)
    for name in ENTRIES:
        entry = os.path.join(BINFMT, name)
        if os.path.exists(entry):
            with open(entry, "w") as f:
                f.write("-1")  # remove, then (re)register
    if args[0] == "install":
        handler = write_handler()
        for name, magic in ENTRIES.items():
            with open(os.path.join(BINFMT, "register"), "w") as f:
                f.write(f":{name}:M::{magic}::{handler}:P")
    return 0
