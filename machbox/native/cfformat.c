/* CFString formats (printf's conversions plus %@ for a CF object's description),
 * CFCopyDescription and CFShow. */
#define _GNU_SOURCE
#include "runtime.h"
#include "cf_api.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


MB_HIDDEN const char *mb_cf_class_name(const void *o);

struct buf {
    char *p;
    size_t n, cap;
};

static void add(struct buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 128) + n;
        char *grown = realloc(b->p, cap);
        if (!grown)
            return;
        b->p = grown;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

/* CFCopyDescription of a number, as CF writes it: class, address, allocator and value */
static char *number_description(const void *o)
{
    char text[160];
    if (mb_CFNumberIsFloatType(o)) {
        double d;
        mb_CFNumberGetValue(o, 6, &d);
        snprintf(text, sizeof text, "<CFNumber %p [%p]>{value = %+.20f, type = kCFNumberFloat64Type}",
                 o, (void *)0, d);
    } else {
        long long i;
        mb_CFNumberGetValue(o, 4, &i);
        snprintf(text, sizeof text, "<CFNumber %p [%p]>{value = %+lld, type = kCFNumberSInt64Type}",
                 o, (void *)0, i);
    }
    return strdup(text);
}

/* What %@ prints (CF's formatting description): a string itself, a number's value, a
 * boolean's word, otherwise the class and address as CF's default description does. */
static char *describe(const void *o)
{
    char text[128];
    if (!o)
        return strdup("(null)");
    unsigned long t = mb_CFGetTypeID(o);
    if (t == mb_CFStringGetTypeID()) {
        size_t cap = (size_t)mb_CFStringGetLength(o) * 3 + 1;
        char *s = malloc(cap);
        if (s && !mb_CFStringGetCString(o, s, (CFIndex)cap, UTF8))
            s[0] = 0;
        return s;
    }
    if (t == mb_CFNumberGetTypeID()) {
        if (mb_CFNumberIsFloatType(o)) {
            double d;
            mb_CFNumberGetValue(o, 6, &d);
            snprintf(text, sizeof text, "%g", d);
        } else {
            long long i;
            mb_CFNumberGetValue(o, 4, &i);
            snprintf(text, sizeof text, "%lld", i);
        }
    } else if (t == mb_CFBooleanGetTypeID()) {
        snprintf(text, sizeof text, "%s", mb_CFBooleanGetValue(o) ? "true" : "false");
    } else if (t == mb_CFArrayGetTypeID() || t == mb_CFDictionaryGetTypeID()) {
        snprintf(text, sizeof text, "<%s %p [%ld values]>", mb_cf_class_name(o), o,
                 t == mb_CFArrayGetTypeID() ? mb_CFArrayGetCount(o) : mb_CFDictionaryGetCount(o));
    } else {
        snprintf(text, sizeof text, "<%s %p>", mb_cf_class_name(o), o);
    }
    return strdup(text);
}

/* One conversion of printf's, taken from the argument list by its type. */
static void convert(struct buf *b, const char *spec, size_t len, va_list *ap)
{
    char fmt[64], out[512];
    if (len >= sizeof fmt)
        return;
    memcpy(fmt, spec, len);
    fmt[len] = 0;
    char conv = fmt[len - 1];
    int longs = 0, size_t_arg = 0, star = 0;
    for (size_t i = 1; i + 1 < len; i++) {
        longs += fmt[i] == 'l' || fmt[i] == 'q' || fmt[i] == 'j';
        size_t_arg |= fmt[i] == 'z' || fmt[i] == 't';
        star += fmt[i] == '*';
    }
    int width = star ? va_arg(*ap, int) : 0;
    int n = 0;
    if (strchr("diouxXc", conv)) {
        long long v = longs || size_t_arg ? va_arg(*ap, long long)
                      : strchr("ouxX", conv) ? (long long)va_arg(*ap, unsigned)
                                             : va_arg(*ap, int);
        /* format the value through the same spec, widened to long long */
        char wide[80];
        size_t k = 0;
        for (size_t i = 0; i + 1 < len && k < sizeof wide - 4; i++)
            if (!strchr("lhqjzt", fmt[i]))
                wide[k++] = fmt[i];
        if (conv != 'c') {
            wide[k++] = 'l';
            wide[k++] = 'l';
        }
        wide[k++] = conv;
        wide[k] = 0;
        n = star ? snprintf(out, sizeof out, wide, width, v)
                 : conv == 'c' ? snprintf(out, sizeof out, wide, (int)v)
                               : snprintf(out, sizeof out, wide, v);
    } else if (strchr("eEfFgGaA", conv)) {
        double d = va_arg(*ap, double);
        n = star ? snprintf(out, sizeof out, fmt, width, d) : snprintf(out, sizeof out, fmt, d);
    } else if (conv == 's') {
        const char *s = va_arg(*ap, const char *);
        n = star ? snprintf(out, sizeof out, fmt, width, s ? s : "(null)")
                 : snprintf(out, sizeof out, fmt, s ? s : "(null)");
    } else if (conv == 'p') {
        n = snprintf(out, sizeof out, "%p", va_arg(*ap, void *));
    } else if (conv == '@') {
        char *d = describe(va_arg(*ap, const void *));
        if (d)
            add(b, d, strlen(d));
        free(d);
        return;
    } else if (conv == '%') {
        add(b, "%", 1);
        return;
    }
    if (n > 0)
        add(b, out, (size_t)n < sizeof out ? (size_t)n : sizeof out - 1);
}

static char *format(const char *f, va_list ap)
{
    struct buf b = {0};
    va_list args;
    va_copy(args, ap);
    add(&b, "", 0);
    while (*f) {
        const char *pct = strchr(f, '%');
        if (!pct) {
            add(&b, f, strlen(f));
            break;
        }
        add(&b, f, (size_t)(pct - f));
        size_t len = 1 + strspn(pct + 1, "-+ #0123456789.*hlqjzt");
        if (!pct[len])
            break;
        len++;
        convert(&b, pct, len, &args);
        f = pct + len;
    }
    va_end(args);
    return b.p;
}

MB_EXPORT void *mb_CFStringCreateWithFormatAndArguments(const void *alloc, const void *options,
                                                        const void *fmt, va_list ap)
{
    (void)options;
    char *f = describe(fmt);
    char *text = f ? format(f, ap) : NULL;
    void *s = mb_CFStringCreateWithCString(alloc, text ? text : "", UTF8);
    free(f);
    free(text);
    return s;
}

MB_EXPORT void *mb_CFStringCreateWithFormat(const void *alloc, const void *options,
                                            const void *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    void *s = mb_CFStringCreateWithFormatAndArguments(alloc, options, fmt, ap);
    va_end(ap);
    return s;
}

MB_EXPORT void *mb_CFCopyDescription(const void *o)
{
    char *d = o && mb_CFGetTypeID(o) == mb_CFNumberGetTypeID() ? number_description(o)
                                                                : describe(o);
    void *s = mb_CFStringCreateWithCString(NULL, d ? d : "", UTF8);
    free(d);
    return s;
}

MB_EXPORT void mb_CFShow(const void *o)
{
    char *d = describe(o);
    fprintf(stderr, "%s\n", d ? d : "");
    free(d);
}
