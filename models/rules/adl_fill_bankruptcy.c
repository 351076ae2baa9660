/*
 * The ADL price `bankruptcy`: auto-deleveraging closes the bankrupt
 * position at its bankruptcy price, so it ends with nothing and the
 * counterparty takes the whole loss of the gap (mechanics.md 4).
 */
#include "rule.h"

static int64_t value(const profile *p, const margin_position *pos0,
                     int64_t lots, int64_t mark_ref)
{
    (void)p;
    (void)mark_ref;
    return margin_bankruptcy_value(pos0, lots);
}

const rule_adl_fill rule_adl_fill_bankruptcy = {
    {"bankruptcy", "the bankrupt position's bankruptcy price", NULL},
    value,
};
