"""`machbox shutdown [--prefix DIR]`: stop the prefix's background services.

machbox runs no per-prefix server yet (that is the Mach IPC work, issue 7), so there is
never anything to stop; the command exists so scripts written for Darling's `darling
shutdown` work, and it checks the prefix it is given."""

from __future__ import annotations

from machbox.cli import EXIT_PREFIX, EXIT_USAGE, fail


def main(args: list[str]) -> int:
    from machbox.vfs import prefix

    explicit = None
    if args[:1] == ["--prefix"] and len(args) == 2:
        explicit = args[1]
    elif args:
        return fail("shutdown: [--prefix DIR]", EXIT_USAGE)
    path = prefix.default_path(explicit)
    if prefix.version_of(path) is None:
        return fail(f"{path} is not a machbox prefix", EXIT_PREFIX)
    return 0
