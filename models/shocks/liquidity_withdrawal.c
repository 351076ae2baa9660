/*
 * liquidity_withdrawal: market makers on a venue pull `fraction` of their
 * depth for `for` (models/README.md, "Shocks"): at `at` the venue's
 * liquidity condition (agent_conditions.liquidity, which market makers scale
 * their depth by) becomes 1 - fraction and every population on the venue
 * adjusts at once (agent_react: makers requote thinner); at the end it is
 * normal (1) again and they restore. Overlapping withdrawals on one venue
 * do not stack:
 * each start sets its own factor and each end restores 1.
 *
 * Keys: venue; fraction, in [0, 1]; for, a duration > 0.
 */
#include <stddef.h>

#include "shock.h"

typedef struct withdrawal_params {
    double fraction;
} withdrawal_params;

static const param_key withdrawal_keys[] = {
    {"fraction", PARAM_DOUBLE, offsetof(withdrawal_params, fraction),
     "fraction", NULL},
    PARAM_END,
};

static int withdrawal_check(const shock *sh, const shock_check_env *env,
                            perr *e)
{
    (void)env;
    const withdrawal_params *p = sh->params;
    if (!(p->fraction >= 0 && p->fraction <= 1))
        return perr_set(e, PERR_INVALID,
                        "%s.fraction: must be in [0, 1] (got %g)",
                        sh->key_prefix, p->fraction);
    return 0;
}

/* The market's liquidity condition becomes liquidity, then its populations
 * adjust. */
static int set_liquidity(const shock *sh, shock_ctx *c, double liquidity,
                         perr *e)
{
    uint32_t m = (uint32_t)sh->venue;
    c->world->markets[m].conditions.liquidity = liquidity;
    int rc = c->react(c->engine, m, e);
    return rc != 0 ? rc : c->settle(c->engine, m, e);
}

static int withdrawal_start(const shock *sh, shock_ctx *c, perr *e)
{
    const withdrawal_params *p = sh->params;
    return set_liquidity(sh, c, 1.0 - p->fraction, e);
}

static int withdrawal_end(const shock *sh, shock_ctx *c, perr *e)
{
    return set_liquidity(sh, c, 1.0, e);
}

const shock_kind shock_liquidity_withdrawal_kind = {
    "liquidity_withdrawal",
    "market makers on the venue pull fraction of their depth for `for`",
    SHOCK_ON_VENUE, 1, sizeof(withdrawal_params), withdrawal_keys, NULL,
    withdrawal_check, NULL, withdrawal_start, withdrawal_end};
