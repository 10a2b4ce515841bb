/* <servers/bootstrap.h> for the test programs: zig's macOS SDK lacks it. The declarations
 * and values are those of Apple's liblaunch/libxpc bootstrap.h (macOS SDK). */
#ifndef _SERVERS_BOOTSTRAP_H_
#define _SERVERS_BOOTSTRAP_H_

#include <mach/std_types.h>
#include <mach/message.h>
#include <sys/types.h>

#define BOOTSTRAP_MAX_NAME_LEN 128
typedef char name_t[BOOTSTRAP_MAX_NAME_LEN];

#define BOOTSTRAP_SUCCESS 0
#define BOOTSTRAP_NOT_PRIVILEGED 1100
#define BOOTSTRAP_NAME_IN_USE 1101
#define BOOTSTRAP_UNKNOWN_SERVICE 1102
#define BOOTSTRAP_SERVICE_ACTIVE 1103
#define BOOTSTRAP_BAD_COUNT 1104
#define BOOTSTRAP_NO_MEMORY 1105
#define BOOTSTRAP_NO_CHILDREN 1106

extern mach_port_t bootstrap_port;

kern_return_t bootstrap_parent(mach_port_t bp, mach_port_t *parent_port);
kern_return_t bootstrap_register(mach_port_t bp, name_t service_name, mach_port_t sp);
kern_return_t bootstrap_check_in(mach_port_t bp, const name_t service_name, mach_port_t *sp);
kern_return_t bootstrap_look_up(mach_port_t bp, const name_t service_name, mach_port_t *sp);
const char *bootstrap_strerror(kern_return_t r);

#endif
