/*
 * index_garch: log returns with GARCH(1,1) conditional variance
 * (Bollerslev 1986, "Generalized autoregressive conditional
 * heteroskedasticity"), one recursion per grid step:
 *     eps_t = sqrt(h_t) z_t,
 *     r_t   = mu dt - h_t / 2 + eps_t,
 *     h_t+1 = omega + alpha eps_t^2 + beta h_t,
 * z_t iid with mean 0 and variance 1: standard normal, or Student t with nu
 * degrees of freedom scaled by sqrt((nu - 2) / nu) to unit variance
 * (Bollerslev 1987). Large returns raise the next variances, which decay
 * back at the rate alpha + beta: volatility clustering.
 *
 * Parameterized by what a user states (models/README.md): the long-run
 * annual volatility sigma = vol_annual, the persistence alpha + beta < 1 and
 * the reaction alpha. Then the long-run (unconditional) variance per step is
 *     hbar = omega / (1 - alpha - beta) = sigma^2 dt,
 * so omega = sigma^2 dt (1 - persistence), beta = persistence - alpha.
 * A variance shock decays to half in ln(1/2) / ln(persistence) steps. The
 * fourth moment of the returns is finite when
 * persistence^2 + (kurtosis(z) - 1) alpha^2 < 1 (Bollerslev 1986; He and
 * Terasvirta 1999); the defaults exceed it on purpose (heavy tails), which
 * is allowed: the process stays stationary while persistence < 1.
 *
 * Drift convention: the -h_t / 2 term makes E[exp(r_t) | h_t] = exp(mu dt)
 * for normal innovations (as in Duan 1995), so the expected price follows
 * the drift as for gbm; with Student t innovations exp(eps) has no mean and
 * the same term still centres the log return at mu dt - hbar / 2 on
 * average. h starts at hbar. A vol burst multiplies eps_t (and the h_t / 2
 * term by k^2) but not the recursion: the variance the process remembers is
 * the one it would have had, so the burst is exactly k times the GARCH
 * volatility inside its window and leaves no trace after it.
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>

#include "index_model.h"

typedef struct garch {
    double drift_dt; /* mu dt */
    double omega, alpha, beta;
    double h;       /* the variance of the next step's innovation */
    double nu;      /* 0: normal */
    double t_scale; /* sqrt((nu - 2) / nu) */
} garch;

static int garch_check(const index_params *p, perr *e)
{
    int rc = index_check_finite("drift_annual", p->drift_annual, e);
    if (rc != PERR_OK)
        return rc;
    if (!isfinite(p->vol_annual) || p->vol_annual <= 0)
        return perr_set(e, PERR_INVALID,
                        "index.vol_annual: the long-run volatility of a garch index must "
                        "be > 0 (got %g)",
                        p->vol_annual);
    const index_garch_params *g = &p->garch;
    rc = index_check_nonnegative("garch.alpha", g->alpha, e);
    if (rc != PERR_OK)
        return rc;
    if (!isfinite(g->persistence) || g->persistence >= 1)
        return perr_set(e, PERR_INVALID,
                        "index.garch.persistence: alpha + beta must be < 1 for a finite "
                        "long-run variance (got %g)",
                        g->persistence);
    if (g->persistence < g->alpha)
        return perr_set(e, PERR_INVALID,
                        "index.garch.persistence: must be >= garch.alpha, since beta = "
                        "persistence - alpha >= 0 (got persistence %g, alpha %g)",
                        g->persistence, g->alpha);
    if (!isfinite(g->nu) || (g->nu != 0 && g->nu <= 2))
        return perr_set(e, PERR_INVALID,
                        "index.garch.nu: Student t degrees of freedom must be > 2 for a "
                        "finite variance, or 0 for normal innovations (got %g)",
                        g->nu);
    return PERR_OK;
}

static int garch_init(void *state, const index_params *p, perr *e)
{
    garch *g = state;
    (void)e;
    double dt = index_step_years(p);
    double hbar = p->vol_annual * p->vol_annual * dt;
    g->drift_dt = p->drift_annual * dt;
    g->alpha = p->garch.alpha;
    g->beta = p->garch.persistence - p->garch.alpha;
    g->omega = hbar * (1 - p->garch.persistence);
    g->h = hbar;
    g->nu = p->garch.nu;
    g->t_scale = g->nu > 0 ? sqrt((g->nu - 2) / g->nu) : 1.0;
    return PERR_OK;
}

static double garch_step(void *state, gsl_rng *rng, double vol_scale)
{
    garch *g = state;
    double z = g->nu > 0 ? g->t_scale * gsl_ran_tdist(rng, g->nu)
                         : gsl_ran_gaussian_ziggurat(rng, 1.0);
    double h = g->h;
    double eps = sqrt(h) * z;
    g->h = g->omega + g->alpha * eps * eps + g->beta * h;
    return g->drift_dt - 0.5 * vol_scale * vol_scale * h + vol_scale * eps;
}

const index_model_ops index_garch_ops = {
    .check = garch_check,
    .state_size = sizeof(garch),
    .init = garch_init,
    .step = garch_step,
};
