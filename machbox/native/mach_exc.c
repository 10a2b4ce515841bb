/* Mach exception ports: where a task's or thread's exceptions would go.
 *
 * task_/thread_ set, get and swap keep, per exception type, a send right, a behaviour and a
 * thread-state flavour, as XNU's exception actions do. Crash reporters, LLVM (which turns
 * off the crash reporter through EXC_MASK_CRASH) and JavaScriptCore register them at start.
 * Thread ports are Linux thread ids here, so a thread's actions are kept by id.
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "darwin_abi.h"

#include <stdlib.h>
#include <string.h>

typedef uint32_t mach_port_t;
typedef int kern_return_t;
#define KR(x) ((kern_return_t)DARWIN_##x)
#define TYPES ((int)DARWIN_EXC_TYPES_COUNT)
#define TASK_SELF_PORT 0x103

MB_HIDDEN kern_return_t mb_ipc_copy_send(uint32_t name, void **port);
MB_HIDDEN uint32_t mb_ipc_name_send(void *port);
MB_HIDDEN void *mb_ipc_retain_send(void *port);
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

static int valid_mask(uint32_t mask) { return (mask & ~(uint32_t)DARWIN_EXC_MASK_ALL) == 0; }

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
