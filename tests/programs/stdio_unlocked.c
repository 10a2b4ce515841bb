// getc_unlocked/putc_unlocked/getchar/putchar (inline macros on macOS touching FILE
// fields), feof_unlocked, fileno_unlocked, reading stdin to the end
// stdin: alpha beta\ngamma\n\ndelta
#include <stdio.h>
#include <ctype.h>

int main(void) {
    int c, chars = 0, lines = 0, words = 0, inword = 0;
    flockfile(stdin);
    while ((c = getc_unlocked(stdin)) != EOF) {
        chars++;
        if (c == '\n') lines++;
        if (isspace(c)) inword = 0;
        else if (!inword) { inword = 1; words++; }
        putc_unlocked(toupper(c), stdout);
    }
    funlockfile(stdin);
    putchar('\n');
    printf("chars=%d lines=%d words=%d eof=%d\n", chars, lines, words, feof(stdin) != 0);
    printf("fileno(stdout)=%d fileno(stderr)=%d\n", fileno(stdout), fileno(stderr));
    for (int i = 0; i < 3; i++) putchar_unlocked('a' + i);
    putchar_unlocked('\n');
    return 0;
}
