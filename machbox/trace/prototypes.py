"""How each traced call's arguments and result are decoded: a table, not code.

A prototype is ``"kind kind ... -> result"``. Argument kinds (the native part decodes them,
native/trace.h lists them in the same order as ``KINDS``):

- ``int`` ``uint`` ``long`` ``size``: numbers; ``hex``: a number in hex; ``ptr``: an
  address (null for 0)
- ``fd``: a descriptor number (``AT_FDCWD`` by name; ``lfd``: the host's AT_FDCWD)
- ``str``: a C string (a path, a name); ``buf``: bytes whose count is the next argument
- ``mode``: permission bits in octal; ``msg``: a Mach message header (id, size, ports)
- ``bits:SET`` / ``enum:SET`` / ``oflags``: flags or a value by their Darwin names, from
  the flag sets below (built from machbox.abi's tables); ``oflags`` is open's access mode
  plus the O_ bits.

Result kinds: ``int`` and ``long`` fail with -1, ``ptr`` fails with NULL (both then carry
the Darwin errno), ``err`` returns an errno itself (posix_spawn, pthread_*), ``hex`` and
``void`` have no failure. A trailing ``!`` records the call before it is made as well
(it may never return: exit, exec).
"""

from __future__ import annotations

from machbox import abi

KINDS = ("int", "uint", "long", "size", "ptr", "fd", "str", "buf", "mode", "bits", "oflags",
         "enum", "hex", "msg", "lfd")
RESULTS = ("int", "long", "ptr", "err", "hex", "void")

# name → (mode, area of machbox.abi, which rows); mode "bits" or "enum". Set 0 is errno.
# Sets named linux_* take the Linux values of the same rows (for captured host calls).
FLAG_SETS = {
    "errno": ("enum", "errno", lambda n: True),
    "oflags": ("bits", "fcntl", lambda n: n.startswith("O_") and n not in ("O_ACCMODE",
                                                                          "O_SEARCH")),
    "fcntl": ("enum", "fcntl", lambda n: n.startswith("F_") and n not in (
        "F_RDLCK", "F_UNLCK", "F_WRLCK", "F_ALLOCATECONTIG", "F_ALLOCATEALL",
        "F_PEOFPOSMODE", "F_VOLPOSMODE")),
    "fd_flags": ("bits", "fcntl", lambda n: n == "FD_CLOEXEC"),
    "at": ("bits", "fcntl", lambda n: n.startswith("AT_") and n != "AT_FDCWD"),
    "access": ("bits", "fcntl", lambda n: n in ("F_OK", "R_OK", "W_OK", "X_OK")),
    "whence": ("enum", "fcntl", lambda n: n.startswith("SEEK_")),
    "lock": ("bits", "fcntl", lambda n: n.startswith("LOCK_")),
    "prot": ("bits", "mman", lambda n: n.startswith("PROT_")),
    "map": ("bits", "mman", lambda n: n.startswith("MAP_")),
    "signal": ("enum", "signals", lambda n: n.startswith("SIG")),
    "how": ("enum", "sigaction", lambda n: n in ("SIG_BLOCK", "SIG_UNBLOCK", "SIG_SETMASK")),
    "wait": ("bits", "wait", lambda n: n.startswith("W")),
    "family": ("enum", "socket", lambda n: n.startswith("AF_")),
    "linux_oflags": ("bits", "fcntl", lambda n: n.startswith("O_") and n not in (
        "O_ACCMODE", "O_SEARCH")),
    "linux_at": ("bits", "fcntl", lambda n: n.startswith("AT_") and n != "AT_FDCWD"),
    "linux_whence": ("enum", "fcntl", lambda n: n.startswith("SEEK_")),
    "mach_msg": ("bits", "mach_ipc", lambda n: n.startswith(("MACH_SEND_", "MACH_RCV_"))
                 and n in MACH_MSG_OPTIONS),
}

# mach_msg's option bits (the other MACH_SEND_/MACH_RCV_ names are return codes)
MACH_MSG_OPTIONS = {"MACH_SEND_MSG", "MACH_RCV_MSG", "MACH_SEND_TIMEOUT", "MACH_RCV_TIMEOUT",
                    "MACH_SEND_INTERRUPT", "MACH_RCV_INTERRUPT", "MACH_SEND_NOTIFY",
                    "MACH_RCV_LARGE", "MACH_RCV_LARGE_IDENTITY", "MACH_RCV_VOUCHER",
                    "MACH_SEND_ALWAYS", "MACH_SEND_TRAILER", "MACH_RCV_OVERWRITE",
                    "MACH_RCV_SYNC_WAIT", "MACH_SEND_OVERRIDE", "MACH_SEND_SYNC_OVERRIDE",
                    "MACH_SEND_PROPAGATE_QOS", "MACH_RCV_GUARDED_DESC", "MACH_SEND_FILTER_NONFATAL"}

PROTOTYPES = {
    # files
    "open": "str oflags mode -> int",
    "openat": "fd str oflags mode -> int",
    "creat": "str mode -> int",
    "close": "fd -> int",
    "read": "fd ptr size -> long",
    "write": "fd buf size -> long",
    "pread": "fd ptr size long -> long",
    "pwrite": "fd buf size long -> long",
    "readv": "fd ptr int -> long",
    "writev": "fd ptr int -> long",
    "lseek": "fd long enum:whence -> long",
    "dup": "fd -> int",
    "dup2": "fd fd -> int",
    "pipe": "ptr -> int",
    "fcntl": "fd enum:fcntl long -> int",
    "ioctl": "fd hex ptr -> int",
    "fsync": "fd -> int",
    "ftruncate": "fd long -> int",
    "truncate": "str long -> int",
    "flock": "fd bits:lock -> int",
    "stat": "str ptr -> int",
    "lstat": "str ptr -> int",
    "fstat": "fd ptr -> int",
    "fstatat": "fd str ptr bits:at -> int",
    "statfs": "str ptr -> int",
    "fstatfs": "fd ptr -> int",
    "access": "str bits:access -> int",
    "faccessat": "fd str bits:access bits:at -> int",
    "chmod": "str mode -> int",
    "fchmod": "fd mode -> int",
    "chown": "str int int -> int",
    "umask": "mode -> int",
    "unlink": "str -> int",
    "unlinkat": "fd str bits:at -> int",
    "remove": "str -> int",
    "rename": "str str -> int",
    "renameat": "fd str fd str -> int",
    "link": "str str -> int",
    "symlink": "str str -> int",
    "readlink": "str ptr size -> long",
    "mkdir": "str mode -> int",
    "mkdirat": "fd str mode -> int",
    "rmdir": "str -> int",
    "chdir": "str -> int",
    "fchdir": "fd -> int",
    "getcwd": "ptr size -> ptr",
    "realpath": "str ptr -> ptr",
    "opendir": "str -> ptr",
    "fdopendir": "fd -> ptr",
    "closedir": "ptr -> int",
    "readdir": "ptr -> ptr",
    "mkstemp": "str -> int",
    "mkdtemp": "str -> ptr",
    "utimes": "str ptr -> int",
    "getattrlist": "str ptr ptr size hex -> int",
    "getxattr": "str str ptr size uint int -> long",
    # stdio: direct in machbox, traced because they are where a program's I/O goes
    "fopen": "str str -> ptr",
    "fdopen": "fd str -> ptr",
    "freopen": "str str ptr -> ptr",
    "fclose": "ptr -> int",
    "fflush": "ptr -> int",
    "fileno": "ptr -> int",
    "fwrite": "buf size size ptr -> long",
    "fread": "ptr size size ptr -> long",
    "fputs": "str ptr -> int",
    "puts": "str -> int",
    "printf": "str -> int",
    "fprintf": "ptr str -> int",
    "vfprintf": "ptr str ptr -> int",
    "popen": "str str -> ptr",
    "pclose": "ptr -> int",
    "perror": "str -> void",
    # memory
    "mmap": "ptr size bits:prot bits:map fd long -> ptr",
    "munmap": "ptr size -> int",
    "mprotect": "ptr size bits:prot -> int",
    # processes
    "fork": "-> int",
    "vfork": "-> int",
    "execve": "str ptr ptr -> int !",
    "execv": "str ptr -> int !",
    "execvp": "str ptr -> int !",
    "execl": "str str -> int !",
    "posix_spawn": "ptr str ptr ptr ptr ptr -> err",
    "posix_spawnp": "ptr str ptr ptr ptr ptr -> err",
    "wait": "ptr -> int",
    "waitpid": "int ptr bits:wait -> int",
    "wait4": "int ptr bits:wait ptr -> int",
    "exit": "int -> void !",
    "_exit": "int -> void !",
    "kill": "int enum:signal -> int",
    "raise": "enum:signal -> int",
    "signal": "enum:signal ptr -> ptr",
    "sigaction": "enum:signal ptr ptr -> int",
    "sigprocmask": "enum:how ptr ptr -> int",
    "pthread_sigmask": "enum:how ptr ptr -> err",
    "getpid": "-> int",
    "getppid": "-> int",
    "system": "str -> int",
    "getenv": "str -> hex",
    "setenv": "str str int -> int",
    "sysctl": "ptr uint ptr ptr ptr size -> int",
    "sysctlbyname": "str ptr ptr ptr size -> int",
    "sysconf": "int -> long",
    "pthread_create": "ptr ptr ptr ptr -> err",
    "pthread_join": "ptr ptr -> err",
    "pthread_exit": "ptr -> void !",
    # sockets
    "socket": "enum:family int int -> int",
    "connect": "fd ptr uint -> int",
    "bind": "fd ptr uint -> int",
    "listen": "fd int -> int",
    "accept": "fd ptr ptr -> int",
    "send": "fd buf size int -> long",
    "recv": "fd ptr size int -> long",
    "getaddrinfo": "str str ptr ptr -> int",
    # Mach
    "mach_msg": "msg bits:mach_msg uint uint uint uint uint -> hex",
    "mach_msg_overwrite": "msg bits:mach_msg uint uint uint uint uint ptr -> hex",
    "mach_port_allocate": "uint uint ptr -> hex",
    "mach_port_deallocate": "uint uint -> hex",
    "task_info": "uint uint ptr ptr -> hex",
    "host_info": "uint int ptr ptr -> hex",
    "vm_allocate": "uint ptr size int -> hex",
    "vm_deallocate": "uint ptr size -> hex",
}

# Direct calls whose own host system calls are recorded too (native/sud.c's capture):
# where a program's output really happens in machbox, inside the host's stdio
HOST_CAPTURED = {"printf", "fprintf", "vfprintf", "puts", "fputs", "fwrite", "fflush",
                 "fclose", "putchar", "fputc", "perror", "exit"}

# Host (Linux) system calls as captured inside those calls: Linux numbers and flags
HOST_PROTOTYPES = {
    "read": "fd ptr size -> long",
    "write": "fd buf size -> long",
    "pread64": "fd ptr size long -> long",
    "pwrite64": "fd buf size long -> long",
    "readv": "fd ptr int -> long",
    "writev": "fd ptr int -> long",
    "openat": "lfd str oflags:linux_oflags mode -> int",
    "close": "fd -> int",
    "lseek": "fd long enum:linux_whence -> long",
    "newfstatat": "lfd str ptr bits:linux_at -> int",
    "fstat": "fd ptr -> int",
    "ioctl": "fd hex ptr -> int",
    "unlinkat": "lfd str bits:linux_at -> int",
    "renameat": "lfd str lfd str -> int",
    "mkdirat": "lfd str mode -> int",
    "fsync": "fd -> int",
    "ftruncate": "fd long -> int",
    "fcntl": "fd int long -> int",
    "dup": "fd -> int",
    "dup3": "fd fd int -> int",
}

# Imports never routed through the tracing thunk: they return twice or jump away
# (setjmp/longjmp), look at their own return address (dlsym's RTLD_NEXT), keep registers a
# call would clobber (TLV access, stack probes), or are called around every failing call.
NEVER_TRACED = {
    "setjmp", "_setjmp", "__setjmp", "sigsetjmp", "longjmp", "_longjmp", "__longjmp",
    "siglongjmp", "getcontext", "setcontext", "swapcontext", "dlsym", "tlv_bootstrap",
    "_tlv_bootstrap", "__chkstk_darwin", "___chkstk_darwin", "_chkstk_darwin", "__error",
    "_tlv_get_addr",
}

VARIANT_SUFFIXES = ("$INODE64", "$NOCANCEL", "$UNIX2003", "$DARWIN_EXTSN", "$1050")


def display_name(symbol: str) -> str:
    """The C name a trace shows for a Mach-O symbol: ``_open$NOCANCEL`` → ``open``."""
    name = symbol[1:] if symbol.startswith("_") else symbol
    for suffix in VARIANT_SUFFIXES:
        name = name.replace(suffix, "")
    return name


def raw_prototype_name(name: str) -> str:
    """The prototype a raw BSD system call is decoded with: its libSystem function's
    (open_nocancel → open, stat64 → stat)."""
    base = name[: -len("_nocancel")] if name.endswith("_nocancel") else name
    if base.endswith("64") and base[:-2] in PROTOTYPES:
        base = base[:-2]
    return base


class Prototype:
    """One parsed prototype: argument kinds with flag-set names, result kind, flags."""

    __slots__ = ("args", "sets", "result", "before")

    def __init__(self, text: str):
        head, _, tail = text.partition("->")
        tokens = tail.split()
        self.before = "!" in tokens
        self.result = tokens[0]
        self.args: list[str] = []
        self.sets: list[str] = []
        for token in head.split():
            kind, _, flag_set = token.partition(":")
            if kind == "oflags" and not flag_set:
                flag_set = "oflags"
            self.args.append(kind)
            self.sets.append(flag_set or "errno")


_parsed: dict[tuple[str, bool], Prototype] = {}


def prototype(name: str, host: bool = False) -> Prototype | None:
    """The prototype of a display name (of a captured host call with ``host``), None for
    calls the table does not describe."""
    key = (name, host)
    if key not in _parsed:
        text = (HOST_PROTOTYPES if host else PROTOTYPES).get(name)
        if text is None:
            return None
        _parsed[key] = Prototype(text)
    return _parsed[key]


def flag_set_rows(name: str) -> tuple[str, tuple[tuple[str, int], ...]]:
    """(mode, ((name, value), ...)) of one flag set, from machbox.abi: Darwin values, or
    the Linux ones for a linux_* set (names Linux lacks left out)."""
    mode, area, wanted = FLAG_SETS[name]
    column = 2 if name.startswith("linux_") else 1
    return mode, tuple((row[0], row[column]) for row in abi.rows(area)
                       if wanted(row[0]) and row[column] is not None)
