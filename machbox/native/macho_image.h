/* Mach-O structures as they sit in a loaded image's memory, for the C code that walks
 * load commands (libmacho in dyld.c, the crash reporter). */
#ifndef MACHBOX_MACHO_IMAGE_H
#define MACHBOX_MACHO_IMAGE_H

#include <stdint.h>
#include <string.h>

#define MB_LC_SYMTAB 0x2
#define MB_LC_UUID 0x1b
#define MB_LC_SEGMENT_64 0x19

struct mb_segment_command_64 {
    uint32_t cmd, cmdsize;
    char segname[16];
    uint64_t vmaddr, vmsize, fileoff, filesize;
    int32_t maxprot, initprot;
    uint32_t nsects, flags;
};

struct mb_section_64 {
    char sectname[16], segname[16];
    uint64_t addr, size;
    uint32_t offset, align, reloff, nreloc, flags, reserved1, reserved2, reserved3;
};

struct mb_mach_header_64 {
    uint32_t magic, cputype, cpusubtype, filetype, ncmds, sizeofcmds, flags, reserved;
};

static inline const struct mb_segment_command_64 *next_segment(const struct mb_mach_header_64 *mh,
                                                       const struct mb_segment_command_64 *after)
{
    const char *p = after ? (const char *)after + after->cmdsize : (const char *)(mh + 1);
    const char *end = (const char *)(mh + 1) + mh->sizeofcmds;
    while (p + 8 <= end) {
        const struct mb_segment_command_64 *c = (const void *)p;
        if (c->cmdsize < 8)
            return NULL;
        if (c->cmd == MB_LC_SEGMENT_64)
            return c;
        p += c->cmdsize;
    }
    return NULL;
}


static inline const struct mb_segment_command_64 *find_segment_named(
    const struct mb_mach_header_64 *mh, const char *segname)
{
    for (const struct mb_segment_command_64 *s = next_segment(mh, NULL); s; s = next_segment(mh, s))
        if (strncmp(s->segname, segname, 16) == 0)
            return s;
    return NULL;
}

/* the load command of type `cmd`, or NULL */
static inline const void *find_command(const struct mb_mach_header_64 *mh, uint32_t cmd)
{
    const char *p = (const char *)(mh + 1), *end = p + mh->sizeofcmds;
    while (p + 8 <= end) {
        const uint32_t *c = (const void *)p;
        if (c[1] < 8)
            return NULL;
        if (c[0] == cmd)
            return c;
        p += c[1];
    }
    return NULL;
}

struct mb_symtab_command {
    uint32_t cmd, cmdsize, symoff, nsyms, stroff, strsize;
};

struct mb_nlist_64 {
    uint32_t n_strx;
    uint8_t n_type, n_sect;
    uint16_t n_desc;
    uint64_t n_value;
};

#endif
