"""libdispatch (native/dispatch.c, native/dispatch_queue.c): once, semaphores, time, queues
(main, global, serial, concurrent), async/sync/barrier/after/apply, groups and sources on
the kqueue emulation; the blocks runtime they need (native/blocks.c); and kqueue itself
(native/kqueue.c)."""

_FUNCTIONS = [
    "dispatch_once", "dispatch_once_f", "dispatch_time", "dispatch_walltime",
    "dispatch_semaphore_create", "dispatch_semaphore_signal", "dispatch_semaphore_wait",
    "dispatch_retain", "dispatch_release",
    "dispatch_get_global_queue", "dispatch_queue_create", "dispatch_queue_create_with_target",
    "dispatch_queue_attr_make_with_qos_class", "dispatch_queue_attr_make_initially_inactive",
    "dispatch_queue_get_label", "dispatch_get_current_queue", "dispatch_async",
    "dispatch_async_f", "dispatch_barrier_async", "dispatch_barrier_async_f", "dispatch_sync",
    "dispatch_sync_f", "dispatch_barrier_sync", "dispatch_barrier_sync_f", "dispatch_main",
    "dispatch_after", "dispatch_after_f", "dispatch_apply", "dispatch_apply_f",
    "dispatch_group_create", "dispatch_group_enter", "dispatch_group_leave",
    "dispatch_group_wait", "dispatch_group_notify", "dispatch_group_notify_f",
    "dispatch_group_async", "dispatch_group_async_f",
    "dispatch_source_create", "dispatch_source_set_event_handler",
    "dispatch_source_set_event_handler_f", "dispatch_source_set_cancel_handler",
    "dispatch_source_set_cancel_handler_f", "dispatch_source_set_registration_handler",
    "dispatch_source_set_timer", "dispatch_source_merge_data", "dispatch_source_get_data",
    "dispatch_source_get_handle", "dispatch_source_get_mask", "dispatch_source_testcancel",
    "dispatch_source_cancel", "dispatch_activate", "dispatch_suspend", "dispatch_resume",
    "dispatch_set_context", "dispatch_get_context", "dispatch_set_finalizer_f",
]
_DATA = [
    "_dispatch_main_q", "_dispatch_queue_attr_concurrent", "_dispatch_source_type_data_add",
    "_dispatch_source_type_data_or", "_dispatch_source_type_data_replace",
    "_dispatch_source_type_read", "_dispatch_source_type_write", "_dispatch_source_type_timer",
    "_dispatch_source_type_signal", "_dispatch_source_type_proc",
    "_dispatch_source_type_vnode", "_dispatch_source_type_mach_send",
    "_dispatch_source_type_mach_recv", "_dispatch_source_type_memorypressure",
]
_BLOCKS = [
    "_Block_copy", "_Block_release", "_Block_object_assign", "_Block_object_dispose",
    "_Block_isDeallocating", "_Block_tryRetain", "_NSConcreteStackBlock",
    "_NSConcreteMallocBlock", "_NSConcreteGlobalBlock", "_NSConcreteAutoBlock",
    "_NSConcreteFinalizingBlock", "_NSConcreteWeakBlockVariable",
]

EMULATED = ({f"_{n}" for n in _FUNCTIONS + _DATA + _BLOCKS} | {"_Block_size"}
            | {"_kqueue", "_kevent", "_kevent64"})

EXPORTS = {"libSystem": {name: "mb" + name for name in EMULATED}}
