// darwin-only
// Another process's task, as profilers (py-spy) and debuggers use it: task_for_pid of a
// forked child, pid_for_task, reading its memory (vm_read_overwrite, mach_vm_read), writing
// it (mach_vm_write), suspending and resuming it (its counter stands still while suspended),
// a region of its map; errors for an address nothing is mapped at and for no such process.
#include <mach/mach.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/* <mach/mach_vm.h> (MIG-generated, not in zig's headers) */
kern_return_t mach_vm_read_overwrite(vm_map_read_t, mach_vm_address_t, mach_vm_size_t,
                                     mach_vm_address_t, mach_vm_size_t *);
kern_return_t mach_vm_read(vm_map_read_t, mach_vm_address_t, mach_vm_size_t, vm_offset_t *,
                           mach_msg_type_number_t *);
kern_return_t mach_vm_write(vm_map_t, mach_vm_address_t, vm_offset_t, mach_msg_type_number_t);
kern_return_t mach_vm_region(vm_map_read_t, mach_vm_address_t *, mach_vm_size_t *,
                             vm_region_flavor_t, vm_region_info_t, mach_msg_type_number_t *,
                             mach_port_t *);

static volatile long counter;
static volatile int stop;
static volatile char label[32] = "child label";

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    mach_port_t self_by_pid = MACH_PORT_NULL;
    kern_return_t kr = task_for_pid(mach_task_self(), getpid(), &self_by_pid);
    printf("task_for_pid(self): %d is mach_task_self %d\n", kr, self_by_pid == mach_task_self());

    pid_t child = fork();
    if (child == 0) {
        while (!stop)
            counter++;
        _exit(counter > 0 ? 7 : 1);
    }
    mach_port_t task = MACH_PORT_NULL;
    kr = task_for_pid(mach_task_self(), child, &task);
    printf("task_for_pid(child): %d named %d\n", kr, task != MACH_PORT_NULL);
    int pid = 0;
    kr = pid_for_task(task, &pid);
    printf("pid_for_task: %d same pid %d\n", kr, pid == child);

    char buf[32] = {0};
    vm_size_t got = 0;
    kr = vm_read_overwrite(task, (vm_address_t)label, sizeof buf, (vm_address_t)buf, &got);
    printf("vm_read_overwrite: %d %lu \"%s\"\n", kr, (unsigned long)got, buf);

    long seen = 0;
    do {  /* until the child has counted a little */
        mach_vm_size_t n = 0;
        mach_vm_read_overwrite(task, (mach_vm_address_t)&counter, sizeof seen,
                               (mach_vm_address_t)&seen, &n);
    } while (seen < 1000);
    printf("the child counts: %d\n", seen >= 1000);

    kr = task_suspend(task);
    long a = 0, b = 0;
    vm_offset_t data = 0;
    mach_msg_type_number_t count = 0;
    mach_vm_read(task, (mach_vm_address_t)&counter, sizeof a, &data, &count);
    a = *(long *)data;
    vm_deallocate(mach_task_self(), data, count);
    usleep(20000);
    mach_vm_read(task, (mach_vm_address_t)&counter, sizeof b, &data, &count);
    b = *(long *)data;
    printf("task_suspend: %d still while suspended %d (read %u bytes)\n", kr, a == b, count);
    printf("task_resume: %d\n", task_resume(task));
    printf("task_resume again: %d\n", task_resume(task));

    mach_vm_address_t region = (mach_vm_address_t)&counter;
    mach_vm_size_t size = 0;
    vm_region_basic_info_data_64_t info;
    mach_msg_type_number_t info_count = VM_REGION_BASIC_INFO_COUNT_64;
    mach_port_t object = MACH_PORT_NULL;
    kr = mach_vm_region(task, &region, &size, VM_REGION_BASIC_INFO_64, (vm_region_info_t)&info,
                        &info_count, &object);
    printf("mach_vm_region: %d holds the counter %d writable %d\n", kr,
           region <= (mach_vm_address_t)&counter && (mach_vm_address_t)&counter < region + size,
           (info.protection & VM_PROT_WRITE) != 0);

    got = 0;
    kr = vm_read_overwrite(task, (vm_address_t)16, 8, (vm_address_t)buf, &got);
    printf("read at an unmapped address: %d (KERN_INVALID_ADDRESS %d)\n", kr, KERN_INVALID_ADDRESS);

    int one = 1;
    kr = mach_vm_write(task, (mach_vm_address_t)&stop, (vm_offset_t)&one, sizeof one);
    printf("mach_vm_write: %d\n", kr);
    int status = 0;
    waitpid(child, &status, 0);
    printf("the child stopped counting and exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);

    mach_port_t none = MACH_PORT_NULL;
    kr = task_for_pid(mach_task_self(), child, &none);
    printf("task_for_pid(reaped child): %d (KERN_FAILURE %d)\n", kr, KERN_FAILURE);
    return 0;
}
