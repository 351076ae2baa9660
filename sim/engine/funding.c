/*
 * funding: premium sampling, the rate of an interval and the funding clock
 * of one venue. funding.h states the rule; the venue facts are those of
 * docs/mechanics.md section 1:
 *   - Binance: samples every 5 s, weights 1..n, I = 0.01% per 8h, clamp
 *     +/-0.05%, cap +/- 0.75 x the first bracket's maintenance rate, and
 *     since 2025-09-18 an N-hour interval pays F / (8/N);
 *   - Bybit: samples every minute, weights 1..n;
 *   - BitMEX: samples every minute, plain mean over the previous interval,
 *     the rate known one interval ahead, settling 04/12/20 UTC;
 *   - OKX (since 2024-03): premium from the mid, no interest term;
 *   - dYdX v4: 60 samples an hour, mean, F/8 paid hourly, |F| <= 6 x
 *     (IMF - MMF);
 *   - Hyperliquid: samples every 5 s, mean over the hour, F/8 paid hourly,
 *     at most 4% an hour, priced at the oracle.
 * Those figures live in the profiles, and the rules that differ (the limit
 * rule forming F and its bounds, the premium source, the weights of the
 * average, the price paid at) in models/rules/, called through the
 * profile's tables (models/rule.h); this file knows no venue and no rule by
 * name.
 *
 * Invariants of the clock: next_sample and next_settlement are instants of
 * their UTC grids, strictly after everything already processed; `current`
 * holds exactly the samples taken since the last settlement (or the start),
 * and for a known-ahead venue `known` is the rate the next settlement pays.
 */
#include "funding.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "rule.h"

__extension__ typedef __int128 i128;

struct funding {
    const profile *p;
    int64_t start_utc;
    int64_t interval, sample, offset; /* offset reduced modulo interval */
    int64_t impact;                   /* ticks x lots */
    int64_t next_sample, next_settlement;

    funding_average current;
    int64_t current_first, current_last; /* sample instants, -1 none */

    /* Known ahead: what the next settlement pays and where it came from. */
    funding_parts known;
    double known_avg;
    int64_t known_samples, known_first, known_last;

    funding_settlement *recs;
    size_t nrecs, cap_recs;
};

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t clamp64(int64_t x, int64_t lo, int64_t hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* num / den rounded to the nearest integer, halves away from zero; den > 0. */
static int64_t div_round(i128 num, i128 den)
{
    i128 half = den / 2;
    i128 q = num >= 0 ? (num + half) / den : -((-num + half) / den);
    return (int64_t)q;
}

/* ---- the rate ---------------------------------------------------------- */

int funding_check(const profile *p, perr *e)
{
    const char *n = p->name;
    if (p->funding_interval_ms <= 0)
        return perr_set(e, PERR_INVALID,
                        "%s: funding_interval_ms must be > 0 (the profile has "
                        "no funding rule)",
                        n);
    if (FUNDING_DAY_MS % p->funding_interval_ms != 0)
        return perr_set(e, PERR_INVALID,
                        "%s: funding_interval_ms %lld does not divide a day",
                        n, (long long)p->funding_interval_ms);
    if (p->funding_offset_ms < 0)
        return perr_set(e, PERR_INVALID, "%s: funding_offset_ms must be >= 0",
                        n);
    if (p->funding_period_ms <= 0)
        return perr_set(e, PERR_INVALID, "%s: funding_period_ms must be > 0",
                        n);
    if (p->premium_sample_ms <= 0
        || p->funding_interval_ms % p->premium_sample_ms != 0
        || p->funding_offset_ms % p->premium_sample_ms != 0)
        return perr_set(e, PERR_INVALID,
                        "%s: premium_sample_ms must be > 0 and divide the "
                        "funding interval and offset",
                        n);
    if (!p->premium_source || !p->premium_average || !p->funding_cap_rule
        || !p->funding_price)
        return perr_set(e, PERR_INVALID,
                        "%s: the funding rules (premium source, average, "
                        "limit, price) must all be set",
                        n);
    if (p->funding_clamp < 0 || p->funding_clamp >= PROFILE_RATE_ONE)
        return perr_set(e, PERR_INVALID, "%s: funding_clamp must lie in [0, 1)",
                        n);
    if (p->interest_rate <= -PROFILE_RATE_ONE
        || p->interest_rate >= PROFILE_RATE_ONE)
        return perr_set(e, PERR_INVALID,
                        "%s: interest_rate must lie in (-1, 1)", n);
    perr why;
    perr_clear(&why);
    if (p->funding_cap_rule->check(p, &why) != 0
        || p->premium_source->check(p, &why) != 0)
        return perr_set(e, PERR_INVALID, "%s: %s", n, why.msg);
    return 0;
}

void funding_cap_bounds(const profile *p, int64_t *floor, int64_t *cap)
{
    p->funding_cap_rule->bounds(p, floor, cap);
}

int64_t funding_rate_of(const profile *p, int64_t interval_ms, int64_t premium,
                        funding_parts *parts)
{
    funding_parts r;
    int64_t floor, cap;
    funding_cap_bounds(p, &floor, &cap);
    r.premium = premium;
    /* A venue that divides F by period / interval states I for the period;
     * one that does not pays its interval's own rate, with the interest of
     * an N-hour interval, I x N / period (Bybit: "the N-hour interest rate
     * component", notes 2.7). */
    int64_t interest = p->interest_rate;
    if (!p->funding_divides && interval_ms != p->funding_period_ms)
        interest = div_round((i128)interest * interval_ms, p->funding_period_ms);
    r.rate_period = p->funding_cap_rule->rate(p, premium, interest,
                                              &r.interest);
    if (!p->funding_cap_per_interval)
        r.rate_period = clamp64(r.rate_period, floor, cap);
    r.rate = r.rate_period;
    if (p->funding_divides && interval_ms != p->funding_period_ms)
        r.rate = div_round((i128)r.rate_period * interval_ms,
                           p->funding_period_ms);
    if (p->funding_cap_per_interval)
        r.rate = clamp64(r.rate, floor, cap);
    if (parts)
        *parts = r;
    return r.rate;
}

int64_t funding_premium_rate(double premium)
{
    if (!isfinite(premium))
        return 0;
    double r = premium * (double)PROFILE_RATE_ONE;
    /* Far beyond any rate a clamp or cap lets through, and int64-safe. */
    if (r > 1e17)
        r = 1e17;
    if (r < -1e17)
        r = -1e17;
    return llround(r);
}

void funding_average_reset(funding_average *a, const rule_average *rule)
{
    a->weighted = 0;
    a->weights = 0;
    a->n = 0;
    a->rule = rule;
}

void funding_average_add(funding_average *a, double premium)
{
    a->n++;
    double w = a->rule->weight(a->n);
    a->weighted += w * premium;
    a->weights += w;
}

double funding_average_value(const funding_average *a)
{
    return a->n > 0 ? a->weighted / a->weights : 0.0;
}

/* ---- premium samples --------------------------------------------------- */

int64_t funding_impact_notional(const profile *p)
{
    return p->premium_source->impact(p);
}

double funding_premium(const profile *p, const book *b, double index,
                       int64_t impact)
{
    return p->premium_source->sample(b, index, impact);
}

/* ---- the clock --------------------------------------------------------- */

/* The first instant at or after t (ms since the start) on the UTC grid
 * phase + k x period. */
static int64_t grid_at_or_after(const funding *f, int64_t t, int64_t period,
                                int64_t phase)
{
    int64_t utc = f->start_utc + t;
    int64_t k = floor_div(utc - phase - 1, period) + 1;
    return phase + k * period - f->start_utc;
}

funding *funding_new(const profile *p, int64_t start_utc_ms, perr *e)
{
    if (funding_check(p, e) != 0)
        return NULL;
    funding *f = perr_zalloc(e, sizeof *f, "no memory for a funding clock");
    if (!f)
        return NULL;
    f->p = p;
    f->start_utc = start_utc_ms;
    f->interval = p->funding_interval_ms;
    f->sample = p->premium_sample_ms;
    f->offset = p->funding_offset_ms % f->interval;
    f->impact = funding_impact_notional(p);
    /* A settlement at the very start would pay for an interval the run never
     * saw: the first one is strictly after it. */
    f->next_settlement = grid_at_or_after(f, 1, f->interval, f->offset);
    f->next_sample = grid_at_or_after(f, 0, f->sample, f->offset % f->sample);
    funding_average_reset(&f->current, p->premium_average);
    f->current_first = f->current_last = -1;
    funding_rate_of(p, f->interval, 0, &f->known);
    f->known_first = f->known_last = -1;
    return f;
}

void funding_free(funding *f)
{
    if (!f)
        return;
    free(f->recs);
    free(f);
}

int64_t funding_next_sample(const funding *f) { return f->next_sample; }
int64_t funding_next_settlement(const funding *f) { return f->next_settlement; }
int64_t funding_interval(const funding *f) { return f->interval; }

int64_t funding_next_event(const funding *f)
{
    return f->next_sample < f->next_settlement ? f->next_sample
                                               : f->next_settlement;
}

int64_t funding_samples_per_interval(const funding *f)
{
    return f->interval / f->sample;
}

int64_t funding_estimate(const funding *f, funding_parts *parts)
{
    if (f->p->funding_known_ahead) {
        if (parts)
            *parts = f->known;
        return f->known.rate;
    }
    int64_t premium = funding_premium_rate(funding_average_value(&f->current));
    return funding_rate_of(f->p, f->interval, premium, parts);
}

int funding_set_known_rate(funding *f, int64_t rate, perr *e)
{
    if (!f->p->funding_known_ahead)
        return perr_set(e, PERR_STATE,
                        "%s: the funding rate is not known ahead", f->p->name);
    memset(&f->known, 0, sizeof f->known);
    f->known.rate = rate;
    f->known.rate_period = rate;
    f->known_avg = 0;
    f->known_samples = 0;
    f->known_first = f->known_last = -1;
    return 0;
}

const funding_settlement *funding_settlements(const funding *f, size_t *n)
{
    *n = f->nrecs;
    return f->recs;
}

void funding_clear_settlements(funding *f)
{
    f->nrecs = 0;
}

static void take_sample(funding *f, venue *v, double index)
{
    double premium = funding_premium(f->p, venue_book_view(v), index,
                                     f->impact);
    funding_average_add(&f->current, premium);
    if (f->current_first < 0)
        f->current_first = f->next_sample;
    f->current_last = f->next_sample;
    f->next_sample += f->sample;
}

/* The settlement at instant t. The clock's state moves on before the venue
 * is paid, so that the mark rule the venue's cascade calls sees the new
 * interval's estimate. */
static int settle(funding *f, venue *v, int64_t t, double index, perr *e)
{
    funding_settlement *grown =
        grow_for_one(f->recs, f->nrecs, &f->cap_recs, sizeof *grown, 64);
    if (!grown)
        return perr_set(e, PERR_NOMEM, "no memory for funding records");
    f->recs = grown;
    int64_t price = f->p->funding_price->price(index, venue_mark(v));
    if (price < 1)
        return perr_set(e, PERR_INVALID,
                        "%s: funding at %lld ms priced at %lld ticks",
                        f->p->name, (long long)t, (long long)price);

    funding before = *f; /* restored if the venue refuses the settlement */
    funding_settlement r;
    memset(&r, 0, sizeof r);
    r.time = t;
    r.time_utc = f->start_utc + t;
    double avg = funding_average_value(&f->current);
    funding_parts now_parts;
    funding_rate_of(f->p, f->interval, funding_premium_rate(avg), &now_parts);
    if (f->p->funding_known_ahead) {
        r.parts = f->known;
        r.avg_premium = f->known_avg;
        r.samples = f->known_samples;
        r.first_sample = f->known_first;
        r.last_sample = f->known_last;
        f->known = now_parts;
        f->known_avg = avg;
        f->known_samples = f->current.n;
        f->known_first = f->current_first;
        f->known_last = f->current_last;
    } else {
        r.parts = now_parts;
        r.avg_premium = avg;
        r.samples = f->current.n;
        r.first_sample = f->current_first;
        r.last_sample = f->current_last;
    }
    funding_average_reset(&f->current, f->p->premium_average);
    f->current_first = f->current_last = -1;
    f->next_settlement += f->interval;

    int64_t clock = t > venue_time(v) ? t : venue_time(v);
    int rc = venue_settle_funding(v, clock, r.parts.rate, price, &r.ledger, e);
    if (rc) {
        *f = before;
        return rc;
    }
    f->recs[f->nrecs++] = r;
    return 0;
}

int funding_advance(funding *f, venue *v, int64_t now, double index, perr *e)
{
    if (!isfinite(index) || index <= 0)
        return perr_set(e, PERR_INVALID,
                        "%s: funding needs an index price > 0, got %g",
                        f->p->name, index);
    for (;;) {
        if (f->next_settlement <= now
            && f->next_settlement <= f->next_sample) {
            int rc = settle(f, v, f->next_settlement, index, e);
            if (rc)
                return rc;
        } else if (f->next_sample <= now) {
            take_sample(f, v, index);
        } else {
            return 0;
        }
    }
}
