// flags: -I{programs}/sdk/include
// The bootstrap port across exec and posix_spawn: the parent registers a port, posix_spawns
// itself; that child execs itself again, and the exec'd program (a new machbox process)
// looks the name up and sends a message, which the parent takes from a dispatch MACH_RECV
// source; then the child's exit status.
#include <dispatch/dispatch.h>
#include <mach/mach.h>
#include <servers/bootstrap.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NAME "com.machbox.test.spawn"

extern char **environ;

struct msg {
    mach_msg_header_t header;
    int value;
};

static int last(void)
{
    mach_port_t port;
    kern_return_t kr = bootstrap_look_up(bootstrap_port, NAME, &port);
    struct msg m = {{MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), sizeof m, port, 0, 0, 9}, 1234};
    kern_return_t sent = mach_msg(&m.header, MACH_SEND_MSG, sizeof m, 0, 0, 0, 0);
    printf("exec'd child: look_up %d, send %s\n", kr, mach_error_string(sent));
    return 3;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "exec")) {
        char *args[] = {argv[0], "last", NULL};
        execv(argv[0], args);
        perror("execv");
        return 1;
    }
    if (argc > 1 && !strcmp(argv[1], "last"))
        return last();

    mach_port_t port;
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port);
    mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND);
    printf("register: %d\n", bootstrap_register(bootstrap_port, NAME, port));
    fflush(stdout);

    dispatch_semaphore_t done = dispatch_semaphore_create(0);
    dispatch_source_t source = dispatch_source_create(DISPATCH_SOURCE_TYPE_MACH_RECV, port, 0,
                                                      dispatch_get_global_queue(0, 0));
    __block int value = 0, id = 0;
    dispatch_source_set_event_handler(source, ^{
        struct { struct msg m; mach_msg_max_trailer_t t; } r;
        if (mach_msg(&r.m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof r, port, 0, 0) ==
            KERN_SUCCESS) {
            value = r.m.value;
            id = r.m.header.msgh_id;
            dispatch_semaphore_signal(done);
        }
    });
    dispatch_resume(source);

    pid_t pid;
    char *args[] = {argv[0], "exec", NULL};
    int err = posix_spawn(&pid, argv[0], NULL, NULL, args, environ);
    long timed_out = dispatch_semaphore_wait(done, dispatch_time(DISPATCH_TIME_NOW, 20000000000LL));
    int status = -1;
    waitpid(pid, &status, 0);
    printf("posix_spawn: %d; dispatch source got the message: %s, id %d, value %d; child exit %d\n",
           err, timed_out ? "no" : "yes", id, value, WEXITSTATUS(status));
    return 0;
}
