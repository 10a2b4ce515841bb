/* errno as Darwin code sees it.
 *
 * Guests reach errno only through __error(), which returns a per-thread Darwin errno slot.
 * Host functions bound directly set the host errno with Linux numbers; __error() translates
 * a pending host errno into the slot and clears it, so directly bound calls cost nothing and
 * the guest still reads Darwin numbers (EAGAIN 35, not 11). A guest's own writes land in the
 * slot and stay visible until a later host failure replaces them, as on macOS.
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "darwin_abi.h"

#include <errno.h>

MB_HIDDEN int mb_errno_to_darwin(int e)
{
    if (e >= 0 && e <= MB_ERRNO_LINUX_MAX)
        return mb_errno_linux_to_darwin[e];
    return DARWIN_EINVAL;
}

MB_HIDDEN int mb_errno_to_linux(int e)
{
    if (e >= 0 && e <= MB_ERRNO_DARWIN_MAX)
        return mb_errno_darwin_to_linux[e];
    return EINVAL;
}

/* Moves a pending host errno into the Darwin slot. */
MB_HIDDEN void mb_sync_errno(void)
{
    int h = errno;
    if (h) {
        mb_self()->darwin_errno = mb_errno_to_darwin(h);
        errno = 0;
    }
}

MB_HIDDEN void mb_set_darwin_errno(int darwin_errno)
{
    errno = 0;
    mb_self()->darwin_errno = darwin_errno;
}

MB_EXPORT int *mb___error(void)
{
    mb_sync_errno();
    return &mb_self()->darwin_errno;
}

/* Host functions that read errno themselves (perror, err/warn, %m) need the guest's value. */
MB_HIDDEN int mb_guest_errno_as_linux(void)
{
    mb_sync_errno();
    return mb_errno_to_linux(mb_self()->darwin_errno);
}
