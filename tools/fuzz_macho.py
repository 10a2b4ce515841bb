"""Long mutation fuzzing of machbox.macho: every mutated input must parse or raise MachOError.

    python3 tools/fuzz_macho.py FILE... [--seconds 600] [--seed N] [--out DIR]

Anything else (IndexError, struct.error, MemoryError, RecursionError, a case taking longer
than --case-timeout seconds) is a parser bug: the input is saved under --out and reported.
The test suite runs the same mutations, bounded (tests/test_macho.py::test_mutation_fuzz).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import signal
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from machbox.macho import MachOError, parse_bytes  # noqa: E402

# values that make sizes, counts and offsets extreme when written over a header field
EXTREME_WORDS = (b"\xff\xff\xff\xff", b"\x00\x00\x00\x80", b"\x01\x00\x00\x00", b"\x00\x00\x00\x00")


def mutations(raw: bytes, count: int | None, seed: int):
    """Yield mutated copies of raw: bit flips, truncation at load-command boundaries,
    extreme words in the load commands, overlong ULEBs in __LINKEDIT, random bytes."""
    rng = random.Random(seed)
    m = parse_bytes(raw)
    commands_end = 32 + m.header.sizeofcmds
    boundaries = [lc.offset for lc in m.load_commands] + [commands_end]
    i = 0
    while count is None or i < count:
        data = bytearray(raw)
        kind = i % 5
        if kind == 0:
            for _ in range(rng.randint(1, 8)):
                p = rng.randrange(len(data))
                data[p] ^= 1 << rng.randrange(8)
        elif kind == 1:
            data = data[:max(0, rng.choice(boundaries) + rng.randint(-8, 8))]
        elif kind == 2:
            p = rng.randrange(0, commands_end - 4)
            data[p:p + 4] = rng.choice(EXTREME_WORDS)
        elif kind == 3:
            p = rng.randrange(len(data) // 2, len(data))
            data[p:p + 16] = bytes([0x80] * 15 + [0x01])
        else:
            p = rng.randrange(len(data))
            data[p:p + 8] = rng.randbytes(8)
        i += 1
        yield bytes(data)


def exercise(m) -> None:
    """Touch every lazily parsed part of an image."""
    _ = m.symbols  # parsing is lazy: touch each part
    m.binds()
    m.rebases()
    m.exports()
    m.init_pointers()
    _ = m.tlv
    m.parse_unwind_info()
    m.parse_eh_frame()
    m.function_starts()
    if m.chained_fixups is not None:
        m.chained_fixups.fixups()


class CaseTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise CaseTimeout


def run_case(data: bytes, timeout: float) -> str:
    """'ok', 'error' (MachOError) or a description of the bug."""
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        exercise(parse_bytes(data))
        return "ok"
    except MachOError:
        return "error"
    except CaseTimeout:
        return f"hang: more than {timeout} s"
    except Exception:  # noqa: BLE001 - every other exception is exactly what we hunt
        return traceback.format_exc(limit=-3)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--case-timeout", type=float, default=10)
    ap.add_argument("--out", type=Path, default=Path("fuzz-failures"))
    args = ap.parse_args(argv)
    signal.signal(signal.SIGALRM, _on_alarm)
    deadline = time.monotonic() + args.seconds
    counts = {"ok": 0, "error": 0, "bug": 0}
    per_file = args.seconds / len(args.files)
    for n, path in enumerate(args.files):
        raw = path.read_bytes()
        file_deadline = min(deadline, time.monotonic() + per_file)
        for data in mutations(raw, None, args.seed + n):
            if time.monotonic() > file_deadline:
                break
            outcome = run_case(data, args.case_timeout)
            if outcome in counts:
                counts[outcome] += 1
                continue
            counts["bug"] += 1
            args.out.mkdir(parents=True, exist_ok=True)
            saved = args.out / (hashlib.sha256(data).hexdigest()[:16] + ".macho")
            saved.write_bytes(data)
            print(f"{path}: {saved}: {outcome}", file=sys.stderr)
    print(f"seed {args.seed}: {counts['ok']} parsed, {counts['error']} MachOError, "
          f"{counts['bug']} bugs")
    return 1 if counts["bug"] else 0


if __name__ == "__main__":
    sys.exit(main())
