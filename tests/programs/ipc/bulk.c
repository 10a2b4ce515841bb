// flags: -I{programs}/sdk/include
// Volume across processes: a forked child sends 2000 messages in a row (the parent counts
// them in order), then one carrying 4 MB of out-of-line memory and an out-of-line array of
// three send rights to its own ports; the parent checks the memory and sends one message
// on each carried right, which the child receives on a port set.
#include <mach/mach.h>
#include <servers/bootstrap.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SERVICE "com.machbox.test.bulk"
#define COUNT 2000
#define BIG (4 << 20)
#define TIMEOUT_MS 30000

struct simple {
    mach_msg_header_t header;
    int value;
};

struct big {
    mach_msg_header_t header;
    mach_msg_body_t body;
    mach_msg_ool_descriptor_t data;
    mach_msg_ool_ports_descriptor_t ports;
};

static unsigned sum(const unsigned char *p, size_t n)
{
    unsigned s = 0;
    for (size_t i = 0; i < n; i++)
        s = s * 31 + p[i];
    return s;
}

static int child(void)
{
    mach_port_t service, set, ports[3];
    bootstrap_look_up(bootstrap_port, SERVICE, &service);
    for (int i = 0; i < COUNT; i++) {
        struct simple m = {{MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), sizeof m, service, 0, 0, 1}, i};
        if (mach_msg(&m.header, MACH_SEND_MSG, sizeof m, 0, 0, 0, 0) != KERN_SUCCESS)
            return 1;
    }
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_PORT_SET, &set);
    for (int i = 0; i < 3; i++) {
        mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &ports[i]);
        mach_port_insert_right(mach_task_self(), ports[i], ports[i], MACH_MSG_TYPE_MAKE_SEND);
        mach_port_move_member(mach_task_self(), ports[i], set);
    }
    vm_address_t data = 0;
    vm_allocate(mach_task_self(), &data, BIG, VM_FLAGS_ANYWHERE);
    for (int i = 0; i < BIG; i++)
        ((unsigned char *)data)[i] = (unsigned char)(i ^ (i >> 9));
    struct big b;
    memset(&b, 0, sizeof b);
    b.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
    b.header.msgh_size = sizeof b;
    b.header.msgh_remote_port = service;
    b.header.msgh_id = 2;
    b.body.msgh_descriptor_count = 2;
    b.data = (mach_msg_ool_descriptor_t){.address = (void *)data, .size = BIG,
                                         .deallocate = 1, .copy = MACH_MSG_VIRTUAL_COPY,
                                         .type = MACH_MSG_OOL_DESCRIPTOR};
    b.ports = (mach_msg_ool_ports_descriptor_t){.address = ports, .count = 3,
                                                .disposition = MACH_MSG_TYPE_COPY_SEND,
                                                .copy = MACH_MSG_VIRTUAL_COPY,
                                                .type = MACH_MSG_OOL_PORTS_DESCRIPTOR};
    kern_return_t kr = mach_msg(&b.header, MACH_SEND_MSG, sizeof b, 0, 0, 0, 0);
    int total = 0;
    for (int i = 0; i < 3; i++) {
        struct { struct simple m; mach_msg_max_trailer_t t; } r;
        if (mach_msg(&r.m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof r, set, TIMEOUT_MS,
                     0) == KERN_SUCCESS)
            total += r.m.value;
    }
    printf("child: big message sent: %s; messages on the carried rights: total %d\n",
           mach_error_string(kr), total);
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
    int in_order = 0;
    for (int i = 0; i < COUNT; i++) {
        struct { struct simple m; mach_msg_max_trailer_t t; } r;
        if (mach_msg(&r.m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof r, service,
                     TIMEOUT_MS, 0) == KERN_SUCCESS && r.m.value == i)
            in_order++;
    }
    struct { struct big b; mach_msg_max_trailer_t t; } r;
    kern_return_t kr = mach_msg(&r.b.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof r,
                                service, TIMEOUT_MS, 0);
    unsigned want = 0;
    for (int i = 0; i < BIG; i++)
        want = want * 31 + (unsigned char)(i ^ (i >> 9));
    int ok = kr == KERN_SUCCESS && r.b.data.size == BIG && sum(r.b.data.address, BIG) == want;
    mach_port_t *carried = r.b.ports.address;
    for (unsigned i = 0; kr == KERN_SUCCESS && i < r.b.ports.count; i++) {
        struct simple m = {{MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), sizeof m, carried[i], 0, 0, 3},
                           (int)(i + 1) * 100};
        mach_msg(&m.header, MACH_SEND_MSG, sizeof m, 0, 0, 0, 0);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("parent: %d of %d messages in order; 4 MB out of line intact: %s; %u send rights "
           "out of line, disposition PORT_SEND: %s; child exited %d\n", in_order, COUNT,
           ok ? "yes" : "no", r.b.ports.count,
           r.b.ports.disposition == MACH_MSG_TYPE_PORT_SEND ? "yes" : "no", WEXITSTATUS(status));
    return 0;
}
