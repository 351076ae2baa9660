/*
 * stress: the statistics of `perpsim stress`, a report on the insurance
 * fund over many paths of one scenario, from a sweep index whose runs are
 * its variants (the arms) at the same replicate seeds (the paths).
 *
 * Per venue and path, the report takes from the summary metrics
 * (summary_venue.h) the quantities of stress_quantities: the fund's
 * largest drawdown, the ADL closes, their notional and their shortfall
 * (what they cost the counterparties against the mark), the fund's least
 * value on the output grid, the liquidated notional and the share of it in
 * the worst 40 minutes; and derives two:
 *   exhausted  1 when the fund was exhausted on that path: a loss went
 *              beyond what the fund (and the backstop vault, where the
 *              venue has one) could take, so positions were
 *              auto-deleveraged (adl.count > 0), or the fund's value fell
 *              to zero on the output grid (insurance_fund.min <= 0); else 0;
 *   fund_need  the loss the fund had to absorb: its largest drawdown plus
 *              what went beyond it to ADL (adl.shortfall, where positive:
 *              what the closes cost their counterparties against the mark
 *              at the close). Where the fund ran out this is a floor: a
 *              larger fund would also have carried what it took over as
 *              the price moved on, so the fund a venue needs is read across
 *              arms of --vary over fund sizes (their exhaustion).
 * The statistics (stress_stats) of each arm are taken over the paths whose
 * runs finished in every arm, so that arms are compared on the same paths.
 * Quantiles are GSL's (gsl_sort, then gsl_stats_quantile_from_sorted_data:
 * linear interpolation between order statistics, (n-1)p).
 *
 * Intervals: percentile bootstrap at 95%. STRESS_RESAMPLES times, n path
 * indices are drawn with replacement (gsl_rng_uniform_int of the project's
 * PCG32 GSL type, stream "stress.bootstrap" of the seed given, so the same
 * index and seed give the same bytes); every statistic of every arm is
 * taken on that resample, and the interval is the 2.5th and 97.5th
 * percentiles of the resampled values (those that are numbers: a mean
 * conditional on ADL has none in a resample without ADL). The paired
 * difference of arm a from the first arm is the statistic of a minus that
 * of the first on the same paths, and its interval comes from the same
 * resamples (path indices drawn jointly for every arm), so what the paths
 * share cancels. A quantile at p needs at least 1/(1-p) paths to be more
 * than the largest value (1000 for the 99.9th): with fewer the value is
 * given, flagged tail_short, and its interval is NaN.
 */
#ifndef PERPSIM_STRESS_H
#define PERPSIM_STRESS_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "compare.h"
#include "perr.h"
#include "sweep_index.h"

/* Resamples of the bootstrap: enough that the 2.5th and 97.5th percentiles
 * of the resampled statistics move by well under their width between
 * seeds (Efron and Tibshirani, An Introduction to the Bootstrap, 1993,
 * section 19.3, suggest 1000 or more for percentile intervals). */
#define STRESS_RESAMPLES 2000
#define STRESS_CONFIDENCE 0.95

/* The per-path quantities, in the order of stress_quantities. */
enum {
    STRESS_DRAWDOWN,
    STRESS_ADL_COUNT,
    STRESS_ADL_NOTIONAL,
    STRESS_ADL_SHORTFALL,
    STRESS_FUND_MIN,
    STRESS_LIQUIDATIONS,
    STRESS_WORST_40M,
    STRESS_FUND_NEED,  /* derived */
    STRESS_EXHAUSTED,  /* derived */
    STRESS_QUANTITIES,
    STRESS_MEASURED = STRESS_FUND_NEED /* the ones read from the index */
};

typedef struct stress_quantity {
    const char *name;   /* the dataset's name in stress.h5: "drawdown" */
    const char *metric; /* the summary metric after the venue; NULL when
                           derived */
} stress_quantity;

extern const stress_quantity stress_quantities[STRESS_QUANTITIES];

/* A statistic of the report: of quantity, the mean (p 0), a quantile
 * (0 < p < 1), or the mean over the paths with ADL (conditional). */
typedef struct stress_stat {
    const char *name;  /* "drawdown.p99" */
    const char *label; /* "fund drawdown, 99th percentile" */
    compare_unit unit;
    int quantity;
    double p;
    int conditional;   /* over the paths with adl.count > 0 only */
} stress_stat;

/* The statistics, in order; *n gets their number. */
const stress_stat *stress_stats(size_t *n);

/* One arm's figure for one statistic. */
typedef struct stress_cell {
    size_t n;                    /* paths it was taken over */
    double value, low, high;     /* low, high: the 95% interval */
    double diff, diff_low, diff_high; /* from the first arm (NaN for it) */
    int diff_sign;               /* +1 the interval is above 0, -1 below */
    int tail_short;              /* a quantile that n paths cannot resolve */
} stress_cell;

/* The quantile p of x[0..n) (sorted in place by gsl_sort); NaN for n 0. */
double stress_quantile(double *x, size_t n, double p);

/* The statistics of one venue: q[quantity] holds n_arms x n_paths values,
 * q[quantity][arm * n_paths + k] the value of path k in arm (NaN where the
 * run did not finish); the measured quantities are read, the derived ones
 * written. Fills cells[stat * n_arms + arm] and *used (the paths that
 * finished in every arm), drawing resamples from rng. 0, or PERR_NOMEM. */
int stress_venue(double *const q[STRESS_QUANTITIES], size_t n_arms,
                 size_t n_paths, gsl_rng *rng, size_t resamples,
                 stress_cell *cells, size_t *used, perr *e);

/* The report of an index. */
typedef struct stress_report {
    char **arms;      /* n_arms labels, as compare_build gives them */
    size_t n_arms;
    char **venues;
    size_t n_venues;
    size_t paths;     /* replicates of the sweep */
    size_t runs, ok;  /* of the index */
    size_t resamples;
    uint64_t seed;
    size_t *used;     /* per venue: the paths finished in every arm */
    double *values;   /* per venue, quantity, arm, path:
                         values[((v * STRESS_QUANTITIES + q) * n_arms + a)
                                * paths + k] */
    stress_cell *cells; /* per venue, statistic, arm:
                           cells[(v * n_stats + s) * n_arms + a] */
} stress_report;

/* Builds the report of an index of variants at replicate seeds (the sweep
 * `perpsim stress` runs), resampling with the stream "stress.bootstrap" of
 * seed. Only runs of status ok count. PERR_INVALID when the index lacks
 * what the report needs, PERR_NOMEM. */
int stress_build(const sweep_index *ix, uint64_t seed, size_t resamples,
                 stress_report *r, perr *e);

void stress_report_free(stress_report *r);

#endif
