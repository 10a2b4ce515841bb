// printf-family conversions, widths, precisions, flags; snprintf truncation; %n
#include <stdio.h>
#include <stdint.h>
#include <stddef.h>
#include <inttypes.h>
#include <string.h>
#include <limits.h>

int main(void) {
    int n = 0;
    printf("[%d] [%i] [%u] [%x] [%X] [%o] [%c] [%s] [%%]\n", -42, 42, 42u, 255, 255, 8, 'A', "str");
    printf("[%5d] [%-5d] [%05d] [%+d] [% d] [%.3d] [%*d] [%-*d]\n", 42, 42, 42, 42, 42, 7, 6, 42, 6, 42);
    printf("[%ld] [%lld] [%lu] [%llx] [%hd] [%hhd] [%zu] [%td] [%jd]\n", LONG_MIN, LLONG_MAX,
           ULONG_MAX, 0xdeadbeefcafeULL, (short)-1234, (signed char)-12, sizeof(int), (ptrdiff_t)-3, (intmax_t)INT64_MIN);
    printf("[%" PRId64 "] [%" PRIu32 "] [%" PRIx16 "]\n", (int64_t)-9000000000LL, (uint32_t)4000000000u, (uint16_t)0xbeef);
    printf("[%f] [%.2f] [%10.4f] [%-10.1f] [%e] [%E] [%.3e] [%g] [%G] [%g] [%g]\n", 3.14159265358979,
           2.5, -1.0/3, 1e10, 123456.789, 0.000123, 6.02214076e23, 0.0001, 1e-10, 100000.0, 1e6);
    printf("[%a] [%A] [%.2a]\n", 1.0, -0.5, 3.0);
    printf("[%f] [%f] [%f] [%e]\n", 1.0/0.0, -1.0/0.0, 0.0/0.0 * 0, -0.0);
    printf("[%s] [%.2s] [%10s] [%-10s] [%c%c]\n", "hello", "hello", "right", "left", 'o', 'k');
    printf("[%#x] [%#o] [%#g] [%#.0f]\n", 255, 8, 1.0, 2.0);
    printf("abc%ndef\n", &n);
    printf("n=%d\n", n);
    char buf[8];
    int r = snprintf(buf, sizeof buf, "%s-%d", "truncated", 12345);
    printf("snprintf=%d buf=[%s]\n", r, buf);
    r = snprintf(NULL, 0, "%d %s", 123, "abc");
    printf("measure=%d\n", r);
    char big[64];
    sprintf(big, "%08.3f|%x|%s", 3.5, 48879, "end");
    puts(big);
    fprintf(stdout, "%s %d\n", "fprintf", 7);
    fprintf(stderr, "to stderr %d\n", 1);
    putchar('!');
    putchar('\n');
    fputs("fputs line\n", stdout);
    return 0;
}
