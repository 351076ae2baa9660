/*
 * The funding limit rule `premium_clamp`: the premium alone, clamped,
 *     F = clamp(avg(P), -funding.limit.cap, +funding.limit.cap),
 * with no interest component and no +/-0.05% dampener around it
 * (funding.interest and funding.clamp are not read). It is the shape of
 * OKX's rule since 2024-03, F = clamp(MA(P - interest), floor, cap) with
 * interest 0 and no dampener (mechanics.md 1), stated as one rule with a
 * symmetric cap instead of `fixed` with interest 0, clamp 0 and floor =
 * -cap, which gives the same rates. No built-in profile uses it.
 *
 * F then follows the common funding keys like any rule's: divided by
 * period / interval where funding.divides, and the cap bounding the rate
 * paid per interval instead of F where funding.limit.per_interval.
 */
#include <stddef.h>

#include "rule.h"

static const param_key keys[] = {
    {"funding.limit.cap", PARAM_RATE, offsetof(profile, funding_cap), "rate",
     NULL},
    PARAM_END,
};

static int check(const profile *p, perr *e)
{
    if (!(p->funding_cap >= 0 && p->funding_cap < PROFILE_RATE_ONE))
        return perr_set(e, PERR_INVALID,
                        "funding.limit.cap: a premium clamp must lie in "
                        "[0, 1)");
    return 0;
}

static void bounds(const profile *p, int64_t *floor, int64_t *cap)
{
    *floor = -p->funding_cap;
    *cap = p->funding_cap;
}

static int64_t rate(const profile *p, int64_t premium, int64_t interest,
                    int64_t *interest_part)
{
    (void)p;
    (void)interest;
    *interest_part = 0;
    return premium;
}

const rule_limit rule_limit_premium_clamp = {
    {"premium_clamp",
     "F = clamp(avg(P), -cap, +cap): the premium alone, no interest term and "
     "no dampener (OKX's shape since 2024-03)",
     keys},
    check,
    bounds,
    rate,
};
