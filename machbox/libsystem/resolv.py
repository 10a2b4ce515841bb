"""libresolv: Apple's <resolv.h> renames the BIND entry points (res_query is res_9_query,
dn_expand is res_9_dn_expand); the host's have the same C ABI for everything that does
not take a `struct __res_state`, whose layout differs (res_n* are left unimplemented)."""

# Apple name (without the leading underscore) -> host symbol; DEFAULT_HOSTS searches
# libresolv.so.2 and then libc (glibc 2.34 moved most of libresolv into libc)
_RENAMED = {
    "res_9_query": "res_query", "res_9_search": "res_search",
    "res_9_querydomain": "res_querydomain", "res_9_mkquery": "res_mkquery",
    "res_9_send": "res_send", "res_9_init": "__res_init", "res_9_close": "__res_close",
    "res_9_isourserver": "__res_isourserver", "res_9_p_query": "__p_query",
    "res_9_fp_query": "__fp_query", "res_9_fp_nquery": "__fp_nquery",
    "res_9_hostalias_1": "__hostalias", "res_9_dn_expand": "dn_expand",
    "res_9_dn_comp": "dn_comp", "res_9_dn_skipname": "dn_skipname",
    "res_9_ns_initparse": "ns_initparse", "res_9_ns_parserr": "ns_parserr",
    "res_9_ns_name_uncompress": "ns_name_uncompress", "res_9_ns_get16": "ns_get16",
    "res_9_ns_get32": "ns_get32", "res_9_ns_put16": "ns_put16", "res_9_ns_put32": "ns_put32",
    "res_9_ns_skiprr": "ns_skiprr", "res_9_ns_sprintrr": "ns_sprintrr",
    "res_9_b64_ntop": "__b64_ntop", "res_9_b64_pton": "__b64_pton",
}

EXPORTS = {
    "libresolv": {
        **{f"_{apple}": f"={host}" for apple, host in _RENAMED.items()},
        # the unversioned names some programs link directly
        **{f"_{host.lstrip('_')}": f"={host}" for host in _RENAMED.values()},
    },
}
