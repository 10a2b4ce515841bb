// atexit handlers run in reverse order, stdio flushed at exit, exit status
#include <stdio.h>
#include <stdlib.h>

static void first(void) { printf("first registered, runs last\n"); }
static void second(void) { printf("second registered\n"); }
static void third(void) { printf("third registered, runs first\n"); }

int main(void) {
    atexit(first);
    atexit(second);
    atexit(third);
    printf("main is done (buffered)");
    exit(7);
}
