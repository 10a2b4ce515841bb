/* machbox.vfs in C: path expansion for the merged view (vfs.c). */
#ifndef MACHBOX_VFS_H
#define MACHBOX_VFS_H

MB_HIDDEN void mb_vfs_set_prefix(const char *prefix);
/* `path` as the host should see it: `path` itself, or `buf` (PATH_MAX bytes) */
MB_HIDDEN const char *mb_vfs_in(const char *path, char *buf);
MB_HIDDEN const char *mb_vfs_in_nofollow(const char *path, char *buf);
MB_HIDDEN void mb_vfs_set_view(int whole_prefix);
/* this process changed the namespace (created, removed, renamed, linked): forget cached
 * resolutions */
MB_HIDDEN void mb_vfs_changed(void);
/* the owner a chown by a non-root user recorded, if any (stat bridges) */
MB_HIDDEN void mb_vfs_fake_owner(int dirfd, const char *path, int nofollow, uint32_t *uid,
                                 uint32_t *gid);
/* a host path as the guest should see it, rewritten in place */
MB_HIDDEN char *mb_vfs_out(char *path);

#include <stdint.h>

#define VFS_IN(p) char p##_vfs[4096]; p = mb_vfs_in(p, p##_vfs)
#define VFS_IN_NOFOLLOW(p) char p##_vfs[4096]; p = mb_vfs_in_nofollow(p, p##_vfs)

#endif
