"""`launchctl` against the prefix's launchd, which runs in the per-prefix server: installed
jobs load when the server starts (as at boot), a crashing KeepAlive job is restarted and
`list` shows its last status as the negative signal, `stop` restarts a KeepAlive job,
`kickstart -k -p` replaces its process, `print` describes it, `unload -w` stops it and
keeps it disabled across a server restart, `load -w` brings it back, unknown labels exit
113, and after `machbox shutdown` nothing the job started is left."""

from __future__ import annotations

import os
import plistlib
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from stress_fork import survivors  # noqa: E402  (processes whose command line holds a token)

TIMEOUT = 60
LABEL = "com.machbox.test.crashloop"


@pytest.fixture
def prefix(tmp_path, machbox_cmd):
    path = tmp_path / "prefix"
    subprocess.run(machbox_cmd + ["prefix", "create", str(path)], check=True,
                   capture_output=True)
    yield path
    subprocess.run(machbox_cmd + ["shutdown", "--prefix", str(path)], capture_output=True,
                   timeout=TIMEOUT)


def _launchctl(machbox_cmd, prefix, *args):
    env = dict(os.environ, MACHBOX_PREFIX=str(prefix))
    return subprocess.run(machbox_cmd + ["tool", "launchctl", *args], env=env,
                          capture_output=True, text=True, timeout=TIMEOUT)


def _until(check, seconds: float = 20.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    return None


def _row(machbox_cmd, prefix) -> list[str] | None:
    p = _launchctl(machbox_cmd, prefix, "list")
    assert p.returncode == 0 and p.stdout.startswith("PID\tStatus\tLabel\n"), p.stderr
    rows = [line.split("\t") for line in p.stdout.splitlines()[1:]]
    return next((r for r in rows if r[2] == LABEL), None)


def test_launchctl_drives_a_crashing_keepalive_job(prefix, tmp_path, machbox_cmd):
    marker = f"crashloop-{os.getpid()}-{time.monotonic_ns()}"
    runs = tmp_path / "runs"
    plist = prefix / "Library/LaunchAgents" / f"{LABEL}.plist"
    script = f': {marker}; echo run >> {runs}; sleep 0.3; kill -SEGV $$'
    with open(plist, "wb") as f:
        plistlib.dump({"Label": LABEL, "ProgramArguments": ["/bin/sh", "-c", script],
                       "KeepAlive": True, "ThrottleInterval": 1}, f)

    # the first request starts the server, which loads the installed job
    assert _until(lambda: (r := _row(machbox_cmd, prefix)) and r[1] == "-11"), \
        "the job never crashed"
    assert _until(lambda: runs.exists() and runs.read_text().count("run") >= 2)

    one = _launchctl(machbox_cmd, prefix, "list", LABEL)
    assert one.returncode == 0 and f'"Label" = "{LABEL}";' in one.stdout
    assert '"OnDemand" = false;' in one.stdout and '"/bin/sh";' in one.stdout

    pid = _until(lambda: (r := _row(machbox_cmd, prefix)) and r[0] != "-" and int(r[0]))
    shown = _launchctl(machbox_cmd, prefix, "print", f"gui/{os.getuid()}/{LABEL}")
    assert shown.returncode == 0 and f"gui/{os.getuid()}/{LABEL} = {{" in shown.stdout
    assert "type = LaunchAgent" in shown.stdout and "properties = keepalive" in shown.stdout

    kick = _launchctl(machbox_cmd, prefix, "kickstart", "-k", "-p", f"gui/{os.getuid()}/{LABEL}")
    assert kick.returncode == 0 and kick.stdout.strip().isdigit(), kick.stderr
    assert int(kick.stdout) != pid

    assert _launchctl(machbox_cmd, prefix, "stop", LABEL).returncode == 0
    assert _until(lambda: _row(machbox_cmd, prefix) is not None)  # KeepAlive: still there

    off = _launchctl(machbox_cmd, prefix, "unload", "-w", str(plist))
    assert (off.returncode, off.stderr) == (0, "")
    assert _row(machbox_cmd, prefix) is None
    assert _until(lambda: not survivors(marker), 10), "unload left the job running"

    missing = _launchctl(machbox_cmd, prefix, "list", LABEL)
    assert missing.returncode == 113 and f'Could not find service "{LABEL}"' in missing.stderr

    # disabled by -w: a new server (a Mac after a reboot) does not load it
    subprocess.run(machbox_cmd + ["shutdown", "--prefix", str(prefix)], check=True,
                   timeout=TIMEOUT)
    assert _row(machbox_cmd, prefix) is None
    on = _launchctl(machbox_cmd, prefix, "load", "-w", str(plist))
    assert (on.returncode, on.stderr) == (0, "")
    assert _until(lambda: survivors(marker))
    again = _launchctl(machbox_cmd, prefix, "load", str(plist))
    assert again.returncode != 0 and "already loaded" in again.stderr

    subprocess.run(machbox_cmd + ["shutdown", "--prefix", str(prefix)], check=True,
                   timeout=TIMEOUT)
    assert _until(lambda: not survivors(marker), 10), "shutdown left the job running"


def test_launchctl_usage_and_bad_files(prefix, tmp_path, machbox_cmd):
    assert _launchctl(machbox_cmd, prefix).returncode == 64
    assert _launchctl(machbox_cmd, prefix, "frobnicate").returncode == 64
    p = _launchctl(machbox_cmd, prefix, "load", str(tmp_path / "none.plist"))
    assert p.returncode == 2 and "No such file or directory" in p.stderr
    assert _launchctl(machbox_cmd, prefix, "start", "com.example.none").returncode == 3
