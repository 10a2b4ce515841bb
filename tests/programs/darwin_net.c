// darwin-only
// network facts only macOS has: sa_len in returned addresses, AF_INET6 = 30, SOL_SOCKET
// options answered with their own bit, SO_NOSIGPIPE and SO_NREAD, gai_strerror's wording,
// getifaddrs with AF_LINK sockaddr_dl entries, sendfile with headers and trailers, poll
// with POLLWRNORM
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <net/if_dl.h>
#include <net/if_types.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

static int tcp_pair(int *client, int *server) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_len = sizeof a;
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(l, (struct sockaddr *)&a, sizeof a);
    listen(l, 1);
    socklen_t len = sizeof a;
    memset(&a, 0, sizeof a);
    getsockname(l, (struct sockaddr *)&a, &len);
    printf("getsockname: sin_len=%d family=%d len=%u\n", a.sin_len, a.sin_family, (unsigned)len);
    *client = socket(AF_INET, SOCK_STREAM, 0);
    connect(*client, (struct sockaddr *)&a, sizeof a);
    *server = accept(l, NULL, NULL);
    close(l);
    return 0;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("AF_INET6=%d AF_LINK=%d SOL_SOCKET=%#x SO_REUSEADDR=%#x\n", AF_INET6, AF_LINK,
           SOL_SOCKET, SO_REUSEADDR);
    int c, s;
    tcp_pair(&c, &s);
    int one = 1, v = 0;
    socklen_t vl = sizeof v;
    setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    getsockopt(c, SOL_SOCKET, SO_REUSEADDR, &v, &vl);
    printf("SO_REUSEADDR reads back as %d\n", v);
    vl = sizeof v;
    getsockopt(c, SOL_SOCKET, SO_NOSIGPIPE, &v, &vl);
    printf("SO_NOSIGPIPE default=%d\n", v);
    write(s, "12345", 5);
    usleep(20000);
    vl = sizeof v;
    getsockopt(c, SOL_SOCKET, SO_NREAD, &v, &vl);
    printf("SO_NREAD=%d\n", v);
    char buf[64];
    read(c, buf, sizeof buf);

    const char *path = "sendfile-src.txt";
    int f = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    write(f, "0123456789", 10);
    struct iovec h = {"H:", 2}, t = {":T", 2};
    struct sf_hdtr hdtr = {&h, 1, &t, 1};
    off_t len = 5;
    int r = sendfile(f, s, 2, &len, &hdtr, 0);
    memset(buf, 0, sizeof buf);
    usleep(20000);
    ssize_t n = recv(c, buf, sizeof buf - 1, 0);
    printf("sendfile=%d len=%lld received %zd [%s]\n", r, (long long)len, n, buf);
    close(f);
    unlink(path);

    struct pollfd p = {c, POLLWRNORM | POLLOUT, 0};
    int pr = poll(&p, 1, 100);
    printf("poll POLLWRNORM: %d revents has WRNORM=%d OUT=%d\n", pr, (p.revents & POLLWRNORM) != 0,
           (p.revents & POLLOUT) != 0);

    setsockopt(s, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
    vl = sizeof v;
    getsockopt(s, SOL_SOCKET, SO_NOSIGPIPE, &v, &vl);
    close(c);
    usleep(20000);
    signal(SIGPIPE, SIG_DFL);  // a SIGPIPE would kill us: SO_NOSIGPIPE must prevent it
    errno = 0;
    send(s, "x", 1, 0);
    usleep(20000);
    errno = 0;
    ssize_t w = send(s, "x", 1, 0);
    printf("SO_NOSIGPIPE=%d: send to closed peer=%zd errno=%d (EPIPE=%d)\n", v, w, errno, EPIPE);
    close(s);

    printf("gai_strerror: [%s] [%s] [%s]\n", gai_strerror(EAI_NONAME), gai_strerror(EAI_AGAIN),
           gai_strerror(EAI_SERVICE));
    struct addrinfo hints = {0}, *res;
    hints.ai_flags = AI_NUMERICHOST;
    hints.ai_family = AF_INET;
    int e = getaddrinfo("127.0.0.1", NULL, &hints, &res);
    if (e == 0) {
        printf("getaddrinfo: sa_len=%d ai_addrlen=%u no canonname=%d\n", res->ai_addr->sa_len,
               (unsigned)res->ai_addrlen, res->ai_canonname == NULL);
        freeaddrinfo(res);
    }

    struct ifaddrs *ifs;
    getifaddrs(&ifs);
    char loname[IFNAMSIZ] = "";
    for (struct ifaddrs *i = ifs; i; i = i->ifa_next)
        if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && (i->ifa_flags & IFF_LOOPBACK)) {
            struct sockaddr_in *a = (void *)i->ifa_addr, *m = (void *)i->ifa_netmask;
            char ip[16], mask[16];
            inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
            inet_ntop(AF_INET, &m->sin_addr, mask, sizeof mask);
            printf("loopback inet: %s/%s sa_len=%d up=%d running=%d\n", ip, mask, a->sin_len,
                   (i->ifa_flags & IFF_UP) != 0, (i->ifa_flags & IFF_RUNNING) != 0);
            strncpy(loname, i->ifa_name, sizeof loname - 1);
        }
    for (struct ifaddrs *i = ifs; i; i = i->ifa_next)
        if (i->ifa_addr && i->ifa_addr->sa_family == AF_LINK && strcmp(i->ifa_name, loname) == 0) {
            struct sockaddr_dl *dl = (void *)i->ifa_addr;
            printf("loopback link: type loop=%d nlen ok=%d alen=%d index ok=%d name ok=%d\n",
                   dl->sdl_type == IFT_LOOP, dl->sdl_nlen == strlen(loname), dl->sdl_alen,
                   dl->sdl_index == if_nametoindex(loname),
                   memcmp(dl->sdl_data, loname, dl->sdl_nlen) == 0);
        }
    freeifaddrs(ifs);
    return 0;
}
