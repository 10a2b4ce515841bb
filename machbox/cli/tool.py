"""`machbox tool NAME [ARGS...]`: one of machbox's Darwin commands (machbox.tools)."""

from __future__ import annotations

from machbox.cli import EXIT_USAGE, fail


def main(args: list[str]) -> int:
    from machbox import tools

    if not args:
        return fail("tool: which one? " + ", ".join(sorted(tools.TOOLS)), EXIT_USAGE)
    if args[0] not in tools.TOOLS:  # checked first: a KeyError inside a tool is its own bug
        return fail(f"tool: no tool named {args[0]!r} (have: {', '.join(sorted(tools.TOOLS))})",
                    EXIT_USAGE)
    return tools.run(args[0], args[1:])
