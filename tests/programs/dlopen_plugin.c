// a program that dlopens a library it is not linked against, by a path next to itself, and
// calls into it (tests/test_debug.py breaks in the plugin: an image loaded after attach)
// plugin: lib/plugin.c
// flags: -ldl
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef __APPLE__
#define PLUGIN "@executable_path/libplugin.dylib"
#else
#define PLUGIN "libplugin.so"
#endif

static const char *plugin_path(char *buf, size_t size) {
#ifdef __APPLE__
    (void)buf; (void)size;
    return PLUGIN;
#else  // glibc has no @executable_path: the directory of /proc/self/exe
    ssize_t n = readlink("/proc/self/exe", buf, size - 32);
    if (n < 0) return PLUGIN;
    buf[n] = 0;
    char *slash = strrchr(buf, '/');
    strcpy(slash ? slash + 1 : buf, PLUGIN);
    return buf;
#endif
}

int main(void) {
    char buf[4096];
    void *h = dlopen(plugin_path(buf, sizeof buf), RTLD_NOW);
    if (!h) { printf("dlopen failed: %s\n", dlerror()); return 1; }
    int (*run)(const char *) = (int (*)(const char *))dlsym(h, "plugin_run");
    if (!run) { printf("no plugin_run\n"); return 1; }
    int calls = run("main");
    printf("plugin calls: %d\n", calls);
    return calls == 1 ? 0 : 3;
}
