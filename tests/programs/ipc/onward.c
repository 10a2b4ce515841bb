// flags: -I{programs}/sdk/include
// A send right carried onward through three processes: the parent registers its port X;
// child 1 looks X up and sends the right on, in a port descriptor, to child 2's checked-in
// port; child 2 sends a message on it, and returns the right home in another port
// descriptor, where it names the parent's own receive right again.
#include <mach/mach.h>
#include <servers/bootstrap.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TIMEOUT_MS 20000

struct carry {
    mach_msg_header_t header;
    mach_msg_body_t body;
    mach_msg_port_descriptor_t port;
    int value;
};

static mach_port_t look_up_soon(const char *name)
{
    mach_port_t p = MACH_PORT_NULL;
    for (int i = 0; i < 1000 && bootstrap_look_up(bootstrap_port, name, &p) != KERN_SUCCESS; i++)
        usleep(10000);
    return p;
}

static kern_return_t carry(mach_port_t to, mach_port_t right, int value)
{
    struct carry m;
    memset(&m, 0, sizeof m);
    m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
    m.header.msgh_size = sizeof m;
    m.header.msgh_remote_port = to;
    m.body.msgh_descriptor_count = 1;
    m.port = (mach_msg_port_descriptor_t){.name = right, .disposition = MACH_MSG_TYPE_COPY_SEND,
                                          .type = MACH_MSG_PORT_DESCRIPTOR};
    m.value = value;
    return mach_msg(&m.header, MACH_SEND_MSG, sizeof m, 0, 0, 0, 0);
}

static int receive(mach_port_t on, struct carry *out)
{
    struct { struct carry m; mach_msg_max_trailer_t t; } r;
    if (mach_msg(&r.m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof r, on, TIMEOUT_MS, 0))
        return -1;
    *out = r.m;
    return 0;
}

static int first_child(void)
{
    mach_port_t x = look_up_soon("com.machbox.test.onward.x");
    mach_port_t y = look_up_soon("com.machbox.test.onward.y");
    return x && y && carry(y, x, 1) == KERN_SUCCESS ? 0 : 1;
}

static int second_child(void)
{
    mach_port_t y;
    bootstrap_check_in(bootstrap_port, "com.machbox.test.onward.y", &y);
    struct carry m;
    if (receive(y, &m))
        return 1;
    mach_port_t x = m.port.name; /* a right to the parent's port, via the first child */
    return carry(x, x, 2) == KERN_SUCCESS ? 0 : 1;
}

int main(void)
{
    mach_port_t x;
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &x);
    mach_port_insert_right(mach_task_self(), x, x, MACH_MSG_TYPE_MAKE_SEND);
    printf("register: %d\n", bootstrap_register(bootstrap_port, "com.machbox.test.onward.x", x));
    fflush(stdout);
    pid_t one = fork();
    if (one == 0)
        return first_child();
    pid_t two = fork();
    if (two == 0)
        return second_child();
    struct carry m;
    int got = receive(x, &m);
    printf("message from the second child on X: %s, value %d\n", got ? "no" : "yes", m.value);
    printf("the right it carried home names X itself: %s (type %s)\n",
           m.port.name == x ? "yes" : "no",
           m.port.disposition == MACH_MSG_TYPE_PORT_SEND ? "send" : "?");
    int s1, s2;
    waitpid(one, &s1, 0);
    waitpid(two, &s2, 0);
    printf("children exited %d and %d\n", WEXITSTATUS(s1), WEXITSTATUS(s2));
    return 0;
}
