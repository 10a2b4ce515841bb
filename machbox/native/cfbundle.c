/* CFBundle for command-line tools, and CFLocale.
 *
 * A tool's main bundle is the directory holding its executable (or the .app that contains
 * it); its info dictionary is the property list the linker embedded in __TEXT,__info_plist
 * (-sectcreate, as `CFBundleGetValueForInfoDictionaryKey(main, "CFBundleVersion")` expects),
 * else the bundle's Contents/Info.plist, else empty. The current locale is the user's
 * AppleLocale preference (what `defaults write -g AppleLocale` sets), else the locale the
 * environment names (LC_ALL, LC_MESSAGES, LANG), "C"/"POSIX" being en_US_POSIX.
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "cf_api.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TYPE_BUNDLE 31
#define TYPE_LOCALE 38
#define PATH_STYLE_POSIX 0

MB_HIDDEN void *mb_cf_object_new(unsigned long type, const char *name, size_t size,
                                 void (*finalize)(void *));
MB_EXPORT uint8_t *mb_getsectiondata(const void *mh, const char *seg, const char *sect,
                                     unsigned long *size);

#define CF_STRING(sym, text)                                                                    \
    MB_EXPORT const void *sym;                                                                  \
    static void __attribute__((constructor)) init_##sym(void)                                   \
    {                                                                                           \
        sym = mb___CFStringMakeConstantString(text);                                            \
    }

static void *cstring(const char *s) { return mb_CFStringCreateWithCString(NULL, s, UTF8); }

/* ---- CFBundle --------------------------------------------------------------------------------- */

CF_STRING(mb_kCFBundleIdentifierKey, "CFBundleIdentifier")
CF_STRING(mb_kCFBundleVersionKey, "CFBundleVersion")
CF_STRING(mb_kCFBundleNameKey, "CFBundleName")
CF_STRING(mb_kCFBundleExecutableKey, "CFBundleExecutable")
CF_STRING(mb_kCFBundleInfoDictionaryVersionKey, "CFBundleInfoDictionaryVersion")
CF_STRING(mb_kCFBundleDevelopmentRegionKey, "CFBundleDevelopmentRegion")

struct bundle {
    unsigned char base[16];
    char *path;          /* the bundle directory */
    char *executable;    /* the executable's path */
    const void *info;    /* CFDictionary */
};

static struct bundle *main_bundle;
static pthread_once_t main_once = PTHREAD_ONCE_INIT;

static const void *info_from_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, 1 << 20, f) : 0;
    fclose(f);
    void *data = buf ? mb_CFDataCreate(NULL, buf, (CFIndex)n) : NULL;
    free(buf);
    const void *plist = data ? mb_CFPropertyListCreateWithData(NULL, data, 0, NULL, NULL) : NULL;
    if (data)
        mb_CFRelease(data);
    return plist;
}

static void make_main_bundle(void)
{
    struct bundle *b = mb_cf_object_new(TYPE_BUNDLE, "CFBundle", sizeof *b, NULL);
    if (!b)
        return;
    const char *exe = mb_program.executable_path ? mb_program.executable_path : "";
    b->executable = strdup(exe);
    b->path = strdup(exe);
    char *slash = strrchr(b->path, '/');
    if (slash)
        *slash = 0;
    /* .../Name.app/Contents/MacOS/exe: the bundle is Name.app */
    char *macos = strstr(b->path, "/Contents/MacOS");
    if (macos && !macos[15])
        *macos = 0;
    unsigned long size = 0;
    const uint8_t *embedded = mb_getsectiondata(mb_program.mh, "__TEXT", "__info_plist", &size);
    if (embedded && size) {
        void *data = mb_CFDataCreate(NULL, embedded, (CFIndex)size);
        b->info = mb_CFPropertyListCreateWithData(NULL, data, 0, NULL, NULL);
        mb_CFRelease(data);
    }
    if (!b->info && macos) {
        char path[4096];
        snprintf(path, sizeof path, "%s/Contents/Info.plist", b->path);
        b->info = info_from_file(path);
    }
    if (b->info && mb_CFGetTypeID(b->info) != mb_CFDictionaryGetTypeID()) {
        mb_CFRelease(b->info);
        b->info = NULL;
    }
    if (!b->info)
        b->info = mb_CFDictionaryCreateMutable(NULL, 0, mb_kCFTypeDictionaryKeyCallBacks,
                                               mb_kCFTypeDictionaryValueCallBacks);
    main_bundle = b;
}

MB_EXPORT unsigned long mb_CFBundleGetTypeID(void) { return TYPE_BUNDLE; }

MB_EXPORT struct bundle *mb_CFBundleGetMainBundle(void)
{
    pthread_once(&main_once, make_main_bundle);
    return main_bundle;
}

MB_EXPORT const void *mb_CFBundleGetInfoDictionary(struct bundle *b)
{
    return b ? b->info : NULL;
}

MB_EXPORT const void *mb_CFBundleGetValueForInfoDictionaryKey(struct bundle *b, const void *key)
{
    return b && key ? mb_CFDictionaryGetValue(b->info, key) : NULL;
}

MB_EXPORT const void *mb_CFBundleGetIdentifier(struct bundle *b)
{
    const void *id = mb_CFBundleGetValueForInfoDictionaryKey(b, mb_kCFBundleIdentifierKey);
    return id && mb_CFGetTypeID(id) == mb_CFStringGetTypeID() ? id : NULL;
}

MB_EXPORT struct bundle *mb_CFBundleGetBundleWithIdentifier(const void *id)
{
    struct bundle *b = mb_CFBundleGetMainBundle();
    const void *mine = mb_CFBundleGetIdentifier(b);
    return mine && id && mb_CFEqual(mine, id) ? b : NULL;
}

static void *url_of(const char *path, int directory)
{
    return mb_CFURLCreateFromFileSystemRepresentation(NULL, path, (CFIndex)strlen(path),
                                                      (unsigned char)directory);
}

MB_EXPORT void *mb_CFBundleCopyBundleURL(struct bundle *b) { return b ? url_of(b->path, 1) : NULL; }

MB_EXPORT void *mb_CFBundleCopyExecutableURL(struct bundle *b)
{
    return b ? url_of(b->executable, 0) : NULL;
}

static void resources_dir(const struct bundle *b, char *out, size_t size)
{
    char contents[4096];
    snprintf(contents, sizeof contents, "%s/Contents/Resources", b->path);
    if (access(contents, F_OK) == 0)
        snprintf(out, size, "%s", contents);
    else
        snprintf(out, size, "%s", b->path);
}

MB_EXPORT void *mb_CFBundleCopyResourcesDirectoryURL(struct bundle *b)
{
    char dir[4096];
    if (!b)
        return NULL;
    resources_dir(b, dir, sizeof dir);
    return url_of(dir, 1);
}

/* A resource NAME.TYPE in the resources directory (or a subdirectory of it), if it exists. */
MB_EXPORT void *mb_CFBundleCopyResourceURL(struct bundle *b, const void *name, const void *type,
                                           const void *subdir)
{
    char dir[4096], n[1024] = "", t[256] = "", sub[1024] = "", path[8192];
    if (!b || !name || !mb_CFStringGetCString(name, n, sizeof n, UTF8))
        return NULL;
    if (type)
        mb_CFStringGetCString(type, t, sizeof t, UTF8);
    if (subdir)
        mb_CFStringGetCString(subdir, sub, sizeof sub, UTF8);
    resources_dir(b, dir, sizeof dir);
    snprintf(path, sizeof path, "%s%s%s/%s%s%s", dir, *sub ? "/" : "", sub, n, *t ? "." : "", t);
    return access(path, F_OK) == 0 ? url_of(path, 0) : NULL;
}

MB_EXPORT uint32_t mb_CFBundleGetVersionNumber(struct bundle *b)
{
    const void *v = mb_CFBundleGetValueForInfoDictionaryKey(b, mb_kCFBundleVersionKey);
    char text[64];
    unsigned major = 0, minor = 0, bug = 0;
    if (v && mb_CFGetTypeID(v) == mb_CFStringGetTypeID() &&
        mb_CFStringGetCString(v, text, sizeof text, UTF8))
        sscanf(text, "%u.%u.%u", &major, &minor, &bug);
    /* 'vers' resource layout: major in the top byte, minor and bug-fix nibbles, stage final */
    return (major & 0xff) << 24 | (minor & 0xf) << 20 | (bug & 0xf) << 16 | 0x8000;
}

/* ---- CFLocale ------------------------------------------------------------------------------------ */

CF_STRING(mb_kCFLocaleIdentifier, "locale:id")
CF_STRING(mb_kCFLocaleLanguageCode, "kCFLocaleLanguageCodeKey")
CF_STRING(mb_kCFLocaleCountryCode, "kCFLocaleCountryCodeKey")
CF_STRING(mb_kCFLocaleDecimalSeparator, "decimal")
CF_STRING(mb_kCFLocaleGroupingSeparator, "grouping")
CF_STRING(mb_kCFLocaleUsesMetricSystem, "kCFLocaleUsesMetricSystemKey")
CF_STRING(mb_kCFLocaleCurrencyCode, "currency")

struct locale {
    unsigned char base[16];
    char id[64], language[16], country[16];
    void *id_string, *language_string, *country_string; /* what GetIdentifier/GetValue give */
};

static void locale_finalize(void *p)
{
    struct locale *l = p;
    void *owned[] = {l->id_string, l->language_string, l->country_string};
    for (int i = 0; i < 3; i++)
        if (owned[i])
            mb_CFRelease(owned[i]);
}

MB_EXPORT unsigned long mb_CFLocaleGetTypeID(void) { return TYPE_LOCALE; }

/* "en_US.UTF-8@euro" → "en_US"; "C"/"POSIX" → "en_US_POSIX"; "" → "" */
static void canonical(const char *in, char *out, size_t size)
{
    char id[64];
    snprintf(id, sizeof id, "%s", in ? in : "");
    id[strcspn(id, ".@")] = 0;
    for (char *p = id; *p; p++)
        if (*p == '-')
            *p = '_';
    if (!strcmp(id, "C") || !strcmp(id, "POSIX"))
        snprintf(id, sizeof id, "en_US_POSIX");
    snprintf(out, size, "%s", id);
}

static struct locale *locale_new(const char *identifier)
{
    struct locale *l = mb_cf_object_new(TYPE_LOCALE, "CFLocale", sizeof *l, locale_finalize);
    if (!l)
        return NULL;
    canonical(identifier, l->id, sizeof l->id);
    snprintf(l->language, sizeof l->language, "%.*s", (int)strcspn(l->id, "_"), l->id);
    const char *underscore = strchr(l->id, '_');
    if (underscore && isupper((unsigned char)underscore[1]))
        snprintf(l->country, sizeof l->country, "%.*s", (int)strcspn(underscore + 1, "_"),
                 underscore + 1);
    l->id_string = cstring(l->id);
    l->language_string = *l->language ? cstring(l->language) : NULL;
    l->country_string = *l->country ? cstring(l->country) : NULL;
    return l;
}

static void current_identifier(char *out, size_t size)
{
    const void *pref = mb_CFPreferencesCopyAppValue(mb___CFStringMakeConstantString("AppleLocale"),
                                                    mb_kCFPreferencesAnyApplication);
    if (pref && mb_CFGetTypeID(pref) == mb_CFStringGetTypeID() &&
        mb_CFStringGetCString(pref, out, (CFIndex)size, UTF8)) {
        mb_CFRelease(pref);
        return;
    }
    if (pref)
        mb_CFRelease(pref);
    const char *names[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    for (int i = 0; i < 3; i++) {
        const char *v = getenv(names[i]);
        if (v && *v) {
            snprintf(out, size, "%s", v);
            return;
        }
    }
    snprintf(out, size, "en_US"); /* a Mac's default */
}

MB_EXPORT struct locale *mb_CFLocaleCopyCurrent(void)
{
    char id[128];
    current_identifier(id, sizeof id);
    return locale_new(id);
}

MB_EXPORT const struct locale *mb_CFLocaleGetSystem(void)
{
    static struct locale *_Atomic system;
    if (!system) {
        struct locale *l = locale_new(""), *none = NULL;
        if (l && !__atomic_compare_exchange_n(&system, &none, l, 0, __ATOMIC_ACQ_REL,
                                              __ATOMIC_ACQUIRE))
            mb_CFRelease(l);
    }
    return system;
}

MB_EXPORT struct locale *mb_CFLocaleCreate(const void *alloc, const void *identifier)
{
    (void)alloc;
    char id[128] = "";
    if (identifier)
        mb_CFStringGetCString(identifier, id, sizeof id, UTF8);
    return locale_new(id);
}

MB_EXPORT void *mb_CFLocaleGetIdentifier(const struct locale *l)
{
    return l ? l->id_string : NULL; /* owned by the locale, as CF's Get rule says */
}

MB_EXPORT void *mb_CFLocaleCreateCanonicalLocaleIdentifierFromString(const void *alloc,
                                                                      const void *s)
{
    (void)alloc;
    char in[128] = "", out[128];
    if (s)
        mb_CFStringGetCString(s, in, sizeof in, UTF8);
    canonical(in, out, sizeof out);
    return cstring(out);
}

static int metric(const char *country)
{
    return strcmp(country, "US") && strcmp(country, "LR") && strcmp(country, "MM");
}

MB_EXPORT const void *mb_CFLocaleGetValue(const struct locale *l, const void *key)
{
    if (!l || !key)
        return NULL;
    extern const void *mb_kCFBooleanTrue, *mb_kCFBooleanFalse;
    if (mb_CFEqual(key, mb_kCFLocaleIdentifier))
        return mb_CFLocaleGetIdentifier(l);
    if (mb_CFEqual(key, mb_kCFLocaleLanguageCode))
        return l->language_string;
    if (mb_CFEqual(key, mb_kCFLocaleCountryCode))
        return l->country_string;
    if (mb_CFEqual(key, mb_kCFLocaleUsesMetricSystem))
        return metric(l->country) ? mb_kCFBooleanTrue : mb_kCFBooleanFalse;
    int comma_decimal = strstr("de fr es it nl pt ru sv da fi nb pl cs tr", l->language) &&
                        *l->language && strcmp(l->language, "en");
    static const void *comma, *dot;
    if (!comma) {
        comma = mb___CFStringMakeConstantString(",");
        dot = mb___CFStringMakeConstantString(".");
    }
    if (mb_CFEqual(key, mb_kCFLocaleDecimalSeparator))
        return comma_decimal ? comma : dot;
    if (mb_CFEqual(key, mb_kCFLocaleGroupingSeparator))
        return comma_decimal ? dot : comma;
    return NULL;
}

/* The user's languages: AppleLanguages, else the current locale's, in BCP 47 form. */
MB_EXPORT void *mb_CFLocaleCopyPreferredLanguages(void)
{
    const void *pref = mb_CFPreferencesCopyAppValue(
        mb___CFStringMakeConstantString("AppleLanguages"), mb_kCFPreferencesAnyApplication);
    if (pref && mb_CFGetTypeID(pref) != mb_CFStringGetTypeID() &&
        mb_CFGetTypeID(pref) != mb_CFDictionaryGetTypeID())
        return (void *)pref; /* an array, as `defaults write -g AppleLanguages -array` makes */
    if (pref)
        mb_CFRelease(pref);
    struct locale *l = mb_CFLocaleCopyCurrent();
    char tag[64];
    snprintf(tag, sizeof tag, "%s%s%s", l ? l->language : "en", l && *l->country ? "-" : "",
             l ? l->country : "");
    if (!l || !*l->language || !strcmp(l->id, "en_US_POSIX"))
        snprintf(tag, sizeof tag, "en-US");
    if (l)
        mb_CFRelease(l);
    void *a = mb_CFArrayCreateMutable(NULL, 1, mb_kCFTypeArrayCallBacks);
    void *s = cstring(tag);
    mb_CFArrayAppendValue(a, s);
    mb_CFRelease(s);
    return a;
}
