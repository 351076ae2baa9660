/*
 * The margin basis `entry`: maintenance is measured on the position's
 * value at entry, |cost| (Bybit's published formula; mechanics.md 3). The
 * maintenance margin is then a constant of the position, and the
 * liquidation price solves cash + s x LP x K = MM in the bracket of |cost|.
 */
#include <math.h>

#include "rule.h"

static rule_i128 notional(const profile *p, const margin_position *pos,
                          int64_t mark)
{
    (void)p;
    (void)mark;
    return pos->cost < 0 ? -(rule_i128)pos->cost : (rule_i128)pos->cost;
}

static double liq_price(const profile *p, const margin_position *pos,
                        int *bracket)
{
    int i = margin_bracket(p, pos->cost < 0 ? -pos->cost : pos->cost);
    const profile_bracket *b = &p->brackets[i];
    double k = (double)p->cash_per_tick_lot;
    double s = (double)pos->size;
    double rate = (double)b->mmr / (double)PROFILE_RATE_ONE;
    double entry = fabs((double)pos->cost);
    double mm = entry * rate - (double)b->cum;
    if (mm < 0)
        mm = 0;
    *bracket = i;
    return (mm - (double)pos->cash) / (s * k);
}

const rule_mm_basis rule_mm_basis_entry = {
    {"entry",
     "maintenance on the position value at entry, |cost|, whatever the mark "
     "(Bybit's published formula)",
     NULL},
    notional,
    liq_price,
    /* A constant maintenance outlasts a long's value as the mark falls. */
    0,
};
