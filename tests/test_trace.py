"""`machbox trace` (issue 7): the calls a program makes, decoded, from every process of its
tree. The programs are real: tests/programs/trace_calls.c (also a differential test) and
ninja from the corpus."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from zigbuild import MACOS

from machbox.trace import prototypes

MISSING = "/nonexistent-machbox/missing.txt"


def _trace(machbox_cmd, options, argv, cwd, timeout=120):
    return subprocess.run(machbox_cmd + ["trace"] + options + ["--"] + argv, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _calls(records, name):
    return [r for r in records if r["call"] == name]


@pytest.fixture
def traced(machbox_cmd, built, tmp_path):
    """trace_calls under `machbox trace --json -o FILE`: (process, records)."""
    program = str(built[("trace_calls", MACOS)])
    out = tmp_path / "trace.jsonl"
    p = _trace(machbox_cmd, ["--json", "-o", str(out)], [program], tmp_path)
    return p, _records(out)


def test_the_program_runs_as_without_trace(traced):
    p, _ = traced
    assert p.returncode == 0, p.stderr
    assert p.stdout == "missing: -1 ENOENT\nwrite: 12\nchild\nchild status: 3\n"


def test_a_failing_open_shows_its_path_flags_and_enoent(traced):
    _, records = traced
    missing = [r for r in _calls(records, "open") if r["args"][0] == MISSING]
    assert len(missing) == 1, records
    r = missing[0]
    assert r["args"] == [MISSING, "O_RDONLY|O_CLOEXEC"]
    assert r["result"] == -1 and r["errno"] == "ENOENT"
    assert r["us"] >= 0 and r["tid"] == r["pid"]


def test_an_open_with_o_creat_and_the_write_to_it(traced):
    _, records = traced
    (created,) = [r for r in _calls(records, "open") if r["args"][0] == "trace_out.txt"]
    assert created["args"][1:] == ["O_WRONLY|O_CREAT|O_TRUNC", "0640"]
    fd = created["result"]
    assert fd >= 0 and "errno" not in created
    (written,) = [r for r in _calls(records, "write") if r["args"][0] == fd]
    assert written["args"] == [fd, "traced bytes", 12] and written["result"] == 12
    (closed,) = [r for r in _calls(records, "close") if r["args"] == [fd]]
    assert closed["result"] == 0


def test_the_forked_child_is_traced_into_the_same_output(traced):
    _, records = traced
    forks = _calls(records, "fork")
    assert len(forks) == 2, forks  # returns once in each process
    parent = [r for r in forks if r["result"] > 0]
    child = [r for r in forks if r["result"] == 0]
    assert len(parent) == 1 and len(child) == 1
    child_pid = parent[0]["result"]
    assert child[0]["pid"] == child_pid
    writes = [r for r in _calls(records, "write") if r["pid"] == child_pid]
    assert writes and writes[0]["args"] == [1, "child\n", 6]
    assert [r["args"] for r in _calls(records, "_exit") if r["pid"] == child_pid] == [[3]]
    (waited,) = _calls(records, "waitpid")
    assert waited["args"][0] == child_pid and waited["result"] == child_pid


def test_exec_is_followed(machbox_cmd, built, tmp_path):
    program = str(built[("trace_calls", MACOS)])
    out = tmp_path / "trace.jsonl"
    p = _trace(machbox_cmd, ["--json", "-o", str(out)], [program, "exec"], tmp_path)
    assert p.returncode == 0, p.stderr
    records = _records(out)
    (execl,) = _calls(records, "execl")
    assert execl["args"][0] == program and "result" not in execl  # it did not return
    after = [r for r in records if r["ts"] > execl["ts"] and r["pid"] == execl["pid"]]
    assert any(r["call"] == "open" and r["args"][0] == MISSING for r in after), records


def test_the_trace_descriptor_survives_the_program_closing_everything(machbox_cmd, built,
                                                                     tmp_path):
    program = str(built[("trace_calls", MACOS)])
    out = tmp_path / "trace.jsonl"
    p = _trace(machbox_cmd, ["--json", "-o", str(out)], [program, "closeall"], tmp_path)
    assert p.returncode == 0 and p.stdout == "closed all\n", p.stderr
    assert (tmp_path / "closeall.txt").read_bytes() == b"program data"
    records = _records(out)
    assert [r["args"][1] for r in _calls(records, "write")] == ["program data"]
    assert len(_calls(records, "dup2")) == 20 and _calls(records, "puts")  # after them


def test_exit_handlers_start_threads_and_block_signals_under_capture(machbox_cmd, built,
                                                                     tmp_path):
    """exit is captured (its stdio flush is the program's last output); a thread started
    and a mask set inside it still work."""
    program = str(built[("trace_calls", MACOS)])
    out = tmp_path / "trace.jsonl"
    p = _trace(machbox_cmd, ["--json", "-o", str(out)], [program, "exitthread"], tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "main\nthread ran\nat exit: SIGUSR1 blocked 1\n"
    assert _calls(_records(out), "pthread_create")[0]["result"] == 0


def test_only_keeps_the_calls_matching_the_glob(machbox_cmd, built, tmp_path):
    program = str(built[("trace_calls", MACOS)])
    out = tmp_path / "trace.jsonl"
    p = _trace(machbox_cmd, ["--json", "--only", "open*", "-o", str(out)], [program], tmp_path)
    assert p.returncode == 0, p.stderr
    records = _records(out)
    assert {r["call"] for r in records} == {"open"}
    assert len(records) == 2


def test_text_output_goes_to_stderr(machbox_cmd, built, tmp_path):
    program = str(built[("trace_calls", MACOS)])
    p = _trace(machbox_cmd, [], [program], tmp_path)
    assert p.returncode == 0
    assert f'open("{MISSING}", O_RDONLY|O_CLOEXEC) = -1 ENOENT  <' in p.stderr
    assert 'write(3, "traced bytes", 12) = 12  <' in p.stderr or \
        ', "traced bytes", 12) = 12' in p.stderr
    assert "missing: -1 ENOENT" in p.stdout  # the program's own output is untouched


def test_ninja_opens_its_build_file_and_spawns_the_command(machbox_cmd, corpus_dir, tmp_path):
    ninja = subprocess.run([sys.executable, str(corpus_dir / "corpus.py"), "path",
                            "ninja/ninja"], capture_output=True, text=True, timeout=600)
    assert ninja.returncode == 0, ninja.stderr
    (tmp_path / "build.ninja").write_text("rule cp\n  command = cp $in $out\n"
                                          "build out.txt: cp in.txt\n")
    (tmp_path / "in.txt").write_text("hi\n")
    out = tmp_path / "trace.jsonl"
    p = _trace(machbox_cmd, ["--json", "-o", str(out)], [ninja.stdout.strip()], tmp_path)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "out.txt").read_text() == "hi\n"
    records = _records(out)
    opened = [r for r in _calls(records, "fopen")]
    assert opened[0]["args"] == ["build.ninja", "rb"] and opened[0]["result"] != "0x0"
    log = [r for r in opened if r["args"][0] == ".ninja_log"]
    assert log[0]["args"][1] == "r" and log[0]["errno"] == "ENOENT"  # no log before a build
    assert log[-1]["result"] != "0x0"  # written after it
    stats = {r["args"][0]: r for r in _calls(records, "stat")}
    assert stats["in.txt"]["result"] == 0 and stats["out.txt"]["errno"] == "ENOENT"
    (spawn,) = _calls(records, "posix_spawn")
    assert spawn["args"][1] == "/bin/sh" and spawn["result"] == 0


def test_ninja_version_shows_the_write_of_its_output(machbox_cmd, corpus_dir, tmp_path):
    """The check of issue 7: `machbox trace --json ninja --version`. Its output goes through
    puts, a direct call into the host's stdio; the write(2) that carries it is recorded
    from inside that call (kind "host")."""
    ninja = subprocess.run([sys.executable, str(corpus_dir / "corpus.py"), "path",
                            "ninja/ninja"], capture_output=True, text=True, timeout=600)
    out = tmp_path / "trace.jsonl"
    p = _trace(machbox_cmd, ["--json", "-o", str(out)], [ninja.stdout.strip(), "--version"],
               tmp_path)
    assert p.returncode == 0 and p.stdout == "1.13.2.git.kitware.jobserver-pipe-1\n"
    records = _records(out)
    writes = [r for r in records if r["kind"] == "host" and r["call"] == "write"]
    assert [w["args"] for w in writes] == [[1, p.stdout, len(p.stdout)]]
    assert writes[0]["result"] == len(p.stdout)


def test_the_writes_inside_stdio_calls_are_recorded(traced):
    _, records = traced
    (flush,) = _calls(records, "fflush")
    inside = [r for r in records if r["kind"] == "host" and r["pid"] == flush["pid"]
              and flush["ts"] <= r["ts"] <= flush["ts"] + flush["us"] / 1e6]
    assert [r["call"] for r in inside] == ["write"]
    assert inside[0]["args"][0] == 1
    assert inside[0]["args"][1].startswith("missing: -1 ENOENT\nwrite: 12\n")


def test_usage_errors(machbox_cmd, tmp_path):
    p = subprocess.run(machbox_cmd + ["trace"], capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 2 and "machbox: trace: no program given" in p.stderr
    p = subprocess.run(machbox_cmd + ["trace", "--bogus", "x"], capture_output=True, text=True,
                       cwd=tmp_path)
    assert p.returncode == 2 and "bad option --bogus" in p.stderr
    p = subprocess.run(machbox_cmd + ["trace", "-o"], capture_output=True, text=True,
                       cwd=tmp_path)
    assert p.returncode == 2 and "-o needs a value" in p.stderr
    p = subprocess.run(machbox_cmd + ["trace", "-o", str(tmp_path / "no/such/dir"), "x"],
                       capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 2 and "no/such/dir" in p.stderr
    p = subprocess.run(machbox_cmd + ["trace", str(tmp_path / "missing")], capture_output=True,
                       text=True, cwd=tmp_path)
    assert p.returncode == 127 and "machbox:" in p.stderr and "Traceback" not in p.stderr


def test_kinds_agree_with_the_native_part():
    from machbox import _native

    arg_kinds, result_kinds = _native.trace_kinds()
    assert tuple(arg_kinds.split()) == prototypes.KINDS
    assert tuple(result_kinds.split()) == prototypes.RESULTS


def test_every_prototype_parses_into_known_kinds_and_sets():
    for name in prototypes.PROTOTYPES:
        proto = prototypes.prototype(name)
        assert len(proto.args) <= 8, name
        assert proto.result in prototypes.RESULTS, name
        for kind, flag_set in zip(proto.args, proto.sets):
            assert kind in prototypes.KINDS, (name, kind)
            assert flag_set in prototypes.FLAG_SETS, (name, flag_set)
    for name in prototypes.FLAG_SETS:
        assert prototypes.flag_set_rows(name)[1], name  # every set has names


def test_flag_names_are_darwin_values():
    rows = dict(prototypes.flag_set_rows("oflags")[1])
    assert rows["O_CREAT"] == 0x200 and rows["O_CLOEXEC"] == 0x1000000
    assert dict(prototypes.flag_set_rows("errno")[1])["EAGAIN"] == 35


def test_untraced_runs_bind_without_thunks(monkeypatch):
    """Tracing off costs nothing per call: no tracer, so imports bind as they always did."""
    from machbox import _native
    from machbox.libsystem.binder import Binder

    monkeypatch.delenv("MACHBOX_TRACE", raising=False)
    assert Binder(_native).tracer is None


def test_raw_system_calls_are_recorded(machbox_cmd, built, tmp_path):
    """darwin_syscalls makes its own syscall instructions: each one is a record, the
    refused ones with ENOSYS, Mach traps with the message they carried."""
    program = str(built[("darwin_syscalls", MACOS)])
    out = tmp_path / "trace.jsonl"
    p = _trace(machbox_cmd, ["--json", "-o", str(out)], [program], tmp_path)
    assert p.returncode == 0, p.stderr
    raw = [r for r in _records(out) if r["kind"] in ("syscall", "mach_trap")]
    (missing,) = [r for r in raw if r["call"] == "open" and r["args"][0] ==
                  "/nonexistent-machbox/x"]
    assert missing["args"][1] == "O_RDONLY" and missing["errno"] == "ENOENT"
    assert any(r["call"] == "write" and r["args"] == [1, "raw write\n", 10] and
               r["result"] == 10 for r in raw)
    refused = [r for r in raw if r["kind"] == "syscall" and r.get("errno") == "ENOSYS"]
    assert {r["call"] for r in refused} >= {"bsd_8", "bsd_1000"}
    sent, received = [r for r in raw if r["call"] == "mach_msg_trap"]
    assert sent["args"][0]["id"] == 4242 and sent["args"][1] == "MACH_SEND_MSG"
    assert received["args"][1] == "MACH_RCV_MSG" and received["args"][0]["id"] == 4242
    assert received["result"] == "0x0"
    assert any(r["call"] == "task_self_trap" for r in raw)
    text = _trace(machbox_cmd, ["--only", "open"], [program], tmp_path).stderr
    assert 'syscall open("/nonexistent-machbox/x", O_RDONLY) = -1 ENOENT' in text
