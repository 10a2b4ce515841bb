"""The import table against Apple's interface and the host: every export of libSystem that
zig's libSystem.tbd lists has a kind, every symbol the table lists exists on macOS, and
every implementation it promises (host symbol, native bridge, Python function) is there."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

from machbox import _native
from machbox.libsystem import registry
from machbox.libsystem.binder import Binder


@pytest.fixture(scope="module")
def binder():
    return Binder(_native)


def test_export_list_is_current():
    p = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_exports.py"), "--check"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


def test_export_list_has_the_usual_suspects():
    apple = registry.table().apple_exports["libSystem"]
    assert len(apple) > 9000
    # defined in libsystem_c, libsystem_kernel, libsystem_pthread; memcpy is re-exported
    assert apple["_printf"] == "libsystem_c"
    assert apple["_open"] == "libsystem_kernel"
    assert apple["_pthread_create"] == "libsystem_pthread"
    assert "_memcpy" in apple and "_dispatch_once" in apple and "___error" in apple


def test_table_lists_only_real_libsystem_exports():
    table = registry.table()
    apple = table.apple_exports["libSystem"]
    invented = sorted(n for n in table.entries["libSystem"] if n not in apple)
    assert not invented, f"not exported by macOS's libSystem: {invented}"


def test_every_promised_implementation_exists(binder):
    missing = []
    for library, exports in binder.table.entries.items():
        for name, export in exports.items():
            if export.kind == registry.UNIMPLEMENTED:
                continue
            b = binder._resolve(library, name)
            if b is None or b.kind == registry.UNIMPLEMENTED or not b.address:
                missing.append(f"{library}:{name} ({export.spec})")
    assert not missing, f"{len(missing)} entries bind to nothing: {missing[:40]}"


def test_every_export_has_a_kind():
    table = registry.table()
    kinds = table.kinds("libSystem")
    assert set(kinds) >= set(table.apple_exports["libSystem"])
    assert set(kinds.values()) <= {registry.DIRECT, registry.BRIDGE, registry.EMULATED,
                                   registry.UNIMPLEMENTED}
    implemented = sum(k != registry.UNIMPLEMENTED for k in kinds.values())
    assert implemented > 1100, implemented


def test_same_abi_variants_follow_their_base():
    table = registry.table()
    base = table.lookup("libSystem", "_open")
    assert base is not None and base.kind != registry.UNIMPLEMENTED
    assert table.lookup("libSystem", "_open$NOCANCEL").spec == base.spec


def test_unknown_symbol_of_a_known_library_is_not_bound(binder):
    assert binder.resolve("libSystem", "_no_such_function_anywhere") is None


def test_unlisted_export_binds_to_a_named_stub(binder):
    b = binder.resolve("libSystem", "_xpc_connection_create")
    assert b is not None and b.kind == registry.UNIMPLEMENTED and b.address
