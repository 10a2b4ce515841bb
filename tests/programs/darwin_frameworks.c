// darwin-only
// flags: -F{programs}/sdk -framework CoreFoundation -framework SystemConfiguration -framework CoreServices -framework IOKit
// env: LC_ALL=de_DE.UTF-8
// The framework calls around the core types: CFSet, CFStringCreateWithFormat with %@,
// CFCopyDescription; the main bundle of a tool with an embedded Info.plist;
// the current locale from the environment; SystemConfiguration's names and reachability;
// LaunchServices finding no application; IOKit finding no device.
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef const void *CFTypeRef;
typedef long CFIndex;
typedef struct {
    const void *version, *retain, *release, *copyDescription, *equal, *hash;
} CFCallBacks;
extern const CFCallBacks kCFTypeSetCallBacks;
extern const CFTypeRef kCFLocaleLanguageCode, kCFLocaleCountryCode, kCFLocaleDecimalSeparator;
extern const unsigned kIOMasterPortDefault;
void *CFSetCreateMutable(const void *, CFIndex, const void *);
void CFSetAddValue(void *, const void *);
unsigned char CFSetContainsValue(CFTypeRef, const void *);
CFIndex CFSetGetCount(CFTypeRef);
void CFSetRemoveValue(void *, const void *);
CFTypeRef CFSetCreate(const void *, const void **, CFIndex, const void *);
unsigned char CFEqual(CFTypeRef, CFTypeRef);
CFTypeRef CFStringCreateWithCString(const void *, const char *, unsigned);
unsigned char CFStringGetCString(CFTypeRef, char *, CFIndex, unsigned);
CFTypeRef CFStringCreateWithFormat(const void *, CFTypeRef, CFTypeRef, ...);
CFTypeRef CFCopyDescription(CFTypeRef);
CFTypeRef CFNumberCreate(const void *, int, const void *);
CFTypeRef CFBundleGetMainBundle(void);
CFTypeRef CFBundleGetIdentifier(CFTypeRef);
CFTypeRef CFBundleGetValueForInfoDictionaryKey(CFTypeRef, CFTypeRef);
CFTypeRef CFBundleCopyBundleURL(CFTypeRef);
CFTypeRef CFURLCopyFileSystemPath(CFTypeRef, int);
CFTypeRef CFLocaleCopyCurrent(void);
CFTypeRef CFLocaleCreate(const void *, CFTypeRef);
CFTypeRef CFLocaleGetIdentifier(CFTypeRef);
CFTypeRef CFLocaleGetValue(CFTypeRef, CFTypeRef);
CFTypeRef CFLocaleCopyPreferredLanguages(void);
CFIndex CFArrayGetCount(CFTypeRef);
const void *CFArrayGetValueAtIndex(CFTypeRef, CFIndex);
CFTypeRef SCDynamicStoreCopyComputerName(CFTypeRef, unsigned *);
CFTypeRef SCNetworkReachabilityCreateWithName(const void *, const char *);
CFTypeRef SCNetworkReachabilityCreateWithAddress(const void *, const void *);
unsigned char SCNetworkReachabilityGetFlags(CFTypeRef, unsigned *);
CFTypeRef LSCopyDefaultApplicationURLForURL(CFTypeRef, unsigned, CFTypeRef *);
int LSOpenCFURLRef(CFTypeRef, CFTypeRef *);
CFTypeRef CFURLCreateWithFileSystemPath(const void *, CFTypeRef, int, unsigned char);
long CFErrorGetCode(CFTypeRef);
void *IOServiceMatching(const char *);
unsigned IOServiceGetMatchingService(unsigned, CFTypeRef);
int IOServiceGetMatchingServices(unsigned, CFTypeRef, unsigned *);
unsigned IOIteratorNext(unsigned);
int IOPMAssertionCreateWithName(CFTypeRef, unsigned, CFTypeRef, unsigned *);
int IOPMAssertionRelease(unsigned);
#define UTF8 0x08000100u
#define S(text) CFStringCreateWithCString(NULL, text, UTF8)

/* the Info.plist a tool embeds, as ld's -sectcreate __TEXT __info_plist puts it */
__attribute__((used, section("__TEXT,__info_plist"))) static const char info_plist[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n"
    "\t<key>CFBundleIdentifier</key>\n\t<string>org.machbox.frameworks-test</string>\n"
    "\t<key>CFBundleVersion</key>\n\t<string>1.2.3</string>\n</dict>\n</plist>\n";

static void show(const char *label, CFTypeRef s)
{
    char text[512] = "(null)";
    if (s)
        CFStringGetCString(s, text, sizeof text, UTF8);
    printf("%s: %s\n", label, text);
}

int main(int argc, char **argv)
{
    (void)argc;
    void *set = CFSetCreateMutable(NULL, 0, &kCFTypeSetCallBacks);
    CFSetAddValue(set, S("apple"));
    CFSetAddValue(set, S("pear"));
    CFSetAddValue(set, S("apple"));
    printf("set count %ld has pear %d has plum %d\n", CFSetGetCount(set),
           CFSetContainsValue(set, S("pear")), CFSetContainsValue(set, S("plum")));
    CFSetRemoveValue(set, S("pear"));
    const void *one[] = {S("apple")};
    printf("after removal equals {apple}: %d\n",
           CFEqual(set, CFSetCreate(NULL, one, 1, &kCFTypeSetCallBacks)));

    long long n = 42;
    CFTypeRef num = CFNumberCreate(NULL, 4, &n);
    show("format", CFStringCreateWithFormat(NULL, NULL, S("%@ has %d items, %5.2f%%, %s %x %lu %@"),
                                            S("list"), 3, 99.5, "ok", 255u, 7ul, num));
    show("description of a string", CFCopyDescription(S("plain")));
    char described[256] = "";
    CFStringGetCString(CFCopyDescription(num), described, sizeof described, UTF8);
    printf("a number's description ends: %s\n", strstr(described, "{value"));

    CFTypeRef main = CFBundleGetMainBundle();
    show("bundle identifier", CFBundleGetIdentifier(main));
    show("bundle version", CFBundleGetValueForInfoDictionaryKey(main, S("CFBundleVersion")));
    char here[4096], bundle_dir[4096] = "";
    snprintf(here, sizeof here, "%s", argv[0]);
    *strrchr(here, '/') = 0;
    CFStringGetCString(CFURLCopyFileSystemPath(CFBundleCopyBundleURL(main), 0), bundle_dir,
                       sizeof bundle_dir, UTF8);
    printf("bundle is the executable's directory: %d\n", strcmp(here, bundle_dir) == 0);

    CFTypeRef locale = CFLocaleCopyCurrent();
    show("locale", CFLocaleGetIdentifier(locale));
    show("language", CFLocaleGetValue(locale, kCFLocaleLanguageCode));
    show("country", CFLocaleGetValue(locale, kCFLocaleCountryCode));
    show("decimal separator", CFLocaleGetValue(locale, kCFLocaleDecimalSeparator));
    show("en_US decimal separator",
         CFLocaleGetValue(CFLocaleCreate(NULL, S("en_US")), kCFLocaleDecimalSeparator));
    CFTypeRef languages = CFLocaleCopyPreferredLanguages();
    show("first preferred language", CFArrayGetValueAtIndex(languages, 0));

    char host[256] = "", computer[256] = "";
    gethostname(host, sizeof host);
    host[strcspn(host, ".")] = 0;
    CFStringGetCString(SCDynamicStoreCopyComputerName(NULL, NULL), computer, sizeof computer, UTF8);
    printf("computer name is the host name: %d\n", strcmp(host, computer) == 0);
    unsigned flags = 0;
    SCNetworkReachabilityGetFlags(SCNetworkReachabilityCreateWithName(NULL, "localhost"), &flags);
    printf("localhost flags %#x\n", flags);
    unsigned char loopback[16] = {16, 2, 0, 0, 127, 0, 0, 1};
    SCNetworkReachabilityGetFlags(SCNetworkReachabilityCreateWithAddress(NULL, loopback), &flags);
    printf("127.0.0.1 flags %#x\n", flags);

    CFTypeRef error = NULL;
    CFTypeRef url = CFURLCreateWithFileSystemPath(NULL, S("/tmp/x.txt"), 0, 0);
    CFTypeRef app = LSCopyDefaultApplicationURLForURL(url, 0xffffffff, &error);
    printf("default application: %s, error %ld; open: %d\n", app ? "found" : "none",
           error ? CFErrorGetCode(error) : 0, LSOpenCFURLRef(url, NULL));

    unsigned service = IOServiceGetMatchingService(kIOMasterPortDefault,
                                                   IOServiceMatching("IOPlatformExpertDevice"));
    unsigned iterator = 1;
    int kr = IOServiceGetMatchingServices(kIOMasterPortDefault, IOServiceMatching("IOUSBDevice"),
                                          &iterator);
    printf("IOKit service %u; services kr %d, first %u\n", service, kr, IOIteratorNext(iterator));
    unsigned assertion = 0;
    kr = IOPMAssertionCreateWithName(S("PreventUserIdleSystemSleep"), 255, S("test"), &assertion);
    printf("power assertion kr %d id set %d release %d\n", kr, assertion != 0,
           IOPMAssertionRelease(assertion));
    return 0;
}
