/*
 * The ADL price `mark`: auto-deleveraging closes at the mark before the
 * liquidation began, but never past the bankruptcy price, which would
 * leave the bankrupt side in deficit (Hyperliquid, OKX; mechanics.md 4).
 */
#include "rule.h"

static int64_t value(const profile *p, const margin_position *pos0,
                     int64_t lots, int64_t mark_ref)
{
    int64_t at_bankruptcy = margin_bankruptcy_value(pos0, lots);
    int64_t at_mark = margin_notional(p, lots, mark_ref);
    /* A bankrupt long sells: it needs at least its bankruptcy value. */
    if (pos0->size > 0)
        return at_mark > at_bankruptcy ? at_mark : at_bankruptcy;
    return at_mark < at_bankruptcy ? at_mark : at_bankruptcy;
}

const rule_adl_fill rule_adl_fill_mark = {
    {"mark",
     "the mark before the liquidation, never past the bankruptcy price "
     "(Hyperliquid, OKX)",
     NULL},
    value,
};
