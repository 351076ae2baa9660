/*
 * agent_momentum: trend followers, who buy after a rise and sell after a
 * fall and so amplify moves (issue #6). One population ("momentum") is
 * `count` agents on one venue, each a cross account opened empty;
 * models/README.md ("Momentum traders") documents the scenario keys and
 * agent_momentum.c the rule an agent follows.
 *
 * State. The signal is the population's: a ring of lookback / sample + 1
 * prices of the mark (or the index) on the population's own grid of
 * `sample` ms, filled at its wakes. Per agent the population keeps only the
 * instant its position was opened (8 bytes); the position itself is the
 * venue account's. Everything is allocated when the population is made
 * (agent_kind_create); wake allocates nothing.
 */
#ifndef PERPSIM_AGENT_MOMENTUM_H
#define PERPSIM_AGENT_MOMENTUM_H

#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "arrival.h"
#include "perr.h"
#include "venue.h"

/* The price whose return is the signal. */
typedef enum agent_momentum_price {
    AGENT_MOMENTUM_MARK = 0,  /* the venue's mark */
    AGENT_MOMENTUM_INDEX = 1, /* markets[m].index_ticks */
} agent_momentum_price;

extern const char *const agent_momentum_price_names[];

typedef struct agent_momentum_params {
    uint32_t count;        /* agents, >= 1 */
    int price;             /* agent_momentum_price */
    int64_t lookback_ms;   /* the return's horizon, a multiple of sample_ms */
    int64_t sample_ms;     /* the grid the ring is kept on, > 0 */
    double threshold;      /* |return| beyond which agents trade, in (0, 1) */
    double notional;       /* position notional at |r| = threshold, quote, > 0 */
    double max_scale;      /* the notional scales as min(|r|/threshold, this), >= 1 */
    int64_t hold_ms;       /* positions are closed after this long, > 0 */
    uint32_t leverage;     /* the initial margin a position is funded with, >= 1 */
    double band_bps;       /* market orders' price limit from the mark, (0, 10000) */
    arrival_params arrival;
} agent_momentum_params;

typedef struct agent_momentum_stats {
    uint64_t wakes;
    uint64_t opens_long;     /* positions opened (an order that filled) */
    uint64_t opens_short;
    uint64_t closes_hold;    /* closed after hold */
    uint64_t closes_reverse; /* closed on a reversed signal */
    uint64_t liquidations;   /* positions found flat that it had not closed */
    uint64_t rejects;
} agent_momentum_stats;

/* The registry's entry (agent_registry.c): params is an
 * agent_momentum_params; the check names the key under the population's path
 * and asks leverage within the venue's maximum; each agent's cross account
 * opens empty at leverage. */
extern const agent_kind agent_momentum_kind;

/* pop must be of agent_momentum_kind. */
void agent_momentum_stats_get(const agent_pop *pop, agent_momentum_stats *out);
/* The signal the population saw at its last wake: the return over lookback,
 * and whether it had lookback of history (0: no signal yet). */
double agent_momentum_signal(const agent_pop *pop, int *valid);

#endif
