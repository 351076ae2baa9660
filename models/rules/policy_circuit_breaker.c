/*
 * The venue risk policy `circuit_breaker` (models/rule.h; mechanics.md 8):
 * when the mark moves more than `move` within `window`, the venue halts
 * for `halt`, as exchanges' price limits and trading halts do (CME's
 * dynamic circuit breakers pause a market after a move within a look-back
 * period; Binance's and OKX's price limits refuse what lies beyond them).
 *
 * The move: at every pass of the cascade the breaker notes the mark; it
 * keeps the highest and lowest marks of the window in CB_STEPS steps of
 * window / CB_STEPS ms (at least 1), aligned to multiples of the step from
 * time 0: the step the clock is in and the CB_STEPS - 1 before it. It
 * trips when the mark is below the highest by more than move x highest,
 * or above the lowest by more than move x lowest (exact integers, ticks).
 *
 * The halt lasts [trip, trip + halt) on the venue's clock. With scope
 * `all`, every order is rejected (VENUE_REJECT_HALTED: agents', and the
 * insurance fund's and the backstop vault's unwinds of what they took
 * over), resting orders stay on the book (they may be cancelled), and no
 * liquidation starts; with scope `liquidations`, orders trade as before
 * but no liquidation starts and the unwinds are rejected. A position that
 * triggers during the halt stays in the trigger index, and at the first
 * pass at or after the halt's end (the venue updates at every index step,
 * funding event and order at the latest) the breaker resumes, forgets the
 * marks before it (so the move that tripped it cannot trip it again), and
 * the waiting liquidations run in trigger order: longs from the highest
 * trigger price down, then shorts from the lowest up, the oldest first
 * within a tick, as the liquidation policy (liquidation.style) admits
 * them. Funding settles during a halt as usual.
 *
 * Records: halt (value: the move that tripped it, a fraction), resume
 * (value: the halt's length, s), reject (each order refused), defer (once
 * per wait).
 */
#include <stddef.h>

#include "rule.h"

/* The window's resolution: how many steps the extremes are kept in. */
#define CB_STEPS 60

enum { SCOPE_ALL, SCOPE_LIQUIDATIONS };

typedef struct breaker {
    int enabled;
    int64_t move;      /* rate, PROFILE_RATE_ONE = 1 */
    int64_t window_ms;
    int64_t halt_ms;
    int scope;
} breaker;

typedef struct breaker_state {
    int halted;
    int64_t since, until; /* ms: the halt's [since, until) */
    int64_t newest;       /* the newest step noted; -1 before any */
    int64_t hi[CB_STEPS], lo[CB_STEPS]; /* ticks; 0 in a step with none */
} breaker_state;

static const char *const scopes[] = {"all", "liquidations", NULL};

static const param_key keys[] = {
    RULE_POLICY_ENABLED_KEY(breaker),
    {"move", PARAM_RATE, offsetof(breaker, move), "fraction", NULL},
    {"window", PARAM_SPAN, offsetof(breaker, window_ms), "ms", NULL},
    {"halt", PARAM_SPAN, offsetof(breaker, halt_ms), "ms", NULL},
    {"scope", PARAM_ENUM, offsetof(breaker, scope), NULL, scopes},
    PARAM_END,
};

static const breaker defaults = {
    1, PROFILE_RATE_ONE / 20, 5 * 60 * 1000, 10 * 60 * 1000, SCOPE_ALL,
};

static int check(const void *params, const profile *p, perr *e)
{
    const breaker *b = params;
    (void)p;
    int rc = rule_policy_check_fraction(b->move, "move", e);
    if (rc != 0)
        return rc;
    if (!(b->window_ms >= 1000))
        return perr_set(e, PERR_INVALID, "window: must be at least 1s");
    if (!(b->halt_ms >= 1))
        return perr_set(e, PERR_INVALID, "halt: must be above 0");
    return 0;
}

static void forget(breaker_state *s)
{
    for (int i = 0; i < CB_STEPS; i++)
        s->hi[i] = s->lo[i] = 0;
    s->newest = -1;
}

static void init(const rule_policy_ctx *c)
{
    forget(c->state);
}

static int halting(const rule_policy_ctx *c)
{
    const breaker_state *s = c->state;
    return s->halted && venue_time(c->v) < s->until;
}

/* Notes mark at now; whether the window's move exceeds move, and which
 * (a fraction) in *moved. */
static int note(const breaker *b, breaker_state *s, int64_t now, int64_t mark,
                double *moved)
{
    int64_t width = b->window_ms / CB_STEPS > 0 ? b->window_ms / CB_STEPS : 1;
    int64_t step = now / width;
    if (s->newest >= 0 && step - s->newest >= CB_STEPS)
        forget(s);
    for (int64_t k = s->newest + 1; s->newest >= 0 && k <= step; k++)
        s->hi[k % CB_STEPS] = s->lo[k % CB_STEPS] = 0;
    s->newest = step;
    int slot = (int)(step % CB_STEPS);
    if (s->hi[slot] == 0 || mark > s->hi[slot])
        s->hi[slot] = mark;
    if (s->lo[slot] == 0 || mark < s->lo[slot])
        s->lo[slot] = mark;
    int64_t hi = 0, lo = 0;
    for (int i = 0; i < CB_STEPS; i++) {
        if (s->hi[i] > hi)
            hi = s->hi[i];
        if (s->lo[i] > 0 && (lo == 0 || s->lo[i] < lo))
            lo = s->lo[i];
    }
    rule_i128 down = (rule_i128)(hi - mark) * PROFILE_RATE_ONE;
    rule_i128 up = (rule_i128)(mark - lo) * PROFILE_RATE_ONE;
    if (down > (rule_i128)b->move * hi) {
        *moved = (double)(hi - mark) / (double)hi;
        return 1;
    }
    if (up > (rule_i128)b->move * lo) {
        *moved = (double)(mark - lo) / (double)lo;
        return 1;
    }
    return 0;
}

static rule_policy_action mark(const rule_policy_ctx *c, double *value)
{
    const breaker *b = c->params;
    breaker_state *s = c->state;
    int64_t now = venue_time(c->v);
    if (s->halted) {
        if (now < s->until)
            return RULE_POLICY_NONE;
        s->halted = 0;
        forget(s);
        note(b, s, now, venue_mark(c->v), value);
        *value = (double)(now - s->since) / 1000.0;
        return RULE_POLICY_RESUME;
    }
    if (!note(b, s, now, venue_mark(c->v), value))
        return RULE_POLICY_NONE;
    s->halted = 1;
    s->since = now;
    s->until = now + b->halt_ms;
    return RULE_POLICY_HALT;
}

static venue_reject order(const rule_policy_ctx *c, rule_policy_order *o)
{
    const breaker *b = c->params;
    if (halting(c) && (b->scope == SCOPE_ALL || o->liquidation))
        return VENUE_REJECT_HALTED;
    return VENUE_ACCEPTED;
}

static int admits(const rule_policy_ctx *c, const margin_position *pos,
                  int64_t notional)
{
    (void)pos;
    (void)notional;
    return !halting(c);
}

const rule_policy rule_policy_circuit_breaker = {
    {"circuit_breaker",
     "halts matching (scope all) or liquidations (scope liquidations) for "
     "halt when the mark moves more than move within window (CME-style "
     "circuit breakers, exchanges' trading halts)",
     keys},
    sizeof(breaker),
    &defaults,
    sizeof(breaker_state),
    check,
    init,
    mark,
    order,
    admits,
    NULL,
    NULL,
};
