"""launchd's jobs for one prefix: job descriptions from launchd.plist(5) files in the
prefix's LaunchDaemons and LaunchAgents, started, watched and restarted as launchd does.

The per-prefix server owns one ``Launchd``: it passes each `launchctl` request to
``handle`` and calls ``tick`` when a child exits or ``next_deadline`` comes (children are
reaped here, so nothing the server starts outlives it as a zombie). Jobs run in their own
session and process group; when a job's main process ends, what is left of its group is
killed unless the job sets AbandonProcessGroup, and stopping a job sends SIGTERM and, after
ExitTimeOut seconds, SIGKILL to the group — so a stopped or unloaded job leaves nothing
behind. Mach-O programs run under `machbox run` in the prefix; other programs run as they
are, with the exec hook so that Mach-O programs they start work too.
"""

from __future__ import annotations

import os
import plistlib
import shutil
import signal
import subprocess
import time

from machbox.vfs.paths import host_path

DEFAULT_THROTTLE = 10.0  # seconds between two starts of a job (ThrottleInterval)
DEFAULT_EXIT_TIMEOUT = 20.0  # seconds from SIGTERM to SIGKILL when stopping (ExitTimeOut)
DEFAULT_PATH = "/usr/bin:/bin:/usr/sbin:/sbin"  # launchd's _PATH_STDPATH for jobs
# signals launchd counts as a crash for KeepAlive's Crashed key
CRASH_SIGNALS = {signal.SIGILL, signal.SIGTRAP, signal.SIGABRT, signal.SIGFPE, signal.SIGBUS,
                 signal.SIGSEGV, signal.SIGSYS}
MACHO_MAGICS = (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf")

# launchd.plist keys and the Python types their values must have
KEY_TYPES = {
    "Label": str, "Program": str, "ProgramArguments": list, "RunAtLoad": bool,
    "KeepAlive": (bool, dict), "StartInterval": int, "ThrottleInterval": int,
    "EnvironmentVariables": dict, "StandardInPath": str, "StandardOutPath": str,
    "StandardErrorPath": str, "WorkingDirectory": str, "ExitTimeOut": int, "Disabled": bool,
    "AbandonProcessGroup": bool, "MachServices": dict, "Umask": int, "UserName": str,
    "GroupName": str, "ProcessType": str, "LimitLoadToSessionType": (str, list),
}


class JobError(Exception):
    """A request launchd refuses: ``code`` is the errno-style status launchctl exits with."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


NOT_FOUND = 113  # launchctl: "Could not find service ... in domain"
ALREADY_LOADED = 37  # EALREADY on Darwin: "Operation already in progress"


class Job:
    """One loaded job: its description and what launchd knows of its last run."""

    def __init__(self, desc: dict, path: str, domain: str):
        self.desc = desc
        self.label: str = desc["Label"]
        self.path = path
        self.domain = domain
        args = list(desc.get("ProgramArguments") or [])
        self.program: str = desc.get("Program") or args[0]
        self.arguments: list[str] = args or [self.program]
        self.keep_alive = desc.get("KeepAlive", False)
        self.throttle = float(desc.get("ThrottleInterval", DEFAULT_THROTTLE))
        self.exit_timeout = float(desc.get("ExitTimeOut", DEFAULT_EXIT_TIMEOUT))
        self.interval = desc.get("StartInterval")
        self.process: subprocess.Popen | None = None
        self.last_exit: int | None = None  # exit status, or -signal
        self.runs = 0
        self.started_at = 0.0
        self.next_start: float | None = None
        self.kill_at: float | None = None  # SIGKILL deadline of a stop in progress
        self.removing = False  # unloaded: no restart, forgotten once it has ended
        self.error: str | None = None  # why the last start failed

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process and self.process.returncode is None else None

    def wants_restart(self, prefix: str) -> bool:
        """KeepAlive after the run that just ended (launchd.plist(5)): true always; a
        dictionary when any of its conditions holds."""
        if self.removing:
            return False
        if isinstance(self.keep_alive, bool):
            return self.keep_alive
        status = self.last_exit
        crashed = status is not None and status < 0 and -status in CRASH_SIGNALS
        for key, want in self.keep_alive.items():
            if key == "SuccessfulExit" and (status == 0) == bool(want):
                return True
            if key == "Crashed" and crashed == bool(want):
                return True
            if key == "PathState" and isinstance(want, dict) and any(
                    os.path.exists(host_path(p, prefix)) == bool(v) for p, v in want.items()):
                return True
        return False

    def describe(self) -> dict:
        """What `launchctl list LABEL` shows."""
        out = {"Label": self.label,
               "LimitLoadToSessionType": "System" if self.domain == "system" else "Aqua",
               "OnDemand": self.keep_alive is not True,
               "LastExitStatus": self.last_exit if self.last_exit is not None else 0}
        if self.pid:
            out["PID"] = self.pid
        out["Program"] = self.program
        out["ProgramArguments"] = self.arguments
        for key in ("StandardOutPath", "StandardErrorPath"):
            if key in self.desc:
                out[key] = self.desc[key]
        return out


def read_job_file(path: str) -> dict:
    """A job description from a plist file (XML or binary), checked as launchd checks it."""
    try:
        with open(path, "rb") as f:
            desc = plistlib.load(f)
    except FileNotFoundError:
        raise JobError(2, f"{path}: No such file or directory") from None
    except (OSError, plistlib.InvalidFileException, ValueError) as e:
        raise JobError(5, f"{path}: Invalid property list ({e})") from None
    if not isinstance(desc, dict):
        raise JobError(22, f"{path}: Invalid property list (not a dictionary)")
    for key, kind in KEY_TYPES.items():
        if key in desc and not isinstance(desc[key], kind):
            raise JobError(22, f"{path}: {key} has the wrong type")
    if not desc.get("Label"):
        raise JobError(22, f"{path}: no Label")
    args = desc.get("ProgramArguments")
    if not desc.get("Program") and not args:
        raise JobError(22, f"{path}: neither Program nor ProgramArguments")
    if args is not None and not all(isinstance(a, str) for a in args):
        raise JobError(22, f"{path}: ProgramArguments must be strings")
    return desc


def domain_of(path: str) -> str:
    """LaunchDaemons are the system domain's, LaunchAgents the user's GUI domain's."""
    return "system" if "/LaunchDaemons/" in path else f"gui/{os.getuid()}"


class Launchd:
    """The jobs of one prefix."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.jobs: dict[str, Job] = {}

    # ---- requests ----------------------------------------------------------------------

    def load(self, path: str, force: bool = False) -> Job:
        desc = read_job_file(path)
        if desc.get("Disabled") and not force:
            raise JobError(119, f"{desc['Label']}: service is disabled")
        label = desc["Label"]
        if label in self.jobs and not self.jobs[label].removing:
            raise JobError(ALREADY_LOADED, f"{label}: service already loaded")
        job = Job(desc, os.path.abspath(path), domain_of(os.path.abspath(path)))
        self.jobs[label] = job
        now = time.monotonic()
        if desc.get("RunAtLoad") or job.keep_alive is True:
            job.next_start = now
        elif job.interval:
            job.next_start = now + job.interval
        self.tick()
        return job

    def unload(self, label: str) -> None:
        job = self.job(label)
        job.removing = True
        job.next_start = None
        if job.pid:
            self._terminate(job)
        else:
            del self.jobs[label]

    def start(self, label: str) -> None:
        job = self.job(label)
        if not job.pid:
            self._spawn(job)

    def stop(self, label: str) -> None:
        """SIGTERM (SIGKILL after ExitTimeOut); KeepAlive may start it again, as launchd does."""
        job = self.job(label)
        if job.pid:
            self._terminate(job)

    def kickstart(self, label: str, kill: bool = False) -> int | None:
        job = self.job(label)
        if job.pid and kill:
            self._kill_group(job, signal.SIGKILL)
            job.process.wait()
            self._ended(job)
        if not job.pid:
            self._spawn(job)
        return job.pid

    def job(self, label: str) -> Job:
        job = self.jobs.get(label)
        if job is None or job.removing:
            raise JobError(NOT_FOUND, f'Could not find service "{label}" in domain for port')
        return job

    def rows(self) -> list[tuple[int | None, int, str]]:
        """`launchctl list`: (pid, last exit status, label) of every job."""
        return [(j.pid, j.last_exit or 0, j.label) for j in self.jobs.values() if not j.removing]

    def shutdown(self) -> None:
        """Every job ended, then forgotten: nothing the server started outlives it."""
        for job in list(self.jobs.values()):
            job.removing = True
            if job.pid:
                self._kill_group(job, signal.SIGTERM)
        deadline = time.monotonic() + 2
        for job in list(self.jobs.values()):
            if job.process and job.process.returncode is None:
                try:
                    job.process.wait(max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    self._kill_group(job, signal.SIGKILL)
                    job.process.wait()
            self._kill_group(job, signal.SIGKILL)
        self.jobs.clear()

    # ---- the clock and the children ----------------------------------------------------

    def tick(self) -> None:
        """Reaps ended jobs, escalates stops and starts what is due."""
        now = time.monotonic()
        for job in list(self.jobs.values()):
            if job.process and job.process.returncode is None and job.process.poll() is not None:
                self._ended(job)
            if job.pid and job.kill_at is not None and now >= job.kill_at:
                self._kill_group(job, signal.SIGKILL)
                job.kill_at = None
            if job.removing and not job.pid:
                self.jobs.pop(job.label, None)
                continue
            if job.next_start is not None and now >= job.next_start:
                job.next_start = None
                if not job.pid:
                    self._spawn(job)
                if job.interval:
                    job.next_start = job.started_at + job.interval

    def next_deadline(self) -> float | None:
        """When ``tick`` has work next (time.monotonic), apart from a child's exit."""
        times = [t for j in self.jobs.values() for t in (j.next_start, j.kill_at) if t is not None]
        return min(times) if times else None

    def running(self) -> bool:
        return any(j.pid for j in self.jobs.values())

    # ---- processes ---------------------------------------------------------------------

    def _ended(self, job: Job) -> None:
        job.last_exit = job.process.returncode
        job.kill_at = None
        if not job.desc.get("AbandonProcessGroup"):
            self._kill_group(job, signal.SIGKILL)
        if job.wants_restart(self.prefix):
            job.next_start = max(time.monotonic(), job.started_at + job.throttle)

    def _terminate(self, job: Job) -> None:
        self._kill_group(job, signal.SIGTERM)
        job.kill_at = time.monotonic() + job.exit_timeout

    def _kill_group(self, job: Job, sig: int) -> None:
        if job.process is None:
            return
        try:
            os.killpg(job.process.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def _spawn(self, job: Job) -> None:
        argv = self._command(job)
        env = self._environment(job)
        desc = job.desc
        files = []
        try:
            stdin = self._open(desc.get("StandardInPath"), os.O_RDONLY, files)
            stdout = self._open(desc.get("StandardOutPath"),
                                os.O_WRONLY | os.O_CREAT | os.O_APPEND, files)
            stderr = self._open(desc.get("StandardErrorPath"),
                                os.O_WRONLY | os.O_CREAT | os.O_APPEND, files)
            cwd = desc.get("WorkingDirectory")
            umask = desc.get("Umask")
            job.process = subprocess.Popen(
                argv, stdin=stdin, stdout=stdout, stderr=stderr, env=env,
                cwd=host_path(cwd, self.prefix) if cwd else None, start_new_session=True,
                close_fds=True, umask=umask if umask is not None else -1)
        except OSError as e:
            job.process = None
            job.last_exit = 78  # EX_CONFIG, as launchd reports a job it cannot start
            if job.wants_restart(self.prefix):
                job.next_start = time.monotonic() + job.throttle
            job.error = str(e)
            return
        finally:
            for fd in files:
                os.close(fd)
        job.runs += 1
        job.started_at = time.monotonic()

    def _open(self, guest: str | None, flags: int, opened: list[int]) -> int:
        if not guest:
            return subprocess.DEVNULL
        fd = os.open(host_path(guest, self.prefix), flags | os.O_CLOEXEC, 0o644)
        opened.append(fd)
        return fd

    def _command(self, job: Job) -> list[str]:
        """The host command line: Mach-O programs under `machbox run` in this prefix."""
        program = job.program
        if "/" not in program:
            program = shutil.which(program, path=DEFAULT_PATH) or program
        host = host_path(program, self.prefix)
        try:
            with open(host, "rb") as f:
                macho = f.read(4) in MACHO_MAGICS
        except OSError:
            macho = False
        if not macho:
            return [host, *job.arguments[1:]]
        from machbox.loader.reentry import reentry_command

        return [*reentry_command(), "--prefix", self.prefix, "--argv0", job.arguments[0],
                "--", host, *job.arguments[1:]]

    def _environment(self, job: Job) -> dict[str, str]:
        from machbox.loader.reentry import hook_environment, reentry_command

        home = os.path.expanduser("~")
        env = {"PATH": DEFAULT_PATH, "HOME": home, "USER": os.environ.get("USER", ""),
               "LOGNAME": os.environ.get("LOGNAME", ""), "SHELL": "/bin/sh",
               "TMPDIR": "/tmp/", "XPC_SERVICE_NAME": job.label,
               "MACHBOX_PREFIX": self.prefix}
        env.update({k: str(v) for k, v in job.desc.get("EnvironmentVariables", {}).items()})
        hook_environment(env, reentry_command())  # MACHBOX_PREFIX names the prefix
        return env


# ---- what `launchctl` asks for ------------------------------------------------------------
# Requests and answers are plain dictionaries (the server carries them as JSON); the text a
# user sees is made by machbox.tools.launchctl.

OVERRIDES = "private/var/db/launchd.db/com.apple.launchd/overrides.plist"
JOB_DIRS = ("Library/LaunchDaemons", "Library/LaunchAgents")


def overrides(prefix: str) -> dict:
    """Labels enabled or disabled by `load -w`/`unload -w`/`enable`/`disable`."""
    try:
        with open(os.path.join(prefix, OVERRIDES), "rb") as f:
            data = plistlib.load(f)
        return data if isinstance(data, dict) else {}
    except (OSError, plistlib.InvalidFileException, ValueError):
        return {}


def set_disabled(prefix: str, label: str, disabled: bool) -> None:
    data = overrides(prefix)
    data[label] = {"Disabled": disabled}
    path = os.path.join(prefix, OVERRIDES)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}"
    with open(tmp, "wb") as f:
        plistlib.dump(data, f)
    os.replace(tmp, path)  # never a half-written database


def is_disabled(prefix: str, desc: dict) -> bool:
    entry = overrides(prefix).get(desc.get("Label"))
    if isinstance(entry, dict) and "Disabled" in entry:
        return bool(entry["Disabled"])
    return bool(desc.get("Disabled"))


def installed_jobs(prefix: str) -> list[str]:
    """The job files a Mac loads at boot and login: the prefix's LaunchDaemons, then
    LaunchAgents."""
    found = []
    for d in JOB_DIRS:
        directory = os.path.join(prefix, d)
        try:
            names = sorted(n for n in os.listdir(directory) if n.endswith(".plist"))
        except OSError:
            continue
        found += [os.path.join(directory, n) for n in names]
    return found


def boot(engine: Launchd) -> list[str]:
    """Loads every installed, enabled job, as launchd does when the system starts; returns
    the files it could not load, with why."""
    problems = []
    for path in installed_jobs(engine.prefix):
        try:
            desc = read_job_file(path)
            if not is_disabled(engine.prefix, desc):
                engine.load(path, force=True)
        except JobError as e:
            problems.append(str(e))
    return problems


def handle(engine: Launchd, request: dict) -> dict:
    """One `launchctl` request; ``{"error": [code, message]}`` when refused."""
    try:
        return _HANDLERS[request["cmd"]](engine, request)
    except JobError as e:
        return {"error": [e.code, str(e)]}
    except (KeyError, TypeError) as e:
        return {"error": [22, f"bad request: {e!r}"]}


def _load(engine: Launchd, request: dict) -> dict:
    errors = []
    for path in request["paths"]:
        try:
            desc = read_job_file(path)
            if request.get("write"):
                set_disabled(engine.prefix, desc["Label"], False)
            elif is_disabled(engine.prefix, desc) and not request.get("force"):
                raise JobError(119, f"{path}: service is disabled")
            engine.load(path, force=True)
        except JobError as e:
            errors.append([e.code, str(e)])
    return {"errors": errors}


def _unload(engine: Launchd, request: dict) -> dict:
    errors = []
    for path in request["paths"]:
        try:
            label = read_job_file(path)["Label"]
            if request.get("write"):
                set_disabled(engine.prefix, label, True)
            engine.unload(label)
        except JobError as e:
            errors.append([e.code, str(e)])
    return {"errors": errors}


def _by_label(action):
    def run(engine: Launchd, request: dict) -> dict:
        return action(engine, request["label"], request) or {}
    return run


def _set_enabled(engine: Launchd, request: dict) -> dict:
    set_disabled(engine.prefix, request["label"], request["cmd"] == "disable")
    return {}


def _print(engine: Launchd, label: str, request: dict) -> dict:
    job = engine.job(label)
    return {"job": {**job.describe(), "path": job.path, "domain": job.domain,
                    "runs": job.runs, "state": "running" if job.pid else "not running",
                    "last_exit": job.last_exit, "environment":
                    job.desc.get("EnvironmentVariables", {}), "keep_alive": job.keep_alive,
                    "run_at_load": bool(job.desc.get("RunAtLoad")),
                    "start_interval": job.interval, "error": job.error}}


_HANDLERS = {
    "load": _load,
    "unload": _unload,
    "list": lambda engine, request: (
        {"job": engine.job(request["label"]).describe()} if request.get("label")
        else {"rows": engine.rows()}),
    "start": _by_label(lambda engine, label, request: engine.start(label)),
    "stop": _by_label(lambda engine, label, request: engine.stop(label)),
    "remove": _by_label(lambda engine, label, request: engine.unload(label)),
    "kickstart": _by_label(lambda engine, label, request: {
        "pid": engine.kickstart(label, bool(request.get("kill")))}),
    "print": _by_label(_print),
    "enable": _set_enabled,
    "disable": _set_enabled,
}
