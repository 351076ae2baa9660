/*
 * index_model: the interface between index.c (time, shocks, freezes) and the
 * model files behind it. Private to models/index*.c; the engine includes
 * index.h only.
 *
 * A model is either stepped (gbm, jump_diffusion, garch: `step` draws the
 * log return of one grid step) or a path (replay: `path` gives the price at
 * any instant, called with non-decreasing times). index.c owns the price
 * level of a stepped model and multiplies it by exp(step(...)); shocks never
 * reach the model except as the volatility scale of a step. index.c also
 * owns each model's name (model_names[]) and the memory of its state; a
 * model fills that state in (init) and frees what it holds (release).
 */
#ifndef PERPSIM_INDEX_MODEL_H
#define PERPSIM_INDEX_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "index.h"
#include "perr.h"

typedef struct index_model_ops {
    /* The model's own parameters (index_check has checked the shared ones:
     * stream, step, price). */
    int (*check)(const index_params *p, perr *e);

    /* The model's state: state_size bytes, zeroed, that index.c allocates
     * and frees. init fills it from p (PERR_OK, or an error with e filled);
     * release frees what it holds (NULL: nothing), after a failed init
     * too. */
    size_t state_size;
    int (*init)(void *state, const index_params *p, perr *e);
    void (*release)(void *state);

    /* Stepped models: the log return of the next grid step, with the
     * diffusion volatility multiplied by vol_scale (>= 0). NULL for paths. */
    double (*step)(void *state, gsl_rng *rng, double vol_scale);

    /* Path models: the price at t (ms since the start). NULL when stepped. */
    double (*path)(void *state, int64_t t);

    /* Random jumps drawn so far; NULL: none. */
    uint64_t (*jump_count)(const void *state);
} index_model_ops;

extern const index_model_ops index_gbm_ops;
extern const index_model_ops index_merton_ops;
extern const index_model_ops index_garch_ops;
extern const index_model_ops index_replay_ops;

/* The length of one step in years (INDEX_MS_PER_YEAR). */
double index_step_years(const index_params *p);

/* Fails with "index.<key>: must be <what> (got v)" unless v is finite and
 * meets the bound; shared by the model files' checks. */
int index_check_nonnegative(const char *key, double v, perr *e);
int index_check_finite(const char *key, double v, perr *e);

#endif
