// darwin-only
// dyld's view of the process: executable path, image list, crt accessors, mach time
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <mach-o/dyld.h>
#include <mach-o/loader.h>
#include <mach/mach_time.h>
#include <crt_externs.h>

int main(int argc, char **argv) {
    char path[4096];
    uint32_t size = sizeof path;
    int r = _NSGetExecutablePath(path, &size);
    const char *base = strrchr(path, '/');
    printf("executable_path r=%d absolute=%d name=%s\n", r, path[0] == '/', base ? base + 1 : path);
    uint32_t tiny = 4;
    printf("too small r=%d needs more=%d\n", _NSGetExecutablePath(path, &tiny), tiny > 4);
    printf("images>=1: %d\n", _dyld_image_count() >= 1);
    const struct mach_header *mh = _dyld_get_image_header(0);
    printf("image 0 magic ok=%d filetype execute=%d\n", mh && mh->magic == MH_MAGIC_64, mh && mh->filetype == MH_EXECUTE);
    printf("image 0 name matches=%d\n", strstr(_dyld_get_image_name(0), "darwin_dyld") != NULL);
    printf("argc=%d NXArgc=%d argv same=%d\n", argc, *_NSGetArgc(), *_NSGetArgv() == argv);
    printf("progname=%s\n", getprogname());
    mach_timebase_info_data_t tb;
    mach_timebase_info(&tb);
    uint64_t a = mach_absolute_time(), b = mach_absolute_time();
    printf("timebase %u/%u monotonic=%d\n", tb.numer, tb.denom, b >= a);
    return 0;
}
