/*
 * sweep: reading a sweep file and expanding it into runs (sweep.h).
 *
 * The file is read into the flat list (flat.h), like a scenario, and each
 * section takes its entries: `set:` its scalars (and [low, high] lists, for
 * expect ranges), `grid:` its lists, `sample:` its method, size and
 * ranges. An entry nobody takes is an unknown key.
 *
 * Points are the grid's full factorial (the first key varies slowest)
 * crossed with the sample's points (the sample varies fastest). Sample
 * coordinates u in [0, 1) come from GSL's Sobol generator, or for Latin
 * hypercube and random sampling from the PCG stream "sweep.sample" of the
 * sweep's seed (pcg.h), and map to a key's range linearly, or
 * logarithmically with `log`; `int` rounds to a whole number.
 *
 * A value is written back as text for the scenario: grid values as the
 * file wrote them, sampled numbers as the shortest text that reads back
 * to the same double (durations as whole milliseconds, "5400000ms").
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "sweep.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_qrng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "grow.h"
#include "param.h"
#include "pcg.h"
#include "runner.h"
#include "scenario_load.h"
#include "suggest.h"

static const char *const top_keys[] = {"scenario", "set",   "grid",
                                       "sample",   "seed",  "replicates",
                                       "seeds"};
#define TOP_KEYS (sizeof top_keys / sizeof top_keys[0])

static const char *const sample_keys[] = {"method", "n", "ranges"};
#define SAMPLE_KEYS (sizeof sample_keys / sizeof sample_keys[0])

static const char *const method_names[] = {"lhs", "sobol", "random", NULL};

/* GSL's Sobol generator takes at most this many dimensions. */
#define SOBOL_DIM_MAX 40

const char *sweep_method_name(sweep_method m)
{
    return method_names[m];
}

uint64_t sweep_text_hash(const char *text)
{
    return pcg_fnv1a64(text);
}

const char *sweep_set_value(const char *set)
{
    const char *eq = strchr(set, '=');
    return eq ? eq + 1 : set;
}

const char *sweep_scenario(const sweep *s)
{
    return s->scenario[0] ? s->scenario : NULL;
}

/* ---- small helpers ------------------------------------------------------ */

typedef struct reader {
    flat_doc doc;
    perr *e;
    sweep *s;
    const sweep_dialect *dialect; /* NULL: a plain sweep file */
    char folder[FLAT_PATH_MAX * 2]; /* of the sweep file, with its '/' */
} reader;

static int nomem(reader *rd)
{
    return perr_set(rd->e, PERR_NOMEM, "%s: out of memory", rd->doc.file);
}

/* "FILE:LINE:COL" of an entry. */
static void place_of(const reader *rd, const flat_entry *en, char *out,
                     size_t size)
{
    snprintf(out, size, "%s:%d:%d", rd->doc.file, en->line, en->col);
}

/* Whether path lies under section ("grid" takes "grid.x" and "grid.x[0]"). */
static const char *under(const char *path, const char *section)
{
    size_t n = strlen(section);
    if (strncmp(path, section, n) != 0 || path[n] != '.')
        return NULL;
    return path + n + 1;
}

/* The top-level mapping name of the sweep file, marked read: 0 with *top
 * NULL when there is none; refused, "NAME: expected WHAT, got ...", when
 * it is not a mapping. */
static int section(reader *rd, const char *name, const char *what,
                   flat_entry **top)
{
    *top = flat_find(&rd->doc, name);
    if (!*top)
        return 0;
    (*top)->used = 1;
    if ((*top)->kind != FLAT_MAP)
        return flat_fail_at(&rd->doc, *top, "%s: expected %s, got %s", name,
                            what, flat_kind_word(*top));
    return 0;
}

/* The next entry, from *i on, below prefix that nothing has read yet and
 * that is not itself a mapping, marked read; its key below prefix in *key.
 * NULL after the last. */
static flat_entry *next_leaf(reader *rd, const char *prefix, size_t *i,
                             const char **key)
{
    for (; *i < rd->doc.n; (*i)++) {
        flat_entry *en = &rd->doc.entries[*i];
        *key = under(en->path, prefix);
        if (!*key || en->used)
            continue;
        en->used = 1;
        if (en->kind == FLAT_MAP)
            continue;
        (*i)++;
        return en;
    }
    return NULL;
}

static const char *scalar(reader *rd, flat_entry *en, const char *what)
{
    en->used = 1;
    if (en->kind == FLAT_SCALAR && en->value[0])
        return en->value;
    flat_fail_at(&rd->doc, en, "%s: expected %s, got %s", en->path, what,
                 en->kind == FLAT_SCALAR ? "nothing" : flat_kind_word(en));
    return NULL;
}

/* Item j of the list en, which must be a single value; NULL, the sweep
 * refused, when it is not. */
static flat_entry *list_item(reader *rd, const flat_entry *en, size_t j)
{
    char item[FLAT_PATH_MAX + 16];
    snprintf(item, sizeof item, "%s[%zu]", en->path, j);
    flat_entry *it = flat_find(&rd->doc, item);
    return it && scalar(rd, it, "a single value") ? it : NULL;
}

static int parse_as(reader *rd, flat_entry *en, param_type t, void *out,
                    const char *what)
{
    const char *text = scalar(rd, en, what);
    if (!text)
        return PERR_INVALID;
    param_key k = {en->path, t, 0, NULL, NULL};
    char why[160];
    if (param_parse(&k, text, out, why, sizeof why) != 0)
        return flat_fail_at(&rd->doc, en, "%s: %s", en->path, why);
    return 0;
}

/* The number a value's text stands for (k/M/B/T and % suffixes), or NaN. */
static double number_of(const char *text)
{
    double x;
    param_key k = {"", PARAM_DOUBLE, 0, NULL, NULL};
    char why[8];
    return param_parse(&k, text, &x, why, sizeof why) == 0 ? x : NAN;
}

/* ---- the sections ------------------------------------------------------- */

/* Whether en lies under one of the dialect's own top-level keys (which
 * the caller reads). */
static int dialect_key(const reader *rd, const flat_entry *en)
{
    const sweep_dialect *d = rd->dialect;
    size_t n = strcspn(en->path, ".[");
    for (size_t k = 0; d && k < d->n_extra; k++)
        if (strlen(d->extra[k]) == n && strncmp(en->path, d->extra[k], n) == 0)
            return 1;
    return 0;
}

static int check_top(reader *rd)
{
    const char *names[TOP_KEYS + 16];
    size_t n_names = 0;
    for (size_t k = 0; k < TOP_KEYS; k++)
        names[n_names++] = top_keys[k];
    for (size_t k = 0; rd->dialect && k < rd->dialect->n_extra && n_names < 
         sizeof names / sizeof names[0]; k++)
        names[n_names++] = rd->dialect->extra[k];
    for (size_t i = 0; i < rd->doc.n; i++) {
        flat_entry *en = &rd->doc.entries[i];
        if (dialect_key(rd, en)) {
            en->used = 1;
            continue;
        }
        char top[FLAT_PATH_MAX];
        snprintf(top, sizeof top, "%.*s", (int)strcspn(en->path, ".["),
                 en->path);
        size_t k = 0;
        while (k < TOP_KEYS && strcmp(top, top_keys[k]) != 0)
            k++;
        if (k < TOP_KEYS)
            continue;
        const char *near = suggest_nearest(top, names, n_names);
        return flat_fail_at(&rd->doc, en,
                            "%s: unknown key%s%s%s (%s; scenarios/README.md)",
                            top, near ? " (did you mean '" : "",
                            near ? near : "", near ? "'?)" : "",
                            rd->dialect ? rd->dialect->keys_said
                                        : "a sweep file has scenario, set, "
                                          "grid, sample, replicates, seeds "
                                          "and seed");
    }
    return 0;
}

static int load_scenario_key(reader *rd)
{
    flat_entry *en = flat_find(&rd->doc, "scenario");
    if (!en)
        return 0; /* the built-in default */
    const char *rel = scalar(rd, en, "a scenario file");
    if (!rel)
        return PERR_INVALID;
    int len = snprintf(rd->s->scenario, sizeof rd->s->scenario, "%s%s",
                       rel[0] == '/' ? "" : rd->folder, rel);
    if (len < 0 || (size_t)len >= sizeof rd->s->scenario)
        return flat_fail_at(&rd->doc, en, "scenario: the path is too long");
    return 0;
}

/* `set:`: every scalar below it is an override; a list of scalars is
 * written as "[a, b]" (an expect range). */
static int load_set(reader *rd)
{
    sweep *s = rd->s;
    flat_entry *top;
    int rc = section(rd, "set", "a mapping of scenario keys", &top);
    if (rc || !top)
        return rc;
    s->sets = calloc(rd->doc.n, sizeof *s->sets);
    s->set_places = calloc(rd->doc.n, sizeof *s->set_places);
    if (!s->sets || !s->set_places)
        return nomem(rd);
    flat_entry *en;
    const char *key;
    for (size_t i = 0; (en = next_leaf(rd, "set", &i, &key));) {
        char text[FLAT_PATH_MAX + 512];
        if (en->kind == FLAT_LIST) {
            int len = snprintf(text, sizeof text, "%s=[", key);
            for (size_t k = 0; k < en->items; k++) {
                const flat_entry *it = list_item(rd, en, k);
                if (!it)
                    return PERR_INVALID;
                len += snprintf(text + len, sizeof text - (size_t)len, "%s%s",
                                k ? ", " : "", it->value);
                if ((size_t)len >= sizeof text)
                    return flat_fail_at(&rd->doc, en, "%s: too long",
                                        en->path);
            }
            snprintf(text + len, sizeof text - (size_t)len, "]");
        } else {
            if (!en->value[0])
                return flat_fail_at(&rd->doc, en, "%s: expected a value, got "
                                                  "nothing",
                                    en->path);
            int len = snprintf(text, sizeof text, "%s=%s", key, en->value);
            if (len < 0 || (size_t)len >= sizeof text)
                return flat_fail_at(&rd->doc, en, "%s: too long", en->path);
        }
        char place[SWEEP_PLACE_MAX];
        place_of(rd, en, place, sizeof place);
        s->sets[s->n_sets] = strdup(text);
        s->set_places[s->n_sets] = strdup(place);
        if (!s->sets[s->n_sets] || !s->set_places[s->n_sets])
            return nomem(rd);
        s->n_sets++;
    }
    return 0;
}

static sweep_key *add_key(reader *rd, const flat_entry *en, const char *path,
                          int sampled)
{
    sweep *s = rd->s;
    for (size_t k = 0; k < s->n_keys; k++)
        if (strcmp(s->keys[k].path, path) == 0) {
            flat_fail_at(&rd->doc, en, "%s: swept twice (first at %s)", path,
                         s->keys[k].place);
            return NULL;
        }
    for (size_t k = 0; k < s->n_sets; k++) {
        size_t n = strlen(path);
        if (strncmp(s->sets[k], path, n) == 0 && s->sets[k][n] == '=') {
            flat_fail_at(&rd->doc, en, "%s: both set (at %s) and swept",
                         path, s->set_places[k]);
            return NULL;
        }
    }
    sweep_key *grown = realloc(s->keys, (s->n_keys + 1) * sizeof *grown);
    if (!grown) {
        nomem(rd);
        return NULL;
    }
    s->keys = grown;
    sweep_key *key = &s->keys[s->n_keys++];
    memset(key, 0, sizeof *key);
    snprintf(key->path, sizeof key->path, "%s", path);
    place_of(rd, en, key->place, sizeof key->place);
    key->sampled = sampled;
    return key;
}

/* The key at en, whose value must be a list of min to max items, added as
 * add_key does; NULL after saying that it expected what (other_list: the
 * words for a list of another length). */
static sweep_key *list_key(reader *rd, flat_entry *en, const char *path,
                           size_t min, size_t max, const char *what,
                           const char *other_list, int sampled)
{
    if (en->kind != FLAT_LIST || en->items < min || en->items > max) {
        flat_fail_at(&rd->doc, en, "%s: expected %s, got %s", en->path, what,
                     en->kind == FLAT_LIST ? other_list : flat_kind_word(en));
        return NULL;
    }
    return add_key(rd, en, path, sampled);
}

/* The grid: per key, the list of its values' entries. */
typedef struct grid_key {
    flat_entry **items; /* the key's values, in the file's order */
    size_t n;
} grid_key;

typedef struct grid {
    grid_key *keys; /* one per grid key, in sweep key order */
    size_t n;       /* room: one per document entry */
} grid;

static void grid_free(grid *g)
{
    for (size_t k = 0; g->keys && k < g->n; k++)
        free(g->keys[k].items);
    free(g->keys);
}

static int load_grid(reader *rd, grid *g)
{
    flat_entry *top;
    int rc = section(rd, "grid",
                     "a mapping of scenario keys to lists of values", &top);
    if (rc || !top)
        return rc;
    if (!(g->keys = calloc(rd->doc.n, sizeof *g->keys)))
        return nomem(rd);
    g->n = rd->doc.n;
    flat_entry *en;
    const char *key;
    for (size_t i = 0; (en = next_leaf(rd, "grid", &i, &key));) {
        sweep_key *k = list_key(rd, en, key, 1, SIZE_MAX,
                                "a list of values such as [8h, 4h, 1h]",
                                "an empty list", 0);
        if (!k)
            return PERR_INVALID;
        grid_key *gk = &g->keys[rd->s->n_keys - 1];
        if (!(gk->items = calloc(en->items, sizeof *gk->items)))
            return nomem(rd);
        gk->n = en->items;
        k->numeric = 1;
        for (size_t j = 0; j < en->items; j++) {
            flat_entry *it = list_item(rd, en, j);
            if (!it)
                return PERR_INVALID;
            for (size_t q = 0; q < j; q++)
                if (strcmp(gk->items[q]->value, it->value) == 0)
                    return flat_fail_at(&rd->doc, it,
                                        "%s: %s is listed twice", en->path,
                                        it->value);
            gk->items[j] = it;
            if (isnan(number_of(it->value)))
                k->numeric = 0;
        }
    }
    rd->s->n_grid_keys = rd->s->n_keys;
    return 0;
}

/* A range: [low, high], then options: log, int, or a step. */
static int load_range(reader *rd, flat_entry *en, const char *path)
{
    sweep_key *k = list_key(rd, en, path, 2, 4,
                            "a range [low, high], optionally followed by log "
                            "and int or a step",
                            "another list", 1);
    if (!k)
        return PERR_INVALID;
    k->numeric = 1;
    flat_entry *items[4];
    for (size_t j = 0; j < en->items; j++)
        if (!(items[j] = list_item(rd, en, j)))
            return PERR_INVALID;
    double bound[2];
    int durations = 0;
    for (int b = 0; b < 2; b++) {
        bound[b] = number_of(items[b]->value);
        if (isnan(bound[b])) {
            int64_t ms;
            param_key dk = {"", PARAM_DURATION, 0, NULL, NULL};
            char why[8];
            if (param_parse(&dk, items[b]->value, &ms, why, sizeof why) != 0)
                return flat_fail_at(&rd->doc, items[b],
                                    "%s: expected a number (500k, 5%%) or a "
                                    "duration (8h), got \"%s\"",
                                    items[b]->path, items[b]->value);
            bound[b] = (double)ms;
            durations |= 1 << b;
        }
    }
    if (durations == 1 || durations == 2)
        return flat_fail_at(&rd->doc, en,
                            "%s: give both bounds as durations, or neither",
                            en->path);
    k->duration = durations == 3;
    k->low = bound[0];
    k->high = bound[1];
    for (size_t j = 2; j < en->items; j++) {
        const char *opt = items[j]->value;
        double step = number_of(opt);
        if (strcmp(opt, "log") == 0) {
            k->log_scale = 1;
        } else if (strcmp(opt, "int") == 0) {
            k->step = k->duration ? 1000 : 1;
        } else if (k->duration) {
            int64_t ms;
            param_key dk = {"", PARAM_DURATION, 0, NULL, NULL};
            char why[8];
            if (param_parse(&dk, opt, &ms, why, sizeof why) != 0 || ms <= 0)
                return flat_fail_at(&rd->doc, items[j],
                                    "%s: expected log, int or a step such as "
                                    "1s, got \"%s\"",
                                    items[j]->path, opt);
            k->step = (double)ms;
        } else if (!isnan(step) && step > 0) {
            k->step = step;
        } else {
            return flat_fail_at(&rd->doc, items[j],
                                "%s: expected log, int or a step such as "
                                "0.01, got \"%s\"",
                                items[j]->path, opt);
        }
    }
    if (!(k->low < k->high))
        return flat_fail_at(&rd->doc, en, "%s: the low bound must be below "
                                          "the high one",
                            en->path);
    if (k->log_scale && k->low <= 0)
        return flat_fail_at(&rd->doc, en,
                            "%s: a log range needs a low bound above 0",
                            en->path);
    return 0;
}

static int load_sample(reader *rd)
{
    sweep *s = rd->s;
    flat_entry *top;
    int rc = section(rd, "sample", "a mapping with method, n and ranges",
                     &top);
    if (rc || !top)
        return rc;
    flat_entry *method = flat_find(&rd->doc, "sample.method");
    flat_entry *n = flat_find(&rd->doc, "sample.n");
    flat_entry *ranges = flat_find(&rd->doc, "sample.ranges");
    if (!method || !n || !ranges)
        return flat_fail_at(&rd->doc, top, "sample: needs %s",
                            !method ? "method (lhs, sobol or random)"
                            : !n    ? "n, the number of points"
                                    : "ranges, {key: [low, high]}");
    param_key mk = {"method", PARAM_ENUM, 0, NULL, method_names};
    int m;
    const char *mt = scalar(rd, method, "a method");
    char why[160];
    if (!mt)
        return PERR_INVALID;
    if (param_parse(&mk, mt, &m, why, sizeof why) != 0)
        return flat_fail_at(&rd->doc, method, "sample.method: %s", why);
    s->method = (sweep_method)m;
    uint32_t count;
    rc = parse_as(rd, n, PARAM_COUNT, &count, "a number of points");
    if (rc != 0)
        return rc;
    if (count == 0)
        return flat_fail_at(&rd->doc, n, "sample.n: must be at least 1");
    s->sample_n = count;
    rc = section(rd, "sample.ranges",
                 "a mapping of scenario keys to [low, high]", &ranges);
    if (rc)
        return rc;
    size_t first = s->n_keys;
    flat_entry *range;
    const char *path;
    for (size_t i = 0; (range = next_leaf(rd, "sample.ranges", &i, &path));)
        if ((rc = load_range(rd, range, path)) != 0)
            return rc;
    if (s->n_keys == first)
        return flat_fail_at(&rd->doc, ranges, "sample.ranges: no ranges");
    if (s->method == SWEEP_SOBOL && s->n_keys - first > SOBOL_DIM_MAX)
        return flat_fail_at(&rd->doc, ranges,
                            "sample.ranges: sobol takes at most %d keys "
                            "(GSL's generator); use lhs or random",
                            SOBOL_DIM_MAX);
    for (size_t i = 0; i < rd->doc.n; i++) {
        flat_entry *en = &rd->doc.entries[i];
        const char *key = under(en->path, "sample");
        if (!key || en->used)
            continue;
        const char *near = suggest_nearest(key, sample_keys, SAMPLE_KEYS);
        return flat_fail_at(&rd->doc, en, "%s: unknown key%s%s%s", en->path,
                            near ? " (did you mean '" : "", near ? near : "",
                            near ? "'?)" : "");
    }
    return 0;
}

/* replicates: N, or seeds: [...]. Replicates are stored as offsets from
 * the scenario's own seed until it is known (*relative set). */
static int load_seeds(reader *rd, int *relative)
{
    sweep *s = rd->s;
    flat_entry *rep = flat_find(&rd->doc, "replicates");
    flat_entry *seeds = flat_find(&rd->doc, "seeds");
    if (rep && seeds)
        return flat_fail_at(&rd->doc, seeds,
                            "seeds: give replicates or seeds, not both "
                            "(replicates at line %d)",
                            rep->line);
    if (seeds) {
        seeds->used = 1;
        if (seeds->kind != FLAT_LIST || seeds->items == 0)
            return flat_fail_at(&rd->doc, seeds,
                                "seeds: expected a list of seeds such as "
                                "[1, 2, 3]");
        s->seeds = calloc(seeds->items, sizeof *s->seeds);
        if (!s->seeds)
            return nomem(rd);
        for (size_t j = 0; j < seeds->items; j++) {
            char item[32];
            snprintf(item, sizeof item, "seeds[%zu]", j);
            flat_entry *it = flat_find(&rd->doc, item);
            int rc = it ? parse_as(rd, it, PARAM_SEED, &s->seeds[j], "a seed")
                        : PERR_INVALID;
            if (rc != 0)
                return rc;
            for (size_t q = 0; q < j; q++)
                if (s->seeds[q] == s->seeds[j])
                    return flat_fail_at(&rd->doc, it,
                                        "seeds: %" PRIu64 " is listed twice",
                                        s->seeds[j]);
            s->n_seeds = j + 1;
        }
        return 0;
    }
    uint32_t n = 1;
    if (rep) {
        int rc = parse_as(rd, rep, PARAM_COUNT, &n, "a number of replicates");
        if (rc != 0)
            return rc;
        if (n == 0)
            return flat_fail_at(&rd->doc, rep, "replicates: must be at least "
                                               "1");
    }
    s->seeds = calloc(n, sizeof *s->seeds);
    if (!s->seeds)
        return nomem(rd);
    for (uint32_t k = 0; k < n; k++)
        s->seeds[k] = k;
    s->n_seeds = n;
    *relative = 1;
    return 0;
}

/* ---- the points --------------------------------------------------------- */

/* The sample's coordinates: n x d numbers in [0, 1), row-major. */
static int sample_coordinates(reader *rd, double *u, size_t n, size_t d)
{
    sweep *s = rd->s;
    if (s->method == SWEEP_SOBOL) {
        gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)d);
        if (!q)
            return nomem(rd);
        for (size_t i = 0; i < n; i++)
            gsl_qrng_get(q, u + i * d);
        gsl_qrng_free(q);
        return 0;
    }
    gsl_rng *r = pcg32_gsl_alloc(s->sample_seed, "sweep.sample");
    if (!r)
        return nomem(rd);
    if (s->method == SWEEP_RANDOM) {
        for (size_t i = 0; i < n * d; i++)
            u[i] = gsl_rng_uniform(r);
    } else {
        size_t *strata = malloc(n * sizeof *strata);
        if (!strata) {
            gsl_rng_free(r);
            return nomem(rd);
        }
        for (size_t j = 0; j < d; j++) {
            for (size_t i = 0; i < n; i++)
                strata[i] = i;
            gsl_ran_shuffle(r, strata, n, sizeof *strata);
            for (size_t i = 0; i < n; i++)
                u[i * d + j] =
                    ((double)strata[i] + gsl_rng_uniform(r)) / (double)n;
        }
        free(strata);
    }
    gsl_rng_free(r);
    return 0;
}

/* The value of sampled key k at coordinate u, and its text: rounded to a
 * multiple of the key's step, or else to 6 significant digits, and
 * written in plain decimals (as exact-decimal keys such as amounts of
 * money read them), so that the number is the text's exactly (sweep.h). */
double sweep_key_unit(const sweep_key *k, double x)
{
    return k->log_scale ? (log(x) - log(k->low)) / (log(k->high) - log(k->low))
                        : (x - k->low) / (k->high - k->low);
}

double sweep_key_value(const sweep_key *k, double u, char *text, size_t size)
{
    double x = k->log_scale
                   ? exp(log(k->low) + u * (log(k->high) - log(k->low)))
                   : k->low + u * (k->high - k->low);
    int decimals = 0;
    double step = k->step > 0 ? k->step : k->duration ? 1 : 0;
    if (step > 0) {
        x = round(x / step) * step;
        if (step < 1)
            decimals = (int)ceil(-log10(step) - 1e-9);
    } else if (x != 0) {
        int mag = (int)floor(log10(fabs(x)));
        decimals = 5 - mag;
        double p = pow(10, decimals < 0 ? -decimals : decimals);
        x = decimals < 0 ? round(x / p) * p : round(x * p) / p;
        if (decimals < 0)
            decimals = 0;
    }
    if (x > k->high)
        x = k->high;
    if (x < k->low)
        x = k->low;
    snprintf(text, size, "%.*f%s", decimals, x, k->duration ? "ms" : "");
    return strtod(text, NULL);
}

static int set_point_value(reader *rd, sweep_point *p, size_t k,
                           const char *value, double number,
                           const char *place)
{
    const sweep_key *key = &rd->s->keys[k];
    size_t len = strlen(key->path) + 1 + strlen(value) + 1;
    p->sets[k] = malloc(len);
    p->places[k] = strdup(place);
    if (!p->sets[k] || !p->places[k])
        return nomem(rd);
    snprintf(p->sets[k], len, "%s=%s", key->path, value);
    p->numbers[k] = number;
    return 0;
}

static int expand_points(reader *rd, const grid *g)
{
    sweep *s = rd->s;
    size_t n_grid = 1;
    for (size_t k = 0; k < s->n_grid_keys; k++) {
        if (n_grid > SWEEP_RUNS_MAX / g->keys[k].n)
            return flat_fail_at(&rd->doc, NULL, "more than %d runs",
                                SWEEP_RUNS_MAX);
        n_grid *= g->keys[k].n;
    }
    size_t n_sample = s->sample_n ? s->sample_n : 1;
    size_t d = s->n_keys - s->n_grid_keys;
    if (n_grid > SWEEP_RUNS_MAX / n_sample
        || n_grid * n_sample > SWEEP_RUNS_MAX / s->n_seeds)
        return flat_fail_at(&rd->doc, NULL,
                            "%zu points x %zu seeds: more than %d runs",
                            n_grid * n_sample, s->n_seeds, SWEEP_RUNS_MAX);
    s->n_points = n_grid * n_sample;
    s->points = calloc(s->n_points, sizeof *s->points);
    double *u = d ? malloc(n_sample * d * sizeof *u) : NULL;
    if (!s->points || (d && !u)) {
        free(u);
        return nomem(rd);
    }
    int rc = d ? sample_coordinates(rd, u, n_sample, d) : 0;
    size_t *digit = calloc(s->n_grid_keys + 1, sizeof *digit);
    if (!digit)
        rc = nomem(rd);
    for (size_t gp = 0; rc == 0 && gp < n_grid; gp++) {
        /* gp's digits, the last key varying fastest */
        size_t rest = gp;
        for (size_t k = s->n_grid_keys; k-- > 0;) {
            digit[k] = rest % g->keys[k].n;
            rest /= g->keys[k].n;
        }
        for (size_t sp = 0; rc == 0 && sp < n_sample; sp++) {
            sweep_point *p = &s->points[gp * n_sample + sp];
            p->sets = calloc(s->n_keys, sizeof *p->sets);
            p->places = calloc(s->n_keys, sizeof *p->places);
            p->numbers = calloc(s->n_keys, sizeof *p->numbers);
            if (!p->sets || !p->places || !p->numbers) {
                rc = nomem(rd);
                break;
            }
            for (size_t k = 0; rc == 0 && k < s->n_grid_keys; k++) {
                const flat_entry *it = g->keys[k].items[digit[k]];
                char place[SWEEP_PLACE_MAX];
                place_of(rd, it, place, sizeof place);
                rc = set_point_value(rd, p, k, it->value,
                                     number_of(it->value), place);
            }
            for (size_t j = 0; rc == 0 && j < d; j++) {
                size_t k = s->n_grid_keys + j;
                char text[64];
                double x = sweep_key_value(&s->keys[k], u[sp * d + j], text,
                                         sizeof text);
                rc = set_point_value(rd, p, k, text, x, s->keys[k].place);
            }
            if (rc == 0) {
                /* The id hashes the values alone, "key=value\n" each. */
                uint64_t h = 0xcbf29ce484222325u;
                for (size_t k = 0; k < s->n_keys; k++)
                    for (const char *c = p->sets[k];; c++) {
                        h ^= (unsigned char)(*c ? *c : '\n');
                        h *= 0x100000001b3u;
                        if (!*c)
                            break;
                    }
                p->hash = pcg_mix64(h);
            }
        }
    }
    free(digit);
    free(u);
    return rc;
}

static int by_id(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Two runs with one id would share a file: refuse (the grid refuses
 * repeated values, so only a hash collision could do it). */
static int check_ids(reader *rd)
{
    sweep *s = rd->s;
    char **ids = malloc(s->n_runs * sizeof *ids);
    if (!ids)
        return nomem(rd);
    for (size_t r = 0; r < s->n_runs; r++)
        ids[r] = s->runs[r].id;
    qsort(ids, s->n_runs, sizeof *ids, by_id);
    int rc = 0;
    for (size_t r = 1; rc == 0 && r < s->n_runs; r++)
        if (strcmp(ids[r - 1], ids[r]) == 0)
            rc = flat_fail_at(&rd->doc, NULL,
                              "two runs would share the id %s; change a "
                              "value or the seed of the sample",
                              ids[r]);
    free(ids);
    return rc;
}

static int expand_runs(reader *rd)
{
    sweep *s = rd->s;
    s->n_runs = s->n_points * s->n_seeds;
    s->runs = calloc(s->n_runs, sizeof *s->runs);
    if (!s->runs)
        return nomem(rd);
    for (size_t p = 0; p < s->n_points; p++) {
        for (size_t k = 0; k < s->n_seeds; k++) {
            sweep_run *r = &s->runs[p * s->n_seeds + k];
            r->point = p;
            r->replicate = k;
            r->seed = s->seeds[k];
            char slug[RUNNER_SLUG_MAX + 1];
            runner_slug((const char *const *)s->points[p].sets, s->n_keys,
                        slug, sizeof slug);
            snprintf(r->id, sizeof r->id, "%s%s%012" PRIx64 "-s%" PRIu64,
                     slug, slug[0] ? "-" : "", s->points[p].hash >> 16,
                     r->seed);
        }
    }
    return check_ids(rd);
}

size_t sweep_run_overrides(const sweep *s, size_t r, const char **sets,
                           const char **places, char seed_buf[32])
{
    const sweep_run *run = &s->runs[r];
    const sweep_point *p = &s->points[run->point];
    size_t n = 0;
    for (size_t i = 0; i < s->n_sets; i++, n++) {
        sets[n] = s->sets[i];
        places[n] = s->set_places[i];
    }
    for (size_t k = 0; k < s->n_keys; k++, n++) {
        sets[n] = p->sets[k];
        places[n] = p->places[k];
    }
    snprintf(seed_buf, 32, "seed=%" PRIu64, run->seed);
    sets[n] = seed_buf;
    places[n] = NULL;
    return n + 1;
}

/* Loads the scenario with the sweep's `set:` alone: it must load, and its
 * seed is the replicates' base. */
static int check_base(reader *rd, uint64_t *seed)
{
    sweep *s = rd->s;
    scenario sc;
    int rc = scenario_load(sweep_scenario(s), (const char *const *)s->sets,
                           (const char *const *)s->set_places, s->n_sets, &sc,
                           rd->e);
    if (rc != 0)
        return rc;
    *seed = sc.seed;
    scenario_free(&sc);
    return 0;
}

static int check_runs(reader *rd)
{
    sweep *s = rd->s;
    size_t cap = s->n_sets + s->n_keys + 1;
    const char **sets = calloc(cap, sizeof *sets);
    const char **places = calloc(cap, sizeof *places);
    if (!sets || !places) {
        free(sets);
        free(places);
        return nomem(rd);
    }
    int rc = 0;
    for (size_t r = 0; rc == 0 && r < s->n_runs; r++) {
        char seed[32];
        size_t n = sweep_run_overrides(s, r, sets, places, seed);
        scenario sc;
        rc = scenario_load(sweep_scenario(s), sets, places, n, &sc, rd->e);
        if (rc == 0) {
            s->runs[r].scenario_hash = sweep_text_hash(sc.resolved);
            scenario_free(&sc);
        }
    }
    free(sets);
    free(places);
    return rc;
}

/* ---- loading ------------------------------------------------------------ */

static int load_all(reader *rd, int check)
{
    sweep *s = rd->s;
    int rc = flat_parse(&rd->doc, s->text, s->text_len,
                        rd->dialect ? rd->dialect->what : "sweep",
                        rd->dialect ? rd->dialect->hint
                                    : "a sweep names a scenario and the keys "
                                      "to vary (scenarios/README.md, \"Sweep "
                                      "files\")");
    if (rc == 0)
        rc = check_top(rd);
    if (rc == 0)
        rc = load_scenario_key(rd);
    if (rc == 0)
        rc = load_set(rd);
    grid g = {NULL, 0};
    if (rc == 0)
        rc = load_grid(rd, &g);
    flat_entry *seed = flat_find(&rd->doc, "seed");
    s->sample_seed = 1;
    if (rc == 0 && seed)
        rc = parse_as(rd, seed, PARAM_SEED, &s->sample_seed, "a seed");
    if (rc == 0)
        rc = load_sample(rd);
    int relative = 0;
    if (rc == 0)
        rc = load_seeds(rd, &relative);
    for (size_t i = 0; rc == 0 && i < rd->doc.n; i++) {
        flat_entry *en = &rd->doc.entries[i];
        if (!en->used)
            rc = flat_fail_at(&rd->doc, en, "%s: unknown key", en->path);
    }
    uint64_t base = 0;
    if (rc == 0)
        rc = check_base(rd, &base);
    for (size_t k = 0; rc == 0 && relative && k < s->n_seeds; k++)
        s->seeds[k] += base;
    if (rc == 0)
        rc = expand_points(rd, &g);
    if (rc == 0)
        rc = expand_runs(rd);
    if (rc == 0 && check == SWEEP_CHECK_RUNS)
        rc = check_runs(rd);
    grid_free(&g);
    return rc;
}

/* Loads s->text (already read) named name. */
static int load_named(const char *name, int check, const sweep_dialect *d,
                      sweep *out, perr *e)
{
    reader rd;
    memset(&rd, 0, sizeof rd);
    rd.dialect = d;
    rd.e = e;
    rd.s = out;
    snprintf(out->file, sizeof out->file, "%s", name);
    const char *slash = strrchr(name, '/');
    size_t flen = slash ? (size_t)(slash - name) + 1 : 0;
    snprintf(rd.folder, sizeof rd.folder, "%.*s", (int)flen, name);
    flat_init(&rd.doc, out->file, e);
    int rc = load_all(&rd, check);
    flat_free(&rd.doc);
    if (rc != 0)
        sweep_free(out);
    return rc;
}

int sweep_load(const char *path, int check, sweep *out, perr *e)
{
    return sweep_load_dialect(path, check, NULL, out, e);
}

int sweep_load_dialect(const char *path, int check, const sweep_dialect *d,
                       sweep *out, perr *e)
{
    memset(out, 0, sizeof *out);
    if (strlen(path) >= sizeof out->file)
        return perr_set(e, PERR_INVALID, "%.60s...: the path is too long",
                        path);
    int rc = flat_read_file(path, &out->text, &out->text_len, e);
    if (rc != 0)
        return rc;
    return load_named(path, check, d, out, e);
}

int sweep_load_text(const char *name, const char *text, size_t len,
                    int check, sweep *out, perr *e)
{
    memset(out, 0, sizeof *out);
    if (strlen(name) >= sizeof out->file)
        return perr_set(e, PERR_INVALID, "%.60s...: the name is too long",
                        name);
    out->text = malloc(len + 1);
    if (!out->text)
        return perr_set(e, PERR_NOMEM, "%s: out of memory", name);
    memcpy(out->text, text, len);
    out->text[len] = '\0';
    out->text_len = len;
    return load_named(name, check, NULL, out, e);
}

void sweep_free(sweep *s)
{
    if (!s)
        return;
    free(s->text);
    GROW_FREE_EACH(s->sets, s->n_sets);
    GROW_FREE_EACH(s->set_places, s->n_sets);
    for (size_t p = 0; s->points && p < s->n_points; p++) {
        sweep_point *pt = &s->points[p];
        GROW_FREE_EACH(pt->sets, s->n_keys);
        GROW_FREE_EACH(pt->places, s->n_keys);
        free(pt->numbers);
    }
    free(s->points);
    free(s->keys);
    free(s->seeds);
    free(s->runs);
    memset(s, 0, sizeof *s);
}
