/*
 * The funding price `mark`: a payment is |size| x mark x rate (Binance,
 * Bybit, OKX, BitMEX, dYdX; mechanics.md 1).
 */
#include "rule.h"

static int64_t price(double index, int64_t mark)
{
    (void)index;
    return mark;
}

const rule_pay_price rule_pay_price_mark = {
    {"mark", "the venue's mark price", NULL},
    price,
};
