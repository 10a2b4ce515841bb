/* Images loaded after a debugger attached (dlopen) made known to it through the GDB JIT
 * interface, which gdb and lldb both read: the debugger puts a breakpoint on
 * __jit_debug_register_code, and each call hands it an in-memory object file listed in
 * __jit_debug_descriptor. machbox hands it the image's ELF symbol file (loader/debugsyms.py,
 * symbols at their loaded addresses), so `break`, `bt` and `disassemble` see functions of a
 * dylib the program opened itself. Entries are never unregistered: images stay mapped.
 */
#include "runtime.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct jit_code_entry {
    struct jit_code_entry *next;
    struct jit_code_entry *prev;
    const char *symfile_addr;
    uint64_t symfile_size;
};

struct jit_descriptor {
    uint32_t version;
    uint32_t action_flag; /* JIT_NOACTION 0, JIT_REGISTER_FN 1, JIT_UNREGISTER_FN 2 */
    struct jit_code_entry *relevant_entry;
    struct jit_code_entry *first_entry;
};

/* The names, the layout and version 1 are the interface: the debugger looks them up. */
MB_EXPORT struct jit_descriptor __jit_debug_descriptor = {1, 0, NULL, NULL};

MB_EXPORT __attribute__((noinline)) void __jit_debug_register_code(void)
{
    __asm__ volatile("" ::: "memory"); /* kept as a distinct, callable address */
}

/* Copies `size` bytes of an object file and announces it; 0, or -1 without memory. */
MB_HIDDEN int mb_debug_jit_register(const void *object, size_t size)
{
    struct jit_code_entry *entry = calloc(1, sizeof *entry);
    char *copy = malloc(size);
    if (!entry || !copy) {
        free(entry);
        free(copy);
        return -1;
    }
    memcpy(copy, object, size);
    entry->symfile_addr = copy;
    entry->symfile_size = size;
    entry->next = __jit_debug_descriptor.first_entry;
    if (entry->next)
        entry->next->prev = entry;
    __jit_debug_descriptor.first_entry = entry;
    __jit_debug_descriptor.relevant_entry = entry;
    __jit_debug_descriptor.action_flag = 1;
    __jit_debug_register_code();
    __jit_debug_descriptor.action_flag = 0;
    return 0;
}
