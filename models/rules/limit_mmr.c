/*
 * The funding limit rule `mmr`: F = avg(P) + clamp(I - avg(P), +/-clamp)
 * capped to +/- funding.limit.factor x the first bracket's maintenance
 * rate (Binance, factor 0.75; mechanics.md 1). The bound's magnitude is
 * rounded toward zero.
 */
#include "rule.h"

__extension__ typedef __int128 i128;

static int check(const profile *p, perr *e)
{
    int rc = rule_limit_check_factor(p, e);
    if (rc != 0)
        return rc;
    if (p->nbrackets < 1)
        return perr_set(e, PERR_INVALID,
                        "funding.limit.rule: mmr needs a first bracket");
    return 0;
}

static void bounds(const profile *p, int64_t *floor, int64_t *cap)
{
    int64_t c = (int64_t)((i128)p->funding_cap_factor * p->brackets[0].mmr
                          / PROFILE_RATE_ONE);
    *floor = -c;
    *cap = c;
}

const rule_limit rule_limit_mmr = {
    {"mmr",
     "F = avg(P) + clamp(I - avg(P), -clamp, +clamp), capped to +/- factor x "
     "the first bracket's maintenance rate (Binance, 0.75)",
     rule_limit_factor_keys},
    check,
    bounds,
    rule_limit_dampened_rate,
};
