// darwin-only
// The Mach calls programs make without IPC: thread_info (basic, identifier), task_info
// (basic, thread times, vm info with phys_footprint), Mach semaphores between threads,
// the system and calendar clock services, and mach_error_string
#include <mach/clock.h>
#include <mach/mach.h>
#include <mach/mach_error.h>
/* <mach/mach_vm.h> is missing from the SDK zig ships */
kern_return_t mach_vm_map(vm_map_t, mach_vm_address_t *, mach_vm_size_t, mach_vm_offset_t, int,
                          mem_entry_name_port_t, memory_object_offset_t, boolean_t, vm_prot_t,
                          vm_prot_t, vm_inherit_t);
kern_return_t mach_vm_deallocate(vm_map_t, mach_vm_address_t, mach_vm_size_t);
kern_return_t mach_vm_region(vm_map_read_t, mach_vm_address_t *, mach_vm_size_t *,
                             vm_region_flavor_t, vm_region_info_t, mach_msg_type_number_t *,
                             mach_port_t *);
#include <libproc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static semaphore_t ping, pong;

static void *partner(void *arg) {
    (void)arg;
    for (int i = 0; i < 3; i++) {
        semaphore_wait(ping);
        semaphore_signal(pong);
    }
    return NULL;
}

int main(void) {
    volatile unsigned long spin = 0;
    for (unsigned long i = 0; i < 30000000UL; i++) spin += i;  // some CPU time to report

    thread_basic_info_data_t tb;
    mach_msg_type_number_t n = THREAD_BASIC_INFO_COUNT;
    kern_return_t kr = thread_info(mach_thread_self(), THREAD_BASIC_INFO, (thread_info_t)&tb, &n);
    printf("thread_info basic: kr=%d count=%u user time>0=%d running=%d\n", kr, n,
           tb.user_time.seconds > 0 || tb.user_time.microseconds > 0,
           tb.run_state == TH_STATE_RUNNING);
    thread_identifier_info_data_t ti;
    n = THREAD_IDENTIFIER_INFO_COUNT;
    kr = thread_info(mach_thread_self(), THREAD_IDENTIFIER_INFO, (thread_info_t)&ti, &n);
    uint64_t tid;
    pthread_threadid_np(NULL, &tid);
    printf("thread_info identifier: kr=%d id matches pthread_threadid_np=%d\n", kr,
           ti.thread_id == tid);
    n = 1;
    printf("thread_info short buffer: kr=%d (KERN_INVALID_ARGUMENT=%d)\n",
           thread_info(mach_thread_self(), THREAD_BASIC_INFO, (thread_info_t)&tb, &n),
           KERN_INVALID_ARGUMENT);

    mach_task_basic_info_data_t mb;
    n = MACH_TASK_BASIC_INFO_COUNT;
    kr = task_info(mach_task_self(), MACH_TASK_BASIC_INFO, (task_info_t)&mb, &n);
    printf("task_info basic: kr=%d count=%u resident>1MB=%d virtual>=resident=%d peak>=resident=%d\n",
           kr, n, mb.resident_size > (1 << 20), mb.virtual_size >= mb.resident_size,
           mb.resident_size_max >= mb.resident_size);
    task_thread_times_info_data_t tt;
    n = TASK_THREAD_TIMES_INFO_COUNT;
    kr = task_info(mach_task_self(), TASK_THREAD_TIMES_INFO, (task_info_t)&tt, &n);
    printf("task_info thread times: kr=%d user>0=%d\n", kr,
           tt.user_time.seconds > 0 || tt.user_time.microseconds > 0);
    task_vm_info_data_t vm;
    n = TASK_VM_INFO_COUNT;
    kr = task_info(mach_task_self(), TASK_VM_INFO, (task_info_t)&vm, &n);
    printf("task_info vm: kr=%d phys_footprint>0=%d page_size=%d\n", kr, vm.phys_footprint > 0,
           vm.page_size);

    semaphore_create(mach_task_self(), &ping, SYNC_POLICY_FIFO, 0);
    semaphore_create(mach_task_self(), &pong, SYNC_POLICY_FIFO, 0);
    pthread_t t;
    pthread_create(&t, NULL, partner, NULL);
    int rounds = 0;
    for (int i = 0; i < 3; i++) {
        semaphore_signal(ping);
        if (semaphore_wait(pong) == KERN_SUCCESS) rounds++;
    }
    pthread_join(t, NULL);
    mach_timespec_t wait = {0, 20 * 1000 * 1000};
    printf("semaphores: %d rounds, timedwait on empty=%d (KERN_OPERATION_TIMED_OUT=%d)\n", rounds,
           semaphore_timedwait(pong, wait), KERN_OPERATION_TIMED_OUT);
    printf("destroy=%d, destroy again=%d\n", semaphore_destroy(mach_task_self(), ping),
           semaphore_destroy(mach_task_self(), ping) != KERN_SUCCESS);
    semaphore_destroy(mach_task_self(), pong);

    clock_serv_t cal, sys;
    host_get_clock_service(mach_host_self(), CALENDAR_CLOCK, &cal);
    host_get_clock_service(mach_host_self(), SYSTEM_CLOCK, &sys);
    mach_timespec_t now, up;
    clock_get_time(cal, &now);
    clock_get_time(sys, &up);
    time_t wall = time(NULL);
    printf("calendar clock within 2s of time()=%d, system clock>0=%d\n",
           (long)now.tv_sec - (long)wall < 2 && (long)wall - (long)now.tv_sec < 2, up.tv_sec > 0 || up.tv_nsec > 0);
    printf("mach_error_string: [%s] [%s]\n", mach_error_string(KERN_SUCCESS),
           mach_error_string(KERN_INVALID_ARGUMENT));

    static int in_data = 1;
    mach_vm_address_t addr = (mach_vm_address_t)(uintptr_t)&in_data;
    mach_vm_size_t size = 0;
    vm_region_basic_info_data_64_t region;
    n = VM_REGION_BASIC_INFO_COUNT_64;
    mach_port_t object;
    kr = mach_vm_region(mach_task_self(), &addr, &size, VM_REGION_BASIC_INFO_64,
                        (vm_region_info_t)&region, &n, &object);
    printf("mach_vm_region: kr=%d contains=%d readable=%d writable=%d executable=%d count=%u\n",
           kr, addr <= (uintptr_t)&in_data && (uintptr_t)&in_data < addr + size,
           (region.protection & VM_PROT_READ) != 0, (region.protection & VM_PROT_WRITE) != 0,
           (region.protection & VM_PROT_EXECUTE) != 0, n);
    mach_vm_address_t big = 0;
    kr = mach_vm_map(mach_task_self(), &big, 1 << 20, 0xFFFF, VM_FLAGS_ANYWHERE, MACH_PORT_NULL,
                     0, 0, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL, VM_INHERIT_COPY);
    printf("mach_vm_map: kr=%d 64K-aligned=%d\n", kr, big != 0 && (big & 0xFFFF) == 0);
    ((volatile char *)(uintptr_t)big)[100] = 7;
    kr = vm_inherit(mach_task_self(), (vm_address_t)big, 1 << 20, VM_INHERIT_NONE);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) _exit(((volatile char *)(uintptr_t)big)[100]);  // not inherited: faults
    int st;
    waitpid(child, &st, 0);
    printf("vm_inherit NONE: kr=%d child faulted=%d, parent still reads %d\n", kr,
           WIFSIGNALED(st) && (WTERMSIG(st) == SIGSEGV || WTERMSIG(st) == SIGBUS),
           ((volatile char *)(uintptr_t)big)[100]);
    mach_vm_deallocate(mach_task_self(), big, 1 << 20);
    host_basic_info_data_t hb;
    n = HOST_BASIC_INFO_COUNT;
    kr = host_info(mach_host_self(), HOST_BASIC_INFO, (host_info_t)&hb, &n);
    printf("host_info: kr=%d count=%u cpus>0=%d avail<=max=%d x86_64=%d memory>0=%d\n", kr, n,
           hb.avail_cpus > 0, hb.avail_cpus <= hb.max_cpus, hb.cpu_type == CPU_TYPE_X86_64,
           hb.max_mem > 0);
    host_cpu_load_info_data_t load;
    n = HOST_CPU_LOAD_INFO_COUNT;
    kr = host_statistics(mach_host_self(), HOST_CPU_LOAD_INFO, (host_info_t)&load, &n);
    printf("cpu load: kr=%d count=%u ticks>0=%d\n", kr, n,
           load.cpu_ticks[CPU_STATE_USER] + load.cpu_ticks[CPU_STATE_SYSTEM] +
               load.cpu_ticks[CPU_STATE_IDLE] > 0);
    vm_statistics64_data_t vs;
    n = HOST_VM_INFO64_COUNT;
    kr = host_statistics64(mach_host_self(), HOST_VM_INFO64, (host_info64_t)&vs, &n);
    printf("vm statistics64: kr=%d free+active>0=%d\n", kr,
           vs.free_count + vs.active_count > 0);
    char file[1024] = "";
    int len = proc_regionfilename(getpid(), (uint64_t)(uintptr_t)&main, file, sizeof file);
    const char *base = strrchr(file, '/');
    printf("proc_regionfilename of main: %s (length ok=%d)\n", base ? base + 1 : file,
           len == (int)strlen(file));
    return 0;
}
