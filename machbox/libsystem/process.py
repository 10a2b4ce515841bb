"""Processes, signals, identity and limits (native/process.c, native/signal.c)."""

EMULATED = {"_posix_spawnattr_setbinpref_np", "_posix_spawnattr_set_qos_class_np",
            "_posix_spawnattr_setexceptionports_np"}

_SPAWN = [
    "posix_spawn", "posix_spawnp", "posix_spawnattr_init", "posix_spawnattr_destroy",
    "posix_spawnattr_setflags", "posix_spawnattr_getflags", "posix_spawnattr_setpgroup",
    "posix_spawnattr_getpgroup", "posix_spawnattr_setsigmask", "posix_spawnattr_getsigmask",
    "posix_spawnattr_setsigdefault", "posix_spawnattr_getsigdefault",
    "posix_spawn_file_actions_init", "posix_spawn_file_actions_destroy",
    "posix_spawn_file_actions_addopen", "posix_spawn_file_actions_addclose",
    "posix_spawn_file_actions_adddup2", "posix_spawn_file_actions_addinherit_np",
    "posix_spawn_file_actions_addchdir_np", "posix_spawn_file_actions_addfchdir_np",
]

_SIGNALS = [
    "sigemptyset", "sigfillset", "sigaddset", "sigdelset", "sigismember", "sigprocmask",
    "pthread_sigmask", "sigpending", "sigsuspend", "sigwait", "sigaction", "signal",
    "siginterrupt", "kill", "killpg", "raise", "pthread_kill", "strsignal", "psignal",
    "sigaltstack", "wait4", "waitpid", "wait", "wait3", "system",
]

_EXEC = ["execve", "execv", "execvp", "execvP", "execl", "execle", "execlp"]

EXPORTS = {
    "libSystem": {
        **{f"_{n}": f"mb_{n}" for n in _SPAWN + _SIGNALS + _EXEC},
        "_posix_spawnattr_setbinpref_np": "mb_posix_spawnattr_ignored",
        "_posix_spawnattr_set_qos_class_np": "mb_posix_spawnattr_ignored",
        "_posix_spawnattr_setexceptionports_np": "mb_posix_spawnattr_ignored",
        "_pselect": "mb_pselect",
        "___darwin_check_fd_set_overflow": "mb___darwin_check_fd_set_overflow",
        "_select": "=",
        "_issetugid": "mb_issetugid",
        "_ptrace": "mb_ptrace",
        # ids read as root under machbox's fake sudo (MACHBOX_FAKE_ROOT)
        **{f"_{n}": f"mb_{n}" for n in ("getuid", "geteuid", "getgid", "getegid")},
        "_getrlimit": "mb_getrlimit",
        "_setrlimit": "mb_setrlimit",
        "_sysconf": "mb_sysconf",
        "_pathconf": "mb_pathconf",
        "_fpathconf": "mb_fpathconf",
        "_uname": "mb_uname",
        "_getpwuid_r": "mb_getpwuid_r",
        "_getpwnam_r": "mb_getpwnam_r",
        "_getpwuid": "mb_getpwuid",
        "_getpwnam": "mb_getpwnam",
        "_getpwent": "mb_getpwent",
        **{f"_{n}": "=" for n in (
            "getpid", "getppid", "setuid", "seteuid",
            "setgid", "setegid", "setreuid", "setregid", "getgroups", "setgroups", "initgroups",
            "getpgrp", "getpgid", "setpgid", "setpgrp", "getsid", "setsid", "getlogin",
            "getlogin_r", "getpriority", "setpriority", "nice", "getrusage",
            "fork", "alarm", "pause", "sleep", "usleep", "getgrgid", "getgrnam", "getgrgid_r",
            "getgrnam_r", "getgrent", "setgrent", "endgrent", "setpwent", "endpwent",
            "gethostname", "sethostname", "getdomainname", "getenv", "setenv", "unsetenv",
            "putenv", "getopt", "getopt_long", "getopt_long_only", "getsubopt",
            "daemon", "quick_exit", "getloadavg", "tcgetpgrp",
            "tcsetpgrp", "ctermid", "getentropy", "setlogin",
        )},
        "_vfork": "=fork",  # a copy of machbox, Python included, cannot share the parent's memory
        "_optarg": "=optarg",
        "_optind": "=optind",
        "_opterr": "=opterr",
        "_optopt": "=optopt",
    },
}

# setjmp and friends: Darwin's jmp_buf is smaller than glibc's (native/asm.S)
EMULATED |= {"__setjmp", "__longjmp", "_setjmp", "_longjmp", "_sigsetjmp", "_siglongjmp"}
EXPORTS["libSystem"].update({
    "__setjmp": "mb__setjmp",
    "__longjmp": "mb__longjmp",
    "_setjmp": "mb_setjmp",
    "_longjmp": "mb_longjmp",
    "_sigsetjmp": "mb_sigsetjmp",
    "_siglongjmp": "mb_siglongjmp",
})

# libnotify without notifyd and dns_sd without mDNSResponder (native/misc.c)
_NOTIFY = ["notify_is_valid_token", "notify_register_check", "notify_register_dispatch",
           "notify_register_file_descriptor", "notify_check", "notify_post", "notify_set_state",
           "notify_get_state", "notify_cancel", "DNSServiceCreateConnection",
           "DNSServiceQueryRecord", "DNSServiceGetAddrInfo", "DNSServiceRefSockFD",
           "DNSServiceProcessResult", "DNSServiceRefDeallocate"]
EMULATED |= {f"_{n}" for n in _NOTIFY}
EXPORTS["libSystem"].update({f"_{n}": f"mb_{n}" for n in _NOTIFY})
EMULATED |= {"_xpc_date_create_from_current"}
EXPORTS["libSystem"]["_xpc_date_create_from_current"] = "mb_xpc_date_create_from_current"
