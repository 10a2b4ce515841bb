// flags: -I{programs}/sdk/include
// A process that closes every descriptor it might have (as daemons do before they start
// work) keeps talking Mach IPC: machbox's connection to the prefix's server is not one of
// the program's descriptors, so its close() of it fails with EBADF as for any descriptor
// that is not open. Then a forked child looks up the name the parent registered and sends
// it a message.
#include <errno.h>
#include <mach/mach.h>
#include <servers/bootstrap.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define NAME "com.machbox.test.closeall"

struct note {
    mach_msg_header_t header;
    int value;
};

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    mach_port_t port;
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port);
    mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND);
    printf("register: %d\n", bootstrap_register(bootstrap_port, NAME, port));

    int closed = 0, not_open = 0;
    for (int fd = 3; fd < 1024; fd++) {
        if (close(fd) == 0)
            closed++;
        else if (errno == EBADF)
            not_open++;
    }
    printf("closed every descriptor: %d\n", closed + not_open == 1021);

    pid_t child = fork();
    if (child == 0) {
        mach_port_t service = MACH_PORT_NULL;
        kern_return_t kr = bootstrap_look_up(bootstrap_port, NAME, &service);
        struct note n = {{MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), sizeof n, service, 0, 0, 7},
                         kr == KERN_SUCCESS ? 42 : -1};
        mach_msg(&n.header, MACH_SEND_MSG, sizeof n, 0, 0, 0, 0);
        _exit(0);
    }
    struct {
        struct note n;
        mach_msg_trailer_t trailer;
    } m;
    kern_return_t kr = mach_msg(&m.n.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, port,
                                20000, 0);
    printf("received: %d id %d value %d\n", kr, m.n.header.msgh_id, kr == 0 ? m.n.value : 0);
    int status;
    waitpid(child, &status, 0);
    return 0;
}
