/* Making guest frames known to the host unwinder.
 *
 * macOS binaries describe most functions with compact unwind (__unwind_info) and only the
 * rest with DWARF (__eh_frame). The host's LLVM libunwind (the one libc++abi uses) only
 * reads DWARF for dynamically registered code, so each compact entry is translated into a
 * DWARF FDE (one CIE per personality), the image's own __eh_frame FDEs are registered as
 * they are, and C++ exceptions and Rust panics then unwind through guest frames.
 */
#define _GNU_SOURCE
#include "runtime.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* <mach-o/compact_unwind_encoding.h> facts (x86_64) */
#define UNWIND_IS_NOT_FUNCTION_START 0x80000000u
#define UNWIND_HAS_LSDA 0x40000000u
#define UNWIND_PERSONALITY_MASK 0x30000000u
#define UNWIND_X86_64_MODE_MASK 0x0F000000u
#define UNWIND_X86_64_MODE_RBP_FRAME 0x01000000u
#define UNWIND_X86_64_MODE_STACK_IMMD 0x02000000u
#define UNWIND_X86_64_MODE_STACK_IND 0x03000000u
#define UNWIND_X86_64_MODE_DWARF 0x04000000u
#define UNWIND_SECOND_LEVEL_REGULAR 2
#define UNWIND_SECOND_LEVEL_COMPRESSED 3

/* compact register numbers 1..6 (rbx r12 r13 r14 r15 rbp) → DWARF register numbers */
static const unsigned char dwarf_reg[7] = {0, 3, 12, 13, 14, 15, 6};

struct cu_func {
    uint32_t start, end, encoding, lsda;
};

struct cu_reader {
    const unsigned char *base;  /* the __unwind_info section */
    size_t size;
};

static int rd32(const struct cu_reader *r, size_t off, uint32_t *out)
{
    if (off + 4 > r->size)
        return -1;
    memcpy(out, r->base + off, 4);
    return 0;
}

static int rd16(const struct cu_reader *r, size_t off, uint16_t *out)
{
    if (off + 2 > r->size)
        return -1;
    memcpy(out, r->base + off, 2);
    return 0;
}

/* ---- decoding __unwind_info into (start, end, encoding, lsda) ---------------------------- */

struct cu_header {
    uint32_t version, common_off, common_count, pers_off, pers_count, index_off, index_count;
};

static uint32_t lsda_for(const struct cu_reader *r, uint32_t lsda_lo, uint32_t lsda_hi,
                         uint32_t func)
{
    size_t n = (lsda_hi - lsda_lo) / 8;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        uint32_t f, l;
        if (rd32(r, lsda_lo + mid * 8, &f) || rd32(r, lsda_lo + mid * 8 + 4, &l))
            return 0;
        if (f == func)
            return l;
        if (f < func)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static int page_encoding(const struct cu_reader *r, const struct cu_header *h,
                         size_t page, uint16_t enc_off, uint16_t enc_count, uint32_t idx,
                         uint32_t *enc)
{
    if (idx < h->common_count)
        return rd32(r, h->common_off + idx * 4, enc);
    idx -= h->common_count;
    if (idx >= enc_count)
        return -1;
    return rd32(r, page + enc_off + idx * 4, enc);
}

/* Calls emit() for every function entry. Returns -1 on a malformed section. */
static int cu_walk(const struct cu_reader *r,
                   void (*emit)(void *ctx, const struct cu_func *f), void *ctx)
{
    struct cu_header h;
    uint32_t *fields = &h.version;
    for (int i = 0; i < 7; i++)
        if (rd32(r, i * 4, &fields[i]))
            return -1;
    if (h.version != 1 || h.index_count < 1)
        return -1;
    uint32_t lsda_lo = 0, lsda_hi = 0;
    if (rd32(r, h.index_off + 8, &lsda_lo) ||
        rd32(r, h.index_off + (h.index_count - 1) * 12 + 8, &lsda_hi) || lsda_hi < lsda_lo)
        return -1;
    for (uint32_t i = 0; i + 1 < h.index_count; i++) {
        size_t ie = h.index_off + i * 12;
        uint32_t first_func, page, next_first;
        if (rd32(r, ie, &first_func) || rd32(r, ie + 4, &page) || rd32(r, ie + 12, &next_first))
            return -1;
        if (page == 0)
            continue;
        uint32_t kind;
        uint16_t entry_off, entry_count;
        if (rd32(r, page, &kind) || rd16(r, page + 4, &entry_off) ||
            rd16(r, page + 6, &entry_count))
            return -1;
        uint16_t enc_off = 0, enc_count = 0;
        if (kind == UNWIND_SECOND_LEVEL_COMPRESSED &&
            (rd16(r, page + 8, &enc_off) || rd16(r, page + 10, &enc_count)))
            return -1;
        if (kind != UNWIND_SECOND_LEVEL_REGULAR && kind != UNWIND_SECOND_LEVEL_COMPRESSED)
            return -1;
        for (uint32_t e = 0; e < entry_count; e++) {
            struct cu_func f;
            uint32_t next_start = next_first;
            if (kind == UNWIND_SECOND_LEVEL_REGULAR) {
                size_t at = page + entry_off + e * 8;
                if (rd32(r, at, &f.start) || rd32(r, at + 4, &f.encoding))
                    return -1;
                if (e + 1 < entry_count && rd32(r, at + 8, &next_start))
                    return -1;
            } else {
                uint32_t word;
                size_t at = page + entry_off + e * 4;
                if (rd32(r, at, &word))
                    return -1;
                f.start = first_func + (word & 0xFFFFFF);
                if (page_encoding(r, &h, page, enc_off, enc_count, word >> 24, &f.encoding))
                    return -1;
                if (e + 1 < entry_count) {
                    if (rd32(r, at + 4, &word))
                        return -1;
                    next_start = first_func + (word & 0xFFFFFF);
                }
            }
            f.end = next_start;
            f.lsda = (f.encoding & UNWIND_HAS_LSDA)
                         ? lsda_for(r, lsda_lo, lsda_hi, f.start) : 0;
            if (f.end > f.start)
                emit(ctx, &f);
        }
    }
    return 0;
}

/* ---- DWARF emission ------------------------------------------------------------------ */

struct buf {
    unsigned char *p;
    size_t len, cap;
};

static int buf_reserve(struct buf *b, size_t more)
{
    if (b->len + more <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap * 2 : 65536;
    while (cap < b->len + more)
        cap *= 2;
    unsigned char *p = realloc(b->p, cap);
    if (!p)
        return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

static void put(struct buf *b, const void *v, size_t n)
{
    memcpy(b->p + b->len, v, n);
    b->len += n;
}

static void put_u8(struct buf *b, unsigned v) { b->p[b->len++] = (unsigned char)v; }

static void put_uleb(struct buf *b, uint64_t v)
{
    do {
        unsigned char byte = v & 0x7f;
        v >>= 7;
        put_u8(b, byte | (v ? 0x80 : 0));
    } while (v);
}

static void pad_to_8(struct buf *b, size_t record_start)
{
    while ((b->len - record_start) % 8)
        put_u8(b, 0); /* DW_CFA_nop */
}

/* Emits a CIE whose personality (if any) is read through the GOT slot `personality_slot`. */
static size_t emit_cie(struct buf *b, uint64_t personality_slot)
{
    size_t start = b->len;
    uint32_t zero = 0;
    put(b, &zero, 4); /* length, patched */
    put(b, &zero, 4); /* CIE id */
    put_u8(b, 1);     /* version */
    if (personality_slot) {
        put(b, "zPLR", 5);
    } else {
        put(b, "zR", 3);
    }
    put_u8(b, 1);    /* code alignment */
    put_u8(b, 0x78); /* data alignment -8 */
    put_u8(b, 16);   /* return address register */
    if (personality_slot) {
        put_uleb(b, 1 + 8 + 1 + 1);
        put_u8(b, 0x80); /* DW_EH_PE_indirect | absptr */
        put(b, &personality_slot, 8);
        put_u8(b, 0x00); /* LSDA absptr */
        put_u8(b, 0x00); /* FDE absptr */
    } else {
        put_uleb(b, 1);
        put_u8(b, 0x00);
    }
    put_u8(b, 0x0c); put_u8(b, 7); put_u8(b, 8); /* def_cfa rsp+8 */
    put_u8(b, 0x80 | 16); put_u8(b, 1);          /* ra at cfa-8 */
    pad_to_8(b, start);
    uint32_t len = (uint32_t)(b->len - start - 4);
    memcpy(b->p + start, &len, 4);
    return start;
}

/* Decodes the frameless register permutation into compact register numbers, push order. */
static void decode_permutation(uint32_t count, uint32_t perm, int regs[6])
{
    static const int factor[7][6] = {
        {0}, {1}, {5, 1}, {20, 4, 1}, {60, 12, 3, 1}, {120, 24, 6, 2, 1}, {120, 24, 6, 2, 1, 1},
    };
    int rank[6] = {0};
    for (uint32_t i = 0; i < count; i++) {
        int f = factor[count][i];
        rank[i] = f ? (int)(perm / (uint32_t)f) : 0;
        if (f)
            perm -= (uint32_t)rank[i] * (uint32_t)f;
    }
    int used[7] = {0};
    for (uint32_t i = 0; i < count; i++) {
        int seen = 0;
        for (int reg = 1; reg <= 6; reg++) {
            if (used[reg])
                continue;
            if (seen == rank[i]) {
                regs[i] = reg;
                used[reg] = 1;
                break;
            }
            seen++;
        }
    }
}

/* CFA rules for one compact encoding; returns the instruction length, 0 when none. */
static size_t compact_to_cfa(uint32_t enc, uint64_t func_addr, unsigned char out[64])
{
    size_t n = 0;
    uint32_t mode = enc & UNWIND_X86_64_MODE_MASK;
    if (mode == UNWIND_X86_64_MODE_RBP_FRAME) {
        uint32_t offset = (enc >> 16) & 0xff;
        uint32_t saved = enc & 0x7fff;
        out[n++] = 0x0c; out[n++] = 6; out[n++] = 16; /* cfa = rbp + 16 */
        out[n++] = 0x80 | 6; out[n++] = 2;             /* rbp at cfa-16 */
        for (int i = 0; i < 5; i++) {
            uint32_t reg = (saved >> (3 * i)) & 7;
            if (reg == 0 || reg > 6)
                continue;
            uint32_t factored = 2 + offset - (uint32_t)i; /* (16 + 8*offset - 8*i) / 8 */
            out[n++] = 0x80 | dwarf_reg[reg];
            out[n++] = (unsigned char)factored;
        }
        return n;
    }
    if (mode == UNWIND_X86_64_MODE_STACK_IMMD || mode == UNWIND_X86_64_MODE_STACK_IND) {
        uint32_t stack = (enc >> 16) & 0xff;
        uint32_t count = (enc >> 10) & 7;
        uint32_t perm = enc & 0x3ff;
        uint64_t size;
        if (mode == UNWIND_X86_64_MODE_STACK_IMMD) {
            size = (uint64_t)stack * 8;
        } else {
            uint32_t imm;
            memcpy(&imm, (const void *)(uintptr_t)(func_addr + stack), 4);
            size = imm + (uint64_t)((enc >> 13) & 7) * 8;
        }
        if (count > 6)
            return 0;
        out[n++] = 0x0e; /* def_cfa_offset size (uleb) */
        uint64_t v = size;
        do {
            unsigned char byte = v & 0x7f;
            v >>= 7;
            out[n++] = byte | (v ? 0x80 : 0);
        } while (v);
        int regs[6];
        decode_permutation(count, perm, regs);
        for (uint32_t i = 0; i < count; i++) {
            out[n++] = 0x80 | dwarf_reg[regs[i]];
            out[n++] = (unsigned char)(1 + count - i);
        }
        return n;
    }
    return 0;
}

/* libunwind's section walker decodes each FDE against the CIE it parsed last, so every
 * CIE is followed by its own FDEs: one buffer per personality, concatenated at the end. */
struct synth {
    struct buf b[4];   /* index 0: no personality; 1..3: personality index */
    uint64_t image_base;
    const struct cu_reader *r;
    uint32_t pers_off, pers_count;
    /* pending merged FDE */
    int have;
    uint64_t start, end;
    uint32_t pers;
    unsigned char cfa[64];
    size_t cfa_len;
    int failed;
    size_t fde_count;
};

static void flush_fde(struct synth *s, uint64_t lsda)
{
    if (!s->have)
        return;
    s->have = 0;
    struct buf *b = &s->b[s->pers];
    if (buf_reserve(b, 64 + 32)) {
        s->failed = 1;
        return;
    }
    size_t start = b->len;
    uint32_t zero = 0;
    put(b, &zero, 4);
    uint32_t cie_ptr = (uint32_t)b->len; /* the CIE opens this buffer */
    put(b, &cie_ptr, 4);
    put(b, &s->start, 8);
    uint64_t range = s->end - s->start;
    put(b, &range, 8);
    if (s->pers) {
        put_uleb(b, 8);
        put(b, &lsda, 8);
    } else {
        put_uleb(b, 0);
    }
    put(b, s->cfa, s->cfa_len);
    pad_to_8(b, start);
    uint32_t len = (uint32_t)(b->len - start - 4);
    memcpy(b->p + start, &len, 4);
    s->fde_count++;
}

static void on_func(void *ctx, const struct cu_func *f)
{
    struct synth *s = ctx;
    uint32_t mode = f->encoding & UNWIND_X86_64_MODE_MASK;
    if (mode == 0 || mode == UNWIND_X86_64_MODE_DWARF) {
        flush_fde(s, 0);
        return; /* no info, or described by __eh_frame which is registered separately */
    }
    uint32_t pers = (f->encoding & UNWIND_PERSONALITY_MASK) >> 28;
    if (pers > s->pers_count)
        pers = 0;
    unsigned char cfa[64];
    uint64_t addr = s->image_base + f->start;
    size_t len = compact_to_cfa(f->encoding, addr, cfa);
    if (!len) {
        flush_fde(s, 0);
        return;
    }
    /* Adjacent functions with the same rules and no LSDA share one FDE. */
    if (s->have && !f->lsda && s->pers == pers && s->end == addr && s->cfa_len == len &&
        memcmp(s->cfa, cfa, len) == 0) {
        s->end = s->image_base + f->end;
        return;
    }
    flush_fde(s, 0);
    s->have = 1;
    s->start = addr;
    s->end = s->image_base + f->end;
    s->pers = pers;
    memcpy(s->cfa, cfa, len);
    s->cfa_len = len;
    if (f->lsda)
        flush_fde(s, s->image_base + f->lsda);
}

/* ---- registration with the host unwinder ---------------------------------------------- */

static void (*add_fde)(uintptr_t);

static int load_unwinder(void)
{
    if (add_fde)
        return 0;
    void *h = dlopen("libunwind.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return -1;
    add_fde = (void (*)(uintptr_t))dlsym(h, "__unw_add_dynamic_fde");
    return add_fde ? 0 : -1;
}

/* Registers the FDEs of an image's own __eh_frame, staying inside the section. */
static size_t register_eh_frame(const unsigned char *p, size_t size)
{
    size_t off = 0, count = 0;
    while (off + 8 <= size) {
        uint32_t len;
        memcpy(&len, p + off, 4);
        if (len == 0 || len == 0xffffffffu || off + 4 + len > size)
            break;
        uint32_t id;
        memcpy(&id, p + off + 4, 4);
        if (id != 0) {
            add_fde((uintptr_t)(p + off));
            count++;
        }
        off += 4 + (size_t)len;
    }
    return count;
}

/* Returns the number of FDEs registered, or -1 when the host unwinder is missing or the
 * section is malformed. */
MB_HIDDEN long mb_register_unwind(uint64_t image_base, uint32_t text_end,
                                  const void *unwind_info,
                                  size_t unwind_size, const void *eh_frame, size_t eh_size)
{
    if (load_unwinder())
        return -1;
    long total = 0;
    if (eh_frame && eh_size)
        total += (long)register_eh_frame(eh_frame, eh_size);
    if (!unwind_info || !unwind_size)
        return total;
    struct cu_reader r = {unwind_info, unwind_size};
    struct synth s = {0};
    s.image_base = image_base;
    s.r = &r;
    uint32_t pers_off, pers_count;
    if (rd32(&r, 12, &pers_off) || rd32(&r, 16, &pers_count) || pers_count > 3)
        return -1;
    s.pers_off = pers_off;
    s.pers_count = pers_count;
    for (uint32_t i = 0; i <= pers_count; i++) {
        uint32_t slot = 0;
        if ((i && rd32(&r, pers_off + (i - 1) * 4, &slot)) || buf_reserve(&s.b[i], 256))
            goto fail;
        emit_cie(&s.b[i], i ? image_base + slot : 0);
    }
    if (cu_walk(&r, on_func, &s) != 0)
        goto fail;
    /* Some linkers (zig's) end the table at a sentinel inside the last function; the last
     * entry really runs to the end of __text, as ld64 writes it. */
    if (s.have && text_end && s.end < image_base + text_end && s.end > s.start)
        s.end = image_base + text_end;
    flush_fde(&s, 0);
    if (s.failed)
        goto fail;
    struct buf all = {0};
    for (uint32_t i = 0; i <= pers_count; i++) {
        if (buf_reserve(&all, s.b[i].len + 4))
            goto fail;
        put(&all, s.b[i].p, s.b[i].len);
        free(s.b[i].p);
        s.b[i].p = NULL;
    }
    /* Registered FDE by FDE: the section walker of some libunwind releases (LLVM 16, as
     * Debian ships it) reads past a zero terminator. The buffer lives as long as the image. */
    register_eh_frame(all.p, all.len);
    return total + (long)s.fde_count;
fail:
    for (int i = 0; i < 4; i++)
        free(s.b[i].p);
    return -1;
}
