"""`machbox run --timeout`: run the guest in a child and own its whole process tree.

Without a timeout the guest runs in the machbox process itself, so signals sent to machbox
are signals sent to the guest and nothing needs supervising. With one, this process stays
behind as the supervisor:

* it is a child subreaper (PR_SET_CHILD_SUBREAPER), so every descendant the guest leaves
  behind, even one that daemonised with setsid, is re-parented here and stays in the tree;
* the guest child dies with the supervisor (PR_SET_PDEATHSIG), so `kill -9 machbox` does not
  leave a guest running with nobody waiting for it;
* SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 sent to the supervisor are passed
  on to the guest, whose exit status then becomes machbox's as usual; after one of the
  first four, whatever the guest started and left running is ended too;
* at the deadline the whole tree gets SIGTERM, then SIGKILL after a grace period, every
  process is reaped, and machbox exits 124 as GNU timeout does.

The tree is found by walking /proc (parent links), repeatedly until a pass finds nothing
alive, so a process forking while the tree is being killed is caught on the next pass. The
prefix's server (machbox.server), which a guest may have started and which re-parents here
too, is not part of the tree: it serves every process of the prefix.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time

EXIT_TIMED_OUT = 124

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36

FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT,
             signal.SIGUSR1, signal.SIGUSR2)
TERMINATING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
WAITED = FORWARDED + (signal.SIGCHLD,)
SI_KERNEL = 0x80  # si_code of a signal the kernel (here: the terminal) generated

# passes over /proc before giving up on a tree that keeps forking under SIGKILL
KILL_PASSES = 200


def _prctl(option: int, value: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option})")


def run_with_timeout(seconds: float, kill_after: float, start_guest) -> int:
    """Runs ``start_guest()`` (which never returns on success) in a child process.

    Returns the exit status for machbox: the guest's status or 124 on timeout; a guest
    killed by a signal makes this process die of the same signal.
    """
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    supervisor = os.getpid()
    # blocked before the fork so no SIGCHLD or forwarded signal can slip past sigtimedwait
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, WAITED)
    guest = os.fork()
    if guest == 0:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != supervisor:  # the supervisor died before the prctl took effect
            os._exit(EXIT_TIMED_OUT)
        os._exit(start_guest())
    ended: list[int] = []  # terminating signals machbox received
    status = _wait_until(guest, time.monotonic() + seconds, ended)
    if status is None:
        _end_tree(guest, kill_after)
        return EXIT_TIMED_OUT
    if ended:  # machbox itself was told to end: nothing the guest started outlives it
        _end_tree(None, kill_after)
    signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    return _as_exit(status)


def _end_tree(guest: int | None, kill_after: float) -> None:
    """SIGTERM to the whole tree, SIGKILL to what is left after ``kill_after``, reap all."""
    kill_tree(signal.SIGTERM)
    deadline = time.monotonic() + kill_after
    if guest is not None:
        _wait_until(guest, deadline, [])
    while descendants(os.getpid()) and time.monotonic() < deadline:
        _reap_orphans()
        time.sleep(0.01)
    kill_tree(signal.SIGKILL)
    _reap_all()


def _wait_until(guest: int, deadline: float, ended: list[int]) -> int | None:
    """The guest's wait status once it ends, or None at ``deadline``; meanwhile passes
    signals on to it and reaps orphans re-parented to us so they do not linger as zombies."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        info = signal.sigtimedwait(WAITED, left)
        if info is None:
            continue
        if info.si_signo != signal.SIGCHLD:
            if info.si_signo in TERMINATING:
                ended.append(info.si_signo)
            _forward(guest, info)
            continue
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return None
            if pid == 0:
                break
            if pid == guest:
                return status


def _forward(guest: int, info) -> None:
    # SIGINT and SIGQUIT typed at the terminal reach the guest too (same process group)
    if info.si_code == SI_KERNEL and info.si_signo in (signal.SIGINT, signal.SIGQUIT):
        return
    _send(guest, info.si_signo)


def _send(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _reap_orphans() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _as_exit(status: int) -> int:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
        return 128 + sig
    return os.waitstatus_to_exitcode(status)


def descendants(root: int) -> list[int]:
    """Live (non-zombie) descendants of ``root``, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # the command name may contain spaces and parentheses: fields follow the last ')'
        fields = stat[stat.rindex(b")") + 2:].split()
        if fields[0] == b"Z":
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            if not _is_prefix_server(child):
                found.append(child)
                todo.append(child)
    return found


def _is_prefix_server(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return False
    return argv[1:3] == [b"-m", b"machbox.server"]


def kill_tree(sig: int) -> None:
    """Sends ``sig`` to every descendant of this process; with SIGKILL, repeats until none
    is left alive (each pass also reaps what has died, being the subreaper)."""
    me = os.getpid()
    for _ in range(KILL_PASSES if sig == signal.SIGKILL else 1):
        alive = descendants(me)
        if not alive:
            return
        for pid in alive:
            _send(pid, sig)
        _reap_orphans()
        time.sleep(0.002)


def _reap_all() -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                if not descendants(os.getpid()):  # only the prefix's server is left
                    return
                time.sleep(0.005)
        except ChildProcessError:
            return
