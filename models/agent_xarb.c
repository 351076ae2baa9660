/*
 * agent_xarb: cross-venue arbitrageurs (agent_xarb.h). What one agent does
 * when the population's arrival picks it (uniformly, from the stream
 * "<name>/agents"):
 *
 *   1. repairs its hedge: the net base quantity of its two legs, sizeA x
 *      lotA + sizeB x lotB, is cut by a reduce-only IOC at the touch on the
 *      larger leg, by as many of that leg's lots as fit in the net. After
 *      matched fills there is nothing to cut; after a partial fill or a
 *      liquidation of one leg it closes what no longer has a partner;
 *   2. unwinds: holding short A / long B, the pair's remaining edge is what
 *      closing it now would still leave to gain, (askA - bidB) / I + g (A
 *      still dearer than B, or funding still favouring the short in A); at
 *      or below exit_bps it buys A at its best ask and sells B at its best
 *      bid, reduce-only. Long A / short B mirrors it;
 *   3. otherwise enters or adds in the direction of the edge of
 *      agent_xarb.h when it beats feeA + feeB + threshold_bps: sells the
 *      rich venue at its best bid, buys the cheap one at its best ask. A
 *      pair only adds in its own direction; turning means unwinding first.
 *
 * Equal base quantities. A pair trade is sized in base currency: the lesser
 * of order_notional / I, the size at each touch (an IOC at the quoted
 * price fills only there), the room each leg has under
 * max_position_notional (its entry notional |cost| at the touch price,
 * exact since the fill is at that price) or, when unwinding, each leg's
 * position. The leg with the coarser lot goes first, floor(q / lot) lots;
 * the other is then sent for the same base quantity rounded to its own lots
 * (round(filled x lot1 / lot2), within its own bounds), so the two match as
 * closely as the lots allow and a first leg that filled less than asked
 * never leaves the second over-hedged. What still differs is cut by step 1
 * at the agent's next turn.
 *
 * Funding: the g of agent_xarb.h weighs each venue's funding_estimate by
 * how far its own interval has run (agent_arb_funding_edge), so two venues
 * with different cadences (8h against 1h) are each counted for their next
 * settlement; being short where the rate is higher adds to the edge.
 *
 * Wallets: each account is opened with capital at leverage; the check asks
 * capital x leverage >= max_position_notional, so admission never refuses a
 * full leg, and a leg is liquidated only after a move of about
 * capital / max_position_notional (50% at the defaults). Wake allocates
 * nothing.
 */
#include "agent_xarb.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "agent_arb.h"
#include "margin.h"


/* One venue as the population trades it. */
typedef struct xarb_leg {
    venue *v;
    double tick_quote; /* quote currency per tick */
    double lot_base;   /* base currency per lot */
    double fee;        /* taker fee, a fraction */
    int64_t max_cash;  /* max_position_notional in its cash units */
} xarb_leg;

typedef struct xarb_pop {
    agent_pop base; /* first: what every population is (agent i of leg k is
                       agent_account(&base, k, i)) */
    agent_xarb_params p;
    xarb_leg leg[2];
    uint8_t *liquidated; /* per agent: an episode noted since its last turn */
    agent_xarb_stats stats;
} xarb_pop;

/* One order of a pair trade. */
typedef struct xarb_order {
    int leg;
    int side;
    int64_t price; /* ticks: the touch */
    int64_t max_lots;
} xarb_order;

/* ---- the rules ---------------------------------------------------------- */

static int xarb_send(xarb_pop *h, int leg, uint32_t i, int side,
                     int64_t price, int64_t lots, unsigned flags,
                     int64_t *filled, perr *e)
{
    uint32_t id = agent_account(&h->base, leg, i);
    book_order_spec spec = {price, lots, id, side, BOOK_IOC, flags};
    int rc = agent_send(h->leg[leg].v, &spec, &h->stats.rejects, filled, e);
    if (rc != 0)
        return rc;
    uint64_t *lots_traded = side == BOOK_BUY ? h->stats.lots_bought
                                             : h->stats.lots_sold;
    lots_traded[leg] += (uint64_t)*filled;
    return 0;
}

/* Lots resting at the best price of the side an order on taker_side takes. */
static int64_t xarb_touch_lots(const venue *v, int taker_side)
{
    book_level lvl;
    if (book_levels(venue_book_view(v), -taker_side, &lvl, 1) != 1)
        return 0;
    return lvl.size;
}

/* Lots of one leg in base quantity q, rounded down (a hair of tolerance so
 * that q computed as lots x lot gives those lots back). */
static int64_t xarb_lots_floor(double q, double lot)
{
    double lots = floor(q / lot + 1e-9);
    return lots < 0 ? 0 : lots > 1e15 ? INT64_C(1000000000000000) : (int64_t)lots;
}

/* Sends a pair for base quantity q, cut to what both legs allow: the
 * coarser leg first, then the other for the same base. */
static int xarb_pair(xarb_pop *h, uint32_t i, const xarb_order o[2], double q,
                     unsigned flags, int *done, perr *e)
{
    *done = 0;
    for (int k = 0; k < 2; k++) {
        double most = (double)o[k].max_lots * h->leg[o[k].leg].lot_base;
        if (most < q)
            q = most;
    }
    int first = h->leg[o[0].leg].lot_base >= h->leg[o[1].leg].lot_base ? 0 : 1;
    const xarb_order *a = &o[first], *b = &o[1 - first];
    const xarb_leg *la = &h->leg[a->leg], *lb = &h->leg[b->leg];
    int64_t lots_a = xarb_lots_floor(q, la->lot_base);
    if (lots_a > a->max_lots)
        lots_a = a->max_lots;
    if (lots_a < 1)
        return 0;
    int64_t filled_a, filled_b;
    int rc = xarb_send(h, a->leg, i, a->side, a->price, lots_a, flags,
                       &filled_a, e);
    if (rc != 0 || filled_a == 0)
        return rc;
    *done = 1;
    int64_t lots_b = llround((double)filled_a * la->lot_base / lb->lot_base);
    if (lots_b > b->max_lots)
        lots_b = b->max_lots;
    if (lots_b < 1)
        return 0; /* the next turn's repair cuts leg a */
    return xarb_send(h, b->leg, i, b->side, b->price, lots_b, flags, &filled_b,
                     e);
}

/* Step 1: cuts the larger leg by the whole lots of the net. */
static int xarb_repair(xarb_pop *h, uint32_t i, perr *e)
{
    const account *acc[2];
    double held[2];
    for (int k = 0; k < 2; k++) {
        acc[k] = venue_account(h->leg[k].v, agent_account(&h->base, k, i));
        held[k] = (double)acc[k]->size * h->leg[k].lot_base;
    }
    double net = held[0] + held[1];
    int big = fabs(held[0]) >= fabs(held[1]) ? 0 : 1;
    int64_t lots = xarb_lots_floor(fabs(net), h->leg[big].lot_base);
    int64_t size = acc[big]->size;
    if (lots < 1 || size == 0)
        return 0;
    if (lots > (size < 0 ? -size : size))
        lots = size < 0 ? -size : size;
    const book *bk = venue_book_view(h->leg[big].v);
    int side = size > 0 ? BOOK_SELL : BOOK_BUY;
    int64_t touch = side == BOOK_SELL ? book_best_bid(bk) : book_best_ask(bk);
    if (touch == BOOK_NO_PRICE)
        return 0;
    int64_t filled;
    int rc = xarb_send(h, big, i, side, touch, lots, BOOK_REDUCE_ONLY, &filled,
                       e);
    if (rc == 0 && filled > 0)
        h->stats.repairs++;
    return rc;
}

static int xarb_wake(agent_pop *pop, agent_world *w, uint32_t i, perr *e)
{
    xarb_pop *h = (xarb_pop *)pop;
    h->stats.wakes++;
    for (int k = 0; k < 2; k++)
        if (venue_account(h->leg[k].v, agent_account(&h->base, k, i))->state
            == ACCOUNT_HELD)
            return 0;
    h->liquidated[i] = 0;
    int rc = xarb_repair(h, i, e);
    if (rc != 0)
        return rc;

    int64_t bid[2], ask[2];
    double bid_q[2], ask_q[2], f[2];
    const account *acc[2];
    int64_t touch_bid[2], touch_ask[2];
    for (int k = 0; k < 2; k++) {
        const book *bk = venue_book_view(h->leg[k].v);
        bid[k] = book_best_bid(bk);
        ask[k] = book_best_ask(bk);
        if (bid[k] == BOOK_NO_PRICE || ask[k] == BOOK_NO_PRICE)
            return 0;
        bid_q[k] = (double)bid[k] * h->leg[k].tick_quote;
        ask_q[k] = (double)ask[k] * h->leg[k].tick_quote;
        acc[k] = venue_account(h->leg[k].v, agent_account(&h->base, k, i));
        touch_bid[k] = xarb_touch_lots(h->leg[k].v, BOOK_SELL);
        touch_ask[k] = xarb_touch_lots(h->leg[k].v, BOOK_BUY);
    }
    uint32_t markets[2] = {h->base.market, (uint32_t)h->base.other_market};
    for (int k = 0; k < 2; k++)
        f[k] = markets[k] < w->n_markets
                   ? agent_arb_market_funding_edge(&w->markets[markets[k]], w->now)
                   : 0;
    double index = w->index;
    double g = f[0] - f[1];
    double q_order = h->p.sizing.order_notional / index;
    /* The direction held: the side of leg A (B's opposite if A is flat). */
    int dir = acc[0]->size < 0 ? -1 : acc[0]->size > 0 ? 1
            : acc[1]->size > 0 ? -1 : acc[1]->size < 0 ? 1 : 0;
    int done;

    /* Unwind a pair whose edge is gone. */
    if (dir != 0) {
        /* The leg short now buys at its ask; the long one sells at its bid. */
        int s = dir < 0 ? 0 : 1; /* the short leg */
        int l = 1 - s;
        double remaining = (ask_q[s] - bid_q[l]) / index + (s == 0 ? g : -g);
        if (remaining <= h->p.sizing.exit_bps / 1e4) {
            int64_t size_s = -acc[s]->size, size_l = acc[l]->size;
            xarb_order o[2] = {
                {s, BOOK_BUY, ask[s], size_s < touch_ask[s] ? size_s : touch_ask[s]},
                {l, BOOK_SELL, bid[l], size_l < touch_bid[l] ? size_l : touch_bid[l]},
            };
            rc = xarb_pair(h, i, o, q_order, BOOK_REDUCE_ONLY, &done, e);
            if (rc == 0 && done)
                h->stats.exits++;
            return rc;
        }
    }

    /* Enter or add in the direction of the edge. */
    double cost = h->leg[0].fee + h->leg[1].fee
                  + h->p.sizing.threshold_bps / 1e4;
    double edge_short_a = (bid_q[0] - ask_q[1]) / index + g;
    double edge_long_a = (bid_q[1] - ask_q[0]) / index - g;
    int s;
    if (dir <= 0 && edge_short_a > cost)
        s = 0;
    else if (dir >= 0 && edge_long_a > cost)
        s = 1;
    else
        return 0;
    int l = 1 - s;
    int64_t room_s = agent_room_lots(venue_profile(h->leg[s].v), acc[s],
                                     h->leg[s].max_cash, bid[s]);
    int64_t room_l = agent_room_lots(venue_profile(h->leg[l].v), acc[l],
                                     h->leg[l].max_cash, ask[l]);
    xarb_order o[2] = {
        {s, BOOK_SELL, bid[s], room_s < touch_bid[s] ? room_s : touch_bid[s]},
        {l, BOOK_BUY, ask[l], room_l < touch_ask[l] ? room_l : touch_ask[l]},
    };
    rc = xarb_pair(h, i, o, q_order, 0, &done, e);
    if (rc == 0 && done)
        h->stats.entries++;
    return rc;
}

/* Noted once per episode, on either venue: until the agent's next turn. */
static void xarb_agent_liquidated(agent_pop *pop, uint32_t i)
{
    xarb_pop *h = (xarb_pop *)pop;
    h->stats.liquidations += !h->liquidated[i];
    h->liquidated[i] = 1;
}

/* ---- set-up ------------------------------------------------------------- */

static int xarb_init(agent_pop *pop, const agent_setup *s, perr *e)
{
    (void)e;
    xarb_pop *h = (xarb_pop *)pop;
    for (int k = 0; k < 2; k++) {
        h->leg[k].v = agent_setup_venue(s, k);
        const profile *prof = venue_profile(h->leg[k].v);
        h->leg[k].tick_quote = param_decimal_value(prof->tick);
        h->leg[k].lot_base = param_decimal_value(prof->lot);
        h->leg[k].fee = (double)prof->taker_fee / (double)PROFILE_RATE_ONE;
        h->leg[k].max_cash =
            agent_quote_cash(prof, h->p.sizing.max_position_notional);
    }
    h->liquidated = pop->agents;
    return 0;
}

void agent_xarb_stats_get(const agent_pop *pop, agent_xarb_stats *out)
{
    *out = ((const xarb_pop *)pop)->stats;
}

/* ---- the registry's view ----------------------------------------------- */

static const param_key xarb_keys[] = {
    AGENT_COUNT_KEY(agent_xarb_params),
    AGENT_ARB_EDGE_KEYS(agent_xarb_params),
    AGENT_ARB_SIZE_KEYS(agent_xarb_params),
    AGENT_ARRIVAL_KEYS(agent_xarb_params),
    PARAM_END,
};

static const agent_xarb_params xarb_defaults = {
    .count = 10,
    .sizing = AGENT_ARB_SIZING_DEFAULTS,
    .arrival = ARRIVAL_PARAMS_DEFAULTS(1.0),
};

static const agent_rule xarb_rules[] = {
    AGENT_ARB_SIZING_RULE(agent_xarb_params),
    AGENT_RULES_END,
};

static const agent_rule xarb_venue_rules[] = {
    AGENT_ARB_SIZING_VENUE_RULE(agent_xarb_params),
    AGENT_RULES_END,
};

const agent_kind agent_xarb_kind = {
    .kind = "cross_venue_arb",
    .summary = "cross-venue arbitrageurs: buy the cheaper venue, sell the "
               "dearer, unwind when the gap closes",
    .two_venues = 1,
    AGENT_PARAMS(agent_xarb_params, xarb_keys, &xarb_defaults),
    .rules = xarb_rules, .venue_rules = xarb_venue_rules,
    AGENT_POP(xarb_pop), .agent_size = sizeof(uint8_t),
    .opening = agent_arb_opening, .init = xarb_init, .wake = xarb_wake,
    .on_agent_liquidated = xarb_agent_liquidated,
};
