/*
 * index_gbm: geometric Brownian motion, dS = mu S dt + sigma S dW
 * (Black and Scholes 1973; Merton 1973). Each grid step draws the exact
 * log-normal increment (Ito's lemma on log S):
 *     log S(t + dt) - log S(t) = (mu - sigma^2 / 2) dt + sigma sqrt(dt) Z,
 * Z standard normal, so E[S(t + dt) | S(t)] = S(t) exp(mu dt) for any step
 * length: drift_annual is the expected growth rate of the price, not of its
 * logarithm. Under a vol burst sigma becomes k sigma in both terms, so the
 * expected price keeps following the drift.
 *
 * Parameters (models/README.md): drift_annual = mu, vol_annual = sigma >= 0
 * (0 gives the deterministic path S(0) exp(mu t)). State: the per-step
 * constants only; the price level lives in index.c.
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>

#include "index_model.h"

typedef struct gbm {
    double drift_dt;    /* mu dt */
    double variance_dt; /* sigma^2 dt */
    double sd_dt;       /* sigma sqrt(dt) */
} gbm;

static int gbm_check(const index_params *p, perr *e)
{
    int rc = index_check_finite("drift_annual", p->drift_annual, e);
    if (rc == PERR_OK)
        rc = index_check_nonnegative("vol_annual", p->vol_annual, e);
    return rc;
}

static int gbm_init(void *state, const index_params *p, perr *e)
{
    gbm *g = state;
    (void)e;
    double dt = index_step_years(p);
    g->drift_dt = p->drift_annual * dt;
    g->variance_dt = p->vol_annual * p->vol_annual * dt;
    g->sd_dt = p->vol_annual * sqrt(dt);
    return PERR_OK;
}

static double gbm_step(void *state, gsl_rng *rng, double vol_scale)
{
    const gbm *g = state;
    double z = gsl_ran_gaussian_ziggurat(rng, 1.0);
    double scale2 = vol_scale * vol_scale;
    return g->drift_dt - 0.5 * scale2 * g->variance_dt + vol_scale * g->sd_dt * z;
}

const index_model_ops index_gbm_ops = {
    .check = gbm_check,
    .state_size = sizeof(gbm),
    .init = gbm_init,
    .step = gbm_step,
};
