// darwin-only
// Stopping a thread and reading its registers, as JavaScriptCore's collector and samplers do:
// thread_suspend stops a spinning thread (its counter stands still), thread_get_state gives
// its registers (the stack pointer inside its stack), thread_set_state redirects it (it
// resumes in another function, as Go's preemption does), suspend counts nest, task_threads
// lists it, host_processor_info gives per-CPU ticks; exception ports are kept, reported
// and swapped per task and per thread.
#include <mach/mach.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

static atomic_long spins;
static atomic_int escaped;

static void *spin(void *arg)
{
    (void)arg;
    for (;;)
        atomic_fetch_add(&spins, 1);
    return NULL;
}

static void escape(void)
{
    atomic_store(&escaped, 1);
    pthread_exit(NULL);
}

static void thread_control(void)
{
    pthread_t t;
    pthread_create(&t, NULL, spin, NULL);
    while (atomic_load(&spins) < 1000)
        ;
    mach_port_t port = pthread_mach_thread_np(t);
    printf("suspend: %s\n", mach_error_string(thread_suspend(port)));
    long before = atomic_load(&spins);
    usleep(20000);
    printf("stood still while suspended: %d\n", atomic_load(&spins) == before);

    x86_thread_state64_t state;
    mach_msg_type_number_t count = x86_THREAD_STATE64_COUNT;
    printf("get_state: %s count %u\n",
           mach_error_string(thread_get_state(port, x86_THREAD_STATE64, (thread_state_t)&state,
                                              &count)), count);
    char *top = pthread_get_stackaddr_np(t);
    size_t size = pthread_get_stacksize_np(t);
    printf("rsp inside its stack: %d, rip set: %d\n",
           state.__rsp < (uint64_t)top && state.__rsp > (uint64_t)(top - size), state.__rip != 0);
    x86_thread_state_t wrapped;
    count = x86_THREAD_STATE_COUNT;
    thread_get_state(port, x86_THREAD_STATE, (thread_state_t)&wrapped, &count);
    printf("x86_THREAD_STATE: flavor %d count %d same rip %d\n", wrapped.tsh.flavor,
           wrapped.tsh.count, wrapped.uts.ts64.__rip == state.__rip);
    count = 2;
    printf("too small a buffer: %s\n",
           mach_error_string(thread_get_state(port, x86_THREAD_STATE64, (thread_state_t)&state,
                                              &count)));

    printf("nested suspend: %s\n", mach_error_string(thread_suspend(port)));
    printf("resume once: %s\n", mach_error_string(thread_resume(port)));
    before = atomic_load(&spins);
    usleep(20000);
    printf("still stopped after one of two resumes: %d\n", atomic_load(&spins) == before);

    thread_act_array_t threads;
    mach_msg_type_number_t n;
    task_threads(mach_task_self(), &threads, &n);
    int found_it = 0, found_me = 0;
    mach_port_t me = mach_thread_self();
    for (mach_msg_type_number_t i = 0; i < n; i++) {
        found_it |= threads[i] == port;
        found_me |= threads[i] == me;
    }
    printf("task_threads lists it %d and us %d\n", found_it, found_me);
    vm_deallocate(mach_task_self(), (vm_address_t)threads, n * sizeof *threads);

    /* send it elsewhere: a call to escape() with an aligned stack */
    state.__rip = (uint64_t)(uintptr_t)escape;
    state.__rsp = ((state.__rsp - 256) & ~(uint64_t)15) - 8;
    printf("set_state: %s\n",
           mach_error_string(thread_set_state(port, x86_THREAD_STATE64, (thread_state_t)&state,
                                              x86_THREAD_STATE64_COUNT)));
    printf("resume: %s\n", mach_error_string(thread_resume(port)));
    pthread_join(t, NULL);
    printf("it ran escape(): %d\n", atomic_load(&escaped));
    printf("resume a running thread: %s\n", mach_error_string(thread_resume(me)));
}

static void cpu_load_info(void)
{
    natural_t cpus = 0;
    processor_info_array_t info;
    mach_msg_type_number_t count;
    kern_return_t kr = host_processor_info(mach_host_self(), PROCESSOR_CPU_LOAD_INFO, &cpus,
                                           &info, &count);
    printf("host_processor_info: %s, cpus match sysconf %d, count %d per cpu\n",
           mach_error_string(kr), cpus == (natural_t)sysconf(_SC_NPROCESSORS_CONF),
           cpus ? (int)(count / cpus) : 0);
    vm_deallocate(mach_task_self(), (vm_address_t)info, count * sizeof(integer_t));
}

static void exception_ports(void)
{
    mach_port_t port;
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port);
    mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND);
    kern_return_t kr = task_set_exception_ports(mach_task_self(),
                                                EXC_MASK_BAD_ACCESS | EXC_MASK_BAD_INSTRUCTION,
                                                port, EXCEPTION_STATE | MACH_EXCEPTION_CODES,
                                                x86_THREAD_STATE64);
    printf("task_set_exception_ports: %s\n", mach_error_string(kr));
    exception_mask_t masks[EXC_TYPES_COUNT];
    mach_port_t handlers[EXC_TYPES_COUNT];
    exception_behavior_t behaviors[EXC_TYPES_COUNT];
    thread_state_flavor_t flavors[EXC_TYPES_COUNT];
    mach_msg_type_number_t n = EXC_TYPES_COUNT;
    task_get_exception_ports(mach_task_self(), EXC_MASK_BAD_ACCESS | EXC_MASK_BAD_INSTRUCTION |
                                                   EXC_MASK_ARITHMETIC,
                             masks, &n, handlers, behaviors, flavors);
    printf("entries %u\n", n);
    for (mach_msg_type_number_t i = 0; i < n; i++)
        printf("  mask %#x ours %d behavior %#x flavor %d\n", masks[i], handlers[i] == port,
               behaviors[i], flavors[i]);
    mach_port_urefs_t refs;
    mach_port_get_refs(mach_task_self(), port, MACH_PORT_RIGHT_SEND, &refs);
    printf("send refs after get (one per reported entry) %u\n", refs);

    n = EXC_TYPES_COUNT;
    kr = task_swap_exception_ports(mach_task_self(), EXC_MASK_BAD_ACCESS, MACH_PORT_NULL,
                                   EXCEPTION_DEFAULT, THREAD_STATE_NONE, masks, &n, handlers,
                                   behaviors, flavors);
    printf("swap: %s old entries %u ours %d\n", mach_error_string(kr), n, handlers[0] == port);
    n = EXC_TYPES_COUNT;
    task_get_exception_ports(mach_task_self(), EXC_MASK_BAD_ACCESS, masks, &n, handlers,
                             behaviors, flavors);
    printf("now bad access goes to a null port: %d\n", n == 1 && handlers[0] == MACH_PORT_NULL);

    mach_port_t me = mach_thread_self();
    kr = thread_set_exception_ports(me, EXC_MASK_BREAKPOINT, port, EXCEPTION_DEFAULT, 0);
    n = EXC_TYPES_COUNT;
    thread_get_exception_ports(me, EXC_MASK_BREAKPOINT, masks, &n, handlers, behaviors,
                               flavors);
    printf("thread: %s, entries %u mask %#x ours %d\n", mach_error_string(kr), n, masks[0],
           handlers[0] == port);
    printf("bad mask: %s\n",
           mach_error_string(task_set_exception_ports(mach_task_self(), 1u << 30, port,
                                                      EXCEPTION_DEFAULT, 0)));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    thread_control();
    cpu_load_info();
    exception_ports();
    return 0;
}
