"""A macOS build of a kqueue-based server (tests/net/kq_server.c) under machbox serves
Linux-built clients over loopback, one after another and two at once (issue 5)."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from zigbuild import LINUX, MACOS, Program, build

HERE = Path(__file__).resolve().parent / "net"


@pytest.fixture(scope="module")
def programs():
    return (build(Program(HERE / "kq_server.c"), MACOS),
            build(Program(HERE / "line_client.c"), LINUX))


def test_kqueue_server_serves_linux_clients(programs, machbox_cmd):
    server_exe, client_exe = programs
    server = subprocess.Popen(machbox_cmd + ["run", str(server_exe), "0", "3"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline()
        assert first.startswith("listening on "), first + server.stderr.read()
        port = first.split()[-1]

        def client(*lines):
            return subprocess.run([str(client_exe), port, *lines], capture_output=True,
                                  text=True, timeout=30).stdout

        one = client("hello", "kqueue")
        with ThreadPoolExecutor(2) as pool:
            both = list(pool.map(lambda ls: client(*ls), [("alpha", "beta"), ("gamma",)]))
        out, err = server.communicate(timeout=30)
    finally:
        server.kill()
    assert one == "1: HELLO\n2: KQUEUE\n"
    # the two concurrent clients get their own lines back, numbered in serving order
    assert sorted(line.split(": ")[1] for text in both for line in text.splitlines()) == \
        ["ALPHA", "BETA", "GAMMA"]
    assert [len(text.splitlines()) for text in both] == [2, 1]
    assert (out, server.returncode) == ("served 3 clients, 5 lines\n", 0), err
