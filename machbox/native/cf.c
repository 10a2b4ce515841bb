/* CoreFoundation: the object model and the value types command-line tools use (strings,
 * numbers, booleans, data, arrays, dictionaries), plus SystemConfiguration's proxy query.
 *
 * Objects start like Apple's CFRuntimeBase ({isa, info, retain count}: 16 bytes) so the
 * compiler's constant strings (CFSTR, in __cfstring: {isa = __CFConstantStringClassReference,
 * flags, bytes, length}) are CFStrings here too. Strings are kept as UTF-16, as CF's
 * interface counts them; constant strings are read in place.
 */
#define _GNU_SOURCE
#include "runtime.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef long CFIndex;
typedef unsigned long CFTypeID;
typedef unsigned long CFHashCode;
typedef uint32_t CFStringEncoding;
typedef uint16_t UniChar;
typedef struct { CFIndex location, length; } CFRange;
typedef const void *CFTypeRef;

enum {
    kCFStringEncodingMacRoman = 0,
    kCFStringEncodingASCII = 0x0600,
    kCFStringEncodingISOLatin1 = 0x0201,
    kCFStringEncodingUTF8 = 0x08000100,
    kCFStringEncodingUTF16 = 0x0100,
    kCFStringEncodingUTF16BE = 0x10000100,
    kCFStringEncodingUTF16LE = 0x14000100,
    kCFStringEncodingUTF32 = 0x0c000100,
    kCFStringEncodingNonLossyASCII = 0x0BFF,
};

enum { TYPE_STRING = 7, TYPE_BOOLEAN = 21, TYPE_NUMBER = 22, TYPE_DATA = 20, TYPE_ARRAY = 19,
       TYPE_DICTIONARY = 18, TYPE_SET = 17, TYPE_DATE = 42, TYPE_ERROR = 37, TYPE_ALLOCATOR = 2,
       TYPE_SCSTORE = 300 };

struct cfclass {
    CFTypeID type;
    const char *name;
    void (*finalize)(void *);
};

struct cfbase {
    const struct cfclass *isa;
    uint32_t info;
    _Atomic uint32_t rc;
};

#define RC_CONSTANT 0xffffffffu /* never freed */

static void *cf_alloc(const struct cfclass *cls, size_t size)
{
    struct cfbase *o = calloc(1, size);
    if (!o)
        return NULL;
    o->isa = cls;
    o->rc = 1;
    return o;
}

/* ---- strings ---------------------------------------------------------------------------- */

MB_EXPORT const struct cfclass mb___CFConstantStringClassReference[4] = {{TYPE_STRING, "CFString", 0}};

struct cfstring {
    struct cfbase base;
    CFIndex length;  /* UTF-16 units */
    UniChar *chars;
    char *utf8;      /* lazily made, for GetCStringPtr */
};

struct cfconststring {
    const void *isa;
    uint64_t flags;  /* 0x7c8: 8-bit contents, 0x7d0: UTF-16 */
    const void *ptr;
    CFIndex length;
};

static void string_finalize(void *p)
{
    struct cfstring *s = p;
    free(s->chars);
    free(s->utf8);
}

static const struct cfclass string_class = {TYPE_STRING, "CFString", string_finalize};

static int is_const_string(const void *p)
{
    return p && ((const struct cfbase *)p)->isa == &mb___CFConstantStringClassReference[0];
}

/* UTF-8 → UTF-16; returns the unit count, or -1 on a malformed sequence. */
static CFIndex utf8_to_utf16(const unsigned char *s, size_t n, UniChar *out)
{
    CFIndex k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c = s[i];
        int extra = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
        if (extra < 0 || i + (size_t)extra >= n + (extra ? 0 : 1))
            return -1;
        if (extra)
            c &= 0x3f >> extra;
        for (int j = 1; j <= extra; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return -1;
            c = (c << 6) | (s[i + j] & 0x3f);
        }
        i += 1 + (size_t)extra;
        if (c >= 0x10000) {
            c -= 0x10000;
            if (out) {
                out[k] = (UniChar)(0xd800 + (c >> 10));
                out[k + 1] = (UniChar)(0xdc00 + (c & 0x3ff));
            }
            k += 2;
        } else {
            if (out)
                out[k] = (UniChar)c;
            k++;
        }
    }
    return k;
}

/* UTF-16 → UTF-8 into out (may be NULL to measure). */
static size_t utf16_to_utf8(const UniChar *u, CFIndex n, char *out)
{
    size_t k = 0;
    for (CFIndex i = 0; i < n; i++) {
        uint32_t c = u[i];
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < n && u[i + 1] >= 0xdc00 && u[i + 1] < 0xe000) {
            c = 0x10000 + ((c - 0xd800) << 10) + (u[i + 1] - 0xdc00);
            i++;
        }
        unsigned char b[4];
        int len;
        if (c < 0x80) { b[0] = (unsigned char)c; len = 1; }
        else if (c < 0x800) { b[0] = 0xc0 | (c >> 6); b[1] = 0x80 | (c & 0x3f); len = 2; }
        else if (c < 0x10000) { b[0] = 0xe0 | (c >> 12); b[1] = 0x80 | ((c >> 6) & 0x3f); b[2] = 0x80 | (c & 0x3f); len = 3; }
        else { b[0] = 0xf0 | (c >> 18); b[1] = 0x80 | ((c >> 12) & 0x3f); b[2] = 0x80 | ((c >> 6) & 0x3f); b[3] = 0x80 | (c & 0x3f); len = 4; }
        if (out)
            memcpy(out + k, b, (size_t)len);
        k += (size_t)len;
    }
    return k;
}

static struct cfstring *string_from_units(const UniChar *u, CFIndex n)
{
    struct cfstring *s = cf_alloc(&string_class, sizeof *s);
    if (!s)
        return NULL;
    s->chars = malloc(sizeof(UniChar) * (size_t)(n ? n : 1));
    if (!s->chars) {
        free(s);
        return NULL;
    }
    memcpy(s->chars, u, sizeof(UniChar) * (size_t)n);
    s->length = n;
    return s;
}

/* Decodes bytes in an encoding into a new string, or NULL when they are not valid. */
static struct cfstring *string_decode(const unsigned char *b, size_t n, CFStringEncoding enc)
{
    UniChar *u = malloc(sizeof(UniChar) * (n + 1));
    if (!u)
        return NULL;
    CFIndex k = 0;
    switch (enc) {
    case kCFStringEncodingUTF8:
        k = utf8_to_utf16(b, n, u);
        break;
    case kCFStringEncodingASCII:
    case kCFStringEncodingNonLossyASCII:
        for (size_t i = 0; i < n; i++) {
            if (b[i] >= 0x80) { k = -1; break; }
            u[k++] = b[i];
        }
        break;
    case kCFStringEncodingISOLatin1:
    case kCFStringEncodingMacRoman: /* the ASCII half agrees; the upper half is Latin-1 here */
        for (size_t i = 0; i < n; i++)
            u[k++] = b[i];
        break;
    case kCFStringEncodingUTF16:
    case kCFStringEncodingUTF16LE:
    case kCFStringEncodingUTF16BE: {
        int be = enc == kCFStringEncodingUTF16BE;
        size_t i = 0;
        if (enc == kCFStringEncodingUTF16 && n >= 2 && ((b[0] == 0xfe && b[1] == 0xff) || (b[0] == 0xff && b[1] == 0xfe))) {
            be = b[0] == 0xfe;
            i = 2;
        }
        for (; i + 1 < n; i += 2)
            u[k++] = be ? (UniChar)(b[i] << 8 | b[i + 1]) : (UniChar)(b[i + 1] << 8 | b[i]);
        break;
    }
    default:
        k = -1;
    }
    struct cfstring *s = k < 0 ? NULL : string_from_units(u, k);
    free(u);
    return s;
}

/* Any string (ours or constant) as UTF-16 units; *tmp must be freed by the caller. */
static const UniChar *string_units(const void *p, CFIndex *len, UniChar **tmp)
{
    *tmp = NULL;
    if (is_const_string(p)) {
        const struct cfconststring *c = p;
        if ((c->flags & 0x10) && !(c->flags & 0x8)) { /* 0x7d0: UTF-16 contents */
            *len = c->length;
            return c->ptr;
        }
        UniChar *u = malloc(sizeof(UniChar) * (size_t)(c->length + 1));
        if (!u) { *len = 0; return NULL; }
        CFIndex k = utf8_to_utf16(c->ptr, (size_t)c->length, u);
        if (k < 0) {
            for (k = 0; k < c->length; k++)
                u[k] = ((const unsigned char *)c->ptr)[k];
        }
        *tmp = u;
        *len = k;
        return u;
    }
    const struct cfstring *s = p;
    *len = s->length;
    return s->chars;
}

MB_EXPORT CFTypeID mb_CFStringGetTypeID(void) { return TYPE_STRING; }

MB_EXPORT void *mb_CFStringCreateWithBytes(const void *alloc, const unsigned char *b, CFIndex n,
                                           CFStringEncoding enc, int external_rep)
{
    (void)alloc;
    (void)external_rep;
    return string_decode(b, (size_t)n, enc);
}

MB_EXPORT void *mb_CFStringCreateWithBytesNoCopy(const void *alloc, const unsigned char *b,
                                                 CFIndex n, CFStringEncoding enc, int ext,
                                                 const void *dealloc)
{
    (void)dealloc; /* the bytes are copied, so the caller's deallocator is never needed */
    return mb_CFStringCreateWithBytes(alloc, b, n, enc, ext);
}

MB_EXPORT void *mb_CFStringCreateWithCString(const void *alloc, const char *c, CFStringEncoding enc)
{
    (void)alloc;
    return c ? string_decode((const unsigned char *)c, strlen(c), enc) : NULL;
}

MB_EXPORT void *mb_CFStringCreateWithCStringNoCopy(const void *alloc, const char *c,
                                                   CFStringEncoding enc, const void *dealloc)
{
    (void)dealloc;
    return mb_CFStringCreateWithCString(alloc, c, enc);
}

MB_EXPORT void *mb_CFStringCreateWithCharacters(const void *alloc, const UniChar *u, CFIndex n)
{
    (void)alloc;
    return string_from_units(u, n);
}

MB_EXPORT void *mb_CFStringCreateCopy(const void *alloc, const void *s)
{
    (void)alloc;
    UniChar *tmp;
    CFIndex n;
    const UniChar *u = string_units(s, &n, &tmp);
    void *r = string_from_units(u, n);
    free(tmp);
    return r;
}

/* CFSTR() in code not compiled with constant strings */
MB_EXPORT void *mb___CFStringMakeConstantString(const char *c)
{
    struct cfstring *s = mb_CFStringCreateWithCString(NULL, c, kCFStringEncodingUTF8);
    if (s)
        s->base.rc = RC_CONSTANT;
    return s;
}

MB_EXPORT CFIndex mb_CFStringGetLength(const void *s)
{
    UniChar *tmp;
    CFIndex n;
    string_units(s, &n, &tmp);
    free(tmp);
    return n;
}

MB_EXPORT UniChar mb_CFStringGetCharacterAtIndex(const void *s, CFIndex i)
{
    UniChar *tmp;
    CFIndex n;
    const UniChar *u = string_units(s, &n, &tmp);
    UniChar c = i >= 0 && i < n ? u[i] : 0;
    free(tmp);
    return c;
}

MB_EXPORT void mb_CFStringGetCharacters(const void *s, CFRange r, UniChar *out)
{
    UniChar *tmp;
    CFIndex n;
    const UniChar *u = string_units(s, &n, &tmp);
    if (r.location >= 0 && r.length >= 0 && r.location + r.length <= n)
        memcpy(out, u + r.location, sizeof(UniChar) * (size_t)r.length);
    free(tmp);
}

/* Encodes units [from, from+len) into buf (may be NULL); returns units converted and the
 * bytes used in *used. A unit that cannot be encoded stops the conversion unless lossByte. */
static CFIndex encode(const UniChar *u, CFIndex len, CFStringEncoding enc, unsigned char loss,
                      unsigned char *buf, CFIndex max, CFIndex *used)
{
    CFIndex i = 0, k = 0;
    for (; i < len; i++) {
        unsigned char tmp[8];
        int n = 0;
        uint32_t c = u[i];
        int pair = c >= 0xd800 && c < 0xdc00 && i + 1 < len && u[i + 1] >= 0xdc00 && u[i + 1] < 0xe000;
        if (enc == kCFStringEncodingUTF8) {
            n = (int)utf16_to_utf8(u + i, pair ? 2 : 1, (char *)tmp);
        } else if (enc == kCFStringEncodingUTF16 || enc == kCFStringEncodingUTF16LE) {
            tmp[0] = (unsigned char)c; tmp[1] = (unsigned char)(c >> 8); n = 2;
        } else if (enc == kCFStringEncodingUTF16BE) {
            tmp[0] = (unsigned char)(c >> 8); tmp[1] = (unsigned char)c; n = 2;
        } else {
            uint32_t limit = enc == kCFStringEncodingASCII ? 0x80 : 0x100;
            if (c < limit) { tmp[0] = (unsigned char)c; n = 1; }
            else if (loss) { tmp[0] = loss; n = 1; }
            else break;
        }
        if (buf && k + n > max)
            break;
        if (buf)
            memcpy(buf + k, tmp, (size_t)n);
        k += n;
        if (pair && enc == kCFStringEncodingUTF8)
            i++;
    }
    if (used)
        *used = k;
    return i;
}

MB_EXPORT CFIndex mb_CFStringGetBytes(const void *s, CFRange r, CFStringEncoding enc,
                                      unsigned char loss, int ext, unsigned char *buf,
                                      CFIndex max, CFIndex *used)
{
    (void)ext;
    UniChar *tmp;
    CFIndex n;
    const UniChar *u = string_units(s, &n, &tmp);
    CFIndex done = 0;
    if (r.location >= 0 && r.length >= 0 && r.location + r.length <= n)
        done = encode(u + r.location, r.length, enc, loss, buf, max, used);
    else if (used)
        *used = 0;
    free(tmp);
    return done;
}

MB_EXPORT int mb_CFStringGetCString(const void *s, char *buf, CFIndex size, CFStringEncoding enc)
{
    UniChar *tmp;
    CFIndex n, used = 0;
    const UniChar *u = string_units(s, &n, &tmp);
    CFIndex done = encode(u, n, enc, 0, (unsigned char *)buf, size - 1, &used);
    free(tmp);
    if (done < n || used >= size)
        return 0;
    buf[used] = 0;
    return 1;
}

MB_EXPORT const char *mb_CFStringGetCStringPtr(const void *s, CFStringEncoding enc)
{
    if (enc != kCFStringEncodingUTF8 && enc != kCFStringEncodingASCII &&
        enc != kCFStringEncodingMacRoman)
        return NULL;
    if (is_const_string(s)) {
        const struct cfconststring *c = s;
        return (c->flags & 0x8) ? c->ptr : NULL;
    }
    struct cfstring *str = (struct cfstring *)s;
    for (CFIndex i = 0; i < str->length; i++)
        if (str->chars[i] >= 0x80)
            return enc == kCFStringEncodingUTF8 ? NULL : NULL;
    if (!str->utf8) {
        size_t n = utf16_to_utf8(str->chars, str->length, NULL);
        char *p = malloc(n + 1);
        if (!p)
            return NULL;
        utf16_to_utf8(str->chars, str->length, p);
        p[n] = 0;
        str->utf8 = p;
    }
    return str->utf8;
}

MB_EXPORT CFIndex mb_CFStringGetMaximumSizeForEncoding(CFIndex len, CFStringEncoding enc)
{
    return enc == kCFStringEncodingUTF8 ? len * 3 : (enc & 0xff00) == 0x0100 ? len * 2 : len;
}

MB_EXPORT CFIndex mb_CFStringCompare(const void *a, const void *b, unsigned long options)
{
    (void)options;
    UniChar *ta, *tb;
    CFIndex na, nb;
    const UniChar *ua = string_units(a, &na, &ta), *ub = string_units(b, &nb, &tb);
    CFIndex r = 0;
    for (CFIndex i = 0; i < na && i < nb && !r; i++)
        r = ua[i] < ub[i] ? -1 : ua[i] > ub[i] ? 1 : 0;
    if (!r)
        r = na < nb ? -1 : na > nb ? 1 : 0;
    free(ta);
    free(tb);
    return r;
}

/* ---- booleans and numbers ---------------------------------------------------------------- */

struct cfboolean {
    struct cfbase base;
    int value;
};

static const struct cfclass boolean_class = {TYPE_BOOLEAN, "CFBoolean", 0};
MB_EXPORT struct cfboolean mb_cfboolean_true = {{&boolean_class, 0, RC_CONSTANT}, 1};
MB_EXPORT struct cfboolean mb_cfboolean_false = {{&boolean_class, 0, RC_CONSTANT}, 0};
MB_EXPORT const void *mb_kCFBooleanTrue = &mb_cfboolean_true;
MB_EXPORT const void *mb_kCFBooleanFalse = &mb_cfboolean_false;

MB_EXPORT CFTypeID mb_CFBooleanGetTypeID(void) { return TYPE_BOOLEAN; }
MB_EXPORT int mb_CFBooleanGetValue(const struct cfboolean *b) { return b->value; }

enum { kCFNumberSInt8Type = 1, kCFNumberSInt16Type, kCFNumberSInt32Type, kCFNumberSInt64Type,
       kCFNumberFloat32Type, kCFNumberFloat64Type, kCFNumberCharType, kCFNumberShortType,
       kCFNumberIntType, kCFNumberLongType, kCFNumberLongLongType, kCFNumberFloatType,
       kCFNumberDoubleType, kCFNumberCFIndexType, kCFNumberNSIntegerType,
       kCFNumberCGFloatType };

struct cfnumber {
    struct cfbase base;
    int type;
    int is_float;
    int64_t i;
    double d;
};

static const struct cfclass number_class = {TYPE_NUMBER, "CFNumber", 0};

static int is_float_type(int t)
{
    return t == kCFNumberFloat32Type || t == kCFNumberFloat64Type || t == kCFNumberFloatType ||
           t == kCFNumberDoubleType || t == kCFNumberCGFloatType;
}

MB_EXPORT CFTypeID mb_CFNumberGetTypeID(void) { return TYPE_NUMBER; }

MB_EXPORT void *mb_CFNumberCreate(const void *alloc, int type, const void *p)
{
    (void)alloc;
    struct cfnumber *n = cf_alloc(&number_class, sizeof *n);
    if (!n)
        return NULL;
    n->type = type;
    n->is_float = is_float_type(type);
    switch (type) {
    case kCFNumberSInt8Type: case kCFNumberCharType: n->i = *(const int8_t *)p; break;
    case kCFNumberSInt16Type: case kCFNumberShortType: n->i = *(const int16_t *)p; break;
    case kCFNumberSInt32Type: case kCFNumberIntType: n->i = *(const int32_t *)p; break;
    case kCFNumberFloat32Type: case kCFNumberFloatType: n->d = *(const float *)p; break;
    case kCFNumberFloat64Type: case kCFNumberDoubleType: case kCFNumberCGFloatType:
        n->d = *(const double *)p; break;
    default: n->i = *(const int64_t *)p; break;
    }
    if (n->is_float)
        n->i = (int64_t)n->d;
    else
        n->d = (double)n->i;
    return n;
}

MB_EXPORT int mb_CFNumberGetType(const struct cfnumber *n) { return n->type; }
MB_EXPORT int mb_CFNumberIsFloatType(const struct cfnumber *n) { return n->is_float; }

/* Returns true when the value converts to `type` without loss. */
MB_EXPORT int mb_CFNumberGetValue(const struct cfnumber *n, int type, void *out)
{
    int64_t i = n->is_float ? (int64_t)n->d : n->i;
    int exact = !n->is_float || (double)i == n->d;
    switch (type) {
    case kCFNumberSInt8Type: case kCFNumberCharType: *(int8_t *)out = (int8_t)i; return exact && i == (int8_t)i;
    case kCFNumberSInt16Type: case kCFNumberShortType: *(int16_t *)out = (int16_t)i; return exact && i == (int16_t)i;
    case kCFNumberSInt32Type: case kCFNumberIntType: *(int32_t *)out = (int32_t)i; return exact && i == (int32_t)i;
    case kCFNumberFloat32Type: case kCFNumberFloatType: *(float *)out = (float)n->d; return 1;
    case kCFNumberFloat64Type: case kCFNumberDoubleType: case kCFNumberCGFloatType:
        *(double *)out = n->d; return 1;
    default: *(int64_t *)out = i; return exact;
    }
}

/* ---- data ------------------------------------------------------------------------------- */

struct cfdata {
    struct cfbase base;
    CFIndex length;
    unsigned char *bytes;
};

static void data_finalize(void *p) { free(((struct cfdata *)p)->bytes); }
static const struct cfclass data_class = {TYPE_DATA, "CFData", data_finalize};

MB_EXPORT CFTypeID mb_CFDataGetTypeID(void) { return TYPE_DATA; }

MB_EXPORT void *mb_CFDataCreate(const void *alloc, const void *bytes, CFIndex n)
{
    (void)alloc;
    struct cfdata *d = cf_alloc(&data_class, sizeof *d);
    if (!d)
        return NULL;
    d->bytes = malloc((size_t)(n ? n : 1));
    if (!d->bytes) {
        free(d);
        return NULL;
    }
    if (n)
        memcpy(d->bytes, bytes, (size_t)n);
    d->length = n;
    return d;
}

MB_EXPORT CFIndex mb_CFDataGetLength(const struct cfdata *d) { return d->length; }
MB_EXPORT const unsigned char *mb_CFDataGetBytePtr(const struct cfdata *d) { return d->bytes; }

MB_EXPORT void mb_CFDataGetBytes(const struct cfdata *d, CFRange r, unsigned char *out)
{
    if (r.location >= 0 && r.length >= 0 && r.location + r.length <= d->length)
        memcpy(out, d->bytes + r.location, (size_t)r.length);
}

MB_EXPORT void *mb_CFStringCreateExternalRepresentation(const void *alloc, const void *s,
                                                        CFStringEncoding enc, unsigned char loss)
{
    UniChar *tmp;
    CFIndex n, used = 0;
    const UniChar *u = string_units(s, &n, &tmp);
    CFIndex max = n * 4 + 2;
    unsigned char *buf = malloc((size_t)max);
    CFIndex done = buf ? encode(u, n, enc, loss, buf, max, &used) : -1;
    free(tmp);
    void *d = done == n ? mb_CFDataCreate(alloc, buf, used) : NULL;
    free(buf);
    return d;
}

/* ---- the object model ---------------------------------------------------------------- */

MB_EXPORT CFTypeID mb_CFGetTypeID(CFTypeRef o) { return ((const struct cfbase *)o)->isa->type; }

MB_EXPORT CFTypeRef mb_CFRetain(CFTypeRef o)
{
    struct cfbase *b = (struct cfbase *)o;
    if (b && !is_const_string(b) && b->rc != RC_CONSTANT)
        atomic_fetch_add(&b->rc, 1);
    return o;
}

MB_EXPORT void mb_CFRelease(CFTypeRef o)
{
    struct cfbase *b = (struct cfbase *)o;
    if (!b || is_const_string(b) || b->rc == RC_CONSTANT)
        return;
    if (atomic_fetch_sub(&b->rc, 1) == 1) {
        if (b->isa->finalize)
            b->isa->finalize(b);
        free(b);
    }
}

MB_EXPORT CFIndex mb_CFGetRetainCount(CFTypeRef o)
{
    const struct cfbase *b = o;
    return is_const_string(b) || b->rc == RC_CONSTANT ? 0x7fffffffffffffffL : (CFIndex)b->rc;
}

MB_EXPORT int mb_CFEqual(CFTypeRef a, CFTypeRef b);

MB_EXPORT CFHashCode mb_CFHash(CFTypeRef o)
{
    CFTypeID t = mb_CFGetTypeID(o);
    if (t == TYPE_STRING) {
        UniChar *tmp;
        CFIndex n;
        const UniChar *u = string_units(o, &n, &tmp);
        CFHashCode h = 5381;
        for (CFIndex i = 0; i < n; i++)
            h = h * 33 + u[i];
        free(tmp);
        return h;
    }
    if (t == TYPE_NUMBER) {
        const struct cfnumber *n = o;
        return n->is_float ? (CFHashCode)(int64_t)n->d : (CFHashCode)n->i;
    }
    return (CFHashCode)(uintptr_t)o >> 4;
}

static int collections_equal(CFTypeRef a, CFTypeRef b);
static double date_of(CFTypeRef d);

MB_EXPORT int mb_CFEqual(CFTypeRef a, CFTypeRef b)
{
    if (a == b)
        return 1;
    if (!a || !b || mb_CFGetTypeID(a) != mb_CFGetTypeID(b))
        return 0;
    switch (mb_CFGetTypeID(a)) {
    case TYPE_STRING:
        return mb_CFStringCompare(a, b, 0) == 0;
    case TYPE_NUMBER: {
        const struct cfnumber *x = a, *y = b;
        return x->is_float || y->is_float ? x->d == y->d : x->i == y->i;
    }
    case TYPE_DATA: {
        const struct cfdata *x = a, *y = b;
        return x->length == y->length && memcmp(x->bytes, y->bytes, (size_t)x->length) == 0;
    }
    case TYPE_DATE:
        return date_of(a) == date_of(b);
    case TYPE_ARRAY:
    case TYPE_DICTIONARY:
    case TYPE_SET:
        return collections_equal(a, b);
    default:
        return 0;
    }
}

/* ---- collections: callbacks decide how elements are kept ---------------------------------- */

struct callbacks {
    CFIndex version;
    const void *(*retain)(const void *alloc, const void *v);
    void (*release)(const void *alloc, const void *v);
    void *(*copy_description)(const void *v);
    int (*equal)(const void *a, const void *b);
    CFHashCode (*hash)(const void *v);
};

static const void *cb_retain(const void *alloc, const void *v) { (void)alloc; return mb_CFRetain(v); }
static void cb_release(const void *alloc, const void *v) { (void)alloc; mb_CFRelease(v); }

MB_EXPORT const struct callbacks mb_kCFTypeDictionaryKeyCallBacks = {0, cb_retain, cb_release, 0, mb_CFEqual, mb_CFHash};
MB_EXPORT const struct callbacks mb_kCFCopyStringDictionaryKeyCallBacks = {0, cb_retain, cb_release, 0, mb_CFEqual, mb_CFHash};
MB_EXPORT const struct callbacks mb_kCFTypeDictionaryValueCallBacks = {0, cb_retain, cb_release, 0, mb_CFEqual, 0};
MB_EXPORT const struct callbacks mb_kCFTypeArrayCallBacks = {0, cb_retain, cb_release, 0, mb_CFEqual, 0};

struct collection {
    struct cfbase base;
    CFIndex count, cap;
    const void **keys;   /* NULL for arrays */
    const void **values;
    struct callbacks kcb, vcb;
    int mutable_;
};

static void coll_finalize(void *p)
{
    struct collection *c = p;
    for (CFIndex i = 0; i < c->count; i++) {
        if (c->keys && c->kcb.release)
            c->kcb.release(NULL, c->keys[i]);
        if (c->vcb.release)
            c->vcb.release(NULL, c->values[i]);
    }
    free(c->keys);
    free(c->values);
}

static const struct cfclass array_class = {TYPE_ARRAY, "CFArray", coll_finalize};
static const struct cfclass dict_class = {TYPE_DICTIONARY, "CFDictionary", coll_finalize};
/* a set is a dictionary whose keys are its values */
static const struct cfclass set_class = {TYPE_SET, "CFSet", coll_finalize};

static struct collection *coll_new(const struct cfclass *cls, const struct callbacks *kcb,
                                   const struct callbacks *vcb, CFIndex cap)
{
    struct collection *c = cf_alloc(cls, sizeof *c);
    if (!c)
        return NULL;
    if (kcb) c->kcb = *kcb;
    if (vcb) c->vcb = *vcb;
    c->cap = cap > 4 ? cap : 4;
    c->values = calloc((size_t)c->cap, sizeof(void *));
    if (cls != &array_class)
        c->keys = calloc((size_t)c->cap, sizeof(void *));
    if (!c->values || (cls != &array_class && !c->keys)) {
        free(c->values);
        free(c->keys);
        free(c);
        return NULL;
    }
    return c;
}

static int coll_grow(struct collection *c)
{
    if (c->count < c->cap)
        return 0;
    CFIndex cap = c->cap * 2;
    const void **v = realloc(c->values, sizeof(void *) * (size_t)cap);
    if (!v)
        return -1;
    c->values = v;
    if (c->keys) {
        const void **k = realloc(c->keys, sizeof(void *) * (size_t)cap);
        if (!k)
            return -1;
        c->keys = k;
    }
    c->cap = cap;
    return 0;
}

static int key_eq(const struct collection *c, const void *a, const void *b)
{
    return a == b || (c->kcb.equal && c->kcb.equal(a, b));
}

static CFIndex dict_find(const struct collection *c, const void *key)
{
    for (CFIndex i = 0; i < c->count; i++)
        if (key_eq(c, c->keys[i], key))
            return i;
    return -1;
}

MB_EXPORT CFTypeID mb_CFArrayGetTypeID(void) { return TYPE_ARRAY; }
MB_EXPORT CFTypeID mb_CFDictionaryGetTypeID(void) { return TYPE_DICTIONARY; }

MB_EXPORT void *mb_CFArrayCreateMutable(const void *alloc, CFIndex cap, const struct callbacks *cb)
{
    (void)alloc;
    struct collection *c = coll_new(&array_class, NULL, cb, cap);
    if (c)
        c->mutable_ = 1;
    return c;
}

MB_EXPORT void mb_CFArrayInsertValueAtIndex(struct collection *c, CFIndex i, const void *v)
{
    if (i < 0 || i > c->count || coll_grow(c))
        return;
    memmove(c->values + i + 1, c->values + i, sizeof(void *) * (size_t)(c->count - i));
    c->values[i] = c->vcb.retain ? c->vcb.retain(NULL, v) : v;
    c->count++;
}

MB_EXPORT void mb_CFArrayAppendValue(struct collection *c, const void *v)
{
    mb_CFArrayInsertValueAtIndex(c, c->count, v);
}

MB_EXPORT void *mb_CFArrayCreate(const void *alloc, const void **vals, CFIndex n,
                                 const struct callbacks *cb)
{
    struct collection *c = mb_CFArrayCreateMutable(alloc, n, cb);
    for (CFIndex i = 0; c && i < n; i++)
        mb_CFArrayAppendValue(c, vals[i]);
    if (c)
        c->mutable_ = 0;
    return c;
}

MB_EXPORT CFIndex mb_CFArrayGetCount(const struct collection *c) { return c ? c->count : 0; }

MB_EXPORT const void *mb_CFArrayGetValueAtIndex(const struct collection *c, CFIndex i)
{
    return i >= 0 && i < c->count ? c->values[i] : NULL;
}

MB_EXPORT void mb_CFArrayRemoveValueAtIndex(struct collection *c, CFIndex i)
{
    if (i < 0 || i >= c->count)
        return;
    if (c->vcb.release)
        c->vcb.release(NULL, c->values[i]);
    memmove(c->values + i, c->values + i + 1, sizeof(void *) * (size_t)(c->count - i - 1));
    c->count--;
}

MB_EXPORT void *mb_CFDictionaryCreateMutable(const void *alloc, CFIndex cap,
                                             const struct callbacks *kcb,
                                             const struct callbacks *vcb)
{
    (void)alloc;
    struct collection *c = coll_new(&dict_class, kcb, vcb, cap);
    if (c)
        c->mutable_ = 1;
    return c;
}

MB_EXPORT void mb_CFDictionarySetValue(struct collection *c, const void *k, const void *v)
{
    CFIndex i = dict_find(c, k);
    const void *nv = c->vcb.retain ? c->vcb.retain(NULL, v) : v;
    if (i >= 0) {
        if (c->vcb.release)
            c->vcb.release(NULL, c->values[i]);
        c->values[i] = nv;
        return;
    }
    if (coll_grow(c))
        return;
    c->keys[c->count] = c->kcb.retain ? c->kcb.retain(NULL, k) : k;
    c->values[c->count] = nv;
    c->count++;
}

MB_EXPORT void mb_CFDictionaryAddValue(struct collection *c, const void *k, const void *v)
{
    if (dict_find(c, k) < 0)
        mb_CFDictionarySetValue(c, k, v);
}

MB_EXPORT void mb_CFDictionaryRemoveValue(struct collection *c, const void *k)
{
    CFIndex i = dict_find(c, k);
    if (i < 0)
        return;
    if (c->kcb.release)
        c->kcb.release(NULL, c->keys[i]);
    if (c->vcb.release)
        c->vcb.release(NULL, c->values[i]);
    c->count--;
    c->keys[i] = c->keys[c->count];
    c->values[i] = c->values[c->count];
}

MB_EXPORT void *mb_CFDictionaryCreate(const void *alloc, const void **keys, const void **vals,
                                      CFIndex n, const struct callbacks *kcb,
                                      const struct callbacks *vcb)
{
    struct collection *c = mb_CFDictionaryCreateMutable(alloc, n, kcb, vcb);
    for (CFIndex i = 0; c && i < n; i++)
        mb_CFDictionarySetValue(c, keys[i], vals[i]);
    if (c)
        c->mutable_ = 0;
    return c;
}

MB_EXPORT CFIndex mb_CFDictionaryGetCount(const struct collection *c) { return c ? c->count : 0; }

MB_EXPORT const void *mb_CFDictionaryGetValue(const struct collection *c, const void *k)
{
    CFIndex i = c ? dict_find(c, k) : -1;
    return i >= 0 ? c->values[i] : NULL;
}

/* Arrays: equal elements in order; dictionaries: the same keys with equal values. */
static int collections_equal(CFTypeRef a, CFTypeRef b)
{
    const struct collection *x = a, *y = b;
    if (x->count != y->count)
        return 0;
    for (CFIndex i = 0; i < x->count; i++) {
        if (!x->keys) {
            if (!mb_CFEqual(x->values[i], y->values[i]))
                return 0;
            continue;
        }
        const void *other = mb_CFDictionaryGetValue(b, x->keys[i]);
        if (!other || !mb_CFEqual(x->values[i], other))
            return 0;
    }
    return 1;
}


MB_EXPORT int mb_CFDictionaryGetValueIfPresent(const struct collection *c, const void *k,
                                               const void **out)
{
    CFIndex i = c ? dict_find(c, k) : -1;
    if (i < 0)
        return 0;
    if (out)
        *out = c->values[i];
    return 1;
}

MB_EXPORT int mb_CFDictionaryContainsKey(const struct collection *c, const void *k)
{
    return c && dict_find(c, k) >= 0;
}

MB_EXPORT void mb_CFDictionaryGetKeysAndValues(const struct collection *c, const void **keys,
                                               const void **vals)
{
    for (CFIndex i = 0; i < c->count; i++) {
        if (keys)
            keys[i] = c->keys[i];
        if (vals)
            vals[i] = c->values[i];
    }
}

/* ---- CFSet ----------------------------------------------------------------------------------- */

MB_EXPORT const struct callbacks mb_kCFTypeSetCallBacks = {0, cb_retain, cb_release, 0, mb_CFEqual, mb_CFHash};
MB_EXPORT const struct callbacks mb_kCFCopyStringSetCallBacks = {0, cb_retain, cb_release, 0, mb_CFEqual, mb_CFHash};

MB_EXPORT CFTypeID mb_CFSetGetTypeID(void) { return TYPE_SET; }

MB_EXPORT void *mb_CFSetCreateMutable(const void *alloc, CFIndex cap, const struct callbacks *cb)
{
    (void)alloc;
    struct collection *c = coll_new(&set_class, cb, cb, cap);
    if (c)
        c->mutable_ = 1;
    return c;
}

MB_EXPORT void mb_CFSetAddValue(struct collection *c, const void *v)
{
    if (dict_find(c, v) < 0)
        mb_CFDictionarySetValue(c, v, v);
}

MB_EXPORT void mb_CFSetSetValue(struct collection *c, const void *v)
{
    mb_CFDictionaryRemoveValue(c, v);
    mb_CFDictionarySetValue(c, v, v);
}

MB_EXPORT void *mb_CFSetCreate(const void *alloc, const void **values, CFIndex n,
                               const struct callbacks *cb)
{
    struct collection *c = mb_CFSetCreateMutable(alloc, n, cb);
    for (CFIndex i = 0; c && i < n; i++)
        mb_CFSetAddValue(c, values[i]);
    if (c)
        c->mutable_ = 0;
    return c;
}

MB_EXPORT void *mb_CFSetCreateMutableCopy(const void *alloc, CFIndex cap, const struct collection *s)
{
    struct collection *c = mb_CFSetCreateMutable(alloc, cap, &s->vcb);
    for (CFIndex i = 0; c && i < s->count; i++)
        mb_CFSetAddValue(c, s->values[i]);
    return c;
}

MB_EXPORT void *mb_CFSetCreateCopy(const void *alloc, const struct collection *s)
{
    struct collection *c = mb_CFSetCreateMutableCopy(alloc, s->count, s);
    if (c)
        c->mutable_ = 0;
    return c;
}

MB_EXPORT CFIndex mb_CFSetGetCount(const struct collection *c) { return c ? c->count : 0; }

MB_EXPORT int mb_CFSetContainsValue(const struct collection *c, const void *v)
{
    return dict_find(c, v) >= 0;
}

MB_EXPORT const void *mb_CFSetGetValue(const struct collection *c, const void *v)
{
    CFIndex i = dict_find(c, v);
    return i >= 0 ? c->values[i] : NULL;
}

MB_EXPORT int mb_CFSetGetValueIfPresent(const struct collection *c, const void *v, const void **out)
{
    CFIndex i = dict_find(c, v);
    if (i >= 0 && out)
        *out = c->values[i];
    return i >= 0;
}

MB_EXPORT void mb_CFSetGetValues(const struct collection *c, const void **out)
{
    memcpy(out, c->values, sizeof(void *) * (size_t)c->count);
}

MB_EXPORT void mb_CFSetRemoveValue(struct collection *c, const void *v)
{
    mb_CFDictionaryRemoveValue(c, v);
}

MB_EXPORT void mb_CFSetRemoveAllValues(struct collection *c)
{
    while (c->count)
        mb_CFDictionaryRemoveValue(c, c->keys[c->count - 1]);
}

MB_EXPORT void mb_CFSetApplyFunction(const struct collection *c, void (*fn)(const void *, void *),
                                     void *ctx)
{
    for (CFIndex i = 0; i < c->count; i++)
        fn(c->values[i], ctx);
}

/* ---- allocators and time constants ---------------------------------------------------------- */

static const struct cfclass allocator_class = {TYPE_ALLOCATOR, "CFAllocator", 0};
static struct cfbase allocator_system = {&allocator_class, 0, RC_CONSTANT};
static struct cfbase allocator_null = {&allocator_class, 0, RC_CONSTANT};
static struct cfbase allocator_malloc = {&allocator_class, 0, RC_CONSTANT};
MB_EXPORT const void *mb_kCFAllocatorDefault = NULL; /* NULL means the default allocator */
MB_EXPORT const void *mb_kCFAllocatorSystemDefault = &allocator_system;
MB_EXPORT const void *mb_kCFAllocatorMalloc = &allocator_malloc;
MB_EXPORT const void *mb_kCFAllocatorMallocZone = &allocator_malloc;
MB_EXPORT const void *mb_kCFAllocatorNull = &allocator_null;
MB_EXPORT const double mb_kCFAbsoluteTimeIntervalSince1970 = 978307200.0;
MB_EXPORT const double mb_kCFAbsoluteTimeIntervalSince1904 = 3061152000.0;

MB_EXPORT CFTypeID mb_CFAllocatorGetTypeID(void) { return TYPE_ALLOCATOR; }

/* ---- SystemConfiguration: no proxies are configured ---------------------------------------- */

#define CONST_STRING(name, text)                                                            \
    static const struct cfconststring name##_value = {                                      \
        &mb___CFConstantStringClassReference[0], 0x7c8, text, sizeof(text) - 1};            \
    MB_EXPORT const void *mb_##name = &name##_value;

CONST_STRING(kSCPropNetProxiesHTTPEnable, "HTTPEnable")
CONST_STRING(kSCPropNetProxiesHTTPProxy, "HTTPProxy")
CONST_STRING(kSCPropNetProxiesHTTPPort, "HTTPPort")
CONST_STRING(kSCPropNetProxiesHTTPSEnable, "HTTPSEnable")
CONST_STRING(kSCPropNetProxiesHTTPSProxy, "HTTPSProxy")
CONST_STRING(kSCPropNetProxiesHTTPSPort, "HTTPSPort")
CONST_STRING(kSCPropNetProxiesExceptionsList, "ExceptionsList")
CONST_STRING(kSCPropNetProxiesExcludeSimpleHostnames, "ExcludeSimpleHostnames")
CONST_STRING(kSCPropNetProxiesSOCKSEnable, "SOCKSEnable")
CONST_STRING(kSCPropNetProxiesSOCKSProxy, "SOCKSProxy")
CONST_STRING(kSCPropNetProxiesSOCKSPort, "SOCKSPort")
CONST_STRING(kSCDynamicStoreUseSessionKeys, "UseSessionKeys")

static const struct cfclass store_class = {TYPE_SCSTORE, "SCDynamicStore", 0};

MB_EXPORT void *mb_SCDynamicStoreCreate(const void *alloc, const void *name, void *callout,
                                        void *ctx)
{
    (void)alloc; (void)name; (void)callout; (void)ctx;
    return cf_alloc(&store_class, sizeof(struct cfbase));
}

MB_EXPORT void *mb_SCDynamicStoreCreateWithOptions(const void *alloc, const void *name,
                                                   const void *options, void *callout, void *ctx)
{
    (void)options;
    return mb_SCDynamicStoreCreate(alloc, name, callout, ctx);
}

/* As a Mac with no proxy configured answers: HTTP and HTTPS disabled, no exceptions. */
MB_EXPORT void *mb_SCDynamicStoreCopyProxies(const void *store)
{
    (void)store;
    int zero = 0;
    void *off = mb_CFNumberCreate(NULL, kCFNumberIntType, &zero);
    const void *keys[] = {mb_kSCPropNetProxiesHTTPEnable, mb_kSCPropNetProxiesHTTPSEnable};
    const void *vals[] = {off, off};
    void *d = mb_CFDictionaryCreate(NULL, keys, vals, 2, &mb_kCFTypeDictionaryKeyCallBacks,
                                    &mb_kCFTypeDictionaryValueCallBacks);
    mb_CFRelease(off);
    return d;
}

/* ---- time: CFAbsoluteTime, CFDate, CFTimeZone ------------------------------------------- */

#include <errno.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

typedef double CFAbsoluteTime;
#define UNIX_TO_CF 978307200.0 /* seconds from 1970 to 2001-01-01, CF's epoch */
enum { TYPE_TIMEZONE = 41, TYPE_URL = 29, TYPE_RUNLOOP = 43 };

MB_EXPORT CFAbsoluteTime mb_CFAbsoluteTimeGetCurrent(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec - UNIX_TO_CF + (double)ts.tv_nsec / 1e9;
}

struct cfdate { struct cfbase base; CFAbsoluteTime at; };
static const struct cfclass date_class = {TYPE_DATE, "CFDate", 0};

MB_EXPORT CFTypeID mb_CFDateGetTypeID(void) { return TYPE_DATE; }

MB_EXPORT void *mb_CFDateCreate(const void *alloc, CFAbsoluteTime at)
{
    (void)alloc;
    struct cfdate *d = cf_alloc(&date_class, sizeof *d);
    if (d)
        d->at = at;
    return d;
}

MB_EXPORT CFAbsoluteTime mb_CFDateGetAbsoluteTime(const struct cfdate *d) { return d->at; }
static double date_of(CFTypeRef d) { return ((const struct cfdate *)d)->at; }

MB_EXPORT CFIndex mb_CFDateCompare(const struct cfdate *a, const struct cfdate *b, void *ctx)
{
    (void)ctx;
    return a->at < b->at ? -1 : a->at > b->at ? 1 : 0;
}

struct cftimezone { struct cfbase base; void *name; };
static void timezone_finalize(void *p) { mb_CFRelease(((struct cftimezone *)p)->name); }
static const struct cfclass timezone_class = {TYPE_TIMEZONE, "CFTimeZone", timezone_finalize};
static struct cftimezone *system_zone;

/* The host's zone name: $TZ, else /etc/localtime's link into zoneinfo, else /etc/timezone. */
static void host_zone_name(char *out, size_t size)
{
    const char *tz = getenv("TZ");
    if (tz && *tz) {
        snprintf(out, size, "%s", tz[0] == ':' ? tz + 1 : tz);
        return;
    }
    char link[512];
    ssize_t n = readlink("/etc/localtime", link, sizeof link - 1);
    if (n > 0) {
        link[n] = 0;
        const char *z = strstr(link, "zoneinfo/");
        if (z) {
            snprintf(out, size, "%s", z + 9);
            return;
        }
    }
    FILE *f = fopen("/etc/timezone", "r");
    if (f && fgets(out, (int)size, f)) {
        out[strcspn(out, "\n")] = 0;
        fclose(f);
        if (*out)
            return;
    } else if (f) {
        fclose(f);
    }
    errno = 0;
    snprintf(out, size, "GMT");
}

static struct cftimezone *zone_named(const char *name)
{
    struct cftimezone *z = cf_alloc(&timezone_class, sizeof *z);
    if (z)
        z->name = mb_CFStringCreateWithCString(NULL, name, kCFStringEncodingUTF8);
    return z;
}

MB_EXPORT CFTypeID mb_CFTimeZoneGetTypeID(void) { return TYPE_TIMEZONE; }

MB_EXPORT void *mb_CFTimeZoneCopySystem(void)
{
    if (!system_zone) {
        char name[256];
        host_zone_name(name, sizeof name);
        struct cftimezone *z = zone_named(name);
        if (!z)
            return NULL;
        z->base.rc = RC_CONSTANT;
        system_zone = z;
    }
    return system_zone;
}

MB_EXPORT void *mb_CFTimeZoneCopyDefault(void) { return mb_CFTimeZoneCopySystem(); }
MB_EXPORT void mb_CFTimeZoneResetSystem(void) { system_zone = NULL; /* kept: may be in use */ }
MB_EXPORT const void *mb_CFTimeZoneGetName(const struct cftimezone *z) { return z->name; }

MB_EXPORT void *mb_CFTimeZoneCreateWithName(const void *alloc, const void *name, int try_abbrev)
{
    (void)alloc, (void)try_abbrev;
    char buf[256];
    if (!mb_CFStringGetCString(name, buf, sizeof buf, kCFStringEncodingUTF8))
        return NULL;
    char path[512];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", buf);
    if (strcmp(buf, "GMT") != 0 && strcmp(buf, "UTC") != 0 && access(path, R_OK) != 0) {
        errno = 0;
        return NULL;
    }
    return zone_named(buf);
}

/* Seconds east of GMT at `at` in zone `z`, from the host's tz database. */
MB_EXPORT double mb_CFTimeZoneGetSecondsFromGMT(const struct cftimezone *z, CFAbsoluteTime at)
{
    char name[256];
    if (!mb_CFStringGetCString(z->name, name, sizeof name, kCFStringEncodingUTF8))
        return 0;
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&lock);
    char *saved = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
    setenv("TZ", name, 1);
    tzset();
    time_t t = (time_t)(at + UNIX_TO_CF);
    struct tm tm;
    localtime_r(&t, &tm);
    if (saved) {
        setenv("TZ", saved, 1);
        free(saved);
    } else {
        unsetenv("TZ");
    }
    tzset();
    pthread_mutex_unlock(&lock);
    return (double)tm.tm_gmtoff;
}

/* ---- CFError ------------------------------------------------------------------------------ */

struct cferror { struct cfbase base; void *domain; CFIndex code; void *info; };
static void error_finalize(void *p)
{
    struct cferror *e = p;
    mb_CFRelease(e->domain);
    if (e->info)
        mb_CFRelease(e->info);
}
static const struct cfclass error_class = {TYPE_ERROR, "CFError", error_finalize};

#define CF_CONST_STRING(sym, text) \
    MB_EXPORT const void *sym;     \
    static void __attribute__((constructor)) init_##sym(void) { sym = mb___CFStringMakeConstantString(text); }

CF_CONST_STRING(mb_kCFErrorDomainPOSIX, "NSPOSIXErrorDomain")
CF_CONST_STRING(mb_kCFErrorDomainOSStatus, "NSOSStatusErrorDomain")
CF_CONST_STRING(mb_kCFErrorDomainMach, "NSMachErrorDomain")
CF_CONST_STRING(mb_kCFErrorDomainCocoa, "NSCocoaErrorDomain")
CF_CONST_STRING(mb_kCFErrorDescriptionKey, "NSDescription")
CF_CONST_STRING(mb_kCFErrorLocalizedDescriptionKey, "NSLocalizedDescription")
CF_CONST_STRING(mb_kCFErrorLocalizedFailureReasonKey, "NSLocalizedFailureReason")
CF_CONST_STRING(mb_kCFErrorUnderlyingErrorKey, "NSUnderlyingError")
CF_CONST_STRING(mb_kCFRunLoopDefaultMode, "kCFRunLoopDefaultMode")
CF_CONST_STRING(mb_kCFRunLoopCommonModes, "kCFRunLoopCommonModes")

MB_EXPORT CFTypeID mb_CFErrorGetTypeID(void) { return TYPE_ERROR; }

MB_EXPORT void *mb_CFErrorCreate(const void *alloc, const void *domain, CFIndex code,
                                 const void *info)
{
    (void)alloc;
    struct cferror *e = cf_alloc(&error_class, sizeof *e);
    if (!e)
        return NULL;
    e->domain = (void *)mb_CFRetain(domain);
    e->code = code;
    e->info = info ? (void *)mb_CFRetain(info) : NULL;
    return e;
}

MB_EXPORT CFIndex mb_CFErrorGetCode(const struct cferror *e) { return e->code; }
MB_EXPORT const void *mb_CFErrorGetDomain(const struct cferror *e) { return e->domain; }

MB_EXPORT void *mb_CFErrorCopyUserInfo(const struct cferror *e)
{
    if (e->info)
        return (void *)mb_CFRetain(e->info);
    return mb_CFDictionaryCreate(NULL, NULL, NULL, 0, &mb_kCFTypeDictionaryKeyCallBacks,
                                 &mb_kCFTypeDictionaryValueCallBacks);
}

/* The localized description if one was given, else Foundation's generic sentence. */
MB_EXPORT void *mb_CFErrorCopyDescription(const struct cferror *e)
{
    const void *keys[] = {mb_kCFErrorLocalizedDescriptionKey, mb_kCFErrorDescriptionKey};
    for (int i = 0; e->info && i < 2; i++) {
        const void *v = mb_CFDictionaryGetValue(e->info, keys[i]);
        if (v)
            return (void *)mb_CFRetain(v);
    }
    char domain[128] = "", text[320];
    mb_CFStringGetCString(e->domain, domain, sizeof domain, kCFStringEncodingUTF8);
    if (strcmp(domain, "NSPOSIXErrorDomain") == 0 && e->code > 0)
        snprintf(text, sizeof text, "The operation couldn\xe2\x80\x99t be completed. %s",
                 strerror((int)mb_errno_to_linux((int)e->code)));
    else
        snprintf(text, sizeof text, "The operation couldn\xe2\x80\x99t be completed. (%s error %ld.)",
                 domain, (long)e->code);
    return mb_CFStringCreateWithCString(NULL, text, kCFStringEncodingUTF8);
}

MB_EXPORT void *mb_CFErrorCopyFailureReason(const struct cferror *e)
{
    const void *v = e->info ? mb_CFDictionaryGetValue(e->info, mb_kCFErrorLocalizedFailureReasonKey)
                            : NULL;
    return v ? (void *)mb_CFRetain(v) : NULL;
}

/* ---- CFURL: file URLs -------------------------------------------------------------------- */

struct cfurl { struct cfbase base; void *path; int is_dir; };
static void url_finalize(void *p) { mb_CFRelease(((struct cfurl *)p)->path); }
static const struct cfclass url_class = {TYPE_URL, "CFURL", url_finalize};

MB_EXPORT CFTypeID mb_CFURLGetTypeID(void) { return TYPE_URL; }

static void *url_from_path(const char *path, int is_dir)
{
    char abs[4096];
    if (path[0] != '/') {
        char cwd[2048];
        if (!getcwd(cwd, sizeof cwd))
            return NULL;
        snprintf(abs, sizeof abs, "%s/%s", cwd, path);
    } else {
        snprintf(abs, sizeof abs, "%s", path);
    }
    size_t n = strlen(abs);
    while (n > 1 && abs[n - 1] == '/')
        abs[--n] = 0;
    struct cfurl *u = cf_alloc(&url_class, sizeof *u);
    if (!u)
        return NULL;
    u->path = mb_CFStringCreateWithCString(NULL, abs, kCFStringEncodingUTF8);
    u->is_dir = is_dir;
    return u;
}

static int url_path(const struct cfurl *u, char *buf, size_t size)
{
    return mb_CFStringGetCString(u->path, buf, (CFIndex)size, kCFStringEncodingUTF8);
}

MB_EXPORT void *mb_CFURLCreateWithFileSystemPath(const void *alloc, const void *path, long style,
                                                 unsigned char is_dir)
{
    (void)alloc, (void)style;
    char buf[4096];
    return mb_CFStringGetCString(path, buf, sizeof buf, kCFStringEncodingUTF8)
               ? url_from_path(buf, is_dir) : NULL;
}

MB_EXPORT void *mb_CFURLCreateFromFileSystemRepresentation(const void *alloc, const char *bytes,
                                                           CFIndex len, unsigned char is_dir)
{
    (void)alloc;
    char buf[4096];
    if (len < 0 || (size_t)len >= sizeof buf)
        return NULL;
    memcpy(buf, bytes, (size_t)len);
    buf[len] = 0;
    return url_from_path(buf, is_dir);
}

MB_EXPORT void *mb_CFURLCopyFileSystemPath(const struct cfurl *u, long style)
{
    (void)style;
    return (void *)mb_CFRetain(u->path);
}

MB_EXPORT unsigned char mb_CFURLGetFileSystemRepresentation(const struct cfurl *u,
                                                            unsigned char resolve, char *buf,
                                                            CFIndex max)
{
    (void)resolve;
    return (unsigned char)mb_CFStringGetCString(u->path, buf, max, kCFStringEncodingUTF8);
}

MB_EXPORT void *mb_CFURLCreateFilePathURL(const void *alloc, const struct cfurl *u, void **err)
{
    (void)alloc;
    if (err)
        *err = NULL;
    return (void *)mb_CFRetain(u);
}

MB_EXPORT void *mb_CFURLCreateFileReferenceURL(const void *alloc, const struct cfurl *u,
                                               void **err)
{
    return mb_CFURLCreateFilePathURL(alloc, u, err);
}

MB_EXPORT void *mb_CFURLCopyAbsoluteURL(const struct cfurl *u) { return (void *)mb_CFRetain(u); }

MB_EXPORT void *mb_CFURLCreateCopyAppendingPathComponent(const void *alloc, const struct cfurl *u,
                                                         const void *comp, unsigned char is_dir)
{
    (void)alloc;
    char base[4096], c[1024], joined[5200];
    if (!url_path(u, base, sizeof base) ||
        !mb_CFStringGetCString(comp, c, sizeof c, kCFStringEncodingUTF8))
        return NULL;
    snprintf(joined, sizeof joined, "%s%s%s", base, strcmp(base, "/") ? "/" : "", c);
    return url_from_path(joined, is_dir);
}

MB_EXPORT void *mb_CFURLCreateCopyDeletingLastPathComponent(const void *alloc,
                                                            const struct cfurl *u)
{
    (void)alloc;
    char p[4096];
    if (!url_path(u, p, sizeof p))
        return NULL;
    char *slash = strrchr(p, '/');
    if (slash && slash != p)
        *slash = 0;
    else
        strcpy(p, "/");
    return url_from_path(p, 1);
}

MB_EXPORT void *mb_CFURLCopyLastPathComponent(const struct cfurl *u)
{
    char p[4096];
    if (!url_path(u, p, sizeof p))
        return NULL;
    const char *slash = strrchr(p, '/');
    return mb_CFStringCreateWithCString(NULL, slash && slash[1] ? slash + 1 : p,
                                        kCFStringEncodingUTF8);
}

MB_EXPORT unsigned char mb_CFURLResourceIsReachable(const struct cfurl *u, void **err)
{
    char p[4096];
    if (err)
        *err = NULL;
    if (!url_path(u, p, sizeof p))
        return 0;
    int ok = access(p, F_OK) == 0;
    errno = 0;
    return (unsigned char)ok;
}

MB_EXPORT unsigned char mb_CFURLHasDirectoryPath(const struct cfurl *u) { return (unsigned char)u->is_dir; }

/* ---- CFRunLoop: the main thread's loop runs the main dispatch queue ----------------------- */

MB_HIDDEN int mb_dispatch_drain_main(uint64_t deadline, _Atomic int *stop);
MB_HIDDEN void mb_dispatch_wake_main(void);
MB_HIDDEN uint64_t mb_dispatch_now(void);

struct cfrunloop { struct cfbase base; _Atomic int stop; _Atomic int waiting; };
static const struct cfclass runloop_class = {TYPE_RUNLOOP, "CFRunLoop", 0};
static struct cfrunloop main_loop = {{&runloop_class, 0, RC_CONSTANT}, 0, 0};

MB_EXPORT CFTypeID mb_CFRunLoopGetTypeID(void) { return TYPE_RUNLOOP; }
MB_EXPORT void *mb_CFRunLoopGetMain(void) { return &main_loop; }
MB_EXPORT void *mb_CFRunLoopGetCurrent(void) { return &main_loop; }

enum { kCFRunLoopRunFinished = 1, kCFRunLoopRunStopped = 2, kCFRunLoopRunTimedOut = 3,
       kCFRunLoopRunHandledSource = 4 };

MB_EXPORT int mb_CFRunLoopRunInMode(const void *mode, double seconds, unsigned char once)
{
    (void)mode;
    struct cfrunloop *rl = &main_loop;
    uint64_t deadline = seconds >= 1e9 ? ~0ull : mb_dispatch_now() + (uint64_t)(seconds * 1e9);
    atomic_store(&rl->waiting, 1);
    int ran;
    if (once) {
        ran = mb_dispatch_drain_main(deadline, &rl->stop);
    } else {
        ran = mb_dispatch_drain_main(deadline, &rl->stop);
    }
    atomic_store(&rl->waiting, 0);
    if (atomic_exchange(&rl->stop, 0))
        return kCFRunLoopRunStopped;
    return ran && once ? kCFRunLoopRunHandledSource : kCFRunLoopRunTimedOut;
}

MB_EXPORT void mb_CFRunLoopRun(void)
{
    while (mb_CFRunLoopRunInMode(mb_kCFRunLoopDefaultMode, 1e10, 0) != kCFRunLoopRunStopped)
        ;
}

MB_EXPORT void mb_CFRunLoopStop(struct cfrunloop *rl)
{
    atomic_store(&rl->stop, 1);
    mb_dispatch_wake_main();
}

MB_EXPORT void mb_CFRunLoopWakeUp(struct cfrunloop *rl) { (void)rl; mb_dispatch_wake_main(); }
MB_EXPORT unsigned char mb_CFRunLoopIsWaiting(struct cfrunloop *rl) { return (unsigned char)atomic_load(&rl->waiting); }

/* ---- Security: SecRandomCopyBytes ------------------------------------------------------- */

MB_EXPORT const void *mb_kSecRandomDefault = NULL;

MB_EXPORT int mb_SecRandomCopyBytes(const void *rnd, size_t count, void *bytes)
{
    (void)rnd;
    size_t done = 0;
    while (done < count) {
        ssize_t n = getrandom((char *)bytes + done, count - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            errno = 0;
            return -1;
        }
        done += (size_t)n;
    }
    return 0; /* errSecSuccess */
}

/* ---- classes defined outside this file (Security's certificates) -------------------------- */

/* The class name CFCopyDescription shows ("CFArray", "SecCertificate"...). */
MB_HIDDEN const char *mb_cf_class_name(const void *o)
{
    const struct cfbase *b = o;
    return b && b->isa && b->isa->name ? b->isa->name : "CFType";
}

MB_HIDDEN void *mb_cf_object_new(unsigned long type, const char *name, size_t size,
                                 void (*finalize)(void *))
{
    static struct cfclass classes[64];
    static int count;
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&lock);
    int i = 0;
    while (i < count && classes[i].type != type)
        i++;
    if (i == count) {
        if (count == 64) {
            pthread_mutex_unlock(&lock);
            return NULL;
        }
        classes[count++] = (struct cfclass){type, name, finalize};
    }
    pthread_mutex_unlock(&lock);
    return cf_alloc(&classes[i], size);
}
