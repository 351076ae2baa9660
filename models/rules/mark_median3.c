/*
 * The mark rule `median3`: median(P1, P2, last), P1 = index x (1 + the
 * estimated funding rate x time to the next settlement / interval), P2 =
 * index + the moving average of the basis (mid - index) over mark.window,
 * sampled every mark.sample_period (Binance: 30 one-second samples;
 * Bybit: 5 minutes; mechanics.md 2).
 */
#include "rule.h"

static double value(const rule_mark_inputs *in)
{
    return rule_median3(in->p1, in->p2, in->last);
}

const rule_mark rule_mark_median3 = {
    {"median3",
     "median(P1, P2, last), P1 = index x (1 + funding rate x time to "
     "settlement / interval), P2 = index + moving average of the basis "
     "(Binance, Bybit)",
     rule_mark_basis_keys},
    rule_mark_check_average,
    RULE_BASIS_AVERAGE,
    value,
};
