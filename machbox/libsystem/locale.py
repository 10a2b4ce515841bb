"""Locales and character classes (native/locale.c): Darwin's rune tables, category and
mask numbers, NULL/LC_GLOBAL_LOCALE conventions and the *_l functions glibc lacks."""

EMULATED = {"___maskrune", "___maskrune_l", "___tolower", "___toupper", "___tolower_l",
            "___toupper_l", "____mb_cur_max", "____mb_cur_max_l", "__DefaultRuneLocale",
            "__CurrentRuneLocale", "___mb_cur_max", "_querylocale"}

_BRIDGED = [
    "setlocale", "newlocale", "duplocale", "freelocale", "uselocale", "querylocale",
    "localeconv_l", "nl_langinfo", "nl_langinfo_l", "snprintf_l", "asprintf_l", "sprintf_l",
    "sscanf_l", "printf_l", "vsnprintf_l", "vasprintf_l", "vsprintf_l", "vsscanf_l",
    "vprintf_l", "btowc_l", "wctob_l", "mbrtowc_l", "wcrtomb_l", "mbrlen_l", "mbtowc_l",
    "wctomb_l", "mbsrtowcs_l", "mbsnrtowcs_l", "wcsrtombs_l", "wcsnrtombs_l", "mbstowcs_l",
    "wcstombs_l", "mblen_l", "strtod_l", "strtof_l", "strtold_l", "strtol_l", "strtoll_l",
    "strtoul_l", "strtoull_l", "strcoll_l", "strxfrm_l", "wcscoll_l", "wcsxfrm_l",
    "strftime_l", "wcsftime_l", "strcasecmp_l", "strncasecmp_l", "wcstod_l", "wcstol_l",
    "isalpha_l", "isdigit_l", "isspace_l", "isupper_l", "islower_l", "isalnum_l",
    "ispunct_l", "isprint_l", "isxdigit_l", "toupper_l", "tolower_l", "iswalpha_l",
    "iswspace_l", "towupper_l", "towlower_l",
]

EXPORTS = {
    "libSystem": {
        **{f"_{n}": f"mb_{n}" for n in _BRIDGED},
        "__DefaultRuneLocale": "mb__DefaultRuneLocale",
        "__CurrentRuneLocale": "mb__CurrentRuneLocale",
        "___mb_cur_max": "mb___mb_cur_max",
        "____mb_cur_max": "mb___mb_cur_max_fn",
        "____mb_cur_max_l": "mb___mb_cur_max_l",
        "___maskrune": "mb___maskrune",
        "___maskrune_l": "mb___maskrune_l",
        "___tolower": "mb___tolower",
        "___toupper": "mb___toupper",
        "___tolower_l": "mb___tolower_l",
        "___toupper_l": "mb___toupper_l",
        **{f"_{n}": "=" for n in (
            "localeconv", "isalpha", "isdigit", "isalnum", "isspace", "isupper", "islower",
            "ispunct", "isprint", "isgraph", "iscntrl", "isxdigit", "isblank", "isascii",
            "toupper", "tolower", "iswalpha", "iswdigit", "iswalnum", "iswspace", "iswupper",
            "iswlower", "iswpunct", "iswprint", "iswgraph", "iswcntrl", "iswxdigit",
            "iswblank", "towupper", "towlower", "wctype", "iswctype", "wctrans", "towctrans",
            "mbrtowc", "wcrtomb", "mbrlen", "mbtowc", "wctomb", "mbstowcs", "wcstombs",
            "mbsrtowcs", "wcsrtombs", "mbsnrtowcs", "wcsnrtombs", "mblen", "mbsinit", "btowc",
            "wctob", "wcwidth", "wcswidth", "strcoll", "strxfrm", "wcscoll", "wcsxfrm",
        )},
    },
}
