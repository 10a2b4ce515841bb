"""launchctl: jobs of the prefix's launchd (machbox.kernel.launchd, run by the per-prefix
server, which this starts when none runs).

    launchctl load [-w] [-F] PATH...        launchctl unload [-w] PATH...
    launchctl bootstrap DOMAIN PATH...      launchctl bootout DOMAIN[/LABEL] [PATH...]
    launchctl list [LABEL]                  launchctl print DOMAIN/LABEL
    launchctl start LABEL                   launchctl stop LABEL
    launchctl kickstart [-k] [-p] DOMAIN/LABEL
    launchctl enable DOMAIN/LABEL           launchctl disable DOMAIN/LABEL
    launchctl remove LABEL

DOMAIN is ``system``, ``gui/UID`` or ``user/UID`` (machbox keeps one launchd per prefix,
so the domain only selects the label). Output and exit statuses follow launchctl(1).
"""

from __future__ import annotations

import os
import sys

USAGE = __doc__.split("\n\n")[1]
NOT_FOUND = 113


def _prefix() -> str:
    from machbox.vfs import prefix

    return prefix.ensure(prefix.default_path(None), quiet=True)


def _request(request: dict) -> dict:
    from machbox.server import client

    return client.launchd_request(_prefix(), request)


def _label_of(target: str) -> str:
    """The label of a service target (DOMAIN/LABEL) or of a bare label."""
    for domain in ("system/", "gui/", "user/", "pid/"):
        if target.startswith(domain):
            parts = target.split("/", 2 if domain != "system/" else 1)
            return parts[-1] if len(parts) == (3 if domain != "system/" else 2) else ""
    return target


def _fail(answer: dict, verb: str = "") -> int:
    code, message = answer["error"]
    sys.stderr.write(f"{verb}{message}\n")
    return code


# ---- output in launchctl's formats ------------------------------------------------------

def _quoted(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_job(job: dict) -> str:
    """`launchctl list LABEL`: the job as a dictionary in launchd's old-style syntax."""
    lines = ["{"]
    for key, value in job.items():
        if isinstance(value, list):
            lines.append(f'\t"{key}" = (')
            lines += [f"\t\t{_quoted(v)};" for v in value]
            lines.append("\t);")
        else:
            lines.append(f'\t"{key}" = {_quoted(value)};')
    lines.append("};")
    return "\n".join(lines) + "\n"


def format_rows(rows: list) -> str:
    """`launchctl list`: PID (or -), the last exit status (-SIGNAL if killed), the label."""
    out = ["PID\tStatus\tLabel"]
    out += [f"{pid if pid else '-'}\t{status}\t{label}" for pid, status, label in rows]
    return "\n".join(out) + "\n"


def format_print(job: dict) -> str:
    """`launchctl print DOMAIN/LABEL`."""
    kind = "LaunchDaemon" if job["domain"] == "system" else "LaunchAgent"
    lines = [f"{job['domain']}/{job['Label']} = {{",
             f"\tactive count = {1 if job.get('PID') else 0}",
             f"\tpath = {job['path']}", f"\ttype = {kind}", f"\tstate = {job['state']}", "",
             f"\tprogram = {job['Program']}", "\targuments = {"]
    lines += [f"\t\t{a}" for a in job["ProgramArguments"]]
    lines.append("\t}")
    lines.append("")
    for key, name in (("StandardOutPath", "stdout path"), ("StandardErrorPath", "stderr path")):
        if key in job:
            lines.append(f"\t{name} = {job[key]}")
    if job["environment"]:
        lines.append("\tenvironment = {")
        lines += [f"\t\t{k} => {v}" for k, v in job["environment"].items()]
        lines.append("\t}")
    lines.append("")
    lines.append(f"\truns = {job['runs']}")
    if job.get("PID"):
        lines.append(f"\tpid = {job['PID']}")
    last = job["last_exit"]
    lines.append("\tlast exit code = " + ("(never exited)" if last is None else
                                          f"{-last}: killed by signal" if last < 0 else
                                          str(last)))
    if job["start_interval"]:
        lines.append(f"\trun interval = {job['start_interval']} seconds")
    properties = [p for p, on in (("keepalive", job["keep_alive"] is not False),
                                  ("runatload", job["run_at_load"])) if on]
    if properties:
        lines.append("\tproperties = " + " | ".join(properties))
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---- subcommands ------------------------------------------------------------------------

def _load_like(cmd: str, args: list[str]) -> int:
    write = force = False
    while args and args[0].startswith("-"):
        opt = args.pop(0)
        write |= "w" in opt
        force |= "F" in opt
    if not args:
        sys.stderr.write(f"usage: launchctl {cmd} [-wF] <service-path, service-path2, ...>\n")
        return 64
    answer = _request({"cmd": cmd, "paths": [os.path.abspath(p) for p in args],
                       "write": write, "force": force})
    if "error" in answer:
        return _fail(answer)
    status = 0
    for code, message in answer["errors"]:
        verb = "Load" if cmd == "load" else "Unload"
        sys.stderr.write(f"{verb} failed: {code}: {message}\n")
        status = status or code
    return status


def _bootstrap(args: list[str]) -> int:
    if len(args) < 2:
        sys.stderr.write("usage: launchctl bootstrap <domain-target> <service-path>...\n")
        return 64
    answer = _request({"cmd": "load", "paths": [os.path.abspath(p) for p in args[1:]]})
    if "error" in answer:
        return _fail(answer, "Bootstrap failed: ")
    for code, message in answer["errors"]:
        sys.stderr.write(f"Bootstrap failed: {code}: {message}\n")
        return code
    return 0


def _bootout(args: list[str]) -> int:
    if not args:
        sys.stderr.write("usage: launchctl bootout <domain-target> [service-path...] | "
                         "<service-target>\n")
        return 64
    if len(args) > 1:
        answer = _request({"cmd": "unload", "paths": [os.path.abspath(p) for p in args[1:]]})
        errors = answer.get("errors") or ([answer["error"]] if "error" in answer else [])
    else:
        answer = _request({"cmd": "remove", "label": _label_of(args[0])})
        errors = [answer["error"]] if "error" in answer else []
    for code, message in errors:
        sys.stderr.write(f"Boot-out failed: {code}: {message}\n")
        return code
    return 0


def _list(args: list[str]) -> int:
    answer = _request({"cmd": "list", "label": args[0] if args else None})
    if "error" in answer:
        return _fail(answer)
    sys.stdout.write(format_job(answer["job"]) if args else format_rows(answer["rows"]))
    return 0


def _print(args: list[str]) -> int:
    if not args:
        sys.stderr.write("usage: launchctl print <service-target>\n")
        return 64
    answer = _request({"cmd": "print", "label": _label_of(args[0])})
    if "error" in answer:
        sys.stderr.write(f'Could not find service "{_label_of(args[0])}" in domain for '
                         f"{args[0].rsplit('/', 1)[0]}\n")
        return answer["error"][0]
    sys.stdout.write(format_print(answer["job"]))
    return 0


def _kickstart(args: list[str]) -> int:
    kill = show_pid = False
    while args and args[0].startswith("-"):
        opt = args.pop(0)
        kill |= "k" in opt
        show_pid |= "p" in opt
    if not args:
        sys.stderr.write("usage: launchctl kickstart [-kp] <service-target>\n")
        return 64
    answer = _request({"cmd": "kickstart", "label": _label_of(args[0]), "kill": kill})
    if "error" in answer:
        return _fail(answer)
    if show_pid and answer.get("pid"):
        sys.stdout.write(f"{answer['pid']}\n")
    return 0


def _by_label(cmd: str, missing_status: int):
    def run(args: list[str]) -> int:
        if len(args) != 1:
            sys.stderr.write(f"usage: launchctl {cmd} <label>\n")
            return 64
        answer = _request({"cmd": cmd, "label": _label_of(args[0])})
        if "error" in answer:
            code, message = answer["error"]
            sys.stderr.write(message + "\n")
            return missing_status if code == NOT_FOUND else code
        return 0
    return run


COMMANDS = {
    "load": lambda args: _load_like("load", args),
    "unload": lambda args: _load_like("unload", args),
    "bootstrap": _bootstrap,
    "bootout": _bootout,
    "list": _list,
    "print": _print,
    "kickstart": _kickstart,
    "start": _by_label("start", 3),   # legacy subcommands: ESRCH for an unknown label
    "stop": _by_label("stop", 3),
    "remove": _by_label("remove", 3),
    "enable": _by_label("enable", NOT_FOUND),
    "disable": _by_label("disable", NOT_FOUND),
}


def main(args: list[str]) -> int:
    if not args or args[0] in ("help", "-h", "--help"):
        (sys.stdout if args else sys.stderr).write(USAGE + "\n")
        return 0 if args else 64
    command = COMMANDS.get(args[0])
    if command is None:
        sys.stderr.write(f'Unrecognized subcommand: {args[0]}\n{USAGE}\n')
        return 64
    return command(list(args[1:]))
