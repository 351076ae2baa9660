/*
 * The mark rule `median3`: median(P1, P2, last), P1 = index x (1 + the
 * estimated funding rate x time to the next settlement / interval), P2 =
 * index + the moving average of the basis (mid - index) over mark.window,
 * sampled every mark.sample_period (Binance: 30 one-second samples;
 * Bybit: 5 minutes; mechanics.md 2).
 */
#include <stddef.h>

#include "rule.h"

static const param_key keys[] = {
    {"mark.sample_period", PARAM_SPAN, offsetof(profile, mark_sample_ms),
     "ms", NULL},
    {"mark.window", PARAM_SPAN, offsetof(profile, mark_window_ms), "ms",
     NULL},
    PARAM_END,
};

static int check(const profile *p, perr *e)
{
    if (p->mark_sample_ms < 1)
        return perr_set(e, PERR_INVALID,
                        "mark.sample_period: must be >= 1 ms");
    if (p->mark_window_ms < p->mark_sample_ms
        || p->mark_window_ms % p->mark_sample_ms != 0)
        return perr_set(e, PERR_INVALID,
                        "mark.window: must be a whole number (>= 1) of "
                        "mark.sample_period");
    return 0;
}

static double value(const rule_mark_inputs *in)
{
    double v[3] = {in->p1, in->p2, in->last};
    return rule_median(v, 3);
}

const rule_mark rule_mark_median3 = {
    {"median3",
     "median(P1, P2, last), P1 = index x (1 + funding rate x time to "
     "settlement / interval), P2 = index + moving average of the basis "
     "(Binance, Bybit)",
     keys},
    check,
    RULE_BASIS_AVERAGE,
    value,
};
