/*
 * The premium source `impact`: P = (max(0, impact bid - index) - max(0,
 * index - impact ask)) / index, the impact prices being the average fill
 * of a market order of the impact notional (Binance, Bybit, BitMEX, dYdX,
 * Hyperliquid; mechanics.md 1). The notional is funding.premium.
 * impact_notional, or when that is 0 impact_margin x the first bracket's
 * maximum leverage (Binance's 200 USDT at 125x is 25,000 USDT). A side the
 * walk finds empty adds nothing to its term; a side holding less than the
 * notional is priced at the average of all it holds (book_impact_price).
 */
#include <stddef.h>

#include "rule.h"

__extension__ typedef __int128 i128;

static const param_key keys[] = {
    {"funding.premium.impact_notional", PARAM_CASH,
     offsetof(profile, impact_notional), "quote", NULL},
    {"funding.premium.impact_margin", PARAM_CASH,
     offsetof(profile, impact_margin), "quote", NULL},
    PARAM_END,
};

static int check(const profile *p, perr *e)
{
    if (p->impact_notional < 0)
        return perr_set(e, PERR_INVALID,
                        "funding.premium.impact_notional: must be >= 0");
    if (p->impact_margin < 0)
        return perr_set(e, PERR_INVALID,
                        "funding.premium.impact_margin: must be >= 0");
    if (p->impact_notional == 0 && p->impact_margin == 0)
        return perr_set(e, PERR_INVALID,
                        "funding.premium.impact_notional: impact premiums "
                        "need an impact notional or an impact margin > 0");
    if (p->cash_per_tick_lot < 1)
        return perr_set(e, PERR_INVALID,
                        "units.cash_unit: impact premiums need "
                        "cash_per_tick_lot >= 1");
    return 0;
}

static int64_t impact(const profile *p)
{
    i128 cash = p->impact_notional > 0
                    ? (i128)p->impact_notional
                    : (i128)p->impact_margin * p->brackets[0].max_leverage;
    i128 book_units = (cash + p->cash_per_tick_lot - 1) / p->cash_per_tick_lot;
    return book_units > INT64_MAX ? INT64_MAX : (int64_t)book_units;
}

static double sample(const book *b, double index, int64_t notional)
{
    double above = 0.0, below = 0.0;
    book_impact walk;
    if (notional > 0
        && book_impact_price(b, BOOK_SELL, notional, &walk, NULL) == 0
        && walk.price > 0 && walk.price > index)
        above = walk.price - index; /* the impact bid over the index */
    if (notional > 0
        && book_impact_price(b, BOOK_BUY, notional, &walk, NULL) == 0
        && walk.price > 0 && walk.price < index)
        below = index - walk.price; /* the impact ask under it */
    return (above - below) / index;
}

const rule_premium rule_premium_impact = {
    {"impact",
     "(max(0, impact bid - index) - max(0, index - impact ask)) / index, "
     "walking the book for the impact notional",
     keys},
    check,
    impact,
    sample,
};
