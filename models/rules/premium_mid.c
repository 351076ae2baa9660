/*
 * The premium source `mid`: P = (mid - index) / index, 0 while a side of
 * the book is empty (OKX since 2024-03; mechanics.md 1).
 */
#include "rule.h"

static int64_t no_impact(const profile *p)
{
    (void)p;
    return 0;
}

static double sample(const book *b, double index, int64_t impact)
{
    (void)impact;
    int64_t mid_x2 = book_mid_x2(b);
    if (mid_x2 == BOOK_NO_PRICE)
        return 0.0;
    return ((double)mid_x2 / 2.0 - index) / index;
}

const rule_premium rule_premium_mid = {
    {"mid", "(mid - index) / index (OKX since 2024-03)", NULL},
    rule_check_nothing,
    no_impact,
    sample,
};
