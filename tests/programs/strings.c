// string.h and strings.h, conversions with errno, strsep, memmem, strlcpy/strlcat
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <stdlib.h>
#include <errno.h>
#include <limits.h>

#ifndef __APPLE__
#if !defined(__GLIBC__) || __GLIBC__ < 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ < 38)
static size_t strlcpy(char *d, const char *s, size_t n) {
    size_t l = strlen(s);
    if (n) { size_t k = l < n - 1 ? l : n - 1; memcpy(d, s, k); d[k] = 0; }
    return l;
}
static size_t strlcat(char *d, const char *s, size_t n) {
    size_t dl = strnlen(d, n);
    if (dl == n) return n + strlen(s);
    return dl + strlcpy(d + dl, s, n - dl);
}
#endif
#endif

int main(void) {
    char buf[64] = "hello";
    strcat(buf, ", world");
    printf("%s len=%zu\n", buf, strlen(buf));
    printf("strchr=%s strrchr=%s strstr=%s\n", strchr(buf, 'o'), strrchr(buf, 'o'), strstr(buf, "wor"));
    printf("strcmp=%d %d %d strncmp=%d\n", strcmp("a", "b") < 0, strcmp("b", "a") > 0, strcmp("x", "x"), strncmp("abcd", "abcz", 3));
    printf("strcasecmp=%d strncasecmp=%d\n", strcasecmp("HeLLo", "hello"), strncasecmp("ABCx", "abcy", 3));
    printf("strspn=%zu strcspn=%zu strpbrk=%s\n", strspn("aabbcx", "ab"), strcspn("hello", "lo"), strpbrk("hello", "ol"));
    char *dup = strdup("duplicate"), *ndup = strndup("truncated", 5);
    printf("%s %s\n", dup, ndup);
    free(dup); free(ndup);
    char toks[] = "a,b,,c", *p = toks, *t;
    while ((t = strsep(&p, ",")) != NULL) printf("[%s]", t);
    printf("\n");
    char tok2[] = "one two  three", *save;
    for (t = strtok_r(tok2, " ", &save); t; t = strtok_r(NULL, " ", &save)) printf("<%s>", t);
    printf("\n");
    const char hay[] = "find the needle in the haystack";
    printf("memmem=%s\n", (char *)memmem(hay, sizeof hay, "needle", 6));
    printf("memchr=%s memcmp=%d\n", (char *)memchr(hay, 'h', sizeof hay), memcmp("abc", "abd", 3) < 0);
    char small[8];
    size_t r = strlcpy(small, "overflowing", sizeof small);
    printf("strlcpy=%zu [%s]\n", r, small);
    r = strlcat(small, "++", sizeof small);
    printf("strlcat=%zu [%s]\n", r, small);
    char *end;
    errno = 0;
    long v = strtol("  -12345xyz", &end, 10);
    printf("strtol=%ld rest=%s errno=%d\n", v, end, errno);
    errno = 0;
    v = strtol("99999999999999999999", NULL, 10);
    printf("overflow=%d erange=%d\n", v == LONG_MAX, errno == ERANGE);
    errno = 0;
    unsigned long uv = strtoul("ff", NULL, 16);
    printf("strtoul=%lu base0=%ld %ld %ld\n", uv, strtol("0x1A", NULL, 0), strtol("017", NULL, 0), strtol("42", NULL, 0));
    double d = strtod("3.25e-2tail", &end);
    printf("strtod=%g rest=%s\n", d, end);
    errno = 0;
    d = strtod("1e400", NULL);
    printf("huge=%g erange=%d\n", d, errno == ERANGE);
    printf("atoi=%d atol=%ld atof=%g\n", atoi("77"), atol("-88"), atof("1.5"));
    memset(buf, 'x', 5); buf[5] = 0;
    printf("memset=%s\n", buf);
    memmove(buf + 1, buf, 3);
    bzero(buf + 4, 2);
    printf("memmove=%s ffs=%d\n", buf, ffs(0x40));
    char *e = strerror(ENOENT);
    printf("strerror(ENOENT)=%s\n", e);
    return 0;
}
