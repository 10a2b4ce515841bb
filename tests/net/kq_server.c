// A small kqueue-based TCP server (macOS build under machbox): listens on 127.0.0.1 on the
// port given (0: any, printed), accepts clients without blocking, answers each line with
// "<n>: <LINE UPPERCASED>" and exits after serving the number of clients given.
#include <arpa/inet.h>
#include <ctype.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/event.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FD 1024

static char pending[MAX_FD][512];
static size_t pending_len[MAX_FD];
static int lines_served;

static void serve_lines(int fd) {
    char *buf = pending[fd];
    char *nl;
    while ((nl = memchr(buf, '\n', pending_len[fd]))) {
        size_t n = (size_t)(nl - buf);
        char out[600];
        int k = snprintf(out, sizeof out, "%d: ", ++lines_served);
        for (size_t i = 0; i < n && k < (int)sizeof out - 2; i++) out[k++] = (char)toupper((unsigned char)buf[i]);
        out[k++] = '\n';
        send(fd, out, (size_t)k, 0);
        pending_len[fd] -= n + 1;
        memmove(buf, nl + 1, pending_len[fd]);
    }
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 0, clients = argc > 2 ? atoi(argv[2]) : 1;
    int l = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {0};
    a.sin_len = sizeof a;
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 16) != 0) {
        perror("listen");
        return 1;
    }
    socklen_t len = sizeof a;
    getsockname(l, (struct sockaddr *)&a, &len);
    printf("listening on %d\n", ntohs(a.sin_port));
    fflush(stdout);
    fcntl(l, F_SETFL, O_NONBLOCK);
    int kq = kqueue();
    struct kevent ch;
    EV_SET(&ch, l, EVFILT_READ, EV_ADD, 0, 0, NULL);
    kevent(kq, &ch, 1, NULL, 0, NULL);
    EV_SET(&ch, 1, EVFILT_TIMER, EV_ADD, NOTE_SECONDS, 30, NULL);  // give up after 30 s
    kevent(kq, &ch, 1, NULL, 0, NULL);
    int done = 0;
    while (done < clients) {
        struct kevent ev[8];
        int n = kevent(kq, NULL, 0, ev, 8, NULL);
        for (int i = 0; i < n; i++) {
            int fd = (int)ev[i].ident;
            if (ev[i].filter == EVFILT_TIMER) {
                fprintf(stderr, "timed out\n");
                return 3;
            }
            if (fd == l) {
                int c;
                while ((c = accept(l, NULL, NULL)) >= 0 && c < MAX_FD) {
                    fcntl(c, F_SETFL, O_NONBLOCK);
                    int nosig = 1;
                    setsockopt(c, SOL_SOCKET, SO_NOSIGPIPE, &nosig, sizeof nosig);
                    pending_len[c] = 0;
                    EV_SET(&ch, c, EVFILT_READ, EV_ADD, 0, 0, (void *)(intptr_t)c);
                    kevent(kq, &ch, 1, NULL, 0, NULL);
                }
                continue;
            }
            ssize_t got = 0;
            if (ev[i].data > 0) {
                got = recv(fd, pending[fd] + pending_len[fd], sizeof pending[fd] - 1 - pending_len[fd], 0);
                if (got > 0) {
                    pending_len[fd] += (size_t)got;
                    serve_lines(fd);
                }
            }
            if ((ev[i].flags & EV_EOF) && (got <= 0 || ev[i].data <= got)) {
                close(fd);  // removes its knote
                done++;
            }
        }
    }
    printf("served %d clients, %d lines\n", done, lines_served);
    return 0;
}
