"""Sockets, addresses and name lookup (native/net.c): Darwin sockaddr, option, flag,
msghdr/cmsghdr and addrinfo layouts translated to the host's."""

_BRIDGED = [
    "socket", "socketpair", "bind", "connect", "accept", "getsockname", "getpeername",
    "send", "recv", "sendto", "recvfrom", "sendmsg", "recvmsg", "setsockopt", "getsockopt",
    "inet_pton", "inet_ntop", "getaddrinfo", "freeaddrinfo", "getnameinfo", "gai_strerror",
    "gethostbyname", "gethostbyname2", "gethostbyaddr", "getifaddrs", "freeifaddrs",
    "sendfile", "poll", "sendmsg_x", "recvmsg_x",
]

EMULATED: set[str] = set()

EXPORTS = {
    "libSystem": {
        **{f"_{n}": f"mb_{n}" for n in _BRIDGED},
        # same ABI: plain integers, or structures laid out alike (in_addr, hostent, servent)
        **{f"_{n}": "=" for n in (
            "listen", "shutdown", "inet_addr", "inet_aton", "inet_ntoa", "inet_network",
            "inet_makeaddr", "inet_lnaof", "inet_netof", "htonl", "htons", "ntohl", "ntohs",
            "getservbyname", "getservbyport", "getprotobyname", "getprotobynumber",
            "getservent", "setservent", "endservent", "if_nametoindex", "if_indextoname",
            "sethostent", "endhostent", "herror", "hstrerror",
            # data: struct in6_addr constants
            "in6addr_any", "in6addr_loopback",
        )},
    },
}
