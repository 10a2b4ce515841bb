"""`machbox debug [--gdb|--lldb] [-ex COMMAND]... [--] PROGRAM [ARGS...]`: the program under
the host's debugger.

The program starts under `machbox run --wait-for-debugger`, which writes its images'
symbols (ELF symbol files for gdb, image and slide commands for lldb) and stops before the
first initialiser; the debugger then attaches with those loaded, and machbox's own signals
(SIGSYS, the thread-suspend signal, SIGSTOP from the wait) are set to pass silently, so
`break FUNCTION`, `continue`, `bt` and `disassemble` work on guest code. With -ex commands
the debugger runs them in batch mode and exits. Images the program dlopens later reach the
debugger through the GDB JIT interface (native/debugjit.c), which gdb and lldb both read,
so a pending breakpoint in a plugin resolves when the plugin is opened.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

USAGE = "usage: machbox debug [--gdb|--lldb] [-ex COMMAND]... [--] PROGRAM [ARGS...]"
# machbox's own signals: the raw-syscall trap, the thread-suspend signal (SIGRTMIN + 6)
_SUSPEND_SIGNAL = int(signal.SIGRTMIN) + 6


def _options(args: list[str]) -> tuple[str, list[str], list[str]] | int:
    debugger, commands = "gdb", []
    while args and args[0].startswith("-"):
        opt = args.pop(0)
        if opt == "--":
            break
        if opt in ("--gdb", "--lldb"):
            debugger = opt[2:]
        elif opt == "-ex" and args:
            commands.append(args.pop(0))
        else:
            sys.stderr.write(f"machbox: debug: unknown option {opt}\n{USAGE}\n")
            return 2
    if not args:
        sys.stderr.write(f"machbox: debug: no program given\n{USAGE}\n")
        return 2
    return debugger, commands, args


def _wait_stopped(child: subprocess.Popen, seconds: float = 60) -> bool:
    """Until the child stops itself before its initialisers (or ends)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end and child.poll() is None:
        try:
            with open(f"/proc/{child.pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "T":
                    return True
        except OSError:
            return False
        time.sleep(0.02)
    return False


def _debugger_command(debugger: str, pid: int, symbols: str, commands: list[str]) -> list[str]:
    if debugger == "gdb":
        cmd = ["gdb", "-q", "-nx", "-p", str(pid), "-ex", "set pagination off",
               "-ex", "set confirm off", "-x", os.path.join(symbols, "symbols.gdb")]
        for sig in ("SIGSYS", f"SIG{_SUSPEND_SIGNAL}", "SIGSTOP", "SIGCONT"):
            cmd += ["-ex", f"handle {sig} nostop noprint pass"]
        for c in commands:
            cmd += ["-ex", c]
        return cmd + (["-batch"] if commands else [])
    cmd = ["lldb", "-p", str(pid), "-s", os.path.join(symbols, "symbols.lldb")]
    for sig in ("SIGSYS", str(_SUSPEND_SIGNAL), "SIGSTOP", "SIGCONT"):
        cmd += ["-o", f"process handle -s false -n false -p true {sig}"]
    for c in commands:
        cmd += ["-o", c]
    return cmd + (["-b"] if commands else [])


def main(args: list[str]) -> int:
    parsed = _options(list(args))
    if isinstance(parsed, int):
        return parsed
    debugger, commands, program = parsed
    if not shutil.which(debugger):
        sys.stderr.write(f"machbox: debug: {debugger} is not installed (apt-get install "
                         f"{debugger})\n")
        return 127
    with tempfile.TemporaryDirectory(prefix="machbox-debug-") as symbols:
        env = dict(os.environ, MACHBOX_DEBUG_SYMBOLS=symbols)
        child = subprocess.Popen([sys.executable, "-m", "machbox", "run",
                                  "--wait-for-debugger", "--", *program], env=env)
        if not _wait_stopped(child):
            return child.wait()
        status = subprocess.call(_debugger_command(debugger, child.pid, symbols, commands))
        if child.poll() is None:  # the debugger left it stopped or running: it goes on
            os.kill(child.pid, signal.SIGCONT)
        code = child.wait()
    return code if code >= 0 else 128 - code if status == 0 else status
