/*
 * compare: means, t-intervals and paired differences over replicates
 * (compare.h), with GSL's statistics (gsl_stats_mean, gsl_stats_sd) and t
 * quantiles (gsl_cdf_tdist_Pinv).
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>

#include "grow.h"

static const compare_metric metrics[] = {
    {"premium_index.mean", "premium index, mean", COMPARE_FRACTION},
    {"premium.mean_abs", "premium index, mean |x|", COMPARE_FRACTION},
    {"premium.max_abs", "premium index, max |x|", COMPARE_FRACTION},
    {"funding.longs_paid_per_day", "funding paid by longs, per day",
     COMPARE_QUOTE},
    {"funding.shorts_paid_per_day", "funding paid by shorts, per day",
     COMPARE_QUOTE},
    {"funding.settlements_per_day", "settlements per day", COMPARE_COUNT},
    {"liquidations.total_notional", "liquidations, total", COMPARE_QUOTE},
    {"liquidations.long_notional", "liquidations, longs", COMPARE_QUOTE},
    {"liquidations.short_notional", "liquidations, shorts", COMPARE_QUOTE},
    {"liquidations.peak_minute_notional", "liquidations, peak minute",
     COMPARE_QUOTE},
    {"liquidations.worst_40m_share", "share in the worst 40 minutes",
     COMPARE_SHARE},
    {"depth.min_1pct", "depth within 1%, least", COMPARE_QUOTE},
    {"insurance_fund.max_drawdown", "insurance fund drawdown", COMPARE_QUOTE},
    {"adl.notional", "ADL notional", COMPARE_QUOTE},
};

#define N_METRICS (sizeof metrics / sizeof metrics[0])

const compare_metric *compare_metrics(size_t *n)
{
    *n = N_METRICS;
    return metrics;
}

/* The t-interval of a sample of n with mean m and deviation sd. */
static void interval(size_t n, double m, double sd, double *low, double *high)
{
    if (n < 2) {
        *low = *high = NAN;
        return;
    }
    double half = gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) * sd
                  / sqrt((double)n);
    *low = m - half;
    *high = m + half;
}

/* Copies the numbers of x (not NaN) into buf; their count. */
static size_t numbers(const double *x, size_t n, double *buf)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]))
            buf[k++] = x[i];
    return k;
}

void compare_describe(const double *x, size_t n, compare_cell *c)
{
    double *buf = malloc((n ? n : 1) * sizeof *buf);
    size_t k = buf ? numbers(x, n, buf) : 0;
    c->n = k;
    c->mean = k ? gsl_stats_mean(buf, 1, k) : NAN;
    c->sd = k > 1 ? gsl_stats_sd_m(buf, 1, k, c->mean) : NAN;
    interval(k, c->mean, c->sd, &c->low, &c->high);
    free(buf);
}

void compare_paired(const double *x, const double *base, size_t n,
                    compare_cell *c)
{
    double *d = malloc((n ? n : 1) * sizeof *d);
    size_t k = 0;
    for (size_t i = 0; d && i < n; i++)
        if (!isnan(x[i]) && !isnan(base[i]))
            d[k++] = x[i] - base[i];
    c->diff_n = k;
    c->diff_mean = k ? gsl_stats_mean(d, 1, k) : NAN;
    double sd = k > 1 ? gsl_stats_sd_m(d, 1, k, c->diff_mean) : NAN;
    interval(k, c->diff_mean, sd, &c->diff_low, &c->diff_high);
    /* A difference the same at every seed has an interval of one point: it
     * excludes 0 unless it is 0. */
    c->diff_sign = isnan(c->diff_low) ? 0
                   : c->diff_low > 0  ? 1
                   : c->diff_high < 0 ? -1
                                      : 0;
    free(d);
}

void compare_table_free(compare_table *t)
{
    GROW_FREE_EACH(t->arms, t->n_arms);
    GROW_FREE_EACH(t->venues, t->n_venues);
    for (size_t r = 0; t->rows && r < t->n_rows; r++)
        free(t->rows[r].cells);
    free(t->rows);
    free(t->expect_held);
    free(t->expect_runs);
    memset(t, 0, sizeof *t);
}

/* The venues of the index, from its "<venue>.liquidations.total_notional"
 * columns, in column order. */
static int find_venues(const sweep_index *ix, compare_table *t)
{
    static const char tail[] = ".liquidations.total_notional";
    t->venues = calloc(ix->n_cols + 1, sizeof *t->venues);
    if (!t->venues)
        return PERR_NOMEM;
    for (size_t c = 0; c < ix->n_cols; c++) {
        const char *name = ix->cols[c].name;
        size_t n = strlen(name), m = sizeof tail - 1;
        if (n <= m || strcmp(name + n - m, tail) != 0)
            continue;
        char *v = malloc(n - m + 1);
        if (!v)
            return PERR_NOMEM;
        memcpy(v, name, n - m);
        v[n - m] = '\0';
        t->venues[t->n_venues++] = v;
    }
    return 0;
}

/* The label of point p: its swept values joined by ", ". */
static char *point_label(const sweep_index *ix, const double *point,
                         size_t p)
{
    size_t first_key = ix->n_cols - ix->n_metrics - ix->n_keys;
    char buf[512] = "";
    size_t len = 0;
    for (size_t r = 0; r < ix->n_rows; r++) {
        if (point[r] != (double)p)
            continue;
        for (size_t k = 0; k < ix->n_keys; k++) {
            const sweep_index_column *col = &ix->cols[first_key + k];
            char v[128];
            if (col->text)
                snprintf(v, sizeof v, "%s", col->texts[r]);
            else
                snprintf(v, sizeof v, "%.10g", col->values[r]);
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s",
                                    k ? ", " : "", v);
            if (len >= sizeof buf)
                len = sizeof buf - 1;
        }
        break;
    }
    return strdup(len ? buf : "(the scenario)");
}

/* A column's number in row r (texts are integers: point, replicate). */
static double cell_number(const sweep_index_column *col, size_t r)
{
    return col->text ? strtod(col->texts[r], NULL) : col->values[r];
}

void compare_arm_values(const sweep_index *ix, const char *name, long point,
                        size_t n_reps, double *x)
{
    for (size_t k = 0; k < n_reps; k++)
        x[k] = NAN;
    const sweep_index_column *col = sweep_index_column_named(ix, name);
    const sweep_index_column *pt = sweep_index_column_named(ix, "point");
    const sweep_index_column *rep = sweep_index_column_named(ix, "replicate");
    const sweep_index_column *status = sweep_index_column_named(ix, "status");
    if (!col || col->text || !pt || !rep || !status || !status->text)
        return;
    for (size_t r = 0; r < ix->n_rows; r++) {
        double k = cell_number(rep, r);
        if (strcmp(status->texts[r], "ok") != 0
            || (point >= 0 && cell_number(pt, r) != (double)point) || k < 0
            || k >= (double)n_reps)
            continue;
        x[(size_t)k] = col->values[r];
    }
}

int compare_build(const sweep_index *ix, int by_venue, compare_table *t,
                  perr *e)
{
    memset(t, 0, sizeof *t);
    t->by_venue = by_venue;
    const sweep_index_column *point = sweep_index_column_named(ix, "point");
    const sweep_index_column *rep = sweep_index_column_named(ix, "replicate");
    const sweep_index_column *status = sweep_index_column_named(ix, "status");
    const sweep_index_column *expect = sweep_index_column_named(ix, "expect");
    if (!point || !rep || !status || !expect || !status->text)
        return perr_set(e, PERR_INVALID,
                        "the index has no point, replicate, status or expect "
                        "column");
    size_t n = ix->n_rows;
    double *pt = calloc(n + 1, sizeof *pt), *rp = calloc(n + 1, sizeof *rp);
    int rc = pt && rp ? find_venues(ix, t) : PERR_NOMEM;
    size_t n_points = 0;
    for (size_t r = 0; rc == 0 && r < n; r++) {
        pt[r] = cell_number(point, r);
        rp[r] = cell_number(rep, r);
        if (pt[r] + 1 > (double)n_points)
            n_points = (size_t)pt[r] + 1;
        if (rp[r] + 1 > (double)t->replicates)
            t->replicates = (size_t)rp[r] + 1;
        t->runs++;
        t->ok += strcmp(status->texts[r], "ok") == 0;
    }
    if (rc == 0 && t->n_venues == 0)
        rc = perr_set(e, PERR_INVALID, "the index has no metrics (no run "
                                        "finished?)");
    if (rc == 0 && by_venue && (n_points != 1 || t->n_venues < 2))
        rc = perr_set(e, PERR_INVALID,
                      "a comparison of venues needs one scenario with two "
                      "venues or more (this one has %zu point%s and %zu "
                      "venue%s)",
                      n_points, n_points == 1 ? "" : "s", t->n_venues,
                      t->n_venues == 1 ? "" : "s");
    t->n_arms = rc ? 0 : by_venue ? t->n_venues : n_points;
    size_t n_reps = t->replicates;
    if (rc == 0) {
        t->arms = calloc(t->n_arms, sizeof *t->arms);
        t->expect_held = calloc(t->n_arms, sizeof *t->expect_held);
        t->expect_runs = calloc(t->n_arms, sizeof *t->expect_runs);
        if (!t->arms || !t->expect_held || !t->expect_runs)
            rc = PERR_NOMEM;
    }
    for (size_t a = 0; rc == 0 && a < t->n_arms; a++)
        if (!(t->arms[a] = by_venue ? strdup(t->venues[a])
                                    : point_label(ix, pt, a)))
            rc = PERR_NOMEM;
    for (size_t r = 0; rc == 0 && r < n; r++) {
        int x = atoi(expect->texts[r]);
        if (x < 0)
            continue;
        size_t from = by_venue ? 0 : (size_t)pt[r];
        size_t to = by_venue ? t->n_arms : from + 1;
        for (size_t a = from; a < to; a++) {
            t->expect_runs[a]++;
            t->expect_held[a] += x == 1;
        }
    }
    size_t n_metrics = N_METRICS;
    size_t blocks = by_venue ? 1 : t->n_venues;
    if (rc == 0 && !(t->rows = calloc(blocks * n_metrics, sizeof *t->rows)))
        rc = PERR_NOMEM;
    /* x[arm * n_reps + k]: arm's value at replicate k, NaN when none */
    double *x = rc ? NULL : malloc(t->n_arms * n_reps * sizeof *x + 1);
    if (rc == 0 && !x)
        rc = PERR_NOMEM;
    for (size_t b = 0; rc == 0 && b < blocks; b++) {
        for (size_t m = 0; rc == 0 && m < n_metrics; m++) {
            compare_row *row = &t->rows[t->n_rows];
            snprintf(row->venue, sizeof row->venue, "%s",
                     by_venue ? "" : t->venues[b]);
            row->metric = &metrics[m];
            row->cells = calloc(t->n_arms, sizeof *row->cells);
            if (!row->cells) {
                rc = PERR_NOMEM;
                break;
            }
            t->n_rows++;
            for (size_t a = 0; a < t->n_arms; a++) {
                char name[256];
                snprintf(name, sizeof name, "%s.%s",
                         by_venue ? t->venues[a] : t->venues[b],
                         metrics[m].name);
                compare_arm_values(ix, name, by_venue ? -1 : (long)a, n_reps,
                                   x + a * n_reps);
            }
            for (size_t a = 0; a < t->n_arms; a++) {
                compare_describe(x + a * n_reps, n_reps, &row->cells[a]);
                if (a > 0)
                    compare_paired(x + a * n_reps, x, n_reps, &row->cells[a]);
                else
                    row->cells[a].diff_mean = row->cells[a].diff_low =
                        row->cells[a].diff_high = NAN;
            }
        }
    }
    free(x);
    free(pt);
    free(rp);
    if (rc == PERR_NOMEM)
        perr_set(e, PERR_NOMEM, "out of memory building the comparison");
    if (rc != 0)
        compare_table_free(t);
    return rc;
}
