/*
 * sink: where a run's records go, as the engine sees it. The world hands
 * every record it produces (a metrics row on the output grid, liquidations,
 * ADL closes, funding settlements, fills, risk policies' interventions) to a sink through this table and
 * knows nothing of files; io/output.h is the HDF5 sink (output_sink), and a
 * test or a library user may write another (to memory, a socket, a
 * database) without touching the engine.
 *
 * Contract: add_venue is called once per venue, in the scenario's order,
 * before any record, and returns the sink's index for the venue (0, 1, ...)
 * or a negative PERR code; the records that follow name the venue by that
 * index. Every call returns 0 or a negative PERR code with e filled; the
 * first failure ends the run. A hook may be NULL where the sink keeps no
 * such record (the records are then dropped).
 *
 * How to add an output dataset: a new series column is a metrics_series
 * (metrics.h) and reaches every sink in metrics_row; a new event table is
 * a record type here, one hook in sink_ops, the call where the world drains
 * the venue (world.c, drain_venue) and its writer in output.c.
 */
#ifndef PERPSIM_SINK_H
#define PERPSIM_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "book.h"
#include "funding.h"
#include "liqmap.h"
#include "metrics.h"
#include "perr.h"
#include "profile.h"
#include "venue.h"

typedef struct sink_ops {
    /* Venue name trading on p (which outlives the run); trades: whether
     * the scenario asks for the trades table. */
    int (*add_venue)(void *ctx, const char *name, const profile *p,
                     int trades, perr *e);
    int (*append_row)(void *ctx, size_t venue, const metrics_row *row,
                      perr *e);
    int (*append_liquidations)(void *ctx, size_t venue,
                               const venue_liquidation *l, size_t n, perr *e);
    int (*append_adls)(void *ctx, size_t venue, const venue_adl *a, size_t n,
                       perr *e);
    int (*append_funding)(void *ctx, size_t venue,
                          const funding_settlement *f, size_t n, perr *e);
    /* Fills at time now (ms since the start). */
    int (*append_trades)(void *ctx, size_t venue, int64_t now,
                         const book_fill *f, size_t n, perr *e);
    /* The venue's risk policies (models/rule.h), their names in the order
     * venue_policy_event.policy counts them; once, before any row, only
     * for a venue with policies. */
    int (*add_policies)(void *ctx, size_t venue, const char *const *names,
                        size_t n, perr *e);
    /* What they did; only for a venue given add_policies. */
    int (*append_policy_events)(void *ctx, size_t venue,
                                const venue_policy_event *p, size_t n,
                                perr *e);
    /* The venue's liquidation map at the start, once, before any row; only
     * for a venue where some population starts with positions. */
    int (*add_liquidation_map)(void *ctx, size_t venue, const liqmap *m,
                               perr *e);
    /* The map on the output grid (liqmap.h), sampled every every_s
     * seconds; once, after the last row; only for a venue given
     * add_liquidation_map. */
    int (*add_liquidation_map_grid)(void *ctx, size_t venue,
                                    const liqmap_grid *g, double every_s,
                                    perr *e);
} sink_ops;

typedef struct sink {
    const sink_ops *ops;
    void *ctx; /* the sink's own state, passed to every hook */
} sink;

#endif
