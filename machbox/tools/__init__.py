"""machbox.tools: the Darwin commands machbox provides (`machbox tool NAME ARGS`, and as
scripts in the prefix's /usr/bin so macOS programs and scripts find them on PATH)."""

from __future__ import annotations

TOOLS = {
    "sw_vers": "machbox.tools.sw_vers",
    "sudo": "machbox.tools.sudo",
    "otool": "machbox.tools.otool",
    "nm": "machbox.tools.nm",
    "defaults": "machbox.tools.defaults",
    "launchctl": "machbox.tools.launchctl",
    "hdiutil": "machbox.tools.hdiutil",
    "installer": "machbox.tools.installer",
    "pkgutil": "machbox.tools.pkgutil",
    "lsbom": "machbox.tools.lsbom",
}


def run(name: str, args: list[str]) -> int:
    module = TOOLS.get(name)
    if module is None:
        raise KeyError(name)
    __import__(module)
    import sys

    return sys.modules[module].main(args)
