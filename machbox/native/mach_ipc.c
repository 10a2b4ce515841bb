/* Mach IPC: port rights, port sets, mach_msg, notifications, MIG servers.
 *
 * The task's IPC space is a table of names. A name holds rights to one port: receive and
 * send rights to the same port share a name (with a count of send user-references), each
 * send-once right has a name of its own, a port set is a name, and a send right whose
 * receive right was destroyed becomes a dead name — the rules of XNU's ipc_entry. Ports are
 * reference-counted objects; rights carried by a message in flight hold references, so a
 * port lives while any name or queued message can reach it. One lock guards the space;
 * receivers wait on their port's (or set's) condition variable.
 *
 * Messages are copied in at send (header rights, port and out-of-line descriptors resolved
 * to port objects and copies of memory) and copied out at receive into the receiver's names,
 * with the trailer the receiver asked for. A message between two ports of this process never
 * leaves it.
 *
 * Across processes (mach_global.c, through the per-prefix server): a port another process
 * owns is a *proxy* here, whose messages go to the server (remote_send). Name 0x1000003,
 * the first of every space, is the bootstrap port: a proxy of the server's own port. A
 * fork's child starts with a space holding only that, as a Mac's child inherits its
 * bootstrap port and nothing else.
 *
 * Names never collide with the other numbers the Mach calls hand out: thread ports are
 * Linux thread ids (< 2^22), semaphores and clocks sit below 2^20, the task and host ports
 * are 0x103 and 0x203; IPC names are 0x1000003 + 0x100 * index.
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "darwin_abi.h"
#include "mach_ipc.h"
#include "mach_remote.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static struct entry *space;
MB_HIDDEN uint32_t space_size;
MB_HIDDEN pthread_mutex_t ipc_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- ports and names ------------------------------------------------------------------- */

MB_HIDDEN struct port *port_new(int is_set)
{
    struct port *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cond, &attr);
    pthread_cond_init(&p->space_cond, &attr);
    pthread_condattr_destroy(&attr);
    p->refs = 1;
    p->efd = -1;
    p->is_set = is_set;
    p->qlimit = (uint32_t)DARWIN_MACH_PORT_QLIMIT_DEFAULT;
    return p;
}

MB_HIDDEN void port_unref(struct port *p)
{
    if (p && --p->refs == 0) {
        if (p->efd >= 0)
            close(p->efd);
        pthread_cond_destroy(&p->cond);
        pthread_cond_destroy(&p->space_cond);
        free(p);
    }
}

/* ---- the space ------------------------------------------------------------------------------ */

MB_HIDDEN struct port *bootstrap_special;

/* Every space starts with the bootstrap port, at the first name (bootstrap_port's). */
MB_HIDDEN void space_init(void)
{
    space = calloc(64, sizeof *space);
    if (!space)
        return;
    space_size = 64;
    struct port *b = proxy_of(RP_BOOTSTRAP_PORT);
    if (!b)
        return;
    space[0] = (struct entry){.port = b, .type = R_SEND, .send_urefs = 1};
    b->name = NAME_BASE;
    b->send_rights++;
    if (!bootstrap_special) {
        b->refs++;
        b->send_rights++;
        bootstrap_special = b;
    }
}

MB_EXPORT uint32_t mb_bootstrap_port = NAME_BASE;

MB_HIDDEN struct entry *entry_of(mach_port_t name)
{
    if (!space_size)
        space_init();
    if (name < NAME_BASE || (name - NAME_BASE) % NAME_STEP)
        return NULL;
    uint32_t i = (name - NAME_BASE) / NAME_STEP;
    return i < space_size && space[i].type ? &space[i] : NULL;
}

static mach_port_t name_of_index(uint32_t i) { return NAME_BASE + i * NAME_STEP; }

static int is_ipc_name(mach_port_t name) { return name >= NAME_BASE; }

/* A free name for `p` (whose reference the entry takes over), or 0. */
MB_HIDDEN mach_port_t entry_new(struct port *p, uint32_t type)
{
    if (!space_size)
        space_init();
    uint32_t i = 0;
    while (i < space_size && space[i].type)
        i++;
    if (i == space_size) {
        uint32_t grown = space_size ? space_size * 2 : 64;
        if (grown > MAX_NAMES)
            return 0;
        struct entry *e = realloc(space, grown * sizeof *e);
        if (!e)
            return 0;
        memset(e + space_size, 0, (grown - space_size) * sizeof *e);
        space = e;
        space_size = grown;
    }
    space[i] = (struct entry){.port = p, .type = type};
    return name_of_index(i);
}

static void entry_free(struct entry *e)
{
    struct port *p = e->port;
    if (p && p->name == name_of_index((uint32_t)(e - space)))
        p->name = 0;
    port_unref(e->dnrequest);
    *e = (struct entry){0};
    port_unref(p);
}

static kern_return_t send_notification(struct port *notify, int id, mach_port_t body);

/* One fewer send right to `p` somewhere: the last one gone sends the no-senders note (for
 * a proxy, the owner's server hears that this process holds none now). */
MB_HIDDEN void send_right_gone(struct port *p)
{
    if (p->proxy) {
        if (p->send_rights && --p->send_rights == 0 && p->receiver)
            proxy_released(p);
        return;
    }
    if (p->send_rights && --p->send_rights == 0 && p->receiver && p->nsrequest &&
        p->mscount >= p->nsrequest_sync) {
        struct port *n = p->nsrequest;
        p->nsrequest = NULL;
        send_notification(n, (int)DARWIN_MACH_NOTIFY_NO_SENDERS, p->mscount);
    }
}

/* Inserts a right of `type` (R_SEND, R_SEND_ONCE, R_RECEIVE) to `p` into the space,
 * consuming one reference the caller holds. Returns the name. */
static mach_port_t insert_right(struct port *p, uint32_t type)
{
    if (type == R_SEND && !p->receiver) {
        /* a send right to a dead port arrives as a dead name */
        send_right_gone(p);
        mach_port_t n = entry_new(p, R_DEAD);
        if (n)
            entry_of(n)->dead_urefs = 1;
        return n;
    }
    if (type != R_SEND_ONCE && p->name) {
        struct entry *e = entry_of(p->name);
        e->type |= type;
        if (type == R_SEND)
            e->send_urefs++;
        port_unref(p); /* the entry already holds one */
        return p->name;
    }
    mach_port_t n = entry_new(p, type);
    if (!n)
        return 0;
    if (type == R_SEND)
        entry_of(n)->send_urefs = 1;
    if (type != R_SEND_ONCE)
        p->name = n;
    return n;
}

/* ---- messages ------------------------------------------------------------------------------ */

MB_HIDDEN void carried_release(struct carried *c)
{
    if (!c->port)
        return;
    if (c->type == R_SEND) {
        send_right_gone(c->port);
    } else if (c->type == R_SEND_ONCE && c->port->sonce_rights) {
        c->port->sonce_rights--;
    } else if (c->type == R_RECEIVE) {
        c->port->receiver = 0; /* a receive right lost in flight: the port dies */
        unexport(c->port);
    }
    port_unref(c->port);
    c->port = NULL;
}


static size_t descriptor_size(const unsigned char *d)
{
    return descriptor_type(d) == DARWIN_MACH_MSG_PORT_DESCRIPTOR ? 12 : 16;
}


/* where a (guarded) port descriptor keeps the name: after the guarded one's context */
static unsigned char *descriptor_name(unsigned char *d)
{
    return descriptor_type(d) == DARWIN_MACH_MSG_GUARDED_PORT_DESCRIPTOR ? d + 12 : d;
}



static int receive_rescued(struct port *p);

/* A right in a message destroyed undelivered goes as XNU's ipc_kmsg_clean lets it: a
 * send-once right with a send-once notification to its port, a receive right to its
 * port-destroyed request if it has one. A kernel notification's own right goes quietly
 * (its port is dead or unreachable, or it would have been delivered). */
static void carried_destroy(struct carried *c, int quiet)
{
    struct port *p = c->port;
    if (p && c->type == R_SEND_ONCE && !quiet) {
        c->port = NULL;
        send_once_destroyed(p);
    } else if (p && c->type == R_RECEIVE && receive_rescued(p)) {
        c->port = NULL;
        port_unref(p);
    } else {
        carried_release(c);
    }
}

/* Frees a message never delivered: its rights are destroyed, its memory freed. */
MB_HIDDEN void kmsg_destroy(struct kmsg *k)
{
    carried_destroy(&k->dest, k->notification);
    carried_destroy(&k->reply, 0);
    int slot = 0;
    for (int i = 0; i < k->ndesc; i++) {
        unsigned char *d = descriptor_at(k, i);
        int type = descriptor_type(d);
        if (is_port_descriptor(type))
            carried_destroy(&k->ports[slot++], 0);
        else if (type == DARWIN_MACH_MSG_OOL_PORTS_DESCRIPTOR)
            for (uint32_t j = 0; j < ool_count(d); j++)
                carried_destroy(&k->ports[slot++], 0);
        free(k->ool ? k->ool[i] : NULL);
    }
    free(k->ports);
    free(k->ool);
    free(k->offsets);
    free(k);
}

MB_HIDDEN void kmsg_free(struct kmsg *k)
{
    for (int i = 0; i < k->ndesc; i++)
        free(k->ool ? k->ool[i] : NULL);
    free(k->ports);
    free(k->ool);
    free(k->offsets);
    free(k);
}

/* Takes the right `disposition` names out of the space into `out`. */
MB_HIDDEN kern_return_t copyin_right(mach_port_t name, int disposition, struct carried *out)
{
    *out = (struct carried){0};
    if (name == 0 || name == (mach_port_t)DARWIN_MACH_PORT_DEAD)
        return KR(KERN_SUCCESS);
    if (!is_ipc_name(name)) {
        /* the kernel objects' ports (task, thread, host, semaphores) are numbers every
         * thread of the process knows by the same name: they travel as they are */
        out->kernel_name = name;
        out->type = disposition == DARWIN_MACH_MSG_TYPE_MAKE_SEND_ONCE ||
                            disposition == DARWIN_MACH_MSG_TYPE_MOVE_SEND_ONCE
                        ? R_SEND_ONCE : R_SEND;
        return KR(KERN_SUCCESS);
    }
    struct entry *e = entry_of(name);
    if (!e)
        return KR(KERN_INVALID_NAME);
    struct port *p = e->port;
    switch (disposition) {
    case DARWIN_MACH_MSG_TYPE_MAKE_SEND:
        if (!(e->type & R_RECEIVE))
            return KR(KERN_INVALID_RIGHT);
        p->send_rights++;
        p->mscount++;
        *out = (struct carried){p, R_SEND};
        break;
    case DARWIN_MACH_MSG_TYPE_MAKE_SEND_ONCE:
        if (!(e->type & R_RECEIVE))
            return KR(KERN_INVALID_RIGHT);
        p->sonce_rights++;
        *out = (struct carried){p, R_SEND_ONCE};
        break;
    case DARWIN_MACH_MSG_TYPE_COPY_SEND:
        if (!(e->type & R_SEND))
            return e->type & R_DEAD ? KR(KERN_INVALID_CAPABILITY) : KR(KERN_INVALID_RIGHT);
        p->send_rights++;
        *out = (struct carried){p, R_SEND};
        break;
    case DARWIN_MACH_MSG_TYPE_MOVE_SEND:
        if (!(e->type & R_SEND))
            return e->type & R_DEAD ? KR(KERN_INVALID_CAPABILITY) : KR(KERN_INVALID_RIGHT);
        p->refs++;
        *out = (struct carried){p, R_SEND};
        if (--e->send_urefs == 0) {
            e->type &= ~(uint32_t)R_SEND;
            if (!e->type)
                entry_free(e);
        }
        return KR(KERN_SUCCESS);
    case DARWIN_MACH_MSG_TYPE_MOVE_SEND_ONCE:
        if (!(e->type & R_SEND_ONCE))
            return e->type & R_DEAD ? KR(KERN_INVALID_CAPABILITY) : KR(KERN_INVALID_RIGHT);
        p->refs++;
        *out = (struct carried){p, R_SEND_ONCE};
        entry_free(e);
        return KR(KERN_SUCCESS);
    case DARWIN_MACH_MSG_TYPE_MOVE_RECEIVE:
        if (!(e->type & R_RECEIVE))
            return KR(KERN_INVALID_RIGHT);
        p->refs++;
        *out = (struct carried){p, R_RECEIVE};
        e->type &= ~(uint32_t)R_RECEIVE;
        if (p->set) {
            port_unref(p->set);
            p->set = NULL;
        }
        if (!e->type)
            entry_free(e);
        return KR(KERN_SUCCESS);
    default:
        return KR(KERN_INVALID_VALUE);
    }
    p->refs++;
    return KR(KERN_SUCCESS);
}

/* The name a carried right gets in the receiver's space, and its received type. */
MB_HIDDEN mach_port_t copyout_right(struct carried *c, int *msg_type)
{
    if (!c->port) {
        *msg_type = c->kernel_name ? DARWIN_MACH_MSG_TYPE_PORT_SEND : 0;
        return c->kernel_name;
    }
    uint32_t type = c->type;
    *msg_type = type == R_SEND        ? DARWIN_MACH_MSG_TYPE_PORT_SEND
                : type == R_SEND_ONCE ? DARWIN_MACH_MSG_TYPE_PORT_SEND_ONCE
                                      : DARWIN_MACH_MSG_TYPE_PORT_RECEIVE;
    if (type == R_RECEIVE)
        c->port->receiver = 1;
    mach_port_t n = insert_right(c->port, type);
    c->port = NULL;
    return n ? n : (mach_port_t)DARWIN_MACH_PORT_DEAD;
}

static int is_send_disposition(int d)
{
    return d == DARWIN_MACH_MSG_TYPE_MOVE_SEND || d == DARWIN_MACH_MSG_TYPE_COPY_SEND ||
           d == DARWIN_MACH_MSG_TYPE_MAKE_SEND || d == DARWIN_MACH_MSG_TYPE_MOVE_SEND_ONCE ||
           d == DARWIN_MACH_MSG_TYPE_MAKE_SEND_ONCE;
}

/* Finds the body's descriptors (k->offsets, k->ndesc, k->nports) and makes room for
 * their rights and memory. */
MB_HIDDEN mach_msg_return_t layout_body(struct kmsg *k)
{
    uint32_t count;
    size_t at = sizeof(struct darwin_mach_msg_header) + 4;
    if (at > k->size)
        return (mach_msg_return_t)DARWIN_MACH_SEND_MSG_TOO_SMALL;
    memcpy(&count, k->bytes + at - 4, 4);
    k->offsets = calloc(count + 1, sizeof *k->offsets);
    k->ool = calloc(count + 1, sizeof *k->ool);
    if (!k->offsets || !k->ool)
        return (mach_msg_return_t)DARWIN_MACH_SEND_NO_BUFFER;
    size_t nports = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (at + 12 > k->size || at + descriptor_size(k->bytes + at) > k->size)
            return (mach_msg_return_t)DARWIN_MACH_SEND_MSG_TOO_SMALL;
        const unsigned char *d = k->bytes + at;
        k->offsets[i] = (uint32_t)at;
        int t = descriptor_type(d);
        nports += t == DARWIN_MACH_MSG_OOL_PORTS_DESCRIPTOR ? ool_count(d)
                                                            : (uint32_t)is_port_descriptor(t);
        at += descriptor_size(d);
    }
    k->ports = calloc(nports + 1, sizeof *k->ports);
    if (!k->ports)
        return (mach_msg_return_t)DARWIN_MACH_SEND_NO_BUFFER;
    k->nports = nports;
    k->ndesc = (int)count;
    return (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS;
}

/* Copies the body's descriptors in: rights out of the space, memory copied. */
static mach_msg_return_t copyin_body(struct kmsg *k)
{
    mach_msg_return_t r = layout_body(k);
    if (r != (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS)
        return r;
    size_t slot = 0;
    for (uint32_t i = 0; i < (uint32_t)k->ndesc; i++) {
        unsigned char *d = descriptor_at(k, (int)i);
        int t = descriptor_type(d);
        uint32_t name;
        memcpy(&name, descriptor_name(d), 4);
        if (is_port_descriptor(t)) {
            if (copyin_right(name, d[10], &k->ports[slot++]) != KR(KERN_SUCCESS))
                return (mach_msg_return_t)DARWIN_MACH_SEND_INVALID_RIGHT;
        } else if (t == DARWIN_MACH_MSG_OOL_DESCRIPTOR || t == DARWIN_MACH_MSG_OOL_VOLATILE_DESCRIPTOR ||
                   t == DARWIN_MACH_MSG_OOL_PORTS_DESCRIPTOR) {
            uint64_t address;
            memcpy(&address, d, 8);
            uint32_t n = ool_count(d);
            size_t bytes = t == DARWIN_MACH_MSG_OOL_PORTS_DESCRIPTOR ? (size_t)n * 4 : n;
            k->ool[i] = malloc(bytes ? bytes : 1);
            if (!k->ool[i])
                return (mach_msg_return_t)DARWIN_MACH_SEND_NO_BUFFER;
            memcpy(k->ool[i], (const void *)(uintptr_t)address, bytes);
            if (t == DARWIN_MACH_MSG_OOL_PORTS_DESCRIPTOR)
                for (uint32_t j = 0; j < n; j++)
                    if (copyin_right(((uint32_t *)k->ool[i])[j], d[10], &k->ports[slot++]) !=
                        KR(KERN_SUCCESS))
                        return (mach_msg_return_t)DARWIN_MACH_SEND_INVALID_RIGHT;
            if (d[8] && bytes) { /* deallocate: the sender's pages go, as with the kernel's move */
                uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
                if ((address & (page - 1)) == 0)
                    munmap((void *)(uintptr_t)address, (bytes + page - 1) & ~(page - 1));
            }
        } else {
            return (mach_msg_return_t)DARWIN_MACH_SEND_INVALID_TYPE;
        }
    }
    return (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS;
}

static void update_ready(struct port *p);

MB_HIDDEN void wake_receivers(struct port *p)
{
    pthread_cond_broadcast(&p->cond);
    if (p->set)
        pthread_cond_broadcast(&p->set->cond);
}

MB_HIDDEN void enqueue(struct port *p, struct kmsg *k)
{
    k->next = NULL;
    if (p->tail)
        p->tail->next = k;
    else
        p->head = k;
    p->tail = k;
    p->qcount++;
    update_ready(p);
    wake_receivers(p);
}

static int wait_until(pthread_cond_t *c, const struct timespec *deadline)
{
    if (!deadline)
        return pthread_cond_wait(c, &ipc_lock);
    return pthread_cond_timedwait(c, &ipc_lock, deadline);
}

static struct timespec deadline_after(uint32_t ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long)(ms % 1000) * 1000000;
    if (t.tv_nsec >= 1000000000) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000;
    }
    return t;
}

static mach_msg_return_t msg_send(const struct darwin_mach_msg_header *h, int option,
                                  uint32_t send_size, uint32_t timeout)
{
    uint32_t size = h->msgh_size < send_size ? h->msgh_size : send_size;
    if (size < sizeof *h || size % 4)
        return (mach_msg_return_t)DARWIN_MACH_SEND_MSG_TOO_SMALL;
    int remote = (int)(h->msgh_bits & DARWIN_MACH_MSGH_BITS_REMOTE_MASK);
    int local = (int)((h->msgh_bits & DARWIN_MACH_MSGH_BITS_LOCAL_MASK) >> 8);
    if (!is_send_disposition(remote))
        return (mach_msg_return_t)DARWIN_MACH_SEND_INVALID_HEADER;
    struct kmsg *k = calloc(1, sizeof *k + size);
    if (!k)
        return (mach_msg_return_t)DARWIN_MACH_SEND_NO_BUFFER;
    memcpy(k->bytes, h, size);
    k->size = size;
    struct darwin_mach_msg_header *kh = (struct darwin_mach_msg_header *)k->bytes;
    kh->msgh_size = size;
    struct entry *dest = entry_of(h->msgh_remote_port);
    if (!dest || (dest->type & R_DEAD) || !dest->port->receiver) {
        free(k);
        return (mach_msg_return_t)DARWIN_MACH_SEND_INVALID_DEST;
    }
    if (copyin_right(h->msgh_remote_port, remote, &k->dest) != KR(KERN_SUCCESS)) {
        free(k);
        return (mach_msg_return_t)DARWIN_MACH_SEND_INVALID_DEST;
    }
    mach_msg_return_t r = (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS;
    if (h->msgh_local_port && copyin_right(h->msgh_local_port, local, &k->reply) != KR(KERN_SUCCESS))
        r = (mach_msg_return_t)DARWIN_MACH_SEND_INVALID_REPLY;
    if (r == (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS && (h->msgh_bits & DARWIN_MACH_MSGH_BITS_COMPLEX))
        r = copyin_body(k);
    struct port *p = k->dest.port;
    if (r == (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS && p->proxy) /* in another process */
        return remote_send(k, option & DARWIN_MACH_SEND_TIMEOUT ? (long)timeout : WAIT_FOREVER);
    struct timespec deadline;
    int timed = option & DARWIN_MACH_SEND_TIMEOUT;
    if (timed)
        deadline = deadline_after(timeout);
    while (r == (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS && k->dest.type == R_SEND &&
           p->qcount >= p->qlimit && p->receiver) {
        if (timed && timeout == 0)
            r = (mach_msg_return_t)DARWIN_MACH_SEND_TIMED_OUT;
        else if (wait_until(&p->space_cond, timed ? &deadline : NULL) == ETIMEDOUT)
            r = (mach_msg_return_t)DARWIN_MACH_SEND_TIMED_OUT;
    }
    if (r == (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS && !p->receiver)
        r = (mach_msg_return_t)DARWIN_MACH_SEND_INVALID_DEST;
    if (r != (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS) {
        kmsg_destroy(k);
        return r;
    }
    enqueue(p, k);
    return r;
}

/* ---- receiving ------------------------------------------------------------------------------ */

static uint32_t trailer_size(int option)
{
    switch ((option >> 24) & 0xf) {
    case DARWIN_MACH_RCV_TRAILER_NULL: return 8;
    case DARWIN_MACH_RCV_TRAILER_SEQNO: return 12;
    case DARWIN_MACH_RCV_TRAILER_SENDER: return 20;
    case DARWIN_MACH_RCV_TRAILER_AUDIT: return 52;
    case DARWIN_MACH_RCV_TRAILER_CTX: return 60;
    default: return TRAILER_MAX;
    }
}

/* The first port with a message: `p` itself, or a member of the set `p`. */
static struct port *ready_port(struct port *p)
{
    if (!p->is_set)
        return p->head ? p : NULL;
    for (uint32_t i = 0; i < space_size; i++) {
        struct port *m = space[i].port;
        if ((space[i].type & R_RECEIVE) && m->set == p && m->head)
            return m;
    }
    return NULL;
}

MB_HIDDEN struct kmsg *dequeue(struct port *p)
{
    struct kmsg *k = p->head;
    if (k->counted && p->global) { /* room for the next one from another process */
        unsigned char body[16] = {0};
        uint32_t one = 1;
        memcpy(body, &p->global, 8);
        memcpy(body + 8, &one, 4);
        mb_remote_notify(RP_DEQUEUED, body, sizeof body);
    }
    p->head = k->next;
    if (!p->head)
        p->tail = NULL;
    p->qcount--;
    p->seqno++;
    update_ready(p);
    pthread_cond_broadcast(&p->space_cond);
    return k;
}

/* Keeps a port's (and its set's) eventfd readable exactly while a message waits. */
static void efd_show(struct port *p, int on)
{
    if (p->efd < 0 || p->efd_on == on)
        return;
    uint64_t v = 1;
    if (on)
        (void)!write(p->efd, &v, sizeof v);
    else
        (void)!read(p->efd, &v, sizeof v);
    p->efd_on = on;
}

static void update_ready(struct port *p)
{
    efd_show(p, p->is_set ? ready_port(p) != NULL : p->head != NULL);
    if (p->set)
        efd_show(p->set, ready_port(p->set) != NULL);
}

/* A descriptor that polls readable while the receive right or port set `name` has a
 * message: how dispatch's MACH_RECV sources and kqueue's EVFILT_MACHPORT wait on a port. */
MB_HIDDEN int mb_mach_port_fd(uint32_t name)
{
    int fd = -1;
    pthread_mutex_lock(&ipc_lock);
    struct entry *e = entry_of(name);
    if (e && (e->type & (R_RECEIVE | R_SET))) {
        struct port *p = e->port;
        if (p->efd < 0)
            p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        update_ready(p);
        fd = p->efd;
    }
    pthread_mutex_unlock(&ipc_lock);
    return fd;
}

static void copyout_body(struct kmsg *k, unsigned char *out)
{
    size_t slot = 0;
    for (int i = 0; i < k->ndesc; i++) {
        unsigned char *d = out + k->offsets[i];
        int t = descriptor_type(d), msg_type;
        if (is_port_descriptor(t)) {
            mach_port_t n = copyout_right(&k->ports[slot++], &msg_type);
            memcpy(descriptor_name(d), &n, 4);
            d[10] = (unsigned char)msg_type;
            continue;
        }
        uint32_t n = ool_count(d);
        size_t bytes = t == DARWIN_MACH_MSG_OOL_PORTS_DESCRIPTOR ? (size_t)n * 4 : n;
        void *mem = bytes ? mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                                 -1, 0)
                          : NULL;
        if (mem == MAP_FAILED)
            mem = NULL;
        if (mem && t == DARWIN_MACH_MSG_OOL_PORTS_DESCRIPTOR) {
            for (uint32_t j = 0; j < n; j++)
                ((uint32_t *)mem)[j] = copyout_right(&k->ports[slot++], &msg_type);
            d[10] = (unsigned char)msg_type;
        } else if (mem) {
            memcpy(mem, k->ool[i], bytes);
        }
        uint64_t address = (uint64_t)(uintptr_t)mem;
        memcpy(d, &address, 8);
        d[8] = 0; /* deallocate: the receiver owns the pages now */
    }
}

static void fill_trailer(unsigned char *at, uint32_t size, uint32_t seqno, uint64_t context,
                         uint32_t sender_pid)
{
    struct darwin_mach_msg_max_trailer t = {0};
    t.msgh_trailer_type = (uint32_t)DARWIN_MACH_MSG_TRAILER_FORMAT_0;
    t.msgh_trailer_size = size;
    t.msgh_seqno = seqno;
    t.msgh_sender[0] = geteuid();
    t.msgh_sender[1] = getegid();
    /* the audit token: auid, euid, egid, ruid, rgid, pid, asid, pid version */
    uint32_t pid = sender_pid ? sender_pid : (uint32_t)getpid();
    uint32_t audit[8] = {getuid(), geteuid(), getegid(), getuid(), getgid(), pid, 0, 0};
    memcpy(t.msgh_audit, audit, sizeof audit);
    memcpy(t.msgh_context, &context, 8);
    memcpy(at, &t, size);
}

static mach_msg_return_t msg_receive(struct darwin_mach_msg_header *h, int option,
                                     uint32_t rcv_size, mach_port_t rcv_name, uint32_t timeout)
{
    struct entry *e = entry_of(rcv_name);
    if (!e || !(e->type & (R_RECEIVE | R_SET)))
        return (mach_msg_return_t)DARWIN_MACH_RCV_INVALID_NAME;
    struct port *p = e->port, *from;
    p->refs++;
    struct timespec deadline;
    int timed = option & DARWIN_MACH_RCV_TIMEOUT;
    if (timed)
        deadline = deadline_after(timeout);
    mach_msg_return_t r = (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS;
    while (!(from = ready_port(p))) {
        if ((!p->is_set && !p->receiver) || (p->is_set && !p->name)) {
            r = (mach_msg_return_t)DARWIN_MACH_RCV_PORT_DIED;
            break;
        }
        if (p->proxy) { /* its receive right went to another process meanwhile */
            r = (mach_msg_return_t)DARWIN_MACH_RCV_PORT_CHANGED;
            break;
        }
        if ((timed && timeout == 0) ||
            wait_until(&p->cond, timed ? &deadline : NULL) == ETIMEDOUT) {
            r = (mach_msg_return_t)DARWIN_MACH_RCV_TIMED_OUT;
            break;
        }
    }
    if (!from) {
        port_unref(p);
        return r;
    }
    struct kmsg *k = from->head;
    uint32_t tsize = trailer_size(option);
    if (k->size + tsize > rcv_size) {
        h->msgh_size = k->size + tsize;
        if (option & DARWIN_MACH_RCV_LARGE) {
            port_unref(p);
            return (mach_msg_return_t)DARWIN_MACH_RCV_TOO_LARGE;
        }
        dequeue(from);
        carried_release(&k->dest); /* consumed by the receive, as a delivered one is */
        kmsg_destroy(k);
        port_unref(p);
        return (mach_msg_return_t)DARWIN_MACH_RCV_TOO_LARGE;
    }
    dequeue(from);
    uint32_t seqno = from->seqno - 1;
    memcpy(h, k->bytes, k->size);
    int dest_type, reply_type;
    /* the destination right is consumed; the header names the receive right instead */
    dest_type = k->dest.type == R_SEND ? DARWIN_MACH_MSG_TYPE_PORT_SEND
                                       : DARWIN_MACH_MSG_TYPE_PORT_SEND_ONCE;
    carried_release(&k->dest);
    mach_port_t reply = copyout_right(&k->reply, &reply_type);
    h->msgh_bits = (h->msgh_bits & ~(uint32_t)(DARWIN_MACH_MSGH_BITS_REMOTE_MASK |
                                               DARWIN_MACH_MSGH_BITS_LOCAL_MASK |
                                               DARWIN_MACH_MSGH_BITS_VOUCHER_MASK)) |
                   (uint32_t)reply_type | ((uint32_t)dest_type << 8);
    h->msgh_remote_port = reply;
    h->msgh_local_port = from->name;
    h->msgh_voucher_port = 0;
    h->msgh_size = k->size;
    if (h->msgh_bits & DARWIN_MACH_MSGH_BITS_COMPLEX)
        copyout_body(k, (unsigned char *)h);
    fill_trailer((unsigned char *)h + k->size, tsize, seqno, from->context, k->sender_pid);
    kmsg_free(k);
    port_unref(p);
    return r;
}

MB_EXPORT mach_msg_return_t mb_mach_msg(struct darwin_mach_msg_header *msg, int option,
                                        uint32_t send_size, uint32_t rcv_size,
                                        mach_port_t rcv_name, uint32_t timeout,
                                        mach_port_t notify)
{
    (void)notify;
    mach_msg_return_t r = (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS;
    pthread_mutex_lock(&ipc_lock);
    if (option & DARWIN_MACH_SEND_MSG)
        r = msg_send(msg, option, send_size, timeout);
    if (r == (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS && (option & DARWIN_MACH_RCV_MSG))
        r = msg_receive(msg, option, rcv_size, rcv_name, timeout);
    pthread_mutex_unlock(&ipc_lock);
    return r;
}

MB_EXPORT mach_msg_return_t mb_mach_msg_overwrite(struct darwin_mach_msg_header *msg, int option,
                                                  uint32_t send_size, uint32_t rcv_size,
                                                  mach_port_t rcv_name, uint32_t timeout,
                                                  mach_port_t notify,
                                                  struct darwin_mach_msg_header *rcv_msg,
                                                  uint32_t rcv_limit)
{
    (void)rcv_limit;
    mach_msg_return_t r = (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS;
    if (option & DARWIN_MACH_SEND_MSG)
        r = mb_mach_msg(msg, option & ~DARWIN_MACH_RCV_MSG, send_size, 0, 0, timeout, notify);
    if (r == (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS && (option & DARWIN_MACH_RCV_MSG))
        r = mb_mach_msg(rcv_msg ? rcv_msg : msg, option & ~DARWIN_MACH_SEND_MSG, 0, rcv_size,
                        rcv_name, timeout, notify);
    return r;
}

/* A kernel notification of `size` bytes (the header filled in, the rest zero), as MIG's
 * mach_notify_* stubs in the kernel build them: sent on a send-once right, no reply port. */
static struct kmsg *notification_new(int id, uint32_t size, uint32_t complex)
{
    struct kmsg *k = calloc(1, sizeof *k + size);
    if (!k)
        return NULL;
    struct darwin_mach_msg_header h = {
        .msgh_bits = (uint32_t)DARWIN_MACH_MSG_TYPE_PORT_SEND_ONCE | complex,
        .msgh_size = size, .msgh_id = id};
    memcpy(k->bytes, &h, sizeof h);
    k->size = size;
    k->notification = 1;
    return k;
}

/* Sends `k` on the send-once right `notify` (whose reference and right it takes). A
 * notification never waits: the kernel's ignore queue limits. */
static kern_return_t notification_send(struct port *notify, struct kmsg *k)
{
    if (!k) {
        struct carried c = {notify, R_SEND_ONCE};
        carried_release(&c);
        return KR(KERN_RESOURCE_SHORTAGE);
    }
    k->dest = (struct carried){notify, R_SEND_ONCE};
    if (!notify->receiver)
        kmsg_destroy(k);
    else if (notify->proxy) /* a send-once right to another process's port */
        remote_send(k, WAIT_NOT);
    else
        enqueue(notify, k);
    return KR(KERN_SUCCESS);
}

/* A notification of a name or count (no-senders, dead-name): NDR record and one integer. */
static kern_return_t send_notification(struct port *notify, int id, mach_port_t body)
{
    struct kmsg *k = notification_new(id, 36, 0);
    if (k) {
        static const unsigned char ndr[8] = {0, 0, 0, 0, 1, 0, 0, 0};
        memcpy(k->bytes + 24, ndr, 8);
        memcpy(k->bytes + 32, &body, 4);
    }
    return notification_send(notify, k);
}

/* A send-once right to `p` destroyed unused (its reference and right are taken): `p` gets
 * the send-once notification, a bare header, so whoever waits there for a reply learns
 * none will come. A dead port hears nothing. */
MB_HIDDEN void send_once_destroyed(struct port *p)
{
    notification_send(p, notification_new((int)DARWIN_MACH_NOTIFY_SEND_ONCE,
                                          (uint32_t)sizeof(struct darwin_mach_msg_header), 0));
}

/* A receive right about to be destroyed whose port has a port-destroyed request: the right
 * goes in that notification (a port descriptor) instead, and the port lives on with its
 * queue, out of its set, its make-send count reset (XNU's ipc_port_destroy). 1 if sent;
 * the caller still holds its reference to `p`. */
static int receive_rescued(struct port *p)
{
    struct port *n = p->pdrequest;
    if (!n || n == p || !n->receiver)
        return 0; /* a dead notify port would destroy the right anyway */
    uint32_t at = (uint32_t)sizeof(struct darwin_mach_msg_header), one = 1;
    struct kmsg *k = notification_new((int)DARWIN_MACH_NOTIFY_PORT_DESTROYED, at + 4 + 12,
                                      (uint32_t)DARWIN_MACH_MSGH_BITS_COMPLEX);
    if (!k)
        return 0;
    memcpy(k->bytes + at, &one, 4);
    k->bytes[at + 4 + 10] = DARWIN_MACH_MSG_TYPE_PORT_RECEIVE;
    k->bytes[at + 4 + 11] = DARWIN_MACH_MSG_PORT_DESCRIPTOR;
    if (layout_body(k) != (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS) {
        kmsg_free(k);
        return 0;
    }
    p->pdrequest = NULL;
    p->mscount = 0;
    if (p->set) {
        struct port *set = p->set;
        p->set = NULL;
        update_ready(set);
        port_unref(set);
    }
    p->refs++;
    k->ports[0] = (struct carried){p, R_RECEIVE};
    wake_receivers(p); /* a receiver blocked on it here finds it gone */
    notification_send(n, k);
    return 1;
}

/* NDR_record: how MIG stubs describe this machine's data (little-endian integers). */
MB_EXPORT const unsigned char mb_NDR_record[8] = {0, 0, 0, 0, 1, 0, 0, 0};

/* ---- destroying a receive right -------------------------------------------------------------- */

MB_HIDDEN void port_destroy_receive(struct port *p)
{
    unexport(p);
    p->receiver = 0;
    while (p->head)
        kmsg_destroy(dequeue(p));
    if (p->set) {
        port_unref(p->set);
        p->set = NULL;
    }
    /* its requests' send-once rights are destroyed unused: their ports hear so */
    struct port *requests[2] = {p->nsrequest, p->pdrequest};
    p->nsrequest = p->pdrequest = NULL;
    for (int i = 0; i < 2; i++)
        if (requests[i])
            send_once_destroyed(requests[i]);
    /* rights to it in the space become dead names, with dead-name notifications */
    for (uint32_t i = 0; i < space_size; i++) {
        struct entry *e = &space[i];
        if (e->port != p || !(e->type & (R_SEND | R_SEND_ONCE)))
            continue;
        e->dead_urefs += e->type & R_SEND ? e->send_urefs : 1;
        e->send_urefs = 0;
        e->type = R_DEAD;
        if (e->dnrequest) {
            struct port *n = e->dnrequest;
            e->dnrequest = NULL;
            e->dead_urefs++;
            send_notification(n, (int)DARWIN_MACH_NOTIFY_DEAD_NAME, name_of_index(i));
        }
    }
    if (p->name && !entry_of(p->name))
        p->name = 0;
    wake_receivers(p);
    pthread_cond_broadcast(&p->space_cond);
}

/* Drops `delta` (negative) references of one right kind from an entry. */
static kern_return_t mod_refs(struct entry *e, int right, int delta)
{
    struct port *p = e->port;
    switch (right) {
    case DARWIN_MACH_PORT_RIGHT_RECEIVE:
        if (!(e->type & R_RECEIVE))
            return KR(KERN_INVALID_RIGHT);
        if (delta == 0)
            return KR(KERN_SUCCESS);
        if (delta != -1)
            return KR(KERN_INVALID_VALUE);
        e->type &= ~(uint32_t)R_RECEIVE;
        p->refs++;
        if (!receive_rescued(p))
            port_destroy_receive(p);
        if (!e->type)
            entry_free(e);
        port_unref(p);
        return KR(KERN_SUCCESS);
    case DARWIN_MACH_PORT_RIGHT_PORT_SET:
        if (!(e->type & R_SET))
            return KR(KERN_INVALID_RIGHT);
        if (delta < 0) {
            for (uint32_t i = 0; i < space_size; i++)
                if (space[i].port && space[i].port->set == p) {
                    space[i].port->set = NULL;
                    port_unref(p);
                }
            p->name = 0;
            wake_receivers(p);
            entry_free(e);
        }
        return KR(KERN_SUCCESS);
    case DARWIN_MACH_PORT_RIGHT_SEND:
        if (!(e->type & R_SEND))
            return e->type & R_DEAD ? KR(KERN_INVALID_RIGHT) : KR(KERN_INVALID_RIGHT);
        if (delta > 0) {
            e->send_urefs += (uint32_t)delta;
            p->send_rights += (uint32_t)delta;
            return KR(KERN_SUCCESS);
        }
        if ((uint32_t)-delta > e->send_urefs)
            return KR(KERN_INVALID_VALUE);
        e->send_urefs -= (uint32_t)-delta;
        p->refs++;
        for (int i = 0; i < -delta; i++)
            send_right_gone(p);
        if (!e->send_urefs) {
            e->type &= ~(uint32_t)R_SEND;
            if (!e->type)
                entry_free(e);
        }
        port_unref(p);
        return KR(KERN_SUCCESS);
    case DARWIN_MACH_PORT_RIGHT_SEND_ONCE:
        if (!(e->type & R_SEND_ONCE))
            return KR(KERN_INVALID_RIGHT);
        if (delta < 0) {
            p->refs++;
            entry_free(e);
            send_once_destroyed(p);
        }
        return KR(KERN_SUCCESS);
    case DARWIN_MACH_PORT_RIGHT_DEAD_NAME:
        if (!(e->type & R_DEAD))
            return KR(KERN_INVALID_RIGHT);
        if (delta < 0 && (uint32_t)-delta > e->dead_urefs)
            return KR(KERN_INVALID_VALUE);
        e->dead_urefs = (uint32_t)((int)e->dead_urefs + delta);
        if (!e->dead_urefs)
            entry_free(e);
        return KR(KERN_SUCCESS);
    default:
        return KR(KERN_INVALID_VALUE);
    }
}

/* ---- the mach_port_* calls --------------------------------------------------------------- */

#define LOCKED(expr)                                                                          \
    do {                                                                                      \
        pthread_mutex_lock(&ipc_lock);                                                        \
        kern_return_t locked_result = (expr);                                                 \
        pthread_mutex_unlock(&ipc_lock);                                                      \
        return locked_result;                                                                 \
    } while (0)

static kern_return_t allocate(int right, mach_port_t *name)
{
    struct port *p;
    uint32_t type;
    if (right == DARWIN_MACH_PORT_RIGHT_RECEIVE) {
        p = port_new(0);
        type = R_RECEIVE;
    } else if (right == DARWIN_MACH_PORT_RIGHT_PORT_SET) {
        p = port_new(1);
        type = R_SET;
    } else if (right == DARWIN_MACH_PORT_RIGHT_DEAD_NAME) {
        p = port_new(0);
        type = R_DEAD;
    } else {
        return KR(KERN_INVALID_VALUE);
    }
    if (!p)
        return KR(KERN_RESOURCE_SHORTAGE);
    mach_port_t n = entry_new(p, type);
    if (!n) {
        port_unref(p);
        return KR(KERN_NO_SPACE);
    }
    if (type == R_DEAD)
        entry_of(n)->dead_urefs = 1;
    else
        p->name = n;
    p->receiver = type == R_RECEIVE;
    *name = n;
    return KR(KERN_SUCCESS);
}

MB_EXPORT kern_return_t mb_mach_port_allocate(mach_port_t task, int right, mach_port_t *name)
{
    (void)task;
    LOCKED(allocate(right, name));
}

MB_EXPORT mach_port_t mb_mach_reply_port(void)
{
    mach_port_t n = 0;
    pthread_mutex_lock(&ipc_lock);
    allocate(DARWIN_MACH_PORT_RIGHT_RECEIVE, &n);
    pthread_mutex_unlock(&ipc_lock);
    return n;
}

static kern_return_t construct(const struct darwin_mach_port_options *o, uint64_t context,
                               mach_port_t *name)
{
    kern_return_t r = allocate(DARWIN_MACH_PORT_RIGHT_RECEIVE, name);
    if (r != KR(KERN_SUCCESS))
        return r;
    struct port *p = entry_of(*name)->port;
    p->context = context;
    if (o->flags & DARWIN_MPO_QLIMIT)
        p->qlimit = o->mpl ? o->mpl : 1;
    if (o->flags & DARWIN_MPO_INSERT_SEND_RIGHT) {
        struct entry *e = entry_of(*name);
        e->type |= R_SEND;
        e->send_urefs = 1;
        p->send_rights++;
        p->mscount++;
    }
    return r;
}

MB_EXPORT kern_return_t mb_mach_port_construct(mach_port_t task,
                                               const struct darwin_mach_port_options *options,
                                               uint64_t context, mach_port_t *name)
{
    (void)task;
    if (!options || !name)
        return KR(KERN_INVALID_ARGUMENT);
    LOCKED(construct(options, context, name));
}

static kern_return_t destruct(mach_port_t name, int srdelta)
{
    struct entry *e = entry_of(name);
    if (!e)
        return KR(KERN_INVALID_NAME);
    if (srdelta && mod_refs(e, DARWIN_MACH_PORT_RIGHT_SEND, srdelta) != KR(KERN_SUCCESS))
        return KR(KERN_INVALID_VALUE);
    e = entry_of(name);
    return e ? mod_refs(e, DARWIN_MACH_PORT_RIGHT_RECEIVE, -1) : KR(KERN_INVALID_RIGHT);
}

MB_EXPORT kern_return_t mb_mach_port_destruct(mach_port_t task, mach_port_t name, int srdelta,
                                              uint64_t guard)
{
    (void)task, (void)guard;
    LOCKED(destruct(name, srdelta));
}

static kern_return_t deallocate(mach_port_t name)
{
    struct entry *e = entry_of(name);
    if (!e)
        return is_ipc_name(name) ? KR(KERN_INVALID_NAME) : KR(KERN_SUCCESS);
    if (e->type & R_SEND_ONCE)
        return mod_refs(e, DARWIN_MACH_PORT_RIGHT_SEND_ONCE, -1);
    if (e->type & R_SEND)
        return mod_refs(e, DARWIN_MACH_PORT_RIGHT_SEND, -1);
    if (e->type & R_DEAD)
        return mod_refs(e, DARWIN_MACH_PORT_RIGHT_DEAD_NAME, -1);
    return KR(KERN_INVALID_RIGHT);
}

/* Names that are not IPC names (the task, host and thread ports, semaphores) hold no
 * references here: releasing them succeeds and changes nothing. */
MB_EXPORT kern_return_t mb_mach_port_deallocate(mach_port_t task, mach_port_t name)
{
    (void)task;
    if (name == 0 || name == (mach_port_t)DARWIN_MACH_PORT_DEAD)
        return KR(KERN_SUCCESS);
    LOCKED(deallocate(name));
}

static kern_return_t port_mod_refs(mach_port_t name, int right, int delta)
{
    struct entry *e = entry_of(name);
    if (!e)
        return is_ipc_name(name) ? KR(KERN_INVALID_NAME) : KR(KERN_SUCCESS);
    return mod_refs(e, right, delta);
}

MB_EXPORT kern_return_t mb_mach_port_mod_refs(mach_port_t task, mach_port_t name, int right,
                                              int delta)
{
    (void)task;
    LOCKED(port_mod_refs(name, right, delta));
}

static kern_return_t destroy(mach_port_t name)
{
    struct entry *e = entry_of(name);
    if (!e)
        return is_ipc_name(name) ? KR(KERN_INVALID_NAME) : KR(KERN_SUCCESS);
    if (e->type & R_SET)
        return mod_refs(e, DARWIN_MACH_PORT_RIGHT_PORT_SET, -1);
    if (e->type & R_SEND_ONCE)
        return mod_refs(e, DARWIN_MACH_PORT_RIGHT_SEND_ONCE, -1);
    if (e->type & R_DEAD)
        return mod_refs(e, DARWIN_MACH_PORT_RIGHT_DEAD_NAME, -(int)e->dead_urefs);
    if (e->type & R_SEND) {
        kern_return_t r = mod_refs(e, DARWIN_MACH_PORT_RIGHT_SEND, -(int)e->send_urefs);
        if (r != KR(KERN_SUCCESS) || !(e = entry_of(name)))
            return r;
    }
    return e->type & R_RECEIVE ? mod_refs(e, DARWIN_MACH_PORT_RIGHT_RECEIVE, -1)
                               : KR(KERN_SUCCESS);
}

MB_EXPORT kern_return_t mb_mach_port_destroy(mach_port_t task, mach_port_t name)
{
    (void)task;
    LOCKED(destroy(name));
}

/* Gives the space another right to the port `poly` names (task == self, so the name given
 * must be the port's own name, as XNU requires for send rights). */
static kern_return_t insert(mach_port_t name, mach_port_t poly, int disposition)
{
    struct entry *target = entry_of(name);
    struct carried c;
    kern_return_t r = copyin_right(poly, disposition, &c);
    if (r != KR(KERN_SUCCESS))
        return r;
    if (c.port && c.type != R_SEND_ONCE && name != c.port->name) {
        carried_release(&c);
        return target ? KR(KERN_RIGHT_EXISTS) : KR(KERN_INVALID_NAME);
    }
    int ignored;
    copyout_right(&c, &ignored);
    return KR(KERN_SUCCESS);
}

MB_EXPORT kern_return_t mb_mach_port_insert_right(mach_port_t task, mach_port_t name,
                                                  mach_port_t poly, int disposition)
{
    (void)task;
    LOCKED(insert(name, poly, disposition));
}

static kern_return_t extract(mach_port_t name, int disposition, mach_port_t *out, int *type)
{
    struct carried c;
    kern_return_t r = copyin_right(name, disposition, &c);
    if (r == KR(KERN_SUCCESS))
        *out = copyout_right(&c, type);
    return r;
}

MB_EXPORT kern_return_t mb_mach_port_extract_right(mach_port_t task, mach_port_t name,
                                                   int disposition, mach_port_t *poly,
                                                   int *poly_type)
{
    (void)task;
    LOCKED(extract(name, disposition, poly, poly_type));
}

static kern_return_t port_type(mach_port_t name, uint32_t *type)
{
    struct entry *e = entry_of(name);
    if (!e)
        return KR(KERN_INVALID_NAME);
    uint32_t t = 0;
    if (e->type & R_SEND) t |= (uint32_t)DARWIN_MACH_PORT_TYPE_SEND;
    if (e->type & R_RECEIVE) t |= (uint32_t)DARWIN_MACH_PORT_TYPE_RECEIVE;
    if (e->type & R_SEND_ONCE) t |= (uint32_t)DARWIN_MACH_PORT_TYPE_SEND_ONCE;
    if (e->type & R_SET) t |= (uint32_t)DARWIN_MACH_PORT_TYPE_PORT_SET;
    if (e->type & R_DEAD) t |= (uint32_t)DARWIN_MACH_PORT_TYPE_DEAD_NAME;
    if (e->dnrequest) t |= (uint32_t)DARWIN_MACH_PORT_TYPE_DNREQUEST;
    *type = t;
    return KR(KERN_SUCCESS);
}

MB_EXPORT kern_return_t mb_mach_port_type(mach_port_t task, mach_port_t name, uint32_t *type)
{
    (void)task;
    LOCKED(port_type(name, type));
}

static kern_return_t get_refs(mach_port_t name, int right, uint32_t *refs)
{
    struct entry *e = entry_of(name);
    if (!e)
        return KR(KERN_INVALID_NAME);
    switch (right) {
    case DARWIN_MACH_PORT_RIGHT_SEND: *refs = e->type & R_SEND ? e->send_urefs : 0; break;
    case DARWIN_MACH_PORT_RIGHT_RECEIVE: *refs = !!(e->type & R_RECEIVE); break;
    case DARWIN_MACH_PORT_RIGHT_SEND_ONCE: *refs = !!(e->type & R_SEND_ONCE); break;
    case DARWIN_MACH_PORT_RIGHT_PORT_SET: *refs = !!(e->type & R_SET); break;
    case DARWIN_MACH_PORT_RIGHT_DEAD_NAME: *refs = e->type & R_DEAD ? e->dead_urefs : 0; break;
    default: return KR(KERN_INVALID_VALUE);
    }
    return KR(KERN_SUCCESS);
}

MB_EXPORT kern_return_t mb_mach_port_get_refs(mach_port_t task, mach_port_t name, int right,
                                              uint32_t *refs)
{
    (void)task;
    LOCKED(get_refs(name, right, refs));
}

/* ---- port sets --------------------------------------------------------------------------- */

static kern_return_t move_member(mach_port_t member, mach_port_t after)
{
    struct entry *m = entry_of(member);
    if (!m)
        return KR(KERN_INVALID_NAME);
    if (!(m->type & R_RECEIVE))
        return KR(KERN_INVALID_RIGHT);
    struct entry *s = after ? entry_of(after) : NULL;
    if (after && !s)
        return KR(KERN_INVALID_NAME);
    if (s && !(s->type & R_SET))
        return KR(KERN_INVALID_RIGHT);
    struct port *p = m->port;
    if (p->set)
        port_unref(p->set);
    p->set = s ? s->port : NULL;
    if (p->set) {
        p->set->refs++;
        if (p->head)
            pthread_cond_broadcast(&p->set->cond);
    }
    update_ready(p);
    return KR(KERN_SUCCESS);
}

MB_EXPORT kern_return_t mb_mach_port_move_member(mach_port_t task, mach_port_t member,
                                                 mach_port_t after)
{
    (void)task;
    LOCKED(move_member(member, after));
}

MB_EXPORT kern_return_t mb_mach_port_insert_member(mach_port_t task, mach_port_t member,
                                                   mach_port_t set)
{
    (void)task;
    LOCKED(move_member(member, set));
}

static kern_return_t extract_member(mach_port_t member, mach_port_t set)
{
    struct entry *m = entry_of(member), *s = entry_of(set);
    if (!m || !s)
        return KR(KERN_INVALID_NAME);
    if (m->port->set != s->port)
        return KR(KERN_NOT_IN_SET);
    return move_member(member, 0);
}

MB_EXPORT kern_return_t mb_mach_port_extract_member(mach_port_t task, mach_port_t member,
                                                    mach_port_t set)
{
    (void)task;
    LOCKED(extract_member(member, set));
}

static kern_return_t set_status(mach_port_t set, mach_port_t **members, uint32_t *count)
{
    struct entry *s = entry_of(set);
    if (!s)
        return KR(KERN_INVALID_NAME);
    if (!(s->type & R_SET))
        return KR(KERN_INVALID_RIGHT);
    uint32_t n = 0;
    for (uint32_t i = 0; i < space_size; i++)
        n += (space[i].type & R_RECEIVE) && space[i].port->set == s->port;
    mach_port_t *out = mmap(NULL, n * 4 + 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                            -1, 0);
    if (out == MAP_FAILED)
        return KR(KERN_RESOURCE_SHORTAGE);
    n = 0;
    for (uint32_t i = 0; i < space_size; i++)
        if ((space[i].type & R_RECEIVE) && space[i].port->set == s->port)
            out[n++] = name_of_index(i);
    *members = out;
    *count = n;
    return KR(KERN_SUCCESS);
}

MB_EXPORT kern_return_t mb_mach_port_get_set_status(mach_port_t task, mach_port_t set,
                                                    mach_port_t **members, uint32_t *count)
{
    (void)task;
    LOCKED(set_status(set, members, count));
}

/* ---- attributes, context, guards ------------------------------------------------------------ */

static kern_return_t set_attributes(mach_port_t name, int flavor, const int32_t *info,
                                    uint32_t count)
{
    struct entry *e = entry_of(name);
    if (!e)
        return KR(KERN_INVALID_NAME);
    if (!(e->type & R_RECEIVE))
        return KR(KERN_INVALID_RIGHT);
    if (flavor == DARWIN_MACH_PORT_LIMITS_INFO) {
        if (count < 1 || info[0] <= 0 || info[0] > DARWIN_MACH_PORT_QLIMIT_MAX)
            return KR(KERN_INVALID_VALUE);
        e->port->qlimit = (uint32_t)info[0];
        pthread_cond_broadcast(&e->port->space_cond);
        if (e->port->global)
            tell_qlimit(e->port);
        return KR(KERN_SUCCESS);
    }
    /* importance, de-nap and temp-owner hints mean nothing without a scheduler to tell */
    if (flavor == DARWIN_MACH_PORT_TEMPOWNER || flavor == DARWIN_MACH_PORT_IMPORTANCE_RECEIVER ||
        flavor == DARWIN_MACH_PORT_DENAP_RECEIVER)
        return KR(KERN_SUCCESS);
    return KR(KERN_INVALID_ARGUMENT);
}

MB_EXPORT kern_return_t mb_mach_port_set_attributes(mach_port_t task, mach_port_t name,
                                                    int flavor, const int32_t *info,
                                                    uint32_t count)
{
    (void)task;
    LOCKED(set_attributes(name, flavor, info, count));
}

static kern_return_t get_attributes(mach_port_t name, int flavor, int32_t *info,
                                    uint32_t *count)
{
    struct entry *e = entry_of(name);
    if (!e)
        return KR(KERN_INVALID_NAME);
    if (!(e->type & R_RECEIVE))
        return KR(KERN_INVALID_RIGHT);
    struct port *p = e->port;
    if (flavor == DARWIN_MACH_PORT_LIMITS_INFO) {
        if (*count < 1)
            return KR(KERN_FAILURE);
        info[0] = (int32_t)p->qlimit;
        *count = 1;
        return KR(KERN_SUCCESS);
    }
    if (flavor == DARWIN_MACH_PORT_RECEIVE_STATUS) {
        if (*count < sizeof(struct darwin_mach_port_status) / 4)
            return KR(KERN_FAILURE);
        struct darwin_mach_port_status s = {
            .mps_pset = p->set ? p->set->name : 0, .mps_seqno = p->seqno,
            .mps_mscount = p->mscount, .mps_qlimit = p->qlimit, .mps_msgcount = p->qcount,
            .mps_sorights = p->sonce_rights, .mps_srights = p->send_rights > 0,
            .mps_pdrequest = p->pdrequest != NULL, .mps_nsrequest = p->nsrequest != NULL};
        memcpy(info, &s, sizeof s);
        *count = sizeof s / 4;
        return KR(KERN_SUCCESS);
    }
    if (flavor == DARWIN_MACH_PORT_DNREQUESTS_SIZE) {
        info[0] = 0;
        *count = 1;
        return KR(KERN_SUCCESS);
    }
    return KR(KERN_INVALID_ARGUMENT);
}

MB_EXPORT kern_return_t mb_mach_port_get_attributes(mach_port_t task, mach_port_t name,
                                                    int flavor, int32_t *info, uint32_t *count)
{
    (void)task;
    LOCKED(get_attributes(name, flavor, info, count));
}

static kern_return_t set_context(mach_port_t name, uint64_t context)
{
    struct entry *e = entry_of(name);
    if (!e)
        return KR(KERN_INVALID_NAME);
    if (!(e->type & R_RECEIVE))
        return KR(KERN_INVALID_RIGHT);
    e->port->context = context;
    return KR(KERN_SUCCESS);
}

MB_EXPORT kern_return_t mb_mach_port_set_context(mach_port_t task, mach_port_t name,
                                                 uint64_t context)
{
    (void)task;
    LOCKED(set_context(name, context));
}

static kern_return_t get_context(mach_port_t name, uint64_t *context)
{
    struct entry *e = entry_of(name);
    if (!e)
        return KR(KERN_INVALID_NAME);
    if (!(e->type & R_RECEIVE))
        return KR(KERN_INVALID_RIGHT);
    *context = e->port->context;
    return KR(KERN_SUCCESS);
}

MB_EXPORT kern_return_t mb_mach_port_get_context(mach_port_t task, mach_port_t name,
                                                 uint64_t *context)
{
    (void)task;
    LOCKED(get_context(name, context));
}

/* Guards protect a receive right against mistakes of the program's own; nothing to enforce
 * here beyond the right being there. */
static kern_return_t has_receive(mach_port_t name)
{
    struct entry *e = entry_of(name);
    return !e ? KR(KERN_INVALID_NAME) : e->type & R_RECEIVE ? KR(KERN_SUCCESS)
                                                             : KR(KERN_INVALID_RIGHT);
}

MB_EXPORT kern_return_t mb_mach_port_guard(mach_port_t task, mach_port_t name, uint64_t guard,
                                           int strict)
{
    (void)task, (void)guard, (void)strict;
    LOCKED(has_receive(name));
}

MB_EXPORT kern_return_t mb_mach_port_unguard(mach_port_t task, mach_port_t name,
                                             uint64_t guard)
{
    (void)task, (void)guard;
    LOCKED(has_receive(name));
}

/* ---- notifications ------------------------------------------------------------------------- */

static kern_return_t request_notification(mach_port_t name, int variant, uint32_t sync,
                                          mach_port_t notify, int disposition,
                                          mach_port_t *previous)
{
    struct entry *e = entry_of(name);
    if (!e)
        return KR(KERN_INVALID_NAME);
    struct carried c = {0};
    if (notify) {
        kern_return_t r = copyin_right(notify, disposition, &c);
        if (r != KR(KERN_SUCCESS))
            return r;
        if (c.type != R_SEND_ONCE) {
            carried_destroy(&c, 0);
            return KR(KERN_INVALID_CAPABILITY);
        }
    }
    struct port *old = NULL;
    if (variant == DARWIN_MACH_NOTIFY_NO_SENDERS) {
        if (!(e->type & R_RECEIVE)) {
            carried_destroy(&c, 0);
            return KR(KERN_INVALID_RIGHT);
        }
        struct port *p = e->port;
        old = p->nsrequest;
        p->nsrequest = c.port;
        p->nsrequest_sync = sync;
        if (p->nsrequest && p->send_rights == 0 && p->mscount >= sync) {
            p->nsrequest = NULL;
            send_notification(c.port, (int)DARWIN_MACH_NOTIFY_NO_SENDERS, p->mscount);
        }
    } else if (variant == DARWIN_MACH_NOTIFY_DEAD_NAME) {
        if (e->type & R_DEAD) {
            /* already dead: the notification comes at once */
            if (c.port) {
                e->dead_urefs++;
                send_notification(c.port, (int)DARWIN_MACH_NOTIFY_DEAD_NAME, name);
            }
        } else if (e->type & (R_SEND | R_SEND_ONCE)) {
            old = e->dnrequest;
            e->dnrequest = c.port;
        } else {
            carried_destroy(&c, 0);
            return KR(KERN_INVALID_RIGHT);
        }
    } else if (variant == DARWIN_MACH_NOTIFY_PORT_DESTROYED) {
        if (sync || !(e->type & R_RECEIVE)) { /* sync first, as XNU checks it */
            carried_destroy(&c, 0);
            return sync ? KR(KERN_INVALID_VALUE) : KR(KERN_INVALID_RIGHT);
        }
        old = e->port->pdrequest;
        e->port->pdrequest = c.port;
        tell_pdrequest(e->port);
    } else if (variant == DARWIN_MACH_NOTIFY_SEND_ONCE ||
               variant == DARWIN_MACH_NOTIFY_PORT_DELETED) {
        carried_release(&c); /* accepted; these never fire in one space */
    } else {
        carried_destroy(&c, 0);
        return KR(KERN_INVALID_VALUE);
    }
    *previous = 0;
    if (old) {
        int ignored;
        struct carried back = {old, R_SEND_ONCE};
        *previous = copyout_right(&back, &ignored);
    }
    return KR(KERN_SUCCESS);
}

MB_EXPORT kern_return_t mb_mach_port_request_notification(mach_port_t task, mach_port_t name,
                                                          int variant, uint32_t sync,
                                                          mach_port_t notify, int disposition,
                                                          mach_port_t *previous)
{
    (void)task;
    LOCKED(request_notification(name, variant, sync, notify, disposition, previous));
}

/* ---- received messages and MIG servers ---------------------------------------------------- */

static void destroy_received_right(mach_port_t name, int type)
{
    if (!name || name == (mach_port_t)DARWIN_MACH_PORT_DEAD)
        return;
    if (type == DARWIN_MACH_MSG_TYPE_PORT_SEND || type == DARWIN_MACH_MSG_TYPE_MOVE_SEND)
        port_mod_refs(name, DARWIN_MACH_PORT_RIGHT_SEND, -1);
    else if (type == DARWIN_MACH_MSG_TYPE_PORT_SEND_ONCE || type == DARWIN_MACH_MSG_TYPE_MOVE_SEND_ONCE)
        port_mod_refs(name, DARWIN_MACH_PORT_RIGHT_SEND_ONCE, -1);
    else if (type == DARWIN_MACH_MSG_TYPE_PORT_RECEIVE || type == DARWIN_MACH_MSG_TYPE_MOVE_RECEIVE)
        port_mod_refs(name, DARWIN_MACH_PORT_RIGHT_RECEIVE, -1);
}

/* Releases what a received message carries: the reply right, rights in descriptors and
 * out-of-line memory. */
MB_EXPORT void mb_mach_msg_destroy(struct darwin_mach_msg_header *h)
{
    pthread_mutex_lock(&ipc_lock);
    destroy_received_right(h->msgh_remote_port, (int)(h->msgh_bits & DARWIN_MACH_MSGH_BITS_REMOTE_MASK));
    if (h->msgh_bits & DARWIN_MACH_MSGH_BITS_COMPLEX) {
        unsigned char *base = (unsigned char *)h;
        uint32_t count;
        size_t at = sizeof *h + 4;
        memcpy(&count, base + sizeof *h, 4);
        for (uint32_t i = 0; i < count && at + 12 <= h->msgh_size; i++) {
            unsigned char *d = base + at;
            at += descriptor_size(d);
            int t = descriptor_type(d);
            uint32_t name;
            uint64_t address;
            memcpy(&name, descriptor_name(d), 4);
            memcpy(&address, d, 8);
            if (is_port_descriptor(t)) {
                destroy_received_right(name, d[10]);
            } else if (t == DARWIN_MACH_MSG_OOL_PORTS_DESCRIPTOR) {
                for (uint32_t j = 0; address && j < ool_count(d); j++)
                    destroy_received_right(((uint32_t *)(uintptr_t)address)[j], d[10]);
                if (address)
                    munmap((void *)(uintptr_t)address, ool_count(d) * 4);
            } else if (address && ool_count(d)) {
                munmap((void *)(uintptr_t)address, ool_count(d));
            }
        }
    }
    pthread_mutex_unlock(&ipc_lock);
}

typedef int (*mig_demux)(struct darwin_mach_msg_header *request,
                         struct darwin_mach_msg_header *reply);

/* Receives one request on `rcv_name`, hands it to the MIG demultiplexer and sends its
 * reply, as libsystem_kernel's mach_msg_server_once does. */
MB_EXPORT mach_msg_return_t mb_mach_msg_server_once(mig_demux demux, uint32_t max_size,
                                                    mach_port_t rcv_name, int options)
{
    uint32_t size = max_size + TRAILER_MAX;
    struct darwin_mig_reply_error *request = calloc(1, size), *reply = calloc(1, size);
    mach_msg_return_t r = (mach_msg_return_t)DARWIN_MACH_RCV_INVALID_NAME;
    if (!request || !reply) {
        r = (mach_msg_return_t)DARWIN_MACH_SEND_NO_BUFFER;
        goto out;
    }
    int rcv_options = (options & ~DARWIN_MACH_SEND_MSG & ~DARWIN_MACH_SEND_TIMEOUT) |
                      DARWIN_MACH_RCV_MSG;
    r = mb_mach_msg(&request->Head, rcv_options, 0, size, rcv_name, 0, 0);
    if (r != (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS)
        goto out;
    demux(&request->Head, &reply->Head);
    if (reply->RetCode == (int32_t)DARWIN_MIG_NO_REPLY) {
        r = (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS;
        goto out;
    }
    if (reply->RetCode != 0 && (request->Head.msgh_bits & DARWIN_MACH_MSGH_BITS_COMPLEX)) {
        /* the request failed: what it carried is not the server's to keep */
        request->Head.msgh_remote_port = 0;
        mb_mach_msg_destroy(&request->Head);
    }
    if (!reply->Head.msgh_remote_port) {
        mb_mach_msg_destroy(&reply->Head);
        r = (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS;
        goto out;
    }
    int send_options = DARWIN_MACH_SEND_MSG | (options & DARWIN_MACH_SEND_TIMEOUT);
    r = mb_mach_msg(&reply->Head, send_options, reply->Head.msgh_size, 0, 0, 0, 0);
    if (r == (mach_msg_return_t)DARWIN_MACH_SEND_INVALID_DEST ||
        r == (mach_msg_return_t)DARWIN_MACH_SEND_TIMED_OUT) {
        mb_mach_msg_destroy(&reply->Head);
        r = (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS;
    }
out:
    free(request);
    free(reply);
    return r;
}

MB_EXPORT mach_msg_return_t mb_mach_msg_server(mig_demux demux, uint32_t max_size,
                                               mach_port_t rcv_name, int options)
{
    for (;;) {
        mach_msg_return_t r = mb_mach_msg_server_once(demux, max_size, rcv_name, options);
        if (r != (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS)
            return r;
    }
}

/* MIG's per-thread reply port. */
static __thread mach_port_t mig_reply;

MB_EXPORT mach_port_t mb_mig_get_reply_port(void)
{
    if (!mig_reply)
        mig_reply = mb_mach_reply_port();
    return mig_reply;
}

MB_EXPORT void mb_mig_dealloc_reply_port(mach_port_t port)
{
    (void)port;
    mach_port_t old = mig_reply;
    mig_reply = 0;
    if (old)
        mb_mach_port_mod_refs(0, old, DARWIN_MACH_PORT_RIGHT_RECEIVE, -1);
}

MB_EXPORT void mb_mig_put_reply_port(mach_port_t port) { (void)port; }

/* ---- fork ------------------------------------------------------------------------------------ */

/* A forked child's task gets a new, empty IPC space (names from the parent mean nothing in
 * it). The parent's port objects are left behind in the child's memory, unreferenced. */
static void child_after_fork(void)
{
    pthread_mutex_init(&ipc_lock, NULL);
    space = NULL;
    space_size = 0;
    globals_forget();
    bootstrap_special = NULL;
    mig_reply = 0;
}

static void __attribute__((constructor)) init_ipc(void)
{
    pthread_atfork(NULL, NULL, child_after_fork);
}

/* ---- send rights held by machbox itself (exception ports) ----------------------------------- */

/* A send right copied from `name` (0 for MACH_PORT_NULL), kept outside the space. */
MB_HIDDEN kern_return_t mb_ipc_copy_send(uint32_t name, void **port)
{
    *port = NULL;
    if (name == 0 || name == (mach_port_t)DARWIN_MACH_PORT_DEAD)
        return KR(KERN_SUCCESS);
    pthread_mutex_lock(&ipc_lock);
    struct carried c;
    kern_return_t r = copyin_right(name, DARWIN_MACH_MSG_TYPE_COPY_SEND, &c);
    pthread_mutex_unlock(&ipc_lock);
    if (r == KR(KERN_SUCCESS))
        *port = c.port;
    return r == KR(KERN_SUCCESS) ? r : KR(KERN_INVALID_CAPABILITY);
}

/* Another send right to `p`, given to the space: its name. */
MB_HIDDEN mach_port_t give_send(struct port *p)
{
    p->refs++;
    p->send_rights++;
    struct carried c = {p, R_SEND};
    int ignored;
    return copyout_right(&c, &ignored);
}

MB_HIDDEN uint32_t mb_ipc_name_send(void *port)
{
    if (!port)
        return 0;
    pthread_mutex_lock(&ipc_lock);
    mach_port_t n = give_send(port);
    pthread_mutex_unlock(&ipc_lock);
    return n;
}

MB_HIDDEN void *mb_ipc_retain_send(void *port)
{
    if (port) {
        pthread_mutex_lock(&ipc_lock);
        ((struct port *)port)->refs++;
        ((struct port *)port)->send_rights++;
        pthread_mutex_unlock(&ipc_lock);
    }
    return port;
}

MB_HIDDEN void mb_ipc_release_send(void *port)
{
    if (!port)
        return;
    pthread_mutex_lock(&ipc_lock);
    struct carried c = {port, R_SEND};
    carried_release(&c);
    pthread_mutex_unlock(&ipc_lock);
}

