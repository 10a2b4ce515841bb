// a status from main's return value, and _exit skipping atexit and stdio buffers
// args: 42
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void never(void) { puts("atexit handler must not run after _exit"); }

int main(int argc, char **argv) {
    atexit(never);
    puts("flushed before _exit");
    fflush(stdout);
    printf("this stays in the buffer");
    _exit(argc > 1 ? atoi(argv[1]) : 1);
}
