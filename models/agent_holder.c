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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "margin.h"
#include "pcg.h"

/* initial.lookback's default: two weeks (models/README.md says why). */
#define HOLDER_LOOKBACK_DEFAULT_MS (INT64_C(14) * 86400000)

enum {
    HOLDER_HOLDING = 1u, /* the agent opened a position it has not yet left */
    HOLDER_RETIRED = 2u, /* the agent will not trade again */
};

typedef struct holder_pop {
    agent_pop base; /* first: what every population is */
    agent_holder_params p;
    venue *v;
    int64_t notional_cash_median; /* p.notional_median in cash units */
    uint8_t *state;       /* HOLDER_* per agent */
    agent_holder_stats stats;
} holder_pop;

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

/* ---- the rules --------------------------------------------------------- */

/* The agent has left its position: it stays with probability reentry. */
static void holder_exit(holder_pop *h, uint32_t i)
{
    h->state[i] &= (uint8_t)~HOLDER_HOLDING;
    h->stats.holding--;
    if (gsl_rng_uniform(h->base.rng) >= h->p.reentry) {
        h->state[i] |= HOLDER_RETIRED;
        h->stats.retired++;
    }
}

static int holder_open(holder_pop *h, venue *v, uint32_t i, perr *e)
{
    const profile *p = venue_profile(v);
    const book *b = venue_book_view(v);
    uint32_t id = agent_account(&h->base, 0, i);
    int side = h->p.side;
    int64_t touch = side > 0 ? book_best_ask(b) : book_best_bid(b);
    if (touch == BOOK_NO_PRICE)
        return 0;
    double target = (double)h->notional_cash_median
                    * exp(h->p.notional_sigma * gsl_ran_ugaussian(h->base.rng));
    double lots_f = floor(target / ((double)touch * (double)p->cash_per_tick_lot));
    int64_t lots = lots_f < 1 ? 1 : lots_f > 1e15 ? INT64_C(1000000000000000)
                                                   : (int64_t)lots_f;
    int64_t mark = venue_mark(v);
    int64_t measured = touch > mark ? touch : mark;
    int32_t cap = margin_max_leverage(p, margin_notional(p, lots, measured));
    double drawn = round(h->p.leverage_median
                         * exp(h->p.leverage_sigma * gsl_ran_ugaussian(h->base.rng)));
    int32_t leverage = drawn < 1 ? 1 : drawn > cap ? cap : (int32_t)drawn;
    if (leverage < 1)
        return 0; /* no bracket holds this notional */
    int64_t notional = margin_notional(p, lots, touch);
    int64_t fee = agent_taker_fee(p, notional);
    book_order_spec spec = {touch, lots, id, side, BOOK_IOC, 0};
    int64_t filled;
    int rc = agent_open_funded(v, &spec, margin_initial(notional, leverage) + fee,
                               leverage, &h->stats.rejects, &filled, e);
    if (rc == 0 && filled > 0) {
        h->state[i] |= HOLDER_HOLDING;
        h->stats.opens++;
        h->stats.holding++;
    }
    return rc;
}

static int holder_check_exit(holder_pop *h, venue *v, uint32_t i, perr *e)
{
    const profile *p = venue_profile(v);
    uint32_t id = agent_account(&h->base, 0, i);
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
    int flat;
    int rc = agent_close(v, id, touch, BOOK_IOC, &h->stats.rejects, &flat, e);
    if (rc != 0 || !flat)
        return rc;
    if (take_profit)
        h->stats.take_profits++;
    else
        h->stats.stop_losses++;
    holder_exit(h, i);
    return 0;
}

static int holder_wake(agent_pop *pop, agent_world *w, uint32_t i, perr *e)
{
    (void)w;
    holder_pop *h = (holder_pop *)pop;
    venue *v = h->v;
    h->stats.wakes++;
    uint8_t s = h->state[i];
    if (s & HOLDER_RETIRED)
        return 0;
    if (s & HOLDER_HOLDING) {
        if (venue_account(v, agent_account(pop, 0, i))->size == 0) {
            h->stats.liquidations++; /* liquidated without a report */
            holder_exit(h, i);
            return 0;
        }
        return holder_check_exit(h, v, i, e);
    }
    return holder_open(h, v, i, e);
}

/* What holder_wake reads first: the agent's state and its account, both
 * parts of it (its margin on orders is in the cold one). */
static void holder_prefetch(const agent_pop *pop, uint32_t i)
{
    const holder_pop *h = (const holder_pop *)pop;
    const accounts *t = venue_accounts(h->v);
    uint32_t id = agent_account(pop, 0, i);
    __builtin_prefetch(&h->state[i]);
    __builtin_prefetch(&t->a[id]);
    __builtin_prefetch(&t->cold[id]);
}

static void holder_agent_liquidated(agent_pop *pop, uint32_t i)
{
    holder_pop *h = (holder_pop *)pop;
    if ((h->state[i] & HOLDER_HOLDING)
        && venue_account(h->v, agent_account(pop, 0, i))->size == 0) {
        h->stats.liquidations++;
        holder_exit(h, i);
    }
}

/* ---- initial positions ------------------------------------------------ */

/* The grid of the look-back path: one minute. */
#define HOLDER_LOOKBACK_STEP_MS INT64_C(60000)
#define HOLDER_LOOKBACK_MAX_MS (INT64_C(365) * 86400000)
#define HOLDER_YEAR_MS (365.0 * 86400000.0)

static int holder_starts_holding(const void *params)
{
    return ((const agent_holder_params *)params)->initial_open_interest > 0;
}

/* The look-back path in ticks, point j being j minutes before the start
 * (path[0] the start mark), run backwards from the start by exact GBM
 * steps on rng; lo[j] and hi[j] the lowest and highest of points 0..j:
 * what a position entered at point j has lived through. */
static void holder_lookback(gsl_rng *rng, double mark, size_t n, double mu,
                            double sigma, double *path, double *lo,
                            double *hi)
{
    double dt = (double)HOLDER_LOOKBACK_STEP_MS / HOLDER_YEAR_MS;
    double drift = (mu - sigma * sigma / 2) * dt, sd = sigma * sqrt(dt);
    path[0] = lo[0] = hi[0] = mark;
    for (size_t j = 1; j <= n; j++) {
        path[j] = path[j - 1] * exp(-drift - sd * gsl_ran_ugaussian(rng));
        lo[j] = path[j] < lo[j - 1] ? path[j] : lo[j - 1];
        hi[j] = path[j] > hi[j - 1] ? path[j] : hi[j - 1];
    }
}

/* Agent i's position of lots at entry (ticks) with leverage, against the
 * counterparty: its initial margin deposited, its leverage set, the lots
 * taken off the book. */
static int holder_hold(holder_pop *h, uint32_t i, uint32_t counterparty,
                       int64_t lots, int64_t notional, int32_t leverage,
                       perr *e)
{
    venue *v = h->v;
    uint32_t id = agent_account(&h->base, 0, i);
    int rc = venue_deposit(v, id, margin_initial(notional, leverage), e);
    if (rc == 0)
        rc = venue_set_leverage(v, id, leverage, e);
    if (rc == 0)
        rc = venue_initial_position(v, id, counterparty, h->p.side * lots,
                                    notional, e);
    if (rc == 0) {
        h->state[i] |= HOLDER_HOLDING;
        h->stats.holding++;
        h->stats.initial++;
    }
    return rc;
}

/* Agents in order draw an entry instant (uniform over the look-back's
 * minutes), a notional and a leverage as holder_open does (sized at the
 * entry price), and hold that position at the start unless the path since
 * its entry reached its trigger: then it was liquidated before the run and
 * the agent starts flat. The last position is cut to the open interest's
 * lots; agents left over start flat. */
static int holder_place(agent_pop *pop, const agent_start *st, perr *e)
{
    holder_pop *h = (holder_pop *)pop;
    venue *v = h->v;
    const profile *p = venue_profile(v);
    const book *b = venue_book_view(v);
    const char *key = st->setup->key_prefix;
    int64_t mark = venue_mark(v);
    double K = (double)p->cash_per_tick_lot;
    double want_cash = h->p.initial_open_interest / profile_cash_to_quote(p, 1);
    int64_t want = (int64_t)llround(want_cash / ((double)mark * K));
    if (want < 1)
        return 0;
    size_t n = (size_t)((h->p.initial_lookback_ms + HOLDER_LOOKBACK_STEP_MS - 1)
                        / HOLDER_LOOKBACK_STEP_MS);
    char stream[256];
    snprintf(stream, sizeof stream, "%s/initial", st->setup->name);
    gsl_rng *rng = pcg32_gsl_alloc(st->setup->seed, stream);
    double *path = malloc(3 * (n + 1) * sizeof *path);
    if (!rng || !path) {
        if (rng)
            gsl_rng_free(rng);
        free(path);
        return perr_set(e, PERR_NOMEM, "no memory for the initial positions "
                        "of %s", st->setup->name);
    }
    double *lo = path + n + 1, *hi = lo + n + 1;
    holder_lookback(rng, (double)mark, n, st->drift_annual, st->vol_annual,
                    path, lo, hi);
    int64_t held = 0, max_mark = book_max_price(b);
    int rc = 0;
    for (uint32_t i = 0; rc == 0 && held < want && i < h->p.count; i++) {
        size_t j = 1 + (size_t)gsl_rng_uniform_int(rng, n);
        double target = (double)h->notional_cash_median
                        * exp(h->p.notional_sigma * gsl_ran_ugaussian(rng));
        double drawn = round(h->p.leverage_median
                             * exp(h->p.leverage_sigma * gsl_ran_ugaussian(rng)));
        int64_t entry = agent_clamp_price(b, round(path[j]));
        double lots_f = floor(target / ((double)entry * K));
        int64_t lots = lots_f < 1 ? 1 : lots_f > 1e15 ? INT64_C(1000000000000000)
                                                       : (int64_t)lots_f;
        if (lots > want - held)
            lots = want - held;
        int64_t notional = margin_notional(p, lots, entry);
        int32_t cap = margin_max_leverage(p, notional);
        if (cap < 1)
            continue; /* no bracket holds this notional */
        int32_t leverage = drawn < 1 ? 1 : drawn > cap ? cap : (int32_t)drawn;
        int side = h->p.side;
        margin_position pos = {side * lots, side * notional,
                               margin_initial(notional, leverage)
                                   - side * notional};
        int64_t trigger = margin_trigger(p, &pos, max_mark);
        int survived = side > 0 ? (double)trigger < lo[j]
                                : (double)trigger > hi[j];
        if (!survived)
            continue; /* liquidated on the way: the agent starts flat */
        rc = holder_hold(h, i, st->counterparty, lots, notional, leverage, e);
        held += lots;
    }
    gsl_rng_free(rng);
    free(path);
    if (rc == 0 && held < want)
        rc = perr_set(e, PERR_INVALID,
                      "%s.initial.open_interest: the %u agents' positions "
                      "hold %g of %g quote currency at the start; raise "
                      "count or notional.median", key, (unsigned)h->p.count,
                      (double)held * (double)mark * K
                          * profile_cash_to_quote(p, 1),
                      h->p.initial_open_interest);
    return rc;
}

/* The initial.* keys are written only when one differs from its default. */
static int holder_writes_key(const void *params, const char *key)
{
    const agent_holder_params *p = params;
    if (strncmp(key, "initial.", 8) != 0)
        return 1;
    return p->initial_open_interest != 0
           || p->initial_lookback_ms != HOLDER_LOOKBACK_DEFAULT_MS;
}

/* ---- set-up ------------------------------------------------------------- */

/* Opening the accounts costs O(count), or O(count x accounts) while the
 * venue checks every event (venue_set_check). */
static int holder_init(agent_pop *pop, const agent_setup *s, perr *e)
{
    (void)e;
    holder_pop *h = (holder_pop *)pop;
    h->v = agent_setup_venue(s, 0);
    h->notional_cash_median = (int64_t)llround(
        h->p.notional_median / profile_cash_to_quote(venue_profile(h->v), 1));
    h->state = pop->agents;
    return 0;
}

/* Each holder's account opens empty; its leverage and wallet are set at
 * each open. */
static agent_opening holder_opening(const void *params, const profile *prof)
{
    (void)params;
    (void)prof;
    return (agent_opening){0, 1};
}

void agent_holder_stats_get(const agent_pop *pop, agent_holder_stats *out)
{
    *out = ((const holder_pop *)pop)->stats;
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
    AGENT_COUNT_KEY(agent_holder_params),
    HOLDER_KEY("leverage.median", PARAM_DOUBLE, leverage_median, "x"),
    HOLDER_KEY("leverage.sigma", PARAM_DOUBLE, leverage_sigma, "log"),
    HOLDER_KEY("notional.median", PARAM_DOUBLE, notional_median, "quote"),
    HOLDER_KEY("notional.sigma", PARAM_DOUBLE, notional_sigma, "log"),
    HOLDER_KEY("take_profit", PARAM_DOUBLE, take_profit, "fraction"),
    HOLDER_KEY("stop_loss", PARAM_DOUBLE, stop_loss, "fraction"),
    HOLDER_KEY("reentry", PARAM_DOUBLE, reentry, "probability"),
    HOLDER_KEY("initial.open_interest", PARAM_DOUBLE, initial_open_interest,
               "quote"),
    HOLDER_KEY("initial.lookback", PARAM_DURATION, initial_lookback_ms, "ms"),
    AGENT_ARRIVAL_KEYS(agent_holder_params),
    PARAM_END,
};

/* The defaults of agent_holder.h, on side 1 (long) or -1 (short). */
#define HOLDER_DEFAULTS(side_)                                                \
    {.count = 1000, .side = (side_), .leverage_median = 10,                   \
     .leverage_sigma = 0.6, .notional_median = 2000, .notional_sigma = 1.0,   \
     .take_profit = 0.05, .stop_loss = 0.03, .reentry = 0.8,                  \
     .initial_open_interest = 0,                                              \
     .initial_lookback_ms = HOLDER_LOOKBACK_DEFAULT_MS,                       \
     .arrival = ARRIVAL_PARAMS_DEFAULTS(1.0)}

static const agent_holder_params holder_long_defaults = HOLDER_DEFAULTS(1);
static const agent_holder_params holder_short_defaults = HOLDER_DEFAULTS(-1);

/* initial.lookback in [1m, 365d]: a year of one-minute points is 12 MB
 * of path while the positions are placed. */
static int holder_check_lookback(const void *params, const profile *prof,
                                 const char *key_prefix, perr *e)
{
    (void)prof;
    const agent_holder_params *p = params;
    if (p->initial_lookback_ms >= HOLDER_LOOKBACK_STEP_MS
        && p->initial_lookback_ms <= HOLDER_LOOKBACK_MAX_MS)
        return 0;
    static const param_key key = {"initial.lookback", PARAM_DURATION,
                                  offsetof(agent_holder_params,
                                           initial_lookback_ms), NULL, NULL};
    char got[64];
    param_format(&key, p, got, sizeof got);
    return perr_set(e, PERR_INVALID,
                    "%s.initial.lookback: must be in [1m, 365d] (got %s)",
                    key_prefix, got);
}

/* initial.open_interest: 0, or an amount of the venue's cash units no
 * larger than count agents hold on average, count x the mean of the
 * notional's lognormal (median x exp(sigma^2 / 2)): beyond that the
 * draws would fall short more often than not. */
static int holder_check_initial_venue(const void *params, const profile *prof,
                                      const char *key_prefix, perr *e)
{
    const agent_holder_params *p = params;
    double oi = p->initial_open_interest;
    if (oi == 0)
        return 0;
    if (agent_quote_cash(prof, oi) < 0)
        return perr_set(e, PERR_INVALID,
                        "%s.initial.open_interest: %g is not a representable "
                        "amount of %s's cash units", key_prefix, oi,
                        prof->name);
    double mean = p->notional_median
                  * exp(p->notional_sigma * p->notional_sigma / 2);
    double most = (double)p->count * mean;
    if (oi > most)
        return perr_set(e, PERR_INVALID,
                        "%s.initial.open_interest: must be at most count x "
                        "the mean notional, %u x %g = %g quote currency "
                        "(got %g)", key_prefix, (unsigned)p->count, mean,
                        most, oi);
    return 0;
}

/* side is not a key (the kind says it), but a params struct made by hand
 * may have any. */
static int holder_check_side(const void *params, const profile *prof,
                             const char *key_prefix, perr *e)
{
    (void)prof;
    const agent_holder_params *p = params;
    if (p->side != 1 && p->side != -1)
        return perr_set(e, PERR_INVALID,
                        "%s.kind: the side must be long (1) or short (-1) (got %d)",
                        key_prefix, p->side);
    return 0;
}

static const agent_rule holder_rules[] = {
    AGENT_CHECK("kind", holder_check_side, 0),
    AGENT_RANGE("leverage.median", "in [1, 10000]"),
    AGENT_RANGE("leverage.sigma", "in [0, 10]"),
    AGENT_RANGE("notional.median", "> 0 and < 1e15 quote currency"),
    AGENT_RANGE("notional.sigma", "in [0, 10]"),
    AGENT_RANGE("take_profit", "in (0, 100]"),
    AGENT_RANGE("stop_loss", "in (0, 1)"),
    AGENT_RANGE("reentry", "in [0, 1]"),
    AGENT_RANGE("initial.open_interest", ">= 0 and < 1e15 quote currency"),
    AGENT_CHECK("initial.lookback", holder_check_lookback, 0),
    AGENT_RULES_END,
};

/* leverage.median within the venue's first bracket. */
static int holder_check_leverage(const void *params, const profile *prof,
                              const char *key_prefix, perr *e)
{
    const agent_holder_params *p = params;
    int32_t most = prof->brackets[0].max_leverage;
    if (p->leverage_median > most)
        return perr_set(e, PERR_INVALID,
                        "%s.leverage.median: must be <= %d, %s's maximum "
                        "leverage (got %g)", key_prefix, (int)most, prof->name,
                        p->leverage_median);
    return 0;
}

/* notional.median in the venue's cash units, as holder_init converts it. */
static const agent_rule holder_venue_rules[] = {
    AGENT_CHECK("leverage.median", holder_check_leverage, 0),
    AGENT_CASH("notional.median"),
    AGENT_CHECK("initial.open_interest", holder_check_initial_venue, 0),
    AGENT_RULES_END,
};

/* The two kinds differ only in their name, summary and side. */
#define HOLDER_KIND(name, summary_, defaults)                                 \
    {.kind = name, .summary = summary_,                                       \
     AGENT_PARAMS(agent_holder_params, holder_keys, defaults),                \
     .rules = holder_rules, .venue_rules = holder_venue_rules,                \
     AGENT_POP(holder_pop), .agent_size = sizeof(uint8_t),                    \
     .opening = holder_opening, .init = holder_init, .wake = holder_wake,     \
     .prefetch = holder_prefetch,                                             \
     .on_agent_liquidated = holder_agent_liquidated,                         \
     .starts_holding = holder_starts_holding,                                 \
     .place_initial = holder_place, .writes_key = holder_writes_key}

const agent_kind agent_holder_long_kind = HOLDER_KIND(
    "leveraged_long",
    "leveraged long holders: open, hold, take profit or stop out, re-enter",
    &holder_long_defaults);

const agent_kind agent_holder_short_kind = HOLDER_KIND(
    "leveraged_short",
    "leveraged short holders: open, hold, take profit or stop out, re-enter",
    &holder_short_defaults);
