/*
 * The venue risk policy `oi_cap` (models/rule.h; mechanics.md 8): a
 * venue-wide and a per-account cap on open interest, as Hyperliquid caps
 * an asset's open interest and refuses orders that would grow it, for the
 * whole run (the oi_cap shock sets the venue-wide one for a while).
 *
 * The venue-wide cap, `venue` quote (0: none), is the shock's rule
 * (venue.h, venue_set_oi_cap; the same room, venue_oi_room): an order that
 * could take liquidity (every type but post-only) may open at most
 * max(0, floor(cap / (mark x K)) - long lots) lots. The per-account cap,
 * `account` quote (0: none), holds each account's position on the order's
 * side, with the lots of its resting orders on that side, to
 * floor(cap / (mark x K)) lots, post-only orders included (they grow the
 * position when they fill). At either cap, an order is trimmed first: it
 * keeps the lots that reduce its account's position and the lots the caps
 * leave to open; one left with nothing is rejected (VENUE_REJECT_OI_CAP).
 * Liquidation orders are never cut (they only reduce), and nothing is
 * closed because a rising mark values the open interest above a cap.
 *
 * Records: trim (value: the lots cut) and reject, one per order.
 */
#include <math.h>
#include <stddef.h>

#include "rule.h"

typedef struct oi_cap {
    int enabled;
    double venue;   /* quote, 0 for none */
    double account; /* quote, 0 for none */
} oi_cap;

typedef struct oi_cap_state {
    int64_t venue, account; /* cash, 0 for none */
} oi_cap_state;

static const param_key keys[] = {
    RULE_POLICY_ENABLED_KEY(oi_cap),
    {"venue", PARAM_DOUBLE, offsetof(oi_cap, venue), "quote", NULL},
    {"account", PARAM_DOUBLE, offsetof(oi_cap, account), "quote", NULL},
    PARAM_END,
};

static const oi_cap defaults = {1, 0, 0};

/* amount quote in p's cash units: 0 for 0, -1 when none they hold. */
static int64_t cash_of(double amount, const profile *p)
{
    if (amount == 0)
        return 0;
    double cash = amount / profile_cash_to_quote(p, 1);
    return cash >= 1 && cash < 4e18 ? (int64_t)llround(cash) : -1;
}

static int check(const void *params, const profile *p, perr *e)
{
    const oi_cap *o = params;
    if (!(o->venue >= 0) || cash_of(o->venue, p) < 0)
        return perr_set(e, PERR_INVALID,
                        "venue: %g is not an amount of %s's cash units (0 "
                        "for no cap)",
                        o->venue, p->name);
    if (!(o->account >= 0) || cash_of(o->account, p) < 0)
        return perr_set(e, PERR_INVALID,
                        "account: %g is not an amount of %s's cash units (0 "
                        "for no cap)",
                        o->account, p->name);
    if (o->venue == 0 && o->account == 0)
        return perr_set(e, PERR_INVALID,
                        "venue: an oi_cap caps the venue, each account or "
                        "both (both are 0)");
    return 0;
}

static void init(const rule_policy_ctx *c)
{
    const oi_cap *o = c->params;
    oi_cap_state *s = c->state;
    const profile *p = venue_profile(c->v);
    s->venue = cash_of(o->venue, p);
    s->account = cash_of(o->account, p);
}

/* Lots account id may still open on side under the per-account cap. */
static int64_t account_room(const venue *v, int64_t cap, uint32_t id,
                            int side)
{
    const account *a = venue_account(v, id);
    const account_cold *c = &venue_accounts(v)->cold[id];
    rule_i128 lot_cash = (rule_i128)venue_mark(v)
                         * venue_profile(v)->cash_per_tick_lot;
    rule_i128 held = (a->size != 0 && (a->size > 0) == (side > 0))
                         ? (a->size > 0 ? a->size : -a->size)
                         : 0;
    held += side > 0 ? c->open_buy_lots : c->open_sell_lots;
    rule_i128 room = (rule_i128)cap / lot_cash - held;
    return room <= 0 ? 0 : room > INT64_MAX ? INT64_MAX : (int64_t)room;
}

static venue_reject order(const rule_policy_ctx *c, rule_policy_order *o)
{
    const oi_cap_state *s = c->state;
    if (o->liquidation || o->opening == 0)
        return VENUE_ACCEPTED;
    int64_t room = INT64_MAX;
    if (s->venue > 0 && o->type != BOOK_POST_ONLY)
        room = venue_oi_room(c->v, s->venue);
    if (s->account > 0) {
        int64_t r = account_room(c->v, s->account, o->account, o->side);
        if (r < room)
            room = r;
    }
    if (room >= o->opening || room >= o->open_max)
        return VENUE_ACCEPTED;
    if (room == 0 && o->reducing == 0)
        return VENUE_REJECT_OI_CAP;
    o->open_max = room;
    return VENUE_ACCEPTED;
}

const rule_policy rule_policy_oi_cap = {
    {"oi_cap",
     "caps the venue's open interest at venue quote and each account's "
     "position with its resting orders at account quote: orders trimmed, "
     "then rejected (Hyperliquid's open-interest caps)",
     keys},
    sizeof(oi_cap),
    &defaults,
    sizeof(oi_cap_state),
    check,
    init,
    NULL,
    order,
    NULL,
    NULL,
    NULL,
};
