// sockets over loopback: a TCP echo server in a child and a client, UDP datagrams with
// sender addresses, IPv6, a UNIX socket passing a descriptor (SCM_RIGHTS), socketpair,
// socket options, select and poll loops, getaddrinfo/getnameinfo on numeric names,
// inet_pton/ntop, connection errors
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int listen_tcp(int *port) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0) perror("bind");
    listen(s, 8);
    socklen_t len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    printf("tcp: listening, family ok=%d port>0=%d len=%u\n", a.sin_family == AF_INET,
           *port > 0, (unsigned)len);
    return s;
}

static void echo_server(int s) {
    for (int i = 0; i < 2; i++) {
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        int c = accept(s, (struct sockaddr *)&peer, &len);
        char buf[256];
        ssize_t n;
        while ((n = read(c, buf, sizeof buf)) > 0) {
            for (ssize_t k = 0; k < n; k++) buf[k] = (char)(buf[k] >= 'a' && buf[k] <= 'z' ? buf[k] - 32 : buf[k]);
            write(c, buf, (size_t)n);
        }
        close(c);
    }
    _exit(0);
}

static void tcp(void) {
    int port;
    int s = listen_tcp(&port);
    fflush(stdout);
    pid_t server = fork();
    if (server == 0) echo_server(s);
    close(s);
    for (int round = 0; round < 2; round++) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct sockaddr_in a = {0};
        a.sin_family = AF_INET;
        a.sin_port = htons((unsigned short)port);
        inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        int r = connect(c, (struct sockaddr *)&a, sizeof a);
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        getpeername(c, (struct sockaddr *)&peer, &len);
        char ip[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof ip);
        const char *msg = round ? "second connection" : "hello, echo";
        send(c, msg, strlen(msg), 0);
        shutdown(c, SHUT_WR);
        char buf[256] = {0};
        size_t got = 0;
        ssize_t n;
        while ((n = recv(c, buf + got, sizeof buf - 1 - got, 0)) > 0) got += (size_t)n;
        int nodelay = 0;
        socklen_t ol = sizeof nodelay;
        getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &nodelay, &ol);
        printf("tcp: connect=%d peer=%s:%d same port=%d echoed [%s] nodelay set=%d\n", r, ip,
               ntohs(peer.sin_port) == port, ntohs(peer.sin_port) == port, buf, nodelay != 0);
        close(c);
    }
    int st;
    waitpid(server, &st, 0);
    printf("tcp: server exit=%d\n", WEXITSTATUS(st));
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    errno = 0;
    int r = connect(c, (struct sockaddr *)&a, sizeof a);
    printf("tcp: connect to closed port=%d econnrefused=%d\n", r, errno == ECONNREFUSED);
    close(c);
}

static void udp(void) {
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(a, (struct sockaddr *)&sa, sizeof sa);
    socklen_t len = sizeof sa;
    getsockname(a, (struct sockaddr *)&sa, &len);
    sendto(b, "ping", 4, 0, (struct sockaddr *)&sa, sizeof sa);
    sendto(b, "pong!", 5, 0, (struct sockaddr *)&sa, sizeof sa);
    char buf[16] = {0};
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(a, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    struct sockaddr_in bname;
    socklen_t bl = sizeof bname;
    getsockname(b, (struct sockaddr *)&bname, &bl);
    printf("udp: got %zd [%s] from sender port=%d family ok=%d fromlen=%u\n", n, buf,
           from.sin_port == bname.sin_port, from.sin_family == AF_INET, (unsigned)fl);
    memset(buf, 0, sizeof buf);
    n = recv(a, buf, 2, MSG_PEEK);
    printf("udp: peek %zd [%s]\n", n, buf);
    memset(buf, 0, sizeof buf);
    n = recv(a, buf, sizeof buf, 0);
    printf("udp: then %zd [%s]\n", n, buf);
    errno = 0;
    n = recv(a, buf, sizeof buf, MSG_DONTWAIT);
    printf("udp: empty nonblocking recv=%zd eagain=%d\n", n, errno == EAGAIN);
    close(a);
    close(b);
}

static void ipv6(void) {
    int s = socket(AF_INET6, SOCK_DGRAM, 0);
    if (s < 0) {
        printf("ipv6: no IPv6 here\n");
        return;
    }
    struct sockaddr_in6 a = {0};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    int r = bind(s, (struct sockaddr *)&a, sizeof a);
    socklen_t len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    char ip[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &a.sin6_addr, ip, sizeof ip);
    printf("ipv6: bind=%d family ok=%d addr=%s len=%u\n", r, a.sin6_family == AF_INET6, ip,
           (unsigned)len);
    int v6only = -1;
    socklen_t ol = sizeof v6only;
    getsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &ol);
    printf("ipv6: getsockopt(V6ONLY) ok=%d\n", v6only == 0 || v6only == 1);
    close(s);
}

static void unix_fd_passing(void) {
    char path[64];
    snprintf(path, sizeof path, "mbsock-%d", (int)getpid());
    unlink(path);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {0};
    a.sun_family = AF_UNIX;
    strcpy(a.sun_path, path);
    int r = bind(s, (struct sockaddr *)&a, sizeof a);
    listen(s, 1);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        connect(c, (struct sockaddr *)&a, sizeof a);
        int p[2];
        pipe(p);
        write(p[1], "through a passed pipe\n", 22);
        close(p[1]);
        char byte = 'F';
        struct iovec iov = {&byte, 1};
        char control[CMSG_SPACE(sizeof(int))];
        memset(control, 0, sizeof control);
        struct msghdr m = {0};
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        m.msg_control = control;
        m.msg_controllen = sizeof control;
        struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &p[0], sizeof(int));
        ssize_t n = sendmsg(c, &m, 0);
        _exit(n == 1 ? 0 : 1);
    }
    int c = accept(s, NULL, NULL);
    char byte = 0;
    struct iovec iov = {&byte, 1};
    char control[CMSG_SPACE(sizeof(int))];
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = sizeof control;
    ssize_t n = recvmsg(c, &m, 0);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    int fd = -1;
    if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
        memcpy(&fd, CMSG_DATA(cm), sizeof fd);
    char buf[64] = {0};
    read(fd, buf, sizeof buf - 1);
    int st;
    waitpid(child, &st, 0);
    printf("unix: bind=%d recvmsg=%zd byte=%c cmsg ok=%d len ok=%d flags=%d read: %s",
           r, n, byte, cm != NULL, cm && cm->cmsg_len == CMSG_LEN(sizeof(int)), m.msg_flags,
           buf);
    struct sockaddr_un name;
    socklen_t len = sizeof name;
    getsockname(s, (struct sockaddr *)&name, &len);
    printf("unix: getsockname path ok=%d family ok=%d, child exit=%d\n",
           strcmp(name.sun_path, path) == 0, name.sun_family == AF_UNIX, WEXITSTATUS(st));
    close(c);
    close(s);
    close(fd);
    unlink(path);
}

static void pairs_and_waiting(void) {
    int sv[2];
    int r = socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    int type = 0;
    socklen_t tl = sizeof type;
    getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &tl);
    int err = -1;
    socklen_t el = sizeof err;
    getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &err, &el);
    int rcvbuf = 0;
    socklen_t rl = sizeof rcvbuf;
    getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &rcvbuf, &rl);
    printf("socketpair=%d type stream=%d so_error=%d rcvbuf>0=%d\n", r, type == SOCK_STREAM,
           err, rcvbuf > 0);
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(sv[1], &rd);
    struct timeval tv = {0, 10000};
    int n = select(sv[1] + 1, &rd, NULL, NULL, &tv);
    printf("select before write: %d\n", n);
    write(sv[0], "abc", 3);
    FD_ZERO(&rd);
    FD_SET(sv[1], &rd);
    tv.tv_usec = 100000;
    n = select(sv[1] + 1, &rd, NULL, NULL, &tv);
    printf("select after write: %d readable=%d\n", n, FD_ISSET(sv[1], &rd) != 0);
    struct pollfd p[2] = {{sv[1], POLLIN, 0}, {sv[0], POLLOUT, 0}};
    n = poll(p, 2, 100);
    printf("poll: %d in=%d out=%d\n", n, (p[0].revents & POLLIN) != 0,
           (p[1].revents & POLLOUT) != 0);
    close(sv[0]);
    char buf[8];
    read(sv[1], buf, sizeof buf);
    p[0].events = POLLIN;
    n = poll(p, 1, 100);
    printf("poll after peer closed: %d hup or in=%d\n", n,
           (p[0].revents & (POLLHUP | POLLIN)) != 0);
    signal(SIGPIPE, SIG_IGN);
    errno = 0;
    ssize_t w = send(sv[1], "x", 1, 0);
    printf("send to closed peer=%zd epipe=%d\n", w, errno == EPIPE);
    close(sv[1]);
}

static void names(void) {
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    int e = getaddrinfo("127.0.0.1", "8080", &hints, &res);
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ai->ai_addr;
        char ip[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof ip);
        printf("getaddrinfo=%d family inet=%d socktype=%d protocol=%d addrlen=%u %s:%d\n", e,
               ai->ai_family == AF_INET, ai->ai_socktype, ai->ai_protocol,
               (unsigned)ai->ai_addrlen, ip, ntohs(sin->sin_port));
    }
    freeaddrinfo(res);
    hints.ai_family = AF_INET6;
    e = getaddrinfo("::1", "http", &hints, &res);
    if (e == 0) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)res->ai_addr;
        char host[64], serv[32];
        int g = getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof host, serv, sizeof serv,
                            NI_NUMERICHOST | NI_NUMERICSERV);
        printf("getaddrinfo v6: family ok=%d port=%d getnameinfo=%d %s %s\n",
               res->ai_family == AF_INET6, ntohs(s6->sin6_port), g, host, serv);
        freeaddrinfo(res);
    } else {
        printf("getaddrinfo v6: no IPv6 here\n");
    }
    hints.ai_family = AF_INET;
    e = getaddrinfo("not an address", NULL, &hints, &res);
    printf("getaddrinfo bad numeric host: noname=%d\n", e == EAI_NONAME);
    unsigned char buf[16];
    printf("inet_pton v4=%d v6=%d bad=%d\n", inet_pton(AF_INET, "10.1.2.3", buf),
           inet_pton(AF_INET6, "fe80::1", buf), inet_pton(AF_INET, "300.1.1.1", buf));
    struct in_addr in;
    inet_aton("192.168.0.1", &in);
    printf("inet_ntoa=%s htons(1)=%#x\n", inet_ntoa(in), htons(1));
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    tcp();
    udp();
    ipv6();
    unix_fd_passing();
    pairs_and_waiting();
    names();
    return 0;
}
