/*
 * compare: the statistics of `perpsim compare`, from a sweep index whose
 * runs are variants of one scenario at the same replicate seeds.
 *
 * The *arms* of a comparison are either the sweep's points (variants: the
 * values of the varied keys) or, in a run with several venues, its venues.
 * For each venue, metric and arm the table holds the mean over the
 * replicates that finished with its 95% t-interval, and the *paired*
 * difference from the first arm: replicate k of every arm ran with the
 * same seed (the same index path and order flow), so the difference is
 * taken seed by seed and its interval is the t-interval of those
 * differences, far narrower than the two arms' own intervals would allow.
 * Intervals use the t quantile of GSL (gsl_cdf_tdist_Pinv); with fewer
 * than two values there is a mean but no interval (NaN).
 *
 * The metrics are the summary's (summary.h), per venue: the premium (mean,
 * mean and max of its absolute value), what longs and shorts paid per day
 * and the settlements per day (so that cadences compare), liquidations
 * (total, longs, shorts, the peak minute, the share in the worst 40
 * minutes), the least depth within 1%, the insurance fund's drawdown and
 * the notional closed by ADL.
 */
#ifndef PERPSIM_COMPARE_H
#define PERPSIM_COMPARE_H

#include <stddef.h>

#include "perr.h"
#include "sweep_index.h"

typedef enum compare_unit {
    COMPARE_FRACTION, /* a rate or premium: shown as percent */
    COMPARE_SHARE,    /* 0 to 1: shown as percent */
    COMPARE_QUOTE,    /* money, in the quote currency */
    COMPARE_COUNT,
} compare_unit;

typedef struct compare_metric {
    const char *name;  /* the summary metric without the venue */
    const char *label; /* "liquidations, total" */
    compare_unit unit;
} compare_metric;

/* One arm's figures for one metric. */
typedef struct compare_cell {
    size_t n;                  /* replicates with a value */
    double mean, sd, low, high; /* low, high: the 95% interval */
    size_t diff_n;             /* pairs with the first arm */
    double diff_mean, diff_low, diff_high;
    int diff_sign;             /* +1 the interval is above 0, -1 below, 0 */
} compare_cell;

typedef struct compare_row {
    char venue[64];
    const compare_metric *metric;
    compare_cell *cells; /* one per arm */
} compare_row;

typedef struct compare_table {
    int by_venue;     /* the arms are the venues of one run */
    char **arms;      /* n_arms labels: "8h" (the points' values joined by
                         ", "), or venue names */
    size_t n_arms;
    size_t replicates;
    size_t runs, ok;  /* of the index */
    size_t *expect_held, *expect_runs; /* per arm: runs whose expectations
                                          all held, runs that had some */
    compare_row *rows;
    size_t n_rows;
    char **venues;    /* the venues of the runs, in their order */
    size_t n_venues;
} compare_table;

/* The metrics a comparison reports, in order; *n gets their number. */
const compare_metric *compare_metrics(size_t *n);

/* The mean, standard deviation and 95% t-interval of the values of x[0..n)
 * that are not NaN, into c (n, mean, sd, low, high). */
void compare_describe(const double *x, size_t n, compare_cell *c);

/* The paired difference x[k] - base[k] over the k where both are numbers,
 * into c's diff_* fields. */
void compare_paired(const double *x, const double *base, size_t n,
                    compare_cell *c);

/* Builds the table of an index of variants (by_venue 0: one arm per point,
 * a block of rows per venue) or of one point's venues (by_venue 1). Only
 * runs of status ok count. PERR_INVALID when the index lacks what a
 * comparison needs (a point or replicate column, metrics), PERR_NOMEM. */
int compare_build(const sweep_index *ix, int by_venue, compare_table *t,
                  perr *e);

void compare_table_free(compare_table *t);

/* The values of the index's number column name ("binance.adl.notional")
 * at each replicate of the runs of point (point < 0: of every point, as in
 * a comparison of venues, which has one), into x[0..n_reps): NaN where the
 * replicate's run did not finish, or for every replicate when there is no
 * such column. */
void compare_arm_values(const sweep_index *ix, const char *name, long point,
                        size_t n_reps, double *x);

#endif
