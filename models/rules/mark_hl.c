/*
 * The mark rule `hl`: median(oracle + EMA of the basis (mid - oracle) with
 * time constant mark.window, sampled every mark.sample_period; median(bid,
 * ask, last); other venues' perp mid when the world has one) (Hyperliquid,
 * 150 s; mechanics.md 2).
 */
#include "rule.h"

static int check(const profile *p, perr *e)
{
    if (p->mark_sample_ms < 1)
        return perr_set(e, PERR_INVALID,
                        "mark.sample_period: must be >= 1 ms");
    if (p->mark_window_ms < 1)
        return perr_set(e, PERR_INVALID, "mark.window: must be >= 1 ms");
    return 0;
}

static double value(const rule_mark_inputs *in)
{
    return rule_median3(in->p2, in->book_median, in->external_mid);
}

const rule_mark rule_mark_hl = {
    {"hl",
     "median(oracle + EMA of the basis, median(bid, ask, last), external "
     "perp mid) (Hyperliquid)",
     rule_mark_basis_keys},
    check,
    RULE_BASIS_EMA,
    value,
};
