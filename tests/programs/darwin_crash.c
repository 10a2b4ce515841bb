// darwin-only
// status: -11
// A program that dies of a bad access three calls deep (tests/test_crash_report.py reads the
// report machbox writes; with an argument it aborts instead).
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static void crash_here(volatile int *p) { *p = 1; }

__attribute__((noinline)) void level_two(volatile int *p)
{
    crash_here(p);
    printf("not reached\n");
}

int main(int argc, char **argv)
{
    (void)argv;
    printf("about to crash\n");
    fflush(stdout);
    if (argc > 1)
        abort();
    level_two((volatile int *)0x10);
    return 0;
}
