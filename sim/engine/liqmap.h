/*
 * liqmap: a venue's liquidation map, the notional of open positions by the
 * price at which each would be liquidated (its trigger tick, account.h),
 * per side: where liquidations sit. The world records it at the start of a
 * run whose populations start with positions (models/README.md, "Initial
 * positions"); the output writes it as /venues/<v>/liquidation_map.
 *
 * Buckets are LIQMAP_BUCKET_BPS of the start mark wide (at least one tick),
 * aligned on the start mark: bucket k holds the triggers in
 * [mark + k w, mark + (k + 1) w). The rows run from the lowest bucket that
 * holds a trigger within the book's price range to the highest, empty
 * buckets included, so that a row's place is its price. A position whose
 * trigger lies beyond the range (no mark of the run can liquidate it: a
 * long at 1x, the counterparty of initial positions) is counted in the
 * map's beyond_* figures instead. Notional is valued at the start mark, as
 * the open interest is, so the long rows plus long_beyond are the open
 * interest, and the short ones too.
 *
 * Why 10 bp: a bucket must be finer than the distance between the triggers
 * of neighbouring leverages near the mark (a 100x position's trigger sits
 * about 50 bp from its entry on Binance's first bracket, so 10 bp separate
 * 50x from 100x), and coarse enough that the spread of a two-week
 * look-back (tens of percent) stays within a few thousand rows.
 */
#ifndef PERPSIM_LIQMAP_H
#define PERPSIM_LIQMAP_H

#include <stddef.h>
#include <stdint.h>

#include "perr.h"
#include "venue.h"

#define LIQMAP_BUCKET_BPS 10

typedef struct liqmap_row {
    double price_low, price_high; /* quote: the bucket's triggers, [low, high) */
    double long_notional;         /* quote, at the start mark */
    double short_notional;
    uint32_t long_positions;
    uint32_t short_positions;
} liqmap_row;

typedef struct liqmap {
    liqmap_row *rows;
    size_t n;
    double mark;          /* quote: the mark the map was made at */
    double bucket_bps;    /* LIQMAP_BUCKET_BPS */
    double long_beyond;   /* quote: longs no mark of the range liquidates */
    double short_beyond;
    int64_t long_lots, short_lots; /* every position of each side */
    int64_t mark_ticks;   /* the mark, ticks */
    int64_t width_ticks;  /* a bucket's width, ticks */
    int64_t first_bucket; /* rows[0] holds [mark + k w, ...) for this k */
} liqmap;

/* The map on the output grid: the notional of the positions on the buckets
 * of the start's map (its rows, aligned on the start mark), sample after
 * sample, each valued at that sample's mark as the open interest series
 * is. A trigger within the book's range but outside the start's rows
 * (a position opened later, far from the start) is counted in the
 * sample's off-grid figure of its side, one beyond the range in its beyond
 * figure, so that per side the cells, the off-grid and the beyond figures
 * sum to the open interest at that sample's mark. */
typedef struct liqmap_grid {
    size_t buckets;        /* the start map's rows */
    double *price_low;     /* quote, per bucket */
    double bucket_bps;
    int64_t mark_ticks, width_ticks, first_bucket; /* the start map's grid */
    size_t n, cap;         /* samples */
    double *t;             /* s since the start, per sample */
    double *mark;          /* quote, per sample */
    double *longs, *shorts; /* quote, n x buckets, sample-major */
    double *long_beyond, *short_beyond, *long_off_grid, *short_off_grid;
} liqmap_grid;

/* A grid on m's buckets, no sample yet. PERR_NOMEM. */
int liqmap_grid_init(liqmap_grid *g, const liqmap *m, perr *e);
/* Appends v's positions now as the sample at t_s; O(accounts + buckets).
 * PERR_NOMEM. */
int liqmap_grid_sample(liqmap_grid *g, const venue *v, double t_s, perr *e);
void liqmap_grid_free(liqmap_grid *g);

/* The map of v's positions now, at its mark; O(accounts + rows). PERR_NOMEM. */
int liqmap_build(const venue *v, liqmap *out, perr *e);
void liqmap_free(liqmap *m);

#endif
