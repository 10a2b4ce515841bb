// darwin-only
// env: MACHBOX_NO_CRASH_REPORT=1
// Faults delivered as Mach exceptions, as crash reporters and JavaScriptCore receive them: a
// handler thread registered for EXC_BAD_ACCESS (state-identity behaviour, 64-bit codes)
// gets the faulting thread's registers and the address, moves the thread past the faulting
// instruction and lets it resume; EXC_ARITHMETIC (state behaviour) changes a register; an
// EXC_BREAKPOINT handler that answers KERN_FAILURE sends the fault on to the BSD signal
// handler, and so does one that destroys the request unanswered (the raising thread gets a
// send-once notification on its reply port, MIG_SERVER_DIED to XNU); a thread's own port takes precedence over the task's. A process dying of abort
// or of a fault nobody handles raises EXC_CRASH to its task's port first (crash reporters):
// code[0] packs the signal (bits 24-31), the original exception (20-23) and the low bits of
// its code, code[1] is the original subcode.
#include <mach/mach.h>
#include <pthread.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static mach_port_t exc_port;

/* the requests as <mach/mach_exc.defs> lays them out (64-bit codes) */
#pragma pack(4)
struct state_identity_request {
    mach_msg_header_t head;
    mach_msg_body_t body;
    mach_msg_port_descriptor_t thread, task;
    NDR_record_t ndr;
    exception_type_t exception;
    mach_msg_type_number_t code_count;
    int64_t code[2];
    int flavor;
    mach_msg_type_number_t state_count;
    natural_t state[614];
};
struct state_request {
    mach_msg_header_t head;
    NDR_record_t ndr;
    exception_type_t exception;
    mach_msg_type_number_t code_count;
    int64_t code[2];
    int flavor;
    mach_msg_type_number_t state_count;
    natural_t state[614];
};
struct state_reply {
    mach_msg_header_t head;
    NDR_record_t ndr;
    kern_return_t ret;
    int flavor;
    mach_msg_type_number_t state_count;
    natural_t state[614];
};
#pragma pack()

static void reply(mach_msg_header_t *req, kern_return_t ret, int flavor, const void *state,
                  unsigned words)
{
    struct state_reply r;
    memset(&r, 0, sizeof r);
    r.head.msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(req->msgh_bits), 0);
    r.head.msgh_remote_port = req->msgh_remote_port;
    r.head.msgh_id = req->msgh_id + 100;
    r.head.msgh_size = (mach_msg_size_t)(offsetof(struct state_reply, state) + 4 * words);
    r.ndr = NDR_record;
    r.ret = ret;
    r.flavor = flavor;
    r.state_count = words;
    if (state)
        memcpy(r.state, state, 4 * words);
    mach_msg(&r.head, MACH_SEND_MSG, r.head.msgh_size, 0, 0, 0, 0);
}

static int declined;

static void *handler(void *arg)
{
    (void)arg;
    for (;;) {
        union {
            mach_msg_header_t head;
            struct state_identity_request si;
            struct state_request st;
            char raw[4096];
        } m;
        if (mach_msg(&m.head, MACH_RCV_MSG, 0, sizeof m, exc_port, 0, 0) != KERN_SUCCESS)
            return NULL;
        if (m.head.msgh_id == 2407) { /* mach_exception_raise_state_identity */
            x86_thread_state64_t *ts = (x86_thread_state64_t *)m.si.state;
            printf("handler: id %d EXC_BAD_ACCESS %d code %lld address %#llx flavor %d count %u "
                   "thread port given %d\n",
                   m.head.msgh_id, m.si.exception == EXC_BAD_ACCESS, m.si.code[0],
                   (long long)m.si.code[1], m.si.flavor, m.si.state_count,
                   m.si.thread.name != MACH_PORT_NULL);
            ts->__rip += 6; /* movl $1, (%rax): c7 00 01 00 00 00 */
            reply(&m.head, KERN_SUCCESS, m.si.flavor, ts, m.si.state_count);
        } else if (m.head.msgh_id == 2406) { /* mach_exception_raise_state */
            x86_thread_state64_t *ts = (x86_thread_state64_t *)m.st.state;
            printf("handler: id %d EXC_ARITHMETIC %d code %lld\n", m.head.msgh_id,
                   m.st.exception == EXC_ARITHMETIC, m.st.code[0]);
            ts->__rip += 2; /* idivl %ecx: f7 f9 */
            ts->__rax = 42;
            reply(&m.head, KERN_SUCCESS, m.st.flavor, ts, m.st.state_count);
        } else if (!declined++) { /* 2405, mach_exception_raise: decline */
            printf("handler: id %d declines\n", m.head.msgh_id);
            reply(&m.head, KERN_FAILURE, 0, NULL, 0);
        } else { /* the next one: no answer at all */
            printf("handler: id %d destroys the request unanswered\n", m.head.msgh_id);
            mach_msg_destroy(&m.head);
        }
    }
}

/* mach_exception_raise (64-bit codes, EXCEPTION_DEFAULT) */
#pragma pack(4)
struct default_request {
    mach_msg_header_t head;
    mach_msg_body_t body;
    mach_msg_port_descriptor_t thread, task;
    NDR_record_t ndr;
    exception_type_t exception;
    mach_msg_type_number_t code_count;
    int64_t code[2];
};
#pragma pack()

static mach_port_t crash_port;

static void *crash_handler(void *arg)
{
    (void)arg;
    union {
        struct default_request req;
        char raw[4096];
    } m;
    if (mach_msg(&m.req.head, MACH_RCV_MSG, 0, sizeof m, crash_port, 0, 0) != KERN_SUCCESS)
        return NULL;
    printf("crash handler: id %d EXC_CRASH %d code %#llx %#llx\n", m.req.head.msgh_id,
           m.req.exception == EXC_CRASH, (long long)m.req.code[0], (long long)m.req.code[1]);
    reply(&m.req.head, KERN_SUCCESS, 0, NULL, 0);
    return NULL;
}

/* A child with only an EXC_CRASH port and a thread serving it; how = 0 aborts, 1 faults. */
static void crashing_child(int how)
{
    pid_t child = fork();
    if (child == 0) {
        task_set_exception_ports(mach_task_self(), EXC_MASK_ALL, MACH_PORT_NULL,
                                 EXCEPTION_DEFAULT, THREAD_STATE_NONE);
        thread_set_exception_ports(mach_thread_self(), EXC_MASK_ALL, MACH_PORT_NULL,
                                   EXCEPTION_DEFAULT, THREAD_STATE_NONE);
        mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &crash_port);
        mach_port_insert_right(mach_task_self(), crash_port, crash_port, MACH_MSG_TYPE_MAKE_SEND);
        task_set_exception_ports(mach_task_self(), EXC_MASK_CRASH, crash_port,
                                 EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, THREAD_STATE_NONE);
        pthread_t t;
        pthread_create(&t, NULL, crash_handler, NULL);
        if (how == 0)
            abort();
        long address = 0x1000;
        __asm__ volatile(".byte 0xc7, 0x00, 0x01, 0x00, 0x00, 0x00" : : "a"(address) : "memory");
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("child died of signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static void on_sigtrap(int sig)
{
    printf("SIGTRAP handler ran: %d\n", sig == SIGTRAP);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &exc_port);
    mach_port_insert_right(mach_task_self(), exc_port, exc_port, MACH_MSG_TYPE_MAKE_SEND);
    task_set_exception_ports(mach_task_self(), EXC_MASK_BAD_ACCESS, exc_port,
                             EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES,
                             x86_THREAD_STATE64);
    task_set_exception_ports(mach_task_self(), EXC_MASK_ARITHMETIC, exc_port,
                             EXCEPTION_STATE | MACH_EXCEPTION_CODES, x86_THREAD_STATE64);
    thread_set_exception_ports(mach_thread_self(), EXC_MASK_BREAKPOINT, exc_port,
                               EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, THREAD_STATE_NONE);
    pthread_t t;
    pthread_create(&t, NULL, handler, NULL);

    long address = 0x1000;
    __asm__ volatile(".byte 0xc7, 0x00, 0x01, 0x00, 0x00, 0x00" /* movl $1, (%rax) */
                     : : "a"(address) : "memory");
    printf("survived the bad access\n");

    int result, zero = 0;
    __asm__ volatile("cltd\n\t.byte 0xf7, 0xf9" /* idivl %ecx */
                     : "=a"(result) : "a"(7), "c"(zero) : "edx");
    printf("division by zero gave %d\n", result);

    signal(SIGTRAP, on_sigtrap);
    __asm__ volatile("int3");
    printf("after the breakpoint\n");
    __asm__ volatile("int3");
    printf("after the second breakpoint\n");

    pid_t child = fork();
    if (child == 0) {
        /* without a handler (on a Mac the parent's port would be inherited) */
        task_set_exception_ports(mach_task_self(), EXC_MASK_ALL, MACH_PORT_NULL,
                                 EXCEPTION_DEFAULT, THREAD_STATE_NONE);
        thread_set_exception_ports(mach_thread_self(), EXC_MASK_ALL, MACH_PORT_NULL,
                                   EXCEPTION_DEFAULT, THREAD_STATE_NONE);
        __asm__ volatile(".byte 0xc7, 0x00, 0x01, 0x00, 0x00, 0x00" : : "a"(address) : "memory");
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("child died of SIGSEGV: %d\n", WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);

    crashing_child(0);
    crashing_child(1);
    return 0;
}
