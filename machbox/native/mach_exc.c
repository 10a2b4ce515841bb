/* Mach exception ports: where a task's or thread's exceptions would go.
 *
 * task_/thread_ set, get and swap keep, per exception type, a send right, a behaviour and a
 * thread-state flavour, as XNU's exception actions do. Crash reporters, LLVM (which turns
 * off the crash reporter through EXC_MASK_CRASH) and JavaScriptCore register them at start.
 * Thread ports are Linux thread ids here, so a thread's actions are kept by id. Faults are
 * then delivered to them as exception messages (below).
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "darwin_abi.h"
#include "translate.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

typedef uint32_t mach_port_t;
typedef int kern_return_t;
#define KR(x) ((kern_return_t)DARWIN_##x)
#define TYPES ((int)DARWIN_EXC_TYPES_COUNT)
#define TASK_SELF_PORT 0x103

MB_HIDDEN kern_return_t mb_ipc_copy_send(uint32_t name, void **port);
MB_HIDDEN uint32_t mb_ipc_name_send(void *port);
MB_HIDDEN void *mb_ipc_retain_send(void *port);
MB_HIDDEN void mb_signal_catch_faults(int with_abort);
MB_HIDDEN void mb_ipc_release_send(void *port);

struct action {
    void *port;  /* a send right, or NULL */
    int behavior, flavor;
};

struct actions {
    struct actions *next;
    uint64_t thread;  /* 0 for the task's */
    struct action by_type[TYPES];
};

static struct actions task_actions;
static struct actions *thread_actions;
static pthread_mutex_t exc_lock = PTHREAD_MUTEX_INITIALIZER;

static struct actions *actions_of(uint64_t thread, int create)
{
    if (!thread)
        return &task_actions;
    for (struct actions *a = thread_actions; a; a = a->next)
        if (a->thread == thread)
            return a;
    if (!create)
        return NULL;
    struct actions *a = calloc(1, sizeof *a);
    if (a) {
        a->thread = thread;
        a->next = thread_actions;
        thread_actions = a;
    }
    return a;
}

/* XNU's EXC_MASK_VALID: EXC_MASK_ALL leaves out the two raised at process death. */
static int valid_mask(uint32_t mask)
{
    uint32_t valid = (uint32_t)(DARWIN_EXC_MASK_ALL | DARWIN_EXC_MASK_CRASH |
                                DARWIN_EXC_MASK_CORPSE_NOTIFY);
    return (mask & ~valid) == 0;
}

/* The current actions for `mask`, grouped as XNU reports them: one entry per distinct
 * (port, behaviour, flavour), with the mask of the types sharing it. */
static void report(const struct actions *a, uint32_t mask, uint32_t *masks, uint32_t *count,
                   mach_port_t *ports, int *behaviors, int *flavors)
{
    uint32_t capacity = *count, n = 0;
    void *seen_port[TYPES];
    for (int t = 1; t < TYPES; t++) {
        if (!(mask & (1u << t)))
            continue;
        const struct action *x = a ? &a->by_type[t] : NULL;
        struct action none = {NULL, 0, 0};
        if (!x)
            x = &none;
        uint32_t i = 0;
        while (i < n && !(seen_port[i] == x->port && behaviors[i] == x->behavior &&
                          flavors[i] == x->flavor))
            i++;
        if (i < n) {
            masks[i] |= 1u << t;
            continue;
        }
        if (n == capacity)
            break;
        seen_port[n] = x->port;
        masks[n] = 1u << t;
        ports[n] = mb_ipc_name_send(x->port);
        behaviors[n] = x->behavior;
        flavors[n] = x->flavor;
        n++;
    }
    *count = n;
}

static kern_return_t set(uint64_t thread, uint32_t mask, mach_port_t port, int behavior,
                         int flavor)
{
    if (!valid_mask(mask))
        return KR(KERN_INVALID_ARGUMENT);
    void *right;
    kern_return_t r = mb_ipc_copy_send(port, &right);
    if (r != KR(KERN_SUCCESS))
        return KR(KERN_INVALID_ARGUMENT);
    struct actions *a = actions_of(thread, 1);
    if (!a) {
        mb_ipc_release_send(right);
        return KR(KERN_RESOURCE_SHORTAGE);
    }
    for (int t = 1; t < TYPES; t++) {
        if (!(mask & (1u << t)))
            continue;
        struct action *x = &a->by_type[t];
        mb_ipc_release_send(x->port);
        x->port = mb_ipc_retain_send(right); /* each type holds a right of its own */
        x->behavior = behavior;
        x->flavor = flavor;
    }
    mb_ipc_release_send(right);
    return KR(KERN_SUCCESS);
}

static uint64_t thread_of(mach_port_t thread) { return thread ? thread : (uint64_t)-1; }

/* Where get and swap report the old actions. */
struct report {
    uint32_t *masks, *count;
    mach_port_t *ports;
    int *behaviors, *flavors;
};

/* One locked step of set, get or swap on the task's (thread 0) or a thread's actions. */
static kern_return_t exchange(uint64_t thread, uint32_t mask, const struct report *old,
                              int set_new, mach_port_t port, int behavior, int flavor)
{
    kern_return_t r = KR(KERN_SUCCESS);
    pthread_mutex_lock(&exc_lock);
    if (old) {
        if (!valid_mask(mask) || !old->count)
            r = KR(KERN_INVALID_ARGUMENT);
        else
            report(actions_of(thread, 0), mask, old->masks, old->count, old->ports,
                   old->behaviors, old->flavors);
    }
    if (r == KR(KERN_SUCCESS) && set_new)
        r = set(thread, mask, port, behavior, flavor);
    pthread_mutex_unlock(&exc_lock);
    if (r == KR(KERN_SUCCESS) && set_new && port)
        /* faults must reach machbox to become exceptions, and abort too for EXC_CRASH */
        mb_signal_catch_faults((mask & (uint32_t)DARWIN_EXC_MASK_CRASH) != 0);
    return r;
}

MB_EXPORT kern_return_t mb_task_set_exception_ports(mach_port_t task, uint32_t mask,
                                                    mach_port_t port, int behavior, int flavor)
{
    (void)task;
    return exchange(0, mask, NULL, 1, port, behavior, flavor);
}

MB_EXPORT kern_return_t mb_thread_set_exception_ports(mach_port_t thread, uint32_t mask,
                                                      mach_port_t port, int behavior,
                                                      int flavor)
{
    return exchange(thread_of(thread), mask, NULL, 1, port, behavior, flavor);
}

MB_EXPORT kern_return_t mb_task_get_exception_ports(mach_port_t task, uint32_t mask,
                                                    uint32_t *masks, uint32_t *count,
                                                    mach_port_t *ports, int *behaviors,
                                                    int *flavors)
{
    (void)task;
    struct report old = {masks, count, ports, behaviors, flavors};
    return exchange(0, mask, &old, 0, 0, 0, 0);
}

MB_EXPORT kern_return_t mb_thread_get_exception_ports(mach_port_t thread, uint32_t mask,
                                                      uint32_t *masks, uint32_t *count,
                                                      mach_port_t *ports, int *behaviors,
                                                      int *flavors)
{
    struct report old = {masks, count, ports, behaviors, flavors};
    return exchange(thread_of(thread), mask, &old, 0, 0, 0, 0);
}

MB_EXPORT kern_return_t mb_task_swap_exception_ports(mach_port_t task, uint32_t mask,
                                                     mach_port_t port, int behavior, int flavor,
                                                     uint32_t *masks, uint32_t *count,
                                                     mach_port_t *ports, int *behaviors,
                                                     int *flavors)
{
    (void)task;
    struct report old = {masks, count, ports, behaviors, flavors};
    return exchange(0, mask, &old, 1, port, behavior, flavor);
}

MB_EXPORT kern_return_t mb_thread_swap_exception_ports(mach_port_t thread, uint32_t mask,
                                                       mach_port_t port, int behavior,
                                                       int flavor, uint32_t *masks,
                                                       uint32_t *count, mach_port_t *ports,
                                                       int *behaviors, int *flavors)
{
    struct report old = {masks, count, ports, behaviors, flavors};
    return exchange(thread_of(thread), mask, &old, 1, port, behavior, flavor);
}

/* ---- delivering a fault as a Mach exception ----------------------------------------------------
 * A fault in guest code (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP from the kernel) becomes an
 * exception message to the handler the thread, else the task, registered for its type, in
 * the format its behaviour names (exception_raise, _state, _state_identity; 64-bit codes
 * with MACH_EXCEPTION_CODES), sent from the faulting thread, which waits for the reply as
 * XNU's would. KERN_SUCCESS resumes the thread (with the state the reply carries, for the
 * state behaviours); anything else falls back to the BSD signal. */

MB_EXPORT int mb_mach_msg(void *msg, int option, uint32_t send_size, uint32_t rcv_size,
                          uint32_t rcv_name, uint32_t timeout, uint32_t notify);
MB_EXPORT mach_port_t mb_mach_reply_port(void);
MB_EXPORT kern_return_t mb_mach_port_mod_refs(mach_port_t task, mach_port_t name, int right,
                                              int delta);
MB_HIDDEN uint32_t mb_ipc_name_send(void *port);
MB_EXPORT kern_return_t mb_mach_port_deallocate(mach_port_t task, mach_port_t name);
MB_HIDDEN void mb_mcontext_to_darwin(const ucontext_t *lu, struct darwin_mcontext64 *mc);
MB_HIDDEN void mb_mcontext_from_darwin(ucontext_t *lu, const struct darwin_mcontext64 *mc);

/* i386 exception codes (<mach/i386/exception.h>) */
enum { EXC_I386_INVOP = 1, EXC_I386_DIV = 1, EXC_I386_SGL = 1, EXC_I386_BPT = 2,
       EXC_I386_EXTERR = 5 };

struct exception {
    int type;
    int64_t code[2];
};

/* What XNU raises for a fault Linux reported as this signal. */
static int exception_of(int lsig, const siginfo_t *info, struct exception *e)
{
    switch (lsig) {
    case SIGSEGV:
    case SIGBUS:
        e->type = (int)DARWIN_EXC_BAD_ACCESS;
        e->code[0] = info->si_code == SEGV_ACCERR || lsig == SIGBUS ? DARWIN_KERN_PROTECTION_FAILURE
                                                                     : DARWIN_KERN_INVALID_ADDRESS;
        e->code[1] = (int64_t)(uintptr_t)info->si_addr;
        return 1;
    case SIGILL:
        *e = (struct exception){(int)DARWIN_EXC_BAD_INSTRUCTION, {EXC_I386_INVOP, 0}};
        return 1;
    case SIGFPE:
        *e = (struct exception){(int)DARWIN_EXC_ARITHMETIC,
                                {info->si_code == FPE_INTDIV ? EXC_I386_DIV : EXC_I386_EXTERR, 0}};
        return 1;
    case SIGTRAP:
        *e = (struct exception){(int)DARWIN_EXC_BREAKPOINT,
                                {info->si_code == TRAP_TRACE ? EXC_I386_SGL : EXC_I386_BPT, 0}};
        return 1;
    default:
        return 0;
    }
}

static int find_action(uint64_t thread, int type, struct action *out)
{
    int found = 0;
    pthread_mutex_lock(&exc_lock);
    struct actions *a = actions_of(thread, 0);
    if (a && a->by_type[type].port) {
        *out = a->by_type[type];
        found = 1;
    } else if (task_actions.by_type[type].port) {
        *out = task_actions.by_type[type];
        found = 1;
    }
    if (found)
        out->port = (void *)(uintptr_t)mb_ipc_name_send(out->port); /* a name to send to */
    pthread_mutex_unlock(&exc_lock);
    return found;
}

struct writer {
    unsigned char *p;
    size_t n;
};

static void w32(struct writer *w, uint32_t v) { memcpy(w->p + w->n, &v, 4); w->n += 4; }
static void w64(struct writer *w, uint64_t v) { memcpy(w->p + w->n, &v, 8); w->n += 8; }

static void port_descriptor(struct writer *w, mach_port_t name)
{
    w32(w, name);
    w32(w, 0);
    unsigned char tail[4] = {0, 0, (unsigned char)DARWIN_MACH_MSG_TYPE_COPY_SEND,
                             (unsigned char)DARWIN_MACH_MSG_PORT_DESCRIPTOR};
    memcpy(w->p + w->n, tail, 4);
    w->n += 4;
}

/* The thread state a state behaviour carries: the flavour asked for, else the full one. */
static uint32_t state_words_of(int flavor)
{
    return flavor == DARWIN_x86_THREAD_STATE64 ? (uint32_t)DARWIN_x86_THREAD_STATE64_COUNT
           : flavor == DARWIN_x86_EXCEPTION_STATE64 ? (uint32_t)DARWIN_x86_EXCEPTION_STATE64_COUNT
           : flavor == DARWIN_x86_FLOAT_STATE64 ? (uint32_t)DARWIN_x86_FLOAT_STATE64_COUNT
                                                : (uint32_t)DARWIN_x86_THREAD_STATE_COUNT;
}

static void write_state(struct writer *w, int flavor, const struct darwin_mcontext64 *mc)
{
    if (flavor == DARWIN_x86_THREAD_STATE64) {
        memcpy(w->p + w->n, &mc->__ss, sizeof mc->__ss);
        w->n += sizeof mc->__ss;
    } else if (flavor == DARWIN_x86_EXCEPTION_STATE64) {
        memcpy(w->p + w->n, &mc->__es, sizeof mc->__es);
        w->n += sizeof mc->__es;
    } else if (flavor == DARWIN_x86_FLOAT_STATE64) {
        memcpy(w->p + w->n, &mc->__fs, state_words_of(flavor) * 4);
        w->n += state_words_of(flavor) * 4;
    } else { /* x86_THREAD_STATE: a header, then the 64-bit state */
        w32(w, (uint32_t)DARWIN_x86_THREAD_STATE64);
        w32(w, (uint32_t)DARWIN_x86_THREAD_STATE64_COUNT);
        memcpy(w->p + w->n, &mc->__ss, sizeof mc->__ss);
        w->n += sizeof mc->__ss;
    }
}

static void read_state(const unsigned char *p, int flavor, struct darwin_mcontext64 *mc)
{
    if (flavor == DARWIN_x86_THREAD_STATE64)
        memcpy(&mc->__ss, p, sizeof mc->__ss);
    else if (flavor == DARWIN_x86_FLOAT_STATE64)
        memcpy(&mc->__fs, p, sizeof mc->__fs);
    else if (flavor == DARWIN_x86_THREAD_STATE)
        memcpy(&mc->__ss, p + 8, sizeof mc->__ss);
}

/* Sends exception `e` of the calling thread (registers in `uc`) to `act`'s port and waits
 * for the reply (at most `timeout_ms`, 0 = forever). Returns the handler's RetCode, with a
 * state the reply carries written back into `uc`; -1 when no reply came or none will. */
static int raise_exception(const struct exception *e, const struct action *act, ucontext_t *uc,
                           uint64_t self, uint32_t timeout_ms)
{
    mach_port_t handler = (mach_port_t)(uintptr_t)act->port;
    int codes64 = (act->behavior & (int)DARWIN_MACH_EXCEPTION_CODES) != 0;
    int kind = act->behavior & 0xffff; /* EXCEPTION_DEFAULT, _STATE, _STATE_IDENTITY */
    int with_ports = kind != (int)DARWIN_EXCEPTION_STATE;
    int with_state = kind != (int)DARWIN_EXCEPTION_DEFAULT;
    int flavor = act->flavor ? act->flavor : (int)DARWIN_x86_THREAD_STATE;
    struct darwin_mcontext64 mc;
    mb_mcontext_to_darwin(uc, &mc);

    unsigned char buf[2048];
    struct writer w = {buf, sizeof(struct darwin_mach_msg_header)};
    if (with_ports) {
        w32(&w, 2);
        port_descriptor(&w, (mach_port_t)self);
        port_descriptor(&w, 0x103); /* the task's port */
    }
    static const unsigned char ndr[8] = {0, 0, 0, 0, 1, 0, 0, 0};
    memcpy(buf + w.n, ndr, 8);
    w.n += 8;
    w32(&w, (uint32_t)e->type);
    w32(&w, 2);
    for (int i = 0; i < 2; i++) {
        if (codes64)
            w64(&w, (uint64_t)e->code[i]);
        else
            w32(&w, (uint32_t)e->code[i]);
    }
    if (with_state) {
        w32(&w, (uint32_t)flavor);
        w32(&w, state_words_of(flavor));
        write_state(&w, flavor, &mc);
    }
    mach_port_t reply = mb_mach_reply_port();
    struct darwin_mach_msg_header h = {
        .msgh_bits = (uint32_t)DARWIN_MACH_MSG_TYPE_COPY_SEND |
                     ((uint32_t)DARWIN_MACH_MSG_TYPE_MAKE_SEND_ONCE << 8) |
                     (with_ports ? (uint32_t)DARWIN_MACH_MSGH_BITS_COMPLEX : 0),
        .msgh_size = (uint32_t)w.n, .msgh_remote_port = handler, .msgh_local_port = reply,
        .msgh_id = (codes64 ? 2404 : 2400) + kind};
    memcpy(buf, &h, sizeof h);
    int options = (int)(DARWIN_MACH_SEND_MSG | DARWIN_MACH_RCV_MSG) |
                  (timeout_ms ? (int)DARWIN_MACH_RCV_TIMEOUT : 0);
    int r = mb_mach_msg(buf, options, (uint32_t)w.n, sizeof buf, reply, timeout_ms, 0);
    mb_mach_port_deallocate(0x103, handler);
    mb_mach_port_mod_refs(0x103, reply, (int)DARWIN_MACH_PORT_RIGHT_RECEIVE, -1);
    struct darwin_mach_msg_header got;
    memcpy(&got, buf, sizeof got);
    if (r != 0 || got.msgh_id == (int)DARWIN_MACH_NOTIFY_SEND_ONCE)
        return -1; /* the handler destroyed the request unanswered (MIG's MIG_SERVER_DIED) */
    /* the reply: header, NDR, RetCode, then (state behaviours) flavor, count, state */
    int32_t ret;
    memcpy(&ret, buf + sizeof h + 8, 4);
    if (ret == 0 && with_state) {
        int32_t new_flavor;
        memcpy(&new_flavor, buf + sizeof h + 12, 4);
        read_state(buf + sizeof h + 20, new_flavor, &mc);
        mb_mcontext_from_darwin(uc, &mc);
    }
    return ret;
}

/* Returns 1 when a handler took the exception and the thread resumes. */
MB_HIDDEN int mb_exception_deliver(int lsig, siginfo_t *info, ucontext_t *uc)
{
    struct exception e;
    struct action act;
    uint64_t self = (uint64_t)syscall(SYS_gettid);
    if (info->si_code <= 0 || !exception_of(lsig, info, &e) || !find_action(self, e.type, &act))
        return 0;
    return raise_exception(&e, &act, uc, self, 0) == 0;
}

/* How long a dying process waits for its EXC_CRASH handler. XNU waits as long as the
 * handler takes, but its handler is in another process; here it may be a thread of the
 * dying process that is stuck behind the crashed one, so the wait is bounded. */
#define CRASH_REPLY_TIMEOUT_MS 10000

/* A process dying of a signal that makes a crash report raises EXC_CRASH to its task's
 * port, as XNU's exit path does: code[0] packs the Darwin signal (bits 24-31), the original
 * exception type (20-23) and the low 20 bits of its code; code[1] is its subcode. The
 * reply changes nothing: the process dies either way. */
MB_HIDDEN void mb_exception_crash(int lsig, const siginfo_t *info, ucontext_t *uc)
{
    struct exception original = {0, {0, 0}}, e;
    struct action act;
    uint64_t self = (uint64_t)syscall(SYS_gettid);
    if (!find_action(self, (int)DARWIN_EXC_CRASH, &act))
        return;
    if (info->si_code > 0)
        exception_of(lsig, info, &original);
    uint64_t dsig = (uint64_t)mb_signal_to_darwin(lsig) & 0xff;
    e.type = (int)DARWIN_EXC_CRASH;
    e.code[0] = (int64_t)((dsig << 24) | (((uint64_t)original.type & 0xf) << 20) |
                          ((uint64_t)original.code[0] & 0xfffff));
    e.code[1] = original.code[1];
    raise_exception(&e, &act, uc, self, CRASH_REPLY_TIMEOUT_MS);
}

/* Whether any exception port is registered for this fault signal's exception type. */
MB_HIDDEN int mb_exception_port_for(int lsig)
{
    struct exception e;
    siginfo_t info = {.si_code = 1};
    if (!exception_of(lsig, &info, &e))
        return 0;
    pthread_mutex_lock(&exc_lock);
    int any = task_actions.by_type[e.type].port != NULL;
    for (struct actions *a = thread_actions; a && !any; a = a->next)
        any = a->by_type[e.type].port != NULL;
    pthread_mutex_unlock(&exc_lock);
    return any;
}

/* A forked child's exception ports would name the parent's receive rights, which cannot be
 * reached from here (no cross-process IPC yet): the child starts without, so its faults
 * take the BSD path instead of waiting forever for a reply. */
static void exceptions_after_fork(void)
{
    pthread_mutex_init(&exc_lock, NULL);
    memset(&task_actions, 0, sizeof task_actions);
    thread_actions = NULL;
}

static void __attribute__((constructor)) init_exceptions(void)
{
    pthread_atfork(NULL, NULL, exceptions_after_fork);
}
