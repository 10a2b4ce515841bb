"""The x86_64 commpage: the page XNU maps read-only at a fixed address in every process,
whose fields Apple's code reads directly (libc's sysconf and _get_cpu_capabilities,
mach_absolute_time's nanotime, libplatform). Facts from XNU's osfmk/i386/cpu_capabilities.h
(apple-oss-distributions/xnu 1031c584a5e37aff177559b9f69dbd3c8c3fd30a); tests/test_commpage.py
checks them against that header's text and reads the page from a Darwin program."""

from __future__ import annotations

BASE = 0x00007FFFFFE00000  # _COMM_PAGE64_BASE_ADDRESS
SIZE = 4096                # _COMM_PAGE64_AREA_USED
SIGNATURE = b"commpage 64-bit"  # _COMM_PAGE64_SIGNATURE_STRING, in a 16-byte field
THIS_VERSION = 14          # _COMM_PAGE_THIS_VERSION

# field → (offset from BASE, struct format); all little-endian
FIELDS = {
    "SIGNATURE": (0x000, "16s"),
    "CPU_CAPABILITIES64": (0x010, "Q"),
    "VERSION": (0x01E, "H"),
    "CPU_CAPABILITIES": (0x020, "I"),  # its byte 2 (kNumCPUs) is NCPUS, by design
    "NCPUS": (0x022, "B"),
    "CACHE_LINESIZE": (0x026, "H"),
    "MEMORY_PRESSURE": (0x02C, "I"),
    "ACTIVE_CPUS": (0x034, "B"),
    "PHYSICAL_CPUS": (0x035, "B"),
    "LOGICAL_CPUS": (0x036, "B"),
    "CPU_CLUSTERS": (0x037, "B"),
    "MEMORY_SIZE": (0x038, "Q"),
    "CPUFAMILY": (0x040, "I"),
    "KDEBUG_ENABLE": (0x044, "I"),
    "KERNEL_PAGE_SHIFT": (0x04D, "B"),
    "USER_PAGE_SHIFT_64": (0x04E, "B"),
    # nanotime(): ns = NT_NS_BASE + ((rdtsc - NT_TSC_BASE) * NT_SCALE >> 32); a
    # generation of 0 means "being updated", so readers spin until it is not
    "NT_TSC_BASE": (0x050, "Q"),
    "NT_SCALE": (0x058, "I"),
    "NT_SHIFT": (0x05C, "I"),
    "NT_NS_BASE": (0x060, "Q"),
    "NT_GENERATION": (0x068, "I"),
    # gettimeofday(): a generation of 0 sends libc to the system call
    "GTOD_GENERATION": (0x06C, "I"),
    "GTOD_NS_BASE": (0x070, "Q"),
    "GTOD_SEC_BASE": (0x078, "Q"),
    "APPROX_TIME": (0x080, "Q"),
    "APPROX_TIME_SUPPORTED": (0x088, "B"),
    "CONT_TIMEBASE": (0x0C0, "Q"),
    "BOOTTIME_USEC": (0x0C8, "Q"),
    "DYLD_FLAGS": (0x100, "Q"),
}

# _cpu_capabilities bits
CAPABILITIES = {
    "kHasMMX": 0x00000001, "kHasSSE": 0x00000002, "kHasSSE2": 0x00000004,
    "kHasSSE3": 0x00000008, "kCache32": 0x00000010, "kCache64": 0x00000020,
    "kCache128": 0x00000040, "kFastThreadLocalStorage": 0x00000080,
    "kHasSupplementalSSE3": 0x00000100, "k64Bit": 0x00000200, "kHasSSE4_1": 0x00000400,
    "kHasSSE4_2": 0x00000800, "kHasAES": 0x00001000, "kInOrderPipeline": 0x00002000,
    "kSlow": 0x00004000, "kUP": 0x00008000, "kNumCPUs": 0x00FF0000,
    "kHasAVX1_0": 0x01000000, "kHasRDRAND": 0x02000000, "kHasF16C": 0x04000000,
    "kHasENFSTRG": 0x08000000, "kHasFMA": 0x10000000, "kHasAVX2_0": 0x20000000,
    "kHasBMI1": 0x40000000, "kHasBMI2": 0x80000000,
    "kHasRTM": 0x0000000100000000, "kHasHLE": 0x0000000200000000,
    "kHasRDSEED": 0x0000000800000000, "kHasADX": 0x0000000400000000,
    "kHasMPX": 0x0000001000000000, "kHasSGX": 0x0000002000000000,
    "kHasAVX512F": 0x0000004000000000, "kHasAVX512CD": 0x0000008000000000,
    "kHasAVX512DQ": 0x0000010000000000, "kHasAVX512BW": 0x0000020000000000,
    "kHasAVX512IFMA": 0x0000040000000000, "kHasAVX512VBMI": 0x0000080000000000,
    "kHasAVX512VL": 0x0000100000000000, "kHasVAES": 0x0000200000000000,
    "kHasVPCLMULQDQ": 0x0000400000000000, "kHasAVX512VNNI": 0x0000800000000000,
    "kHasAVX512BITALG": 0x0001000000000000, "kHasAVX512VPOPCNTDQ": 0x0002000000000000,
}
NUM_CPUS_SHIFT = 16  # kNumCPUsShift

# capability → (cpuid leaf, subleaf, register, bit) of the CPU feature it reports (Intel SDM)
CPUID_FEATURES = {
    "kHasMMX": (1, 0, "edx", 23), "kHasSSE": (1, 0, "edx", 25), "kHasSSE2": (1, 0, "edx", 26),
    "kHasSSE3": (1, 0, "ecx", 0), "kHasSupplementalSSE3": (1, 0, "ecx", 9),
    "kHasFMA": (1, 0, "ecx", 12), "kHasSSE4_1": (1, 0, "ecx", 19),
    "kHasSSE4_2": (1, 0, "ecx", 20), "kHasAES": (1, 0, "ecx", 25),
    "kHasAVX1_0": (1, 0, "ecx", 28), "kHasF16C": (1, 0, "ecx", 29),
    "kHasRDRAND": (1, 0, "ecx", 30),
    "kHasSGX": (7, 0, "ebx", 2), "kHasBMI1": (7, 0, "ebx", 3), "kHasHLE": (7, 0, "ebx", 4),
    "kHasAVX2_0": (7, 0, "ebx", 5), "kHasBMI2": (7, 0, "ebx", 8),
    "kHasENFSTRG": (7, 0, "ebx", 9), "kHasRTM": (7, 0, "ebx", 11),
    "kHasMPX": (7, 0, "ebx", 14), "kHasAVX512F": (7, 0, "ebx", 16),
    "kHasAVX512DQ": (7, 0, "ebx", 17), "kHasRDSEED": (7, 0, "ebx", 18),
    "kHasADX": (7, 0, "ebx", 19), "kHasAVX512IFMA": (7, 0, "ebx", 21),
    "kHasAVX512CD": (7, 0, "ebx", 28), "kHasAVX512BW": (7, 0, "ebx", 30),
    "kHasAVX512VL": (7, 0, "ebx", 31), "kHasAVX512VBMI": (7, 0, "ecx", 1),
    "kHasVAES": (7, 0, "ecx", 9), "kHasVPCLMULQDQ": (7, 0, "ecx", 10),
    "kHasAVX512VNNI": (7, 0, "ecx", 11), "kHasAVX512BITALG": (7, 0, "ecx", 12),
    "kHasAVX512VPOPCNTDQ": (7, 0, "ecx", 14),
}
