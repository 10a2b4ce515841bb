/* kqueue and kevent on epoll.
 *
 * A kqueue is an epoll descriptor (the number the guest holds) plus a table of knotes keyed
 * by (ident, filter). Descriptor filters map onto one epoll registration per descriptor
 * (read and write knotes share it); timers are timerfds; user events share one eventfd per
 * kqueue. Flags follow Darwin: EV_CLEAR is edge-triggered, EV_ONESHOT deletes after
 * delivery, EV_DISPATCH disables, EV_RECEIPT reports every change. Regular files, which
 * epoll refuses, are always readable and writable, as on Darwin.
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "ownfd.h"
#include "trace.h"
#include "translate.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <stdatomic.h>
#include <stdio.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* <sys/event.h> (Darwin), from the generated ABI tables */
#define EVFILT_READ ((int16_t)DARWIN_EVFILT_READ)
#define EVFILT_WRITE ((int16_t)DARWIN_EVFILT_WRITE)
#define EVFILT_VNODE ((int16_t)DARWIN_EVFILT_VNODE)
#define EVFILT_PROC ((int16_t)DARWIN_EVFILT_PROC)
#define EVFILT_SIGNAL ((int16_t)DARWIN_EVFILT_SIGNAL)
#define EVFILT_TIMER ((int16_t)DARWIN_EVFILT_TIMER)
#define EVFILT_USER ((int16_t)DARWIN_EVFILT_USER)
#define EVFILT_MACHPORT ((int16_t)DARWIN_EVFILT_MACHPORT)
#define EV_ADD ((uint16_t)DARWIN_EV_ADD)
#define EV_DELETE ((uint16_t)DARWIN_EV_DELETE)
#define EV_ENABLE ((uint16_t)DARWIN_EV_ENABLE)
#define EV_DISABLE ((uint16_t)DARWIN_EV_DISABLE)
#define EV_ONESHOT ((uint16_t)DARWIN_EV_ONESHOT)
#define EV_CLEAR ((uint16_t)DARWIN_EV_CLEAR)
#define EV_RECEIPT ((uint16_t)DARWIN_EV_RECEIPT)
#define EV_DISPATCH ((uint16_t)DARWIN_EV_DISPATCH)
#define EV_ERROR ((uint16_t)DARWIN_EV_ERROR)
#define EV_EOF ((uint16_t)DARWIN_EV_EOF)
#define NOTE_TRIGGER ((uint32_t)DARWIN_NOTE_TRIGGER)
#define NOTE_FFCTRLMASK ((uint32_t)DARWIN_NOTE_FFCTRLMASK)
#define NOTE_FFAND ((uint32_t)DARWIN_NOTE_FFAND)
#define NOTE_FFOR ((uint32_t)DARWIN_NOTE_FFOR)
#define NOTE_FFCOPY ((uint32_t)DARWIN_NOTE_FFCOPY)
#define NOTE_FFLAGSMASK ((uint32_t)DARWIN_NOTE_FFLAGSMASK)
#define NOTE_SECONDS ((uint32_t)DARWIN_NOTE_SECONDS)
#define NOTE_USECONDS ((uint32_t)DARWIN_NOTE_USECONDS)
#define NOTE_NSECONDS ((uint32_t)DARWIN_NOTE_NSECONDS)
#define NOTE_ABSOLUTE ((uint32_t)DARWIN_NOTE_ABSOLUTE)
#define NOTE_EXIT ((uint32_t)DARWIN_NOTE_EXIT)
#define NOTE_EXITSTATUS ((uint32_t)DARWIN_NOTE_EXITSTATUS)
#define NOTE_DELETE ((uint32_t)DARWIN_NOTE_DELETE)
#define NOTE_WRITE ((uint32_t)DARWIN_NOTE_WRITE)
#define NOTE_EXTEND ((uint32_t)DARWIN_NOTE_EXTEND)
#define NOTE_ATTRIB ((uint32_t)DARWIN_NOTE_ATTRIB)
#define NOTE_LINK ((uint32_t)DARWIN_NOTE_LINK)
#define NOTE_RENAME ((uint32_t)DARWIN_NOTE_RENAME)
#define NOTE_REVOKE ((uint32_t)DARWIN_NOTE_REVOKE)

/* One event in machbox's own shape, converted to either Darwin layout at the edges. */
struct kev {
    uint64_t ident;
    int16_t filter;
    uint16_t flags;
    uint32_t fflags;
    int64_t data;
    uint64_t udata;
    uint64_t ext[2];     /* kevent64: EVFILT_MACHPORT's receive buffer and its size */
};

struct knote {
    struct kev kev;      /* as registered: flags keep EV_CLEAR/ONESHOT/DISPATCH/disabled */
    int disabled;
    int always_ready;    /* regular files */
    int timerfd;         /* EVFILT_TIMER */
    int triggered;       /* EVFILT_USER */
    int auxfd;           /* EVFILT_PROC: a pidfd; EVFILT_VNODE: an inotify instance;
                            EVFILT_MACHPORT: the port's readiness descriptor (a dup) */
    uint32_t pending;    /* EVFILT_VNODE: notes seen since the last delivery */
    int64_t size;        /* EVFILT_VNODE: file size, to tell NOTE_EXTEND */
    nlink_t links;       /* EVFILT_VNODE: link count, to tell NOTE_LINK and NOTE_DELETE */
    uint64_t seen;       /* EVFILT_SIGNAL: deliveries already reported */
    struct knote *next;
};

enum { TAG_FD = 0, TAG_TIMER = 1, TAG_USER = 2, TAG_AUX = 3 };
#define TAG(kind, v) (((uint64_t)(kind) << 56) | (uint64_t)(uint32_t)(v))

struct kq {
    int epfd;            /* one of the descriptors naming the epoll instance */
    int refs;            /* descriptors naming it (dup, fcntl F_DUPFD) */
    int userfd;          /* eventfd for EVFILT_USER triggers and signal deliveries */
    int signal_notes;    /* EVFILT_SIGNAL knotes: while any, userfd hears of signals */
    struct kq *next_live; /* every open kqueue, for close() to find knotes on a descriptor */
    pthread_mutex_t lock;
    struct knote *notes;
};

#define MAX_KQ_FD 65536
static struct kq *kqs[MAX_KQ_FD];
static struct kq *live; /* guarded by kqs_lock */
static _Atomic int live_count;
static pthread_mutex_t kqs_lock = PTHREAD_MUTEX_INITIALIZER;

static void kqueue_init_once(void);
MB_HIDDEN int mb_wait_status_to_darwin(int st);

static struct kq *kq_of(int fd)
{
    return fd >= 0 && fd < MAX_KQ_FD ? kqs[fd] : NULL;
}

MB_EXPORT int mb_kqueue(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, kqueue_init_once);
    struct kq *k = calloc(1, sizeof *k);
    if (!k)
        return (int)mb_fail(DARWIN_ENOMEM);
    k->epfd = epoll_create1(EPOLL_CLOEXEC);
    k->userfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (k->epfd < 0 || k->userfd < 0 || k->epfd >= MAX_KQ_FD) {
        int e = errno;
        if (k->epfd >= 0) close(k->epfd);
        if (k->userfd >= 0) close(k->userfd);
        free(k);
        errno = e ? e : EMFILE;
        return -1;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG(TAG_USER, 0)};
    epoll_ctl(k->epfd, EPOLL_CTL_ADD, k->userfd, &ev);
    pthread_mutex_init(&k->lock, NULL);
    k->refs = 1;
    pthread_mutex_lock(&kqs_lock);
    kqs[k->epfd] = k;
    k->next_live = live;
    live = k;
    atomic_fetch_add(&live_count, 1);
    pthread_mutex_unlock(&kqs_lock);
    return k->epfd;
}

/* ---- signals: counted by the signal trampoline, reported per knote -------------------- */

static _Atomic uint64_t signal_count[DARWIN_NSIG];
#define MAX_SIGNAL_WAKERS 64
static _Atomic int signal_wakers[MAX_SIGNAL_WAKERS]; /* eventfd + 1 of each watching kqueue */

/* Called from the signal trampoline: async-signal-safe (atomics and write only). */
MB_HIDDEN void mb_kqueue_signal_delivered(int dsig)
{
    if (dsig <= 0 || dsig >= DARWIN_NSIG)
        return;
    atomic_fetch_add(&signal_count[dsig], 1);
    for (int i = 0; i < MAX_SIGNAL_WAKERS; i++) {
        int fd = atomic_load(&signal_wakers[i]) - 1;
        if (fd >= 0) {
            uint64_t one = 1;
            (void)!write(fd, &one, sizeof one);
        }
    }
}

static void signal_waker(struct kq *k, int on)
{
    for (int i = 0; i < MAX_SIGNAL_WAKERS; i++) {
        int expected = on ? 0 : k->userfd + 1;
        if (atomic_compare_exchange_strong(&signal_wakers[i], &expected, on ? k->userfd + 1 : 0))
            return;
    }
}

static uint64_t signals_unseen(const struct knote *n)
{
    return atomic_load(&signal_count[n->kev.ident]) - n->seen;
}

/* ---- processes: a pidfd per knote ---------------------------------------------------------- */

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* The exit status of the process behind a pidfd, in Darwin's encoding; 0 if not our child. */
static int64_t proc_status(int pidfd)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOWAIT | WNOHANG) != 0) {
        errno = 0;
        return 0;
    }
    int st = 0;
    if (si.si_code == CLD_EXITED)
        st = (si.si_status & 0xff) << 8;
    else if (si.si_code == CLD_KILLED)
        st = si.si_status & 0x7f;
    else if (si.si_code == CLD_DUMPED)
        st = (si.si_status & 0x7f) | 0x80;
    return mb_wait_status_to_darwin(st);
}

/* ---- vnodes: an inotify instance per knote ---------------------------------------------------- */

static int vnode_watch(struct knote *n)
{
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", (int)n->kev.ident);
    ssize_t len = readlink(link, path, sizeof path - 1);
    struct stat st;
    if (len < 0 || fstat((int)n->kev.ident, &st) != 0)
        return DARWIN_EBADF;
    path[len] = 0;
    int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (in < 0)
        return mb_errno_to_darwin(errno);
    uint32_t mask = IN_MODIFY | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF | IN_CREATE |
                    IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_UNMOUNT;
    if (inotify_add_watch(in, path, mask) < 0) {
        int e = mb_errno_to_darwin(errno);
        close(in);
        return e;
    }
    n->auxfd = in;
    n->size = st.st_size;
    n->links = st.st_nlink;
    return 0;
}

/* Reads what inotify saw into n->pending, as Darwin's NOTE_ bits the knote asked for. */
static void vnode_read(struct knote *n)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t len;
    uint32_t notes = 0;
    while ((len = read(n->auxfd, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + len;) {
            const struct inotify_event *e = (const void *)p;
            if (e->mask & IN_MODIFY)
                notes |= NOTE_WRITE;
            if (e->mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO)) {
                notes |= NOTE_WRITE; /* a directory's entries changed */
                if (e->mask & IN_ISDIR)
                    notes |= NOTE_LINK;
            }
            if (e->mask & IN_ATTRIB)
                notes |= NOTE_ATTRIB;
            if (e->mask & IN_DELETE_SELF)
                notes |= NOTE_DELETE;
            if (e->mask & IN_MOVE_SELF)
                notes |= NOTE_RENAME;
            if (e->mask & IN_UNMOUNT)
                notes |= NOTE_REVOKE;
            p += sizeof *e + e->len;
        }
    }
    errno = 0;
    struct stat st;
    if (fstat((int)n->kev.ident, &st) == 0) {
        if (st.st_size > n->size)
            notes |= NOTE_EXTEND;
        if (st.st_nlink != n->links) {
            /* unlink shows up as an attribute change: the link count is what moved */
            notes |= st.st_nlink == 0 ? NOTE_DELETE : NOTE_LINK;
            if (!(notes & ~(NOTE_ATTRIB | NOTE_DELETE | NOTE_LINK)) && st.st_nlink == 0)
                notes &= ~NOTE_ATTRIB;
        }
        n->size = st.st_size;
        n->links = st.st_nlink;
    }
    n->pending |= notes & n->kev.fflags;
}

/* ---- knote lifetime ---------------------------------------------------------------------------- */

MB_HIDDEN void mb_signal_watch(int dsig, int delta);

static void knote_free(struct kq *k, struct knote *n)
{
    if (n->timerfd >= 0)
        close(n->timerfd);
    if (n->auxfd >= 0)
        close(n->auxfd);
    if (n->kev.filter == EVFILT_SIGNAL) {
        mb_signal_watch((int)n->kev.ident, -1);
        if (--k->signal_notes == 0)
            signal_waker(k, 0);
    }
    free(n);
}

/* Sets up what a new knote of a filter other than READ/WRITE/TIMER/USER needs. */
static int knote_attach(struct kq *k, struct knote *n)
{
    int fd = -1;
    switch (n->kev.filter) {
    case EVFILT_PROC:
        fd = (int)syscall(SYS_pidfd_open, (pid_t)n->kev.ident, 0);
        if (fd < 0)
            return errno == ESRCH ? DARWIN_ESRCH : mb_errno_to_darwin(errno);
        n->auxfd = fd;
        break;
    case EVFILT_VNODE: {
        int e = vnode_watch(n);
        if (e)
            return e;
        fd = n->auxfd;
        break;
    }
    case EVFILT_MACHPORT:
        fd = mb_mach_port_fd((uint32_t)n->kev.ident);
        if (fd < 0 || (fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
            return DARWIN_EINVAL;
        n->auxfd = fd;
        break;
    case EVFILT_SIGNAL:
        if (n->kev.ident == 0 || n->kev.ident >= DARWIN_NSIG)
            return DARWIN_EINVAL;
        n->seen = atomic_load(&signal_count[n->kev.ident]);
        if (k->signal_notes++ == 0)
            signal_waker(k, 1);
        mb_signal_watch((int)n->kev.ident, 1);
        return 0;
    default:
        return 0;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG(TAG_AUX, fd)};
    epoll_ctl(k->epfd, EPOLL_CTL_ADD, fd, &ev);
    return 0;
}

/* ---- fork: a kqueue is not inherited (Darwin) ------------------------------------------------- */

static void kqueues_after_fork(void)
{
    pthread_mutex_init(&kqs_lock, NULL);
    live = NULL;
    atomic_store(&live_count, 0);
    for (int i = 0; i < MAX_SIGNAL_WAKERS; i++)
        atomic_store(&signal_wakers[i], 0);
    for (int fd = 0; fd < MAX_KQ_FD; fd++) {
        struct kq *k = kqs[fd];
        if (!k)
            continue;
        kqs[fd] = NULL;
        close(fd);
        if (--k->refs > 0)
            continue;
        for (struct knote *n = k->notes, *next; n; n = next) {
            next = n->next;
            if (n->timerfd >= 0)
                close(n->timerfd);
            if (n->auxfd >= 0)
                close(n->auxfd);
            if (n->kev.filter == EVFILT_SIGNAL)
                mb_signal_watch((int)n->kev.ident, -1);
            free(n);
        }
        close(k->userfd);
        free(k);
    }
}

static void kqueue_init_once(void)
{
    pthread_atfork(NULL, NULL, kqueues_after_fork);
}

/* close() of a kqueue descriptor; the last one frees the table. */
MB_HIDDEN void mb_kqueue_closed(int fd)
{
    struct kq *k = kq_of(fd);
    if (!k)
        return;
    pthread_mutex_lock(&kqs_lock);
    kqs[fd] = NULL;
    int last = --k->refs == 0;
    if (!last && k->epfd == fd) {
        for (int i = 0; i < MAX_KQ_FD; i++)
            if (kqs[i] == k) {
                k->epfd = i; /* the epoll instance lives on through its other descriptors */
                break;
            }
    }
    if (last) {
        for (struct kq **pp = &live; *pp; pp = &(*pp)->next_live)
            if (*pp == k) {
                *pp = k->next_live;
                break;
            }
        atomic_fetch_sub(&live_count, 1);
    }
    pthread_mutex_unlock(&kqs_lock);
    if (!last)
        return;
    for (struct knote *n = k->notes, *next; n; n = next) {
        next = n->next;
        knote_free(k, n);
    }
    close(k->userfd);
    pthread_mutex_destroy(&k->lock);
    free(k);
}

/* Darwin drops the knotes of a descriptor when it is closed. */
static void forget_descriptor(int fd)
{
    pthread_mutex_lock(&kqs_lock);
    for (struct kq *k = live; k; k = k->next_live) {
        pthread_mutex_lock(&k->lock);
        int had_fd_filter = 0;
        for (struct knote **pp = &k->notes; *pp;) {
            struct knote *n = *pp;
            int16_t f = n->kev.filter;
            if (n->kev.ident == (uint64_t)fd &&
                (f == EVFILT_READ || f == EVFILT_WRITE || f == EVFILT_VNODE)) {
                *pp = n->next;
                had_fd_filter |= f != EVFILT_VNODE;
                knote_free(k, n);
            } else {
                pp = &n->next;
            }
        }
        if (had_fd_filter)
            epoll_ctl(k->epfd, EPOLL_CTL_DEL, fd, NULL);
        pthread_mutex_unlock(&k->lock);
    }
    pthread_mutex_unlock(&kqs_lock);
    errno = 0;
}

MB_EXPORT int mb_close(int fd)
{
    if (mb_fd_owned(fd))
        return (int)mb_fail(DARWIN_EBADF);
    if (kq_of(fd))
        mb_kqueue_closed(fd);
    else if (atomic_load(&live_count))
        forget_descriptor(fd);
    return close(fd);
}

/* A duplicated kqueue descriptor names the same kqueue. */
MB_HIDDEN int mb_kqueue_duplicated(int oldfd, int newfd)
{
    if (newfd < 0)
        return newfd;
    if (kq_of(newfd) && newfd != oldfd)
        mb_kqueue_closed(newfd); /* dup2 over a kqueue closed it */
    struct kq *k = kq_of(oldfd);
    if (k && newfd < MAX_KQ_FD && newfd != oldfd) {
        pthread_mutex_lock(&kqs_lock);
        kqs[newfd] = k;
        k->refs++;
        pthread_mutex_unlock(&kqs_lock);
    }
    return newfd;
}

MB_EXPORT int mb_dup(int fd) { return mb_kqueue_duplicated(fd, dup(fd)); }
MB_EXPORT int mb_dup2(int fd, int nfd)
{
    if (mb_fd_vacate(nfd) != 0)
        return (int)mb_fail(DARWIN_EBADF);
    return mb_kqueue_duplicated(fd, dup2(fd, nfd));
}

static struct knote *find(struct kq *k, uint64_t ident, int16_t filter)
{
    for (struct knote *n = k->notes; n; n = n->next)
        if (n->kev.ident == ident && n->kev.filter == filter)
            return n;
    return NULL;
}

/* ---- descriptor filters: one epoll registration per descriptor ---------------------------- */

static int fd_sync(struct kq *k, int fd, int *always)
{
    struct knote *r = find(k, (uint64_t)fd, EVFILT_READ);
    struct knote *w = find(k, (uint64_t)fd, EVFILT_WRITE);
    uint32_t events = 0;
    int edge = 1;
    if (r && !r->disabled) {
        events |= EPOLLIN | EPOLLRDHUP;
        edge &= !!(r->kev.flags & EV_CLEAR);
    }
    if (w && !w->disabled) {
        events |= EPOLLOUT;
        edge &= !!(w->kev.flags & EV_CLEAR);
    }
    if (events && edge)
        events |= EPOLLET;
    struct epoll_event ev = {.events = events, .data.u64 = TAG(TAG_FD, fd)};
    if (!r && !w) {
        epoll_ctl(k->epfd, EPOLL_CTL_DEL, fd, &ev);
        errno = 0;
        return 0;
    }
    if (epoll_ctl(k->epfd, EPOLL_CTL_MOD, fd, &ev) == 0)
        return 0;
    if (errno == ENOENT && epoll_ctl(k->epfd, EPOLL_CTL_ADD, fd, &ev) == 0)
        return 0;
    if (errno == EPERM) {
        /* regular files and directories: always ready on Darwin */
        *always = 1;
        errno = 0;
        return 0;
    }
    return -1;
}

/* ---- timers ---------------------------------------------------------------------------- */

static int timer_arm(struct knote *n)
{
    uint32_t ff = n->kev.fflags;
    int64_t v = n->kev.data;
    struct itimerspec its = {0};
    struct timespec t;
    if (ff & NOTE_NSECONDS) { t.tv_sec = v / 1000000000; t.tv_nsec = v % 1000000000; }
    else if (ff & NOTE_USECONDS) { t.tv_sec = v / 1000000; t.tv_nsec = (v % 1000000) * 1000; }
    else if (ff & NOTE_SECONDS) { t.tv_sec = v; t.tv_nsec = 0; }
    else { t.tv_sec = v / 1000; t.tv_nsec = (v % 1000) * 1000000; }
    int flags = 0;
    if (ff & NOTE_ABSOLUTE) {
        flags = TFD_TIMER_ABSTIME; /* Darwin's absolute timers count from the epoch */
        its.it_value = t;
    } else {
        if (t.tv_sec == 0 && t.tv_nsec == 0)
            t.tv_nsec = 1; /* zero disarms a timerfd; Darwin fires at once */
        its.it_value = t;
        if (!(n->kev.flags & EV_ONESHOT))
            its.it_interval = t;
    }
    return timerfd_settime(n->timerfd, flags, &its, NULL);
}

/* ---- applying one change ---------------------------------------------------------------- */

static int apply(struct kq *k, const struct kev *c)
{
    struct knote *n = find(k, c->ident, c->filter);
    if (c->flags & EV_ADD) {
        int fresh = !n;
        if (fresh) {
            if ((c->filter == EVFILT_READ || c->filter == EVFILT_WRITE) &&
                fcntl((int)c->ident, F_GETFD) < 0)
                return DARWIN_EBADF;
            if (c->filter != EVFILT_READ && c->filter != EVFILT_WRITE &&
                c->filter != EVFILT_TIMER && c->filter != EVFILT_USER &&
                c->filter != EVFILT_PROC && c->filter != EVFILT_VNODE &&
                c->filter != EVFILT_SIGNAL && c->filter != EVFILT_MACHPORT)
                return DARWIN_EINVAL; /* EVFILT_FS, _VM, _EXCEPT: not here */
            n = calloc(1, sizeof *n);
            if (!n)
                return DARWIN_ENOMEM;
            n->timerfd = -1;
            n->auxfd = -1;
            n->kev = *c;
            int e = knote_attach(k, n);
            if (e) {
                free(n);
                return e;
            }
            n->next = k->notes;
            k->notes = n;
        }
        uint32_t old_fflags = n->kev.fflags;
        n->kev = *c;
        n->kev.flags &= ~(EV_ADD | EV_ENABLE | EV_DELETE | EV_RECEIPT);
        n->disabled = (c->flags & EV_DISABLE) != 0;
        if (c->filter == EVFILT_USER) {
            n->kev.fflags = fresh ? (c->fflags & NOTE_FFLAGSMASK) : old_fflags;
        }
        if (c->filter == EVFILT_TIMER) {
            if (n->timerfd < 0)
                n->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
            if (n->timerfd < 0 || timer_arm(n) != 0)
                return mb_errno_to_darwin(errno);
            struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG(TAG_TIMER, n->timerfd)};
            if (fresh)
                epoll_ctl(k->epfd, EPOLL_CTL_ADD, n->timerfd, &ev);
        }
    } else if (!n) {
        return DARWIN_ENOENT;
    }
    if (c->flags & EV_DELETE) {
        for (struct knote **pp = &k->notes; *pp; pp = &(*pp)->next)
            if (*pp == n) {
                *pp = n->next;
                break;
            }
        int16_t filter = n->kev.filter;
        knote_free(k, n);
        n = NULL;
        if (filter == EVFILT_READ || filter == EVFILT_WRITE) {
            int always = 0;
            fd_sync(k, (int)c->ident, &always);
        }
        return 0;
    }
    if (c->flags & EV_ENABLE)
        n->disabled = 0;
    if (c->flags & EV_DISABLE)
        n->disabled = 1;
    if (c->filter == EVFILT_USER && (c->fflags & NOTE_TRIGGER || c->fflags & NOTE_FFCTRLMASK)) {
        uint32_t ff = c->fflags & NOTE_FFLAGSMASK;
        switch (c->fflags & NOTE_FFCTRLMASK) {
        case NOTE_FFAND: n->kev.fflags &= ff; break;
        case NOTE_FFOR: n->kev.fflags |= ff; break;
        case NOTE_FFCOPY: n->kev.fflags = ff; break;
        }
        if (c->fflags & NOTE_TRIGGER) {
            n->triggered = 1;
            uint64_t one = 1;
            (void)!write(k->userfd, &one, sizeof one);
        }
    }
    if (c->filter == EVFILT_READ || c->filter == EVFILT_WRITE) {
        int always = 0;
        if (fd_sync(k, (int)c->ident, &always) != 0)
            return mb_errno_to_darwin(errno);
        n->always_ready = always;
        if (always) {
            uint64_t one = 1; /* wake waiters: the file is ready now */
            (void)!write(k->userfd, &one, sizeof one);
        }
    }
    return 0;
}

/* ---- collecting events ------------------------------------------------------------------- */

static int64_t readable_bytes(int fd)
{
    int n = 0;
    if (ioctl(fd, FIONREAD, &n) == 0)
        return n;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        off_t pos = lseek(fd, 0, SEEK_CUR);
        return pos >= 0 && st.st_size > pos ? st.st_size - pos : 0;
    }
    return 1; /* a listening socket: at least one connection waits */
}

MB_EXPORT int mb_mach_msg(void *msg, int option, uint32_t send_size, uint32_t rcv_size,
                          uint32_t rcv_name, uint32_t timeout, uint32_t notify);

/* A port with a message. Asked for MACH_RCV_MSG with a buffer (ext[0], ext[1] bytes), the
 * message is received into it as part of the kevent, as XNU does: fflags carries mach_msg's
 * result and ext[1] the size received (trailer included). Returns 0 if the message went meanwhile. */
static int machport_receive(struct knote *n, struct kev *out)
{
    out->data = 0;
    if (!(n->kev.fflags & DARWIN_MACH_RCV_MSG) || !n->kev.ext[0] || !n->kev.ext[1])
        return 1;
    int options = (int)(n->kev.fflags & ~(uint32_t)(DARWIN_MACH_SEND_MSG | DARWIN_MACH_SEND_TIMEOUT)) |
                  DARWIN_MACH_RCV_TIMEOUT;
    void *buf = (void *)(uintptr_t)n->kev.ext[0];
    int r = mb_mach_msg(buf, options, 0, (uint32_t)n->kev.ext[1], (uint32_t)n->kev.ident, 0, 0);
    if (r == DARWIN_MACH_RCV_TIMED_OUT)
        return 0;
    uint32_t size, trailer = 0;
    memcpy(&size, (char *)buf + 4, 4);
    if (r == 0 && size + 8 <= n->kev.ext[1])
        memcpy(&trailer, (char *)buf + size + 4, 4);
    out->fflags = (uint32_t)r;
    out->ext[1] = size + trailer; /* what was copied out: the message and its trailer */
    return 1;
}

/* Emits n's event into out (if it is deliverable) and applies ONESHOT/DISPATCH. */
static int deliver(struct kq *k, struct knote *n, uint32_t events, struct kev *out)
{
    if (n->disabled)
        return 0;
    *out = n->kev;
    out->flags &= ~(EV_ONESHOT | EV_CLEAR | EV_DISPATCH);
    out->flags |= n->kev.flags & (EV_ONESHOT | EV_CLEAR | EV_DISPATCH);
    if (n->kev.filter == EVFILT_READ) {
        out->data = readable_bytes((int)n->kev.ident);
        if (events & (EPOLLRDHUP | EPOLLHUP))
            out->flags |= EV_EOF;
    } else if (n->kev.filter == EVFILT_WRITE) {
        out->data = 65536;
        if (events & (EPOLLHUP | EPOLLERR))
            out->flags |= EV_EOF;
    } else if (n->kev.filter == EVFILT_PROC) {
        /* the process is gone: Darwin reports NOTE_EXIT once, with EV_EOF, and drops it */
        out->fflags = n->kev.fflags & NOTE_EXIT;
        out->data = n->kev.fflags & NOTE_EXITSTATUS ? proc_status(n->auxfd) : 0;
        out->flags |= EV_EOF | EV_ONESHOT;
        struct kev del = n->kev;
        del.flags = EV_DELETE;
        apply(k, &del);
        return 1;
    } else if (n->kev.filter == EVFILT_VNODE) {
        out->fflags = n->pending;
        out->data = 0;
        n->pending = 0;
    } else if (n->kev.filter == EVFILT_MACHPORT) {
        if (!machport_receive(n, out))
            return 0;
    } else if (n->kev.filter == EVFILT_SIGNAL) {
        uint64_t now = atomic_load(&signal_count[n->kev.ident]);
        out->data = (int64_t)(now - n->seen);
        n->seen = now;
    }
    if (n->kev.flags & EV_ONESHOT) {
        struct kev del = n->kev;
        del.flags = EV_DELETE;
        apply(k, &del);
    } else if (n->kev.flags & EV_DISPATCH) {
        n->disabled = 1;
        if (n->kev.filter == EVFILT_READ || n->kev.filter == EVFILT_WRITE) {
            int always = 0;
            fd_sync(k, (int)out->ident, &always);
        }
    }
    return 1;
}

static int collect(struct kq *k, const struct epoll_event *evs, int nev, struct kev *out,
                   int max)
{
    int count = 0;
    for (int i = 0; i < nev && count < max; i++) {
        uint64_t tag = evs[i].data.u64 >> 56;
        int v = (int)(uint32_t)evs[i].data.u64;
        if (tag == TAG_FD) {
            struct knote *r = find(k, (uint64_t)v, EVFILT_READ);
            struct knote *w = find(k, (uint64_t)v, EVFILT_WRITE);
            if (r && (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
                count += deliver(k, r, evs[i].events, &out[count]);
            w = find(k, (uint64_t)v, EVFILT_WRITE); /* a oneshot read may have gone */
            if (w && count < max && (evs[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR)))
                count += deliver(k, w, evs[i].events, &out[count]);
        } else if (tag == TAG_TIMER) {
            uint64_t fired = 0;
            if (read(v, &fired, sizeof fired) != sizeof fired)
                continue;
            for (struct knote *n = k->notes; n; n = n->next)
                if (n->timerfd == v) {
                    int got = deliver(k, n, 0, &out[count]);
                    if (got)
                        out[count].data = (int64_t)fired;
                    count += got;
                    break;
                }
        } else if (tag == TAG_USER) {
            uint64_t drained;
            (void)!read(k->userfd, &drained, sizeof drained);
        } else if (tag == TAG_AUX) {
            for (struct knote *n = k->notes; n; n = n->next) {
                if (n->auxfd != v)
                    continue;
                if (n->kev.filter == EVFILT_VNODE) {
                    vnode_read(n);
                    if (n->pending)
                        count += deliver(k, n, 0, &out[count]);
                } else {
                    count += deliver(k, n, 0, &out[count]);
                }
                break;
            }
        }
    }
    /* user events and always-ready files are level conditions kept in the table */
    for (struct knote *n = k->notes, *next; n && count < max; n = next) {
        next = n->next;
        if (n->kev.filter == EVFILT_USER && n->triggered && !n->disabled) {
            if (n->kev.flags & EV_CLEAR)
                n->triggered = 0;
            count += deliver(k, n, 0, &out[count]);
        } else if (n->always_ready && !n->disabled) {
            count += deliver(k, n, 0, &out[count]);
        } else if (n->kev.filter == EVFILT_SIGNAL && !n->disabled && signals_unseen(n)) {
            count += deliver(k, n, 0, &out[count]);
        }
    }
    return count;
}

static int has_level_ready(struct kq *k)
{
    for (struct knote *n = k->notes; n; n = n->next)
        if (!n->disabled && (n->always_ready || (n->kev.filter == EVFILT_USER && n->triggered) ||
                             (n->kev.filter == EVFILT_SIGNAL && signals_unseen(n))))
            return 1;
    return 0;
}

/* errors_only (KEVENT_FLAG_ERROR_EVENTS): apply the changes, report their errors, never
 * wait for events */
static int kevent_common(int fd, const struct kev *changes, int nchanges, struct kev *out,
                         int nevents, const struct timespec *timeout, int errors_only)
{
    struct kq *k = kq_of(fd);
    if (!k)
        return (int)mb_fail(DARWIN_EBADF);
    int count = 0;
    pthread_mutex_lock(&k->lock);
    for (int i = 0; i < nchanges; i++) {
        int err = apply(k, &changes[i]);
        if (err || (changes[i].flags & EV_RECEIPT)) {
            if (count < nevents) {
                out[count] = changes[i];
                out[count].flags = EV_ERROR;
                out[count].data = err;
                count++;
            } else if (err) {
                pthread_mutex_unlock(&k->lock);
                return (int)mb_fail(err);
            }
        }
    }
    int level = has_level_ready(k);
    pthread_mutex_unlock(&k->lock);
    if (count || nevents == 0 || errors_only)
        return count;
    int ms = -1;
    if (timeout)
        ms = (int)(timeout->tv_sec * 1000 + (timeout->tv_nsec + 999999) / 1000000);
    if (level)
        ms = 0;
    struct epoll_event evs[64];
    int want = nevents < 64 ? nevents : 64;
    for (;;) {
        int n = epoll_wait(k->epfd, evs, want, ms);
        if (n < 0)
            return -1; /* EINTR included, as on Darwin */
        pthread_mutex_lock(&k->lock);
        int got = collect(k, evs, n, out, nevents);
        pthread_mutex_unlock(&k->lock);
        if (got || ms == 0 || n == 0)
            return got;
        /* only internal wakeups (a drained eventfd): wait again */
    }
}

static struct timespec *dup_timeout(const struct timespec *t, struct timespec *copy)
{
    if (!t)
        return NULL;
    *copy = *t;
    return copy;
}

MB_EXPORT int mb_kevent(int kq, const struct darwin_kevent *changes, int nchanges,
                        struct darwin_kevent *events, int nevents, const struct timespec *timeout)
{
    struct kev ch[nchanges > 0 ? nchanges : 1];
    struct kev out[nevents > 0 ? nevents : 1];
    for (int i = 0; i < nchanges; i++)
        ch[i] = (struct kev){changes[i].ident, changes[i].filter, changes[i].flags,
                             changes[i].fflags, changes[i].data, (uint64_t)(uintptr_t)changes[i].udata};
    struct timespec tcopy;
    int n = kevent_common(kq, ch, nchanges, out, nevents, dup_timeout(timeout, &tcopy), 0);
    for (int i = 0; i < n; i++)
        events[i] = (struct darwin_kevent){out[i].ident, out[i].filter, out[i].flags,
                                           out[i].fflags, out[i].data, (void *)(uintptr_t)out[i].udata};
    return n;
}

MB_EXPORT int mb_kevent64(int kq, const struct darwin_kevent64 *changes, int nchanges,
                          struct darwin_kevent64 *events, int nevents, unsigned flags,
                          const struct timespec *timeout)
{
    struct kev ch[nchanges > 0 ? nchanges : 1];
    struct kev out[nevents > 0 ? nevents : 1];
    for (int i = 0; i < nchanges; i++)
        ch[i] = (struct kev){changes[i].ident, changes[i].filter, changes[i].flags,
                             changes[i].fflags, changes[i].data, changes[i].udata,
                             {changes[i].ext[0], changes[i].ext[1]}};
    struct timespec tcopy, now = {0, 0};
    /* KEVENT_FLAG_IMMEDIATE: poll, whatever the timeout says */
    const struct timespec *wait = flags & DARWIN_KEVENT_FLAG_IMMEDIATE ? &now
                                                                        : dup_timeout(timeout, &tcopy);
    int n = kevent_common(kq, ch, nchanges, out, nevents, wait,
                          flags & DARWIN_KEVENT_FLAG_ERROR_EVENTS);
    if (n < 0)
        mb_sync_errno(); /* seven arguments: no syscall thunk, so errno is set here */
    for (int i = 0; i < n; i++)
        events[i] = (struct darwin_kevent64){out[i].ident, out[i].filter, out[i].flags,
                                             out[i].fflags, out[i].data, out[i].udata,
                                             {out[i].ext[0], out[i].ext[1]}};
    return n;
}
