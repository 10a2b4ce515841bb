// An installer script (preinstall/postinstall) as a Mach-O program: prints its arguments
// and the variables Apple's installer gives scripts, leaves a file named after SCRIPT_NAME in
// its second argument (the install location) and exits with $INSTALL_SCRIPT_EXIT (default 0).
// Run with no argument and none of the variables, it is differential like any program;
// tests/test_pkg.py installs it in a package and checks what it saw.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void show(const char *name)
{
    const char *v = getenv(name);
    printf("%s=%s\n", name, v ? v : "(unset)");
}

int main(int argc, char **argv)
{
    printf("argc=%d\n", argc - 1);
    for (int i = 1; i < argc; i++)
        printf("$%d=%s\n", i, argv[i]);
    show("SCRIPT_NAME");
    show("PACKAGE_PATH");
    show("COMMAND_LINE_INSTALL");
    const char *temp = getenv("INSTALLER_TEMP");
    printf("INSTALLER_TEMP is %s\n", temp ? "set" : "unset");
    const char *phase = getenv("SCRIPT_NAME");
    if (argc > 2 && phase) {
        char path[4096];
        snprintf(path, sizeof path, "%s/ran-%s", argv[2], phase);
        FILE *f = fopen(path, "w");
        if (!f) {
            perror(path);
            return 2;
        }
        fprintf(f, "%s\n", argv[1]);
        fclose(f);
    }
    const char *status = getenv("INSTALL_SCRIPT_EXIT");
    return status ? atoi(status) : 0;
}
