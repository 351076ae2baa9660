/*
 * The margin basis `mark`: maintenance is measured on the notional at the
 * mark, |size| x mark x K (Binance, Hyperliquid, dYdX; mechanics.md 3).
 * The liquidation price is Binance's recomputation: LP = (cash + cum) /
 * (K x (|s| x mmr - s)) from the first bracket, moved to the bracket of
 * LP's own notional until the two agree (margin.h).
 */
#include <math.h>

#include "rule.h"

static rule_i128 notional(const profile *p, const margin_position *pos,
                          int64_t mark)
{
    int64_t lots = pos->size < 0 ? -pos->size : pos->size;
    return (rule_i128)lots * mark * p->cash_per_tick_lot;
}

/* LP for one bracket's rate and cum. */
static double liq_price_in(const profile *p, const margin_position *pos,
                           const profile_bracket *b)
{
    double k = (double)p->cash_per_tick_lot;
    double s = (double)pos->size;
    double rate = (double)b->mmr / (double)PROFILE_RATE_ONE;
    return ((double)pos->cash + (double)b->cum) / (k * (fabs(s) * rate - s));
}

static double liq_price(const profile *p, const margin_position *pos,
                        int *bracket)
{
    /* Monotonicity (margin.h) makes the consistent bracket unique, so
     * walking at most once through the table finds it. */
    int i = 0;
    double lp = liq_price_in(p, pos, &p->brackets[0]);
    for (int step = 0; step < p->nbrackets; step++) {
        double at = fabs((double)pos->size) * (lp > 0 ? lp : 0)
                    * (double)p->cash_per_tick_lot;
        int j = at >= 9.2e18 ? p->nbrackets - 1
                             : margin_bracket(p, (int64_t)at);
        if (j == i)
            break;
        i = j;
        lp = liq_price_in(p, pos, &p->brackets[i]);
    }
    *bracket = i;
    return lp;
}

const rule_mm_basis rule_mm_basis_mark = {
    {"mark",
     "maintenance on the notional at the mark, |size| x mark (Binance, "
     "Hyperliquid, dYdX)",
     NULL},
    notional,
    liq_price,
    /* notional x mmr - cum with mmr < 1 and cum >= 0 stays below the
     * notional, which a long with cash >= 0 has at least as its balance. */
    1,
};
