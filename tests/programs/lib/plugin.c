// the plugin dlopen_plugin.c opens at run time (not linked): its functions exist for the
// program and for a debugger only after the dlopen
#include <stdio.h>

static int calls;

int plugin_twice(int x) { calls++; return 2 * x; }

int plugin_run(const char *who) {
    printf("plugin run by %s: %d\n", who, plugin_twice(21));
    return calls;
}
