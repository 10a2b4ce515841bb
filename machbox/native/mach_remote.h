/* Mach IPC across processes: the client side of the per-prefix server (mach_remote.c) and
 * what mach_ipc.c offers it. The protocol is machbox/server/protocol.py's; these numbers
 * mirror it. */
#ifndef MACHBOX_MACH_REMOTE_H
#define MACHBOX_MACH_REMOTE_H

#include <stddef.h>
#include <stdint.h>

enum {
    RP_HELLO = 1, RP_SEND = 2, RP_PORT_DEAD = 3, RP_REGISTER = 4, RP_LOOK_UP = 5,
    RP_CHECK_IN = 6, RP_SHUTDOWN = 7, RP_RELEASE = 8, RP_BOUNCE = 9, RP_SEND_WAIT = 10, RP_CANCEL = 11, RP_DEQUEUED = 12,
    RP_QLIMIT = 13, RP_PDREQUEST = 15,
    RP_WELCOME = 101, RP_DELIVER = 102, RP_DEAD = 103, RP_RESULT = 104, RP_RECEIVE = 105, RP_NO_SENDERS = 106,
};
#define RP_BOOTSTRAP_PORT 1ull /* the global port of every process's bootstrap_port */
#define RP_CLIENT_SHIFT 32
/* a kernel object's port in a message: not a port the server knows, but what it names */
#define RP_KERNEL_OBJECT (1ull << 63)
#define RP_TASK_OF_PID (RP_KERNEL_OBJECT | (1ull << 62)) /* | pid */
#define RP_HOST (RP_KERNEL_OBJECT | 1ull)
#define RP_MAX_FRAME (64u << 20) /* bytes after a frame's length field */

/* mach_remote.c (callers may hold mach_ipc.c's lock; it never takes that lock itself
 * while holding its own) */
MB_HIDDEN uint64_t mb_remote_new_port(void);              /* 0: no server */
MB_HIDDEN int mb_remote_send(int op, const void *body, size_t len); /* 0 or -1 */
/* the same, but only on a connection that exists (never starts a server) */
MB_HIDDEN void mb_remote_notify(int op, const void *body, size_t len);
/* a message the server answers once it has passed it on: written now, waited for by
 * mb_remote_wait (up to wait_ms, < 0 forever; then cancelled: MACH_SEND_TIMED_OUT) */
MB_HIDDEN void *mb_remote_begin(int op, const void *body, size_t len);
MB_HIDDEN int32_t mb_remote_wait(void *begun, long wait_ms);

/* mach_global.c, for the reader thread and the bootstrap calls (they take the IPC lock) */
MB_HIDDEN void mb_ipc_deliver(const unsigned char *body, size_t len);
MB_HIDDEN void mb_ipc_port_dead(uint64_t port);
MB_HIDDEN void mb_ipc_no_senders(uint64_t port, uint32_t exported);
MB_HIDDEN void mb_ipc_server_gone(uint32_t client); /* that connection's client id */
MB_HIDDEN uint32_t mb_ipc_adopt_receive(uint64_t port);   /* name of the receive right */
MB_HIDDEN uint32_t mb_ipc_name_global_send(uint64_t port); /* name of a new send right */
/* the global port of a send right `name` names (exporting a local port): 0 if none */
MB_HIDDEN uint64_t mb_ipc_global_send(uint32_t name);
MB_HIDDEN int mb_ipc_is_bootstrap(uint32_t name);
/* mach_task.c */
MB_HIDDEN uint32_t mb_task_name_of_pid(int pid);
MB_HIDDEN int mb_task_pid_of_name(uint32_t task);
#endif
