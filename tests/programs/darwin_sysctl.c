// darwin-only
// sysctl and sysctlbyname as a Mac answers them (values that do not depend on the machine)
#include <stdio.h>
#include <string.h>
#include <sys/sysctl.h>
#include <sys/types.h>

int main(void) {
    char buf[256];
    size_t len = sizeof buf;
    sysctlbyname("kern.ostype", buf, &len, NULL, 0);
    printf("kern.ostype=%s len=%zu\n", buf, len);
    int mib[2] = {CTL_KERN, KERN_OSTYPE};
    len = sizeof buf;
    sysctl(mib, 2, buf, &len, NULL, 0);
    printf("mib kern.ostype=%s\n", buf);
    int ncpu = 0;
    len = sizeof ncpu;
    sysctlbyname("hw.ncpu", &ncpu, &len, NULL, 0);
    printf("hw.ncpu>0=%d len=%zu\n", ncpu > 0, len);
    long long mem = 0;
    len = sizeof mem;
    sysctlbyname("hw.memsize", &mem, &len, NULL, 0);
    printf("hw.memsize>1MB=%d len=%zu\n", mem > (1 << 20), len);
    int page = 0;
    mib[0] = CTL_HW; mib[1] = HW_PAGESIZE;
    len = sizeof page;
    int r = sysctl(mib, 2, &page, &len, NULL, 0);
    printf("hw.pagesize into an int: r=%d page=%d\n", r, page);
    len = 0;
    sysctlbyname("kern.osrelease", NULL, &len, NULL, 0);
    printf("osrelease size query ok=%d\n", len > 2);
    int mib2[4];
    size_t n = 4;
    printf("nametomib=%d n=%zu first=%d\n", sysctlnametomib("hw.ncpu", mib2, &n), n, mib2[0]);
    printf("unknown=%d\n", sysctlbyname("no.such.name", buf, &len, NULL, 0));
    char machine[32];
    len = sizeof machine;
    sysctlbyname("hw.machine", machine, &len, NULL, 0);
    printf("hw.machine=%s\n", machine);
    int translated = -1;
    len = sizeof translated;
    sysctlbyname("sysctl.proc_translated", &translated, &len, NULL, 0);
    printf("proc_translated=%d\n", translated);
    return 0;
}
