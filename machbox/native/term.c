/* Terminals: Darwin's struct termios (8-byte tcflag_t, 20 control characters, numeric
 * speeds) translated to and from the host's, for tcgetattr/tcsetattr, the TIOCGETA family
 * of ioctls, cfmakeraw and the cf*speed functions, and openpty/forkpty, which take one. */
#define _GNU_SOURCE
#include "runtime.h"
#include "translate.h"

#include <errno.h>
#include <pty.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static speed_t speed_to_linux(uint64_t baud)
{
    return (speed_t)mb_value_to_linux(mb_termios_speeds, MB_TERMIOS_SPEEDS_COUNT,
                                      (int64_t)baud, B38400);
}

static uint64_t speed_to_darwin(speed_t s)
{
    return (uint64_t)mb_value_to_darwin(mb_termios_speeds, MB_TERMIOS_SPEEDS_COUNT, s, 9600);
}

static void termios_to_linux(const struct darwin_termios *d, struct termios *l)
{
    memset(l, 0, sizeof *l);
    l->c_iflag = (tcflag_t)mb_bits_to_linux(mb_termios_iflag, MB_TERMIOS_IFLAG_COUNT, d->c_iflag, NULL);
    l->c_oflag = (tcflag_t)mb_bits_to_linux(mb_termios_oflag, MB_TERMIOS_OFLAG_COUNT, d->c_oflag, NULL);
    l->c_cflag = (tcflag_t)mb_bits_to_linux(mb_termios_cflag, MB_TERMIOS_CFLAG_COUNT, d->c_cflag, NULL);
    l->c_lflag = (tcflag_t)mb_bits_to_linux(mb_termios_lflag, MB_TERMIOS_LFLAG_COUNT, d->c_lflag, NULL);
    for (size_t i = 0; i < MB_TERMIOS_CC_COUNT; i++) {
        int64_t di = mb_termios_cc[i].darwin, li = mb_termios_cc[i].linux_;
        if (di >= 0 && di < 20 && li >= 0 && li < NCCS)
            l->c_cc[li] = d->c_cc[di];
    }
    cfsetispeed(l, speed_to_linux(d->c_ispeed));
    cfsetospeed(l, speed_to_linux(d->c_ospeed));
}

static void termios_to_darwin(const struct termios *l, struct darwin_termios *d)
{
    memset(d, 0, sizeof *d);
    d->c_iflag = mb_bits_to_darwin(mb_termios_iflag, MB_TERMIOS_IFLAG_COUNT, l->c_iflag);
    d->c_oflag = mb_bits_to_darwin(mb_termios_oflag, MB_TERMIOS_OFLAG_COUNT, l->c_oflag);
    d->c_cflag = mb_bits_to_darwin(mb_termios_cflag, MB_TERMIOS_CFLAG_COUNT, l->c_cflag);
    d->c_lflag = mb_bits_to_darwin(mb_termios_lflag, MB_TERMIOS_LFLAG_COUNT, l->c_lflag);
    for (size_t i = 0; i < MB_TERMIOS_CC_COUNT; i++) {
        int64_t di = mb_termios_cc[i].darwin, li = mb_termios_cc[i].linux_;
        if (di >= 0 && di < 20 && li >= 0 && li < NCCS)
            d->c_cc[di] = l->c_cc[li];
    }
    d->c_cc[DARWIN_VSTATUS] = 0x14;  /* ^T: Linux has no VSTATUS; Darwin's default */
    d->c_cc[DARWIN_VDSUSP] = 0x19;   /* ^Y */
    d->c_ispeed = speed_to_darwin(cfgetispeed(l));
    d->c_ospeed = speed_to_darwin(cfgetospeed(l));
}

MB_EXPORT int mb_tcgetattr(int fd, struct darwin_termios *d)
{
    struct termios l;
    if (tcgetattr(fd, &l) != 0)
        return -1;
    termios_to_darwin(&l, d);
    return 0;
}

MB_EXPORT int mb_tcsetattr(int fd, int action, const struct darwin_termios *d)
{
    int act = action & ~(int)DARWIN_TCSASOFT;
    if (act != DARWIN_TCSANOW && act != DARWIN_TCSADRAIN && act != DARWIN_TCSAFLUSH)
        return (int)mb_fail(DARWIN_EINVAL);
    struct termios l;
    termios_to_linux(d, &l);
    if (action & DARWIN_TCSASOFT) { /* keep the hardware settings as they are */
        struct termios cur;
        if (tcgetattr(fd, &cur) == 0) {
            l.c_cflag = cur.c_cflag;
            cfsetispeed(&l, cfgetispeed(&cur));
            cfsetospeed(&l, cfgetospeed(&cur));
        }
    }
    return tcsetattr(fd, act == DARWIN_TCSANOW ? TCSANOW : act == DARWIN_TCSADRAIN ? TCSADRAIN
                                                                                 : TCSAFLUSH, &l);
}

/* The TIOCGETA family, for code that uses ioctl directly (Go's x/term does). */
MB_HIDDEN int mb_termios_ioctl(int fd, unsigned long request, void *arg, int *handled)
{
    *handled = 1;
    switch ((uint32_t)request) {
    case (uint32_t)DARWIN_TIOCGETA: return mb_tcgetattr(fd, arg);
    case (uint32_t)DARWIN_TIOCSETA: return mb_tcsetattr(fd, DARWIN_TCSANOW, arg);
    case (uint32_t)DARWIN_TIOCSETAW: return mb_tcsetattr(fd, DARWIN_TCSADRAIN, arg);
    case (uint32_t)DARWIN_TIOCSETAF: return mb_tcsetattr(fd, DARWIN_TCSAFLUSH, arg);
    }
    *handled = 0;
    return 0;
}

MB_EXPORT void mb_cfmakeraw(struct darwin_termios *t)
{
    t->c_iflag &= ~(uint64_t)(DARWIN_IMAXBEL | DARWIN_IXOFF | DARWIN_INPCK | DARWIN_BRKINT |
                              DARWIN_PARMRK | DARWIN_ISTRIP | DARWIN_INLCR | DARWIN_IGNCR |
                              DARWIN_ICRNL | DARWIN_IXON | DARWIN_IGNPAR);
    t->c_iflag |= DARWIN_IGNBRK;
    t->c_oflag &= ~(uint64_t)DARWIN_OPOST;
    t->c_lflag &= ~(uint64_t)(DARWIN_ECHO | DARWIN_ECHOE | DARWIN_ECHOK | DARWIN_ECHONL |
                              DARWIN_ICANON | DARWIN_ISIG | DARWIN_IEXTEN | DARWIN_NOFLSH |
                              DARWIN_TOSTOP | DARWIN_PENDIN);
    t->c_cflag &= ~(uint64_t)(DARWIN_CSIZE | DARWIN_PARENB);
    t->c_cflag |= DARWIN_CS8 | DARWIN_CREAD;
    t->c_cc[DARWIN_VMIN] = 1;
    t->c_cc[DARWIN_VTIME] = 0;
}

/* Darwin keeps speeds as plain numbers; any value is accepted. */
MB_EXPORT uint64_t mb_cfgetispeed(const struct darwin_termios *t) { return t->c_ispeed; }
MB_EXPORT uint64_t mb_cfgetospeed(const struct darwin_termios *t) { return t->c_ospeed; }
MB_EXPORT int mb_cfsetispeed(struct darwin_termios *t, uint64_t s) { t->c_ispeed = s; return 0; }
MB_EXPORT int mb_cfsetospeed(struct darwin_termios *t, uint64_t s) { t->c_ospeed = s; return 0; }
MB_EXPORT int mb_cfsetspeed(struct darwin_termios *t, uint64_t s)
{
    t->c_ispeed = t->c_ospeed = s;
    return 0;
}

MB_EXPORT int mb_tcflush(int fd, int queue)
{
    int q = queue == DARWIN_TCIFLUSH ? TCIFLUSH : queue == DARWIN_TCOFLUSH ? TCOFLUSH
          : queue == DARWIN_TCIOFLUSH ? TCIOFLUSH : -1;
    return q < 0 ? (int)mb_fail(DARWIN_EINVAL) : tcflush(fd, q);
}

MB_EXPORT int mb_tcflow(int fd, int action)
{
    int a = action == DARWIN_TCOOFF ? TCOOFF : action == DARWIN_TCOON ? TCOON
          : action == DARWIN_TCIOFF ? TCIOFF : action == DARWIN_TCION ? TCION : -1;
    return a < 0 ? (int)mb_fail(DARWIN_EINVAL) : tcflow(fd, a);
}

MB_EXPORT int mb_openpty(int *master, int *slave, char *name, const struct darwin_termios *dt,
                         const struct winsize *ws)
{
    struct termios l;
    if (dt)
        termios_to_linux(dt, &l);
    return openpty(master, slave, name, dt ? &l : NULL, ws);
}

MB_EXPORT pid_t mb_forkpty(int *master, char *name, const struct darwin_termios *dt,
                           const struct winsize *ws)
{
    struct termios l;
    if (dt)
        termios_to_linux(dt, &l);
    return forkpty(master, name, dt ? &l : NULL, ws);
}
