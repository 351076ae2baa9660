/*
 * The premium average `mean`: equal weights (BitMEX, dYdX, Hyperliquid,
 * OKX; mechanics.md 1).
 */
#include "rule.h"

static double weight(int64_t n)
{
    (void)n;
    return 1.0;
}

const rule_average rule_average_mean = {
    {"mean", "equal weights (BitMEX, dYdX, Hyperliquid, OKX)", NULL},
    weight,
};
