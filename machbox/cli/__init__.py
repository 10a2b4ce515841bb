"""The ``machbox`` command.

    machbox run [--prefix DIR] [--argv0 NAME] [--timeout DURATION [--kill-after DURATION]]
                PROGRAM [ARGS...]
    machbox shell [--prefix DIR] [COMMAND [ARGS...]]
    machbox prefix create|path|list|delete [DIR]
    machbox tool NAME [ARGS...]
    machbox shutdown [--prefix DIR]
    machbox trace [--json] [-o FILE] [--only GLOB] [--] PROGRAM [ARGS...]
    machbox --version

Exit statuses of machbox itself (a guest's own status passes through unchanged; a guest
killed by a signal makes machbox die of the same signal):

    2    usage error
    118  the prefix cannot be created or used
    119  a library the program needs could not be loaded
    120  the program called a function machbox does not implement (named on stderr)
    121  wrong architecture (e.g. an arm64-only binary)
    122  malformed or truncated Mach-O file
    123  not a Mach-O file
    124  --timeout expired (the program's whole process tree was ended)
    125  internal machbox error
    126  the program is a directory or cannot be read
    127  the program does not exist
"""

from __future__ import annotations

import os
import sys

EXIT_USAGE = 2
EXIT_PREFIX = 118
EXIT_LIBRARY = 119
EXIT_UNIMPLEMENTED = 120
EXIT_WRONG_ARCH = 121
EXIT_MALFORMED = 122
EXIT_NOT_MACHO = 123
EXIT_INTERNAL = 125
EXIT_CANNOT_EXECUTE = 126
EXIT_NOT_FOUND = 127

USAGE = """usage: machbox run [OPTIONS] [--] PROGRAM [ARGS...]
       machbox shell [--prefix DIR] [COMMAND [ARGS...]]
       machbox prefix create|path|list|delete [DIR]
       machbox tool NAME [ARGS...]
       machbox shutdown [--prefix DIR]
       machbox binfmt install|uninstall|status
       machbox info [--json] PROGRAM
       machbox debug [--gdb|--lldb] [-ex COMMAND]... [--] PROGRAM [ARGS...]
       machbox trace [--json] [-o FILE] [--only GLOB] [--] PROGRAM [ARGS...]
       machbox --version

Runs an unmodified macOS (x86_64 Mach-O) command-line program on Linux.

run options:
  --prefix DIR            the prefix holding the macOS side (default $MACHBOX_PREFIX,
                          $DPREFIX or ~/.machbox; created on first use)
  --root merged|prefix    merged (default): host paths as they are, the macOS system
                          paths (/System, /Library, /Users, ...) from the prefix;
                          prefix: "/" is the prefix, the host is /Volumes/SystemRoot
  --argv0 NAME            the program sees NAME as argv[0]
  --timeout DURATION      end the program and every process it started after DURATION
                          (seconds, or a number with s/m/h/d) and exit 124
  --kill-after DURATION   with --timeout: SIGKILL what is left this long after the SIGTERM
                          (default 1s)
  --no-crash-report       a program that dies of a fault or abort writes no crash report
                          (stderr and ~/Library/Logs/DiagnosticReports; MACHBOX_NO_CRASH_REPORT)
  --wait-for-debugger     stop (SIGSTOP) before the program's first initialiser, printing
                          the pid, so a debugger can attach; SIGCONT or the debugger goes on"""

# run options that take no value, and the environment variable each sets for the guest
_FLAGS = {"--no-crash-report": "MACHBOX_NO_CRASH_REPORT",
          "--wait-for-debugger": "MACHBOX_WAIT_FOR_DEBUGGER"}

_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float | None:
    """GNU timeout's DURATION: a non-negative number with an optional s/m/h/d suffix."""
    unit = _DURATION_UNITS.get(text[-1:], None)
    number = text[:-1] if unit else text
    try:
        value = float(number) * (unit or 1)
    except ValueError:
        return None
    return value if value >= 0 and value == value and value != float("inf") else None


def fail(message: str, status: int) -> int:
    sys.stderr.write(f"machbox: {message}\n")
    return status


def _take_options(args: list[str]) -> dict[str, str] | int:
    """Pops the run options off ``args``; a usage error is returned as an exit status."""
    options: dict[str, str] = {}
    while args and args[0].startswith("-"):
        opt = args.pop(0)
        if opt == "--":
            break
        if opt in ("-h", "--help"):
            print(USAGE)
            return 0
        if opt in _FLAGS:
            options[opt[2:]] = "1"
            continue
        name, eq, value = opt.partition("=")
        if name not in ("--argv0", "--timeout", "--kill-after", "--prefix", "--root"):
            return fail(f"run: unknown option {opt}\n{USAGE}", EXIT_USAGE)
        if not eq:
            if not args:
                return fail(f"run: {name} needs a value\n{USAGE}", EXIT_USAGE)
            value = args.pop(0)
        options[name[2:]] = value
    return options


def cmd_run(args: list[str]) -> int:
    options = _take_options(args)
    if isinstance(options, int):
        return options
    durations = {}
    for name in ("timeout", "kill-after"):
        if name in options:
            durations[name] = parse_duration(options[name])
            if durations[name] is None:
                return fail(f"run: --{name}: invalid duration {options[name]!r}", EXIT_USAGE)
    argv0 = options.get("argv0")
    root = options.get("root", os.environ.get("MACHBOX_ROOT", "merged"))
    if root not in ("merged", "prefix"):
        return fail(f"run: --root: merged or prefix, not {root!r}", EXIT_USAGE)
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

    argv = [argv0 if argv0 is not None else program] + args[1:]
    for flag, variable in _FLAGS.items():
        if flag[2:] in options:
            os.environ[variable] = "1"  # read by the native part, kept by child programs
    prefix = open_prefix(options.get("prefix"))
    if isinstance(prefix, int):
        return prefix
    if "timeout" not in durations or durations["timeout"] == 0:  # 0 = no limit, as GNU's
        return launch(program, argv, prefix, root)
    from machbox.cli.supervisor import run_with_timeout

    return run_with_timeout(durations["timeout"], durations.get("kill-after", 1.0),
                            lambda: launch(program, argv, prefix, root))


def open_prefix(explicit: str | None) -> str | None | int:
    """The prefix path, made if needed; an exit status when an explicit one cannot be used.

    Without --prefix or MACHBOX_PREFIX/DPREFIX, a prefix that cannot be made (a read-only
    home) is only warned about: programs still run, without the macOS system paths."""
    from machbox.vfs import prefix

    path = prefix.default_path(explicit)
    try:
        return prefix.ensure(path, quiet=not sys.stderr.isatty())
    except prefix.PrefixError as e:
        if explicit or os.environ.get("MACHBOX_PREFIX") or os.environ.get("DPREFIX"):
            return fail(str(e), EXIT_PREFIX)
        sys.stderr.write(f"machbox: warning: {e}; running without a prefix\n")
        return None


# the other commands, each in its own module of machbox.cli with a main(args)
COMMANDS = {"shell": "shell", "prefix": "prefixes", "tool": "tool", "shutdown": "shutdown",
            "binfmt": "binfmt", "info": "info", "debug": "debug",
            "trace": "trace"}


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `machbox info ... | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _main(argv: list[str] | None = None) -> int:
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
    if argv[0] in COMMANDS:
        module = __import__(f"machbox.cli.{COMMANDS[argv[0]]}", fromlist=["main"])
        return module.main(argv[1:])
    return fail(f"unknown command {argv[0]!r}\n{USAGE}", EXIT_USAGE)
