// 128-bit integer arithmetic (compiler-rt's __udivti3/__umodti3/__divti3) and float printing
#include <stdio.h>
#include <stdint.h>

static void print_u128(unsigned __int128 v) {
    char buf[64];
    int i = 63;
    buf[i] = 0;
    do { buf[--i] = '0' + (int)(v % 10); v /= 10; } while (v);
    printf("%s\n", buf + i);
}

int main(void) {
    unsigned __int128 a = (unsigned __int128)0xFFFFFFFFFFFFFFFFULL * 0xFFFFFFFFFFFFFFFFULL;
    print_u128(a);
    print_u128(a / 1000000007);
    print_u128(a % 1000000007);
    __int128 s = -((__int128)1 << 100) / 12345;
    printf("%lld %llu\n", (long long)(s >> 64), (unsigned long long)s);
    unsigned __int128 f = 1;
    for (int i = 1; i <= 30; i++) f *= i;
    print_u128(f);
    double d = (double)f;
    printf("%.17g %a\n", d, d);
    volatile float fl = 16777217.0f;
    printf("%.1f %.9g\n", fl, 0.1f);
    return 0;
}
