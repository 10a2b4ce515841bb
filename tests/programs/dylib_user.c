// a program linked against its own shared library (@rpath), plus dlopen/dlsym of it
// dylib: lib/helper.c
// flags: -ldl
#define _GNU_SOURCE
#include <stdio.h>
#include <dlfcn.h>

extern int helper_counter;
const char *helper_name(void);
int helper_add(int, int);

int main(void) {
    printf("%s: %d counter=%d\n", helper_name(), helper_add(2, 3), helper_counter);
#ifdef __APPLE__
    const char *lib = "@executable_path/libhelper.dylib";
#else
    const char *lib = "libhelper.so";
#endif
    void *h = dlopen(lib, RTLD_NOW);
    printf("dlopen ok=%d\n", h != NULL);
    if (!h) { printf("%s\n", dlerror()); return 1; }
    int (*add)(int, int) = (int (*)(int, int))dlsym(h, "helper_add");
    int *counter = (int *)dlsym(h, "helper_counter");
    printf("dlsym add=%d counter=%d shared=%d\n", add ? add(40, 2) : -1, counter ? *counter : -1, counter == &helper_counter);
    printf("missing symbol null=%d error set=%d\n", dlsym(h, "no_such_symbol") == NULL, dlerror() != NULL);
    Dl_info info;
    int ok = dladdr((void *)helper_add, &info);
    printf("dladdr=%d sname=%s\n", ok != 0, ok && info.dli_sname ? info.dli_sname : "?");
    printf("dlopen missing null=%d\n", dlopen("/nonexistent/libnothing.so", RTLD_NOW) == NULL);
    return 0;
}
