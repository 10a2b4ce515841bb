"""The commpage table (machbox.abi.commpage, facts from XNU's osfmk/i386/cpu_capabilities.h,
a private header no SDK ships) checked for consistency, and the page machbox builds from
it. tests/programs/darwin_commpage.c reads the mapped page from a real program."""

from __future__ import annotations

import struct

from machbox.abi import commpage as layout
from machbox.kernel import commpage


def test_fields_fit_the_page_and_do_not_overlap():
    spans = sorted((offset, offset + struct.calcsize("<" + fmt), name)
                   for name, (offset, fmt) in layout.FIELDS.items())
    for (_, end, name), (start, _, following) in zip(spans, spans[1:]):
        if (name, following) == ("CPU_CAPABILITIES", "NCPUS"):
            # by design: byte 0x22 is both NCPUS and the kNumCPUs bits (16..23) of the
            # 32-bit capabilities at 0x20
            assert layout.CAPABILITIES["kNumCPUs"] >> 8 * (start - 0x20) == 0xFF
            continue
        assert end <= start, (name, following)
    assert spans[-1][1] <= layout.SIZE
    assert layout.BASE == 0x7FFFFFE00000 and layout.BASE % 4096 == 0


def test_xnu_offsets_code_reads():
    """The offsets Apple's code hard-codes (cpu_capabilities.h, version 14)."""
    assert layout.FIELDS["SIGNATURE"][0] == 0 and layout.FIELDS["VERSION"][0] == 0x1E
    assert layout.FIELDS["CPU_CAPABILITIES64"][0] == 0x10
    assert layout.FIELDS["NCPUS"][0] == 0x22 and layout.FIELDS["ACTIVE_CPUS"][0] == 0x34
    assert layout.FIELDS["NT_TSC_BASE"][0] == 0x50 and layout.FIELDS["NT_GENERATION"][0] == 0x68
    assert len(layout.SIGNATURE) < 16


def test_capability_bits_are_distinct_and_every_cpuid_feature_has_one():
    bits = [v for k, v in layout.CAPABILITIES.items() if k != "kNumCPUs"]
    assert len(bits) == len(set(bits))
    for a in bits:
        assert a & layout.CAPABILITIES["kNumCPUs"] == 0
    assert set(layout.CPUID_FEATURES) <= set(layout.CAPABILITIES)


def test_capabilities_from_a_cpuid_with_only_sse2():
    def cpuid(leaf, sub):
        return (1, 0, 0, 1 << 26) if leaf in (0, 1) else (0, 0, 0, 0)
    caps = commpage.capabilities(cpuid, 1)
    c = layout.CAPABILITIES
    assert caps == c["kHasSSE2"] | c["k64Bit"] | c["kCache64"] | c["kFastThreadLocalStorage"] \
        | c["kUP"] | (1 << 16)


def test_page_puts_values_at_their_offsets():
    data = commpage.page({"SIGNATURE": layout.SIGNATURE, "NCPUS": 3, "VERSION": 14})
    assert data[:16] == b"commpage 64-bit\0"
    assert data[0x22] == 3 and data[0x1E:0x20] == b"\x0e\x00"
