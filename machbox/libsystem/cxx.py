"""libc++ and libc++abi: the host's LLVM libc++ has the same std::__1 ABI, so every symbol
binds directly (looked up in the host libc++ when not listed here), except the ones that
hand the program's own pthread objects to the host's libc: std::mutex, recursive_mutex,
condition_variable and std::thread built in the program's inline code hold Darwin's
layouts, so their out-of-line members go to machbox's Darwin pthreads (native/cxx_sync.c)."""

_M = "__ZNSt3__15mutex"
_RM = "__ZNSt3__115recursive_mutex"
_CV = "__ZNSt3__118condition_variable"
_T = "__ZNSt3__16thread"
_LOCK = "RNS_11unique_lockINS_5mutexEEE"
_NS = "NS5_8durationIxNS_5ratioILl1ELl1000000000EEEEEEE"

_SYNC = {
    f"{_M}4lockEv": "mb_cxx_mutex_lock",
    f"{_M}8try_lockEv": "mb_cxx_mutex_try_lock",
    f"{_M}6unlockEv": "mb_cxx_mutex_unlock",
    f"{_M}D1Ev": "mb_cxx_mutex_destroy",
    f"{_M}D2Ev": "mb_cxx_mutex_destroy",
    f"{_RM}C1Ev": "mb_cxx_recursive_mutex_init",
    f"{_RM}C2Ev": "mb_cxx_recursive_mutex_init",
    f"{_RM}D1Ev": "mb_cxx_mutex_destroy",
    f"{_RM}D2Ev": "mb_cxx_mutex_destroy",
    f"{_RM}4lockEv": "mb_cxx_mutex_lock",
    f"{_RM}8try_lockEv": "mb_cxx_mutex_try_lock",
    f"{_RM}6unlockEv": "mb_cxx_mutex_unlock",
    f"{_CV}10notify_oneEv": "mb_cxx_cond_notify_one",
    f"{_CV}10notify_allEv": "mb_cxx_cond_notify_all",
    f"{_CV}D1Ev": "mb_cxx_cond_destroy",
    f"{_CV}D2Ev": "mb_cxx_cond_destroy",
    f"{_CV}4waitE{_LOCK}": "mb_cxx_cond_wait",
    f"{_CV}15__do_timed_waitE{_LOCK}NS_6chrono10time_pointINS5_12system_clockE{_NS}":
        "mb_cxx_cond_timed_wait",
    f"{_CV}15__do_timed_waitE{_LOCK}NS_6chrono10time_pointINS5_12steady_clockE{_NS}":
        "mb_cxx_cond_timed_wait_steady",
    f"{_T}4joinEv": "mb_cxx_thread_join",
    f"{_T}6detachEv": "mb_cxx_thread_detach",
    f"{_T}D1Ev": "mb_cxx_thread_destroy",
    f"{_T}D2Ev": "mb_cxx_thread_destroy",
    "__ZNSt3__119__thread_local_dataEv": "mb_cxx_thread_local_data",
}
# classes built from those, rebuilt on Darwin's member layout
for _cls, _impl in (("__ZNSt3__111timed_mutex", "timed_mutex"),
                    ("__ZNSt3__121recursive_timed_mutex", "recursive_timed_mutex")):
    _SYNC.update({f"{_cls}C1Ev": f"mb_cxx_{_impl}_init", f"{_cls}C2Ev": f"mb_cxx_{_impl}_init",
                  f"{_cls}D1Ev": f"mb_cxx_{_impl}_destroy",
                  f"{_cls}D2Ev": f"mb_cxx_{_impl}_destroy",
                  f"{_cls}4lockEv": f"mb_cxx_{_impl}_lock",
                  f"{_cls}8try_lockEv": f"mb_cxx_{_impl}_try_lock",
                  f"{_cls}6unlockEv": f"mb_cxx_{_impl}_unlock"})
for _cls in ("__ZNSt3__119__shared_mutex_base", "__ZNSt3__118shared_timed_mutex"):
    _SYNC.update({f"{_cls}C1Ev": "mb_cxx_shared_mutex_init",
                  f"{_cls}C2Ev": "mb_cxx_shared_mutex_init",
                  f"{_cls}4lockEv": "mb_cxx_shared_mutex_lock",
                  f"{_cls}8try_lockEv": "mb_cxx_shared_mutex_try_lock",
                  f"{_cls}6unlockEv": "mb_cxx_shared_mutex_unlock",
                  f"{_cls}11lock_sharedEv": "mb_cxx_shared_mutex_lock_shared",
                  f"{_cls}15try_lock_sharedEv": "mb_cxx_shared_mutex_try_lock_shared",
                  f"{_cls}13unlock_sharedEv": "mb_cxx_shared_mutex_unlock_shared"})

EMULATED = set(_SYNC)

EXPORTS: dict[str, dict[str, str]] = {
    "libc++abi": {},
    "libc++": dict(_SYNC),
}
