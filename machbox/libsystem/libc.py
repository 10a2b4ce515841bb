"""libc functions whose Darwin ABI differs from glibc's (native/libc_extra.c): POSIX regex
(regex_t and regmatch_t sizes), confstr (Darwin's per-user directories), __assert_rtn
(Darwin's assert message), backtrace (through the unwinder that knows guest frames); and
libffi, whose C API the host's shares."""

EMULATED = {"_confstr", "___assert_rtn"}

_FFI = (
    "ffi_call", "ffi_prep_cif", "ffi_prep_cif_var", "ffi_prep_closure", "ffi_prep_closure_loc",
    "ffi_closure_alloc", "ffi_closure_free", "ffi_raw_call", "ffi_get_struct_offsets",
    "ffi_type_void", "ffi_type_uint8", "ffi_type_sint8", "ffi_type_uint16", "ffi_type_sint16",
    "ffi_type_uint32", "ffi_type_sint32", "ffi_type_uint64", "ffi_type_sint64",
    "ffi_type_float", "ffi_type_double", "ffi_type_longdouble", "ffi_type_pointer",
    "ffi_type_complex_float", "ffi_type_complex_double",
)

EXPORTS = {
    "libSystem": {
        **{f"_{n}": f"mb_{n}" for n in (
            "regcomp", "regexec", "regerror", "regfree", "confstr", "backtrace",
        )},
        "___assert_rtn": "mb___assert_rtn",
    },
    "libffi": {f"_{n}": "=" for n in _FFI},
}
