"""Writes the C header the native part is built with, from machbox.abi's tables.

    python3 -m machbox.abi.cheader OUTFILE

The header holds, for the C code:
- `#define DARWIN_<NAME> value` for every recorded Darwin constant (names verbatim:
  DARWIN__SC_OPEN_MAX, DARWIN__CTYPE_A, DARWIN_O_CREAT);
- translation arrays indexed by one system's number (`mb_errno_linux_to_darwin[]`,
  `mb_signal_darwin_to_linux[]`, `mb_sysconf_darwin_to_linux[]`...), with `MB_*_MAX`;
- flag tables (`struct mb_flag_pair mb_open_flags[]`, `MB_OPEN_FLAGS_COUNT`) and value
  tables (`struct mb_value_pair mb_fcntl_cmds[]`...);
- `struct darwin_<name>` for each recorded struct, fields at the SDK's offsets, with
  static asserts on sizes and offsets. Field names that glibc defines as macros
  (si_pid, sa_handler...) get a trailing underscore so both headers can be included.
Nothing here is typed by hand: every number comes from the generated tables.
"""

from __future__ import annotations

import re
import sys

from machbox.abi.constants import AREAS, DARWIN_ONLY_ERRNO, DARWIN_PRIVATE, LINUX_ONLY_ERRNO
from machbox.abi.layouts import LAYOUTS

# glibc defines these as macros (<signal.h>, <sys/stat.h>...)
GLIBC_MACRO_FIELDS = {
    "si_pid", "si_uid", "si_status", "si_addr", "si_value", "si_band", "si_utime", "si_stime",
    "sa_handler", "sa_sigaction", "st_atime", "st_mtime", "st_ctime", "ifa_dstaddr",
}

# which rows of an area form each table (prefix filters; `exclude` names)
FLAG_TABLES = {
    "mb_open_flags": ("fcntl", ("O_",), {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"}),
    "mb_mmap_flags": ("mman", ("MAP_",), set()),
    "mb_msync_flags": ("mman", ("MS_",), set()),
    "mb_at_flags": ("fcntl", ("AT_",), {"AT_FDCWD"}),
    "mb_wait_options": ("wait", ("W",), set()),
    "mb_lc_masks": ("locale", ("LC_",), set()),
    "mb_sa_flags": ("sigaction", ("SA_",), set()),
    "mb_spawn_flags": ("spawn", ("POSIX_SPAWN_",), set()),
    "mb_msg_flags": ("socket", ("MSG_",), set()),
    "mb_ai_flags": ("socket", ("AI_",), set()),
    "mb_ni_flags": ("socket", ("NI_",), set()),
    "mb_poll_events": ("poll", ("POLL",), set()),
    "mb_iff_flags": ("ifaddrs", ("IFF_",), set()),
    "mb_regcomp_flags": ("regex", ("REG_EXTENDED", "REG_ICASE", "REG_NOSUB", "REG_NEWLINE"),
                         set()),
    "mb_regexec_flags": ("regex", ("REG_NOTBOL", "REG_NOTEOL", "REG_STARTEND"), set()),
    "mb_termios_iflag": ("termios", (), None),
    "mb_termios_oflag": ("termios", (), None),
    "mb_termios_lflag": ("termios", (), None),
    "mb_termios_cflag": ("termios", (), None),
}
TERMIOS_FLAGS = {
    "mb_termios_iflag": ["IGNBRK", "BRKINT", "IGNPAR", "PARMRK", "INPCK", "ISTRIP", "INLCR",
                         "IGNCR", "ICRNL", "IXON", "IXOFF", "IXANY", "IMAXBEL", "IUTF8"],
    "mb_termios_oflag": ["OPOST", "ONLCR", "OCRNL", "ONOCR", "ONLRET"],
    "mb_termios_lflag": ["ECHOKE", "ECHOE", "ECHOK", "ECHO", "ECHONL", "ECHOPRT", "ECHOCTL",
                         "ISIG", "ICANON", "IEXTEN", "EXTPROC", "TOSTOP", "FLUSHO", "PENDIN",
                         "NOFLSH"],
    "mb_termios_cflag": ["CS6", "CS7", "CS8", "CSTOPB", "CREAD", "PARENB", "PARODD", "HUPCL",
                         "CLOCAL", "CRTSCTS"],
}
VALUE_TABLES = {
    "mb_fcntl_cmds": ("fcntl", ("F_",), {"F_RDLCK", "F_UNLCK", "F_WRLCK", "F_OK"}),
    "mb_lock_types": ("fcntl", ("F_RDLCK", "F_UNLCK", "F_WRLCK"), set()),
    "mb_madvise": ("mman", ("MADV_",), set()),
    "mb_nl_items": ("locale", ("CODESET", "D_", "T_", "AM_", "PM_", "DAY_", "ABDAY_", "MON_",
                               "ABMON_", "ERA", "ALT_", "RADIX", "THOUSEP", "YESEXPR",
                               "NOEXPR", "CRNCYSTR"), set()),
    "mb_ioctl_requests": ("termios", ("FIO", "TIOC"), set()),
    "mb_af_families": ("socket", ("AF_", "pseudo_AF_"), set()),
    "mb_sockopt_so": ("socket", ("SO_",), set()),
    "mb_sockopt_ip": ("socket", ("IP_",), set()),
    "mb_sockopt_ipv6": ("socket", ("IPV6_",), set()),
    "mb_sockopt_tcp": ("socket", ("TCP_",), set()),
    "mb_eai_errors": ("socket", ("EAI_",), set()),
    "mb_scm_types": ("socket", ("SCM_",), set()),
    "mb_termios_cc": ("termios", ("V",), set()),
    "mb_termios_speeds": ("termios", ("B",), {"BRKINT"}),
    "mb_si_codes": ("sigaction", ("SI_", "SEGV_", "BUS_", "ILL_", "FPE_", "TRAP_", "CLD_",
                                  "POLL_"), set()),
}
INDEX_TABLES = {  # name: (area, prefix, Linux value used for a Darwin value with no pair)
    "sysconf": ("unistd", "_SC_", -1),
    "pathconf": ("unistd", "_PC_", -1),
    "rlimit": ("wait", "RLIMIT_", -1),
    "lc": ("locale", "LC_", -1),
    "clock": ("time", "CLOCK_", -1),
}


def _select(area: str, prefixes: tuple, exclude: set) -> list:
    return [r for r in AREAS[area] if r[0].startswith(prefixes) and r[0] not in exclude
            and not r[0].endswith("_MASK") or (area == "locale" and r[0].endswith("_MASK")
                                               and "LC_" in prefixes)]


def _defines() -> list[str]:
    out = ["/* ---- Darwin constants ---- */"]
    seen = set()
    for rows in AREAS.values():
        for name, value, _lv, _ln in rows:
            if name not in seen:
                seen.add(name)
                out.append(f"#define DARWIN_{name} ({value}LL)")
    for name, value in DARWIN_PRIVATE.items():
        out.append(f"#define DARWIN_{name} ({value}LL)")
    return out


def _array(name: str, values: list[int]) -> list[str]:
    body = ", ".join(str(v) for v in values)
    return [f"static const int {name}[{len(values)}] = {{{body}}};"]


def _errno_tables() -> list[str]:
    rows = AREAS["errno"]
    darwin_by_name = {n: v for n, v, _l, _ln in rows}
    linux_by_name = {n: lv for n, _v, lv, _ln in rows if lv is not None}
    dmax = max(darwin_by_name.values())
    lmax = max(max(linux_by_name.values()), max(v for _n, v, _d in LINUX_ONLY_ERRNO))
    d2l = [0] * (dmax + 1)
    l2d = [0] * (lmax + 1)
    # Linux numbers several Darwin names share: the first row listed wins (ENOTSUP before
    # EOPNOTSUPP, ENOATTR before ENODATA), matching what Darwin callers expect most.
    for name, dv, lv, _ln in rows:
        if lv is None:
            lv = linux_by_name[DARWIN_ONLY_ERRNO[name]]
        d2l[dv] = lv
        if not l2d[lv]:
            l2d[lv] = dv
    for _name, lv, fallback in LINUX_ONLY_ERRNO:
        if not l2d[lv]:
            l2d[lv] = darwin_by_name[fallback]
    einval = darwin_by_name["EINVAL"]
    l2d = [v if v or i == 0 else einval for i, v in enumerate(l2d)]
    d2l = [v if v or i == 0 else linux_by_name["EINVAL"] for i, v in enumerate(d2l)]
    return (_array("mb_errno_linux_to_darwin", l2d) + [f"#define MB_ERRNO_LINUX_MAX {lmax}"] +
            _array("mb_errno_darwin_to_linux", d2l) + [f"#define MB_ERRNO_DARWIN_MAX {dmax}"])


def _signal_tables() -> list[str]:
    rows = AREAS["signals"]
    d2l = [0] * 32
    l2d = [0] * 65
    for _name, dv, lv, _ln in rows:
        d2l[dv] = -1 if lv is None else lv
        if lv is not None:
            l2d[lv] = dv
    return (_array("mb_signal_darwin_to_linux", d2l) + ["#define MB_SIGNAL_DARWIN_MAX 31"] +
            _array("mb_signal_linux_to_darwin", l2d) + ["#define MB_SIGNAL_LINUX_MAX 64"])


def _index_tables() -> list[str]:
    out = []
    for key, (area, prefix, missing) in INDEX_TABLES.items():
        rows = [r for r in AREAS[area] if r[0].startswith(prefix) and not r[0].endswith("_MASK")]
        top = max(dv for _n, dv, _lv, _ln in rows)
        arr = [missing] * (top + 1)
        for _n, dv, lv, _ln in rows:
            if lv is not None:
                arr[dv] = lv
        out += _array(f"mb_{key}_darwin_to_linux", arr)
        out.append(f"#define MB_{key.upper()}_DARWIN_MAX {top}")
    return out


def _pair_table(name: str, kind: str, rows: list) -> list[str]:
    pairs = [(dv, lv, n) for n, dv, lv, _ln in rows if lv is not None]
    ctype = "mb_flag_pair" if kind == "flag" else "mb_value_pair"
    body = "".join(f"\n    {{{dv}, {lv}}}, /* {n} */" for dv, lv, n in pairs)
    return [f"static const struct {ctype} {name}[] = {{{body}\n}};",
            f"#define {name.upper()}_COUNT {len(pairs)}"]


def _pair_tables() -> list[str]:
    out = ["struct mb_flag_pair { uint64_t darwin; uint64_t linux_; };",
           "struct mb_value_pair { int64_t darwin; int64_t linux_; };"]
    for name, (area, prefixes, exclude) in FLAG_TABLES.items():
        if name in TERMIOS_FLAGS:
            rows = [r for r in AREAS[area] if r[0] in TERMIOS_FLAGS[name]]
        else:
            rows = [r for r in AREAS[area] if r[0].startswith(prefixes) and r[0] not in exclude]
        out += _pair_table(name, "flag", rows)
    for name, (area, prefixes, exclude) in VALUE_TABLES.items():
        rows = [r for r in AREAS[area] if r[0].startswith(prefixes) and r[0] not in exclude
                and not r[0].endswith("_MASK")]
        out += _pair_table(name, "value", rows)
    return out


# ---- structs --------------------------------------------------------------------------------

def _field_decl(name: str, ctype: str) -> str:
    if name in GLIBC_MACRO_FIELDS:
        name += "_"
    m = re.fullmatch(r"(.+?)\[(\d+)\]", ctype)
    if m:
        return f"{m.group(1)} {name}[{m.group(2)}];"
    if ctype.endswith("*"):
        return f"{ctype}{name};"
    return f"{ctype} {name};"


def _struct_deps(fields) -> set[str]:
    return {m for _f, t, _o, _s in fields
            for m in re.findall(r"struct darwin_(\w+)(?!\s*\*)", t) if not t.endswith("*")}


def _order() -> list[str]:
    done, out = set(), []

    def visit(name):
        if name in done:
            return
        done.add(name)
        for dep in sorted(_struct_deps(LAYOUTS[name][1])):
            visit(dep)
        out.append(name)

    for name in LAYOUTS:
        visit(name)
    return out


def _structs() -> list[str]:
    out = ["/* ---- Darwin structs (x86_64) ---- */"]
    for name in _order():
        size, fields = LAYOUTS[name]
        cname = name.upper()
        out.append(f"#define DARWIN_SIZEOF_{cname} {size}")
        if not fields:
            continue
        lines = [f"struct darwin_{name} {{"]
        at = 0
        for i, (fname, ftype, off, fsize) in enumerate(sorted(fields, key=lambda f: f[2])):
            if off > at:
                lines.append(f"    uint8_t __mb_pad{i}[{off - at}];")
            lines.append("    " + _field_decl(fname, ftype))
            at = off + fsize
        if size > at:
            lines.append(f"    uint8_t __mb_tail[{size - at}];")
        lines.append("} __attribute__((packed, aligned(8)));" if name in _PACKED else "};")
        out += lines
        out.append(f'_Static_assert(sizeof(struct darwin_{name}) == {size}, "darwin_{name}");')
        for fname, _ftype, off, _fsize in fields:
            fname = fname + "_" if fname in GLIBC_MACRO_FIELDS else fname
            out.append(f"_Static_assert(offsetof(struct darwin_{name}, {fname}) == {off}, "
                       f'"darwin_{name}.{fname}");')
    return out


# structs whose natural C layout would pad differently than the SDK's (none so far)
_PACKED: set[str] = set()


def render() -> str:
    parts = ["/* Generated by machbox.abi.cheader from machbox/abi's tables. Do not edit. */",
             "#ifndef MACHBOX_DARWIN_ABI_H", "#define MACHBOX_DARWIN_ABI_H",
             "#include <stddef.h>", "#include <stdint.h>", ""]
    parts += _defines() + [""] + _errno_tables() + _signal_tables() + _index_tables() + [""]
    parts += _pair_tables() + [""] + _structs() + ["", "#endif", ""]
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: python3 -m machbox.abi.cheader OUTFILE\n")
        return 2
    with open(argv[0], "w") as f:
        f.write(render())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
