/*
 * param: model parameters as data, so that a scenario file, a `--set`
 * override and the documentation name the same things.
 *
 * A model (an agent kind, the index process, the output options) describes
 * its parameters struct with a table of param_key, one row per key path
 * under the model's place in the scenario ("leverage.median" under
 * "populations[2]"), giving the member's offset, the kind of value and its
 * unit. The scenario loader (scenario_load.h) applies every key of a file
 * through param_parse and writes the resolved scenario back through
 * param_format, so a new model is a new table, never an edit to the loader.
 *
 * Values are written the way a user would write them:
 *   PARAM_DOUBLE    1.5, -2, 1.37e9, 500k, 2M, 1.5B (k = 1e3, M = 1e6,
 *                   B = 1e9, T = 1e12), or a percentage 5% = 0.05
 *   PARAM_COUNT     a whole number in [0, 2^32): 300000, 300k, 1M
 *   PARAM_DURATION  250ms, 30s, 5m, 8h, 1d, 1.5h (milliseconds, whole)
 *   PARAM_ENUM      one of the key's names
 *   PARAM_BOOL      true or false
 *   PARAM_TEXT      any text (a path, a name) up to PARAM_TEXT_MAX - 1 bytes
 *   PARAM_SEED      a whole number in [0, 2^64)
 * and, exact to the last digit (venue profiles, profile_yaml.h):
 *   PARAM_DECIMAL   8000, -0.5, 1.25e3: a param_decimal
 *   PARAM_RATE      0.05%, 5bp or 0.0005: int64 multiples of 1e-8
 *   PARAM_CASH      200, 1.5k, 1.5M, 2B: int64 whole units of the cash
 *                   unit the caller gives param_parse_in (a venue's)
 *   PARAM_INT       a whole number: int32
 *   PARAM_NAME      letters, digits, '_' and '-': char[PARAM_NAME_MAX]
 *   PARAM_SPAN      8h, 150s, 0: int64 milliseconds >= 0, exact
 *   PARAM_CHOICE    the name of one entry of a registry (param_choice): a
 *                   pointer to that entry
 * Durations of both kinds go through one exact parser (a decimal times
 * its unit); the two differ only in that a span is never negative and 0
 * needs no unit.
 * Ranges are the model's check function's business, not the parser's.
 */
#ifndef PERPSIM_PARAM_H
#define PERPSIM_PARAM_H

#include <stddef.h>
#include <stdint.h>

#include "perr.h"

#define PARAM_TEXT_MAX 256
#define PARAM_NAME_MAX 32

/* A decimal quantity mant x 10^exp, exact (tick sizes such as 0.5 included). */
typedef struct param_decimal {
    int64_t mant;
    int exp;
} param_decimal;

typedef enum param_type {
    PARAM_DOUBLE,   /* double */
    PARAM_COUNT,    /* uint32_t */
    PARAM_DURATION, /* int64_t milliseconds */
    PARAM_ENUM,     /* int: the index of the name in names */
    PARAM_BOOL,     /* int: 0 or 1 */
    PARAM_TEXT,     /* char[PARAM_TEXT_MAX] */
    PARAM_SEED,     /* uint64_t */
    PARAM_DECIMAL,  /* param_decimal */
    PARAM_RATE,     /* int64_t, PARAM_RATE_ONE = 1 */
    PARAM_CASH,     /* int64_t */
    PARAM_INT,      /* int32_t */
    PARAM_NAME,     /* char[PARAM_NAME_MAX] */
    PARAM_SPAN,     /* int64_t milliseconds */
    PARAM_CHOICE,   /* const param_choice * (or a pointer to a struct that
                       begins with one) */
} param_type;

/* A rate of 1 in PARAM_RATE's units: 0.4% is 400,000. */
#define PARAM_RATE_ONE INT64_C(100000000)

typedef struct param_key {
    const char *key;          /* path under the model: "leverage.median" */
    param_type type;
    size_t offset;            /* of the member in the params struct */
    const char *unit;         /* for messages and docs: "quote", "per second" */
    const char *const *names; /* PARAM_ENUM: NULL-terminated, in enum order;
                                 PARAM_CHOICE: the registry, written
                                 PARAM_CHOICES(list) */
} param_key;

/* One entry of a registry a PARAM_CHOICE key names (a venue rule,
 * models/rule.h): its name, what it does, and the keys it adds to its
 * owner's table when it is chosen. Entries are structs that begin with
 * this one, so a pointer to the entry is a pointer to it. */
typedef struct param_choice {
    const char *name;
    const char *doc;       /* one paragraph: what it computes, whose it is */
    const param_key *keys; /* PARAM_END-terminated; NULL: none */
} param_choice;

/* A PARAM_CHOICE row's registry (a NULL-terminated array of
 * const param_choice *) in the names member; param_choices() reads it
 * back. The conversion round-trips exactly (C11 6.3.2.3p7). */
#define PARAM_CHOICES(list) ((const char *const *)(const void *)(list))
const param_choice *const *param_choices(const param_key *k);

#define PARAM_END {NULL, PARAM_DOUBLE, 0, NULL, NULL}

/* The row of keys named key, or NULL. */
const param_key *param_find(const param_key *keys, const char *key);

/* Parses text as k says and stores it in params. On failure returns
 * PERR_INVALID and writes what was expected into why ("expected a duration
 * such as 30s or 8h, got \"soon\""), changing nothing. */
int param_parse(const param_key *k, const char *text, void *params,
                char *why, size_t why_size);

/* As param_parse, with the unit PARAM_CASH amounts are counted in (NULL:
 * such rows fail). */
int param_parse_in(const param_key *k, const char *text, void *params,
                   const param_decimal *cash_unit, char *why,
                   size_t why_size);

/* Writes the value of k in params as text that param_parse reads back to
 * the same value (doubles with 17 significant digits when needed). */
void param_format(const param_key *k, const void *params, char *out,
                  size_t size);

/* What a value of type t looks like, for messages: "a number", "a duration
 * such as 30s or 8h", ... */
const char *param_type_what(param_type t);

/* The entry of a NULL-terminated registry named name, or NULL. */
const param_choice *param_choice_find(const param_choice *const *choices,
                                      const char *name);

/* Writes "expected one of a, b or c, got "x" (did you mean 'b'?)" for a
 * text that is none of the n names into why; returns PERR_INVALID. */
int param_expected_one_of(const char *const *names, size_t n,
                          const char *text, char *why, size_t size);

/* Parses a plain decimal such as "8000", "-0.5" or "1.25e3" exactly into
 * *out (',' and '_' are skipped: 1,370,000 reads as written); PERR_INVALID
 * or PERR_RANGE with a message naming what (an option, a key) and the
 * text. e may be NULL. */
int param_parse_decimal(const char *what, const char *text,
                        param_decimal *out, perr *e);

/* d as a double (for printing and models; never for the ledger). */
double param_decimal_value(param_decimal d);

/* amount / unit as an exact int64: 0, PERR_INVALID when it is not a whole
 * number (or unit is not > 0), PERR_RANGE when it does not fit. */
int param_decimal_scale(param_decimal amount, param_decimal unit,
                        int64_t *out);

/* A duration with its unit (ms, s, m, min, h, d), exact to the millisecond:
 * 0, PERR_INVALID when text is not a duration, PERR_RANGE when it is not a
 * whole number of milliseconds or beyond +/- 2^53. "0" needs no unit. */
int param_parse_ms(const char *text, int64_t *ms);

#endif
