"""The import table: for every export of an Apple library, its kind and its implementation.

Each area module (stdio, fs, process, ...) declares a dict ``EXPORTS`` mapping Mach-O symbol
names to an implementation spec:

- ``"="``          direct: the host function of the same name (leading underscore dropped)
- ``"=name"``      direct: the host symbol ``name``
- ``"=name@lib"``  direct: ``name`` in host library ``lib`` (a key of ``HOST_LIBRARIES``)
- ``"mb_name"``    bridge or emulated in C: the native part's exported ``mb_name``
- ``"py:name"``    emulated in Python: ``name`` in that module, registered with ``@python``
- ``"!"``          unimplemented on purpose: binds to a stub that names the call if reached

Whether a native spec is a *bridge* (same purpose, translated ABI) or *emulated* (no host
counterpart) is declared per area module in ``EMULATED`` (a set of symbol names); every
other ``mb_`` spec is a bridge. Symbols a library exports that no area lists are
unimplemented. One table, read top to bottom, is the whole truth about an import.
"""

from __future__ import annotations

import os
import sys

DIRECT = "direct"
BRIDGE = "bridge"
EMULATED = "emulated"
UNIMPLEMENTED = "unimplemented"

# Host shared objects that direct bindings come from, by key.
HOST_LIBRARIES = {
    "libc": "libc.so.6",
    "libm": "libm.so.6",
    "libgcc": "libgcc_s.so.1",
    "libc++": "libc++.so.1",
    "libc++abi": "libc++abi.so.1",
    "libunwind": "libunwind.so.1",
    "libz": "libz.so.1",
    "libresolv": "libresolv.so.2",
    "libffi": "libffi.so.8",
}

# Where a bare "=" or "=name" spec looks, per Apple library.
DEFAULT_HOSTS = {
    "libSystem": ("libc", "libm", "libgcc"),
    "libc++": ("libc++", "libc++abi"),
    "libc++abi": ("libc++abi",),
    "libz": ("libz",),
    "libiconv": ("libc",),
    "libcharset": ("libc",),
    "libresolv": ("libresolv", "libc"),
    "libffi": ("libffi",),
}

# Suffixes whose variant has the same ABI as the plain name on x86_64 (Darwin's
# symbol-variant scheme: cancellation points, UNIX conformance, extensions, 10.5 ABI).
# $INODE64 is NOT here: the plain names keep the old 32-bit-inode layouts.
SAME_ABI_SUFFIXES = ("$NOCANCEL", "$UNIX2003", "$DARWIN_EXTSN", "$1050")

AREA_MODULES = (
    "core",
    "stdio",
    "strings",
    "fs",
    "process",
    "pthread",
    "time",
    "locale",
    "cxx",
    "compression",
    "sysctl",
    "libproc",
    "net",
    "terminal",
    "resolv",
    "libc",
    "dyld",
    "dispatch",
    "corefoundation",
    "mach",
)


class Export:
    """One export of an Apple library as the table describes it."""

    __slots__ = ("name", "kind", "spec", "library", "area")

    def __init__(self, name: str, kind: str, spec: str, library: str, area: str = ""):
        self.name = name
        self.kind = kind
        self.spec = spec
        self.library = library  # the Apple library exporting it (for messages): libsystem_c
        self.area = area

    def __repr__(self) -> str:
        return f"Export({self.name!r}, {self.kind}, {self.spec!r}, {self.library})"


class DarwinError(Exception):
    """Raised by a Python implementation to fail with a Darwin errno."""

    def __init__(self, errno: int, result: int = -1):
        super().__init__(errno)
        self.errno = errno
        self.result = result


# Python implementations registered by @python, by (module, function name).
_python_impls: dict = {}


def _import(module: str):
    """The module named ``module`` (``__import__`` rather than importlib, which costs
    ~1 ms to import at startup)."""
    __import__(module)
    return sys.modules[module]


def python(func):
    """Marks a function as the implementation of ``py:<name>`` specs in its module."""
    _python_impls[(func.__module__, func.__name__)] = func
    return func


def python_impl(module: str, name: str):
    _import(module)
    return _python_impls[(module, name)]


def _kind_of(spec: str, name: str, emulated: set[str]) -> str:
    if spec == "!":
        return UNIMPLEMENTED
    if spec.startswith("="):
        return DIRECT
    if spec.startswith("py:"):
        return EMULATED
    return EMULATED if name in emulated else BRIDGE


def _apple_exports() -> dict[str, dict[str, str]]:
    """Apple library → {symbol: sub-library} from the bundled export lists, which group the
    symbols under `[sub-library]` lines so that reading them is a few C-level calls."""
    data = os.path.join(os.path.dirname(__file__), "data")
    out: dict[str, dict[str, str]] = {}
    for name in sorted(os.listdir(data)):
        if not name.endswith(".exports"):
            continue
        table: dict[str, str] = {}
        with open(os.path.join(data, name)) as f:
            for section in f.read().split("\n[")[1:]:
                sub, _, body = section.partition("]\n")
                table.update(dict.fromkeys(body.split(), sub))
        out[name[: -len(".exports")]] = table
    return out


class _Layer:
    """One area module's exports for one library."""

    __slots__ = ("area", "exports", "emulated")

    def __init__(self, area: str, exports: dict[str, str], emulated: frozenset[str]):
        self.area = area
        self.exports = exports
        self.emulated = emulated


class ImportTable:
    """Every library's exports with kinds, assembled from the area modules.

    Built on every launch, so it keeps the area modules' dicts as they are (one layer per
    area and library) and makes an Export only for the names a program looks up."""

    def __init__(self) -> None:
        self.layers: dict[str, list[_Layer]] = {}  # apple library → its layers
        self.apple_exports = _apple_exports()
        self._cache: dict[tuple[str, str], Export | None] = {}
        for area in AREA_MODULES:
            mod = _import(f"machbox.libsystem.{area}")
            emulated = frozenset(getattr(mod, "EMULATED", ()))
            for library, exports in mod.EXPORTS.items():
                layers = self.layers.setdefault(library, [])
                for other in layers:
                    both = other.exports.keys() & exports.keys()
                    if both:
                        raise ValueError(f"{sorted(both)[0]} ({library}) is listed by both "
                                         f"{other.area} and machbox.libsystem.{area}")
                layers.append(_Layer(f"machbox.libsystem.{area}", exports, emulated))

    def knows(self, library: str) -> bool:
        return library in self.layers or library in self.apple_exports

    def _entry(self, library: str, name: str) -> Export | None:
        for layer in self.layers.get(library, ()):
            spec = layer.exports.get(name)
            if spec is not None:
                sub = self.apple_exports.get(library, {}).get(name, library)
                return Export(name, _kind_of(spec, name, layer.emulated), spec, sub, layer.area)
        return None

    @property
    def entries(self) -> dict[str, dict[str, Export]]:
        """apple library → symbol → Export for everything the area modules list."""
        return {library: {name: self._entry(library, name)
                          for layer in layers for name in layer.exports}
                for library, layers in self.layers.items()}

    def lookup(self, library: str, name: str) -> Export | None:
        """The table's entry for ``name`` in ``library``, following same-ABI variants."""
        key = (library, name)
        if key not in self._cache:
            self._cache[key] = self._lookup(library, name)
        return self._cache[key]

    def _lookup(self, library: str, name: str) -> Export | None:
        entry = self._entry(library, name)
        if entry is not None:
            return entry
        base = name
        for suffix in SAME_ABI_SUFFIXES:
            base = base.replace(suffix, "")
        if base != name:
            entry = self._entry(library, base)
            if entry is not None:
                return entry
        known = self.apple_exports.get(library)
        if known is not None and name in known:
            return Export(name, UNIMPLEMENTED, "!", known[name])
        return None

    def kinds(self, library: str) -> dict[str, str]:
        """Every export of ``library`` (from Apple's list and the table) with its kind."""
        out = {}
        for name in self.apple_exports.get(library, {}):
            entry = self.lookup(library, name)
            out[name] = entry.kind if entry is not None else UNIMPLEMENTED
        for name, entry in self.entries.get(library, {}).items():
            out[name] = entry.kind
        return out


_table: ImportTable | None = None


def table() -> ImportTable:
    global _table
    if _table is None:
        _table = ImportTable()
    return _table
