"""Time: Mach absolute time and Darwin clock ids (native/time.c); struct tm, timeval and
timespec have the same layouts on both systems, so the rest is direct."""

EMULATED = {"_mach_absolute_time", "_mach_approximate_time", "_mach_continuous_time",
            "_mach_continuous_approximate_time", "_mach_timebase_info",
            "_clock_gettime_nsec_np"}

EXPORTS = {
    "libSystem": {
        **{f"_{n}": f"mb_{n}" for n in (
            "mach_absolute_time", "mach_approximate_time", "mach_continuous_time",
            "mach_continuous_approximate_time", "mach_timebase_info", "clock_gettime",
            "clock_getres", "clock_settime", "clock_gettime_nsec_np",
        )},
        **{f"_{n}": "=" for n in (
            "time", "gettimeofday", "settimeofday", "nanosleep", "localtime", "localtime_r",
            "gmtime", "gmtime_r", "mktime", "timegm", "timelocal", "asctime", "asctime_r",
            "ctime", "ctime_r", "difftime", "strftime", "strptime", "tzset", "clock",
            "getitimer", "setitimer", "times", "adjtime", "wcsftime",
        )},
        "_tzname": "=tzname",
        "_daylight": "=daylight",
    },
}
