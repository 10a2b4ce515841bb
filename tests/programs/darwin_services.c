// darwin-only
// Small system services Bun and other runtimes reach for: backtrace_symbols in Libc's format,
// libnotify registrations (checks, posts to a file descriptor, state, cancel), batches of
// datagrams with sendmsg_x/recvmsg_x, and dns_sd answering that mDNSResponder is not there.
#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

uint32_t notify_register_check(const char *, int *);
uint32_t notify_register_file_descriptor(const char *, int *, int, int *);
uint32_t notify_check(int, int *);
uint32_t notify_post(const char *);
uint32_t notify_set_state(int, uint64_t);
uint32_t notify_get_state(int, uint64_t *);
uint32_t notify_cancel(int);
int notify_is_valid_token(int);
int32_t DNSServiceCreateConnection(void **);

/* XNU's private <sys/socket.h> batch interface */
struct msghdr_x {
    void *msg_name;
    socklen_t msg_namelen;
    struct iovec *msg_iov;
    int msg_iovlen;
    void *msg_control;
    socklen_t msg_controllen;
    int msg_flags;
    size_t msg_datalen;
};
ssize_t sendmsg_x(int, const struct msghdr_x *, unsigned, int);
ssize_t recvmsg_x(int, const struct msghdr_x *, unsigned, int);

__attribute__((noinline)) static void where_am_i(void)
{
    void *frames[8];
    int n = backtrace(frames, 8);
    char **lines = backtrace_symbols(frames, n);
    char image[64] = "", symbol[64] = "";
    unsigned long long address = 0;
    unsigned long offset = 0;
    int frame = -1;
    sscanf(lines[0], "%d %63s 0x%llx %63s + %lu", &frame, image, &address, symbol, &offset);
    printf("frame %d image %s address matches %d symbol %s, next frame is %s\n", frame, image,
           address == (unsigned long long)(uintptr_t)frames[0], symbol,
           strstr(lines[1], " main + ") ? "main" : lines[1]);
    printf("column of the address: %d\n", (int)(strstr(lines[0], "0x") - lines[0]));
    free(lines);
}

static void notifications(void)
{
    int token, fd, fd_token, check = -1;
    printf("register_check %u, valid %d\n", notify_register_check("org.machbox.test", &token),
           notify_is_valid_token(token));
    notify_check(token, &check);
    printf("first check %d", check);
    notify_check(token, &check);
    printf(", second %d", check);
    notify_post("org.machbox.test");
    notify_check(token, &check);
    printf(", after a post %d\n", check);
    notify_register_file_descriptor("org.machbox.fd", &fd, 0, &fd_token);
    notify_post("org.machbox.fd");
    uint32_t got = 0;
    ssize_t r = read(fd, &got, sizeof got);
    printf("descriptor got %zd bytes naming the token: %d\n", r,
           (int)__builtin_bswap32(got) == fd_token);
    uint64_t state = 0;
    notify_set_state(token, 0x1234);
    notify_get_state(token, &state);
    printf("state %#llx\n", (unsigned long long)state);
    printf("cancel %u, valid after %d, cancel again %u\n", notify_cancel(token),
           notify_is_valid_token(token), notify_cancel(token));
}

static void datagram_batches(void)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    char *words[] = {"one", "three", "seventeen"};
    struct iovec out_iov[3];
    struct msghdr_x out[3];
    memset(out, 0, sizeof out);
    for (int i = 0; i < 3; i++) {
        out_iov[i] = (struct iovec){words[i], strlen(words[i])};
        out[i].msg_iov = &out_iov[i];
        out[i].msg_iovlen = 1;
    }
    printf("sendmsg_x sent %zd\n", sendmsg_x(sv[0], out, 3, 0));
    char bufs[4][32];
    struct iovec in_iov[4];
    struct msghdr_x in[4];
    memset(in, 0, sizeof in);
    for (int i = 0; i < 4; i++) {
        in_iov[i] = (struct iovec){bufs[i], sizeof bufs[i]};
        in[i].msg_iov = &in_iov[i];
        in[i].msg_iovlen = 1;
    }
    ssize_t n = recvmsg_x(sv[1], in, 4, 0);
    printf("recvmsg_x got %zd:", n);
    for (ssize_t i = 0; i < n; i++)
        printf(" %.*s(%zu)", (int)in[i].msg_datalen, bufs[i], in[i].msg_datalen);
    printf("\n");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    where_am_i();
    notifications();
    datagram_batches();
    void *ref = (void *)1;
    printf("DNSServiceCreateConnection %d, ref cleared %d\n", DNSServiceCreateConnection(&ref),
           ref == NULL);
    return 0;
}
