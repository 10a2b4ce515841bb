/* Generated code: one small stub per import that has no native implementation.
 *
 * - unimplemented: names the symbol and its library on stderr, exits with status 120. Bound
 *   instead of address 0 so a program runs until it really calls the missing function.
 * - python: loads the import's index into r11 and enters mb_py_trampoline (asm.S), which
 *   calls the Python implementation through mb_py_dispatch with the GIL held.
 */
#define _GNU_SOURCE
#include <Python.h>

#include "runtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- executable arena ----------------------------------------------------------------- */

static unsigned char *arena;
static size_t arena_used, arena_size;

/* Code memory is mapped RWX once; stubs are only ever appended. */
MB_HIDDEN void *mb_code_alloc(size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (!arena || arena_used + size > arena_size) {
        size_t want = size > (1u << 20) ? size : (1u << 20);
        void *p = mmap(NULL, want, PROT_READ | PROT_WRITE | PROT_EXEC,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return NULL;
        arena = p;
        arena_used = 0;
        arena_size = want;
    }
    void *r = arena + arena_used;
    arena_used += size;
    return r;
}

static unsigned char *emit_movabs(unsigned char *p, int reg, uint64_t imm)
{
    /* REX.W (+B for r8..r15), B8+r, imm64 */
    *p++ = 0x48 | (reg >= 8 ? 1 : 0);
    *p++ = 0xB8 + (reg & 7);
    memcpy(p, &imm, 8);
    return p + 8;
}

static unsigned char *emit_jmp_reg(unsigned char *p, int reg)
{
    if (reg >= 8)
        *p++ = 0x41;
    *p++ = 0xFF;
    *p++ = 0xE0 + (reg & 7);
    return p;
}

enum { RAX = 0, RDI = 7, R10 = 10, R11 = 11 };

/* ---- Darwin's syscall-stub conventions ----------------------------------------------------- */

/* libsystem_kernel's stubs fail with rax = -1 in all 64 bits, even where the C type is int,
 * and store errno before returning. Some callers depend on both: Go's runtime compares all
 * 64 bits and reads errno through a pointer it got from __error() once. So every
 * libsystem_kernel import is reached through this thunk: it calls the host function and,
 * on failure, translates errno into the Darwin slot at once and returns a 64-bit -1.
 * `wide` functions (sizes, offsets, pointers) fail only with a 64-bit -1 and are not
 * narrowed. The thunk's own frame keeps the stack aligned, so it only suits functions
 * whose arguments all travel in registers (the import table says which). */
static void syscall_failed(void)
{
    mb_sync_errno();
}

MB_HIDDEN void *mb_make_syscall_stub(void *target, int wide)
{
    unsigned char *code = mb_code_alloc(64);
    if (!code)
        return NULL;
    unsigned char *p = code;
    *p++ = 0x48; *p++ = 0x83; *p++ = 0xEC; *p++ = 0x08;          /* sub $8, %rsp */
    p = emit_movabs(p, R11, (uint64_t)(uintptr_t)target);
    *p++ = 0x41; *p++ = 0xFF; *p++ = 0xD3;                       /* call *%r11 */
    if (wide) {
        *p++ = 0x48; *p++ = 0x83; *p++ = 0xF8; *p++ = 0xFF;      /* cmp $-1, %rax */
    } else {
        *p++ = 0x83; *p++ = 0xF8; *p++ = 0xFF;                   /* cmp $-1, %eax */
    }
    *p++ = 0x74; *p++ = 0x05;                                    /* je fail (+5) */
    *p++ = 0x48; *p++ = 0x83; *p++ = 0xC4; *p++ = 0x08;          /* add $8, %rsp */
    *p++ = 0xC3;                                                 /* ret */
    /* fail: the stack is still aligned for a call */
    p = emit_movabs(p, R11, (uint64_t)(uintptr_t)syscall_failed);
    *p++ = 0x41; *p++ = 0xFF; *p++ = 0xD3;                       /* call *%r11 */
    *p++ = 0x48; *p++ = 0x83; *p++ = 0xC4; *p++ = 0x08;          /* add $8, %rsp */
    *p++ = 0x48; *p++ = 0xC7; *p++ = 0xC0;                       /* mov $-1, %rax */
    *p++ = 0xFF; *p++ = 0xFF; *p++ = 0xFF; *p++ = 0xFF;
    *p++ = 0xC3;                                                 /* ret */
    return code;
}

/* ---- unimplemented -------------------------------------------------------------------- */

struct unimpl_info {
    char *name;
    char *library;
};

MB_HIDDEN void mb_report_unimplemented_name(const char *name, const char *library)
{
    /* Flush what the program already wrote so the user sees how far it got. */
    fflush(NULL);
    fprintf(stderr, "machbox: unimplemented: %s (%s)\n", name, library);
    fflush(stderr);
    _exit(MB_EXIT_UNIMPLEMENTED);
}

static void report_unimplemented(struct unimpl_info *info)
{
    mb_report_unimplemented_name(info->name, info->library);
}

MB_HIDDEN void *mb_make_unimplemented_stub(const char *name, const char *library)
{
    struct unimpl_info *info = malloc(sizeof *info);
    if (!info)
        return NULL;
    info->name = strdup(name);
    info->library = strdup(library);
    unsigned char *code = mb_code_alloc(32);
    if (!code || !info->name || !info->library)
        return NULL;
    unsigned char *p = emit_movabs(code, RDI, (uint64_t)(uintptr_t)info);
    p = emit_movabs(p, R10, (uint64_t)(uintptr_t)report_unimplemented);
    emit_jmp_reg(p, R10);
    return code;
}

/* ---- Python-implemented imports ---------------------------------------------------------- */

extern void mb_py_trampoline(void);
static PyObject *py_dispatcher; /* callable(index, regs_address, stack_address) -> int|float */

MB_HIDDEN void mb_set_py_dispatcher(PyObject *callable)
{
    Py_XINCREF(callable);
    Py_XSETREF(py_dispatcher, callable);
}

MB_HIDDEN void *mb_make_python_stub(long index)
{
    unsigned char *code = mb_code_alloc(32);
    if (!code)
        return NULL;
    unsigned char *p = emit_movabs(code, R11, (uint64_t)index);
    p = emit_movabs(p, R10, (uint64_t)(uintptr_t)mb_py_trampoline);
    emit_jmp_reg(p, R10);
    return code;
}

struct py_result {
    int64_t rax;
    double xmm0;
};

/* Runs one Python-implemented import. Any pending host errno is translated first (Python
 * clobbers errno); the implementation reports failure by raising DarwinError, which the
 * dispatcher turns into a Darwin errno and a return value. An exception that escapes is a
 * machbox bug: report it and stop rather than return garbage to the guest. */
MB_EXPORT struct py_result mb_py_dispatch(long index, uint64_t *regs, uint64_t *stack)
{
    struct py_result r = {0, 0.0};
    mb_sync_errno();
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject *res = PyObject_CallFunction(py_dispatcher, "lKK", index,
                                          (unsigned long long)(uintptr_t)regs,
                                          (unsigned long long)(uintptr_t)stack);
    if (!res) {
        fflush(NULL);
        fprintf(stderr, "machbox: internal error in a Python-implemented function:\n");
        PyErr_Print();
        fflush(stderr);
        _exit(MB_EXIT_INTERNAL);
    }
    if (PyFloat_Check(res)) {
        r.xmm0 = PyFloat_AsDouble(res);
    } else {
        long long v = PyLong_AsLongLong(res);
        if (v == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            v = (long long)PyLong_AsUnsignedLongLongMask(res);
        }
        r.rax = v;
    }
    Py_DECREF(res);
    PyGILState_Release(g);
    errno = 0;
    return r;
}
