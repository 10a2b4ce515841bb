// argv, getenv/setenv/unsetenv/putenv, environ
// args: first "second arg" 3
// env: MB_TEST_VAR=from-test
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
    printf("argv[argc]==NULL: %d\n", argv[argc] == NULL);
    printf("MB_TEST_VAR=%s\n", getenv("MB_TEST_VAR"));
    printf("missing=%s\n", getenv("MB_NOT_SET") ? "set" : "(null)");
    setenv("MB_A", "1", 0);
    setenv("MB_A", "2", 0);
    printf("MB_A=%s\n", getenv("MB_A"));
    setenv("MB_A", "3", 1);
    printf("MB_A=%s\n", getenv("MB_A"));
    static char put[] = "MB_B=put";
    putenv(put);
    printf("MB_B=%s\n", getenv("MB_B"));
    unsetenv("MB_A");
    printf("MB_A after unset=%s\n", getenv("MB_A") ? "set" : "(null)");
    int ours = 0;
    for (char **e = environ; *e; e++)
        if (!strncmp(*e, "MB_", 3)) { ours++; printf("environ has %s\n", *e); }
    printf("ours=%d\n", ours);
    return 0;
}
