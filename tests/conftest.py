"""Shared test set-up: how to run machbox, where the corpus is, slow tests, built programs."""

from __future__ import annotations

import importlib.util
import os
import shlex
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("MACHBOX_CORPUS", ROOT.parent / "shared" / "corpus"))


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", help="also run tests marked slow")


def pytest_configure(config):
    missing = [m for m in ("ziglang", "lief") if importlib.util.find_spec(m) is None]
    if missing:
        raise pytest.UsageError(f"the test extra is not installed ({', '.join(missing)}): "
                                "run ./dev setup or pip install -e '.[test]'")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def machbox_cmd() -> list[str]:
    """How a user runs machbox; MACHBOX_CMD overrides (e.g. an installed `machbox`)."""
    if os.environ.get("MACHBOX_CMD"):
        return shlex.split(os.environ["MACHBOX_CMD"])
    return [sys.executable, "-m", "machbox"]


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not (CORPUS / "corpus.py").exists():
        pytest.fail(f"the corpus is not at {CORPUS} (set MACHBOX_CORPUS)")
    return CORPUS


@pytest.fixture(scope="session")
def built():
    """Every test program built for both targets (failures kept, reported per test)."""
    from zigbuild import build_all, programs

    return build_all(programs(), jobs=max(2, os.cpu_count() or 2))
