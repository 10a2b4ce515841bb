"""sudo: Darling's fake sudo. Runs the command with the user and group ids reading as 0 in
every macOS program it starts (MACHBOX_FAKE_ROOT); file ownership root would set is faked
by the vfs (RFC 377). No password, no privilege: nothing the host would refuse happens.

    sudo [-E] [-H] [-u USER] [--] COMMAND [ARGS...]
"""

from __future__ import annotations

import os
import sys

USAGE = "usage: sudo [-E] [-H] [-u user] [--] command [args ...]\n"


def main(args: list[str]) -> int:
    while args and args[0].startswith("-"):
        opt = args.pop(0)
        if opt == "--":
            break
        if opt in ("-E", "-H", "-n", "-S", "-k"):
            continue
        if opt == "-u" and args:
            user = args.pop(0)
            if user not in ("root", "#0"):
                sys.stderr.write(f"sudo: machbox's sudo only runs commands as root, not {user}\n")
                return 1
            continue
        sys.stderr.write(USAGE)
        return 1
    if not args:
        sys.stderr.write(USAGE)
        return 1
    from machbox.cli.shell import session_environment
    from machbox.vfs import prefix

    path = prefix.default_path()
    env = session_environment(path if prefix.version_of(path) is not None else None)
    env.update(MACHBOX_FAKE_ROOT="1", USER="root", LOGNAME="root", SUDO_USER=env.get("USER", ""))
    os.execve("/bin/sh", ["sh", "-c", 'exec "$0" "$@"', *args], env)
    return 127
