/* The Mach calls ordinary programs make without meaning IPC: task/thread/host self ports
 * and virtual memory (GHC's and Go's allocators use vm_allocate). Ports and messages are in
 * mach_ipc.c; here a port name is a number the calls below accept. */
#define _GNU_SOURCE
#include "runtime.h"
#include "darwin_abi.h"
#include "dispatch.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef unsigned int mach_port_t;
typedef int kern_return_t;

/* from the generated ABI tables (<mach/kern_return.h>, <mach/vm_statistics.h>) */
#define KERN_SUCCESS ((kern_return_t)DARWIN_KERN_SUCCESS)
#define KERN_INVALID_ADDRESS ((kern_return_t)DARWIN_KERN_INVALID_ADDRESS)
#define KERN_PROTECTION_FAILURE ((kern_return_t)DARWIN_KERN_PROTECTION_FAILURE)
#define KERN_NO_SPACE ((kern_return_t)DARWIN_KERN_NO_SPACE)
#define KERN_INVALID_ARGUMENT ((kern_return_t)DARWIN_KERN_INVALID_ARGUMENT)
#define KERN_FAILURE ((kern_return_t)DARWIN_KERN_FAILURE)
#define KERN_RESOURCE_SHORTAGE ((kern_return_t)DARWIN_KERN_RESOURCE_SHORTAGE)
#define KERN_NOT_SUPPORTED ((kern_return_t)DARWIN_KERN_NOT_SUPPORTED)
#define KERN_OPERATION_TIMED_OUT ((kern_return_t)DARWIN_KERN_OPERATION_TIMED_OUT)
#define KERN_ABORTED ((kern_return_t)DARWIN_KERN_ABORTED)
#define KERN_INVALID_NAME ((kern_return_t)DARWIN_KERN_INVALID_NAME)
#define VM_FLAGS_ANYWHERE ((int)DARWIN_VM_FLAGS_ANYWHERE)
#define TASK_SELF_PORT 0x103
#define HOST_SELF_PORT 0x203

MB_EXPORT mach_port_t mb_mach_task_self_ = TASK_SELF_PORT;
MB_EXPORT unsigned long mb_vm_page_size = 4096;
MB_EXPORT unsigned long mb_vm_page_mask = 4095;
MB_EXPORT int mb_vm_page_shift = 12;
MB_EXPORT unsigned long mb_vm_kernel_page_size = 4096;
MB_EXPORT unsigned long mb_vm_kernel_page_mask = 4095;
MB_EXPORT int mb_vm_kernel_page_shift = 12;

MB_EXPORT mach_port_t mb_mach_task_self(void) { return TASK_SELF_PORT; }
MB_EXPORT mach_port_t mb_mach_host_self(void) { return HOST_SELF_PORT; }
MB_EXPORT mach_port_t mb_mach_thread_self(void) { return (mach_port_t)mb_self()->thread_id; }

static kern_return_t kr_of_errno(void)
{
    return errno == ENOMEM ? KERN_NO_SPACE : KERN_INVALID_ARGUMENT;
}

/* vm_allocate: zero-filled, read-write memory, anywhere or at *addr. */
MB_EXPORT kern_return_t mb_mach_vm_allocate(mach_port_t task, uint64_t *addr, uint64_t size,
                                            int flags)
{
    (void)task;
    if (size == 0)
        return KERN_SUCCESS;
    int anywhere = flags & VM_FLAGS_ANYWHERE;
    void *hint = anywhere ? NULL : (void *)(uintptr_t)*addr;
    void *p = mmap(hint, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
                       (anywhere ? 0 : MAP_FIXED_NOREPLACE), -1, 0);
    if (p == MAP_FAILED) {
        kern_return_t kr = kr_of_errno();
        errno = 0;
        return kr;
    }
    *addr = (uint64_t)(uintptr_t)p;
    return KERN_SUCCESS;
}

MB_EXPORT kern_return_t mb_vm_allocate(mach_port_t task, uintptr_t *addr, uintptr_t size, int flags)
{
    uint64_t a = *addr;
    kern_return_t kr = mb_mach_vm_allocate(task, &a, size, flags);
    *addr = (uintptr_t)a;
    return kr;
}

MB_EXPORT kern_return_t mb_mach_vm_deallocate(mach_port_t task, uint64_t addr, uint64_t size)
{
    (void)task;
    if (size && munmap((void *)(uintptr_t)addr, size) != 0) {
        errno = 0;
        return KERN_INVALID_ADDRESS;
    }
    return KERN_SUCCESS;
}

MB_EXPORT kern_return_t mb_mach_vm_protect(mach_port_t task, uint64_t addr, uint64_t size,
                                           int set_max, int prot)
{
    (void)task;
    if (set_max)
        return KERN_SUCCESS; /* maximum protections are not tracked */
    if (mprotect((void *)(uintptr_t)addr, size, prot & 7) != 0) {
        errno = 0;
        return KERN_PROTECTION_FAILURE;
    }
    return KERN_SUCCESS;
}

/* ---- thread_info and task_info: from the clocks and /proc -------------------------------- */

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static struct darwin_time_value tv_of_ticks(unsigned long long ticks)
{
    long hz = sysconf(_SC_CLK_TCK);
    unsigned long long us = ticks * 1000000ull / (unsigned long long)(hz > 0 ? hz : 100);
    return (struct darwin_time_value){(int32_t)(us / 1000000), (int32_t)(us % 1000000)};
}

/* utime, stime (ticks) and state of a thread (tid) or the whole process (tid 0). */
static int proc_times(int tid, unsigned long long *ut, unsigned long long *st, char *state)
{
    char path[64];
    if (tid)
        snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    else
        snprintf(path, sizeof path, "/proc/self/stat");
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p || sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", state, ut,
                     st) != 3)
        return -1;
    return 0;
}

MB_EXPORT kern_return_t mb_thread_info(mach_port_t thread, int flavor, int32_t *info,
                                       uint32_t *count)
{
    int tid = (int)thread;
    if (flavor == DARWIN_THREAD_BASIC_INFO) {
        if (*count < DARWIN_THREAD_BASIC_INFO_COUNT)
            return KERN_INVALID_ARGUMENT;
        unsigned long long ut, st;
        char state;
        if (proc_times(tid, &ut, &st, &state) != 0)
            return KERN_INVALID_ARGUMENT;
        struct darwin_thread_basic_info b = {0};
        b.user_time = tv_of_ticks(ut);
        b.system_time = tv_of_ticks(st);
        b.run_state = state == 'R' ? DARWIN_TH_STATE_RUNNING : DARWIN_TH_STATE_WAITING;
        memcpy(info, &b, sizeof b);
        *count = DARWIN_THREAD_BASIC_INFO_COUNT;
        errno = 0;
        return KERN_SUCCESS;
    }
    if (flavor == DARWIN_THREAD_IDENTIFIER_INFO) {
        if (*count < DARWIN_THREAD_IDENTIFIER_INFO_COUNT)
            return KERN_INVALID_ARGUMENT;
        struct darwin_thread_identifier_info id = {(uint64_t)tid, (uint64_t)tid, 0};
        memcpy(info, &id, sizeof id);
        *count = DARWIN_THREAD_IDENTIFIER_INFO_COUNT;
        return KERN_SUCCESS;
    }
    return KERN_INVALID_ARGUMENT;
}

static void memory_sizes(uint64_t *virt, uint64_t *res, uint64_t *peak)
{
    *virt = *res = *peak = 0;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return;
    char line[256];
    unsigned long long kb;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "VmSize: %llu", &kb) == 1) *virt = kb * 1024;
        else if (sscanf(line, "VmRSS: %llu", &kb) == 1) *res = kb * 1024;
        else if (sscanf(line, "VmHWM: %llu", &kb) == 1) *peak = kb * 1024;
    }
    fclose(f);
    errno = 0;
}

MB_EXPORT kern_return_t mb_task_info(mach_port_t task, int flavor, int32_t *info,
                                     uint32_t *count)
{
    (void)task;
    unsigned long long ut = 0, st = 0;
    char state;
    if (flavor == DARWIN_MACH_TASK_BASIC_INFO) {
        if (*count < DARWIN_MACH_TASK_BASIC_INFO_COUNT)
            return KERN_INVALID_ARGUMENT;
        struct darwin_mach_task_basic_info b = {0};
        memory_sizes(&b.virtual_size, &b.resident_size, &b.resident_size_max);
        proc_times(0, &ut, &st, &state);
        b.user_time = tv_of_ticks(ut);
        b.system_time = tv_of_ticks(st);
        memcpy(info, &b, sizeof b);
        *count = DARWIN_MACH_TASK_BASIC_INFO_COUNT;
        errno = 0;
        return KERN_SUCCESS;
    }
    if (flavor == DARWIN_TASK_THREAD_TIMES_INFO) {
        if (*count < DARWIN_TASK_THREAD_TIMES_INFO_COUNT)
            return KERN_INVALID_ARGUMENT;
        proc_times(0, &ut, &st, &state);
        struct darwin_task_thread_times_info t = {tv_of_ticks(ut), tv_of_ticks(st)};
        memcpy(info, &t, sizeof t);
        *count = DARWIN_TASK_THREAD_TIMES_INFO_COUNT;
        errno = 0;
        return KERN_SUCCESS;
    }
    if (flavor == DARWIN_TASK_VM_INFO) {
        /* callers pass the count of the revision they know; fill what fits */
        size_t size = (size_t)*count * 4;
        if (size < offsetof(struct darwin_task_vm_info, phys_footprint) + 8)
            return KERN_INVALID_ARGUMENT;
        if (size > sizeof(struct darwin_task_vm_info))
            size = sizeof(struct darwin_task_vm_info);
        struct darwin_task_vm_info v;
        memset(&v, 0, sizeof v);
        uint64_t virt, res, peak;
        memory_sizes(&virt, &res, &peak);
        memcpy(v.virtual_size, &virt, 8);
        memcpy(v.resident_size, &res, 8);
        memcpy(v.resident_size_peak, &peak, 8);
        memcpy(v.phys_footprint, &res, 8);
        v.page_size = 4096;
        memcpy(info, &v, size);
        *count = (uint32_t)(size / 4);
        return KERN_SUCCESS;
    }
    return KERN_INVALID_ARGUMENT;
}

/* ---- Mach semaphores: names for futex counters -------------------------------------------- */


#define SEM_BASE 0x5e000
#define SEM_MAX 4096
static struct dsemaphore *semaphores[SEM_MAX];
static pthread_mutex_t sem_lock = PTHREAD_MUTEX_INITIALIZER;

static struct dsemaphore *sem_of(mach_port_t name)
{
    uint32_t i = name - SEM_BASE;
    return name >= SEM_BASE && i < SEM_MAX ? semaphores[i] : NULL;
}

MB_EXPORT kern_return_t mb_semaphore_create(mach_port_t task, mach_port_t *sem, int policy,
                                            int value)
{
    (void)task, (void)policy;
    if (value < 0)
        return KERN_INVALID_ARGUMENT;
    pthread_mutex_lock(&sem_lock);
    for (uint32_t i = 0; i < SEM_MAX; i++) {
        if (!semaphores[i]) {
            semaphores[i] = mb_dispatch_semaphore_create(value);
            pthread_mutex_unlock(&sem_lock);
            if (!semaphores[i])
                return KERN_RESOURCE_SHORTAGE;
            *sem = SEM_BASE + i;
            return KERN_SUCCESS;
        }
    }
    pthread_mutex_unlock(&sem_lock);
    return KERN_RESOURCE_SHORTAGE;
}

MB_EXPORT kern_return_t mb_semaphore_destroy(mach_port_t task, mach_port_t sem)
{
    (void)task;
    pthread_mutex_lock(&sem_lock);
    struct dsemaphore *s = sem_of(sem);
    if (s)
        semaphores[sem - SEM_BASE] = NULL;
    pthread_mutex_unlock(&sem_lock);
    if (!s)
        return KERN_INVALID_ARGUMENT;
    mb_dispatch_release(&s->head);
    return KERN_SUCCESS;
}

MB_EXPORT kern_return_t mb_semaphore_signal(mach_port_t sem)
{
    struct dsemaphore *s = sem_of(sem);
    if (!s)
        return KERN_INVALID_ARGUMENT;
    mb_dispatch_semaphore_signal(s);
    return KERN_SUCCESS;
}

MB_EXPORT kern_return_t mb_semaphore_signal_all(mach_port_t sem)
{
    struct dsemaphore *s = sem_of(sem);
    if (!s)
        return KERN_INVALID_ARGUMENT;
    /* wake every waiter: signal until the count is no longer negative */
    while (atomic_load(&s->value) < 0)
        mb_dispatch_semaphore_signal(s);
    return KERN_SUCCESS;
}

MB_EXPORT kern_return_t mb_semaphore_wait(mach_port_t sem)
{
    struct dsemaphore *s = sem_of(sem);
    if (!s)
        return KERN_INVALID_ARGUMENT;
    mb_dispatch_semaphore_wait(s, ~0ull);
    return KERN_SUCCESS;
}

MB_EXPORT kern_return_t mb_semaphore_timedwait(mach_port_t sem, struct darwin_mach_timespec t)
{
    struct dsemaphore *s = sem_of(sem);
    if (!s)
        return KERN_INVALID_ARGUMENT;
    uint64_t deadline = mb_dispatch_now() + (uint64_t)t.tv_sec * 1000000000ull +
                        (uint64_t)t.tv_nsec;
    return mb_dispatch_semaphore_wait(s, deadline) ? KERN_OPERATION_TIMED_OUT : KERN_SUCCESS;
}

/* ---- clocks and errors ---------------------------------------------------------------------- */

#define CLOCK_PORT_BASE 0xc10c0

MB_EXPORT kern_return_t mb_host_get_clock_service(mach_port_t host, int id, mach_port_t *clock)
{
    (void)host;
    if (id != DARWIN_SYSTEM_CLOCK && id != DARWIN_CALENDAR_CLOCK && id != DARWIN_REALTIME_CLOCK)
        return KERN_INVALID_ARGUMENT;
    *clock = CLOCK_PORT_BASE + (mach_port_t)id;
    return KERN_SUCCESS;
}

MB_EXPORT kern_return_t mb_clock_get_time(mach_port_t clock, struct darwin_mach_timespec *t)
{
    struct timespec ts;
    int id = (int)(clock - CLOCK_PORT_BASE);
    clock_gettime(id == DARWIN_CALENDAR_CLOCK ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ts);
    t->tv_sec = (uint32_t)ts.tv_sec;
    t->tv_nsec = (int32_t)ts.tv_nsec;
    return KERN_SUCCESS;
}

/* mach_error_string's tables: libsyscall's err_kern.sub and err_mach_ipc.sub. An error is
 * system (6 bits) | subsystem (12 bits) | code (14 bits); MIG's are small negatives. */
#define K(text) "(os/kern) " text
static const char *const kern_errors[] = {
    K("successful"), K("invalid address"), K("protection failure"), K("no space available"),
    K("invalid argument"), K("failure"), K("resource shortage"), K("not receiver"),
    K("no access"), K("memory failure"), K("memory error"), K("already in set"),
    K("not in set"), K("name exists"), K("aborted"), K("invalid name"), K("invalid task"),
    K("invalid right"), K("invalid value"), K("urefs overflow"), K("invalid capability"),
    K("right exists"), K("invalid host"), K("memory present"), K("memory data moved"),
    K("memory restart copy"), K("invalid processor set"), K("policy limit"),
    K("invalid policy"), K("invalid object"), K("already waiting"), K("default set"),
    K("exception protected"), K("invalid ledger"), K("invalid memory control"),
    K("invalid security"), K("not depressed"), K("object terminated"), K("lock set destroyed"),
    K("lock unstable"), K("lock owned by another"), K("lock owned by self"),
    K("semaphore destroyed"), K("RPC terminated"), K("terminate orphan"),
    K("let orphan continue"), K("service not supported"), K("remote node down"), NULL,
    K("operation timed out"),
};
static const char *const ipc_send_errors[] = {
    "(ipc/send) no error", "(ipc/send) send in progress", "(ipc/send) invalid data",
    "(ipc/send) invalid destination port", "(ipc/send) timed out", "(ipc/send) will notify",
    "(ipc/send) notify in progress", "(ipc/send) interrupted", "(ipc/send) msg too small",
    "(ipc/send) invalid reply port", "(ipc/send) invalid port right",
    "(ipc/send) invalid notify port", "(ipc/send) invalid memory", "(ipc/send) no msg buffer",
    "(ipc/send) no notify possible", "(ipc/send) invalid msg-type",
    "(ipc/send) invalid msg-header", "(ipc/send) invalid msg-trailer",
    "(ipc/send) DIPC transport failure", "(ipc/send) DIPC port migrated",
    "(ipc/send) DIPC resend failed", "(ipc/send) out-of-line buffer too large",
};
static const char *const ipc_rcv_errors[] = {
    "(ipc/rcv) no error", "(ipc/rcv) receive in progress", "(ipc/rcv) invalid name",
    "(ipc/rcv) timed out", "(ipc/rcv) msg too large", "(ipc/rcv) interrupted",
    "(ipc/rcv) port changed", "(ipc/rcv) invalid notify port", "(ipc/rcv) invalid data",
    "(ipc/rcv) port died", "(ipc/rcv) port in set", "(ipc/rcv) header error",
    "(ipc/rcv) body error", "(ipc/rcv) invalid scatter list entry",
    "(ipc/rcv) overwrite region too small", "(ipc/rcv) invalid msg-trailer",
    "(ipc/rcv) DIPC transport error",
};
static const char *const mig_errors[] = {
    "(ipc/mig) client type check failure", "(ipc/mig) wrong reply message ID",
    "(ipc/mig) server detected error", "(ipc/mig) bad request message ID",
    "(ipc/mig) server type check failure", "(ipc/mig) no reply should be sent",
    "(ipc/mig) server raised exception", "(ipc/mig) array not large enough",
    "(ipc/mig) server died", "(ipc/mig) unknown trailer format",
};

#define PICK(table, i) \
    ((uint32_t)(i) < sizeof table / sizeof *table && table[i] ? table[i] : NULL)

MB_EXPORT const char *mb_mach_error_string(kern_return_t kr)
{
    const char *s = NULL;
    uint32_t e = (uint32_t)kr, system = e >> 26, sub = (e >> 14) & 0xfff, code = e & 0x3fff;
    if (kr <= -300 && kr >= -309) {
        s = mig_errors[-300 - kr];
    } else if (system == 0 && sub == 0) {
        s = PICK(kern_errors, code);
    } else if (system == 4 && sub == 0) {
        s = PICK(ipc_send_errors, code);
    } else if (system == 4 && sub == 1) {
        s = PICK(ipc_rcv_errors, code);
    }
    return s ? s : "unknown error code";
}

/* ---- mach_vm_region: the host's memory map, as Darwin describes a region ------------------ */

MB_HIDDEN int mb_remote_task_pid(mach_port_t task);

struct map_entry { uint64_t start, end, offset; int prot, shared; char path[1024]; };

/* The mapping of `pid` (0: this process) containing `addr`, or the next one above it. */
static int find_mapping(int pid, uint64_t addr, struct map_entry *out)
{
    char path[64];
    snprintf(path, sizeof path, pid ? "/proc/%d/maps" : "/proc/self/maps", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[1200];
    int found = -1;
    while (fgets(line, sizeof line, f)) {
        unsigned long long s, e, off;
        char perms[8], file[1024] = "";
        if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %1023[^\n]", &s, &e, perms, &off, file) < 4)
            continue;
        if (e <= addr)
            continue;
        out->start = s;
        out->end = e;
        out->offset = off;
        out->prot = (perms[0] == 'r' ? (int)DARWIN_VM_PROT_READ : 0) |
                    (perms[1] == 'w' ? (int)DARWIN_VM_PROT_WRITE : 0) |
                    (perms[2] == 'x' ? (int)DARWIN_VM_PROT_EXECUTE : 0);
        out->shared = perms[3] == 's';
        char *name = file;
        while (*name == ' ')
            name++;
        snprintf(out->path, sizeof out->path, "%s", name);
        found = 0;
        break;
    }
    fclose(f);
    errno = 0;
    return found;
}

MB_EXPORT kern_return_t mb_mach_vm_region(mach_port_t task, uint64_t *address, uint64_t *size,
                                          int flavor, int32_t *info, uint32_t *count,
                                          mach_port_t *object)
{
    if (flavor != DARWIN_VM_REGION_BASIC_INFO_64 || *count < DARWIN_VM_REGION_BASIC_INFO_COUNT_64)
        return KERN_INVALID_ARGUMENT;
    struct map_entry m;
    if (find_mapping(mb_remote_task_pid(task), *address, &m) != 0)
        return KERN_INVALID_ADDRESS; /* nothing at or above the address */
    struct darwin_vm_region_basic_info_64 b;
    memset(&b, 0, sizeof b);
    b.protection = m.prot;
    b.max_protection = (int)(DARWIN_VM_PROT_READ | DARWIN_VM_PROT_WRITE | DARWIN_VM_PROT_EXECUTE);
    b.inheritance = (uint32_t)DARWIN_VM_INHERIT_COPY;
    b.shared = (uint32_t)m.shared;
    memcpy(b.offset, &m.offset, 8);
    b.behavior = (int32_t)DARWIN_VM_BEHAVIOR_DEFAULT;
    memcpy(info, &b, sizeof b);
    *count = DARWIN_VM_REGION_BASIC_INFO_COUNT_64;
    *address = m.start;
    *size = m.end - m.start;
    if (object)
        *object = 0;
    return KERN_SUCCESS;
}

MB_EXPORT kern_return_t mb_vm_region_64(mach_port_t task, uintptr_t *address, uintptr_t *size,
                                        int flavor, int32_t *info, uint32_t *count,
                                        mach_port_t *object)
{
    uint64_t a = *address, s = 0;
    kern_return_t kr = mb_mach_vm_region(task, &a, &s, flavor, info, count, object);
    *address = (uintptr_t)a;
    *size = (uintptr_t)s;
    return kr;
}

/* libproc: the file mapped at `address` in process `pid`. */
MB_EXPORT int mb_proc_regionfilename(int pid, uint64_t address, char *buf, uint32_t size)
{
    struct map_entry m;
    if (find_mapping(pid == getpid() ? 0 : pid, address, &m) != 0 || m.start > address ||
        m.path[0] != '/') {
        mb_fail(DARWIN_EINVAL);
        return 0;
    }
    size_t n = strlen(m.path);
    if (n >= size)
        n = size - 1;
    memcpy(buf, m.path, n);
    buf[n] = 0;
    return (int)n;
}

/* ---- mach_vm_map: anonymous memory with an alignment mask ------------------------------- */

#define DARWIN_VM_FLAGS_OVERWRITE 0x4000

static int prot_to_linux(int p)
{
    return (p & (int)DARWIN_VM_PROT_READ ? PROT_READ : 0) |
           (p & (int)DARWIN_VM_PROT_WRITE ? PROT_WRITE : 0) |
           (p & (int)DARWIN_VM_PROT_EXECUTE ? PROT_EXEC : 0);
}

MB_EXPORT kern_return_t mb_mach_vm_map(mach_port_t task, uint64_t *address, uint64_t size,
                                       uint64_t mask, int flags, mach_port_t object,
                                       uint64_t offset, int copy, int cur_prot, int max_prot,
                                       unsigned inheritance)
{
    (void)task, (void)offset, (void)copy, (void)max_prot, (void)inheritance;
    if (object != 0)
        return KERN_INVALID_ARGUMENT; /* memory objects are Mach IPC (issue #7) */
    if (size == 0)
        return KERN_INVALID_ARGUMENT;
    int prot = prot_to_linux(cur_prot);
    if (!(flags & VM_FLAGS_ANYWHERE)) {
        int fixed = flags & DARWIN_VM_FLAGS_OVERWRITE ? MAP_FIXED : MAP_FIXED_NOREPLACE;
        void *p = mmap((void *)(uintptr_t)*address, size, prot,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | fixed, -1, 0);
        if (p == MAP_FAILED) {
            errno = 0;
            return KERN_NO_SPACE;
        }
        return KERN_SUCCESS;
    }
    uint64_t align = mask + 1;
    if (align & mask)
        align = 4096; /* not a power-of-two mask: page alignment */
    if (align < 4096)
        align = 4096;
    size_t span = size + (align > 4096 ? align : 0);
    char *p = mmap(NULL, span, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        errno = 0;
        return KERN_NO_SPACE;
    }
    uintptr_t start = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
    if (start > (uintptr_t)p)
        munmap(p, start - (uintptr_t)p);
    uintptr_t end = start + ((size + 4095) & ~(uint64_t)4095);
    if ((uintptr_t)p + span > end)
        munmap((void *)end, (uintptr_t)p + span - end);
    *address = start;
    return KERN_SUCCESS;
}

MB_EXPORT kern_return_t mb_vm_map(mach_port_t task, uintptr_t *address, uintptr_t size,
                                  uintptr_t mask, int flags, mach_port_t object, uintptr_t offset,
                                  int copy, int cur_prot, int max_prot, unsigned inheritance)
{
    uint64_t a = *address;
    kern_return_t kr = mb_mach_vm_map(task, &a, size, mask, flags, object, offset, copy,
                                      cur_prot, max_prot, inheritance);
    *address = (uintptr_t)a;
    return kr;
}

/* vm_inherit: what a forked child gets of a range. NONE: nothing (MADV_DONTFORK); COPY:
 * a copy, the Linux default; SHARE would need the mapping to be shared from the start. */
MB_EXPORT kern_return_t mb_mach_vm_inherit(mach_port_t task, uint64_t addr, uint64_t size,
                                           unsigned inheritance)
{
    (void)task;
    int advice = inheritance == 2 /* VM_INHERIT_NONE */ ? MADV_DONTFORK
               : inheritance == 1 /* VM_INHERIT_COPY */ ? MADV_DOFORK : -1;
    if (advice < 0)
        return KERN_NOT_SUPPORTED;
    if (madvise((void *)(uintptr_t)(addr & ~(uint64_t)4095), size + (addr & 4095), advice) != 0) {
        errno = 0;
        return KERN_INVALID_ADDRESS;
    }
    return KERN_SUCCESS;
}

/* ---- host_info and host_statistics: the machine, from sysconf and /proc --------------------- */

static int meminfo_pages(const char *key, uint32_t *pages)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return -1;
    char line[256];
    unsigned long long kb = 0;
    size_t n = strlen(key);
    int found = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, n) == 0 && line[n] == ':' && sscanf(line + n + 1, "%llu", &kb) == 1) {
            found = 0;
            break;
        }
    fclose(f);
    errno = 0;
    *pages = (uint32_t)(kb * 1024 / 4096);
    return found;
}

static void vm_counts(uint32_t *free_c, uint32_t *active, uint32_t *inactive, uint32_t *wired)
{
    meminfo_pages("MemFree", free_c);
    meminfo_pages("Active", active);
    meminfo_pages("Inactive", inactive);
    meminfo_pages("Unevictable", wired);
}

MB_EXPORT kern_return_t mb_host_info(mach_port_t host, int flavor, int32_t *info, uint32_t *count)
{
    (void)host;
    if (flavor != DARWIN_HOST_BASIC_INFO || *count < DARWIN_HOST_BASIC_INFO_COUNT)
        return KERN_INVALID_ARGUMENT;
    struct darwin_host_basic_info b;
    memset(&b, 0, sizeof b);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN), conf = sysconf(_SC_NPROCESSORS_CONF);
    uint64_t mem = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
    b.max_cpus = b.logical_cpu_max = b.physical_cpu_max = (int32_t)conf;
    b.avail_cpus = b.logical_cpu = b.physical_cpu = (int32_t)cpus;
    b.memory_size = mem > 0x80000000ull ? 0x80000000u : (uint32_t)mem; /* capped at 2 GB */
    b.max_mem = mem;
    b.cpu_type = (int32_t)DARWIN_CPU_TYPE_X86_64;
    b.cpu_subtype = (int32_t)DARWIN_CPU_SUBTYPE_X86_64_H;
    memcpy(info, &b, sizeof b);
    *count = DARWIN_HOST_BASIC_INFO_COUNT;
    return KERN_SUCCESS;
}

/* One "cpu..." line of /proc/stat as Darwin's CPU_STATE_* tick counts; 0 at the end. */
static int read_cpu_line(FILE *f, const char *which, uint32_t ticks[4])
{
    char name[16];
    unsigned long long user, nice, sys, idle;
    while (fscanf(f, "%15s %llu %llu %llu %llu%*[^\n]", name, &user, &nice, &sys, &idle) == 5) {
        if (strncmp(name, "cpu", 3) != 0)
            return 0;
        if (which ? strcmp(name, which) != 0 : name[3] == 0)
            continue;
        ticks[DARWIN_CPU_STATE_USER] = (uint32_t)user;
        ticks[DARWIN_CPU_STATE_SYSTEM] = (uint32_t)sys;
        ticks[DARWIN_CPU_STATE_IDLE] = (uint32_t)idle;
        ticks[DARWIN_CPU_STATE_NICE] = (uint32_t)nice;
        return 1;
    }
    return 0;
}

static kern_return_t cpu_load(int32_t *info, uint32_t *count)
{
    if (*count < DARWIN_HOST_CPU_LOAD_INFO_COUNT)
        return KERN_INVALID_ARGUMENT;
    uint32_t ticks[4] = {0};
    FILE *f = fopen("/proc/stat", "r");
    if (f) {
        read_cpu_line(f, "cpu", ticks);
        fclose(f);
    }
    errno = 0;
    memcpy(info, ticks, sizeof ticks);
    *count = DARWIN_HOST_CPU_LOAD_INFO_COUNT;
    return KERN_SUCCESS;
}

/* Per-processor load (PROCESSOR_CPU_LOAD_INFO): ticks of each CPU, in memory the caller
 * vm_deallocates. */
MB_EXPORT kern_return_t mb_host_processor_info(mach_port_t host, int flavor, uint32_t *ncpu,
                                               int32_t **info, uint32_t *count)
{
    (void)host;
    if (flavor != DARWIN_PROCESSOR_CPU_LOAD_INFO)
        return KERN_INVALID_ARGUMENT;
    long n = sysconf(_SC_NPROCESSORS_CONF);
    if (n < 1)
        n = 1;
    size_t bytes = (size_t)n * 4 * sizeof(uint32_t);
    uint32_t *out = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (out == MAP_FAILED)
        return KERN_RESOURCE_SHORTAGE;
    FILE *f = fopen("/proc/stat", "r");
    for (long i = 0; f && i < n; i++) {
        char which[16];
        snprintf(which, sizeof which, "cpu%ld", i);
        rewind(f);
        read_cpu_line(f, which, out + 4 * i);
    }
    if (f)
        fclose(f);
    errno = 0;
    *ncpu = (uint32_t)n;
    *info = (int32_t *)out;
    *count = (uint32_t)(n * 4);
    return KERN_SUCCESS;
}

MB_EXPORT kern_return_t mb_host_statistics(mach_port_t host, int flavor, int32_t *info,
                                           uint32_t *count)
{
    (void)host;
    if (flavor == DARWIN_HOST_CPU_LOAD_INFO)
        return cpu_load(info, count);
    if (flavor == DARWIN_HOST_VM_INFO) {
        if (*count < DARWIN_HOST_VM_INFO_COUNT)
            return KERN_INVALID_ARGUMENT;
        memset(info, 0, DARWIN_HOST_VM_INFO_COUNT * 4);
        uint32_t *v = (uint32_t *)info; /* vm_statistics: free, active, inactive, wire, ... */
        vm_counts(&v[0], &v[1], &v[2], &v[3]);
        *count = DARWIN_HOST_VM_INFO_COUNT;
        return KERN_SUCCESS;
    }
    return KERN_INVALID_ARGUMENT;
}

MB_EXPORT kern_return_t mb_host_statistics64(mach_port_t host, int flavor, int32_t *info,
                                             uint32_t *count)
{
    (void)host;
    if (flavor == DARWIN_HOST_CPU_LOAD_INFO)
        return cpu_load(info, count);
    if (flavor != DARWIN_HOST_VM_INFO64 || *count < 4)
        return KERN_INVALID_ARGUMENT;
    size_t size = *count < DARWIN_HOST_VM_INFO64_COUNT ? *count * 4 : DARWIN_HOST_VM_INFO64_COUNT * 4;
    memset(info, 0, size);
    struct darwin_vm_statistics64 v = {0};
    vm_counts(&v.free_count, &v.active_count, &v.inactive_count, &v.wire_count);
    memcpy(info, &v, size < sizeof v ? size : sizeof v);
    *count = (uint32_t)(size / 4);
    return KERN_SUCCESS;
}

MB_EXPORT kern_return_t mb_thread_switch(mach_port_t thread, int option, uint32_t timeout)
{
    (void)thread, (void)option, (void)timeout;
    sched_yield();
    return KERN_SUCCESS;
}
