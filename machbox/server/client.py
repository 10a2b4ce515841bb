"""Talking to a prefix's server from Python: `machbox shutdown`, and tests."""

from __future__ import annotations

import os
import socket
import time

from machbox.server import paths
from machbox.server import protocol as P


def connect(prefix: str) -> socket.socket | None:
    """A connection to the prefix's server, or None when none runs."""
    if not os.path.exists(paths.socket_path(prefix)):
        return None
    path, dirfd = paths.short_socket_path(prefix)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        return None
    finally:
        if dirfd is not None:
            os.close(dirfd)
    return sock


def shutdown(prefix: str, timeout: float = 5.0) -> bool:
    """Stops the prefix's server; True once none runs (False if it would not stop)."""
    pid = paths.server_pid(prefix)
    sock = connect(prefix)
    if sock is not None:
        with sock:
            sock.sendall(P.frame(P.HELLO, os.getpid().to_bytes(4, "little")) +
                         P.frame(P.SHUTDOWN))
            sock.settimeout(timeout)
            try:
                while sock.recv(4096):  # the welcome, then EOF when the server has gone
                    pass
            except OSError:
                pass
    deadline = time.monotonic() + timeout
    while paths.server_pid(prefix) is not None or (pid and _alive(pid)):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _alive(pid: int) -> bool:
    """The server is not our child: it has gone when its pid is gone (or is a zombie of
    whoever reaps it)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False
