/*
 * agent_xarb: cross-venue arbitrageurs (issue #6, kind "cross_venue_arb").
 * Each agent has one cross account on markets[pop->market] (venue A) and
 * one on markets[pop->other_market] (venue B). When one venue's best bid
 * exceeds the other's best ask by more than both taker fees plus
 * threshold_bps (funding counted, below), it sells the rich venue and buys
 * the cheap one in equal base quantities, and unwinds when the gap has
 * closed. models/README.md ("Cross-venue arbitrageurs") documents the keys,
 * agent_xarb.c the rules.
 *
 * The edge, as fractions of the index I (quote currency; each venue's
 * ticks are converted by its profile, and the two quote currencies are
 * taken as equal, USDT and USDC alike):
 *     g = fA - fB, fX the funding edge of venue X (agent_arb.h: its
 *         funding_estimate weighted by 1 - time to settlement / interval)
 *     short A / long B at bidA, askB:  (bidA - askB) / I + g
 *     long A / short B at askA, bidB:  (bidB - askA) / I - g
 * An entry needs the edge to exceed feeA + feeB + threshold_bps / 1e4
 * (taker fees, PROFILE_RATE_ONE = 1). Being short where the funding
 * estimate is higher earns the difference at the settlements, so g adds to
 * the edge of that direction and keeps the pair open longer.
 */
#ifndef PERPSIM_AGENT_XARB_H
#define PERPSIM_AGENT_XARB_H

#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "arrival.h"
#include "perr.h"
#include "profile.h"
#include "venue.h"

typedef struct agent_xarb_params {
    /* threshold_bps: edge beyond both taker fees; exit_bps: unwind when the
     * pair's remaining edge is at most this; order_notional: quote currency
     * per pair trade; max_position_notional: bound on each leg's entry
     * notional, per agent; leverage and capital of both accounts (agent.h's
     * agent_arb_sizing, shared with basis_arb). */
    agent_arb_sizing sizing;      /* first: agent_arb_opening reads it */
    uint32_t count;               /* agents, >= 1 */
    arrival_params arrival;
} agent_xarb_params;

typedef struct agent_xarb_stats {
    uint64_t wakes;
    uint64_t entries;        /* pair trades that opened or added */
    uint64_t exits;          /* pair trades that unwound */
    uint64_t repairs;        /* orders that cut an unmatched leg */
    uint64_t rejects;        /* orders the venues refused */
    uint64_t liquidations;   /* liquidation episodes noted, either venue */
    uint64_t lots_bought[2]; /* per venue: 0 is A (market), 1 is B */
    uint64_t lots_sold[2];
} agent_xarb_stats;

/* The registry's entry (agent_registry.c): params is an agent_xarb_params,
 * with basis_arb's defaults (AGENT_ARB_SIZING_DEFAULTS, 10 agents,
 * arrival_params_default). The check for each of its venues: the keys
 * alone, then the leverage within the bracket of max_position_notional and
 * the amounts representable; messages name the key under the population's
 * path. Each agent has an account on each of its two venues (markets
 * s->market and s->other_market, which must differ), opened with capital at
 * leverage. */
extern const agent_kind agent_xarb_kind;

/* pop must be of agent_xarb_kind. */
void agent_xarb_stats_get(const agent_pop *pop, agent_xarb_stats *out);

#endif
