"""stdio: every FILE a guest holds is a Darwin-layout wrapper (native/stdio.c), so functions
that take a FILE are bridges; those that only use the standard streams implicitly go
straight to the host, whose stdin/stdout/stderr the wrappers share."""

EMULATED = {"___srget", "___swbuf", "_funopen", "_fpurge", "_fgetln"}

_FILE_BRIDGES = [
    "fopen", "fdopen", "freopen", "fclose", "tmpfile", "popen", "pclose", "fmemopen",
    "open_memstream", "funopen", "__srget", "__swbuf", "fgetc", "getc", "getc_unlocked",
    "getw", "fputc", "putc", "putc_unlocked", "putw", "ungetc", "fgets", "fputs", "fread",
    "fwrite", "getline", "getdelim", "fgetwc", "getwc", "fputwc", "putwc", "ungetwc",
    "fgetws", "fputws", "fwide", "fgetln", "vfprintf", "vfscanf", "vfwprintf", "vfwscanf",
    "fprintf", "fscanf", "fwprintf", "fwscanf", "fseek", "fseeko", "ftell", "ftello", "rewind",
    "fgetpos", "fsetpos", "fflush", "fpurge", "feof", "ferror", "clearerr", "fileno",
    "flockfile", "funlockfile", "ftrylockfile", "setvbuf", "setbuf", "setbuffer",
    "setlinebuf", "perror",
]

_DIRECT = [
    "printf", "vprintf", "puts", "putchar", "getchar", "scanf", "vscanf", "sprintf",
    "vsprintf", "snprintf", "vsnprintf", "asprintf", "vasprintf", "sscanf", "vsscanf",
    "dprintf", "vdprintf", "tempnam", "swprintf",
    "vswprintf", "swscanf", "vswscanf", "wprintf", "vwprintf", "wscanf", "getchar_unlocked",
    "putchar_unlocked", "getwchar", "putwchar",
]

EXPORTS = {
    "libSystem": {
        **{f"_{n}": f"mb_{n}" for n in _FILE_BRIDGES},
        **{f"_{n}": "=" for n in _DIRECT},
        "___sF": "mb___sF",
        "___stdinp": "mb___stdinp",
        "___stdoutp": "mb___stdoutp",
        "___stderrp": "mb___stderrp",
        "___sprintf_chk": "=__sprintf_chk",
        "___snprintf_chk": "=__snprintf_chk",
        "___vsprintf_chk": "=__vsprintf_chk",
        "___vsnprintf_chk": "=__vsnprintf_chk",
    },
}
