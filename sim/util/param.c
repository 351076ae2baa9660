/*
 * param: parsing and formatting model parameters by their key tables
 * (param.h). Numbers are read with strtod and must be finite and whole
 * where the type says so; a suffix scales them (k, M, B, T, or % for a
 * fraction; ms, s, m, h, d for durations). Nothing here allocates.
 */
#include "param.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perr.h"

const param_key *param_find(const param_key *keys, const char *key)
{
    for (const param_key *k = keys; k && k->key; k++)
        if (strcmp(k->key, key) == 0)
            return k;
    return NULL;
}

const char *param_type_what(param_type t)
{
    switch (t) {
    case PARAM_DOUBLE:
        return "a number such as 1.5, 500k, 2M or 5%";
    case PARAM_COUNT:
        return "a whole number such as 20 or 300k";
    case PARAM_DURATION:
        return "a duration such as 30s, 5m, 8h or 1d";
    case PARAM_ENUM:
        return "one of the names";
    case PARAM_BOOL:
        return "true or false";
    case PARAM_TEXT:
        return "a text";
    case PARAM_SEED:
        return "a whole number in [0, 2^64)";
    }
    return "a value";
}

/* The number at the start of text and what follows it; 0 when there is no
 * finite number. */
static int leading_number(const char *text, double *x, const char **rest)
{
    if (!*text || strchr(" \t\n", *text))
        return 0;
    char *end;
    errno = 0;
    *x = strtod(text, &end);
    if (end == text || errno == ERANGE || !isfinite(*x))
        return 0;
    /* strtod reads "inf", "nan" and hex; none is a number a user writes here. */
    for (const char *c = text; c < end; c++)
        if (strchr("xXiInN", *c))
            return 0;
    *rest = end;
    return 1;
}

static int scale_of(const char *suffix, double *scale)
{
    static const struct { const char *s; double k; } units[] = {
        {"", 1}, {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"B", 1e9}, {"G", 1e9},
        {"T", 1e12}, {"%", 0.01},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(suffix, units[i].s) == 0) {
            *scale = units[i].k;
            return 1;
        }
    return 0;
}

static int parse_double(const char *text, double *out)
{
    double x, scale;
    const char *rest;
    if (!leading_number(text, &x, &rest) || !scale_of(rest, &scale))
        return 0;
    x *= scale;
    if (!isfinite(x))
        return 0;
    *out = x;
    return 1;
}

static int parse_duration(const char *text, int64_t *out)
{
    static const struct { const char *s; double ms; } units[] = {
        {"ms", 1}, {"s", 1e3}, {"m", 6e4}, {"min", 6e4}, {"h", 3.6e6},
        {"d", 8.64e7},
    };
    double x;
    const char *rest;
    if (!leading_number(text, &x, &rest))
        return 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(rest, units[i].s) != 0)
            continue;
        double ms = x * units[i].ms;
        /* Whole milliseconds only, and within the clock. */
        if (!(fabs(ms) < 9e15) || ms != floor(ms))
            return 0;
        *out = (int64_t)ms;
        return 1;
    }
    return 0;
}

int param_parse(const param_key *k, const char *text, void *params,
                char *why, size_t why_size)
{
    char *at = (char *)params + k->offset;
    switch (k->type) {
    case PARAM_DOUBLE: {
        double x;
        if (parse_double(text, &x)) {
            memcpy(at, &x, sizeof x);
            return 0;
        }
        break;
    }
    case PARAM_COUNT: {
        double x;
        if (parse_double(text, &x) && x >= 0 && x <= UINT32_MAX
            && x == floor(x) && !strchr(text, '%')) {
            uint32_t n = (uint32_t)x;
            memcpy(at, &n, sizeof n);
            return 0;
        }
        break;
    }
    case PARAM_DURATION: {
        int64_t ms;
        if (parse_duration(text, &ms)) {
            memcpy(at, &ms, sizeof ms);
            return 0;
        }
        break;
    }
    case PARAM_ENUM:
        for (int i = 0; k->names && k->names[i]; i++)
            if (strcmp(text, k->names[i]) == 0) {
                memcpy(at, &i, sizeof i);
                return 0;
            }
        if (why) {
            size_t used = (size_t)snprintf(why, why_size, "expected one of");
            for (int i = 0; k->names && k->names[i] && used < why_size; i++)
                used += (size_t)snprintf(why + used, why_size - used, "%s %s",
                                         i ? "," : "", k->names[i]);
            if (used < why_size)
                snprintf(why + used, why_size - used, ", got \"%s\"", text);
        }
        return PERR_INVALID;
    case PARAM_BOOL: {
        int b = -1;
        if (strcmp(text, "true") == 0)
            b = 1;
        else if (strcmp(text, "false") == 0)
            b = 0;
        if (b >= 0) {
            memcpy(at, &b, sizeof b);
            return 0;
        }
        break;
    }
    case PARAM_TEXT:
        if (strlen(text) < PARAM_TEXT_MAX) {
            memcpy(at, text, strlen(text) + 1);
            return 0;
        }
        if (why)
            snprintf(why, why_size, "expected at most %d bytes, got %zu",
                     PARAM_TEXT_MAX - 1, strlen(text));
        return PERR_INVALID;
    case PARAM_SEED: {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(text, &end, 10);
        if (*text >= '0' && *text <= '9' && !*end && errno != ERANGE) {
            uint64_t s = n;
            memcpy(at, &s, sizeof s);
            return 0;
        }
        break;
    }
    }
    if (why)
        snprintf(why, why_size, "expected %s, got \"%s\"",
                 param_type_what(k->type), text);
    return PERR_INVALID;
}

static void format_duration(int64_t ms, char *out, size_t size)
{
    static const struct { const char *s; int64_t ms; } units[] = {
        {"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (ms != 0 && ms % units[i].ms == 0) {
            snprintf(out, size, "%" PRId64 "%s", ms / units[i].ms, units[i].s);
            return;
        }
    snprintf(out, size, "%" PRId64 "ms", ms);
}

void param_format(const param_key *k, const void *params, char *out,
                  size_t size)
{
    const char *at = (const char *)params + k->offset;
    switch (k->type) {
    case PARAM_DOUBLE: {
        double x;
        memcpy(&x, at, sizeof x);
        /* The shortest of %.15g and %.17g that reads back exactly. */
        snprintf(out, size, "%.15g", x);
        if (strtod(out, NULL) != x)
            snprintf(out, size, "%.17g", x);
        return;
    }
    case PARAM_COUNT: {
        uint32_t n;
        memcpy(&n, at, sizeof n);
        snprintf(out, size, "%" PRIu32, n);
        return;
    }
    case PARAM_DURATION: {
        int64_t ms;
        memcpy(&ms, at, sizeof ms);
        format_duration(ms, out, size);
        return;
    }
    case PARAM_ENUM: {
        int i;
        memcpy(&i, at, sizeof i);
        snprintf(out, size, "%s", k->names[i]);
        return;
    }
    case PARAM_BOOL: {
        int b;
        memcpy(&b, at, sizeof b);
        snprintf(out, size, "%s", b ? "true" : "false");
        return;
    }
    case PARAM_TEXT:
        snprintf(out, size, "%s", at);
        return;
    case PARAM_SEED: {
        uint64_t s;
        memcpy(&s, at, sizeof s);
        snprintf(out, size, "%" PRIu64, s);
        return;
    }
    }
}
