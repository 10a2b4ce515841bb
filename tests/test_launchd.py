"""launchd's job engine (machbox.kernel.launchd) with real processes: jobs from plists in a
prefix start at load, write where StandardOutPath says with their EnvironmentVariables,
crash and are restarted by KeepAlive within their ThrottleInterval, stop restarting when
the condition no longer holds, run every StartInterval, and leave no process behind when
stopped, unloaded or shut down. A Mach-O job runs under machbox and prints what the Linux
build of the same program prints."""

from __future__ import annotations

import os
import plistlib
import signal
import subprocess
import time

import pytest
from zigbuild import LINUX, MACOS

from machbox.kernel import launchd as L
from machbox.vfs import prefix as P


@pytest.fixture
def pfx(tmp_path):
    root = tmp_path / "pfx"
    P.create(str(root), quiet=True)
    engine = L.Launchd(str(root))
    yield root, engine
    engine.shutdown()


def _job(root, label: str, daemon: bool = False, **keys) -> str:
    where = root / "Library" / ("LaunchDaemons" if daemon else "LaunchAgents")
    path = where / f"{label}.plist"
    with open(path, "wb") as f:
        plistlib.dump({"Label": label, **keys}, f)
    return str(path)


def _until(engine, condition, seconds: float = 20.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        engine.tick()
        if condition():
            return True
        time.sleep(0.05)
    return False


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_run_at_load_output_and_environment(pfx, tmp_path):
    root, engine = pfx
    out = tmp_path / "out.log"
    engine.load(_job(root, "com.example.hello", RunAtLoad=True,
                     ProgramArguments=["/bin/sh", "-c",
                                       'echo "hello $GREETING from $XPC_SERVICE_NAME"'],
                     EnvironmentVariables={"GREETING": "world"}, StandardOutPath=str(out)))
    job = engine.job("com.example.hello")
    assert job.domain == f"gui/{os.getuid()}"
    assert _until(engine, lambda: job.runs == 1 and job.pid is None)
    assert out.read_text() == "hello world from com.example.hello\n"
    assert engine.rows() == [(None, 0, "com.example.hello")]
    assert job.describe()["LastExitStatus"] == 0 and job.describe()["OnDemand"] is True


def test_keepalive_restarts_a_crashing_job_until_it_succeeds(pfx, tmp_path):
    root, engine = pfx
    count = tmp_path / "count"
    # crashes (SIGSEGV) on its first two runs, then exits 0: SuccessfulExit=false restarts
    # it after each crash and not after the success
    script = (f'n=$(cat {count} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {count}; '
              'if [ $n -lt 3 ]; then kill -SEGV $$; fi; exit 0')
    engine.load(_job(root, "com.example.crasher", RunAtLoad=True, ThrottleInterval=1,
                     KeepAlive={"SuccessfulExit": False},
                     ProgramArguments=["/bin/sh", "-c", script]))
    job = engine.job("com.example.crasher")
    assert _until(engine, lambda: job.runs >= 2 and job.pid is None and job.last_exit < 0)
    assert job.last_exit == -signal.SIGSEGV
    started = time.monotonic()
    assert _until(engine, lambda: job.runs == 3 and job.pid is None and job.last_exit == 0)
    assert time.monotonic() - started < 5  # one ThrottleInterval per restart, not ten
    time.sleep(1.5)
    engine.tick()
    assert job.runs == 3 and job.next_start is None  # a success is not restarted
    assert count.read_text() == "3\n"


def test_stop_restarts_keepalive_and_unload_leaves_nothing(pfx, tmp_path):
    root, engine = pfx
    child_pid = tmp_path / "grandchild"
    engine.load(_job(root, "com.example.daemon", daemon=True, KeepAlive=True, ThrottleInterval=1,
                     ProgramArguments=["/bin/sh", "-c",
                                       f"sleep 1000 & echo $! > {child_pid}; wait"]))
    job = engine.job("com.example.daemon")
    assert job.domain == "system"
    assert _until(engine, lambda: job.pid is not None and child_pid.exists()
                  and child_pid.read_text().strip())
    first, grandchild = job.pid, int(child_pid.read_text())
    engine.stop("com.example.daemon")  # launchctl stop: KeepAlive starts it again
    assert _until(engine, lambda: job.pid is not None and job.pid != first)
    assert not _alive(first) and not _alive(grandchild)  # the whole group went
    second = job.pid
    engine.unload("com.example.daemon")
    assert _until(engine, lambda: "com.example.daemon" not in engine.jobs)
    assert not _alive(second)
    with pytest.raises(L.JobError) as e:
        engine.job("com.example.daemon")
    assert e.value.code == L.NOT_FOUND


def test_start_interval_runs_periodically(pfx, tmp_path):
    root, engine = pfx
    ticks = tmp_path / "ticks"
    engine.load(_job(root, "com.example.periodic", StartInterval=1,
                     ProgramArguments=["/bin/sh", "-c", f"echo tick >> {ticks}"]))
    job = engine.job("com.example.periodic")
    assert job.runs == 0  # not at load: no RunAtLoad
    assert _until(engine, lambda: ticks.exists() and ticks.read_text().count("tick") >= 2, 10)


def test_job_group_is_cleaned_when_the_main_process_exits(pfx, tmp_path):
    root, engine = pfx
    child_pid = tmp_path / "bg"
    engine.load(_job(root, "com.example.spawner", RunAtLoad=True,
                     ProgramArguments=["/bin/sh", "-c", f"sleep 1000 & echo $! > {child_pid}"]))
    job = engine.job("com.example.spawner")
    assert _until(engine, lambda: job.runs == 1 and job.pid is None and child_pid.exists())
    assert _until(engine, lambda: not _alive(int(child_pid.read_text())), 5)


def test_macho_job_runs_under_machbox(pfx, tmp_path, built):
    root, engine = pfx
    out = tmp_path / "macho.out"
    args = ["first", "second arg", "3"]
    engine.load(_job(root, "com.example.macho", RunAtLoad=True,
                     ProgramArguments=[str(built[("env", MACOS)]), *args],
                     EnvironmentVariables={"MB_TEST_VAR": "from-test"},
                     StandardOutPath=str(out), StandardErrorPath=str(tmp_path / "err")))
    job = engine.job("com.example.macho")
    assert _until(engine, lambda: job.runs == 1 and job.pid is None, 60)
    linux = subprocess.run([str(built[("env", LINUX)]), *args], capture_output=True,
                           env={"MB_TEST_VAR": "from-test"})
    assert out.read_bytes() == linux.stdout, (tmp_path / "err").read_text()
    assert job.last_exit == linux.returncode


def test_bad_job_files(pfx, tmp_path):
    root, engine = pfx
    missing = str(root / "Library/LaunchAgents/none.plist")
    with pytest.raises(L.JobError) as e:
        engine.load(missing)
    assert e.value.code == 2
    garbage = tmp_path / "garbage.plist"
    garbage.write_bytes(b"not a plist")
    with pytest.raises(L.JobError):
        engine.load(str(garbage))
    with pytest.raises(L.JobError):  # neither Program nor ProgramArguments
        engine.load(_job(root, "com.example.empty"))
    with pytest.raises(L.JobError):  # a key of the wrong type
        engine.load(_job(root, "com.example.typed", Program="/bin/true", RunAtLoad="yes"))
    path = _job(root, "com.example.twice", Program="/bin/true")
    engine.load(path)
    with pytest.raises(L.JobError) as e:
        engine.load(path)
    assert e.value.code == L.ALREADY_LOADED
    with pytest.raises(L.JobError):  # Disabled, unless forced (load -w)
        engine.load(_job(root, "com.example.off", Program="/bin/true", Disabled=True))
    engine.load(_job(root, "com.example.off2", Program="/bin/true", Disabled=True), force=True)
