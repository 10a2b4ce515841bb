"""`machbox shutdown [--prefix DIR]`: stop the prefix's server (as `darling shutdown` stops
darlingserver). Its processes' rights to each other's ports become dead names; the next
process that needs the server starts a new one."""

from __future__ import annotations

from machbox.cli import EXIT_PREFIX, EXIT_USAGE, fail

EXIT_STUCK = 1


def main(args: list[str]) -> int:
    from machbox.server import client
    from machbox.vfs import prefix

    explicit = None
    if args[:1] == ["--prefix"] and len(args) == 2:
        explicit = args[1]
    elif args:
        return fail("shutdown: [--prefix DIR]", EXIT_USAGE)
    path = prefix.default_path(explicit)
    if prefix.version_of(path) is None:
        return fail(f"{path} is not a machbox prefix", EXIT_PREFIX)
    if not client.shutdown(path):
        return fail(f"shutdown: the server of {path} did not stop", EXIT_STUCK)
    return 0
