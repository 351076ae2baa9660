/*
 * metrics: one venue's market metrics on the output grid
 * (README.md, "Commands", and sim/io/output.h; docs/mechanics.md section 6).
 *
 * Between two samples the world reports what happened (fills, liquidations,
 * ADL); at each sample metrics_sample reads the venue's state, closes the
 * interval's flows and returns one row with every series of the output
 * layout. Flows are per sample interval, in the quote currency; rolling
 * z-scores are (x - mean) / stdev over the samples of the last
 * zscore_window (the current one included): the last window / every
 * samples, rounded down; stdev is the sample deviation (n - 1, as pandas'
 * rolling std); 0 until the window holds two samples or while the stdev is
 * 0 (a window of equal values gives exactly 0). Depth is the resting
 * notional within 1% (2%) of the mid on each side (book_depth: bounds
 * included), or of the mark while a side is empty (no mid), so that a book
 * whose bids were swept still shows its asks; the depth
 * z-score is that of bid + ask depth within 1%; the taker imbalance is
 * taker buy - taker sell notional; the taker buy/sell ratio is buy / sell
 * over the interval (NaN when nothing sold). Liquidated notional counts
 * every route of a liquidation (book, backstop, fund, ADL) by the side of
 * the position closed; adl_notional is that of the venue_adl records. Open
 * interest is long lots x mark. The premium index is (mid - index) / index
 * (NaN without a mid), the funding rate the estimate of the next
 * settlement as a fraction (funding_estimate). The insurance fund is the
 * fund account's (ACCOUNT_FUND) margin balance at the mark, cash + size x
 * mark x K, which is its cash while it holds no position: the figure the
 * venue tests the fund's solvency with.
 *
 * The audit columns are the ledger's exact running totals (venue_books,
 * O(1)): long lots and short lots as every fill moved them, the cash of
 * every ledger entry (every account's cash and reserve, the fund and the
 * vault included, plus the fee pool) as every transfer moved it, and the
 * deposits and withdrawals so far (cumulative, the deposits of the
 * accounts opened at set-up included). Conservation is then an identity a
 * reader checks from the file alone: cash_total - deposits + withdrawals
 * is the same at every sample (the cash the venue was opened with). A
 * recount (venue_audit, O(accounts)) must give the same totals: the world
 * checks it at the end of every run, and now and then during it with
 * --check-invariants (world.h).
 *
 * Memory: a ring of window / every samples per z-scored series, allocated
 * by metrics_new; metrics_sample allocates nothing.
 */
#ifndef PERPSIM_METRICS_H
#define PERPSIM_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "book.h"
#include "funding.h"
#include "perr.h"
#include "profile.h"
#include "venue.h"

/* The float64 series of /venues/<v>/series, in the order they are written. */
typedef enum metrics_series {
    METRICS_T,                   /* s since the start */
    METRICS_INDEX,               /* quote */
    METRICS_MARK,                /* quote */
    METRICS_LAST,                /* quote; NaN before the first trade */
    METRICS_MID,                 /* quote; NaN with a side empty */
    METRICS_SPREAD_BPS,          /* bp of the mid */
    METRICS_BID_DEPTH_1PCT,      /* quote */
    METRICS_ASK_DEPTH_1PCT,      /* quote */
    METRICS_BID_DEPTH_2PCT,      /* quote */
    METRICS_ASK_DEPTH_2PCT,      /* quote */
    METRICS_DEPTH_Z,             /* 1 */
    METRICS_TAKER_BUY_NOTIONAL,  /* quote per interval */
    METRICS_TAKER_SELL_NOTIONAL, /* quote per interval */
    METRICS_TAKER_BUY_SELL_RATIO,/* 1 */
    METRICS_TAKER_IMBALANCE_Z,   /* 1 */
    METRICS_OPEN_INTEREST,       /* quote, at the mark */
    METRICS_OPEN_INTEREST_Z,     /* 1 */
    METRICS_LIQ_LONG_NOTIONAL,   /* quote per interval */
    METRICS_LIQ_SHORT_NOTIONAL,  /* quote per interval */
    METRICS_LIQ_Z,               /* 1: z-score of long + short */
    METRICS_PREMIUM_INDEX,       /* fraction */
    METRICS_FUNDING_RATE,        /* fraction per interval */
    METRICS_INSURANCE_FUND,      /* quote: the fund's margin balance at the mark */
    METRICS_ADL_NOTIONAL,        /* quote per interval */
    METRICS_SERIES_COUNT
} metrics_series;

/* The int64 series of /venues/<v>/audit. At every sample
 * cash_total - deposits + withdrawals is the same figure: the cash the
 * venue was opened with (its insurance fund and backstop vault). */
typedef enum metrics_audit {
    METRICS_LONG_LOTS,
    METRICS_SHORT_LOTS,
    METRICS_CASH_TOTAL,  /* every ledger entry's cash summed */
    METRICS_DEPOSITS,    /* cash put in by traders so far, opening deposits
                            included */
    METRICS_WITHDRAWALS, /* cash taken out by traders so far */
    METRICS_AUDIT_COUNT
} metrics_audit;

typedef struct metrics_row {
    double series[METRICS_SERIES_COUNT];
    int64_t audit[METRICS_AUDIT_COUNT];
} metrics_row;

typedef struct metrics metrics;

/* Metrics of a venue trading on p, sampled every every_ms, z-scores over
 * window_ms (>= every_ms). */
metrics *metrics_new(const profile *p, int64_t every_ms, int64_t window_ms,
                     perr *e);
void metrics_free(metrics *m);

/* The interval's flows. Fills: taker buy or sell notional (liquidation
 * takers included). */
void metrics_note_fills(metrics *m, const book_fill *f, size_t n);
void metrics_note_liquidations(metrics *m, const venue_liquidation *l,
                               size_t n);
void metrics_note_adls(metrics *m, const venue_adl *a, size_t n);

/* Closes the interval at now: reads v (book, mark, ledger totals), the index
 * (ticks) and the funding estimate of f (may be NULL: rate 0) into *row and
 * starts the next interval. last is the last trade price in ticks
 * (BOOK_NO_PRICE before any). Returns 0: it cannot fail today, and keeps
 * the status so that a sample that must read something fallible can. */
int metrics_sample(metrics *m, const venue *v, int64_t now, double index_ticks,
                   int64_t last, const funding *f, metrics_row *row, perr *e);

/* Names (the output's dataset names, README.md "Commands") and units
 * ("quote", "quote/base" for a price, "s", "1", "bp", "fraction", "lots",
 * "cash units"; the output names the currencies) of the series and the
 * audit columns. */
const char *metrics_series_name(int i);
const char *metrics_series_unit(int i);
const char *metrics_audit_name(int i);
const char *metrics_audit_unit(int i);
/* A line saying what series (audit column) i is, for the file's
 * `description` attributes. */
const char *metrics_series_what(int i);
const char *metrics_audit_what(int i);

#endif
