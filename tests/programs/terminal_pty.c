// a pty session: openpty, canonical input and echo, raw mode with cfmakeraw, window size
// ioctls, isatty/ttyname, forkpty with a child writing to its terminal, tcflush
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#ifdef __APPLE__
/* <util.h>, which the SDK zig ships lacks */
int openpty(int *, int *, char *, struct termios *, struct winsize *);
pid_t forkpty(int *, char *, struct termios *, struct winsize *);
#else
#include <pty.h>
#endif

static ssize_t read_some(int fd, char *buf, size_t n, int ms) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, ms) <= 0) return 0;
    ssize_t r = read(fd, buf, n - 1);
    if (r < 0) r = 0;
    buf[r] = 0;
    return r;
}

static void show(const char *what, const char *s) {
    printf("%s: [", what);
    for (; *s; s++) {
        if (*s == '\r') printf("\\r");
        else if (*s == '\n') printf("\\n");
        else putchar(*s);
    }
    printf("]\n");
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int master, slave;
    char name[128];
    struct winsize ws = {24, 80, 0, 0};
    int r = openpty(&master, &slave, name, NULL, &ws);
    printf("openpty=%d isatty(slave)=%d isatty(pipe)=%d ttyname under /dev=%d\n", r,
           isatty(slave), isatty(0) && 0, strncmp(ttyname(slave), "/dev/", 5) == 0);
    struct termios t;
    tcgetattr(slave, &t);
    printf("default: icanon=%d echo=%d isig=%d opost=%d onlcr=%d icrnl=%d cs8=%d "
           "VINTR=%d VEOF=%d VERASE=%d\n",
           (t.c_lflag & ICANON) != 0, (t.c_lflag & ECHO) != 0, (t.c_lflag & ISIG) != 0,
           (t.c_oflag & OPOST) != 0, (t.c_oflag & ONLCR) != 0, (t.c_iflag & ICRNL) != 0,
           (t.c_cflag & CSIZE) == CS8, t.c_cc[VINTR], t.c_cc[VEOF], t.c_cc[VERASE]);
    write(master, "hello\n", 6);
    char buf[256];
    read_some(slave, buf, sizeof buf, 1000);
    show("slave read (canonical)", buf);
    read_some(master, buf, sizeof buf, 1000);
    show("master sees echo", buf);
    write(slave, "out\n", 4);
    read_some(master, buf, sizeof buf, 1000);
    show("master reads output (onlcr)", buf);

    cfmakeraw(&t);
    cfsetospeed(&t, B9600);
    cfsetispeed(&t, B9600);
    r = tcsetattr(slave, TCSANOW, &t);
    struct termios raw;
    tcgetattr(slave, &raw);
    printf("raw: tcsetattr=%d icanon=%d echo=%d opost=%d cs8=%d vmin=%d\n", r,
           (raw.c_lflag & ICANON) != 0, (raw.c_lflag & ECHO) != 0, (raw.c_oflag & OPOST) != 0,
           (raw.c_cflag & CSIZE) == CS8, raw.c_cc[VMIN]);
    write(master, "xy", 2);
    read_some(slave, buf, sizeof buf, 1000);
    show("raw slave read", buf);
    write(slave, "a\n", 2);
    read_some(master, buf, sizeof buf, 1000);
    show("raw output", buf);

    struct winsize got;
    ioctl(slave, TIOCGWINSZ, &got);
    printf("winsize: %dx%d\n", got.ws_col, got.ws_row);
    ws.ws_col = 132;
    ws.ws_row = 43;
    ioctl(master, TIOCSWINSZ, &ws);
    ioctl(slave, TIOCGWINSZ, &got);
    printf("winsize after set: %dx%d\n", got.ws_col, got.ws_row);
    write(master, "junk", 4);
    usleep(20000);
    printf("tcflush=%d\n", tcflush(slave, TCIFLUSH));
    printf("after flush: %zd bytes\n", read_some(slave, buf, sizeof buf, 50));
    errno = 0;
    printf("tcsetattr bad action=%d einval=%d\n", tcsetattr(slave, 99, &t), errno == EINVAL);
    close(slave);
    close(master);

    int m;
    pid_t pid = forkpty(&m, NULL, NULL, NULL);
    if (pid == 0) {
        printf("child on a terminal: %d\n", isatty(1));
        fflush(stdout);
        _exit(3);
    }
    char all[512] = {0};
    size_t got_n = 0;
    ssize_t n;
    while ((n = read_some(m, all + got_n, sizeof all - got_n, 2000)) > 0) got_n += (size_t)n;
    int st;
    waitpid(pid, &st, 0);
    show("forkpty child said", all);
    printf("forkpty child exit=%d\n", WEXITSTATUS(st));
    return 0;
}
