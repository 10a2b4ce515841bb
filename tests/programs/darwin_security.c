// darwin-only
// flags: -F{programs}/sdk -framework CoreFoundation -framework Security
// The system's trusted roots as rustls-native-certs reads them: SecTrustSettingsCopyCertificates
// for the user, admin and system domains, each certificate's DER data and subject summary,
// SecCertificateCreateWithData round trips and refuses
// garbage, and SecCopyErrorMessageString
#include <stdio.h>
#include <string.h>

typedef const void *CFTypeRef;
typedef int OSStatus;
long CFArrayGetCount(CFTypeRef);
const void *CFArrayGetValueAtIndex(CFTypeRef, long);
void CFRelease(CFTypeRef);
CFTypeRef CFDataCreate(const void *, const unsigned char *, long);
long CFDataGetLength(CFTypeRef);
const unsigned char *CFDataGetBytePtr(CFTypeRef);
unsigned char CFStringGetCString(CFTypeRef, char *, long, unsigned);
OSStatus SecTrustSettingsCopyCertificates(int, CFTypeRef *);
OSStatus SecTrustSettingsCopyTrustSettings(CFTypeRef, int, CFTypeRef *);
CFTypeRef SecCertificateCreateWithData(const void *, CFTypeRef);
CFTypeRef SecCertificateCopyData(CFTypeRef);
CFTypeRef SecCertificateCopySubjectSummary(CFTypeRef);
CFTypeRef SecCopyErrorMessageString(OSStatus, void *);

static const char *text(CFTypeRef s) {
    static char buf[256];
    if (!s || !CFStringGetCString(s, buf, sizeof buf, 0x08000100)) strcpy(buf, "(none)");
    return buf;
}

int main(void) {
    CFTypeRef certs = NULL;
    OSStatus user = SecTrustSettingsCopyCertificates(0, &certs);
    OSStatus admin = SecTrustSettingsCopyCertificates(1, &certs);
    printf("user domain=%d admin domain=%d (errSecNoTrustSettings=-25263)\n", user, admin);
    OSStatus sys = SecTrustSettingsCopyCertificates(2, &certs);
    long n = certs ? CFArrayGetCount(certs) : 0;
    printf("system domain=%d roots>10=%d\n", sys, n > 10);
    int der_ok = 1, named = 0, no_settings = 1, round_trip = 1;
    for (long i = 0; i < n; i++) {
        CFTypeRef cert = CFArrayGetValueAtIndex(certs, i);
        CFTypeRef data = SecCertificateCopyData(cert);
        der_ok &= CFDataGetLength(data) > 100 && CFDataGetBytePtr(data)[0] == 0x30;
        CFTypeRef again = SecCertificateCreateWithData(NULL, data);
        CFTypeRef data2 = again ? SecCertificateCopyData(again) : NULL;
        round_trip &= data2 && CFDataGetLength(data2) == CFDataGetLength(data) &&
                      memcmp(CFDataGetBytePtr(data2), CFDataGetBytePtr(data), CFDataGetLength(data)) == 0;
        CFTypeRef summary = SecCertificateCopySubjectSummary(cert);
        named += summary != NULL && strlen(text(summary)) > 0;
        CFTypeRef settings = NULL;
        no_settings &= SecTrustSettingsCopyTrustSettings(cert, 2, &settings) == -25300 && !settings;
        if (summary) CFRelease(summary);
        if (data2) CFRelease(data2);
        if (again) CFRelease(again);
        CFRelease(data);
    }
    (void)no_settings;  /* whether a Mac has explicit settings for its system roots varies */
    printf("every root: DER=%d round trips=%d; most have a subject summary=%d\n",
           der_ok, round_trip, named * 10 >= n * 9);
    if (certs) CFRelease(certs);
    unsigned char junk[] = {1, 2, 3};
    CFTypeRef bad = CFDataCreate(NULL, junk, 3);
    printf("garbage refused: %d\n", SecCertificateCreateWithData(NULL, bad) == NULL);
    CFRelease(bad);
    CFTypeRef msg = SecCopyErrorMessageString(-25300, NULL);
    printf("error message: %s\n", text(msg));
    CFRelease(msg);
    return 0;
}
