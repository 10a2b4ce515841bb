// A Linux client for kq_server: connects to 127.0.0.1:PORT, sends the lines given as
// arguments (in two writes, to split lines across reads), closes its writing side and
// prints what comes back.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)atoi(argv[1]));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("connect");
        return 1;
    }
    char all[4096] = "";
    for (int i = 2; i < argc; i++) {
        strcat(all, argv[i]);
        strcat(all, "\n");
    }
    size_t half = strlen(all) / 2;
    send(s, all, half, 0);
    usleep(10000);
    send(s, all + half, strlen(all) - half, 0);
    shutdown(s, SHUT_WR);
    char buf[4096];
    ssize_t n;
    while ((n = recv(s, buf, sizeof buf, 0)) > 0) fwrite(buf, 1, (size_t)n, stdout);
    close(s);
    return 0;
}
