/* The Mach calls ordinary programs make without meaning IPC: task/thread/host self ports
 * and virtual memory (GHC's and Go's allocators use vm_allocate). Ports, messages and the
 * per-prefix server are issue #7; here a port name is a number the calls below accept. */
#define _GNU_SOURCE
#include "runtime.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

typedef unsigned int mach_port_t;
typedef int kern_return_t;

#define KERN_SUCCESS 0
#define KERN_INVALID_ADDRESS 1
#define KERN_PROTECTION_FAILURE 2
#define KERN_NO_SPACE 3
#define KERN_INVALID_ARGUMENT 4
#define VM_FLAGS_ANYWHERE 0x1
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
MB_EXPORT kern_return_t mb_mach_port_deallocate(mach_port_t task, mach_port_t name)
{
    (void)task; (void)name;
    return KERN_SUCCESS;
}

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
