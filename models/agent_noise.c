/*
 * agent_noise: noise takers (agent_noise.h). At each arrival one agent,
 * chosen uniformly from the population's own stream, acts once. Every wake
 * makes the same five draws in the same order (the agent, order type, side,
 * size, offset), whatever the branch, so the stream stays aligned across
 * scenario variants:
 *
 *   1. it cancels its resting order, if any (the order it sends replaces it);
 *   2. it draws a notional N from a Pareto law with tail exponent
 *      size_alpha and scale size_min, P(N > x) = (size_min / x)^alpha for
 *      x >= size_min (gsl_ran_pareto, by inversion: size_min U^(-1/alpha)),
 *      capped at size_max, and sizes the order to floor(N / price) lots, at
 *      least one. Trade sizes on crypto venues are heavy-tailed with
 *      exponents between about 1.5 and 3 (the stylized facts of mechanics.md
 *      7 state 2 to 3 for returns; Gabaix et al., Nature 423, 2003, relate
 *      return tails to the volume tail near 1.5);
 *   3. with probability market_share it sends a MARKET order limited to
 *      band_bps from the mark (a buy never pays more than mark x (1 + band),
 *      a sell never takes less than mark x (1 - band)); otherwise a LIMIT
 *      order on its own side of the book, at the touch of that side (best
 *      bid for a buy, best ask for a sell; the mark when that side is
 *      empty) moved away from the spread by a uniform offset in
 *      [0, limit_offset_bps) bps;
 *   4. buys with probability buy_prob.
 *
 * Position control: an agent whose position, valued at the mark, exceeds
 * max_position_notional only reduces. Whatever it drew for the side and the
 * type, it sends a reduce-only MARKET order against its position (the venue
 * cuts it to the position), of the drawn size.
 *
 * Margin: before an order that may add to its position the agent tops its
 * wallet up so that the venue's available margin covers the order's initial
 * margin at `leverage` (measured at the larger of the order's price and the
 * mark, as the venue admits it) plus the taker fee on it. So an agent always
 * holds at least 1/leverage of its position's notional as margin after it
 * trades, and at the default 3x a position is liquidated only by an adverse
 * move of about a third between two of its turns: rarely. Top-ups are
 * external deposits on the ledger; profits are never withdrawn.
 */
#include "agent_noise.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "margin.h"

typedef struct noise_pop {
    agent_pop base; /* first: what every population is */
    agent_noise_params p;
    venue *v;
    agent_units u;  /* of its venue */
    agent_noise_stats stats;
} noise_pop;

/* ---- the rules --------------------------------------------------------- */

/* Deposits what id needs for an order of lots at price to pass admission. */
static int noise_top_up(noise_pop *h, uint32_t id, int64_t lots, int64_t price,
                        perr *e)
{
    const profile *p = venue_profile(h->v);
    int64_t mark = venue_mark(h->v);
    int64_t measured = price > mark ? price : mark;
    int64_t notional = margin_notional(p, lots, measured);
    int64_t need = margin_initial(notional, (int32_t)h->p.leverage)
                   + agent_taker_fee(p, notional);
    int64_t available = accounts_available(venue_accounts(h->v), id, mark);
    if (available >= need)
        return 0;
    int rc = venue_deposit(h->v, id, need - available, e);
    if (rc == 0)
        h->stats.deposited += profile_cash_to_quote(p, need - available);
    return rc;
}

static int noise_wake(agent_pop *pop, agent_world *w, uint32_t i, perr *e)
{
    (void)w;
    noise_pop *h = (noise_pop *)pop;
    venue *v = h->v;
    h->stats.wakes++;
    double u_type = gsl_rng_uniform(pop->rng);
    double u_side = gsl_rng_uniform(pop->rng);
    double drawn = gsl_ran_pareto(pop->rng, h->p.size_alpha, h->p.size_min);
    double u_offset = gsl_rng_uniform(pop->rng);
    uint32_t id = agent_account(pop, 0, i);
    const account *a = venue_account(v, id);
    if (a->state == ACCOUNT_HELD)
        return 0; /* being liquidated */
    venue_cancel_all(v, id);
    if (drawn > h->p.size_max) {
        drawn = h->p.size_max;
        h->stats.capped++;
    }
    const book *b = venue_book_view(v);
    int64_t mark = venue_mark(v);
    double position = fabs((double)a->size) * (double)mark * h->u.K;
    int side = u_side < h->p.buy_prob ? BOOK_BUY : BOOK_SELL;
    int market = u_type < h->p.market_share;
    unsigned flags = 0;
    if (position > h->p.max_position_notional * h->u.cash_per_quote) {
        side = a->size > 0 ? BOOK_SELL : BOOK_BUY;
        market = 1;
        flags = BOOK_REDUCE_ONLY;
        h->stats.reduce_only++;
    }
    int64_t price;
    if (market) {
        price = agent_band_price(v, side, h->p.band_bps);
    } else {
        int64_t touch = side > 0 ? book_best_bid(b) : book_best_ask(b);
        if (touch == BOOK_NO_PRICE)
            touch = mark;
        double off = u_offset * h->p.limit_offset_bps / 1e4;
        price = agent_clamp_price(b, side > 0 ? floor((double)touch * (1 - off))
                                              : ceil((double)touch * (1 + off)));
    }
    double lots_f = floor(drawn * h->u.cash_per_quote / ((double)price * h->u.K));
    int64_t lots = lots_f < 1 ? 1 : (int64_t)lots_f;
    if (!(flags & BOOK_REDUCE_ONLY)) {
        int rc = noise_top_up(h, id, lots, price, e);
        if (rc != 0)
            return rc;
    }
    book_order_spec spec = {price, lots, id, side, market ? BOOK_MARKET : BOOK_LIMIT,
                            flags};
    int rc = agent_send(v, &spec, &h->stats.rejects, NULL, e);
    if (rc != 0)
        return rc;
    if (market)
        h->stats.market_orders++;
    else
        h->stats.limit_orders++;
    return 0;
}

/* ---- set-up ------------------------------------------------------------- */

static int noise_init(agent_pop *pop, const agent_setup *s, perr *e)
{
    (void)e;
    noise_pop *h = (noise_pop *)pop;
    h->v = agent_setup_venue(s, 0);
    h->u = agent_units_of(venue_profile(h->v));
    return 0;
}

void agent_noise_stats_get(const agent_pop *pop, agent_noise_stats *out)
{
    *out = ((const noise_pop *)pop)->stats;
}

/* ---- the registry's view ----------------------------------------------- */

#define NOISE_KEY(key, type, member, unit)                                   \
    {key, type, offsetof(agent_noise_params, member), unit, NULL}

static const param_key noise_keys[] = {
    AGENT_COUNT_KEY(agent_noise_params),
    NOISE_KEY("market_share", PARAM_DOUBLE, market_share, "probability"),
    NOISE_KEY("band_bps", PARAM_DOUBLE, band_bps, "bps"),
    NOISE_KEY("limit_offset_bps", PARAM_DOUBLE, limit_offset_bps, "bps"),
    NOISE_KEY("buy_prob", PARAM_DOUBLE, buy_prob, "probability"),
    NOISE_KEY("size_alpha", PARAM_DOUBLE, size_alpha, "tail exponent"),
    NOISE_KEY("size_min", PARAM_DOUBLE, size_min, "quote"),
    NOISE_KEY("size_max", PARAM_DOUBLE, size_max, "quote"),
    NOISE_KEY("max_position_notional", PARAM_DOUBLE, max_position_notional,
              "quote"),
    NOISE_KEY("leverage", PARAM_COUNT, leverage, "x"),
    AGENT_ARRIVAL_KEYS(agent_noise_params),
    PARAM_END,
};

static const agent_noise_params noise_defaults = {
    .count = 1000,
    .market_share = 0.5,
    .band_bps = 50,
    .limit_offset_bps = 10,
    .buy_prob = 0.5,
    .size_alpha = 2,
    .size_min = 100,
    .size_max = 1e6,
    .max_position_notional = 1e5,
    .leverage = 3,
    .arrival = ARRIVAL_PARAMS_DEFAULTS(2),
};

static int noise_check_size_max(const void *params, const profile *prof,
                                const char *key_prefix, perr *e)
{
    (void)prof;
    const agent_noise_params *p = params;
    if (!(p->size_max >= p->size_min && p->size_max < 1e12))
        return perr_set(e, PERR_INVALID,
                        "%s.size_max: must be >= size_min (%g) and < 1e12 "
                        "quote currency (got %g)", key_prefix, p->size_min,
                        p->size_max);
    return 0;
}

static const agent_rule noise_rules[] = {
    AGENT_RANGE("market_share", "in [0, 1]"),
    AGENT_RANGE("band_bps", "> 0 and < 10000"),
    AGENT_RANGE("limit_offset_bps", "in [0, 10000)"),
    AGENT_RANGE("buy_prob", "in [0, 1]"),
    AGENT_RANGE("size_alpha", "in (0, 100]"),
    AGENT_RANGE("size_min", "> 0 and < 1e12 quote currency"),
    AGENT_CHECK("size_max", noise_check_size_max, 0),
    AGENT_RANGE("max_position_notional", "> 0 and < 1e12 quote currency"),
    AGENT_RANGE("leverage", "in [1, 10000]"),
    AGENT_RULES_END,
};

const agent_kind agent_noise_kind = {
    .kind = "noise_taker",
    .summary = "noise takers: random market and limit orders with "
               "Pareto-tailed notionals, reduce-only beyond a position limit",
    AGENT_PARAMS(agent_noise_params, noise_keys, &noise_defaults),
    .rules = noise_rules,
    AGENT_POP(noise_pop),
    .init = noise_init, .wake = noise_wake,
};
