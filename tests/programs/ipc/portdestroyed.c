// flags: -I{programs}/sdk/include
// A port-destroyed notification to another process: the parent gives its forked child a
// send-once right to its notify port (a request's reply right); the child asks for a
// port-destroyed notification on a port of its own with that right, queues a message on
// the port and destroys the receive right. The right is not destroyed: it comes to the
// parent in a MACH_NOTIFY_PORT_DESTROYED message, the queued message with it, and the
// child's send right to the port keeps working. Then the child makes such a request on a
// second port and exits holding its receive right: the server sends the right to the
// parent (a dying task's ports are destroyed, their port-destroyed requests honoured).
// (The parent's lines stay in its stdout buffer until it exits, after the child: the
// output's order does not depend on timing.)
#include <mach/mach.h>
#include <mach/notify.h>
#include <servers/bootstrap.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SERVICE "com.machbox.test.portdestroyed"
#define TIMEOUT_MS 20000

struct simple {
    mach_msg_header_t header;
    int value;
};

union received {
    struct {
        struct simple m;
        mach_msg_max_trailer_t trailer;
    } simple;
    mach_port_destroyed_notification_t destroyed;
};

static mach_port_t new_port(void)
{
    mach_port_t p = MACH_PORT_NULL;
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p);
    return p;
}

static kern_return_t send_simple(mach_port_t to, mach_port_t reply, int local, int value)
{
    struct simple m = {{MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, reply ? local : 0), sizeof m, to,
                        reply, 0, value}, value};
    return mach_msg(&m.header, MACH_SEND_MSG, sizeof m, 0, 0, 0, 0);
}

static kern_return_t receive(mach_port_t port, union received *r)
{
    memset(r, 0, sizeof *r);
    return mach_msg(&r->simple.m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof *r, port,
                    TIMEOUT_MS, 0);
}

static int child(void)
{
    mach_port_t service, worker = new_port(), port = new_port(), previous;
    bootstrap_look_up(bootstrap_port, SERVICE, &service);
    send_simple(service, worker, MACH_MSG_TYPE_MAKE_SEND, 1);
    union received r;
    receive(worker, &r);
    kern_return_t kr = mach_port_request_notification(
        mach_task_self(), port, MACH_NOTIFY_PORT_DESTROYED, 0, r.simple.m.header.msgh_remote_port,
        MACH_MSG_TYPE_MOVE_SEND_ONCE, &previous);
    printf("child: port-destroyed requested with the parent's send-once right: %s\n",
           mach_error_string(kr));
    mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND);
    send_simple(port, MACH_PORT_NULL, 0, 42);
    kr = mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1);
    printf("child: receive right destroyed: %s\n", mach_error_string(kr));
    printf("child: sent on its remaining send right: %s\n",
           mach_error_string(send_simple(port, MACH_PORT_NULL, 0, 43)));

    mach_port_t second = new_port();
    receive(worker, &r);
    kr = mach_port_request_notification(mach_task_self(), second, MACH_NOTIFY_PORT_DESTROYED, 0,
                                        r.simple.m.header.msgh_remote_port,
                                        MACH_MSG_TYPE_MOVE_SEND_ONCE, &previous);
    printf("child: port-destroyed requested on a second port: %s\n", mach_error_string(kr));
    send_simple(service, second, MACH_MSG_TYPE_MAKE_SEND, 3);
    printf("child: exits holding its receive right\n");
    fflush(stdout);
    return 0;
}

int main(void)
{
    mach_port_t service, notify = new_port();
    bootstrap_check_in(bootstrap_port, SERVICE, &service);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        return child();

    union received r;
    receive(service, &r);
    mach_port_t worker = r.simple.m.header.msgh_remote_port;
    send_simple(worker, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE, 2);
    kern_return_t kr = receive(notify, &r);
    mach_port_destroyed_notification_t *n = &r.destroyed;
    printf("parent: notification: %s, id %d, size %u, complex: %s, descriptors %u, "
           "disposition receive: %s\n",
           mach_error_string(kr), n->not_header.msgh_id, n->not_header.msgh_size,
           n->not_header.msgh_bits & MACH_MSGH_BITS_COMPLEX ? "yes" : "no",
           n->not_body.msgh_descriptor_count,
           n->not_port.disposition == MACH_MSG_TYPE_PORT_RECEIVE ? "yes" : "no");
    mach_port_t port = n->not_port.name;
    mach_port_type_t type = 0;
    mach_port_type(mach_task_self(), port, &type);
    printf("parent: a receive right here now: %s\n", type & MACH_PORT_TYPE_RECEIVE ? "yes" : "no");
    kr = receive(port, &r);
    printf("parent: the message queued before: %s, value %d\n", mach_error_string(kr),
           r.simple.m.value);
    kr = receive(port, &r);
    printf("parent: the one sent after: %s, value %d\n", mach_error_string(kr), r.simple.m.value);

    send_simple(worker, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE, 4);
    receive(service, &r);
    mach_port_t second = r.simple.m.header.msgh_remote_port;
    kr = receive(notify, &r);
    printf("parent: after the child's exit: %s, id %d, disposition receive: %s, "
           "under the name of its send right here: %s\n",
           mach_error_string(kr), n->not_header.msgh_id,
           n->not_port.disposition == MACH_MSG_TYPE_PORT_RECEIVE ? "yes" : "no",
           n->not_port.name == second ? "yes" : "no");
    send_simple(second, MACH_PORT_NULL, 0, 6);
    kr = receive(second, &r);
    printf("parent: a message on it: %s, value %d\n", mach_error_string(kr), r.simple.m.value);
    int status;
    waitpid(pid, &status, 0);
    printf("parent: child exited %d\n", WEXITSTATUS(status));
    return 0;
}
