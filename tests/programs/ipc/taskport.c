// flags: -I{programs}/sdk/include
// Kernel objects' ports in messages between processes: a forked child sends the parent its
// own task port and the host port in port descriptors; the parent's task port for the
// child names the child (pid_for_task), the host port is its own host port.
#include <mach/mach.h>
#include <servers/bootstrap.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SERVICE "com.machbox.test.taskport"

struct two {
    mach_msg_header_t header;
    mach_msg_body_t body;
    mach_msg_port_descriptor_t port[2];
};

int main(void)
{
    mach_port_t service;
    bootstrap_check_in(bootstrap_port, SERVICE, &service);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        mach_port_t s;
        bootstrap_look_up(bootstrap_port, SERVICE, &s);
        struct two m;
        memset(&m, 0, sizeof m);
        m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
        m.header.msgh_size = sizeof m;
        m.header.msgh_remote_port = s;
        m.body.msgh_descriptor_count = 2;
        m.port[0] = (mach_msg_port_descriptor_t){.name = mach_task_self(),
                                                 .disposition = MACH_MSG_TYPE_COPY_SEND,
                                                 .type = MACH_MSG_PORT_DESCRIPTOR};
        m.port[1] = (mach_msg_port_descriptor_t){.name = mach_host_self(),
                                                 .disposition = MACH_MSG_TYPE_COPY_SEND,
                                                 .type = MACH_MSG_PORT_DESCRIPTOR};
        return mach_msg(&m.header, MACH_SEND_MSG, sizeof m, 0, 0, 0, 0) ? 1 : 0;
    }
    struct { struct two m; mach_msg_max_trailer_t t; } r;
    kern_return_t kr = mach_msg(&r.m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof r,
                                service, 20000, 0);
    int task_pid = -1;
    kern_return_t pkr = pid_for_task(r.m.port[0].name, &task_pid);
    printf("received: %s; the child's task port: %s, names the child: %s; the host port is "
           "ours: %s\n", mach_error_string(kr),
           r.m.port[0].name != MACH_PORT_NULL && r.m.port[0].name != mach_task_self() ? "yes" : "no",
           pkr == KERN_SUCCESS && task_pid == pid ? "yes" : "no",
           r.m.port[1].name == mach_host_self() ? "yes" : "no");
    int status;
    waitpid(pid, &status, 0);
    printf("child exited %d\n", WEXITSTATUS(status));
    return 0;
}
