// A program that dies: of a bad access three calls deep (no argument), abort ("abort"), a
// division by zero ("divide") or an uncaught C++ exception ("throw"). The Linux build is
// the oracle for its output and the signal; tests/test_crash_report.py reads the report
// machbox writes for each way.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

extern "C" {
__attribute__((noinline)) static void crash_here(volatile int *p) { *p = 1; }

__attribute__((noinline)) void level_two(volatile int *p)
{
    crash_here(p);
    std::printf("not reached\n");
}

__attribute__((noinline)) int divide(int a, volatile int *b) { return a / *b; }
}

__attribute__((noinline)) void thrower(const char *what) { throw std::runtime_error(what); }

int main(int argc, char **argv)
{
    std::printf("about to crash\n");
    std::fflush(stdout);
    const char *how = argc > 1 ? argv[1] : "";
    if (!std::strcmp(how, "abort"))
        std::abort();
    if (!std::strcmp(how, "divide")) {
        volatile int zero = 0;
        std::printf("%d\n", divide(7, &zero));
    }
    if (!std::strcmp(how, "throw"))
        thrower("nobody catches this");
    level_two((volatile int *)0x10);
    return 0;
}
