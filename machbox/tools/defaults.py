"""defaults: read and write the user's preferences, as macOS's defaults(1) does.

Preferences live where a Mac keeps them, in the home the prefix maps to /Users/NAME:
~/Library/Preferences/DOMAIN.plist (binary property lists, as cfprefsd writes them),
NSGlobalDomain (-g) in .GlobalPreferences.plist, -currentHost under ByHost/. A domain
that starts with "/" is a plist path (".plist" added).

    defaults [-currentHost] read [DOMAIN [KEY]]      defaults read-type DOMAIN KEY
    defaults [-currentHost] write DOMAIN KEY VALUE   (-string -int -float -bool -date
                                                      -data -array[-add] -dict[-add])
    defaults delete DOMAIN [KEY]    defaults domains
    defaults export DOMAIN PATH|-   defaults import DOMAIN PATH|-
"""

from __future__ import annotations

import datetime
import os
import plistlib
import re
import sys
import uuid

GLOBAL = ("NSGlobalDomain", "-g", "-globalDomain")
_BARE = re.compile(r"^[A-Za-z0-9_$.:/-]+$")


class DefaultsError(Exception):
    pass


def preferences_dir(current_host: bool) -> str:
    base = os.path.join(os.path.expanduser("~"), "Library", "Preferences")
    return os.path.join(base, "ByHost") if current_host else base


def host_uuid() -> str:
    try:
        with open("/etc/machine-id") as f:
            return str(uuid.UUID(f.read().strip())).upper()
    except (OSError, ValueError):
        return "00000000-0000-0000-0000-000000000000"


def domain_path(domain: str, current_host: bool = False) -> str:
    if domain.startswith("/"):
        return domain if domain.endswith(".plist") else domain + ".plist"
    name = ".GlobalPreferences" if domain in GLOBAL else domain
    if current_host:
        name = f"{name}.{host_uuid()}"
    return os.path.join(preferences_dir(current_host), name + ".plist")


def load(domain: str, current_host: bool) -> dict | None:
    try:
        with open(domain_path(domain, current_host), "rb") as f:
            return plistlib.load(f)
    except FileNotFoundError:
        return None
    except (OSError, plistlib.InvalidFileException) as e:
        raise DefaultsError(f"Could not read domain {domain}: {e}") from None


def save(domain: str, current_host: bool, data: dict) -> None:
    path = domain_path(domain, current_host)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        plistlib.dump(data, f, fmt=plistlib.FMT_BINARY)
    os.replace(tmp, path)


# ---- the old-style (NeXTSTEP) text defaults prints ------------------------------------------

def _quote(s: str) -> str:
    if s and _BARE.match(s):
        return s
    escaped = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def render(value, indent: int = 0) -> str:
    pad = " " * indent
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, datetime.datetime):
        return f'"{value.strftime("%Y-%m-%d %H:%M:%S")} +0000"'
    if isinstance(value, bytes):
        return "{length = %d, bytes = 0x%s}" % (len(value), value.hex())
    if isinstance(value, list):
        if not value:
            return "(\n" + pad + ")"
        items = ",\n".join(pad + "    " + render(v, indent + 4) for v in value)
        return f"(\n{items}\n{pad})"
    if isinstance(value, dict):
        if not value:
            return "{\n" + pad + "}"
        items = "".join(f"{pad}    {_quote(str(k))} = {render(v, indent + 4)};\n"
                        for k, v in sorted(value.items()))
        return "{\n" + items + pad + "}"
    return _quote(str(value))


def type_name(value) -> str:
    for t, name in ((bool, "boolean"), (int, "integer"), (float, "float"), (str, "string"),
                    (datetime.datetime, "date"), (bytes, "data"), (list, "array"),
                    (dict, "dictionary")):
        if isinstance(value, t):
            return name
    return "unknown"


# ---- parsing values for write -----------------------------------------------------------------

def _scalar(kind: str, text: str):
    if kind == "-string":
        return text
    if kind in ("-int", "-integer"):
        return int(text)
    if kind == "-float":
        return float(text)
    if kind in ("-bool", "-boolean"):
        low = text.lower()
        if low in ("yes", "true", "1"):
            return True
        if low in ("no", "false", "0"):
            return False
        raise DefaultsError(f"Unexpected argument {text}; leaving defaults unchanged.")
    if kind == "-date":
        for fmt in ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"):
            try:
                d = datetime.datetime.strptime(text, fmt)
                return d.replace(tzinfo=None) - (d.utcoffset() or datetime.timedelta())
            except ValueError:
                continue
        raise DefaultsError(f"Unexpected argument {text}; leaving defaults unchanged.")
    if kind == "-data":
        return bytes.fromhex(text)
    raise DefaultsError(f"Unexpected argument {kind}; leaving defaults unchanged.")


def _typed_values(args: list[str]) -> list:
    """Values in `-type value` pairs (or bare strings), for arrays and dictionaries."""
    out, i = [], 0
    while i < len(args):
        if args[i].startswith("-") and i + 1 < len(args):
            out.append(_scalar(args[i], args[i + 1]))
            i += 2
        else:
            out.append(args[i])
            i += 1
    return out


def parse_write(current, args: list[str]):
    if not args:
        raise DefaultsError("Command line interface to a user's defaults.")
    kind = args[0]
    if kind in ("-array", "-array-add"):
        values = _typed_values(args[1:])
        if kind == "-array-add" and isinstance(current, list):
            return current + values
        return values
    if kind in ("-dict", "-dict-add"):
        values = _typed_values(args[1:])
        if len(values) % 2:
            raise DefaultsError("Dictionary keys and values must come in pairs.")
        d = dict(current) if kind == "-dict-add" and isinstance(current, dict) else {}
        d.update({str(values[i]): values[i + 1] for i in range(0, len(values), 2)})
        return d
    if kind.startswith("-") and len(args) == 2:
        return _scalar(kind, args[1])
    if len(args) == 1:
        return args[0]
    raise DefaultsError("Unexpected argument; leaving defaults unchanged.")


# ---- commands ----------------------------------------------------------------------------

def _domains() -> list[str]:
    try:
        names = os.listdir(preferences_dir(False))
    except OSError:
        return []
    return sorted(n[:-6] for n in names if n.endswith(".plist") and not n.startswith("."))


def run(args: list[str]) -> int:
    current_host = False
    while args and args[0] in ("-currentHost", "-host"):
        current_host = args[0] == "-currentHost"
        args = args[1:] if args[0] == "-currentHost" else args[2:]
    if not args:
        sys.stderr.write(__doc__.split("\n\n", 2)[2])
        return 255
    cmd, rest = args[0], args[1:]
    if cmd == "domains":
        print(", ".join(_domains()))
        return 0
    if cmd == "read" and not rest:
        everything = {d: load(d, current_host) or {} for d in _domains()}
        print(render(everything))
        return 0
    if not rest:
        raise DefaultsError("Command line interface to a user's defaults.")
    domain = rest[0]
    data = load(domain, current_host)
    if cmd == "read":
        if data is None:
            raise DefaultsError(f"\nDomain {domain} does not exist\n")
        if len(rest) == 1:
            print(render(data))
        elif rest[1] in data:
            print(render(data[rest[1]]) if not isinstance(data[rest[1]], str)
                  else data[rest[1]])
        else:
            raise DefaultsError(f"\nThe domain/default pair of ({domain}, {rest[1]}) does not "
                                "exist\n")
        return 0
    if cmd == "read-type":
        if data is None or len(rest) < 2 or rest[1] not in data:
            raise DefaultsError(f"\nThe domain/default pair of ({domain}, "
                                f"{rest[1] if len(rest) > 1 else ''}) does not exist\n")
        print(f"Type is {type_name(data[rest[1]])}")
        return 0
    if cmd == "write":
        data = data or {}
        if len(rest) == 2 and rest[1].lstrip().startswith("<"):  # a whole plist, as XML
            save(domain, current_host, plistlib.loads(rest[1].encode()))
            return 0
        if len(rest) < 3:
            raise DefaultsError("Command line interface to a user's defaults.")
        data[rest[1]] = parse_write(data.get(rest[1]), rest[2:])
        save(domain, current_host, data)
        return 0
    if cmd == "delete":
        if data is None:
            raise DefaultsError(f"Domain ({domain}) not found.\nDefaults have not been changed.")
        if len(rest) == 1:
            os.unlink(domain_path(domain, current_host))
            return 0
        if rest[1] not in data:
            raise DefaultsError(f"Domain ({domain}) not found.\nDefaults have not been changed.")
        del data[rest[1]]
        save(domain, current_host, data)
        return 0
    if cmd == "export":
        if data is None or len(rest) < 2:
            raise DefaultsError(f"The domain {domain} does not exist")
        blob = plistlib.dumps(data, fmt=plistlib.FMT_XML)
        if rest[1] == "-":
            sys.stdout.buffer.write(blob)
        else:
            with open(rest[1], "wb") as f:
                f.write(blob)
        return 0
    if cmd == "import":
        if len(rest) < 2:
            raise DefaultsError("Command line interface to a user's defaults.")
        blob = sys.stdin.buffer.read() if rest[1] == "-" else open(rest[1], "rb").read()
        save(domain, current_host, plistlib.loads(blob))
        return 0
    raise DefaultsError(f"Unrecognized command {cmd}")


def main(args: list[str]) -> int:
    try:
        return run(list(args))
    except DefaultsError as e:
        sys.stderr.write(f"{e}\n" if not str(e).endswith("\n") else str(e))
        return 1
    except (ValueError, OSError, plistlib.InvalidFileException) as e:
        sys.stderr.write(f"defaults: {e}\n")
        return 1
