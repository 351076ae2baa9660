/*
 * The funding limit rule `imf_mmf`: F = avg(P) + clamp(I - avg(P),
 * +/-clamp) capped to +/- funding.limit.factor x (1 / the first bracket's
 * maximum leverage - its maintenance rate): dYdX's 6 x (IMF - MMF), and
 * BitMEX's 75% x (initial - maintenance margin) (mechanics.md 1). The
 * bound's magnitude is rounded toward zero; a bracket whose maintenance
 * rate reaches its initial margin gives 0.
 */
#include "rule.h"

__extension__ typedef __int128 i128;

static int check(const profile *p, perr *e)
{
    int rc = rule_limit_check_factor(p, e);
    if (rc != 0)
        return rc;
    if (p->nbrackets < 1 || p->brackets[0].max_leverage < 1)
        return perr_set(e, PERR_INVALID,
                        "funding.limit.rule: imf_mmf needs a first bracket");
    if ((i128)p->brackets[0].mmr * p->brackets[0].max_leverage
        > PROFILE_RATE_ONE)
        return perr_set(e, PERR_INVALID,
                        "funding.limit.rule: imf_mmf needs the first "
                        "bracket's maintenance rate at most its initial "
                        "margin (1 / max leverage)");
    return 0;
}

static void bounds(const profile *p, int64_t *floor, int64_t *cap)
{
    int64_t imf = PROFILE_RATE_ONE / p->brackets[0].max_leverage;
    int64_t gap = imf - p->brackets[0].mmr;
    int64_t c = gap > 0 ? (int64_t)((i128)p->funding_cap_factor * gap
                                    / PROFILE_RATE_ONE)
                        : 0;
    *floor = -c;
    *cap = c;
}

const rule_limit rule_limit_imf_mmf = {
    {"imf_mmf",
     "F = avg(P) + clamp(I - avg(P), -clamp, +clamp), capped to +/- factor x "
     "(1 / the first bracket's maximum leverage - its maintenance rate) "
     "(dYdX 6, BitMEX 0.75)",
     rule_limit_factor_keys},
    check,
    bounds,
    rule_limit_dampened_rate,
};
