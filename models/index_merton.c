/*
 * index_merton: Merton's jump-diffusion (Merton 1976, "Option pricing when
 * underlying stock returns are discontinuous"): geometric Brownian motion
 * plus jumps at the events of a Poisson process of rate lambda, each
 * multiplying the price by exp(Y) with Y ~ N(m, s^2). One grid step of dt:
 *     N ~ Poisson(lambda dt),
 *     log return = (mu - lambda kappa - sigma^2 / 2) dt + sigma sqrt(dt) Z
 *                  + (sum of N draws of Y),
 * exact in distribution; the sum of N normal Y is drawn as one normal,
 * N m + s sqrt(N) Z'. kappa = E[exp(Y)] - 1 = exp(m + s^2 / 2) - 1.
 *
 * Drift convention: the compensator -lambda kappa makes
 * E[S(t + dt) | S(t)] = S(t) exp(mu dt), i.e. drift_annual is the expected
 * growth rate of the price including its jumps (Merton's alpha); with
 * jumps.mean < 0 the diffusion part drifts up to pay for the expected fall.
 *
 * Parameters (models/README.md): drift_annual, vol_annual as for gbm;
 * jumps.per_day = lambda in jumps per day (lambda dt = per_day x step / 1 d),
 * jumps.mean = m, jumps.stdev = s. A vol burst scales sigma only.
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>

#include "index_model.h"

typedef struct merton {
    double drift_dt;       /* (mu - lambda kappa) dt */
    double variance_dt;    /* sigma^2 dt */
    double sd_dt;          /* sigma sqrt(dt) */
    double jumps_per_step; /* lambda dt */
    double jump_mean, jump_sd;
    uint64_t jumps; /* drawn so far */
} merton;

static double merton_kappa(const index_params *p)
{
    return expm1(p->jumps.mean + 0.5 * p->jumps.stdev * p->jumps.stdev);
}

static int merton_check(const index_params *p, perr *e)
{
    int rc = index_check_finite("drift_annual", p->drift_annual, e);
    if (rc == PERR_OK)
        rc = index_check_nonnegative("vol_annual", p->vol_annual, e);
    if (rc == PERR_OK)
        rc = index_check_nonnegative("jumps.per_day", p->jumps.per_day, e);
    if (rc == PERR_OK)
        rc = index_check_finite("jumps.mean", p->jumps.mean, e);
    if (rc == PERR_OK)
        rc = index_check_nonnegative("jumps.stdev", p->jumps.stdev, e);
    if (rc != PERR_OK)
        return rc;
    /* A log jump averaging more than e^1 would be no market a user means;
     * it also keeps kappa and the compensator finite. */
    if (fabs(p->jumps.mean) > 1 || p->jumps.stdev > 1)
        return perr_set(e, PERR_INVALID,
                        "index.jumps: mean and stdev are of the log jump and must be "
                        "within [-1, 1] and [0, 1] (got mean %g, stdev %g)",
                        p->jumps.mean, p->jumps.stdev);
    return PERR_OK;
}

static int merton_init(void *state, const index_params *p, perr *e)
{
    merton *m = state;
    (void)e;
    double dt = index_step_years(p);
    double days_per_year = (double)(INDEX_MS_PER_YEAR / INDEX_MS_PER_DAY);
    double lambda_annual = p->jumps.per_day * days_per_year;
    m->drift_dt = (p->drift_annual - lambda_annual * merton_kappa(p)) * dt;
    m->variance_dt = p->vol_annual * p->vol_annual * dt;
    m->sd_dt = p->vol_annual * sqrt(dt);
    m->jumps_per_step = p->jumps.per_day * (double)p->step_ms / (double)INDEX_MS_PER_DAY;
    m->jump_mean = p->jumps.mean;
    m->jump_sd = p->jumps.stdev;
    m->jumps = 0;
    return PERR_OK;
}

static double merton_step(void *state, gsl_rng *rng, double vol_scale)
{
    merton *m = state;
    double z = gsl_ran_gaussian_ziggurat(rng, 1.0);
    double r = m->drift_dt - 0.5 * vol_scale * vol_scale * m->variance_dt
               + vol_scale * m->sd_dt * z;
    unsigned int n = gsl_ran_poisson(rng, m->jumps_per_step);
    if (n > 0) {
        m->jumps += n;
        double zj = gsl_ran_gaussian_ziggurat(rng, 1.0);
        r += n * m->jump_mean + m->jump_sd * sqrt((double)n) * zj;
    }
    return r;
}

static uint64_t merton_jump_count(const void *state)
{
    return ((const merton *)state)->jumps;
}

const index_model_ops index_merton_ops = {
    .check = merton_check,
    .state_size = sizeof(merton),
    .init = merton_init,
    .step = merton_step,
    .jump_count = merton_jump_count,
};
