/*
 * The venue risk policy `price_band` (models/rule.h; mechanics.md 8):
 * orders priced beyond `band` around the mark are rejected or clipped to
 * the band's edge, as venues' price protection does (Binance's and OKX's
 * price limits on limit orders, CME's price banding).
 *
 * The band at mark M (ticks) is [M - d, M + d] with d = floor(M x band),
 * exact. A buy priced above M + d, or a sell priced below M - d, is beyond
 * it: with action `reject` it is rejected (VENUE_REJECT_BAND), with `clip`
 * it is sent at the edge (M + d for a buy, M - d for a sell). A market
 * order's price is its protection limit, not a quote, so it is clipped
 * under either action. With liquidations `yes`, liquidation orders (a
 * liquidation's IOC and the fund's and vault's unwinds) are held to the
 * band the same way: clipped, or under `reject` refused, so that what the
 * book would have filled goes to the takeover (the backstop vault or the
 * fund, then ADL); with `no` they pass as the profile's liquidation.band
 * allows. Orders within the band pass unchanged.
 *
 * Records: reject and clip, one per order.
 */
#include <stddef.h>

#include "rule.h"

enum { ACTION_REJECT, ACTION_CLIP };

typedef struct band {
    int enabled;
    int64_t band;   /* rate, PROFILE_RATE_ONE = 1 */
    int action;
    int liquidations; /* rule_policy_enabled_names: no, yes */
} band;

static const char *const actions[] = {"reject", "clip", NULL};

static const param_key keys[] = {
    RULE_POLICY_ENABLED_KEY(band),
    {"band", PARAM_RATE, offsetof(band, band), "fraction", NULL},
    {"action", PARAM_ENUM, offsetof(band, action), NULL, actions},
    {"liquidations", PARAM_ENUM, offsetof(band, liquidations), NULL,
     rule_policy_enabled_names},
    PARAM_END,
};

static const band defaults = {1, PROFILE_RATE_ONE / 50, ACTION_REJECT, 0};

static int check(const void *params, const profile *p, perr *e)
{
    const band *b = params;
    (void)p;
    return rule_policy_check_fraction(b->band, "band", e);
}

static venue_reject order(const rule_policy_ctx *c, rule_policy_order *o)
{
    const band *b = c->params;
    if (o->liquidation && !b->liquidations)
        return VENUE_ACCEPTED;
    int64_t m = venue_mark(c->v);
    int64_t d = (int64_t)((rule_i128)m * b->band / PROFILE_RATE_ONE);
    int64_t edge = o->side == BOOK_BUY ? m + d : m - d;
    int beyond = o->side == BOOK_BUY ? o->price > edge : o->price < edge;
    if (!beyond)
        return VENUE_ACCEPTED;
    if (b->action == ACTION_REJECT && o->type != BOOK_MARKET)
        return VENUE_REJECT_BAND;
    o->price = edge;
    return VENUE_ACCEPTED;
}

const rule_policy rule_policy_price_band = {
    {"price_band",
     "rejects or clips orders priced beyond band around the mark, "
     "liquidation orders included or not (exchanges' price protection)",
     keys},
    sizeof(band),
    &defaults,
    0,
    check,
    NULL,
    NULL,
    order,
    NULL,
    NULL,
    NULL,
};
