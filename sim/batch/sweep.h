/*
 * sweep: a parameter sweep as a list of runs (scenarios/README.md,
 * "Sweep files"). A sweep file names a scenario and the keys to vary:
 *
 *   scenario: short-squeeze-1.37b.yaml   # relative to the sweep file
 *   set: {duration: 6h}                   # overrides of every run
 *   grid:                                 # full factorial, in file order
 *     venues.binance.funding.interval: [8h, 4h, 1h]
 *   sample:                               # crossed with the grid
 *     method: lhs                         # lhs | sobol | random
 *     n: 64
 *     ranges: {venues.binance.insurance_fund: [5M, 100M]}
 *   replicates: 5                         # or seeds: [1, 2, 3]
 *   seed: 1                               # of the sample (lhs, random)
 *
 * A *point* is one combination of values of the swept keys; a *run* is a
 * point at one replicate seed. Runs are numbered point-major (every
 * replicate of point 0, then of point 1, ...). Replicate k runs with the
 * same seed at every point (common random numbers): the scenario's own
 * seed + k, or the k-th of `seeds:`.
 *
 * A run's id depends only on its point's values and its seed:
 * "<values>-<12 hex digits of a hash of the point's key=value list>-s<seed>"
 * ("8h_20-3f9a2c51d0e4-s42"; the values as runner_slug writes them), so it
 * says what the run varied, names the same run however the sweep is
 * scheduled, and a sweep extended with more values keeps the ids of the
 * runs it had.
 *
 * Loading checks everything before any run: the file's keys (errors at
 * FILE:LINE:COL), and every point's scenario with its overrides, so a key
 * or value the scenario rejects is an error placed at the sweep file's
 * line of that value. It also records the hash of each run's resolved
 * scenario (FNV-1a 64 of the text the run would store), which a resumed
 * sweep compares against what a finished run recorded.
 */
#ifndef PERPSIM_SWEEP_H
#define PERPSIM_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "flat.h"
#include "perr.h"

#define SWEEP_ID_MAX 72 /* "8h_10-3f9a2c51d0e4-s18446744073709551615" + NUL */
#define SWEEP_PLACE_MAX 320 /* "FILE:LINE:COL" */
#define SWEEP_RUNS_MAX 10000000

typedef enum sweep_method {
    SWEEP_LHS,    /* Latin hypercube: one point in each of n strata per key */
    SWEEP_SOBOL,  /* GSL's Sobol sequence (gsl_qrng_sobol), at most 40 keys */
    SWEEP_RANDOM, /* independent uniform draws */
} sweep_method;

/* A swept key. */
typedef struct sweep_key {
    char path[FLAT_PATH_MAX]; /* as written: "populations[4].leverage.median" */
    char place[SWEEP_PLACE_MAX];
    int sampled;  /* a sample range rather than a grid list */
    int numeric;  /* every value is a number (the index stores float64) */
    /* sampled keys: */
    double low, high;
    double step;  /* values are multiples of it; 0: 6 significant digits */
    int log_scale, duration; /* duration: bounds were durations, values
                                are milliseconds */
} sweep_key;

/* One combination of values of the swept keys. */
typedef struct sweep_point {
    char **sets;     /* n_keys overrides "key=value", the value as given to
                        the scenario */
    double *numbers; /* n_keys numbers (NaN for a text value) */
    char **places;   /* n_keys places in the sweep file */
    uint64_t hash;   /* of the "key=value\n" list: the id's first part */
} sweep_point;

typedef struct sweep_run {
    size_t point, replicate;
    uint64_t seed;
    char id[SWEEP_ID_MAX];
    uint64_t scenario_hash; /* of the resolved scenario; 0 until checked */
} sweep_run;

typedef struct sweep {
    char file[FLAT_PATH_MAX * 2]; /* the sweep file as given */
    char *text;                   /* its bytes */
    size_t text_len;
    /* The scenario as opened (relative to the sweep file's folder), or ""
     * for the built-in default. */
    char scenario[FLAT_PATH_MAX * 2];
    char **sets;                  /* `set:` as "key=value", in file order */
    char **set_places;
    size_t n_sets;
    sweep_key *keys;              /* grid keys, then sampled keys */
    size_t n_keys, n_grid_keys;
    sweep_method method;
    size_t sample_n;              /* 0 without `sample:` */
    uint64_t sample_seed;
    sweep_point *points;
    size_t n_points;
    uint64_t *seeds;              /* replicate seeds */
    size_t n_seeds;
    sweep_run *runs;              /* n_points x n_seeds, point-major */
    size_t n_runs;
} sweep;

/* What sweep_load checks. */
enum {
    SWEEP_CHECK_FILE = 0,      /* the sweep file and the base scenario only */
    SWEEP_CHECK_RUNS = 1,      /* also every run's scenario (and its hash) */
};

/* Reads the sweep file at path into *out and expands it into runs. With
 * SWEEP_CHECK_RUNS every run's scenario is loaded and checked and its
 * hash recorded. On failure *out holds nothing and e says what and where:
 * PERR_IO (the file), PERR_INVALID, PERR_NOMEM. */
int sweep_load(const char *path, int check, sweep *out, perr *e);

/* As sweep_load for the len bytes of text, named name in messages; a
 * relative scenario path is relative to name's folder. */
int sweep_load_text(const char *name, const char *text, size_t len,
                    int check, sweep *out, perr *e);

/* A file that is a sweep file with keys of its own (a calibration file,
 * calibrate.h): sweep loading leaves the top-level keys extra[0..n_extra)
 * and everything below them to the caller, and an unknown top-level key
 * is answered with "(KEYS_SAID; scenarios/README.md)". what and hint name
 * the file in flat_parse's messages. */
typedef struct sweep_dialect {
    const char *const *extra;
    size_t n_extra;
    const char *keys_said; /* "a calibration file has scenario, set, ..." */
    const char *what;      /* "calibration" */
    const char *hint;      /* what an empty file is told */
} sweep_dialect;

/* sweep_load for a file of dialect d (NULL: a sweep file). */
int sweep_load_dialect(const char *path, int check, const sweep_dialect *d,
                       sweep *out, perr *e);

void sweep_free(sweep *s);

/* The value of sampled key k at coordinate u in [0, 1] of its range
 * (linear, or logarithmic with `log`) and its text for the scenario,
 * rounded as sampled points are (to the key's step, else to 6 significant
 * digits) and kept within the range. */
double sweep_key_value(const sweep_key *k, double u, char *text, size_t size);

/* Where x lies in sampled key k's range: the inverse of sweep_key_value
 * before rounding (0 at low, 1 at high). */
double sweep_key_unit(const sweep_key *k, double x);

/* The overrides of run r, in order: the sweep's `set:`, the point's
 * values, then "seed=N" (its text in seed_buf). sets and places get
 * n_sets + n_keys + 1 items. Returns the count. */
size_t sweep_run_overrides(const sweep *s, size_t r, const char **sets,
                           const char **places, char seed_buf[32]);

/* The value of override "key=value". */
const char *sweep_set_value(const char *set);

/* The scenario path to load (NULL for the built-in default). */
const char *sweep_scenario(const sweep *s);

/* The name of a sweep method ("lhs"). */
const char *sweep_method_name(sweep_method m);

/* FNV-1a 64 of a NUL-terminated text (the scenario hash). */
uint64_t sweep_text_hash(const char *text);

#endif
