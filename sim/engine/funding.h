/*
 * funding: one venue's funding mechanism (docs/mechanics.md section 1)
 * as its profile states it: premium samples from the live book, their
 * average, the rate of an interval, and the settlements on the ledger at the
 * venue's UTC instants.
 *
 * The rate of a period (mechanics.md 1; profile.h states each field, and
 * models/rules/ each rule):
 *     P  = (max(0, impact_bid - index) - max(0, index - impact_ask)) / index
 *          (premium source `impact`) or (mid - index) / index (`mid`)
 *     F  = avg(P) + clamp(I - avg(P), -funding_clamp, +funding_clamp)
 *          (limit rules fixed, mmr, imf_mmf; premium_clamp: F = avg(P))
 *     paid per interval = F x interval / period when the venue divides, else F,
 * capped at [floor, cap] of the limit rule, either F (the default) or the rate
 * paid per interval (funding_cap_per_interval). avg(P) is a model quantity
 * (double); it is rounded once to a whole rate unit (1e-8, the resolution
 * venues publish rates at) and everything after that is exact integer
 * arithmetic, so a rate is reproducible bit for bit and comparable with a
 * closed form.
 *
 * Time. Simulated time is ms since the scenario start, which is the UTC
 * instant start_utc_ms (ms since the Unix epoch). Settlements fall at the
 * UTC instants congruent to funding_offset_ms modulo funding_interval_ms
 * (00/08/16 UTC for 8h, 04/12/20 for BitMEX's 4h offset, every hour for
 * 1h); the interval must divide a day. Premium samples fall every
 * premium_sample_ms on the same grid. An interval is [S(k-1), S(k)): the
 * sample at a settlement instant belongs to the next interval, so a rate is
 * made only of samples taken before it is paid. A run that starts mid-
 * interval settles at the next instant with the samples it took (a run
 * starting exactly at an instant first settles one interval later).
 *
 * Known ahead (BitMEX, funding_known_ahead): the settlement ending interval k
 * pays the rate computed from interval k-1's samples; the rate computed from
 * interval k's samples is published at S(k) and paid at S(k+1). The first
 * settlement of a run has no previous interval: it pays the rate of a zero
 * premium, which is the interest-only rate clamp(I, -clamp, +clamp) capped
 * and divided as any other (the rate of a book trading at the index), unless
 * funding_set_known_rate gave one. Its record shows 0 samples.
 *
 * Driving it. The event loop (issue #7) asks funding_next_event() for the
 * next instant it must call funding_advance() at, and calls it there with
 * the index in force; funding_advance takes every sample and settlement due
 * up to now, in time order (at one instant: the settlement, then the
 * sample), reading the book as it is at the call. Settling pays through
 * venue_settle_funding (venue.h: exact, zero-sum, the residual in the fee
 * pool) and runs the venue's cascade, so liquidations caused by funding
 * happen at the settlement instant. Each settlement appends a
 * funding_settlement record, kept until funding_clear_settlements.
 */
#ifndef PERPSIM_FUNDING_H
#define PERPSIM_FUNDING_H

#include <stddef.h>
#include <stdint.h>

#include "book.h"
#include "perr.h"
#include "profile.h"
#include "venue.h"

#define FUNDING_DAY_MS INT64_C(86400000)
#define FUNDING_HOUR_MS INT64_C(3600000)

/* The steps from an average premium to the rate an interval pays; rates in
 * units of PROFILE_RATE_ONE. */
typedef struct funding_parts {
    int64_t premium;     /* avg(P), rounded to a whole rate unit */
    int64_t interest;    /* the interest part: clamp(I - avg(P), +/-clamp) */
    int64_t rate_period; /* F = premium + interest, capped unless the cap
                            bounds the interval's rate */
    int64_t rate;        /* paid for one interval */
} funding_parts;

/* Checks that p's funding fields describe a rule this module can run: an
 * interval dividing a day, samples dividing the interval and the offset, a
 * period, a clamp >= 0, and rules that pass their own checks (a limit rule
 * with sane bounds, an impact notional for impact premiums). The message
 * names the profile and the field. */
int funding_check(const profile *p, perr *e);

/* The bounds [*floor, *cap] of p's limit rule (mechanics.md 1): the fixed
 * ones, +/- factor x the first bracket's maintenance rate, or +/- factor x
 * (1 / its maximum leverage - its maintenance rate); magnitudes rounded
 * toward zero. */
void funding_cap_bounds(const profile *p, int64_t *floor, int64_t *cap);

/* The rate one interval of interval_ms pays when the average premium is
 * premium (a rate), by the formula at the top; fills *parts (may be NULL).
 * The division F x interval / period rounds to the nearest rate unit, half
 * away from zero. Pure: the calculator and the clock both use it. */
int64_t funding_rate_of(const profile *p, int64_t interval_ms, int64_t premium,
                        funding_parts *parts);

/* A premium fraction (0.0001 = 1 bp) to the nearest rate unit; 0 for a
 * value that is not finite. */
int64_t funding_premium_rate(double premium);

/* The average of one interval's premium samples by the weights of the
 * profile's average rule: 1, 2, ..., n (`linear`, later samples count more:
 * Binance, Bybit) or equal (`mean`: BitMEX, dYdX, Hyperliquid).
 * Accumulated in a fixed order, so deterministic. */
typedef struct funding_average {
    double weighted; /* sum of weight x premium */
    double weights;  /* sum of the weights */
    int64_t n;
    const rule_average *rule; /* the weights */
} funding_average;

void funding_average_reset(funding_average *a, const rule_average *rule);
void funding_average_add(funding_average *a, double premium);
/* The average so far; 0 before any sample. */
double funding_average_value(const funding_average *a);

/* The impact notional of p in the book's units (ticks x lots), rounded up:
 * impact_notional cash units, or when that is 0 impact_margin x the first
 * bracket's maximum leverage (impact_margin / initial-margin rate: Binance's
 * 200 USDT at 125x is 25,000 USDT). 0 for mid premiums. */
int64_t funding_impact_notional(const profile *p);

/* One premium sample of book b against index (ticks, > 0), a fraction: the
 * impact form with the walks of impact notional (ticks x lots), or the mid
 * form, as p says. A side the walk finds empty contributes nothing to its
 * term; a side holding less than the notional is priced at the average of
 * all it holds (book_impact_price). No mid (a side empty) gives 0 for the
 * mid form. */
double funding_premium(const profile *p, const book *b, double index,
                       int64_t impact);

/* One settlement as it happened. For a known-ahead venue the sample fields
 * describe the previous interval, whose rate this settlement paid. */
typedef struct funding_settlement {
    int64_t time;         /* ms since the scenario start: the instant */
    int64_t time_utc;     /* ms since the Unix epoch */
    int64_t samples;      /* premium samples behind the rate */
    int64_t first_sample; /* their first and last instants (ms since the */
    int64_t last_sample;  /*   start); -1 when there were none */
    double avg_premium;   /* their average, a fraction */
    funding_parts parts;  /* the rate from that average */
    venue_funding ledger; /* what moved (ledger.time is the venue's clock) */
} funding_settlement;

typedef struct funding funding;

/* The funding clock of a venue trading on p (which must outlive it and pass
 * funding_check) for a run starting at the UTC instant start_utc_ms. */
funding *funding_new(const profile *p, int64_t start_utc_ms, perr *e);
void funding_free(funding *f);

/* The next sample, the next settlement, and the earlier of the two (ms
 * since the start): the event loop's next call to funding_advance. */
int64_t funding_next_sample(const funding *f);
int64_t funding_next_settlement(const funding *f);
int64_t funding_next_event(const funding *f);

/* The interval (ms) and the number of samples a whole interval holds. */
int64_t funding_interval(const funding *f);
int64_t funding_samples_per_interval(const funding *f);

/* Takes the samples and settlements due at or before now (see the top).
 * index is the index (oracle) price in ticks at now, > 0; it prices the
 * samples, and the payments where the venue pays at the oracle (rounded to
 * the nearest tick); other venues pay at venue_mark(v). A settlement runs at
 * the later of its instant and the venue's clock. Errors: a bad index
 * (PERR_INVALID), or what venue_settle_funding reports; nothing of a
 * settlement that failed is applied. */
int funding_advance(funding *f, venue *v, int64_t now, double index, perr *e);

/* The rate the next settlement pays as things stand, per interval: for a
 * known-ahead venue the published rate, else the rate of the samples taken
 * so far in this interval (a zero premium before the first). O(1). The mark
 * rules' P1 and fair price use it. */
int64_t funding_estimate(const funding *f, funding_parts *parts);

/* Known-ahead venues: the rate the next settlement pays (for a run starting
 * from a known state); PERR_STATE for other venues. */
int funding_set_known_rate(funding *f, int64_t rate, perr *e);

/* The settlements since the last funding_clear_settlements, oldest first. */
const funding_settlement *funding_settlements(const funding *f, size_t *n);
void funding_clear_settlements(funding *f);

#endif
