"""Where a prefix's server lives: its socket, its lock (held by the running server for its
whole life, so two servers never serve one prefix) and its log."""

from __future__ import annotations

import os

RUN_DIR = "private/var/run/machbox"
SOCKET = "server.sock"
LOCK = "server.lock"
LOG = "server.log"
# sun_path holds 108 bytes; a longer path is reached through /proc/self/fd/N of the directory
SUN_PATH_MAX = 107


def run_dir(prefix: str) -> str:
    return os.path.join(prefix, RUN_DIR)


def socket_path(prefix: str) -> str:
    return os.path.join(run_dir(prefix), SOCKET)


def lock_path(prefix: str) -> str:
    return os.path.join(run_dir(prefix), LOCK)


def log_path(prefix: str) -> str:
    return os.path.join(run_dir(prefix), LOG)


def short_socket_path(prefix: str) -> tuple[str, int | None]:
    """A path to the socket that fits in sun_path, and the directory descriptor it goes
    through (to be closed by the caller) when the real path is too long."""
    path = socket_path(prefix)
    if len(os.fsencode(path)) <= SUN_PATH_MAX:
        return path, None
    fd = os.open(run_dir(prefix), os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    return f"/proc/self/fd/{fd}/{SOCKET}", fd


def server_pid(prefix: str) -> int | None:
    """The pid the running server wrote into its lock file, if a server holds the lock."""
    import fcntl

    try:
        fd = os.open(lock_path(prefix), os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:  # held: a server runs
            text = os.pread(fd, 32, 0).decode(errors="replace").strip()
            return int(text) if text.isdigit() else None
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
