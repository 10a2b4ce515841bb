"""Raw system calls from guest code: which implementation serves each XNU number.

native/sud.c catches a guest's `syscall` instruction (Syscall User Dispatch) and asks
``Resolver`` once per number how to serve it. The numbers and names are XNU's
(syscall_numbers.py, generated from syscalls.master and syscall_sw.c); the implementation
is the one machbox binds for the libSystem function of the same name, whose arguments are
the system call's (libsystem_kernel's functions are its system call stubs), so flags and
structs are translated exactly as for a call through libSystem. A call with no such
function, or whose raw interface differs from the function's, fails with ENOSYS (BSD) or
KERN_INVALID_ARGUMENT (Mach), recorded by `machbox trace` like every raw call.
"""

from __future__ import annotations

CLASS_MACH, CLASS_BSD, CLASS_MACHDEP = 1, 2, 3

# machdep calls (osfmk/i386/machdep_call.c, machdep_call_table64)
MACHDEP = {3: ("thread_fast_set_cthread_self64", 1)}

# BSD calls whose libSystem function has another name
BSD_SYMBOLS = {
    "exit": "__exit", "stat64": "_stat$INODE64", "fstat64": "_fstat$INODE64",
    "lstat64": "_lstat$INODE64", "fstatat64": "_fstatat$INODE64",
    "statfs64": "_statfs$INODE64", "fstatfs64": "_fstatfs$INODE64",
    "getfsstat64": "_getfsstat$INODE64", "getdirentries64": "___getdirentries64",
}
# BSD calls served by the native part itself: results in rax and rdx
BSD_NATIVE = {"fork": "fork", "vfork": "fork", "pipe": "pipe"}
# BSD calls whose raw interface is not their libSystem function's: sigaction takes the
# kernel's struct __sigaction (with the trampoline), sigsuspend a mask by value,
# gettimeofday answers in rax/rdx, sigreturn restores a kernel frame
BSD_DIFFERENT = {"sigaction", "sigsuspend", "sigsuspend_nocancel", "gettimeofday",
                 "sigreturn"}

# Mach traps → the libSystem function with the same arguments
TRAP_SYMBOLS = {
    "_kernelrpc_mach_vm_allocate_trap": "_mach_vm_allocate",
    "_kernelrpc_mach_vm_deallocate_trap": "_mach_vm_deallocate",
    "_kernelrpc_mach_vm_protect_trap": "_mach_vm_protect",
    "_kernelrpc_mach_port_allocate_trap": "_mach_port_allocate",
    "_kernelrpc_mach_port_deallocate_trap": "_mach_port_deallocate",
    "_kernelrpc_mach_port_mod_refs_trap": "_mach_port_mod_refs",
    "_kernelrpc_mach_port_move_member_trap": "_mach_port_move_member",
    "_kernelrpc_mach_port_insert_right_trap": "_mach_port_insert_right",
    "_kernelrpc_mach_port_insert_member_trap": "_mach_port_insert_member",
    "_kernelrpc_mach_port_extract_member_trap": "_mach_port_extract_member",
    "_kernelrpc_mach_port_construct_trap": "_mach_port_construct",
    "_kernelrpc_mach_port_destruct_trap": "_mach_port_destruct",
    "_kernelrpc_mach_port_get_attributes_trap": "_mach_port_get_attributes",
    "_kernelrpc_mach_port_guard_trap": "_mach_port_guard",
    "_kernelrpc_mach_port_unguard_trap": "_mach_port_unguard",
    "_kernelrpc_mach_port_type_trap": "_mach_port_type",
    "_kernelrpc_mach_port_request_notification_trap": "_mach_port_request_notification",
    "mach_reply_port": "_mach_reply_port",
    "thread_self_trap": "_mach_thread_self",
    "task_self_trap": "_mach_task_self",
    "host_self_trap": "_mach_host_self",
    "mach_msg_trap": "_mach_msg",
    "mach_msg_overwrite_trap": "_mach_msg_overwrite",
    "semaphore_signal_trap": "_semaphore_signal",
    "semaphore_signal_all_trap": "_semaphore_signal_all",
    "semaphore_signal_thread_trap": "_semaphore_signal_thread",
    "semaphore_wait_trap": "_semaphore_wait",
    "semaphore_wait_signal_trap": "_semaphore_wait_signal",
    "task_name_for_pid": "_task_name_for_pid",
    "task_for_pid": "_task_for_pid",
    "pid_for_task": "_pid_for_task",
    "thread_get_special_reply_port": "_thread_get_special_reply_port",
    "swtch_pri": "_swtch_pri",
    "swtch": "_swtch",
    "thread_switch": "_thread_switch",
    "mach_timebase_info_trap": "_mach_timebase_info",
    "mach_wait_until_trap": "_mach_wait_until",
    "mk_timer_create_trap": "_mk_timer_create",
    "mk_timer_destroy_trap": "_mk_timer_destroy",
    "mk_timer_arm_trap": "_mk_timer_arm",
    "mk_timer_cancel_trap": "_mk_timer_cancel",
}


def bsd_symbols(name: str) -> tuple[str, ...]:
    """The libSystem symbols that may implement BSD call ``name``, best first
    (read_nocancel → _read; ulock_wait → ___ulock_wait, libsystem_kernel's stub)."""
    base = name[: -len("_nocancel")] if name.endswith("_nocancel") else name
    if base in BSD_SYMBOLS:
        return (BSD_SYMBOLS[base],)
    return ("_" + base, "___" + base)


def prototype_name(name: str) -> str:
    """The trace prototype a raw call is decoded with (open_nocancel, stat64 → open, stat;
    a Mach trap as its libSystem function: mach_msg_trap → mach_msg)."""
    from machbox.trace.prototypes import raw_prototype_name

    if name in TRAP_SYMBOLS:
        return TRAP_SYMBOLS[name][1:]
    if name in BSD_NATIVE:
        return ""  # pipe, fork: no arguments, results in rax and rdx
    return raw_prototype_name(name)


class Resolver:
    """Answers native/sud.c: (how, implementation, wide result, argument count, trace site)."""

    def __init__(self, native, binder):
        self.binder = binder
        self.how = {name: i for i, name in enumerate(native.sud_kinds())}

    def __call__(self, cls: int, number: int) -> tuple[int, int, int, int, int]:
        # the tables are read on the first raw call: most programs never make one
        from machbox.kernel.syscall_numbers import BSD, MACH

        if cls == CLASS_BSD:
            name, nargs = BSD.get(number, (f"bsd_{number}", 0))
            how, impl = self._bsd(name, number)
            kind = "syscall"
        elif cls == CLASS_MACH:
            name, nargs = MACH.get(number, (f"mach_trap_{number}", 0))
            impl = self._implementation(TRAP_SYMBOLS.get(name))
            how = self.how["trap"] if impl else self.how["enosys"]
            kind = "mach_trap"
        else:
            name, nargs = MACHDEP.get(number, (f"machdep_{number}", 0))
            how = self.how["cthread"] if number in MACHDEP else self.how["enosys"]
            impl = 0
            kind = "machdep"
        wide = cls == CLASS_BSD and any(self.binder.wide_result(s) for s in bsd_symbols(name))
        tracer = self.binder.tracer
        site = tracer.site(name, kind, prototype_name(name)) if tracer else 0
        return how, impl, int(wide), nargs, site

    def _bsd(self, name: str, number: int) -> tuple[int, int]:
        from machbox.kernel.syscall_numbers import BSD

        if number not in BSD or name in BSD_DIFFERENT:
            return self.how["enosys"], 0
        if name in BSD_NATIVE:
            return self.how[BSD_NATIVE[name]], 0
        for symbol in bsd_symbols(name):
            impl = self._implementation(symbol)
            if impl:
                return self.how["bsd"], impl
        return self.how["enosys"], 0

    def _implementation(self, symbol: str | None) -> int:
        if symbol is None:
            return 0
        b = self.binder.implementation("libSystem", symbol)
        return b.address if b is not None and b.kind != "unimplemented" else 0
