// gmtime/localtime with zones, mktime/timegm, strftime, clocks, nanosleep, difftime
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>

static void show(const char *zone, time_t t) {
    setenv("TZ", zone, 1);
    tzset();
    struct tm tm;
    localtime_r(&t, &tm);
    char buf[128];
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %Z %z wday=%w yday=%j", &tm);
    printf("%-20s %s isdst=%d gmtoff=%ld\n", zone, buf, tm.tm_isdst, tm.tm_gmtoff);
}

int main(void) {
    time_t t = 1700000000;
    struct tm g;
    gmtime_r(&t, &g);
    char buf[256];
    strftime(buf, sizeof buf, "%a %A %b %B %c|%d %e %H %I %j %m %M %p %S %u %U %V %w %W %x %X %y %Y %%", &g);
    printf("%s\n", buf);
    printf("asctime: %s", asctime(&g));
    printf("timegm roundtrip: %d\n", timegm(&g) == t);
    show("UTC", t);
    show("America/New_York", t);
    show("Europe/Berlin", 1690000000);
    show("Asia/Kolkata", t);
    setenv("TZ", "UTC", 1);
    tzset();
    struct tm m = {0};
    m.tm_year = 124; m.tm_mon = 1; m.tm_mday = 29; m.tm_hour = 12;
    m.tm_isdst = -1;
    printf("mktime=%ld wday=%d yday=%d\n", (long)mktime(&m), m.tm_wday, m.tm_yday);
    m.tm_mday = 31; m.tm_mon = 3;
    mktime(&m);
    printf("normalized: %d-%02d-%02d\n", m.tm_year + 1900, m.tm_mon + 1, m.tm_mday);
    printf("difftime=%.1f\n", difftime(t + 90, t));
    struct timespec a, b, r;
    clock_gettime(CLOCK_MONOTONIC, &a);
    struct timespec nap = {0, 20000000};
    nanosleep(&nap, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    printf("slept >= 20ms: %d, < 2s: %d\n", ms >= 20, ms < 2000);
    clock_gettime(CLOCK_REALTIME, &r);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    printf("realtime after 2023: %d, agrees with gettimeofday: %d\n", r.tv_sec > 1700000000,
           labs((long)(tv.tv_sec - r.tv_sec)) <= 1);
    printf("time() sane: %d\n", time(NULL) > 1700000000);
    clock_getres(CLOCK_MONOTONIC, &r);
    printf("monotonic resolution <= 1ms: %d\n", r.tv_sec == 0 && r.tv_nsec <= 1000000);
    clock_t c0 = clock();
    volatile double x = 0;
    for (int i = 0; i < 2000000; i++) x += i;
    printf("clock advances: %d\n", clock() >= c0);
    return 0;
}
