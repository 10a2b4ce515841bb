"""`machbox trace [--json] [-o FILE] [--only GLOB] [--] PROGRAM [ARGS...]`: the program's
bridged calls, emulated calls and system calls as they happen (Darling's xtrace).

The program runs as `machbox run` in a child process whose environment names a FIFO for
the records; every machbox process it forks or starts by exec writes there too, so the
whole tree is traced into one output. This process reads the records and writes them as
text (default) or as the JSON lines they are (--json), to stderr or -o FILE, until every
writer is gone; then it exits with the program's status.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import tempfile

from machbox.trace import ENV_ONLY, ENV_OUTPUT

USAGE = "usage: machbox trace [--json] [-o FILE] [--only GLOB] [--] PROGRAM [ARGS...]"
EXIT_USAGE = 2


def _options(args: list[str]) -> dict | int:
    options: dict = {"json": False, "output": None, "only": None}
    while args and args[0].startswith("-"):
        opt = args.pop(0)
        if opt == "--":
            break
        if opt in ("-h", "--help"):
            print(USAGE)
            return 0
        if opt == "--json":
            options["json"] = True
        elif opt in ("-o", "--only") and args:
            options["output" if opt == "-o" else "only"] = args.pop(0)
        elif opt.startswith(("-o=", "--only=")):
            name, _, value = opt.partition("=")
            options["output" if name == "-o" else "only"] = value
        elif opt in ("-o", "--only"):
            sys.stderr.write(f"machbox: trace: {opt} needs a value\n{USAGE}\n")
            return EXIT_USAGE
        else:
            sys.stderr.write(f"machbox: trace: bad option {opt}\n{USAGE}\n")
            return EXIT_USAGE
    if not args:
        sys.stderr.write(f"machbox: trace: no program given\n{USAGE}\n")
        return EXIT_USAGE
    options["program"] = args
    return options


def main(args: list[str]) -> int:
    options = _options(list(args))
    if isinstance(options, int):
        return options
    try:
        out = open(options["output"], "w") if options["output"] else sys.stderr
    except OSError as e:
        sys.stderr.write(f"machbox: trace: {options['output']}: {e.strerror}\n")
        return EXIT_USAGE
    with tempfile.TemporaryDirectory(prefix="machbox-trace-") as folder:
        fifo = os.path.join(folder, "records")
        os.mkfifo(fifo, 0o600)
        status = _trace(options, fifo, out)
    if out is not sys.stderr:
        out.close()
    if status < 0:  # the program died of a signal: so does machbox, as `machbox run` does
        signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
        return 128 - status
    return status


def _trace(options: dict, fifo: str, out) -> int:
    from machbox.loader.reentry import reentry_command
    from machbox.trace.render import render

    env = dict(os.environ)
    env[ENV_OUTPUT] = fifo
    env.pop(ENV_ONLY, None)
    if options["only"]:
        env[ENV_ONLY] = options["only"]
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    keep = os.open(fifo, os.O_WRONLY)  # no end of file before the program has started
    child = subprocess.Popen(reentry_command() + options["program"], env=env)
    # a ^C reaches the program (same process group); the tracer keeps reading its records
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pending = b""
    while True:
        if keep >= 0 and child.poll() is not None:
            os.close(keep)  # from now on, end of file once the program's tree is done
            keep = -1
        select.select([reader], [], [], 0.2)
        try:
            chunk = os.read(reader, 65536)
        except BlockingIOError:
            continue
        if not chunk:
            if keep < 0:
                break
            continue
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            out.write(render(line.decode("latin-1"), options["json"]) + "\n")
        out.flush()
    os.close(reader)
    return child.wait()
