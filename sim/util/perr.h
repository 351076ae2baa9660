/*
 * perr: the error report every fallible library function fills.
 *
 * Library code never prints and never exits. A function that can fail returns
 * an int status (0 on success, one of the negative PERR_* codes otherwise) and,
 * when the caller passed a non-NULL perr, writes one line saying what was wrong
 * and where ("scenario.yaml:12:7: venues[0].leverage: expected ..."). The
 * command line prints that line to stderr and maps the code to an exit status.
 *
 * A caller passes a callee's status on unchanged: `if ((rc = f(..., e)) != 0)
 * return rc;`. A constructor that returns NULL has no status to return, only
 * its report: its caller takes the code with perr_status(e, fallback), so
 * that an invalid input stays PERR_INVALID instead of becoming whatever the
 * caller guessed.
 */
#ifndef PERPSIM_PERR_H
#define PERPSIM_PERR_H

#include <stdarg.h>
#include <stddef.h>

enum {
    PERR_OK = 0,
    PERR_INVALID = -1, /* bad input from the user: arguments, files, values */
    PERR_NOMEM = -2,   /* an allocation failed */
    PERR_IO = -3,      /* a file could not be read or written */
    PERR_STATE = -4,   /* a call that the object's state does not allow */
    PERR_RANGE = -5,   /* a value outside what the object can represent */
};

typedef struct perr {
    int code;
    char msg[512];
} perr;

/* Records code and a printf-style message in e (if e is not NULL) and returns
 * code, so a failing path reads `return perr_set(e, PERR_INVALID, "...")`. */
int perr_set(perr *e, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* size zeroed bytes from calloc, or NULL with PERR_NOMEM and the
 * printf-style message in e: the one way a constructor allocates its object
 * (`venue *v = perr_zalloc(e, sizeof *v, "no memory for a venue")`). */
void *perr_zalloc(perr *e, size_t size, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The code a failed call left in e; fallback when e is NULL or records no
 * error (a callee that failed without a report). Never PERR_OK, so it can be
 * returned as a failure as it is. */
int perr_status(const perr *e, int fallback);

/* Clears e to the success state. */
void perr_clear(perr *e);

/* A short lowercase name for a code ("invalid input", "out of memory", ...). */
const char *perr_name(int code);

#endif
