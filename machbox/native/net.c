/* Sockets as Darwin code sees them.
 *
 * What differs from Linux, and is translated here through the generated tables:
 * - sockaddr starts with a length byte and a one-byte family (Linux: a two-byte family),
 *   AF_INET6 is 30, sockaddr_un's path is 104 bytes;
 * - SOL_SOCKET is 0xffff and its option names are numbered differently; SO_NOSIGPIPE,
 *   SO_NREAD and SO_LINGER_SEC have no Linux option; TCP_KEEPALIVE is TCP_KEEPIDLE;
 * - MSG_* flags, msghdr (32-bit lengths) and cmsghdr (12 bytes, 4-byte alignment);
 * - addrinfo puts ai_canonname before ai_addr; EAI_* codes are positive, AI_/NI_ flags
 *   differ, and gai_strerror has its own wording.
 * errno needs nothing: a failing host call leaves the host errno, which __error()
 * translates when the guest reads it.
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "translate.h"

#include <errno.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* ---- addresses ------------------------------------------------------------------------ */

static int family_to_linux(int darwin) {
    return (int)mb_value_to_linux(mb_af_families, MB_AF_FAMILIES_COUNT, darwin, -1);
}

static int family_to_darwin(int linux_af) {
    return (int)mb_value_to_darwin(mb_af_families, MB_AF_FAMILIES_COUNT, linux_af, linux_af);
}

/* A Darwin sockaddr as the host's; 0, or -1 with the Darwin errno set. */
static int sa_in(const void *dsa, socklen_t dlen, struct sockaddr_storage *out, socklen_t *olen)
{
    memset(out, 0, sizeof *out);
    if (dlen < 2)
        return (int)mb_fail(DARWIN_EINVAL);
    const uint8_t *d = dsa;
    int af = d[1] == 0 ? AF_UNSPEC : family_to_linux(d[1]);
    if (af < 0)
        return (int)mb_fail(DARWIN_EAFNOSUPPORT);
    size_t body = dlen - 2, room = sizeof *out - 2;
    if (af == AF_INET && body > sizeof(struct sockaddr_in) - 2)
        body = sizeof(struct sockaddr_in) - 2;
    if (af == AF_INET6 && body > sizeof(struct sockaddr_in6) - 2)
        body = sizeof(struct sockaddr_in6) - 2;
    if (af == AF_UNIX) { /* the path ends at its NUL: sun_len may count the whole array */
        size_t n = strnlen((const char *)d + 2, body);
        body = n < body ? n + 1 : n;
        if (body > sizeof(((struct sockaddr_un *)0)->sun_path))
            return (int)mb_fail(DARWIN_EINVAL);
    }
    if (body > room)
        body = room;
    memcpy((char *)out + 2, d + 2, body);
    out->ss_family = (sa_family_t)af;
    *olen = (socklen_t)(2 + body);
    return 0;
}

/* A host sockaddr written as Darwin's into (dsa, *dlen): truncated to the room there,
 * *dlen set to the full Darwin length, as the kernel does. */
static void sa_out(const struct sockaddr *lsa, socklen_t llen, void *dsa, socklen_t *dlen)
{
    if (!dsa || !dlen)
        return;
    uint8_t tmp[sizeof(struct sockaddr_storage)] = {0};
    size_t body = llen > 2 ? llen - 2 : 0;
    if (lsa->sa_family == AF_UNIX && body > DARWIN_SIZEOF_SOCKADDR_UN - 2)
        body = DARWIN_SIZEOF_SOCKADDR_UN - 2;
    if (body > sizeof tmp - 2)
        body = sizeof tmp - 2;
    memcpy(tmp + 2, (const char *)lsa + 2, body);
    size_t len = 2 + body;
    if (lsa->sa_family == AF_UNIX && body == 0)
        len = 16; /* an unnamed UNIX socket: Darwin reports an empty, 16-byte address */
    tmp[0] = (uint8_t)len;
    tmp[1] = (uint8_t)family_to_darwin(lsa->sa_family);
    size_t room = *dlen;
    memcpy(dsa, tmp, room < len ? room : len);
    *dlen = (socklen_t)len;
}

/* ---- sockets ---------------------------------------------------------------------------- */

/* Descriptors with SO_NOSIGPIPE set: their sends never raise SIGPIPE. */
#define NOSIGPIPE_MAX 65536
static uint8_t nosigpipe[NOSIGPIPE_MAX / 8];

static void set_nosigpipe(int fd, int on)
{
    if (fd < 0 || fd >= NOSIGPIPE_MAX)
        return;
    if (on)
        nosigpipe[fd / 8] |= (uint8_t)(1 << (fd % 8));
    else
        nosigpipe[fd / 8] &= (uint8_t)~(1 << (fd % 8));
}

static int has_nosigpipe(int fd)
{
    return fd >= 0 && fd < NOSIGPIPE_MAX && (nosigpipe[fd / 8] >> (fd % 8)) & 1;
}

static int send_flags(int fd, int darwin_flags)
{
    int f = (int)mb_bits_to_linux(mb_msg_flags, MB_MSG_FLAGS_COUNT, (uint32_t)darwin_flags, NULL);
    return has_nosigpipe(fd) ? f | MSG_NOSIGNAL : f;
}

static int recv_flags(int darwin_flags)
{
    return (int)mb_bits_to_linux(mb_msg_flags, MB_MSG_FLAGS_COUNT, (uint32_t)darwin_flags, NULL);
}

MB_EXPORT int mb_socket(int domain, int type, int protocol)
{
    int af = family_to_linux(domain);
    if (af < 0)
        return (int)mb_fail(DARWIN_EAFNOSUPPORT);
    int fd = socket(af, type, protocol);
    set_nosigpipe(fd, 0);
    return fd;
}

MB_EXPORT int mb_socketpair(int domain, int type, int protocol, int sv[2])
{
    int af = family_to_linux(domain);
    if (af < 0)
        return (int)mb_fail(DARWIN_EAFNOSUPPORT);
    int r = socketpair(af, type, protocol, sv);
    if (r == 0) {
        set_nosigpipe(sv[0], 0);
        set_nosigpipe(sv[1], 0);
    }
    return r;
}

MB_EXPORT int mb_bind(int fd, const void *addr, socklen_t len)
{
    struct sockaddr_storage ss;
    socklen_t l;
    if (sa_in(addr, len, &ss, &l) < 0)
        return -1;
    return bind(fd, (struct sockaddr *)&ss, l);
}

MB_EXPORT int mb_connect(int fd, const void *addr, socklen_t len)
{
    struct sockaddr_storage ss;
    socklen_t l;
    if (sa_in(addr, len, &ss, &l) < 0)
        return -1;
    return connect(fd, (struct sockaddr *)&ss, l);
}

MB_EXPORT int mb_accept(int fd, void *addr, socklen_t *len)
{
    struct sockaddr_storage ss;
    socklen_t l = sizeof ss;
    int r = accept(fd, (struct sockaddr *)&ss, &l);
    if (r >= 0) {
        set_nosigpipe(r, has_nosigpipe(fd)); /* Darwin: accepted sockets inherit it */
        sa_out((struct sockaddr *)&ss, l, addr, len);
    }
    return r;
}

static int name_call(int (*call)(int, struct sockaddr *, socklen_t *), int fd, void *addr,
                     socklen_t *len)
{
    struct sockaddr_storage ss;
    socklen_t l = sizeof ss;
    int r = call(fd, (struct sockaddr *)&ss, &l);
    if (r == 0)
        sa_out((struct sockaddr *)&ss, l, addr, len);
    return r;
}

MB_EXPORT int mb_getsockname(int fd, void *addr, socklen_t *len)
{
    return name_call(getsockname, fd, addr, len);
}

MB_EXPORT int mb_getpeername(int fd, void *addr, socklen_t *len)
{
    return name_call(getpeername, fd, addr, len);
}

MB_EXPORT ssize_t mb_send(int fd, const void *buf, size_t n, int flags)
{
    return send(fd, buf, n, send_flags(fd, flags));
}

MB_EXPORT ssize_t mb_recv(int fd, void *buf, size_t n, int flags)
{
    return recv(fd, buf, n, recv_flags(flags));
}

MB_EXPORT ssize_t mb_sendto(int fd, const void *buf, size_t n, int flags, const void *addr,
                            socklen_t len)
{
    if (!addr)
        return sendto(fd, buf, n, send_flags(fd, flags), NULL, 0);
    struct sockaddr_storage ss;
    socklen_t l;
    if (sa_in(addr, len, &ss, &l) < 0)
        return -1;
    return sendto(fd, buf, n, send_flags(fd, flags), (struct sockaddr *)&ss, l);
}

MB_EXPORT ssize_t mb_recvfrom(int fd, void *buf, size_t n, int flags, void *addr,
                              socklen_t *len)
{
    struct sockaddr_storage ss;
    socklen_t l = sizeof ss;
    ssize_t r = recvfrom(fd, buf, n, recv_flags(flags), addr ? (struct sockaddr *)&ss : NULL,
                         addr ? &l : NULL);
    if (r >= 0 && addr && len) {
        if (l == 0 || ss.ss_family == AF_UNSPEC)
            *len = 0; /* a connected stream socket names no sender */
        else
            sa_out((struct sockaddr *)&ss, l, addr, len);
    }
    return r;
}

/* ---- sendmsg/recvmsg: Darwin's msghdr and cmsghdr --------------------------------------- */

#define DARWIN_CMSG_ALIGN(n) (((n) + 3) & ~(size_t)3)
#define DARWIN_CMSG_HDR DARWIN_CMSG_ALIGN(DARWIN_SIZEOF_CMSGHDR)

static int cmsg_type_to_linux(int level, int type)
{
    if (level != SOL_SOCKET)
        return type;
    return (int)mb_value_to_linux(mb_scm_types, MB_SCM_TYPES_COUNT, type, type);
}

static int cmsg_type_to_darwin(int level, int type)
{
    if (level != SOL_SOCKET)
        return type;
    return (int)mb_value_to_darwin(mb_scm_types, MB_SCM_TYPES_COUNT, type, type);
}

static int level_to_linux(int level) { return level == DARWIN_SOL_SOCKET ? SOL_SOCKET : level; }
static int level_to_darwin(int level) { return level == SOL_SOCKET ? DARWIN_SOL_SOCKET : level; }

/* Darwin control messages → host ones in `out` (size *outlen in, used out). */
static int control_in(const uint8_t *d, size_t dlen, uint8_t *out, size_t *outlen)
{
    size_t used = 0, off = 0;
    while (off + DARWIN_SIZEOF_CMSGHDR <= dlen) {
        const struct darwin_cmsghdr *c = (const void *)(d + off);
        if (c->cmsg_len < DARWIN_SIZEOF_CMSGHDR || off + c->cmsg_len > dlen)
            return (int)mb_fail(DARWIN_EINVAL);
        size_t data = c->cmsg_len - DARWIN_CMSG_HDR;
        if (used + CMSG_SPACE(data) > *outlen)
            return (int)mb_fail(DARWIN_ENOBUFS);
        struct cmsghdr *l = (struct cmsghdr *)(out + used);
        l->cmsg_len = CMSG_LEN(data);
        l->cmsg_level = level_to_linux(c->cmsg_level);
        l->cmsg_type = cmsg_type_to_linux(l->cmsg_level, c->cmsg_type);
        memcpy(CMSG_DATA(l), d + off + DARWIN_CMSG_HDR, data);
        used += CMSG_SPACE(data);
        off += DARWIN_CMSG_ALIGN(c->cmsg_len);
    }
    *outlen = used;
    return 0;
}

/* Host control messages → Darwin's in (d, *dlen); sets *truncated when some did not fit. */
static void control_out(struct msghdr *lm, uint8_t *d, uint32_t *dlen, int *truncated)
{
    size_t room = *dlen, used = 0;
    for (struct cmsghdr *l = CMSG_FIRSTHDR(lm); l; l = CMSG_NXTHDR(lm, l)) {
        size_t data = l->cmsg_len - CMSG_LEN(0);
        if (used + DARWIN_CMSG_HDR + data > room) {
            *truncated = 1;
            if (l->cmsg_level == SOL_SOCKET && l->cmsg_type == SCM_RIGHTS) {
                int *fds = (int *)CMSG_DATA(l); /* descriptors nobody will see: close them */
                for (size_t i = 0; i < data / sizeof(int); i++)
                    close(fds[i]);
            }
            continue;
        }
        struct darwin_cmsghdr *c = (void *)(d + used);
        c->cmsg_len = (uint32_t)(DARWIN_CMSG_HDR + data);
        c->cmsg_level = level_to_darwin(l->cmsg_level);
        c->cmsg_type = cmsg_type_to_darwin(l->cmsg_level, l->cmsg_type);
        memcpy(d + used + DARWIN_CMSG_HDR, CMSG_DATA(l), data);
        used += DARWIN_CMSG_ALIGN(DARWIN_CMSG_HDR + data);
        if (used > room)
            used = room;
    }
    *dlen = (uint32_t)used;
}

MB_EXPORT ssize_t mb_sendmsg(int fd, const struct darwin_msghdr *dm, int flags)
{
    struct msghdr lm = {0};
    struct sockaddr_storage ss;
    socklen_t l;
    if (dm->msg_name && dm->msg_namelen) {
        if (sa_in(dm->msg_name, dm->msg_namelen, &ss, &l) < 0)
            return -1;
        lm.msg_name = &ss;
        lm.msg_namelen = l;
    }
    lm.msg_iov = dm->msg_iov;
    lm.msg_iovlen = (size_t)dm->msg_iovlen;
    uint8_t control[1024] __attribute__((aligned(8)));
    if (dm->msg_control && dm->msg_controllen) {
        size_t n = sizeof control;
        if (control_in(dm->msg_control, dm->msg_controllen, control, &n) < 0)
            return -1;
        lm.msg_control = control;
        lm.msg_controllen = n;
    }
    return sendmsg(fd, &lm, send_flags(fd, flags));
}

MB_EXPORT ssize_t mb_recvmsg(int fd, struct darwin_msghdr *dm, int flags)
{
    struct msghdr lm = {0};
    struct sockaddr_storage ss;
    if (dm->msg_name) {
        lm.msg_name = &ss;
        lm.msg_namelen = sizeof ss;
    }
    lm.msg_iov = dm->msg_iov;
    lm.msg_iovlen = (size_t)dm->msg_iovlen;
    /* room for the host's larger headers: each Darwin header grows by at most 12 bytes */
    uint8_t control[4096] __attribute__((aligned(8)));
    if (dm->msg_control && dm->msg_controllen) {
        lm.msg_control = control;
        lm.msg_controllen = dm->msg_controllen * 2 < sizeof control ? dm->msg_controllen * 2
                                                                    : sizeof control;
    }
    ssize_t r = recvmsg(fd, &lm, recv_flags(flags));
    if (r < 0)
        return r;
    if (dm->msg_name) {
        socklen_t dl = dm->msg_namelen;
        if (lm.msg_namelen)
            sa_out((struct sockaddr *)&ss, lm.msg_namelen, dm->msg_name, &dl);
        else
            dl = 0;
        dm->msg_namelen = dl;
    }
    int truncated = (lm.msg_flags & MSG_CTRUNC) != 0;
    if (dm->msg_control && dm->msg_controllen)
        control_out(&lm, dm->msg_control, &dm->msg_controllen, &truncated);
    else
        dm->msg_controllen = 0;
    int f = (int)mb_bits_to_darwin(mb_msg_flags, MB_MSG_FLAGS_COUNT, (uint32_t)lm.msg_flags);
    dm->msg_flags = truncated ? f | DARWIN_MSG_CTRUNC : f;
    return r;
}

/* ---- options ------------------------------------------------------------------------------ */

/* (level, name) as the host's; -1 when Linux has no such option. */
static int option_to_linux(int level, int name, int *lname)
{
    switch (level) {
    case DARWIN_SOL_SOCKET:
        *lname = (int)mb_value_to_linux(mb_sockopt_so, MB_SOCKOPT_SO_COUNT, name, -1);
        return *lname < 0 ? -1 : SOL_SOCKET;
    case IPPROTO_IP:
        *lname = (int)mb_value_to_linux(mb_sockopt_ip, MB_SOCKOPT_IP_COUNT, name, -1);
        return *lname < 0 ? -1 : level;
    case IPPROTO_IPV6:
        *lname = (int)mb_value_to_linux(mb_sockopt_ipv6, MB_SOCKOPT_IPV6_COUNT, name, -1);
        return *lname < 0 ? -1 : level;
    case IPPROTO_TCP:
        *lname = (int)mb_value_to_linux(mb_sockopt_tcp, MB_SOCKOPT_TCP_COUNT, name, -1);
        return *lname < 0 ? -1 : level;
    default:
        *lname = name;
        return level;
    }
}

MB_EXPORT int mb_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
    if (level == DARWIN_SOL_SOCKET && name == DARWIN_SO_NOSIGPIPE) {
        if (len < sizeof(int))
            return (int)mb_fail(DARWIN_EINVAL);
        int type;
        socklen_t tl = sizeof type;
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0)
            return -1;
        set_nosigpipe(fd, *(const int *)val != 0);
        return 0;
    }
    if (level == DARWIN_SOL_SOCKET && name == DARWIN_SO_LINGER_SEC)
        name = DARWIN_SO_LINGER; /* same struct linger; the time is seconds on Linux too */
    int lname, llevel = option_to_linux(level, name, &lname);
    if (llevel < 0)
        return (int)mb_fail(DARWIN_ENOPROTOOPT);
    return setsockopt(fd, llevel, lname, val, len);
}

MB_EXPORT int mb_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
    if (level == DARWIN_SOL_SOCKET && (name == DARWIN_SO_NOSIGPIPE || name == DARWIN_SO_NREAD)) {
        if (*len < sizeof(int))
            return (int)mb_fail(DARWIN_EINVAL);
        int v = has_nosigpipe(fd);
        if (name == DARWIN_SO_NREAD && ioctl(fd, FIONREAD, &v) < 0)
            return -1;
        *(int *)val = v;
        *len = sizeof(int);
        return 0;
    }
    if (level == DARWIN_SOL_SOCKET && name == DARWIN_SO_LINGER_SEC)
        name = DARWIN_SO_LINGER;
    int lname, llevel = option_to_linux(level, name, &lname);
    if (llevel < 0)
        return (int)mb_fail(DARWIN_ENOPROTOOPT);
    int r = getsockopt(fd, llevel, lname, val, len);
    if (r == 0 && llevel == SOL_SOCKET && *len >= sizeof(int)) {
        int *v = val;
        if (lname == SO_ERROR && *v)
            *v = mb_errno_to_darwin(*v);
        else if (lname == SO_ACCEPTCONN || lname == SO_REUSEADDR || lname == SO_KEEPALIVE ||
                 lname == SO_BROADCAST || lname == SO_REUSEPORT || lname == SO_OOBINLINE ||
                 lname == SO_DONTROUTE || lname == SO_DEBUG)
            *v = *v ? name : 0; /* Darwin answers a set boolean option with its own bit */
    }
    return r;
}

/* ---- names and addresses --------------------------------------------------------------- */

MB_EXPORT int mb_inet_pton(int af, const char *src, void *dst)
{
    int l = family_to_linux(af);
    if (l < 0)
        return (int)mb_fail(DARWIN_EAFNOSUPPORT);
    return inet_pton(l, src, dst);
}

MB_EXPORT const char *mb_inet_ntop(int af, const void *src, char *dst, socklen_t size)
{
    int l = family_to_linux(af);
    if (l < 0) {
        mb_fail(DARWIN_EAFNOSUPPORT);
        return NULL;
    }
    return inet_ntop(l, src, dst, size);
}

static int eai_to_darwin(int e)
{
    return e == 0 ? 0 : (int)mb_value_to_darwin(mb_eai_errors, MB_EAI_ERRORS_COUNT, e,
                                                 DARWIN_EAI_FAIL);
}

/* Darwin's own messages (libinfo), which differ from glibc's. */
MB_EXPORT const char *mb_gai_strerror(int code)
{
    static const char *const messages[] = {
        "Success",
        "Address family for hostname not supported",
        "Temporary failure in name resolution",
        "Invalid value for ai_flags",
        "Non-recoverable failure in name resolution",
        "ai_family not supported",
        "Memory allocation failure",
        "No address associated with hostname",
        "nodename nor servname provided, or not known",
        "servname not supported for ai_socktype",
        "ai_socktype not supported",
        "System error",
        "Invalid value for hints",
        "Resolved protocol is unknown",
        "Argument buffer overflow",
    };
    if (code < 0 || code >= (int)(sizeof messages / sizeof *messages))
        return "Unknown error";
    return messages[code];
}

MB_EXPORT void mb_freeaddrinfo(struct darwin_addrinfo *ai)
{
    while (ai) {
        struct darwin_addrinfo *next = ai->ai_next;
        free(ai->ai_canonname);
        free(ai); /* the address lives in the same allocation */
        ai = next;
    }
}

MB_EXPORT int mb_getaddrinfo(const char *node, const char *service,
                             const struct darwin_addrinfo *dh, struct darwin_addrinfo **res)
{
    struct addrinfo hints = {0}, *lres = NULL;
    if (dh) {
        hints.ai_flags = (int)mb_bits_to_linux(mb_ai_flags, MB_AI_FLAGS_COUNT,
                                               (uint32_t)dh->ai_flags, NULL);
        hints.ai_family = dh->ai_family ? family_to_linux(dh->ai_family) : AF_UNSPEC;
        if (hints.ai_family < 0)
            return DARWIN_EAI_FAMILY;
        hints.ai_socktype = dh->ai_socktype;
        hints.ai_protocol = dh->ai_protocol;
    }
    int e = getaddrinfo(node, service, dh ? &hints : NULL, &lres);
    if (e)
        return eai_to_darwin(e);
    struct darwin_addrinfo *head = NULL, **tail = &head;
    for (struct addrinfo *l = lres; l; l = l->ai_next) {
        struct darwin_addrinfo *d = calloc(1, sizeof *d + sizeof(struct sockaddr_storage));
        if (!d) {
            freeaddrinfo(lres);
            mb_freeaddrinfo(head);
            return DARWIN_EAI_MEMORY;
        }
        d->ai_flags = (int)mb_bits_to_darwin(mb_ai_flags, MB_AI_FLAGS_COUNT,
                                             (uint32_t)l->ai_flags);
        d->ai_family = family_to_darwin(l->ai_family);
        d->ai_socktype = l->ai_socktype;
        d->ai_protocol = l->ai_protocol;
        if (l->ai_addr) {
            socklen_t dl = sizeof(struct sockaddr_storage);
            d->ai_addr = d + 1;
            sa_out(l->ai_addr, l->ai_addrlen, d->ai_addr, &dl);
            d->ai_addrlen = dl;
        }
        if (l->ai_canonname)
            d->ai_canonname = strdup(l->ai_canonname);
        *tail = d;
        tail = (struct darwin_addrinfo **)&d->ai_next;
    }
    freeaddrinfo(lres);
    *res = head;
    return 0;
}

MB_EXPORT int mb_getnameinfo(const void *sa, socklen_t salen, char *host, socklen_t hostlen,
                             char *serv, socklen_t servlen, int flags)
{
    struct sockaddr_storage ss;
    socklen_t l;
    if (sa_in(sa, salen, &ss, &l) < 0)
        return DARWIN_EAI_FAMILY;
    int lf = (int)mb_bits_to_linux(mb_ni_flags, MB_NI_FLAGS_COUNT, (uint32_t)flags, NULL);
    return eai_to_darwin(getnameinfo((struct sockaddr *)&ss, l, host, hostlen, serv, servlen,
                                     lf));
}

/* hostent has the same layout; only the address family number differs (IPv6). */
static struct hostent *hostent_out(struct hostent *h)
{
    if (h)
        h->h_addrtype = family_to_darwin(h->h_addrtype);
    return h;
}

MB_EXPORT struct hostent *mb_gethostbyname(const char *name)
{
    return hostent_out(gethostbyname(name));
}

MB_EXPORT struct hostent *mb_gethostbyname2(const char *name, int af)
{
    int l = family_to_linux(af);
    return l < 0 ? NULL : hostent_out(gethostbyname2(name, l));
}

MB_EXPORT struct hostent *mb_gethostbyaddr(const void *addr, socklen_t len, int af)
{
    int l = family_to_linux(af);
    return l < 0 ? NULL : hostent_out(gethostbyaddr(addr, len, l));
}

/* ---- getifaddrs: Darwin's list, with an AF_LINK sockaddr_dl per interface --------------- */

#include <ifaddrs.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <net/if_arp.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <sys/uio.h>

struct mb_ifaddrs_node {
    struct darwin_ifaddrs d;
    struct sockaddr_storage addr, netmask, dst; /* Darwin sockaddrs (sockaddr_dl fits) */
    char name[IF_NAMESIZE];
};

static void *sa_copy_out(const struct sockaddr *l, struct sockaddr_storage *slot)
{
    if (!l)
        return NULL;
    socklen_t len = sizeof *slot;
    socklen_t llen = l->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                   : l->sa_family == AF_INET ? sizeof(struct sockaddr_in)
                                             : sizeof(struct sockaddr_storage);
    sa_out(l, llen, slot, &len);
    return slot;
}

/* The link-level entry: interface index, name and hardware address as a sockaddr_dl. */
static void *link_sockaddr(const struct ifaddrs *l, struct sockaddr_storage *slot)
{
    const struct sockaddr_ll *ll = (const void *)l->ifa_addr;
    struct darwin_sockaddr_dl *dl = (void *)slot;
    memset(slot, 0, sizeof *slot);
    size_t nlen = strnlen(l->ifa_name, IF_NAMESIZE);
    size_t alen = ll->sll_halen <= 8 ? ll->sll_halen : 8;
    dl->sdl_family = (uint8_t)DARWIN_AF_LINK;
    dl->sdl_index = (uint16_t)ll->sll_ifindex;
    dl->sdl_type = ll->sll_hatype == ARPHRD_LOOPBACK ? (uint8_t)DARWIN_IFT_LOOP
                 : ll->sll_hatype == ARPHRD_ETHER ? (uint8_t)DARWIN_IFT_ETHER
                                                  : (uint8_t)DARWIN_IFT_OTHER;
    dl->sdl_nlen = (uint8_t)nlen;
    dl->sdl_alen = (uint8_t)(ll->sll_hatype == ARPHRD_LOOPBACK ? 0 : alen);
    memcpy(dl->sdl_data, l->ifa_name, nlen);
    memcpy(dl->sdl_data + nlen, ll->sll_addr, dl->sdl_alen);
    size_t len = offsetof(struct darwin_sockaddr_dl, sdl_data) + nlen + dl->sdl_alen;
    dl->sdl_len = (uint8_t)(len < DARWIN_SIZEOF_SOCKADDR_DL ? DARWIN_SIZEOF_SOCKADDR_DL : len);
    return slot;
}

MB_EXPORT void mb_freeifaddrs(struct darwin_ifaddrs *ifa)
{
    while (ifa) {
        struct darwin_ifaddrs *next = ifa->ifa_next;
        free(ifa); /* one allocation per node (struct mb_ifaddrs_node) */
        ifa = next;
    }
}

MB_EXPORT int mb_getifaddrs(struct darwin_ifaddrs **out)
{
    struct ifaddrs *list;
    if (getifaddrs(&list) != 0)
        return -1;
    struct darwin_ifaddrs *head = NULL, **tail = &head;
    /* Darwin lists each interface's link entry first, then its addresses */
    for (int pass = 0; pass < 2; pass++) {
        for (struct ifaddrs *l = list; l; l = l->ifa_next) {
            int is_link = l->ifa_addr && l->ifa_addr->sa_family == AF_PACKET;
            if (!l->ifa_addr || (pass == 0) != is_link)
                continue;
            if (!is_link && l->ifa_addr->sa_family != AF_INET &&
                l->ifa_addr->sa_family != AF_INET6)
                continue;
            struct mb_ifaddrs_node *n = calloc(1, sizeof *n);
            if (!n) {
                freeifaddrs(list);
                mb_freeifaddrs(head);
                return (int)mb_fail(DARWIN_ENOMEM);
            }
            snprintf(n->name, sizeof n->name, "%s", l->ifa_name);
            n->d.ifa_name = n->name;
            n->d.ifa_flags = (uint32_t)mb_bits_to_darwin(mb_iff_flags, MB_IFF_FLAGS_COUNT,
                                                          l->ifa_flags);
            if (is_link) {
                n->d.ifa_addr = link_sockaddr(l, &n->addr);
            } else {
                n->d.ifa_addr = sa_copy_out(l->ifa_addr, &n->addr);
                n->d.ifa_netmask = sa_copy_out(l->ifa_netmask, &n->netmask);
                if (l->ifa_flags & (IFF_BROADCAST | IFF_POINTOPOINT))
                    n->d.ifa_dstaddr_ = sa_copy_out(l->ifa_ifu.ifu_broadaddr, &n->dst);
            }
            *tail = &n->d;
            tail = (struct darwin_ifaddrs **)&n->d.ifa_next;
        }
    }
    freeifaddrs(list);
    *out = head;
    return 0;
}

/* ---- sendfile: Darwin's file-to-socket call with headers and trailers -------------------- */

static ssize_t write_iov(int s, const struct iovec *iov, int cnt)
{
    if (!iov || cnt <= 0)
        return 0;
    struct msghdr m = {0};
    m.msg_iov = (struct iovec *)iov;
    m.msg_iovlen = (size_t)cnt;
    return sendmsg(s, &m, has_nosigpipe(s) ? MSG_NOSIGNAL : 0);
}

MB_EXPORT int mb_sendfile(int fd, int s, off_t offset, off_t *len,
                          const struct darwin_sf_hdtr *hdtr, int flags)
{
    (void)flags;
    off_t want = len ? *len : 0, sent = 0;
    int r = 0;
    if (hdtr) {
        ssize_t h = write_iov(s, hdtr->headers, hdtr->hdr_cnt);
        if (h < 0)
            r = -1;
        else
            sent += h;
    }
    off_t pos = offset;
    while (r == 0 && (want == 0 || pos - offset < want)) {
        size_t chunk = want ? (size_t)(want - (pos - offset)) : (size_t)1 << 30;
        ssize_t n = sendfile(s, fd, &pos, chunk);
        if (n < 0)
            r = -1;
        if (n <= 0)
            break;
        sent += n;
    }
    if (r == 0 && hdtr) {
        ssize_t t = write_iov(s, hdtr->trailers, hdtr->trl_cnt);
        if (t < 0)
            r = -1;
        else
            sent += t;
    }
    if (len)
        *len = sent;
    return r;
}

/* ---- poll: POLLWRNORM and POLLWRBAND differ; the rest agree -------------------------------- */

MB_EXPORT int mb_poll(struct pollfd *fds, nfds_t n, int timeout)
{
    short saved[64];
    int translate = n <= 64;
    for (nfds_t i = 0; translate && i < n; i++) {
        saved[i] = fds[i].events;
        fds[i].events = (short)mb_bits_to_linux(mb_poll_events, MB_POLL_EVENTS_COUNT,
                                                (uint16_t)fds[i].events, NULL);
    }
    int r = poll(fds, n, timeout);
    for (nfds_t i = 0; translate && i < n; i++) {
        fds[i].events = saved[i];
        fds[i].revents = (short)mb_bits_to_darwin(mb_poll_events, MB_POLL_EVENTS_COUNT,
                                                  (uint16_t)fds[i].revents);
    }
    return r;
}

/* ---- sendmsg_x / recvmsg_x: Darwin's batches of datagrams ------------------------------------
 * struct msghdr_x (XNU's private socket_private.h, so not in the SDK's headers the ABI
 * tables are checked against) is msghdr plus msg_datalen, the bytes of each message. The
 * first message waits as the flags say; the rest are taken only if they are there at once. */

struct darwin_msghdr_x {
    void *msg_name;
    uint32_t msg_namelen;
    struct iovec *msg_iov;
    int32_t msg_iovlen;
    void *msg_control;
    uint32_t msg_controllen;
    int32_t msg_flags;
    size_t msg_datalen;
};

static struct darwin_msghdr msghdr_of(const struct darwin_msghdr_x *x)
{
    struct darwin_msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_name = x->msg_name;
    m.msg_namelen = x->msg_namelen;
    m.msg_iov = x->msg_iov;
    m.msg_iovlen = x->msg_iovlen;
    m.msg_control = x->msg_control;
    m.msg_controllen = x->msg_controllen;
    m.msg_flags = x->msg_flags;
    return m;
}

MB_EXPORT ssize_t mb_recvmsg_x(int fd, struct darwin_msghdr_x *msgs, unsigned count, int flags)
{
    ssize_t got = 0;
    for (unsigned i = 0; i < count; i++) {
        struct darwin_msghdr m = msghdr_of(&msgs[i]);
        ssize_t r = mb_recvmsg(fd, &m, i ? flags | (int)DARWIN_MSG_DONTWAIT : flags);
        if (r < 0) {
            if (got)
                errno = 0;
            return got ? got : -1;
        }
        msgs[i].msg_namelen = m.msg_namelen;
        msgs[i].msg_controllen = m.msg_controllen;
        msgs[i].msg_flags = m.msg_flags;
        msgs[i].msg_datalen = (size_t)r;
        got++;
    }
    return got;
}

MB_EXPORT ssize_t mb_sendmsg_x(int fd, const struct darwin_msghdr_x *msgs, unsigned count,
                               int flags)
{
    ssize_t sent = 0;
    for (unsigned i = 0; i < count; i++) {
        struct darwin_msghdr m = msghdr_of(&msgs[i]);
        if (mb_sendmsg(fd, &m, flags) < 0) {
            if (sent)
                errno = 0;
            return sent ? sent : -1;
        }
        sent++;
    }
    return sent;
}
