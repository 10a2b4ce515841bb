"""machbox.server: the per-prefix server (machbox's darlingserver and launchd in one).

Mach IPC between two ports of one process never leaves that process (native/mach_ipc.c).
A right that reaches another process is a *global port*: a 64-bit id the server knows the
owner of (the process holding the receive right). The server carries messages to the
owner, tells every client when a global port dies (its owner destroyed it or exited), and
serves the bootstrap namespace: names registered or checked in by processes, and the
MachServices that launchd plists in the prefix declare.

One server per prefix, listening on a UNIX socket inside it (``paths``), started on demand
by the first client that needs it (native/mach_remote.c), gone after ``machbox shutdown``
or when no client has been connected for the idle timeout.
"""
