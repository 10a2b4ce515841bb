"""Building the test programs with PyPI's ziglang, for x86_64-macos and x86_64-linux-gnu.

Outputs are cached in tests/.build/<target>/ under a name that includes a hash of the
sources, flags and zig version, so a rerun rebuilds only what changed. zig's own cache
(~/.cache/zig) keeps its libc++ builds between runs.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"
BUILD = HERE / ".build"
MACOS = "x86_64-macos"
LINUX = "x86_64-linux-gnu"
TARGETS = (MACOS, LINUX)
RECIPE = "2"  # bump when the way programs are built changes, to invalidate the cache


class BuildError(Exception):
    pass


def zig_version() -> str:
    if not hasattr(zig_version, "cached"):
        out = subprocess.run([sys.executable, "-m", "ziglang", "version"], capture_output=True,
                             text=True)
        zig_version.cached = out.stdout.strip() or "unknown"
    return zig_version.cached


class Program:
    """A test program and its directives (leading `// key: value` comments)."""

    def __init__(self, path: Path):
        self.path = path
        self.name = path.stem
        self.cxx = path.suffix == ".cpp"
        self.directives: dict[str, list[str]] = {}
        for line in path.read_text().splitlines():
            if not line.startswith("//"):
                break
            key, sep, value = line[2:].strip().partition(":")
            if sep:
                self.directives.setdefault(key.strip(), []).append(value.strip())
            elif line[2:].strip():
                self.directives.setdefault(line[2:].strip(), []).append("")

    def get(self, key: str, default: str = "") -> str:
        v = self.directives.get(key)
        return v[0] if v else default

    @property
    def args(self) -> list[str]:
        return shlex.split(self.get("args"))

    @property
    def stdin(self) -> bytes:
        f = self.path.with_suffix(".stdin")
        if f.exists():
            return f.read_bytes()
        return self.get("stdin").encode().decode("unicode_escape").encode("latin-1")

    @property
    def env(self) -> dict[str, str]:
        out = {}
        for item in self.directives.get("env", []):
            k, _, v = item.partition("=")
            out[k] = v
        return out

    @property
    def flags(self) -> list[str]:
        """Extra compiler flags; {programs} is this directory (for -L of stub .tbd files)."""
        text = " ".join(self.directives.get("flags", []))
        return shlex.split(text.replace("{programs}", str(PROGRAMS)))

    @property
    def libcxx_dylib(self) -> bool:
        """`// libcxx-dylib`: the macOS build links libc++ as a dylib, as Apple's toolchain
        does (zig links its own statically), through the stub sdk/libcxx_dylib.tbd."""
        return "libcxx-dylib" in self.directives

    @property
    def darwin_only(self) -> bool:
        return "darwin-only" in self.directives

    @property
    def files(self) -> list[str]:
        return shlex.split(" ".join(self.directives.get("files", [])))

    @property
    def dylib_sources(self) -> list[Path]:
        """`// dylib: lib/X.c`: a shared library built beside the program and linked."""
        return [PROGRAMS / d for d in shlex.split(" ".join(self.directives.get("dylib", [])))]

    @property
    def plugin_sources(self) -> list[Path]:
        """`// plugin: lib/X.c`: a shared library built beside the program, not linked (the
        program dlopens it)."""
        return [PROGRAMS / d for d in shlex.split(" ".join(self.directives.get("plugin", [])))]


def programs() -> list[Program]:
    return sorted((Program(p) for p in PROGRAMS.glob("*.c*") if p.suffix in (".c", ".cpp")),
                  key=lambda p: p.name)


def _digest(program: Program, target: str) -> str:
    h = hashlib.sha256()
    for src in [program.path, *program.dylib_sources, *program.plugin_sources]:
        h.update(src.read_bytes())
    h.update(" ".join(program.flags).encode())
    h.update(str(program.libcxx_dylib).encode())
    if program.libcxx_dylib:
        h.update((PROGRAMS / "sdk" / "libcxx_dylib.tbd").read_bytes())
    h.update(target.encode())
    h.update(zig_version().encode())
    h.update(RECIPE.encode())
    return h.hexdigest()[:16]


def _zig(cxx: bool, target: str, args: list[str]) -> None:
    cmd = [sys.executable, "-m", "ziglang", "c++" if cxx else "cc", "-target", target,
           "-O1", "-g0", "-Wno-unused-command-line-argument", *args]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise BuildError(f"{' '.join(cmd)}\n{p.stderr[-4000:]}")


def _build_library(source: Path, target: str, outdir: Path) -> Path:
    """lib<stem>.dylib (installed as @rpath/...) or lib<stem>.so in outdir."""
    cxx = source.suffix == ".cpp"
    if target == MACOS:
        out = outdir / f"lib{source.stem}.dylib"
        _zig(cxx, target, ["-shared", "-o", str(out), str(source),
                           f"-Wl,-install_name,@rpath/lib{source.stem}.dylib"])
    else:
        out = outdir / f"lib{source.stem}.so"
        _zig(cxx, target, ["-shared", "-fPIC", "-o", str(out), str(source),
                           f"-Wl,-soname,lib{source.stem}.so"])
    return out


def build(program: Program, target: str) -> Path:
    """The program built for `target` (cached); a dylib it names is built beside it."""
    outdir = BUILD / target / f"{program.name}-{_digest(program, target)}"
    exe = outdir / program.name
    if exe.exists():
        return exe
    tmp = outdir.with_name(outdir.name + f".tmp{os.getpid()}")
    tmp.mkdir(parents=True, exist_ok=True)
    extra = []
    for lib in program.dylib_sources:
        out = _build_library(lib, target, tmp)
        if target == MACOS:
            extra += [str(out), "-Wl,-rpath,@executable_path"]
        else:
            extra += [f"-L{tmp}", f"-l{lib.stem}", "-Wl,-rpath,$ORIGIN"]
    for lib in program.plugin_sources:
        _build_library(lib, target, tmp)
    out = str(tmp / program.name)
    if program.libcxx_dylib and target == MACOS:
        # compile with zig's libc++ headers, link with the C driver (which adds no libc++)
        _zig(True, target, ["-c", "-o", out + ".o", str(program.path), *program.flags])
        _zig(False, target, ["-o", out, out + ".o", *extra, f"-L{PROGRAMS / 'sdk'}",
                             "-lcxx_dylib"])
        os.unlink(out + ".o")
    else:
        _zig(program.cxx, target, ["-o", out, str(program.path), *extra, *program.flags])
    try:
        tmp.rename(outdir)
    except OSError:  # built concurrently by another run
        pass
    return exe


def build_all(progs: list[Program], jobs: int = 2) -> dict[tuple[str, str], Path | BuildError]:
    """Builds every program for both targets; failures are returned, not raised."""
    def one(item):
        prog, target = item
        try:
            return (prog.name, target), build(prog, target)
        except BuildError as e:
            return (prog.name, target), e

    items = [(p, t) for p in progs for t in TARGETS if not (p.darwin_only and t == LINUX)]
    # C++ first: zig builds its libc++ once per target, the rest reuse it
    items.sort(key=lambda it: not it[0].cxx)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return dict(pool.map(one, items))
