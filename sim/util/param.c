/*
 * param: parsing and formatting model parameters by their key tables
 * (param.h). Model numbers (PARAM_DOUBLE, PARAM_COUNT) are read with strtod
 * and must be finite and whole where the type says so; a suffix scales
 * them (k, M, B, T, or % for a fraction). Everything a ledger holds (rates,
 * cash amounts, decimals) and every duration is read as an exact decimal
 * (param_parse_decimal) and scaled by integer arithmetic, so it is exact or
 * refused, never rounded. Nothing here allocates.
 */
#include "param.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perr.h"
#include "suggest.h"

__extension__ typedef __int128 i128;

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
    case PARAM_DECIMAL:
        return "a number such as 0.1";
    case PARAM_RATE:
        return "a rate such as 0.05%, 5bp or 0.0005";
    case PARAM_CASH:
        return "an amount of the quote currency such as 200 or 1.5M";
    case PARAM_INT:
        return "a whole number such as 50";
    case PARAM_NAME:
        return "a name";
    case PARAM_SPAN:
        return "a duration such as 8h";
    case PARAM_CHOICE:
        return "a name from a list";
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

/* ---- exact decimals ---------------------------------------------------- */

int param_parse_decimal(const char *what, const char *text,
                        param_decimal *out, perr *e)
{
    const char *s = text;
    int neg = 0;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    int64_t mant = 0;
    int exp = 0, digits = 0, dot = 0;
    for (; *s; s++) {
        if (*s == '.' && !dot) {
            dot = 1;
            continue;
        }
        if (*s == '_' || *s == ',')
            continue; /* 1,370,000 and 1_370_000 read as written */
        if (*s < '0' || *s > '9')
            break;
        if (mant > (INT64_MAX - 9) / 10)
            return perr_set(e, PERR_RANGE, "%s: '%s' has too many digits",
                            what, text);
        mant = mant * 10 + (*s - '0');
        digits++;
        if (dot)
            exp--;
    }
    if (*s == 'e' || *s == 'E') {
        char *end;
        errno = 0;
        long x = strtol(s + 1, &end, 10);
        if (end == s + 1 || *end || errno || x > 18 || x < -18)
            return perr_set(e, PERR_INVALID,
                            "%s: expected a number such as 8000 or 0.5, got "
                            "'%s'",
                            what, text);
        exp += (int)x;
        s = end;
    }
    if (digits == 0 || *s)
        return perr_set(e, PERR_INVALID,
                        "%s: expected a number such as 8000 or 0.5, got '%s'",
                        what, text);
    while (exp > 0) {
        if (mant > INT64_MAX / 10)
            return perr_set(e, PERR_RANGE, "%s: '%s' is too large", what,
                            text);
        mant *= 10;
        exp--;
    }
    out->mant = neg ? -mant : mant;
    out->exp = exp;
    return 0;
}

double param_decimal_value(param_decimal d)
{
    return (double)d.mant * pow(10.0, d.exp);
}

int param_decimal_scale(param_decimal amount, param_decimal unit,
                        int64_t *out)
{
    int shift = amount.exp - unit.exp;
    i128 num = amount.mant, den = unit.mant;
    if (den <= 0)
        return PERR_INVALID;
    if (shift > 36 || shift < -36)
        return PERR_RANGE;
    /* |mant| < 2^63 and 10^18 < 2^60, so 18 steps either way stay well
     * inside 127 bits; beyond that the result cannot fit or be whole. */
    for (int i = 0; i < shift; i++) {
        if (num > ((i128)1 << 120) || num < -((i128)1 << 120))
            return PERR_RANGE;
        num *= 10;
    }
    for (int i = 0; i < -shift; i++) {
        if (den > ((i128)1 << 120)) {
            if (num != 0)
                return PERR_INVALID; /* 0 < |num| < den */
            *out = 0;
            return 0;
        }
        den *= 10;
    }
    if (num % den != 0)
        return PERR_INVALID;
    i128 v = num / den;
    if (v > (i128)INT64_MAX || v < -(i128)INT64_MAX)
        return PERR_RANGE;
    *out = (int64_t)v;
    return 0;
}

/* Splits text into its number (copied into number) and the suffix it ends
 * with, the first of suffixes that fits ("" for none); blanks between the
 * two are dropped. -1 when no number is left or it does not fit. */
static int split_suffix(const char *text, char *number, size_t size,
                        const char **suffix, const char *const *suffixes)
{
    size_t n = strlen(text);
    *suffix = "";
    for (const char *const *s = suffixes; *s; s++) {
        size_t k = strlen(*s);
        if (n > k && strcmp(text + n - k, *s) == 0) {
            *suffix = *s;
            n -= k;
            break;
        }
    }
    while (n > 0 && text[n - 1] == ' ')
        n--;
    if (n == 0 || n >= size)
        return -1;
    memcpy(number, text, n);
    number[n] = '\0';
    return 0;
}

/* d x 10^shift as an exact int64, or -1 when it is not whole or does not
 * fit. */
static int decimal_shift(param_decimal d, int shift, int64_t *out)
{
    int exp = d.exp + shift;
    i128 v = d.mant;
    for (; exp > 0; exp--) {
        v *= 10;
        if (v > INT64_MAX || v < -INT64_MAX)
            return -1;
    }
    for (; exp < 0; exp++) {
        if (v % 10 != 0)
            return -1;
        v /= 10;
    }
    *out = (int64_t)v;
    return 0;
}

/* The clock's limit: 2^53 ms is 285,000 years. */
#define MS_MAX 9e15

int param_parse_ms(const char *text, int64_t *ms)
{
    /* "min" before "m", and "ms" before "s" and "m": the first that fits. */
    static const char *const suffixes[] = {"ms", "min", "s", "m", "h", "d",
                                           NULL};
    static const int64_t scale[] = {1, 60000, 1000, 60000, 3600000,
                                    86400000};
    char number[64];
    const char *suffix;
    param_decimal d;
    if (split_suffix(text, number, sizeof number, &suffix, suffixes) != 0
        || param_parse_decimal("", number, &d, NULL) != 0)
        return PERR_INVALID;
    if (*suffix == '\0' && d.mant != 0)
        return PERR_INVALID; /* only 0 needs no unit */
    int64_t unit = 1;
    for (int i = 0; suffixes[i]; i++)
        if (strcmp(suffix, suffixes[i]) == 0)
            unit = scale[i];
    /* mant x 10^exp x unit, exact: |mant| < 2^63 and unit < 2^27. */
    i128 v = (i128)d.mant * unit;
    int exp = d.exp;
    for (; exp < 0 && v % 10 == 0 && v != 0; exp++)
        v /= 10;
    if (v == 0)
        exp = 0;
    for (; exp > 0 && v < (i128)MS_MAX && v > -(i128)MS_MAX; exp--)
        v *= 10;
    if (exp != 0 || v >= (i128)MS_MAX || v <= -(i128)MS_MAX)
        return PERR_RANGE;
    *ms = (int64_t)v;
    return 0;
}

/* ---- the exact kinds, with their messages ------------------------------- */

static int expected(char *why, size_t size, const char *what,
                    const char *text)
{
    if (why)
        snprintf(why, size, "expected %s, got \"%.60s\"", what, text);
    return PERR_INVALID;
}

/* A suffix of a number and the power of ten it stands for ("%": -2). */
typedef struct suffix_power {
    const char *suffix;
    int power;
} suffix_power;

/* text as a decimal number times the power of ten of the suffix it ends in
 * (one of suffixes, which a NULL suffix ends), or of none; any other text
 * is not a value of type. */
static int suffixed_decimal(const char *text, const suffix_power *suffixes,
                            param_type type, param_decimal *d, char *why,
                            size_t size)
{
    const char *names[8];
    size_t n = 0;
    for (; suffixes[n].suffix && n < 7; n++)
        names[n] = suffixes[n].suffix;
    names[n] = NULL;
    char number[64];
    const char *suffix;
    if (split_suffix(text, number, sizeof number, &suffix, names) != 0
        || param_parse_decimal("", number, d, NULL) != 0)
        return expected(why, size, param_type_what(type), text);
    for (size_t i = 0; i < n; i++)
        if (strcmp(suffix, names[i]) == 0)
            d->exp += suffixes[i].power;
    return 0;
}

/* A rate: a percentage, basis points or a plain fraction, exact to 1e-8. */
static int parse_rate(const char *text, int64_t *out, char *why, size_t size)
{
    static const suffix_power suffixes[] = {{"%", -2}, {"bp", -4}, {NULL, 0}};
    param_decimal d;
    int rc = suffixed_decimal(text, suffixes, PARAM_RATE, &d, why, size);
    if (rc != 0)
        return rc;
    if (decimal_shift(d, 8, out) != 0) {
        if (why)
            snprintf(why, size,
                     "\"%.60s\" is finer than a rate can hold (1e-8, "
                     "0.000001%%) or too large",
                     text);
        return PERR_INVALID;
    }
    return 0;
}

/* An amount of the quote currency (k, M, B for thousands, millions,
 * billions), in whole cash units. */
static int parse_cash(const char *text, const param_decimal *unit,
                      int64_t *out, char *why, size_t size)
{
    static const suffix_power suffixes[] = {
        {"k", 3}, {"M", 6}, {"B", 9}, {NULL, 0}};
    param_decimal d;
    int rc = suffixed_decimal(text, suffixes, PARAM_CASH, &d, why, size);
    if (rc != 0)
        return rc;
    if (!unit || unit->mant <= 0) {
        if (why)
            snprintf(why, size, "the cash unit must be set (> 0) first");
        return PERR_INVALID;
    }
    rc = param_decimal_scale(d, *unit, out);
    if (rc == PERR_INVALID) {
        if (why)
            snprintf(why, size,
                     "\"%.60s\" is finer than the cash unit (%lldE%d)", text,
                     (long long)unit->mant, unit->exp);
        return rc;
    }
    if (rc != 0) {
        if (why)
            snprintf(why, size, "\"%.60s\" is too large for the cash unit",
                     text);
        return PERR_INVALID;
    }
    return 0;
}

static int parse_int32(const char *text, int32_t *out, char *why,
                       size_t size)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end || errno || v < INT32_MIN || v > INT32_MAX)
        return expected(why, size, param_type_what(PARAM_INT), text);
    *out = (int32_t)v;
    return 0;
}

static int parse_span(const char *text, int64_t *out, char *why,
                      size_t size)
{
    int64_t ms = 0;
    int rc = param_parse_ms(text, &ms);
    if (rc == PERR_INVALID || (rc == 0 && ms < 0))
        return expected(why, size, param_type_what(PARAM_SPAN), text);
    if (rc != 0) {
        if (why)
            snprintf(why, size,
                     "\"%.60s\" is not a whole number of milliseconds, or "
                     "too long",
                     text);
        return PERR_INVALID;
    }
    *out = ms;
    return 0;
}

static int parse_name(const char *text, char *out, char *why, size_t size)
{
    size_t n = strlen(text);
    int ok = n > 0 && n < PARAM_NAME_MAX;
    for (size_t i = 0; ok && i < n; i++) {
        char c = text[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
             || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }
    if (!ok) {
        if (why)
            snprintf(why, size,
                     "expected a name of letters, digits, '_' and '-' (1 to "
                     "%d), got \"%.40s\"",
                     PARAM_NAME_MAX - 1, text);
        return PERR_INVALID;
    }
    memcpy(out, text, n + 1);
    return 0;
}

const param_choice *const *param_choices(const param_key *k)
{
    return (const param_choice *const *)(const void *)k->names;
}

const param_choice *param_choice_find(const param_choice *const *choices,
                                      const char *name)
{
    for (size_t i = 0; choices && choices[i]; i++)
        if (strcmp(choices[i]->name, name) == 0)
            return choices[i];
    return NULL;
}

int param_expected_one_of(const char *const *names, size_t n,
                          const char *text, char *why, size_t size)
{
    if (!why)
        return PERR_INVALID;
    char list[100] = "";
    for (size_t i = 0; i < n; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                 i ? (i + 1 == n ? " or " : ", ") : "one of ", names[i]);
    const char *near = suggest_nearest(text, names, n);
    int len = snprintf(why, size, "expected %s, got \"%.40s\"", list, text);
    if (near && len > 0 && (size_t)len < size)
        snprintf(why + len, size - (size_t)len, " (did you mean '%s'?)",
                 near);
    return PERR_INVALID;
}

static int unknown_choice(const param_choice *const *choices,
                          const char *text, char *why, size_t size)
{
    const char *names[64];
    size_t n = 0;
    for (; choices && choices[n] && n < 64; n++)
        names[n] = choices[n]->name;
    return param_expected_one_of(names, n, text, why, size);
}

int param_parse(const param_key *k, const char *text, void *params,
                char *why, size_t why_size)
{
    return param_parse_in(k, text, params, NULL, why, why_size);
}

int param_parse_in(const param_key *k, const char *text, void *params,
                   const param_decimal *cash_unit, char *why,
                   size_t why_size)
{
    char *at = (char *)params + k->offset;
    int64_t v64 = 0;
    int rc;
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
        /* A model's duration always states its unit, with nothing
         * between: "30s", never "0" or "30 s". */
        size_t n = strlen(text);
        int unit = n > 0 && ((text[n - 1] >= 'a' && text[n - 1] <= 'z'));
        if (unit && !strchr(text, ' ') && param_parse_ms(text, &ms) == 0) {
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
    case PARAM_DECIMAL: {
        param_decimal d;
        if (param_parse_decimal("", text, &d, NULL) != 0)
            return expected(why, why_size, param_type_what(k->type), text);
        param_decimal *dst = (param_decimal *)(void *)at;
        dst->mant = d.mant; /* member by member: the padding stays as it was */
        dst->exp = d.exp;
        return 0;
    }
    case PARAM_RATE:
        if ((rc = parse_rate(text, &v64, why, why_size)) == 0)
            memcpy(at, &v64, sizeof v64);
        return rc;
    case PARAM_CASH:
        if ((rc = parse_cash(text, cash_unit, &v64, why, why_size)) == 0)
            memcpy(at, &v64, sizeof v64);
        return rc;
    case PARAM_SPAN:
        if ((rc = parse_span(text, &v64, why, why_size)) == 0)
            memcpy(at, &v64, sizeof v64);
        return rc;
    case PARAM_INT: {
        int32_t n;
        if ((rc = parse_int32(text, &n, why, why_size)) == 0)
            memcpy(at, &n, sizeof n);
        return rc;
    }
    case PARAM_NAME:
        return parse_name(text, at, why, why_size);
    case PARAM_CHOICE: {
        const param_choice *c = param_choice_find(param_choices(k), text);
        if (!c)
            return unknown_choice(param_choices(k), text, why, why_size);
        memcpy(at, &c, sizeof c);
        return 0;
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

/* The value of k at at, of one of the integer types (count, duration,
 * enum, bool, rate, cash, int, span), as an int64. */
static int64_t stored_integer(const param_key *k, const char *at)
{
    switch (k->type) {
    case PARAM_COUNT: {
        uint32_t n;
        memcpy(&n, at, sizeof n);
        return n;
    }
    case PARAM_ENUM:
    case PARAM_BOOL: {
        int i;
        memcpy(&i, at, sizeof i);
        return i;
    }
    case PARAM_INT: {
        int32_t n;
        memcpy(&n, at, sizeof n);
        return n;
    }
    default: {
        int64_t v;
        memcpy(&v, at, sizeof v);
        return v;
    }
    }
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
    case PARAM_TEXT:
    case PARAM_NAME:
        snprintf(out, size, "%s", at);
        return;
    case PARAM_SEED: {
        uint64_t s;
        memcpy(&s, at, sizeof s);
        snprintf(out, size, "%" PRIu64, s);
        return;
    }
    case PARAM_DECIMAL: {
        param_decimal d;
        memcpy(&d, at, sizeof d);
        snprintf(out, size, "%" PRId64 "e%d", d.mant, d.exp);
        return;
    }
    case PARAM_CHOICE: {
        const param_choice *c;
        memcpy(&c, at, sizeof c);
        snprintf(out, size, "%s", c ? c->name : "");
        return;
    }
    default:
        break;
    }
    int64_t v = stored_integer(k, at);
    switch (k->type) {
    case PARAM_DURATION:
        format_duration(v, out, size);
        return;
    case PARAM_SPAN:
        if (v == 0)
            snprintf(out, size, "0");
        else
            format_duration(v, out, size);
        return;
    case PARAM_ENUM:
        snprintf(out, size, "%s", k->names[v]);
        return;
    case PARAM_BOOL:
        snprintf(out, size, "%s", v ? "true" : "false");
        return;
    case PARAM_RATE:
        /* a fraction with its 8 decimals */
        snprintf(out, size, "%" PRId64 "e-8", v);
        return;
    default:
        /* a count, an int, or an amount in cash units, which reads back as
         * itself where the cash unit is 1 (the unit is the caller's, and
         * param_format has none) */
        snprintf(out, size, "%" PRId64, v);
        return;
    }
}
