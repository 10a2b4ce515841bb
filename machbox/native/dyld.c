/* What libdyld answers about the process: the image list, the program's arguments and
 * path (crt's _NSGet* accessors), and exit, which must run Darwin's exit-time work. */
#define _GNU_SOURCE
#include "runtime.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- image list ----------------------------------------------------------------------- */

struct mb_image {
    const void *mh;
    intptr_t slide;
    char *path;
};

#define MB_MAX_IMAGES 4096
static struct mb_image images[MB_MAX_IMAGES];
static uint32_t image_count;
static pthread_mutex_t images_lock = PTHREAD_MUTEX_INITIALIZER;

MB_HIDDEN void mb_images_add(const void *mh, intptr_t slide, const char *path)
{
    pthread_mutex_lock(&images_lock);
    if (image_count < MB_MAX_IMAGES)
        images[image_count++] = (struct mb_image){mh, slide, strdup(path)};
    pthread_mutex_unlock(&images_lock);
}

MB_EXPORT uint32_t mb__dyld_image_count(void) { return image_count; }

MB_EXPORT const void *mb__dyld_get_image_header(uint32_t i)
{
    return i < image_count ? images[i].mh : NULL;
}

MB_EXPORT intptr_t mb__dyld_get_image_vmaddr_slide(uint32_t i)
{
    return i < image_count ? images[i].slide : 0;
}

MB_EXPORT const char *mb__dyld_get_image_name(uint32_t i)
{
    return i < image_count ? images[i].path : NULL;
}

/* ---- crt accessors ----------------------------------------------------------------- */

MB_EXPORT int *mb__NSGetArgc(void) { return &mb_program.argc; }
MB_EXPORT char ***mb__NSGetArgv(void) { return &mb_program.argv; }
MB_EXPORT char ***mb__NSGetEnviron(void) { return &environ; }
MB_EXPORT const char **mb__NSGetProgname(void) { return &mb_program.progname; }
MB_EXPORT const void *mb__NSGetMachExecuteHeader(void) { return mb_program.mh; }
MB_EXPORT const char *mb_getprogname(void) { return mb_program.progname; }

MB_EXPORT void mb_setprogname(const char *name)
{
    const char *slash = strrchr(name, '/');
    mb_program.progname = slash ? slash + 1 : name;
}

/* Returns 0 and the path, or -1 and the size needed in *bufsize. */
MB_EXPORT int mb__NSGetExecutablePath(char *buf, uint32_t *bufsize)
{
    size_t need = strlen(mb_program.executable_path) + 1;
    if (need > *bufsize) {
        *bufsize = (uint32_t)need;
        return -1;
    }
    memcpy(buf, mb_program.executable_path, need);
    return 0;
}

/* ---- stack protector ------------------------------------------------------------- */

/* Darwin's canary is a variable guests read directly (glibc keeps its own at %fs:0x28). */
MB_EXPORT uintptr_t mb___stack_chk_guard;

MB_HIDDEN void mb_dyld_init(void)
{
    if (getentropy(&mb___stack_chk_guard, sizeof mb___stack_chk_guard) != 0)
        mb___stack_chk_guard = 0xdeadbeefcafef00dULL;
    mb___stack_chk_guard &= ~(uintptr_t)0xff; /* a zero byte stops string overflows */
}

/* ---- exit ------------------------------------------------------------------------------ */

/* Darwin's exit(): the calling thread's thread_local destructors first, then atexit and
 * __cxa_atexit handlers (the host's exit runs those, guest ones included), then stdio.
 * Key destructors do not run for the exiting thread, as on macOS. */
MB_EXPORT void mb_exit(int status)
{
    mb_thread_run_tlv_dtors(mb_self());
    exit(status);
}
