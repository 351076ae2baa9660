/*
 * agent: the interface between the world's event loop and a population of
 * agents (ARCHITECTURE.md, "From scenario file to HDF5 result"), and what
 * every kind of population shares.
 *
 * The unit the engine sees is a population, never an agent: one struct
 * agent_pop per population, holding its kind (agent_kind, in the manner of
 * gsl_rng_type), its arrival process (arrival.h), the venue it trades on,
 * its generator and its block of accounts. A kind embeds agent_pop as the
 * first member of its own struct. The engine drives every kind alike:
 *
 *   t = arrival_peek(&pop->arrival)    schedule the population's wake-up;
 *   arrival_next(&pop->arrival)        at t, take the arrival,
 *   agent_wake(pop, world, e)          let the population act once,
 *   agent_on_liquidated(pop, m, id, t) for each venue_liquidations record,
 *   agent_free(pop)                    at the end of the run.
 *
 * When the world changes outside a population's arrivals (the run begins,
 * a shock changes a market's conditions) the loop calls agent_react, for
 * kinds that have it. Neither wake nor react touches the arrival process: the loop
 * does.
 *
 * What a population sees is an agent_world: the clock, the index, and each
 * venue of the world (an agent_market) with its funding clock and the
 * conditions scheduled shocks have set on it (agent_conditions). A population trades on
 * markets[pop->market] (and markets[pop->other_market] for cross-venue
 * kinds). Orders go through venue_submit, which applies fills to both sides'
 * accounts before it returns, so a kind learns of fills on its resting
 * orders from its accounts at its next wake.
 *
 * agent_on_liquidated may be called for any account of any market: a
 * kind hears of every liquidation on its markets (on_liquidated) and of its
 * own agents' (on_agent_liquidated), so the loop can pass every record to
 * every population; it may see several records of one liquidation (one per
 * route), so a kind acts once per position, not once per record.
 *
 * Kinds are registered in models/agent_registry.c (agent_kinds). A kind is
 * data the functions here work from: its scenario name, its parameters (a
 * struct with `count` and `arrival` members, its param_key table, its
 * defaults as a struct and its checks as agent_rule rows) and its
 * population (the struct's size, what each agent's account opens with, its
 * own set-up and behaviour). agent_kind_defaults, agent_kind_check and
 * agent_kind_create are the same for every kind, so a kind writes only what
 * is its own: a new kind is a new file plus one line in the registry; the
 * scenario loader and the world know kinds only through it.
 */
#ifndef PERPSIM_AGENT_H
#define PERPSIM_AGENT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "arrival.h"
#include "book.h"
#include "funding.h"
#include "param.h"
#include "perr.h"
#include "profile.h"
#include "venue.h"

typedef struct agent_pop agent_pop;
typedef struct agent_kind agent_kind;

/* What scheduled shocks change about a market, as named conditions: a
 * shock (models/shocks/) sets a field and calls agent_react on the market's
 * populations; any kind may read any field, and none writes them. Outside
 * every shock each field has its normal value (agent_conditions_normal),
 * which is what the world starts each market with. A shock that needs a new
 * condition adds a field here, with its normal value, and the kinds that
 * care read it: the engine never looks inside. */
typedef struct agent_conditions {
    /* The fraction of their usual resting depth that liquidity providers
     * keep, in [0, 1]; normal 1, lower during a liquidity_withdrawal. */
    double liquidity;
} agent_conditions;

static inline agent_conditions agent_conditions_normal(void)
{
    return (agent_conditions){1.0};
}

/* One venue as the agents see it. */
typedef struct agent_market {
    venue *venue;
    funding *funding;   /* its funding clock, NULL when it has none */
    const char *name;   /* the scenario's name for the venue */
    double index_ticks; /* the index in this venue's ticks (> 0) */
    agent_conditions conditions; /* what shocks have changed, for any kind */
} agent_market;

/* The world at a wake-up. */
typedef struct agent_world {
    int64_t now;            /* ms since the scenario's start */
    int64_t start_utc_ms;   /* the start as a UTC instant, ms since the epoch */
    double index;           /* the index, quote currency */
    size_t n_markets;
    agent_market *markets;
} agent_world;

/* What every population is, set by agent_kind_create. Agent i of a
 * population is the venue account first[0] + i on its market and, for a
 * kind with two venues, first[1] + i on its other market. */
struct agent_pop {
    const agent_kind *kind;
    arrival arrival;      /* when the population acts next (arrival_peek) */
    uint32_t market;      /* the venue it trades on (agent_world.markets) */
    int32_t other_market; /* cross-venue kinds: the second venue; else -1 */
    gsl_rng *rng;         /* its choices, on the stream "<name>/agents" */
    gsl_rng *peek;        /* a copy of rng to foresee the next pick on
                             (agent_wake); NULL for a kind without prefetch */
    uint32_t count;       /* its agents */
    void *agents;         /* what the kind keeps per agent beside its
                             accounts: count x kind->agent_size bytes, zeroed
                             (NULL when agent_size is 0) */
    uint32_t first[2];    /* the account of agent 0 on each of its venues */
};

/* ---- the registry of kinds --------------------------------------------- */

/* Where a population is made: the world's markets (venues exist, the book
 * may be empty), its own place in the scenario and its random streams. */
typedef struct agent_setup {
    agent_world *world;
    uint32_t market;       /* its venue */
    int32_t other_market;  /* its second venue (kinds with two_venues), else -1 */
    uint64_t seed;         /* the scenario seed */
    const char *name;      /* the population's name: its stream names */
    int64_t start_ms;      /* its arrivals start here */
    const char *key_prefix; /* its scenario path, "populations[3]" */
} agent_setup;

/* The venue a population is made on: leg 0 its market, leg 1 its other
 * market (kinds with two_venues). */
static inline venue *agent_setup_venue(const agent_setup *s, int leg)
{
    return s->world->markets[leg == 0 ? s->market : (uint32_t)s->other_market]
        .venue;
}

/* Where a population places the positions it holds when the run starts
 * (models/README.md, "Initial positions"): as it was made (s), the account
 * on its market that takes the other side of every one of them, and the
 * index's drift and volatility, for the look-back path its entries are
 * drawn on. */
typedef struct agent_start {
    const agent_setup *setup;
    uint32_t counterparty;
    double drift_annual; /* per year */
    double vol_annual;   /* per sqrt(year) */
} agent_start;

/* A check of a kind's parameters for a venue with profile p (the venue's
 * limits: maximum leverage, cash units); what it reads starts at `at` (the
 * parameters, or the part of them a rule names). Messages start with
 * key_prefix and the key ("populations[3].leverage.median: must be <= 125,
 * binance's maximum (got 200)"); PERR_INVALID. */
typedef int agent_check_fn(const void *at, const profile *p,
                           const char *key_prefix, perr *e);

/* One check of a kind's keys, in the order the kind checks them. Either
 * key's range, written as the message states it after "must be ":
 *     "in [0, 1]", "in (0, 100]", "in [0, 10000)", "in (0, 1)",
 *     "> 0", ">= 0", "> 0 and < 1e12 quote currency"
 * (a closing unit is words for the message only), checked against the value
 * of key's row in the kind's param_key table (PARAM_DOUBLE, PARAM_COUNT or
 * PARAM_DURATION; NaN is never in range), with the message
 * "<prefix>.<key>: must be <range> (got <value>)"; or, for a PARAM_ENUM key
 * with neither range nor check, one of its names ("must be index or mid
 * (got 7)"); or, among the venue rules, AGENT_CASH: a PARAM_DOUBLE key's
 * amount of quote currency is a representable amount of the venue's cash
 * units (agent_quote_cash), "<prefix>.<key>: <value> is not a representable
 * amount of <venue>'s cash units"; or check, for what a range cannot say (a
 * relation between keys), called with the parameters plus offset. */
typedef struct agent_rule {
    const char *key;       /* the key checked (the first, for a check) */
    const char *range;
    agent_check_fn *check;
    size_t offset;         /* of what check reads in the parameters */
} agent_rule;

/* The rows of a kind's rules: key within range; a PARAM_ENUM key one of
 * its names; an amount in the venue's cash units; check on the parameters
 * plus offset (0: all of them); the end. */
#define AGENT_RANGE(key, range) {key, range, NULL, 0}
#define AGENT_CASH_RANGE "a representable amount of the venue's cash units"
#define AGENT_CASH(key) {key, AGENT_CASH_RANGE, NULL, 0}
#define AGENT_ONE_OF(key) {key, NULL, NULL, 0}
#define AGENT_CHECK(key, check, offset) {key, NULL, check, offset}
#define AGENT_RULES_END {NULL, NULL, NULL, 0}

/* What each agent's account on a venue is opened with. */
typedef struct agent_opening {
    int64_t deposit;  /* cash units */
    int32_t leverage;
} agent_opening;

/* A kind of population: its scenario name, its parameters and its
 * population. params_size, count_offset and arrival_offset come from the
 * parameters struct through AGENT_PARAMS. */
struct agent_kind {
    const char *kind;      /* the scenario's `kind:`, e.g. "leveraged_long" */
    const char *summary;   /* one line for help and docs */
    int two_venues;        /* 1: needs `other_venue:` (cross-venue kinds) */

    /* Its parameters: a struct of params_size bytes. */
    size_t params_size;
    /* offsetof the uint32_t that says how many agents (one account each)
     * the population opens: the world sizes each venue's account table from
     * it before any population is made. */
    size_t count_offset;
    size_t arrival_offset;   /* offsetof its arrival_params */
    const param_key *keys;   /* its scenario keys under the population */
    const void *defaults;    /* the documented defaults, params_size bytes */
    /* The checks of its keys alone, after `count` (always in [1, the
     * traders a venue can hold]) and before `arrival` (arrival_check);
     * then those against the venue's limits, before the last check, of its
     * `leverage` key if it has one (PARAM_COUNT: its accounts' leverage)
     * against the first (most permissive) bracket of the venue
     * ("populations[2].leverage: must be <= 125, binance's maximum leverage
     * (got 200)").
     * AGENT_RULES_END-terminated; NULL: none. */
    const agent_rule *rules;
    const agent_rule *venue_rules;

    /* Its population: a struct of pop_size bytes that begins with
     * agent_pop, zeroed, made by agent_kind_create, which copies the
     * checked parameters to pop_params_offset (AGENT_POP gives both). */
    size_t pop_size;
    size_t pop_params_offset;
    size_t agent_size;       /* of its state per agent (agent_pop.agents) */
    /* What each agent's account on a venue with profile p opens with.
     * NULL: empty, at the leverage of the kind's `leverage` key. */
    agent_opening (*opening)(const void *params, const profile *p);
    /* Sets up the rest of what is the kind's own, after the generator, the
     * parameters and the agents' state, and before the arrival process and
     * the accounts; PERR_NOMEM naming s->name. NULL: nothing. */
    int (*init)(agent_pop *pop, const agent_setup *s, perr *e);
    /* Releases what init allocated, whether or not it succeeded. NULL:
     * nothing (agent_free releases what agent_kind_create made). */
    void (*release)(agent_pop *pop);
    /* Agent i, whose turn the arrival is, acts once at w->now. A rejection
     * by a venue is an outcome, not an error; errors are the venues'. */
    int (*wake)(agent_pop *pop, agent_world *w, uint32_t i, perr *e);
    /* Asks the cache for what wake will read first of agent i, which the
     * population's next arrival will most likely pick (agent_wake): a hint
     * that changes nothing. NULL: none (for a small population, whose
     * agents stay in the cache anyway). */
    void (*prefetch)(const agent_pop *pop, uint32_t i);
    /* Notes that account_id of markets[market] was (perhaps partly)
     * liquidated at now, whoever's it is (market makers count bursts); then
     * that agent i of the population was. Either NULL: the kind keeps
     * nothing a liquidation could leave stale. */
    void (*on_liquidated)(agent_pop *pop, uint32_t market, uint32_t account_id,
                          int64_t now);
    void (*on_agent_liquidated)(agent_pop *pop, uint32_t i);
    /* Adjusts at once to a change of the world outside the population's
     * arrivals: the run beginning, a shock changing the conditions of one
     * of its markets (market makers quote, pull or restore). NULL: the kind
     * only looks at the world when it wakes. */
    int (*react)(agent_pop *pop, agent_world *w, perr *e);
    /* Positions the run starts with. starts_holding: whether params ask
     * for any (NULL: never). place_initial: after every population of the
     * world is made and before the first event, opens them against
     * st->counterparty (venue_initial_position), each agent's margin
     * deposited first; the world then funds the counterparty
     * (venue_fund_beyond_range). */
    int (*starts_holding)(const void *params);
    int (*place_initial)(agent_pop *pop, const agent_start *st, perr *e);
    /* Whether the resolved scenario writes key (a row of keys) for params:
     * keys added after scenarios were recorded are written only when they
     * are used, so that those scenarios resolve to the same text and
     * their results stay byte-identical. NULL: every key. */
    int (*writes_key)(const void *params, const char *key);
};

/* Designators for a kind's agent_kind: the members a parameters struct T
 * gives (its size and the offsets of its `count` and `arrival` members),
 * with its key table and its defaults (a T); and those a population struct
 * P with its parameters in member `p` gives. A kind names the rest of its
 * members, and leaves out those it has not (NULL, 0):
 *
 *   const agent_kind agent_noise_kind = {
 *       .kind = "noise_taker", .summary = "noise takers: ...",
 *       AGENT_PARAMS(agent_noise_params, noise_keys, &noise_defaults),
 *       .rules = noise_rules,
 *       AGENT_POP(noise_pop), .init = noise_init, .wake = noise_wake};
 */
#define AGENT_PARAMS(T, keys_, defaults_)                                     \
    .params_size = sizeof(T), .count_offset = offsetof(T, count),             \
    .arrival_offset = offsetof(T, arrival), .keys = (keys_),                  \
    .defaults = (defaults_)
#define AGENT_POP(P) .pop_size = sizeof(P), .pop_params_offset = offsetof(P, p)

/* The `count` key and the four arrival keys every kind has
 * (models/README.md, "Arrival processes"), for a params struct T with
 * `count` and `arrival` members; rows for a kind's param_key table. */
#define AGENT_COUNT_KEY(T)                                                    \
    {"count", PARAM_COUNT, offsetof(T, count), "agents", NULL}
#define AGENT_ARRIVAL_KEYS(T)                                                 \
    {"arrival.process", PARAM_ENUM, offsetof(T, arrival.kind), NULL,          \
     arrival_kind_names},                                                     \
    {"arrival.rate", PARAM_DOUBLE, offsetof(T, arrival.rate), "per second",   \
     NULL},                                                                   \
    {"arrival.alpha", PARAM_DOUBLE, offsetof(T, arrival.alpha),               \
     "branching ratio", NULL},                                                \
    {"arrival.beta", PARAM_DOUBLE, offsetof(T, arrival.beta), "per second",   \
     NULL}

/* The agents a population of kind k with params opens. */
static inline uint32_t agent_kind_count(const agent_kind *k, const void *params)
{
    uint32_t n;
    memcpy(&n, (const char *)params + k->count_offset, sizeof n);
    return n;
}

/* Fills params (k->params_size bytes) with k's defaults. */
void agent_kind_defaults(const agent_kind *k, void *params);

/* Checks params of kind k for a population on a venue with profile p: its
 * count, its rules, its arrival keys and the venue's limits, in that order;
 * the message of the first that fails. */
int agent_kind_check(const agent_kind *k, const void *params, const profile *p,
                     const char *key_prefix, perr *e);

/* Makes a population of kind k with params where s says: checks params on
 * each of its venues (for a kind with two_venues, s->other_market must be
 * another venue of the world), opens its agents' accounts there at
 * consecutive ids (nothing else may open accounts on those venues during the
 * call), its arrivals from s->start_ms on the stream s->name and its
 * generator on "<name>/agents". NULL with e filled on failure. */
agent_pop *agent_kind_create(const agent_kind *k, const void *params,
                             const agent_setup *s, perr *e);

/* Every registered kind, NULL-terminated, in documentation order. */
const agent_kind *const *agent_kinds(void);

/* The kind named kind, or NULL. */
const agent_kind *agent_kind_find(const char *kind);

/* ---- a population ------------------------------------------------------ */

/* The agent whose turn an arrival is: uniform over the population, from its
 * generator. */
static inline uint32_t agent_pick_on(const agent_pop *pop, gsl_rng *rng)
{
    return (uint32_t)gsl_rng_uniform_int(rng, pop->count);
}

static inline uint32_t agent_pick(agent_pop *pop)
{
    return agent_pick_on(pop, pop->rng);
}

/* One arrival: the agent whose turn it is, picked uniformly from the
 * population's generator (its first draw of the wake), acts. Then, for a
 * kind with prefetch, the agent the next arrival will pick is drawn on a
 * copy of the generator, which leaves the stream as it was, and its memory
 * asked for: in a population of millions, drawn at random, the agent's
 * state is otherwise a cache miss when its turn comes, and several other
 * events usually run before it does. Should anything else draw from the
 * generator in between, the guess is wrong and costs a wasted prefetch;
 * the run is the same either way. */
static inline int agent_wake(agent_pop *pop, agent_world *w, perr *e)
{
    int rc = pop->kind->wake(pop, w, agent_pick(pop), e);
    if (pop->peek) {
        gsl_rng_memcpy(pop->peek, pop->rng);
        pop->kind->prefetch(pop, agent_pick_on(pop, pop->peek));
    }
    return rc;
}

/* Tells the population that account_id of markets[market] was (perhaps
 * partly) liquidated at now, and, when the account is one of its agents',
 * which. */
void agent_on_liquidated(agent_pop *pop, uint32_t market, uint32_t account_id,
                         int64_t now);

static inline int agent_react(agent_pop *pop, agent_world *w, perr *e)
{
    return pop->kind->react ? pop->kind->react(pop, w, e) : 0;
}

/* Releases the population, its arrival process included; pop may be NULL. */
void agent_free(agent_pop *pop);

/* The venue account of agent i (< count) on leg 0, the population's
 * market, or leg 1, its other market. */
static inline uint32_t agent_account(const agent_pop *pop, int leg, uint32_t i)
{
    return pop->first[leg] + i;
}

/* ---- what kinds' rules share ------------------------------------------- */

/* A venue's units as a kind sizes its orders: K, the cash units per
 * tick-lot (a notional in cash is lots x price x K), and the cash units per
 * unit of quote currency. */
typedef struct agent_units {
    double K;
    double cash_per_quote;
} agent_units;

agent_units agent_units_of(const profile *p);

/* Sends spec for its owner's account on v: 0 with the lots it traded on
 * arrival in *filled (may be NULL), none when the venue refused it (counted
 * in *rejects); else the venue's error. */
int agent_send(venue *v, const book_order_spec *spec, uint64_t *rejects,
               int64_t *filled, perr *e);

/* Opens or adds to the position of spec's owner on v as the agents that
 * bring their margin with each trade do (leveraged holders, momentum
 * traders): its wallet set to exactly wallet cash units (a deposit of the
 * shortfall or a withdrawal of the excess; a flat wallet may be in debt
 * from a close filled past bankruptcy), then its leverage to leverage when
 * that is > 0 (checked against the new wallet), then spec sent as
 * agent_send does. */
int agent_open_funded(venue *v, const book_order_spec *spec, int64_t wallet,
                      int32_t leverage, uint64_t *rejects, int64_t *filled,
                      perr *e);

/* Closes account id's whole position on v with a reduce-only order of type
 * at price: 0 with *flat 1 when it traded and the account is flat (0 when
 * it was refused, counted in *rejects, or left some); else the venue's
 * error. */
int agent_close(venue *v, uint32_t id, int64_t price, book_type type,
                uint64_t *rejects, int *flat, perr *e);

/* The taker fee on notional (cash units) on p, rounded up as the venue
 * charges it. */
int64_t agent_taker_fee(const profile *p, int64_t notional);

/* The price px (ticks) within b's price range, whole. */
int64_t agent_clamp_price(const book *b, double px);

/* A market order's price limit band_bps from v's mark on side (a buy never
 * pays more than mark x (1 + band), a sell never takes less than
 * mark x (1 - band)), within the book's price range. */
int64_t agent_band_price(const venue *v, int side, double band_bps);

/* ---- what kinds' checks share ------------------------------------------ */

/* amount of quote currency in p's cash units, or -1 when it is not a
 * representable amount (under one cash unit, or 4e18 units or more). */
int64_t agent_quote_cash(const profile *p, double amount);

/* The keys both arbitrageur kinds have (basis_arb, cross_venue_arb), with
 * the same defaults (AGENT_ARB_SIZING_DEFAULTS), checks and accounts: the
 * first member of each kind's parameters. */
typedef struct agent_arb_sizing {
    double threshold_bps;         /* edge required beyond the entry cost, >= 0 */
    double exit_bps;              /* unwind when the remaining edge is at
                                     most this, in [0, threshold_bps] */
    double order_notional;        /* quote currency per order, > 0 */
    double max_position_notional; /* quote currency per agent: bound on each
                                     perp position's entry notional */
    uint32_t leverage;            /* of the agents' accounts, >= 1 */
    double capital;               /* quote currency deposited per account */
} agent_arb_sizing;

/* What each account of an arbitrageur kind opens with on a venue of
 * profile p: capital at leverage, from the agent_arb_sizing its params
 * begin with. */
agent_opening agent_arb_opening(const void *params, const profile *p);

/* threshold 2 bp, exit 1 bp, orders of 25,000 quote, positions up to
 * 1,000,000, leverage 5, capital 500,000 (models/README.md says why). */
#define AGENT_ARB_SIZING_DEFAULTS {2, 1, 25000, 1e6, 5, 5e5}

/* The rows of a params struct T with an agent_arb_sizing `sizing`: the edge
 * keys and the size keys, for a kind's param_key table. */
#define AGENT_ARB_EDGE_KEYS(T)                                                \
    {"threshold_bps", PARAM_DOUBLE, offsetof(T, sizing.threshold_bps), "bp",  \
     NULL},                                                                   \
    {"exit_bps", PARAM_DOUBLE, offsetof(T, sizing.exit_bps), "bp", NULL}
#define AGENT_ARB_SIZE_KEYS(T)                                                \
    {"order_notional", PARAM_DOUBLE, offsetof(T, sizing.order_notional),      \
     "quote", NULL},                                                          \
    {"max_position_notional", PARAM_DOUBLE,                                   \
     offsetof(T, sizing.max_position_notional), "quote", NULL},               \
    {"leverage", PARAM_COUNT, offsetof(T, sizing.leverage), "x", NULL},       \
    {"capital", PARAM_DOUBLE, offsetof(T, sizing.capital), "quote", NULL}

/* The lots a position acc may add at price (ticks) on p without its entry
 * notional |cost| passing max_cash (cash units): the arbitrageurs' bound. */
int64_t agent_room_lots(const profile *p, const account *acc, int64_t max_cash,
                        int64_t price);

/* Checks an agent_arb_sizing: threshold_bps in [0, 10000], exit_bps in
 * [0, threshold_bps], order_notional in (0, 1e15), max_position_notional in
 * [order_notional, 1e15), leverage in [1, 10000], capital x leverage >=
 * max_position_notional and capital < 1e15; messages start with the key
 * path. p is not read. */
int agent_check_sizing(const void *sizing, const profile *p,
                       const char *key_prefix, perr *e);

/* Checks an agent_arb_sizing against a venue with profile p:
 * max_position_notional and capital representable in its cash units, and
 * leverage within its maximum for a position of max_position_notional. */
int agent_check_sizing_venue(const void *sizing, const profile *p,
                             const char *key_prefix, perr *e);

/* The rules of an agent_arb_sizing `sizing` of a params struct T: its keys
 * alone (agent_check_sizing), and against a venue (agent_check_sizing_venue). */
#define AGENT_ARB_SIZING_RULE(T)                                              \
    AGENT_CHECK("threshold_bps", agent_check_sizing, offsetof(T, sizing))
#define AGENT_ARB_SIZING_VENUE_RULE(T)                                        \
    AGENT_CHECK("max_position_notional", agent_check_sizing_venue,            \
                offsetof(T, sizing))

#endif
