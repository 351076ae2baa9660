/*
 * The venue risk policy `liquidation_throttle` (models/rule.h;
 * mechanics.md 8): at most `count` liquidations and at most `notional`
 * quote of liquidated positions start per `interval`, as dYdX v4 caps the
 * liquidations of each block. It keeps its own rule_liq_window, the same
 * interval machinery as the liquidation style `capped`
 * (rule_liq_window_roll: intervals aligned to multiples of interval from
 * time 0), with the notional added.
 *
 * A liquidation of a position whose notional at the mark is N starts when
 * fewer than count have started in the interval (count 0: no limit) and
 * the notional started so far plus N is at most `notional` (0: no limit),
 * except that the first of an interval always starts, so a position
 * larger than the limit waits at most one interval. The rest wait in the
 * trigger index and are taken in its order at the next pass the throttle
 * admits: longs from the highest trigger price down, then shorts from the
 * lowest up, the oldest first within a tick (the most under-margined by
 * trigger price first); the waiting longs hold the shorts back too, since
 * a pass stops at the first liquidation refused. A position that no longer
 * triggers when its turn comes is not liquidated.
 *
 * Records: defer, once per wait (when the queue's head is first refused).
 */
#include <math.h>
#include <stddef.h>

#include "rule.h"

typedef struct throttle {
    int enabled;
    uint32_t count;
    double notional; /* quote */
    int64_t interval_ms;
} throttle;

typedef struct throttle_state {
    rule_liq_window w;
    int64_t cap; /* notional in cash, 0 for none */
} throttle_state;

static const param_key keys[] = {
    RULE_POLICY_ENABLED_KEY(throttle),
    {"count", PARAM_COUNT, offsetof(throttle, count), "liquidations", NULL},
    {"notional", PARAM_DOUBLE, offsetof(throttle, notional), "quote", NULL},
    {"interval", PARAM_SPAN, offsetof(throttle, interval_ms), "ms", NULL},
    PARAM_END,
};

static const throttle defaults = {1, 10, 0, 1000};

/* The notional limit in p's cash units; -1 when it is none they hold. */
static int64_t cap_cash(const throttle *t, const profile *p)
{
    if (t->notional == 0)
        return 0;
    double cash = t->notional / profile_cash_to_quote(p, 1);
    return cash >= 1 && cash < 4e18 ? (int64_t)llround(cash) : -1;
}

static int check(const void *params, const profile *p, perr *e)
{
    const throttle *t = params;
    if (!(t->interval_ms >= 1))
        return perr_set(e, PERR_INVALID, "interval: must be above 0");
    if (t->count == 0 && t->notional == 0)
        return perr_set(e, PERR_INVALID,
                        "count: a throttle limits the count, the notional "
                        "or both (both are 0)");
    if (!(t->notional >= 0) || cap_cash(t, p) < 0)
        return perr_set(e, PERR_INVALID,
                        "notional: %g is not an amount of %s's cash units "
                        "(0 for no limit)",
                        t->notional, p->name);
    return 0;
}

static void init(const rule_policy_ctx *c)
{
    throttle_state *s = c->state;
    s->cap = cap_cash(c->params, venue_profile(c->v));
}

static int admits(const rule_policy_ctx *c, const margin_position *pos,
                  int64_t notional)
{
    const throttle *t = c->params;
    throttle_state *s = c->state;
    (void)pos;
    rule_liq_window_roll(&s->w, venue_time(c->v), t->interval_ms);
    if (s->w.count == 0)
        return 1;
    if (t->count > 0 && (uint32_t)s->w.count >= t->count)
        return 0;
    return s->cap == 0 || s->w.notional + notional <= s->cap;
}

static void liquidated(const rule_policy_ctx *c, int64_t notional)
{
    throttle_state *s = c->state;
    s->w.count++;
    s->w.notional += notional;
}

const rule_policy rule_policy_liquidation_throttle = {
    {"liquidation_throttle",
     "at most count liquidations and notional quote of them start per "
     "interval, the rest wait in trigger order (dYdX's per-block caps)",
     keys},
    sizeof(throttle),
    &defaults,
    sizeof(throttle_state),
    check,
    init,
    NULL,
    NULL,
    admits,
    liquidated,
    NULL,
};
