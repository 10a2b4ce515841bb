/* machbox native runtime: what every C file of the native part shares.
 *
 * Each thread that runs guest code owns a `struct mb_thread` whose first member is the
 * Darwin thread-specific-data array; the thread's %gs base points at it, exactly as on
 * macOS, because Apple code, TLV accessors and Go read `%gs:` slots directly. Slot 0 holds
 * the block's own address so `mb_self()` is one load.
 */
#ifndef MACHBOX_RUNTIME_H
#define MACHBOX_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

#define MB_EXPORT __attribute__((visibility("default"), used))
#define MB_HIDDEN __attribute__((visibility("hidden")))

/* Darwin's libpthread: slots 0..255 are reserved for the system, user keys start at 256
 * and the array ends at 768 (_INTERNAL_POSIX_THREAD_KEYS_END). */
#define MB_TSD_SLOTS 768
#define MB_TSD_FIRST_USER_KEY 256
#define MB_TSD_SLOT_SELF 0
#define MB_TSD_SLOT_ERRNO 1
#define MB_TSD_SLOT_MACH_THREAD_SELF 3

struct mb_tlv_dtor;

struct mb_thread {
    void *tsd[MB_TSD_SLOTS];
    int darwin_errno;           /* what the guest's __error() points at */
    pthread_t host;             /* the glibc thread */
    int is_main;
    int join_state;             /* running / exited / detached, see pthread.c */
    struct mb_tlv_dtor *tlv_dtors; /* _tlv_atexit registrations, run at thread exit */
    void *stackaddr;            /* top of stack (Darwin pthread_get_stackaddr_np) */
    size_t stacksize;
    uint64_t thread_id;         /* pthread_threadid_np */
    char name[64];
};

/* The current thread's block; valid on every thread machbox set up. */
static inline struct mb_thread *mb_self(void)
{
    struct mb_thread *t;
    __asm__ volatile("movq %%gs:0, %0" : "=r"(t));
    return t;
}

/* thread.c */
MB_HIDDEN struct mb_thread *mb_thread_new(void);
MB_HIDDEN void mb_thread_install(struct mb_thread *t);
MB_HIDDEN void mb_thread_run_exit_hooks(struct mb_thread *t);
MB_HIDDEN void mb_thread_run_tlv_dtors(struct mb_thread *t);
MB_HIDDEN void mb_thread_setup_main(void);
MB_HIDDEN int mb_key_alloc(void (*dtor)(void *), unsigned long *key);

/* errno.c: one error convention. A bridge that fails calls mb_fail_errno() (host errno
 * already set by the host call) or mb_fail(darwin_errno) and returns its failure value. */
MB_HIDDEN int mb_errno_to_darwin(int linux_errno);
MB_HIDDEN int mb_errno_to_linux(int darwin_errno);
MB_HIDDEN void mb_set_darwin_errno(int darwin_errno);
MB_HIDDEN void mb_sync_errno(void);
static inline long mb_fail(int darwin_errno) { mb_set_darwin_errno(darwin_errno); return -1; }

/* mach_ipc.c: a descriptor readable while the port (or set) `name` holds a message */
MB_HIDDEN int mb_mach_port_fd(uint32_t name);

/* stubs.c */
MB_HIDDEN void *mb_code_alloc(size_t size);
MB_HIDDEN void mb_report_unimplemented_name(const char *name, const char *library);

/* Exit statuses machbox itself uses (documented in README; mirrored in machbox.cli). */
/* Darwin's NSIG: signal numbers run 1..31 */
#define DARWIN_NSIG 32

#define MB_EXIT_UNIMPLEMENTED 120
#define MB_EXIT_INTERNAL 125

/* Program identity, filled by the launcher, read by _NSGetArgv & co. */
struct mb_program_vars {
    void *mh;
    int argc;
    char **argv;
    char ***environ_ptr;
    const char *progname;
    const char *executable_path;
};
extern MB_HIDDEN struct mb_program_vars mb_program;

#endif
