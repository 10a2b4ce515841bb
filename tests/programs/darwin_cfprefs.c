// darwin-only
// flags: -F{programs}/sdk -framework CoreFoundation
// Property lists and preferences: a plist of every type written as XML (keys in order, as CF
// writes them) and as binary, both read back equal; a hand-written XML plist with entities,
// comments and empty elements; a corrupt one refused with Cocoa's error 3840; CFPreferences
// set, read through the search list (the app domain, then the global one), typed getters,
// key lists, and removal. With arguments `read DOMAIN KEY` it prints what
// CFPreferencesCopyAppValue answers (tests/test_tools.py checks it against `defaults`).
#include <stdio.h>
#include <string.h>

typedef const void *CFTypeRef;
typedef long CFIndex;
typedef struct {
    const void *version, *retain, *release, *copyDescription, *equal, *hash;
} CFCallBacks;
extern const CFCallBacks kCFTypeDictionaryKeyCallBacks, kCFTypeDictionaryValueCallBacks,
    kCFTypeArrayCallBacks;
extern const CFTypeRef kCFBooleanTrue, kCFBooleanFalse, kCFPreferencesAnyApplication,
    kCFPreferencesCurrentUser, kCFPreferencesAnyHost;
void *CFDictionaryCreateMutable(const void *, CFIndex, const void *, const void *);
void CFDictionarySetValue(void *, const void *, const void *);
void *CFArrayCreateMutable(const void *, CFIndex, const void *);
void CFArrayAppendValue(void *, const void *);
CFIndex CFArrayGetCount(CFTypeRef);
CFTypeRef CFStringCreateWithCString(const void *, const char *, unsigned);
unsigned char CFStringGetCString(CFTypeRef, char *, CFIndex, unsigned);
CFTypeRef CFNumberCreate(const void *, int, const void *);
unsigned char CFNumberGetValue(CFTypeRef, int, void *);
CFTypeRef CFDateCreate(const void *, double);
CFTypeRef CFDataCreate(const void *, const unsigned char *, CFIndex);
CFIndex CFDataGetLength(CFTypeRef);
const unsigned char *CFDataGetBytePtr(CFTypeRef);
unsigned char CFEqual(CFTypeRef, CFTypeRef);
unsigned long CFGetTypeID(CFTypeRef);
unsigned long CFStringGetTypeID(void);
unsigned long CFNumberGetTypeID(void);
CFIndex CFErrorGetCode(CFTypeRef);
void CFRelease(CFTypeRef);
CFTypeRef CFPropertyListCreateData(const void *, CFTypeRef, CFIndex, unsigned long, CFTypeRef *);
CFTypeRef CFPropertyListCreateWithData(const void *, CFTypeRef, unsigned long, CFIndex *,
                                       CFTypeRef *);
CFTypeRef CFPreferencesCopyAppValue(CFTypeRef, CFTypeRef);
void CFPreferencesSetAppValue(CFTypeRef, CFTypeRef, CFTypeRef);
void CFPreferencesSetValue(CFTypeRef, CFTypeRef, CFTypeRef, CFTypeRef, CFTypeRef);
unsigned char CFPreferencesAppSynchronize(CFTypeRef);
unsigned char CFPreferencesGetAppBooleanValue(CFTypeRef, CFTypeRef, unsigned char *);
CFIndex CFPreferencesGetAppIntegerValue(CFTypeRef, CFTypeRef, unsigned char *);
CFTypeRef CFPreferencesCopyKeyList(CFTypeRef, CFTypeRef, CFTypeRef);
#define UTF8 0x08000100u
#define S(text) CFStringCreateWithCString(NULL, text, UTF8)

static CFTypeRef sample(void)
{
    void *d = CFDictionaryCreateMutable(NULL, 0, &kCFTypeDictionaryKeyCallBacks,
                                        &kCFTypeDictionaryValueCallBacks);
    long long big = 1234567890123LL, negative = -42;
    double real = 2.5;
    CFDictionarySetValue(d, S("zeta string"), S("caf\xc3\xa9 & <tags>"));
    CFDictionarySetValue(d, S("alpha int"), CFNumberCreate(NULL, 4, &big));
    CFDictionarySetValue(d, S("negative"), CFNumberCreate(NULL, 4, &negative));
    CFDictionarySetValue(d, S("real"), CFNumberCreate(NULL, 6, &real));
    CFDictionarySetValue(d, S("yes"), kCFBooleanTrue);
    CFDictionarySetValue(d, S("no"), kCFBooleanFalse);
    CFDictionarySetValue(d, S("date"), CFDateCreate(NULL, 700000000.0));
    CFDictionarySetValue(d, S("data"), CFDataCreate(NULL, (const unsigned char *)"\x00\x01\xfe\xff", 4));
    void *a = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);
    CFArrayAppendValue(a, S("one"));
    CFArrayAppendValue(a, CFDictionaryCreateMutable(NULL, 0, &kCFTypeDictionaryKeyCallBacks,
                                                    &kCFTypeDictionaryValueCallBacks));
    CFDictionarySetValue(d, S("array"), a);
    return d;
}

static void plists(void)
{
    CFTypeRef plist = sample();
    CFTypeRef xml = CFPropertyListCreateData(NULL, plist, 100, 0, NULL);
    fwrite(CFDataGetBytePtr(xml), 1, (size_t)CFDataGetLength(xml), stdout);
    CFIndex format = 0;
    CFTypeRef back = CFPropertyListCreateWithData(NULL, xml, 0, &format, NULL);
    printf("XML round trip equal %d format %ld\n", CFEqual(plist, back), format);
    CFTypeRef binary = CFPropertyListCreateData(NULL, plist, 200, 0, NULL);
    printf("binary starts bplist00 %d\n", memcmp(CFDataGetBytePtr(binary), "bplist00", 8) == 0);
    back = CFPropertyListCreateWithData(NULL, binary, 0, &format, NULL);
    printf("binary round trip equal %d format %ld\n", CFEqual(plist, back), format);

    const char *hand = "<?xml version=\"1.0\"?>\n<!-- a comment -->\n<plist version=\"1.0\">"
                       "<dict><key>a&amp;b</key><string>&lt;&#65;&#x42;&gt;</string>"
                       "<key>empty</key><string/><key>list</key><array/></dict></plist>";
    CFTypeRef data = CFDataCreate(NULL, (const unsigned char *)hand, (CFIndex)strlen(hand));
    back = CFPropertyListCreateWithData(NULL, data, 0, NULL, NULL);
    CFTypeRef again = CFPropertyListCreateData(NULL, back, 100, 0, NULL);
    fwrite(CFDataGetBytePtr(again), 1, (size_t)CFDataGetLength(again), stdout);

    CFTypeRef error = NULL;
    data = CFDataCreate(NULL, (const unsigned char *)"<plist><dict><key>x</key>", 26);
    back = CFPropertyListCreateWithData(NULL, data, 0, NULL, &error);
    printf("corrupt: %s, error %ld\n", back ? "parsed" : "refused", error ? CFErrorGetCode(error) : 0);
}

static void preferences(void)
{
    CFTypeRef app = S("com.machbox.test");
    long long five = 5;
    CFPreferencesSetAppValue(S("count"), CFNumberCreate(NULL, 4, &five), app);
    CFPreferencesSetAppValue(S("enabled"), S("YES"), app);
    CFPreferencesSetValue(S("shared"), S("from the global domain"), kCFPreferencesAnyApplication,
                          kCFPreferencesCurrentUser, kCFPreferencesAnyHost);
    printf("synchronize %d\n", CFPreferencesAppSynchronize(app));
    unsigned char valid = 0;
    CFIndex count = CFPreferencesGetAppIntegerValue(S("count"), app, &valid);
    printf("count %ld valid %d\n", count, valid);
    unsigned char on = CFPreferencesGetAppBooleanValue(S("enabled"), app, &valid);
    printf("enabled %d valid %d\n", on, valid);
    CFPreferencesGetAppBooleanValue(S("missing"), app, &valid);
    printf("missing valid %d\n", valid);
    char text[64] = "";
    CFTypeRef shared = CFPreferencesCopyAppValue(S("shared"), app);
    if (shared)
        CFStringGetCString(shared, text, sizeof text, UTF8);
    printf("through the search list: %s\n", text);
    CFTypeRef keys = CFPreferencesCopyKeyList(app, kCFPreferencesCurrentUser, kCFPreferencesAnyHost);
    printf("keys %ld\n", keys ? CFArrayGetCount(keys) : 0);
    CFPreferencesSetAppValue(S("count"), NULL, app);
    printf("removed: %s\n", CFPreferencesCopyAppValue(S("count"), app) ? "still there" : "gone");
}

static void read_value(const char *domain, const char *key)
{
    CFTypeRef v = CFPreferencesCopyAppValue(S(key), S(domain));
    char text[256] = "(none)";
    long long n;
    if (v && CFGetTypeID(v) == CFStringGetTypeID())
        CFStringGetCString(v, text, sizeof text, UTF8);
    else if (v && CFGetTypeID(v) == CFNumberGetTypeID() && CFNumberGetValue(v, 4, &n))
        snprintf(text, sizeof text, "%lld", n);
    printf("%s\n", text);
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "read")) {
        read_value(argv[2], argv[3]);
        return 0;
    }
    plists();
    preferences();
    return 0;
}
