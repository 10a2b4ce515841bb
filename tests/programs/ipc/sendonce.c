// flags: -I{programs}/sdk/include
// Send-once notifications across processes, the MIG client's safety net: the parent sends
// its forked child three requests, each with a send-once right to a reply port of its own.
// The child answers the first, destroys the second with mach_msg_destroy, and exits
// without answering the third while the parent waits for that reply. The parent gets the
// reply, then a MACH_NOTIFY_SEND_ONCE message for each of the other two (the third one
// when the child's task dies, as XNU destroys a dead task's rights) instead of waiting
// forever — and none for the right the child used. (The parent's lines stay in its stdout
// buffer until it exits, after the child: the output's order does not depend on timing.)
#include <mach/mach.h>
#include <mach/notify.h>
#include <servers/bootstrap.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SERVICE "com.machbox.test.sendonce"
#define TIMEOUT_MS 20000

struct simple {
    mach_msg_header_t header;
    int value;
};

struct received {
    struct simple m;
    mach_msg_max_trailer_t trailer;
};

static mach_port_t new_port(void)
{
    mach_port_t p = MACH_PORT_NULL;
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p);
    return p;
}

static kern_return_t send_simple(mach_port_t to, int remote, mach_port_t reply, int local,
                                 int id)
{
    struct simple m = {{MACH_MSGH_BITS(remote, reply ? local : 0), sizeof m, to, reply, 0, id},
                       id};
    return mach_msg(&m.header, MACH_SEND_MSG, sizeof m, 0, 0, 0, 0);
}

static kern_return_t receive(mach_port_t port, struct received *r, mach_msg_timeout_t timeout)
{
    memset(r, 0, sizeof *r);
    return mach_msg(&r->m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof *r, port, timeout,
                    0);
}

static int child(void)
{
    mach_port_t service, worker = new_port();
    bootstrap_look_up(bootstrap_port, SERVICE, &service);
    send_simple(service, MACH_MSG_TYPE_COPY_SEND, worker, MACH_MSG_TYPE_MAKE_SEND, 0);
    struct received r;
    receive(worker, &r, TIMEOUT_MS);
    kern_return_t kr = send_simple(r.m.header.msgh_remote_port, MACH_MSG_TYPE_MOVE_SEND_ONCE, 0,
                                   0, 1100);
    printf("child: request %d answered: %s\n", r.m.value, mach_error_string(kr));
    receive(worker, &r, TIMEOUT_MS);
    mach_msg_destroy(&r.m.header);
    printf("child: request %d destroyed with mach_msg_destroy\n", r.m.value);
    receive(worker, &r, TIMEOUT_MS);
    printf("child: exits without answering request %d\n", r.m.value);
    fflush(stdout);
    _exit(0);
}

static void show(int request, kern_return_t kr, struct received *r, mach_port_t reply)
{
    mach_msg_header_t *h = &r->m.header;
    printf("parent: request %d: %s, id %d, size %u, bits 0x%x, remote %s, on its reply port: %s\n",
           request, mach_error_string(kr), h->msgh_id, h->msgh_size, h->msgh_bits,
           h->msgh_remote_port ? "set" : "null", h->msgh_local_port == reply ? "yes" : "no");
}

int main(void)
{
    mach_port_t service, reply[3] = {new_port(), new_port(), new_port()};
    bootstrap_check_in(bootstrap_port, SERVICE, &service);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        return child();

    struct received hello, r;
    receive(service, &hello, TIMEOUT_MS);
    mach_port_t worker = hello.m.header.msgh_remote_port;
    for (int i = 0; i < 3; i++) {
        send_simple(worker, MACH_MSG_TYPE_COPY_SEND, reply[i], MACH_MSG_TYPE_MAKE_SEND_ONCE,
                    i + 1);
        show(i + 1, receive(reply[i], &r, TIMEOUT_MS), &r, reply[i]);
    }
    printf("(MACH_NOTIFY_SEND_ONCE is %d)\n", MACH_NOTIFY_SEND_ONCE);
    int status;
    waitpid(pid, &status, 0);
    printf("parent: child exited %d\n", WEXITSTATUS(status));
    int quiet = 1;
    for (int i = 0; i < 3; i++)
        quiet &= receive(reply[i], &r, 300) == MACH_RCV_TIMED_OUT; /* any would come with the third */
    printf("parent: nothing more on any reply port: %s\n", quiet ? "yes" : "no");
    return 0;
}
