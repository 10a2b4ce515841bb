/* Mach IPC across processes: the ports of this process that others hold rights to, its
 * proxies of other processes' ports, and messages to and from the per-prefix server
 * (mach_remote.c holds the connection; machbox/server/protocol.py the wire format).
 *
 * A right that leaves the process travels as a global port id. A local port gets one when
 * a right to it is first sent out (it is *exported*); a right to another process's port is
 * a *proxy* here: a port object with that id and no queue, whose messages are written to
 * the server, and which dies (its names becoming dead names, with their notifications)
 * when the server says its owner destroyed it or exited. Messages the server delivers for
 * an exported port are queued on it as local ones are (mach_ipc.c's enqueue). Send rights
 * other processes hold are counted by the server: an exported port keeps one send right
 * standing for all of them until the server says none is left (no-senders). Receive rights
 * move between processes, queue limits hold senders back at the server, and a task port
 * travels as its pid. Everything here runs under mach_ipc.c's ipc_lock.
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "darwin_abi.h"
#include "mach_ipc.h"
#include "mach_remote.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- global ports: this process's exported ports and its proxies ------------------------- */

static struct port **globals; /* each holds a reference */
static uint32_t nglobals, globals_cap;

static struct port *global_find(uint64_t id)
{
    for (uint32_t i = 0; i < nglobals; i++)
        if (globals[i]->global == id)
            return globals[i];
    return NULL;
}

static int global_add(struct port *p)
{
    if (nglobals == globals_cap) {
        uint32_t cap = globals_cap ? globals_cap * 2 : 16;
        struct port **g = realloc(globals, cap * sizeof *g);
        if (!g)
            return -1;
        globals = g;
        globals_cap = cap;
    }
    p->refs++;
    globals[nglobals++] = p;
    return 0;
}

static void global_remove(struct port *p)
{
    for (uint32_t i = 0; i < nglobals; i++)
        if (globals[i] == p) {
            globals[i] = globals[--nglobals];
            port_unref(p);
            return;
        }
}

/* A port in another process, known by its global id: with a reference for the caller. */
MB_HIDDEN struct port *proxy_of(uint64_t id)
{
    struct port *p = global_find(id);
    if (p) {
        p->refs++;
        return p;
    }
    if (!(p = port_new(0)))
        return NULL;
    p->receiver = 1; /* alive until the server says otherwise */
    p->proxy = 1;
    p->global = id;
    if (global_add(p)) {
        port_unref(p);
        return NULL;
    }
    return p;
}

/* A local port as other processes know it; 0 when there is no server to tell. */
MB_HIDDEN void tell_qlimit(struct port *p)
{
    unsigned char body[16] = {0};
    memcpy(body, &p->global, 8);
    memcpy(body + 8, &p->qlimit, 4);
    mb_remote_notify(RP_QLIMIT, body, sizeof body);
}

static uint64_t export_port(struct port *p)
{
    if (!p->global) {
        uint64_t id = mb_remote_new_port();
        if (!id)
            return 0;
        p->global = id;
        if (global_add(p)) {
            p->global = 0;
            return 0;
        }
        if (p->qlimit != (uint32_t)DARWIN_MACH_PORT_QLIMIT_DEFAULT)
            tell_qlimit(p);
    }
    return p->global;
}

/* A port-destroyed request on our port `p` (set or replaced): when its notify port is
 * another process's, the server must know, to send the receive right there should this
 * process die holding it. (A request that fires here, or a port that moves, is its own
 * news to the server.) */
MB_HIDDEN void tell_pdrequest(struct port *p)
{
    struct port *n = p->pdrequest;
    int remote = n && n->proxy;
    if (remote ? !export_port(p) : !p->global)
        return;
    unsigned char body[16];
    uint64_t notify = remote ? n->global : 0;
    memcpy(body, &p->global, 8);
    memcpy(body + 8, &notify, 8);
    mb_remote_notify(RP_PDREQUEST, body, sizeof body);
}

/* A fork's child: its parent's global ports are not its own. */
MB_HIDDEN void globals_forget(void)
{
    globals = NULL;
    nglobals = globals_cap = 0;
}

/* ---- messages to other processes --------------------------------------------------------- */

struct wbuf {
    unsigned char *data;
    size_t len, cap;
    int failed;
};

static void put(struct wbuf *w, const void *src, size_t n)
{
    if (w->failed)
        return;
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 512;
        while (cap < w->len + n)
            cap *= 2;
        unsigned char *d = realloc(w->data, cap);
        if (!d) {
            w->failed = 1;
            return;
        }
        w->data = d;
        w->cap = cap;
    }
    memcpy(w->data + w->len, src, n);
    w->len += n;
}

#define HOST_SELF_PORT 0x203u

/* What a kernel object's port names, for another process: a task's port travels as its
 * pid, the host's as itself; a thread's means nothing there (MACH_PORT_NULL). */
static uint64_t kernel_object_id(mach_port_t name)
{
    if (name == HOST_SELF_PORT)
        return RP_HOST;
    int pid = mb_task_pid_of_name(name);
    return pid > 0 ? RP_TASK_OF_PID | (uint64_t)pid : 0;
}

static mach_port_t kernel_object_name(uint64_t id)
{
    if (id == RP_HOST)
        return HOST_SELF_PORT;
    return (id & RP_TASK_OF_PID) == RP_TASK_OF_PID ? mb_task_name_of_pid((int)(id & 0x3fffffff))
                                                   : 0;
}

/* A carried right as it travels: (global id, type, owned by us). */
static int put_right(struct wbuf *w, struct carried *c)
{
    uint64_t id = 0;
    uint32_t type = 0, owned = 0;
    if (!c->port && c->kernel_name && (id = kernel_object_id(c->kernel_name)))
        type = c->type;
    if (c->port) {
        if (c->type == R_RECEIVE && c->port->proxy)
            return -1;
        if (!c->port->proxy && !export_port(c->port))
            return -1;
        id = c->port->global;
        type = c->type;
        owned = !c->port->proxy;
        if (owned && type == R_SEND)
            c->port->exported++;
    }
    put(w, &id, 8);
    put(w, &type, 4);
    put(w, &owned, 4);
    return 0;
}

/* What a sent right leaves behind. A send right to one of our ports now held elsewhere:
 * the first keeps standing, as the port's remote hold, for all other processes' send
 * rights until the server says none is left (NO_SENDERS); a send-once right stays counted
 * until it comes back. Rights to proxies moved out of this process. */

/* Our port's receive right went to another process: the port object stays as the proxy
 * our remaining send rights name, and what was queued on it follows the right. */
static void moved_away(struct port *p)
{
    p->proxy = 1;
    p->arrived = p->exported = 0;
    if (p->remote_hold) {
        p->remote_hold = 0;
        p->send_rights--;
    }
    /* its requests cannot follow it: their rights go, unused, without notifications */
    struct port *requests[2] = {p->nsrequest, p->pdrequest};
    p->nsrequest = p->pdrequest = NULL;
    for (int i = 0; i < 2; i++) {
        struct carried c = {requests[i], R_SEND_ONCE};
        carried_release(&c);
    }
    p->refs++;
    while (p->head) /* no waiting here: the server queues them if the new owner's is full */
        remote_send(dequeue(p), WAIT_NOT);
    if (!p->send_rights)
        proxy_released(p); /* we hold no send right to it: the server must not wait for us */
    wake_receivers(p);     /* a receiver blocked on it here learns it moved */
    port_unref(p);
}

static void release_sent(struct carried *c)
{
    struct port *p = c->port;
    if (p && !p->proxy && c->type == R_RECEIVE) {
        moved_away(p);
        port_unref(p);
        c->port = NULL;
        return;
    }
    if (p && !p->proxy && (c->type == R_SEND_ONCE || (c->type == R_SEND && !p->remote_hold))) {
        p->remote_hold |= c->type == R_SEND;
        port_unref(p);
        c->port = NULL;
    }
    carried_release(c);
}


/* Writes a copied-in message to the server, for the process owning its destination:
 * the protocol's message frame (machbox/server/protocol.py) with the OOL memory after it.
 * A message on a send right waits (up to `wait_ms`, with the IPC lock released) until the
 * server has passed it on: the owner's queue limit holds it back when full, as XNU's does;
 * one on a send-once right never waits. WAIT_NOT: written without waiting for the answer
 * (the server still queues it behind the limit). */
MB_HIDDEN mach_msg_return_t remote_send(struct kmsg *k, long wait_ms)
{
    struct wbuf w = {0};
    uint32_t nrights = (uint32_t)(1 + k->nports), dtype = k->dest.type;
    put(&w, &k->dest.port->global, 8);
    put(&w, &dtype, 4);
    put(&w, &nrights, 4);
    int bad = put_right(&w, &k->reply);
    for (size_t i = 0; i < k->nports && !bad; i++)
        bad = put_right(&w, &k->ports[i]);
    uint32_t pid = (uint32_t)getpid(); /* for the receiver's audit trailer */
    put(&w, &pid, 4);
    put(&w, &k->size, 4);
    put(&w, k->bytes, k->size);
    for (int i = 0; i < k->ndesc; i++) {
        unsigned char *d = descriptor_at(k, i);
        if (is_ool_data(descriptor_type(d)))
            put(&w, k->ool[i], ool_count(d));
    }
    mach_msg_return_t r = bad ? (mach_msg_return_t)DARWIN_MACH_SEND_INVALID_RIGHT
                          : w.failed ? (mach_msg_return_t)DARWIN_MACH_SEND_NO_BUFFER
                          : w.len + 4 > RP_MAX_FRAME ? (mach_msg_return_t)DARWIN_MACH_SEND_TOO_LARGE
                                     : (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS;
    void *waiting = NULL;
    if (r == (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS) {
        int flow = k->dest.type == R_SEND && wait_ms != WAIT_NOT;
        if (flow ? !(waiting = mb_remote_begin(RP_SEND_WAIT, w.data, w.len))
                 : mb_remote_send(RP_SEND, w.data, w.len) != 0)
            r = (mach_msg_return_t)DARWIN_MACH_SEND_INVALID_DEST;
    }
    free(w.data);
    if (r != (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS) {
        kmsg_destroy(k);
        return r;
    }
    carried_release(&k->dest);
    release_sent(&k->reply);
    for (size_t i = 0; i < k->nports; i++)
        release_sent(&k->ports[i]);
    kmsg_free(k);
    if (waiting) { /* nothing of the space is used after this: other threads may go on */
        pthread_mutex_unlock(&ipc_lock);
        r = mb_remote_wait(waiting, wait_ms);
        pthread_mutex_lock(&ipc_lock);
    }
    return r;
}

/* Our port `p` is gone: other processes' rights to it die too. */
MB_HIDDEN void unexport(struct port *p)
{
    if (!p->proxy && p->global) {
        uint64_t id = p->global;
        mb_remote_notify(RP_PORT_DEAD, &id, sizeof id); /* no server: none to tell */
        global_remove(p);
        p->global = 0;
    }
}

/* ---- what the server sends (mach_remote.c's reader thread) ---------------------------------- */

struct rbuf {
    const unsigned char *at;
    size_t left;
    int bad;
};

static const unsigned char *take(struct rbuf *r, size_t n)
{
    if (r->bad || n > r->left) {
        r->bad = 1;
        return NULL;
    }
    const unsigned char *at = r->at;
    r->at += n;
    r->left -= n;
    return at;
}

/* A receive right another process moved here: a proxy of ours becomes the port itself,
 * its send rights ours; the server's one stands for other processes' (as on check-in). */
static void adopt_moved(struct carried *c, uint64_t id)
{
    struct port *p = global_find(id);
    if (p && !p->proxy)
        return;
    if (p) {
        p->refs++;
        p->proxy = 0;
    } else {
        if (!(p = port_new(0)))
            return;
        p->global = id;
        if (global_add(p)) {
            port_unref(p);
            return;
        }
    }
    p->receiver = 1;
    p->arrived = p->exported = 0;
    p->remote_hold = 1;
    p->send_rights++;
    *c = (struct carried){p, R_RECEIVE};
}

/* A right arriving from another process: to one of our own ports, or to a proxy. */
static void right_from_wire(struct carried *c, const unsigned char *wire)
{
    uint64_t id;
    uint32_t type;
    memcpy(&id, wire, 8);
    memcpy(&type, wire + 8, 4);
    *c = (struct carried){0};
    if (id & RP_KERNEL_OBJECT) {
        c->kernel_name = kernel_object_name(id);
        c->type = c->kernel_name ? type : 0;
        return;
    }
    if (type == R_RECEIVE && id) {
        adopt_moved(c, id);
        return;
    }
    if (!id || (type != R_SEND && type != R_SEND_ONCE))
        return;
    struct port *p = global_find(id);
    if (p)
        p->refs++;
    else if (!(p = proxy_of(id)))
        return;
    if (type == R_SEND) {
        p->send_rights++;
        p->arrived += p->proxy;
    } else {
        p->sonce_rights++;
    }
    *c = (struct carried){p, type};
}

/* The body of a message for the ports after the rights: OOL memory, in descriptor order. */
static int body_from_wire(struct kmsg *k, struct rbuf *r, const unsigned char *rights,
                          uint32_t nrights)
{
    if (layout_body(k) != (mach_msg_return_t)DARWIN_MACH_MSG_SUCCESS || k->nports != nrights - 1)
        return -1;
    for (size_t i = 0; i < k->nports; i++)
        right_from_wire(&k->ports[i], rights + 16 * (i + 1));
    for (int i = 0; i < k->ndesc; i++) {
        unsigned char *d = descriptor_at(k, i);
        int t = descriptor_type(d);
        if (!is_ool_data(t) && t != DARWIN_MACH_MSG_OOL_PORTS_DESCRIPTOR && !is_port_descriptor(t))
            return -1;
        if (!is_ool_data(t))
            continue;
        uint32_t n = ool_count(d);
        const unsigned char *data = take(r, n);
        if (!data || !(k->ool[i] = malloc(n ? n : 1)))
            return -1;
        memcpy(k->ool[i], data, n);
    }
    return 0;
}

/* A message for one of our exported ports: queued as a local one would be. */
MB_HIDDEN void mb_ipc_deliver(const unsigned char *body, size_t len)
{
    struct rbuf r = {body, len, 0};
    uint64_t dest;
    uint32_t dtype, nrights, size;
    const unsigned char *head = take(&r, 16);
    if (!head)
        return;
    memcpy(&dest, head, 8);
    memcpy(&dtype, head + 8, 4);
    memcpy(&nrights, head + 12, 4);
    const unsigned char *rights =
        nrights && nrights < 65536 ? take(&r, 16 * (size_t)nrights) : NULL;
    const unsigned char *pid = take(&r, 4), *sz = take(&r, 4);
    if (!rights || !pid || !sz)
        return;
    memcpy(&size, sz, 4);
    const unsigned char *bytes = take(&r, size);
    if (!bytes || size < sizeof(struct darwin_mach_msg_header) || size % 4)
        return;
    pthread_mutex_lock(&ipc_lock);
    struct port *p = global_find(dest);
    if (p && p->proxy && dest != RP_BOOTSTRAP_PORT) /* its receive right left: after it */
        mb_remote_notify(RP_BOUNCE, body, len);
    /* for a port of ours destroyed meanwhile (the server has not heard yet) the message is
     * destroyed here: the rights it carried go as rights do, with their notifications */
    int alive = p && !p->proxy && p->receiver;
    struct kmsg *k = !(p && p->proxy) ? calloc(1, sizeof *k + size) : NULL;
    if (k) {
        memcpy(k->bytes, bytes, size);
        k->size = size;
        memcpy(&k->sender_pid, pid, 4);
        if (alive) {
            p->refs++;
            if (dtype == R_SEND)
                p->send_rights++;
            k->counted = dtype == R_SEND;
            k->dest = (struct carried){p, dtype == R_SEND ? R_SEND : R_SEND_ONCE};
        }
        right_from_wire(&k->reply, rights);
        const struct darwin_mach_msg_header *h = (const void *)bytes;
        int bad = (h->msgh_bits & DARWIN_MACH_MSGH_BITS_COMPLEX)
                      ? body_from_wire(k, &r, rights, nrights) : nrights != 1;
        if (bad || !alive)
            kmsg_destroy(k);
        else
            enqueue(p, k);
    }
    pthread_mutex_unlock(&ipc_lock);
}

/* No other process holds a send right to our port: its remote hold goes. */
static void drop_remote_hold(struct port *p)
{
    if (p->remote_hold) {
        p->remote_hold = 0;
        send_right_gone(p);
    }
}

MB_HIDDEN void mb_ipc_no_senders(uint64_t id, uint32_t exported)
{
    pthread_mutex_lock(&ipc_lock);
    struct port *p = global_find(id);
    if (p && !p->proxy && p->exported == exported) /* else a newer one is on its way */
        drop_remote_hold(p);
    pthread_mutex_unlock(&ipc_lock);
}

/* This process's last send right to another's port is gone: tell the server, with how
 * many had arrived (so one still on its way here is not forgotten). */
MB_HIDDEN void proxy_released(struct port *p)
{
    if (p->global == RP_BOOTSTRAP_PORT)
        return;
    unsigned char body[16] = {0};
    memcpy(body, &p->global, 8);
    memcpy(body + 8, &p->arrived, 4);
    mb_remote_notify(RP_RELEASE, body, sizeof body);
}

/* A port another process owned is gone: its proxy dies as a local port does. */
static void proxy_dies(struct port *p)
{
    p->refs++;
    global_remove(p);
    port_destroy_receive(p);
    port_unref(p);
}

MB_HIDDEN void mb_ipc_port_dead(uint64_t id)
{
    pthread_mutex_lock(&ipc_lock);
    struct port *p = global_find(id);
    if (p && p->proxy && id != RP_BOOTSTRAP_PORT)
        proxy_dies(p);
    pthread_mutex_unlock(&ipc_lock);
}

/* The server went away: every other process's port is dead to us, and our own exported
 * ports will get new ids from the next server. The bootstrap port stays: the next call on
 * it starts a server again. */
MB_HIDDEN void mb_ipc_server_gone(uint32_t client)
{
    pthread_mutex_lock(&ipc_lock);
    for (uint32_t i = nglobals; i-- > 0;) {
        if (i >= nglobals)
            continue;
        struct port *p = globals[i];
        if (p->global == RP_BOOTSTRAP_PORT)
            continue;
        if (p->proxy) {
            proxy_dies(p);
        } else if (p->global >> RP_CLIENT_SHIFT == client) { /* not one a new server knows */
            p->global = 0;
            drop_remote_hold(p);
            global_remove(p);
        }
    }
    pthread_mutex_unlock(&ipc_lock);
}

/* ---- for the bootstrap calls (mach_remote.c) ------------------------------------------------ */

/* bootstrap_check_in: the receive right of a global port comes to this process. */
MB_HIDDEN uint32_t mb_ipc_adopt_receive(uint64_t id)
{
    pthread_mutex_lock(&ipc_lock);
    mach_port_t n = 0;
    struct port *p = global_find(id);
    if (p && !p->proxy) {
        n = p->name;
    } else if (!p && (p = port_new(0))) {
        p->receiver = 1;
        p->global = id;
        p->remote_hold = 1; /* the send right launchd keeps (and hands out by look_up) */
        p->send_rights = p->mscount = 1;
        if (global_add(p) == 0 && (n = entry_new(p, R_RECEIVE)))
            p->name = n;
        else
            port_unref(p);
    }
    pthread_mutex_unlock(&ipc_lock);
    return n;
}

/* A send right to the global port `id` (bootstrap_look_up's answer), as a name. */
MB_HIDDEN uint32_t mb_ipc_name_global_send(uint64_t id)
{
    pthread_mutex_lock(&ipc_lock);
    if (!space_size)
        space_init();
    mach_port_t n = 0;
    struct port *p = global_find(id);
    if (p)
        p->refs++;
    else
        p = proxy_of(id);
    if (p) {
        p->arrived += p->proxy;
        n = give_send(p);
        port_unref(p);
    }
    pthread_mutex_unlock(&ipc_lock);
    return n;
}

/* The global port a send right `name` names, exporting a local port (bootstrap_register:
 * the server keeps that send right, so it stays counted). 0 if `name` is no send right. */
MB_HIDDEN uint64_t mb_ipc_global_send(uint32_t name)
{
    pthread_mutex_lock(&ipc_lock);
    uint64_t id = 0;
    struct entry *e = entry_of(name);
    if (e && (e->type & R_SEND)) {
        struct port *p = e->port;
        id = p->proxy ? p->global : export_port(p);
        if (id && !p->proxy) {
            p->exported++;
            if (!p->remote_hold) {
                p->remote_hold = 1;
                p->send_rights++;
            }
        }
    }
    pthread_mutex_unlock(&ipc_lock);
    return id;
}

MB_HIDDEN int mb_ipc_is_bootstrap(uint32_t name)
{
    pthread_mutex_lock(&ipc_lock);
    struct entry *e = entry_of(name);
    int yes = e && (e->type & R_SEND) && e->port->proxy && e->port->global == RP_BOOTSTRAP_PORT;
    pthread_mutex_unlock(&ipc_lock);
    return yes;
}

/* task_get_special_port(TASK_BOOTSTRAP_PORT): a new send right to it. */
MB_HIDDEN uint32_t mb_ipc_get_bootstrap_special(void)
{
    pthread_mutex_lock(&ipc_lock);
    if (!space_size)
        space_init();
    mach_port_t n = bootstrap_special ? give_send(bootstrap_special) : 0;
    pthread_mutex_unlock(&ipc_lock);
    return n;
}

MB_HIDDEN kern_return_t mb_ipc_set_bootstrap_special(uint32_t name)
{
    pthread_mutex_lock(&ipc_lock);
    if (!space_size)
        space_init();
    struct carried c;
    kern_return_t r = copyin_right(name, DARWIN_MACH_MSG_TYPE_COPY_SEND, &c);
    if (r == KR(KERN_SUCCESS) && !c.port && name)
        r = KR(KERN_INVALID_RIGHT); /* a kernel object's port cannot serve as one */
    if (r == KR(KERN_SUCCESS)) {
        struct carried old = {bootstrap_special, R_SEND};
        bootstrap_special = c.port;
        carried_release(&old);
    }
    pthread_mutex_unlock(&ipc_lock);
    return r;
}
