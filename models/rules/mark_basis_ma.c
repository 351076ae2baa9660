/*
 * The mark rule `basis_ma`: P2 alone, index + the moving average of the
 * basis (mid - index) over mark.window, sampled every mark.sample_period
 * (mechanics.md 2).
 */
#include "rule.h"

static double value(const rule_mark_inputs *in)
{
    return in->p2;
}

const rule_mark rule_mark_basis_ma = {
    {"basis_ma", "P2 = index + moving average of the basis",
     rule_mark_basis_keys},
    rule_mark_check_average,
    RULE_BASIS_AVERAGE,
    value,
};
