/*
 * agent_momentum: trend followers (agent_momentum.h).
 *
 * The signal. The population samples its price P (the mark, or the index)
 * on its own grid of `sample` ms, but only at its wakes, so the grid costs
 * nothing between them: slot g of the ring (the grid instant g x sample)
 * holds the price seen at the first wake in [g x sample, (g + 1) x sample),
 * or, when no wake fell in that step, the last price seen before it (the
 * price as known at that instant). At a wake in step g the signal is
 *     r = P_now / slot(g - L) - 1,   L = lookback / sample,
 * the return over between lookback and lookback + sample; it is valid once
 * the ring holds L steps of history (the first wake starts it). The ring has
 * L + 1 slots, so steps older than L are overwritten.
 *
 * At each arrival one agent, chosen uniformly from the population's stream,
 * acts once:
 *   holding   it closes its position with a reduce-only MARKET order
 *             (limited to band_bps from the mark) when it has held it for
 *             `hold`, or when the signal has reversed: r beyond threshold
 *             against the position. What the band does not fill stays for
 *             its next turn;
 *   flat      when |r| > threshold it opens in the direction of r: a MARKET
 *             order of notional x min(|r| / threshold, max_scale) (quote),
 *             floor(that / mark) lots and at least one, after setting its
 *             wallet to exactly the initial margin at `leverage` plus the
 *             taker fee (depositing the shortfall or withdrawing the
 *             excess, as the leveraged holders do), so each position is
 *             funded at the stated leverage and may be liquidated.
 * Agents therefore pile in after a move beyond the threshold, more of them
 * and larger as it grows: a population with a high arrival rate amplifies
 * moves (the feedback traders of De Long, Shleifer, Summers and Waldmann,
 * Journal of Finance 45, 1990).
 *
 * A position the venue liquidated is noticed when the agent next finds its
 * account flat (or through on_liquidated) and counted once.
 */
#include "agent_momentum.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "margin.h"

#define MOMENTUM_FLAT INT64_MIN

const char *const agent_momentum_price_names[] = {"mark", "index", NULL};

typedef struct momentum_pop {
    agent_pop base; /* first: what every population is */
    agent_momentum_params p;
    venue *v;
    agent_units u;  /* of its venue */
    /* The ring of sampled prices. */
    double *ring;      /* L + 1 slots; slot g % (L + 1) holds grid step g */
    uint32_t slots;    /* L + 1 */
    int64_t first_g;   /* the first step seen; -1 before any */
    int64_t last_g;    /* the newest step written */
    double last_price;
    double signal;
    int signal_valid;
    int64_t *opened_at; /* per agent: ms, or MOMENTUM_FLAT */
    agent_momentum_stats stats;
} momentum_pop;

/* ---- the signal --------------------------------------------------------- */

static void momentum_observe(momentum_pop *h, int64_t now, double price)
{
    int64_t g = now / h->p.sample_ms;
    int64_t n = h->slots;
    if (h->first_g < 0) {
        h->first_g = h->last_g = g;
        h->ring[g % n] = price;
    } else if (g > h->last_g) {
        /* Steps without a wake keep the last price seen (at most a ring's
         * worth needs writing). */
        int64_t from = g - h->last_g > n ? g - n + 1 : h->last_g + 1;
        for (int64_t s = from; s < g; s++)
            h->ring[s % n] = h->last_price;
        h->ring[g % n] = price;
        h->last_g = g;
    }
    h->last_price = price;
    int64_t lag = g - (n - 1);
    h->signal_valid = lag >= h->first_g;
    h->signal = h->signal_valid ? price / h->ring[lag % n] - 1 : 0;
}

/* ---- the rules ---------------------------------------------------------- */

static int momentum_open(momentum_pop *h, uint32_t i, perr *e)
{
    venue *v = h->v;
    const profile *p = venue_profile(v);
    uint32_t id = agent_account(&h->base, 0, i);
    int side = h->signal > 0 ? BOOK_BUY : BOOK_SELL;
    double scale = fabs(h->signal) / h->p.threshold;
    if (scale > h->p.max_scale)
        scale = h->p.max_scale;
    int64_t mark = venue_mark(v);
    double lots_f = floor(h->p.notional * scale * h->u.cash_per_quote
                          / ((double)mark * h->u.K));
    int64_t lots = lots_f < 1 ? 1 : (int64_t)lots_f;
    int64_t price = agent_band_price(v, side, h->p.band_bps);
    /* Admission measures a market order's margin at the mark; the fee is
     * paid at most at the band limit. */
    int64_t im = margin_initial(margin_notional(p, lots, mark), (int32_t)h->p.leverage);
    int64_t fee = agent_taker_fee(p, margin_notional(p, lots, price));
    book_order_spec spec = {price, lots, id, side, BOOK_MARKET, 0};
    int64_t filled;
    int rc = agent_open_funded(v, &spec, im + fee, 0, &h->stats.rejects,
                               &filled, e);
    if (rc == 0 && filled > 0 && side > 0)
        h->stats.opens_long++;
    else if (rc == 0 && filled > 0)
        h->stats.opens_short++;
    return rc;
}

static int momentum_close(momentum_pop *h, uint32_t i, int by_hold, perr *e)
{
    venue *v = h->v;
    uint32_t id = agent_account(&h->base, 0, i);
    const account *a = venue_account(v, id);
    int away = a->size > 0 ? BOOK_SELL : BOOK_BUY;
    int flat;
    int rc = agent_close(v, id, agent_band_price(v, away, h->p.band_bps),
                         BOOK_MARKET, &h->stats.rejects, &flat, e);
    if (rc != 0 || !flat)
        return rc;
    h->opened_at[i] = MOMENTUM_FLAT;
    if (by_hold)
        h->stats.closes_hold++;
    else
        h->stats.closes_reverse++;
    return 0;
}

static int momentum_wake(agent_pop *pop, agent_world *w, uint32_t i, perr *e)
{
    momentum_pop *h = (momentum_pop *)pop;
    venue *v = h->v;
    h->stats.wakes++;
    double price = h->p.price == AGENT_MOMENTUM_INDEX
                       ? w->markets[pop->market].index_ticks
                       : (double)venue_mark(v);
    if (price >= 1)
        momentum_observe(h, w->now, price);
    uint32_t id = agent_account(pop, 0, i);
    const account *a = venue_account(v, id);
    if (a->state == ACCOUNT_HELD)
        return 0;
    if (a->size != 0) {
        if (h->opened_at[i] == MOMENTUM_FLAT)
            h->opened_at[i] = w->now; /* a fill it did not see: hold from now */
        int dir = a->size > 0 ? 1 : -1;
        int by_hold = w->now - h->opened_at[i] >= h->p.hold_ms;
        int reversed = h->signal_valid && dir * h->signal < -h->p.threshold;
        if (by_hold || reversed)
            return momentum_close(h, i, by_hold, e);
        return 0;
    }
    if (h->opened_at[i] != MOMENTUM_FLAT) {
        h->stats.liquidations++; /* flat, and not by its own close */
        h->opened_at[i] = MOMENTUM_FLAT;
    }
    if (!h->signal_valid || !(fabs(h->signal) > h->p.threshold))
        return 0;
    int rc = momentum_open(h, i, e);
    if (rc == 0 && venue_account(v, id)->size != 0)
        h->opened_at[i] = w->now;
    return rc;
}

/* Counted once: the agent finds itself flat with opened_at cleared. */
static void momentum_agent_liquidated(agent_pop *pop, uint32_t i)
{
    momentum_pop *h = (momentum_pop *)pop;
    if (h->opened_at[i] != MOMENTUM_FLAT
        && venue_account(h->v, agent_account(pop, 0, i))->size == 0) {
        h->stats.liquidations++;
        h->opened_at[i] = MOMENTUM_FLAT;
    }
}

static void momentum_release(agent_pop *pop)
{
    momentum_pop *h = (momentum_pop *)pop;
    free(h->ring);
}

/* ---- set-up ------------------------------------------------------------- */

static int momentum_init(agent_pop *pop, const agent_setup *s, perr *e)
{
    momentum_pop *h = (momentum_pop *)pop;
    const agent_momentum_params *p = &h->p;
    h->v = agent_setup_venue(s, 0);
    h->u = agent_units_of(venue_profile(h->v));
    h->slots = (uint32_t)(p->lookback_ms / p->sample_ms + 1);
    h->first_g = -1;
    h->ring = calloc(h->slots, sizeof *h->ring);
    h->opened_at = pop->agents;
    if (!h->ring)
        return perr_set(e, PERR_NOMEM, "no memory for the %u agents of %s",
                        (unsigned)p->count, s->name);
    for (uint32_t i = 0; i < p->count; i++)
        h->opened_at[i] = MOMENTUM_FLAT;
    return 0;
}

void agent_momentum_stats_get(const agent_pop *pop, agent_momentum_stats *out)
{
    *out = ((const momentum_pop *)pop)->stats;
}

double agent_momentum_signal(const agent_pop *pop, int *valid)
{
    const momentum_pop *h = (const momentum_pop *)pop;
    if (valid)
        *valid = h->signal_valid;
    return h->signal;
}

/* ---- the registry's view ----------------------------------------------- */

#define MOMENTUM_KEY(key, type, member, unit)                                \
    {key, type, offsetof(agent_momentum_params, member), unit, NULL}

static const param_key momentum_keys[] = {
    AGENT_COUNT_KEY(agent_momentum_params),
    {"price", PARAM_ENUM, offsetof(agent_momentum_params, price), NULL,
     agent_momentum_price_names},
    MOMENTUM_KEY("lookback", PARAM_DURATION, lookback_ms, "ms"),
    MOMENTUM_KEY("sample", PARAM_DURATION, sample_ms, "ms"),
    MOMENTUM_KEY("threshold", PARAM_DOUBLE, threshold, "fraction"),
    MOMENTUM_KEY("notional", PARAM_DOUBLE, notional, "quote"),
    MOMENTUM_KEY("max_scale", PARAM_DOUBLE, max_scale, "x"),
    MOMENTUM_KEY("hold", PARAM_DURATION, hold_ms, "ms"),
    MOMENTUM_KEY("leverage", PARAM_COUNT, leverage, "x"),
    MOMENTUM_KEY("band_bps", PARAM_DOUBLE, band_bps, "bps"),
    AGENT_ARRIVAL_KEYS(agent_momentum_params),
    PARAM_END,
};

static const agent_momentum_params momentum_defaults = {
    .count = 200,
    .price = AGENT_MOMENTUM_MARK,
    .lookback_ms = 5 * 60000,
    .sample_ms = 10000,
    .threshold = 0.005,
    .notional = 5000,
    .max_scale = 4,
    .hold_ms = 15 * 60000,
    .leverage = 10,
    .band_bps = 50,
    .arrival = ARRIVAL_PARAMS_DEFAULTS(1.0),
};

/* lookback a whole number of samples, at most 100000 (the ring's slots);
 * after sample's own range. */
static int momentum_check_lookback(const void *params, const profile *prof,
                                   const char *key_prefix, perr *e)
{
    (void)prof;
    const agent_momentum_params *p = params;
    if (p->lookback_ms < p->sample_ms || p->lookback_ms % p->sample_ms != 0
        || p->lookback_ms / p->sample_ms > 100000)
        return perr_set(e, PERR_INVALID,
                        "%s.lookback: must be a multiple of sample (%lld ms), "
                        "at most 100000 of them (got %lld ms)", key_prefix,
                        (long long)p->sample_ms, (long long)p->lookback_ms);
    return 0;
}

static const agent_rule momentum_rules[] = {
    AGENT_ONE_OF("price"),
    AGENT_RANGE("sample", "> 0"),
    AGENT_CHECK("lookback", momentum_check_lookback, 0),
    AGENT_RANGE("threshold", "in (0, 1)"),
    AGENT_RANGE("notional", "> 0 and < 1e12 quote currency"),
    AGENT_RANGE("max_scale", "in [1, 1e6]"),
    AGENT_RANGE("hold", "> 0"),
    AGENT_RANGE("leverage", "in [1, 10000]"),
    AGENT_RANGE("band_bps", "> 0 and < 10000"),
    AGENT_RULES_END,
};

const agent_kind agent_momentum_kind = {
    .kind = "momentum",
    .summary = "momentum traders: trade the return over a lookback beyond a "
               "threshold, close after a hold or on reversal",
    AGENT_PARAMS(agent_momentum_params, momentum_keys, &momentum_defaults),
    .rules = momentum_rules,
    AGENT_POP(momentum_pop), .agent_size = sizeof(int64_t),
    .init = momentum_init, .release = momentum_release, .wake = momentum_wake,
    .on_agent_liquidated = momentum_agent_liquidated,
};
