/* Translating Darwin values to Linux ones and back, through the generated ABI tables.
 * Every bridge translates by table, never by a literal it knows itself. */
#ifndef MACHBOX_TRANSLATE_H
#define MACHBOX_TRANSLATE_H

#include "darwin_abi.h"
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>

/* Bit sets: each Darwin bit present becomes its Linux bit; unknown bits are reported. */
static inline uint64_t mb_bits_to_linux(const struct mb_flag_pair *t, size_t n, uint64_t v,
                                        uint64_t *unknown)
{
    uint64_t out = 0, seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i].darwin && (v & t[i].darwin) == t[i].darwin) {
            out |= t[i].linux_;
            seen |= t[i].darwin;
        }
    }
    if (unknown)
        *unknown = v & ~seen;
    return out;
}

static inline uint64_t mb_bits_to_darwin(const struct mb_flag_pair *t, size_t n, uint64_t v)
{
    uint64_t out = 0;
    for (size_t i = 0; i < n; i++)
        if (t[i].linux_ && (v & t[i].linux_) == t[i].linux_)
            out |= t[i].darwin;
    return out;
}

/* Enumerations: -1 (or `missing`) when the value has no counterpart. */
static inline int64_t mb_value_to_linux(const struct mb_value_pair *t, size_t n, int64_t v,
                                        int64_t missing)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].darwin == v)
            return t[i].linux_;
    return missing;
}

static inline int64_t mb_value_to_darwin(const struct mb_value_pair *t, size_t n, int64_t v,
                                         int64_t missing)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].linux_ == v)
            return t[i].darwin;
    return missing;
}

/* The *at() family: Darwin's AT_FDCWD is -2, Linux's -100. */
static inline int mb_at_fd(int fd) { return fd == DARWIN_AT_FDCWD ? AT_FDCWD : fd; }

static inline int mb_signal_to_linux(int sig)
{
    return sig >= 0 && sig <= MB_SIGNAL_DARWIN_MAX ? mb_signal_darwin_to_linux[sig] : -1;
}

static inline int mb_signal_to_darwin(int sig)
{
    return sig >= 0 && sig <= MB_SIGNAL_LINUX_MAX ? mb_signal_linux_to_darwin[sig] : 0;
}

#endif
