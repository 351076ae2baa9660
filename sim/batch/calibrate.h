/*
 * calibrate: finding scenario values whose seed-averaged summary metrics
 * hit targets (simulated method of moments), for `perpsim calibrate`
 * (scenarios/README.md, "Calibration files").
 *
 * A calibration file is a sweep file (sweep.h) without a grid, plus two
 * keys of its own:
 *
 *   scenario: quickstart.yaml              # relative to the file
 *   set: {duration: 1h}                    # fixed overrides
 *   sample:                                # the free keys and the start
 *     method: sobol                        # lhs | sobol | random
 *     n: 8
 *     ranges:
 *       populations[4].leverage.median: [5, 40]
 *       venues.binance.insurance_fund: [1M, 100M, log]
 *   replicates: 3                          # or seeds: [1, 2, 3]
 *   targets:                               # metrics as expect: names them
 *     binance.liquidations.total_notional: {value: 3.2e7, weight: 1}
 *     binance.depth_z.at_mark_min: {value: -0.8}
 *     binance.funding.rate_mean: {value: 0, scale: 1e-4}
 *   search: {iterations: 40, tolerance: 1e-3, step: 0.1}
 *
 * Every candidate point runs at the same seeds (common random numbers).
 * Its objective is the sum over targets of weight * ((mean - value) /
 * scale)^2, the mean taken over the seeds and scale |value| unless given
 * (required when value is 0). The search evaluates the sample's points,
 * then runs GSL's Nelder-Mead simplex (nmsimplex2) from the best of them
 * in the unit cube of the ranges (each key's [0, 1], logarithmic where the
 * range says log): a point outside the cube is evaluated at its clamped
 * point and pays a penalty of 100 times its squared distance from the
 * cube. A candidate's values are rounded as a sweep's sampled values are,
 * and a candidate evaluated before is not run again.
 *
 * The runs themselves are the caller's: it hands calib_search an
 * evaluator that runs a batch of candidates at every seed (in parallel or
 * not) and returns each run's metric values, which calib_run_one computes
 * and calib_parse_one reads back. The result depends on the file alone,
 * not on how the caller schedules the runs.
 */
#ifndef PERPSIM_CALIBRATE_H
#define PERPSIM_CALIBRATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "perr.h"
#include "summary.h"
#include "sweep.h"

typedef struct calib_target {
    char metric[SUMMARY_NAME_MAX]; /* "binance.liquidations.total_notional" */
    char place[SWEEP_PLACE_MAX];   /* FILE:LINE:COL */
    double value, weight, scale;
} calib_target;

typedef struct calib {
    sweep sw; /* scenario, set, the free keys (sw.keys, every one sampled),
                 the start points (sw.points) and the seeds */
    calib_target *targets;
    size_t n_targets;
    uint32_t iterations; /* of the simplex, at most */
    double tolerance;    /* stop when the simplex's size is below it */
    double step;         /* the first simplex's size, in the unit cube */
} calib;

/* Reads and checks the calibration file at path: its keys, the targets'
 * metrics against the scenario's venues and summary.h, and every start
 * point's scenario. Errors at FILE:LINE:COL (PERR_INVALID), PERR_IO,
 * PERR_NOMEM; on failure *out holds nothing. */
int calib_load(const char *path, calib *out, perr *e);

void calib_free(calib *c);

/* A candidate: the free keys' overrides "key=value" and their numbers. */
typedef struct calib_candidate {
    char **sets;     /* n_keys */
    double *numbers; /* n_keys */
} calib_candidate;

/* Runs candidate cand at seed number k (no output file) and writes its
 * record to out: "ok" and each target's value, or "error" and why. */
void calib_run_one(const calib *c, const calib_candidate *cand, size_t k,
                   FILE *out);

/* Reads a record calib_run_one wrote (len bytes) into values (n_targets):
 * 0, or PERR_STATE with the run's error in e. */
int calib_parse_one(const calib *c, const char *rec, size_t len,
                    double *values, perr *e);

/* The caller's runs: every candidate of cands[0..n) at every seed, filling
 * values[(i * n_seeds + k) * n_targets + t] for candidate i, seed k and
 * target t. 0, or an error (e) that stops the calibration. */
typedef int (*calib_evaluate_fn)(void *ctx, const calib_candidate *cands,
                                 size_t n, double *values, perr *e);

enum { CALIB_START = 0, CALIB_SEARCH = 1 };

/* One evaluation of the objective, in the order they were made. */
typedef struct calib_eval {
    int phase;        /* CALIB_START or CALIB_SEARCH */
    size_t iteration; /* the simplex's iteration (0 during the start) */
    size_t candidate; /* into calib_result.cands */
    double penalty;   /* outside the cube; 0 inside */
} calib_eval;

/* One candidate that ran, with its statistics over the seeds. */
typedef struct calib_stats {
    calib_candidate cand;
    double objective;
    double *mean, *sd, *min, *max; /* n_targets each; sd with n - 1 */
} calib_stats;

typedef struct calib_result {
    calib_stats *cands; /* in the order first evaluated */
    size_t n_cands, cap_cands;
    calib_eval *evals;
    size_t n_evals, cap_evals;
    size_t best;        /* the candidate with the least objective (the
                           first of equals) */
    size_t iterations;  /* of the simplex */
    int converged;      /* stopped by the tolerance */
} calib_result;

/* Progress: called after each evaluation (result so far). */
typedef void (*calib_progress_fn)(void *ctx, const calib_result *r);

/* Runs the calibration: the start points, then the simplex. 0, or the
 * evaluator's error; *r holds what was evaluated either way (free it with
 * calib_result_free). */
int calib_search(const calib *c, calib_evaluate_fn eval,
                 calib_progress_fn progress, void *ctx, calib_result *r,
                 perr *e);

void calib_result_free(const calib *c, calib_result *r);

/* The resolved scenario with the best candidate's values (a `# calibrated
 * by` header first): a new string, or NULL (e says why). */
char *calib_scenario_text(const calib *c, const calib_result *r, perr *e);

/* The report as text, and as CSV: the targets, and the path. */
void calib_write_report(FILE *out, const calib *c, const calib_result *r);
void calib_write_targets_csv(FILE *out, const calib *c, const calib_result *r);
void calib_write_path_csv(FILE *out, const calib *c, const calib_result *r);

#endif
