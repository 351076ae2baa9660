/*
 * oracle_freeze: the published index stays at its last value for `for`
 * (models/README.md, "Shocks"): a stale oracle,
 * what dYdX's and Hyperliquid's marks read through (mechanics.md 2), while
 * the process underneath keeps moving; at the end the process is published
 * again (index_freeze in index.h). It has no keys of its own.
 *
 * Keys: for, a duration > 0.
 */
#include "shock.h"

static const param_key freeze_keys[] = {
    PARAM_END,
};

static int freeze_setup(const shock *sh, shock_ctx *c, perr *e)
{
    return index_freeze(c->index, sh->at, sh->duration, e);
}

const shock_kind shock_oracle_freeze_kind = {
    "oracle_freeze",
    "the published index stays at its last value for `for`",
    SHOCK_ON_INDEX, 1, 0, freeze_keys, NULL, NULL, freeze_setup,
    NULL, NULL};
