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


def start(prefix: str, timeout: float = 10.0) -> socket.socket:
    """A connection to the prefix's server, starting one when none runs (as the native
    client does: the spawn lock makes racing starters start one)."""
    import fcntl
    import subprocess
    import sys

    sock = connect(prefix)
    if sock is not None:
        return sock
    os.makedirs(paths.run_dir(prefix), exist_ok=True)
    lock = os.open(os.path.join(paths.run_dir(prefix), "spawn.lock"),
                   os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        deadline = time.monotonic() + timeout
        spawned = 0.0
        while (sock := connect(prefix)) is None:
            if time.monotonic() > deadline:
                raise OSError(f"the server of {prefix} did not start")
            if time.monotonic() - spawned >= 1.0:
                package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
                env = dict(os.environ, PYTHONPATH=os.path.dirname(package))
                subprocess.run([sys.executable, "-m", "machbox.server", "--prefix", prefix,
                                "--daemon"], env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               check=False)
                spawned = time.monotonic()
            time.sleep(0.005)
        return sock
    finally:
        os.close(lock)


def _read_frame(sock: socket.socket) -> tuple[int, bytes]:
    head = _read_exactly(sock, P.FRAME.size)
    length, op = P.FRAME.unpack(head)
    return op, _read_exactly(sock, length - 4)


def _read_exactly(sock: socket.socket, n: int) -> bytes:
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise OSError("the server closed the connection")
        data += chunk
    return bytes(data)


def launchd_request(prefix: str, request: dict) -> dict:
    """One launchctl request to the prefix's launchd (in its server, started if need be)."""
    import json

    try:
        with start(prefix) as sock:
            sock.sendall(P.frame(P.HELLO, os.getpid().to_bytes(4, "little")) +
                         P.frame(P.LAUNCHD, P.REQUEST.pack(1, 0) + json.dumps(request).encode()))
            while True:
                op, body = _read_frame(sock)
                if op == P.LAUNCHD_REPLY:
                    return json.loads(body[P.REQUEST.size:])
    except OSError as e:
        return {"error": [5, f"launchd of {prefix}: {e}"]}


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
