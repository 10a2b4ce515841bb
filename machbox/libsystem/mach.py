"""Mach: self ports and virtual memory (native/mach.c). IPC is issue #7."""

_FUNCS = ["mach_task_self", "mach_host_self", "mach_thread_self", "mach_port_deallocate",
          "mach_vm_allocate", "vm_allocate", "mach_vm_deallocate", "mach_vm_protect",
          "thread_info", "task_info", "semaphore_create", "semaphore_destroy",
          "semaphore_signal", "semaphore_signal_all", "semaphore_wait", "semaphore_timedwait",
          "host_get_clock_service", "clock_get_time", "mach_error_string", "mach_vm_region",
          "vm_region_64", "proc_regionfilename", "mach_vm_map", "vm_map", "mach_vm_inherit",
          "host_info", "host_statistics", "host_statistics64", "thread_switch"]
_DATA = ["mach_task_self_", "vm_page_size", "vm_page_mask", "vm_page_shift",
         "vm_kernel_page_size", "vm_kernel_page_mask", "vm_kernel_page_shift"]

EMULATED = {f"_{n}" for n in _FUNCS + _DATA} | {"_vm_deallocate", "_vm_protect", "_vm_inherit"}

EXPORTS = {
    "libSystem": {
        **{f"_{n}": f"mb_{n}" for n in _FUNCS + _DATA},
        # vm_* and mach_vm_* agree on x86_64 (64-bit addresses and sizes)
        "_vm_deallocate": "mb_mach_vm_deallocate",
        "_vm_protect": "mb_mach_vm_protect",
        "_vm_inherit": "mb_mach_vm_inherit",
    },
}

# os_log and os_signpost (native/oslog.c): the unified log is not there; messages dropped
_OS_LOG = ["os_log_create", "os_log_type_enabled", "_os_log_impl", "os_signpost_enabled",
           "os_signpost_id_generate", "_os_signpost_emit_with_name_impl", "_os_log_default",
           "_os_log_disabled"]
EMULATED |= {f"_{n}" for n in _OS_LOG} | {"__os_log_error_impl", "__os_log_fault_impl",
                                          "__os_log_debug_impl"}
EXPORTS["libSystem"].update({f"_{n}": f"mb_{n}" for n in _OS_LOG})
EXPORTS["libSystem"].update({n: "mb__os_log_impl" for n in ("__os_log_error_impl",
                                                             "__os_log_fault_impl",
                                                             "__os_log_debug_impl")})
