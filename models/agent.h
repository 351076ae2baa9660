/*
 * agent: the interface between the world's event loop and a population of
 * agents (ARCHITECTURE.md, "From scenario file to HDF5 result").
 *
 * The unit the engine sees is a population, never an agent: one struct
 * agent_pop per population, holding its arrival process (arrival.h), the
 * venue it trades on and a pointer to its kind's function table
 * (agent_pop_type, in the manner of gsl_rng_type). A kind embeds agent_pop
 * as the first member of its own struct. The engine drives every kind alike:
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
 * on_liquidated may be called for any account of any market: a population
 * ignores what is not its own, so the loop can pass every record to every
 * population, and it may see several records of one liquidation (one per
 * route), so it acts once per position, not once per record.
 *
 * Kinds are registered in models/agent_registry.c (agent_kinds): a kind's scenario
 * name, its parameters as a param_key table (param.h) with their defaults
 * and check, and its constructor. A new kind is a new file plus one line
 * there; the scenario loader and the world know kinds only through it.
 */
#ifndef PERPSIM_AGENT_H
#define PERPSIM_AGENT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "arrival.h"
#include "funding.h"
#include "param.h"
#include "perr.h"
#include "profile.h"
#include "venue.h"

typedef struct agent_pop agent_pop;

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

/* A kind of population: its scenario name and its behaviour. */
typedef struct agent_pop_type {
    const char *kind; /* the scenario's `kind:`, e.g. "leveraged_long" */
    /* Acts once at w->now. A rejection by a venue is an outcome, not an
     * error; errors are the venues'. */
    int (*wake)(agent_pop *pop, agent_world *w, perr *e);
    /* Notes that account_id of markets[market] was (perhaps partly)
     * liquidated at now. */
    void (*on_liquidated)(agent_pop *pop, uint32_t market, uint32_t account_id,
                          int64_t now);
    /* Releases the population, its arrival process included. */
    void (*free)(agent_pop *pop);
    /* Adjusts at once to a change of the world outside the population's
     * arrivals: the run beginning, a shock changing the conditions of one
     * of its markets (market makers quote, pull or restore). NULL: the kind
     * only looks at the world when it wakes. */
    int (*react)(agent_pop *pop, agent_world *w, perr *e);
} agent_pop_type;

/* The part of every population the engine reads. */
struct agent_pop {
    const agent_pop_type *type;
    arrival arrival;      /* when the population acts next (arrival_peek) */
    uint32_t market;      /* the venue it trades on (agent_world.markets) */
    int32_t other_market; /* cross-venue kinds: the second venue; else -1 */
};

static inline int agent_wake(agent_pop *pop, agent_world *w, perr *e)
{
    return pop->type->wake(pop, w, e);
}

static inline void agent_on_liquidated(agent_pop *pop, uint32_t market,
                                       uint32_t account_id, int64_t now)
{
    pop->type->on_liquidated(pop, market, account_id, now);
}

static inline int agent_react(agent_pop *pop, agent_world *w, perr *e)
{
    return pop->type->react ? pop->type->react(pop, w, e) : 0;
}

/* pop may be NULL. */
static inline void agent_free(agent_pop *pop)
{
    if (pop)
        pop->type->free(pop);
}

/* ---- what kinds share ----------------------------------------------------- */

/* Opens count cross accounts on v, each with deposit cash and leverage, at
 * consecutive ids from *first (agent i has *first + i): nothing else may
 * open accounts on v during the call. name is the population's, for the
 * message. The kind frees what it allocated when this fails. */
int agent_open_accounts(venue *v, uint32_t count, int64_t deposit,
                        int32_t leverage, const char *name, uint32_t *first,
                        perr *e);

/* Checks a kind's fixed leverage against the first (most permissive)
 * bracket of p: "populations[2].leverage: must be <= 125, binance's maximum
 * leverage (got 200)". */
int agent_check_leverage(uint32_t leverage, const profile *p,
                         const char *key_prefix, perr *e);

/* Checks a population's count of agents: in [1, the traders a venue can
 * hold]; the message names key_prefix.count. */
int agent_check_count(uint32_t count, const char *key_prefix, perr *e);

/* Checks a population's arrival parameters under key_prefix.arrival. */
int agent_check_arrival(const arrival_params *a, const char *key_prefix,
                        perr *e);

/* Checks the keys the arbitrageurs share: threshold_bps in [0, 10000],
 * exit_bps in [0, threshold_bps], order_notional in (0, 1e15),
 * max_position_notional in [order_notional, 1e15), leverage in [1, 10000],
 * capital x leverage >= max_position_notional and capital < 1e15; messages
 * start with the key path. */
int agent_check_sizing(double threshold_bps, double exit_bps,
                       double order_notional, double max_position_notional,
                       uint32_t leverage, double capital,
                       const char *key_prefix, perr *e);

/* Checks the arbitrageurs' sizing against a venue with profile p:
 * max_position_notional and capital representable in its cash units, and
 * leverage within its maximum for a position of max_position_notional. */
int agent_check_sizing_venue(double max_position_notional, uint32_t leverage,
                             double capital, const profile *p,
                             const char *key_prefix, perr *e);

/* amount of quote currency in p's cash units, or -1 when it is not a
 * representable amount (under one cash unit, or 4e18 units or more). */
int64_t agent_quote_cash(const profile *p, double amount);

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

/* The venue a population is made on. */
static inline venue *agent_setup_venue(const agent_setup *s)
{
    return s->world->markets[s->market].venue;
}

/* Starts the part of a population the engine reads: its type, its markets
 * as s places it (market, other_market) and its
 * arrival process from s->start_ms on the stream s->name. pop is zeroed
 * (calloc), so the kind's free may run whether or not this succeeds. */
int agent_pop_init(agent_pop *pop, const agent_pop_type *type,
                   const arrival_params *arrivals, const agent_setup *s,
                   perr *e);

/* The population's own generator (its choices), on the stream
 * "<s->name>/agents"; NULL without memory. */
gsl_rng *agent_rng_alloc(const agent_setup *s);

typedef struct agent_kind {
    const char *kind;      /* the scenario's `kind:` */
    const char *summary;   /* one line for help and docs */
    size_t params_size;    /* bytes of its parameters struct */
    const param_key *keys; /* its scenario keys under the population */
    int two_venues;        /* 1: needs `other_venue:` (cross-venue kinds) */
    /* The kind's own functions, one signature for every kind, taking its
     * parameters struct (the kind's header names it) untyped as
     * gsl_rng_type's functions take their state: agent_maker_kind's are
     * agent_maker_params_default, agent_maker_check and agent_maker_new,
     * with no adapter between the table and the kind. */
    /* Fills params with the documented defaults. */
    void (*defaults)(void *params);
    /* Checks params for a population on a venue with profile p, the
     * venue's limits (maximum leverage, cash units) included; messages
     * start with key_prefix and the key ("populations[3].leverage.median:
     * must be <= 125, binance's maximum (got 200)"). */
    int (*check)(const void *params, const profile *p, const char *key_prefix,
                 perr *e);
    /* Makes the population where s says, on the markets s names (pop->market
     * and other_market set), after check passes on each of its venues; NULL
     * with e filled on failure. */
    agent_pop *(*create)(const void *params, const agent_setup *s, perr *e);
    /* offsetof the uint32_t in params that says how many agents (one
     * account each) the population opens: the world sizes each venue's
     * account table from it before any population is made. */
    size_t count_offset;
} agent_kind;

/* The agents a population of kind k with params opens. */
static inline uint32_t agent_kind_count(const agent_kind *k, const void *params)
{
    uint32_t n;
    memcpy(&n, (const char *)params + k->count_offset, sizeof n);
    return n;
}

/* The four arrival keys every kind has (models/README.md, "Arrival
 * processes"), for a params struct T with an `arrival` member; a row list
 * for a kind's param_key table. */
#define AGENT_ARRIVAL_KEYS(T)                                                 \
    {"arrival.process", PARAM_ENUM, offsetof(T, arrival.kind), NULL,          \
     arrival_kind_names},                                                     \
    {"arrival.rate", PARAM_DOUBLE, offsetof(T, arrival.rate), "per second",   \
     NULL},                                                                   \
    {"arrival.alpha", PARAM_DOUBLE, offsetof(T, arrival.alpha),               \
     "branching ratio", NULL},                                                \
    {"arrival.beta", PARAM_DOUBLE, offsetof(T, arrival.beta), "per second",   \
     NULL}

/* Every registered kind, NULL-terminated, in documentation order. */
const agent_kind *const *agent_kinds(void);

/* The kind named kind, or NULL. */
const agent_kind *agent_kind_find(const char *kind);

#endif
