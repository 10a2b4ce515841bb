"""libdispatch (native/dispatch.c): once, semaphores, time and object lifetimes; and the
kqueue it is built on (native/kqueue.c)."""

EMULATED = {
    "_dispatch_once", "_dispatch_once_f", "_dispatch_time", "_dispatch_walltime",
    "_dispatch_semaphore_create", "_dispatch_semaphore_signal", "_dispatch_semaphore_wait",
    "_dispatch_retain", "_dispatch_release",
}

EMULATED |= {"_kqueue", "_kevent", "_kevent64"}

EXPORTS = {"libSystem": {name: "mb" + name for name in EMULATED}}
