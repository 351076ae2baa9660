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
    /* threshold_bps: edge beyond the cost c to enter; exit_bps: unwind when
     * the position's remaining edge is at most this; order_notional: quote
     * currency per order; max_position_notional: bound on the perp
     * position's entry notional; leverage and capital of the perp account
     * (agent.h's agent_arb_sizing, shared with cross_venue_arb). */
    agent_arb_sizing sizing;      /* first: agent_arb_opening reads it */
    uint32_t count;               /* agents, >= 1 */
    double spot_fee_bps;          /* cost of the spot leg per trade, >= 0 */
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

/* The registry's entry (agent_registry.c): params is an agent_arb_params.
 * The defaults: 10 agents, AGENT_ARB_SIZING_DEFAULTS (threshold 2 bp, exit
 * 1 bp, orders of 25,000 quote, positions up to 1,000,000, leverage 5,
 * capital 500,000), spot fee 0, and arrival_params_default. The check names
 * the key under the population's path ("populations[2].threshold_bps: must
 * be in [0, 10000] (got -1)"): the keys alone, then the amounts
 * representable in the venue's cash and the leverage within the bracket of
 * max_position_notional. Each agent's cross account opens with capital at
 * leverage. */
extern const agent_kind agent_arb_kind;

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

/* pop must be of agent_arb_kind. */
void agent_arb_stats_get(const agent_pop *pop, agent_arb_stats *out);
/* Agent i's spot leg: base quantity held and quote cash spent (-) or
 * received (+), fees included; its value at index x is base x x + cash. */
void agent_arb_spot(const agent_pop *pop, uint32_t i, double *base,
                    double *cash);

#endif
