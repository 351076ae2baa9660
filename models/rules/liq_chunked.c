/*
 * The liquidation policy `chunked`: a position whose notional at the mark
 * exceeds liquidation.chunk_above loses liquidation.chunk_rate of its lots
 * (rounded up) per step, then pauses for liquidation.cooldown, within
 * which a liquidation takes it whole (Hyperliquid; mechanics.md 4).
 */
#include <stddef.h>

#include "rule.h"

__extension__ typedef __int128 i128;

static const param_key keys[] = {
    {"liquidation.chunk_rate", PARAM_RATE, offsetof(profile, chunk_rate),
     "rate", NULL},
    {"liquidation.chunk_above", PARAM_CASH, offsetof(profile, chunk_above),
     "quote", NULL},
    {"liquidation.cooldown", PARAM_SPAN, offsetof(profile, cooldown_ms), "ms",
     NULL},
    PARAM_END,
};

static int check(const profile *p, perr *e)
{
    if (!(p->chunk_rate > 0 && p->chunk_rate <= PROFILE_RATE_ONE))
        return perr_set(e, PERR_INVALID,
                        "liquidation.chunk_rate: chunked liquidation needs a "
                        "rate in (0, 1]");
    if (!(p->chunk_above >= 0))
        return perr_set(e, PERR_INVALID,
                        "liquidation.chunk_above: must be >= 0");
    if (!(p->cooldown_ms >= 0))
        return perr_set(e, PERR_INVALID, "liquidation.cooldown: must be >= 0");
    return 0;
}

static rule_liq_step step(const rule_liq_inputs *in)
{
    const profile *p = in->p;
    int64_t lots = in->pos->size < 0 ? -in->pos->size : in->pos->size;
    rule_liq_step s = {lots, 0, 0};
    if (in->now < in->pause_until)
        return s; /* within the cooldown: the whole position */
    if (margin_notional(p, lots, in->mark) <= p->chunk_above)
        return s;
    int64_t part = (int64_t)(((i128)lots * p->chunk_rate + PROFILE_RATE_ONE
                              - 1)
                             / PROFILE_RATE_ONE);
    s.lots = part < 1 ? 1 : part;
    s.pause = 1;
    s.pause_until = in->now + p->cooldown_ms;
    return s;
}

const rule_liq rule_liq_chunked = {
    {"chunked",
     "chunk_rate of a position above chunk_above per step, then a cooldown "
     "(Hyperliquid)",
     keys},
    check,
    step,
    rule_liq_admit_all,
};
