/*
 * world: one run of a scenario (ARCHITECTURE.md, "From scenario file to
 * HDF5 result"). A world owns the index process, each venue with its
 * mark rule, funding clock and metrics, every population, and the event
 * queue that drives them in (time, sequence) order:
 *
 *   index tick     every index step: the index moves, each venue's mark rule
 *                  sees it and the cascade runs (venue_update);
 *   wake           a population's arrival: it acts, then the cascade runs on
 *                  the venues it trades on;
 *   funding        a venue's premium sample or settlement (funding_advance);
 *   shock          the start or end of a scheduled shock;
 *   sample         the output grid: one metrics row per venue.
 *
 * After every event that touched a venue the world drains its records:
 * liquidations and ADL closes go to the metrics, the output tables, the
 * populations (agent_on_liquidated) and the summary; fills go to the taker
 * flows and, when asked for, the trades table. Everything a run does
 * follows from the scenario and its seed, so the same scenario and seed
 * give identical output.
 */
#ifndef PERPSIM_WORLD_H
#define PERPSIM_WORLD_H

#include <stdint.h>

#include "account.h"
#include "perr.h"
#include "scenario.h"
#include "sink.h"
#include "summary.h"
#include "venue.h"

typedef struct world world;

/* With --check-invariants, each venue checks its ledger after every call
 * that changes it (a ledger event: an order, an account opened, a deposit
 * or withdrawal, a liquidation pass, a funding settlement): the running
 * totals (long lots == short lots, cash == initial + deposits -
 * withdrawals) and the fund and the vault, in O(1). It recounts every
 * account from scratch (venue_audit, O(accounts)) after every N-th ledger
 * event, N = the larger of WORLD_RECOUNT_EVERY and the number of accounts
 * the venue's populations open, and at the end of the run. A recount of n
 * accounts every n events or more costs O(1) per event whatever the size
 * of the world, so the check's cost is a bounded share of a run's
 * (README.md, "Performance", has the measured overhead); a constant
 * N would make a world of a million accounts pay for a recount every few
 * thousand events. */
#define WORLD_RECOUNT_EVERY 4096

typedef struct world_options {
    int check_invariants; /* the check above on every venue, in every build
                             (a run does not take the debug build's
                             default, a recount per call, which would cost
                             O(accounts) per event); 0: a recount at the
                             end of the run only */
} world_options;

/* What a progress line shows. */
typedef struct world_progress {
    int64_t now;               /* ms since the start */
    int64_t duration;          /* ms */
    uint64_t events;           /* popped so far */
    double liquidated;         /* quote, all venues */
} world_progress;

typedef void (*world_progress_fn)(void *ctx, const world_progress *p);

/* Builds the world of s (which must outlive it): venues, index, populations
 * (their accounts opened), the first events queued. NULL with e filled. */
world *world_new(const scenario *s, const world_options *opt, perr *e);
void world_free(world *w);

/* Runs to the scenario's end, handing its records to out (sink.h; may be
 * NULL: the records are dropped) and calling progress (may be NULL) now and
 * then. Checks the ledger's invariants at the end whatever the options. 0,
 * or the first error. */
int world_run(world *w, const sink *out, world_progress_fn progress,
              void *ctx, perr *e);

/* The run's summary (summary.h) and the scenario's expectations checked
 * against it; call after world_run. */
int world_summarize(const world *w, summary *out, perr *e);

/* Events popped so far. */
uint64_t world_events(const world *w);

/* What the books have processed so far, summed over every venue
 * (venue_book_counts): orders submitted, cancelled and filled. */
void world_book_counts(const world *w, venue_book_counts *out);

/* The ledger checks and recounts so far, over every venue
 * (venue_check_counts): both 0 without check_invariants. */
void world_check_counts(const world *w, uint64_t *checks, uint64_t *recounts);

/* Agents in all populations (each kind's `count`). */
uint64_t world_agents(const world *w);

/* Accounts a venue's ledger is made with beyond the populations' agents:
 * the shocks' account (shock.h) and room to spare; the table grows when
 * more are opened, this only spares the first growth. */
#define WORLD_SPARE_ACCOUNTS 16

/* The most agents the populations on one venue may hold together (a
 * cross-venue population counts on both of its venues): a ledger holds at
 * most ACCOUNT_MAX accounts, and the spare ones are the engine's own. */
#define WORLD_VENUE_AGENTS_MAX ((uint64_t)ACCOUNT_MAX - WORLD_SPARE_ACCOUNTS)

/* The agents of population k of s that hold an account on venue v: its
 * count when it trades there (on its venue or, for a cross-venue kind, its
 * other venue), 0 otherwise. */
uint64_t world_population_agents_on(const scenario *s, size_t k, size_t v);

#endif
