/* Other processes' tasks: task_for_pid, pid_for_task, task_suspend/resume and reading and
 * writing a task's memory (profilers such as py-spy, debuggers, crash reporters).
 *
 * A task port for another process is a name carrying its pid (REMOTE_TASK | pid): it is
 * not an IPC port (in a message to another process it travels as its pid, mach_ipc.c),
 * and every call here accepts it. The check
 * a Mac makes (root or the debugger entitlement) becomes Linux's: the caller may trace the
 * process (it can open /proc/PID/mem), which is also what process_vm_readv needs. Suspend
 * is SIGSTOP and resume SIGCONT, counted per task as XNU counts suspensions.
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "darwin_abi.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

typedef uint32_t mach_port_t;
typedef int kern_return_t;

#define KR(x) ((kern_return_t)DARWIN_##x)
#define TASK_SELF_PORT 0x103u
/* above IPC names (< 0x2000003), thread ports (< 2^22) and the fixed kernel ports */
#define REMOTE_TASK 0x40000000u
#define PID_MASK 0x3fffffffu

/* The pid a task name stands for, or -1. */
static pid_t pid_of(mach_port_t task)
{
    if (task == TASK_SELF_PORT)
        return getpid();
    if ((task & ~PID_MASK) == REMOTE_TASK && (task & PID_MASK) != 0)
        return (pid_t)(task & PID_MASK);
    return -1;
}

static int may_trace(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

/* For the other Mach calls taking a task: the pid of a remote task's name, else 0 (this
 * process, whatever other name it was given, as those calls always assumed). */
MB_HIDDEN int mb_remote_task_pid(mach_port_t task)
{
    pid_t pid = pid_of(task);
    return pid > 0 && pid != getpid() ? pid : 0;
}

/* The name of the task of `pid`, as a task port arriving in a message gives it: holding
 * the right is the permission, as on a Mac (the calls still meet Linux's checks). */
MB_HIDDEN uint32_t mb_task_name_of_pid(int pid)
{
    if (pid == getpid())
        return TASK_SELF_PORT;
    return pid > 0 && (uint32_t)pid <= PID_MASK ? REMOTE_TASK | (uint32_t)pid : 0;
}

/* The pid whose task a name is (this process's for the task self port), or -1. */
MB_HIDDEN int mb_task_pid_of_name(uint32_t task) { return pid_of(task); }

MB_EXPORT kern_return_t mb_task_for_pid(mach_port_t target_tport, int pid, mach_port_t *task)
{
    (void)target_tport;
    int saved = errno;
    if (pid == getpid()) {
        *task = TASK_SELF_PORT;
        return KR(KERN_SUCCESS);
    }
    kern_return_t kr = KR(KERN_FAILURE);
    if (pid > 0 && (uint32_t)pid <= PID_MASK && may_trace(pid)) {
        *task = REMOTE_TASK | (uint32_t)pid;
        kr = KR(KERN_SUCCESS);
    }
    errno = saved;
    return kr;
}

/* The same right on a Mac names the task without control; here there is one kind. */
MB_EXPORT kern_return_t mb_task_name_for_pid(mach_port_t target_tport, int pid, mach_port_t *task)
{
    return mb_task_for_pid(target_tport, pid, task);
}

MB_EXPORT kern_return_t mb_pid_for_task(mach_port_t task, int *pid)
{
    pid_t p = pid_of(task);
    if (p < 0)
        return KR(KERN_FAILURE);
    *pid = p;
    return KR(KERN_SUCCESS);
}

/* ---- suspension ------------------------------------------------------------------------ */

#define MAX_SUSPENDED 64

static struct {
    pid_t pid;
    int count;
} suspended[MAX_SUSPENDED];
static pthread_mutex_t suspend_lock = PTHREAD_MUTEX_INITIALIZER;

static int *count_of(pid_t pid, int create)
{
    for (int i = 0; i < MAX_SUSPENDED; i++)
        if (suspended[i].pid == pid)
            return &suspended[i].count;
    for (int i = 0; create && i < MAX_SUSPENDED; i++)
        if (suspended[i].count == 0) {
            suspended[i].pid = pid;
            return &suspended[i].count;
        }
    return NULL;
}

/* task_suspend returns once the task has stopped, as XNU's waits for its threads. */
static void wait_stopped(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    for (int tries = 0; tries < 1000; tries++) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n <= 0)
            return;
        buf[n] = 0;
        const char *end = strrchr(buf, ')');
        if (!end || end[1] == 0 || end[2] == 'T' || end[2] == 't' || end[2] == 'Z')
            return;
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
}

MB_EXPORT kern_return_t mb_task_suspend(mach_port_t task)
{
    pid_t pid = pid_of(task);
    if (pid < 0)
        return KR(KERN_INVALID_ARGUMENT);
    int saved = errno;
    pthread_mutex_lock(&suspend_lock);
    int *count = count_of(pid, 1);
    int first = count && (*count)++ == 0;
    pthread_mutex_unlock(&suspend_lock);
    if (!count)
        return KR(KERN_RESOURCE_SHORTAGE);
    if (first && kill(pid, SIGSTOP) != 0) {
        pthread_mutex_lock(&suspend_lock);
        (*count)--;
        pthread_mutex_unlock(&suspend_lock);
        errno = saved;
        return KR(KERN_FAILURE);
    }
    if (first && pid != getpid())
        wait_stopped(pid);
    errno = saved;
    return KR(KERN_SUCCESS);
}

MB_EXPORT kern_return_t mb_task_resume(mach_port_t task)
{
    pid_t pid = pid_of(task);
    if (pid < 0)
        return KR(KERN_INVALID_ARGUMENT);
    pthread_mutex_lock(&suspend_lock);
    int *count = count_of(pid, 0);
    int last = count && *count > 0 && --*count == 0;
    int was_suspended = count && (*count > 0 || last);
    pthread_mutex_unlock(&suspend_lock);
    if (!was_suspended)
        return KR(KERN_FAILURE); /* XNU: resuming a task that is not suspended */
    int saved = errno;
    if (last)
        kill(pid, SIGCONT);
    errno = saved;
    return KR(KERN_SUCCESS);
}

/* ---- memory ------------------------------------------------------------------------------ */

/* Copies size bytes between the caller and the task, all or nothing. */
static kern_return_t transfer(mach_port_t task, uint64_t remote, void *local, uint64_t size,
                              int write)
{
    pid_t pid = pid_of(task);
    if (pid < 0)
        return KR(KERN_INVALID_ARGUMENT);
    if (size == 0)
        return KR(KERN_SUCCESS);
    int saved = errno;
    struct iovec l = {local, size}, r = {(void *)(uintptr_t)remote, size};
    ssize_t n = write ? process_vm_writev(pid, &l, 1, &r, 1, 0)
                      : process_vm_readv(pid, &l, 1, &r, 1, 0);
    kern_return_t kr = n == (ssize_t)size ? KR(KERN_SUCCESS)
                       : n < 0 && errno == EPERM ? KR(KERN_PROTECTION_FAILURE)
                                                 : KR(KERN_INVALID_ADDRESS);
    errno = saved;
    return kr;
}

MB_EXPORT kern_return_t mb_mach_vm_read_overwrite(mach_port_t task, uint64_t address,
                                                  uint64_t size, uint64_t data, uint64_t *outsize)
{
    kern_return_t kr = transfer(task, address, (void *)(uintptr_t)data, size, 0);
    if (kr == KR(KERN_SUCCESS) && outsize)
        *outsize = size;
    return kr;
}

/* The data arrives in fresh pages of the caller's, freed with vm_deallocate. */
MB_EXPORT kern_return_t mb_mach_vm_read(mach_port_t task, uint64_t address, uint64_t size,
                                        uint64_t *data, uint32_t *count)
{
    if (size > UINT32_MAX)
        return KR(KERN_INVALID_ARGUMENT);
    void *pages = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED)
        return KR(KERN_RESOURCE_SHORTAGE);
    kern_return_t kr = transfer(task, address, pages, size, 0);
    if (kr != KR(KERN_SUCCESS)) {
        munmap(pages, size ? size : 1);
        return kr;
    }
    *data = (uint64_t)(uintptr_t)pages;
    *count = (uint32_t)size;
    return KR(KERN_SUCCESS);
}

MB_EXPORT kern_return_t mb_mach_vm_write(mach_port_t task, uint64_t address, uint64_t data,
                                         uint32_t count)
{
    return transfer(task, address, (void *)(uintptr_t)data, count, 1);
}
