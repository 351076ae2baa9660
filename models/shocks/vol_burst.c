/*
 * vol_burst: the index's volatility is multiplied by `factor` for `for`
 * (models/README.md, "Shocks"): every diffusion
 * step of a random index model that starts in [at, at + for) has its
 * volatility scaled (index_vol_burst in index.h); jumps of the jump-
 * diffusion are not. A replay index has no volatility to scale, so the
 * kind is refused there.
 *
 * Keys: factor, > 0; for, a duration > 0.
 */
#include <stddef.h>

#include "shock.h"

SHOCK_NUMBER_PARAMS(burst_params, factor, "x", burst_keys);

static int burst_check(const shock *sh, const shock_check_env *env, perr *e)
{
    const burst_params *p = sh->params;
    if (!(p->factor > 0))
        return perr_set(e, PERR_INVALID, "%s.factor: must be > 0 (got %g)",
                        sh->key_prefix, p->factor);
    if (env->index->model == INDEX_REPLAY)
        return perr_set(e, PERR_INVALID,
                        "%s.kind: a vol_burst scales a random index's "
                        "volatility; index.model is replay",
                        sh->key_prefix);
    return 0;
}

static int burst_setup(const shock *sh, shock_ctx *c, perr *e)
{
    const burst_params *p = sh->params;
    return index_vol_burst(c->index, sh->at, sh->duration, p->factor, e);
}

const shock_kind shock_vol_burst_kind = {
    "vol_burst",
    "the index's volatility is multiplied by factor for `for`",
    SHOCK_ON_INDEX, 1, sizeof(burst_params), burst_keys, NULL, burst_check,
    burst_setup, NULL, NULL};
