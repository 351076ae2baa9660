/*
 * calibrate: loading a calibration file, evaluating candidates and the
 * search (calibrate.h).
 *
 * The sweep loader reads what a calibration shares with a sweep (scenario,
 * set, sample, replicates or seeds, seed) and checks every start point's
 * scenario; this file reads the file a second time for `targets:` and
 * `search:`. A candidate's objective is computed from its runs' metric
 * values in seed order, so the sums, and everything after them, are the
 * same whatever order the runs finished in.
 */
#define _POSIX_C_SOURCE 200809L /* strdup, open_memstream */
#include "calibrate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_vector.h>

#include "csv.h"
#include "flat.h"
#include "grow.h"
#include "param.h"
#include "runner.h"
#include "scenario.h"
#include "scenario_load.h"
#include "suggest.h"

static const char *const own_keys[] = {"targets", "search"};
static const char *const search_keys[] = {"iterations", "tolerance", "step"};
static const char *const target_keys[] = {"value", "weight", "scale"};

#define PENALTY 100.0
/* What a failed objective (a metric that is NaN) is worth to the simplex,
 * which refuses non-finite values. */
#define WORST 1e30

/* ---- loading ------------------------------------------------------------ */

typedef struct loader {
    flat_doc doc;
    calib *c;
    perr *e;
} loader;

static int nomem(loader *ld)
{
    return perr_set(ld->e, PERR_NOMEM, "%s: out of memory", ld->doc.file);
}

static int number_at(loader *ld, flat_entry *en, double *out)
{
    en->used = 1;
    if (en->kind != FLAT_SCALAR || !en->value[0])
        return flat_fail_at(&ld->doc, en, "%s: expected a number, got %s",
                            en->path,
                            en->kind == FLAT_SCALAR ? "nothing"
                                                    : flat_kind_word(en));
    param_key k = {en->path, PARAM_DOUBLE, 0, NULL, NULL};
    char why[160];
    if (param_parse(&k, en->value, out, why, sizeof why) != 0)
        return flat_fail_at(&ld->doc, en, "%s: %s", en->path, why);
    return 0;
}

/* Whether path is below prefix ("targets" takes "targets.x"). */
static const char *under(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(path, prefix, n) == 0 && path[n] == '.' ? path + n + 1
                                                          : NULL;
}

/* Marks the section top read; fails at it unless it is a mapping (what:
 * the mapping it should be). */
static int take_mapping(loader *ld, flat_entry *top, const char *what)
{
    top->used = 1;
    if (top->kind == FLAT_MAP)
        return 0;
    return flat_fail_at(&ld->doc, top, "%s: expected %s, got %s", top->path,
                        what, flat_kind_word(top));
}

/* Fails at the first key under prefix that was not read, naming the
 * nearest of the section's three keys and what the section has. */
static int refuse_unknown_under(loader *ld, const char *prefix,
                                const char *const keys[3], const char *has)
{
    for (size_t i = 0; i < ld->doc.n; i++) {
        flat_entry *it = &ld->doc.entries[i];
        const char *key = under(it->path, prefix);
        if (!key || it->used)
            continue;
        const char *near = suggest_nearest(key, keys, 3);
        return flat_fail_at(&ld->doc, it, "%s: unknown key%s%s%s (%s)",
                            it->path, near ? " (did you mean '" : "",
                            near ? near : "", near ? "'?)" : "", has);
    }
    return 0;
}

static int add_target(loader *ld, const scenario *s, flat_entry *en,
                      const char *metric)
{
    calib *c = ld->c;
    if (strlen(metric) >= SUMMARY_NAME_MAX)
        return flat_fail_at(&ld->doc, en, "%s: the metric's name is too long",
                            en->path);
    char why[512];
    if (scenario_metric_problem(s, metric, why, sizeof why))
        return flat_fail_at(&ld->doc, en, "%s: %s", en->path, why);
    int rc = 0;
    calib_target *t = &c->targets[c->n_targets];
    memset(t, 0, sizeof *t);
    snprintf(t->metric, sizeof t->metric, "%s", metric);
    snprintf(t->place, sizeof t->place, "%s:%d:%d", ld->doc.file, en->line,
             en->col);
    t->weight = 1;
    t->scale = NAN;
    en->used = 1;
    if (en->kind == FLAT_SCALAR) {
        if ((rc = number_at(ld, en, &t->value)) != 0)
            return rc;
    } else {
        char path[FLAT_PATH_MAX + 16];
        double *fields[] = {&t->value, &t->weight, &t->scale};
        for (size_t f = 0; f < 3; f++) {
            snprintf(path, sizeof path, "%s.%s", en->path, target_keys[f]);
            flat_entry *it = flat_find(&ld->doc, path);
            if (!it && f == 0)
                return flat_fail_at(&ld->doc, en,
                                    "%s: needs value, the target "
                                    "({value: 2.3, weight: 1})",
                                    en->path);
            if (it && (rc = number_at(ld, it, fields[f])) != 0)
                return rc;
        }
        if ((rc = refuse_unknown_under(ld, en->path, target_keys,
                                       "a target has value, weight and "
                                       "scale")) != 0)
            return rc;
        if (!(t->weight >= 0) || !isfinite(t->weight))
            return flat_fail_at(&ld->doc, en, "%s.weight: must be >= 0",
                                en->path);
    }
    if (!isfinite(t->value))
        return flat_fail_at(&ld->doc, en, "%s: the target must be finite",
                            en->path);
    if (isnan(t->scale)) {
        if (t->value == 0)
            return flat_fail_at(&ld->doc, en,
                                "%s: a target of 0 needs a scale (the size "
                                "of a difference that matters: {value: 0, "
                                "scale: 1e-4})",
                                en->path);
        t->scale = fabs(t->value);
    } else if (!(t->scale > 0) || !isfinite(t->scale)) {
        return flat_fail_at(&ld->doc, en, "%s.scale: must be above 0",
                            en->path);
    }
    c->n_targets++;
    return 0;
}

/* Whether en, a mapping, is a target: it has a `value`, `weight` or
 * `scale` below it. */
static int is_target_map(loader *ld, const flat_entry *en)
{
    char path[FLAT_PATH_MAX + 16];
    for (size_t f = 0; f < 3; f++) {
        snprintf(path, sizeof path, "%s.%s", en->path, target_keys[f]);
        if (flat_find(&ld->doc, path))
            return 1;
    }
    return 0;
}

static int load_targets(loader *ld, const scenario *s)
{
    calib *c = ld->c;
    flat_entry *top = flat_find(&ld->doc, "targets");
    if (!top)
        return flat_fail_at(&ld->doc, NULL,
                            "targets: missing; a calibration needs at least "
                            "one target ({METRIC: {value: V, weight: W}})");
    int rc = take_mapping(ld, top, "a mapping of metrics to {value, weight}");
    if (rc != 0)
        return rc;
    if (!(c->targets = calloc(ld->doc.n, sizeof *c->targets)))
        return nomem(ld);
    for (size_t i = 0; i < ld->doc.n; i++) {
        flat_entry *en = &ld->doc.entries[i];
        const char *metric = under(en->path, "targets");
        if (!metric || en->used)
            continue;
        if (en->kind == FLAT_MAP && !is_target_map(ld, en)) {
            en->used = 1; /* a level of nesting: binance: {...} */
            continue;
        }
        if (en->kind == FLAT_LIST)
            return flat_fail_at(&ld->doc, en,
                                "%s: expected a target {value: V, weight: W} "
                                "or a number, got a list",
                                en->path);
        rc = add_target(ld, s, en, metric);
        if (rc != 0)
            return rc;
    }
    if (c->n_targets == 0)
        return flat_fail_at(&ld->doc, top, "targets: no targets");
    return 0;
}

static int load_search(loader *ld)
{
    calib *c = ld->c;
    c->iterations = 40;
    c->tolerance = 1e-3;
    c->step = 0.1;
    flat_entry *top = flat_find(&ld->doc, "search");
    if (!top)
        return 0;
    int rc = take_mapping(ld, top, "a mapping {iterations, tolerance, step}");
    if (rc != 0)
        return rc;
    flat_entry *en;
    if ((en = flat_find(&ld->doc, "search.iterations"))) {
        en->used = 1;
        param_key k = {en->path, PARAM_COUNT, 0, NULL, NULL};
        char why[160];
        if (en->kind != FLAT_SCALAR || !en->value[0])
            return flat_fail_at(&ld->doc, en, "%s: expected a count, got %s",
                                en->path, flat_kind_word(en));
        if (param_parse(&k, en->value, &c->iterations, why, sizeof why) != 0)
            return flat_fail_at(&ld->doc, en, "%s: %s", en->path, why);
    }
    rc = 0;
    if ((en = flat_find(&ld->doc, "search.tolerance"))
        && (rc = number_at(ld, en, &c->tolerance)) == 0
        && !(c->tolerance > 0))
        return flat_fail_at(&ld->doc, en, "search.tolerance: must be above 0");
    if (rc)
        return rc;
    if ((en = flat_find(&ld->doc, "search.step"))
        && (rc = number_at(ld, en, &c->step)) == 0
        && !(c->step > 0 && c->step <= 1))
        return flat_fail_at(&ld->doc, en,
                            "search.step: must be in (0, 1], a share of "
                            "each key's range");
    if (rc)
        return rc;
    return refuse_unknown_under(ld, "search", search_keys,
                                "search has iterations, tolerance and step");
}

/* What a calibration needs of its sweep part: a sample, no grid. */
static int check_sweep_part(loader *ld)
{
    const sweep *sw = &ld->c->sw;
    if (sw->n_grid_keys)
        return flat_fail_at(&ld->doc, flat_find(&ld->doc, "grid"),
                            "grid: a calibration has no grid; give the free "
                            "keys' ranges under sample.ranges");
    if (!sw->sample_n)
        return flat_fail_at(&ld->doc, NULL,
                            "sample: missing; a calibration needs the free "
                            "keys' ranges and a start (sample: {method: "
                            "sobol, n: 8, ranges: {...}})");
    return 0;
}

/* Every range's ends, each key at its low and its high bound (the others
 * as the scenario has them), must load: the search may go anywhere in the
 * ranges, not only where the start points lie. */
static int check_range_ends(loader *ld)
{
    const sweep *sw = &ld->c->sw;
    size_t n = sw->n_sets + 1;
    const char **sets = calloc(n, sizeof *sets);
    const char **places = calloc(n, sizeof *places);
    int rc = sets && places ? 0 : nomem(ld);
    for (size_t i = 0; rc == 0 && i < sw->n_sets; i++) {
        sets[i] = sw->sets[i];
        places[i] = sw->set_places[i];
    }
    for (size_t k = 0; rc == 0 && k < sw->n_keys; k++)
        for (int end = 0; rc == 0 && end < 2; end++) {
            char text[64], set[FLAT_PATH_MAX + 80];
            sweep_key_value(&sw->keys[k], end, text, sizeof text);
            snprintf(set, sizeof set, "%s=%s", sw->keys[k].path, text);
            sets[sw->n_sets] = set;
            places[sw->n_sets] = sw->keys[k].place;
            scenario s;
            rc = scenario_load(sweep_scenario(sw), sets, places, n, &s, ld->e);
            if (rc == 0)
                scenario_free(&s);
        }
    free(sets);
    free(places);
    return rc;
}

int calib_load(const char *path, calib *out, perr *e)
{
    memset(out, 0, sizeof *out);
    static const sweep_dialect dialect = {
        own_keys, 2,
        "a calibration file has scenario, set, sample, replicates, seeds, "
        "seed, targets and search",
        "calibration",
        "a calibration names a scenario, the free keys (sample.ranges) and "
        "the targets (scenarios/README.md, \"Calibration files\")"};
    int rc = sweep_load_dialect(path, SWEEP_CHECK_RUNS, &dialect, &out->sw, e);
    if (rc != 0)
        return rc;
    loader ld;
    memset(&ld, 0, sizeof ld);
    ld.c = out;
    ld.e = e;
    flat_init(&ld.doc, out->sw.file, e);
    rc = flat_parse(&ld.doc, out->sw.text, out->sw.text_len, "calibration",
                    dialect.hint);
    if (rc == 0)
        rc = check_sweep_part(&ld);
    if (rc == 0)
        rc = check_range_ends(&ld);
    scenario s;
    memset(&s, 0, sizeof s);
    if (rc == 0)
        rc = scenario_load(sweep_scenario(&out->sw),
                           (const char *const *)out->sw.sets,
                           (const char *const *)out->sw.set_places,
                           out->sw.n_sets, &s, e);
    if (rc == 0)
        rc = load_targets(&ld, &s);
    if (rc == 0)
        rc = load_search(&ld);
    scenario_free(&s);
    flat_free(&ld.doc);
    if (rc != 0)
        calib_free(out);
    return rc;
}

void calib_free(calib *c)
{
    if (!c)
        return;
    sweep_free(&c->sw);
    free(c->targets);
    memset(c, 0, sizeof *c);
}

/* ---- one run ------------------------------------------------------------ */

void calib_run_one(const calib *c, const calib_candidate *cand, size_t k,
                   FILE *out)
{
    const sweep *sw = &c->sw;
    size_t n = sw->n_sets + sw->n_keys + 1;
    const char **sets = calloc(n, sizeof *sets);
    if (!sets) {
        fprintf(out, "error out of memory\n");
        return;
    }
    size_t m = 0;
    for (size_t i = 0; i < sw->n_sets; i++)
        sets[m++] = sw->sets[i];
    for (size_t i = 0; i < sw->n_keys; i++)
        sets[m++] = cand->sets[i];
    char seed[40];
    snprintf(seed, sizeof seed, "seed=%llu",
             (unsigned long long)sw->seeds[k]);
    sets[m++] = seed;
    runner_job job;
    memset(&job, 0, sizeof job);
    job.scenario = sweep_scenario(sw);
    job.sets = sets;
    job.n_sets = m;
    runner_result res;
    perr e;
    perr_clear(&e);
    if (runner_run(&job, &res, &e) != 0) {
        /* one line: the message without its newlines */
        for (char *p = e.msg; *p; p++)
            if (*p == '\n')
                *p = ' ';
        fprintf(out, "error %s\n", e.msg);
    } else {
        fputs("ok", out);
        for (size_t t = 0; t < c->n_targets; t++)
            fprintf(out, " %a", summary_get(&res.summary, c->targets[t].metric));
        fputc('\n', out);
        runner_result_free(&res);
    }
    free(sets);
}

int calib_parse_one(const calib *c, const char *rec, size_t len,
                    double *values, perr *e)
{
    if (len >= 6 && strncmp(rec, "error ", 6) == 0)
        return perr_set(e, PERR_STATE, "%.*s", (int)strcspn(rec + 6, "\n"),
                        rec + 6);
    if (len < 2 || strncmp(rec, "ok", 2) != 0 || rec[len - 1] != '\n')
        return perr_set(e, PERR_STATE, "the run left no record");
    const char *p = rec + 2;
    for (size_t t = 0; t < c->n_targets; t++) {
        char *end;
        values[t] = strtod(p, &end);
        if (end == p)
            return perr_set(e, PERR_STATE, "the run's record is cut short");
        p = end;
    }
    return 0;
}

/* ---- the search --------------------------------------------------------- */

typedef struct search {
    const calib *c;
    calib_evaluate_fn eval;
    calib_progress_fn progress;
    void *ctx;
    calib_result *r;
    perr *e;
    int failed;
    size_t iteration;
    double *values; /* n_seeds x n_targets */
} search;

static void stats_free(const calib *c, calib_stats *st)
{
    GROW_FREE_EACH(st->cand.sets, c->sw.n_keys);
    free(st->cand.numbers);
    free(st->mean);
    free(st->sd);
    free(st->min);
    free(st->max);
}

/* The candidate at unit coordinates u (clamped to the cube). */
static int make_candidate(const calib *c, const double *u, calib_candidate *cd)
{
    size_t d = c->sw.n_keys;
    cd->sets = calloc(d, sizeof *cd->sets);
    cd->numbers = calloc(d, sizeof *cd->numbers);
    if (!cd->sets || !cd->numbers)
        return PERR_NOMEM;
    for (size_t k = 0; k < d; k++) {
        const sweep_key *key = &c->sw.keys[k];
        double x = u[k] < 0 ? 0 : u[k] > 1 ? 1 : u[k];
        char text[64];
        cd->numbers[k] = sweep_key_value(key, x, text, sizeof text);
        size_t len = strlen(key->path) + strlen(text) + 2;
        if (!(cd->sets[k] = malloc(len)))
            return PERR_NOMEM;
        snprintf(cd->sets[k], len, "%s=%s", key->path, text);
    }
    return 0;
}

/* The candidate among those evaluated with the same values, or n_cands. */
static size_t find_candidate(const calib *c, const calib_result *r,
                             const calib_candidate *cd)
{
    for (size_t i = 0; i < r->n_cands; i++) {
        size_t k = 0;
        while (k < c->sw.n_keys
               && strcmp(r->cands[i].cand.sets[k], cd->sets[k]) == 0)
            k++;
        if (k == c->sw.n_keys)
            return i;
    }
    return r->n_cands;
}

/* Fills st's statistics from values (n_seeds x n_targets) and its
 * objective. */
static int fill_stats(const calib *c, calib_stats *st, const double *values)
{
    size_t nt = c->n_targets, ns = c->sw.n_seeds;
    st->mean = calloc(nt, sizeof *st->mean);
    st->sd = calloc(nt, sizeof *st->sd);
    st->min = calloc(nt, sizeof *st->min);
    st->max = calloc(nt, sizeof *st->max);
    if (!st->mean || !st->sd || !st->min || !st->max)
        return PERR_NOMEM;
    double obj = 0;
    for (size_t t = 0; t < nt; t++) {
        double sum = 0, lo = INFINITY, hi = -INFINITY;
        for (size_t k = 0; k < ns; k++) {
            double v = values[k * nt + t];
            sum += v;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        double mean = sum / (double)ns, ss = 0;
        for (size_t k = 0; k < ns; k++) {
            double dv = values[k * nt + t] - mean;
            ss += dv * dv;
        }
        st->mean[t] = mean;
        st->sd[t] = ns > 1 ? sqrt(ss / (double)(ns - 1)) : 0;
        st->min[t] = isnan(mean) ? NAN : lo;
        st->max[t] = isnan(mean) ? NAN : hi;
        const calib_target *tg = &c->targets[t];
        double z = (mean - tg->value) / tg->scale;
        obj += tg->weight * z * z;
    }
    st->objective = obj;
    return 0;
}

static int push_eval(search *s, int phase, size_t cand, double penalty)
{
    calib_result *r = s->r;
    calib_eval *grown = grow_for_one(r->evals, r->n_evals, &r->cap_evals,
                                     sizeof *r->evals, 64);
    if (!grown)
        return perr_set(s->e, PERR_NOMEM, "out of memory");
    r->evals = grown;
    r->evals[r->n_evals++] =
        (calib_eval){phase, phase == CALIB_START ? 0 : s->iteration, cand,
                     penalty};
    const calib_stats *b = &r->cands[r->best], *n = &r->cands[cand];
    if (cand == 0 || (!isnan(n->objective)
                      && (isnan(b->objective) || n->objective < b->objective)))
        r->best = cand;
    if (s->progress)
        s->progress(s->ctx, r);
    return 0;
}

/* Evaluates the candidates cds[0..n) (each new, none evaluated before),
 * appending them to r->cands in order. */
static int evaluate_new(search *s, calib_candidate *cds, size_t n)
{
    const calib *c = s->c;
    calib_result *r = s->r;
    size_t per = c->sw.n_seeds * c->n_targets;
    double *values = calloc(n * per, sizeof *values);
    if (!values)
        return perr_set(s->e, PERR_NOMEM, "out of memory");
    int rc = s->eval(s->ctx, cds, n, values, s->e);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0) {
            calib_stats *grown = grow_for_one(r->cands, r->n_cands,
                                              &r->cap_cands, sizeof *r->cands,
                                              64);
            if (grown)
                r->cands = grown;
            else
                rc = perr_set(s->e, PERR_NOMEM, "out of memory");
        }
        if (rc != 0) {
            calib_stats tmp = {cds[i], 0, NULL, NULL, NULL, NULL};
            stats_free(c, &tmp);
            continue;
        }
        calib_stats *st = &r->cands[r->n_cands++];
        memset(st, 0, sizeof *st);
        st->cand = cds[i];
        if (fill_stats(c, st, values + i * per) != 0)
            rc = perr_set(s->e, PERR_NOMEM, "out of memory");
    }
    free(values);
    return rc;
}

/* The simplex's objective at x: the clamped point's objective and the
 * penalty for the distance outside the cube. */
static double simplex_f(const gsl_vector *x, void *params)
{
    search *s = params;
    const calib *c = s->c;
    calib_result *r = s->r;
    size_t d = c->sw.n_keys;
    if (s->failed)
        return WORST;
    double u[64], penalty = 0;
    for (size_t k = 0; k < d; k++) {
        u[k] = gsl_vector_get(x, k);
        double out = u[k] < 0 ? -u[k] : u[k] > 1 ? u[k] - 1 : 0;
        penalty += PENALTY * out * out;
    }
    calib_candidate cd;
    memset(&cd, 0, sizeof cd);
    if (make_candidate(c, u, &cd) != 0) {
        calib_stats tmp = {cd, 0, NULL, NULL, NULL, NULL};
        stats_free(c, &tmp);
        s->failed = perr_set(s->e, PERR_NOMEM, "out of memory");
        return WORST;
    }
    size_t i = find_candidate(c, r, &cd);
    if (i < r->n_cands) {
        calib_stats tmp = {cd, 0, NULL, NULL, NULL, NULL};
        stats_free(c, &tmp);
    } else if ((s->failed = evaluate_new(s, &cd, 1)) != 0) {
        return WORST;
    }
    if ((s->failed = push_eval(s, CALIB_SEARCH, i, penalty)) != 0)
        return WORST;
    double obj = r->cands[i].objective;
    return (isfinite(obj) && obj < WORST ? obj : WORST) + penalty;
}

static int run_start(search *s)
{
    const calib *c = s->c;
    const sweep *sw = &c->sw;
    size_t d = sw->n_keys, n = sw->n_points;
    calib_candidate *cds = calloc(n, sizeof *cds);
    if (!cds)
        return perr_set(s->e, PERR_NOMEM, "out of memory");
    int rc = 0;
    for (size_t p = 0; p < n; p++) {
        cds[p].sets = calloc(d, sizeof *cds[p].sets);
        cds[p].numbers = calloc(d, sizeof *cds[p].numbers);
        if (!cds[p].sets || !cds[p].numbers) {
            rc = PERR_NOMEM;
            continue;
        }
        for (size_t k = 0; k < d; k++) {
            cds[p].sets[k] = strdup(sw->points[p].sets[k]);
            cds[p].numbers[k] = sw->points[p].numbers[k];
            if (!cds[p].sets[k])
                rc = PERR_NOMEM;
        }
    }
    if (rc != 0) {
        for (size_t p = 0; p < n; p++) {
            calib_stats tmp = {cds[p], 0, NULL, NULL, NULL, NULL};
            stats_free(c, &tmp);
        }
        free(cds);
        return perr_set(s->e, PERR_NOMEM, "out of memory");
    }
    /* the sample's points are distinct (a sweep refuses a repeated id) */
    rc = evaluate_new(s, cds, n);
    free(cds);
    for (size_t p = 0; rc == 0 && p < n; p++)
        rc = push_eval(s, CALIB_START, p, 0);
    return rc;
}

static int run_simplex(search *s)
{
    const calib *c = s->c;
    calib_result *r = s->r;
    size_t d = c->sw.n_keys;
    if (c->iterations == 0)
        return 0;
    gsl_vector *x = gsl_vector_alloc(d), *step = gsl_vector_alloc(d);
    gsl_multimin_fminimizer *m =
        gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, d);
    if (!x || !step || !m) {
        gsl_vector_free(x);
        gsl_vector_free(step);
        if (m)
            gsl_multimin_fminimizer_free(m);
        return perr_set(s->e, PERR_NOMEM, "out of memory");
    }
    const calib_stats *b = &r->cands[r->best];
    for (size_t k = 0; k < d; k++) {
        double u = sweep_key_unit(&c->sw.keys[k], b->cand.numbers[k]);
        gsl_vector_set(x, k, u < 0 ? 0 : u > 1 ? 1 : u);
        /* step into the cube from a point on its edge */
        gsl_vector_set(step, k, u > 0.5 ? -c->step : c->step);
    }
    gsl_multimin_function f = {simplex_f, d, s};
    s->iteration = 0;
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int status = gsl_multimin_fminimizer_set(m, &f, x, step);
    while (!s->failed && status == GSL_SUCCESS
           && s->iteration < c->iterations) {
        s->iteration++;
        r->iterations = s->iteration;
        status = gsl_multimin_fminimizer_iterate(m);
        if (s->failed || status != GSL_SUCCESS)
            break;
        if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(m),
                                   c->tolerance)
            == GSL_SUCCESS) {
            r->converged = 1;
            break;
        }
    }
    gsl_set_error_handler(old);
    gsl_multimin_fminimizer_free(m);
    gsl_vector_free(x);
    gsl_vector_free(step);
    return s->failed;
}

int calib_search(const calib *c, calib_evaluate_fn eval,
                 calib_progress_fn progress, void *ctx, calib_result *r,
                 perr *e)
{
    memset(r, 0, sizeof *r);
    if (c->sw.n_keys > 64)
        return perr_set(e, PERR_INVALID, "%s: at most 64 free keys",
                        c->sw.file);
    search s = {c, eval, progress, ctx, r, e, 0, 0, NULL};
    int rc = run_start(&s);
    if (rc == 0)
        rc = run_simplex(&s);
    return rc;
}

void calib_result_free(const calib *c, calib_result *r)
{
    for (size_t i = 0; r->cands && i < r->n_cands; i++)
        stats_free(c, &r->cands[i]);
    free(r->cands);
    free(r->evals);
    memset(r, 0, sizeof *r);
}

/* ---- what it writes ----------------------------------------------------- */

char *calib_scenario_text(const calib *c, const calib_result *r, perr *e)
{
    const sweep *sw = &c->sw;
    const calib_stats *b = &r->cands[r->best];
    size_t n = sw->n_sets + sw->n_keys;
    const char **sets = calloc(n + 1, sizeof *sets);
    const char **places = calloc(n + 1, sizeof *places);
    if (!sets || !places) {
        free(sets);
        free(places);
        perr_set(e, PERR_NOMEM, "out of memory");
        return NULL;
    }
    size_t m = 0;
    for (size_t i = 0; i < sw->n_sets; i++, m++) {
        sets[m] = sw->sets[i];
        places[m] = sw->set_places[i];
    }
    for (size_t k = 0; k < sw->n_keys; k++, m++) {
        sets[m] = b->cand.sets[k];
        places[m] = sw->keys[k].place;
    }
    scenario s;
    int rc = scenario_load(sweep_scenario(sw), sets, places, m, &s, e);
    free(sets);
    free(places);
    if (rc != 0)
        return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        scenario_free(&s);
        perr_set(e, PERR_NOMEM, "out of memory");
        return NULL;
    }
    fprintf(f, "# calibrated by perpsim calibrate %s: objective %.6g over %zu "
               "seed%s\n",
            sw->file, b->objective, sw->n_seeds, sw->n_seeds == 1 ? "" : "s");
    fprintf(f, "# from %s with\n",
            sw->scenario[0] ? sw->scenario : "the built-in default scenario");
    for (size_t i = 0; i < sw->n_sets; i++)
        fprintf(f, "#   %s\n", sw->sets[i]);
    for (size_t k = 0; k < sw->n_keys; k++)
        fprintf(f, "#   %s   (calibrated)\n", b->cand.sets[k]);
    fputs(s.resolved, f);
    scenario_free(&s);
    if (fclose(f) != 0) {
        free(text);
        perr_set(e, PERR_NOMEM, "out of memory");
        return NULL;
    }
    return text;
}

void calib_write_report(FILE *out, const calib *c, const calib_result *r)
{
    const sweep *sw = &c->sw;
    const calib_stats *b = &r->cands[r->best];
    size_t n_start = 0;
    for (size_t i = 0; i < r->n_evals; i++)
        n_start += r->evals[i].phase == CALIB_START;
    fprintf(out, "calibration %s of %s\n", sw->file,
            sw->scenario[0] ? sw->scenario : "the built-in default scenario");
    fprintf(out, "seeds:");
    for (size_t k = 0; k < sw->n_seeds; k++)
        fprintf(out, " %llu", (unsigned long long)sw->seeds[k]);
    fprintf(out, "\nstart: %s sample of %zu; search: %zu iteration%s of the "
                 "simplex (%s), %zu evaluations, %zu candidates run\n",
            sweep_method_name(sw->method), n_start, r->iterations,
            r->iterations == 1 ? "" : "s",
            r->converged         ? "converged"
            : c->iterations == 0 ? "none asked for"
                                 : "stopped at the limit",
            r->n_evals, r->n_cands);
    fprintf(out, "objective: %.6g\n\nbest values:\n", b->objective);
    for (size_t k = 0; k < sw->n_keys; k++)
        fprintf(out, "  %s = %s   (range [%.6g, %.6g]%s)\n", sw->keys[k].path,
                sweep_set_value(b->cand.sets[k]), sw->keys[k].low,
                sw->keys[k].high, sw->keys[k].log_scale ? ", log" : "");
    fprintf(out, "\ntargets at the best values (over %zu seed%s):\n",
            sw->n_seeds, sw->n_seeds == 1 ? "" : "s");
    for (size_t t = 0; t < c->n_targets; t++) {
        const calib_target *tg = &c->targets[t];
        fprintf(out,
                "  %s: target %.6g, mean %.6g, sd %.6g, min %.6g, max %.6g "
                "(weight %g, scale %g)\n",
                tg->metric, tg->value, b->mean[t], b->sd[t], b->min[t],
                b->max[t], tg->weight, tg->scale);
    }
    fprintf(out, "\npath (every evaluation):\n");
    for (size_t i = 0; i < r->n_evals; i++) {
        const calib_eval *ev = &r->evals[i];
        const calib_stats *st = &r->cands[ev->candidate];
        fprintf(out, "  %4zu %-6s", i + 1,
                ev->phase == CALIB_START ? "start" : "search");
        for (size_t k = 0; k < sw->n_keys; k++)
            fprintf(out, " %s", sweep_set_value(st->cand.sets[k]));
        fprintf(out, "  objective %.6g", st->objective);
        if (ev->penalty > 0)
            fprintf(out, " + penalty %.3g", ev->penalty);
        fputc('\n', out);
    }
}

void calib_write_targets_csv(FILE *out, const calib *c, const calib_result *r)
{
    const calib_stats *b = &r->cands[r->best];
    fputs("metric,target,weight,scale,mean,sd,min,max\n", out);
    for (size_t t = 0; t < c->n_targets; t++) {
        const calib_target *tg = &c->targets[t];
        csv_field(out, tg->metric);
        fprintf(out, ",%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", tg->value,
                tg->weight, tg->scale, b->mean[t], b->sd[t], b->min[t],
                b->max[t]);
    }
}

void calib_write_path_csv(FILE *out, const calib *c, const calib_result *r)
{
    const sweep *sw = &c->sw;
    fputs("evaluation,phase,iteration", out);
    for (size_t k = 0; k < sw->n_keys; k++) {
        fputc(',', out);
        csv_field(out, sw->keys[k].path);
    }
    fputs(",objective,penalty,best\n", out);
    for (size_t i = 0; i < r->n_evals; i++) {
        const calib_eval *ev = &r->evals[i];
        const calib_stats *st = &r->cands[ev->candidate];
        fprintf(out, "%zu,%s,%zu", i + 1,
                ev->phase == CALIB_START ? "start" : "search", ev->iteration);
        for (size_t k = 0; k < sw->n_keys; k++) {
            fputc(',', out);
            csv_field(out, sweep_set_value(st->cand.sets[k]));
        }
        fprintf(out, ",%.17g,%.17g,%d\n", st->objective, ev->penalty,
                ev->candidate == r->best);
    }
}
