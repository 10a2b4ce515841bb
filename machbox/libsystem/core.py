"""Process essentials: errno, exit, dyld's program accessors, stack protection, TLV, the
unwinder and compiler-rt. Without these no program reaches main."""

EMULATED = {
    "__NSGetArgc", "__NSGetArgv", "__NSGetEnviron", "__NSGetProgname",
    "__NSGetMachExecuteHeader", "__NSGetExecutablePath", "_getprogname", "_setprogname",
    "__dyld_image_count", "__dyld_get_image_header", "__dyld_get_image_vmaddr_slide",
    "__dyld_get_image_name", "__tlv_bootstrap", "__tlv_atexit", "___chkstk_darwin",
    "____chkstk_darwin", "___stack_chk_guard", "dyld_stub_binder",
}

EXPORTS = {
    "libSystem": {
        # errno: a per-thread Darwin slot, host errno translated lazily (native/errno.c)
        "___error": "mb___error",
        # exit runs this thread's thread_local destructors first (native/dyld.c)
        "_exit": "mb_exit",
        "__exit": "=_exit",
        "__Exit": "=_Exit",
        "_atexit": "mb_atexit",
        "_at_quick_exit": "mb_at_quick_exit",
        "___cxa_atexit": "=__cxa_atexit",
        "___cxa_finalize": "=__cxa_finalize",
        "_abort": "=",
        # crt / dyld accessors
        "__NSGetArgc": "mb__NSGetArgc",
        "__NSGetArgv": "mb__NSGetArgv",
        "__NSGetEnviron": "mb__NSGetEnviron",
        "__NSGetProgname": "mb__NSGetProgname",
        "__NSGetMachExecuteHeader": "mb__NSGetMachExecuteHeader",
        "__NSGetExecutablePath": "mb__NSGetExecutablePath",
        "_getprogname": "mb_getprogname",
        "_setprogname": "mb_setprogname",
        "_environ": "=environ",
        "__dyld_image_count": "mb__dyld_image_count",
        "__dyld_get_image_header": "mb__dyld_get_image_header",
        "__dyld_get_image_vmaddr_slide": "mb__dyld_get_image_vmaddr_slide",
        "__dyld_get_image_name": "mb__dyld_get_image_name",
        # every lazy pointer is bound at load, so the stub binder is never entered
        "dyld_stub_binder": "!",
        # thread-local variables (native/thread.c, native/asm.S)
        "__tlv_bootstrap": "mb_tlv_get_addr",
        "__tlv_atexit": "mb__tlv_atexit",
        # stack protection and probing
        "___stack_chk_guard": "mb___stack_chk_guard",
        "___stack_chk_fail": "=__stack_chk_fail",
        "___chkstk_darwin": "mb___chkstk_darwin",
        "____chkstk_darwin": "mb___chkstk_darwin",
        # the unwinder: the LLVM libunwind the host libc++abi uses, so C++ exceptions and
        # Rust panics share one unwinder that knows the guest's registered frames
        "__Unwind_Backtrace": "=_Unwind_Backtrace@libunwind",
        "__Unwind_DeleteException": "=_Unwind_DeleteException@libunwind",
        "__Unwind_FindEnclosingFunction": "=_Unwind_FindEnclosingFunction@libunwind",
        "__Unwind_Find_FDE": "=_Unwind_Find_FDE@libunwind",
        "__Unwind_ForcedUnwind": "=_Unwind_ForcedUnwind@libunwind",
        "__Unwind_GetCFA": "=_Unwind_GetCFA@libunwind",
        "__Unwind_GetDataRelBase": "=_Unwind_GetDataRelBase@libunwind",
        "__Unwind_GetGR": "=_Unwind_GetGR@libunwind",
        "__Unwind_GetIP": "=_Unwind_GetIP@libunwind",
        "__Unwind_GetIPInfo": "=_Unwind_GetIPInfo@libunwind",
        "__Unwind_GetLanguageSpecificData": "=_Unwind_GetLanguageSpecificData@libunwind",
        "__Unwind_GetRegionStart": "=_Unwind_GetRegionStart@libunwind",
        "__Unwind_GetTextRelBase": "=_Unwind_GetTextRelBase@libunwind",
        "__Unwind_RaiseException": "=_Unwind_RaiseException@libunwind",
        "__Unwind_Resume": "=_Unwind_Resume@libunwind",
        "__Unwind_Resume_or_Rethrow": "=_Unwind_Resume_or_Rethrow@libunwind",
        "__Unwind_SetGR": "=_Unwind_SetGR@libunwind",
        "__Unwind_SetIP": "=_Unwind_SetIP@libunwind",
        "___register_frame": "=__register_frame@libunwind",
        "___deregister_frame": "=__deregister_frame@libunwind",
        "_unw_getcontext": "=unw_getcontext@libunwind",
        "_unw_init_local": "=unw_init_local@libunwind",
        "_unw_step": "=unw_step@libunwind",
        "_unw_get_reg": "=unw_get_reg@libunwind",
        "_unw_set_reg": "=unw_set_reg@libunwind",
        "_unw_get_proc_info": "=unw_get_proc_info@libunwind",
        "_unw_get_proc_name": "=unw_get_proc_name@libunwind",
        "_unw_resume": "=unw_resume@libunwind",
        # compiler-rt: libgcc_s has the same routines with the same ABI
        "___udivti3": "=__udivti3@libgcc",
        "___umodti3": "=__umodti3@libgcc",
        "___divti3": "=__divti3@libgcc",
        "___modti3": "=__modti3@libgcc",
        "___udivmodti4": "=__udivmodti4@libgcc",
        "___muloti4": "mb___muloti4",
        "___multi3": "=__multi3@libgcc",
        "___ashlti3": "=__ashlti3@libgcc",
        "___ashrti3": "=__ashrti3@libgcc",
        "___lshrti3": "=__lshrti3@libgcc",
        "___floattidf": "=__floattidf@libgcc",
        "___floattisf": "=__floattisf@libgcc",
        "___floatuntidf": "=__floatuntidf@libgcc",
        "___floatuntisf": "=__floatuntisf@libgcc",
        "___fixdfti": "=__fixdfti@libgcc",
        "___fixsfti": "=__fixsfti@libgcc",
        "___fixunsdfti": "=__fixunsdfti@libgcc",
        "___fixunssfti": "=__fixunssfti@libgcc",
        "___floattixf": "=__floattixf@libgcc",
        "___floatuntixf": "=__floatuntixf@libgcc",
        "___fixxfti": "=__fixxfti@libgcc",
        "___fixunsxfti": "=__fixunsxfti@libgcc",
        "___powidf2": "=__powidf2@libgcc",
        "___powisf2": "=__powisf2@libgcc",
        "___popcountdi2": "=__popcountdi2@libgcc",
        "___clzti2": "=__clzti2@libgcc",
        "___ctzti2": "=__ctzti2@libgcc",
        "___extendhfsf2": "=__extendhfsf2@libgcc",
        "___truncsfhf2": "=__truncsfhf2@libgcc",
        "___truncdfhf2": "=__truncdfhf2@libgcc",
        "___gnu_f2h_ieee": "=__truncsfhf2@libgcc",
        "___gnu_h2f_ieee": "=__extendhfsf2@libgcc",
        "___bzero": "=bzero",
    },
}

# libsystem_kernel's stubs return -1 in all 64 bits on failure and store errno before
# returning; some callers (Go's runtime) compare all 64 bits and read errno through a
# pointer kept from an earlier __error(). The binder reaches every libsystem_kernel function
# through a thunk that does both (native/stubs.c), except the ones listed here.
KERNEL_WIDE_RESULTS = {  # 64-bit results: errors are already a full -1, never narrowed
    "_read", "_write", "_pread", "_pwrite", "_readv", "_writev", "_preadv", "_pwritev",
    "_lseek", "_mmap", "___mmap", "_readlink", "_readlinkat", "_recv", "_recvfrom", "_recvmsg",
    "_send", "_sendto", "_sendmsg", "_getxattr", "_fgetxattr", "_listxattr", "_flistxattr",
    "___getdirentries64", "_sbrk", "_shmat", "_recvmsg_x", "_sendmsg_x",
}
KERNEL_NOT_SYSCALLS = {  # no errno convention at all (the Mach calls: mach.NO_ERRNO_THUNK)
    "___error", "_mach_absolute_time", "_mach_approximate_time", "_mach_continuous_time",
    "_mach_continuous_approximate_time", "_mach_timebase_info",
}
KERNEL_STACK_ARGUMENTS = {  # the thunk's frame would shift these; their bridges sync errno
    "_syscall", "___syscall", "_kevent64", "_kevent_qos", "_kevent_id", "_mach_msg",
    "_mach_msg_overwrite", "_mach_vm_map", "_vm_map", "_mach_vm_remap", "_vm_remap",
    "_mach_msg2_internal", "_mach_vm_region", "_vm_region_64",
}
