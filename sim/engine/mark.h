/*
 * mark: the mark price of one venue by its profile's mark rule
 * (docs/mechanics.md section 2), the price the liquidation engine
 * tests margin at.
 *
 * Rules (the profile's mark_rule, models/rules/mark_*.c), with basis =
 * mid - index sampled every mark_sample_ms:
 *   median3   median(P1, P2, last)                       Binance, Bybit
 *   fair      P1                                         BitMEX fair price
 *   basis_ma  P2
 *   hl        median(index + EMA(basis), median(bid, ask, last),
 *                    external perp mid)                  Hyperliquid
 *   oracle    the index (oracle) itself                  dYdX v4
 * where P1 = index x (1 + rate x time to the next settlement / interval),
 * rate the funding rate the next settlement is estimated to pay per interval
 * (funding_estimate), and P2 = index + the moving average of the basis
 * samples of the last mark_window_ms (a ring of window / sample samples,
 * allocated once). The EMA has time constant mark_window_ms: each sample
 * moves it by 1 - exp(-sample / window) of the way to the new basis.
 *
 * Missing inputs are left out of a median rather than guessed: no trade yet
 * leaves `last` out, an empty side leaves the mid (and that side's price)
 * out, no external mid leaves it out; the median of two values is their
 * mean, of one the value itself. Before the first basis sample P2 uses the
 * basis in force (0 with no mid), and the EMA starts at the first sample.
 *
 * Sampling is on the clock of the updates: a sample due at instant s
 * measures the basis in force just before s, i.e. the one left by the last
 * update before s (the book and the index only change at updates), so an
 * update after a quiet spell first takes every sample due since the last
 * one (at most a ring's worth, or the EMA's closed form) and then records
 * its own basis. Samples fall on multiples of mark_sample_ms of simulated
 * time. The result is rounded to the nearest tick; model arithmetic is
 * double, the mark an int64 tick.
 */
#ifndef PERPSIM_MARK_H
#define PERPSIM_MARK_H

#include <stdint.h>

#include "funding.h"
#include "perr.h"
#include "profile.h"
#include "venue.h"

/* Everything one mark update reads. */
typedef struct mark_inputs {
    int64_t now;          /* ms, never backwards */
    double index;         /* the index (oracle) in ticks, > 0 */
    int64_t bid, ask;     /* best prices; BOOK_NO_PRICE for an empty side */
    int64_t last;         /* the last trade; BOOK_NO_PRICE before any */
    double external_mid;  /* other venues' perp mid, ticks; <= 0 or NaN: none */
    int64_t funding_rate; /* estimate of the next settlement's rate */
    int64_t to_next_ms;   /* time to the next settlement */
    int64_t interval_ms;  /* the funding interval; 0: no funding term */
} mark_inputs;

/* The components of the last update, for tests and output; NaN when an
 * input was missing. */
typedef struct mark_parts {
    double p1;          /* index x (1 + rate x to_next / interval) */
    double p2;          /* index + basis_average */
    double basis_average; /* the moving average (or EMA, HL) of the basis */
    double book_median; /* median(bid, ask, last) */
    double value;       /* the rule's result before rounding */
    int64_t mark;
} mark_parts;

typedef struct mark mark;

/* Checks p's mark fields: a rule, and for the rules that read a basis a
 * sample period > 0 and a window of at least one sample (at most 2^24). */
int mark_check(const profile *p, perr *e);

/* A mark state for a venue trading on p (which must outlive it). */
mark *mark_new(const profile *p, perr *e);
void mark_free(mark *m);

/* Takes the basis samples due by in->now, records the inputs' basis, and
 * returns the mark (0 if no mark can be formed: no index). Fills *parts when
 * not NULL. Costs O(1) amortized; a catch-up over k samples costs
 * O(min(k, ring)). */
int64_t mark_update(mark *m, const mark_inputs *in, mark_parts *parts);

/* The last mark mark_update returned. */
int64_t mark_price(const mark *m);

/* ---- as a venue's mark rule -------------------------------------------- */

/* Installs m as v's mark rule (venue_set_mark_rule): from then on the
 * venue's cascade takes its mark from mark_venue_rule, which reads the
 * venue's book (best prices, and the last fill in its buffer as the last
 * trade), its clock, the index and external mid last set here, and the
 * funding clock f's estimate and next settlement (f may be NULL: no
 * funding term). */
void mark_attach(mark *m, venue *v, const funding *f);

/* The index (ticks) and the external mid the venue rule uses from now on;
 * the event loop sets them before venue_update at each index tick. */
void mark_set_index(mark *m, double index);
void mark_set_external_mid(mark *m, double mid);

/* The venue_mark_fn: ctx is the mark. Returns the venue's current mark
 * when no mark can be formed (no index yet). */
int64_t mark_venue_rule(void *ctx, const venue *v);

#endif
