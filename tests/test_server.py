"""The per-prefix server and Mach IPC across processes, run as a user would: separate
`machbox run` processes (and a forked child) in a temporary prefix, talking through the
bootstrap namespace. Every test shuts its prefix's server down and checks none is left."""

from __future__ import annotations

import os
import plistlib
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from zigbuild import MACOS, PROGRAMS, Program, build

from machbox.server import paths

IPC = PROGRAMS / "ipc"
TIMEOUT = 60
SERVICE_PLIST = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
  <key>Label</key><string>com.machbox.test.bootstrap</string>
  <key>MachServices</key><dict><key>com.machbox.test.bootstrap</key><true/></dict>
</dict></plist>
"""


@pytest.fixture(scope="module")
def ipc_programs() -> dict[str, Path]:
    return {p.stem: build(Program(p), MACOS) for p in sorted(IPC.glob("*.c"))}


def _servers(prefix: Path) -> list[int]:
    """Server processes serving `prefix` (by their command line)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"machbox.server" in argv and os.fsencode(prefix) in argv:
            found.append(int(pid))
    return found


@pytest.fixture
def prefix(tmp_path, machbox_cmd):
    path = tmp_path / "prefix"
    subprocess.run(machbox_cmd + ["prefix", "create", str(path)], check=True,
                   capture_output=True)
    yield path
    subprocess.run(machbox_cmd + ["shutdown", "--prefix", str(path)], capture_output=True,
                   timeout=TIMEOUT)
    deadline = time.monotonic() + 5
    while _servers(path) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _servers(path), "a server outlived `machbox shutdown`"


def _env(prefix: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, MACHBOX_PREFIX=str(prefix), LC_ALL="C")
    env.update(extra)
    return env


def _run(cmd, exe: Path, prefix: Path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd + ["run", str(exe)], env=_env(prefix, **extra),
                          capture_output=True, text=True, timeout=TIMEOUT)


def _start(cmd, exe: Path, prefix: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd + ["run", str(exe)], env=_env(prefix), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for_line(p: subprocess.Popen, want: str) -> list[str]:
    lines = []
    while True:
        line = p.stdout.readline()
        if not line:
            pytest.fail(f"exited before {want!r}: {lines} {p.stderr.read()[-2000:]}")
        lines.append(line)
        if line.startswith(want):
            return lines


def _names_masked(text: str) -> str:
    """Port names are the kernel's choice (Darling's docs say so): not compared."""
    return re.sub(r"port right name \d+", "port right name NNN", text)


def _expected(name: str) -> str:
    return (IPC / f"{name}.expected").read_text()


def test_darling_example_as_two_processes(ipc_programs, prefix, machbox_cmd):
    assert not _servers(prefix)
    receiver = _start(machbox_cmd, ipc_programs["receiver"], prefix)
    try:
        head = _wait_for_line(receiver, "bootstrap_register()'ed our port")
        sender = _run(machbox_cmd, ipc_programs["sender"], prefix)
        rest, err = receiver.communicate(timeout=TIMEOUT)
    finally:
        receiver.kill()
    assert (sender.returncode, _names_masked(sender.stdout)) == (0, _expected("sender")), \
        sender.stderr
    assert _names_masked("".join(head) + rest) == _expected("receiver"), err
    assert receiver.returncode == 0
    assert len(_servers(prefix)) == 1, "the first client started one server"


def test_fork_check_in_look_up_complex_message_reply_dead_name(ipc_programs, prefix,
                                                               machbox_cmd):
    daemons = prefix / "Library" / "LaunchDaemons"
    (daemons / "com.machbox.test.bootstrap.plist").write_text(SERVICE_PLIST)
    p = _run(machbox_cmd, ipc_programs["bootstrap"], prefix)
    assert (p.returncode, p.stdout) == (0, _expected("bootstrap")), p.stderr[-2000:]


def test_closing_every_descriptor_keeps_the_server_connection(ipc_programs, prefix,
                                                              machbox_cmd):
    p = _run(machbox_cmd, ipc_programs["closeall"], prefix)
    assert (p.returncode, p.stdout) == (0, _expected("closeall")), p.stderr[-2000:]


def test_client_killed_mid_conversation(ipc_programs, prefix, machbox_cmd):
    """A SIGKILLed process's receive rights die: holders of send rights get dead names and
    their notifications, its registered name goes, the server carries on."""
    receiver = _start(machbox_cmd, ipc_programs["receiver"], prefix)
    watcher = None
    try:
        _wait_for_line(receiver, "bootstrap_register()'ed our port")
        watcher = _start(machbox_cmd, ipc_programs["deadwatch"], prefix)
        head = _wait_for_line(watcher, "watching")
        (server,) = _servers(prefix)
        receiver.send_signal(signal.SIGKILL)
        receiver.wait(timeout=TIMEOUT)
        rest, err = watcher.communicate(timeout=TIMEOUT)
    finally:
        receiver.kill()
        if watcher:
            watcher.kill()
    assert "".join(head) + rest == _expected("deadwatch"), err
    assert watcher.returncode == 0
    sender = _run(machbox_cmd, ipc_programs["sender"], prefix)
    assert sender.stdout == "bootstrap_look_up() failed with code 0x44e\n"  # unknown service
    assert _servers(prefix) == [server]


def test_a_killed_server_is_replaced(ipc_programs, prefix, machbox_cmd):
    """A server killed with SIGKILL leaves its socket and lock behind: the next client
    starts a new one, which takes over both (with an empty namespace)."""
    _run(machbox_cmd, ipc_programs["sender"], prefix)
    (first,) = _servers(prefix)
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while first in _servers(prefix) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert os.path.exists(paths.socket_path(str(prefix)))  # stale
    sender = _run(machbox_cmd, ipc_programs["sender"], prefix)
    assert sender.stdout == "bootstrap_look_up() failed with code 0x44e\n"
    (second,) = _servers(prefix)
    assert second != first


def test_concurrent_clients_start_one_server(ipc_programs, prefix, machbox_cmd):
    senders = [_start(machbox_cmd, ipc_programs["sender"], prefix) for _ in range(4)]
    outs = [s.communicate(timeout=TIMEOUT)[0] for s in senders]
    # each reached a server: the name is unknown there
    assert outs == ["bootstrap_look_up() failed with code 0x44e\n"] * 4
    assert len(_servers(prefix)) == 1
    assert paths.server_pid(str(prefix)) == _servers(prefix)[0]


def test_shutdown_stops_the_server_and_the_next_client_starts_one(ipc_programs, prefix,
                                                                  machbox_cmd):
    _run(machbox_cmd, ipc_programs["sender"], prefix)
    (first,) = _servers(prefix)
    p = subprocess.run(machbox_cmd + ["shutdown", "--prefix", str(prefix)],
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert (p.returncode, p.stderr) == (0, "")
    assert not _servers(prefix)
    assert not os.path.exists(paths.socket_path(str(prefix)))
    again = subprocess.run(machbox_cmd + ["shutdown", "--prefix", str(prefix)],
                           capture_output=True, text=True, timeout=TIMEOUT)
    assert again.returncode == 0  # nothing to stop is not an error
    _run(machbox_cmd, ipc_programs["sender"], prefix)
    (second,) = _servers(prefix)
    assert second != first


def test_idle_server_exits(ipc_programs, prefix, machbox_cmd):
    _run(machbox_cmd, ipc_programs["sender"], prefix, MACHBOX_SERVER_IDLE_TIMEOUT="0.5")
    assert paths.server_pid(str(prefix))
    deadline = time.monotonic() + 10
    while _servers(prefix) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _servers(prefix)
    assert paths.server_pid(str(prefix)) is None


def test_messages_within_a_process_never_start_the_server(prefix, machbox_cmd, built):
    exe = built[("darwin_mach_ipc", MACOS)]
    p = _run(machbox_cmd, exe, prefix)
    assert p.returncode == 0, p.stderr[-2000:]
    assert not _servers(prefix)
    assert not os.path.exists(paths.socket_path(str(prefix)))


def test_timeout_ends_the_guest_tree_but_not_the_prefix_server(ipc_programs, prefix,
                                                               machbox_cmd):
    """`machbox run --timeout` ends everything its guest started, except the server the
    guest started on demand: other processes of the prefix use it."""
    p = subprocess.run(machbox_cmd + ["run", "--timeout", "3", str(ipc_programs["receiver"])],
                       env=_env(prefix), capture_output=True, text=True, timeout=TIMEOUT)
    assert p.returncode == 124, p.stderr[-2000:]
    assert "bootstrap_register()'ed our port" in p.stdout
    assert len(_servers(prefix)) == 1
    sender = _run(machbox_cmd, ipc_programs["sender"], prefix)
    assert sender.stdout == "bootstrap_look_up() failed with code 0x44e\n"  # its port died


def test_bootstrap_port_across_posix_spawn_and_exec(ipc_programs, prefix, machbox_cmd):
    p = _run(machbox_cmd, ipc_programs["spawn"], prefix)
    assert (p.returncode, p.stdout) == (0, _expected("spawn")), p.stderr[-2000:]


def test_no_senders_across_processes(ipc_programs, prefix, machbox_cmd):
    p = _run(machbox_cmd, ipc_programs["nosenders"], prefix)
    assert (p.returncode, p.stdout) == (0, _expected("nosenders")), p.stderr[-2000:]


def test_send_once_notifications_across_processes(ipc_programs, prefix, machbox_cmd):
    """A reply right destroyed unused in another process, or held by it when it exits,
    reaches the waiting client as a send-once notification (the receives time out in the
    program, so a missing one fails rather than hangs)."""
    p = _run(machbox_cmd, ipc_programs["sendonce"], prefix)
    assert (p.returncode, p.stdout) == (0, _expected("sendonce")), p.stderr[-2000:]


def test_port_destroyed_notification_to_another_process(ipc_programs, prefix, machbox_cmd):
    p = _run(machbox_cmd, ipc_programs["portdestroyed"], prefix)
    assert (p.returncode, p.stdout) == (0, _expected("portdestroyed")), p.stderr[-2000:]


def test_many_messages_and_big_out_of_line_data_across_processes(ipc_programs, prefix,
                                                                 machbox_cmd):
    p = _run(machbox_cmd, ipc_programs["bulk"], prefix)
    assert (p.returncode, p.stdout) == (0, _expected("bulk")), p.stderr[-2000:]


def test_send_right_carried_onward_and_home(ipc_programs, prefix, machbox_cmd):
    p = _run(machbox_cmd, ipc_programs["onward"], prefix)
    assert (p.returncode, p.stdout) == (0, _expected("onward")), p.stderr[-2000:]


def test_receive_right_moved_to_another_process(ipc_programs, prefix, machbox_cmd):
    p = _run(machbox_cmd, ipc_programs["moverecv"], prefix)
    assert (p.returncode, p.stdout) == (0, _expected("moverecv")), p.stderr[-2000:]


def test_prefix_delete_stops_its_server(ipc_programs, prefix, machbox_cmd):
    _run(machbox_cmd, ipc_programs["sender"], prefix)
    assert _servers(prefix)
    p = subprocess.run(machbox_cmd + ["prefix", "delete", str(prefix)], capture_output=True,
                       text=True, timeout=TIMEOUT)
    assert p.returncode == 0, p.stderr
    assert not _servers(prefix)
    assert not prefix.exists()


def test_queue_limit_and_send_timeouts_across_processes(ipc_programs, prefix, machbox_cmd):
    p = _run(machbox_cmd, ipc_programs["sendtimeout"], prefix)
    assert (p.returncode, p.stdout) == (0, _expected("sendtimeout")), p.stderr[-2000:]


def test_launchd_job_started_on_demand_for_its_mach_service(ipc_programs, prefix, tmp_path,
                                                            machbox_cmd):
    """launchctl loads a job (through the server, which runs the prefix's launchd) whose
    plist declares a MachService; a message to the service starts the job, which checks
    in, finds the message and answers. `machbox shutdown` ends the job with the server."""
    exe = str(ipc_programs["ondemand"])
    plist = tmp_path / "ondemand.plist"
    with open(plist, "wb") as f:
        plistlib.dump({"Label": "com.machbox.test.ondemand", "ProgramArguments": [exe, "serve"],
                       "MachServices": {"com.machbox.test.ondemand": True}}, f)
    load = subprocess.run(machbox_cmd + ["tool", "launchctl", "load", str(plist)],
                          env=_env(prefix), capture_output=True, text=True, timeout=TIMEOUT)
    assert (load.returncode, load.stderr) == (0, "")
    listed = subprocess.run(machbox_cmd + ["tool", "launchctl", "list"], env=_env(prefix),
                            capture_output=True, text=True, timeout=TIMEOUT)
    assert "com.machbox.test.ondemand" in listed.stdout
    p = subprocess.run(machbox_cmd + ["run", exe, "ask"], env=_env(prefix), capture_output=True,
                       text=True, timeout=TIMEOUT)
    assert (p.returncode, p.stdout) == (0, _expected("ondemand")), p.stderr[-2000:]


def test_task_and_host_ports_in_messages_between_processes(ipc_programs, prefix, machbox_cmd):
    p = _run(machbox_cmd, ipc_programs["taskport"], prefix)
    assert (p.returncode, p.stdout) == (0, _expected("taskport")), p.stderr[-2000:]
