/* machbox.vfs in C: path expansion for the merged view (vfs.c). */
#ifndef MACHBOX_VFS_H
#define MACHBOX_VFS_H

MB_HIDDEN void mb_vfs_set_prefix(const char *prefix);
/* `path` as the host should see it: `path` itself, or `buf` (PATH_MAX bytes) */
MB_HIDDEN const char *mb_vfs_in(const char *path, char *buf);
/* a host path as the guest should see it, rewritten in place */
MB_HIDDEN char *mb_vfs_out(char *path);

#define VFS_IN(p) char p##_vfs[4096]; p = mb_vfs_in(p, p##_vfs)

#endif
