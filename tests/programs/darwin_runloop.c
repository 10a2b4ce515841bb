// darwin-only
// flags: -F{programs}/sdk -framework CoreFoundation
// The main run loop's timers and sources, as CLI tools use them: a repeating timer that stops
// the loop on its third firing, a one-shot timer, an invalidated timer that never fires, a
// timer moved earlier with SetNextFireDate, and a version-0 source signalled from another
// thread that runs its perform callback on the main thread.
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

typedef const void *CFTypeRef;
typedef double CFAbsoluteTime;
typedef struct {
    long version;
    void *info;
    const void *retain, *release, *copyDescription;
} CFRunLoopTimerContext;
typedef struct {
    long version;
    void *info;
    const void *retain, *release, *copyDescription, *equal, *hash;
    void (*schedule)(void *, CFTypeRef, CFTypeRef);
    void (*cancel)(void *, CFTypeRef, CFTypeRef);
    void (*perform)(void *);
} CFRunLoopSourceContext;
extern const CFTypeRef kCFRunLoopDefaultMode, kCFRunLoopCommonModes;
CFTypeRef CFRunLoopGetCurrent(void);
CFTypeRef CFRunLoopGetMain(void);
int CFRunLoopRunInMode(CFTypeRef, double, unsigned char);
void CFRunLoopStop(CFTypeRef);
void CFRunLoopWakeUp(CFTypeRef);
CFAbsoluteTime CFAbsoluteTimeGetCurrent(void);
CFTypeRef CFRunLoopTimerCreate(const void *, CFAbsoluteTime, double, unsigned long, long,
                               void (*)(CFTypeRef, void *), CFRunLoopTimerContext *);
void CFRunLoopAddTimer(CFTypeRef, CFTypeRef, CFTypeRef);
void CFRunLoopTimerInvalidate(CFTypeRef);
unsigned char CFRunLoopTimerIsValid(CFTypeRef);
void CFRunLoopTimerSetNextFireDate(CFTypeRef, CFAbsoluteTime);
CFTypeRef CFRunLoopSourceCreate(const void *, long, CFRunLoopSourceContext *);
void CFRunLoopAddSource(CFTypeRef, CFTypeRef, CFTypeRef);
void CFRunLoopSourceSignal(CFTypeRef);
void CFRunLoopSourceInvalidate(CFTypeRef);

static int ticks;
static pthread_t main_thread;

static void repeating(CFTypeRef timer, void *info)
{
    printf("tick %d (%s) on main %d\n", ++ticks, (const char *)info,
           pthread_equal(pthread_self(), main_thread));
    if (ticks == 3) {
        CFRunLoopTimerInvalidate(timer);
        CFRunLoopStop(CFRunLoopGetCurrent());
    }
}

static void once(CFTypeRef timer, void *info)
{
    printf("one-shot %s, still valid %d\n", (const char *)info, CFRunLoopTimerIsValid(timer));
}

static void never(CFTypeRef timer, void *info)
{
    (void)timer;
    printf("invalidated timer fired: %s\n", (const char *)info);
}

static void performed(void *info)
{
    printf("source performed: %s on main %d\n", (const char *)info,
           pthread_equal(pthread_self(), main_thread));
    CFRunLoopStop(CFRunLoopGetMain());
}

static CFTypeRef source;

static void *signaller(void *arg)
{
    (void)arg;
    usleep(20000);
    CFRunLoopSourceSignal(source);
    CFRunLoopWakeUp(CFRunLoopGetMain());
    return NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    main_thread = pthread_self();
    CFTypeRef loop = CFRunLoopGetCurrent();
    CFAbsoluteTime now = CFAbsoluteTimeGetCurrent();
    CFRunLoopTimerContext ctx = {0, "every 10 ms", 0, 0, 0};
    CFRunLoopAddTimer(loop, CFRunLoopTimerCreate(NULL, now + 0.01, 0.01, 0, 0, repeating, &ctx),
                      kCFRunLoopCommonModes);
    CFRunLoopTimerContext dead_ctx = {0, "dead", 0, 0, 0};
    CFTypeRef dead = CFRunLoopTimerCreate(NULL, now + 0.005, 0, 0, 0, never, &dead_ctx);
    CFRunLoopAddTimer(loop, dead, kCFRunLoopDefaultMode);
    CFRunLoopTimerInvalidate(dead);
    int r = CFRunLoopRunInMode(kCFRunLoopDefaultMode, 5, 0);
    printf("run loop returned %d (stopped is 2) after %d ticks\n", r, ticks);

    CFRunLoopTimerContext once_ctx = {0, "moved from 10 s to now", 0, 0, 0};
    CFTypeRef later = CFRunLoopTimerCreate(NULL, CFAbsoluteTimeGetCurrent() + 10, 0, 0, 0, once,
                                           &once_ctx);
    CFRunLoopAddTimer(loop, later, kCFRunLoopDefaultMode);
    CFRunLoopTimerSetNextFireDate(later, CFAbsoluteTimeGetCurrent() + 0.01);
    r = CFRunLoopRunInMode(kCFRunLoopDefaultMode, 0.2, 0);
    printf("timed out as asked: %d (timed out is 3); valid after firing %d\n", r,
           CFRunLoopTimerIsValid(later));

    CFRunLoopSourceContext sctx = {0, "from another thread", 0, 0, 0, 0, 0, 0, 0, performed};
    source = CFRunLoopSourceCreate(NULL, 0, &sctx);
    CFRunLoopAddSource(loop, source, kCFRunLoopDefaultMode);
    pthread_t t;
    pthread_create(&t, NULL, signaller, NULL);
    r = CFRunLoopRunInMode(kCFRunLoopDefaultMode, 5, 0);
    pthread_join(t, NULL);
    printf("returned %d\n", r);
    CFRunLoopSourceInvalidate(source);
    CFRunLoopSourceSignal(source);
    r = CFRunLoopRunInMode(kCFRunLoopDefaultMode, 0.05, 0);
    printf("an invalidated source stays quiet: %d\n", r);
    return 0;
}
