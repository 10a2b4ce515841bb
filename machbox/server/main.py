"""The server process: one selectors loop over the listening socket and the clients.

Started detached by the first client that finds no server (native/mach_remote.c), with
``python3 -m machbox.server --prefix DIR``. It takes the prefix's lock first and exits at
once if another server holds it, so clients racing to start one get exactly one.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import logging
import os
import selectors
import signal
import socket
import sys
import time
from collections import deque

from machbox.abi import darwin
from machbox.kernel import launchd
from machbox.server import paths
from machbox.server import protocol as P
from machbox.server.bootstrap import Namespace, declared_services

log = logging.getLogger("machbox.server")
IDLE_TIMEOUT = 30.0  # seconds without clients before the server exits
HELD = object()      # the owner of a port whose receive right the server holds (or in transit)
QLIMIT_DEFAULT = darwin("MACH_PORT_QLIMIT_DEFAULT")
SEND_INVALID_DEST = darwin("MACH_SEND_INVALID_DEST")
SEND_TIMED_OUT = darwin("MACH_SEND_TIMED_OUT")


class Client:
    def __init__(self, sock: socket.socket, ident: int):
        self.sock = sock
        self.ident = ident
        self.pid = 0
        self.inbuf = bytearray()
        self.outbuf = bytearray()


class Server:
    def __init__(self, prefix: str, listener: socket.socket, idle_timeout: float):
        self.prefix = prefix
        self.listener = listener
        self.idle_timeout = idle_timeout
        self.sel = selectors.DefaultSelector()
        self.sel.register(listener, selectors.EVENT_READ)
        self.clients: dict[socket.socket, Client] = {}
        self.next_client = 1
        self.next_port = P.BOOTSTRAP_PORT + 1   # the server's own ports: client id 0
        self.owner: dict[int, object] = {}       # global port -> Client or HELD
        self.held: dict[int, list[bytes]] = {}   # messages waiting for a check-in
        self.dead: set[int] = set()
        # send rights out of their owner: port -> {client: how many were carried to it}
        self.holders: dict[int, dict[Client, int]] = {}
        self.held_units: dict[int, int] = {}     # ... in messages waiting for a check-in
        self.exported: dict[int, int] = {}       # send rights each owner has sent out
        # queue limits: messages on send rights passed to the owner and not yet received,
        # its limit, and the messages waiting for room (sender, request, frame, moved)
        self.inflight: dict[int, int] = {}
        self.qlimit: dict[int, int] = {}
        self.pending: dict[int, deque] = {}
        # send-once rights out of their owner: port -> {client: how many it holds}
        self.sonce: dict[int, dict[Client, int]] = {}
        self.pdrequest: dict[int, int] = {}      # port -> another process's notify port
        self.namespace = Namespace(declared_services(prefix), self._held_port)
        self.launchd = launchd.Launchd(prefix)  # the jobs launchctl loads
        for problem in launchd.boot(self.launchd):  # the installed ones, as a Mac boots
            log.warning("launchd: %s", problem)
        self.idle_since = time.monotonic()
        self.running = True

    # ---- ports -------------------------------------------------------------------------

    def _held_port(self) -> int:
        port = self.next_port
        self.next_port += 1
        self.owner[port] = HELD
        self.held[port] = []
        return port

    def _claim(self, client: Client, port: int) -> None:
        """``client`` says it holds the receive right of its own ``port``."""
        if port not in self.owner and port not in self.dead and \
                port >> P.CLIENT_SHIFT == client.ident:
            self.owner[port] = client

    def _carried(self, client: Client, port: int) -> None:
        """A send right to ``port`` reaches ``client``."""
        if port != P.BOOTSTRAP_PORT and not port & P.KERNEL_OBJECT and \
                self.owner.get(port) is not client:
            counts = self.holders.setdefault(port, {})
            counts[client] = counts.get(client, 0) + 1

    def _check_senders(self, port: int) -> None:
        """Tells the owner when no other process holds a send right to its port."""
        owner = self.owner.get(port)
        if not isinstance(owner, Client) or self.holders.get(port) or \
                self.held_units.get(port) or port not in self.exported or \
                self.namespace.is_registered(port):
            return
        self.holders.pop(port, None)
        self._queue(owner, P.frame(P.NO_SENDERS, P.COUNTED.pack(port, self.exported[port], 0)))

    def _sonce_arrived(self, client: Client, port: int) -> None:
        """A send-once right to ``port`` reaches ``client``."""
        if port and port != P.BOOTSTRAP_PORT and not port & P.KERNEL_OBJECT and \
                self.owner.get(port) is not client:
            counts = self.sonce.setdefault(port, {})
            counts[client] = counts.get(client, 0) + 1

    def _sonce_left(self, client: Client, port: int) -> None:
        """``client`` used a send-once right to ``port`` up (sent on it, or passed it on)."""
        counts = self.sonce.get(port, {})
        if counts.get(client):
            counts[client] -= 1
            if not counts[client]:
                del counts[client]
            if not counts:
                del self.sonce[port]

    def _sonce_destroyed(self, port: int) -> None:
        """A send-once right to ``port`` is gone unused: its owner hears so."""
        owner = self.owner.get(port)
        note = P.send_once_notification(port)
        if isinstance(owner, Client):
            self._queue(owner, P.frame(P.DELIVER, note))
        elif owner is HELD:
            self.held.setdefault(port, []).append(note)

    def _sonce_sent(self, client: Client, body: bytes, on_dest: bool) -> None:
        """The send-once rights a message from ``client`` uses up: its destination's (when
        sent on one) and those it carries on."""
        dest, rights = P.message_rights(body)
        if on_dest and P.MESSAGE.unpack_from(body)[1] == P.SEND_ONCE_RIGHT:
            self._sonce_left(client, dest)
        for port, kind, _ in rights:
            if kind == P.SEND_ONCE_RIGHT:
                self._sonce_left(client, port)

    def _sonce_lost(self, body: bytes) -> None:
        """A message that will never be delivered: the send-once rights in it are destroyed."""
        for port, kind, _ in P.message_rights(body)[1]:
            if kind == P.SEND_ONCE_RIGHT and port and not port & P.KERNEL_OBJECT:
                self._sonce_destroyed(port)

    def _release(self, client: Client, body: bytes) -> None:
        port, arrived, _ = P.COUNTED.unpack_from(body)
        counts = self.holders.get(port, {})
        if counts.get(client) == arrived:  # none in flight to it either
            del counts[client]
            self._check_senders(port)

    def _port_died(self, port: int) -> None:
        self.owner.pop(port, None)
        self.holders.pop(port, None)
        self.exported.pop(port, None)
        self.held_units.pop(port, None)
        self.inflight.pop(port, None)
        self.qlimit.pop(port, None)
        self.sonce.pop(port, None)
        self.pdrequest.pop(port, None)
        for client, request, body, _moved in self.pending.pop(port, ()):
            if request is not None and client.sock in self.clients:  # its sender waits
                self._reply(client, P.RESULT, request, SEND_INVALID_DEST, 0)
            self._sonce_lost(body)
        if self.namespace.is_declared_port(port):  # launchd takes the receive right back
            self.owner[port] = HELD
            self.held.setdefault(port, [])
            return
        self.dead.add(port)
        self.namespace.port_died(port)
        note = P.frame(P.DEAD, P.PORT.pack(port))
        for c in self.clients.values():
            self._queue(c, note)

    # ---- requests ----------------------------------------------------------------------

    def _send(self, client: Client, body: bytes) -> None:
        self._sonce_sent(client, body, on_dest=True)
        self._message(client, body)

    def _message(self, client: Client, body: bytes, request: int | None = None) -> None:
        """A message from ``client`` (who waits for the answer to ``request``, if any)."""
        dest, rights = P.message_rights(body)
        moved = []
        for port, kind, owned in rights:
            if owned:
                self._claim(client, port)
            if self.owner.get(port) is client:
                if kind == P.SEND_RIGHT:
                    self.exported[port] = self.exported.get(port, 0) + 1
                elif kind == P.RECEIVE_RIGHT:  # in transit with this message
                    moved.append(port)
                    self.owner[port] = HELD
                    self.held.setdefault(port, [])
        item = (client, request, body, moved)
        if self._full(dest) and P.MESSAGE.unpack_from(body)[1] == P.SEND_RIGHT:
            self.pending.setdefault(dest, deque()).append(item)
        else:
            self._forward(*item)

    def _full(self, port: int) -> bool:
        """The owner's queue is at its limit (messages on send rights wait here)."""
        return isinstance(self.owner.get(port), Client) and bool(
            self.pending.get(port) or
            self.inflight.get(port, 0) >= self.qlimit.get(port, QLIMIT_DEFAULT))

    def _forward(self, client: Client, request: int | None, body: bytes, moved: list) -> None:
        dest, rights = P.message_rights(body)
        sends = [port for port, kind, _ in rights if kind == P.SEND_RIGHT and port]
        owner = self.owner.get(dest)
        kr = 0
        if isinstance(owner, Client):
            self._queue(owner, P.frame(P.DELIVER, body))
            for port in sends:
                self._carried(owner, port)
            for port, kind, _ in rights:
                if kind == P.SEND_ONCE_RIGHT:
                    self._sonce_arrived(owner, port)
            if P.MESSAGE.unpack_from(body)[1] == P.SEND_RIGHT:
                self.inflight[dest] = self.inflight.get(dest, 0) + 1
        elif owner is HELD:
            self.held[dest].append(body)
            for port in sends:
                self.held_units[port] = self.held_units.get(port, 0) + 1
            self._launch_on_demand(dest)
        else:
            owner = None
            kr = SEND_INVALID_DEST
            if dest != P.BOOTSTRAP_PORT and client.sock in self.clients:
                self._queue(client, P.frame(P.DEAD, P.PORT.pack(dest)))
            for port in sends:  # the rights it carried are gone with it
                self._check_senders(port)
            self._sonce_lost(body)
        for port in moved:
            self._move_receive(port, client, owner)
        if request is not None and client.sock in self.clients:
            self._reply(client, P.RESULT, request, kr, 0)

    def _launch_on_demand(self, port: int) -> None:
        """A message for a MachService nobody has checked in: launchd starts its job."""
        name = self.namespace.declared_name(port)
        for job in list(self.launchd.jobs.values()):
            if name in (job.desc.get("MachServices") or {}) and not job.pid:
                try:
                    self.launchd.start(job.label)
                except launchd.JobError as e:
                    log.warning("%s: on-demand start: %s", job.label, e)

    def _launchctl(self, client: Client, body: bytes) -> None:
        request_id, _ = P.REQUEST.unpack_from(body)
        try:
            answer = launchd.handle(self.launchd, json.loads(body[P.REQUEST.size:]))
        except ValueError as e:
            answer = {"error": [22, f"bad request: {e}"]}
        for job in self.launchd.jobs.values():  # their MachServices wait for them
            for name in job.desc.get("MachServices") or {}:
                self.namespace.declare(name, self._held_port)
        reply = P.REQUEST.pack(request_id, 0) + json.dumps(answer).encode()
        self._queue(client, P.frame(P.LAUNCHD_REPLY, reply))

    def _drain(self, port: int) -> None:
        """Messages that waited for room at ``port`` go on while there is room."""
        waiting = self.pending.get(port)
        while waiting and not (isinstance(self.owner.get(port), Client) and
                               self.inflight.get(port, 0) >=
                               self.qlimit.get(port, QLIMIT_DEFAULT)):
            self._forward(*waiting.popleft())
        if not waiting:
            self.pending.pop(port, None)

    def _dequeued(self, client: Client, body: bytes) -> None:
        port, n, _ = P.COUNTED.unpack_from(body)
        if self.owner.get(port) is client:
            self.inflight[port] = max(0, self.inflight.get(port, 0) - n)
            self._drain(port)

    def _set_qlimit(self, client: Client, body: bytes) -> None:
        port, limit, _ = P.COUNTED.unpack_from(body)
        if port >> P.CLIENT_SHIFT == client.ident or self.owner.get(port) is client:
            self.qlimit[port] = max(1, limit)
            self._drain(port)

    def _cancel(self, client: Client, body: bytes) -> None:
        """The sender of a waiting message gave up (its send timeout): the message is not
        sent, what it carried is gone."""
        request, _ = P.REQUEST.unpack_from(body)
        for port, waiting in self.pending.items():
            for item in waiting:
                if item[0] is client and item[1] == request:
                    waiting.remove(item)
                    self._reply(client, P.RESULT, request, SEND_TIMED_OUT, 0)
                    for right, kind, _ in P.message_rights(item[2])[1]:
                        if kind == P.SEND_RIGHT and right:
                            self._check_senders(right)
                    for moved in item[3]:
                        self._port_died(moved)
                    self._sonce_lost(item[2])
                    self._drain(port)
                    return
        self._reply(client, P.RESULT, request, 0, 0)  # passed on already: answered before

    def _move_receive(self, port: int, sender: Client, new_owner) -> None:
        """``sender`` sent the receive right of ``port`` to ``new_owner`` (a client, HELD
        in a message waiting for a check-in, or None: lost with its message)."""
        if new_owner is None:
            self.held.pop(port, None)
            self._port_died(port)
            return
        self.inflight.pop(port, None)
        self.owner[port] = new_owner
        if isinstance(new_owner, Client):  # with what came for it meanwhile
            self._flush_held(new_owner, port)
        self.sonce.get(port, {}).pop(new_owner, None)  # its send-once rights are its own now
        self.pdrequest.pop(port, None)  # the request stayed with the old owner's copy
        counts = self.holders.setdefault(port, {})
        counts.pop(new_owner, None)
        counts.setdefault(sender, 0)  # it says RELEASE if it keeps no send right
        self.exported[port] = 0
        self._check_senders(port)
        self._drain(port)

    def _bounce(self, client: Client, body: bytes) -> None:
        """A message that reached a port's old owner goes on to the new one; the send
        rights in it never arrived there."""
        for port, kind, _ in P.message_rights(body)[1]:
            counts = self.holders.get(port, {})
            if kind == P.SEND_RIGHT and counts.get(client):
                counts[client] -= 1
                if not counts[client]:
                    del counts[client]
                    self._check_senders(port)
        self._sonce_sent(client, body, on_dest=False)  # they never arrived there either
        self._message(client, body)

    def _reply(self, client: Client, op: int, request: int, kr: int, port: int) -> None:
        self._queue(client, P.frame(op, P.REPLY.pack(request, kr, port)))

    def _register(self, client: Client, body: bytes) -> None:
        request, _ = P.REQUEST.unpack_from(body)
        (port,) = P.PORT.unpack_from(body, P.REQUEST.size)
        name = body[P.REQUEST.size + P.PORT.size:].decode(errors="replace")
        if port:
            self._claim(client, port)
            if self.owner.get(port) is client:
                self.exported[port] = self.exported.get(port, 0) + 1
        replaced = self.namespace.ports.get(name)
        kr = self.namespace.register(name, port, lambda p: p in self.owner)
        self._reply(client, P.RESULT, request, kr, 0)
        if replaced and replaced != port:
            self._check_senders(replaced)

    def _look_up(self, client: Client, body: bytes) -> None:
        request, _ = P.REQUEST.unpack_from(body)
        kr, port = self.namespace.look_up(body[P.REQUEST.size:].decode(errors="replace"))
        self._reply(client, P.RESULT, request, kr, port)
        if kr == 0:
            self._carried(client, port)

    def _check_in(self, client: Client, body: bytes) -> None:
        request, _ = P.REQUEST.unpack_from(body)
        name = body[P.REQUEST.size:].decode(errors="replace")
        kr, port = self.namespace.check_in(name, lambda p: self.owner.get(p) is HELD,
                                           self._held_port)
        self._reply(client, P.RECEIVE, request, kr, port)
        if kr == 0:  # the receive right moves to the client, with what waited for it
            self.owner[port] = client
            self._flush_held(client, port)

    def _flush_held(self, client: Client, port: int) -> None:
        """What waited at ``port`` for a check-in goes to ``client``, its new owner."""
        for body in self.held.pop(port, []):
            self._queue(client, P.frame(P.DELIVER, body))
            if P.MESSAGE.unpack_from(body)[1] == P.SEND_RIGHT:
                self.inflight[port] = self.inflight.get(port, 0) + 1
            for right, kind, _ in P.message_rights(body)[1]:
                if kind == P.SEND_RIGHT and right:
                    self.held_units[right] -= 1
                    self._carried(client, right)
                elif kind == P.SEND_ONCE_RIGHT:
                    self._sonce_arrived(client, right)
                elif kind == P.RECEIVE_RIGHT and self.owner.get(right) is HELD:
                    self.owner[right] = client  # a receive right that waited in it
                    self._flush_held(client, right)

    def _hello(self, client: Client, body: bytes) -> None:
        (client.pid,) = P.PORT.unpack_from(body.ljust(8, b"\0"))
        self._queue(client, P.frame(P.WELCOME, client.ident.to_bytes(4, "little")))

    def _send_wait(self, client: Client, body: bytes) -> None:
        request, _ = P.REQUEST.unpack_from(body)
        self._sonce_sent(client, body[P.REQUEST.size:], on_dest=True)
        self._message(client, body[P.REQUEST.size:], request)

    def _port_dead(self, client: Client, body: bytes) -> None:
        (port,) = P.PORT.unpack_from(body)
        if self.owner.get(port) is client:
            self._port_died(port)

    def _set_pdrequest(self, client: Client, body: bytes) -> None:
        port, notify = P.PORTS.unpack_from(body)
        self._claim(client, port)
        if self.owner.get(port) is client:
            if notify:
                self.pdrequest[port] = notify
            else:
                self.pdrequest.pop(port, None)

    def _rescue(self, client: Client, port: int) -> bool:
        """``client`` is gone holding the receive right of ``port``: a port-destroyed
        request sends it on to the notify port's owner, as XNU's ipc_port_destroy does.
        False when there is none to take it."""
        notify = self.pdrequest.pop(port, None)
        if not isinstance(self.owner.get(notify), Client) or self.owner[notify] is client:
            return False
        self._sonce_left(client, notify)  # the request's right is used up
        self.owner[port] = HELD  # in transit, as a receive right in a message is
        self.held.setdefault(port, [])
        self._forward(client, None, P.port_destroyed_notification(notify, port), [port])
        self.holders.get(port, {}).pop(client, None)  # it never says RELEASE now
        self._check_senders(port)
        return True

    def _shutdown(self, client: Client, body: bytes) -> None:
        log.info("shutdown requested by pid %d", client.pid)
        self.running = False

    HANDLERS = {
        P.HELLO: _hello, P.SEND: _send, P.SEND_WAIT: _send_wait, P.CANCEL: _cancel,
        P.DEQUEUED: _dequeued, P.QLIMIT: _set_qlimit, P.BOUNCE: _bounce, P.RELEASE: _release,
        P.PORT_DEAD: _port_dead, P.REGISTER: _register, P.LOOK_UP: _look_up,
        P.CHECK_IN: _check_in, P.LAUNCHD: _launchctl, P.SHUTDOWN: _shutdown,
        P.PDREQUEST: _set_pdrequest,
    }

    def _dispatch(self, client: Client, op: int, body: bytes) -> None:
        handler = self.HANDLERS.get(op)
        if handler is None:
            log.warning("client %d: unknown op %d", client.ident, op)
        else:
            handler(self, client, body)

    # ---- connections -------------------------------------------------------------------

    def _accept(self) -> None:
        sock, _ = self.listener.accept()
        sock.setblocking(False)
        client = Client(sock, self.next_client)
        self.next_client += 1
        self.clients[sock] = client
        self.sel.register(sock, selectors.EVENT_READ, client)

    def _queue(self, client: Client, data: bytes) -> None:
        if not client.outbuf:  # most often the whole frame goes at once, without a wait
            try:
                sent = client.sock.send(data)
            except BlockingIOError:
                sent = 0
            except OSError:
                return  # gone: its EOF comes through the selector
            if sent == len(data):
                return
            data = data[sent:]
            self.sel.modify(client.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, client)
        client.outbuf += data

    def _flush(self, client: Client) -> None:
        try:
            sent = client.sock.send(client.outbuf)
        except BlockingIOError:
            return
        except OSError:
            self._drop(client)
            return
        del client.outbuf[:sent]
        if not client.outbuf:
            self.sel.modify(client.sock, selectors.EVENT_READ, client)

    def _read(self, client: Client) -> None:
        try:
            data = client.sock.recv(1 << 16)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._drop(client)
            return
        buf = client.inbuf
        buf += data
        while len(buf) >= 8:
            length, op = P.FRAME.unpack_from(buf)
            if length < 4 or length > P.MAX_FRAME:
                log.warning("client %d: bad frame length %d", client.ident, length)
                self._drop(client)
                return
            if len(buf) < 4 + length:
                break
            body = bytes(buf[8:4 + length])
            del buf[:4 + length]
            try:
                self._dispatch(client, op, body)
            except Exception as e:  # one bad request must not take the prefix's server down
                log.warning("client %d: op %d: %r", client.ident, op, e)

    def _drop(self, client: Client) -> None:
        """A client went away (exit, crash, SIGKILL): its receive rights die with it."""
        if client.sock not in self.clients:
            return
        del self.clients[client.sock]
        self.sel.unregister(client.sock)
        client.sock.close()
        for port in [p for p, o in self.owner.items() if o is client]:
            if not self._rescue(client, port):
                self._port_died(port)
        for port in [p for p, counts in self.holders.items() if counts.pop(client, None)]:
            self._check_senders(port)
        for port, counts in list(self.sonce.items()):  # its unused send-once rights
            for _ in range(counts.pop(client, 0)):
                self._sonce_destroyed(port)
            if not counts:
                self.sonce.pop(port, None)
        if not self.clients:
            self.idle_since = time.monotonic()

    def _idle(self) -> bool:
        """No client and no loaded job for the idle timeout: no process holds a right to
        anything here (a message waiting for a check-in is lost)."""
        return not self.clients and not self.launchd.jobs and \
            time.monotonic() - self.idle_since >= self.idle_timeout

    def _timeout(self) -> float:
        timeout = 1.0 if self.clients else 0.25
        deadline = self.launchd.next_deadline()
        if deadline is not None:
            timeout = max(0.0, min(timeout, deadline - time.monotonic()))
        return timeout

    def serve(self) -> None:
        # a job's exit wakes the loop (launchd reaps and restarts it)
        wake_r, wake_w = socket.socketpair()
        wake_r.setblocking(False)
        wake_w.setblocking(False)
        signal.set_wakeup_fd(wake_w.fileno(), warn_on_full_buffer=False)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.sel.register(wake_r, selectors.EVENT_READ)
        try:
            self._loop(wake_r)
        finally:
            signal.set_wakeup_fd(-1)
            self.launchd.shutdown()
            wake_r.close()
            wake_w.close()

    def _loop(self, wake_r: socket.socket) -> None:
        while self.running and not self._idle():
            self.launchd.tick()
            for key, events in self.sel.select(timeout=self._timeout()):
                if key.fileobj is wake_r:
                    try:
                        while wake_r.recv(512):
                            pass
                    except BlockingIOError:
                        pass
                    continue
                if key.fileobj is self.listener:
                    self._accept()
                    continue
                client = key.data
                if events & selectors.EVENT_WRITE and client.sock in self.clients:
                    self._flush(client)
                if events & selectors.EVENT_READ and client.sock in self.clients:
                    self._read(client)
        for client in list(self.clients.values()):
            self._flush(client)
            client.sock.close()


def _take_lock(prefix: str) -> int | None:
    fd = os.open(paths.lock_path(prefix), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def _listen(prefix: str) -> tuple[socket.socket, str]:
    path, dirfd = paths.short_socket_path(prefix)
    try:
        try:
            os.unlink(path)  # a dead server's: the lock says none runs
        except FileNotFoundError:
            pass
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(path)
        os.chmod(path, 0o600)
        sock.listen(64)
    finally:
        if dirfd is not None:
            os.close(dirfd)
    sock.setblocking(False)
    return sock, paths.socket_path(prefix)


def _idle_timeout_from_environment() -> float:
    try:
        return max(0.0, float(os.environ.get("MACHBOX_SERVER_IDLE_TIMEOUT", IDLE_TIMEOUT)))
    except ValueError:  # a mistyped value must not keep the server from starting
        return IDLE_TIMEOUT


def _detach(prefix: str) -> None:
    """Leaves the client that started us: it waits for this process, not for the server,
    and no guest's wait() ever finds the server among its children."""
    if os.fork():
        os._exit(0)
    os.setsid()
    # nothing of the guest's (pipes a test harness reads to EOF) stays open here
    os.closerange(3, os.sysconf("SC_OPEN_MAX") if os.sysconf("SC_OPEN_MAX") > 0 else 1024)
    log_fd = os.open(paths.log_path(prefix), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log_fd, 2)
    os.close(log_fd)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="machbox-server")
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--idle-timeout", type=float, default=_idle_timeout_from_environment())
    parser.add_argument("--daemon", action="store_true",
                        help="detach (fork, new session) and log to the run directory")
    args = parser.parse_args(argv)
    prefix = os.path.abspath(args.prefix)
    os.makedirs(paths.run_dir(prefix), exist_ok=True)
    if args.daemon:
        _detach(prefix)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s machbox-server[%(process)d] %(message)s")
    lock = _take_lock(prefix)
    if lock is None:
        return 0  # another server serves this prefix
    listener, sock_path = _listen(prefix)
    server = Server(prefix, listener, args.idle_timeout)
    signal.signal(signal.SIGTERM, lambda *_: setattr(server, "running", False))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    log.info("serving %s", prefix)
    try:
        server.serve()
    finally:
        try:
            os.unlink(sock_path)
        except OSError:
            pass
        listener.close()
        os.ftruncate(lock, 0)
        os.close(lock)  # releases the lock: the next server may start
    log.info("exiting")
    return 0
