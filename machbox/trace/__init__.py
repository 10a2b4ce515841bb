"""machbox.trace: structured tracing of bridged calls and raw syscalls (Darling's xtrace).

`machbox trace` sets ``MACHBOX_TRACE`` to the file the records go to (and
``MACHBOX_TRACE_ONLY`` to a glob on call names); every machbox process of the traced tree,
forked or started by exec, finds them in its environment. Only then does the binder ask
this module to wrap imports: a run without tracing binds exactly as before.

What is traced: every bridged or emulated import, everything libsystem_kernel exports (the
system call layer, whatever machbox binds it to), and the direct calls the prototype table
describes (stdio, fork, ...: where a program's I/O happens in machbox's host libc). Inside
the stdio calls, the host system calls they make are recorded as well (kind "host"), so a
printf shows the write that carries its output.
"""

from __future__ import annotations

import os
import sys

ENV_OUTPUT = "MACHBOX_TRACE"
BEFORE, CAPTURE = 1, 2  # call site flags (native/trace.h)
ENV_ONLY = "MACHBOX_TRACE_ONLY"

_TRACED_KINDS = ("bridge", "emulated")


class Tracer:
    """Decides which imports to trace and makes their tracing thunks."""

    def __init__(self, native, output: str, only: str | None):
        global bisect, fnmatch, prototypes
        import bisect
        import fnmatch

        from machbox.trace import prototypes  # the table and machbox.abi: only when tracing

        self.native = native
        self.only = only or None
        native.trace_open(output, self.only)
        self.set_index = {}
        for index, name in enumerate(prototypes.FLAG_SETS):
            mode, rows = prototypes.flag_set_rows(name)
            native.trace_flagset(index, 0 if mode == "bits" else 1, rows)
            self.set_index[name] = index
        self.code_ranges: list[tuple[int, int]] = []
        # the host system calls inside stdio calls, where a program's output happens
        self.capture = native.sud_capture_init()
        if self.capture:
            for name, number in native.host_syscall_numbers().items():
                if not self.only or fnmatch.fnmatchcase(name, self.only):
                    native.trace_host_site(number, native.trace_site(
                        0, *self._site(name, name, "host", host=True)))

    def wants(self, symbol: str, library: str, kind: str) -> bool:
        name = prototypes.display_name(symbol)
        if kind == "unimplemented" or name in prototypes.NEVER_TRACED:
            return False
        if self.only and not fnmatch.fnmatchcase(name, self.only):
            return False
        return (kind in _TRACED_KINDS or library == "libsystem_kernel"
                or prototypes.prototype(name) is not None)

    def wrap(self, symbol: str, kind: str, address: int) -> int:
        """A thunk recording each call of ``address``; data symbols are left alone."""
        if not self.is_code(address):
            return address
        return self.native.trace_stub(address, *self._site(prototypes.display_name(symbol),
                                                           prototypes.display_name(symbol),
                                                           kind))

    def site(self, name: str, kind: str, prototype_name: str) -> int:
        """A call site for records the native part makes itself (raw system calls), 0 when
        --only leaves ``name`` out."""
        if self.only and not fnmatch.fnmatchcase(name, self.only):
            return 0
        return self.native.trace_site(0, *self._site(name, prototype_name, kind))

    def _site(self, name: str, prototype_name: str, kind: str, host: bool = False) -> tuple:
        proto = prototypes.prototype(prototype_name, host)
        flags = CAPTURE if not host and self.capture and name in prototypes.HOST_CAPTURED \
            else 0
        if proto is None:
            return name, kind, None, None, prototypes.RESULTS.index("hex"), flags
        kinds = bytes(prototypes.KINDS.index(k) for k in proto.args)
        sets = bytes(self.set_index[s] for s in proto.sets)
        return (name, kind, kinds, sets, prototypes.RESULTS.index(proto.result),
                flags | (BEFORE if proto.before else 0))

    def is_code(self, address: int) -> bool:
        """Whether ``address`` is in an executable mapping (a function, not a variable
        such as ___stack_chk_guard or a CoreFoundation constant)."""
        for attempt in (0, 1):
            if attempt or not self.code_ranges:
                self.code_ranges = executable_ranges()
            i = bisect.bisect_right(self.code_ranges, (address, 1 << 64)) - 1
            if i >= 0 and self.code_ranges[i][0] <= address < self.code_ranges[i][1]:
                return True
        return False


def executable_ranges() -> list[tuple[int, int]]:
    ranges = []
    with open("/proc/self/maps") as f:
        for line in f:
            span, perms = line.split(None, 2)[:2]
            if "x" in perms:
                lo, hi = span.split("-")
                ranges.append((int(lo, 16), int(hi, 16)))
    return sorted(ranges)


def tracer(native) -> Tracer | None:
    """The tracer of this process if it runs under `machbox trace`, else None."""
    output = os.environ.get(ENV_OUTPUT)
    if not output:
        return None
    try:
        return Tracer(native, output, os.environ.get(ENV_ONLY))
    except OSError as e:  # MACHBOX_TRACE set by hand to a place that cannot be written
        sys.stderr.write(f"machbox: warning: no trace: {output}: {e.strerror}\n")
        return None
