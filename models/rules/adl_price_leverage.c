/*
 * The ADL ranking `price_leverage`: (mark / entry price, inverted for a
 * short) x (notional / account value) (Hyperliquid; mechanics.md 4).
 */
#include <math.h>

#include "rule.h"

static double score(const rule_adl_inputs *in)
{
    double size = fabs((double)in->size);
    double entry = fabs(in->cost) / size;
    double mark = fabs(in->mark_value) / size;
    double ratio = in->size > 0 ? mark / entry : entry / mark;
    return in->balance > 0 ? ratio * fabs(in->mark_value) / in->balance
                           : -1e12;
}

const rule_adl_rank rule_adl_price_leverage = {
    {"price_leverage",
     "(mark / entry) x (notional / account value) (Hyperliquid)", NULL},
    score,
};
