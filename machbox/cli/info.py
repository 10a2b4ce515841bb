"""`machbox info [--json] BIN`: what a macOS program needs, and whether machbox has it.

Architectures, minimum macOS, the libraries it links, every import with the kind of its
binding (direct, bridge, emulated, unimplemented, or from a Mach-O file the program ships),
and a verdict before running: "ready", or "will stop if it calls: _X (Security), ...".
Bindings are decided by the same binder `machbox run` uses, so the report cannot disagree
with a run.
"""

from __future__ import annotations

import json
import os
import sys

from machbox.cli import EXIT_USAGE, fail

ORDINAL_SELF, ORDINAL_MAIN, ORDINAL_FLAT, ORDINAL_WEAK = 0, -1, -2, -3


def _version(v) -> str | None:
    if not v:
        return None
    major, minor, patch = v
    return f"{major}.{minor}" + (f".{patch}" if patch else "")


def _imports(m, path):
    """(symbol, ordinal, weak) for every import, whichever fixup format the file uses."""
    from machbox.loader.plan import plan_image

    plan = plan_image(m, path)
    seen = set()
    out = []
    if plan.chained is not None:
        items = [(i.name, i.lib_ordinal, i.weak_import) for i in plan.chained.imports]
    else:
        items = [(i.symbol, i.ordinal, i.weak_import) for i in plan.imports]
    for item in items:
        if item[:2] not in seen:
            seen.add(item[:2])
            out.append(item)
    return out


def describe(path: str) -> dict:
    """The report for one file (MachOError and OSError propagate)."""
    from machbox import _native as native
    from machbox.libsystem.binder import Binder
    from machbox.libsystem.libraries import library_key
    from machbox.macho import parse_file

    m = parse_file(path)
    binder = Binder(native)
    libraries = []
    for d in m.dylibs:
        key = library_key(d.name)
        libraries.append({"install_name": d.name, "link": d.kind,
                          "served_by": "machbox" if key else "file",
                          "library": key or os.path.basename(d.name)})
    imports = []
    for symbol, ordinal, weak in _imports(m, path):
        if symbol == "dyld_stub_binder":  # lazy binds are bound at load; never called
            kind, library = "loader", "machbox's loader"
        elif 0 < ordinal <= len(m.dylibs):
            lib = libraries[ordinal - 1]
            if lib["served_by"] == "file":
                kind, library = "shipped", lib["library"]
            else:
                b = binder.resolve(lib["library"], symbol)
                kind = b.kind if b is not None else "missing"
                library = b.library if b is not None else lib["library"]
        elif ordinal in (ORDINAL_SELF, ORDINAL_MAIN):
            kind, library = "self", "the program"
        else:
            kind, library = "flat", "any image"
        imports.append({"name": symbol, "library": library, "kind": kind, "weak": bool(weak)})
    stops = [i for i in imports if i["kind"] in ("unimplemented", "missing") and not i["weak"]]
    bv = m.build_version
    return {
        "path": path,
        "architectures": m.arches,
        "filetype": m.header.filetype_name,
        "min_macos": _version(bv.minos) if bv else None,
        "sdk": _version(bv.sdk) if bv else None,
        "libraries": libraries,
        "imports": imports,
        "counts": {k: sum(1 for i in imports if i["kind"] == k)
                   for k in ("direct", "bridge", "emulated", "unimplemented", "missing",
                             "shipped", "self", "flat", "loader")},
        "verdict": "ready" if not stops else "will stop if it calls: " + ", ".join(
            f"{i['name']} ({i['library']})" for i in stops),
        "unimplemented": [i["name"] for i in stops],
    }


def _print(report: dict) -> None:
    w = sys.stdout.write
    w(f"{report['path']}\n")
    w(f"  architectures: {', '.join(report['architectures'])} (machbox runs x86_64)\n")
    w(f"  type: {report['filetype'].lower()}\n")
    if report["min_macos"]:
        w(f"  minimum macOS: {report['min_macos']} (SDK {report['sdk']})\n")
    w("  libraries:\n")
    for lib in report["libraries"]:
        how = "served by machbox" if lib["served_by"] == "machbox" else "a Mach-O file it ships"
        w(f"    {lib['install_name']:<60} {how}\n")
    counts = ", ".join(f"{k} {v}" for k, v in report["counts"].items() if v)
    w(f"  imports: {len(report['imports'])} ({counts})\n")
    for i in report["imports"]:
        weak = " (weak)" if i["weak"] else ""
        w(f"    {i['name']:<48} {i['library']:<24} {i['kind']}{weak}\n")
    w(f"  verdict: {report['verdict']}\n")


def main(args: list[str]) -> int:
    from machbox.loader.launch import _MACHO_STATUS
    from machbox.macho import MachOError

    as_json = "--json" in args
    paths = [a for a in args if a != "--json"]
    if len(paths) != 1:
        return fail("info: usage: machbox info [--json] PROGRAM", EXIT_USAGE)
    path = paths[0]
    if not os.path.exists(path):
        return fail(f"{path}: no such file", 127)
    try:
        report = describe(path)
    except MachOError as e:
        return fail(f"{path}: {e}", _MACHO_STATUS.get(e.kind, 122))
    except OSError as e:
        return fail(f"{path}: {e.strerror}", 126)
    if as_json:
        json.dump(report, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        _print(report)
    return 0
