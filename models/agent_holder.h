/*
 * agent_holder: leveraged directional holders, the positions a cascade
 * liquidates (issue #6). One population is all long ("leveraged_long") or
 * all short ("leveraged_short"); models/README.md ("Leveraged holders")
 * documents the scenario keys, and agent_holder.c the rules an agent follows.
 *
 * Memory. A million of them must be cheap (ARCHITECTURE.md, "Performance
 * budget": under 300 bytes per agent, the venue's ledger included). A
 * holder is one
 * venue account (64 + 40 bytes, account.h) and one byte of state in the
 * population: its account id is the population's first id plus its index,
 * its position, entry and leverage are the account's own fields.
 */
#ifndef PERPSIM_AGENT_HOLDER_H
#define PERPSIM_AGENT_HOLDER_H

#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "arrival.h"
#include "perr.h"
#include "venue.h"

typedef struct agent_holder_params {
    uint32_t count;         /* agents, >= 1 */
    int side;               /* 1: leveraged_long, -1: leveraged_short */
    double leverage_median; /* lognormal leverage: median, >= 1 */
    double leverage_sigma;  /*   and sigma of its log, >= 0 */
    double notional_median; /* lognormal position notional, quote currency, > 0 */
    double notional_sigma;  /*   sigma of its log, >= 0 */
    double take_profit;     /* close at a favourable move of this fraction of
                               the entry price, > 0 */
    double stop_loss;       /* close at an adverse move of this fraction, in (0, 1) */
    double reentry;         /* probability of trading again after an exit or a
                               liquidation, in [0, 1] */
    /* Positions held at the start (models/README.md, "Initial
     * positions"): the open interest, quote currency at the start price,
     * >= 0 (0: none, every agent starts flat), and the look-back the
     * entries are drawn over, ms in [1m, 365d]. */
    double initial_open_interest;
    int64_t initial_lookback_ms;
    arrival_params arrival; /* the population's activity */
} agent_holder_params;

/* What the population has done so far. */
typedef struct agent_holder_stats {
    uint64_t wakes;        /* arrivals */
    uint64_t opens;        /* positions opened (an IOC that filled) */
    uint64_t take_profits; /* positions closed by take-profit */
    uint64_t stop_losses;  /* positions closed by stop-loss */
    uint64_t liquidations; /* positions the venue closed */
    uint64_t rejects;      /* orders the venue refused */
    uint32_t holding;      /* agents with a position now */
    uint32_t retired;      /* agents that chose not to trade again */
    uint32_t initial;      /* agents that held a position at the start */
} agent_holder_stats;

/* The registry's entries (agent_registry.c): the same parameters, an
 * agent_holder_params, with side 1 and -1. The defaults: 1000 holders,
 * leverage median 10 sigma 0.6, notional median 2000 sigma 1.0, take-profit
 * 0.05, stop-loss 0.03, re-entry 0.8, and arrival_params_default. The check
 * names the key under the population's path ("populations[0].
 * leverage.median: must be in [1, 10000] (got 0.5)") and asks leverage.median
 * within the venue's maximum and notional.median in its cash units. Each
 * holder's cross account opens empty; its arrivals and choices are the
 * population's (agent_kind_create). */
extern const agent_kind agent_holder_long_kind;
extern const agent_kind agent_holder_short_kind;

/* The side of a kind name: "leveraged_long" 1, "leveraged_short" -1;
 * PERR_INVALID naming key_prefix.kind otherwise. */
int agent_holder_kind_parse(const char *kind, const char *key_prefix,
                            int *side, perr *e);

/* pop must be of one of those kinds (these read its fields directly). */
void agent_holder_stats_get(const agent_pop *pop, agent_holder_stats *out);
/* The bytes the population allocated (not the venue's accounts). */
size_t agent_holder_bytes(const agent_pop *pop);

#endif
