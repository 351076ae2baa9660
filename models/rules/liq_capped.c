/*
 * The liquidation policy `capped`: positions are closed whole, at most
 * liquidation.per_interval_cap of them per liquidation.cap_interval, the
 * intervals aligned to multiples of it (dYdX's per-block limit;
 * mechanics.md 4). Those left wait for the next interval.
 */
#include <stddef.h>

#include "rule.h"

static const param_key keys[] = {
    {"liquidation.per_interval_cap", PARAM_INT,
     offsetof(profile, per_interval_cap), NULL, NULL},
    {"liquidation.cap_interval", PARAM_SPAN,
     offsetof(profile, cap_interval_ms), "ms", NULL},
    PARAM_END,
};

static int check(const profile *p, perr *e)
{
    if (!(p->per_interval_cap >= 1))
        return perr_set(e, PERR_INVALID,
                        "liquidation.per_interval_cap: capped liquidation "
                        "needs a cap >= 1");
    if (!(p->cap_interval_ms >= 1))
        return perr_set(e, PERR_INVALID,
                        "liquidation.cap_interval: capped liquidation needs "
                        "an interval >= 1 ms");
    return 0;
}

static int admits(const profile *p, rule_liq_window *w, int64_t now)
{
    rule_liq_window_roll(w, now, p->cap_interval_ms);
    return w->count < p->per_interval_cap;
}

const rule_liq rule_liq_capped = {
    {"capped",
     "all of a position, at most per_interval_cap positions per "
     "cap_interval (dYdX)",
     keys},
    check,
    rule_liq_step_whole,
    admits,
};
