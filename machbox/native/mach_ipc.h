/* Mach IPC's ports and messages, shared by mach_ipc.c (the space, mach_msg, the
 * mach_port_* calls) and mach_global.c (ports across processes, through the server).
 * Private to those two files; everything here is guarded by ipc_lock. */
#ifndef MACHBOX_MACH_IPC_H
#define MACHBOX_MACH_IPC_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint32_t mach_port_t;
typedef int kern_return_t;
typedef int mach_msg_return_t;

#define KR(x) ((kern_return_t)DARWIN_##x)
#define NAME_BASE 0x1000003u
#define NAME_STEP 0x100u
#define MAX_NAMES 65536
#define TRAILER_MAX ((uint32_t)sizeof(struct darwin_mach_msg_max_trailer))

enum { R_SEND = 1, R_RECEIVE = 2, R_SEND_ONCE = 4, R_SET = 8, R_DEAD = 16 };

struct kmsg;

struct port {
    int refs;                  /* names, in-flight rights and set membership hold one each */
    int receiver;              /* the receive right exists (in the space or in flight) */
    int is_set;
    uint32_t name;             /* the name of its receive/send rights (or set), 0 if none */
    uint32_t send_rights;      /* send rights anywhere, for no-senders */
    uint32_t sonce_rights;
    uint32_t mscount, seqno, qlimit, qcount;
    uint64_t context;
    struct kmsg *head, *tail;
    struct port *set;          /* the port set it is a member of */
    struct port *nsrequest;    /* send-once right to notify when no senders are left */
    uint32_t nsrequest_sync;
    struct port *pdrequest;    /* send-once right the receive right goes to instead of dying */
    int efd, efd_on;           /* readable while a message waits (dispatch, kqueue), or -1 */
    uint64_t global;           /* its global port id once exported or as a proxy, else 0 */
    int proxy;                 /* the receive right is in another process */
    uint32_t arrived;          /* proxy: send rights the server brought here, ever */
    uint32_t exported;         /* local: send rights sent to other processes, ever */
    int remote_hold;           /* local: one send right stands for all other processes' */
    pthread_cond_t cond;       /* receivers (and, for a set, receivers on the set) */
    pthread_cond_t space_cond; /* senders waiting for room in the queue */
};

struct entry {
    struct port *port;
    uint32_t type;             /* R_* bits */
    uint32_t send_urefs, dead_urefs;
    struct port *dnrequest;    /* send-once right for a dead-name notification */
};

struct carried {               /* a right in flight */
    struct port *port;
    uint32_t type;             /* R_SEND, R_SEND_ONCE, R_RECEIVE, or 0 for none */
    mach_port_t kernel_name;   /* a task, thread or host port: passed through as it is */
};

struct kmsg {
    struct kmsg *next;
    uint32_t size;             /* of the message as sent (header + body) */
    struct carried dest, reply;
    int ndesc;
    size_t nports;             /* rights in port descriptors and OOL port arrays */
    uint32_t sender_pid;       /* of another process that sent it, else 0 */
    int counted;               /* the server counts it against the port's queue limit */
    int notification;          /* the kernel's: destroyed undelivered, it tells no one */
    uint32_t *offsets;         /* of each descriptor in bytes[] */
    struct carried *ports;     /* per port descriptor / per name of an OOL ports array */
    void **ool;                /* per descriptor: copied memory */
    unsigned char bytes[];
};

/* Descriptors follow the body's count: a port descriptor is 12 bytes, the others 16 (their
 * 64-bit form); every kind keeps its type in byte 11 and a disposition in byte 10. */
static inline int descriptor_type(const unsigned char *d) { return d[11]; }
static inline int is_port_descriptor(int type)
{
    return type == DARWIN_MACH_MSG_PORT_DESCRIPTOR || type == DARWIN_MACH_MSG_GUARDED_PORT_DESCRIPTOR;
}
static inline unsigned char *descriptor_at(struct kmsg *k, int i) { return k->bytes + k->offsets[i]; }
static inline uint32_t ool_count(const unsigned char *d)
{
    uint32_t n;
    memcpy(&n, d + 12, 4);
    return n;
}
static inline int is_ool_data(int type)
{
    return type == DARWIN_MACH_MSG_OOL_DESCRIPTOR || type == DARWIN_MACH_MSG_OOL_VOLATILE_DESCRIPTOR;
}

/* mach_ipc.c */
MB_HIDDEN extern pthread_mutex_t ipc_lock;
MB_HIDDEN extern uint32_t space_size;
MB_HIDDEN extern struct port *bootstrap_special; /* TASK_BOOTSTRAP_PORT: a send right */
MB_HIDDEN void space_init(void);
MB_HIDDEN struct port *port_new(int is_set);
MB_HIDDEN void port_unref(struct port *p);
MB_HIDDEN struct entry *entry_of(mach_port_t name);
MB_HIDDEN mach_port_t entry_new(struct port *p, uint32_t type);
MB_HIDDEN void send_right_gone(struct port *p);
MB_HIDDEN void carried_release(struct carried *c);
MB_HIDDEN void send_once_destroyed(struct port *p);
MB_HIDDEN kern_return_t copyin_right(mach_port_t name, int disposition, struct carried *out);
MB_HIDDEN mach_port_t copyout_right(struct carried *c, int *msg_type);
MB_HIDDEN mach_port_t give_send(struct port *p);
MB_HIDDEN mach_msg_return_t layout_body(struct kmsg *k);
MB_HIDDEN void kmsg_destroy(struct kmsg *k);
MB_HIDDEN void kmsg_free(struct kmsg *k);
MB_HIDDEN void enqueue(struct port *p, struct kmsg *k);
MB_HIDDEN struct kmsg *dequeue(struct port *p);
MB_HIDDEN void wake_receivers(struct port *p);
MB_HIDDEN void port_destroy_receive(struct port *p);

/* mach_global.c */
#define WAIT_FOREVER (-1L) /* how long remote_send may wait for room (ms), or these */
#define WAIT_NOT (-2L)
MB_HIDDEN struct port *proxy_of(uint64_t id);
MB_HIDDEN void tell_qlimit(struct port *p);
MB_HIDDEN void tell_pdrequest(struct port *p);
MB_HIDDEN mach_msg_return_t remote_send(struct kmsg *k, long wait_ms);
MB_HIDDEN void unexport(struct port *p);
MB_HIDDEN void proxy_released(struct port *p);
MB_HIDDEN void globals_forget(void);

#endif
