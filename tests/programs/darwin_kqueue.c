// darwin-only
// kqueue as on macOS: every filter (READ with bytes available and EV_EOF, WRITE, TIMER in
// each unit, PROC NOTE_EXIT with the exit status, SIGNAL counting an ignored signal,
// VNODE write/extend/attrib/rename/delete, USER triggers and fflags), the ONESHOT, CLEAR,
// DISPATCH and RECEIPT flags, udata round trips, kevent64, and that a forked child does
// not inherit the kqueue
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/event.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int kq;

static int wait_one(struct kevent *ev, int ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    return kevent(kq, NULL, 0, ev, 1, &t);
}

static void add(uintptr_t ident, short filter, unsigned short flags, unsigned fflags,
                intptr_t data, void *udata) {
    struct kevent ch;
    EV_SET(&ch, ident, filter, flags, fflags, data, udata);
    if (kevent(kq, &ch, 1, NULL, 0, NULL) < 0) printf("  add failed: errno=%d\n", errno);
}

static void reads(void) {
    printf("read/write:\n");
    int p[2];
    pipe(p);
    add((uintptr_t)p[0], EVFILT_READ, EV_ADD, 0, 0, (void *)0x1234);
    struct kevent ev;
    printf("  empty pipe: %d\n", wait_one(&ev, 10));
    write(p[1], "hello", 5);
    int n = wait_one(&ev, 100);
    printf("  after write: n=%d ident ok=%d filter=%d data=%ld udata=%p eof=%d\n", n,
           ev.ident == (uintptr_t)p[0], ev.filter, (long)ev.data, ev.udata,
           (ev.flags & EV_EOF) != 0);
    close(p[1]);
    n = wait_one(&ev, 100);
    printf("  writer closed: n=%d data=%ld eof=%d\n", n, (long)ev.data, (ev.flags & EV_EOF) != 0);
    add((uintptr_t)p[0], EVFILT_READ, EV_DELETE, 0, 0, NULL);
    close(p[0]);
    pipe(p);
    add((uintptr_t)p[1], EVFILT_WRITE, EV_ADD | EV_ONESHOT, 0, 0, NULL);
    n = wait_one(&ev, 100);
    printf("  writable: n=%d filter=%d data>0=%d\n", n, ev.filter, ev.data > 0);
    printf("  oneshot gone: %d\n", wait_one(&ev, 10));
    errno = 0;
    struct kevent del;
    EV_SET(&del, (uintptr_t)p[1], EVFILT_WRITE, EV_DELETE, 0, 0, NULL);
    printf("  delete again: %d errno=%d (ENOENT=%d)\n", kevent(kq, &del, 1, NULL, 0, NULL), errno,
           ENOENT);
    close(p[0]);
    close(p[1]);
}

static void timers(void) {
    printf("timers:\n");
    struct kevent ev;
    add(1, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 20, NULL);  // milliseconds
    int n = wait_one(&ev, 1000);
    printf("  20 ms oneshot: n=%d ident=%lu data=%ld\n", n, (unsigned long)ev.ident, (long)ev.data);
    add(2, EVFILT_TIMER, EV_ADD | EV_ONESHOT, NOTE_USECONDS, 15000, NULL);
    n = wait_one(&ev, 1000);
    printf("  15000 us: n=%d ident=%lu\n", n, (unsigned long)ev.ident);
    add(3, EVFILT_TIMER, EV_ADD | EV_ONESHOT, NOTE_NSECONDS, 5000000, NULL);
    n = wait_one(&ev, 1000);
    printf("  5e6 ns: n=%d ident=%lu\n", n, (unsigned long)ev.ident);
    add(4, EVFILT_TIMER, EV_ADD | EV_ONESHOT, NOTE_SECONDS, 0, NULL);
    n = wait_one(&ev, 1000);
    printf("  0 s fires at once: n=%d ident=%lu\n", n, (unsigned long)ev.ident);
    add(5, EVFILT_TIMER, EV_ADD, 0, 10, NULL);  // periodic
    usleep(55000);
    n = wait_one(&ev, 1000);
    printf("  periodic 10 ms after 55 ms: n=%d expirations>=4=%d\n", n, ev.data >= 4);
    add(5, EVFILT_TIMER, EV_DELETE, 0, 0, NULL);
}

static void procs(void) {
    printf("proc:\n");
    fflush(stdout);
    int go[2];
    pipe(go);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        read(go[0], &c, 1);
        _exit(7);
    }
    add((uintptr_t)pid, EVFILT_PROC, EV_ADD, NOTE_EXIT | NOTE_EXITSTATUS, 0, (void *)7);
    struct kevent ev;
    printf("  running: %d\n", wait_one(&ev, 10));
    write(go[1], "g", 1);
    int n = wait_one(&ev, 2000);
    int status = (int)ev.data;
    printf("  exited: n=%d ident ok=%d note_exit=%d exited=%d status=%d eof=%d udata=%p\n", n,
           ev.ident == (uintptr_t)pid, (ev.fflags & NOTE_EXIT) != 0, WIFEXITED(status),
           WEXITSTATUS(status), (ev.flags & EV_EOF) != 0, ev.udata);
    int st;
    printf("  still reapable: %d status=%d\n", waitpid(pid, &st, 0) == pid, WEXITSTATUS(st));
    errno = 0;
    struct kevent ch;
    EV_SET(&ch, (uintptr_t)pid, EVFILT_PROC, EV_ADD, NOTE_EXIT, 0, NULL);
    printf("  watch a reaped pid: %d errno=%d (ESRCH=%d)\n", kevent(kq, &ch, 1, NULL, 0, NULL),
           errno, ESRCH);
}

static void signals(void) {
    printf("signal:\n");
    signal(SIGUSR1, SIG_IGN);
    add(SIGUSR1, EVFILT_SIGNAL, EV_ADD, 0, 0, NULL);
    raise(SIGUSR1);
    raise(SIGUSR1);
    struct kevent ev;
    int n = wait_one(&ev, 1000);
    printf("  ignored SIGUSR1 x2: n=%d ident=%lu data=%ld\n", n, (unsigned long)ev.ident,
           (long)ev.data);
    printf("  nothing more: %d\n", wait_one(&ev, 10));
    add(SIGUSR1, EVFILT_SIGNAL, EV_DELETE, 0, 0, NULL);
}

static void vnodes(void) {
    printf("vnode:\n");
    const char *name = "kq-watched.txt";
    int fd = open(name, O_CREAT | O_TRUNC | O_RDWR, 0644);
    add((uintptr_t)fd, EVFILT_VNODE, EV_ADD | EV_CLEAR,
        NOTE_WRITE | NOTE_EXTEND | NOTE_ATTRIB | NOTE_RENAME | NOTE_DELETE, 0, NULL);
    struct kevent ev;
    int other = open(name, O_WRONLY | O_APPEND);
    write(other, "more", 4);
    int n = wait_one(&ev, 1000);
    printf("  append: n=%d write=%d extend=%d\n", n, (ev.fflags & NOTE_WRITE) != 0,
           (ev.fflags & NOTE_EXTEND) != 0);
    chmod(name, 0600);
    n = wait_one(&ev, 1000);
    printf("  chmod: n=%d attrib=%d\n", n, (ev.fflags & NOTE_ATTRIB) != 0);
    rename(name, "kq-renamed.txt");
    n = wait_one(&ev, 1000);
    printf("  rename: n=%d rename=%d\n", n, (ev.fflags & NOTE_RENAME) != 0);
    unlink("kq-renamed.txt");
    n = wait_one(&ev, 1000);
    printf("  unlink: n=%d delete=%d\n", n, (ev.fflags & NOTE_DELETE) != 0);
    close(other);
    close(fd);
}

static void users(void) {
    printf("user:\n");
    struct kevent ev;
    add(42, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, (void *)42);
    printf("  untriggered: %d\n", wait_one(&ev, 10));
    add(42, EVFILT_USER, 0, NOTE_TRIGGER | NOTE_FFOR | 0x5, 0, NULL);
    int n = wait_one(&ev, 100);
    printf("  triggered: n=%d ident=%lu fflags=%#x udata=%p\n", n, (unsigned long)ev.ident,
           ev.fflags & NOTE_FFLAGSMASK, ev.udata);
    printf("  cleared: %d\n", wait_one(&ev, 10));
    add(43, EVFILT_USER, EV_ADD | EV_DISPATCH, 0, 0, NULL);
    add(43, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL);
    n = wait_one(&ev, 100);
    printf("  dispatch: first=%d then disabled=%d\n", n, wait_one(&ev, 10));
    add(43, EVFILT_USER, EV_ENABLE, 0, 0, NULL);
    printf("  re-enabled, still triggered: %d\n", wait_one(&ev, 10));
    struct kevent ch[2], out[2];
    EV_SET(&ch[0], 44, EVFILT_USER, EV_ADD | EV_RECEIPT, 0, 0, NULL);
    EV_SET(&ch[1], 45, EVFILT_USER, EV_DELETE | EV_RECEIPT, 0, 0, NULL);
    n = kevent(kq, ch, 2, out, 2, NULL);
    printf("  receipts: n=%d [%lu error=%d data=%ld] [%lu error=%d data=%ld]\n", n,
           (unsigned long)out[0].ident, (out[0].flags & EV_ERROR) != 0, (long)out[0].data,
           (unsigned long)out[1].ident, (out[1].flags & EV_ERROR) != 0, (long)out[1].data);
    struct kevent64_s ch64, ev64;
    EV_SET64(&ch64, 46, EVFILT_USER, EV_ADD | EV_ONESHOT, NOTE_TRIGGER, 0, 0xfeedfacecafeULL, 0,
             0);
    struct timespec t = {1, 0};
    n = kevent64(kq, &ch64, 1, &ev64, 1, 0, &t);
    printf("  kevent64: n=%d ident=%llu udata=%#llx\n", n, (unsigned long long)ev64.ident,
           (unsigned long long)ev64.udata);
}

static void forked(void) {
    printf("fork:\n");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        struct kevent ev;
        struct timespec t = {0, 0};
        errno = 0;
        int n = kevent(kq, NULL, 0, &ev, 1, &t);
        _exit(n == -1 && errno == EBADF ? 0 : 1);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("  child sees EBADF: %d\n", WEXITSTATUS(st) == 0);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    kq = kqueue();
    printf("kqueue ok=%d\n", kq >= 0);
    reads();
    timers();
    procs();
    signals();
    vnodes();
    users();
    forked();
    close(kq);
    return 0;
}
