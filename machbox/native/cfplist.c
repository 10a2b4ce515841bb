/* Property lists (XML and binary "bplist00", read and written) and CFPreferences on them.
 *
 * CFPreferences keeps each domain where a Mac's cfprefsd does and where machbox's `defaults`
 * writes: ~/Library/Preferences/DOMAIN.plist (NSGlobalDomain in .GlobalPreferences.plist,
 * the current host's under ByHost/ with the host's UUID), binary on disk, rewritten aside and
 * renamed on synchronize. A program's CFPreferencesCopyAppValue therefore sees what
 * `defaults write` set, and `defaults read` sees what the program stored.
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "cf_api.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define UTF16BE 0x10000100u
#define SECONDS_1970_TO_2001 978307200.0
enum { FORMAT_XML = 100, FORMAT_BINARY = 200 };
enum { NUMBER_SINT64 = 4, NUMBER_FLOAT64 = 6 };


static int is(const void *o, unsigned long (*type_id)(void))
{
    return o && mb_CFGetTypeID(o) == type_id();
}

static void *new_array(void) { return mb_CFArrayCreateMutable(NULL, 0, mb_kCFTypeArrayCallBacks); }

static void *new_dictionary(void)
{
    return mb_CFDictionaryCreateMutable(NULL, 0, mb_kCFTypeDictionaryKeyCallBacks,
                                        mb_kCFTypeDictionaryValueCallBacks);
}

/* A CFString's UTF-8, malloc'd. */
static char *utf8_of(const void *s)
{
    size_t cap = (size_t)mb_CFStringGetLength(s) * 3 + 1;
    char *out = malloc(cap);
    if (out && !mb_CFStringGetCString(s, out, (CFIndex)cap, UTF8))
        out[0] = 0;
    return out;
}

static void *string_of(const char *p, size_t n)
{
    return mb_CFStringCreateWithBytes(NULL, (const unsigned char *)p, (CFIndex)n, UTF8, 0);
}

static void *number_int(int64_t v) { return mb_CFNumberCreate(NULL, NUMBER_SINT64, &v); }
static void *number_real(double v) { return mb_CFNumberCreate(NULL, NUMBER_FLOAT64, &v); }

/* ---- growable output buffer ----------------------------------------------------------------- */

struct out {
    unsigned char *p;
    size_t n, cap;
    int failed;
};

static void put(struct out *o, const void *p, size_t n)
{
    if (o->failed)
        return;
    if (o->n + n > o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 256;
        while (cap < o->n + n)
            cap *= 2;
        unsigned char *grown = realloc(o->p, cap);
        if (!grown) {
            o->failed = 1;
            return;
        }
        o->p = grown;
        o->cap = cap;
    }
    memcpy(o->p + o->n, p, n);
    o->n += n;
}

static void puts_out(struct out *o, const char *s) { put(o, s, strlen(s)); }

/* ---- base64 ---------------------------------------------------------------------------------- */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(int c)
{
    const char *p = c ? strchr(B64, c) : NULL;
    return p ? (int)(p - B64) : -1;
}

static unsigned char *b64_decode(const char *s, size_t n, size_t *len)
{
    unsigned char *out = malloc(n * 3 / 4 + 3);
    unsigned bits = 0, count = 0;
    size_t k = 0;
    for (size_t i = 0; out && i < n; i++) {
        int v = b64_value((unsigned char)s[i]);
        if (v < 0)
            continue; /* whitespace and '=' padding */
        bits = (bits << 6) | (unsigned)v;
        if (++count == 4) {
            out[k++] = (unsigned char)(bits >> 16);
            out[k++] = (unsigned char)(bits >> 8);
            out[k++] = (unsigned char)bits;
            bits = count = 0;
        }
    }
    if (out && count == 3) {
        out[k++] = (unsigned char)(bits >> 10);
        out[k++] = (unsigned char)(bits >> 2);
    } else if (out && count == 2) {
        out[k++] = (unsigned char)(bits >> 4);
    }
    *len = k;
    return out;
}

/* ---- XML: reading ------------------------------------------------------------------------------- */

struct xml {
    const char *p, *end;
    int depth;
};

static void xml_skip(struct xml *x)
{
    for (;;) {
        while (x->p < x->end && (*x->p == ' ' || *x->p == '\t' || *x->p == '\n' || *x->p == '\r'))
            x->p++;
        const char *close = NULL;
        if (x->end - x->p >= 4 && !memcmp(x->p, "<!--", 4))
            close = memmem(x->p, (size_t)(x->end - x->p), "-->", 3);
        else if (x->end - x->p >= 2 && (!memcmp(x->p, "<?", 2) || !memcmp(x->p, "<!", 2)))
            close = memchr(x->p, '>', (size_t)(x->end - x->p));
        else
            return;
        x->p = close ? close + (x->p[1] == '!' && x->p[2] == '-' ? 3 : 1) : x->end;
    }
}

/* Reads "<name>" or "<name/>"; returns 1, 2 (empty element) or 0 (no tag there). */
static int xml_open(struct xml *x, char *name, size_t size)
{
    xml_skip(x);
    if (x->p >= x->end || *x->p != '<' || x->p[1] == '/')
        return 0;
    const char *gt = memchr(x->p, '>', (size_t)(x->end - x->p));
    if (!gt)
        return 0;
    const char *q = x->p + 1;
    size_t n = 0;
    while (q < gt && *q != ' ' && *q != '/' && n + 1 < size)
        name[n++] = *q++;
    name[n] = 0;
    int empty = gt[-1] == '/';
    x->p = gt + 1;
    return empty ? 2 : 1;
}

/* The text up to "</name>", entities decoded; the end tag is consumed. */
static char *xml_text(struct xml *x, const char *name, size_t *len)
{
    char end_tag[40];
    snprintf(end_tag, sizeof end_tag, "</%s>", name);
    const char *stop = memmem(x->p, (size_t)(x->end - x->p), end_tag, strlen(end_tag));
    if (!stop)
        return NULL;
    char *out = malloc((size_t)(stop - x->p) + 1);
    size_t k = 0;
    for (const char *q = x->p; out && q < stop; q++) {
        if (*q != '&') {
            out[k++] = *q;
            continue;
        }
        const char *semi = memchr(q, ';', (size_t)(stop - q));
        if (!semi) {
            out[k++] = *q;
            continue;
        }
        unsigned long cp = 0;
        if (q[1] == '#')
            cp = q[2] == 'x' ? strtoul(q + 3, NULL, 16) : strtoul(q + 2, NULL, 10);
        else if (!strncmp(q, "&amp;", 5)) cp = '&';
        else if (!strncmp(q, "&lt;", 4)) cp = '<';
        else if (!strncmp(q, "&gt;", 4)) cp = '>';
        else if (!strncmp(q, "&quot;", 6)) cp = '"';
        else if (!strncmp(q, "&apos;", 6)) cp = '\'';
        if (cp < 0x80) {
            out[k++] = (char)cp;
        } else if (cp < 0x800) {
            out[k++] = (char)(0xc0 | (cp >> 6));
            out[k++] = (char)(0x80 | (cp & 0x3f));
        } else {
            out[k++] = (char)(0xe0 | (cp >> 12));
            out[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            out[k++] = (char)(0x80 | (cp & 0x3f));
        }
        q = semi;
    }
    if (out)
        out[k] = 0;
    *len = k;
    x->p = stop + strlen(end_tag);
    return out;
}

static int xml_close(struct xml *x, const char *name)
{
    xml_skip(x);
    size_t n = strlen(name);
    if (x->end - x->p < (long)n + 3 || memcmp(x->p, "</", 2) || memcmp(x->p + 2, name, n) ||
        x->p[n + 2] != '>')
        return 0;
    x->p += n + 3;
    return 1;
}

static int parse_iso_date(const char *s, double *at)
{
    struct tm tm = {0};
    if (sscanf(s, "%d-%d-%dT%d:%d:%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) != 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *at = (double)timegm(&tm) - SECONDS_1970_TO_2001;
    return 1;
}

static const void *xml_value(struct xml *x);

static const void *xml_container(struct xml *x, int is_dict)
{
    void *c = is_dict ? new_dictionary() : new_array();
    char name[32];
    while (c && !xml_close(x, is_dict ? "dict" : "array")) {
        const void *key = NULL;
        if (is_dict) {
            size_t n;
            int kind = xml_open(x, name, sizeof name);
            char *k = kind == 1 && !strcmp(name, "key") ? xml_text(x, "key", &n)
                      : kind == 2 && !strcmp(name, "key") ? strdup("") : NULL;
            if (!k)
                goto fail;
            key = string_of(k, strlen(k));
            free(k);
        }
        const void *v = xml_value(x);
        if (!v) {
            if (key)
                mb_CFRelease(key);
            goto fail;
        }
        if (is_dict)
            mb_CFDictionarySetValue(c, key, v);
        else
            mb_CFArrayAppendValue(c, v);
        if (key)
            mb_CFRelease(key);
        mb_CFRelease(v);
    }
    return c;
fail:
    if (c)
        mb_CFRelease(c);
    return NULL;
}

static const void *xml_value(struct xml *x)
{
    char name[32];
    int kind = xml_open(x, name, sizeof name);
    if (!kind || ++x->depth > 512)
        return NULL;
    const void *v = NULL;
    if (!strcmp(name, "true") || !strcmp(name, "false")) {
        v = mb_CFRetain(name[0] == 't' ? mb_kCFBooleanTrue : mb_kCFBooleanFalse);
        if (kind == 1 && !xml_close(x, name))
            v = NULL;
    } else if (!strcmp(name, "dict") || !strcmp(name, "array")) {
        v = kind == 2 ? (name[0] == 'd' ? new_dictionary() : new_array())
                      : xml_container(x, name[0] == 'd');
    } else {
        size_t n = 0;
        char *text = kind == 2 ? strdup("") : xml_text(x, name, &n);
        double at;
        if (!text)
            v = NULL;
        else if (!strcmp(name, "string"))
            v = string_of(text, n);
        else if (!strcmp(name, "integer"))
            v = number_int(strtoll(text, NULL, 0));
        else if (!strcmp(name, "real"))
            v = number_real(strtod(text, NULL));
        else if (!strcmp(name, "date") && parse_iso_date(text, &at))
            v = mb_CFDateCreate(NULL, at);
        else if (!strcmp(name, "data")) {
            size_t len;
            unsigned char *bytes = b64_decode(text, n, &len);
            v = bytes ? mb_CFDataCreate(NULL, bytes, (CFIndex)len) : NULL;
            free(bytes);
        }
        free(text);
    }
    x->depth--;
    return v;
}

static const void *parse_xml(const char *p, size_t n)
{
    struct xml x = {p, p + n, 0};
    char name[32];
    if (xml_open(&x, name, sizeof name) != 1 || strcmp(name, "plist"))
        return NULL;
    const void *v = xml_value(&x);
    if (v && !xml_close(&x, "plist")) {
        mb_CFRelease(v);
        return NULL;
    }
    return v;
}

/* ---- binary: reading --------------------------------------------------------------------------- */

struct bplist {
    const unsigned char *p;
    size_t n;
    unsigned offset_size, ref_size;
    uint64_t objects, table;
    int depth;
};

static uint64_t be(const unsigned char *p, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v = v << 8 | p[i];
    return v;
}

static const void *bplist_object(struct bplist *b, uint64_t ref);

/* An object's count: the low nibble, or an integer object after the marker. */
static int bplist_count(struct bplist *b, size_t *at, uint64_t *count)
{
    unsigned low = b->p[*at] & 0xf;
    (*at)++;
    if (low != 0xf) {
        *count = low;
        return 1;
    }
    if (*at >= b->n || (b->p[*at] & 0xf0) != 0x10)
        return 0;
    unsigned size = 1u << (b->p[*at] & 0xf);
    if (*at + 1 + size > b->n || size > 8)
        return 0;
    *count = be(b->p + *at + 1, size);
    *at += 1 + size;
    return 1;
}

static const void *bplist_collection(struct bplist *b, size_t at, int is_dict, uint64_t count)
{
    if (count > b->n || at + count * b->ref_size * (is_dict ? 2 : 1) > b->n)
        return NULL;
    void *c = is_dict ? new_dictionary() : new_array();
    for (uint64_t i = 0; c && i < count; i++) {
        const void *v = bplist_object(b, be(b->p + at + (i + (is_dict ? count : 0)) * b->ref_size,
                                            b->ref_size));
        const void *k = is_dict ? bplist_object(b, be(b->p + at + i * b->ref_size, b->ref_size))
                                : NULL;
        if (!v || (is_dict && !k)) {
            if (v) mb_CFRelease(v);
            if (k) mb_CFRelease(k);
            mb_CFRelease(c);
            return NULL;
        }
        if (is_dict)
            mb_CFDictionarySetValue(c, k, v);
        else
            mb_CFArrayAppendValue(c, v);
        mb_CFRelease(v);
        if (k)
            mb_CFRelease(k);
    }
    return c;
}

static const void *bplist_object(struct bplist *b, uint64_t ref)
{
    if (ref >= b->objects || b->table + (ref + 1) * b->offset_size > b->n || ++b->depth > 512)
        return NULL;
    size_t at = (size_t)be(b->p + b->table + ref * b->offset_size, b->offset_size);
    const void *v = NULL;
    uint64_t count;
    if (at >= b->n)
        goto out;
    unsigned marker = b->p[at], kind = marker >> 4, low = marker & 0xf;
    if (marker == 0x08 || marker == 0x09) {
        v = mb_CFRetain(marker == 0x09 ? mb_kCFBooleanTrue : mb_kCFBooleanFalse);
    } else if (kind == 0x1 && low <= 4 && at + 1 + (1u << low) <= b->n) {
        uint64_t raw = be(b->p + at + 1, 1u << low);
        int64_t value = low == 3 ? (int64_t)raw : low == 4 ? (int64_t)be(b->p + at + 9, 8)
                                                           : (int64_t)raw;
        v = number_int(value);
    } else if ((kind == 0x2 && (low == 2 || low == 3)) || marker == 0x33) {
        unsigned size = marker == 0x33 ? 8 : 1u << low;
        if (at + 1 + size <= b->n) {
            uint64_t raw = be(b->p + at + 1, size);
            double d;
            if (size == 4) {
                uint32_t r32 = (uint32_t)raw;
                float f;
                memcpy(&f, &r32, 4);
                d = f;
            } else {
                memcpy(&d, &raw, 8);
            }
            v = marker == 0x33 ? mb_CFDateCreate(NULL, d) : number_real(d);
        }
    } else if ((kind == 0x4 || kind == 0x5 || kind == 0x6 || kind == 0x7) &&
               bplist_count(b, &at, &count)) {
        size_t bytes = kind == 0x6 ? (size_t)count * 2 : (size_t)count;
        if (count <= b->n && at + bytes <= b->n)
            v = kind == 0x4 ? mb_CFDataCreate(NULL, b->p + at, (CFIndex)bytes)
                : kind == 0x6 ? mb_CFStringCreateWithBytes(NULL, b->p + at, (CFIndex)bytes,
                                                           UTF16BE, 0)
                              : string_of((const char *)b->p + at, bytes);
    } else if ((kind == 0xa || kind == 0xd) && bplist_count(b, &at, &count)) {
        v = bplist_collection(b, at, kind == 0xd, count);
    }
out:
    b->depth--;
    return v;
}

static const void *parse_binary(const unsigned char *p, size_t n)
{
    if (n < 8 + 32 || memcmp(p, "bplist00", 8))
        return NULL;
    const unsigned char *t = p + n - 32;
    struct bplist b = {p, n - 32, t[6], t[7], be(t + 8, 8), be(t + 24, 8), 0};
    if (!b.offset_size || b.offset_size > 8 || !b.ref_size || b.ref_size > 8 || b.table >= b.n)
        return NULL;
    return bplist_object(&b, be(t + 16, 8));
}

/* ---- XML: writing ------------------------------------------------------------------------------ */

static void indent(struct out *o, int depth)
{
    for (int i = 0; i < depth; i++)
        put(o, "\t", 1);
}

static void xml_escaped(struct out *o, const char *s)
{
    for (; *s; s++) {
        if (*s == '&') puts_out(o, "&amp;");
        else if (*s == '<') puts_out(o, "&lt;");
        else if (*s == '>') puts_out(o, "&gt;");
        else put(o, s, 1);
    }
}

static int xml_write(struct out *o, const void *v, int depth);

static int xml_write_string(struct out *o, const char *tag, const void *s, int depth)
{
    char *u = utf8_of(s);
    if (!u)
        return 0;
    indent(o, depth);
    char open[16];
    snprintf(open, sizeof open, "<%s>", tag);
    puts_out(o, open);
    xml_escaped(o, u);
    snprintf(open, sizeof open, "</%s>\n", tag);
    puts_out(o, open);
    free(u);
    return 1;
}

static void xml_write_data(struct out *o, const void *d, int depth)
{
    const unsigned char *p = mb_CFDataGetBytePtr(d);
    size_t n = (size_t)mb_CFDataGetLength(d);
    indent(o, depth);
    puts_out(o, "<data>\n");
    for (size_t i = 0; i < n; i += 3) {
        if (i % 57 == 0) {
            if (i)
                put(o, "\n", 1);
            indent(o, depth);
        }
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        char q[4] = {B64[v >> 18], B64[(v >> 12) & 63], i + 1 < n ? B64[(v >> 6) & 63] : '=',
                     i + 2 < n ? B64[v & 63] : '='};
        put(o, q, 4);
    }
    if (n)
        put(o, "\n", 1);
    indent(o, depth);
    puts_out(o, "</data>\n");
}


static void sort_by_key(const void **keys, const void **vals, CFIndex n)
{
    for (CFIndex i = 1; i < n; i++) /* insertion sort: preference files are small */
        for (CFIndex j = i; j > 0 && is(keys[j], mb_CFStringGetTypeID) &&
                            is(keys[j - 1], mb_CFStringGetTypeID) &&
                            mb_CFStringCompare(keys[j - 1], keys[j], 0) > 0;
             j--) {
            const void *k = keys[j], *v = vals[j];
            keys[j] = keys[j - 1];
            vals[j] = vals[j - 1];
            keys[j - 1] = k;
            vals[j - 1] = v;
        }
}

static int xml_write_container(struct out *o, const void *v, int depth, int is_dict)
{
    CFIndex n = is_dict ? mb_CFDictionaryGetCount(v) : mb_CFArrayGetCount(v);
    indent(o, depth);
    if (n == 0) {
        puts_out(o, is_dict ? "<dict/>\n" : "<array/>\n");
        return 1;
    }
    puts_out(o, is_dict ? "<dict>\n" : "<array>\n");
    const void **keys = calloc((size_t)n, sizeof *keys), **vals = calloc((size_t)n, sizeof *vals);
    int ok = keys && vals;
    if (ok && is_dict) {
        mb_CFDictionaryGetKeysAndValues(v, keys, vals);
        sort_by_key(keys, vals, n); /* CF writes a dictionary's keys in order */
    }
    for (CFIndex i = 0; ok && i < n; i++) {
        if (is_dict) {
            ok = is(keys[i], mb_CFStringGetTypeID) && xml_write_string(o, "key", keys[i], depth + 1);
            ok = ok && xml_write(o, vals[i], depth + 1);
        } else {
            ok = xml_write(o, mb_CFArrayGetValueAtIndex(v, i), depth + 1);
        }
    }
    free(keys);
    free(vals);
    indent(o, depth);
    puts_out(o, is_dict ? "</dict>\n" : "</array>\n");
    return ok;
}

static int xml_write(struct out *o, const void *v, int depth)
{
    char text[64];
    if (depth > 512 || !v)
        return 0;
    if (is(v, mb_CFStringGetTypeID))
        return xml_write_string(o, "string", v, depth);
    if (is(v, mb_CFBooleanGetTypeID)) {
        indent(o, depth);
        puts_out(o, mb_CFBooleanGetValue(v) ? "<true/>\n" : "<false/>\n");
    } else if (is(v, mb_CFNumberGetTypeID)) {
        indent(o, depth);
        if (mb_CFNumberIsFloatType(v)) {
            double d;
            mb_CFNumberGetValue(v, NUMBER_FLOAT64, &d);
            snprintf(text, sizeof text, "<real>%.17g</real>\n", d);
        } else {
            long long i;
            mb_CFNumberGetValue(v, NUMBER_SINT64, &i);
            snprintf(text, sizeof text, "<integer>%lld</integer>\n", i);
        }
        puts_out(o, text);
    } else if (is(v, mb_CFDateGetTypeID)) {
        time_t t = (time_t)floor(mb_CFDateGetAbsoluteTime(v) + SECONDS_1970_TO_2001);
        struct tm tm;
        gmtime_r(&t, &tm);
        indent(o, depth);
        strftime(text, sizeof text, "<date>%Y-%m-%dT%H:%M:%SZ</date>\n", &tm);
        puts_out(o, text);
    } else if (is(v, mb_CFDataGetTypeID)) {
        xml_write_data(o, v, depth);
    } else if (is(v, mb_CFArrayGetTypeID) || is(v, mb_CFDictionaryGetTypeID)) {
        return xml_write_container(o, v, depth, is(v, mb_CFDictionaryGetTypeID));
    } else {
        return 0;
    }
    return 1;
}

static int write_xml(struct out *o, const void *v)
{
    puts_out(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
                "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
                "<plist version=\"1.0\">\n");
    int ok = xml_write(o, v, 0);
    puts_out(o, "</plist>\n");
    return ok && !o->failed;
}

/* ---- binary: writing --------------------------------------------------------------------------
 * Objects are numbered depth-first, each written once (no sharing of equal values); object
 * references are 4 bytes, offsets 8, which every reader accepts. */

struct bwriter {
    struct out body;
    uint64_t *offsets;
    size_t count, cap;
    int failed;
};

static void big_endian(struct out *o, uint64_t v, unsigned size)
{
    unsigned char b[8];
    for (unsigned i = 0; i < size; i++)
        b[i] = (unsigned char)(v >> (8 * (size - 1 - i)));
    put(o, b, size);
}

static void marker_count(struct out *o, unsigned kind, uint64_t count)
{
    if (count < 15) {
        unsigned char m = (unsigned char)(kind << 4 | count);
        put(o, &m, 1);
        return;
    }
    unsigned char m[2] = {(unsigned char)(kind << 4 | 0xf), 0x13};
    put(o, m, 2);
    big_endian(o, count, 8);
}

static uint32_t bwrite(struct bwriter *w, const void *v, int depth);

static uint32_t bwrite_slot(struct bwriter *w)
{
    if (w->count == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        uint64_t *grown = realloc(w->offsets, cap * sizeof *grown);
        if (!grown) {
            w->failed = 1;
            return 0;
        }
        w->offsets = grown;
        w->cap = cap;
    }
    w->offsets[w->count] = 0;
    return (uint32_t)w->count++;
}

static void bwrite_string(struct bwriter *w, const void *s)
{
    CFIndex n = mb_CFStringGetLength(s);
    uint16_t *u = malloc((size_t)n * 2 + 2);
    if (!u) {
        w->failed = 1;
        return;
    }
    mb_CFStringGetCharacters(s, (CFRange){0, n}, u);
    int ascii = 1;
    for (CFIndex i = 0; i < n; i++)
        ascii &= u[i] < 0x80;
    marker_count(&w->body, ascii ? 0x5 : 0x6, (uint64_t)n);
    for (CFIndex i = 0; i < n; i++) {
        if (ascii) {
            unsigned char c = (unsigned char)u[i];
            put(&w->body, &c, 1);
        } else {
            big_endian(&w->body, u[i], 2);
        }
    }
    free(u);
}

static void bwrite_container(struct bwriter *w, const void *v, uint32_t self, int depth)
{
    int is_dict = is(v, mb_CFDictionaryGetTypeID);
    CFIndex n = is_dict ? mb_CFDictionaryGetCount(v) : mb_CFArrayGetCount(v);
    const void **keys = calloc((size_t)n + 1, sizeof *keys), **vals = calloc((size_t)n + 1, sizeof *vals);
    uint32_t *refs = calloc((size_t)n * 2 + 1, sizeof *refs);
    if (!keys || !vals || !refs) {
        w->failed = 1;
        goto out;
    }
    if (is_dict)
        mb_CFDictionaryGetKeysAndValues(v, keys, vals);
    else
        for (CFIndex i = 0; i < n; i++)
            vals[i] = mb_CFArrayGetValueAtIndex(v, i);
    /* children first, then this container's bytes at its own offset */
    for (CFIndex i = 0; is_dict && i < n; i++)
        refs[i] = bwrite(w, keys[i], depth + 1);
    for (CFIndex i = 0; i < n; i++)
        refs[(is_dict ? n : 0) + i] = bwrite(w, vals[i], depth + 1);
    w->offsets[self] = w->body.n;
    marker_count(&w->body, is_dict ? 0xd : 0xa, (uint64_t)n);
    for (CFIndex i = 0; i < (is_dict ? 2 * n : n); i++)
        big_endian(&w->body, refs[i], 4);
out:
    free(keys);
    free(vals);
    free(refs);
}

static uint32_t bwrite(struct bwriter *w, const void *v, int depth)
{
    uint32_t self = bwrite_slot(w);
    if (w->failed || !v || depth > 512) {
        w->failed = 1;
        return 0;
    }
    if (is(v, mb_CFArrayGetTypeID) || is(v, mb_CFDictionaryGetTypeID)) {
        bwrite_container(w, v, self, depth);
        return self;
    }
    w->offsets[self] = w->body.n;
    struct out *o = &w->body;
    if (is(v, mb_CFStringGetTypeID)) {
        bwrite_string(w, v);
    } else if (is(v, mb_CFBooleanGetTypeID)) {
        unsigned char m = mb_CFBooleanGetValue(v) ? 0x09 : 0x08;
        put(o, &m, 1);
    } else if (is(v, mb_CFNumberGetTypeID) && mb_CFNumberIsFloatType(v)) {
        double d;
        uint64_t raw;
        mb_CFNumberGetValue(v, NUMBER_FLOAT64, &d);
        memcpy(&raw, &d, 8);
        put(o, "\x23", 1);
        big_endian(o, raw, 8);
    } else if (is(v, mb_CFNumberGetTypeID)) {
        int64_t i;
        mb_CFNumberGetValue(v, NUMBER_SINT64, &i);
        put(o, "\x13", 1);
        big_endian(o, (uint64_t)i, 8);
    } else if (is(v, mb_CFDateGetTypeID)) {
        double d = mb_CFDateGetAbsoluteTime(v);
        uint64_t raw;
        memcpy(&raw, &d, 8);
        put(o, "\x33", 1);
        big_endian(o, raw, 8);
    } else if (is(v, mb_CFDataGetTypeID)) {
        marker_count(o, 0x4, (uint64_t)mb_CFDataGetLength(v));
        put(o, mb_CFDataGetBytePtr(v), (size_t)mb_CFDataGetLength(v));
    } else {
        w->failed = 1;
    }
    return self;
}

static int write_binary(struct out *o, const void *v)
{
    struct bwriter w = {{0}, NULL, 0, 0, 0};
    put(&w.body, "bplist00", 8);
    uint32_t top = bwrite(&w, v, 0);
    uint64_t table = w.body.n;
    for (size_t i = 0; i < w.count; i++)
        big_endian(&w.body, w.offsets[i], 8);
    unsigned char trailer[32] = {0};
    trailer[6] = 8;
    trailer[7] = 4;
    put(&w.body, trailer, 8);
    big_endian(&w.body, w.count, 8);
    big_endian(&w.body, top, 8);
    big_endian(&w.body, table, 8);
    free(w.offsets);
    int ok = !w.failed && !w.body.failed;
    *o = w.body;
    return ok;
}

/* ---- CFPropertyList -------------------------------------------------------------------------- */

static const void *parse(const unsigned char *p, size_t n, long *format)
{
    const void *v = parse_binary(p, n);
    if (v) {
        if (format)
            *format = FORMAT_BINARY;
        return v;
    }
    v = parse_xml((const char *)p, n);
    if (v && format)
        *format = FORMAT_XML;
    return v;
}

/* The error CF gives for a bad property list: Cocoa's NSPropertyListReadCorruptError. */
static void *read_error(void)
{
    return mb_CFErrorCreate(NULL, mb_kCFErrorDomainCocoa, 3840, NULL);
}

MB_EXPORT const void *mb_CFPropertyListCreateWithData(const void *alloc, const void *data,
                                                      unsigned long options, long *format,
                                                      void **error)
{
    (void)alloc, (void)options;
    const void *v = data ? parse(mb_CFDataGetBytePtr(data), (size_t)mb_CFDataGetLength(data), format)
                         : NULL;
    if (error)
        *error = v ? NULL : read_error();
    return v;
}

/* The pre-10.6 form: the error as a CFString */
MB_EXPORT const void *mb_CFPropertyListCreateFromXMLData(const void *alloc, const void *data,
                                                         unsigned long options,
                                                         const void **error_string)
{
    (void)alloc, (void)options;
    const void *v = data ? parse(mb_CFDataGetBytePtr(data), (size_t)mb_CFDataGetLength(data), NULL)
                         : NULL;
    if (error_string)
        *error_string = v ? NULL : mb_CFStringCreateWithCString(NULL, "Unable to parse property list", UTF8);
    return v;
}

static void *serialize(const void *plist, long format)
{
    struct out o = {0};
    int ok = format == FORMAT_BINARY ? write_binary(&o, plist) : write_xml(&o, plist);
    void *d = ok ? mb_CFDataCreate(NULL, o.p, (CFIndex)o.n) : NULL;
    free(o.p);
    return d;
}

MB_EXPORT void *mb_CFPropertyListCreateData(const void *alloc, const void *plist, long format,
                                            unsigned long options, void **error)
{
    (void)alloc, (void)options;
    void *d = format == FORMAT_XML || format == FORMAT_BINARY ? serialize(plist, format) : NULL;
    if (error)
        *error = d ? NULL : mb_CFErrorCreate(NULL, mb_kCFErrorDomainCocoa, 3851, NULL);
    return d;
}

MB_EXPORT void *mb_CFPropertyListCreateXMLData(const void *alloc, const void *plist)
{
    (void)alloc;
    return serialize(plist, FORMAT_XML);
}

MB_EXPORT const void *mb_CFPropertyListCreateDeepCopy(const void *alloc, const void *plist,
                                                      unsigned long options)
{
    (void)alloc, (void)options;
    void *d = serialize(plist, FORMAT_BINARY);
    const void *copy = d ? parse(mb_CFDataGetBytePtr(d), (size_t)mb_CFDataGetLength(d), NULL) : NULL;
    if (d)
        mb_CFRelease(d);
    return copy;
}

MB_EXPORT unsigned char mb_CFPropertyListIsValid(const void *plist, long format)
{
    void *d = serialize(plist, format == FORMAT_BINARY ? FORMAT_BINARY : FORMAT_XML);
    if (d)
        mb_CFRelease(d);
    return d != NULL;
}
