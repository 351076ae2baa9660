/*
 * The funding price `oracle`: a payment is valued at the index (oracle)
 * price, rounded to the nearest tick (Hyperliquid; mechanics.md 1).
 */
#include <math.h>

#include "rule.h"

static int64_t price(double index, int64_t mark)
{
    (void)mark;
    return llround(index);
}

const rule_pay_price rule_pay_price_oracle = {
    {"oracle", "the index (oracle) price (Hyperliquid)", NULL},
    price,
};
