/*
 * agent_noise: noise takers, the uninformed order flow of a venue (issue
 * #6). One population ("noise_taker") is `count` agents on one venue, each
 * a cross account opened empty; models/README.md ("Noise takers") documents
 * the scenario keys and agent_noise.c the rule an agent follows.
 *
 * State. An agent is its venue account and nothing else: its position is
 * the account's, and its one resting limit order is found through the venue
 * (venue_cancel_all on the account), so the population holds no per-agent
 * memory. Everything is allocated by agent_noise_new; wake allocates
 * nothing.
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

/* The kind's entries (agent_kind): params is an agent_noise_params. */

/* Fills params with the documented defaults (models/README.md). */
void agent_noise_params_default(void *params);

/* Checks params for a venue with profile prof (leverage within its
 * maximum); messages name the key under key_prefix. */
int agent_noise_check(const void *params, const profile *prof,
                      const char *key_prefix, perr *e);

/* A population of count noise takers on s's venue, each with a cross
 * account opened empty at leverage (consecutive ids: nothing else may
 * open accounts on the venue during the call). Arrivals on the stream s->name, choices on
 * "<name>/agents". NULL with e filled on failure. */
agent_pop *agent_noise_new(const void *params, const agent_setup *s, perr *e);

void agent_noise_stats_get(const agent_pop *pop, agent_noise_stats *out);
/* The venue account of agent i (< count). */
uint32_t agent_noise_account(const agent_pop *pop, uint32_t i);

extern const agent_kind agent_noise_kind;

#endif
