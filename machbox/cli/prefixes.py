"""`machbox prefix create|path|list|delete [DIR]`: managing prefixes.

    create [DIR]   make (or upgrade) the prefix; DIR defaults as for `run`
    path [DIR]     print where the prefix is (without creating it)
    list           the prefixes machbox knows of: the default and $MACHBOX_PREFIX/$DPREFIX
    delete DIR     remove a prefix (only a directory machbox made)
"""

from __future__ import annotations

import os

from machbox.cli import EXIT_PREFIX, EXIT_USAGE, fail


def main(args: list[str]) -> int:
    from machbox.vfs import prefix

    if not args or args[0] not in ("create", "path", "list", "delete"):
        return fail("prefix: create|path|list|delete [DIR]", EXIT_USAGE)
    verb, rest = args[0], args[1:]
    explicit = rest[0] if rest else None
    path = prefix.default_path(explicit)
    try:
        if verb == "create":
            prefix.ensure(path)
            print(path)
        elif verb == "path":
            print(path)
        elif verb == "list":
            seen = []
            for candidate in (prefix.default_path(), os.environ.get("MACHBOX_PREFIX"),
                              os.environ.get("DPREFIX"),
                              os.path.join(os.path.expanduser("~"), ".machbox")):
                if candidate and os.path.abspath(candidate) not in seen:
                    seen.append(os.path.abspath(candidate))
            for p in seen:
                version = prefix.version_of(p)
                state = f"base {version}" if version is not None else "not created"
                print(f"{p}\t{state}")
        else:
            if not explicit:
                return fail("prefix delete: name the prefix directory", EXIT_USAGE)
            if prefix.version_of(path) is not None:  # its server goes first
                from machbox.server import client

                client.shutdown(path)
            prefix.delete(path)
    except prefix.PrefixError as e:
        return fail(str(e), EXIT_PREFIX)
    return 0
