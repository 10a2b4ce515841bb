/* Keeping the commpage's time data current, as XNU does from the kernel: code that reads
 * nanotime() straight from the commpage (NT_NS_BASE + ((rdtsc - NT_TSC_BASE) * NT_SCALE
 * >> 32)) must keep agreeing with mach_absolute_time, which follows CLOCK_MONOTONIC and is
 * slewed by NTP. A thread re-bases the data every second with the counter's rate measured
 * over the last second, under the generation protocol readers retry on (0 while the data
 * changes). Started only for programs whose code holds the commpage's address
 * (machbox.kernel.commpage decides), again in a forked child.
 */
#define _GNU_SOURCE
#define PY_SSIZE_T_CLEAN
#include "runtime.h"

#include <Python.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

MB_EXPORT uint64_t mb_mach_absolute_time(void);

#define REFRESH_SECONDS 1

static struct {
    uintptr_t page;
    size_t size;
    size_t tsc_base, scale, ns_base, generation; /* offsets in the page */
    uint64_t last_tsc, last_ns;
} keeper;

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* (counter, ns) read as one instant: the counter between two clock reads, from the
 * tightest of a few tries (a thread preempted between the reads would skew the base by
 * the time it was off the CPU). */
static void sample(uint64_t *tsc, uint64_t *ns)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 8; i++) {
        uint64_t before = mb_mach_absolute_time(), t = rdtsc(), after = mb_mach_absolute_time();
        if (after - before < best) {
            best = after - before;
            *tsc = t;
            *ns = before + (after - before) / 2;
        }
        if (best < 2000)
            break;
    }
}

static void refresh(void)
{
    uint64_t ns, tsc;
    sample(&tsc, &ns);
    uint8_t *p = (uint8_t *)keeper.page;
    if (tsc <= keeper.last_tsc || ns <= keeper.last_ns)
        return;
    uint64_t scale = ((ns - keeper.last_ns) << 32) / (tsc - keeper.last_tsc);
    keeper.last_tsc = tsc;
    keeper.last_ns = ns;
    if (scale == 0 || scale > 0xFFFFFFFFu)
        return;
    uint32_t scale32 = (uint32_t)scale;
    if (mprotect((void *)keeper.page, keeper.size, PROT_READ | PROT_WRITE) != 0)
        return;
    volatile uint32_t *generation = (volatile uint32_t *)(p + keeper.generation);
    uint32_t next = *generation + 1;
    *generation = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    memcpy(p + keeper.tsc_base, &tsc, 8);
    memcpy(p + keeper.scale, &scale32, 4);
    memcpy(p + keeper.ns_base, &ns, 8);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    *generation = next ? next : 1;
    mprotect((void *)keeper.page, keeper.size, PROT_READ);
}

static void *keep_time(void *unused)
{
    (void)unused;
    prctl(PR_SET_NAME, "machbox-time");
    for (;;) {
        struct timespec t = {REFRESH_SECONDS, 0};
        while (nanosleep(&t, &t) != 0)
            ;
        refresh();
    }
    return NULL;
}

static void start_keeper(void)
{
    sample(&keeper.last_tsc, &keeper.last_ns);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* the guest's signals are not for it */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    pthread_t t;
    pthread_create(&t, &attr, keep_time, NULL);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* keep_commpage_time(page, size, tsc_base, scale, ns_base, generation offsets) */
MB_HIDDEN PyObject *mb_py_keep_commpage_time(PyObject *self, PyObject *args)
{
    unsigned long long page;
    Py_ssize_t size, tsc_base, scale, ns_base, generation;
    if (!PyArg_ParseTuple(args, "Knnnnn", &page, &size, &tsc_base, &scale, &ns_base,
                          &generation))
        return NULL;
    if (keeper.page)
        Py_RETURN_NONE;
    keeper.page = (uintptr_t)page;
    keeper.size = (size_t)size;
    keeper.tsc_base = (size_t)tsc_base;
    keeper.scale = (size_t)scale;
    keeper.ns_base = (size_t)ns_base;
    keeper.generation = (size_t)generation;
    start_keeper();
    pthread_atfork(NULL, NULL, start_keeper); /* a fork's child has no such thread */
    Py_RETURN_NONE;
}

/* memscan(address, size, needle): whether the bytes there hold needle */
MB_HIDDEN PyObject *mb_py_memscan(PyObject *self, PyObject *args)
{
    unsigned long long address;
    Py_ssize_t size, n;
    const char *needle;
    if (!PyArg_ParseTuple(args, "Kny#", &address, &size, &needle, &n))
        return NULL;
    return PyBool_FromLong(n > 0 && size > 0 &&
                           memmem((const void *)(uintptr_t)address, (size_t)size, needle,
                                  (size_t)n) != NULL);
}
