/*
 * The mark rule `oracle`: the index (oracle) price itself (dYdX v4;
 * mechanics.md 2).
 */
#include "rule.h"

static double value(const rule_mark_inputs *in)
{
    return in->index;
}

const rule_mark rule_mark_oracle = {
    {"oracle", "the index (oracle) price itself (dYdX)", NULL},
    rule_check_nothing,
    RULE_BASIS_NONE,
    value,
};
