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
 * the check (agent_check_sizing) requires capital x leverage >=
 * max_position_notional, so admission never refuses a full position, and a
 * perp short of notional N backed by capital C is liquidated only after a
 * rise of about C / N - MMR
 * (50% at the defaults): not in a normal run. If it happens, the population
 * notes it once per episode (agent_on_liquidated) and the agent re-hedges
 * its spot at its next turn.
 *
 * Wake allocates nothing: the state is two doubles and a flag per agent,
 * allocated when the population is made (agent_kind_create).
 */
#include "agent_arb.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "margin.h"


typedef struct arb_agent {
    double spot_base; /* base currency held outside the venue */
    double spot_cash; /* quote paid (-) or received (+) for it, fees included */
    uint8_t liquidated; /* a liquidation was noted since its last turn */
} arb_agent;

typedef struct arb_pop {
    agent_pop base; /* first: what every population is */
    agent_arb_params p;
    venue *v;
    double lot_base;       /* base currency per lot */
    int64_t order_cash;    /* order_notional in cash units */
    int64_t max_cash;      /* max_position_notional in cash units */
    arb_agent *agents;
    agent_arb_stats stats;
} arb_pop;

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
    double enter = cost + p->sizing.threshold_bps / 1e4;
    double exit = p->sizing.exit_bps / 1e4;
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

/* Sends an IOC for agent id; counts it, returns the lots filled in *filled. */
static int arb_send(arb_pop *h, uint32_t id, int side, int64_t price,
                    int64_t lots, unsigned flags, int64_t *filled, perr *e)
{
    const book *b = venue_book_view(h->v);
    if (price < book_min_price(b))
        price = book_min_price(b);
    if (price > book_max_price(b))
        price = book_max_price(b);
    book_order_spec spec = {price, lots, id, side, BOOK_IOC, flags};
    int rc = agent_send(h->v, &spec, &h->stats.rejects, filled, e);
    if (rc != 0)
        return rc;
    if (side == BOOK_BUY)
        h->stats.lots_bought += (uint64_t)*filled;
    else
        h->stats.lots_sold += (uint64_t)*filled;
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

/* Opens or adds to agent id's position on side with an IOC at limit, of
 * order_notional at most and no more than the room left at room_price:
 * 1 when it sent an order, 0 when there was no room, else the venue's
 * error. */
static int arb_enter(arb_pop *h, uint32_t id, const account *acc, int side,
                     int64_t limit, int64_t room_price, perr *e)
{
    int64_t lots = arb_order_lots(h, limit);
    int64_t room = agent_room_lots(venue_profile(h->v), acc, h->max_cash,
                                   room_price);
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

static int arb_wake(agent_pop *pop, agent_world *w, uint32_t i, perr *e)
{
    arb_pop *h = (arb_pop *)pop;
    h->stats.wakes++;
    agent_market *m = &w->markets[h->base.market];
    const book *b = venue_book_view(h->v);
    uint32_t id = agent_account(&h->base, 0, i);
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

    /* Unwind a position whose edge is gone: a short buys back while the ask
     * is at or below buy_exit, a long sells while the bid is at or above
     * sell_exit. */
    if (acc->size != 0) {
        int side = acc->size < 0 ? BOOK_BUY : BOOK_SELL;
        int64_t touch = side > 0 ? ask : bid;
        int64_t limit = side > 0 ? lim.buy_exit : lim.sell_exit;
        if (touch != BOOK_NO_PRICE && side * (limit - touch) >= 0) {
            int64_t lots = arb_order_lots(h, limit);
            if (lots > side * -acc->size)
                lots = side * -acc->size;
            rc = arb_send(h, id, side, limit, lots, BOOK_REDUCE_ONLY, &filled,
                          e);
            if (rc != 0)
                return rc;
            if (filled > 0) {
                h->stats.exits++;
                arb_rehedge(h, a, venue_account(h->v, id)->size, w->index);
                return 0;
            }
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

/* Noted once per episode: until the agent's next turn. */
static void arb_agent_liquidated(agent_pop *pop, uint32_t i)
{
    arb_pop *h = (arb_pop *)pop;
    h->stats.liquidations += !h->agents[i].liquidated;
    h->agents[i].liquidated = 1;
}

/* ---- set-up ------------------------------------------------------------- */

static int arb_init(agent_pop *pop, const agent_setup *s, perr *e)
{
    (void)e;
    arb_pop *h = (arb_pop *)pop;
    h->v = agent_setup_venue(s, 0);
    const profile *prof = venue_profile(h->v);
    h->lot_base = param_decimal_value(prof->lot);
    h->order_cash = agent_quote_cash(prof, h->p.sizing.order_notional);
    h->max_cash = agent_quote_cash(prof, h->p.sizing.max_position_notional);
    h->agents = pop->agents;
    return 0;
}

void agent_arb_stats_get(const agent_pop *pop, agent_arb_stats *out)
{
    *out = ((const arb_pop *)pop)->stats;
}

void agent_arb_spot(const agent_pop *pop, uint32_t i, double *base,
                    double *cash)
{
    const arb_agent *a = &((const arb_pop *)pop)->agents[i];
    *base = a->spot_base;
    *cash = a->spot_cash;
}

/* ---- the registry's view ----------------------------------------------- */

static const param_key arb_keys[] = {
    AGENT_COUNT_KEY(agent_arb_params),
    AGENT_ARB_EDGE_KEYS(agent_arb_params),
    {"spot_fee_bps", PARAM_DOUBLE, offsetof(agent_arb_params, spot_fee_bps),
     "bp", NULL},
    AGENT_ARB_SIZE_KEYS(agent_arb_params),
    AGENT_ARRIVAL_KEYS(agent_arb_params),
    PARAM_END,
};

static const agent_arb_params arb_defaults = {
    .count = 10,
    .sizing = AGENT_ARB_SIZING_DEFAULTS,
    .spot_fee_bps = 0,
    .arrival = ARRIVAL_PARAMS_DEFAULTS(1.0),
};

static const agent_rule arb_rules[] = {
    AGENT_ARB_SIZING_RULE(agent_arb_params),
    AGENT_RANGE("spot_fee_bps", "in [0, 10000]"),
    AGENT_RULES_END,
};

/* order_notional in the venue's cash units (an order is sized from it). */
static const agent_rule arb_venue_rules[] = {
    AGENT_CASH("order_notional"),
    AGENT_ARB_SIZING_VENUE_RULE(agent_arb_params),
    AGENT_RULES_END,
};

const agent_kind agent_arb_kind = {
    .kind = "basis_arb",
    .summary = "basis and funding arbitrageurs: short the perp against spot "
               "when it is rich (or funding pays), long when cheap",
    AGENT_PARAMS(agent_arb_params, arb_keys, &arb_defaults),
    .rules = arb_rules, .venue_rules = arb_venue_rules,
    AGENT_POP(arb_pop), .agent_size = sizeof(arb_agent),
    .opening = agent_arb_opening, .init = arb_init, .wake = arb_wake,
    .on_agent_liquidated = arb_agent_liquidated,
};
