"""Mach: self ports and virtual memory (native/mach.c), ports and messages (native/mach_ipc.c;
across processes through the prefix's server, native/mach_remote.c)."""

_FUNCS = ["mach_task_self", "mach_host_self", "mach_thread_self",
          "mach_vm_allocate", "vm_allocate", "mach_vm_deallocate", "mach_vm_protect",
          "thread_info", "task_info", "semaphore_create", "semaphore_destroy",
          "semaphore_signal", "semaphore_signal_all", "semaphore_wait", "semaphore_timedwait",
          "host_get_clock_service", "clock_get_time", "mach_error_string", "mach_vm_region",
          "vm_region_64", "proc_regionfilename", "mach_vm_map", "vm_map", "mach_vm_inherit",
          "host_info", "host_statistics", "host_statistics64", "thread_switch"]
# port rights, port sets, mach_msg and MIG servers (native/mach_ipc.c)
_IPC = ["mach_port_allocate", "mach_port_construct", "mach_port_destruct", "mach_port_destroy",
        "mach_port_deallocate", "mach_port_mod_refs", "mach_port_insert_right",
        "mach_port_extract_right", "mach_port_type", "mach_port_get_refs",
        "mach_port_move_member", "mach_port_insert_member", "mach_port_extract_member",
        "mach_port_get_set_status", "mach_port_set_attributes", "mach_port_get_attributes",
        "mach_port_set_context", "mach_port_get_context", "mach_port_guard",
        "mach_port_unguard", "mach_port_request_notification", "mach_reply_port",
        "mach_msg", "mach_msg_overwrite", "mach_msg_destroy", "mach_msg_server_once",
        "mach_msg_server", "mig_get_reply_port", "mig_dealloc_reply_port",
        "mig_put_reply_port"]
# exception ports (native/mach_exc.c); suspending threads, their registers (mach_thread.c)
_THREADS = ["task_set_exception_ports", "task_get_exception_ports", "task_swap_exception_ports",
            "thread_set_exception_ports", "thread_get_exception_ports",
            "thread_swap_exception_ports", "thread_suspend", "thread_resume", "thread_abort",
            "thread_get_state", "thread_set_state", "task_threads", "host_processor_info"]
# other processes' tasks: task_for_pid, suspension, their memory (native/mach_task.c)
_TASKS = ["task_for_pid", "task_name_for_pid", "pid_for_task", "task_suspend", "task_resume",
          "mach_vm_read_overwrite", "mach_vm_read", "mach_vm_write"]
# the bootstrap namespace and the task's special ports (native/mach_remote.c, answered by
# the prefix's server, machbox.server)
_BOOTSTRAP = ["bootstrap_look_up", "bootstrap_look_up2", "bootstrap_look_up3",
              "bootstrap_check_in", "bootstrap_check_in2", "bootstrap_check_in3",
              "bootstrap_register", "bootstrap_register2", "bootstrap_parent",
              "bootstrap_strerror", "task_get_special_port", "task_set_special_port"]
_FUNCS += _IPC + _THREADS + _TASKS + _BOOTSTRAP
_DATA = ["NDR_record", "mach_task_self_", "bootstrap_port", "vm_page_size", "vm_page_mask",
         "vm_page_shift", "vm_kernel_page_size", "vm_kernel_page_mask", "vm_kernel_page_shift"]

_ALIASES = {  # vm_* and mach_vm_* agree on x86_64 (64-bit addresses and sizes)
    "_vm_deallocate": "mb_mach_vm_deallocate",
    "_vm_protect": "mb_mach_vm_protect",
    "_vm_inherit": "mb_mach_vm_inherit",
    "_thread_abort_safely": "mb_thread_abort",
    "_vm_read_overwrite": "mb_mach_vm_read_overwrite",
    "_vm_read": "mb_mach_vm_read",
    "_vm_write": "mb_mach_vm_write",
}
EMULATED = {f"_{n}" for n in _FUNCS + _DATA} | set(_ALIASES)
# answered with a kern_return_t or a port name, never -1 and errno, or data (no function
# at all): the binder binds them without the errno thunk
NO_ERRNO_THUNK = ({f"_{n}" for n in _FUNCS + _DATA} | set(_ALIASES)) - {
    "_mach_msg", "_mach_msg_overwrite",  # stack arguments: core.KERNEL_STACK_ARGUMENTS
    "_proc_regionfilename",  # libproc: -1 and errno
}

EXPORTS = {"libSystem": {**{f"_{n}": f"mb_{n}" for n in _FUNCS + _DATA}, **_ALIASES}}

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
