"""How a macOS program started by another process comes back to machbox: the re-entry
command, and the exec hook library preloaded into host programs so that they can start
Mach-O files too (native/exechook). Kept light: the shell and benchmarks import it."""

from __future__ import annotations

import os
import sys

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def reentry_command() -> list[str]:
    """How a Mach-O child (exec, posix_spawn, a shell's exec) starts: this interpreter
    without site processing (-S: .pth files and the editable-install finder cost tens of
    milliseconds, and machbox needs nothing from site-packages) and with this machbox."""
    package_parent = os.path.dirname(PACKAGE_DIR)
    code = (f"import sys; sys.path.insert(0, {package_parent!r}); "
            "from machbox.cli import main; sys.exit(main(sys.argv[1:]))")
    return [sys.executable, "-S", "-E", "-c", code, "run"]


def exec_hook_path() -> str | None:
    for name in os.listdir(PACKAGE_DIR):
        if name.startswith("_exechook") and name.endswith(".so"):
            return os.path.join(PACKAGE_DIR, name)
    return None


def hook_environment(env: dict[str, str], reentry: list[str]) -> None:
    """Puts the exec hook and the re-entry command into ``env`` (a process environment)."""
    hook = exec_hook_path()
    if hook:
        preload = env.get("LD_PRELOAD", "")
        if hook not in preload.replace(":", " ").split():
            env["LD_PRELOAD"] = f"{hook} {preload}".strip()
    env["MACHBOX_REENTRY"] = "\n".join(reentry)
