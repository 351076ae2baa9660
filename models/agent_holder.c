/*
 * agent_holder: leveraged directional holders (agent_holder.h). What one
 * agent does when the population's arrival picks it (uniformly among all of
 * its agents, from the population's own stream):
 *
 *   flat      draws a position notional N (lognormal, quote currency) and a
 *             leverage L (lognormal, rounded, at least 1), sizes an IOC at
 *             the touch (the best ask for a long, the best bid for a short)
 *             to floor(N / price) lots (at least one), and caps L at
 *             margin_max_leverage of that order's notional measured as the
 *             venue measures it (at the larger of the order's price and the
 *             mark), so it never exceeds its bracket's maximum. Then it sets
 *             its wallet to exactly the initial margin plus the taker fee,
 *             depositing the shortfall or withdrawing the excess, and sends
 *             the order. Wallets are thus external money brought per trade
 *             (ledger deposits and withdrawals), not assigned at start: a
 *             holder's leverage is what it drew, whatever its past profits.
 *   holding   compares the mark with its entry price (the account's cost
 *             over its size): a favourable move of take_profit x entry or an
 *             adverse one of stop_loss x entry closes it with a reduce-only
 *             IOC at the touch. What the touch cannot fill stays open for the
 *             agent's next turn.
 *   retired   does nothing: after each exit (take-profit, stop-loss, or a
 *             liquidation that left the account flat) the agent stays in the
 *             game with probability reentry, else it retires for the run.
 *
 * An arrival that picks a retired agent, or a holding one inside its bands,
 * passes without an order, so a population of a million holders costs only
 * its arrivals. A liquidation is noted by agent_on_liquidated, or, if the
 * loop did not report it, when the agent next finds its account flat.
 *
 * Orders and accounts follow the venue's rules of admission (venue.h); the
 * cap on leverage is Binance's bracket rule (mechanics.md 2), applied to
 * every venue through its profile's brackets.
 */
#include "agent_holder.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "margin.h"
#include "pcg.h"

__extension__ typedef __int128 i128;

enum {
    HOLDER_HOLDING = 1u, /* the agent opened a position it has not yet left */
    HOLDER_RETIRED = 2u, /* the agent will not trade again */
};

typedef struct holder_pop {
    agent_pop base; /* first: the engine's view */
    agent_holder_params p;
    venue *v;
    gsl_rng *rng;         /* the population's choices */
    uint32_t first;       /* account of agent 0; agent i has first + i */
    int64_t notional_cash_median; /* p.notional_median in cash units */
    uint8_t *state;       /* HOLDER_* per agent */
    agent_holder_stats stats;
} holder_pop;

void agent_holder_params_default(void *params)
{
    agent_holder_params *p = params;
    memset(p, 0, sizeof *p);
    p->count = 1000;
    p->side = 1;
    p->leverage_median = 10;
    p->leverage_sigma = 0.6;
    p->notional_median = 2000;
    p->notional_sigma = 1.0;
    p->take_profit = 0.05;
    p->stop_loss = 0.03;
    p->reentry = 0.8;
    arrival_params_default(&p->arrival);
}

int agent_holder_kind_parse(const char *kind, const char *key_prefix,
                            int *side, perr *e)
{
    if (strcmp(kind, "leveraged_long") == 0)
        *side = 1;
    else if (strcmp(kind, "leveraged_short") == 0)
        *side = -1;
    else
        return perr_set(e, PERR_INVALID,
                        "%s.kind: expected leveraged_long or leveraged_short "
                        "(got %s)", key_prefix, kind);
    return 0;
}

int agent_holder_check(const void *params, const profile *prof,
                       const char *key_prefix, perr *e)
{
    const agent_holder_params *p = params;
    const char *k = key_prefix;
    int rc = agent_check_count(p->count, k, e);
    if (rc != 0)
        return rc;
    if (p->side != 1 && p->side != -1)
        return perr_set(e, PERR_INVALID,
                        "%s.kind: the side must be long (1) or short (-1) (got %d)",
                        k, p->side);
    if (!(p->leverage_median >= 1 && p->leverage_median <= 1e4))
        return perr_set(e, PERR_INVALID,
                        "%s.leverage.median: must be in [1, 10000] (got %g)", k,
                        p->leverage_median);
    if (!(p->leverage_sigma >= 0 && p->leverage_sigma <= 10))
        return perr_set(e, PERR_INVALID,
                        "%s.leverage.sigma: must be in [0, 10] (got %g)", k,
                        p->leverage_sigma);
    if (!(p->notional_median > 0 && p->notional_median < 1e15))
        return perr_set(e, PERR_INVALID,
                        "%s.notional.median: must be > 0 and < 1e15 quote "
                        "currency (got %g)", k, p->notional_median);
    if (!(p->notional_sigma >= 0 && p->notional_sigma <= 10))
        return perr_set(e, PERR_INVALID,
                        "%s.notional.sigma: must be in [0, 10] (got %g)", k,
                        p->notional_sigma);
    if (!(p->take_profit > 0 && p->take_profit <= 100))
        return perr_set(e, PERR_INVALID,
                        "%s.take_profit: must be in (0, 100] (got %g)", k,
                        p->take_profit);
    if (!(p->stop_loss > 0 && p->stop_loss < 1))
        return perr_set(e, PERR_INVALID,
                        "%s.stop_loss: must be in (0, 1) (got %g)", k,
                        p->stop_loss);
    if (!(p->reentry >= 0 && p->reentry <= 1))
        return perr_set(e, PERR_INVALID,
                        "%s.reentry: must be in [0, 1] (got %g)", k, p->reentry);
    if ((rc = agent_check_arrival(&p->arrival, k, e)) != 0)
        return rc;
    int32_t most = prof->brackets[0].max_leverage;
    if (p->leverage_median > most)
        return perr_set(e, PERR_INVALID,
                        "%s.leverage.median: must be <= %d, %s's maximum "
                        "leverage (got %g)", k, (int)most, prof->name,
                        p->leverage_median);
    double cash_median = p->notional_median / profile_cash_to_quote(prof, 1);
    if (!(cash_median >= 1 && cash_median < 4e18))
        return perr_set(e, PERR_INVALID,
                        "%s.notional.median: %g is not a representable amount "
                        "of %s's cash units", k, p->notional_median, prof->name);
    return 0;
}

/* ---- the rules --------------------------------------------------------- */

/* The agent has left its position: it stays with probability reentry. */
static void holder_exit(holder_pop *h, uint32_t i)
{
    h->state[i] &= (uint8_t)~HOLDER_HOLDING;
    h->stats.holding--;
    if (gsl_rng_uniform(h->rng) >= h->p.reentry) {
        h->state[i] |= HOLDER_RETIRED;
        h->stats.retired++;
    }
}

/* Brings a flat cross account's wallet to exactly want. */
static int holder_fund(venue *v, uint32_t id, int64_t want, perr *e)
{
    int64_t wallet = venue_account(v, id)->cash;
    if (wallet < want)
        return venue_deposit(v, id, want - wallet, e);
    if (wallet > want)
        return venue_withdraw(v, id, wallet - want, e);
    return 0;
}

static int holder_open(holder_pop *h, venue *v, uint32_t i, perr *e)
{
    const profile *p = venue_profile(v);
    const book *b = venue_book_view(v);
    uint32_t id = h->first + i;
    int side = h->p.side;
    int64_t touch = side > 0 ? book_best_ask(b) : book_best_bid(b);
    if (touch == BOOK_NO_PRICE)
        return 0;
    double target = (double)h->notional_cash_median
                    * exp(h->p.notional_sigma * gsl_ran_ugaussian(h->rng));
    double lots_f = floor(target / ((double)touch * (double)p->cash_per_tick_lot));
    int64_t lots = lots_f < 1 ? 1 : lots_f > 1e15 ? INT64_C(1000000000000000)
                                                   : (int64_t)lots_f;
    int64_t mark = venue_mark(v);
    int64_t measured = touch > mark ? touch : mark;
    int32_t cap = margin_max_leverage(p, margin_notional(p, lots, measured));
    double drawn = round(h->p.leverage_median
                         * exp(h->p.leverage_sigma * gsl_ran_ugaussian(h->rng)));
    int32_t leverage = drawn < 1 ? 1 : drawn > cap ? cap : (int32_t)drawn;
    if (leverage < 1)
        return 0; /* no bracket holds this notional */
    int64_t notional = margin_notional(p, lots, touch);
    int64_t fee = 0;
    if (p->taker_fee > 0) {
        /* The venue's rounding: the payer's side up. */
        i128 num = (i128)notional * p->taker_fee;
        fee = (int64_t)((num + PROFILE_RATE_ONE - 1) / PROFILE_RATE_ONE);
    }
    /* Funded first: a flat wallet may be in debt from a close filled past
     * bankruptcy, and the new leverage is checked against the wallet. */
    int rc = holder_fund(v, id, margin_initial(notional, leverage) + fee, e);
    if (rc != 0)
        return rc;
    rc = venue_set_leverage(v, id, leverage, e);
    if (rc != 0)
        return rc;
    book_order_spec spec = {touch, lots, id, side, BOOK_IOC, 0};
    book_result res;
    venue_reject why;
    rc = venue_submit(v, id, &spec, &res, &why, e);
    if (rc != 0)
        return rc;
    if (why != VENUE_ACCEPTED) {
        h->stats.rejects++;
    } else if (res.filled > 0) {
        h->state[i] |= HOLDER_HOLDING;
        h->stats.opens++;
        h->stats.holding++;
    }
    return 0;
}

static int holder_check_exit(holder_pop *h, venue *v, uint32_t i, perr *e)
{
    const profile *p = venue_profile(v);
    uint32_t id = h->first + i;
    const account *a = venue_account(v, id);
    if (a->state == ACCOUNT_HELD)
        return 0; /* the engine is liquidating it */
    int dir = a->size > 0 ? 1 : -1;
    double entry = (double)a->cost / ((double)a->size * (double)p->cash_per_tick_lot);
    double move = dir * ((double)venue_mark(v) - entry) / entry;
    int take_profit = move >= h->p.take_profit;
    if (!take_profit && move > -h->p.stop_loss)
        return 0;
    const book *b = venue_book_view(v);
    int64_t touch = dir > 0 ? book_best_bid(b) : book_best_ask(b);
    if (touch == BOOK_NO_PRICE)
        return 0;
    book_order_spec spec = {touch, dir * a->size, id, -dir, BOOK_IOC,
                            BOOK_REDUCE_ONLY};
    book_result res;
    venue_reject why;
    int rc = venue_submit(v, id, &spec, &res, &why, e);
    if (rc != 0)
        return rc;
    if (why != VENUE_ACCEPTED) {
        h->stats.rejects++;
        return 0;
    }
    if (venue_account(v, id)->size == 0) {
        if (take_profit)
            h->stats.take_profits++;
        else
            h->stats.stop_losses++;
        holder_exit(h, i);
    }
    return 0;
}

static int holder_wake(agent_pop *pop, agent_world *w, perr *e)
{
    (void)w;
    holder_pop *h = (holder_pop *)pop;
    venue *v = h->v;
    h->stats.wakes++;
    uint32_t i = (uint32_t)gsl_rng_uniform_int(h->rng, h->p.count);
    uint8_t s = h->state[i];
    if (s & HOLDER_RETIRED)
        return 0;
    if (s & HOLDER_HOLDING) {
        if (venue_account(v, h->first + i)->size == 0) {
            h->stats.liquidations++; /* liquidated without a report */
            holder_exit(h, i);
            return 0;
        }
        return holder_check_exit(h, v, i, e);
    }
    return holder_open(h, v, i, e);
}

static void holder_on_liquidated(agent_pop *pop, uint32_t market,
                                 uint32_t account_id, int64_t now)
{
    (void)now;
    holder_pop *h = (holder_pop *)pop;
    if (market != pop->market || account_id < h->first || account_id - h->first >= h->p.count)
        return;
    uint32_t i = account_id - h->first;
    if ((h->state[i] & HOLDER_HOLDING)
        && venue_account(h->v, account_id)->size == 0) {
        h->stats.liquidations++;
        holder_exit(h, i);
    }
}

static void holder_free(agent_pop *pop)
{
    holder_pop *h = (holder_pop *)pop;
    arrival_free(&h->base.arrival);
    if (h->rng)
        gsl_rng_free(h->rng);
    free(h->state);
    free(h);
}

static const agent_pop_type holder_long_type = {
    "leveraged_long", holder_wake, holder_on_liquidated, holder_free, NULL};
static const agent_pop_type holder_short_type = {
    "leveraged_short", holder_wake, holder_on_liquidated, holder_free, NULL};

/* ---- set-up ------------------------------------------------------------- */

agent_pop *agent_holder_new(const void *params, const agent_setup *s,
                            perr *e)
{
    const agent_holder_params *p = params;
    venue *v = agent_setup_venue(s);
    const profile *prof = venue_profile(v);
    if (agent_holder_check(p, prof, s->key_prefix, e) != 0)
        return NULL;
    holder_pop *h = calloc(1, sizeof *h);
    if (!h) {
        perr_set(e, PERR_NOMEM, "no memory for population %s", s->name);
        return NULL;
    }
    h->p = *p;
    h->v = v;
    h->notional_cash_median =
        (int64_t)llround(p->notional_median / profile_cash_to_quote(prof, 1));
    h->rng = agent_rng_alloc(s);
    h->state = calloc(p->count, 1);
    if (!h->rng || !h->state) {
        perr_set(e, PERR_NOMEM, "no memory for the %u agents of %s",
                 (unsigned)p->count, s->name);
        holder_free(&h->base);
        return NULL;
    }
    const agent_pop_type *type = p->side > 0 ? &holder_long_type
                                             : &holder_short_type;
    if (agent_pop_init(&h->base, type, &p->arrival, s, e) != 0
        || agent_open_accounts(v, p->count, 0, 1, s->name, &h->first, e) != 0) {
        holder_free(&h->base);
        return NULL;
    }
    return &h->base;
}

void agent_holder_stats_get(const agent_pop *pop, agent_holder_stats *out)
{
    *out = ((const holder_pop *)pop)->stats;
}

uint32_t agent_holder_account(const agent_pop *pop, uint32_t i)
{
    return ((const holder_pop *)pop)->first + i;
}

size_t agent_holder_bytes(const agent_pop *pop)
{
    const holder_pop *h = (const holder_pop *)pop;
    /* Each generator is a gsl_rng and its PCG state. */
    return sizeof *h + (size_t)h->p.count * sizeof *h->state
           + 2 * (sizeof(gsl_rng) + sizeof(pcg32));
}

/* ---- the registry's view ----------------------------------------------- */

#define HOLDER_KEY(key, type, member, unit)                                  \
    {key, type, offsetof(agent_holder_params, member), unit, NULL}

static const param_key holder_keys[] = {
    HOLDER_KEY("count", PARAM_COUNT, count, "agents"),
    HOLDER_KEY("leverage.median", PARAM_DOUBLE, leverage_median, "x"),
    HOLDER_KEY("leverage.sigma", PARAM_DOUBLE, leverage_sigma, "log"),
    HOLDER_KEY("notional.median", PARAM_DOUBLE, notional_median, "quote"),
    HOLDER_KEY("notional.sigma", PARAM_DOUBLE, notional_sigma, "log"),
    HOLDER_KEY("take_profit", PARAM_DOUBLE, take_profit, "fraction"),
    HOLDER_KEY("stop_loss", PARAM_DOUBLE, stop_loss, "fraction"),
    HOLDER_KEY("reentry", PARAM_DOUBLE, reentry, "probability"),
    AGENT_ARRIVAL_KEYS(agent_holder_params),
    PARAM_END,
};

static void holder_short_defaults(void *params)
{
    agent_holder_params_default(params);
    ((agent_holder_params *)params)->side = -1;
}

const agent_kind agent_holder_long_kind = {
    "leveraged_long",
    "leveraged long holders: open, hold, take profit or stop out, re-enter",
    sizeof(agent_holder_params), holder_keys, 0, agent_holder_params_default,
    agent_holder_check, agent_holder_new,
    offsetof(agent_holder_params, count)};

const agent_kind agent_holder_short_kind = {
    "leveraged_short",
    "leveraged short holders: open, hold, take profit or stop out, re-enter",
    sizeof(agent_holder_params), holder_keys, 0, holder_short_defaults,
    agent_holder_check, agent_holder_new,
    offsetof(agent_holder_params, count)};
