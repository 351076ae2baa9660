/*
 * profile_yaml: reading venue profiles from YAML, setting one field by its
 * key path, and the built-in profiles (profile_yaml.h).
 *
 * One table, `rows`, maps each key path to a param_key (param.h: the
 * offset of its member in `profile`, the kind of value it takes, parsed
 * exactly by param) and, for keys that only some venues use (the
 * backstop's threshold), the condition under which a file must state it.
 * A key that names a rule (mark.rule, liquidation.style, ...) takes its
 * value from the rule's registry (models/rule.h), and the keys that rule
 * adds (a fixed cap, a mark window, a chunked liquidation's chunk size)
 * come from the rule's own table: a file states exactly the keys of the
 * rules it names, and the table lists every rule's keys where its
 * ROW_RULES_KEYS row stands.
 * models/venues/README.md documents the same keys in the same order, and a
 * test keeps the two together.
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
 *
 * The built-in profiles are the files models/venues/NAME.yaml, compiled
 * into the program (tools/embed_venues.cmake writes their text into a
 * generated source, profile_embed.h) so that perpsim runs from any
 * directory; the first call to profile_builtin reads them all, once, into
 * static storage.
 */
#include "profile_yaml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "flat.h"
#include "profile_embed.h"
#include "rule.h"
#include "suggest.h"

__extension__ typedef __int128 i128;

/* ---- the table --------------------------------------------------------- */

static const char *const surplus_names[] = {"fund", "trader", NULL};

static int when_backstop(const profile *p)
{
    return p->has_backstop != 0;
}

/* What a row of the table is. */
enum row_kind {
    ROW_KEY,        /* one key, parsed by param */
    ROW_BRACKETS,   /* margin.brackets: the list of risk brackets */
    ROW_RULES_KEYS, /* where the keys of the rules a PARAM_CHOICE key
                       names go, in registry order (models/rule.h) */
};

typedef struct row {
    enum row_kind kind;
    param_key k;                     /* ROW_RULES_KEYS: k.key is the
                                        PARAM_CHOICE key's */
    int (*needed)(const profile *p); /* NULL: every file states it */
} row;

#define AT(member) offsetof(profile, member)
#define KEY(key, type, member, unit)                                         \
    {ROW_KEY, {key, type, AT(member), unit, NULL}, NULL}
#define KEY_IF(key, type, member, unit, needed)                              \
    {ROW_KEY, {key, type, AT(member), unit, NULL}, needed}
#define ENUM(key, member, names)                                             \
    {ROW_KEY, {key, PARAM_ENUM, AT(member), NULL, names}, NULL}
#define RULE(key, member, registry)                                          \
    {ROW_KEY,                                                                \
     {key, PARAM_CHOICE, AT(member), NULL, PARAM_CHOICES(registry)},         \
     NULL}
#define RULES_KEYS(key) {ROW_RULES_KEYS, {key, PARAM_CHOICE, 0, NULL, NULL}, NULL}

/* In the order models/venues/README.md documents the keys. A key's
 * condition reads only keys above it, which are applied first; the keys of
 * a rule come below the key that names the rule. */
static const row rows[] = {
    KEY("name", PARAM_NAME, name, NULL),
    KEY("units.quote", PARAM_NAME, quote, NULL),
    KEY("units.base", PARAM_NAME, base, NULL),
    KEY("units.tick", PARAM_DECIMAL, tick, "quote"),
    KEY("units.lot", PARAM_DECIMAL, lot, "base"),
    KEY("units.cash_unit", PARAM_DECIMAL, cash_unit, "quote"),
    KEY("fees.maker", PARAM_RATE, maker_fee, "rate"),
    KEY("fees.taker", PARAM_RATE, taker_fee, "rate"),
    RULE("margin.basis", mm_basis, rule_mm_bases),
    {ROW_BRACKETS, {"margin.brackets", PARAM_TEXT, AT(brackets), NULL, NULL},
     NULL},
    RULE("liquidation.style", liq_style, rule_liqs),
    KEY("liquidation.fee", PARAM_RATE, liq_fee, "rate"),
    ENUM("liquidation.surplus", surplus_to_trader, surplus_names),
    KEY("liquidation.price_band", PARAM_RATE, price_band, "rate"),
    KEY("liquidation.unwind_band", PARAM_RATE, unwind_band, "rate"),
    RULES_KEYS("liquidation.style"),
    RULE("adl.rank", adl_rank, rule_adl_ranks),
    RULE("adl.price", adl_price, rule_adl_fills),
    KEY("insurance_fund", PARAM_CASH, insurance_fund, "quote"),
    KEY("backstop.enabled", PARAM_BOOL, has_backstop, NULL),
    KEY_IF("backstop.below", PARAM_RATE, backstop_below, "rate",
           when_backstop),
    KEY("backstop.vault", PARAM_CASH, backstop_vault, "quote"),
    RULE("mark.rule", mark_rule, rule_marks),
    RULES_KEYS("mark.rule"),
    KEY("funding.interval", PARAM_SPAN, funding_interval_ms, "ms"),
    KEY("funding.offset", PARAM_SPAN, funding_offset_ms, "ms"),
    KEY("funding.period", PARAM_SPAN, funding_period_ms, "ms"),
    KEY("funding.divides", PARAM_BOOL, funding_divides, NULL),
    KEY("funding.known_ahead", PARAM_BOOL, funding_known_ahead, NULL),
    KEY("funding.interest", PARAM_RATE, interest_rate, "rate"),
    KEY("funding.clamp", PARAM_RATE, funding_clamp, "rate"),
    RULE("funding.price", funding_price, rule_pay_prices),
    RULE("funding.premium.source", premium_source, rule_premiums),
    KEY("funding.premium.sample_period", PARAM_SPAN, premium_sample_ms, "ms"),
    RULE("funding.premium.average", premium_average, rule_averages),
    RULES_KEYS("funding.premium.source"),
    RULE("funding.limit.rule", funding_cap_rule, rule_limits),
    RULES_KEYS("funding.limit.rule"),
    KEY("funding.limit.per_interval", PARAM_BOOL, funding_cap_per_interval,
        NULL),
};

#define NROWS (sizeof rows / sizeof rows[0])

/* The table with each ROW_RULES_KEYS row replaced by the keys of every
 * rule of its registry (each once): what a file may state. */
#define FIELDS_MAX 96

typedef struct field {
    const char *key;
    const row *r;            /* its row; for a rule's key the marker's */
    const param_key *k;      /* how to parse it; NULL for the brackets */
    const param_key *choice; /* a rule's key: the key naming the rule */
} field;

static const param_key *choice_row(const char *key)
{
    for (size_t i = 0; i < NROWS; i++)
        if (rows[i].kind == ROW_KEY && rows[i].k.type == PARAM_CHOICE
            && strcmp(rows[i].k.key, key) == 0)
            return &rows[i].k;
    return NULL;
}

static size_t add_field(field *out, size_t n, const field *f)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(out[i].key, f->key) == 0)
            return n; /* two rules with one key (a cap, a window) */
    if (n < FIELDS_MAX)
        out[n++] = *f;
    return n;
}

/* Fills out (FIELDS_MAX) with the table's fields in order; their count. */
static size_t fields_of_table(field *out)
{
    size_t n = 0;
    for (size_t i = 0; i < NROWS; i++) {
        const row *r = &rows[i];
        if (r->kind != ROW_RULES_KEYS) {
            field f = {r->k.key, r, r->kind == ROW_KEY ? &r->k : NULL, NULL};
            n = add_field(out, n, &f);
            continue;
        }
        const param_key *choice = choice_row(r->k.key);
        const param_choice *const *rules = param_choices(choice);
        for (size_t j = 0; rules[j]; j++)
            for (const param_key *k = rules[j]->keys; k && k->key; k++) {
                field f = {k->key, r, k, choice};
                n = add_field(out, n, &f);
            }
    }
    return n;
}

/* The rule p names by the PARAM_CHOICE key choice. */
static const param_choice *chosen(const profile *p, const param_key *choice)
{
    const param_choice *c;
    memcpy(&c, (const char *)p + choice->offset, sizeof c);
    return c;
}

/* Whether a file for p must state f: a rule's key when p's rule has it. */
static int needed(const profile *p, const field *f)
{
    if (f->choice) {
        const param_choice *c = chosen(p, f->choice);
        return c && param_find(c->keys, f->key) != NULL;
    }
    return !f->r->needed || f->r->needed(p);
}

/* The keys of one bracket, in the order a file states them. */
enum { BR_CAP, BR_MMR, BR_LEVERAGE, BR_CUM, BR_KEYS };
static const char *const bracket_keys[] = {"cap", "mmr", "max_leverage",
                                           "cum", NULL};
static const param_key bracket_table[] = {
    {"cap", PARAM_CASH, offsetof(profile_bracket, cap), "quote", NULL},
    {"mmr", PARAM_RATE, offsetof(profile_bracket, mmr), "rate", NULL},
    {"max_leverage", PARAM_INT, offsetof(profile_bracket, max_leverage),
     NULL, NULL},
    {"cum", PARAM_CASH, offsetof(profile_bracket, cum), "quote", NULL},
    PARAM_END,
};

static const char *key_list[FIELDS_MAX + 1];

const char *const *profile_yaml_keys(void)
{
    if (!key_list[0]) {
        field f[FIELDS_MAX];
        size_t n = fields_of_table(f);
        for (size_t i = 0; i < n; i++)
            key_list[i] = f[i].key;
    }
    return key_list;
}

static const field *field_named(const field *f, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].key, key) == 0)
            return &f[i];
    return NULL;
}

/* Whether key is a section: the prefix of some key before a dot. */
static int is_section(const field *f, size_t nf, const char *key)
{
    size_t n = strlen(key);
    for (size_t i = 0; i < nf; i++)
        if (strncmp(f[i].key, key, n) == 0 && f[i].key[n] == '.')
            return 1;
    return 0;
}

/* ---- values ------------------------------------------------------------ */

/* Each parser fills *why with what was expected when the text does not
 * fit, starting "expected ...". */
#define WHY_SIZE 200

/* Parses text into the member of base (a profile, or one of its brackets)
 * that k names, amounts in p's cash unit. */
static int apply_value(const profile *p, void *base, const param_key *k,
                       const char *text, char *why)
{
    if (k->type == PARAM_CASH && p->cash_unit.mant <= 0) {
        snprintf(why, WHY_SIZE, "units.cash_unit must be set (> 0) first");
        return PERR_INVALID;
    }
    if (k->type == PARAM_ENUM && param_parse(k, text, base, NULL, 0) != 0) {
        size_t n = 0;
        while (k->names[n])
            n++;
        return param_expected_one_of(k->names, n, text, why, WHY_SIZE);
    }
    return param_parse_in(k, text, base, &p->cash_unit, why, WHY_SIZE);
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
    if (key == BR_CAP && strcmp(text, "unbounded") == 0) {
        b->cap = PROFILE_NOTIONAL_UNBOUNDED;
        return 0;
    }
    return apply_value(p, b, &bracket_table[key], text, why);
}

/* ---- the loader -------------------------------------------------------- */

typedef struct place {
    int line, col; /* 1-based; 0: not written */
} place;

typedef struct loader {
    const char *file;
    yaml_document_t doc;
    perr *e;
    field fields[FIELDS_MAX];    /* the keys a file may state */
    size_t nfields;
    yaml_node_t *value[FIELDS_MAX]; /* NULL: the file does not state it */
    place at[FIELDS_MAX];           /* of each stated key */
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

/* What a value of f looks like, for a mapping or a list in its place. */
static const char *kind_what(const field *f)
{
    if (!f->k)
        return "a list of brackets";
    switch (f->k->type) {
    case PARAM_RATE: return "a rate such as 0.05%";
    case PARAM_CASH: return "an amount such as 200 or 1.5M";
    case PARAM_INT: return "a whole number";
    case PARAM_ENUM: return "a name from a list";
    default: return param_type_what(f->k->type);
    }
}

/* "did you mean" for key (a full path) among the fields' keys
 * (suggest_key_path). Writes the suggestion's full path, or "" for none. */
static void suggest_key(const field *fields, size_t nfields, const char *key,
                        char *out, size_t size)
{
    const char *keys[FIELDS_MAX];
    for (size_t i = 0; i < nfields; i++)
        keys[i] = fields[i].key;
    suggest_key_path(key, keys, nfields, out, size);
}

static int unknown_key(loader *ld, place pl, const char *key)
{
    char near[64];
    suggest_key(ld->fields, ld->nfields, key, near, sizeof near);
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
    const field *f = field_named(ld->fields, ld->nfields, key);
    if (f) {
        size_t i = (size_t)(f - ld->fields);
        ld->value[i] = value;
        ld->at[i] = kat;
        return 0;
    }
    if (!is_section(ld->fields, ld->nfields, key))
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
    const field *f = field_named(ld->fields, ld->nfields, k);
    if (f && ld->at[f - ld->fields].line > 0)
        return ld->at[f - ld->fields];
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
    for (size_t i = 0; i < ld->nfields; i++) {
        const field *f = &ld->fields[i];
        yaml_node_t *v = ld->value[i];
        if (!v) {
            if (needed(p, f))
                return fail_at(ld, missing_place(ld, f->key), f->key,
                               "required key missing");
            continue;
        }
        if (!f->k) {
            if ((rc = load_brackets(ld, p, f, v, ld->at[i])) != 0)
                return rc;
            continue;
        }
        const char *text = scalar_text(v, why, kind_what(f));
        if (!text || apply_value(p, p, f->k, text, why) != 0)
            return fail_at(ld, ld->at[i], f->key, "%s", why);
        if (strcmp(f->key, "units.cash_unit") == 0
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
    ld->nfields = fields_of_table(ld->fields);
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
    field fields[FIELDS_MAX];
    size_t nfields = fields_of_table(fields);
    const field *f = field_named(fields, nfields, key_path);
    if (!f) {
        char near[64];
        suggest_key(fields, nfields, key_path, near, sizeof near);
        if (near[0])
            return perr_set(e, PERR_INVALID,
                            "%s: unknown key (did you mean '%s'?)", key_path,
                            near);
        return perr_set(e, PERR_INVALID,
                        "%s: unknown key (models/venues/README.md lists the "
                        "keys)",
                        key_path);
    }
    if (!f->k)
        return perr_set(e, PERR_INVALID,
                        "%s: set one bracket field at a time, such as "
                        "margin.brackets[0].mmr",
                        key_path);
    profile copy = *p;
    if (apply_value(&copy, &copy, f->k, value, why) != 0)
        return perr_set(e, PERR_INVALID, "%s: %s", key_path, why);
    if (f->k->type == PARAM_DECIMAL)
        copy.cash_per_tick_lot = cash_per_tick_lot(&copy);
    *p = copy;
    return 0;
}

/* ---- the built-in profiles --------------------------------------------- */

/* More built-in venues than this fail the build (tools/embed_venues.cmake). */
#define BUILTINS_MAX 32

static profile builtins[BUILTINS_MAX];
static unsigned char builtin_loaded[BUILTINS_MAX];
static int builtins_read;

/* Reads every embedded file the first time a built-in is asked for. A file
 * that fails to load (tests/test_profile_yaml.c keeps that from happening)
 * leaves its name unknown rather than stopping the program. */
static void builtins_read_all(void)
{
    if (builtins_read)
        return;
    builtins_read = 1;
    for (size_t i = 0; i < profile_embedded_count && i < BUILTINS_MAX; i++) {
        const profile_embedded *f = &profile_embedded_files[i];
        builtin_loaded[i] =
            profile_load_text(f->path, f->text, f->len, &builtins[i], NULL)
            == 0;
    }
}

const profile *profile_builtin(const char *name)
{
    builtins_read_all();
    for (size_t i = 0; i < profile_embedded_count && i < BUILTINS_MAX; i++)
        if (builtin_loaded[i] && strcmp(builtins[i].name, name) == 0)
            return &builtins[i];
    return NULL;
}

const char *const *profile_builtin_names(void)
{
    return profile_embedded_names;
}
