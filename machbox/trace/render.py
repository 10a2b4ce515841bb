"""Trace records (one JSON object per line, written by the native part) as text.

    [4242] open("/etc/hosts", O_RDONLY|O_CLOEXEC) = 3  <12.0 us>
    [4242:4250] open("/missing", O_RDONLY) = -1 ENOENT  <8.1 us>
    [4243] _exit(3) = ?
    [4242] syscall open_nocancel("/etc/hosts", O_RDONLY) = 3  <3.0 us>

The pid (and the thread id when it is not the main thread's) comes first, then the call as
C would write it, then the result with the Darwin errno name of a failure and the time it
took. Strings and buffers are quoted with C escapes; flags, enums and addresses are bare.
A raw system call or Mach trap (guest code's own `syscall` instruction) says so, as does a
host system call made inside a captured stdio call (`host write(1, ...)`).
"""

from __future__ import annotations

import json

from machbox.trace import prototypes

_QUOTED = ("str", "buf")
_RAW_KINDS = ("syscall", "mach_trap", "machdep", "host")
_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", '"': '\\"', "\\": "\\\\"}


def c_string(text: str) -> str:
    """``text`` (bytes as Latin-1 code points) as a C string literal."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif " " <= ch < "\x7f":
            out.append(ch)
        else:
            out.append(f"\\x{ord(ch):02x}")
    return '"' + "".join(out) + '"'


def _argument(kind: str, value, following) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, dict):  # a Mach message header
        return "{" + ", ".join(f"{k}={v}" for k, v in value.items()) + "}"
    if kind in _QUOTED and isinstance(value, str):
        text = c_string(value)
        # a buffer is shown in part: say so when the count says there is more
        if kind == "buf" and isinstance(following, int) and following > len(value):
            text += "..."
        return text
    return str(value)


def text(record: dict) -> str:
    """One record as a line of text (without the newline)."""
    who = f"[{record['pid']}]" if record["tid"] == record["pid"] else \
        f"[{record['pid']}:{record['tid']}]"
    call = record["call"]
    raw = f"{record['kind']} " if record.get("kind") in _RAW_KINDS else ""
    args = record.get("args")
    if args is None:
        shown = "..."
    else:
        if record.get("kind") == "host":
            proto = prototypes.prototype(call, host=True)
        else:
            proto = prototypes.prototype(prototypes.raw_prototype_name(call) if raw else call)
        kinds = proto.args if proto is not None else ["int"] * len(args)
        shown = ", ".join(_argument(kinds[i], value, args[i + 1] if i + 1 < len(args) else None)
                          for i, value in enumerate(args))
    line = f"{who} {raw}{call}({shown})"
    if "result" not in record:
        return line + (" = ?" if "us" not in record else "")
    line += f" = {record['result']}"
    if "errno" in record:
        line += f" {record['errno']}"
    return line + f"  <{record['us']} us>"


def render(line: str, as_json: bool) -> str:
    """A record line as the output wants it; a line that is not a record passes as is."""
    if as_json:
        return line
    try:
        return text(json.loads(line))
    except (ValueError, KeyError, TypeError):
        return line
