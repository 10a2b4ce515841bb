"""pthreads with Darwin object layouts, TSD at %gs, Darwin's futex (native/pthread.c,
native/thread.c)."""

EMULATED = {"___ulock_wait", "___ulock_wait2", "___ulock_wake", "_os_unfair_lock_lock",
            "_os_unfair_lock_trylock", "_os_unfair_lock_unlock",
            "_os_unfair_lock_assert_owner", "_os_unfair_lock_assert_not_owner"}

_BRIDGED = [
    "pthread_mutex_init", "pthread_mutex_destroy", "pthread_mutex_lock", "pthread_mutex_trylock",
    "pthread_mutex_unlock", "pthread_mutexattr_init", "pthread_mutexattr_destroy",
    "pthread_mutexattr_settype", "pthread_mutexattr_gettype", "pthread_mutexattr_setpshared",
    "pthread_mutexattr_getpshared", "pthread_mutexattr_setprotocol",
    "pthread_mutexattr_getprotocol", "pthread_mutexattr_setpolicy_np",
    "pthread_cond_init", "pthread_cond_destroy", "pthread_cond_signal", "pthread_cond_broadcast",
    "pthread_cond_wait", "pthread_cond_timedwait", "pthread_cond_timedwait_relative_np",
    "pthread_condattr_init", "pthread_condattr_destroy", "pthread_condattr_setpshared",
    "pthread_rwlock_init", "pthread_rwlock_destroy", "pthread_rwlock_rdlock",
    "pthread_rwlock_tryrdlock", "pthread_rwlock_wrlock", "pthread_rwlock_trywrlock",
    "pthread_rwlock_unlock", "pthread_rwlockattr_init", "pthread_rwlockattr_destroy",
    "pthread_once", "pthread_attr_init", "pthread_attr_destroy", "pthread_attr_setstacksize",
    "pthread_attr_getstacksize", "pthread_attr_setstack", "pthread_attr_getstack",
    "pthread_attr_setstackaddr", "pthread_attr_getstackaddr", "pthread_attr_setguardsize",
    "pthread_attr_getguardsize", "pthread_attr_setdetachstate", "pthread_attr_getdetachstate",
    "pthread_attr_setinheritsched", "pthread_attr_getinheritsched",
    "pthread_attr_setschedpolicy", "pthread_attr_getschedpolicy", "pthread_attr_setschedparam",
    "pthread_attr_getschedparam", "pthread_attr_setscope", "pthread_attr_getscope",
    "pthread_attr_set_qos_class_np", "pthread_create", "pthread_join", "pthread_detach",
    "pthread_exit", "pthread_self", "pthread_equal", "pthread_main_np",
    "pthread_get_stackaddr_np", "pthread_get_stacksize_np", "pthread_mach_thread_np",
    "pthread_threadid_np", "pthread_setname_np", "pthread_getname_np",
    "pthread_setcancelstate", "pthread_set_qos_class_self_np", "pthread_atfork",
    "pthread_key_create", "pthread_key_delete", "pthread_getspecific", "pthread_setspecific",
    "os_unfair_lock_lock", "os_unfair_lock_trylock", "os_unfair_lock_unlock",
    "os_unfair_lock_assert_owner", "os_unfair_lock_assert_not_owner",
    "__ulock_wait", "__ulock_wait2", "__ulock_wake",
    "sem_init", "sem_destroy", "sem_getvalue", "sem_open",
]

EXPORTS = {
    "libSystem": {
        **{f"_{n}": f"mb_{n}" for n in _BRIDGED},
        "_sched_yield": "=",
        # named semaphores are the host's; errno is translated when the guest reads it
        **{f"_{n}": "=" for n in ("sem_wait", "sem_trywait", "sem_post", "sem_close",
                                   "sem_unlink")},
        "_pthread_yield_np": "=sched_yield",
    },
}
