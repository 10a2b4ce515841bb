"""zlib, iconv and friends: the host libraries have the same C ABIs."""

_ZLIB = (
    "adler32", "adler32_combine", "compress", "compress2", "compressBound", "crc32",
    "crc32_combine", "deflate", "deflateBound", "deflateCopy", "deflateEnd", "deflateInit2_",
    "deflateInit_", "deflateParams", "deflatePrime", "deflateReset", "deflateSetDictionary",
    "deflateTune", "get_crc_table", "gzclose", "gzdopen", "gzerror", "gzflush", "gzgets",
    "gzopen", "gzputs", "gzread", "gzwrite", "gzeof", "gzseek", "gztell", "gzrewind",
    "inflate", "inflateBack", "inflateBackEnd", "inflateBackInit_", "inflateCopy",
    "inflateEnd", "inflateGetDictionary", "inflateInit2_", "inflateInit_", "inflateMark",
    "inflatePrime", "inflateReset", "inflateReset2", "inflateSetDictionary", "inflateSync",
    "uncompress", "zError", "zlibCompileFlags", "zlibVersion",
)

EXPORTS = {
    "libz": {f"_{n}": "=" for n in _ZLIB},
    "libiconv": {
        "_iconv": "=",
        "_iconv_open": "=",
        "_iconv_close": "=",
        "_libiconv": "=iconv",
        "_libiconv_open": "=iconv_open",
        "_libiconv_close": "=iconv_close",
    },
    "libcharset": {"_locale_charset": "mb_locale_charset"},
}
