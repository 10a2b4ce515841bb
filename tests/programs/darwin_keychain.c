// darwin-only
// flags: -F{programs}/sdk -framework CoreFoundation -framework Security
// Generic passwords in the keychain, as git's credential helper (SecKeychain*) and the
// keyring crates (SecItem* query dictionaries) store them: add, duplicate refused, find,
// update, match-all with attributes, delete, and not-found afterwards. The keychain lives in
// the prefix under the test's own HOME, so every run starts empty.
#include <stdio.h>
#include <string.h>

typedef const void *CFTypeRef;
typedef int OSStatus;
typedef struct {
    const void *version, *retain, *release, *copyDescription, *equal, *hash;
} CFDictionaryCallBacks;
extern const CFDictionaryCallBacks kCFTypeDictionaryKeyCallBacks, kCFTypeDictionaryValueCallBacks;
extern const CFTypeRef kCFBooleanTrue;
extern const CFTypeRef kSecClass, kSecClassGenericPassword, kSecClassInternetPassword,
    kSecAttrService, kSecAttrAccount, kSecValueData, kSecReturnData, kSecReturnAttributes,
    kSecMatchLimit, kSecMatchLimitOne, kSecMatchLimitAll;
void *CFDictionaryCreateMutable(const void *, long, const void *, const void *);
void CFDictionarySetValue(void *, const void *, const void *);
const void *CFDictionaryGetValue(const void *, const void *);
CFTypeRef CFDataCreate(const void *, const unsigned char *, long);
long CFDataGetLength(CFTypeRef);
const unsigned char *CFDataGetBytePtr(CFTypeRef);
CFTypeRef CFStringCreateWithCString(const void *, const char *, unsigned);
unsigned char CFStringGetCString(CFTypeRef, char *, long, unsigned);
long CFArrayGetCount(CFTypeRef);
const void *CFArrayGetValueAtIndex(CFTypeRef, long);
void CFRelease(CFTypeRef);
OSStatus SecKeychainAddGenericPassword(void *, unsigned, const char *, unsigned, const char *,
                                       unsigned, const void *, void **);
OSStatus SecKeychainFindGenericPassword(void *, unsigned, const char *, unsigned, const char *,
                                        unsigned *, void **, void **);
OSStatus SecKeychainItemFreeContent(void *, void *);
OSStatus SecKeychainItemDelete(void *);
OSStatus SecKeychainItemModifyAttributesAndData(void *, const void *, unsigned, const void *);
OSStatus SecItemAdd(CFTypeRef, CFTypeRef *);
OSStatus SecItemCopyMatching(CFTypeRef, CFTypeRef *);
OSStatus SecItemUpdate(CFTypeRef, CFTypeRef);
OSStatus SecItemDelete(CFTypeRef);
#define UTF8 0x08000100u

static void *query(const char *service, const char *account)
{
    void *q = CFDictionaryCreateMutable(NULL, 0, &kCFTypeDictionaryKeyCallBacks,
                                        &kCFTypeDictionaryValueCallBacks);
    CFDictionarySetValue(q, kSecClass, kSecClassGenericPassword);
    if (service) {
        CFTypeRef s = CFStringCreateWithCString(NULL, service, UTF8);
        CFDictionarySetValue(q, kSecAttrService, s);
        CFRelease(s);
    }
    if (account) {
        CFTypeRef a = CFStringCreateWithCString(NULL, account, UTF8);
        CFDictionarySetValue(q, kSecAttrAccount, a);
        CFRelease(a);
    }
    return q;
}

static void set_data(void *q, const char *text)
{
    CFTypeRef d = CFDataCreate(NULL, (const unsigned char *)text, (long)strlen(text));
    CFDictionarySetValue(q, kSecValueData, d);
    CFRelease(d);
}

static void print_string(const char *label, CFTypeRef s)
{
    char buf[256] = "(none)";
    if (s)
        CFStringGetCString(s, buf, sizeof buf, UTF8);
    printf("%s=%s", label, buf);
}

static void legacy_api(void)
{
    void *item = NULL;
    OSStatus r = SecKeychainAddGenericPassword(NULL, 7, "git:foo", 5, "alice", 6, "s3cret",
                                               &item);
    printf("add %d item %s\n", r, item ? "yes" : "no");
    r = SecKeychainAddGenericPassword(NULL, 7, "git:foo", 5, "alice", 3, "xyz", NULL);
    printf("add again %d\n", r);
    unsigned len = 0;
    void *pw = NULL;
    r = SecKeychainFindGenericPassword(NULL, 7, "git:foo", 5, "alice", &len, &pw, NULL);
    printf("find %d len %u %.*s\n", r, len, (int)len, (char *)pw);
    SecKeychainItemFreeContent(NULL, pw);
    r = SecKeychainItemModifyAttributesAndData(item, NULL, 7, "changed");
    printf("modify %d\n", r);
    r = SecKeychainFindGenericPassword(NULL, 7, "git:foo", 5, "alice", &len, &pw, NULL);
    printf("find %d len %u %.*s\n", r, len, (int)len, (char *)pw);
    SecKeychainItemFreeContent(NULL, pw);
    r = SecKeychainFindGenericPassword(NULL, 7, "git:foo", 3, "bob", &len, &pw, NULL);
    printf("find bob %d\n", r);
    printf("delete %d\n", SecKeychainItemDelete(item));
    printf("delete again %d\n", SecKeychainItemDelete(item));
    r = SecKeychainFindGenericPassword(NULL, 7, "git:foo", 5, "alice", &len, &pw, NULL);
    printf("find after delete %d\n", r);
    CFRelease(item);
}

static void item_api(void)
{
    void *add = query("svc", "carol");
    set_data(add, "pw-one");
    CFTypeRef result = NULL;
    printf("SecItemAdd %d\n", SecItemAdd(add, NULL));
    printf("SecItemAdd again %d\n", SecItemAdd(add, NULL));
    CFRelease(add);
    add = query("svc", "dave");
    set_data(add, "pw-two");
    printf("SecItemAdd dave %d\n", SecItemAdd(add, NULL));
    CFRelease(add);

    void *q = query("svc", "carol");
    CFDictionarySetValue(q, kSecReturnData, kCFBooleanTrue);
    OSStatus r = SecItemCopyMatching(q, &result);
    printf("copy %d %.*s\n", r, (int)CFDataGetLength(result), CFDataGetBytePtr(result));
    CFRelease(result);
    void *change = CFDictionaryCreateMutable(NULL, 0, &kCFTypeDictionaryKeyCallBacks,
                                             &kCFTypeDictionaryValueCallBacks);
    set_data(change, "pw-new");
    void *match = query("svc", "carol");
    printf("update %d\n", SecItemUpdate(match, change));
    r = SecItemCopyMatching(q, &result);
    printf("copy %d %.*s\n", r, (int)CFDataGetLength(result), CFDataGetBytePtr(result));
    CFRelease(result);
    CFRelease(q);

    void *all = query("svc", NULL);
    CFDictionarySetValue(all, kSecMatchLimit, kSecMatchLimitAll);
    CFDictionarySetValue(all, kSecReturnAttributes, kCFBooleanTrue);
    r = SecItemCopyMatching(all, &result);
    printf("all %d count %ld\n", r, CFArrayGetCount(result));
    for (long i = 0; i < CFArrayGetCount(result); i++) {
        CFTypeRef attrs = CFArrayGetValueAtIndex(result, i);
        print_string("  service", CFDictionaryGetValue(attrs, kSecAttrService));
        print_string(" account", CFDictionaryGetValue(attrs, kSecAttrAccount));
        printf(" data %s\n", CFDictionaryGetValue(attrs, kSecValueData) ? "yes" : "no");
    }
    CFRelease(result);
    CFDictionarySetValue(all, kSecReturnData, kCFBooleanTrue);
    r = SecItemCopyMatching(all, &result);
    CFTypeRef second = CFArrayGetValueAtIndex(result, 1);
    CFTypeRef data = CFDictionaryGetValue(second, kSecValueData);
    printf("all with data %d: %.*s\n", r, (int)CFDataGetLength(data), CFDataGetBytePtr(data));
    CFRelease(result);

    void *inet = CFDictionaryCreateMutable(NULL, 0, &kCFTypeDictionaryKeyCallBacks,
                                           &kCFTypeDictionaryValueCallBacks);
    CFDictionarySetValue(inet, kSecClass, kSecClassInternetPassword);
    printf("internet passwords %d\n", SecItemCopyMatching(inet, &result));
    printf("delete all %d\n", SecItemDelete(all));
    printf("delete again %d\n", SecItemDelete(all));
    printf("copy after delete %d\n", SecItemCopyMatching(match, NULL));
    CFRelease(all);
    CFRelease(match);
    CFRelease(change);
    CFRelease(inet);
}

int main(void)
{
    legacy_api();
    item_api();
    return 0;
}
