"""The wire protocol between clients (native/mach_remote.c, which mirrors these numbers in
mach_remote.h) and the server.

Every frame is ``u32 length`` (of what follows) then ``u32 op`` then the op's body, all
little-endian. A message frame (SEND from a client, DELIVER to the owner, byte for byte the
same body) is::

    u64 dest   u32 dest_type   u32 nrights   nrights x (u64 port, u32 type, u32 owned)
    u32 sender pid   u32 size   the message (size bytes)   each OOL region's bytes
    (the part after the rights is opaque to the server)

``owned`` marks a port whose receive right the sender holds: the frame also tells the
server who owns it. Types are the right kinds (SEND, RECEIVE, SEND_ONCE below).

No-senders across processes: the server knows which processes hold send rights to a port
(it carried them there) and how many it carried to each. A process whose last send right
to another's port goes says RELEASE with how many had arrived; when that count is all the
server sent it, it holds none. When no process (nor a registered name, nor a message
waiting for a check-in) holds one, the owner hears NO_SENDERS with the number of send
rights it has sent out; if it has sent none since, its other processes' hold is over.

Queue limits: a message on a send right goes to the owner only while fewer than the port's
limit of such messages wait there (the owner says when it receives one); otherwise it waits
at the server, and its sender, blocked in mach_msg, with it (SEND_WAIT; CANCEL at its send
timeout). Messages on send-once rights are never held back, as in XNU.

A receive right in a message (RECEIVE, from its owner) moves the port: the destination's
process owns it from then on; what was on its way to the old owner comes back (BOUNCE)
and goes on to the new one.

Send-once rights: the server counts those it carried to each process that does not own
the port. A process uses one up by sending on it (a message whose dest_type is SEND_ONCE)
or passing it on in a message; one destroyed unused in a process is a send-once
notification that process sends itself. When a process exits still holding some, or a
message carrying one cannot be delivered, the server sends the port's owner the
send-once notification for each (a DELIVER of ``send_once_notification``), as XNU does
for a dead task's rights.

Port-destroyed requests whose notify port is another process's (PDREQUEST): when the
owner exits holding the receive right, the server sends it to the notify port's owner in
``port_destroyed_notification`` (what was queued in the dead process is lost with it).
"""

from __future__ import annotations

import struct

from machbox.abi import darwin

# client -> server
HELLO = 1          # u32 pid                      -> WELCOME u32 client id
SEND = 2           # a message frame
PORT_DEAD = 3      # u64 port: its receive right was destroyed
REGISTER = 4       # u32 request, u32 0, u64 port, name
LOOK_UP = 5        # u32 request, u32 0, name       -> RESULT
CHECK_IN = 6       # u32 request, u32 0, name       -> RECEIVE
SHUTDOWN = 7       # stop the server
RELEASE = 8        # u64 port, u32 arrived, u32 0: this process holds no send right to it now
BOUNCE = 9         # a message frame that came for a port whose receive right has left
SEND_WAIT = 10     # u32 request, u32 0, a message frame -> RESULT once passed on (or not)
CANCEL = 11        # u32 request, u32 0: its sender stopped waiting -> RESULT
DEQUEUED = 12      # u64 port, u32 n, u32 0: the owner received n messages sent on send rights
QLIMIT = 13        # u64 port, u32 limit, u32 0: the owner's queue limit for the port
LAUNCHD = 14       # u32 request, u32 0, a launchctl request as JSON -> LAUNCHD_REPLY
PDREQUEST = 15     # u64 port, u64 notify: the owner's port-destroyed request (0: none)
# server -> client
WELCOME = 101
DELIVER = 102      # a message frame, to the port's owner
DEAD = 103         # u64 port: rights to it are dead names now
RESULT = 104       # u32 request, i32 kern_return, u64 port (a send right)
RECEIVE = 105      # u32 request, i32 kern_return, u64 port (the receive right, adopted)
NO_SENDERS = 106   # u64 port, u32 exported, u32 0: no other process holds a send right
LAUNCHD_REPLY = 107  # u32 request, u32 0, launchd's answer as JSON

SEND_RIGHT, RECEIVE_RIGHT, SEND_ONCE_RIGHT = 1, 2, 4
BOOTSTRAP_PORT = 1  # the global port every process's bootstrap_port names
CLIENT_SHIFT = 32   # a client's own ports are (client id << 32) | n
KERNEL_OBJECT = 1 << 63  # not a port: a task (by pid) or the host, named in a message

FRAME = struct.Struct("<II")
MESSAGE = struct.Struct("<QII")
RIGHT = struct.Struct("<QII")
REQUEST = struct.Struct("<II")
REPLY = struct.Struct("<IiQ")
COUNTED = struct.Struct("<QII")
PORT = struct.Struct("<Q")
PORTS = struct.Struct("<QQ")
MAX_FRAME = 64 << 20


def frame(op: int, body: bytes = b"") -> bytes:
    return FRAME.pack(len(body) + 4, op) + body


def message_rights(body: bytes) -> tuple[int, list[tuple[int, int, int]]]:
    """The destination and the (port, type, owned) rights of a message frame's body."""
    dest, _type, n = MESSAGE.unpack_from(body)
    return dest, [RIGHT.unpack_from(body, MESSAGE.size + i * RIGHT.size) for i in range(n)]


MACH_HEADER = struct.Struct("<IIIIIi")  # bits, size, remote, local, voucher, id


def send_once_notification(port: int) -> bytes:
    """The message frame of XNU's send-once notification for ``port``: a bare header sent
    on the destroyed send-once right itself, no reply port, no sender process."""
    header = MACH_HEADER.pack(darwin("MACH_MSG_TYPE_PORT_SEND_ONCE"), MACH_HEADER.size, 0, 0, 0,
                              darwin("MACH_NOTIFY_SEND_ONCE"))
    return (MESSAGE.pack(port, SEND_ONCE_RIGHT, 1) + RIGHT.pack(0, 0, 0) +
            struct.pack("<II", 0, len(header)) + header)


def port_destroyed_notification(notify: int, port: int) -> bytes:
    """The message frame of XNU's port-destroyed notification: sent on the request's
    send-once right to ``notify``, carrying the receive right of ``port`` in a port
    descriptor (name, padding, disposition, type)."""
    size = MACH_HEADER.size + 4 + 12
    header = MACH_HEADER.pack(darwin("MACH_MSGH_BITS_COMPLEX") |
                              darwin("MACH_MSG_TYPE_PORT_SEND_ONCE"), size, 0, 0, 0,
                              darwin("MACH_NOTIFY_PORT_DESTROYED"))
    descriptor = struct.pack("<IIHBB", 0, 0, 0, darwin("MACH_MSG_TYPE_PORT_RECEIVE"),
                             darwin("MACH_MSG_PORT_DESCRIPTOR"))
    return (MESSAGE.pack(notify, SEND_ONCE_RIGHT, 2) + RIGHT.pack(0, 0, 0) +
            RIGHT.pack(port, RECEIVE_RIGHT, 0) + struct.pack("<II", 0, size) + header +
            struct.pack("<I", 1) + descriptor)
