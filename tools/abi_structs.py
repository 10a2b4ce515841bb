"""Darwin structs machbox records: (headers, C type on Darwin, [(field, type in our header)]).

tools/gen_abi.py reads offsets and sizes from the SDK headers; machbox/abi/cheader.py emits
`struct darwin_<name>` with these field types at exactly those offsets. Field types are
written for our header: fixed-width integers, pointers, arrays, other darwin_ structs.
A "#define" entry in the headers list is emitted before the includes.
"""

TS = "struct darwin_timespec"

STRUCTS = {
    "timespec": (["time.h"], "struct timespec", [
        ("tv_sec", "int64_t"), ("tv_nsec", "int64_t")]),
    "timeval": (["sys/time.h"], "struct timeval", [
        ("tv_sec", "int64_t"), ("tv_usec", "int32_t")]),
    "stat": (["sys/stat.h"], "struct stat", [
        ("st_dev", "int32_t"), ("st_mode", "uint16_t"), ("st_nlink", "uint16_t"),
        ("st_ino", "uint64_t"), ("st_uid", "uint32_t"), ("st_gid", "uint32_t"),
        ("st_rdev", "int32_t"), ("st_atimespec", TS), ("st_mtimespec", TS),
        ("st_ctimespec", TS), ("st_birthtimespec", TS), ("st_size", "int64_t"),
        ("st_blocks", "int64_t"), ("st_blksize", "int32_t"), ("st_flags", "uint32_t"),
        ("st_gen", "uint32_t"), ("st_lspare", "int32_t"), ("st_qspare", "int64_t[2]")]),
    "stat_legacy": (["#define _DARWIN_NO_64_BIT_INODE 1", "sys/stat.h"], "struct stat", [
        ("st_dev", "int32_t"), ("st_ino", "uint32_t"), ("st_mode", "uint16_t"),
        ("st_nlink", "uint16_t"), ("st_uid", "uint32_t"), ("st_gid", "uint32_t"),
        ("st_rdev", "int32_t"), ("st_atimespec", TS), ("st_mtimespec", TS),
        ("st_ctimespec", TS), ("st_size", "int64_t"), ("st_blocks", "int64_t"),
        ("st_blksize", "int32_t"), ("st_flags", "uint32_t"), ("st_gen", "uint32_t"),
        ("st_lspare", "int32_t"), ("st_qspare", "int64_t[2]")]),
    "statfs": (["sys/mount.h"], "struct statfs", [
        ("f_bsize", "uint32_t"), ("f_iosize", "int32_t"), ("f_blocks", "uint64_t"),
        ("f_bfree", "uint64_t"), ("f_bavail", "uint64_t"), ("f_files", "uint64_t"),
        ("f_ffree", "uint64_t"), ("f_fsid", "int32_t[2]"), ("f_owner", "uint32_t"),
        ("f_type", "uint32_t"), ("f_flags", "uint32_t"), ("f_fssubtype", "uint32_t"),
        ("f_fstypename", "char[16]"), ("f_mntonname", "char[1024]"),
        ("f_mntfromname", "char[1024]"), ("f_flags_ext", "uint32_t"),
        ("f_reserved", "uint32_t[7]")]),
    "statvfs": (["sys/statvfs.h"], "struct statvfs", [
        ("f_bsize", "uint64_t"), ("f_frsize", "uint64_t"), ("f_blocks", "uint32_t"),
        ("f_bfree", "uint32_t"), ("f_bavail", "uint32_t"), ("f_files", "uint32_t"),
        ("f_ffree", "uint32_t"), ("f_favail", "uint32_t"), ("f_fsid", "uint64_t"),
        ("f_flag", "uint64_t"), ("f_namemax", "uint64_t")]),
    "dirent": (["dirent.h"], "struct dirent", [
        ("d_ino", "uint64_t"), ("d_seekoff", "uint64_t"), ("d_reclen", "uint16_t"),
        ("d_namlen", "uint16_t"), ("d_type", "uint8_t"), ("d_name", "char[1024]")]),
    "flock": (["fcntl.h"], "struct flock", [
        ("l_start", "int64_t"), ("l_len", "int64_t"), ("l_pid", "int32_t"),
        ("l_type", "int16_t"), ("l_whence", "int16_t")]),
    "fstore": (["fcntl.h"], "fstore_t", [
        ("fst_flags", "uint32_t"), ("fst_posmode", "int32_t"), ("fst_offset", "int64_t"),
        ("fst_length", "int64_t"), ("fst_bytesalloc", "int64_t")]),
    "utsname": (["sys/utsname.h"], "struct utsname", [
        ("sysname", "char[256]"), ("nodename", "char[256]"), ("release", "char[256]"),
        ("version", "char[256]"), ("machine", "char[256]")]),
    "passwd": (["pwd.h"], "struct passwd", [
        ("pw_name", "char *"), ("pw_passwd", "char *"), ("pw_uid", "uint32_t"),
        ("pw_gid", "uint32_t"), ("pw_change", "int64_t"), ("pw_class", "char *"),
        ("pw_gecos", "char *"), ("pw_dir", "char *"), ("pw_shell", "char *"),
        ("pw_expire", "int64_t")]),
    "group": (["grp.h"], "struct group", [
        ("gr_name", "char *"), ("gr_passwd", "char *"), ("gr_gid", "uint32_t"),
        ("gr_mem", "char **")]),
    "siginfo": (["signal.h"], "siginfo_t", [
        ("si_signo", "int32_t"), ("si_errno", "int32_t"), ("si_code", "int32_t"),
        ("si_pid", "int32_t"), ("si_uid", "uint32_t"), ("si_status", "int32_t"),
        ("si_addr", "uint64_t"), ("si_value", "uint64_t"), ("si_band", "int64_t"),
        ("__pad", "uint64_t[7]")]),
    "sigaction": (["signal.h"], "struct sigaction", [
        ("__sigaction_u", "void *"), ("sa_mask", "uint32_t"), ("sa_flags", "int32_t")]),
    "stack": (["signal.h"], "stack_t", [
        ("ss_sp", "void *"), ("ss_size", "uint64_t"), ("ss_flags", "int32_t")]),
    "x86_exception_state64": (["mach/mach.h"], "struct __darwin_x86_exception_state64", [
        ("__trapno", "uint16_t"), ("__cpu", "uint16_t"), ("__err", "uint32_t"),
        ("__faultvaddr", "uint64_t")]),
    "x86_thread_state64": (["mach/mach.h"], "struct __darwin_x86_thread_state64", [
        (r, "uint64_t") for r in ("__rax", "__rbx", "__rcx", "__rdx", "__rdi", "__rsi", "__rbp",
                                  "__rsp", "__r8", "__r9", "__r10", "__r11", "__r12", "__r13",
                                  "__r14", "__r15", "__rip", "__rflags", "__cs", "__fs", "__gs")]),
    "x86_float_state64": (["mach/mach.h"], "struct __darwin_x86_float_state64", [
        ("__fpu_reserved", "int32_t[2]"), ("__fpu_fcw", "uint16_t"), ("__fpu_fsw", "uint16_t"),
        ("__fpu_ftw", "uint8_t"), ("__fpu_rsrv1", "uint8_t"), ("__fpu_fop", "uint16_t"),
        ("__fpu_ip", "uint32_t"), ("__fpu_cs", "uint16_t"), ("__fpu_rsrv2", "uint16_t"),
        ("__fpu_dp", "uint32_t"), ("__fpu_ds", "uint16_t"), ("__fpu_rsrv3", "uint16_t"),
        ("__fpu_mxcsr", "uint32_t"), ("__fpu_mxcsrmask", "uint32_t"),
        ("__fpu_stmm0", "uint8_t[16]"), ("__fpu_xmm0", "uint8_t[16]"),
        ("__fpu_rsrv4", "uint8_t[96]"), ("__fpu_reserved1", "int32_t")]),
    "mcontext64": (["sys/ucontext.h"], "struct __darwin_mcontext64", [
        ("__es", "struct darwin_x86_exception_state64"),
        ("__ss", "struct darwin_x86_thread_state64"),
        ("__fs", "struct darwin_x86_float_state64")]),
    "ucontext": (["sys/ucontext.h"], "ucontext_t", [
        ("uc_onstack", "int32_t"), ("uc_sigmask", "uint32_t"),
        ("uc_stack", "struct darwin_stack"), ("uc_link", "void *"), ("uc_mcsize", "uint64_t"),
        ("uc_mcontext", "struct darwin_mcontext64 *")]),
    "FILE": (["stdio.h"], "FILE", [
        ("_p", "unsigned char *"), ("_r", "int32_t"), ("_w", "int32_t"), ("_flags", "int16_t"),
        ("_file", "int16_t"), ("_bf", "uint8_t[16]"), ("_lbfsize", "int32_t"),
        ("_cookie", "void *"), ("_close", "void *"), ("_read", "void *"), ("_seek", "void *"),
        ("_write", "void *"), ("_ub", "uint8_t[16]"), ("_extra", "void *"), ("_ur", "int32_t"),
        ("_ubuf", "uint8_t[3]"), ("_nbuf", "uint8_t[1]"), ("_lb", "uint8_t[16]"),
        ("_blksize", "int32_t"), ("_offset", "int64_t")]),
    "RuneLocale": (["runetype.h"], "_RuneLocale", [
        ("__magic", "char[8]"), ("__encoding", "char[32]"), ("__sgetrune", "void *"),
        ("__sputrune", "void *"), ("__invalid_rune", "int32_t"), ("__runetype", "uint32_t[256]"),
        ("__maplower", "int32_t[256]"), ("__mapupper", "int32_t[256]"),
        ("__runetype_ext", "uint8_t[16]"), ("__maplower_ext", "uint8_t[16]"),
        ("__mapupper_ext", "uint8_t[16]"), ("__variable", "void *"),
        ("__variable_len", "int32_t"), ("__ncharclasses", "int32_t"),
        ("__charclasses", "void *")]),
    "termios": (["termios.h"], "struct termios", [
        ("c_iflag", "uint64_t"), ("c_oflag", "uint64_t"), ("c_cflag", "uint64_t"),
        ("c_lflag", "uint64_t"), ("c_cc", "uint8_t[20]"), ("c_ispeed", "uint64_t"),
        ("c_ospeed", "uint64_t")]),
    "winsize": (["sys/ioctl.h"], "struct winsize", [
        ("ws_row", "uint16_t"), ("ws_col", "uint16_t"), ("ws_xpixel", "uint16_t"),
        ("ws_ypixel", "uint16_t")]),
    "sockaddr": (["sys/socket.h"], "struct sockaddr", [
        ("sa_len", "uint8_t"), ("sa_family", "uint8_t"), ("sa_data", "char[14]")]),
    "sockaddr_in": (["netinet/in.h"], "struct sockaddr_in", [
        ("sin_len", "uint8_t"), ("sin_family", "uint8_t"), ("sin_port", "uint16_t"),
        ("sin_addr", "uint32_t"), ("sin_zero", "char[8]")]),
    "sockaddr_in6": (["netinet/in.h"], "struct sockaddr_in6", [
        ("sin6_len", "uint8_t"), ("sin6_family", "uint8_t"), ("sin6_port", "uint16_t"),
        ("sin6_flowinfo", "uint32_t"), ("sin6_addr", "uint8_t[16]"),
        ("sin6_scope_id", "uint32_t")]),
    "sockaddr_un": (["sys/un.h"], "struct sockaddr_un", [
        ("sun_len", "uint8_t"), ("sun_family", "uint8_t"), ("sun_path", "char[104]")]),
    "sockaddr_storage": (["sys/socket.h"], "struct sockaddr_storage", [
        ("ss_len", "uint8_t"), ("ss_family", "uint8_t")]),
    "msghdr": (["sys/socket.h"], "struct msghdr", [
        ("msg_name", "void *"), ("msg_namelen", "uint32_t"), ("msg_iov", "void *"),
        ("msg_iovlen", "int32_t"), ("msg_control", "void *"), ("msg_controllen", "uint32_t"),
        ("msg_flags", "int32_t")]),
    "cmsghdr": (["sys/socket.h"], "struct cmsghdr", [
        ("cmsg_len", "uint32_t"), ("cmsg_level", "int32_t"), ("cmsg_type", "int32_t")]),
    "ifaddrs": (["ifaddrs.h"], "struct ifaddrs", [
        ("ifa_next", "void *"), ("ifa_name", "char *"), ("ifa_flags", "uint32_t"),
        ("ifa_addr", "void *"), ("ifa_netmask", "void *"), ("ifa_dstaddr", "void *"),
        ("ifa_data", "void *")]),
    "sockaddr_dl": (["net/if_dl.h"], "struct sockaddr_dl", [
        ("sdl_len", "uint8_t"), ("sdl_family", "uint8_t"), ("sdl_index", "uint16_t"),
        ("sdl_type", "uint8_t"), ("sdl_nlen", "uint8_t"), ("sdl_alen", "uint8_t"),
        ("sdl_slen", "uint8_t"), ("sdl_data", "char[12]")]),
    "sf_hdtr": (["sys/socket.h"], "struct sf_hdtr", [
        ("headers", "void *"), ("hdr_cnt", "int32_t"), ("trailers", "void *"),
        ("trl_cnt", "int32_t")]),
    "addrinfo": (["netdb.h"], "struct addrinfo", [
        ("ai_flags", "int32_t"), ("ai_family", "int32_t"), ("ai_socktype", "int32_t"),
        ("ai_protocol", "int32_t"), ("ai_addrlen", "uint32_t"), ("ai_canonname", "char *"),
        ("ai_addr", "void *"), ("ai_next", "void *")]),
    "kevent": (["sys/event.h"], "struct kevent", [
        ("ident", "uint64_t"), ("filter", "int16_t"), ("flags", "uint16_t"),
        ("fflags", "uint32_t"), ("data", "int64_t"), ("udata", "void *")]),
    "kevent64": (["sys/event.h"], "struct kevent64_s", [
        ("ident", "uint64_t"), ("filter", "int16_t"), ("flags", "uint16_t"),
        ("fflags", "uint32_t"), ("data", "int64_t"), ("udata", "uint64_t"),
        ("ext", "uint64_t[2]")]),
    "rusage": (["sys/resource.h"], "struct rusage", [
        ("ru_utime", "uint8_t[16]"), ("ru_stime", "uint8_t[16]"), ("ru_maxrss", "int64_t"),
        ("ru_nsignals", "int64_t"), ("ru_nivcsw", "int64_t")]),
    "rlimit": (["sys/resource.h"], "struct rlimit", [
        ("rlim_cur", "uint64_t"), ("rlim_max", "uint64_t")]),
    "tm": (["time.h"], "struct tm", [
        ("tm_sec", "int32_t"), ("tm_min", "int32_t"), ("tm_hour", "int32_t"),
        ("tm_mday", "int32_t"), ("tm_mon", "int32_t"), ("tm_year", "int32_t"),
        ("tm_wday", "int32_t"), ("tm_yday", "int32_t"), ("tm_isdst", "int32_t"),
        ("tm_gmtoff", "int64_t"), ("tm_zone", "char *")]),
    "pollfd": (["poll.h"], "struct pollfd", [
        ("fd", "int32_t"), ("events", "int16_t"), ("revents", "int16_t")]),
    "dl_info": (["dlfcn.h"], "Dl_info", [
        ("dli_fname", "const char *"), ("dli_fbase", "void *"), ("dli_sname", "const char *"),
        ("dli_saddr", "void *")]),
    "mach_timebase_info": (["mach/mach_time.h"], "struct mach_timebase_info", [
        ("numer", "uint32_t"), ("denom", "uint32_t")]),
    "pthread_mutex": (["pthread.h"], "pthread_mutex_t", [("__sig", "int64_t")]),
    "pthread_mutexattr": (["pthread.h"], "pthread_mutexattr_t", [("__sig", "int64_t")]),
    "pthread_cond": (["pthread.h"], "pthread_cond_t", [("__sig", "int64_t")]),
    "pthread_condattr": (["pthread.h"], "pthread_condattr_t", [("__sig", "int64_t")]),
    "pthread_rwlock": (["pthread.h"], "pthread_rwlock_t", [("__sig", "int64_t")]),
    "pthread_rwlockattr": (["pthread.h"], "pthread_rwlockattr_t", [("__sig", "int64_t")]),
    "pthread_attr": (["pthread.h"], "pthread_attr_t", [("__sig", "int64_t")]),
    "pthread_once": (["pthread.h"], "pthread_once_t", [("__sig", "int64_t")]),
    "jmp_buf": (["setjmp.h"], "jmp_buf", []),
    "sigjmp_buf": (["setjmp.h"], "sigjmp_buf", []),
    "fd_set": (["sys/select.h"], "fd_set", [("fds_bits", "int32_t[32]")]),
    "regex": (["regex.h"], "regex_t", [
        ("re_magic", "int32_t"), ("re_nsub", "uint64_t"), ("re_endp", "const char *"),
        ("re_g", "void *")]),
    "xsw_usage": (["sys/sysctl.h"], "struct xsw_usage", [
        ("xsu_total", "uint64_t"), ("xsu_avail", "uint64_t"), ("xsu_used", "uint64_t"),
        ("xsu_pagesize", "uint32_t"), ("xsu_encrypted", "uint32_t")]),
    "ucred": (["sys/sysctl.h"], "struct _ucred", [
        ("cr_ref", "int32_t"), ("cr_uid", "uint32_t"), ("cr_ngroups", "int16_t"),
        ("cr_groups", "uint32_t[16]")]),
    "pcred": (["sys/sysctl.h"], "struct _pcred", [
        ("pc_lock", "char[72]"), ("pc_ucred", "void *"), ("p_ruid", "uint32_t"),
        ("p_svuid", "uint32_t"), ("p_rgid", "uint32_t"), ("p_svgid", "uint32_t"),
        ("p_refcnt", "int32_t")]),
    "extern_proc": (["sys/sysctl.h"], "struct extern_proc", [
        ("p_un", "struct darwin_timeval"), ("p_vmspace", "void *"),
        ("p_sigacts", "void *"), ("p_flag", "int32_t"), ("p_stat", "char"),
        ("p_pid", "int32_t"), ("p_oppid", "int32_t"), ("p_dupfd", "int32_t"),
        ("p_nice", "char"), ("p_comm", "char[17]"), ("p_pgrp", "void *"),
        ("p_xstat", "uint16_t")]),
    "eproc": (["sys/sysctl.h"], "struct eproc", [
        ("e_paddr", "void *"), ("e_sess", "void *"), ("e_pcred", "struct darwin_pcred"),
        ("e_ucred", "struct darwin_ucred"), ("e_ppid", "int32_t"), ("e_pgid", "int32_t"),
        ("e_jobc", "int16_t"), ("e_tdev", "int32_t"), ("e_tpgid", "int32_t"),
        ("e_flag", "int32_t")]),
    "kinfo_proc": (["sys/sysctl.h"], "struct kinfo_proc", [
        ("kp_proc", "struct darwin_extern_proc"), ("kp_eproc", "struct darwin_eproc")]),
    "vm_statistics64": (["mach/mach.h"], "struct vm_statistics64", [
        ("free_count", "uint32_t"), ("active_count", "uint32_t"),
        ("inactive_count", "uint32_t"), ("wire_count", "uint32_t")]),
    "host_basic_info": (["mach/mach.h"], "struct host_basic_info", [
        ("max_cpus", "int32_t"), ("avail_cpus", "int32_t"), ("memory_size", "uint32_t"),
        ("cpu_type", "int32_t"), ("cpu_subtype", "int32_t"), ("cpu_threadtype", "int32_t"),
        ("physical_cpu", "int32_t"), ("physical_cpu_max", "int32_t"),
        ("logical_cpu", "int32_t"), ("logical_cpu_max", "int32_t"),
        ("max_mem", "uint64_t")]),
    "proc_bsdinfo": (["sys/proc_info.h"], "struct proc_bsdinfo", [
        ("pbi_flags", "uint32_t"), ("pbi_status", "uint32_t"), ("pbi_xstatus", "uint32_t"),
        ("pbi_pid", "uint32_t"), ("pbi_ppid", "uint32_t"), ("pbi_uid", "uint32_t"),
        ("pbi_gid", "uint32_t"), ("pbi_ruid", "uint32_t"), ("pbi_rgid", "uint32_t"),
        ("pbi_svuid", "uint32_t"), ("pbi_svgid", "uint32_t"), ("rfu_1", "uint32_t"),
        ("pbi_comm", "char[16]"), ("pbi_name", "char[32]"), ("pbi_nfiles", "uint32_t"),
        ("pbi_pgid", "uint32_t"), ("pbi_pjobc", "uint32_t"), ("e_tdev", "uint32_t"),
        ("e_tpgid", "uint32_t"), ("pbi_nice", "int32_t"), ("pbi_start_tvsec", "uint64_t"),
        ("pbi_start_tvusec", "uint64_t")]),
    "malloc_zone": (["malloc/malloc.h"], "malloc_zone_t", [
        ("reserved1", "void *"), ("reserved2", "void *"), ("size", "void *"), ("malloc", "void *"),
        ("calloc", "void *"), ("valloc", "void *"), ("free", "void *"), ("realloc", "void *"),
        ("destroy", "void *"), ("zone_name", "const char *"), ("batch_malloc", "void *"),
        ("batch_free", "void *"), ("introspect", "void *"), ("version", "uint32_t"),
        ("memalign", "void *"), ("free_definite_size", "void *"), ("pressure_relief", "void *"),
        ("claimed_address", "void *"), ("try_free_default", "void *")]),
    "malloc_statistics": (["malloc/malloc.h"], "malloc_statistics_t", [
        ("blocks_in_use", "uint32_t"), ("size_in_use", "uint64_t"),
        ("max_size_in_use", "uint64_t"), ("size_allocated", "uint64_t")]),
    "time_value": (["mach/mach.h"], "time_value_t", [
        ("seconds", "int32_t"), ("microseconds", "int32_t")]),
    "thread_basic_info": (["mach/mach.h"], "struct thread_basic_info", [
        ("user_time", "struct darwin_time_value"), ("system_time", "struct darwin_time_value"),
        ("cpu_usage", "int32_t"), ("policy", "int32_t"), ("run_state", "int32_t"),
        ("flags", "int32_t"), ("suspend_count", "int32_t"), ("sleep_time", "int32_t")]),
    "thread_identifier_info": (["mach/mach.h"], "struct thread_identifier_info", [
        ("thread_id", "uint64_t"), ("thread_handle", "uint64_t"),
        ("dispatch_qaddr", "uint64_t")]),
    "mach_task_basic_info": (["mach/mach.h"], "struct mach_task_basic_info", [
        ("virtual_size", "uint64_t"), ("resident_size", "uint64_t"),
        ("resident_size_max", "uint64_t"), ("user_time", "struct darwin_time_value"),
        ("system_time", "struct darwin_time_value"), ("policy", "int32_t"),
        ("suspend_count", "int32_t")]),
    "task_thread_times_info": (["mach/mach.h"], "struct task_thread_times_info", [
        ("user_time", "struct darwin_time_value"), ("system_time", "struct darwin_time_value")]),
    # #pragma pack(4) in the SDK: 64-bit fields as two 32-bit words keep our copy 4-aligned
    "task_vm_info": (["mach/mach.h"], "struct task_vm_info", [
        ("virtual_size", "uint32_t[2]"), ("region_count", "int32_t"), ("page_size", "int32_t"),
        ("resident_size", "uint32_t[2]"), ("resident_size_peak", "uint32_t[2]"),
        ("phys_footprint", "uint32_t[2]")]),
    # #pragma pack(4): the 64-bit offset as two words
    "vm_region_basic_info_64": (["mach/mach.h"], "struct vm_region_basic_info_64", [
        ("protection", "int32_t"), ("max_protection", "int32_t"), ("inheritance", "uint32_t"),
        ("shared", "uint32_t"), ("reserved", "uint32_t"), ("offset", "uint32_t[2]"),
        ("behavior", "int32_t"), ("user_wired_count", "uint16_t")]),
    "mach_timespec": (["mach/mach.h"], "mach_timespec_t", [
        ("tv_sec", "uint32_t"), ("tv_nsec", "int32_t")]),
    "mach_msg_header": (["mach/mach.h"], "mach_msg_header_t", [
        ("msgh_bits", "uint32_t"), ("msgh_size", "uint32_t"), ("msgh_remote_port", "uint32_t"),
        ("msgh_local_port", "uint32_t"), ("msgh_voucher_port", "uint32_t"),
        ("msgh_id", "int32_t")]),
    "mach_msg_port_descriptor": (["mach/mach.h"], "mach_msg_port_descriptor_t", [
        ("name", "uint32_t"), ("pad1", "uint32_t")]),
    "mach_msg_ool_descriptor": (["mach/mach.h"], "mach_msg_ool_descriptor_t", [
        ("address", "uint64_t")]),
    "mach_msg_ool_ports_descriptor": (["mach/mach.h"], "mach_msg_ool_ports_descriptor_t", [
        ("address", "uint64_t")]),
    "mach_msg_max_trailer": (["mach/mach.h"], "mach_msg_max_trailer_t", [
        ("msgh_trailer_type", "uint32_t"), ("msgh_trailer_size", "uint32_t"),
        ("msgh_seqno", "uint32_t"), ("msgh_sender", "uint32_t[2]"),
        ("msgh_audit", "uint32_t[8]"), ("msgh_context", "uint32_t[2]"),
        ("msgh_ad", "int32_t"), ("msgh_labels", "int32_t")]),
    "mach_port_options": (["mach/mach.h"], "mach_port_options_t", [
        ("flags", "uint32_t"), ("mpl", "uint32_t")]),
    "mach_port_status": (["mach/mach.h"], "mach_port_status_t", [
        ("mps_pset", "uint32_t"), ("mps_seqno", "uint32_t"), ("mps_mscount", "uint32_t"),
        ("mps_qlimit", "uint32_t"), ("mps_msgcount", "uint32_t"), ("mps_sorights", "uint32_t"),
        ("mps_srights", "uint32_t"), ("mps_pdrequest", "uint32_t"),
        ("mps_nsrequest", "uint32_t"), ("mps_flags", "uint32_t")]),
    "mig_reply_error": (["mach/mach.h"], "mig_reply_error_t", [
        ("Head", "struct darwin_mach_msg_header"), ("NDR", "uint8_t[8]"),
        ("RetCode", "int32_t")]),
    "proc_taskinfo": (["sys/proc_info.h"], "struct proc_taskinfo", [
        ("pti_virtual_size", "uint64_t"), ("pti_resident_size", "uint64_t"),
        ("pti_total_user", "uint64_t"), ("pti_total_system", "uint64_t"),
        ("pti_threads_user", "uint64_t"), ("pti_threads_system", "uint64_t"),
        ("pti_policy", "int32_t"), ("pti_faults", "int32_t"), ("pti_pageins", "int32_t"),
        ("pti_cow_faults", "int32_t"), ("pti_messages_sent", "int32_t"),
        ("pti_messages_received", "int32_t"), ("pti_syscalls_mach", "int32_t"),
        ("pti_syscalls_unix", "int32_t"), ("pti_csw", "int32_t"),
        ("pti_threadnum", "int32_t"), ("pti_numrunning", "int32_t"),
        ("pti_priority", "int32_t")]),
    "proc_taskallinfo": (["sys/proc_info.h"], "struct proc_taskallinfo", [
        ("pbsd", "struct darwin_proc_bsdinfo"), ("ptinfo", "struct darwin_proc_taskinfo")]),
}
