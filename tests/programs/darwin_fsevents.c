// darwin-only
// flags: -F{programs}/sdk -framework CoreFoundation -framework CoreServices
// FSEvents: a stream on a directory tree, scheduled on the main run loop, reports file
// creation, modification, renames and removal (with kFSEventStreamCreateFlagFileEvents and
// CF types), including in a subdirectory made after the stream started; stop and release
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dispatch/dispatch.h>

typedef const void *CFTypeRef;
typedef const struct __CFString *CFStringRef;
#define CFSTR(s) ((CFStringRef)__builtin___CFStringMakeConstantString("" s ""))
typedef void (*Callback)(const void *, void *, size_t, void *, const unsigned *, const unsigned long long *);
typedef struct { long version; void *info; void *retain, *release, *desc; } Context;
CFTypeRef CFArrayCreate(const void *, const void **, long, const void *);
long CFArrayGetCount(CFTypeRef);
const void *CFArrayGetValueAtIndex(CFTypeRef, long);
extern const char kCFTypeArrayCallBacks[];
extern CFStringRef kCFRunLoopDefaultMode;
unsigned char CFStringGetCString(CFStringRef, char *, long, unsigned);
CFStringRef CFStringCreateWithCString(const void *, const char *, unsigned);
void CFRelease(CFTypeRef);
CFTypeRef CFRunLoopGetMain(void);
void CFRunLoopRun(void);
void CFRunLoopStop(CFTypeRef);
void *FSEventStreamCreate(const void *, Callback, Context *, CFTypeRef, unsigned long long, double, unsigned);
void FSEventStreamScheduleWithRunLoop(void *, CFTypeRef, CFStringRef);
unsigned char FSEventStreamStart(void *);
void FSEventStreamStop(void *);
void FSEventStreamInvalidate(void *);
void FSEventStreamRelease(void *);

#define CREATED 0x100
#define REMOVED 0x200
#define RENAMED 0x800
#define MODIFIED 0x1000
#define IS_FILE 0x10000
#define IS_DIR 0x20000

static char root[512];
static int seen_created, seen_modified, seen_renamed, seen_removed, seen_subdir_file, seen_dir;

static void callback(const void *stream, void *info, size_t n, void *paths,
                     const unsigned *flags, const unsigned long long *ids) {
    (void)stream, (void)ids;
    for (size_t i = 0; i < n; i++) {
        char path[1024];
        CFStringGetCString(CFArrayGetValueAtIndex(paths, (long)i), path, sizeof path, 0x08000100);
        const char *rel = strncmp(path, root, strlen(root)) == 0 ? path + strlen(root) : path;
        if (!strcmp(rel, "/a.txt") && (flags[i] & CREATED) && (flags[i] & IS_FILE)) seen_created = 1;
        if (!strcmp(rel, "/a.txt") && (flags[i] & MODIFIED)) seen_modified = 1;
        if (!strcmp(rel, "/b.txt") && (flags[i] & RENAMED)) seen_renamed = 1;
        if (!strcmp(rel, "/b.txt") && (flags[i] & REMOVED)) seen_removed = 1;
        if (!strcmp(rel, "/sub") && (flags[i] & IS_DIR)) seen_dir = 1;
        if (!strcmp(rel, "/sub/c.txt") && (flags[i] & CREATED)) seen_subdir_file = 1;
    }
    if (seen_created && seen_modified && seen_renamed && seen_removed && seen_subdir_file)
        CFRunLoopStop(CFRunLoopGetMain());
    (void)info;
}

static void touch(const char *rel, const char *text) {
    char p[1024];
    snprintf(p, sizeof p, "%s%s", root, rel);
    int fd = open(p, O_CREAT | O_WRONLY | O_APPEND, 0644);
    write(fd, text, strlen(text));
    close(fd);
}

int main(void) {
    char cwd[400];
    getcwd(cwd, sizeof cwd);
    snprintf(root, sizeof root, "%s/watched", cwd);
    mkdir(root, 0755);
    CFStringRef path = CFStringCreateWithCString(NULL, root, 0x08000100);
    const void *values[] = {path};
    CFTypeRef paths = CFArrayCreate(NULL, values, 1, kCFTypeArrayCallBacks);
    Context ctx = {0, NULL, NULL, NULL, NULL};
    void *stream = FSEventStreamCreate(NULL, callback, &ctx, paths, ~0ULL, 0.05, 0x1 | 0x10 | 0x2);
    FSEventStreamScheduleWithRunLoop(stream, CFRunLoopGetMain(), kCFRunLoopDefaultMode);
    printf("started: %d\n", FSEventStreamStart(stream));
    dispatch_after(dispatch_time(DISPATCH_TIME_NOW, 100 * NSEC_PER_MSEC), dispatch_get_main_queue(), ^{
        char a[1024], b[1024], sub[1024];
        touch("/a.txt", "one");
        snprintf(sub, sizeof sub, "%s/sub", root);
        mkdir(sub, 0755);
        usleep(100000);
        touch("/a.txt", "two");
        touch("/sub/c.txt", "three");
        snprintf(a, sizeof a, "%s/a.txt", root);
        snprintf(b, sizeof b, "%s/b.txt", root);
        rename(a, b);
        unlink(b);
    });
    dispatch_after(dispatch_time(DISPATCH_TIME_NOW, 5 * NSEC_PER_SEC), dispatch_get_main_queue(), ^{
        printf("gave up waiting\n");
        CFRunLoopStop(CFRunLoopGetMain());
    });
    CFRunLoopRun();
    printf("created=%d modified=%d renamed=%d removed=%d new subdirectory=%d file in it=%d\n",
           seen_created, seen_modified, seen_renamed, seen_removed, seen_dir, seen_subdir_file);
    FSEventStreamStop(stream);
    FSEventStreamInvalidate(stream);
    FSEventStreamRelease(stream);
    CFRelease(paths);
    CFRelease(path);
    printf("stopped\n");
    return 0;
}
