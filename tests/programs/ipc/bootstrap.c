// flags: -I{programs}/sdk/include
// Mach IPC between two processes through the bootstrap server (run by tests/test_server.py,
// whose prefix declares SERVICE in a LaunchDaemons plist): the parent checks the service in
// and registers a second name; its forked child (which inherits only the
// bootstrap port) looks the service up and sends a complex message (a port descriptor
// with a send right to a port of its own, out-of-line memory) with a send-once reply
// right; the parent, woken by a kqueue EVFILT_MACHPORT, replies on that right and sends a
// note through the carried send right; when the child exits, the parent's right to the
// child's port becomes a dead name and its dead-name notification arrives.
#include <mach/mach.h>
#include <mach/notify.h>
#include <servers/bootstrap.h>
#include <stdio.h>
#include <string.h>
#include <sys/event.h>
#include <sys/wait.h>
#include <unistd.h>

#define SERVICE "com.machbox.test.bootstrap"
#define OTHER "com.machbox.test.registered"
#define OOL_SIZE 10000
#define TIMEOUT_MS 20000

struct request {
    mach_msg_header_t header;
    mach_msg_body_t body;
    mach_msg_port_descriptor_t port;
    mach_msg_ool_descriptor_t data;
    int number;
};

struct reply {
    mach_msg_header_t header;
    int sum;
    char text[16];
};

struct note {
    mach_msg_header_t header;
    int value;
};

struct dead_name {
    mach_msg_header_t header;
    NDR_record_t ndr;
    mach_port_name_t name;
};

static mach_port_t new_port(void)
{
    mach_port_t p = MACH_PORT_NULL;
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p);
    return p;
}

static int sum_of(const unsigned char *p, size_t n)
{
    int s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return s;
}

static int child(void)
{
    mach_port_t service, type = 0;
    kern_return_t kr = bootstrap_look_up(bootstrap_port, SERVICE, &service);
    mach_port_type(mach_task_self(), service, &type);
    printf("child: look_up: %d, a send right: %s\n", kr, type & MACH_PORT_TYPE_SEND ? "yes" : "no");
    mach_port_t other;
    kr = bootstrap_look_up(bootstrap_port, OTHER, &other);
    printf("child: look_up of the registered name: %d\n", kr);

    mach_port_t reply_port = new_port(), note_port = new_port();
    vm_address_t data = 0;
    vm_allocate(mach_task_self(), &data, OOL_SIZE, VM_FLAGS_ANYWHERE);
    for (int i = 0; i < OOL_SIZE; i++)
        ((unsigned char *)data)[i] = (unsigned char)(i * 7);

    struct request rq;
    memset(&rq, 0, sizeof rq);
    rq.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) |
                          MACH_MSGH_BITS_COMPLEX;
    rq.header.msgh_size = sizeof rq;
    rq.header.msgh_remote_port = service;
    rq.header.msgh_local_port = reply_port;
    rq.header.msgh_id = 500;
    rq.body.msgh_descriptor_count = 2;
    rq.port.name = note_port;
    rq.port.disposition = MACH_MSG_TYPE_MAKE_SEND;
    rq.port.type = MACH_MSG_PORT_DESCRIPTOR;
    rq.data.address = (void *)data;
    rq.data.size = OOL_SIZE;
    rq.data.copy = MACH_MSG_VIRTUAL_COPY;
    rq.data.deallocate = 0;
    rq.data.type = MACH_MSG_OOL_DESCRIPTOR;
    rq.number = 42;
    kr = mach_msg(&rq.header, MACH_SEND_MSG, sizeof rq, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    printf("child: sent the request: %s\n", mach_error_string(kr));

    struct { struct reply r; mach_msg_max_trailer_t t; } rp;
    kr = mach_msg(&rp.r.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof rp, reply_port,
                  TIMEOUT_MS, MACH_PORT_NULL);
    printf("child: reply: %s, id %d, sum %d, text \"%s\", came on the reply port: %s\n",
           mach_error_string(kr), rp.r.header.msgh_id, rp.r.sum, rp.r.text,
           rp.r.header.msgh_local_port == reply_port ? "yes" : "no");
    printf("child: the reply carried no reply right: %s\n",
           rp.r.header.msgh_remote_port == MACH_PORT_NULL ? "yes" : "no");

    struct { struct note n; mach_msg_max_trailer_t t; } nt;
    kr = mach_msg(&nt.n.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof nt, note_port,
                  TIMEOUT_MS, MACH_PORT_NULL);
    printf("child: note through the carried right: %s, id %d, value %d\n", mach_error_string(kr),
           nt.n.header.msgh_id, nt.n.value);
    return 0;
}

int main(void)
{
    mach_port_t nobody;
    kern_return_t kr = bootstrap_look_up(bootstrap_port, "com.machbox.test.nobody", &nobody);
    printf("look_up of an unknown name: %d (%s)\n", kr, bootstrap_strerror(kr));

    mach_port_t special = MACH_PORT_NULL;
    kr = task_get_special_port(mach_task_self(), TASK_BOOTSTRAP_PORT, &special);
    printf("task_get_special_port(TASK_BOOTSTRAP_PORT): %s, the bootstrap port: %s\n",
           mach_error_string(kr), special == bootstrap_port ? "yes" : "no");

    mach_port_t service = MACH_PORT_NULL, type = 0;
    kr = bootstrap_check_in(bootstrap_port, SERVICE, &service);
    mach_port_type(mach_task_self(), service, &type);
    printf("check_in: %d, a receive right: %s\n", kr, type & MACH_PORT_TYPE_RECEIVE ? "yes" : "no");

    mach_port_t registered = new_port();
    mach_port_insert_right(mach_task_self(), registered, registered, MACH_MSG_TYPE_MAKE_SEND);
    kr = bootstrap_register(bootstrap_port, OTHER, registered);
    printf("register: %d\n", kr);
    fflush(stdout);

    pid_t pid = fork();
    if (pid == 0)
        return child();

    int kq = kqueue();
    struct kevent ev;
    EV_SET(&ev, service, EVFILT_MACHPORT, EV_ADD, 0, 0, NULL);
    kevent(kq, &ev, 1, NULL, 0, NULL);
    struct timespec wait = {TIMEOUT_MS / 1000, 0};
    int n = kevent(kq, NULL, 0, &ev, 1, &wait);
    printf("kevent: %d, EVFILT_MACHPORT on the service: %s\n", n,
           n == 1 && ev.filter == EVFILT_MACHPORT && ev.ident == service ? "yes" : "no");

    struct { struct request r; mach_msg_max_trailer_t t; } rq;
    kr = mach_msg(&rq.r.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT |
                  MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
                  MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT),
                  0, sizeof rq, service, TIMEOUT_MS, MACH_PORT_NULL);
    printf("request: %s, id %d, number %d\n", mach_error_string(kr), rq.r.header.msgh_id,
           rq.r.number);
    mach_msg_audit_trailer_t *audit =
        (mach_msg_audit_trailer_t *)((char *)&rq + round_msg(rq.r.header.msgh_size));
    printf("audit trailer: %u bytes, the sender's pid: %s\n", audit->msgh_trailer_size,
           (pid_t)audit->msgh_audit.val[5] == pid ? "yes" : "no");
    printf("reply right: send-once: %s; complex: %s, %u descriptors\n",
           MACH_MSGH_BITS_REMOTE(rq.r.header.msgh_bits) == MACH_MSG_TYPE_PORT_SEND_ONCE ? "yes" : "no",
           rq.r.header.msgh_bits & MACH_MSGH_BITS_COMPLEX ? "yes" : "no",
           rq.r.body.msgh_descriptor_count);
    mach_port_t note_port = rq.r.port.name;
    type = 0;
    mach_port_type(mach_task_self(), note_port, &type);
    printf("port descriptor: a send right: %s\n",
           rq.r.port.disposition == MACH_MSG_TYPE_PORT_SEND && (type & MACH_PORT_TYPE_SEND) ? "yes" : "no");
    const unsigned char *ool = rq.r.data.address;
    int expected = 0;
    for (int i = 0; i < OOL_SIZE; i++)
        expected += (unsigned char)(i * 7);
    printf("out-of-line data: %u bytes, sum matches: %s\n", rq.r.data.size,
           ool && sum_of(ool, rq.r.data.size) == expected ? "yes" : "no");
    vm_deallocate(mach_task_self(), (vm_address_t)ool, rq.r.data.size);

    mach_port_t notify = new_port(), previous = MACH_PORT_NULL;
    kr = mach_port_request_notification(mach_task_self(), note_port, MACH_NOTIFY_DEAD_NAME, 0,
                                        notify, MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous);
    printf("dead-name request: %s\n", mach_error_string(kr));
    fflush(stdout);

    struct reply rp;
    memset(&rp, 0, sizeof rp);
    rp.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
    rp.header.msgh_size = sizeof rp;
    rp.header.msgh_remote_port = rq.r.header.msgh_remote_port;
    rp.header.msgh_id = rq.r.header.msgh_id + 100;
    rp.sum = expected;
    strcpy(rp.text, "pong");
    kr = mach_msg(&rp.header, MACH_SEND_MSG, sizeof rp, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);

    struct note nt = {{MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), sizeof nt, note_port, 0, 0, 7}, 99};
    kern_return_t kr2 = mach_msg(&nt.header, MACH_SEND_MSG, sizeof nt, 0, MACH_PORT_NULL, 0,
                                 MACH_PORT_NULL);

    int status = -1;
    waitpid(pid, &status, 0);
    printf("replied: %s; note sent: %s; child exited %d\n", mach_error_string(kr),
           mach_error_string(kr2), WEXITSTATUS(status));

    struct { struct dead_name d; mach_msg_max_trailer_t t; } dn;
    kr = mach_msg(&dn.d.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof dn, notify, TIMEOUT_MS,
                  MACH_PORT_NULL);
    printf("dead-name notification: %s, id %d, names the child's port: %s\n",
           mach_error_string(kr), dn.d.header.msgh_id, dn.d.name == note_port ? "yes" : "no");
    type = 0;
    mach_port_type(mach_task_self(), note_port, &type);
    printf("the right is a dead name: %s\n", type & MACH_PORT_TYPE_DEAD_NAME ? "yes" : "no");
    nt.header.msgh_remote_port = note_port;
    kr = mach_msg(&nt.header, MACH_SEND_MSG, sizeof nt, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    printf("send to it: 0x%x\n", kr);
    return 0;
}
