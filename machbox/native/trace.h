/* The tracer's call sites and the kinds they decode (machbox.trace.prototypes names them in
 * the same order: test_trace checks that the two lists agree). */
#ifndef MACHBOX_TRACE_H
#define MACHBOX_TRACE_H

#include <stdint.h>

#define MB_TRACE_MAX_ARGS 8
#define MB_TRACE_MAX_SETS 64
#define MB_TRACE_UNKNOWN 0xff      /* nargs of a call without a prototype */
#define MB_TRACE_LINE 4096
#define MB_TRACE_STRING_MAX 256
#define MB_TRACE_BUFFER_MAX 64
#define MB_TRACE_AT_FDCWD (-2)     /* Darwin's AT_FDCWD */
#define MB_TRACE_LINUX_AT_FDCWD (-100)  /* the host's, in captured host calls */
#define MB_TRACE_SET_ERRNO 0       /* flag set 0 holds the Darwin errno names */
#define MB_TRACE_BEFORE 1          /* site flag: record before the call too (exit, exec) */
#define MB_TRACE_CAPTURE 2         /* site flag: record the host system calls it makes */

/* argument kinds */
enum { MB_TK_INT, MB_TK_UINT, MB_TK_LONG, MB_TK_SIZE, MB_TK_PTR, MB_TK_FD, MB_TK_STR,
       MB_TK_BUF, MB_TK_MODE, MB_TK_BITS, MB_TK_OFLAGS, MB_TK_ENUM, MB_TK_HEX, MB_TK_MSG,
       MB_TK_LFD, MB_TK_COUNT };
#define MB_TRACE_KIND_NAMES "int uint long size ptr fd str buf mode bits oflags enum hex msg lfd"

/* result kinds: how success and failure look */
enum { MB_TR_INT, MB_TR_LONG, MB_TR_PTR, MB_TR_ERR, MB_TR_HEX, MB_TR_VOID, MB_TR_COUNT };
#define MB_TRACE_RESULT_NAMES "int long ptr err hex void"

struct mb_trace_site {
    void *target;               /* first: mb_trace_trampoline calls through it */
    const char *name;
    const char *kind;           /* direct / bridge / emulated / syscall / trap */
    uint8_t nargs, result, flags;
    uint8_t arg[MB_TRACE_MAX_ARGS];
    uint8_t set[MB_TRACE_MAX_ARGS];
};

void mb_trace_record(const struct mb_trace_site *site, const uint64_t *args, int has_result,
                     uint64_t result, int darwin_errno, uint64_t start);
int mb_trace_on(void);
void mb_sud_capture_begin(void);   /* sud.c */
void mb_sud_capture_end(void);
int mb_trace_wanted(const char *name);

#endif
