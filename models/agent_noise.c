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

__extension__ typedef __int128 i128;

typedef struct noise_pop {
    agent_pop base; /* first: the engine's view */
    agent_noise_params p;
    venue *v;
    gsl_rng *rng;   /* every choice of the population */
    uint32_t first; /* account of agent 0 */
    double K;       /* cash units per tick-lot */
    double cash_per_quote;
    agent_noise_stats stats;
} noise_pop;

void agent_noise_params_default(void *params)
{
    agent_noise_params *p = params;
    memset(p, 0, sizeof *p);
    p->count = 1000;
    p->market_share = 0.5;
    p->band_bps = 50;
    p->limit_offset_bps = 10;
    p->buy_prob = 0.5;
    p->size_alpha = 2;
    p->size_min = 100;
    p->size_max = 1e6;
    p->max_position_notional = 1e5;
    p->leverage = 3;
    arrival_params_default(&p->arrival);
    p->arrival.rate = 2;
}

int agent_noise_check(const void *params, const profile *prof,
                      const char *key_prefix, perr *e)
{
    const agent_noise_params *p = params;
    const char *k = key_prefix;
    int rc = agent_check_count(p->count, k, e);
    if (rc != 0)
        return rc;
    if (!(p->market_share >= 0 && p->market_share <= 1))
        return perr_set(e, PERR_INVALID,
                        "%s.market_share: must be in [0, 1] (got %g)", k,
                        p->market_share);
    if (!(p->band_bps > 0 && p->band_bps < 10000))
        return perr_set(e, PERR_INVALID,
                        "%s.band_bps: must be > 0 and < 10000 (got %g)", k,
                        p->band_bps);
    if (!(p->limit_offset_bps >= 0 && p->limit_offset_bps < 10000))
        return perr_set(e, PERR_INVALID,
                        "%s.limit_offset_bps: must be in [0, 10000) (got %g)", k,
                        p->limit_offset_bps);
    if (!(p->buy_prob >= 0 && p->buy_prob <= 1))
        return perr_set(e, PERR_INVALID,
                        "%s.buy_prob: must be in [0, 1] (got %g)", k, p->buy_prob);
    if (!(p->size_alpha > 0 && p->size_alpha <= 100))
        return perr_set(e, PERR_INVALID,
                        "%s.size_alpha: must be in (0, 100] (got %g)", k,
                        p->size_alpha);
    if (!(p->size_min > 0 && p->size_min < 1e12))
        return perr_set(e, PERR_INVALID,
                        "%s.size_min: must be > 0 and < 1e12 quote currency "
                        "(got %g)", k, p->size_min);
    if (!(p->size_max >= p->size_min && p->size_max < 1e12))
        return perr_set(e, PERR_INVALID,
                        "%s.size_max: must be >= size_min (%g) and < 1e12 "
                        "quote currency (got %g)", k, p->size_min, p->size_max);
    if (!(p->max_position_notional > 0 && p->max_position_notional < 1e12))
        return perr_set(e, PERR_INVALID,
                        "%s.max_position_notional: must be > 0 and < 1e12 "
                        "quote currency (got %g)", k, p->max_position_notional);
    if (p->leverage < 1 || p->leverage > 10000)
        return perr_set(e, PERR_INVALID,
                        "%s.leverage: must be in [1, 10000] (got %u)", k,
                        (unsigned)p->leverage);
    if ((rc = agent_check_arrival(&p->arrival, k, e)) != 0)
        return rc;
    return agent_check_leverage(p->leverage, prof, k, e);
}

/* ---- the rules --------------------------------------------------------- */

static int64_t noise_clamp_price(const book *b, double px)
{
    double lo = (double)book_min_price(b), hi = (double)book_max_price(b);
    return (int64_t)(px < lo ? lo : px > hi ? hi : px);
}

/* The taker fee on notional, rounded up as the venue charges it. */
static int64_t noise_fee(const profile *p, int64_t notional)
{
    if (p->taker_fee <= 0)
        return 0;
    i128 num = (i128)notional * p->taker_fee;
    return (int64_t)((num + PROFILE_RATE_ONE - 1) / PROFILE_RATE_ONE);
}

/* Deposits what id needs for an order of lots at price to pass admission. */
static int noise_top_up(noise_pop *h, uint32_t id, int64_t lots, int64_t price,
                        perr *e)
{
    const profile *p = venue_profile(h->v);
    int64_t mark = venue_mark(h->v);
    int64_t measured = price > mark ? price : mark;
    int64_t notional = margin_notional(p, lots, measured);
    int64_t need = margin_initial(notional, (int32_t)h->p.leverage)
                   + noise_fee(p, notional);
    int64_t available = accounts_available(venue_accounts(h->v), id, mark);
    if (available >= need)
        return 0;
    int rc = venue_deposit(h->v, id, need - available, e);
    if (rc == 0)
        h->stats.deposited += profile_cash_to_quote(p, need - available);
    return rc;
}

static int noise_wake(agent_pop *pop, agent_world *w, perr *e)
{
    (void)w;
    noise_pop *h = (noise_pop *)pop;
    venue *v = h->v;
    h->stats.wakes++;
    uint32_t i = (uint32_t)gsl_rng_uniform_int(h->rng, h->p.count);
    double u_type = gsl_rng_uniform(h->rng);
    double u_side = gsl_rng_uniform(h->rng);
    double drawn = gsl_ran_pareto(h->rng, h->p.size_alpha, h->p.size_min);
    double u_offset = gsl_rng_uniform(h->rng);
    uint32_t id = h->first + i;
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
    double position = fabs((double)a->size) * (double)mark * h->K;
    int side = u_side < h->p.buy_prob ? BOOK_BUY : BOOK_SELL;
    int market = u_type < h->p.market_share;
    unsigned flags = 0;
    if (position > h->p.max_position_notional * h->cash_per_quote) {
        side = a->size > 0 ? BOOK_SELL : BOOK_BUY;
        market = 1;
        flags = BOOK_REDUCE_ONLY;
        h->stats.reduce_only++;
    }
    int64_t price;
    if (market) {
        double band = h->p.band_bps / 1e4;
        price = noise_clamp_price(b, side > 0 ? floor((double)mark * (1 + band))
                                              : ceil((double)mark * (1 - band)));
    } else {
        int64_t touch = side > 0 ? book_best_bid(b) : book_best_ask(b);
        if (touch == BOOK_NO_PRICE)
            touch = mark;
        double off = u_offset * h->p.limit_offset_bps / 1e4;
        price = noise_clamp_price(b, side > 0 ? floor((double)touch * (1 - off))
                                              : ceil((double)touch * (1 + off)));
    }
    double lots_f = floor(drawn * h->cash_per_quote / ((double)price * h->K));
    int64_t lots = lots_f < 1 ? 1 : (int64_t)lots_f;
    if (!(flags & BOOK_REDUCE_ONLY)) {
        int rc = noise_top_up(h, id, lots, price, e);
        if (rc != 0)
            return rc;
    }
    book_order_spec spec = {price, lots, id, side, market ? BOOK_MARKET : BOOK_LIMIT,
                            flags};
    book_result res;
    venue_reject why;
    int rc = venue_submit(v, id, &spec, &res, &why, e);
    if (rc != 0)
        return rc;
    if (market)
        h->stats.market_orders++;
    else
        h->stats.limit_orders++;
    if (why != VENUE_ACCEPTED)
        h->stats.rejects++;
    return 0;
}

/* A noise taker has no state a liquidation could leave stale. */
static void noise_on_liquidated(agent_pop *pop, uint32_t market,
                                uint32_t account_id, int64_t now)
{
    (void)pop;
    (void)market;
    (void)account_id;
    (void)now;
}

static void noise_free(agent_pop *pop)
{
    noise_pop *h = (noise_pop *)pop;
    arrival_free(&h->base.arrival);
    if (h->rng)
        gsl_rng_free(h->rng);
    free(h);
}

static const agent_pop_type noise_type = {
    "noise_taker", noise_wake, noise_on_liquidated, noise_free, NULL};

/* ---- set-up ------------------------------------------------------------- */

agent_pop *agent_noise_new(const void *params, const agent_setup *s, perr *e)
{
    const agent_noise_params *p = params;
    venue *v = agent_setup_venue(s);
    const profile *prof = venue_profile(v);
    if (agent_noise_check(p, prof, s->key_prefix, e) != 0)
        return NULL;
    noise_pop *h = calloc(1, sizeof *h);
    if (!h) {
        perr_set(e, PERR_NOMEM, "no memory for population %s", s->name);
        return NULL;
    }
    h->p = *p;
    h->v = v;
    h->K = (double)prof->cash_per_tick_lot;
    h->cash_per_quote = 1 / profile_cash_to_quote(prof, 1);
    h->rng = agent_rng_alloc(s);
    if (!h->rng) {
        perr_set(e, PERR_NOMEM, "no memory for population %s", s->name);
        noise_free(&h->base);
        return NULL;
    }
    if (agent_pop_init(&h->base, &noise_type, &p->arrival, s, e) != 0
        || agent_open_accounts(v, p->count, 0, (int32_t)p->leverage, s->name,
                               &h->first, e) != 0) {
        noise_free(&h->base);
        return NULL;
    }
    return &h->base;
}

void agent_noise_stats_get(const agent_pop *pop, agent_noise_stats *out)
{
    *out = ((const noise_pop *)pop)->stats;
}

uint32_t agent_noise_account(const agent_pop *pop, uint32_t i)
{
    return ((const noise_pop *)pop)->first + i;
}

/* ---- the registry's view ----------------------------------------------- */

#define NOISE_KEY(key, type, member, unit)                                   \
    {key, type, offsetof(agent_noise_params, member), unit, NULL}

static const param_key noise_keys[] = {
    NOISE_KEY("count", PARAM_COUNT, count, "agents"),
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

const agent_kind agent_noise_kind = {
    "noise_taker",
    "noise takers: random market and limit orders with Pareto-tailed "
    "notionals, reduce-only beyond a position limit",
    sizeof(agent_noise_params), noise_keys, 0, agent_noise_params_default,
    agent_noise_check, agent_noise_new,
    offsetof(agent_noise_params, count)};
