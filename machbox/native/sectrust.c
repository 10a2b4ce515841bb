/* Security's trust evaluation: SecPolicy and SecTrust over the host's OpenSSL.
 *
 * Go's crypto/x509, rustls-platform-verifier and native-tls hand the server's chain to
 * SecTrustCreateWithCertificates with an SSL policy naming the host, and read back a yes or
 * no, an OSStatus in a CFError and the chain built. Here the chain is built and checked by
 * libcrypto (opened at first use, so machbox needs no OpenSSL headers and a host without it
 * only loses this) against the same roots SecTrustSettingsCopyCertificates names: the host CA
 * bundle, or the caller's anchors. OpenSSL's verdicts map onto the OSStatus codes these
 * callers branch on (expired, host name mismatch, not trusted).
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "cf_api.h"

#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int32_t OSStatus;
#define errSecSuccess 0
#define errSecParam (-50)
#define errSecAllocate (-108)
#define errSecInternalComponent (-2070)
#define errSecHostNameMismatch (-67602)
#define errSecCertificateExpired (-67818)
#define errSecCertificateRevoked (-67820)
#define errSecNotTrusted (-67843)

/* SecTrustResultType */
#define kSecTrustResultInvalid 0
#define kSecTrustResultProceed 1
#define kSecTrustResultUnspecified 4
#define kSecTrustResultRecoverableTrustFailure 5
#define kSecTrustResultFatalTrustFailure 6

#define TYPE_TRUST 312
#define TYPE_POLICY 313
#define SECONDS_1970_TO_2001 978307200.0

MB_HIDDEN void *mb_cf_object_new(unsigned long type, const char *name, size_t size,
                                 void (*finalize)(void *));
MB_HIDDEN const char *mb_security_bundle_path(void);
MB_EXPORT unsigned long mb_SecCertificateGetTypeID(void);
MB_EXPORT void *mb_SecCertificateCreateWithData(const void *alloc, const void *data);
MB_EXPORT void *mb_SecCertificateCopyData(const void *c);
MB_EXPORT void *mb_SecCertificateCopySubjectSummary(const void *c);

/* ---- libcrypto, opened on first use ------------------------------------------------------ */

#define X509_V_OK 0
#define X509_V_ERR_CERT_NOT_YET_VALID 9
#define X509_V_ERR_CERT_HAS_EXPIRED 10
#define X509_V_ERR_CERT_REVOKED 23
#define X509_V_ERR_HOSTNAME_MISMATCH 62
#define X509_V_ERR_IP_ADDRESS_MISMATCH 64
#define X509_V_FLAG_USE_CHECK_TIME 0x2
#define X509_V_FLAG_PARTIAL_CHAIN 0x80000
#define X509_PURPOSE_SSL_CLIENT 1
#define X509_PURPOSE_SSL_SERVER 2

static struct {
    void *(*d2i_X509)(void **, const unsigned char **, long);
    int (*i2d_X509)(void *, unsigned char **);
    void (*X509_free)(void *);
    void *(*X509_STORE_new)(void);
    void (*X509_STORE_free)(void *);
    int (*X509_STORE_add_cert)(void *, void *);
    int (*X509_STORE_load_locations)(void *, const char *, const char *);
    int (*X509_STORE_set_flags)(void *, unsigned long);
    void *(*X509_STORE_CTX_new)(void);
    void (*X509_STORE_CTX_free)(void *);
    int (*X509_STORE_CTX_init)(void *, void *, void *, void *);
    void (*X509_STORE_CTX_set_time)(void *, unsigned long, time_t);
    int (*X509_STORE_CTX_set_purpose)(void *, int);
    void *(*X509_STORE_CTX_get0_param)(void *);
    int (*X509_VERIFY_PARAM_set1_host)(void *, const char *, size_t);
    int (*X509_VERIFY_PARAM_set1_ip_asc)(void *, const char *);
    int (*X509_verify_cert)(void *);
    int (*X509_STORE_CTX_get_error)(void *);
    const char *(*X509_verify_cert_error_string)(long);
    void *(*X509_STORE_CTX_get1_chain)(void *);
    void *(*OPENSSL_sk_new_null)(void);
    int (*OPENSSL_sk_push)(void *, const void *);
    int (*OPENSSL_sk_num)(const void *);
    void *(*OPENSSL_sk_value)(const void *, int);
    void (*OPENSSL_sk_free)(void *);
    void (*CRYPTO_free)(void *, const char *, int);
} ssl;

static int ssl_loaded;
static pthread_once_t ssl_once = PTHREAD_ONCE_INIT;

static void ssl_load(void)
{
    static const char *const names[] = {"libcrypto.so.3", "libcrypto.so"};
    void *h = NULL;
    for (size_t i = 0; !h && i < sizeof names / sizeof *names; i++)
        h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return;
#define SYM(name) if (!(*(void **)&ssl.name = dlsym(h, #name))) return
    SYM(d2i_X509); SYM(i2d_X509); SYM(X509_free); SYM(X509_STORE_new); SYM(X509_STORE_free);
    SYM(X509_STORE_add_cert); SYM(X509_STORE_load_locations); SYM(X509_STORE_set_flags);
    SYM(X509_STORE_CTX_new); SYM(X509_STORE_CTX_free); SYM(X509_STORE_CTX_init);
    SYM(X509_STORE_CTX_set_time); SYM(X509_STORE_CTX_set_purpose);
    SYM(X509_STORE_CTX_get0_param); SYM(X509_VERIFY_PARAM_set1_host);
    SYM(X509_VERIFY_PARAM_set1_ip_asc); SYM(X509_verify_cert); SYM(X509_STORE_CTX_get_error);
    SYM(X509_verify_cert_error_string); SYM(X509_STORE_CTX_get1_chain);
    SYM(OPENSSL_sk_new_null); SYM(OPENSSL_sk_push); SYM(OPENSSL_sk_num); SYM(OPENSSL_sk_value);
    SYM(OPENSSL_sk_free); SYM(CRYPTO_free);
#undef SYM
    ssl_loaded = 1;
}

static void *x509_from_certificate(const void *certificate)
{
    void *der = mb_SecCertificateCopyData(certificate);
    if (!der)
        return NULL;
    const unsigned char *p = mb_CFDataGetBytePtr(der);
    void *x = ssl.d2i_X509(NULL, &p, mb_CFDataGetLength(der));
    mb_CFRelease(der);
    return x;
}

static void *certificate_from_x509(void *x)
{
    unsigned char *der = NULL;
    int n = ssl.i2d_X509(x, &der);
    if (n <= 0)
        return NULL;
    void *data = mb_CFDataCreate(NULL, der, n);
    ssl.CRYPTO_free(der, __FILE__, __LINE__);
    void *c = mb_SecCertificateCreateWithData(NULL, data);
    mb_CFRelease(data);
    return c;
}

/* ---- SecPolicy ------------------------------------------------------------------------------ */

struct policy {
    unsigned char base[16];
    int ssl, server;
    char *hostname;
};

static void policy_finalize(void *p) { free(((struct policy *)p)->hostname); }

MB_EXPORT unsigned long mb_SecPolicyGetTypeID(void) { return TYPE_POLICY; }

static struct policy *policy_new(int is_ssl, int server, const void *hostname)
{
    struct policy *p = mb_cf_object_new(TYPE_POLICY, "SecPolicy", sizeof *p, policy_finalize);
    char name[1024];
    if (p && hostname && mb_CFStringGetCString(hostname, name, sizeof name, UTF8))
        p->hostname = strdup(name);
    if (p) {
        p->ssl = is_ssl;
        p->server = server;
    }
    return p;
}

MB_EXPORT void *mb_SecPolicyCreateSSL(unsigned char server, const void *hostname)
{
    return policy_new(1, server, hostname);
}

MB_EXPORT void *mb_SecPolicyCreateBasicX509(void) { return policy_new(0, 0, NULL); }

/* Revocation is not checked (no network fetches, as with kSecRevocationNetworkAccessDisabled);
 * the policy exists so the calls that pass it along succeed. */
MB_EXPORT void *mb_SecPolicyCreateRevocation(unsigned long flags)
{
    (void)flags;
    return policy_new(0, 0, NULL);
}

/* ---- SecTrust ------------------------------------------------------------------------------- */

struct trust {
    unsigned char base[16];
    void *certificates; /* CFArray of SecCertificate, leaf first */
    void *policies;     /* CFArray of SecPolicy */
    void *anchors;      /* CFArray, or NULL for the system roots */
    int anchors_only;
    double verify_time; /* CFAbsoluteTime, or NAN for "now" */
    int evaluated;
    OSStatus status;
    char reason[256];
    void *chain; /* CFArray, after an evaluation that built one */
};

static void trust_finalize(void *p)
{
    struct trust *t = p;
    void *owned[] = {t->certificates, t->policies, t->anchors, t->chain};
    for (size_t i = 0; i < sizeof owned / sizeof *owned; i++)
        if (owned[i])
            mb_CFRelease(owned[i]);
}

MB_EXPORT unsigned long mb_SecTrustGetTypeID(void) { return TYPE_TRUST; }

/* An array holding `value`'s elements if it is an array, else `value` itself. */
static void *array_of(const void *value)
{
    void *a = mb_CFArrayCreateMutable(NULL, 0, mb_kCFTypeArrayCallBacks);
    if (value && mb_CFGetTypeID(value) == mb_CFArrayGetTypeID()) {
        for (long i = 0; i < mb_CFArrayGetCount(value); i++)
            mb_CFArrayAppendValue(a, mb_CFArrayGetValueAtIndex(value, i));
    } else if (value) {
        mb_CFArrayAppendValue(a, value);
    }
    return a;
}

static void trust_invalidate(struct trust *t)
{
    t->evaluated = 0;
    if (t->chain)
        mb_CFRelease(t->chain);
    t->chain = NULL;
}

MB_EXPORT OSStatus mb_SecTrustCreateWithCertificates(const void *certificates,
                                                     const void *policies, void **out)
{
    if (!certificates || !out)
        return errSecParam;
    struct trust *t = mb_cf_object_new(TYPE_TRUST, "SecTrust", sizeof *t, trust_finalize);
    if (!t)
        return errSecAllocate;
    t->certificates = array_of(certificates);
    t->policies = array_of(policies);
    t->verify_time = NAN;
    for (long i = 0; i < mb_CFArrayGetCount(t->certificates); i++)
        if (mb_CFGetTypeID(mb_CFArrayGetValueAtIndex(t->certificates, i)) !=
            mb_SecCertificateGetTypeID()) {
            mb_CFRelease(t);
            return errSecParam;
        }
    *out = t;
    return errSecSuccess;
}

MB_EXPORT OSStatus mb_SecTrustSetPolicies(struct trust *t, const void *policies)
{
    if (!t)
        return errSecParam;
    mb_CFRelease(t->policies);
    t->policies = array_of(policies);
    trust_invalidate(t);
    return errSecSuccess;
}

MB_EXPORT OSStatus mb_SecTrustCopyPolicies(struct trust *t, void **policies)
{
    if (!t || !policies)
        return errSecParam;
    *policies = array_of(t->policies);
    return errSecSuccess;
}

MB_EXPORT OSStatus mb_SecTrustSetAnchorCertificates(struct trust *t, const void *anchors)
{
    if (!t)
        return errSecParam;
    if (t->anchors)
        mb_CFRelease(t->anchors);
    t->anchors = anchors ? array_of(anchors) : NULL;
    t->anchors_only = anchors != NULL; /* as on macOS: setting anchors drops the system's */
    trust_invalidate(t);
    return errSecSuccess;
}

MB_EXPORT OSStatus mb_SecTrustSetAnchorCertificatesOnly(struct trust *t, unsigned char only)
{
    if (!t)
        return errSecParam;
    t->anchors_only = only;
    trust_invalidate(t);
    return errSecSuccess;
}

MB_EXPORT OSStatus mb_SecTrustSetVerifyDate(struct trust *t, const void *date)
{
    if (!t || !date)
        return errSecParam;
    t->verify_time = mb_CFDateGetAbsoluteTime(date);
    trust_invalidate(t);
    return errSecSuccess;
}

/* Extra evidence a Mac would weigh (stapled OCSP, SCTs) and permission to fetch more: taken
 * and not used, since revocation and CT are not checked here. */
MB_EXPORT OSStatus mb_SecTrustSetOCSPResponse(struct trust *t, const void *response)
{
    (void)response;
    return t ? errSecSuccess : errSecParam;
}

MB_EXPORT OSStatus mb_SecTrustSetSignedCertificateTimestamps(struct trust *t, const void *scts)
{
    (void)scts;
    return t ? errSecSuccess : errSecParam;
}

MB_EXPORT OSStatus mb_SecTrustSetNetworkFetchAllowed(struct trust *t, unsigned char allowed)
{
    (void)allowed;
    return t ? errSecSuccess : errSecParam;
}

static OSStatus status_of(int verify_error)
{
    switch (verify_error) {
    case X509_V_OK:
        return errSecSuccess;
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_CERT_HAS_EXPIRED:
        return errSecCertificateExpired;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        return errSecHostNameMismatch;
    case X509_V_ERR_CERT_REVOKED:
        return errSecCertificateRevoked;
    default:
        return errSecNotTrusted;
    }
}

/* The roots: the caller's anchors, plus the host bundle unless only the anchors count. */
static void *store_for(const struct trust *t)
{
    void *store = ssl.X509_STORE_new();
    if (!store)
        return NULL;
    if (!t->anchors || !t->anchors_only) {
        const char *bundle = mb_security_bundle_path();
        if (bundle)
            ssl.X509_STORE_load_locations(store, bundle, NULL);
    }
    for (long i = 0; t->anchors && i < mb_CFArrayGetCount(t->anchors); i++) {
        void *x = x509_from_certificate(mb_CFArrayGetValueAtIndex(t->anchors, i));
        if (x) {
            ssl.X509_STORE_add_cert(store, x);
            ssl.X509_free(x);
        }
    }
    /* a Mac trusts an anchor the caller names even when it is not self-signed */
    if (t->anchors)
        ssl.X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
    return store;
}

static void apply_policies(const struct trust *t, void *ctx)
{
    for (long i = 0; i < mb_CFArrayGetCount(t->policies); i++) {
        const struct policy *p = mb_CFArrayGetValueAtIndex(t->policies, i);
        if (!p || mb_CFGetTypeID(p) != TYPE_POLICY || !p->ssl)
            continue;
        ssl.X509_STORE_CTX_set_purpose(ctx, p->server ? X509_PURPOSE_SSL_SERVER
                                                      : X509_PURPOSE_SSL_CLIENT);
        if (!p->hostname)
            continue;
        void *param = ssl.X509_STORE_CTX_get0_param(ctx);
        if (!ssl.X509_VERIFY_PARAM_set1_ip_asc(param, p->hostname))
            ssl.X509_VERIFY_PARAM_set1_host(param, p->hostname, 0);
    }
}

static void keep_chain(struct trust *t, void *ctx)
{
    void *stack = ssl.X509_STORE_CTX_get1_chain(ctx);
    t->chain = mb_CFArrayCreateMutable(NULL, 0, mb_kCFTypeArrayCallBacks);
    for (int i = 0; stack && i < ssl.OPENSSL_sk_num(stack); i++) {
        void *x = ssl.OPENSSL_sk_value(stack, i);
        void *c = certificate_from_x509(x);
        if (c) {
            mb_CFArrayAppendValue(t->chain, c);
            mb_CFRelease(c);
        }
        ssl.X509_free(x);
    }
    if (stack)
        ssl.OPENSSL_sk_free(stack);
}

static void evaluate(struct trust *t)
{
    if (t->evaluated)
        return;
    t->evaluated = 1;
    pthread_once(&ssl_once, ssl_load);
    if (!ssl_loaded) {
        t->status = errSecInternalComponent;
        snprintf(t->reason, sizeof t->reason, "libcrypto.so.3 (the host's OpenSSL) is missing");
        return;
    }
    long n = mb_CFArrayGetCount(t->certificates);
    void *leaf = n ? x509_from_certificate(mb_CFArrayGetValueAtIndex(t->certificates, 0)) : NULL;
    void *store = store_for(t), *ctx = ssl.X509_STORE_CTX_new();
    void *untrusted = ssl.OPENSSL_sk_new_null();
    for (long i = 1; i < n; i++) {
        void *x = x509_from_certificate(mb_CFArrayGetValueAtIndex(t->certificates, i));
        if (x)
            ssl.OPENSSL_sk_push(untrusted, x);
    }
    t->status = errSecNotTrusted;
    snprintf(t->reason, sizeof t->reason, "certificate could not be read");
    if (leaf && store && ctx && untrusted && ssl.X509_STORE_CTX_init(ctx, store, leaf, untrusted)) {
        time_t when = isnan(t->verify_time) ? time(NULL)
                                            : (time_t)(t->verify_time + SECONDS_1970_TO_2001);
        ssl.X509_STORE_CTX_set_time(ctx, 0, when);
        apply_policies(t, ctx);
        int ok = ssl.X509_verify_cert(ctx) == 1;
        int error = ok ? X509_V_OK : ssl.X509_STORE_CTX_get_error(ctx);
        t->status = status_of(error);
        snprintf(t->reason, sizeof t->reason, "%s", ssl.X509_verify_cert_error_string(error));
        keep_chain(t, ctx);
    }
    for (int i = 0; untrusted && i < ssl.OPENSSL_sk_num(untrusted); i++)
        ssl.X509_free(ssl.OPENSSL_sk_value(untrusted, i));
    if (untrusted)
        ssl.OPENSSL_sk_free(untrusted);
    if (ctx)
        ssl.X509_STORE_CTX_free(ctx);
    if (store)
        ssl.X509_STORE_free(store);
    if (leaf)
        ssl.X509_free(leaf);
}

/* The error a Mac gives: NSOSStatusErrorDomain, the status as its code, and a description
 * naming the leaf ("“example.com” certificate is not trusted"). */
static void *trust_error(const struct trust *t)
{
    char name[256] = "certificate", text[700];
    if (mb_CFArrayGetCount(t->certificates)) {
        void *summary =
            mb_SecCertificateCopySubjectSummary(mb_CFArrayGetValueAtIndex(t->certificates, 0));
        if (summary) {
            mb_CFStringGetCString(summary, name, sizeof name, UTF8);
            mb_CFRelease(summary);
        }
    }
    const char *what = t->status == errSecCertificateExpired  ? "has expired or is not yet valid"
                       : t->status == errSecHostNameMismatch ? "name does not match input"
                       : t->status == errSecCertificateRevoked ? "has been revoked"
                                                               : "is not trusted";
    snprintf(text, sizeof text, "\xe2\x80\x9c%s\xe2\x80\x9d certificate %s (%s)", name, what,
             t->reason);
    const void *key = mb_kCFErrorLocalizedDescriptionKey;
    const void *value = mb_CFStringCreateWithCString(NULL, text, UTF8);
    void *info = mb_CFDictionaryCreate(NULL, &key, &value, 1, mb_kCFTypeDictionaryKeyCallBacks,
                                       mb_kCFTypeDictionaryValueCallBacks);
    mb_CFRelease(value);
    void *error = mb_CFErrorCreate(NULL, mb_kCFErrorDomainOSStatus, t->status, info);
    mb_CFRelease(info);
    return error;
}

MB_EXPORT unsigned char mb_SecTrustEvaluateWithError(struct trust *t, void **error)
{
    if (error)
        *error = NULL;
    if (!t)
        return 0;
    evaluate(t);
    if (t->status != errSecSuccess && error)
        *error = trust_error(t);
    return t->status == errSecSuccess;
}

/* The deprecated form: the verdict as a SecTrustResultType. */
MB_EXPORT OSStatus mb_SecTrustEvaluate(struct trust *t, uint32_t *result)
{
    if (!t)
        return errSecParam;
    evaluate(t);
    if (result)
        *result = t->status == errSecSuccess ? kSecTrustResultUnspecified
                  : t->status == errSecInternalComponent ? kSecTrustResultFatalTrustFailure
                                                         : kSecTrustResultRecoverableTrustFailure;
    return t->status == errSecInternalComponent ? t->status : errSecSuccess;
}

MB_EXPORT OSStatus mb_SecTrustGetTrustResult(struct trust *t, uint32_t *result)
{
    if (!t || !result)
        return errSecParam;
    if (!t->evaluated) {
        *result = kSecTrustResultInvalid;
        return errSecSuccess;
    }
    return mb_SecTrustEvaluate(t, result);
}

/* The chain: the one evaluation built, else the certificates given. */
static const void *chain_of(const struct trust *t)
{
    return t->chain && mb_CFArrayGetCount(t->chain) ? t->chain : t->certificates;
}

MB_EXPORT void *mb_SecTrustCopyCertificateChain(struct trust *t)
{
    if (!t)
        return NULL;
    evaluate(t);
    return array_of(chain_of(t));
}

MB_EXPORT long mb_SecTrustGetCertificateCount(struct trust *t)
{
    return t ? mb_CFArrayGetCount(chain_of(t)) : 0;
}

MB_EXPORT const void *mb_SecTrustGetCertificateAtIndex(struct trust *t, long i)
{
    return t ? mb_CFArrayGetValueAtIndex(chain_of(t), i) : NULL;
}
