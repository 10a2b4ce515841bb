// darwin-only
// Raw `syscall` instructions, as static code and old Go runtimes make them (XNU's x86_64
// convention: class in the top byte of rax, 0x2000000 | n for BSD call n, 0x1000000 | n for
// Mach trap n; arguments in rdi rsi rdx r10 r8 r9, the seventh on the caller's stack; a BSD
// call returns with CF clear and the result in rax, or CF set and the errno in rax; pipe
// and fork answer in rax and rdx). Numbers from XNU's bsd/kern/syscalls.master and
// osfmk/kern/syscall_sw.c; errno values from <sys/errno.h> (ENOENT 2, ENOSYS 78).
#include <fcntl.h>
#include <mach/mach.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BSD(n) (0x2000000L | (n))
#define MACH(n) (0x1000000L | (n))

long raw_cf, raw_rdx;
/* long raw(a1, a2, a3, a4, a5, a6, a7, number): the seventh argument is where XNU reads
 * it, just above the return address, when the syscall instruction runs */
long raw(long, long, long, long, long, long, long, long);
__asm__(".globl _raw\n"
        "_raw:\n"
        "    movq %rcx, %r10\n"
        "    movq 16(%rsp), %rax\n"
        "    syscall\n"
        "    setc _raw_cf(%rip)\n"
        "    movq %rdx, _raw_rdx(%rip)\n"
        "    ret\n");

struct message {
    mach_msg_header_t header;
    int body;
    mach_msg_trailer_t trailer;
};

static volatile int sigsys_seen;
static void on_sigsys(int sig) { sigsys_seen = sig; }

static void *thread_main(void *arg)
{
    (void)arg;
    return (void *)raw(0, 0, 0, 0, 0, 0, 0, BSD(20));
}

int main(void)
{
    static const char text[] = "raw write\n";
    fflush(stdout);
    long r = raw(1, (long)text, 10, 0, 0, 0, 0, BSD(4));
    printf("write: %ld cf=%ld\n", r, raw_cf & 1);
    printf("getpid matches: %d\n", raw(0, 0, 0, 0, 0, 0, 0, BSD(20)) == getpid());
    long fd = raw((long)"/dev/null", O_RDONLY, 0, 0, 0, 0, 0, BSD(5));
    printf("open /dev/null: cf=%ld fd>=0: %d\n", raw_cf & 1, fd >= 0);
    printf("close: %ld cf=%ld\n", raw(fd, 0, 0, 0, 0, 0, 0, BSD(6)), raw_cf & 1);
    r = raw((long)"/nonexistent-machbox/x", O_RDONLY, 0, 0, 0, 0, 0, BSD(5));
    printf("open missing: cf=%ld errno=%ld\n", raw_cf & 1, r);
    r = raw(0, 0, 0, 0, 0, 0, 0, BSD(8));  /* old creat: enosys in syscalls.master */
    printf("number 8: cf=%ld errno=%ld\n", raw_cf & 1, r);
    r = raw(0, 0, 0, 0, 0, 0, 0, BSD(1000));  /* past the end of the table */
    printf("number 1000: cf=%ld errno=%ld\n", raw_cf & 1, r);
    long rfd = raw(0, 0, 0, 0, 0, 0, 0, BSD(42));
    long wfd = raw_rdx;
    printf("pipe: cf=%ld two descriptors: %d\n", raw_cf & 1, rfd >= 0 && wfd >= 0 && rfd != wfd);
    char buf[8] = {0};
    raw(wfd, (long)"hello", 5, 0, 0, 0, 0, BSD(4));
    raw(rfd, (long)buf, sizeof buf - 1, 0, 0, 0, 0, BSD(3));
    printf("pipe carries: %s\n", buf);

    long task = raw(0, 0, 0, 0, 0, 0, 0, MACH(28));
    printf("task_self_trap is mach_task_self(): %d\n", task == (long)mach_task_self());
    mach_port_t port = (mach_port_t)raw(0, 0, 0, 0, 0, 0, 0, MACH(26));
    printf("mach_reply_port gives a port: %d\n", port != MACH_PORT_NULL);
    kern_return_t kr = mach_port_insert_right(mach_task_self(), port, port,
                                              MACH_MSG_TYPE_MAKE_SEND);
    printf("insert send right: %d\n", kr);
    struct message m;
    memset(&m, 0, sizeof m);
    m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
    m.header.msgh_size = sizeof m - sizeof m.trailer;
    m.header.msgh_remote_port = port;
    m.header.msgh_id = 4242;
    m.body = 77;
    kr = (kern_return_t)raw((long)&m, MACH_SEND_MSG, sizeof m - sizeof m.trailer, 0,
                            MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL, MACH(31));
    printf("mach_msg_trap send: %d\n", kr);
    memset(&m, 0, sizeof m);
    kr = (kern_return_t)raw((long)&m, MACH_RCV_MSG, 0, sizeof m, port, MACH_MSG_TIMEOUT_NONE,
                            MACH_PORT_NULL, MACH(31));
    printf("mach_msg_trap receive: %d id=%d body=%d\n", kr, m.header.msgh_id, m.body);
    r = raw(0, 0, 0, 0, 0, 0, 0, MACH(1));  /* kern_invalid */
    printf("mach trap 1: %ld\n", r);

    /* every thread and a forked child make raw calls too */
    pthread_t t;
    void *pid_in_thread = NULL;
    pthread_create(&t, NULL, thread_main, NULL);
    pthread_join(t, &pid_in_thread);
    printf("raw getpid in a thread: %d\n", (long)pid_in_thread == getpid());
    fflush(stdout);
    pid_t child = fork();
    if (child == 0)
        _exit(raw(0, 0, 0, 0, 0, 0, 0, BSD(20)) == getpid() ? 7 : 1);
    int status = 0;
    waitpid(child, &status, 0);
    printf("raw getpid in a forked child: %d\n", WEXITSTATUS(status) == 7);
    /* a real SIGSYS still reaches the program's handler (SIGSYS is 12 on Darwin) */
    signal(SIGSYS, on_sigsys);
    raise(SIGSYS);
    printf("SIGSYS handler ran: %d\n", sigsys_seen == 12);
    printf("raw getpid after: %d\n", raw(0, 0, 0, 0, 0, 0, 0, BSD(20)) == getpid());
    return 0;
}
