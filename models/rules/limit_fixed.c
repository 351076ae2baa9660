/*
 * The funding limit rule `fixed`: F = avg(P) + clamp(I - avg(P), +/-clamp)
 * capped to [funding.limit.floor, funding.limit.cap] (mechanics.md 1;
 * Bybit's and OKX's +/-0.375%, Hyperliquid's 4% an hour).
 */
#include <stddef.h>

#include "rule.h"

static const param_key keys[] = {
    {"funding.limit.cap", PARAM_RATE, offsetof(profile, funding_cap), "rate",
     NULL},
    {"funding.limit.floor", PARAM_RATE, offsetof(profile, funding_floor),
     "rate", NULL},
    PARAM_END,
};

static int check(const profile *p, perr *e)
{
    if (!(p->funding_cap >= 0 && p->funding_cap < PROFILE_RATE_ONE))
        return perr_set(e, PERR_INVALID,
                        "funding.limit.cap: a fixed cap must lie in [0, 1)");
    if (!(p->funding_floor <= 0 && p->funding_floor > -PROFILE_RATE_ONE))
        return perr_set(e, PERR_INVALID,
                        "funding.limit.floor: a fixed floor must lie in "
                        "(-1, 0]");
    return 0;
}

static void bounds(const profile *p, int64_t *floor, int64_t *cap)
{
    *floor = p->funding_floor;
    *cap = p->funding_cap;
}

const rule_limit rule_limit_fixed = {
    {"fixed",
     "F = avg(P) + clamp(I - avg(P), -clamp, +clamp), capped to [floor, cap] "
     "(Bybit, OKX, Hyperliquid)",
     keys},
    check,
    bounds,
    rule_limit_dampened_rate,
};
