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

/* ---- libmacho: finding segments and sections of a loaded image --------------------------
 * Walks the load commands in memory, as cctools' getsecs.c does. "data" functions that
 * take a header return slid addresses (the image's __TEXT vmaddr is where the header
 * is); the older getsectdata* return the unslid address from the section record. */

#include "macho_image.h"

static intptr_t image_slide(const struct mb_mach_header_64 *mh)
{
    for (const struct mb_segment_command_64 *s = next_segment(mh, NULL); s; s = next_segment(mh, s))
        if (s->fileoff == 0 && s->filesize != 0)
            return (intptr_t)((uintptr_t)mh - s->vmaddr);
    return 0;
}

static const struct mb_segment_command_64 *find_segment(const struct mb_mach_header_64 *mh,
                                                       const char *segname)
{
    return mh ? find_segment_named(mh, segname) : NULL;
}

MB_EXPORT const struct mb_section_64 *mb_getsectbynamefromheader_64(
    const struct mb_mach_header_64 *mh, const char *segname, const char *sectname)
{
    if (!mh)
        return NULL;
    for (const struct mb_segment_command_64 *s = next_segment(mh, NULL); s; s = next_segment(mh, s)) {
        const struct mb_section_64 *sect = (const void *)(s + 1);
        for (uint32_t i = 0; i < s->nsects; i++)
            if (strncmp(sect[i].segname, segname, 16) == 0 &&
                strncmp(sect[i].sectname, sectname, 16) == 0)
                return &sect[i];
    }
    return NULL;
}

MB_EXPORT uint8_t *mb_getsectiondata(const struct mb_mach_header_64 *mh, const char *segname,
                                     const char *sectname, unsigned long *size)
{
    const struct mb_section_64 *s = mb_getsectbynamefromheader_64(mh, segname, sectname);
    if (!s)
        return NULL;
    *size = s->size;
    return (uint8_t *)(uintptr_t)(s->addr + (uint64_t)image_slide(mh));
}

MB_EXPORT uint8_t *mb_getsegmentdata(const struct mb_mach_header_64 *mh, const char *segname,
                                     unsigned long *size)
{
    const struct mb_segment_command_64 *s = find_segment(mh, segname);
    if (!s)
        return NULL;
    *size = s->vmsize;
    return (uint8_t *)(uintptr_t)(s->vmaddr + (uint64_t)image_slide(mh));
}

MB_EXPORT char *mb_getsectdatafromheader_64(const struct mb_mach_header_64 *mh,
                                            const char *segname, const char *sectname,
                                            uint64_t *size)
{
    const struct mb_section_64 *s = mb_getsectbynamefromheader_64(mh, segname, sectname);
    *size = s ? s->size : 0;
    return s ? (char *)(uintptr_t)s->addr : NULL;
}

MB_EXPORT const struct mb_section_64 *mb_getsectbyname(const char *segname, const char *sectname)
{
    return mb_getsectbynamefromheader_64(mb_program.mh, segname, sectname);
}

MB_EXPORT const struct mb_segment_command_64 *mb_getsegbyname(const char *segname)
{
    return find_segment(mb_program.mh, segname);
}

MB_EXPORT char *mb_getsectdata(const char *segname, const char *sectname, unsigned long *size)
{
    uint64_t s64 = 0;
    char *r = mb_getsectdatafromheader_64(mb_program.mh, segname, sectname, &s64);
    *size = (unsigned long)s64;
    return r;
}
