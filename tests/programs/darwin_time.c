// darwin-only
// Darwin's clocks: mach_absolute_time with mach_timebase_info, mach_continuous_time,
// mach_approximate_time, clock_gettime and clock_gettime_nsec_np for every Darwin clock id,
// clock_getres, an invalid clock id, and that the clocks advance across a nanosleep
#include <errno.h>
#include <mach/mach_time.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static const struct { const char *name; clockid_t id; } clocks[] = {
    {"CLOCK_REALTIME", CLOCK_REALTIME},
    {"CLOCK_MONOTONIC", CLOCK_MONOTONIC},
    {"CLOCK_MONOTONIC_RAW", CLOCK_MONOTONIC_RAW},
    {"CLOCK_MONOTONIC_RAW_APPROX", CLOCK_MONOTONIC_RAW_APPROX},
    {"CLOCK_UPTIME_RAW", CLOCK_UPTIME_RAW},
    {"CLOCK_UPTIME_RAW_APPROX", CLOCK_UPTIME_RAW_APPROX},
    {"CLOCK_PROCESS_CPUTIME_ID", CLOCK_PROCESS_CPUTIME_ID},
    {"CLOCK_THREAD_CPUTIME_ID", CLOCK_THREAD_CPUTIME_ID},
};

int main(void) {
    printf("ids: %d %d %d %d %d %d %d %d\n", CLOCK_REALTIME, CLOCK_MONOTONIC,
           CLOCK_MONOTONIC_RAW, CLOCK_MONOTONIC_RAW_APPROX, CLOCK_UPTIME_RAW,
           CLOCK_UPTIME_RAW_APPROX, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID);
    mach_timebase_info_data_t tb;
    kern_return_t kr = mach_timebase_info(&tb);
    printf("timebase: kr=%d numer>0=%d denom>0=%d\n", kr, tb.numer > 0, tb.denom > 0);

    uint64_t before_abs = mach_absolute_time(), before_cont = mach_continuous_time();
    uint64_t before[8];
    for (int i = 0; i < 8; i++) before[i] = clock_gettime_nsec_np(clocks[i].id);
    volatile unsigned long spin = 0;
    for (unsigned long i = 0; i < 20000000UL; i++) spin += i;  // CPU time passes too
    struct timespec pause = {0, 30 * 1000 * 1000};
    nanosleep(&pause, NULL);
    uint64_t abs_ns = (mach_absolute_time() - before_abs) * tb.numer / tb.denom;
    uint64_t cont_ns = (mach_continuous_time() - before_cont) * tb.numer / tb.denom;
    printf("mach_absolute_time advanced >=30ms=%d, continuous=%d, approximate>0=%d\n",
           abs_ns >= 30000000, cont_ns >= 30000000, mach_approximate_time() > 0);
    for (int i = 0; i < 8; i++) {
        struct timespec ts, res;
        int r = clock_gettime(clocks[i].id, &ts);
        int rr = clock_getres(clocks[i].id, &res);
        uint64_t now = clock_gettime_nsec_np(clocks[i].id);
        int wall = i < 6;
        printf("%s: gettime=%d getres=%d res=%ld.%09ld advanced=%d%s\n", clocks[i].name, r,
               rr, (long)res.tv_sec, res.tv_nsec,
               now > before[i] && (!wall || now - before[i] >= 30000000),
               wall ? " by >=30ms" : "");
    }
    struct timespec ts;
    errno = 0;
    int r = clock_gettime((clockid_t)99, &ts);
    printf("bad clock: %d errno=%d (EINVAL=%d) nsec_np=%llu\n", r, errno, EINVAL,
           (unsigned long long)clock_gettime_nsec_np((clockid_t)99));
    return 0;
}
