/*
 * agent_maker: market makers, the depth a cascade eats through (issue #6).
 * One population ("market_maker") is `count` makers on one venue, each with
 * its own cross account funded with `capital` at creation; models/README.md
 * ("Market makers") documents the scenario keys and agent_maker.c the
 * quoting rule.
 *
 * State. A maker is its venue account (its id is the population's first id
 * plus its index: inventory, cash and resting orders are the venue's), so
 * the population holds only what all makers share: the volatility estimate
 * of the reference price, the times of recent liquidation reports on its
 * market (a ring of burst_count + 1 instants) and the end of the current
 * burst cooldown. Everything is allocated when the population is made
 * (agent_kind_create); waking, re-quoting and on_liquidated allocate
 * nothing.
 *
 * The world calls agent_maker_requote_all (the kind's react) when a liquidity withdrawal
 * starts or ends (markets[m].conditions.liquidity changed), so that every maker's depth
 * follows at once rather than at its next arrival.
 */
#ifndef PERPSIM_AGENT_MAKER_H
#define PERPSIM_AGENT_MAKER_H

#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "arrival.h"
#include "perr.h"
#include "venue.h"

/* Where the quotes are centred. */
typedef enum agent_maker_reference {
    AGENT_MAKER_REF_INDEX = 0, /* markets[m].index_ticks */
    AGENT_MAKER_REF_MID = 1,   /* the book's mid without the maker's own
                                  quotes; the index when a side is empty */
} agent_maker_reference;

/* The names of agent_maker_reference in order, NULL-terminated. */
extern const char *const agent_maker_reference_names[];

typedef struct agent_maker_params {
    uint32_t count;             /* makers, >= 1 */
    double capital;             /* deposit per maker, quote currency, > 0 */
    uint32_t leverage;          /* the accounts' leverage, >= 1 */
    uint32_t levels;            /* orders per side, in [1, 64] */
    double spread_bps;          /* base spread (twice the base half-spread), > 0 */
    double level_spacing_bps;   /* between a side's levels, >= 0 */
    int reference;              /* agent_maker_reference */
    double depth_notional;      /* per maker and side at normal volatility,
                                   quote currency, > 0 */
    int64_t vol_halflife_ms;    /* of the EWMA of squared log returns, > 0 */
    double vol_normal;          /* annualised volatility counted as normal, > 0 */
    double vol_spread_mult;     /* half-spread x (1 + this x excess), >= 0 */
    double vol_size_mult;       /* size x 1 / (1 + this x excess), >= 0 */
    double skew_bps;            /* the shift at the inventory limit, >= 0 */
    double max_inventory_notional; /* quote currency, > 0 */
    uint32_t burst_count;       /* more liquidations than this ... , >= 1 */
    int64_t burst_window_ms;    /* ... within this window is a burst, > 0 */
    int64_t burst_cooldown_ms;  /* quotes pulled for this long, >= 0 */
    double burst_keep;          /* fraction of depth kept while pulled, [0, 1] */
    arrival_params arrival;     /* the population's re-quotes */
} agent_maker_params;

/* What the population has done so far. */
typedef struct agent_maker_stats {
    uint64_t wakes;      /* arrivals */
    uint64_t requotes;   /* makers that cancelled and quoted anew */
    uint64_t orders;     /* limit orders that rested */
    uint64_t rejects;    /* orders the venue or the book refused (post-only
                            crossings, margin) */
    uint64_t pulled;     /* re-quotes inside a burst cooldown */
    uint64_t bursts;     /* bursts detected */
    uint64_t limited;    /* sides left unquoted at the inventory limit */
} agent_maker_stats;

/* The registry's entry (agent_registry.c): params is an agent_maker_params;
 * the check names the key under the population's path ("populations[2].
 * spread_bps: must be > 0 and < 10000 (got -1)") and asks capital in the
 * venue's cash units and leverage within its maximum; each maker's cross
 * account opens with capital at leverage. */
extern const agent_kind agent_maker_kind;

/* Every maker of pop (of agent_maker_kind: this is its react) re-quotes now,
 * in index order, from one observation of the reference: for the start and
 * the end of a liquidity withdrawal. Does not touch the arrival process.
 * Allocates nothing; fails only with the venue's errors. */
int agent_maker_requote_all(agent_pop *pop, agent_world *w, perr *e);

void agent_maker_stats_get(const agent_pop *pop, agent_maker_stats *out);
/* The half-spread (bps) and the size factor of the last re-quote's
 * volatility, and the volatility estimate (per square-root second). */
double agent_maker_half_spread_bps(const agent_pop *pop);
double agent_maker_size_factor(const agent_pop *pop);
double agent_maker_volatility(const agent_pop *pop);
/* Whether a burst cooldown is running at now. */
int agent_maker_pulled(const agent_pop *pop, int64_t now);

#endif
