"""Strings, memory, conversions, sorting, math, allocation: same ABI on both systems."""

EMULATED = {"_memset_pattern4", "_memset_pattern8", "_memset_pattern16", "_malloc_size",
            "_malloc_good_size"}

_STRING = (
    "memchr", "memcmp", "memcpy", "memmove", "memset", "memccpy", "memmem",
    "bcmp", "bcopy", "bzero", "strcat", "strchr", "strcmp", "strcpy",
    "strcspn", "strdup", "strlen", "strncat", "strncmp", "strncpy", "strndup", "strnlen",
    "strpbrk", "strrchr", "strsep", "strspn", "strstr", "strtok", "strtok_r", "strcasecmp",
    "strncasecmp", "strcasestr", "stpcpy", "stpncpy", "index", "rindex", "ffs", "ffsl", "ffsll",
    "swab",
    "wcslen", "wcscmp", "wcsncmp", "wcscpy", "wcsncpy", "wcscat", "wcsncat", "wcschr",
    "wcsrchr", "wcsstr", "wcsspn", "wcscspn", "wcspbrk", "wcstok", "wcsdup", "wcsnlen",
    "wcscasecmp", "wcsncasecmp", "wmemchr", "wmemcmp", "wmemcpy", "wmemmove", "wmemset",
    "wcstol", "wcstoul", "wcstoll", "wcstoull", "wcstod", "wcstof", "wcstold",
)
_STDLIB = (
    "atoi", "atol", "atoll", "atof", "strtol", "strtoul", "strtoll", "strtoull", "strtod",
    "strtof", "strtold", "strtoimax", "strtoumax", "abs", "labs", "llabs", "div", "ldiv",
    "lldiv", "imaxabs", "imaxdiv", "qsort", "bsearch", "lsearch",
    "lfind", "rand", "srand", "rand_r", "random", "srandom", "initstate", "setstate",
    "drand48", "erand48", "lrand48", "nrand48", "mrand48", "jrand48", "srand48", "seed48",
    "lcong48", "arc4random", "arc4random_buf", "arc4random_uniform", "malloc", "calloc",
    "realloc", "free", "valloc", "aligned_alloc", "posix_memalign", "a64l",
    "l64a", "ecvt", "fcvt", "gcvt", "ptsname", "grantpt",
    "unlockpt", "posix_openpt", "insque", "remque", "hsearch",
    "hcreate", "hdestroy", "tsearch", "tfind", "tdelete", "twalk", "fnmatch",
)
_MATH = (
    "acos", "acosf", "acosh", "acoshf", "acoshl", "acosl", "asin", "asinf", "asinh", "asinhf",
    "asinhl", "asinl", "atan", "atan2", "atan2f", "atan2l", "atanf", "atanh", "atanhf",
    "atanhl", "atanl", "cbrt", "cbrtf", "cbrtl", "ceil", "ceilf", "ceill", "copysign",
    "copysignf", "copysignl", "cos", "cosf", "cosh", "coshf", "coshl", "cosl", "erf", "erfc",
    "erfcf", "erfcl", "erff", "erfl", "exp", "exp2", "exp2f", "exp2l", "expf", "expl",
    "expm1", "expm1f", "expm1l", "fabs", "fabsf", "fabsl", "fdim", "fdimf", "fdiml", "floor",
    "floorf", "floorl", "fma", "fmaf", "fmal", "fmax", "fmaxf", "fmaxl", "fmin", "fminf",
    "fminl", "fmod", "fmodf", "fmodl", "frexp", "frexpf", "frexpl", "hypot", "hypotf",
    "hypotl", "ilogb", "ilogbf", "ilogbl", "ldexp", "ldexpf", "ldexpl", "lgamma", "lgammaf",
    "lgammal", "lgamma_r", "lgammaf_r", "llrint", "llrintf", "llrintl", "llround",
    "llroundf", "llroundl", "log", "log10", "log10f", "log10l", "log1p", "log1pf", "log1pl",
    "log2", "log2f", "log2l", "logb", "logbf", "logbl", "logf", "logl", "lrint", "lrintf",
    "lrintl", "lround", "lroundf", "lroundl", "modf", "modff", "modfl", "nan", "nanf",
    "nanl", "nearbyint", "nearbyintf", "nearbyintl", "nextafter", "nextafterf",
    "nextafterl", "nexttoward", "nexttowardf", "nexttowardl", "pow", "powf", "powl",
    "remainder", "remainderf", "remainderl", "remquo", "remquof", "remquol", "rint",
    "rintf", "rintl", "round", "roundf", "roundl", "scalbln", "scalblnf", "scalblnl",
    "scalbn", "scalbnf", "scalbnl", "sin", "sinf", "sinh", "sinhf", "sinhl", "sinl", "sqrt",
    "sqrtf", "sqrtl", "tan", "tanf", "tanh", "tanhf", "tanhl", "tanl", "tgamma", "tgammaf",
    "tgammal", "trunc", "truncf", "truncl", "j0", "j1", "jn", "y0", "y1", "yn", "feclearexcept",
    "fegetexceptflag", "feraiseexcept", "fesetexceptflag", "fetestexcept", "fegetround",
    "fesetround", "fegetenv", "feholdexcept", "fesetenv", "feupdateenv", "significand",
    "drem", "gamma", "finite", "isinf", "isnan",
)

EXPORTS = {
    "libSystem": {
        "_CCRandomGenerateBytes": "mb_CCRandomGenerateBytes",
        **{f"_{n}": "=" for n in _STRING + _STDLIB + _MATH},
        "___memcpy_chk": "=__memcpy_chk",
        "___memmove_chk": "=__memmove_chk",
        "___memset_chk": "=__memset_chk",
        "___strcpy_chk": "=__strcpy_chk",
        "___strcat_chk": "=__strcat_chk",
        "___strncpy_chk": "=__strncpy_chk",
        "___strncat_chk": "=__strncat_chk",
        "___stpcpy_chk": "=__stpcpy_chk",
        "___stpncpy_chk": "=__stpncpy_chk",
        # BSD functions glibc lacks (bsd.c)
        **{f"_{n}": f"mb_{n}" for n in (
            "fls", "flsl", "flsll", "heapsort", "mergesort", "reallocf", "strtonum", "strmode")},
        "_strlcpy": "mb_strlcpy",
        "_strlcat": "mb_strlcat",
        "___strlcpy_chk": "mb___strlcpy_chk",
        "___strlcat_chk": "mb___strlcat_chk",
        "___exp10": "=exp10",
        "___exp10f": "=exp10f",
        "___sincos_stret": "mb___sincos_stret",
        "___sincosf_stret": "mb___sincosf_stret",
        "___sincospi_stret": "mb___sincospi_stret",
        "___sincospif_stret": "mb___sincospif_stret",
        "___fpclassifyd": "mb___fpclassifyd",
        "___fpclassifyf": "mb___fpclassifyf",
        "___fpclassifyl": "mb___fpclassifyl",
        "___inline_isnand": "=isnan",
        "_memset_pattern4": "mb_memset_pattern4",
        "_memset_pattern8": "mb_memset_pattern8",
        "_memset_pattern16": "mb_memset_pattern16",
        "_malloc_size": "mb_malloc_size",
        "_malloc_good_size": "mb_malloc_good_size",
        "_strerror": "mb_strerror",
        "_strerror_r": "mb_strerror_r",
        "_qsort_r": "mb_qsort_r",
    },
}

# malloc zones over the host heap (native/malloc_zone.c)
_ZONES = [
    "malloc_default_zone", "malloc_default_purgeable_zone", "malloc_zone_from_ptr",
    "malloc_create_zone", "malloc_destroy_zone", "malloc_set_zone_name", "malloc_get_zone_name",
    "malloc_zone_malloc", "malloc_zone_calloc", "malloc_zone_valloc", "malloc_zone_realloc",
    "malloc_zone_memalign", "malloc_zone_free", "malloc_zone_batch_malloc",
    "malloc_zone_batch_free", "malloc_zone_pressure_relief", "malloc_zone_register",
    "malloc_zone_unregister", "malloc_zone_check", "malloc_zone_print",
    "malloc_zone_statistics", "malloc_zones", "malloc_num_zones",
]
EMULATED |= {f"_{n}" for n in _ZONES}
EXPORTS["libSystem"].update({f"_{n}": f"mb_{n}" for n in _ZONES})
