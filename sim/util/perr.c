/*
 * perr: formatting of error reports (see perr.h). Messages are truncated, never
 * overflowed, at the size of perr.msg.
 */
#include "perr.h"

#include <stdio.h>
#include <stdlib.h>

/* Records code and the formatted message in e. */
__attribute__((format(printf, 3, 0)))
static void perr_vset(perr *e, int code, const char *fmt, va_list ap)
{
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    e->code = code;
}

int perr_set(perr *e, int code, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        perr_vset(e, code, fmt, ap);
        va_end(ap);
    }
    return code;
}

void *perr_zalloc(perr *e, size_t size, const char *fmt, ...)
{
    void *p = calloc(1, size);
    if (!p && e) {
        va_list ap;
        va_start(ap, fmt);
        perr_vset(e, PERR_NOMEM, fmt, ap);
        va_end(ap);
    }
    return p;
}

int perr_status(const perr *e, int fallback)
{
    return e && e->code != PERR_OK ? e->code : fallback;
}

void perr_clear(perr *e)
{
    if (e) {
        e->code = PERR_OK;
        e->msg[0] = '\0';
    }
}

const char *perr_name(int code)
{
    switch (code) {
    case PERR_OK: return "success";
    case PERR_INVALID: return "invalid input";
    case PERR_NOMEM: return "out of memory";
    case PERR_IO: return "input/output error";
    case PERR_STATE: return "call not allowed in this state";
    case PERR_RANGE: return "value out of range";
    default: return "unknown error";
    }
}
