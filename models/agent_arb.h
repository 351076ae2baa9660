/*
 * agent_arb: basis and funding arbitrageurs (issue #6, kind "basis_arb").
 * Each agent holds a perp position on one venue against a spot position
 * outside it, and trades the perp's premium over the index toward zero,
 * counting the funding it expects to collect before the next settlement.
 * models/README.md ("Basis arbitrageurs") documents the scenario keys, and
 * agent_arb.c the rules an agent follows.
 *
 * The perp leg is a cross account on the venue (its ledger is the venue's);
 * the spot leg is not on any ledger: it is two doubles per agent (base
 * quantity and quote cash), marked at the index, so a study can read the
 * arbitrage's whole PnL without the venue pretending to hold spot.
 *
 * The edge, as fractions of the index I (the closed form the tests check):
 *     funding edge  f = F / PROFILE_RATE_ONE x clamp(1 - tau / T, 0, 1)
 *         F   the venue's funding_estimate (per interval, > 0: longs pay),
 *         tau the time to funding_next_settlement, T funding_interval;
 *         f = 0 when the venue has no funding clock;
 *     short edge of selling the perp at p:  (p - I) / I + f
 *     long edge of buying the perp at p:    (I - p) / I - f
 * and the entry cost c = taker_fee / PROFILE_RATE_ONE + spot_fee_bps / 1e4.
 */
#ifndef PERPSIM_AGENT_ARB_H
#define PERPSIM_AGENT_ARB_H

#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "arrival.h"
#include "perr.h"
#include "profile.h"
#include "venue.h"

typedef struct agent_arb_params {
    uint32_t count;               /* agents, >= 1 */
    double threshold_bps;         /* edge beyond the cost to enter, >= 0 */
    double exit_bps;              /* unwind when the position's remaining
                                     edge is at most this, <= threshold_bps */
    double spot_fee_bps;          /* cost of the spot leg per trade, >= 0 */
    double order_notional;        /* quote currency per order, > 0 */
    double max_position_notional; /* quote currency per agent: bound on the
                                     perp position's entry notional */
    uint32_t leverage;            /* of the perp account, >= 1 */
    double capital;               /* quote currency deposited per agent */
    arrival_params arrival;       /* the population's activity */
} agent_arb_params;

/* What the population has done so far. */
typedef struct agent_arb_stats {
    uint64_t wakes;        /* arrivals */
    uint64_t entries;      /* orders that opened or added and filled */
    uint64_t exits;        /* reduce-only orders that filled */
    uint64_t lots_sold;    /* perp lots sold, entries and exits */
    uint64_t lots_bought;  /* perp lots bought */
    uint64_t rejects;      /* orders the venue refused */
    uint64_t liquidations; /* liquidation episodes noted */
} agent_arb_stats;

/* The four IOC limit prices (ticks) an agent would trade at, from the edge
 * of the top of this file: each is the furthest price that still leaves the
 * edge required, rounded onto the grid toward the agent's advantage. */
typedef struct agent_arb_limits {
    int64_t sell_entry; /* ceil(I (1 + c + thr - f)): open or add a short */
    int64_t buy_entry;  /* floor(I (1 - c - thr - f)): open or add a long */
    int64_t buy_exit;   /* floor(I (1 + exit - f)): buy a short back */
    int64_t sell_exit;  /* ceil(I (1 - exit - f)): sell a long out */
} agent_arb_limits;

/* The kind's entries (agent_kind): params is an agent_arb_params. */

/* Fills params with the documented defaults: 10 agents, threshold 2 bp,
 * exit 1 bp, spot fee 0, orders of 25,000 quote, positions up to 1,000,000,
 * leverage 5, capital 500,000, and arrival_params_default. */
void agent_arb_params_default(void *params);

/* Checks params for a venue trading on prof: the keys alone, then the
 * amounts representable in its cash and the leverage within the bracket of
 * max_position_notional; messages name the key under key_prefix
 * ("populations[2].threshold_bps: must be >= 0 (got -1)"). */
int agent_arb_check(const void *params, const profile *prof,
                    const char *key_prefix, perr *e);

/* A population of count arbitrageurs on s's venue, each with its own cross
 * account at leverage holding capital (consecutive ids: nothing else may
 * open accounts on the venue during the call). Arrivals on the stream
 * s->name, the choice of agent on "<name>/agents". NULL with e filled on
 * failure. */
agent_pop *agent_arb_new(const void *params, const agent_setup *s, perr *e);

/* The funding edge f of the top of this file: rate per interval, the time
 * now and the next settlement (ms, one clock), the interval (ms, > 0). */
double agent_arb_funding_edge(int64_t rate, int64_t now,
                              int64_t next_settlement, int64_t interval);

/* f for market m at now (0 without a funding clock). */
double agent_arb_market_funding_edge(const agent_market *m, int64_t now);

/* The limits for an index of index_ticks on prof with funding edge f. */
void agent_arb_limits_get(const agent_arb_params *p, const profile *prof,
                          double index_ticks, double funding_edge,
                          agent_arb_limits *out);

/* The registry's entry (agent_registry.c). */
extern const agent_kind agent_arb_kind;

/* pop must come from agent_arb_new. */
void agent_arb_stats_get(const agent_pop *pop, agent_arb_stats *out);
/* The venue account of agent i (< count). */
uint32_t agent_arb_account(const agent_pop *pop, uint32_t i);
/* Agent i's spot leg: base quantity held and quote cash spent (-) or
 * received (+), fees included; its value at index x is base x x + cash. */
void agent_arb_spot(const agent_pop *pop, uint32_t i, double *base,
                    double *cash);

#endif
