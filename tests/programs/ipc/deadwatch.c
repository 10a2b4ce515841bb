// flags: -I{programs}/sdk/include
// Holds a send right to another process's port (looked up by the name Darling's receiver
// registers) with a dead-name notification requested, and waits for that notification:
// tests/test_server.py kills the receiver with SIGKILL meanwhile.
#include <mach/mach.h>
#include <mach/notify.h>
#include <servers/bootstrap.h>
#include <stdio.h>

struct dead_name {
    mach_msg_header_t header;
    NDR_record_t ndr;
    mach_port_name_t name;
    mach_msg_max_trailer_t trailer;
};

int main(void)
{
    mach_port_t port, notify, previous;
    kern_return_t kr = bootstrap_look_up(bootstrap_port, "org.darlinghq.example", &port);
    printf("look_up: %d\n", kr);
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &notify);
    kr = mach_port_request_notification(mach_task_self(), port, MACH_NOTIFY_DEAD_NAME, 0, notify,
                                        MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous);
    printf("watching: %s\n", mach_error_string(kr));
    fflush(stdout);
    struct dead_name dn;
    kr = mach_msg(&dn.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof dn, notify, 30000,
                  MACH_PORT_NULL);
    printf("notification: %s, id %d, for the looked-up port: %s\n", mach_error_string(kr),
           dn.header.msgh_id, dn.name == port ? "yes" : "no");
    mach_port_type_t type = 0;
    mach_port_type(mach_task_self(), port, &type);
    printf("a dead name: %s\n", type & MACH_PORT_TYPE_DEAD_NAME ? "yes" : "no");
    return 0;
}
