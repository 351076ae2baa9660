/*
 * index: the world's index (spot) price, one process per run, shared by
 * every venue (ARCHITECTURE.md, "From scenario file to HDF5 result"). Four
 * models sit behind one
 * interface, each in its own file:
 *
 *   gbm             geometric Brownian motion               index_gbm.c
 *   jump_diffusion  Merton (1976) jump-diffusion            index_merton.c
 *   garch           GARCH(1,1) log returns (Bollerslev 1986) index_garch.c
 *   replay          a Binance klines CSV file (mechanics.md 5) index_replay.c
 *
 * models/README.md documents every parameter (name, unit, default) as the
 * scenario key under `index:` it becomes.
 *
 * Time. Simulated time is int64 ms since the scenario start. index_advance()
 * moves the process to `now` and returns the published index price in quote
 * currency. The three random models are simulated on a fixed grid of
 * step_ms from the start (0, step, 2 step, ...): the value at time t is the
 * value at the last grid point <= t (the price holds between steps, as an
 * index published at a cadence does), times any index_jump applied since.
 * The path therefore depends on the seed alone, never on how often or at
 * which instants the event loop calls index_advance. Replay has no grid:
 * its path is a piecewise-linear function of time evaluated at `now`
 * exactly (index_replay.c states the path through each candle).
 *
 * Years are 365 days (crypto trades every day): an annual rate or
 * volatility over a step of step_ms uses dt = step_ms / INDEX_MS_PER_YEAR.
 *
 * Randomness. A random model draws only from its own GSL generator,
 * pcg32_gsl_alloc(seed, stream) with stream "index" by default
 * (ARCHITECTURE.md, "Randomness and determinism"): the same seed gives
 * the same path, and no other component's draws depend on this one.
 *
 * Shocks (a scenario's `shocks:`, scenarios/README.md) are scheduled ahead
 * of time on the object and take effect when index_advance passes their
 * instant:
 *   - index_jump: the process state is multiplied by 1 + pct/100 at at_ms;
 *     later returns continue from the new level.
 *   - index_vol_burst: the diffusion volatility is multiplied by k for every
 *     step that starts in [from, from + for) (a window shorter than a step
 *     may touch none). Jumps of the jump-diffusion are not scaled.
 *   - index_freeze: the published price stops updating during
 *     [from, from + for): it keeps the value published just before `from`
 *     (a stale oracle) while the process underneath keeps evolving; from
 *     from + for on it publishes the process again. A freeze that starts
 *     while (or just as) another holds extends the hold.
 * At one instant the order is: freezes start, then the grid step, then
 * jumps. So a freeze and a jump at the same instant publish the pre-jump
 * price until the freeze ends.
 *
 * Memory: creation allocates everything; index_advance allocates nothing.
 */
#ifndef PERPSIM_INDEX_H
#define PERPSIM_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#include "param.h"
#include "perr.h"

#define INDEX_MS_PER_DAY INT64_C(86400000)
#define INDEX_MS_PER_YEAR (365 * INDEX_MS_PER_DAY)

typedef enum index_model {
    INDEX_GBM,
    INDEX_JUMP_DIFFUSION,
    INDEX_GARCH,
    INDEX_REPLAY,
} index_model;

/* Merton jumps: a Poisson number of jumps per step, each multiplying the
 * price by exp(Y), Y normal. */
typedef struct index_jump_params {
    double per_day; /* expected jumps per day, >= 0 */
    double mean;    /* mean of the log jump Y */
    double stdev;   /* standard deviation of Y, >= 0 */
} index_jump_params;

/* GARCH(1,1) per step: h' = omega + alpha eps^2 + beta h, with
 * persistence = alpha + beta < 1 and omega chosen so that the long-run
 * variance omega / (1 - persistence) is vol_annual^2 dt. */
typedef struct index_garch_params {
    double alpha;       /* reaction to the last squared innovation, >= 0 */
    double persistence; /* alpha + beta, in [alpha, 1) */
    double nu;          /* Student-t degrees of freedom (> 2), 0: normal */
} index_garch_params;

typedef struct index_params {
    index_model model;
    uint64_t seed;            /* the scenario seed */
    const char *stream;       /* component name of the rng stream */
    int64_t step_ms;          /* the grid of the random models, > 0 */
    double price;             /* start price, quote currency, > 0 */
    double drift_annual;      /* mu: E[S(t)] = S(0) exp(mu t), t in years */
    double vol_annual;        /* sigma of the diffusion (long-run, garch) */
    index_jump_params jumps;  /* jump_diffusion */
    index_garch_params garch; /* garch */
    const char *file;         /* replay: path of the klines CSV */
    int64_t start_utc_ms;     /* replay: the scenario start, ms since epoch */
} index_params;

typedef struct index_process index_process;

/* The scenario's `index:` block as param keys (param.h): every key
 * models/README.md documents, one row each, in its order. The offsets are
 * into index_keyed, because `file` is text while index_params holds it as a
 * pointer: a loader parses into keyed.file and points params.file at its
 * own copy. */
typedef struct index_keyed {
    index_params params;
    char file[PARAM_TEXT_MAX]; /* replay: the klines file; "" for none */
} index_keyed;

extern const param_key index_param_keys[];

/* Fills p with the documented defaults (models/README.md): a garch index at
 * 60000 with vol_annual 0.55, 1 s steps, stream "index", seed 0. */
void index_params_default(index_params *p);

/* The scenario name of a model ("gbm", "jump_diffusion", "garch",
 * "replay"), and back: index_model_parse fails with PERR_INVALID, listing
 * the names, when name is none of them. */
const char *index_model_name(index_model m);
int index_model_parse(const char *name, index_model *m, perr *e);

/* Checks p without creating anything (for `perpsim validate`): the model's
 * parameters are in range. Replay's file is only read by index_new. The
 * message names the key ("index.vol_annual: ..."). */
int index_check(const index_params *p, perr *e);

/* A process at time 0 with p's parameters (strings are copied or used only
 * during the call). Replay reads its file here; a malformed file fails with
 * "file:line: what was wrong". NULL on failure, with e filled. */
index_process *index_new(const index_params *p, perr *e);
void index_free(index_process *ix);

/* Moves the process to now (ms since the start) and returns the published
 * index price. Time does not go back: a now earlier than a previous call's
 * changes nothing. Costs O(steps passed + shocks passed); allocates
 * nothing. */
double index_advance(index_process *ix, int64_t now_ms);

/* The price the last index_advance returned (the start price before any). */
double index_price(const index_process *ix);

/* The process underneath at the last advance: equal to index_price except
 * during a freeze. */
double index_underlying(const index_process *ix);

/* Whether the published price is frozen at the last advance. */
bool index_frozen(const index_process *ix);

/* The number of random jumps the jump-diffusion has drawn so far (0 for the
 * other models; scheduled index_jump shocks are not counted). */
uint64_t index_jump_count(const index_process *ix);

/* Shocks, scheduled at instants the process has not yet passed (after the
 * last index_advance's now; >= 0). They fail with PERR_INVALID for values out
 * of range and PERR_STATE for an instant already passed or a vol burst on a
 * replay index, which has no volatility to scale.
 *   pct: > -100 (the price stays positive); k: >= 0; for_ms: > 0. */
int index_jump(index_process *ix, int64_t at_ms, double pct, perr *e);
int index_vol_burst(index_process *ix, int64_t from_ms, int64_t for_ms, double k,
                    perr *e);
int index_freeze(index_process *ix, int64_t from_ms, int64_t for_ms, perr *e);

#endif
