/* Descriptors machbox keeps open inside a guest process: the trace's records and the
 * connection to the prefix's server. They are not the program's: its close() of one is
 * EBADF (a program closing every descriptor it might have inherited must not cut machbox
 * off), and its dup2() onto one either moves machbox's out of the way first (a descriptor
 * only ever written through its variable) or fails with EBADF (one a thread of machbox's
 * holds by number). Each owner registers the variable holding its descriptor.
 */
#include "runtime.h"
#include "ownfd.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#define MAX_OWNED 8

static struct {
    int *slot;
    int movable;
} owned[MAX_OWNED];
static pthread_mutex_t owned_lock = PTHREAD_MUTEX_INITIALIZER;

/* fd moved to MB_OWNED_FD_MIN or above (close-on-exec); fd itself if that fails. */
MB_HIDDEN int mb_fd_move_high(int fd)
{
    int high = fcntl(fd, F_DUPFD_CLOEXEC, MB_OWNED_FD_MIN);
    if (high < 0)
        return fd;
    close(fd);
    return high;
}

MB_HIDDEN void mb_fd_own(int *slot, int movable)
{
    pthread_mutex_lock(&owned_lock);
    for (int i = 0; i < MAX_OWNED; i++)
        if (owned[i].slot == slot || owned[i].slot == NULL) {
            owned[i].slot = slot;
            owned[i].movable = movable;
            break;
        }
    pthread_mutex_unlock(&owned_lock);
}

MB_HIDDEN void mb_fd_disown(int *slot)
{
    pthread_mutex_lock(&owned_lock);
    for (int i = 0; i < MAX_OWNED; i++)
        if (owned[i].slot == slot)
            owned[i].slot = NULL;
    pthread_mutex_unlock(&owned_lock);
}

static int find(int fd)
{
    if (fd < 0)
        return -1;
    for (int i = 0; i < MAX_OWNED; i++)
        if (owned[i].slot && *owned[i].slot == fd)
            return i;
    return -1;
}

/* Lock-free read: the close() path of every guest descriptor asks. */
MB_HIDDEN int mb_fd_owned(int fd)
{
    return find(fd) >= 0;
}

/* Before the program's dup2() onto fd: 0 when fd is free for it (machbox's moved away, or
 * never there), -1 when it must fail with EBADF. */
MB_HIDDEN int mb_fd_vacate(int fd)
{
    pthread_mutex_lock(&owned_lock);
    int i = find(fd), r = 0;
    if (i >= 0 && owned[i].movable) {
        int moved = fcntl(fd, F_DUPFD_CLOEXEC, MB_OWNED_FD_MIN);
        if (moved >= 0) {
            *owned[i].slot = moved;
            close(fd);
        } else {
            r = -1;
        }
    } else if (i >= 0) {
        r = -1;
    }
    pthread_mutex_unlock(&owned_lock);
    return r;
}
