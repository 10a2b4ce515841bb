"""The bootstrap namespace, as launchd keeps it: service names mapped to global ports.

A name is *declared* by a launchd plist in the prefix (its MachServices keys): launchd holds
its receive right until a process checks in, and takes it back when that process dies, so
messages sent before the check-in or after a crash wait for the next one. Other names are
*dynamic*: made by bootstrap_register or by checking in an undeclared name (as launchd did
for processes it did not start), and gone with their port.
"""

from __future__ import annotations

import logging
import os
import plistlib

log = logging.getLogger(__name__)

# launchd's return codes (liblaunch's bootstrap.h)
BOOTSTRAP_SUCCESS = 0
BOOTSTRAP_NOT_PRIVILEGED = 1100
BOOTSTRAP_NAME_IN_USE = 1101
BOOTSTRAP_UNKNOWN_SERVICE = 1102
BOOTSTRAP_SERVICE_ACTIVE = 1103

PLIST_DIRS = ("Library/LaunchDaemons", "Library/LaunchAgents", "System/Library/LaunchDaemons",
              "System/Library/LaunchAgents")


def declared_services(prefix: str) -> list[str]:
    """The MachServices names the prefix's launchd plists declare."""
    names = []
    for d in PLIST_DIRS:
        try:
            files = sorted(os.listdir(os.path.join(prefix, d)))
        except OSError:
            continue
        for f in files:
            if not f.endswith(".plist"):
                continue
            try:
                with open(os.path.join(prefix, d, f), "rb") as fh:
                    job = plistlib.load(fh)
            except (OSError, plistlib.InvalidFileException, ValueError) as e:
                log.warning("%s/%s: not a plist (%s)", d, f, e)
                continue
            services = job.get("MachServices") if isinstance(job, dict) else None
            if isinstance(services, dict):
                names += [n for n in services if isinstance(n, str)]
    return names


class Namespace:
    """Names to ports. ``new_port`` makes a server-held port (for a declared name)."""

    def __init__(self, declared: list[str], new_port):
        self.ports: dict[str, int] = {}
        self.declared: dict[str, int] = {}
        for name in declared:
            self.declared[name] = self.ports[name] = new_port()

    def declare(self, name: str, new_port) -> None:
        """A MachServices name of a job loaded later (launchctl load of any path)."""
        if name not in self.declared:
            self.declared[name] = self.ports[name] = self.ports.get(name) or new_port()

    def declared_name(self, port: int) -> str | None:
        return next((n for n, p in self.declared.items() if p == port), None)

    def look_up(self, name: str) -> tuple[int, int]:
        port = self.ports.get(name)
        return (BOOTSTRAP_SUCCESS, port) if port else (BOOTSTRAP_UNKNOWN_SERVICE, 0)

    def register(self, name: str, port: int, is_active) -> int:
        """bootstrap_register: a send right under ``name``; port 0 removes the name."""
        if name in self.declared:
            return BOOTSTRAP_NOT_PRIVILEGED
        old = self.ports.get(name)
        if old and is_active(old) and port:
            return BOOTSTRAP_NAME_IN_USE
        if port:
            self.ports[name] = port
        else:
            self.ports.pop(name, None)
        return BOOTSTRAP_SUCCESS

    def check_in(self, name: str, held_by_server, new_port) -> tuple[int, int]:
        """bootstrap_check_in: the receive right of ``name``, if nobody has it."""
        port = self.ports.get(name)
        if port is None:
            self.ports[name] = port = new_port()
            return BOOTSTRAP_SUCCESS, port
        if name in self.declared and held_by_server(port):
            return BOOTSTRAP_SUCCESS, port
        return BOOTSTRAP_SERVICE_ACTIVE, 0

    def port_died(self, port: int) -> None:
        for name in [n for n, p in self.ports.items() if p == port]:
            if name not in self.declared:
                del self.ports[name]

    def is_registered(self, port: int) -> bool:
        """The namespace holds a send right to ``port`` (a registered name)."""
        return any(p == port for n, p in self.ports.items() if n not in self.declared)

    def is_declared_port(self, port: int) -> bool:
        return port in self.declared.values()
