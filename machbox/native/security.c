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

MB_EXPORT void *mb_CFDataCreate(const void *alloc, const unsigned char *bytes, long n);
MB_EXPORT long mb_CFDataGetLength(const void *d);
MB_EXPORT const unsigned char *mb_CFDataGetBytePtr(const void *d);
MB_EXPORT const void *mb_CFRetain(const void *o);
MB_EXPORT void mb_CFRelease(const void *o);
MB_EXPORT void *mb_CFStringCreateWithCString(const void *alloc, const char *c, uint32_t enc);
MB_EXPORT void *mb_CFStringCreateWithBytes(const void *alloc, const unsigned char *b, long n,
                                           uint32_t enc, unsigned char external);
MB_EXPORT void *mb_CFArrayCreateMutable(const void *alloc, long cap, const void *cb);
MB_EXPORT void mb_CFArrayAppendValue(void *a, const void *v);
extern const char mb_kCFTypeArrayCallBacks[];
MB_HIDDEN void *mb_cf_object_new(unsigned long type, const char *name, size_t size,
                                 void (*finalize)(void *));

#define UTF8 0x08000100u
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

static const char *bundle_path(void)
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
    const char *path = bundle_path();
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
