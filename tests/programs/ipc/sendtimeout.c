// flags: -I{programs}/sdk/include
// Queue limits and send timeouts across processes: the parent limits its service port's
// queue to one message; its forked child sends one (room), then tries more with a zero
// and a 100 ms send timeout (MACH_SEND_TIMED_OUT, not delivered), then one without a
// timeout, which blocks until the parent has received the first.
#include <mach/mach.h>
#include <servers/bootstrap.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SERVICE "com.machbox.test.sendtimeout"

struct simple {
    mach_msg_header_t header;
    int value;
};

static kern_return_t send_value(mach_port_t to, int value, mach_msg_option_t option,
                                mach_msg_timeout_t timeout)
{
    struct simple m = {{MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), sizeof m, to, 0, 0, value}, value};
    return mach_msg(&m.header, MACH_SEND_MSG | option, sizeof m, 0, 0, timeout, 0);
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int child(int ready)
{
    mach_port_t service;
    bootstrap_look_up(bootstrap_port, SERVICE, &service);
    printf("child: first, timeout 0: 0x%x\n", send_value(service, 1, MACH_SEND_TIMEOUT, 0));
    printf("child: second, timeout 0: 0x%x\n", send_value(service, 2, MACH_SEND_TIMEOUT, 0));
    double t = now_ms();
    kern_return_t kr = send_value(service, 3, MACH_SEND_TIMEOUT, 100);
    printf("child: third, timeout 100 ms: 0x%x, waited 100 ms: %s\n", kr,
           now_ms() - t >= 95 ? "yes" : "no");
    (void)!write(ready, "x", 1);
    t = now_ms();
    kr = send_value(service, 4, 0, 0);
    printf("child: fourth, no timeout: 0x%x, blocked until the parent received: %s\n", kr,
           now_ms() - t >= 300 ? "yes" : "no");
    return 0;
}

int main(void)
{
    mach_port_t service;
    bootstrap_check_in(bootstrap_port, SERVICE, &service);
    mach_port_limits_t limits = {.mpl_qlimit = 1};
    kern_return_t kr = mach_port_set_attributes(mach_task_self(), service, MACH_PORT_LIMITS_INFO,
                                                (mach_port_info_t)&limits, MACH_PORT_LIMITS_INFO_COUNT);
    int fds[2];
    if (pipe(fds))
        return 1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        return child(fds[1]);
    char c;
    (void)!read(fds[0], &c, 1);
    usleep(300000);
    int values[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        struct { struct simple m; mach_msg_max_trailer_t t; } r;
        if (mach_msg(&r.m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof r, service,
                     i < 2 ? 20000 : 200, 0) == KERN_SUCCESS)
            values[i] = r.m.value;
    }
    int status;
    waitpid(pid, &status, 0);
    printf("parent: queue limit 1: %s; received %d and %d, then %s; child exited %d\n",
           mach_error_string(kr), values[0], values[1], values[2] ? "more" : "nothing",
           WEXITSTATUS(status));
    return 0;
}
