/*
 * profile_yaml: reading venue profiles from YAML, and setting one field by
 * its key path (profile_yaml.h).
 *
 * One table, `fields`, maps each key path to the offset of its member in
 * `profile`, the kind of value it takes and, for keys that only one style of
 * venue uses (a chunked liquidation's chunk size, a fixed funding cap), the
 * condition under which a file must state it. models/venues/README.md
 * documents the same keys in the same order, and a test keeps the two
 * together.
 *
 * Loading is three passes over libyaml's document tree. The first walks the
 * mappings in file order and files each value under its key, rejecting
 * unknown and duplicate keys there. The second applies the values in table
 * order, so the units come before the amounts converted with them and a
 * style before the keys it requires; a required key that is absent is an
 * error at the line of the mapping that should hold it. The last runs
 * profile_check_fields, whose message starts with the key at fault, and
 * reports it at the line that key was written on. Nothing allocated here
 * outlives a call.
 */
#include "profile_yaml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "flat.h"
#include "suggest.h"

__extension__ typedef __int128 i128;

/* ---- the table --------------------------------------------------------- */

enum kind {
    KIND_NAME,     /* a short name: char[32] */
    KIND_DECIMAL,  /* an exact decimal: profile_decimal */
    KIND_RATE,     /* "0.05%", "5bp" or "0.0005": int64 of PROFILE_RATE_ONE */
    KIND_DURATION, /* "8h", "150s", "250ms": int64 milliseconds */
    KIND_MONEY,    /* "200", "1.5M": int64 cash units */
    KIND_INT,      /* a whole number: int32 */
    KIND_BOOL,     /* true or false: int */
    KIND_ENUM,     /* one of the field's names: an enum (int-sized) */
    KIND_BRACKETS, /* the sequence of risk brackets */
};

typedef struct field {
    const char *key;
    enum kind kind;
    size_t offset;
    const char *const *names;        /* KIND_ENUM: in the enum's order */
    int (*needed)(const profile *p); /* NULL: every file states it */
} field;

_Static_assert(sizeof(profile_mm_basis) == sizeof(int)
                   && sizeof(profile_liq_style) == sizeof(int)
                   && sizeof(profile_adl_rank) == sizeof(int)
                   && sizeof(profile_adl_price) == sizeof(int)
                   && sizeof(profile_mark_rule) == sizeof(int)
                   && sizeof(profile_premium_source) == sizeof(int)
                   && sizeof(profile_premium_average) == sizeof(int)
                   && sizeof(profile_funding_cap_rule) == sizeof(int)
                   && sizeof(profile_funding_price) == sizeof(int),
               "enum fields are stored as int");

static const char *const basis_names[] = {"mark", "entry", NULL};
static const char *const style_names[] = {"full", "tiered", "chunked",
                                          "capped", NULL};
static const char *const surplus_names[] = {"fund", "trader", NULL};
static const char *const rank_names[] = {"pnl_margin_ratio", "pnl_leverage",
                                         "price_leverage", NULL};
static const char *const adl_price_names[] = {"bankruptcy", "mark", NULL};
static const char *const mark_names[] = {"median3", "fair", "basis_ma", "hl",
                                         "oracle", NULL};
static const char *const source_names[] = {"impact", "mid", NULL};
static const char *const average_names[] = {"linear", "mean", NULL};
static const char *const limit_names[] = {"fixed", "mmr", "imf_mmf", NULL};
static const char *const price_names[] = {"mark", "oracle", NULL};

static int when_chunked(const profile *p)
{
    return p->liq_style == PROFILE_LIQ_CHUNKED;
}

static int when_capped(const profile *p)
{
    return p->liq_style == PROFILE_LIQ_CAPPED;
}

static int when_backstop(const profile *p)
{
    return p->has_backstop != 0;
}

static int when_mark_averages(const profile *p)
{
    return p->mark_rule == PROFILE_MARK_MEDIAN3
           || p->mark_rule == PROFILE_MARK_BASIS_MA
           || p->mark_rule == PROFILE_MARK_HL;
}

static int when_impact(const profile *p)
{
    return p->premium_source == PROFILE_PREMIUM_IMPACT;
}

static int when_fixed_limit(const profile *p)
{
    return p->funding_cap_rule == PROFILE_CAP_FIXED;
}

static int when_scaled_limit(const profile *p)
{
    return p->funding_cap_rule == PROFILE_CAP_MMR
           || p->funding_cap_rule == PROFILE_CAP_IMF_MMF;
}

#define AT(member) offsetof(profile, member)

/* A key's condition reads only keys above it, which are applied first. */
static const field fields[] = {
    {"name", KIND_NAME, AT(name), NULL, NULL},
    {"units.tick", KIND_DECIMAL, AT(tick), NULL, NULL},
    {"units.lot", KIND_DECIMAL, AT(lot), NULL, NULL},
    {"units.cash_unit", KIND_DECIMAL, AT(cash_unit), NULL, NULL},
    {"fees.maker", KIND_RATE, AT(maker_fee), NULL, NULL},
    {"fees.taker", KIND_RATE, AT(taker_fee), NULL, NULL},
    {"margin.basis", KIND_ENUM, AT(mm_basis), basis_names, NULL},
    {"margin.brackets", KIND_BRACKETS, AT(brackets), NULL, NULL},
    {"liquidation.style", KIND_ENUM, AT(liq_style), style_names, NULL},
    {"liquidation.fee", KIND_RATE, AT(liq_fee), NULL, NULL},
    {"liquidation.surplus", KIND_ENUM, AT(surplus_to_trader), surplus_names,
     NULL},
    {"liquidation.price_band", KIND_RATE, AT(price_band), NULL, NULL},
    {"liquidation.unwind_band", KIND_RATE, AT(unwind_band), NULL, NULL},
    {"liquidation.chunk_rate", KIND_RATE, AT(chunk_rate), NULL,
     when_chunked},
    {"liquidation.chunk_above", KIND_MONEY, AT(chunk_above), NULL,
     when_chunked},
    {"liquidation.cooldown", KIND_DURATION, AT(cooldown_ms), NULL,
     when_chunked},
    {"liquidation.per_interval_cap", KIND_INT, AT(per_interval_cap), NULL,
     when_capped},
    {"liquidation.cap_interval", KIND_DURATION, AT(cap_interval_ms), NULL,
     when_capped},
    {"adl.rank", KIND_ENUM, AT(adl_rank), rank_names, NULL},
    {"adl.price", KIND_ENUM, AT(adl_price), adl_price_names, NULL},
    {"insurance_fund", KIND_MONEY, AT(insurance_fund), NULL, NULL},
    {"backstop.enabled", KIND_BOOL, AT(has_backstop), NULL, NULL},
    {"backstop.below", KIND_RATE, AT(backstop_below), NULL, when_backstop},
    {"backstop.vault", KIND_MONEY, AT(backstop_vault), NULL, NULL},
    {"mark.rule", KIND_ENUM, AT(mark_rule), mark_names, NULL},
    {"mark.sample_period", KIND_DURATION, AT(mark_sample_ms), NULL,
     when_mark_averages},
    {"mark.window", KIND_DURATION, AT(mark_window_ms), NULL,
     when_mark_averages},
    {"funding.interval", KIND_DURATION, AT(funding_interval_ms), NULL, NULL},
    {"funding.offset", KIND_DURATION, AT(funding_offset_ms), NULL, NULL},
    {"funding.period", KIND_DURATION, AT(funding_period_ms), NULL, NULL},
    {"funding.divides", KIND_BOOL, AT(funding_divides), NULL, NULL},
    {"funding.known_ahead", KIND_BOOL, AT(funding_known_ahead), NULL, NULL},
    {"funding.interest", KIND_RATE, AT(interest_rate), NULL, NULL},
    {"funding.clamp", KIND_RATE, AT(funding_clamp), NULL, NULL},
    {"funding.price", KIND_ENUM, AT(funding_price), price_names, NULL},
    {"funding.premium.source", KIND_ENUM, AT(premium_source), source_names,
     NULL},
    {"funding.premium.sample_period", KIND_DURATION, AT(premium_sample_ms),
     NULL, NULL},
    {"funding.premium.average", KIND_ENUM, AT(premium_average),
     average_names, NULL},
    {"funding.premium.impact_notional", KIND_MONEY, AT(impact_notional),
     NULL, when_impact},
    {"funding.premium.impact_margin", KIND_MONEY, AT(impact_margin), NULL,
     when_impact},
    {"funding.limit.rule", KIND_ENUM, AT(funding_cap_rule), limit_names,
     NULL},
    {"funding.limit.cap", KIND_RATE, AT(funding_cap), NULL,
     when_fixed_limit},
    {"funding.limit.floor", KIND_RATE, AT(funding_floor), NULL,
     when_fixed_limit},
    {"funding.limit.factor", KIND_RATE, AT(funding_cap_factor), NULL,
     when_scaled_limit},
    {"funding.limit.per_interval", KIND_BOOL, AT(funding_cap_per_interval),
     NULL, NULL},
};

#define NFIELDS (sizeof fields / sizeof fields[0])

/* The keys of one bracket, in the order a file states them. */
enum { BR_CAP, BR_MMR, BR_LEVERAGE, BR_CUM, BR_KEYS };
static const char *const bracket_keys[] = {"cap", "mmr", "max_leverage",
                                           "cum", NULL};

static const char *key_list[NFIELDS + 1];

const char *const *profile_yaml_keys(void)
{
    if (!key_list[0])
        for (size_t i = 0; i < NFIELDS; i++)
            key_list[i] = fields[i].key;
    return key_list;
}

static const field *field_named(const char *key)
{
    for (size_t i = 0; i < NFIELDS; i++)
        if (strcmp(fields[i].key, key) == 0)
            return &fields[i];
    return NULL;
}

/* Whether key is a section: the prefix of some key before a dot. */
static int is_section(const char *key)
{
    size_t n = strlen(key);
    for (size_t i = 0; i < NFIELDS; i++)
        if (strncmp(fields[i].key, key, n) == 0 && fields[i].key[n] == '.')
            return 1;
    return 0;
}

/* ---- values ------------------------------------------------------------ */

/* Each parser fills *why with what was expected when the text does not
 * fit, starting "expected ...". */
#define WHY_SIZE 200

static int expected(char *why, const char *what, const char *text)
{
    snprintf(why, WHY_SIZE, "expected %s, got \"%.60s\"", what, text);
    return PERR_INVALID;
}

/* A decimal with an optional suffix (removed from text into *suffix). */
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
static int decimal_to_int(profile_decimal d, int shift, int64_t *out)
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

static int parse_number(const char *text, profile_decimal *d)
{
    /* profile_parse_decimal also reads "1,370,000"; a rate or a duration
     * has no use for that, but it does no harm. */
    return profile_parse_decimal("", text, d, NULL);
}

/* A rate: a percentage, basis points or a plain fraction, exact to 1e-8. */
static int parse_rate(const char *text, int64_t *out, char *why)
{
    static const char *const suffixes[] = {"%", "bp", NULL};
    const char *what = "a rate such as 0.05%, 5bp or 0.0005";
    char number[64];
    const char *suffix;
    profile_decimal d;
    if (split_suffix(text, number, sizeof number, &suffix, suffixes) != 0
        || parse_number(number, &d) != 0)
        return expected(why, what, text);
    int shift = *suffix == '%' ? 6 : *suffix == 'b' ? 4 : 8;
    if (decimal_to_int(d, shift, out) != 0) {
        snprintf(why, WHY_SIZE,
                 "\"%.60s\" is finer than a rate can hold (1e-8, 0.000001%%) "
                 "or too large",
                 text);
        return PERR_INVALID;
    }
    return 0;
}

/* A duration with its unit, exact to the millisecond. */
static int parse_duration(const char *text, int64_t *out, char *why)
{
    static const char *const suffixes[] = {"ms", "s", "m", "h", "d", NULL};
    static const int64_t scale[] = {1, 1000, 60000, 3600000, 86400000};
    const char *what = "a duration such as 8h";
    char number[64];
    const char *suffix;
    profile_decimal d;
    if (split_suffix(text, number, sizeof number, &suffix, suffixes) != 0
        || parse_number(number, &d) != 0 || d.mant < 0)
        return expected(why, what, text);
    if (*suffix == '\0' && d.mant != 0)
        return expected(why, what, text); /* only 0 needs no unit */
    int64_t unit = 1;
    for (int i = 0; suffixes[i]; i++)
        if (strcmp(suffix, suffixes[i]) == 0)
            unit = scale[i];
    /* mant x 10^exp x unit, exact: |mant| < 2^63 and unit < 2^27. */
    i128 ms = (i128)d.mant * unit;
    int exp = d.exp;
    for (; exp < 0 && ms % 10 == 0 && ms != 0; exp++)
        ms /= 10;
    if (ms == 0)
        exp = 0;
    for (; exp > 0 && ms <= INT64_MAX; exp--)
        ms *= 10;
    if (exp != 0 || ms > INT64_MAX) {
        snprintf(why, WHY_SIZE,
                 "\"%.60s\" is not a whole number of milliseconds, or too "
                 "long",
                 text);
        return PERR_INVALID;
    }
    *out = (int64_t)ms;
    return 0;
}

/* An amount of the quote currency (k, M, B for thousands, millions,
 * billions), in whole cash units of p. */
static int parse_money(const profile *p, const char *text, int64_t *out,
                       char *why)
{
    static const char *const suffixes[] = {"k", "M", "B", NULL};
    const char *what = "an amount of the quote currency such as 200 or 1.5M";
    char number[64];
    const char *suffix;
    profile_decimal d;
    if (split_suffix(text, number, sizeof number, &suffix, suffixes) != 0
        || parse_number(number, &d) != 0)
        return expected(why, what, text);
    d.exp += *suffix == 'k' ? 3 : *suffix == 'M' ? 6 : *suffix == 'B' ? 9 : 0;
    if (p->cash_unit.mant <= 0) {
        snprintf(why, WHY_SIZE, "units.cash_unit must be set (> 0) first");
        return PERR_INVALID;
    }
    int rc = profile_quote_to_cash(p, d, out, NULL);
    if (rc == PERR_INVALID) {
        snprintf(why, WHY_SIZE,
                 "\"%.60s\" is finer than the cash unit (%lldE%d)", text,
                 (long long)p->cash_unit.mant, p->cash_unit.exp);
        return rc;
    }
    if (rc != 0) {
        snprintf(why, WHY_SIZE, "\"%.60s\" is too large for the cash unit",
                 text);
        return PERR_INVALID;
    }
    return 0;
}

static int parse_int32(const char *text, int32_t *out, char *why)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end || errno || v < INT32_MIN || v > INT32_MAX)
        return expected(why, "a whole number such as 50", text);
    *out = (int32_t)v;
    return 0;
}

static int parse_bool(const char *text, int *out, char *why)
{
    if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
        *out = text[0] == 't';
        return 0;
    }
    return expected(why, "true or false", text);
}

static int parse_enum(const char *const *names, const char *text, int *out,
                      char *why)
{
    size_t n = 0;
    for (; names[n]; n++)
        if (strcmp(names[n], text) == 0) {
            *out = (int)n;
            return 0;
        }
    char list[WHY_SIZE / 2] = "";
    for (size_t i = 0; i < n; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                 i ? (i + 1 == n ? " or " : ", ") : "one of ", names[i]);
    const char *near = suggest_nearest(text, names, n);
    int len = snprintf(why, WHY_SIZE, "expected %s, got \"%.40s\"", list,
                       text);
    if (near && len > 0 && len < WHY_SIZE)
        snprintf(why + len, WHY_SIZE - (size_t)len, " (did you mean '%s'?)",
                 near);
    return PERR_INVALID;
}

static int parse_name(const char *text, char *out, size_t size, char *why)
{
    size_t n = strlen(text);
    int ok = n > 0 && n < size;
    for (size_t i = 0; ok && i < n; i++) {
        char c = text[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
             || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }
    if (!ok) {
        snprintf(why, WHY_SIZE,
                 "expected a name of letters, digits, '_' and '-' (1 to %d), "
                 "got \"%.40s\"",
                 (int)size - 1, text);
        return PERR_INVALID;
    }
    memcpy(out, text, n + 1);
    return 0;
}

/* Stores text into the member of p that f names (any kind but brackets). */
static int apply_scalar(profile *p, const field *f, const char *text,
                        char *why)
{
    char *at = (char *)p + f->offset;
    int64_t v64;
    int32_t v32;
    int v;
    int rc;
    switch (f->kind) {
    case KIND_NAME:
        return parse_name(text, at, sizeof p->name, why);
    case KIND_DECIMAL: {
        profile_decimal d;
        if (parse_number(text, &d) != 0)
            return expected(why, "a number such as 0.1", text);
        profile_decimal *dst = (profile_decimal *)(void *)at;
        dst->mant = d.mant; /* member by member: the padding stays zero */
        dst->exp = d.exp;
        return 0;
    }
    case KIND_RATE:
        rc = parse_rate(text, &v64, why);
        break;
    case KIND_DURATION:
        rc = parse_duration(text, &v64, why);
        break;
    case KIND_MONEY:
        rc = parse_money(p, text, &v64, why);
        break;
    case KIND_INT:
        if ((rc = parse_int32(text, &v32, why)) == 0)
            memcpy(at, &v32, sizeof v32);
        return rc;
    case KIND_BOOL:
        if ((rc = parse_bool(text, &v, why)) == 0)
            memcpy(at, &v, sizeof v);
        return rc;
    case KIND_ENUM:
        if ((rc = parse_enum(f->names, text, &v, why)) == 0)
            memcpy(at, &v, sizeof v);
        return rc;
    default:
        snprintf(why, WHY_SIZE, "not a single value");
        return PERR_INVALID;
    }
    if (rc == 0)
        memcpy(at, &v64, sizeof v64);
    return rc;
}

/* tick x lot / cash unit, or 0 when it is not a whole positive number. */
static int64_t cash_per_tick_lot(const profile *p)
{
    if (p->tick.mant <= 0 || p->lot.mant <= 0 || p->cash_unit.mant <= 0)
        return 0;
    i128 k = (i128)p->tick.mant * p->lot.mant;
    if (k > INT64_MAX)
        return 0;
    int64_t c;
    profile_decimal tl = {(int64_t)k, p->tick.exp + p->lot.exp};
    if (profile_quote_to_cash(p, tl, &c, NULL) != 0 || c < 1)
        return 0;
    return c;
}

/* cash as an amount of the quote currency, without trailing zeros. */
static void format_quote(const profile *p, int64_t cash, char *out,
                         size_t size)
{
    int decimals = p->cash_unit.exp < 0 ? -p->cash_unit.exp : 0;
    snprintf(out, size, "%.*f", decimals, profile_cash_to_quote(p, cash));
    if (strchr(out, '.')) {
        char *end = out + strlen(out) - 1;
        while (*end == '0')
            *end-- = '\0';
        if (*end == '.')
            *end = '\0';
    }
}

/* Parses one bracket value (key one of bracket_keys) into b. */
static int apply_bracket(const profile *p, profile_bracket *b, int key,
                         const char *text, char *why)
{
    switch (key) {
    case BR_CAP:
        if (strcmp(text, "unbounded") == 0) {
            b->cap = PROFILE_NOTIONAL_UNBOUNDED;
            return 0;
        }
        return parse_money(p, text, &b->cap, why);
    case BR_MMR:
        return parse_rate(text, &b->mmr, why);
    case BR_LEVERAGE:
        return parse_int32(text, &b->max_leverage, why);
    default:
        return parse_money(p, text, &b->cum, why);
    }
}

/* ---- the loader -------------------------------------------------------- */

typedef struct place {
    int line, col; /* 1-based; 0: not written */
} place;

typedef struct loader {
    const char *file;
    yaml_document_t doc;
    perr *e;
    yaml_node_t *value[NFIELDS]; /* NULL: the file does not state it */
    place at[NFIELDS];           /* of each stated key */
    struct {
        char key[48]; /* a section is a prefix of a key in the table */
        place at;
    } sections[16]; /* the mappings seen, for missing keys */
    int nsections;
    place root;
    place bracket_at[PROFILE_BRACKETS_MAX][BR_KEYS + 1]; /* [BR_KEYS]: item */
} loader;

static place place_of(const yaml_node_t *node)
{
    place pl = {(int)node->start_mark.line + 1,
                (int)node->start_mark.column + 1};
    return pl;
}

/* Fails with "FILE:LINE:COL: KEY: what". */
static int fail_at(loader *ld, place pl, const char *key, const char *fmt,
                   ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int fail_at(loader *ld, place pl, const char *key, const char *fmt,
                   ...)
{
    char what[WHY_SIZE + 100];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (pl.line < 1)
        pl = ld->root;
    return perr_set(ld->e, PERR_INVALID, "%s:%d:%d: %s%s%s", ld->file,
                    pl.line, pl.col, key ? key : "", key ? ": " : "", what);
}

/* The text of a scalar node, or NULL (with a message in why) when the node
 * holds a mapping, a sequence or nothing. */
static const char *scalar_text(const yaml_node_t *node, char *why,
                               const char *what)
{
    if (node->type == YAML_SCALAR_NODE && node->data.scalar.length > 0)
        return (const char *)node->data.scalar.value;
    snprintf(why, WHY_SIZE, "expected %s, got %s", what,
             node->type == YAML_MAPPING_NODE    ? "a mapping"
             : node->type == YAML_SEQUENCE_NODE ? "a list"
                                                : "nothing");
    return NULL;
}

static const char *kind_what(const field *f)
{
    switch (f->kind) {
    case KIND_NAME: return "a name";
    case KIND_DECIMAL: return "a number such as 0.1";
    case KIND_RATE: return "a rate such as 0.05%";
    case KIND_DURATION: return "a duration such as 8h";
    case KIND_MONEY: return "an amount such as 200 or 1.5M";
    case KIND_INT: return "a whole number";
    case KIND_BOOL: return "true or false";
    case KIND_ENUM: return "a name from a list";
    default: return "a list of brackets";
    }
}

/* "did you mean" for key (a full path) among the keys of its mapping, then
 * among every key with a similar last part (a key put in the wrong
 * section). Writes the suggestion's full path, or "" for none. */
static void suggest_key(const char *key, char *out, size_t size)
{
    const char *dot = strrchr(key, '.');
    size_t plen = dot ? (size_t)(dot - key) + 1 : 0;
    const char *leaf = key + plen;
    const char *cands[NFIELDS];
    char names[NFIELDS][40];
    size_t n = 0;
    /* Siblings: the next part of each key under the same prefix. */
    for (size_t i = 0; i < NFIELDS; i++) {
        const char *k = fields[i].key;
        if (strncmp(k, key, plen) != 0)
            continue;
        size_t len = strcspn(k + plen, ".");
        if (len >= sizeof names[0])
            continue;
        memcpy(names[n], k + plen, len);
        names[n][len] = '\0';
        int dup = 0;
        for (size_t j = 0; j < n; j++)
            dup |= strcmp(names[j], names[n]) == 0;
        if (!dup) {
            cands[n] = names[n];
            n++;
        }
    }
    const char *near = suggest_nearest(leaf, cands, n);
    if (near) {
        snprintf(out, size, "%.*s%s", (int)plen, key, near);
        return;
    }
    /* Elsewhere: a key whose last part is near this one. */
    const char *leaves[NFIELDS];
    for (size_t i = 0; i < NFIELDS; i++) {
        const char *d = strrchr(fields[i].key, '.');
        leaves[i] = d ? d + 1 : fields[i].key;
    }
    near = suggest_nearest(leaf, leaves, NFIELDS);
    out[0] = '\0';
    for (size_t i = 0; near && i < NFIELDS; i++)
        if (leaves[i] == near) {
            snprintf(out, size, "%s", fields[i].key);
            break;
        }
}

static int unknown_key(loader *ld, place pl, const char *key)
{
    char near[64];
    suggest_key(key, near, sizeof near);
    if (near[0])
        return fail_at(ld, pl, key, "unknown key (did you mean '%s'?)", near);
    return fail_at(ld, pl, key, "unknown key (models/venues/README.md lists "
                                "the keys)");
}

static int walk_mapping(loader *ld, yaml_node_t *map, const char *prefix);

/* Files one key's value: a field, or a section to walk into. */
static int file_key(loader *ld, const char *key, place kat,
                    yaml_node_t *value)
{
    const field *f = field_named(key);
    if (f) {
        size_t i = (size_t)(f - fields);
        ld->value[i] = value;
        ld->at[i] = kat;
        return 0;
    }
    if (!is_section(key))
        return unknown_key(ld, kat, key);
    if (value->type != YAML_MAPPING_NODE)
        return fail_at(ld, kat, key, "expected a mapping of keys, got %s",
                       value->type == YAML_SEQUENCE_NODE ? "a list"
                                                         : "a single value");
    if (ld->nsections < (int)(sizeof ld->sections / sizeof ld->sections[0])) {
        snprintf(ld->sections[ld->nsections].key,
                 sizeof ld->sections[0].key, "%.47s", key);
        ld->sections[ld->nsections].at = place_of(value);
        ld->nsections++;
    }
    return walk_mapping(ld, value, key);
}

static int walk_mapping(loader *ld, yaml_node_t *map, const char *prefix)
{
    yaml_node_pair_t *first = map->data.mapping.pairs.start;
    yaml_node_pair_t *end = map->data.mapping.pairs.top;
    for (yaml_node_pair_t *pair = first; pair < end; pair++) {
        yaml_node_t *k = yaml_document_get_node(&ld->doc, pair->key);
        yaml_node_t *v = yaml_document_get_node(&ld->doc, pair->value);
        place kat = place_of(k);
        if (k->type != YAML_SCALAR_NODE)
            return fail_at(ld, kat, prefix[0] ? prefix : NULL,
                           "a key must be a plain name");
        const char *name = (const char *)k->data.scalar.value;
        if (strchr(name, '.'))
            return fail_at(ld, kat, name,
                           "a key is one name: write the sections as nested "
                           "mappings");
        char key[128];
        int len = snprintf(key, sizeof key, "%s%s%s", prefix,
                           prefix[0] ? "." : "", name);
        if (len < 0 || (size_t)len >= sizeof key)
            return fail_at(ld, kat, prefix, "a key too long");
        for (yaml_node_pair_t *q = first; q < pair; q++) {
            yaml_node_t *qk = yaml_document_get_node(&ld->doc, q->key);
            if (qk->type == YAML_SCALAR_NODE
                && strcmp((const char *)qk->data.scalar.value, name) == 0)
                return fail_at(ld, kat, key,
                               "duplicate key (first at line %d)",
                               place_of(qk).line);
        }
        int rc = file_key(ld, key, kat, v);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Where a missing key should have been: its mapping, else the nearest
 * enclosing one that was written, else the top. */
static place missing_place(const loader *ld, const char *key)
{
    place best = ld->root;
    size_t best_len = 0;
    for (int i = 0; i < ld->nsections; i++) {
        size_t n = strlen(ld->sections[i].key);
        if (n > best_len && strncmp(key, ld->sections[i].key, n) == 0
            && key[n] == '.') {
            best = ld->sections[i].at;
            best_len = n;
        }
    }
    return best;
}

static int load_brackets(loader *ld, profile *p, const field *f,
                         yaml_node_t *seq, place kat)
{
    if (seq->type != YAML_SEQUENCE_NODE)
        return fail_at(ld, kat, f->key,
                       "expected a list of brackets {cap, mmr, "
                       "max_leverage}, got %s",
                       seq->type == YAML_MAPPING_NODE ? "a mapping"
                                                      : "a single value");
    yaml_node_item_t *first = seq->data.sequence.items.start;
    yaml_node_item_t *end = seq->data.sequence.items.top;
    long count = end - first;
    if (count < 1 || count > PROFILE_BRACKETS_MAX)
        return fail_at(ld, kat, f->key, "needs 1 to %d brackets, got %ld",
                       PROFILE_BRACKETS_MAX, count);
    yaml_node_t *cum_stated[PROFILE_BRACKETS_MAX] = {NULL};
    p->nbrackets = (int)count;
    char why[WHY_SIZE];
    for (int i = 0; i < (int)count; i++) {
        yaml_node_t *item = yaml_document_get_node(&ld->doc, first[i]);
        place iat = place_of(item);
        ld->bracket_at[i][BR_KEYS] = iat;
        char key[64];
        snprintf(key, sizeof key, "%s[%d]", f->key, i);
        if (item->type != YAML_MAPPING_NODE)
            return fail_at(ld, iat, key,
                           "expected a mapping {cap, mmr, max_leverage}");
        yaml_node_t *vals[BR_KEYS] = {NULL};
        for (yaml_node_pair_t *pair = item->data.mapping.pairs.start;
             pair < item->data.mapping.pairs.top; pair++) {
            yaml_node_t *k = yaml_document_get_node(&ld->doc, pair->key);
            place kp = place_of(k);
            const char *name = k->type == YAML_SCALAR_NODE
                                   ? (const char *)k->data.scalar.value
                                   : "?";
            int which = 0;
            while (bracket_keys[which] && strcmp(bracket_keys[which], name))
                which++;
            char sub[96];
            snprintf(sub, sizeof sub, "%s.%s", key, name);
            if (!bracket_keys[which]) {
                const char *near = suggest_nearest(name, bracket_keys, BR_KEYS);
                return fail_at(ld, kp, sub, "unknown key%s%s%s",
                               near ? " (did you mean '" : "",
                               near ? near : "", near ? "'?)" : "");
            }
            if (vals[which])
                return fail_at(ld, kp, sub, "duplicate key (first at line %d)",
                               ld->bracket_at[i][which].line);
            vals[which] = yaml_document_get_node(&ld->doc, pair->value);
            ld->bracket_at[i][which] = kp;
        }
        profile_bracket *b = &p->brackets[i];
        for (int k = 0; k < BR_KEYS; k++) {
            char sub[96];
            snprintf(sub, sizeof sub, "%s.%s", key, bracket_keys[k]);
            if (!vals[k]) {
                if (k == BR_CUM)
                    continue; /* optional: the formula fills it */
                return fail_at(ld, iat, sub, "required key missing");
            }
            const char *text = scalar_text(
                vals[k], why,
                k == BR_CAP ? "an amount such as 50000 or unbounded"
                : k == BR_MMR ? "a rate such as 0.4%"
                              : k == BR_LEVERAGE ? "a whole number"
                                                 : "an amount");
            if (!text || apply_bracket(p, b, k, text, why) != 0)
                return fail_at(ld, ld->bracket_at[i][k], sub, "%s", why);
        }
        cum_stated[i] = vals[BR_CUM];
        char sub[96];
        snprintf(sub, sizeof sub, "%s.cap", key);
        if (b->cap == PROFILE_NOTIONAL_UNBOUNDED && i + 1 < (int)count)
            return fail_at(ld, ld->bracket_at[i][BR_CAP], sub,
                           "only the last bracket may be unbounded");
        if (i > 0 && b->cap <= p->brackets[i - 1].cap)
            return fail_at(ld, ld->bracket_at[i][BR_CAP], sub,
                           "caps must rise");
        snprintf(sub, sizeof sub, "%s.mmr", key);
        if (i > 0 && b->mmr < p->brackets[i - 1].mmr)
            return fail_at(ld, ld->bracket_at[i][BR_MMR], sub,
                           "rates must not fall");
    }
    /* The stated maintenance amounts must be the formula's. */
    int64_t stated[PROFILE_BRACKETS_MAX];
    for (int i = 0; i < (int)count; i++)
        stated[i] = p->brackets[i].cum;
    if (profile_fill_cum(p, NULL) != 0)
        return fail_at(ld, kat, f->key, "brackets out of order");
    for (int i = 0; i < (int)count; i++)
        if (cum_stated[i] && stated[i] != p->brackets[i].cum) {
            char sub[96];
            snprintf(sub, sizeof sub, "%s[%d].cum", f->key, i);
            char formula[48];
            format_quote(p, p->brackets[i].cum, formula, sizeof formula);
            return fail_at(ld, ld->bracket_at[i][BR_CUM], sub,
                           "%s is not the formula's %s (cum_n = floor_n x "
                           "(mmr_n - mmr_n-1) + cum_n-1)",
                           (const char *)cum_stated[i]->data.scalar.value,
                           formula);
        }
    return 0;
}

/* The place of a key path that profile_check_fields named. */
static place place_of_key(const loader *ld, const char *key, size_t len)
{
    char k[96];
    if (len >= sizeof k)
        return ld->root;
    memcpy(k, key, len);
    k[len] = '\0';
    int i, n = 0;
    char sub[32] = "";
    if (sscanf(k, "margin.brackets[%d]%n", &i, &n) == 1 && i >= 0
        && i < PROFILE_BRACKETS_MAX) {
        if (k[n] == '.')
            snprintf(sub, sizeof sub, "%s", k + n + 1);
        for (int j = 0; j < BR_KEYS; j++)
            if (strcmp(sub, bracket_keys[j]) == 0
                && ld->bracket_at[i][j].line > 0)
                return ld->bracket_at[i][j];
        if (ld->bracket_at[i][BR_KEYS].line > 0)
            return ld->bracket_at[i][BR_KEYS];
        snprintf(k, sizeof k, "margin.brackets");
    }
    const field *f = field_named(k);
    if (f && ld->at[f - fields].line > 0)
        return ld->at[f - fields];
    return missing_place(ld, k);
}

static int load_document(loader *ld, profile *p)
{
    yaml_node_t *root = yaml_document_get_root_node(&ld->doc);
    ld->root = (place){1, 1};
    if (!root)
        return fail_at(ld, ld->root, NULL, "an empty profile");
    ld->root = place_of(root);
    if (root->type != YAML_MAPPING_NODE)
        return fail_at(ld, ld->root, NULL,
                       "a profile is a mapping of keys (models/venues/"
                       "README.md)");
    int rc = walk_mapping(ld, root, "");
    if (rc != 0)
        return rc;

    char why[WHY_SIZE];
    for (size_t i = 0; i < NFIELDS; i++) {
        const field *f = &fields[i];
        yaml_node_t *v = ld->value[i];
        if (!v) {
            if (!f->needed || f->needed(p))
                return fail_at(ld, missing_place(ld, f->key), f->key,
                               "required key missing");
            continue;
        }
        if (f->kind == KIND_BRACKETS) {
            if ((rc = load_brackets(ld, p, f, v, ld->at[i])) != 0)
                return rc;
            continue;
        }
        const char *text = scalar_text(v, why, kind_what(f));
        if (!text || apply_scalar(p, f, text, why) != 0)
            return fail_at(ld, ld->at[i], f->key, "%s", why);
        if (f->kind == KIND_DECIMAL && strcmp(f->key, "units.cash_unit") == 0
            && p->cash_unit.mant <= 0)
            return fail_at(ld, ld->at[i], f->key, "must be > 0");
    }
    p->cash_per_tick_lot = cash_per_tick_lot(p);

    perr why_check;
    perr_clear(&why_check);
    if (profile_check_fields(p, &why_check) != 0) {
        const char *msg = why_check.msg;
        size_t klen = strcspn(msg, ":");
        place pl = place_of_key(ld, msg, klen);
        return perr_set(ld->e, PERR_INVALID, "%s:%d:%d: %s", ld->file,
                        pl.line, pl.col, msg);
    }
    return 0;
}

int profile_load_text(const char *name_for_errors, const char *text,
                      size_t len, profile *out, perr *e)
{
    loader *ld = calloc(1, sizeof *ld);
    if (!ld)
        return perr_set(e, PERR_NOMEM, "%s: out of memory", name_for_errors);
    ld->file = name_for_errors;
    ld->e = e;
    memset(out, 0, sizeof *out);

    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        free(ld);
        return perr_set(e, PERR_NOMEM, "%s: out of memory", name_for_errors);
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int rc;
    if (!yaml_parser_load(&parser, &ld->doc)) {
        yaml_mark_t m = parser.problem_mark;
        rc = parser.error == YAML_MEMORY_ERROR
                 ? perr_set(e, PERR_NOMEM, "%s: out of memory",
                            name_for_errors)
                 : perr_set(e, PERR_INVALID, "%s:%d:%d: broken YAML: %s%s%s",
                            name_for_errors, (int)m.line + 1,
                            (int)m.column + 1,
                            parser.problem ? parser.problem : "unreadable",
                            parser.context ? " " : "",
                            parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        free(ld);
        return rc;
    }
    rc = load_document(ld, out);
    if (rc == 0) {
        /* A second document would be ignored silently: refuse it. */
        yaml_document_t next;
        if (yaml_parser_load(&parser, &next)) {
            yaml_node_t *r = yaml_document_get_root_node(&next);
            if (r)
                rc = fail_at(ld, place_of(r), NULL,
                             "a second YAML document; a profile file holds "
                             "one");
            yaml_document_delete(&next);
        } else {
            yaml_mark_t m = parser.problem_mark;
            rc = perr_set(e, PERR_INVALID, "%s:%d:%d: broken YAML: %s",
                          name_for_errors, (int)m.line + 1,
                          (int)m.column + 1,
                          parser.problem ? parser.problem : "unreadable");
        }
    }
    yaml_document_delete(&ld->doc);
    yaml_parser_delete(&parser);
    free(ld);
    return rc;
}

int profile_load_file(const char *path, profile *out, perr *e)
{
    char *text;
    size_t len;
    int rc = flat_read_file(path, &text, &len, e);
    if (rc != 0)
        return rc;
    rc = profile_load_text(path, text, len, out, e);
    free(text);
    return rc;
}

/* ---- overrides --------------------------------------------------------- */

int profile_set(profile *p, const char *key_path, const char *value,
                perr *e)
{
    char why[WHY_SIZE];
    int i, n = 0;
    if (sscanf(key_path, "margin.brackets[%d]%n", &i, &n) == 1 && n > 0) {
        const char *sub = key_path[n] == '.' ? key_path + n + 1 : "";
        int k = 0;
        while (bracket_keys[k] && strcmp(bracket_keys[k], sub) != 0)
            k++;
        if (k == BR_CUM)
            return perr_set(e, PERR_INVALID,
                            "%s: the maintenance amount follows from the "
                            "caps and rates; set those",
                            key_path);
        if (!bracket_keys[k]) {
            const char *near = suggest_nearest(sub, bracket_keys, BR_CUM);
            return perr_set(e, PERR_INVALID, "%s: unknown key%s%s%s",
                            key_path, near ? " (did you mean '" : "",
                            near ? near : "", near ? "'?)" : "");
        }
        if (i < 0 || i >= p->nbrackets)
            return perr_set(e, PERR_INVALID,
                            "%s: the profile has brackets 0 to %d", key_path,
                            p->nbrackets - 1);
        profile_bracket b = p->brackets[i];
        if (apply_bracket(p, &b, k, value, why) != 0)
            return perr_set(e, PERR_INVALID, "%s: %s", key_path, why);
        p->brackets[i] = b;
        profile_fill_cum(p, NULL); /* out of order: profile_check says so */
        return 0;
    }
    const field *f = field_named(key_path);
    if (!f) {
        char near[64];
        suggest_key(key_path, near, sizeof near);
        if (near[0])
            return perr_set(e, PERR_INVALID,
                            "%s: unknown key (did you mean '%s'?)", key_path,
                            near);
        return perr_set(e, PERR_INVALID,
                        "%s: unknown key (models/venues/README.md lists the "
                        "keys)",
                        key_path);
    }
    if (f->kind == KIND_BRACKETS)
        return perr_set(e, PERR_INVALID,
                        "%s: set one bracket field at a time, such as "
                        "margin.brackets[0].mmr",
                        key_path);
    profile copy = *p;
    if (apply_scalar(&copy, f, value, why) != 0)
        return perr_set(e, PERR_INVALID, "%s: %s", key_path, why);
    if (f->kind == KIND_DECIMAL)
        copy.cash_per_tick_lot = cash_per_tick_lot(&copy);
    *p = copy;
    return 0;
}
