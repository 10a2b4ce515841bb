/* The rest of the system frameworks CLI tools touch, answering as a Mac without the thing
 * asked for would:
 *  - SystemConfiguration: the computer and local host names (the host's), network
 *    reachability from the host's routes (a name is reachable when it resolves and the host
 *    has a route out; loopback addresses are local and direct);
 *  - LaunchServices: no application handles anything (kLSApplicationNotFoundErr);
 *  - IOKit: the registry has no matching services, properties or devices; power assertions
 *    are granted (nothing sleeps under machbox that they would hold off).
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "cf_api.h"

#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef int32_t OSStatus;
typedef int kern_return_t;
#define TYPE_REACHABILITY 314

MB_HIDDEN void *mb_cf_object_new(unsigned long type, const char *name, size_t size,
                                 void (*finalize)(void *));

/* ---- SystemConfiguration: names ---------------------------------------------------------------- */

MB_EXPORT void *mb_SCDynamicStoreCopyComputerName(const void *store, uint32_t *encoding)
{
    (void)store;
    char name[256] = "";
    gethostname(name, sizeof name - 1);
    name[strcspn(name, ".")] = 0;
    if (encoding)
        *encoding = UTF8;
    return mb_CFStringCreateWithCString(NULL, name, UTF8);
}

MB_EXPORT void *mb_SCDynamicStoreCopyLocalHostName(const void *store)
{
    return mb_SCDynamicStoreCopyComputerName(store, NULL);
}

MB_EXPORT void *mb_SCPreferencesCopyComputerName(const void *prefs, uint32_t *encoding)
{
    (void)prefs;
    return mb_SCDynamicStoreCopyComputerName(NULL, encoding);
}

/* ---- SystemConfiguration: reachability ----------------------------------------------------- */

enum {
    REACHABLE = 1u << 1, IS_LOCAL_ADDRESS = 1u << 16, IS_DIRECT = 1u << 17,
};

struct reachability {
    unsigned char base[16];
    char host[256];                   /* a name to resolve, or "" */
    struct sockaddr_storage address;  /* or an address (Darwin layout) */
};

MB_EXPORT unsigned long mb_SCNetworkReachabilityGetTypeID(void) { return TYPE_REACHABILITY; }

MB_EXPORT struct reachability *mb_SCNetworkReachabilityCreateWithName(const void *alloc,
                                                                      const char *name)
{
    (void)alloc;
    struct reachability *r = mb_cf_object_new(TYPE_REACHABILITY, "SCNetworkReachability",
                                              sizeof *r, NULL);
    if (r && name)
        snprintf(r->host, sizeof r->host, "%s", name);
    return r;
}

MB_EXPORT struct reachability *mb_SCNetworkReachabilityCreateWithAddress(const void *alloc,
                                                                         const uint8_t *sa)
{
    (void)alloc;
    struct reachability *r = mb_cf_object_new(TYPE_REACHABILITY, "SCNetworkReachability",
                                              sizeof *r, NULL);
    if (r && sa && sa[0] <= sizeof r->address)
        memcpy(&r->address, sa, sa[0]); /* sa_len first, as on Darwin */
    return r;
}

/* The host has a route out: a default route in /proc/net/route or /proc/net/ipv6_route. */
static int has_default_route(void)
{
    char line[512];
    int found = 0;
    FILE *f = fopen("/proc/net/route", "r");
    while (f && !found && fgets(line, sizeof line, f)) {
        char iface[64];
        unsigned long dest;
        found = sscanf(line, "%63s %lx", iface, &dest) == 2 && dest == 0;
    }
    if (f)
        fclose(f);
    f = found ? NULL : fopen("/proc/net/ipv6_route", "r");
    while (f && !found && fgets(line, sizeof line, f))
        found = !strncmp(line, "00000000000000000000000000000000 00", 35) && !strstr(line, " lo\n");
    if (f)
        fclose(f);
    return found;
}

static int is_loopback(const uint8_t *sa)
{
    /* Darwin sockaddr: sa_len, sa_family (AF_INET 2, AF_INET6 30) */
    if (sa[1] == 2)
        return sa[4] == 127;
    if (sa[1] == 30) {
        static const uint8_t loop6[16] = {[15] = 1};
        return !memcmp(sa + 8, loop6, 16);
    }
    return 0;
}

MB_EXPORT unsigned char mb_SCNetworkReachabilityGetFlags(struct reachability *r, uint32_t *flags)
{
    if (!r || !flags)
        return 0;
    *flags = 0;
    if (!r->host[0]) {
        const uint8_t *sa = (const uint8_t *)&r->address;
        if (is_loopback(sa))
            *flags = REACHABLE | IS_LOCAL_ADDRESS | IS_DIRECT;
        else if (sa[1] == 2 && !memcmp(sa + 4, "\0\0\0\0", 4))
            *flags = has_default_route() ? REACHABLE : 0; /* 0.0.0.0: "the internet" */
        else if (sa[0])
            *flags = has_default_route() ? REACHABLE : 0;
        return 1;
    }
    if (!strcmp(r->host, "localhost")) {
        *flags = REACHABLE | IS_LOCAL_ADDRESS | IS_DIRECT;
        return 1;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(r->host, NULL, &hints, &res) == 0) {
        int loop = res->ai_family == AF_INET &&
                   ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
        *flags = loop ? REACHABLE | IS_LOCAL_ADDRESS | IS_DIRECT
                      : has_default_route() ? REACHABLE : 0;
        freeaddrinfo(res);
    }
    return 1;
}

/* Change notifications: the host's routes are not watched, so none ever comes. */
MB_EXPORT unsigned char mb_SCNetworkReachabilitySetCallback(struct reachability *r,
                                                           void *callback, void *context)
{
    (void)callback, (void)context;
    return r != NULL;
}

MB_EXPORT unsigned char mb_SCNetworkReachabilityScheduleWithRunLoop(struct reachability *r,
                                                                    const void *loop,
                                                                    const void *mode)
{
    (void)loop, (void)mode;
    return r != NULL;
}

MB_EXPORT unsigned char mb_SCNetworkReachabilityUnscheduleFromRunLoop(struct reachability *r,
                                                                      const void *loop,
                                                                      const void *mode)
{
    (void)loop, (void)mode;
    return r != NULL;
}

MB_EXPORT unsigned char mb_SCNetworkReachabilitySetDispatchQueue(struct reachability *r,
                                                                 void *queue)
{
    (void)queue;
    return r != NULL;
}

/* ---- LaunchServices: nothing handles anything ---------------------------------------------- */

#define kLSApplicationNotFoundErr (-10814)

static void not_found(void **error)
{
    if (error)
        *error = mb_CFErrorCreate(NULL, mb_kCFErrorDomainOSStatus, kLSApplicationNotFoundErr, NULL);
}

MB_EXPORT void *mb_LSCopyDefaultApplicationURLForURL(const void *url, uint32_t role, void **error)
{
    (void)url, (void)role;
    not_found(error);
    return NULL;
}

MB_EXPORT void *mb_LSCopyDefaultApplicationURLForContentType(const void *type, uint32_t role,
                                                             void **error)
{
    (void)type, (void)role;
    not_found(error);
    return NULL;
}

MB_EXPORT void *mb_LSCopyApplicationURLsForURL(const void *url, uint32_t role)
{
    (void)url, (void)role;
    return NULL;
}

MB_EXPORT void *mb_LSCopyDefaultHandlerForURLScheme(const void *scheme)
{
    (void)scheme;
    return NULL;
}

MB_EXPORT OSStatus mb_LSOpenCFURLRef(const void *url, void **launched)
{
    (void)url;
    if (launched)
        *launched = NULL;
    return kLSApplicationNotFoundErr;
}

MB_EXPORT OSStatus mb_LSSetDefaultHandlerForURLScheme(const void *scheme, const void *bundle_id)
{
    (void)scheme, (void)bundle_id;
    return kLSApplicationNotFoundErr;
}

/* ---- IOKit: a machine with no such device ---------------------------------------------------- */

#define kIOReturnSuccess 0
#define kIOReturnNotFound ((kern_return_t)0xe00002f0)

MB_EXPORT const uint32_t mb_kIOMasterPortDefault = 0;
MB_EXPORT const uint32_t mb_kIOMainPortDefault = 0;

MB_EXPORT kern_return_t mb_IOMasterPort(uint32_t bootstrap, uint32_t *port)
{
    (void)bootstrap;
    if (port)
        *port = 0;
    return kIOReturnSuccess;
}

static void *matching(const char *key, const char *value)
{
    void *d = mb_CFDictionaryCreateMutable(NULL, 0, mb_kCFTypeDictionaryKeyCallBacks,
                                           mb_kCFTypeDictionaryValueCallBacks);
    void *v = value ? mb_CFStringCreateWithCString(NULL, value, UTF8) : NULL;
    if (d && v)
        mb_CFDictionarySetValue(d, mb___CFStringMakeConstantString(key), v);
    if (v)
        mb_CFRelease(v);
    return d;
}

MB_EXPORT void *mb_IOServiceMatching(const char *name) { return matching("IOProviderClass", name); }
MB_EXPORT void *mb_IOServiceNameMatching(const char *name) { return matching("IONameMatch", name); }

MB_EXPORT void *mb_IOBSDNameMatching(uint32_t port, uint32_t options, const char *name)
{
    (void)port, (void)options;
    return matching("BSD Name", name);
}

/* The matching dictionary is consumed, as IOKit's contract says. */
MB_EXPORT uint32_t mb_IOServiceGetMatchingService(uint32_t port, const void *match)
{
    (void)port;
    if (match)
        mb_CFRelease(match);
    return 0;
}

MB_EXPORT kern_return_t mb_IOServiceGetMatchingServices(uint32_t port, const void *match,
                                                        uint32_t *iterator)
{
    (void)port;
    if (match)
        mb_CFRelease(match);
    if (iterator)
        *iterator = 0; /* IOIteratorNext on it answers 0 at once */
    return kIOReturnSuccess;
}

MB_EXPORT uint32_t mb_IOIteratorNext(uint32_t iterator)
{
    (void)iterator;
    return 0;
}

MB_EXPORT kern_return_t mb_IOObjectRelease(uint32_t object)
{
    (void)object;
    return kIOReturnSuccess;
}

MB_EXPORT kern_return_t mb_IOObjectRetain(uint32_t object)
{
    (void)object;
    return kIOReturnSuccess;
}

MB_EXPORT uint32_t mb_IORegistryGetRootEntry(uint32_t port)
{
    (void)port;
    return 0;
}

MB_EXPORT void *mb_IORegistryEntryCreateCFProperty(uint32_t entry, const void *key,
                                                   const void *alloc, uint32_t options)
{
    (void)entry, (void)key, (void)alloc, (void)options;
    return NULL;
}

MB_EXPORT kern_return_t mb_IORegistryEntryCreateCFProperties(uint32_t entry, void **properties,
                                                             const void *alloc, uint32_t options)
{
    (void)entry, (void)alloc, (void)options;
    if (properties)
        *properties = NULL;
    return kIOReturnNotFound;
}

MB_EXPORT void *mb_IORegistryEntrySearchCFProperty(uint32_t entry, const char *plane,
                                                   const void *key, const void *alloc,
                                                   uint32_t options)
{
    (void)entry, (void)plane, (void)key, (void)alloc, (void)options;
    return NULL;
}

MB_EXPORT kern_return_t mb_IOPMAssertionCreateWithName(const void *type, uint32_t level,
                                                       const void *name, uint32_t *id)
{
    static _Atomic uint32_t next = 1;
    (void)type, (void)level, (void)name;
    if (id)
        *id = next++;
    return kIOReturnSuccess;
}

MB_EXPORT kern_return_t mb_IOPMAssertionRelease(uint32_t id)
{
    (void)id;
    return kIOReturnSuccess;
}
