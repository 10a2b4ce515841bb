/* Locales and character classes as Darwin code sees them.
 *
 * Darwin's <ctype.h> functions are inline: for ASCII they read _DefaultRuneLocale's
 * __runetype table (the C locale, fixed), otherwise they call __maskrune/__tolower/
 * __toupper, which follow the current locale. The table is built once from the host's C
 * locale. locale_t values handed to the guest are host locale_t; Darwin's two special
 * values are translated: NULL means the C locale, LC_GLOBAL_LOCALE ((locale_t)-1) the
 * global one. Category numbers differ and are translated through the ABI tables.
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "darwin_abi.h"

#include <ctype.h>
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

MB_EXPORT struct darwin_RuneLocale mb__DefaultRuneLocale;
MB_EXPORT struct darwin_RuneLocale *mb__CurrentRuneLocale = &mb__DefaultRuneLocale;
MB_EXPORT int mb___mb_cur_max = 1;

static uint32_t classify(int c)
{
    uint32_t t = 0;
    if (isalpha(c)) t |= DARWIN__CTYPE_A;
    if (iscntrl(c)) t |= DARWIN__CTYPE_C;
    if (isdigit(c)) t |= DARWIN__CTYPE_D;
    if (isgraph(c)) t |= DARWIN__CTYPE_G;
    if (islower(c)) t |= DARWIN__CTYPE_L;
    if (ispunct(c)) t |= DARWIN__CTYPE_P;
    if (isspace(c)) t |= DARWIN__CTYPE_S;
    if (isupper(c)) t |= DARWIN__CTYPE_U;
    if (isxdigit(c)) t |= DARWIN__CTYPE_X;
    if (isblank(c)) t |= DARWIN__CTYPE_B;
    if (isprint(c)) t |= DARWIN__CTYPE_R | DARWIN__CTYPE_SW1;
    if (isdigit(c)) t |= (uint32_t)(c - '0');
    else if (isxdigit(c)) t |= (uint32_t)(tolower(c) - 'a' + 10);
    return t;
}

MB_HIDDEN void mb_ctype_init(void)
{
    struct darwin_RuneLocale *r = &mb__DefaultRuneLocale;
    memcpy(r->__magic, "RuneMagA", 8);
    strcpy(r->__encoding, "NONE");
    r->__invalid_rune = 0xFFFD;
    for (int c = 0; c < 256; c++) {
        r->__runetype[c] = c < 128 ? classify(c) : 0;
        r->__maplower[c] = c < 128 ? tolower(c) : c;
        r->__mapupper[c] = c < 128 ? toupper(c) : c;
    }
}

/* ---- locale_t normalisation --------------------------------------------------------- */

static locale_t c_locale, global_snapshot;

static locale_t norm(locale_t loc)
{
    if (loc == NULL) {
        if (!c_locale)
            c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
        return c_locale;
    }
    if (loc == LC_GLOBAL_LOCALE) {
        if (!global_snapshot)
            global_snapshot = duplocale(LC_GLOBAL_LOCALE);
        return global_snapshot;
    }
    return loc;
}

static uint32_t maskrune_in(int c, unsigned long f, locale_t loc)
{
    if (c < 0)
        return 0;
    uint32_t t = 0;
    wint_t w = (wint_t)c;
    if ((f & DARWIN__CTYPE_A) && iswalpha_l(w, loc)) t |= DARWIN__CTYPE_A;
    if ((f & DARWIN__CTYPE_C) && iswcntrl_l(w, loc)) t |= DARWIN__CTYPE_C;
    if ((f & DARWIN__CTYPE_D) && iswdigit_l(w, loc)) t |= DARWIN__CTYPE_D;
    if ((f & DARWIN__CTYPE_G) && iswgraph_l(w, loc)) t |= DARWIN__CTYPE_G;
    if ((f & DARWIN__CTYPE_L) && iswlower_l(w, loc)) t |= DARWIN__CTYPE_L;
    if ((f & DARWIN__CTYPE_P) && iswpunct_l(w, loc)) t |= DARWIN__CTYPE_P;
    if ((f & DARWIN__CTYPE_S) && iswspace_l(w, loc)) t |= DARWIN__CTYPE_S;
    if ((f & DARWIN__CTYPE_U) && iswupper_l(w, loc)) t |= DARWIN__CTYPE_U;
    if ((f & DARWIN__CTYPE_X) && iswxdigit_l(w, loc)) t |= DARWIN__CTYPE_X;
    if ((f & DARWIN__CTYPE_B) && iswblank_l(w, loc)) t |= DARWIN__CTYPE_B;
    if ((f & DARWIN__CTYPE_R) && iswprint_l(w, loc)) t |= DARWIN__CTYPE_R;
    if ((f & DARWIN__CTYPE_SWM) && iswprint_l(w, loc)) t |= DARWIN__CTYPE_SW1;
    return t & (uint32_t)f;
}

MB_EXPORT unsigned long mb___maskrune(int c, unsigned long f)
{
    return maskrune_in(c, f, norm(LC_GLOBAL_LOCALE));
}

MB_EXPORT unsigned long mb___maskrune_l(int c, unsigned long f, locale_t loc)
{
    return maskrune_in(c, f, norm(loc));
}

MB_EXPORT int mb___tolower(int c) { return c < 0 ? c : (int)towlower_l((wint_t)c, norm(LC_GLOBAL_LOCALE)); }
MB_EXPORT int mb___toupper(int c) { return c < 0 ? c : (int)towupper_l((wint_t)c, norm(LC_GLOBAL_LOCALE)); }
MB_EXPORT int mb___tolower_l(int c, locale_t l) { return c < 0 ? c : (int)towlower_l((wint_t)c, norm(l)); }
MB_EXPORT int mb___toupper_l(int c, locale_t l) { return c < 0 ? c : (int)towupper_l((wint_t)c, norm(l)); }

MB_EXPORT int mb___mb_cur_max_l(locale_t l)
{
    locale_t old = uselocale(norm(l));
    int r = (int)MB_CUR_MAX;
    uselocale(old);
    return r;
}

MB_EXPORT int mb___mb_cur_max_fn(void) { return mb___mb_cur_max; }

/* ---- setlocale / newlocale ---------------------------------------------------------- */

static int category(int darwin_cat)
{
    if (darwin_cat < 0 || darwin_cat > MB_LC_DARWIN_MAX)
        return -1;
    return mb_lc_darwin_to_linux[darwin_cat];
}

MB_EXPORT char *mb_setlocale(int cat, const char *name)
{
    int lcat = category(cat);
    if (lcat < 0) {
        mb_set_darwin_errno(DARWIN_EINVAL);
        return NULL;
    }
    char *r = setlocale(lcat, name);
    if (r && name) {
        mb___mb_cur_max = (int)MB_CUR_MAX;
        if (global_snapshot)
            freelocale(global_snapshot);
        global_snapshot = NULL;
    }
    return r;
}

static int lc_mask(int darwin_mask)
{
    int m = 0;
    for (size_t i = 0; i < MB_LC_MASKS_COUNT; i++)
        if (darwin_mask & (int)mb_lc_masks[i].darwin)
            m |= (int)mb_lc_masks[i].linux_;
    return m;
}

MB_EXPORT locale_t mb_newlocale(int mask, const char *name, locale_t base)
{
    if (base == LC_GLOBAL_LOCALE)
        base = duplocale(norm(base));
    return newlocale(lc_mask(mask), name, base);
}

MB_EXPORT locale_t mb_duplocale(locale_t l) { return duplocale(norm(l)); }

MB_EXPORT void mb_freelocale(locale_t l)
{
    if (l && l != LC_GLOBAL_LOCALE && l != c_locale && l != global_snapshot)
        freelocale(l);
}

/* uselocale(NULL) queries; Darwin's NULL-as-C-locale does not apply here. */
MB_EXPORT locale_t mb_uselocale(locale_t l) { return uselocale(l); }

MB_EXPORT const char *mb_querylocale(int mask, locale_t l)
{
    (void)mask;
    locale_t old = uselocale(norm(l));
    const char *r = setlocale(LC_CTYPE, NULL);
    uselocale(old);
    return r;
}

MB_EXPORT struct lconv *mb_localeconv_l(locale_t l)
{
    locale_t old = uselocale(norm(l));
    struct lconv *r = localeconv();
    uselocale(old);
    return r;
}

/* ---- *_l functions glibc lacks: run the plain function under uselocale ---------------- */

#define WITH_LOCALE(ret, l, call) do { locale_t _old = uselocale(norm(l)); ret _r = call; \
        uselocale(_old); return _r; } while (0)

MB_EXPORT int mb_vsnprintf_l(char *s, size_t n, locale_t l, const char *f, va_list ap) { WITH_LOCALE(int, l, vsnprintf(s, n, f, ap)); }
MB_EXPORT int mb_vasprintf_l(char **s, locale_t l, const char *f, va_list ap) { WITH_LOCALE(int, l, vasprintf(s, f, ap)); }
MB_EXPORT int mb_vsprintf_l(char *s, locale_t l, const char *f, va_list ap) { WITH_LOCALE(int, l, vsprintf(s, f, ap)); }
MB_EXPORT int mb_vsscanf_l(const char *s, locale_t l, const char *f, va_list ap) { WITH_LOCALE(int, l, vsscanf(s, f, ap)); }
MB_EXPORT int mb_vprintf_l(locale_t l, const char *f, va_list ap) { WITH_LOCALE(int, l, vprintf(f, ap)); }

#define VARIADIC_L(name, vname, params, args)                                             \
    MB_EXPORT int name params                                                              \
    {                                                                                      \
        va_list ap;                                                                        \
        va_start(ap, f);                                                                   \
        int r = vname args;                                                                \
        va_end(ap);                                                                        \
        return r;                                                                          \
    }
VARIADIC_L(mb_snprintf_l, mb_vsnprintf_l, (char *s, size_t n, locale_t l, const char *f, ...), (s, n, l, f, ap))
VARIADIC_L(mb_asprintf_l, mb_vasprintf_l, (char **s, locale_t l, const char *f, ...), (s, l, f, ap))
VARIADIC_L(mb_sprintf_l, mb_vsprintf_l, (char *s, locale_t l, const char *f, ...), (s, l, f, ap))
VARIADIC_L(mb_sscanf_l, mb_vsscanf_l, (const char *s, locale_t l, const char *f, ...), (s, l, f, ap))
VARIADIC_L(mb_printf_l, mb_vprintf_l, (locale_t l, const char *f, ...), (l, f, ap))

MB_EXPORT wint_t mb_btowc_l(int c, locale_t l) { WITH_LOCALE(wint_t, l, btowc(c)); }
MB_EXPORT int mb_wctob_l(wint_t c, locale_t l) { WITH_LOCALE(int, l, wctob(c)); }
MB_EXPORT size_t mb_mbrtowc_l(wchar_t *w, const char *s, size_t n, mbstate_t *ps, locale_t l) { WITH_LOCALE(size_t, l, mbrtowc(w, s, n, ps)); }
MB_EXPORT size_t mb_wcrtomb_l(char *s, wchar_t w, mbstate_t *ps, locale_t l) { WITH_LOCALE(size_t, l, wcrtomb(s, w, ps)); }
MB_EXPORT size_t mb_mbrlen_l(const char *s, size_t n, mbstate_t *ps, locale_t l) { WITH_LOCALE(size_t, l, mbrlen(s, n, ps)); }
MB_EXPORT int mb_mbtowc_l(wchar_t *w, const char *s, size_t n, locale_t l) { WITH_LOCALE(int, l, mbtowc(w, s, n)); }
MB_EXPORT int mb_wctomb_l(char *s, wchar_t w, locale_t l) { WITH_LOCALE(int, l, wctomb(s, w)); }
MB_EXPORT size_t mb_mbsrtowcs_l(wchar_t *d, const char **s, size_t n, mbstate_t *ps, locale_t l) { WITH_LOCALE(size_t, l, mbsrtowcs(d, s, n, ps)); }
MB_EXPORT size_t mb_mbsnrtowcs_l(wchar_t *d, const char **s, size_t nms, size_t n, mbstate_t *ps, locale_t l) { WITH_LOCALE(size_t, l, mbsnrtowcs(d, s, nms, n, ps)); }
MB_EXPORT size_t mb_wcsrtombs_l(char *d, const wchar_t **s, size_t n, mbstate_t *ps, locale_t l) { WITH_LOCALE(size_t, l, wcsrtombs(d, s, n, ps)); }
MB_EXPORT size_t mb_wcsnrtombs_l(char *d, const wchar_t **s, size_t nwc, size_t n, mbstate_t *ps, locale_t l) { WITH_LOCALE(size_t, l, wcsnrtombs(d, s, nwc, n, ps)); }
MB_EXPORT size_t mb_mbstowcs_l(wchar_t *d, const char *s, size_t n, locale_t l) { WITH_LOCALE(size_t, l, mbstowcs(d, s, n)); }
MB_EXPORT size_t mb_wcstombs_l(char *d, const wchar_t *s, size_t n, locale_t l) { WITH_LOCALE(size_t, l, wcstombs(d, s, n)); }
MB_EXPORT int mb_mblen_l(const char *s, size_t n, locale_t l) { WITH_LOCALE(int, l, mblen(s, n)); }

/* *_l functions glibc has: only the locale argument needs normalising. */
MB_EXPORT double mb_strtod_l(const char *s, char **e, locale_t l) { return strtod_l(s, e, norm(l)); }
MB_EXPORT float mb_strtof_l(const char *s, char **e, locale_t l) { return strtof_l(s, e, norm(l)); }
MB_EXPORT long double mb_strtold_l(const char *s, char **e, locale_t l) { return strtold_l(s, e, norm(l)); }
MB_EXPORT long mb_strtol_l(const char *s, char **e, int b, locale_t l) { return strtol_l(s, e, b, norm(l)); }
MB_EXPORT long long mb_strtoll_l(const char *s, char **e, int b, locale_t l) { return strtoll_l(s, e, b, norm(l)); }
MB_EXPORT unsigned long mb_strtoul_l(const char *s, char **e, int b, locale_t l) { return strtoul_l(s, e, b, norm(l)); }
MB_EXPORT unsigned long long mb_strtoull_l(const char *s, char **e, int b, locale_t l) { return strtoull_l(s, e, b, norm(l)); }
MB_EXPORT int mb_strcoll_l(const char *a, const char *b, locale_t l) { return strcoll_l(a, b, norm(l)); }
MB_EXPORT size_t mb_strxfrm_l(char *d, const char *s, size_t n, locale_t l) { return strxfrm_l(d, s, n, norm(l)); }
MB_EXPORT int mb_wcscoll_l(const wchar_t *a, const wchar_t *b, locale_t l) { return wcscoll_l(a, b, norm(l)); }
MB_EXPORT size_t mb_wcsxfrm_l(wchar_t *d, const wchar_t *s, size_t n, locale_t l) { return wcsxfrm_l(d, s, n, norm(l)); }
MB_EXPORT size_t mb_strftime_l(char *s, size_t n, const char *f, const struct tm *t, locale_t l) { return strftime_l(s, n, f, t, norm(l)); }
MB_EXPORT size_t mb_wcsftime_l(wchar_t *s, size_t n, const wchar_t *f, const struct tm *t, locale_t l) { return wcsftime_l(s, n, f, t, norm(l)); }
MB_EXPORT int mb_strcasecmp_l(const char *a, const char *b, locale_t l) { return strcasecmp_l(a, b, norm(l)); }
MB_EXPORT int mb_strncasecmp_l(const char *a, const char *b, size_t n, locale_t l) { return strncasecmp_l(a, b, n, norm(l)); }
MB_EXPORT double mb_wcstod_l(const wchar_t *s, wchar_t **e, locale_t l) { return wcstod_l(s, e, norm(l)); }
MB_EXPORT long mb_wcstol_l(const wchar_t *s, wchar_t **e, int b, locale_t l) { return wcstol_l(s, e, b, norm(l)); }
MB_EXPORT int mb_isalpha_l(int c, locale_t l) { return isalpha_l(c, norm(l)); }
MB_EXPORT int mb_isdigit_l(int c, locale_t l) { return isdigit_l(c, norm(l)); }
MB_EXPORT int mb_isspace_l(int c, locale_t l) { return isspace_l(c, norm(l)); }
MB_EXPORT int mb_isupper_l(int c, locale_t l) { return isupper_l(c, norm(l)); }
MB_EXPORT int mb_islower_l(int c, locale_t l) { return islower_l(c, norm(l)); }
MB_EXPORT int mb_isalnum_l(int c, locale_t l) { return isalnum_l(c, norm(l)); }
MB_EXPORT int mb_ispunct_l(int c, locale_t l) { return ispunct_l(c, norm(l)); }
MB_EXPORT int mb_isprint_l(int c, locale_t l) { return isprint_l(c, norm(l)); }
MB_EXPORT int mb_isxdigit_l(int c, locale_t l) { return isxdigit_l(c, norm(l)); }
MB_EXPORT int mb_toupper_l(int c, locale_t l) { return toupper_l(c, norm(l)); }
MB_EXPORT int mb_tolower_l(int c, locale_t l) { return tolower_l(c, norm(l)); }
MB_EXPORT int mb_iswalpha_l(wint_t c, locale_t l) { return iswalpha_l(c, norm(l)); }
MB_EXPORT int mb_iswspace_l(wint_t c, locale_t l) { return iswspace_l(c, norm(l)); }
MB_EXPORT wint_t mb_towupper_l(wint_t c, locale_t l) { return towupper_l(c, norm(l)); }
MB_EXPORT wint_t mb_towlower_l(wint_t c, locale_t l) { return towlower_l(c, norm(l)); }

MB_EXPORT char *mb_nl_langinfo_l(int item, locale_t l);
MB_EXPORT char *mb_nl_langinfo(int item)
{
    return mb_nl_langinfo_l(item, LC_GLOBAL_LOCALE);
}

MB_EXPORT char *mb_nl_langinfo_l(int item, locale_t l)
{
    for (size_t i = 0; i < MB_NL_ITEMS_COUNT; i++)
        if (mb_nl_items[i].darwin == item)
            return nl_langinfo_l((nl_item)mb_nl_items[i].linux_, norm(l));
    return "";
}

/* libcharset: the codeset name GNU libiconv uses (glibc calls ASCII "ANSI_X3.4-1968"). */
MB_EXPORT const char *mb_locale_charset(void)
{
    const char *cs = nl_langinfo(CODESET);
    return strcmp(cs, "ANSI_X3.4-1968") == 0 ? "US-ASCII" : cs;
}
