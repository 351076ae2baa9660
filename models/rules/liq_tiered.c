/*
 * The liquidation policy `tiered`: a step closes a triggered position down
 * to the cap of the next lower risk bracket (the notional on the profile's
 * margin basis), and the engine repeats it while the rest is still below
 * maintenance (Bybit, BitMEX, OKX; mechanics.md 4).
 */
#include "rule.h"

__extension__ typedef __int128 i128;

static rule_liq_step step(const rule_liq_inputs *in)
{
    const profile *p = in->p;
    int64_t lots = in->pos->size < 0 ? -in->pos->size : in->pos->size;
    rule_liq_step s = {lots, 0, 0};
    int64_t notional = margin_basis_notional(p, in->pos, in->mark);
    int t = margin_bracket(p, notional);
    if (t == 0 || notional <= 0)
        return s;
    int64_t cap = p->brackets[t - 1].cap;
    int64_t keep = (int64_t)((i128)cap * lots / notional);
    s.lots = keep >= lots ? 1 : lots - keep;
    return s;
}

const rule_liq rule_liq_tiered = {
    {"tiered",
     "down to the next lower bracket's cap, repeated while still below "
     "maintenance (Bybit, BitMEX, OKX)",
     NULL},
    rule_check_nothing,
    step,
    rule_liq_admit_all,
};
