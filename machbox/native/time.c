/* Time: Mach absolute time (nanoseconds, timebase 1/1 as on Intel Macs) and Darwin's
 * clock ids, which are numbered differently from Linux's. */
#define _GNU_SOURCE
#include "runtime.h"
#include "translate.h"

#include <errno.h>
#include <time.h>

static inline uint64_t ns_of(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Darwin's mach_absolute_time stops while asleep (like CLOCK_MONOTONIC); the continuous
 * variant does not (CLOCK_BOOTTIME). */
MB_EXPORT uint64_t mb_mach_absolute_time(void) { return ns_of(CLOCK_MONOTONIC); }
MB_EXPORT uint64_t mb_mach_approximate_time(void) { return ns_of(CLOCK_MONOTONIC_COARSE); }
MB_EXPORT uint64_t mb_mach_continuous_time(void) { return ns_of(CLOCK_BOOTTIME); }
MB_EXPORT uint64_t mb_mach_continuous_approximate_time(void) { return ns_of(CLOCK_BOOTTIME); }

MB_EXPORT int mb_mach_timebase_info(struct darwin_mach_timebase_info *tb)
{
    tb->numer = 1;
    tb->denom = 1;
    return 0; /* KERN_SUCCESS */
}

static int clock_to_linux(int c)
{
    return c >= 0 && c <= MB_CLOCK_DARWIN_MAX ? mb_clock_darwin_to_linux[c] : -1;
}

MB_EXPORT int mb_clock_gettime(int c, struct timespec *ts)
{
    int l = clock_to_linux(c);
    return l < 0 ? (int)mb_fail(DARWIN_EINVAL) : clock_gettime(l, ts);
}

/* Darwin's libc answers from constants rather than asking the kernel: a microsecond for
 * the clocks it reads through gettimeofday-like paths, one mach tick (1 ns on x86_64,
 * where the timebase is 1/1) for the mach_absolute_time based ones. */
MB_EXPORT int mb_clock_getres(int c, struct timespec *ts)
{
    if (clock_to_linux(c) < 0)
        return (int)mb_fail(DARWIN_EINVAL);
    int tick = c == DARWIN_CLOCK_MONOTONIC_RAW || c == DARWIN_CLOCK_MONOTONIC_RAW_APPROX ||
               c == DARWIN_CLOCK_UPTIME_RAW || c == DARWIN_CLOCK_UPTIME_RAW_APPROX;
    if (ts) {
        ts->tv_sec = 0;
        ts->tv_nsec = tick ? 1 : 1000;
    }
    return 0;
}

MB_EXPORT int mb_clock_settime(int c, const struct timespec *ts)
{
    int l = clock_to_linux(c);
    return l < 0 ? (int)mb_fail(DARWIN_EINVAL) : clock_settime(l, ts);
}

MB_EXPORT uint64_t mb_clock_gettime_nsec_np(int c)
{
    int l = clock_to_linux(c);
    if (l < 0) {
        mb_set_darwin_errno(DARWIN_EINVAL);
        return 0;
    }
    return ns_of(l);
}
