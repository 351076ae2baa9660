/*
 * The mark rule `fair`: P1 alone, index x (1 + funding rate x time to the
 * next settlement / interval), BitMEX's fair price (mechanics.md 2).
 */
#include "rule.h"

static double value(const rule_mark_inputs *in)
{
    return in->p1;
}

const rule_mark rule_mark_fair = {
    {"fair",
     "P1 = index x (1 + funding rate x time to settlement / interval) "
     "(BitMEX's fair price)",
     NULL},
    rule_check_nothing,
    RULE_BASIS_NONE,
    value,
};
