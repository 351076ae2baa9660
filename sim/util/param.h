/*
 * param: model parameters as data, so that a scenario file, a `--set`
 * override and the documentation name the same things.
 *
 * A model (an agent kind, the index process, the output options) describes
 * its parameters struct with a table of param_key, one row per key path
 * under the model's place in the scenario ("leverage.median" under
 * "populations[2]"), giving the member's offset, the kind of value and its
 * unit. The scenario loader (scenario.h) applies every key of a file through
 * param_parse and writes the resolved scenario back through param_format,
 * so a new model is a new table, never an edit to the loader.
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
 * Ranges are the model's check function's business, not the parser's.
 */
#ifndef PERPSIM_PARAM_H
#define PERPSIM_PARAM_H

#include <stddef.h>
#include <stdint.h>

#define PARAM_TEXT_MAX 256

typedef enum param_type {
    PARAM_DOUBLE,   /* double */
    PARAM_COUNT,    /* uint32_t */
    PARAM_DURATION, /* int64_t milliseconds */
    PARAM_ENUM,     /* int: the index of the name in names */
    PARAM_BOOL,     /* int: 0 or 1 */
    PARAM_TEXT,     /* char[PARAM_TEXT_MAX] */
    PARAM_SEED,     /* uint64_t */
} param_type;

typedef struct param_key {
    const char *key;          /* path under the model: "leverage.median" */
    param_type type;
    size_t offset;            /* of the member in the params struct */
    const char *unit;         /* for messages and docs: "quote", "per second" */
    const char *const *names; /* PARAM_ENUM: NULL-terminated, in enum order */
} param_key;

/* Tables end with a row whose key is NULL. */
#define PARAM_END {NULL, PARAM_DOUBLE, 0, NULL, NULL}

/* The row of keys named key, or NULL. */
const param_key *param_find(const param_key *keys, const char *key);

/* Parses text as k says and stores it in params. On failure returns
 * PERR_INVALID and writes what was expected into why ("expected a duration
 * such as 30s or 8h, got \"soon\""), changing nothing. */
int param_parse(const param_key *k, const char *text, void *params,
                char *why, size_t why_size);

/* Writes the value of k in params as text that param_parse reads back to
 * the same value (doubles with 17 significant digits when needed). */
void param_format(const param_key *k, const void *params, char *out,
                  size_t size);

/* What a value of type t looks like, for messages: "a number", "a duration
 * such as 30s or 8h", ... */
const char *param_type_what(param_type t);

#endif
