// setlocale and friends, localeconv, multibyte conversion, newlocale/uselocale, *_l
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <locale.h>
#include <wchar.h>
#include <ctype.h>
#include <langinfo.h>
#ifdef __APPLE__
#include <xlocale.h>
#endif

int main(void) {
    printf("initial=%s\n", setlocale(LC_ALL, NULL));
    printf("set C=%s\n", setlocale(LC_ALL, "C"));
    struct lconv *lc = localeconv();
    printf("decimal=[%s] thousands=[%s] grouping len=%zu\n", lc->decimal_point, lc->thousands_sep, strlen(lc->grouping));
    printf("MB_CUR_MAX in C=%d\n", (int)MB_CUR_MAX);
    const char *utf8 = setlocale(LC_CTYPE, "C.UTF-8");
    if (!utf8) utf8 = setlocale(LC_CTYPE, "en_US.UTF-8");
    printf("utf-8 locale available: %d\n", utf8 != NULL);
    if (utf8) {
        const char *s = "h\xc3\xa9llo \xe2\x82\xac";
        mbstate_t st;
        memset(&st, 0, sizeof st);
        wchar_t wc;
        const char *p = s;
        printf("codepoints:");
        size_t n;
        while ((n = mbrtowc(&wc, p, strlen(p), &st)) > 0 && n < (size_t)-2) {
            printf(" U+%04X", (unsigned)wc);
            p += n;
        }
        printf("\n");
        wchar_t w[16];
        size_t cnt = mbstowcs(w, s, 16);
        char back[32];
        size_t bn = wcstombs(back, w, sizeof back);
        printf("mbstowcs=%zu wcstombs=%zu same=%d\n", cnt, bn, strcmp(back, s) == 0);
        char mb[8];
        memset(&st, 0, sizeof st);
        printf("wcrtomb(0x20AC)=%zu\n", wcrtomb(mb, 0x20AC, &st));
    }
    setlocale(LC_ALL, "C");
    locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    locale_t old = uselocale(c);
    printf("strtod_l=%g isalpha_l=%d toupper_l=%c\n", strtod_l("2.5", NULL, c), !!isalpha_l('q', c), toupper_l('m', c));
    printf("strcoll=%d\n", strcoll("apple", "banana") < 0);
    uselocale(old);
    freelocale(c);
    printf("nl_langinfo(D_FMT)=%s\n", nl_langinfo(D_FMT));
    return 0;
}
