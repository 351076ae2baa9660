/*
 * agent_arb: basis and funding arbitrageurs (agent_arb.h). What one agent
 * does when the population's arrival picks it (uniformly among its agents,
 * from the population's own stream "<name>/agents"):
 *
 *   1. re-hedges: its spot leg is brought to exactly minus its perp
 *      position in base currency, traded at the index with the spot fee.
 *      After its own fills this changes nothing; after a liquidation (or a
 *      fill the agent did not expect) it closes the spot it no longer needs;
 *   2. unwinds: a short whose remaining edge at the best ask, (ask - I) / I
 *      + f, is at most exit_bps is bought back with a reduce-only IOC limited
 *      at buy_exit (the highest price at which that still holds); a long
 *      mirrors it at the best bid with sell_exit;
 *   3. otherwise enters or adds: when the best bid reaches sell_entry (the
 *      short edge beats the entry cost c plus threshold_bps) it sells an IOC
 *      limited at sell_entry, so it takes every bid that still leaves the
 *      edge and none beyond; when the best ask is at or below buy_entry it
 *      buys the mirror image. A short only adds to a short, a long to a
 *      long: a position that has to turn is unwound first (step 2).
 * The edge, the funding term f and the limits are stated at the top of
 * agent_arb.h. The funding term is the venue's estimate of the next
 * payment (funding_estimate: mechanics.md 1, longs pay when it is > 0)
 * weighted by how much of the interval has passed: a rate estimated from a
 * few samples early in the interval can still change, while close to the
 * settlement it is nearly the rate that will be paid, and the position
 * collects it only if held through the settlement. A known-ahead venue
 * (BitMEX) publishes the rate, but the holding requirement is the same, so
 * it is weighted alike. Right after a settlement the weight is near zero and
 * a position held only for the funding meets its exit: funding cadence
 * shows in when arbitrageurs come and go.
 *
 * Sizes: an order is order_notional worth of lots at its limit (at least
 * one lot), cut so that the position's entry notional |cost| stays within
 * max_position_notional: a sell is sized at the best bid (it cannot fill
 * higher) and a buy at its limit (it cannot pay more), so the bound is
 * exact. Orders are IOC: an arbitrageur never rests, never chases past its
 * limit, and what the book cannot give now is left for its next turn.
 *
 * Wallets: each agent's cross account is opened with capital at leverage;
 * agent_arb_check requires capital x leverage >= max_position_notional, so
 * admission never refuses a full position, and a perp short of notional N
 * backed by capital C is liquidated only after a rise of about C / N - MMR
 * (50% at the defaults): not in a normal run. If it happens, the population
 * notes it once per episode (agent_on_liquidated) and the agent re-hedges
 * its spot at its next turn.
 *
 * Wake allocates nothing: the state is two doubles and a flag per agent,
 * allocated in agent_arb_new.
 */
#include "agent_arb.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "margin.h"

__extension__ typedef __int128 i128;

typedef struct arb_agent {
    double spot_base; /* base currency held outside the venue */
    double spot_cash; /* quote paid (-) or received (+) for it, fees included */
    uint8_t liquidated; /* a liquidation was noted since its last turn */
} arb_agent;

typedef struct arb_pop {
    agent_pop base; /* first: the engine's view */
    agent_arb_params p;
    venue *v;
    gsl_rng *rng;          /* the choice of agent */
    uint32_t first;        /* account of agent 0 */
    double lot_base;       /* base currency per lot */
    int64_t order_cash;    /* order_notional in cash units */
    int64_t max_cash;      /* max_position_notional in cash units */
    arb_agent *agents;
    agent_arb_stats stats;
} arb_pop;

void agent_arb_params_default(void *params)
{
    agent_arb_params *p = params;
    memset(p, 0, sizeof *p);
    p->count = 10;
    p->threshold_bps = 2;
    p->exit_bps = 1;
    p->spot_fee_bps = 0;
    p->order_notional = 25000;
    p->max_position_notional = 1e6;
    p->leverage = 5;
    p->capital = 5e5;
    arrival_params_default(&p->arrival);
}

int agent_arb_check(const void *params, const profile *prof,
                    const char *key_prefix, perr *e)
{
    const agent_arb_params *p = params;
    const char *k = key_prefix;
    int rc = agent_check_count(p->count, k, e);
    if (rc != 0)
        return rc;
    if ((rc = agent_check_sizing(p->threshold_bps, p->exit_bps,
                                 p->order_notional, p->max_position_notional,
                                 p->leverage, p->capital, k, e)) != 0)
        return rc;
    if (!(p->spot_fee_bps >= 0 && p->spot_fee_bps <= 10000))
        return perr_set(e, PERR_INVALID,
                        "%s.spot_fee_bps: must be in [0, 10000] (got %g)", k,
                        p->spot_fee_bps);
    if ((rc = agent_check_arrival(&p->arrival, k, e)) != 0)
        return rc;
    if (agent_quote_cash(prof, p->order_notional) < 0)
        return perr_set(e, PERR_INVALID,
                        "%s.order_notional: %g is not a representable amount "
                        "of %s's cash units", k, p->order_notional, prof->name);
    return agent_check_sizing_venue(p->max_position_notional, p->leverage,
                                    p->capital, prof, k, e);
}

/* ---- the edge ----------------------------------------------------------- */

double agent_arb_funding_edge(int64_t rate, int64_t now,
                              int64_t next_settlement, int64_t interval)
{
    if (interval <= 0)
        return 0;
    double left = (double)(next_settlement - now) / (double)interval;
    double weight = 1.0 - left;
    if (weight < 0)
        weight = 0;
    if (weight > 1)
        weight = 1;
    return (double)rate / (double)PROFILE_RATE_ONE * weight;
}

double agent_arb_market_funding_edge(const agent_market *m, int64_t now)
{
    if (!m->funding)
        return 0;
    return agent_arb_funding_edge(funding_estimate(m->funding, NULL), now,
                                  funding_next_settlement(m->funding),
                                  funding_interval(m->funding));
}

void agent_arb_limits_get(const agent_arb_params *p, const profile *prof,
                          double index_ticks, double funding_edge,
                          agent_arb_limits *out)
{
    double cost = (double)prof->taker_fee / (double)PROFILE_RATE_ONE
                  + p->spot_fee_bps / 1e4;
    double enter = cost + p->threshold_bps / 1e4;
    double exit = p->exit_bps / 1e4;
    double f = funding_edge;
    /* A price within a millionth of a tick of the grid counts as on it, so
     * that decimal parameters give the limits their closed form states. */
    const double on_grid = 1e-6;
    out->sell_entry = (int64_t)ceil(index_ticks * (1.0 + enter - f) - on_grid);
    out->buy_entry = (int64_t)floor(index_ticks * (1.0 - enter - f) + on_grid);
    out->buy_exit = (int64_t)floor(index_ticks * (1.0 + exit - f) + on_grid);
    out->sell_exit = (int64_t)ceil(index_ticks * (1.0 - exit - f) - on_grid);
}

/* ---- the rules ---------------------------------------------------------- */

/* Brings agent a's spot leg to minus its perp position, at index (quote). */
static void arb_rehedge(arb_pop *h, arb_agent *a, int64_t perp_lots,
                        double index)
{
    double target = -(double)perp_lots * h->lot_base;
    double delta = target - a->spot_base;
    if (delta == 0)
        return;
    a->spot_cash -= delta * index + fabs(delta) * index * h->p.spot_fee_bps / 1e4;
    a->spot_base = target;
}

/* Sends an IOC for agent i; counts it, returns the lots filled in *filled. */
static int arb_send(arb_pop *h, uint32_t id, int side, int64_t price,
                    int64_t lots, unsigned flags, int64_t *filled, perr *e)
{
    const book *b = venue_book_view(h->v);
    if (price < book_min_price(b))
        price = book_min_price(b);
    if (price > book_max_price(b))
        price = book_max_price(b);
    book_order_spec spec = {price, lots, id, side, BOOK_IOC, flags};
    book_result res;
    venue_reject why;
    *filled = 0;
    int rc = venue_submit(h->v, id, &spec, &res, &why, e);
    if (rc != 0)
        return rc;
    if (why != VENUE_ACCEPTED) {
        h->stats.rejects++;
        return 0;
    }
    *filled = res.filled;
    if (side == BOOK_BUY)
        h->stats.lots_bought += (uint64_t)res.filled;
    else
        h->stats.lots_sold += (uint64_t)res.filled;
    return 0;
}

/* Lots of order_notional at price (at least one). */
static int64_t arb_order_lots(const arb_pop *h, int64_t price)
{
    const profile *p = venue_profile(h->v);
    double lots = floor((double)h->order_cash
                        / ((double)price * (double)p->cash_per_tick_lot));
    return lots < 1 ? 1 : lots > 1e15 ? INT64_C(1000000000000000) : (int64_t)lots;
}

/* Lots that may be added to the position at worst_price without its entry
 * notional passing max_cash. */
static int64_t arb_room(const arb_pop *h, const account *acc, int64_t worst_price)
{
    const profile *p = venue_profile(h->v);
    int64_t used = acc->cost < 0 ? -acc->cost : acc->cost;
    if (used >= h->max_cash)
        return 0;
    i128 per_lot = (i128)worst_price * p->cash_per_tick_lot;
    return (int64_t)((i128)(h->max_cash - used) / per_lot);
}

/* Opens or adds to agent id's position on side with an IOC at limit, of
 * order_notional at most and no more than the room left at room_price:
 * 1 when it sent an order, 0 when there was no room, else the venue's
 * error. */
static int arb_enter(arb_pop *h, uint32_t id, const account *acc, int side,
                     int64_t limit, int64_t room_price, perr *e)
{
    int64_t lots = arb_order_lots(h, limit);
    int64_t room = arb_room(h, acc, room_price);
    if (lots > room)
        lots = room;
    if (lots < 1)
        return 0;
    int64_t filled;
    int rc = arb_send(h, id, side, limit, lots, 0, &filled, e);
    if (rc != 0)
        return rc;
    if (filled > 0)
        h->stats.entries++;
    return 1;
}

static int arb_act(arb_pop *h, agent_world *w, uint32_t i, perr *e)
{
    agent_market *m = &w->markets[h->base.market];
    const book *b = venue_book_view(h->v);
    uint32_t id = h->first + i;
    arb_agent *a = &h->agents[i];
    const account *acc = venue_account(h->v, id);
    if (acc->state == ACCOUNT_HELD)
        return 0; /* the engine is liquidating it */
    arb_rehedge(h, a, acc->size, w->index);
    a->liquidated = 0;

    agent_arb_limits lim;
    agent_arb_limits_get(&h->p, venue_profile(h->v), m->index_ticks,
                         agent_arb_market_funding_edge(m, w->now), &lim);
    int64_t bid = book_best_bid(b), ask = book_best_ask(b);
    int64_t filled;
    int rc;

    /* Unwind a position whose edge is gone. */
    if (acc->size < 0 && ask != BOOK_NO_PRICE && ask <= lim.buy_exit) {
        int64_t lots = arb_order_lots(h, lim.buy_exit);
        if (lots > -acc->size)
            lots = -acc->size;
        rc = arb_send(h, id, BOOK_BUY, lim.buy_exit, lots, BOOK_REDUCE_ONLY,
                      &filled, e);
        if (rc != 0)
            return rc;
        if (filled > 0) {
            h->stats.exits++;
            arb_rehedge(h, a, venue_account(h->v, id)->size, w->index);
            return 0;
        }
    } else if (acc->size > 0 && bid != BOOK_NO_PRICE && bid >= lim.sell_exit) {
        int64_t lots = arb_order_lots(h, lim.sell_exit);
        if (lots > acc->size)
            lots = acc->size;
        rc = arb_send(h, id, BOOK_SELL, lim.sell_exit, lots, BOOK_REDUCE_ONLY,
                      &filled, e);
        if (rc != 0)
            return rc;
        if (filled > 0) {
            h->stats.exits++;
            arb_rehedge(h, a, venue_account(h->v, id)->size, w->index);
            return 0;
        }
    }

    /* Enter or add while the edge lasts. */
    acc = venue_account(h->v, id);
    if (acc->size <= 0 && bid != BOOK_NO_PRICE && bid >= lim.sell_entry)
        rc = arb_enter(h, id, acc, BOOK_SELL, lim.sell_entry, bid, e);
    else if (acc->size >= 0 && ask != BOOK_NO_PRICE && ask <= lim.buy_entry)
        rc = arb_enter(h, id, acc, BOOK_BUY, lim.buy_entry, lim.buy_entry, e);
    else
        rc = 0;
    if (rc <= 0)
        return rc;
    arb_rehedge(h, a, venue_account(h->v, id)->size, w->index);
    return 0;
}

static int arb_wake(agent_pop *pop, agent_world *w, perr *e)
{
    arb_pop *h = (arb_pop *)pop;
    h->stats.wakes++;
    uint32_t i = (uint32_t)gsl_rng_uniform_int(h->rng, h->p.count);
    return arb_act(h, w, i, e);
}

static void arb_on_liquidated(agent_pop *pop, uint32_t market,
                              uint32_t account_id, int64_t now)
{
    (void)now;
    arb_pop *h = (arb_pop *)pop;
    if (market != pop->market || account_id < h->first
        || account_id - h->first >= h->p.count)
        return;
    arb_agent *a = &h->agents[account_id - h->first];
    if (!a->liquidated) {
        a->liquidated = 1;
        h->stats.liquidations++;
    }
}

static void arb_free(agent_pop *pop)
{
    arb_pop *h = (arb_pop *)pop;
    arrival_free(&h->base.arrival);
    if (h->rng)
        gsl_rng_free(h->rng);
    free(h->agents);
    free(h);
}

static const agent_pop_type arb_type = {"basis_arb", arb_wake,
                                        arb_on_liquidated, arb_free, NULL};

/* ---- set-up ------------------------------------------------------------- */

agent_pop *agent_arb_new(const void *params, const agent_setup *s, perr *e)
{
    const agent_arb_params *p = params;
    venue *v = agent_setup_venue(s);
    const profile *prof = venue_profile(v);
    if (agent_arb_check(p, prof, s->key_prefix, e) != 0)
        return NULL;
    arb_pop *h = calloc(1, sizeof *h);
    if (!h) {
        perr_set(e, PERR_NOMEM, "no memory for population %s", s->name);
        return NULL;
    }
    h->p = *p;
    h->v = v;
    h->lot_base = param_decimal_value(prof->lot);
    h->order_cash = agent_quote_cash(prof, p->order_notional);
    h->max_cash = agent_quote_cash(prof, p->max_position_notional);
    int64_t capital_cash = agent_quote_cash(prof, p->capital);
    h->rng = agent_rng_alloc(s);
    h->agents = calloc(p->count, sizeof *h->agents);
    if (!h->rng || !h->agents) {
        perr_set(e, PERR_NOMEM, "no memory for the %u agents of %s",
                 (unsigned)p->count, s->name);
        arb_free(&h->base);
        return NULL;
    }
    if (agent_pop_init(&h->base, &arb_type, &p->arrival, s, e) != 0
        || agent_open_accounts(v, p->count, capital_cash, (int32_t)p->leverage,
                               s->name, &h->first, e) != 0) {
        arb_free(&h->base);
        return NULL;
    }
    return &h->base;
}

void agent_arb_stats_get(const agent_pop *pop, agent_arb_stats *out)
{
    *out = ((const arb_pop *)pop)->stats;
}

uint32_t agent_arb_account(const agent_pop *pop, uint32_t i)
{
    return ((const arb_pop *)pop)->first + i;
}

void agent_arb_spot(const agent_pop *pop, uint32_t i, double *base,
                    double *cash)
{
    const arb_agent *a = &((const arb_pop *)pop)->agents[i];
    *base = a->spot_base;
    *cash = a->spot_cash;
}

/* ---- the registry's view ----------------------------------------------- */

#define ARB_KEY(key, type, member, unit)                                     \
    {key, type, offsetof(agent_arb_params, member), unit, NULL}

static const param_key arb_keys[] = {
    ARB_KEY("count", PARAM_COUNT, count, "agents"),
    ARB_KEY("threshold_bps", PARAM_DOUBLE, threshold_bps, "bp"),
    ARB_KEY("exit_bps", PARAM_DOUBLE, exit_bps, "bp"),
    ARB_KEY("spot_fee_bps", PARAM_DOUBLE, spot_fee_bps, "bp"),
    ARB_KEY("order_notional", PARAM_DOUBLE, order_notional, "quote"),
    ARB_KEY("max_position_notional", PARAM_DOUBLE, max_position_notional, "quote"),
    ARB_KEY("leverage", PARAM_COUNT, leverage, "x"),
    ARB_KEY("capital", PARAM_DOUBLE, capital, "quote"),
    AGENT_ARRIVAL_KEYS(agent_arb_params),
    PARAM_END,
};

const agent_kind agent_arb_kind = {
    "basis_arb",
    "basis and funding arbitrageurs: short the perp against spot when it is "
    "rich (or funding pays), long when cheap",
    sizeof(agent_arb_params), arb_keys, 0, agent_arb_params_default,
    agent_arb_check, agent_arb_new,
    offsetof(agent_arb_params, count)};
