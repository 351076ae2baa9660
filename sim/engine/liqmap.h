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
} liqmap;

/* The map of v's positions now, at its mark; O(accounts + rows). PERR_NOMEM. */
int liqmap_build(const venue *v, liqmap *out, perr *e);
void liqmap_free(liqmap *m);

#endif
