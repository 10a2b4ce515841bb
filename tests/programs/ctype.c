// <ctype.h> over 0..255 in the C locale (inline on macOS: reads _DefaultRuneLocale)
#include <stdio.h>
#include <ctype.h>
#include <wctype.h>

int main(void) {
    unsigned long sums[12] = {0};
    for (int c = 0; c < 256; c++) {
        int bits = (!!isalpha(c)) | (!!isdigit(c)) << 1 | (!!isalnum(c)) << 2 | (!!isspace(c)) << 3 |
                   (!!isupper(c)) << 4 | (!!islower(c)) << 5 | (!!ispunct(c)) << 6 | (!!isprint(c)) << 7 |
                   (!!isgraph(c)) << 8 | (!!iscntrl(c)) << 9 | (!!isxdigit(c)) << 10 | (!!isblank(c)) << 11;
        for (int b = 0; b < 12; b++) if (bits & (1 << b)) sums[b] += (unsigned long)c * (b + 1);
        if (c < 128 && c % 16 == 0) printf("%3d:%03x ", c, bits);
    }
    printf("\n");
    for (int b = 0; b < 12; b++) printf("%lu ", sums[b]);
    printf("\n");
    printf("toupper: %c%c%c tolower: %c%c%c\n", toupper('a'), toupper('Z'), toupper('5'), tolower('A'), tolower('z'), tolower('#'));
    printf("toupper(200)=%d tolower(EOF)=%d\n", toupper(200), tolower(EOF));
    printf("iswalpha(L'x')=%d iswdigit(L'7')=%d towupper(L'q')=%lc\n", !!iswalpha(L'x'), !!iswdigit(L'7'), (wint_t)towupper(L'q'));
    return 0;
}
