/* Crash reports in the shape of macOS's, for a guest that dies of a signal.
 *
 * When a fault or abort reaches its default action, the report goes to stderr and to
 * ~/Library/Logs/DiagnosticReports/NAME-DATE.crash (the prefix's /Users/NAME is that home):
 * process, exception type and codes with the signal, the crashing thread's frames
 * symbolicated from the images' symbol tables (C++ names demangled), its registers, and every
 * loaded image with its address range and UUID. The process then dies of the same signal,
 * so its exit status is unchanged. MACHBOX_NO_CRASH_REPORT (`--no-crash-report`) turns it
 * off. Runs in the dying thread's signal handler: no Python, fixed buffers, write(2).
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "macho_image.h"
#include "translate.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

MB_EXPORT uint32_t mb__dyld_image_count(void);
MB_EXPORT const void *mb__dyld_get_image_header(uint32_t i);
MB_EXPORT intptr_t mb__dyld_get_image_vmaddr_slide(uint32_t i);
MB_EXPORT const char *mb__dyld_get_image_name(uint32_t i);
MB_HIDDEN void mb_signal_catch_faults(int with_abort);

#define MAX_FRAMES 64
#define REPORT_SIZE 65536

struct report {
    char text[REPORT_SIZE];
    size_t n;
};

static void add(struct report *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(r->text + r->n, sizeof r->text - r->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        r->n = r->n + (size_t)k < sizeof r->text ? r->n + (size_t)k : sizeof r->text - 1;
}

static const char *base_name(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    return slash ? slash + 1 : path ? path : "???";
}

/* ---- images and symbols ------------------------------------------------------------------------ */

static int image_of(uintptr_t addr, uint32_t *index)
{
    for (uint32_t i = 0; i < mb__dyld_image_count(); i++) {
        const struct mb_mach_header_64 *mh = mb__dyld_get_image_header(i);
        const struct mb_segment_command_64 *text = mh ? find_segment_named(mh, "__TEXT") : NULL;
        uintptr_t start = text ? (uintptr_t)(text->vmaddr + mb__dyld_get_image_vmaddr_slide(i)) : 0;
        if (text && addr >= start && addr < start + text->vmsize) {
            *index = i;
            return 1;
        }
    }
    return 0;
}

/* The nearest symbol at or before addr in image i's symbol table, and its distance. */
static const char *symbol_of(uint32_t i, uintptr_t addr, uintptr_t *offset)
{
    const struct mb_mach_header_64 *mh = mb__dyld_get_image_header(i);
    intptr_t slide = mb__dyld_get_image_vmaddr_slide(i);
    const struct mb_symtab_command *st = find_command(mh, MB_LC_SYMTAB);
    const struct mb_segment_command_64 *le = find_segment_named(mh, "__LINKEDIT");
    if (!st || !le)
        return NULL;
    const char *base = (const char *)(uintptr_t)(le->vmaddr + (uint64_t)slide - le->fileoff);
    const struct mb_nlist_64 *syms = (const void *)(base + st->symoff);
    const char *strings = base + st->stroff;
    const struct mb_nlist_64 *best = NULL;
    for (uint32_t k = 0; k < st->nsyms; k++) {
        const struct mb_nlist_64 *s = &syms[k];
        /* defined in a section, not a debugging entry */
        if ((s->n_type & 0xe0) || (s->n_type & 0x0e) != 0x0e || s->n_strx >= st->strsize)
            continue;
        uintptr_t at = (uintptr_t)(s->n_value + (uint64_t)slide);
        if (at <= addr && (!best || at > (uintptr_t)(best->n_value + (uint64_t)slide)))
            best = s;
    }
    if (!best)
        return NULL;
    *offset = addr - (uintptr_t)(best->n_value + (uint64_t)slide);
    const char *name = strings + best->n_strx;
    return name[0] == '_' ? name + 1 : name; /* C names as the reports show them */
}

/* C++ names as the reports show them: demangled, by the host's libc++abi. */
static const char *demangled(const char *name)
{
    static char *(*demangle)(const char *, char *, size_t *, int *);
    static char buf[1024];
    if (!name || strncmp(name, "_Z", 2))
        return name;
    if (!demangle) {
        void *h = dlopen("libc++abi.so.1", RTLD_NOW | RTLD_LOCAL); /* the process is ending */
        *(void **)&demangle = dlsym(h ? h : RTLD_DEFAULT, "__cxa_demangle");
    }
    size_t size = sizeof buf;
    int status = -1;
    char *out = demangle ? demangle(name, buf, &size, &status) : NULL;
    return status == 0 && out ? out : name;
}

static void frame_line(struct report *r, int n, uintptr_t addr)
{
    uint32_t i;
    if (!image_of(addr, &i)) {
        /* machbox's own or the host's code (the launcher, libc): named by the host */
        Dl_info host;
        if (dladdr((void *)addr, &host) && host.dli_fname)
            add(r, "%-4d%-30s\t0x%016lx %s + %lu\n", n, base_name(host.dli_fname),
                (unsigned long)addr, host.dli_sname ? host.dli_sname : "???",
                (unsigned long)(addr - (uintptr_t)(host.dli_sname ? host.dli_saddr
                                                                  : host.dli_fbase)));
        else
            add(r, "%-4d%-30s\t0x%016lx ???\n", n, "???", (unsigned long)addr);
        return;
    }
    const char *image = base_name(mb__dyld_get_image_name(i));
    uintptr_t offset = 0;
    const char *symbol = demangled(symbol_of(i, addr, &offset));
    if (symbol) {
        add(r, "%-4d%-30s\t0x%016lx %s + %lu\n", n, image, (unsigned long)addr, symbol,
            (unsigned long)offset);
    } else {
        uintptr_t start = (uintptr_t)mb__dyld_get_image_header(i);
        add(r, "%-4d%-30s\t0x%016lx 0x%lx + %lu\n", n, image, (unsigned long)addr,
            (unsigned long)start, (unsigned long)(addr - start));
    }
}

/* ---- the report ----------------------------------------------------------------------------- */

struct exception_names {
    const char *type, *description;
};

static struct exception_names names_of(int dsig)
{
    switch (dsig) {
    case DARWIN_SIGSEGV: return (struct exception_names){"EXC_BAD_ACCESS", "Segmentation fault"};
    case DARWIN_SIGBUS: return (struct exception_names){"EXC_BAD_ACCESS", "Bus error"};
    case DARWIN_SIGILL: return (struct exception_names){"EXC_BAD_INSTRUCTION", "Illegal instruction"};
    case DARWIN_SIGFPE: return (struct exception_names){"EXC_ARITHMETIC", "Floating point exception"};
    case DARWIN_SIGTRAP: return (struct exception_names){"EXC_BREAKPOINT", "Trace/BPT trap"};
    default: return (struct exception_names){"EXC_CRASH", "Abort trap"};
    }
}

static void header(struct report *r, int lsig, int dsig, const siginfo_t *info)
{
    const char *path = mb_program.executable_path ? mb_program.executable_path : "???";
    char when[64];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S.000 %z", &tm);
    char parent[64] = "???", line[128];
    snprintf(line, sizeof line, "/proc/%d/comm", (int)getppid());
    int fd = open(line, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t k = read(fd, parent, sizeof parent - 1);
        parent[k > 0 ? k - 1 : 0] = 0;
        close(fd);
    }
    struct exception_names names = names_of(dsig);
    add(r, "Process:               %s [%d]\nPath:                  %s\n", base_name(path),
        (int)getpid(), path);
    add(r, "Identifier:            %s\nCode Type:             X86-64 (Native)\n", base_name(path));
    add(r, "Parent Process:        %s [%d]\nDate/Time:             %s\n", parent, (int)getppid(),
        when);
    add(r, "Report Version:        12 (machbox)\n\n");
    const char *abbrev = sigabbrev_np(lsig); /* the same names as Darwin's for these */
    add(r, "Exception Type:        %s (SIG%s)\n", names.type, abbrev ? abbrev : "?");
    if (dsig == DARWIN_SIGSEGV || dsig == DARWIN_SIGBUS)
        add(r, "Exception Codes:       %s at 0x%016lx\n",
            info->si_code == SEGV_ACCERR || dsig == DARWIN_SIGBUS ? "KERN_PROTECTION_FAILURE"
                                                                  : "KERN_INVALID_ADDRESS",
            (unsigned long)(uintptr_t)info->si_addr);
    else if (dsig == DARWIN_SIGFPE)
        add(r, "Exception Codes:       %s\n", info->si_code == FPE_INTDIV
                                                 ? "EXC_I386_DIV (divide by zero)"
                                                 : "EXC_I386_EXTERR");
    else if (dsig == DARWIN_SIGILL)
        add(r, "Exception Codes:       EXC_I386_INVOP\n");
    add(r, "Termination Reason:    Namespace SIGNAL, Code %d %s: %d\n\n", dsig, names.description,
        dsig);
}

MB_EXPORT int mb_backtrace(void **buf, int size);

/* The crashed thread's frames: the unwinder's, from the signal frame on (it follows CFI
 * through the host's libc as well as the guest's registered unwind info), else the frame
 * pointer chain Apple's x86_64 ABI keeps, within the thread's stack. */
static int crashed_frames(const ucontext_t *uc, uintptr_t *out)
{
    uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    void *all[MAX_FRAMES + 16];
    int n = mb_backtrace(all, MAX_FRAMES + 16), k = 0;
    for (int i = 0; i < n; i++)
        if ((uintptr_t)all[i] == rip) {
            for (int j = i; j < n && k < MAX_FRAMES; j++)
                out[k++] = (uintptr_t)all[j]; /* return addresses, as the reports give them */
            return k;
        }
    struct mb_thread *t = mb_self();
    uintptr_t top = (uintptr_t)t->stackaddr, bottom = top - t->stacksize;
    uintptr_t rbp = (uintptr_t)uc->uc_mcontext.gregs[REG_RBP];
    out[k++] = rip;
    while (k < MAX_FRAMES && rbp >= bottom && rbp + 16 <= top && (rbp & 7) == 0) {
        uintptr_t ret = ((const uintptr_t *)rbp)[1], next = ((const uintptr_t *)rbp)[0];
        if (!ret)
            break;
        out[k++] = ret;
        if (next <= rbp)
            break;
        rbp = next;
    }
    return k;
}

static void frames(struct report *r, const ucontext_t *uc)
{
    uintptr_t pcs[MAX_FRAMES];
    int n = crashed_frames(uc, pcs), last = n - 1;
    uint32_t image;
    /* the program's frames end at its main (or thread start): machbox's and Python's below
     * it are not the program's */
    while (last > 0 && !image_of(pcs[last], &image))
        last--;
    add(r, "Thread 0 Crashed:\n");
    for (int i = 0; i <= last; i++)
        frame_line(r, i, pcs[i]);
    add(r, "\n");
}

static void registers(struct report *r, const ucontext_t *uc)
{
    static const struct { const char *name; int reg; } regs[] = {
        {"rax", REG_RAX}, {"rbx", REG_RBX}, {"rcx", REG_RCX}, {"rdx", REG_RDX},
        {"rdi", REG_RDI}, {"rsi", REG_RSI}, {"rbp", REG_RBP}, {"rsp", REG_RSP},
        {"r8", REG_R8}, {"r9", REG_R9}, {"r10", REG_R10}, {"r11", REG_R11},
        {"r12", REG_R12}, {"r13", REG_R13}, {"r14", REG_R14}, {"r15", REG_R15},
        {"rip", REG_RIP}, {"rfl", REG_EFL}, {"cr2", REG_CR2},
    };
    add(r, "Thread 0 crashed with X86 Thread State (64-bit):\n");
    for (size_t i = 0; i < sizeof regs / sizeof *regs; i++)
        add(r, "%s%5s: 0x%016lx%s", i % 4 ? "" : " ", regs[i].name,
            (unsigned long)uc->uc_mcontext.gregs[regs[i].reg], i % 4 == 3 ? "\n" : "  ");
    add(r, "\n\n");
}

static void images(struct report *r)
{
    add(r, "Binary Images:\n");
    for (uint32_t i = 0; i < mb__dyld_image_count(); i++) {
        const struct mb_mach_header_64 *mh = mb__dyld_get_image_header(i);
        const struct mb_segment_command_64 *text = mh ? find_segment_named(mh, "__TEXT") : NULL;
        if (!text)
            continue;
        uintptr_t start = (uintptr_t)mh;
        const uint8_t *u = find_command(mh, MB_LC_UUID);
        char uuid[40] = "<no uuid>";
        if (u) {
            u += 8;
            snprintf(uuid, sizeof uuid, "<%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-"
                     "%02X%02X%02X%02X%02X%02X>", u[0], u[1], u[2], u[3], u[4], u[5], u[6],
                     u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
        }
        const char *path = mb__dyld_get_image_name(i);
        add(r, "%#18lx - %#18lx %s %s %s\n", (unsigned long)start,
            (unsigned long)(start + text->vmsize - 1), base_name(path), uuid, path ? path : "");
    }
}

static void save(const struct report *r, const char *name)
{
    const char *home = getenv("HOME");
    char dir[4096], path[4200], stamp[32];
    if (!home)
        return;
    snprintf(dir, sizeof dir, "%s/Library/Logs/DiagnosticReports", home);
    char partial[4096];
    snprintf(partial, sizeof partial, "%s", dir);
    for (char *p = partial + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(partial, 0755);
            *p = '/';
        }
    mkdir(dir, 0755);
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%d-%H%M%S", &tm);
    snprintf(path, sizeof path, "%s/%s-%s-%d.crash", dir, name, stamp, (int)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    (void)!write(fd, r->text, r->n);
    close(fd);
    dprintf(STDERR_FILENO, "machbox: crash report written to %s\n", path);
}

static int enabled(void)
{
    const char *off = getenv("MACHBOX_NO_CRASH_REPORT");
    return !(off && *off && strcmp(off, "0"));
}

/* Called by the signal trampoline for a fault or abort that takes its default action. */
MB_HIDDEN void mb_crash_report(int lsig, const siginfo_t *info, const ucontext_t *uc)
{
    static struct report r; /* the process ends after this: one report, no stack */
    static int reported;
    if (!enabled() || __atomic_exchange_n(&reported, 1, __ATOMIC_ACQ_REL))
        return;
    int dsig = mb_signal_to_darwin(lsig);
    r.n = 0;
    header(&r, lsig, dsig, info);
    frames(&r, uc);
    registers(&r, uc);
    images(&r);
    (void)!write(STDERR_FILENO, r.text, r.n);
    save(&r, base_name(mb_program.executable_path));
}

/* Before the guest starts: the default fault and abort actions pass through machbox. */
MB_HIDDEN void mb_crash_reports_init(void)
{
    if (enabled())
        mb_signal_catch_faults(1);
}
