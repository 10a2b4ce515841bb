/* CoreServices' FSEvents on inotify.
 *
 * A stream watches its paths recursively with one inotify instance on its own thread,
 * gathers what happens for `latency` seconds, and hands the batch to its callback on the
 * run loop it was scheduled on (the main run loop, which runs the main dispatch queue) or
 * on its dispatch queue. Paths are files with kFSEventStreamCreateFlagFileEvents, else the
 * directories that changed (with a trailing slash), as FSEvents reports them; with
 * kFSEventStreamCreateFlagUseCFTypes they come as a CFArray of CFStrings.
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "cf_api.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FLAG_USE_CF_TYPES 0x1
#define FLAG_FILE_EVENTS 0x10
#define EV_ITEM_CREATED 0x100
#define EV_ITEM_REMOVED 0x200
#define EV_INODE_META_MOD 0x400
#define EV_ITEM_RENAMED 0x800
#define EV_ITEM_MODIFIED 0x1000
#define EV_ITEM_XATTR_MOD 0x8000
#define EV_ITEM_IS_FILE 0x10000
#define EV_ITEM_IS_DIR 0x20000
#define EV_ITEM_IS_SYMLINK 0x40000

typedef void (*fsevents_callback)(const void *stream, void *info, size_t n, void *paths,
                                  const uint32_t flags[], const uint64_t ids[]);
struct fsevents_context {
    long version;
    void *info;
    const void *(*retain)(const void *);
    void (*release)(const void *);
    const void *(*copy_description)(const void *);
};

/* dispatch, from dispatch_queue.c */
MB_EXPORT void mb_dispatch_async_f(void *queue, void *ctx, void (*fn)(void *));
extern char mb__dispatch_main_q[];

struct event { char *path; uint32_t flags; };

struct stream {
    fsevents_callback callback;
    struct fsevents_context ctx;
    char **roots;
    int nroots;
    double latency;
    uint32_t flags;
    void *queue;            /* where batches are delivered: the main queue for a run loop */
    int inotify;
    int wake[2];
    pthread_t thread;
    _Atomic int running;
    pthread_mutex_t lock;
    char *wd_path[65536];   /* watch descriptor -> directory */
    struct event *pending;
    size_t npending, cap;
};

static _Atomic uint64_t event_id = 1;

MB_EXPORT uint64_t mb_FSEventsGetCurrentEventId(void) { return atomic_load(&event_id); }

static void watch_tree(struct stream *s, const char *dir)
{
    int wd = inotify_add_watch(s->inotify, dir,
                               IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_MOVED_FROM |
                                   IN_MOVED_TO | IN_CLOSE_WRITE | IN_DONT_FOLLOW | IN_ONLYDIR);
    if (wd < 0 || wd >= 65536) {
        errno = 0;
        return;
    }
    free(s->wd_path[wd]);
    s->wd_path[wd] = strdup(dir);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char sub[PATH_MAX];
        snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
        watch_tree(s, sub);
    }
    closedir(d);
    errno = 0;
}

static void add_event(struct stream *s, const char *path, uint32_t flags)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->npending; i++)
        if (!strcmp(s->pending[i].path, path)) { /* coalesce, as FSEvents does */
            s->pending[i].flags |= flags;
            pthread_mutex_unlock(&s->lock);
            return;
        }
    if (s->npending == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct event *p = realloc(s->pending, cap * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&s->lock);
            return;
        }
        s->pending = p;
        s->cap = cap;
    }
    s->pending[s->npending++] = (struct event){strdup(path), flags};
    pthread_mutex_unlock(&s->lock);
}

/* Runs on the delivery queue: one callback with everything gathered. */
static void deliver(void *arg)
{
    struct stream *s = arg;
    pthread_mutex_lock(&s->lock);
    struct event *ev = s->pending;
    size_t n = s->npending;
    s->pending = NULL;
    s->npending = s->cap = 0;
    pthread_mutex_unlock(&s->lock);
    if (!n || !atomic_load(&s->running)) {
        for (size_t i = 0; i < n; i++)
            free(ev[i].path);
        free(ev);
        return;
    }
    char **paths = calloc(n, sizeof *paths);
    uint32_t *flags = calloc(n, sizeof *flags);
    uint64_t *ids = calloc(n, sizeof *ids);
    const void **strings = calloc(n, sizeof *strings);
    for (size_t i = 0; i < n; i++) {
        paths[i] = ev[i].path;
        flags[i] = ev[i].flags;
        ids[i] = atomic_fetch_add(&event_id, 1);
        if (s->flags & FLAG_USE_CF_TYPES)
            strings[i] = mb_CFStringCreateWithCString(NULL, paths[i], UTF8);
    }
    void *array = NULL;
    if (s->flags & FLAG_USE_CF_TYPES)
        array = mb_CFArrayCreate(NULL, strings, (long)n, mb_kCFTypeArrayCallBacks);
    s->callback(s, s->ctx.info, n, array ? array : (void *)paths, flags, ids);
    if (array) {
        mb_CFRelease(array);
        for (size_t i = 0; i < n; i++)
            mb_CFRelease(strings[i]);
    }
    for (size_t i = 0; i < n; i++)
        free(ev[i].path);
    free(ev);
    free(paths);
    free(flags);
    free(ids);
    free(strings);
}

static uint32_t kind_of(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        errno = 0;
        return EV_ITEM_IS_FILE;
    }
    return S_ISDIR(st.st_mode) ? EV_ITEM_IS_DIR : S_ISLNK(st.st_mode) ? EV_ITEM_IS_SYMLINK
                                                                       : EV_ITEM_IS_FILE;
}

static void read_events(struct stream *s)
{
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t len;
    while ((len = read(s->inotify, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + len;) {
            const struct inotify_event *e = (const void *)p;
            p += sizeof *e + e->len;
            const char *dir = e->wd >= 0 && e->wd < 65536 ? s->wd_path[e->wd] : NULL;
            if (!dir || !e->len)
                continue;
            char path[PATH_MAX];
            snprintf(path, sizeof path, "%s/%s", dir, e->name);
            uint32_t f = 0;
            if (e->mask & IN_CREATE) f |= EV_ITEM_CREATED;
            if (e->mask & IN_DELETE) f |= EV_ITEM_REMOVED;
            if (e->mask & (IN_MODIFY | IN_CLOSE_WRITE)) f |= EV_ITEM_MODIFIED;
            if (e->mask & IN_ATTRIB) f |= EV_INODE_META_MOD;
            if (e->mask & (IN_MOVED_FROM | IN_MOVED_TO)) f |= EV_ITEM_RENAMED;
            f |= e->mask & IN_ISDIR ? EV_ITEM_IS_DIR : kind_of(path);
            if ((e->mask & (IN_CREATE | IN_MOVED_TO)) && (e->mask & IN_ISDIR))
                watch_tree(s, path);
            if (s->flags & FLAG_FILE_EVENTS) {
                add_event(s, path, f);
            } else {
                char dirpath[PATH_MAX];
                snprintf(dirpath, sizeof dirpath, "%s/", dir);
                add_event(s, dirpath, 0);
            }
        }
    }
    errno = 0;
}

static void *stream_thread(void *arg)
{
    struct stream *s = arg;
    struct pollfd fds[2] = {{s->inotify, POLLIN, 0}, {s->wake[0], POLLIN, 0}};
    while (atomic_load(&s->running)) {
        if (poll(fds, 2, -1) <= 0)
            continue;
        if (fds[1].revents)
            break;
        read_events(s);
        /* gather for the latency before delivering, as FSEvents coalesces */
        int ms = (int)(s->latency * 1000);
        while (ms > 0 && poll(fds, 1, ms) > 0) {
            read_events(s);
            ms /= 2;
        }
        if (s->npending)
            mb_dispatch_async_f(s->queue, s, deliver);
    }
    return NULL;
}

MB_EXPORT struct stream *mb_FSEventStreamCreate(const void *alloc, fsevents_callback cb,
                                                const struct fsevents_context *ctx,
                                                const void *paths, uint64_t since,
                                                double latency, uint32_t flags)
{
    (void)alloc, (void)since;
    struct stream *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->callback = cb;
    if (ctx)
        s->ctx = *ctx;
    if (s->ctx.retain && s->ctx.info)
        s->ctx.info = (void *)s->ctx.retain(s->ctx.info);
    long n = mb_CFArrayGetCount(paths);
    s->roots = calloc((size_t)(n > 0 ? n : 1), sizeof *s->roots);
    for (long i = 0; i < n; i++) {
        char buf[PATH_MAX];
        if (mb_CFStringGetCString(mb_CFArrayGetValueAtIndex(paths, i), buf, sizeof buf, UTF8))
            s->roots[s->nroots++] = strdup(buf);
    }
    s->latency = latency;
    s->flags = flags;
    s->inotify = -1;
    s->wake[0] = s->wake[1] = -1;
    s->queue = mb__dispatch_main_q;
    pthread_mutex_init(&s->lock, NULL);
    return s;
}

MB_EXPORT void mb_FSEventStreamScheduleWithRunLoop(struct stream *s, const void *rl,
                                                   const void *mode)
{
    (void)rl, (void)mode;
    s->queue = mb__dispatch_main_q; /* the main run loop runs the main queue */
}

MB_EXPORT void mb_FSEventStreamUnscheduleFromRunLoop(struct stream *s, const void *rl,
                                                     const void *mode)
{
    (void)s, (void)rl, (void)mode;
}

MB_EXPORT void mb_FSEventStreamSetDispatchQueue(struct stream *s, void *queue)
{
    s->queue = queue ? queue : mb__dispatch_main_q;
}

MB_EXPORT unsigned char mb_FSEventStreamStart(struct stream *s)
{
    if (atomic_load(&s->running))
        return 1;
    s->inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (s->inotify < 0 || pipe2(s->wake, O_CLOEXEC) != 0) {
        errno = 0;
        return 0;
    }
    for (int i = 0; i < s->nroots; i++)
        watch_tree(s, s->roots[i]);
    atomic_store(&s->running, 1);
    if (pthread_create(&s->thread, NULL, stream_thread, s) != 0) {
        atomic_store(&s->running, 0);
        return 0;
    }
    return 1;
}

MB_EXPORT void mb_FSEventStreamStop(struct stream *s)
{
    if (!atomic_exchange(&s->running, 0))
        return;
    (void)!write(s->wake[1], "x", 1);
    pthread_join(s->thread, NULL);
    close(s->inotify);
    close(s->wake[0]);
    close(s->wake[1]);
    s->inotify = s->wake[0] = s->wake[1] = -1;
}

MB_EXPORT void mb_FSEventStreamInvalidate(struct stream *s) { mb_FSEventStreamStop(s); }

MB_EXPORT void mb_FSEventStreamRelease(struct stream *s)
{
    if (!s)
        return;
    mb_FSEventStreamStop(s);
    if (s->ctx.release && s->ctx.info)
        s->ctx.release(s->ctx.info);
    for (int i = 0; i < s->nroots; i++)
        free(s->roots[i]);
    free(s->roots);
    for (int i = 0; i < 65536; i++)
        free(s->wd_path[i]);
    free(s);
}

MB_EXPORT uint64_t mb_FSEventStreamGetLatestEventId(struct stream *s)
{
    (void)s;
    return atomic_load(&event_id) - 1;
}

MB_EXPORT void mb_FSEventStreamFlushSync(struct stream *s)
{
    if (s->inotify >= 0)
        read_events(s);
    deliver(s);
}

MB_EXPORT uint64_t mb_FSEventStreamFlushAsync(struct stream *s)
{
    if (s->inotify >= 0)
        read_events(s);
    mb_dispatch_async_f(s->queue, s, deliver);
    return mb_FSEventStreamGetLatestEventId(s);
}

MB_EXPORT int mb_FSEventStreamGetDeviceBeingWatched(struct stream *s)
{
    (void)s;
    return 0; /* watching paths, not a device */
}

MB_EXPORT unsigned char mb_FSEventsPurgeEventsForDeviceUpToEventId(int dev, uint64_t id)
{
    (void)dev, (void)id;
    return 1; /* there is no event history to purge */
}
