// darwin-only
// Send-once and port-destroyed notifications inside one process (XNU's ipc_notify.c,
// ipc_right.c, ipc_port.c): a send-once right destroyed unused — deallocated, mod_refs -1,
// in a received message given to mach_msg_destroy, in a message still queued when its
// destination's receive right is destroyed, or a no-senders request thrown away with its
// port — makes its port receive a bare MACH_NOTIFY_SEND_ONCE header; a used one does not.
// A receive right with a port-destroyed request is not destroyed but sent to the notify
// port in a MACH_NOTIFY_PORT_DESTROYED message, its queue intact, and works on. A refused
// mach_port_request_notification destroys the send-once right it was given (as the kernel's
// MIG server destroys a failed request's rights), so that port hears of it too.
#include <mach/mach.h>
#include <mach/notify.h>
#include <stdio.h>
#include <string.h>

#define CHECK(what, expr) printf("%s: %s\n", what, mach_error_string(expr))

struct small_msg {
    mach_msg_header_t header;
    int value;
};

union any_msg {
    mach_send_once_notification_t send_once;
    mach_port_destroyed_notification_t destroyed;
    struct {
        struct small_msg msg;
        mach_msg_max_trailer_t trailer;
    } small;
};

static mach_port_t new_port(void)
{
    mach_port_t p = MACH_PORT_NULL;
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p);
    return p;
}

static mach_port_t make_send_once(mach_port_t port)
{
    mach_port_t so = MACH_PORT_NULL;
    mach_msg_type_name_t type;
    mach_port_extract_right(mach_task_self(), port, MACH_MSG_TYPE_MAKE_SEND_ONCE, &so, &type);
    return so;
}

static kern_return_t send_value(mach_port_t to, int remote, mach_port_t reply, int value)
{
    struct small_msg m = {{MACH_MSGH_BITS(remote, reply ? MACH_MSG_TYPE_MAKE_SEND_ONCE : 0),
                           sizeof m, to, reply, 0, 1000 + value}, value};
    return mach_msg(&m.header, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

static kern_return_t receive(mach_port_t from, union any_msg *m)
{
    memset(m, 0, sizeof *m);
    return mach_msg(&m->send_once.not_header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof *m, from,
                    0, MACH_PORT_NULL);
}

/* Receives the send-once notification `what` must have caused on `port`, and shows it. */
static void expect_send_once(const char *what, mach_port_t port)
{
    union any_msg m;
    kern_return_t kr = receive(port, &m);
    mach_msg_header_t *h = &m.send_once.not_header;
    printf("%s: %s, id %d (MACH_NOTIFY_SEND_ONCE %d), size %u, bits 0x%x, remote %s, "
           "local is the port: %s\n",
           what, mach_error_string(kr), h->msgh_id, MACH_NOTIFY_SEND_ONCE, h->msgh_size,
           h->msgh_bits, h->msgh_remote_port ? "set" : "null",
           h->msgh_local_port == port ? "yes" : "no");
}

static void expect_nothing(const char *what, mach_port_t port)
{
    union any_msg m;
    kern_return_t kr = receive(port, &m);
    printf("%s: %s\n", what, kr == MACH_RCV_TIMED_OUT ? "nothing queued" : "a message came");
}

static void send_once_notifications(void)
{
    mach_port_t reply = new_port();

    CHECK("deallocate an unused send-once right",
          mach_port_deallocate(mach_task_self(), make_send_once(reply)));
    expect_send_once("  notification", reply);

    CHECK("mod_refs -1 on an unused send-once right",
          mach_port_mod_refs(mach_task_self(), make_send_once(reply),
                             MACH_PORT_RIGHT_SEND_ONCE, -1));
    expect_send_once("  notification", reply);

    mach_port_t service = new_port();
    mach_port_insert_right(mach_task_self(), service, service, MACH_MSG_TYPE_MAKE_SEND);
    union any_msg request;
    send_value(service, MACH_MSG_TYPE_COPY_SEND, reply, 1);
    receive(service, &request);
    printf("request with a send-once reply right, destroyed by mach_msg_destroy\n");
    mach_msg_destroy(&request.small.msg.header);
    expect_send_once("  notification", reply);

    send_value(service, MACH_MSG_TYPE_COPY_SEND, reply, 2);
    receive(service, &request);
    struct small_msg answer = {{MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0), sizeof answer,
                                request.small.msg.header.msgh_remote_port, 0, 0, 2000}, 2};
    CHECK("request answered on its send-once right",
          mach_msg(&answer.header, MACH_SEND_MSG, sizeof answer, 0, 0, 0, 0));
    union any_msg got;
    kern_return_t kr = receive(reply, &got);
    printf("  reply: %s, id %d\n", mach_error_string(kr), got.small.msg.header.msgh_id);
    expect_nothing("  after the reply", reply);

    send_value(service, MACH_MSG_TYPE_COPY_SEND, reply, 3);
    CHECK("receive right destroyed with a request queued",
          mach_port_mod_refs(mach_task_self(), service, MACH_PORT_RIGHT_RECEIVE, -1));
    expect_send_once("  notification", reply);

    mach_port_t watched = new_port(), notify = new_port(), previous = MACH_PORT_NULL;
    mach_port_request_notification(mach_task_self(), watched, MACH_NOTIFY_NO_SENDERS, 1, notify,
                                   MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous);
    CHECK("receive right with a pending no-senders request destroyed",
          mach_port_mod_refs(mach_task_self(), watched, MACH_PORT_RIGHT_RECEIVE, -1));
    expect_send_once("  notification", notify);

    mach_port_t so = make_send_once(reply);
    mach_port_mod_refs(mach_task_self(), reply, MACH_PORT_RIGHT_RECEIVE, -1);
    mach_port_type_t type = 0;
    mach_port_type(mach_task_self(), so, &type);
    printf("send-once right to a destroyed port: dead name: %s\n",
           type == MACH_PORT_TYPE_DEAD_NAME ? "yes" : "no");
    CHECK("  deallocated", mach_port_deallocate(mach_task_self(), so));
    mach_port_destroy(mach_task_self(), notify);
}

static void port_destroyed_notification(void)
{
    mach_port_t port = new_port(), notify = new_port(), previous = 1;
    mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND);
    CHECK("request port-destroyed with sync 1",
          mach_port_request_notification(mach_task_self(), port, MACH_NOTIFY_PORT_DESTROYED, 1,
                                         notify, MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous));
    /* the kernel destroys a failed request's rights: the notify right among them */
    expect_send_once("  the refused request's send-once right", notify);
    CHECK("request port-destroyed",
          mach_port_request_notification(mach_task_self(), port, MACH_NOTIFY_PORT_DESTROYED, 0,
                                         notify, MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous));
    printf("  previous: %s\n", previous == MACH_PORT_NULL ? "none" : "some");
    mach_port_status_t status;
    mach_msg_type_number_t count = MACH_PORT_RECEIVE_STATUS_COUNT;
    mach_port_get_attributes(mach_task_self(), port, MACH_PORT_RECEIVE_STATUS,
                             (mach_port_info_t)&status, &count);
    printf("  status: pdrequest %u, mscount %u\n", status.mps_pdrequest, status.mps_mscount);

    send_value(port, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 7);
    CHECK("destroy its receive right",
          mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1));
    mach_port_type_t type = 0;
    mach_port_type(mach_task_self(), port, &type);
    printf("  its name now holds: send right only: %s\n", type == MACH_PORT_TYPE_SEND ? "yes" : "no");

    union any_msg m;
    kern_return_t kr = receive(notify, &m);
    mach_port_destroyed_notification_t *n = &m.destroyed;
    printf("  notification: %s, id %d (MACH_NOTIFY_PORT_DESTROYED %d), size %u, complex: %s, "
           "descriptors %u, type %s, disposition %s, remote %s, local is the notify port: %s\n",
           mach_error_string(kr), n->not_header.msgh_id, MACH_NOTIFY_PORT_DESTROYED,
           n->not_header.msgh_size,
           n->not_header.msgh_bits & MACH_MSGH_BITS_COMPLEX ? "yes" : "no",
           n->not_body.msgh_descriptor_count,
           n->not_port.type == MACH_MSG_PORT_DESCRIPTOR ? "port" : "other",
           n->not_port.disposition == MACH_MSG_TYPE_PORT_RECEIVE ? "receive" : "other",
           n->not_header.msgh_remote_port ? "set" : "null",
           n->not_header.msgh_local_port == notify ? "yes" : "no");
    printf("  local bits: %s\n", MACH_MSGH_BITS_LOCAL(n->not_header.msgh_bits) ==
                                       MACH_MSG_TYPE_PORT_SEND_ONCE ? "send-once" : "other");
    mach_port_t back = n->not_port.name;
    type = 0;
    mach_port_type(mach_task_self(), back, &type);
    printf("  the right came back under its old name: %s; receive and send: %s\n",
           back == port ? "yes" : "no",
           type == (MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND) ? "yes" : "no");
    count = MACH_PORT_RECEIVE_STATUS_COUNT;
    mach_port_get_attributes(mach_task_self(), back, MACH_PORT_RECEIVE_STATUS,
                             (mach_port_info_t)&status, &count);
    printf("  status: pdrequest %u, messages %u\n", status.mps_pdrequest, status.mps_msgcount);

    kr = receive(back, &m);
    printf("  the message queued before: %s, value %d\n", mach_error_string(kr),
           m.small.msg.value);
    send_value(back, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 8);
    kr = receive(back, &m);
    printf("  a new message: %s, value %d\n", mach_error_string(kr), m.small.msg.value);

    CHECK("destroy it again (no request now)",
          mach_port_mod_refs(mach_task_self(), back, MACH_PORT_RIGHT_RECEIVE, -1));
    type = 0;
    mach_port_type(mach_task_self(), back, &type);
    printf("  its name is a dead name: %s\n", type == MACH_PORT_TYPE_DEAD_NAME ? "yes" : "no");
    expect_nothing("  notify port", notify);
}

int main(void)
{
    send_once_notifications();
    port_destroyed_notification();
    return 0;
}
