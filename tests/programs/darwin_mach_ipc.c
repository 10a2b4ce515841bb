// darwin-only
// Mach IPC inside one process, as libdispatch users, JavaScriptCore and Bun use it: receive
// rights with send rights made and counted, simple messages with a reply (send-once) right,
// a complex message carrying a port and out-of-line memory, queue limits and send/receive
// timeouts, MACH_RCV_LARGE, port sets, no-senders and dead-name notifications,
// mach_msg_server_once with a MIG-style demultiplexer, a dispatch MACH_RECV source, a
// kqueue EVFILT_MACHPORT that receives the message itself, and mach_port_construct.
#include <dispatch/dispatch.h>
#include <mach/mach.h>
#include <mach/notify.h>
#include <stdio.h>
#include <string.h>
#include <sys/event.h>

#define CHECK(what, expr) printf("%s: %s\n", what, mach_error_string(expr))

struct small_msg {
    mach_msg_header_t header;
    int value;
};

struct received_small {
    struct small_msg msg;
    mach_msg_max_trailer_t trailer;
};

static mach_port_t new_port(void)
{
    mach_port_t p = MACH_PORT_NULL;
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p);
    mach_port_insert_right(mach_task_self(), p, p, MACH_MSG_TYPE_MAKE_SEND);
    return p;
}

static kern_return_t send_value(mach_port_t to, int value, mach_port_t reply, int options,
                                mach_msg_timeout_t timeout)
{
    struct small_msg m = {0};
    m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
                                        reply ? MACH_MSG_TYPE_MAKE_SEND_ONCE : 0);
    m.header.msgh_size = sizeof m;
    m.header.msgh_remote_port = to;
    m.header.msgh_local_port = reply;
    m.header.msgh_id = 1000 + value;
    m.value = value;
    return mach_msg(&m.header, MACH_SEND_MSG | options, sizeof m, 0, MACH_PORT_NULL, timeout,
                    MACH_PORT_NULL);
}

static kern_return_t receive(mach_port_t from, struct received_small *r, int options,
                             mach_msg_size_t size, mach_msg_timeout_t timeout)
{
    memset(r, 0, sizeof *r);
    return mach_msg(&r->msg.header, MACH_RCV_MSG | options, 0, size, from, timeout,
                    MACH_PORT_NULL);
}

static void refs_and_types(mach_port_t p)
{
    mach_port_type_t type = 0;
    mach_port_urefs_t send = 0, recv = 0;
    mach_port_type(mach_task_self(), p, &type);
    mach_port_get_refs(mach_task_self(), p, MACH_PORT_RIGHT_SEND, &send);
    mach_port_get_refs(mach_task_self(), p, MACH_PORT_RIGHT_RECEIVE, &recv);
    printf("type send=%d receive=%d dead=%d; send refs %u, receive refs %u\n",
           !!(type & MACH_PORT_TYPE_SEND), !!(type & MACH_PORT_TYPE_RECEIVE),
           !!(type & MACH_PORT_TYPE_DEAD_NAME), send, recv);
}

static void simple_messages(void)
{
    mach_port_t server = new_port(), client = MACH_PORT_NULL;
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &client);
    refs_and_types(server);
    CHECK("send with a reply right", send_value(server, 7, client, 0, 0));
    struct received_small r;
    CHECK("receive", receive(server, &r, MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
                                             MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT),
                             sizeof r, 0));
    printf("value %d id %d size %u local is server %d remote bits %s trailer size %u seqno %u "
           "sender pid is ours %d\n",
           r.msg.value, r.msg.header.msgh_id, r.msg.header.msgh_size,
           r.msg.header.msgh_local_port == server,
           MACH_MSGH_BITS_REMOTE(r.msg.header.msgh_bits) == MACH_MSG_TYPE_MOVE_SEND_ONCE
               ? "send-once" : "other",
           r.trailer.msgh_trailer_size, r.trailer.msgh_seqno,
           (pid_t)r.trailer.msgh_audit.val[5] == getpid());
    /* answer on the send-once right the request carried */
    struct small_msg reply = {0};
    reply.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
    reply.header.msgh_size = sizeof reply;
    reply.header.msgh_remote_port = r.msg.header.msgh_remote_port;
    reply.header.msgh_id = r.msg.header.msgh_id + 100;
    reply.value = r.msg.value * 6;
    CHECK("reply", mach_msg(&reply.header, MACH_SEND_MSG, sizeof reply, 0, 0, 0, 0));
    CHECK("reply again on the used right",
          mach_msg(&reply.header, MACH_SEND_MSG, sizeof reply, 0, 0, 0, 0));
    CHECK("receive reply", receive(client, &r, 0, sizeof r, 0));
    printf("reply value %d id %d\n", r.msg.value, r.msg.header.msgh_id);

    CHECK("receive with nothing queued, timeout 0", receive(server, &r, MACH_RCV_TIMEOUT,
                                                             sizeof r, 0));
    CHECK("receive, timeout 20 ms", receive(server, &r, MACH_RCV_TIMEOUT, sizeof r, 20));

    mach_port_limits_t limits = {1};
    CHECK("queue limit 1", mach_port_set_attributes(mach_task_self(), server,
                                                     MACH_PORT_LIMITS_INFO,
                                                     (mach_port_info_t)&limits,
                                                     MACH_PORT_LIMITS_INFO_COUNT));
    CHECK("first send", send_value(server, 1, 0, MACH_SEND_TIMEOUT, 0));
    CHECK("second send, queue full", send_value(server, 2, 0, MACH_SEND_TIMEOUT, 0));
    CHECK("receive into a small buffer, LARGE",
          receive(server, &r, MACH_RCV_LARGE, sizeof(mach_msg_header_t), 0));
    printf("size needed %u\n", r.msg.header.msgh_size);
    CHECK("receive it", receive(server, &r, 0, sizeof r, 0));
    printf("value %d\n", r.msg.value);

    mach_port_deallocate(mach_task_self(), server);
    refs_and_types(server);
    mach_port_mod_refs(mach_task_self(), server, MACH_PORT_RIGHT_RECEIVE, -1);
    CHECK("send to a port that is gone", send_value(server, 3, 0, 0, 0));
    mach_port_mod_refs(mach_task_self(), client, MACH_PORT_RIGHT_RECEIVE, -1);
}

struct complex_msg {
    mach_msg_header_t header;
    mach_msg_body_t body;
    mach_msg_port_descriptor_t port;
    mach_msg_ool_descriptor_t data;
};

static void complex_message(void)
{
    mach_port_t server = new_port(), carried = new_port();
    static char text[] = "out-of-line bytes travel by copy";
    struct complex_msg m = {0};
    m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
    m.header.msgh_size = sizeof m;
    m.header.msgh_remote_port = server;
    m.body.msgh_descriptor_count = 2;
    m.port.name = carried;
    m.port.disposition = MACH_MSG_TYPE_MAKE_SEND;
    m.port.type = MACH_MSG_PORT_DESCRIPTOR;
    m.data.address = text;
    m.data.size = sizeof text;
    m.data.copy = MACH_MSG_VIRTUAL_COPY;
    m.data.type = MACH_MSG_OOL_DESCRIPTOR;
    CHECK("send complex", mach_msg(&m.header, MACH_SEND_MSG, sizeof m, 0, 0, 0, 0));
    struct {
        struct complex_msg m;
        mach_msg_max_trailer_t t;
    } r = {0};
    CHECK("receive complex", mach_msg(&r.m.header, MACH_RCV_MSG, 0, sizeof r, server, 0, 0));
    printf("descriptors %u; port is the same name %d, received as send %d; data copied %d: %s\n",
           r.m.body.msgh_descriptor_count, r.m.port.name == carried,
           r.m.port.disposition == MACH_MSG_TYPE_PORT_SEND, r.m.data.address != (void *)text,
           (char *)r.m.data.address);
    mach_port_urefs_t refs = 0;
    mach_port_get_refs(mach_task_self(), carried, MACH_PORT_RIGHT_SEND, &refs);
    printf("send refs on the carried port %u\n", refs);
    mach_msg_destroy(&r.m.header); /* the carried right and the out-of-line pages */
    mach_port_get_refs(mach_task_self(), carried, MACH_PORT_RIGHT_SEND, &refs);
    printf("after mach_msg_destroy %u\n", refs);
    mach_port_destroy(mach_task_self(), carried);
    mach_port_destroy(mach_task_self(), server);
}

static void port_sets_and_notifications(void)
{
    mach_port_t set, a = new_port(), b = new_port(), notify;
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_PORT_SET, &set);
    mach_port_move_member(mach_task_self(), a, set);
    mach_port_move_member(mach_task_self(), b, set);
    send_value(b, 42, 0, 0, 0);
    struct received_small r;
    CHECK("receive on the set", receive(set, &r, 0, sizeof r, 0));
    printf("from b %d value %d\n", r.msg.header.msgh_local_port == b, r.msg.value);
    mach_port_name_array_t members;
    mach_msg_type_number_t count;
    mach_port_get_set_status(mach_task_self(), set, &members, &count);
    printf("members %u\n", count);
    vm_deallocate(mach_task_self(), (vm_address_t)members, count * sizeof *members);

    /* no-senders: ask, then drop the only send right */
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &notify);
    mach_port_t previous;
    CHECK("request no-senders", mach_port_request_notification(
                                    mach_task_self(), a, MACH_NOTIFY_NO_SENDERS, 0, notify,
                                    MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous));
    mach_port_deallocate(mach_task_self(), a);
    struct {
        mach_no_senders_notification_t n;
        mach_msg_max_trailer_t t;
    } ns;
    CHECK("receive no-senders", mach_msg(&ns.n.not_header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
                                         sizeof ns, notify, 100, 0));
    printf("notification id %d (MACH_NOTIFY_NO_SENDERS %d)\n", ns.n.not_header.msgh_id,
           MACH_NOTIFY_NO_SENDERS);

    /* dead name: a send right whose receive right goes */
    mach_port_t other = new_port(), sender;
    mach_msg_type_name_t got;
    mach_port_extract_right(mach_task_self(), other, MACH_MSG_TYPE_MAKE_SEND_ONCE, &sender, &got);
    CHECK("request dead-name", mach_port_request_notification(
                                   mach_task_self(), sender, MACH_NOTIFY_DEAD_NAME, 0, notify,
                                   MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous));
    mach_port_mod_refs(mach_task_self(), other, MACH_PORT_RIGHT_RECEIVE, -1);
    struct {
        mach_dead_name_notification_t n;
        mach_msg_max_trailer_t t;
    } dn;
    CHECK("receive dead-name", mach_msg(&dn.n.not_header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
                                        sizeof dn, notify, 100, 0));
    printf("dead name is the send-once right %d; it is now dead: ",
           dn.n.not_port == sender);
    mach_port_type_t type;
    mach_port_type(mach_task_self(), sender, &type);
    printf("%d\n", !!(type & MACH_PORT_TYPE_DEAD_NAME));
    mach_port_destroy(mach_task_self(), set);
}

/* a MIG-style server: request id 500 answers its value plus one */
static boolean_t demux(mach_msg_header_t *in, mach_msg_header_t *out)
{
    struct small_msg *req = (struct small_msg *)in;
    struct {
        mig_reply_error_t head;
        int value;
    } *reply = (void *)out;
    reply->head.Head.msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(in->msgh_bits), 0);
    reply->head.Head.msgh_remote_port = in->msgh_remote_port;
    reply->head.Head.msgh_local_port = MACH_PORT_NULL;
    reply->head.Head.msgh_id = in->msgh_id + 100;
    reply->head.Head.msgh_size = sizeof *reply;
    reply->head.NDR = NDR_record;
    reply->head.RetCode = in->msgh_id == 1500 ? KERN_SUCCESS : MIG_BAD_ID;
    reply->value = req->value + 1;
    return in->msgh_id == 1500;
}

static void mig_server(void)
{
    mach_port_t server = new_port(), client = mig_get_reply_port();
    send_value(server, 500, client, 0, 0);
    CHECK("mach_msg_server_once", mach_msg_server_once(demux, 256, server, 0));
    struct {
        mach_msg_header_t header;
        NDR_record_t ndr;
        kern_return_t ret;
        int value;
        mach_msg_max_trailer_t t;
    } r;
    CHECK("receive the reply", mach_msg(&r.header, MACH_RCV_MSG, 0, sizeof r, client, 0, 0));
    printf("reply id %d ret %d value %d NDR int_rep %d\n", r.header.msgh_id, r.ret, r.value,
           r.ndr.int_rep);
    mach_port_destroy(mach_task_self(), server);
}

static void dispatch_and_kqueue(void)
{
    mach_port_t port = new_port();
    dispatch_semaphore_t done = dispatch_semaphore_create(0);
    dispatch_source_t source = dispatch_source_create(
        DISPATCH_SOURCE_TYPE_MACH_RECV, port, 0, dispatch_get_global_queue(0, 0));
    __block int seen = 0;
    dispatch_source_set_event_handler(source, ^{
        struct received_small r;
        if (receive(port, &r, MACH_RCV_TIMEOUT, sizeof r, 0) == KERN_SUCCESS) {
            seen += r.msg.value;
            if (seen == 3)
                dispatch_semaphore_signal(done);
        }
    });
    dispatch_resume(source);
    send_value(port, 1, 0, 0, 0);
    send_value(port, 2, 0, 0, 0);
    long timed_out = dispatch_semaphore_wait(done, dispatch_time(DISPATCH_TIME_NOW, 2000000000));
    printf("dispatch MACH_RECV source handled both: %d\n", !timed_out && seen == 3);
    dispatch_source_cancel(source);

    mach_port_t waker = new_port();
    int kq = kqueue();
    char buffer[256];
    struct kevent64_s ev = {.ident = waker, .filter = EVFILT_MACHPORT,
                            .flags = EV_ADD | EV_ENABLE, .fflags = MACH_RCV_MSG,
                            .ext = {(uint64_t)(uintptr_t)buffer, sizeof buffer}};
    printf("register EVFILT_MACHPORT: %d\n", kevent64(kq, &ev, 1, NULL, 0, 0, NULL));
    struct timespec zero = {0, 0};
    struct kevent64_s out;
    printf("nothing yet: %d\n", kevent64(kq, NULL, 0, &out, 1, 0, &zero));
    send_value(waker, 9, 0, 0, 0);
    int n = kevent64(kq, NULL, 0, &out, 1, 0, NULL);
    printf("event %d filter %d result %s size %llu value %d\n", n, out.filter,
           mach_error_string((kern_return_t)out.fflags), (unsigned long long)out.ext[1],
           ((struct small_msg *)buffer)->value);
    printf("then empty again: %d\n", kevent64(kq, NULL, 0, &out, 1, KEVENT_FLAG_IMMEDIATE, NULL));
}

static void construct(void)
{
    mach_port_options_t options = {.flags = MPO_INSERT_SEND_RIGHT | MPO_QLIMIT,
                                   .mpl = {.mpl_qlimit = 2}};
    mach_port_t p = MACH_PORT_NULL;
    CHECK("mach_port_construct", mach_port_construct(mach_task_self(), &options, 0x1234, &p));
    refs_and_types(p);
    mach_port_limits_t limits;
    mach_msg_type_number_t count = MACH_PORT_LIMITS_INFO_COUNT;
    mach_port_get_attributes(mach_task_self(), p, MACH_PORT_LIMITS_INFO,
                             (mach_port_info_t)&limits, &count);
    mach_port_context_t context = 0;
    mach_port_get_context(mach_task_self(), p, &context);
    printf("qlimit %u context %#llx\n", limits.mpl_qlimit, (unsigned long long)context);
    CHECK("mach_port_destruct", mach_port_destruct(mach_task_self(), p, -1, 0x1234));
    mach_port_type_t type;
    CHECK("its name afterwards", mach_port_type(mach_task_self(), p, &type));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    simple_messages();
    complex_message();
    port_sets_and_notifications();
    mig_server();
    dispatch_and_kqueue();
    construct();
    return 0;
}
