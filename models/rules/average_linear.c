/*
 * The premium average `linear`: weights 1, 2, ..., n, so later samples of
 * an interval count more (Binance, Bybit; mechanics.md 1).
 */
#include "rule.h"

static double weight(int64_t n)
{
    return (double)n;
}

const rule_average rule_average_linear = {
    {"linear", "weights 1, 2, ..., n: later samples count more (Binance, "
               "Bybit)",
     NULL},
    weight,
};
