// darwin-only
// flags: -F{programs}/sdk -framework CoreFoundation -framework Security
// env: TZ=Europe/Berlin
// CoreFoundation beyond the value types: the system time zone from the host (what Rust's
// iana-time-zone asks), dates, errors and their descriptions, file URLs, a run loop that a
// dispatched block stops; and Security's SecRandomCopyBytes
#include <dispatch/dispatch.h>
#include <stdio.h>
#include <string.h>

typedef const void *CFTypeRef;
typedef const struct __CFString *CFStringRef;
typedef double CFAbsoluteTime;
typedef long CFIndex;
#define CFSTR(s) ((CFStringRef)__builtin___CFStringMakeConstantString("" s ""))
CFTypeRef CFTimeZoneCopySystem(void);
CFStringRef CFTimeZoneGetName(CFTypeRef);
CFTypeRef CFTimeZoneCreateWithName(const void *, CFStringRef, unsigned char);
double CFTimeZoneGetSecondsFromGMT(CFTypeRef, CFAbsoluteTime);
void CFRelease(CFTypeRef);
unsigned char CFStringGetCString(CFStringRef, char *, CFIndex, unsigned);
CFAbsoluteTime CFAbsoluteTimeGetCurrent(void);
CFTypeRef CFDateCreate(const void *, CFAbsoluteTime);
CFAbsoluteTime CFDateGetAbsoluteTime(CFTypeRef);
CFTypeRef CFErrorCreate(const void *, CFStringRef, CFIndex, const void *);
CFIndex CFErrorGetCode(CFTypeRef);
CFStringRef CFErrorCopyDescription(CFTypeRef);
extern CFStringRef kCFErrorDomainPOSIX;
CFTypeRef CFURLCreateWithFileSystemPath(const void *, CFStringRef, long, unsigned char);
CFStringRef CFURLCopyLastPathComponent(CFTypeRef);
CFTypeRef CFURLCreateCopyDeletingLastPathComponent(const void *, CFTypeRef);
CFTypeRef CFURLCreateCopyAppendingPathComponent(const void *, CFTypeRef, CFStringRef, unsigned char);
CFStringRef CFURLCopyFileSystemPath(CFTypeRef, long);
unsigned char CFURLResourceIsReachable(CFTypeRef, void *);
CFTypeRef CFRunLoopGetMain(void);
CFTypeRef CFRunLoopGetCurrent(void);
void CFRunLoopRun(void);
void CFRunLoopStop(CFTypeRef);
int SecRandomCopyBytes(const void *, size_t, void *);
extern const void *kSecRandomDefault;

static const char *c(CFStringRef s) {
    static char buf[4][512];
    static int i;
    char *b = buf[i++ % 4];
    if (!s || !CFStringGetCString(s, b, 512, 0x08000100)) strcpy(b, "(null)");
    return b;
}

int main(void) {
    CFTypeRef tz = CFTimeZoneCopySystem();
    printf("system time zone: %s\n", c(CFTimeZoneGetName(tz)));
    CFAbsoluteTime summer = 741484800.0;  // 2024-07-01 00:00 UTC
    CFAbsoluteTime winter = 725846400.0;  // 2024-01-01 00:00 UTC
    printf("offsets: summer %+.0f, winter %+.0f\n", CFTimeZoneGetSecondsFromGMT(tz, summer),
           CFTimeZoneGetSecondsFromGMT(tz, winter));
    CFTypeRef tokyo = CFTimeZoneCreateWithName(NULL, CFSTR("Asia/Tokyo"), 1);
    printf("Asia/Tokyo: %s %+.0f\n", c(CFTimeZoneGetName(tokyo)),
           CFTimeZoneGetSecondsFromGMT(tokyo, summer));
    printf("nonsense zone: %s\n", CFTimeZoneCreateWithName(NULL, CFSTR("No/Where"), 0) ? "made" : "NULL");
    CFRelease(tokyo);
    CFRelease(tz);

    CFAbsoluteTime now = CFAbsoluteTimeGetCurrent();
    CFTypeRef date = CFDateCreate(NULL, now);
    printf("date round trip: %d, after 2024: %d\n", CFDateGetAbsoluteTime(date) == now,
           now > 725846400.0);
    CFRelease(date);

    CFTypeRef err = CFErrorCreate(NULL, kCFErrorDomainPOSIX, 2, NULL);
    CFStringRef desc = CFErrorCopyDescription(err);
    printf("error %ld: %s\n", CFErrorGetCode(err), c(desc));
    CFRelease(desc);
    CFRelease(err);

    CFTypeRef url = CFURLCreateWithFileSystemPath(NULL, CFSTR("/private/tmp/some dir/file.txt"), 0, 0);
    CFStringRef last = CFURLCopyLastPathComponent(url);
    CFTypeRef parent = CFURLCreateCopyDeletingLastPathComponent(NULL, url);
    CFTypeRef sibling = CFURLCreateCopyAppendingPathComponent(NULL, parent, CFSTR("other.txt"), 0);
    CFStringRef p1 = CFURLCopyFileSystemPath(parent, 0), p2 = CFURLCopyFileSystemPath(sibling, 0);
    printf("url: last=%s parent=%s sibling=%s\n", c(last), c(p1), c(p2));
    CFTypeRef root = CFURLCreateWithFileSystemPath(NULL, CFSTR("/"), 0, 1);
    printf("reachable: / %d, the file %d\n", CFURLResourceIsReachable(root, NULL),
           CFURLResourceIsReachable(url, NULL));

    printf("main run loop is current on the main thread: %d\n", CFRunLoopGetMain() == CFRunLoopGetCurrent());
    dispatch_after(dispatch_time(DISPATCH_TIME_NOW, 20 * NSEC_PER_MSEC), dispatch_get_main_queue(), ^{
        printf("block on the main queue ran inside CFRunLoopRun\n");
        CFRunLoopStop(CFRunLoopGetMain());
    });
    CFRunLoopRun();
    printf("CFRunLoopRun returned after CFRunLoopStop\n");

    unsigned char bytes[32] = {0};
    int r = SecRandomCopyBytes(kSecRandomDefault, sizeof bytes, bytes);
    int nonzero = 0;
    for (int i = 0; i < 32; i++) nonzero |= bytes[i];
    printf("SecRandomCopyBytes=%d filled=%d\n", r, nonzero != 0);
    return 0;
}
