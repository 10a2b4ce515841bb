// sscanf and fscanf conversions
#include <stdio.h>

int main(void) {
    int a, b, n;
    unsigned u;
    double d;
    char s[32], c;
    long l;
    int r = sscanf("12 -7 3.5e2 word x 0x1f 99999999", "%d %d %lf %31s %c %x %ld", &a, &b, &d, s, &c, &u, &l);
    printf("r=%d a=%d b=%d d=%g s=%s c=%c u=%u l=%ld\n", r, a, b, d, s, c, u, l);
    r = sscanf("key=value;rest", "%31[^=]=%n", s, &n);
    printf("r=%d key=%s consumed=%d\n", r, s, n);
    r = sscanf("abc", "%d", &a);
    printf("mismatch r=%d\n", r);
    r = sscanf("", "%d", &a);
    printf("empty r=%d\n", r);
    FILE *f = fopen("nums.txt", "w");
    fprintf(f, "1 2 3\n4.5 six\n");
    fclose(f);
    f = fopen("nums.txt", "r");
    int x, y, z;
    char w[8];
    r = fscanf(f, "%d %d %d %lf %7s", &x, &y, &z, &d, w);
    printf("fscanf r=%d %d %d %d %.1f %s\n", r, x, y, z, d, w);
    fclose(f);
    return 0;
}
