/* Descriptors machbox keeps open inside a guest process. */
#ifndef MACHBOX_OWNFD_H
#define MACHBOX_OWNFD_H

/* Where machbox's descriptors live: above the 256 a Mac gives a process by default, so a
 * program's own open() never returns them and its dup2() onto them is the EBADF of a
 * descriptor beyond its table on a Mac. */
#define MB_OWNED_FD_MIN 900

int mb_fd_move_high(int fd);
void mb_fd_own(int *slot, int movable);
void mb_fd_disown(int *slot);
int mb_fd_owned(int fd);
int mb_fd_vacate(int fd);

#endif
