// flags: -I{programs}/sdk/include
// launchd's on-demand start: `ondemand serve` is a launchd job whose plist declares the
// MachService it checks in and answers once; `ondemand ask` looks the service up and sends
// it a request before the job runs: launchd starts the job for it, the request waits for
// the check-in, and the answer comes back on the send-once reply right.
#include <mach/mach.h>
#include <servers/bootstrap.h>
#include <stdio.h>
#include <string.h>

#define SERVICE "com.machbox.test.ondemand"

struct text {
    mach_msg_header_t header;
    char text[32];
};

static int serve(void)
{
    mach_port_t port;
    if (bootstrap_check_in(bootstrap_port, SERVICE, &port) != KERN_SUCCESS)
        return 1;
    struct { struct text m; mach_msg_max_trailer_t t; } r;
    if (mach_msg(&r.m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof r, port, 20000, 0))
        return 2;
    struct text reply = {{MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0), sizeof reply,
                          r.m.header.msgh_remote_port, 0, 0, r.m.header.msgh_id + 100}, ""};
    strcpy(reply.text, "started on demand");
    return mach_msg(&reply.header, MACH_SEND_MSG, sizeof reply, 0, 0, 0, 0) ? 3 : 0;
}

static int ask(void)
{
    mach_port_t service, reply;
    kern_return_t kr = bootstrap_look_up(bootstrap_port, SERVICE, &service);
    printf("look_up: %d\n", kr);
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &reply);
    struct text m = {{MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE),
                      sizeof m, service, reply, 0, 1}, "hello"};
    kr = mach_msg(&m.header, MACH_SEND_MSG, sizeof m, 0, 0, 0, 0);
    struct { struct text m; mach_msg_max_trailer_t t; } r;
    memset(&r, 0, sizeof r);
    kern_return_t got = mach_msg(&r.m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof r, reply,
                                 30000, 0);
    printf("sent: %s; reply: %s, id %d, \"%s\"\n", mach_error_string(kr), mach_error_string(got),
           r.m.header.msgh_id, r.m.text);
    return 0;
}

int main(int argc, char **argv)
{
    return argc > 1 && !strcmp(argv[1], "serve") ? serve() : ask();
}
