/*
 * stress: the statistics of a stress report (stress.h): per venue, arm and
 * statistic the value over the paths, its percentile-bootstrap interval
 * and the paired difference from the first arm, with GSL's sort, mean and
 * quantiles and the project's PCG32 generator through GSL.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "stress.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "grow.h"
#include "pcg.h"

const stress_quantity stress_quantities[STRESS_QUANTITIES] = {
    [STRESS_DRAWDOWN] = {"drawdown", "insurance_fund.max_drawdown"},
    [STRESS_ADL_COUNT] = {"adl_count", "adl.count"},
    [STRESS_ADL_NOTIONAL] = {"adl_notional", "adl.notional"},
    [STRESS_ADL_SHORTFALL] = {"adl_shortfall", "adl.shortfall"},
    [STRESS_FUND_MIN] = {"fund_min", "insurance_fund.min"},
    [STRESS_LIQUIDATIONS] = {"liquidations", "liquidations.total_notional"},
    [STRESS_WORST_40M] = {"worst_40m_share", "liquidations.worst_40m_share"},
    [STRESS_FUND_NEED] = {"fund_need", NULL},
    [STRESS_EXHAUSTED] = {"exhausted", NULL},
};

/* The percentiles of the report's tails. */
#define P95 0.95
#define P99 0.99
#define P999 0.999

static const stress_stat stats[] = {
    {"drawdown.mean", "fund drawdown, mean", COMPARE_QUOTE, STRESS_DRAWDOWN,
     0, 0},
    {"drawdown.p95", "fund drawdown, 95th percentile", COMPARE_QUOTE,
     STRESS_DRAWDOWN, P95, 0},
    {"drawdown.p99", "fund drawdown, 99th percentile", COMPARE_QUOTE,
     STRESS_DRAWDOWN, P99, 0},
    {"drawdown.p999", "fund drawdown, 99.9th percentile", COMPARE_QUOTE,
     STRESS_DRAWDOWN, P999, 0},
    {"exhausted.probability", "P(fund exhausted)", COMPARE_SHARE,
     STRESS_EXHAUSTED, 0, 0},
    {"adl.probability", "P(ADL)", COMPARE_SHARE, STRESS_ADL_COUNT, 0, 0},
    {"adl.notional_mean", "ADL notional, mean", COMPARE_QUOTE,
     STRESS_ADL_NOTIONAL, 0, 0},
    {"adl.notional_given_adl", "ADL notional, mean given ADL", COMPARE_QUOTE,
     STRESS_ADL_NOTIONAL, 0, 1},
    {"liquidations.mean", "liquidations, mean", COMPARE_QUOTE,
     STRESS_LIQUIDATIONS, 0, 0},
    {"liquidations.p95", "liquidations, 95th percentile", COMPARE_QUOTE,
     STRESS_LIQUIDATIONS, P95, 0},
    {"cascade.worst_40m_share", "share in the worst 40 min, mean",
     COMPARE_SHARE, STRESS_WORST_40M, 0, 0},
    {"fund_need.p99", "fund covering 99% of paths", COMPARE_QUOTE,
     STRESS_FUND_NEED, P99, 0},
    {"fund_need.p999", "fund covering 99.9% of paths", COMPARE_QUOTE,
     STRESS_FUND_NEED, P999, 0},
};

#define N_STATS (sizeof stats / sizeof stats[0])

const stress_stat *stress_stats(size_t *n)
{
    *n = N_STATS;
    return stats;
}

double stress_quantile(double *x, size_t n, double p)
{
    if (n == 0)
        return NAN;
    gsl_sort(x, 1, n);
    return gsl_stats_quantile_from_sorted_data(x, 1, n, p);
}

/* The ADL probability counts paths with ADL closes: the indicator of
 * adl.count > 0, as exhausted is one. */
static double indicator(const stress_stat *st, double v)
{
    return st->quantity == STRESS_ADL_COUNT ? (double)(v > 0) : v;
}

/* Statistic st of arm's values x (n_paths of them) over the paths
 * idx[0..n); buf has room for n. */
static double statistic(const stress_stat *st, double *const q[], size_t arm,
                        size_t n_paths, const size_t *idx, size_t n,
                        double *buf)
{
    const double *x = q[st->quantity] + arm * n_paths;
    const double *adl = q[STRESS_ADL_COUNT] + arm * n_paths;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!st->conditional || adl[idx[i]] > 0)
            buf[k++] = indicator(st, x[idx[i]]);
    if (k == 0)
        return NAN;
    return st->p > 0 ? stress_quantile(buf, k, st->p)
                     : gsl_stats_mean(buf, 1, k);
}

/* The derived quantities of every path of every arm. */
static void derive(double *const q[], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double adl = q[STRESS_ADL_COUNT][i], fmin = q[STRESS_FUND_MIN][i];
        double passed_on = q[STRESS_ADL_SHORTFALL][i];
        q[STRESS_FUND_NEED][i] = q[STRESS_DRAWDOWN][i]
                                 + (passed_on > 0 ? passed_on : 0);
        q[STRESS_EXHAUSTED][i] = isnan(adl) ? NAN
                                 : (adl > 0 || fmin <= 0) ? 1
                                                          : 0;
    }
}

/* The percentile interval of the numbers among boot[0..n) into *low,
 * *high (sorted in place). */
static void percentile_interval(double *boot, size_t n, double *low,
                                double *high)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(boot[i]))
            boot[k++] = boot[i];
    double tail = (1 - STRESS_CONFIDENCE) / 2;
    *low = stress_quantile(boot, k, tail);
    *high = k ? gsl_stats_quantile_from_sorted_data(boot, 1, k, 1 - tail)
              : NAN;
}

/* Whether n paths resolve quantile p: more than one path beyond it. */
static int tail_short(const stress_stat *st, size_t n)
{
    return st->p > 0 && (double)n * (1 - st->p) < 1;
}

int stress_venue(double *const q[STRESS_QUANTITIES], size_t n_arms,
                 size_t n_paths, gsl_rng *rng, size_t resamples,
                 stress_cell *cells, size_t *used, perr *e)
{
    derive(q, n_arms * n_paths);
    size_t *idx = malloc((n_paths + 1) * sizeof *idx);
    size_t *pick = malloc((n_paths + 1) * sizeof *pick);
    double *buf = malloc((n_paths + 1) * sizeof *buf);
    /* boot[(s * n_arms + a) * resamples + b], and the differences */
    size_t n_boot = N_STATS * n_arms * resamples + 1;
    double *boot = malloc(n_boot * sizeof *boot);
    double *dboot = malloc(n_boot * sizeof *dboot);
    if (!idx || !pick || !buf || !boot || !dboot) {
        free(idx), free(pick), free(buf), free(boot), free(dboot);
        return perr_set(e, PERR_NOMEM, "out of memory for the bootstrap");
    }
    size_t n = 0;
    for (size_t k = 0; k < n_paths; k++) {
        int all = 1;
        for (size_t a = 0; a < n_arms; a++)
            for (int x = 0; x < STRESS_MEASURED; x++)
                all &= !isnan(q[x][a * n_paths + k]);
        if (all)
            idx[n++] = k;
    }
    *used = n;
    for (size_t s = 0; s < N_STATS; s++)
        for (size_t a = 0; a < n_arms; a++) {
            stress_cell *c = &cells[s * n_arms + a];
            memset(c, 0, sizeof *c);
            c->n = n;
            c->value = statistic(&stats[s], q, a, n_paths, idx, n, buf);
            c->tail_short = tail_short(&stats[s], n);
        }
    for (size_t b = 0; n && b < resamples; b++) {
        for (size_t i = 0; i < n; i++)
            pick[i] = idx[gsl_rng_uniform_int(rng, (unsigned long)n)];
        for (size_t s = 0; s < N_STATS; s++) {
            double first = NAN;
            for (size_t a = 0; a < n_arms; a++) {
                double v = statistic(&stats[s], q, a, n_paths, pick, n, buf);
                if (a == 0)
                    first = v;
                boot[(s * n_arms + a) * resamples + b] = v;
                dboot[(s * n_arms + a) * resamples + b] = v - first;
            }
        }
    }
    for (size_t s = 0; s < N_STATS; s++)
        for (size_t a = 0; a < n_arms; a++) {
            stress_cell *c = &cells[s * n_arms + a];
            double *bt = boot + (s * n_arms + a) * resamples;
            double *dt = dboot + (s * n_arms + a) * resamples;
            c->low = c->high = c->diff = c->diff_low = c->diff_high = NAN;
            if (n && !c->tail_short)
                percentile_interval(bt, resamples, &c->low, &c->high);
            if (a == 0)
                continue;
            c->diff = c->value - cells[s * n_arms].value;
            if (n && !c->tail_short)
                percentile_interval(dt, resamples, &c->diff_low,
                                    &c->diff_high);
            c->diff_sign = isnan(c->diff_low) ? 0
                           : c->diff_low > 0  ? 1
                           : c->diff_high < 0 ? -1
                                              : 0;
        }
    free(idx), free(pick), free(buf), free(boot), free(dboot);
    return 0;
}

void stress_report_free(stress_report *r)
{
    GROW_FREE_EACH(r->arms, r->n_arms);
    GROW_FREE_EACH(r->venues, r->n_venues);
    free(r->used);
    free(r->values);
    free(r->cells);
    memset(r, 0, sizeof *r);
}

/* Reads venue v's measured quantities from the index into r->values and
 * takes its statistics. */
static int one_venue(const sweep_index *ix, size_t v, gsl_rng *rng,
                     stress_report *r, perr *e)
{
    size_t n_arms = r->n_arms, paths = r->paths;
    double *q[STRESS_QUANTITIES];
    for (int x = 0; x < STRESS_QUANTITIES; x++) {
        q[x] = r->values + (v * STRESS_QUANTITIES + (size_t)x) * n_arms * paths;
        for (size_t a = 0; x < STRESS_MEASURED && a < n_arms; a++) {
            char name[256];
            snprintf(name, sizeof name, "%s.%s", r->venues[v],
                     stress_quantities[x].metric);
            compare_arm_values(ix, name, (long)a, paths, q[x] + a * paths);
        }
    }
    return stress_venue(q, n_arms, paths, rng, r->resamples,
                        r->cells + v * N_STATS * n_arms, &r->used[v], e);
}

int stress_build(const sweep_index *ix, uint64_t seed, size_t resamples,
                 stress_report *r, perr *e)
{
    memset(r, 0, sizeof *r);
    compare_table t;
    int rc = compare_build(ix, 0, &t, e);
    if (rc != 0)
        return rc;
    /* The arms, venues and counts are the comparison's; its rows are not
     * needed. */
    r->arms = t.arms;
    r->n_arms = t.n_arms;
    r->venues = t.venues;
    r->n_venues = t.n_venues;
    t.arms = t.venues = NULL;
    t.n_arms = t.n_venues = 0;
    r->paths = t.replicates;
    r->runs = t.runs;
    r->ok = t.ok;
    compare_table_free(&t);
    r->resamples = resamples;
    r->seed = seed;
    size_t n_values = r->n_venues * STRESS_QUANTITIES * r->n_arms * r->paths;
    r->used = calloc(r->n_venues + 1, sizeof *r->used);
    r->values = malloc((n_values + 1) * sizeof *r->values);
    r->cells = calloc(r->n_venues * N_STATS * r->n_arms + 1,
                      sizeof *r->cells);
    gsl_rng *rng = pcg32_gsl_alloc(seed, "stress.bootstrap");
    rc = r->used && r->values && r->cells && rng
             ? 0
             : perr_set(e, PERR_NOMEM, "out of memory for the stress report");
    for (size_t v = 0; rc == 0 && v < r->n_venues; v++)
        rc = one_venue(ix, v, rng, r, e);
    if (rng)
        gsl_rng_free(rng);
    if (rc != 0)
        stress_report_free(r);
    return rc;
}
