// flags: -I{programs}/sdk/include
// No-senders notifications for ports other processes hold send rights to: the parent
// hands its forked child send rights to two of its ports (in a reply's port descriptors)
// and keeps none itself; the child sends on both, deallocates one right and exits holding
// the other. Each port's no-senders notification comes once the other process holds no
// send right to it, not before. (The parent's lines stay in its stdout buffer until it
// exits, after the child: the output's order does not depend on timing.)
#include <mach/mach.h>
#include <mach/notify.h>
#include <servers/bootstrap.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SERVICE "com.machbox.test.nosenders"
#define TIMEOUT_MS 20000

struct two_ports {
    mach_msg_header_t header;
    mach_msg_body_t body;
    mach_msg_port_descriptor_t port[2];
};

struct simple {
    mach_msg_header_t header;
    int value;
};

struct no_senders {
    mach_msg_header_t header;
    NDR_record_t ndr;
    mach_port_mscount_t count;
    mach_msg_max_trailer_t trailer;
};

static mach_port_t new_port(void)
{
    mach_port_t p = MACH_PORT_NULL;
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p);
    return p;
}

static kern_return_t send_simple(mach_port_t to, int disposition, mach_port_t reply, int value)
{
    struct simple m = {{MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, disposition), sizeof m, to, reply,
                        0, value}, value};
    return mach_msg(&m.header, MACH_SEND_MSG, sizeof m, 0, 0, 0, 0);
}

static int child(void)
{
    mach_port_t service, reply = new_port();
    bootstrap_look_up(bootstrap_port, SERVICE, &service);
    send_simple(service, MACH_MSG_TYPE_MAKE_SEND_ONCE, reply, 1);
    struct { struct two_ports m; mach_msg_max_trailer_t t; } r;
    kern_return_t kr = mach_msg(&r.m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof r, reply,
                                TIMEOUT_MS, 0);
    mach_port_t a = r.m.port[0].name, b = r.m.port[1].name;
    printf("child: got two send rights: %s\n", kr == KERN_SUCCESS && a && b ? "yes" : "no");
    send_simple(a, 0, 0, 10);
    send_simple(b, 0, 0, 20);
    mach_port_deallocate(mach_task_self(), a);
    printf("child: deallocated the first, exits holding the second\n");
    fflush(stdout);
    sleep(2); /* the parent must see the first notification while the second right lives */
    return 0;
}

static void expect_no_senders(const char *what, mach_port_t notify, mach_port_t port)
{
    struct no_senders n;
    kern_return_t kr = mach_msg(&n.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof n, notify,
                                TIMEOUT_MS, 0);
    printf("%s: %s, id %d, mscount %u, for its port: %s\n", what, mach_error_string(kr),
           n.header.msgh_id, n.count, n.header.msgh_local_port == notify ? "yes" : "no");
    (void)port;
}

int main(void)
{
    mach_port_t service;
    bootstrap_check_in(bootstrap_port, SERVICE, &service);
    mach_port_t a = new_port(), b = new_port(), na = new_port(), nb = new_port(), prev;
    mach_port_insert_right(mach_task_self(), a, a, MACH_MSG_TYPE_MAKE_SEND);
    mach_port_insert_right(mach_task_self(), b, b, MACH_MSG_TYPE_MAKE_SEND);
    mach_port_request_notification(mach_task_self(), a, MACH_NOTIFY_NO_SENDERS, 1, na,
                                   MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev);
    mach_port_request_notification(mach_task_self(), b, MACH_NOTIFY_NO_SENDERS, 1, nb,
                                   MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        return child();

    struct { struct simple m; mach_msg_max_trailer_t t; } rq;
    mach_msg(&rq.m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof rq, service, TIMEOUT_MS, 0);
    struct two_ports rp;
    memset(&rp, 0, sizeof rp);
    rp.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0) | MACH_MSGH_BITS_COMPLEX;
    rp.header.msgh_size = sizeof rp;
    rp.header.msgh_remote_port = rq.m.header.msgh_remote_port;
    rp.body.msgh_descriptor_count = 2;
    rp.port[0] = (mach_msg_port_descriptor_t){.name = a, .disposition = MACH_MSG_TYPE_MOVE_SEND,
                                              .type = MACH_MSG_PORT_DESCRIPTOR};
    rp.port[1] = (mach_msg_port_descriptor_t){.name = b, .disposition = MACH_MSG_TYPE_MOVE_SEND,
                                              .type = MACH_MSG_PORT_DESCRIPTOR};
    kern_return_t kr = mach_msg(&rp.header, MACH_SEND_MSG, sizeof rp, 0, 0, 0, 0);
    printf("parent: moved its send rights to the child: %s\n", mach_error_string(kr));

    mach_port_type_t type = 0;
    struct no_senders early;
    kr = mach_msg(&early.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof early, na, 0, 0);
    mach_port_type(mach_task_self(), a, &type);
    printf("parent: no notification while the child holds the right: %s; receive right only: %s\n",
           kr == MACH_RCV_TIMED_OUT ? "yes" : "no", type == MACH_PORT_TYPE_RECEIVE ? "yes" : "no");

    struct { struct simple m; mach_msg_max_trailer_t t; } got;
    mach_msg(&got.m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof got, a, TIMEOUT_MS, 0);
    int va = got.m.value;
    mach_msg(&got.m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof got, b, TIMEOUT_MS, 0);
    expect_no_senders("first port, after the child deallocated its right", na, a);
    kr = mach_msg(&early.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof early, nb, 0, 0);
    printf("second port: none yet: %s\n", kr == MACH_RCV_TIMED_OUT ? "yes" : "no");
    int status;
    waitpid(pid, &status, 0);
    printf("messages from the child: %d and %d; child exited %d\n", va, got.m.value,
           WEXITSTATUS(status));
    expect_no_senders("second port, after the child exited", nb, b);
    return 0;
}
