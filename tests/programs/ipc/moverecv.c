// flags: -I{programs}/sdk/include
// A receive right moved to another process: the forked child queues a message on its own
// port, moves the port's receive right to the parent (MOVE_RECEIVE in a port descriptor),
// then sends another on the send right it kept; the parent now owns the port, finds both
// messages in order, and gets the port's no-senders notification once the child's send
// right is gone.
#include <mach/mach.h>
#include <mach/notify.h>
#include <servers/bootstrap.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SERVICE "com.machbox.test.moverecv"
#define TIMEOUT_MS 20000

struct simple {
    mach_msg_header_t header;
    int value;
};

struct carry {
    mach_msg_header_t header;
    mach_msg_body_t body;
    mach_msg_port_descriptor_t port;
};

struct no_senders {
    mach_msg_header_t header;
    NDR_record_t ndr;
    mach_port_mscount_t count;
    mach_msg_max_trailer_t trailer;
};

static kern_return_t send_simple(mach_port_t to, int value)
{
    struct simple m = {{MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), sizeof m, to, 0, 0, value}, value};
    return mach_msg(&m.header, MACH_SEND_MSG, sizeof m, 0, 0, 0, 0);
}

static int child(void)
{
    mach_port_t service, port;
    bootstrap_look_up(bootstrap_port, SERVICE, &service);
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port);
    mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND);
    if (send_simple(port, 1) != KERN_SUCCESS)
        return 1;
    struct carry c;
    memset(&c, 0, sizeof c);
    c.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
    c.header.msgh_size = sizeof c;
    c.header.msgh_remote_port = service;
    c.body.msgh_descriptor_count = 1;
    c.port = (mach_msg_port_descriptor_t){.name = port, .disposition = MACH_MSG_TYPE_MOVE_RECEIVE,
                                          .type = MACH_MSG_PORT_DESCRIPTOR};
    if (mach_msg(&c.header, MACH_SEND_MSG, sizeof c, 0, 0, 0, 0) != KERN_SUCCESS)
        return 2;
    mach_port_type_t type = 0;
    mach_port_type(mach_task_self(), port, &type);
    if (type != MACH_PORT_TYPE_SEND) /* the send right stays, the receive right left */
        return 3;
    if (send_simple(port, 2) != KERN_SUCCESS)
        return 4;
    mach_port_deallocate(mach_task_self(), port);
    return 0;
}

int main(void)
{
    mach_port_t service;
    bootstrap_check_in(bootstrap_port, SERVICE, &service);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        return child();
    struct { struct carry c; mach_msg_max_trailer_t t; } r;
    kern_return_t kr = mach_msg(&r.c.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof r, service,
                                TIMEOUT_MS, 0);
    mach_port_t port = r.c.port.name;
    mach_port_type_t type = 0;
    mach_port_type(mach_task_self(), port, &type);
    printf("moved receive right arrived: %s, disposition PORT_RECEIVE: %s, a receive right: %s\n",
           mach_error_string(kr), r.c.port.disposition == MACH_MSG_TYPE_PORT_RECEIVE ? "yes" : "no",
           type & MACH_PORT_TYPE_RECEIVE ? "yes" : "no");
    int values[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        struct { struct simple m; mach_msg_max_trailer_t t; } s;
        if (mach_msg(&s.m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof s, port, TIMEOUT_MS,
                     0) == KERN_SUCCESS)
            values[i] = s.m.value;
    }
    printf("messages on it: %d then %d\n", values[0], values[1]);
    mach_port_t notify, prev;
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &notify);
    mach_port_request_notification(mach_task_self(), port, MACH_NOTIFY_NO_SENDERS, 0, notify,
                                   MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev);
    struct no_senders n;
    kr = mach_msg(&n.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof n, notify, TIMEOUT_MS, 0);
    printf("no-senders once the child let go: %s, id %d\n", mach_error_string(kr), n.header.msgh_id);
    int status;
    waitpid(pid, &status, 0);
    printf("child exited %d\n", WEXITSTATUS(status));
    return 0;
}
