"""The ``machbox`` command.

    machbox run [--argv0 NAME] PROGRAM [ARGS...]   run a macOS program (argv[0] = NAME)
    machbox --version

Exit statuses of machbox itself (a guest's own status passes through unchanged; a guest
killed by a signal makes machbox die of the same signal):

    2    usage error
    119  a library the program needs could not be loaded
    120  the program called a function machbox does not implement (named on stderr)
    121  wrong architecture (e.g. an arm64-only binary)
    122  malformed or truncated Mach-O file
    123  not a Mach-O file
    125  internal machbox error
    126  the program is a directory or cannot be read
    127  the program does not exist
"""

from __future__ import annotations

import os
import sys

EXIT_USAGE = 2
EXIT_LIBRARY = 119
EXIT_UNIMPLEMENTED = 120
EXIT_WRONG_ARCH = 121
EXIT_MALFORMED = 122
EXIT_NOT_MACHO = 123
EXIT_INTERNAL = 125
EXIT_CANNOT_EXECUTE = 126
EXIT_NOT_FOUND = 127

USAGE = """usage: machbox run [--argv0 NAME] [--] PROGRAM [ARGS...]
       machbox --version

Runs an unmodified macOS (x86_64 Mach-O) command-line program on Linux."""


def fail(message: str, status: int) -> int:
    sys.stderr.write(f"machbox: {message}\n")
    return status


def cmd_run(args: list[str]) -> int:
    argv0 = None
    while args and args[0].startswith("-"):
        opt = args.pop(0)
        if opt == "--":
            break
        if opt in ("-h", "--help"):
            print(USAGE)
            return 0
        if opt == "--argv0" and args:
            argv0 = args.pop(0)
        elif opt.startswith("--argv0="):
            argv0 = opt.split("=", 1)[1]
        else:
            return fail(f"run: unknown option {opt}\n{USAGE}", EXIT_USAGE)
    if not args:
        return fail(f"run: no program given\n{USAGE}", EXIT_USAGE)
    program = args[0]
    if not os.path.exists(program):
        return fail(f"{program}: no such file", EXIT_NOT_FOUND)
    if os.path.isdir(program):
        return fail(f"{program}: is a directory", EXIT_CANNOT_EXECUTE)
    if not os.access(program, os.R_OK):
        return fail(f"{program}: permission denied", EXIT_CANNOT_EXECUTE)
    from machbox.loader.launch import launch

    return launch(program, [argv0 if argv0 is not None else program] + args[1:])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if argv else EXIT_USAGE
    if argv[0] == "--version":
        from machbox import __version__

        print(f"machbox {__version__}")
        return 0
    if argv[0] == "run":
        return cmd_run(argv[1:])
    return fail(f"unknown command {argv[0]!r}\n{USAGE}", EXIT_USAGE)
