/* CFPreferences on the property-list files machbox's `defaults` reads and writes.
 *
 * A domain is (application, user, host): the current user's are under
 * ~/Library/Preferences (ByHost/ with the host's UUID for the current host), any user's
 * under the prefix's /Library/Preferences; kCFPreferencesAnyApplication is
 * .GlobalPreferences. Each read stats the file and reloads it when it changed, so another
 * process's `defaults write` is seen at once, as cfprefsd makes it; each write reads the
 * latest file, changes it and saves it (binary, written aside and renamed) right away.
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "cf_api.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FORMAT_BINARY 200


#define PREF_STRING(sym, text)                                                                  \
    MB_EXPORT const void *sym;                                                                  \
    static void __attribute__((constructor)) init_##sym(void)                                   \
    {                                                                                           \
        sym = mb___CFStringMakeConstantString(text);                                            \
    }

PREF_STRING(mb_kCFPreferencesAnyApplication, "kCFPreferencesAnyApplication")
PREF_STRING(mb_kCFPreferencesCurrentApplication, "kCFPreferencesCurrentApplication")
PREF_STRING(mb_kCFPreferencesAnyHost, "kCFPreferencesAnyHost")
PREF_STRING(mb_kCFPreferencesCurrentHost, "kCFPreferencesCurrentHost")
PREF_STRING(mb_kCFPreferencesAnyUser, "kCFPreferencesAnyUser")
PREF_STRING(mb_kCFPreferencesCurrentUser, "kCFPreferencesCurrentUser")

static pthread_mutex_t prefs_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- where a domain lives ------------------------------------------------------------------- */

static void host_uuid(char *out, size_t size)
{
    char id[64] = "";
    FILE *f = fopen("/etc/machine-id", "r");
    if (!f || !fgets(id, sizeof id, f) || strlen(id) < 32) {
        snprintf(out, size, "00000000-0000-0000-0000-000000000000");
    } else {
        for (int i = 0; i < 32; i++)
            id[i] = (char)toupper((unsigned char)id[i]);
        snprintf(out, size, "%.8s-%.4s-%.4s-%.4s-%.12s", id, id + 8, id + 12, id + 16, id + 20);
    }
    if (f)
        fclose(f);
}

/* The program's own domain: a tool without a bundle uses its executable's name. */
static void current_application(char *out, size_t size)
{
    const char *exe = mb_program.executable_path ? mb_program.executable_path : "";
    const char *slash = strrchr(exe, '/');
    snprintf(out, size, "%s", slash ? slash + 1 : exe);
}

static int string_is(const void *s, const void *constant)
{
    return s == constant || (s && constant && mb_CFEqual(s, constant));
}

/* The file of domain (app, user, host), or 0 if the names are not strings. */
static int domain_path(const void *app, const void *user, const void *host, char *out,
                       size_t size)
{
    char name[512], uuid[64];
    if (!app || mb_CFGetTypeID(app) != mb_CFStringGetTypeID())
        return 0;
    if (string_is(app, mb_kCFPreferencesAnyApplication))
        snprintf(name, sizeof name, ".GlobalPreferences");
    else if (string_is(app, mb_kCFPreferencesCurrentApplication))
        current_application(name, sizeof name);
    else if (!mb_CFStringGetCString(app, name, sizeof name, UTF8) || strchr(name, '/'))
        return 0;
    int any_user = string_is(user, mb_kCFPreferencesAnyUser);
    const char *base = any_user ? getenv("MACHBOX_PREFIX") : getenv("HOME");
    if (!base)
        return 0;
    const char *library = "/Library/Preferences";
    if (string_is(host, mb_kCFPreferencesCurrentHost)) {
        host_uuid(uuid, sizeof uuid);
        snprintf(out, size, "%s%s/ByHost/%s.%s.plist", base, library, name, uuid);
    } else {
        snprintf(out, size, "%s%s/%s.plist", base, library, name);
    }
    return 1;
}

/* ---- reading and writing a domain ------------------------------------------------------------ */

/* The domain's contents as a new mutable dictionary (empty when there is no file). */
static void *load(const char *path)
{
    void *dict = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size < (64 << 20)) {
        unsigned char *buf = malloc((size_t)st.st_size);
        if (buf && read(fd, buf, (size_t)st.st_size) == st.st_size) {
            void *data = mb_CFDataCreate(NULL, buf, st.st_size);
            const void *plist = mb_CFPropertyListCreateWithData(NULL, data, 0, NULL, NULL);
            if (plist && mb_CFGetTypeID(plist) == mb_CFDictionaryGetTypeID())
                dict = (void *)mb_CFPropertyListCreateDeepCopy(NULL, plist, 2);
            if (plist)
                mb_CFRelease(plist);
            mb_CFRelease(data);
        }
        free(buf);
    }
    if (fd >= 0)
        close(fd);
    errno = 0;
    return dict ? dict
                : mb_CFDictionaryCreateMutable(NULL, 0, mb_kCFTypeDictionaryKeyCallBacks,
                                               mb_kCFTypeDictionaryValueCallBacks);
}

static void make_parents(const char *path)
{
    char partial[4096];
    snprintf(partial, sizeof partial, "%s", path);
    for (char *p = partial + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(partial, 0755);
            *p = '/';
        }
}

static int save(const char *path, const void *dict)
{
    void *data = mb_CFPropertyListCreateData(NULL, dict, FORMAT_BINARY, 0, NULL);
    if (!data)
        return 0;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp%d", path, (int)getpid());
    make_parents(path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    size_t n = (size_t)mb_CFDataGetLength(data);
    int ok = fd >= 0 && write(fd, mb_CFDataGetBytePtr(data), n) == (ssize_t)n;
    if (fd >= 0)
        ok &= close(fd) == 0;
    ok = ok && rename(tmp, path) == 0;
    if (!ok)
        unlink(tmp);
    mb_CFRelease(data);
    errno = 0;
    return ok;
}

/* ---- the calls ---------------------------------------------------------------------------------- */

static const void *copy_from(const void *key, const void *app, const void *user,
                             const void *host)
{
    char path[4096];
    if (!key || !domain_path(app, user, host, path, sizeof path))
        return NULL;
    void *dict = load(path);
    const void *v = mb_CFDictionaryGetValue(dict, key);
    if (v)
        mb_CFRetain(v);
    mb_CFRelease(dict);
    return v;
}

MB_EXPORT const void *mb_CFPreferencesCopyValue(const void *key, const void *app,
                                                const void *user, const void *host)
{
    pthread_mutex_lock(&prefs_lock);
    const void *v = copy_from(key, app, user, host);
    pthread_mutex_unlock(&prefs_lock);
    return v;
}

/* The search list: the application, then the global domain; the current user (this host,
 * then any host), then any user. */
MB_EXPORT const void *mb_CFPreferencesCopyAppValue(const void *key, const void *app)
{
    const void *apps[] = {app, mb_kCFPreferencesAnyApplication};
    const void *users[] = {mb_kCFPreferencesCurrentUser, mb_kCFPreferencesAnyUser};
    const void *hosts[] = {mb_kCFPreferencesCurrentHost, mb_kCFPreferencesAnyHost};
    const void *v = NULL;
    pthread_mutex_lock(&prefs_lock);
    for (int u = 0; !v && u < 2; u++)
        for (int a = 0; !v && a < 2; a++)
            for (int h = u; !v && h < 2; h++) /* any user: any host only */
                v = copy_from(key, apps[a], users[u], hosts[h]);
    pthread_mutex_unlock(&prefs_lock);
    return v;
}

MB_EXPORT void mb_CFPreferencesSetValue(const void *key, const void *value, const void *app,
                                        const void *user, const void *host)
{
    char path[4096];
    if (!key || !domain_path(app, user, host, path, sizeof path))
        return;
    pthread_mutex_lock(&prefs_lock);
    void *dict = load(path);
    if (value)
        mb_CFDictionarySetValue(dict, key, value);
    else
        mb_CFDictionaryRemoveValue(dict, key);
    save(path, dict);
    mb_CFRelease(dict);
    pthread_mutex_unlock(&prefs_lock);
}

MB_EXPORT void mb_CFPreferencesSetAppValue(const void *key, const void *value, const void *app)
{
    mb_CFPreferencesSetValue(key, value, app, mb_kCFPreferencesCurrentUser,
                             mb_kCFPreferencesAnyHost);
}

MB_EXPORT void mb_CFPreferencesSetMultiple(const void *to_set, const void *to_remove,
                                           const void *app, const void *user, const void *host)
{
    char path[4096];
    if (!domain_path(app, user, host, path, sizeof path))
        return;
    pthread_mutex_lock(&prefs_lock);
    void *dict = load(path);
    CFIndex n = to_set ? mb_CFDictionaryGetCount(to_set) : 0;
    const void **keys = calloc((size_t)n + 1, sizeof *keys), **vals = calloc((size_t)n + 1, sizeof *vals);
    if (keys && vals && n) {
        mb_CFDictionaryGetKeysAndValues(to_set, keys, vals);
        for (CFIndex i = 0; i < n; i++)
            mb_CFDictionarySetValue(dict, keys[i], vals[i]);
    }
    for (CFIndex i = 0; to_remove && i < mb_CFArrayGetCount(to_remove); i++)
        mb_CFDictionaryRemoveValue(dict, mb_CFArrayGetValueAtIndex(to_remove, i));
    save(path, dict);
    free(keys);
    free(vals);
    mb_CFRelease(dict);
    pthread_mutex_unlock(&prefs_lock);
}

/* Writes go to disk as they are made; synchronizing has nothing left to do. */
MB_EXPORT unsigned char mb_CFPreferencesAppSynchronize(const void *app)
{
    (void)app;
    return 1;
}

MB_EXPORT unsigned char mb_CFPreferencesSynchronize(const void *app, const void *user,
                                                    const void *host)
{
    (void)app, (void)user, (void)host;
    return 1;
}

MB_EXPORT unsigned char mb_CFPreferencesAppValueIsForced(const void *key, const void *app)
{
    (void)key, (void)app;
    return 0; /* no managed (MDM) preferences here */
}

static int ci_equal(const char *a, const char *b) { return strcasecmp(a, b) == 0; }

/* Booleans as CFPreferences reads them: a CFBoolean, a number, or "YES"/"true"/"1". */
MB_EXPORT unsigned char mb_CFPreferencesGetAppBooleanValue(const void *key, const void *app,
                                                           unsigned char *valid)
{
    const void *v = mb_CFPreferencesCopyAppValue(key, app);
    int ok = 0, value = 0;
    char text[32];
    long long n;
    if (v && mb_CFGetTypeID(v) == mb_CFBooleanGetTypeID()) {
        ok = 1;
        value = mb_CFBooleanGetValue(v);
    } else if (v && mb_CFGetTypeID(v) == mb_CFNumberGetTypeID()) {
        mb_CFNumberGetValue(v, 4, &n);
        ok = 1;
        value = n != 0;
    } else if (v && mb_CFGetTypeID(v) == mb_CFStringGetTypeID() &&
               mb_CFStringGetCString(v, text, sizeof text, UTF8)) {
        ok = ci_equal(text, "yes") || ci_equal(text, "true") || ci_equal(text, "no") ||
             ci_equal(text, "false") || strspn(text, "-0123456789") == strlen(text);
        value = ci_equal(text, "yes") || ci_equal(text, "true") || atoll(text) != 0;
    }
    if (v)
        mb_CFRelease(v);
    if (valid)
        *valid = (unsigned char)ok;
    return (unsigned char)(ok && value);
}

MB_EXPORT CFIndex mb_CFPreferencesGetAppIntegerValue(const void *key, const void *app,
                                                     unsigned char *valid)
{
    const void *v = mb_CFPreferencesCopyAppValue(key, app);
    int ok = 0;
    long long n = 0;
    char text[64], *end;
    if (v && mb_CFGetTypeID(v) == mb_CFNumberGetTypeID()) {
        mb_CFNumberGetValue(v, 4, &n);
        ok = 1;
    } else if (v && mb_CFGetTypeID(v) == mb_CFStringGetTypeID() &&
               mb_CFStringGetCString(v, text, sizeof text, UTF8)) {
        n = strtoll(text, &end, 10);
        ok = end != text && *end == 0;
    }
    if (v)
        mb_CFRelease(v);
    if (valid)
        *valid = (unsigned char)ok;
    return ok ? (CFIndex)n : 0;
}

MB_EXPORT void *mb_CFPreferencesCopyKeyList(const void *app, const void *user, const void *host)
{
    char path[4096];
    if (!domain_path(app, user, host, path, sizeof path))
        return NULL;
    pthread_mutex_lock(&prefs_lock);
    void *dict = load(path);
    pthread_mutex_unlock(&prefs_lock);
    CFIndex n = mb_CFDictionaryGetCount(dict);
    void *keys = NULL;
    const void **k = calloc((size_t)n + 1, sizeof *k);
    if (n && k) {
        mb_CFDictionaryGetKeysAndValues(dict, k, NULL);
        keys = mb_CFArrayCreateMutable(NULL, n, mb_kCFTypeArrayCallBacks);
        for (CFIndex i = 0; i < n; i++)
            mb_CFArrayAppendValue(keys, k[i]);
    }
    free(k);
    mb_CFRelease(dict);
    return keys; /* NULL for an empty domain, as CF answers */
}

MB_EXPORT void *mb_CFPreferencesCopyMultiple(const void *keys, const void *app,
                                             const void *user, const void *host)
{
    char path[4096];
    void *out = mb_CFDictionaryCreateMutable(NULL, 0, mb_kCFTypeDictionaryKeyCallBacks,
                                             mb_kCFTypeDictionaryValueCallBacks);
    if (!domain_path(app, user, host, path, sizeof path))
        return out;
    pthread_mutex_lock(&prefs_lock);
    void *dict = load(path);
    pthread_mutex_unlock(&prefs_lock);
    if (!keys) {
        mb_CFRelease(out);
        return dict;
    }
    for (CFIndex i = 0; i < mb_CFArrayGetCount(keys); i++) {
        const void *k = mb_CFArrayGetValueAtIndex(keys, i), *v = mb_CFDictionaryGetValue(dict, k);
        if (v)
            mb_CFDictionarySetValue(out, k, v);
    }
    mb_CFRelease(dict);
    return out;
}
