"""`machbox run --timeout` and signals sent to machbox: the guest's whole process tree ends,
exit statuses are the guest's (or 124), and no process is left behind (issue 4)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import stress_fork  # noqa: E402
from zigbuild import MACOS, Program, build  # noqa: E402

WAITER = r"""
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static void on_signal(int sig) {  /* async-signal-safe: main may be inside fflush */
    char line[] = "signal 00\n";
    line[7] = '0' + sig / 10;
    line[8] = '0' + sig % 10;
    write(1, sig < 10 ? "signal " : line, sig < 10 ? 7 : 10);
    if (sig < 10) write(1, line + 8, 2);
    _exit(40 + sig);
}
int main(int argc, char **argv) {
    if (strcmp(argv[1], "exit") == 0) return atoi(argv[2]);
    if (strcmp(argv[1], "segv") == 0) raise(SIGSEGV);
    if (strcmp(argv[1], "wait") == 0) {
        signal(SIGTERM, on_signal);
        signal(SIGUSR1, on_signal);
        signal(SIGHUP, on_signal);
        int settled[2];
        pipe(settled);
        if (fork() == 0) {  /* left running: must not outlive a kill of machbox */
            signal(SIGTERM, SIG_DFL);
            signal(SIGHUP, SIG_DFL);
            close(1);  /* the test reads the parent's output to its end */
            close(2);
            write(settled[1], "", 1);
            for (;;) pause();
        }
        char byte;  /* "ready" only once the child no longer has the parent's handlers */
        read(settled[0], &byte, 1);
        puts("ready");
        fflush(stdout);
        for (;;) pause();
    }
    return 99;
}
"""


@pytest.fixture(scope="module")
def fork_tree() -> Path:
    return stress_fork.build()


@pytest.fixture(scope="module")
def waiter(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("waiter") / "waiter.c"
    src.write_text(WAITER)
    return build(Program(src), MACOS)


def test_timeout_ends_the_tree_with_124(fork_tree, machbox_cmd):
    start = time.monotonic()
    problem, left = stress_fork.one_run(fork_tree, machbox_cmd, timeout="1")
    assert problem == "" and left == []
    assert time.monotonic() - start < 10


def test_fork_kill_timeout_stress_leaves_no_orphans(fork_tree, machbox_cmd):
    results = [stress_fork.one_run(fork_tree, machbox_cmd) for _ in range(8)]
    assert [r for r in results if r != ("", [])] == []


@pytest.mark.parametrize("args,status", [(["exit", "3"], 3), (["exit", "0"], 0),
                                         (["segv"], -signal.SIGSEGV)])
def test_status_passes_through_the_supervisor(waiter, machbox_cmd, args, status):
    p = subprocess.run(machbox_cmd + ["run", "--timeout", "30", str(waiter)] + args,
                       capture_output=True, timeout=60)
    assert p.returncode == status, p.stderr


@pytest.mark.parametrize("timeout", [None, "30"])
@pytest.mark.parametrize("sig,darwin", [(signal.SIGTERM, 15), (signal.SIGUSR1, 30),
                                        (signal.SIGHUP, 1)])
def test_signal_to_machbox_reaches_the_guest(waiter, machbox_cmd, timeout, sig, darwin):
    token = f"mbsig-{uuid.uuid4().hex}"
    opts = ["--timeout", timeout] if timeout else []
    p = subprocess.Popen(machbox_cmd + ["run"] + opts + [str(waiter), "wait", token],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert p.stdout.readline() == b"ready\n"
        p.send_signal(sig)
        out, err = p.communicate(timeout=30)
    finally:
        p.kill()
    assert (out, p.returncode) == (f"signal {darwin}\n".encode(), 40 + darwin), err
    time.sleep(0.1)
    left = stress_fork.survivors(token)
    for pid in left:
        stress_fork.os.kill(pid, signal.SIGKILL)
    if timeout and sig != signal.SIGUSR1:  # supervised: ending machbox ends the tree
        assert left == []
    else:  # as on a Mac: the guest's own child outlives it
        assert len(left) == 1


@pytest.mark.parametrize("value", ["x", "-1", "1q", ""])
def test_bad_duration_is_a_usage_error(machbox_cmd, value):
    p = subprocess.run(machbox_cmd + ["run", "--timeout", value, "/bin/true"],
                       capture_output=True, timeout=30)
    assert p.returncode == 2 and b"invalid duration" in p.stderr
