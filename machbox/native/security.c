/* Security: certificates and the trust settings that name the system's roots, backed by
 * the host's CA store (what rustls-native-certs and native-tls ask for on macOS).
 *
 * SecTrustSettingsCopyCertificates answers the System domain with every certificate of
 * the host bundle ($SSL_CERT_FILE, else the distribution's), and the User and Admin
 * domains with errSecNoTrustSettings, as a Mac whose user never changed trust settings
 * does; such a Mac also has no per-certificate settings in the System domain
 * (errSecItemNotFound), which callers read as "trusted as a root".
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "cf_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int32_t OSStatus;
#define errSecSuccess 0
#define errSecParam (-50)
#define errSecAllocate (-108)
#define errSecItemNotFound (-25300)
#define errSecNoTrustSettings (-25263)
#define kSecTrustSettingsDomainSystem 2

MB_HIDDEN void *mb_cf_object_new(unsigned long type, const char *name, size_t size,
                                 void (*finalize)(void *));

#define TYPE_CERTIFICATE 310

struct certificate {
    unsigned char base[16]; /* CFRuntimeBase, owned by cf.c */
    void *der;              /* CFData */
};

static void certificate_finalize(void *p) { mb_CFRelease(((struct certificate *)p)->der); }

MB_EXPORT unsigned long mb_SecCertificateGetTypeID(void) { return TYPE_CERTIFICATE; }

/* The length of the DER element at p (tag, length, content), or 0 if malformed. */
static size_t der_element(const unsigned char *p, size_t avail, size_t *header)
{
    if (avail < 2)
        return 0;
    size_t len = p[1], h = 2;
    if (len & 0x80) {
        size_t n = len & 0x7f;
        if (n == 0 || n > 4 || avail < 2 + n)
            return 0;
        len = 0;
        for (size_t i = 0; i < n; i++)
            len = len << 8 | p[2 + i];
        h += n;
    }
    if (h + len > avail)
        return 0;
    *header = h;
    return h + len;
}

MB_EXPORT void *mb_SecCertificateCreateWithData(const void *alloc, const void *data)
{
    (void)alloc;
    size_t h, n = (size_t)mb_CFDataGetLength(data);
    const unsigned char *p = mb_CFDataGetBytePtr(data);
    if (n < 2 || p[0] != 0x30 || der_element(p, n, &h) != n)
        return NULL; /* not a DER certificate */
    struct certificate *c = mb_cf_object_new(TYPE_CERTIFICATE, "SecCertificate", sizeof *c,
                                             certificate_finalize);
    if (c)
        c->der = (void *)mb_CFRetain(data);
    return c;
}

MB_EXPORT void *mb_SecCertificateCopyData(const struct certificate *c)
{
    return (void *)mb_CFRetain(c->der);
}

/* The subject's common name (or organization), as Keychain Access summarises a cert. */
MB_EXPORT void *mb_SecCertificateCopySubjectSummary(const struct certificate *c)
{
    const unsigned char *p = mb_CFDataGetBytePtr(c->der);
    size_t n = (size_t)mb_CFDataGetLength(c->der), h;
    /* Certificate { TBSCertificate { [0]version?, serial, sigalg, issuer, validity, subject } } */
    if (!der_element(p, n, &h))
        return NULL;
    const unsigned char *tbs = p + h;
    size_t tbs_len = der_element(tbs, n - h, &h);
    if (!tbs_len)
        return NULL;
    const unsigned char *q = tbs + h, *end = tbs + tbs_len;
    int field = 0;
    if (q < end && q[0] == 0xa0) { /* explicit version */
        size_t l = der_element(q, (size_t)(end - q), &h);
        if (!l)
            return NULL;
        q += l;
    }
    for (; q < end && field < 4; field++) { /* skip serial, sigalg, issuer, validity */
        size_t l = der_element(q, (size_t)(end - q), &h);
        if (!l)
            return NULL;
        q += l;
    }
    size_t subject_len = der_element(q, (size_t)(end - q), &h);
    if (!subject_len)
        return NULL;
    static const unsigned char cn[] = {0x06, 0x03, 0x55, 0x04, 0x03};
    static const unsigned char org[] = {0x06, 0x03, 0x55, 0x04, 0x0a};
    const unsigned char *names[] = {cn, org};
    for (int k = 0; k < 2; k++)
        for (const unsigned char *s = q; s + 5 < q + subject_len; s++)
            if (memcmp(s, names[k], 5) == 0) {
                size_t vh, vl = der_element(s + 5, (size_t)(q + subject_len - s - 5), &vh);
                if (vl)
                    return mb_CFStringCreateWithBytes(NULL, s + 5 + vh, (long)(vl - vh), UTF8, 0);
            }
    return NULL;
}

/* ---- the host's CA bundle --------------------------------------------------------------- */

MB_HIDDEN const char *mb_security_bundle_path(void)
{
    static const char *const candidates[] = {
        "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem",
    };
    const char *env = getenv("SSL_CERT_FILE");
    if (env && *env)
        return env;
    for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++) {
        FILE *f = fopen(candidates[i], "r");
        if (f) {
            fclose(f);
            return candidates[i];
        }
    }
    return NULL;
}

static int b64_value(int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Appends each PEM certificate of the bundle to `array`; returns how many. */
static int load_bundle(void *array)
{
    const char *path = mb_security_bundle_path();
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f)
        return 0;
    char line[512];
    unsigned char *der = NULL;
    size_t len = 0, cap = 0;
    int in = 0, count = 0;
    unsigned bits = 0, nbits = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "-----BEGIN CERTIFICATE-----", 27) == 0) {
            in = 1;
            len = 0;
            bits = nbits = 0;
            continue;
        }
        if (strncmp(line, "-----END CERTIFICATE-----", 25) == 0 && in) {
            in = 0;
            void *data = mb_CFDataCreate(NULL, der, (long)len);
            void *cert = data ? mb_SecCertificateCreateWithData(NULL, data) : NULL;
            if (cert) {
                mb_CFArrayAppendValue(array, cert);
                mb_CFRelease(cert);
                count++;
            }
            if (data)
                mb_CFRelease(data);
            continue;
        }
        if (!in)
            continue;
        for (char *c = line; *c; c++) {
            int v = b64_value((unsigned char)*c);
            if (v < 0)
                continue;
            bits = bits << 6 | (unsigned)v;
            nbits += 6;
            if (nbits >= 8) {
                nbits -= 8;
                if (len == cap) {
                    cap = cap ? cap * 2 : 2048;
                    unsigned char *grown = realloc(der, cap);
                    if (!grown) {
                        free(der);
                        fclose(f);
                        return count;
                    }
                    der = grown;
                }
                der[len++] = (unsigned char)(bits >> nbits);
            }
        }
    }
    free(der);
    fclose(f);
    return count;
}

MB_EXPORT OSStatus mb_SecTrustSettingsCopyCertificates(int domain, void **out)
{
    if (out)
        *out = NULL;
    if (domain != kSecTrustSettingsDomainSystem)
        return errSecNoTrustSettings;
    void *array = mb_CFArrayCreateMutable(NULL, 0, mb_kCFTypeArrayCallBacks);
    if (!array)
        return errSecAllocate;
    if (load_bundle(array) == 0) {
        mb_CFRelease(array);
        return errSecNoTrustSettings;
    }
    if (out)
        *out = array;
    else
        mb_CFRelease(array);
    return errSecSuccess;
}

MB_EXPORT OSStatus mb_SecTrustSettingsCopyTrustSettings(const void *cert, int domain, void **out)
{
    (void)cert, (void)domain;
    if (out)
        *out = NULL;
    return errSecItemNotFound; /* no explicit settings: a System root is simply trusted */
}

MB_EXPORT void *mb_SecCopyErrorMessageString(OSStatus status, void *reserved)
{
    (void)reserved;
    static const struct { OSStatus code; const char *text; } messages[] = {
        {errSecSuccess, "No error."},
        {errSecParam, "One or more parameters passed to a function were not valid."},
        {errSecAllocate, "Failed to allocate memory."},
        {errSecItemNotFound, "The specified item could not be found in the keychain."},
        {errSecNoTrustSettings, "No Trust Settings were found."},
        {-25299, "The specified item already exists in the keychain."},
        {-25293, "The user name or passphrase you entered is not correct."},
        {-67808, "The certificate was not trusted."},
    };
    for (size_t i = 0; i < sizeof messages / sizeof *messages; i++)
        if (messages[i].code == status)
            return mb_CFStringCreateWithCString(NULL, messages[i].text, UTF8);
    char text[64];
    snprintf(text, sizeof text, "OSStatus %d", (int)status);
    return mb_CFStringCreateWithCString(NULL, text, UTF8);
}

/* ---- the keychain: generic passwords in the prefix ------------------------------------------
 * One file per user, <prefix>/Library/Keychains/<user>-generic-passwords (without a prefix,
 * ~/Library/Keychains/), one item a line: service, account and password, hex-encoded and
 * tab-separated. Every change rewrites the file aside and renames it over the old one, so a
 * killed writer never leaves half a keychain. Both APIs sit on it: the SecKeychain*
 * calls git's credential helper and older tools use, and SecItem* with query dictionaries
 * (keyring, keychain-services crates). */

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#define errSecUnimplemented (-4)
#define errSecDuplicateItem (-25299)
#define TYPE_KEYCHAIN_ITEM 311

struct record {
    char *service, *account;
    unsigned char *data;
    size_t len;
};

struct keychain {
    struct record *items;
    size_t count;
};

static pthread_mutex_t keychain_lock = PTHREAD_MUTEX_INITIALIZER;

static void keychain_path(char *out, size_t size)
{
    const char *prefix = getenv("MACHBOX_PREFIX");
    struct passwd *pw = getpwuid(getuid());
    const char *user = pw ? pw->pw_name : "user";
    if (prefix)
        snprintf(out, size, "%s/Library/Keychains/%s-generic-passwords", prefix, user);
    else
        snprintf(out, size, "%s/Library/Keychains/%s-generic-passwords",
                 getenv("HOME") ? getenv("HOME") : "/tmp", user);
}

static char *hex(const void *p, size_t n)
{
    char *s = malloc(n * 2 + 1);
    for (size_t i = 0; s && i < n; i++)
        sprintf(s + 2 * i, "%02x", ((const unsigned char *)p)[i]);
    if (s)
        s[n * 2] = 0;
    return s;
}

/* Decodes a hex field ending at a tab, newline or NUL into a new buffer; *len gets its size. */
static unsigned char *unhex(const char *s, size_t *len)
{
    size_t n = strcspn(s, "\t\n") / 2;
    unsigned char *out = malloc(n + 1);
    for (size_t i = 0; out && i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            v = 0;
        out[i] = (unsigned char)v;
    }
    if (out)
        out[n] = 0;
    *len = n;
    return out;
}

static void record_free(struct record *r)
{
    free(r->service);
    free(r->account);
    free(r->data);
}

static void keychain_free(struct keychain *k)
{
    for (size_t i = 0; i < k->count; i++)
        record_free(&k->items[i]);
    free(k->items);
    k->items = NULL;
    k->count = 0;
}

static int keychain_append(struct keychain *k, char *service, char *account,
                           unsigned char *data, size_t len)
{
    struct record *grown = realloc(k->items, (k->count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    k->items = grown;
    k->items[k->count++] = (struct record){service, account, data, len};
    return 0;
}

static void keychain_load(struct keychain *k)
{
    char path[4096], *line = NULL;
    size_t cap = 0, n;
    keychain_path(path, sizeof path);
    FILE *f = fopen(path, "r");
    *k = (struct keychain){0};
    while (f && getline(&line, &cap, f) > 0) {
        char *account = strchr(line, '\t'), *data = account ? strchr(account + 1, '\t') : NULL;
        if (!data)
            continue;
        char *svc = (char *)unhex(line, &n), *acc = (char *)unhex(account + 1, &n);
        unsigned char *pw = unhex(data + 1, &n);
        keychain_append(k, svc, acc, pw, n);
    }
    free(line);
    if (f)
        fclose(f);
}

static void make_parents(const char *path)
{
    char partial[4096];
    snprintf(partial, sizeof partial, "%s", path);
    for (char *p = partial + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(partial, 0700);
            *p = '/';
        }
}

static OSStatus keychain_save(const struct keychain *k)
{
    char path[4096], tmp[4200];
    keychain_path(path, sizeof path);
    make_parents(path);
    snprintf(tmp, sizeof tmp, "%s.tmp%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        errno = 0;
        return errSecAllocate;
    }
    for (size_t i = 0; i < k->count; i++) {
        const struct record *r = &k->items[i];
        char *s = hex(r->service, strlen(r->service)), *a = hex(r->account, strlen(r->account));
        char *d = hex(r->data, r->len);
        fprintf(f, "%s\t%s\t%s\n", s ? s : "", a ? a : "", d ? d : "");
        free(s);
        free(a);
        free(d);
    }
    int failed = fflush(f) != 0 || fsync(fileno(f)) != 0;
    failed |= fclose(f) != 0;
    if (failed || rename(tmp, path) != 0) {
        unlink(tmp);
        errno = 0;
        return errSecAllocate;
    }
    errno = 0;
    return errSecSuccess;
}

static void *copy_bytes(const void *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = 0;
    }
    return s;
}

/* The index of the first item at or after `from` matching service and account (NULL
 * matches any), or -1. */
static long keychain_find(const struct keychain *k, size_t from, const char *service,
                          const char *account)
{
    for (size_t i = from; i < k->count; i++)
        if ((!service || !strcmp(k->items[i].service, service)) &&
            (!account || !strcmp(k->items[i].account, account)))
            return (long)i;
    return -1;
}

static void keychain_remove(struct keychain *k, size_t i)
{
    record_free(&k->items[i]);
    memmove(&k->items[i], &k->items[i + 1], (k->count - i - 1) * sizeof *k->items);
    k->count--;
}

/* Adds an item; the strings and data are copied. */
static OSStatus keychain_add(const char *service, const char *account, const void *data,
                             size_t len)
{
    struct keychain k;
    pthread_mutex_lock(&keychain_lock);
    keychain_load(&k);
    OSStatus r = errSecDuplicateItem;
    if (keychain_find(&k, 0, service, account) < 0) {
        r = errSecAllocate;
        if (keychain_append(&k, strdup(service), strdup(account), copy_bytes(data, len), len) == 0)
            r = keychain_save(&k);
    }
    keychain_free(&k);
    pthread_mutex_unlock(&keychain_lock);
    return r;
}

/* Replaces the data of every matching item (data != NULL) or removes them (data == NULL). */
static OSStatus keychain_change(const char *service, const char *account, const void *data,
                                size_t len)
{
    struct keychain k;
    pthread_mutex_lock(&keychain_lock);
    keychain_load(&k);
    OSStatus r = errSecItemNotFound;
    for (long i = keychain_find(&k, 0, service, account); i >= 0;
         i = keychain_find(&k, (size_t)i, service, account)) {
        r = errSecSuccess;
        if (!data) {
            keychain_remove(&k, (size_t)i);
            continue;
        }
        free(k.items[i].data);
        k.items[i].data = copy_bytes(data, len);
        k.items[i].len = len;
        i++;
    }
    if (r == errSecSuccess)
        r = keychain_save(&k);
    keychain_free(&k);
    pthread_mutex_unlock(&keychain_lock);
    return r;
}

/* ---- SecKeychain*: items named by service and account -------------------------------------- */

struct item {
    unsigned char base[16];
    char *service, *account;
};

static void item_finalize(void *p)
{
    struct item *i = p;
    free(i->service);
    free(i->account);
}

static struct item *item_new(const char *service, const char *account)
{
    struct item *i = mb_cf_object_new(TYPE_KEYCHAIN_ITEM, "SecKeychainItem", sizeof *i,
                                      item_finalize);
    if (i) {
        i->service = strdup(service);
        i->account = strdup(account);
    }
    return i;
}

MB_EXPORT OSStatus mb_SecKeychainAddGenericPassword(const void *kc, uint32_t slen,
                                                    const char *service, uint32_t alen,
                                                    const char *account, uint32_t plen,
                                                    const void *password, void **item)
{
    (void)kc;
    char *s = copy_bytes(service ? service : "", service ? slen : 0);
    char *a = copy_bytes(account ? account : "", account ? alen : 0);
    OSStatus r = s && a ? keychain_add(s, a, password ? password : "", password ? plen : 0)
                        : errSecAllocate;
    if (r == errSecSuccess && item)
        *item = item_new(s, a);
    free(s);
    free(a);
    return r;
}

MB_EXPORT OSStatus mb_SecKeychainFindGenericPassword(const void *kc, uint32_t slen,
                                                     const char *service, uint32_t alen,
                                                     const char *account, uint32_t *plen,
                                                     void **password, void **item)
{
    (void)kc;
    char *s = service ? copy_bytes(service, slen) : NULL;
    char *a = account ? copy_bytes(account, alen) : NULL;
    struct keychain k;
    pthread_mutex_lock(&keychain_lock);
    keychain_load(&k);
    pthread_mutex_unlock(&keychain_lock);
    long i = keychain_find(&k, 0, s, a);
    if (i >= 0) {
        struct record *found = &k.items[i];
        if (plen)
            *plen = (uint32_t)found->len;
        if (password)
            *password = copy_bytes(found->data, found->len);
        if (item)
            *item = item_new(found->service, found->account);
    }
    keychain_free(&k);
    free(s);
    free(a);
    errno = 0;
    return i >= 0 ? errSecSuccess : errSecItemNotFound;
}

MB_EXPORT OSStatus mb_SecKeychainItemFreeContent(void *attrs, void *data)
{
    (void)attrs;
    free(data);
    return errSecSuccess;
}

MB_EXPORT OSStatus mb_SecKeychainItemDelete(struct item *i)
{
    return i ? keychain_change(i->service, i->account, NULL, 0) : errSecParam;
}

/* Only the password can change here (an attribute list is refused). */
MB_EXPORT OSStatus mb_SecKeychainItemModifyAttributesAndData(struct item *i, const void *attrs,
                                                             uint32_t len, const void *data)
{
    if (!i || attrs)
        return errSecParam;
    return data ? keychain_change(i->service, i->account, data, len) : errSecSuccess;
}

MB_EXPORT OSStatus mb_SecKeychainCopyDomainDefault(int domain, void **keychain)
{
    (void)domain;
    if (keychain)
        *keychain = NULL; /* the one keychain: NULL means "the default" to every call here */
    return errSecSuccess;
}

/* ---- SecItem*: the same items through query dictionaries ----------------------------------
 * The keys' values are Security's own short strings ("svce", "acct", "v_Data"...), so a
 * program comparing them by content sees what it would on a Mac. */

#define SEC_STRING(sym, text)                                                                   \
    MB_EXPORT const void *sym;                                                                  \
    static void __attribute__((constructor)) init_##sym(void)                                   \
    {                                                                                           \
        sym = mb___CFStringMakeConstantString(text);                                            \
    }


SEC_STRING(mb_kSecClass, "class")
SEC_STRING(mb_kSecClassGenericPassword, "genp")
SEC_STRING(mb_kSecClassInternetPassword, "inet")
SEC_STRING(mb_kSecClassCertificate, "cert")
SEC_STRING(mb_kSecClassKey, "keys")
SEC_STRING(mb_kSecClassIdentity, "idnt")
SEC_STRING(mb_kSecAttrService, "svce")
SEC_STRING(mb_kSecAttrAccount, "acct")
SEC_STRING(mb_kSecAttrLabel, "labl")
SEC_STRING(mb_kSecAttrDescription, "desc")
SEC_STRING(mb_kSecAttrComment, "icmt")
SEC_STRING(mb_kSecAttrAccessible, "pdmn")
SEC_STRING(mb_kSecAttrSynchronizable, "sync")
SEC_STRING(mb_kSecValueData, "v_Data")
SEC_STRING(mb_kSecValueRef, "v_Ref")
SEC_STRING(mb_kSecReturnData, "r_Data")
SEC_STRING(mb_kSecReturnAttributes, "r_Attributes")
SEC_STRING(mb_kSecReturnRef, "r_Ref")
SEC_STRING(mb_kSecReturnPersistentRef, "r_PersistentRef")
SEC_STRING(mb_kSecMatchLimit, "m_Limit")
SEC_STRING(mb_kSecMatchLimitOne, "m_LimitOne")
SEC_STRING(mb_kSecMatchLimitAll, "m_LimitAll")
SEC_STRING(mb_kSecUseDataProtectionKeychain, "nleg")

/* A query's class, service and account; service/account NULL when the query leaves them
 * open. Returns errSecParam for a value of the wrong type. */
struct query {
    char *service, *account;
    int generic_password;
};

static char *string_value(const void *dict, const void *key, int *bad)
{
    const void *v = mb_CFDictionaryGetValue(dict, key);
    if (!v)
        return NULL;
    char buf[4096];
    if (mb_CFGetTypeID(v) != mb_CFStringGetTypeID() || !mb_CFStringGetCString(v, buf, sizeof buf, UTF8)) {
        *bad = 1;
        return NULL;
    }
    return strdup(buf);
}

static OSStatus query_read(const void *dict, struct query *q)
{
    int bad = 0;
    *q = (struct query){0};
    if (!dict)
        return errSecParam;
    const void *cls = mb_CFDictionaryGetValue(dict, mb_kSecClass);
    q->generic_password = cls && mb_CFEqual(cls, mb_kSecClassGenericPassword);
    q->service = string_value(dict, mb_kSecAttrService, &bad);
    q->account = string_value(dict, mb_kSecAttrAccount, &bad);
    if (!cls || bad)
        return errSecParam;
    /* the other classes (internet passwords, keys, certificates) hold nothing here */
    return q->generic_password ? errSecSuccess : errSecItemNotFound;
}

static void query_free(struct query *q)
{
    free(q->service);
    free(q->account);
}

static int wants(const void *dict, const void *key)
{
    const void *v = mb_CFDictionaryGetValue(dict, key);
    return v && mb_CFEqual(v, mb_kCFBooleanTrue);
}

static const void *value_data(const void *dict)
{
    const void *v = mb_CFDictionaryGetValue(dict, mb_kSecValueData);
    return v && mb_CFGetTypeID(v) == mb_CFDataGetTypeID() ? v : NULL;
}

/* What a query asked back for one item: its data, or its attributes (with the data in
 * them when both were asked). */
static void *item_result(const struct record *r, int data, int attributes)
{
    void *bytes = data ? mb_CFDataCreate(NULL, r->data, (long)r->len) : NULL;
    if (!attributes)
        return bytes;
    void *d = mb_CFDictionaryCreateMutable(NULL, 0, mb_kCFTypeDictionaryKeyCallBacks,
                                           mb_kCFTypeDictionaryValueCallBacks);
    void *svc = mb_CFStringCreateWithCString(NULL, r->service, UTF8);
    void *acc = mb_CFStringCreateWithCString(NULL, r->account, UTF8);
    mb_CFDictionarySetValue(d, mb_kSecClass, mb_kSecClassGenericPassword);
    mb_CFDictionarySetValue(d, mb_kSecAttrService, svc);
    mb_CFDictionarySetValue(d, mb_kSecAttrAccount, acc);
    if (bytes)
        mb_CFDictionarySetValue(d, mb_kSecValueData, bytes);
    mb_CFRelease(svc);
    mb_CFRelease(acc);
    if (bytes)
        mb_CFRelease(bytes);
    return d;
}

MB_EXPORT OSStatus mb_SecItemAdd(const void *attributes, const void **result)
{
    struct query q;
    OSStatus r = query_read(attributes, &q);
    if (r == errSecItemNotFound)
        r = errSecUnimplemented;
    const void *data = r == errSecSuccess ? value_data(attributes) : NULL;
    struct record added = {q.service ? q.service : "", q.account ? q.account : "",
                           data ? (unsigned char *)mb_CFDataGetBytePtr(data) : (unsigned char *)"",
                           data ? (size_t)mb_CFDataGetLength(data) : 0};
    if (r == errSecSuccess)
        r = keychain_add(added.service, added.account, added.data, added.len);
    if (r == errSecSuccess && result)
        *result = item_result(&added, wants(attributes, mb_kSecReturnData),
                              wants(attributes, mb_kSecReturnAttributes));
    query_free(&q);
    return r;
}

MB_EXPORT OSStatus mb_SecItemCopyMatching(const void *query, const void **result)
{
    struct query q;
    OSStatus r = query_read(query, &q);
    if (r != errSecSuccess) {
        query_free(&q);
        return r;
    }
    const void *limit = mb_CFDictionaryGetValue(query, mb_kSecMatchLimit);
    int all = limit && mb_CFEqual(limit, mb_kSecMatchLimitAll);
    int data = wants(query, mb_kSecReturnData), attributes = wants(query, mb_kSecReturnAttributes);
    if (data && all && !attributes) {
        query_free(&q);
        return errSecParam; /* as on macOS: data of many items only within their attributes */
    }
    struct keychain k;
    pthread_mutex_lock(&keychain_lock);
    keychain_load(&k);
    pthread_mutex_unlock(&keychain_lock);
    void *many = all ? mb_CFArrayCreateMutable(NULL, 0, mb_kCFTypeArrayCallBacks) : NULL;
    r = errSecItemNotFound;
    for (long i = keychain_find(&k, 0, q.service, q.account); i >= 0;
         i = keychain_find(&k, (size_t)i + 1, q.service, q.account)) {
        r = errSecSuccess;
        void *one = item_result(&k.items[i], data, attributes);
        if (!all) {
            if (result)
                *result = one;
            else if (one)
                mb_CFRelease(one);
            break;
        }
        if (one) {
            mb_CFArrayAppendValue(many, one);
            mb_CFRelease(one);
        }
    }
    if (all && r == errSecSuccess && result)
        *result = many;
    else if (many)
        mb_CFRelease(many);
    keychain_free(&k);
    query_free(&q);
    return r;
}

MB_EXPORT OSStatus mb_SecItemUpdate(const void *query, const void *changes)
{
    struct query q;
    OSStatus r = query_read(query, &q);
    const void *data = changes ? value_data(changes) : NULL;
    if (r == errSecSuccess && !data)
        r = errSecParam; /* only the password can change here */
    if (r == errSecSuccess)
        r = keychain_change(q.service, q.account, mb_CFDataGetBytePtr(data),
                            (size_t)mb_CFDataGetLength(data));
    query_free(&q);
    return r;
}

MB_EXPORT OSStatus mb_SecItemDelete(const void *query)
{
    struct query q;
    OSStatus r = query_read(query, &q);
    if (r == errSecSuccess)
        r = keychain_change(q.service, q.account, NULL, 0);
    query_free(&q);
    return r;
}
