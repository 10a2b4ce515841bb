#!/usr/bin/env python3
"""stat() through the merged view: a loop of stat calls on a host path and on a macOS
system path (/System/..., served from the prefix), macOS build under machbox vs the
Linux build doing the same on the same files. Shows what the path check costs per call."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import MACHBOX, build_both, prefix_env, timed  # noqa: E402

LOOP = r"""
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
int main(int argc, char **argv) {
    long n = atol(argv[2]);
    struct stat st;
    for (long i = 0; i < n; i++) if (stat(argv[1], &st) != 0) { perror(argv[1]); return 1; }
    return 0;
}
"""
CALLS = 300000


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        exe = build_both(tmp, "loop", LOOP)
        env = prefix_env(tmp)
        prefix = Path(env["MACHBOX_PREFIX"])
        host_file = str(tmp / "loop.c")
        system_file = "/System/Library/CoreServices/SystemVersion.plist"
        real_system_file = str(prefix) + system_file
        print(f"== stat() x {CALLS} through the merged view (per call, start-up subtracted)")
        for label, guest_path, host_path, view in (
                ("host path", host_file, host_file, "merged"),
                ("/System path", system_file, real_system_file, "merged"),
                ("prefix view", system_file, real_system_file, "prefix")):
            lin = timed([exe["x86_64-linux-gnu"], host_path, str(CALLS)], runs)
            base = timed([exe["x86_64-linux-gnu"], host_path, "1"], runs)
            cmd = MACHBOX + ["--root", view, exe["x86_64-macos"], guest_path]
            mb = timed(cmd + [str(CALLS)], runs, env=env)
            mb0 = timed(cmd + ["1"], runs, env=env)
            per_lin = (lin - base) / CALLS * 1e9
            per_mb = (mb - mb0) / CALLS * 1e9
            print(f"  {label:<14} Linux build {per_lin:6.0f} ns   macOS build under machbox "
                  f"{per_mb:6.0f} ns   {per_mb / per_lin:.2f}x")


if __name__ == "__main__":
    main()
