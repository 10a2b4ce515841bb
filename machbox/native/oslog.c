/* os_log and os_signpost (libsystem_trace): macOS sends these to the unified log, never to
 * the program's stdout or stderr. machbox has no unified log, so messages are dropped, as
 * a Mac drops them when logging is off: every "enabled" query answers no. */
#define _GNU_SOURCE
#include "runtime.h"

#include <stdlib.h>
#include <string.h>

struct os_log_s { const void *isa; char subsystem[64], category[64]; };

MB_EXPORT struct os_log_s mb__os_log_default;
MB_EXPORT struct os_log_s mb__os_log_disabled;

MB_EXPORT struct os_log_s *mb_os_log_create(const char *subsystem, const char *category)
{
    struct os_log_s *l = calloc(1, sizeof *l);
    if (!l)
        return &mb__os_log_disabled;
    strncpy(l->subsystem, subsystem ? subsystem : "", sizeof l->subsystem - 1);
    strncpy(l->category, category ? category : "", sizeof l->category - 1);
    return l;
}

MB_EXPORT int mb_os_log_type_enabled(struct os_log_s *log, unsigned type)
{
    (void)log, (void)type;
    return 0;
}

MB_EXPORT void mb__os_log_impl(void *dso, struct os_log_s *log, unsigned type,
                               const char *format, const void *buf, unsigned size)
{
    (void)dso, (void)log, (void)type, (void)format, (void)buf, (void)size;
}

MB_EXPORT int mb_os_signpost_enabled(struct os_log_s *log)
{
    (void)log;
    return 0;
}

MB_EXPORT uint64_t mb_os_signpost_id_generate(struct os_log_s *log)
{
    (void)log;
    static _Atomic uint64_t next = 1;
    return next++;
}

MB_EXPORT void mb__os_signpost_emit_with_name_impl(void *dso, struct os_log_s *log,
                                                   unsigned type, uint64_t id,
                                                   const char *name, const char *format,
                                                   const void *buf, unsigned size)
{
    (void)dso, (void)log, (void)type, (void)id, (void)name, (void)format, (void)buf, (void)size;
}
