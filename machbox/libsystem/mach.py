"""Mach: self ports and virtual memory (native/mach.c). IPC is issue #7."""

_FUNCS = ["mach_task_self", "mach_host_self", "mach_thread_self", "mach_port_deallocate",
          "mach_vm_allocate", "vm_allocate", "mach_vm_deallocate", "mach_vm_protect",
          "thread_info", "task_info", "semaphore_create", "semaphore_destroy",
          "semaphore_signal", "semaphore_signal_all", "semaphore_wait", "semaphore_timedwait",
          "host_get_clock_service", "clock_get_time", "mach_error_string", "mach_vm_region",
          "vm_region_64", "proc_regionfilename"]
_DATA = ["mach_task_self_", "vm_page_size", "vm_page_mask", "vm_page_shift",
         "vm_kernel_page_size", "vm_kernel_page_mask", "vm_kernel_page_shift"]

EMULATED = {f"_{n}" for n in _FUNCS + _DATA} | {"_vm_deallocate", "_vm_protect"}

EXPORTS = {
    "libSystem": {
        **{f"_{n}": f"mb_{n}" for n in _FUNCS + _DATA},
        # vm_* and mach_vm_* agree on x86_64 (64-bit addresses and sizes)
        "_vm_deallocate": "mb_mach_vm_deallocate",
        "_vm_protect": "mb_mach_vm_protect",
    },
}
