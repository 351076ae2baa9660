/*
 * agent_noise: noise takers, the uninformed order flow of a venue (issue
 * #6). One population ("noise_taker") is `count` agents on one venue, each
 * a cross account opened empty; models/README.md ("Noise takers") documents
 * the scenario keys and agent_noise.c the rule an agent follows.
 *
 * State. An agent is its venue account and nothing else: its position is
 * the account's, and its one resting limit order is found through the venue
 * (venue_cancel_all on the account), so the population holds no per-agent
 * memory and nothing of its own to allocate (agent_kind_create makes it);
 * wake allocates nothing.
 */
#ifndef PERPSIM_AGENT_NOISE_H
#define PERPSIM_AGENT_NOISE_H

#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "arrival.h"
#include "perr.h"
#include "venue.h"

typedef struct agent_noise_params {
    uint32_t count;            /* agents, >= 1 */
    double market_share;       /* probability of a market order, [0, 1] */
    double band_bps;           /* a market order's price limit from the mark, (0, 10000) */
    double limit_offset_bps;   /* a limit order's offset from the touch:
                                  uniform in [0, this), >= 0 */
    double buy_prob;           /* probability of buying, [0, 1] */
    double size_alpha;         /* Pareto tail exponent of the notional, > 0 */
    double size_min;           /* its minimum (scale), quote currency, > 0 */
    double size_max;           /* its cap, quote currency, >= size_min */
    double max_position_notional; /* beyond it an agent only reduces, quote, > 0 */
    uint32_t leverage;         /* the accounts' leverage, >= 1 */
    arrival_params arrival;    /* the population's activity */
} agent_noise_params;

typedef struct agent_noise_stats {
    uint64_t wakes;
    uint64_t market_orders;  /* market orders sent (reduce-only included) */
    uint64_t limit_orders;   /* limit orders sent */
    uint64_t reduce_only;    /* orders of agents over their position limit */
    uint64_t rejects;        /* orders the venue refused */
    uint64_t capped;         /* notionals drawn above size_max */
    double deposited;        /* quote currency brought in as top-ups */
} agent_noise_stats;

/* The registry's entry (agent_registry.c): params is an agent_noise_params;
 * the check names the key under the population's path and asks leverage
 * within the venue's maximum; each agent's cross account opens empty at
 * leverage. */
extern const agent_kind agent_noise_kind;

/* pop must be of agent_noise_kind. */
void agent_noise_stats_get(const agent_pop *pop, agent_noise_stats *out);

#endif
