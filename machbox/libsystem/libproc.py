"""libproc (proc_pidinfo, proc_name, proc_pidpath, proc_listpids) and the kern.proc sysctl
nodes, answered from Linux's /proc.

A process running a macOS program under machbox is a Python process on the host; what a
Mac would report for it (its name, its executable) is the guest program's, read from the
machbox command line in /proc/PID/cmdline. Layouts come from machbox.abi.
"""

from __future__ import annotations

import os
import struct

from machbox import abi
from machbox.libsystem.registry import DarwinError, python

_FUNCS = ["proc_pidinfo", "proc_name", "proc_pidpath", "proc_listpids", "proc_listallpids",
          "proc_listchildpids", "proc_listpgrppids"]
EMULATED = {f"_{n}" for n in _FUNCS}
EXPORTS = {"libSystem": {f"_{n}": f"py:{n}" for n in _FUNCS}}

ESRCH, ENOMEM, EINVAL, ENOTSUP = 3, 12, 22, 45

# <sys/proc_info.h>
PROC_ALL_PIDS, PROC_PGRP_ONLY, PROC_TTY_ONLY, PROC_UID_ONLY, PROC_RUID_ONLY, \
    PROC_PPID_ONLY = 1, 2, 3, 4, 5, 6
PROC_PIDTASKALLINFO, PROC_PIDTBSDINFO, PROC_PIDTASKINFO = 2, 3, 4
PROC_PIDPATHINFO_SIZE = 1024  # MAXPATHLEN: the smallest buffer proc_pidpath accepts
PROC_PIDPATHINFO_MAXSIZE = 4 * 1024
MAXCOMLEN = 16
# pbi_status / p_stat values (<sys/proc.h>)
SIDL, SRUN, SSLEEP, SSTOP, SZOMB = 1, 2, 3, 4, 5
_STATUS = {"R": SRUN, "S": SSLEEP, "D": SSLEEP, "I": SSLEEP, "T": SSTOP, "t": SSTOP,
           "Z": SZOMB, "X": SZOMB}
PROC_FLAG_SYSTEM, PROC_FLAG_TRACED, PROC_FLAG_INEXIT, PROC_FLAG_LP64 = 1, 2, 4, 0x10
PROC_FLAG_CONTROLT, PROC_FLAG_SLEADER = 0x20, 0x40
P_LP64, P_CONTROLT, P_TRACED = 0x4, 0x2, 0x800

_RUN_OPTIONS_WITH_VALUE = ("--argv0", "--timeout", "--kill-after")


class HostProcess:
    """What /proc says about one process, in the terms libproc and kern.proc use."""

    def __init__(self, pid: int):
        self.pid = pid
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read()
            with open(f"/proc/{pid}/status", "rb") as f:
                status = f.read().decode(errors="replace")
        except OSError:
            raise DarwinError(ESRCH) from None
        close = stat.rindex(b")")
        self.comm = stat[stat.index(b"(") + 1:close].decode(errors="replace")
        fields = stat[close + 2:].split()
        self.state = fields[0].decode()
        self.ppid, self.pgid, self.session, self.tty, self.tpgid = (
            int(x) for x in fields[1:6])
        self.utime, self.stime = int(fields[11]), int(fields[12])
        self.nice, self.threads = int(fields[16]), int(fields[17])
        self.start_ticks, self.vsize, self.rss_pages = (int(fields[19]), int(fields[20]),
                                                        int(fields[21]))
        self.minflt, self.majflt = int(fields[7]), int(fields[9])
        ids = {}
        for line in status.splitlines():
            key, _, rest = line.partition(":")
            if key in ("Uid", "Gid"):
                ids[key] = [int(x) for x in rest.split()]
            elif key == "voluntary_ctxt_switches" or key == "nonvoluntary_ctxt_switches":
                ids[key] = int(rest)
        self.ruid, self.uid, self.svuid = ids["Uid"][:3]
        self.rgid, self.gid, self.svgid = ids["Gid"][:3]
        self.csw = ids.get("voluntary_ctxt_switches", 0) + \
            ids.get("nonvoluntary_ctxt_switches", 0)
        self.program = guest_program(pid)

    @property
    def name(self) -> str:
        """The long name (pbi_name): the guest program's file name, else the host's comm."""
        return os.path.basename(self.program) if self.program else self.comm

    def path(self) -> str:
        if self.program:
            return self.program
        try:
            return os.readlink(f"/proc/{self.pid}/exe")
        except OSError:
            raise DarwinError(ESRCH) from None

    def start_time(self) -> tuple[int, int]:
        ticks = os.sysconf("SC_CLK_TCK")
        since_boot = self.start_ticks / ticks
        started = _boot_time() + since_boot
        return int(started), int((started % 1) * 1_000_000)

    def flags(self) -> int:
        f = PROC_FLAG_LP64
        if self.tty:
            f |= PROC_FLAG_CONTROLT
        if self.session == self.pid:
            f |= PROC_FLAG_SLEADER
        return f


def guest_program(pid: int) -> str | None:
    """The macOS program a machbox process runs (absolute), from its command line."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return None
    words = [a.decode(errors="surrogateescape") for a in argv]
    if not any("machbox" in w for w in words[:4]) or "run" not in words:
        return None
    rest = words[words.index("run") + 1:]
    while rest and rest[0].startswith("-"):
        opt = rest.pop(0)
        if opt == "--":
            break
        if opt in _RUN_OPTIONS_WITH_VALUE and rest:
            rest.pop(0)
    if not rest or not rest[0]:
        return None
    program = rest[0]
    if not program.startswith("/"):
        try:
            program = os.path.join(os.readlink(f"/proc/{pid}/cwd"), program)
        except OSError:
            return None
    return os.path.normpath(program)


def _boot_time() -> float:
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("btime"):
                return float(line.split()[1])
    return 0.0


def _pids() -> list[int]:
    return sorted(int(e) for e in os.listdir("/proc") if e.isdigit())


# ---- proc_pidinfo -------------------------------------------------------------------------

def _bsdinfo(p: HostProcess) -> bytes:
    sec, usec = p.start_time()
    return bytes(abi.pack(
        "proc_bsdinfo", pbi_flags=p.flags(), pbi_status=_STATUS.get(p.state, SSLEEP),
        pbi_pid=p.pid, pbi_ppid=p.ppid, pbi_uid=p.uid, pbi_gid=p.gid, pbi_ruid=p.ruid,
        pbi_rgid=p.rgid, pbi_svuid=p.svuid, pbi_svgid=p.svgid,
        pbi_comm=p.name.encode()[:MAXCOMLEN - 1], pbi_name=p.name.encode()[:2 * MAXCOMLEN - 1],
        pbi_nfiles=_open_files(p.pid), pbi_pgid=p.pgid, e_tdev=p.tty & 0xFFFFFFFF,
        e_tpgid=p.tpgid & 0xFFFFFFFF, pbi_nice=p.nice, pbi_start_tvsec=sec,
        pbi_start_tvusec=usec))


def _taskinfo(p: HostProcess) -> bytes:
    tick_ns = 1_000_000_000 // os.sysconf("SC_CLK_TCK")
    running = 1 if p.state == "R" else 0
    return bytes(abi.pack(
        "proc_taskinfo", pti_virtual_size=p.vsize,
        pti_resident_size=p.rss_pages * os.sysconf("SC_PAGE_SIZE"),
        pti_total_user=p.utime * tick_ns, pti_total_system=p.stime * tick_ns,
        pti_threads_user=p.utime * tick_ns, pti_threads_system=p.stime * tick_ns,
        pti_faults=min(p.minflt + p.majflt, 2**31 - 1), pti_pageins=min(p.majflt, 2**31 - 1),
        pti_csw=min(p.csw, 2**31 - 1), pti_threadnum=p.threads, pti_numrunning=running,
        pti_priority=31))


def _open_files(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def _zero_on_failure(func):
    """libproc's wrappers return 0 (not -1) when the call fails, errno set."""
    def wrapper(a):
        try:
            return func(a)
        except DarwinError as e:
            raise DarwinError(e.errno, 0) from None

    wrapper.__name__, wrapper.__qualname__ = func.__name__, func.__qualname__
    return wrapper


_FLAVORS = {
    PROC_PIDTBSDINFO: ("proc_bsdinfo", _bsdinfo),
    PROC_PIDTASKINFO: ("proc_taskinfo", _taskinfo),
    PROC_PIDTASKALLINFO: ("proc_taskallinfo", lambda p: _bsdinfo(p) + _taskinfo(p)),
}


@python
@_zero_on_failure
def proc_pidinfo(a) -> int:
    pid, flavor, buf, size = a.i32(0), a.i32(1), a.u(3), a.i32(4)
    if flavor not in _FLAVORS:
        raise DarwinError(ENOTSUP, 0)
    name, build = _FLAVORS[flavor]
    need = abi.layout_size(name)
    if buf == 0 or size < need:
        raise DarwinError(ENOMEM, 0)
    data = build(HostProcess(pid))
    a.native.write(buf, data)
    return len(data)


@python
@_zero_on_failure
def proc_name(a) -> int:
    pid, buf, size = a.i32(0), a.u(1), a.u(2) & 0xFFFFFFFF
    if size < 2 * MAXCOMLEN:
        raise DarwinError(ENOMEM, 0)
    name = HostProcess(pid).name.encode()[:2 * MAXCOMLEN - 1]
    a.native.write(buf, name + b"\0")
    return len(name)


@python
@_zero_on_failure
def proc_pidpath(a) -> int:
    pid, buf, size = a.i32(0), a.u(1), a.u(2) & 0xFFFFFFFF
    if size < PROC_PIDPATHINFO_SIZE:
        raise DarwinError(ENOMEM, 0)
    path = HostProcess(pid).path().encode()
    if len(path) >= min(size, PROC_PIDPATHINFO_MAXSIZE):
        raise DarwinError(ENOMEM, 0)
    a.native.write(buf, path + b"\0")
    return len(path)


def _matching(kind: int, info: int) -> list[int]:
    if kind == PROC_ALL_PIDS:
        return _pids()
    out = []
    for pid in _pids():
        try:
            p = HostProcess(pid)
        except DarwinError:
            continue
        value = {PROC_PGRP_ONLY: p.pgid, PROC_TTY_ONLY: p.tty, PROC_UID_ONLY: p.uid,
                 PROC_RUID_ONLY: p.ruid, PROC_PPID_ONLY: p.ppid}.get(kind)
        if value is None:
            raise DarwinError(EINVAL, 0)
        if value == info:
            out.append(pid)
    return out


def _fill(a, pids: list[int], buf: int, size: int, count_only: bool) -> int:
    """Writes as many pids as fit; returns bytes (count_only: the number of pids)."""
    if buf == 0:  # a size estimate, with room for processes started meanwhile
        return (len(pids) + 20) * (1 if count_only else 4)
    room = max(size, 0) // 4
    chosen = pids[:room]
    a.native.write(buf, struct.pack(f"<{len(chosen)}i", *chosen))
    return len(chosen) if count_only else 4 * len(chosen)


@python
def proc_listpids(a) -> int:
    return _fill(a, _matching(a.u(0) & 0xFFFFFFFF, a.u(1) & 0xFFFFFFFF), a.u(2), a.i32(3),
                 False)


@python
def proc_listallpids(a) -> int:
    return _fill(a, _pids(), a.u(0), a.i32(1), True)


@python
def proc_listchildpids(a) -> int:
    return _fill(a, _matching(PROC_PPID_ONLY, a.i32(0)), a.u(1), a.i32(2), True)


@python
def proc_listpgrppids(a) -> int:
    return _fill(a, _matching(PROC_PGRP_ONLY, a.i32(0)), a.u(1), a.i32(2), True)


# ---- kern.proc (sysctl CTL_KERN.KERN_PROC) -------------------------------------------------

KERN_PROC_ALL, KERN_PROC_PID, KERN_PROC_PGRP, KERN_PROC_SESSION, KERN_PROC_TTY, \
    KERN_PROC_UID, KERN_PROC_RUID = 0, 1, 2, 3, 4, 5, 6


def kinfo_proc(p: HostProcess) -> bytes:
    sec, usec = p.start_time()
    flag = P_LP64 | (P_CONTROLT if p.tty else 0)
    return bytes(abi.pack(
        "kinfo_proc",  # p_un holds p_starttime
        kp_proc__p_un__tv_sec=sec, kp_proc__p_un__tv_usec=usec,
        kp_proc__p_flag=flag, kp_proc__p_stat=_STATUS.get(p.state, SSLEEP),
        kp_proc__p_pid=p.pid, kp_proc__p_nice=max(-128, min(127, p.nice)),
        kp_proc__p_comm=p.name.encode()[:MAXCOMLEN],
        kp_eproc__e_pcred__p_ruid=p.ruid, kp_eproc__e_pcred__p_svuid=p.svuid,
        kp_eproc__e_pcred__p_rgid=p.rgid, kp_eproc__e_pcred__p_svgid=p.svgid,
        kp_eproc__e_ucred__cr_uid=p.uid, kp_eproc__e_ucred__cr_ngroups=1,
        kp_eproc__e_ucred__cr_groups=p.gid, kp_eproc__e_ppid=p.ppid,
        kp_eproc__e_pgid=p.pgid, kp_eproc__e_tdev=p.tty if p.tty else -1,
        kp_eproc__e_tpgid=p.tpgid))


def kern_proc(selector: tuple[int, ...]) -> bytes:
    """The value of kern.proc.<selector>: kinfo_proc records, one per matching process."""
    if not selector:
        raise DarwinError(EINVAL)
    how, arg = selector[0], selector[1] if len(selector) > 1 else None
    if how == KERN_PROC_PID:
        try:
            return kinfo_proc(HostProcess(arg))
        except DarwinError:
            return b""  # a Mac answers a missing pid with no records, not an error
    records = []
    for pid in _pids():
        try:
            p = HostProcess(pid)
        except DarwinError:
            continue
        value = {KERN_PROC_ALL: None, KERN_PROC_PGRP: p.pgid, KERN_PROC_SESSION: p.session,
                 KERN_PROC_TTY: p.tty, KERN_PROC_UID: p.uid, KERN_PROC_RUID: p.ruid}
        if how not in value:
            raise DarwinError(EINVAL)
        if how == KERN_PROC_ALL or value[how] == arg:
            records.append(kinfo_proc(p))
    return b"".join(records)
