// darwin-only
// The commpage at 0x7fffffe00000 (XNU osfmk/i386/cpu_capabilities.h): its signature and
// version, CPU counts that agree with sysconf, the page shift, capabilities every x86_64 Mac
// has (64-bit, SSE2) with the CPU count in kNumCPUs, and nanotime() from its time data
// agreeing with mach_absolute_time (timebase 1/1 on Intel Macs), and still agreeing closely
// seconds later: the time data is kept current (a new generation).
#include <mach/mach_time.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define COMMPAGE 0x00007fffffe00000ULL
#define AT(type, offset) (*(volatile type *)(uintptr_t)(COMMPAGE + (offset)))

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static uint64_t nanotime(void)
{
    uint32_t generation;
    uint64_t ns;
    do {
        generation = AT(uint32_t, 0x68);
        uint64_t delta = rdtsc() - AT(uint64_t, 0x50);
        ns = AT(uint64_t, 0x60) + (uint64_t)(((unsigned __int128)delta * AT(uint32_t, 0x58)) >> 32);
    } while (generation == 0 || generation != AT(uint32_t, 0x68));
    return ns;
}

int main(void)
{
    char signature[17] = {0};
    memcpy(signature, (const void *)(uintptr_t)COMMPAGE, 16);
    printf("signature: %s\n", signature);
    printf("version >= 14: %d\n", AT(uint16_t, 0x1e) >= 14);
    long ncpus = sysconf(_SC_NPROCESSORS_CONF);
    printf("ncpus matches sysconf: %d\n", AT(uint8_t, 0x22) == ncpus);
    printf("active cpus matches sysconf: %d\n",
           AT(uint8_t, 0x34) == sysconf(_SC_NPROCESSORS_ONLN));
    printf("user page shift: %d (page size %d)\n", AT(uint8_t, 0x4e), getpagesize());
    uint64_t caps = AT(uint64_t, 0x10);
    printf("64-bit: %d, sse2: %d\n", (caps & 0x200) != 0, (caps & 0x4) != 0);
    printf("kNumCPUs matches: %d\n", (int)((caps & 0x00ff0000) >> 16) == ncpus);
    printf("32-bit capabilities mirror: %d\n", AT(uint32_t, 0x20) == (uint32_t)caps);
    uint64_t a = mach_absolute_time(), n = nanotime(), b = mach_absolute_time();
    uint64_t slack = 5000000;  /* 5 ms either way */
    printf("nanotime agrees with mach_absolute_time: %d\n", n + slack >= a && n <= b + slack);
    uint32_t generation = AT(uint32_t, 0x68);
    sleep(2);
    a = mach_absolute_time(), n = nanotime(), b = mach_absolute_time();
    slack = 1000000;  /* 1 ms: a re-base under load may sit a little off */
    printf("later, a new generation %d agreeing closely %d\n", AT(uint32_t, 0x68) != generation,
           n + slack >= a && n <= b + slack);
    return 0;
}
