/*
 * Tests of the funding engine (sim/engine/funding.h) and of funding settlement on
 * the ledger (venue_settle_funding in sim/engine/venue.h): the rate of each venue's
 * rule in closed form, the weights of the premium average, BitMEX's rate
 * known one interval ahead, the UTC settlement instants of 8h, 4h-offset and
 * 1h clocks (a run starting mid-interval included), the rounding of
 * payments and its residual, and a long randomized run in which every
 * settlement must be exactly zero-sum. The expected figures are worked by
 * hand in the comments beside them.
 *
 * Then the acceptance test of issue #5: one world (a maker quoting around an
 * index, traders with positions drawn from one seed) driven along the same
 * index and premium path for 24 hours, once with Binance-style 8h funding
 * and once with Hyperliquid-style 1h funding, whose settlement tables must
 * fall at the right UTC instants and pay the closed-form rate of their
 * recorded average premiums, with amounts that follow the rounding rule.
 *
 * Venue rules: the built-in profiles (models/venues/NAME.yaml). Before a
 * test uses one, tests_profile() checks that its funding fields are the
 * figures of docs/mechanics.md section 1 (and, where mechanics.md
 * leaves a figure open, of the file's cited note) that the expected values
 * below are worked from.
 *
 * Units: the venues with Binance's units (0.1 USDT ticks, 0.001 BTC lots, so
 * K = 100 cash units of 1e-6 USDT per tick-lot) trade around 500000 ticks
 * (50,000 USDT); Hyperliquid and dYdX have 1 USD ticks, so 50000 ticks.
 * Rates: PROFILE_RATE_ONE = 1e8, 0.01% is 10,000.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "funding.h"
#include "mark.h"
#include "pcg.h"
#include "profile_yaml.h"
#include "rule.h"
#include "venue.h"
#include "support.h"

__extension__ typedef __int128 i128;

#define SEC INT64_C(1000)
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define USD(x) ((int64_t)(x) * INT64_C(1000000))
/* 2025-07-10T00:00:00Z, ms since the Unix epoch. */
#define DAY0 INT64_C(1752105600000)
#define TWO_PI 6.283185307179586

/* A rate from a percentage: RATE_PCT(0.01) == 10,000. */
static int64_t rate_pct(double pct)
{
    return llround(pct * 1e6);
}

/* ---- the venues' rules -------------------------------------------------- */

/* A copy of the built-in profile name, for a test to change. */
static profile builtin(const char *name)
{
    return *builtin_profile(name);
}

/* The funding rule a built-in profile must carry for these tests, as
 * mechanics.md 1 and the profile files (models/venues/NAME.yaml, which cite
 * notes/venue-examples.md for what mechanics.md leaves open) state it. */
typedef struct funding_rule {
    const char *name;
    int64_t interval, offset;
    int divides;
    const rule_premium *source;
    int64_t sample;
    const rule_average *average;
    int known_ahead;
    int64_t interest, clamp;
    int64_t cap;         /* funding_cap_bounds, symmetric */
    int per_interval;
    const rule_pay_price *price;
} funding_rule;

static const funding_rule rules[] = {
    /* Binance: 8h at 00/08/16 UTC, samples every 5 s with weights 1..n,
     * I = 0.01%, clamp 0.05%, cap 0.75 x the 0.40% tier-1 maintenance rate,
     * an N-hour interval pays F / (8/N) since 2025-09-18. */
    {"binance", 8 * HOUR, 0, 1, &rule_premium_impact, 5 * SEC,
     &rule_average_linear, 0, 10000, 50000, 300000, 0, &rule_pay_price_mark},
    /* Bybit: every minute, weights 1..480; cap 0.375% (notes 2.7). */
    {"bybit", 8 * HOUR, 0, 0, &rule_premium_impact, MIN, &rule_average_linear,
     0, 10000, 50000, 375000, 0, &rule_pay_price_mark},
    /* OKX since 2024-03: the mid, no interest, minute by minute, BTC capped
     * at 0.375% per 8h. */
    {"okx", 8 * HOUR, 0, 0, &rule_premium_mid, MIN, &rule_average_mean, 0, 0,
     0, 375000, 0, &rule_pay_price_mark},
    /* BitMEX: every minute, a plain mean, known one interval ahead, 04/12/20
     * UTC; cap 0.75 x (1% - 0.5%) = 0.375% (notes 9.4). */
    {"bitmex", 8 * HOUR, 4 * HOUR, 0, &rule_premium_impact, MIN,
     &rule_average_mean, 1, 10000, 50000, 375000, 0, &rule_pay_price_mark},
    /* dYdX v4: a sample a minute, hourly mean, F / 8 paid hourly, |F| <=
     * 6 x (5% - 3%) = 12%, no interest. */
    {"dydx", HOUR, 0, 1, &rule_premium_impact, MIN, &rule_average_mean, 0, 0,
     0, 12000000, 0, &rule_pay_price_oracle},
    /* Hyperliquid: every 5 s averaged over the hour, F / 8 hourly, at most 4%
     * an hour, at the oracle price. */
    {"hyperliquid", HOUR, 0, 1, &rule_premium_impact, 5 * SEC,
     &rule_average_mean, 0, 10000, 50000, 4000000, 1, &rule_pay_price_oracle},
};

/* The built-in profile name, after checking that it carries the rule the
 * tests are worked from. */
static profile tests_profile(const char *name)
{
    profile p = builtin(name);
    perr e = {0, ""};
    cr_assert_eq(funding_check(&p, &e), 0, "%s: %s", name, e.msg);
    const funding_rule *r = NULL;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (strcmp(rules[i].name, name) == 0)
            r = &rules[i];
    cr_assert_not_null(r, "no funding rule for %s", name);
    int64_t floor, cap;
    funding_cap_bounds(&p, &floor, &cap);
    cr_assert(p.funding_interval_ms == r->interval
                  && p.funding_offset_ms == r->offset
                  && p.funding_period_ms == 8 * HOUR
                  && p.funding_divides == r->divides
                  && p.premium_source == r->source
                  && p.premium_sample_ms == r->sample
                  && p.premium_average == r->average
                  && p.funding_known_ahead == r->known_ahead
                  && p.interest_rate == r->interest
                  && p.funding_clamp == r->clamp && cap == r->cap
                  && floor == -r->cap
                  && p.funding_cap_per_interval == r->per_interval
                  && p.funding_price == r->price,
              "%s: the built-in funding rule is not the one of mechanics.md "
              "1 these tests check",
              name);
    return p;
}

/* Binance's rule on a 1h interval with Hyperliquid's funding: the
 * "Hyperliquid-style 1h" clock on the same venue set-up as Binance's 8h. */
static profile binance_with_hyperliquid_funding(void)
{
    profile p = tests_profile("binance");
    profile h = tests_profile("hyperliquid");
    p.funding_interval_ms = h.funding_interval_ms;
    p.funding_divides = h.funding_divides;
    p.premium_sample_ms = h.premium_sample_ms;
    p.premium_average = h.premium_average;
    p.funding_cap_rule = h.funding_cap_rule;
    p.funding_cap = h.funding_cap;
    p.funding_floor = h.funding_floor;
    p.funding_cap_per_interval = h.funding_cap_per_interval;
    p.impact_notional = h.impact_notional;
    p.funding_price = h.funding_price;
    return p;
}

/* ---- a venue to settle on ----------------------------------------------- */

typedef struct world {
    profile p;
    venue *v;
    funding *f;
    mark *m;
    uint32_t maker;
    double index;
    int64_t bid, ask;
} world;

static int64_t one_btc_lots(const profile *p)
{
    int64_t lots = 1;
    for (int i = 0; i < -p->lot.exp; i++)
        lots *= 10;
    return lots / p->lot.mant;
}

/* A world of profile p around index ticks, starting at the UTC instant
 * start_utc, with a maker holding a deep book (10 BTC a side). */
static world *world_new(const profile *p, double index, int64_t start_utc)
{
    world *w = calloc(1, sizeof *w);
    cr_assert_not_null(w);
    w->p = *p;
    w->index = index;
    perr e = {0, ""};
    int64_t centre = llround(index);
    w->v = venue_new(&w->p, centre / 4, centre * 3, centre, 64, 64, &e);
    cr_assert_not_null(w->v, "venue_new: %s", e.msg);
    w->f = funding_new(&w->p, start_utc, &e);
    cr_assert_not_null(w->f, "funding_new: %s", e.msg);
    w->maker = open_account(w->v, INT64_C(1000000000000000), ACCOUNT_CROSS,
                            1);
    return w;
}

static void world_free(world *w)
{
    mark_free(w->m);
    funding_free(w->f);
    venue_free(w->v);
    free(w);
}

/* The maker's book becomes bid / ask, 10 BTC each. */
static void quote(world *w, int64_t bid, int64_t ask)
{
    venue_cancel_all(w->v, w->maker);
    int64_t lots = 10 * one_btc_lots(&w->p);
    book_order_spec buy = {bid, lots, 0, BOOK_BUY, BOOK_LIMIT, 0};
    book_order_spec sell = {ask, lots, 0, BOOK_SELL, BOOK_LIMIT, 0};
    book_result r;
    venue_reject why;
    perr e = {0, ""};
    cr_assert_eq(venue_submit(w->v, w->maker, &buy, &r, &why, &e), 0, "%s",
                 e.msg);
    cr_assert_eq(r.outcome, BOOK_RESTED, "bid %lld: %s", (long long)bid,
                 venue_reject_name(why));
    cr_assert_eq(venue_submit(w->v, w->maker, &sell, &r, &why, &e), 0, "%s",
                 e.msg);
    cr_assert_eq(r.outcome, BOOK_RESTED, "ask %lld: %s", (long long)ask,
                 venue_reject_name(why));
    w->bid = bid;
    w->ask = ask;
}

/* Quotes so that a premium sample reads premium exactly up to the tick:
 * impact premiums see the best level (the book is deep), so for a premium
 * above zero the bid sits at index x (1 + premium) and the ask two ticks
 * higher, below zero the ask there and the bid two lower; a mid premium
 * centres the two on it. */
static void quote_premium(world *w, double premium)
{
    int64_t at = llround(w->index * (1.0 + premium));
    if (w->p.premium_source == &rule_premium_mid)
        quote(w, at - 1, at + 1);
    else if (premium >= 0)
        quote(w, at, at + 2);
    else
        quote(w, at - 2, at);
}

/* The premium a sample of the current quotes reads (mechanics.md 1). */
static double quoted_premium(const world *w)
{
    double i = w->index;
    if (w->p.premium_source == &rule_premium_mid)
        return ((double)(w->bid + w->ask) / 2.0 - i) / i;
    return (fmax(0.0, (double)w->bid - i) - fmax(0.0, i - (double)w->ask)) / i;
}

/* A trader that bought (side 1) or sold (-1) lots from the maker. */
static uint32_t trader(world *w, int side, int64_t lots, account_mode mode,
                       int64_t deposit)
{
    uint32_t id = open_account(w->v, deposit, mode, 5);
    book_order_spec s = {side > 0 ? w->ask : w->bid, lots, 0, side, BOOK_IOC,
                         0};
    book_result r;
    venue_reject why;
    perr e = {0, ""};
    cr_assert_eq(venue_submit(w->v, id, &s, &r, &why, &e), 0, "%s", e.msg);
    cr_assert_eq(r.filled, lots, "trader: %s", venue_reject_name(why));
    quote(w, w->bid, w->ask); /* the maker's size back */
    return id;
}

static void advance(world *w, int64_t now)
{
    perr e = {0, ""};
    cr_assert_eq(funding_advance(w->f, w->v, now, w->index, &e), 0,
                 "funding_advance: %s", e.msg);
}

static const funding_settlement *settlements(const world *w, size_t *n)
{
    return funding_settlements(w->f, n);
}

/* Binance's rules around 500000 ticks (50,000 USDT) from at (UTC). */
static world *binance_world(int64_t at)
{
    profile p = tests_profile("binance");
    return world_new(&p, 500000.0, at);
}

/* A trader with deposit in mode long 100 lots bought from the maker's
 * quotes, 499998 / 500000. */
static uint32_t long_100_lots(world *w, account_mode mode, int64_t deposit)
{
    quote(w, 499998, 500000);
    return trader(w, 1, 100, mode, deposit);
}

static int64_t wallet(const venue *v, uint32_t id)
{
    const account *a = venue_account(v, id);
    return a->cash + a->reserve;
}

/* ---- the rate in closed form -------------------------------------------- */

/* The rate each venue's clock pays for one whole interval of a constant
 * premium, through the book: quotes that read premium at every sample. */
static int64_t constant_premium_rate(const char *name, double premium)
{
    profile p = tests_profile(name);
    double index = p.tick.exp < 0 ? 500000.0 : 50000.0;
    /* From a settlement instant, one whole interval. */
    world *w = world_new(&p, index, DAY0 + p.funding_offset_ms);
    quote_premium(w, premium);
    trader(w, 1, one_btc_lots(&p) / 10, ACCOUNT_CROSS, USD(100000));
    int64_t interval = funding_interval(w->f);
    cr_assert_eq(funding_next_settlement(w->f), interval);
    advance(w, interval);
    size_t n;
    const funding_settlement *s = settlements(w, &n);
    cr_assert_eq(n, 1, "%s: %zu settlements", name, n);
    cr_assert_eq(s->time, interval);
    int64_t expect_samples = p.funding_known_ahead
                                 ? 0 : interval / p.premium_sample_ms;
    cr_assert_eq(s->samples, expect_samples, "%s: %lld samples", name,
                 (long long)s->samples);
    int64_t rate = s->parts.rate;
    if (p.funding_known_ahead) {
        /* Paid one interval later. */
        advance(w, 2 * interval);
        s = settlements(w, &n);
        cr_assert_eq(n, 2);
        cr_assert_eq(s[1].samples, interval / p.premium_sample_ms);
        rate = s[1].parts.rate;
    }
    support_audit(w->v);
    world_free(w);
    return rate;
}

Test(funding, constant_premium_in_the_clamp_region_pays_the_interest_rate)
{
    /* P = 0.03%: |I - P| = 0.02% <= 0.05%, so F = I = 0.01% wherever there
     * is an interest term; OKX and dYdX have none, F = P. Paid per 8h, or
     * per hour as F / 8 where the venue divides. */
    cr_expect_eq(constant_premium_rate("binance", 0.0003), 10000);
    cr_expect_eq(constant_premium_rate("bybit", 0.0003), 10000);
    cr_expect_eq(constant_premium_rate("bitmex", 0.0003), 10000);
    cr_expect_eq(constant_premium_rate("okx", 0.0003), 30000);
    cr_expect_eq(constant_premium_rate("dydx", 0.0003), 3750);       /* 0.03% / 8 */
    cr_expect_eq(constant_premium_rate("hyperliquid", 0.0003), 1250); /* 0.01% / 8 */
    /* The edge of the clamp region: P = I + 0.05% = 0.06% still gives I. */
    cr_expect_eq(constant_premium_rate("binance", 0.0006), 10000);
    cr_expect_eq(constant_premium_rate("binance", -0.0004), 10000);
}

Test(funding, premium_beyond_the_clamp_pays_premium_less_the_clamp)
{
    /* P = 0.1%: F = 0.1% + clamp(0.01% - 0.1%) = 0.1% - 0.05% = 0.05%. */
    cr_expect_eq(constant_premium_rate("binance", 0.001), 50000);
    cr_expect_eq(constant_premium_rate("bitmex", 0.001), 50000);
    cr_expect_eq(constant_premium_rate("hyperliquid", 0.001), 6250); /* / 8 */
    /* P = -0.1%: F = -0.1% + 0.05% = -0.05%. */
    cr_expect_eq(constant_premium_rate("bybit", -0.001), -50000);
}

Test(funding, constant_premium_in_the_cap_region_pays_the_cap)
{
    /* Binance: P = 2%, F = 1.95% > 0.75 x 0.40% = 0.30%. */
    cr_expect_eq(constant_premium_rate("binance", 0.02), 300000);
    cr_expect_eq(constant_premium_rate("binance", -0.02), -300000);
    /* Caps of +/-0.375%: Bybit's and OKX's fixed ones, BitMEX's
     * 0.75 x (1% - 0.5%). */
    cr_expect_eq(constant_premium_rate("bybit", 0.02), 375000);
    cr_expect_eq(constant_premium_rate("okx", -0.02), -375000);
    cr_expect_eq(constant_premium_rate("bitmex", 0.02), 375000);
    /* dYdX: P = 20% > 12% per 8h: 12% / 8 = 1.5% an hour. */
    cr_expect_eq(constant_premium_rate("dydx", 0.2), 1500000);
    /* Hyperliquid caps the hourly rate: P = 50%, F = 49.95%, F / 8 =
     * 6.24375% > 4%. */
    cr_expect_eq(constant_premium_rate("hyperliquid", 0.5), 4000000);
    cr_expect_eq(constant_premium_rate("hyperliquid", -0.5), -4000000);
}

Test(funding, non_dividing_venue_scales_its_interest_to_the_interval)
{
    /* Bybit pays an N-hour interval its own rate, with "the N-hour interest
     * rate component" (notes 2.7): I = 0.01% per 8h is 0.005% on a 4h
     * interval and 0.00125% on 1h, so a zero premium pays that. */
    profile p = tests_profile("bybit");
    cr_assert_eq(p.funding_divides, 0);
    cr_expect_eq(funding_rate_of(&p, 8 * HOUR, 0, NULL), 10000);
    cr_expect_eq(funding_rate_of(&p, 4 * HOUR, 0, NULL), 5000);
    cr_expect_eq(funding_rate_of(&p, HOUR, 0, NULL), 1250);
    /* The premium is the interval's own: not divided. P = 0.2% on 4h:
     * F = 0.2% + clamp(0.005% - 0.2%, +/-0.05%) = 0.15%. */
    cr_expect_eq(funding_rate_of(&p, 4 * HOUR, 200000, NULL), 150000);
}

Test(funding, rate_of_follows_the_formula_step_by_step)
{
    profile p = tests_profile("binance");
    funding_parts parts;
    /* P = 0.0246%: I - P = -0.0146%, inside the clamp: F = 0.01%. */
    cr_expect_eq(funding_rate_of(&p, 8 * HOUR, 24600, &parts), 10000);
    cr_expect_eq(parts.premium, 24600);
    cr_expect_eq(parts.interest, -14600);
    cr_expect_eq(parts.rate_period, 10000);
    /* 4h divides by 2, 2h by 4, 1h by 8; an odd result rounds to nearest. */
    cr_expect_eq(funding_rate_of(&p, 4 * HOUR, 24600, NULL), 5000);
    cr_expect_eq(funding_rate_of(&p, 2 * HOUR, 24600, NULL), 2500);
    cr_expect_eq(funding_rate_of(&p, HOUR, 24600, NULL), 1250);
    cr_expect_eq(funding_rate_of(&p, HOUR, 100000 + 3, NULL), 6250);  /* 50003 / 8 = 6250.375 */
    cr_expect_eq(funding_rate_of(&p, HOUR, 100000 + 4, NULL), 6251);  /* 50004 / 8 = 6250.5 */
    cr_expect_eq(funding_rate_of(&p, HOUR, -100000 - 4, NULL), -6251);
    /* The cap bounds F before the division. */
    cr_expect_eq(funding_rate_of(&p, 4 * HOUR, 5000000, &parts), 150000);
    cr_expect_eq(parts.rate_period, 300000);
    int64_t floor, cap;
    funding_cap_bounds(&p, &floor, &cap);
    cr_expect_eq(cap, 300000);
    cr_expect_eq(floor, -300000);
    profile d = tests_profile("dydx");
    funding_cap_bounds(&d, &floor, &cap);
    cr_expect_eq(cap, 12000000); /* 6 x (1/20 - 3%) = 12% */
    cr_expect_eq(floor, -12000000);
}

/* ---- the average -------------------------------------------------------- */

/* a, reset to the average rule, after the samples x[0 .. n). */
static void averaged(funding_average *a, const rule_average *rule,
                     const double *x, size_t n)
{
    funding_average_reset(a, rule);
    for (size_t i = 0; i < n; i++)
        funding_average_add(a, x[i]);
}

Test(funding, linear_weights_are_one_to_n)
{
    funding_average a;
    averaged(&a, &rule_average_linear, NULL, 0);
    cr_expect_eq(funding_average_value(&a), 0.0);
    /* (1 x 0.03% + 2 x 0.06% + 3 x -0.015%) / (1 + 2 + 3), in rate units
     * (30000 + 120000 - 45000) / 6 = 17500. */
    static const double x[] = {0.0003, 0.0006, -0.00015};
    averaged(&a, &rule_average_linear, x, 3);
    cr_expect_eq(a.n, 3);
    cr_expect_eq(a.weights, 6.0);
    cr_expect_eq(funding_premium_rate(funding_average_value(&a)), 17500);
    /* Powers of two make every step exact in binary: the weights are
     * exactly 1, 2, 3, 4. (1/2 + 2/4 + 3/8 + 4/16) / 10 = 1.625 / 10. */
    static const double halves[] = {0.5, 0.25, 0.125, 0.0625};
    averaged(&a, &rule_average_linear, halves, 4);
    cr_expect_eq(a.weighted, 1.625);
    cr_expect_eq(a.weights, 10.0);
    cr_expect_eq(funding_average_value(&a), 0.1625);
    /* The mean of the same samples: 0.9375 / 4. */
    averaged(&a, &rule_average_mean, halves, 4);
    cr_expect_eq(a.weighted, 0.9375);
    cr_expect_eq(a.weights, 4.0);
}

Test(funding, linear_weights_of_samples_taken_from_the_book)
{
    /* A Binance run starting 15 s before 08:00 UTC takes three samples
     * (07:59:45, :50, :55) and settles at 08:00 with them. Quotes reading
     * 0.3%, 0.6% and -0.15%: linear average 0.175% (above), so
     * F = 0.175% - 0.05% = 0.125%, where equal weights would give
     * 0.25% - 0.05% = 0.20%. */
    world *w = binance_world(DAY0 + 8 * HOUR - 15 * SEC);
    cr_assert_eq(funding_next_sample(w->f), 0);
    cr_assert_eq(funding_next_settlement(w->f), 15 * SEC);
    quote(w, 501500, 501502); /* (501500 - 500000) / 500000 = 0.3% */
    advance(w, 0);
    quote(w, 503000, 503002); /* 0.6% */
    advance(w, 5 * SEC);
    quote(w, 499248, 499250); /* -(500000 - 499250) / 500000 = -0.15% */
    advance(w, 10 * SEC);
    funding_parts est;
    cr_expect_eq(funding_estimate(w->f, &est), 125000);
    advance(w, 15 * SEC);
    size_t n;
    const funding_settlement *s = settlements(w, &n);
    cr_assert_eq(n, 1);
    cr_expect_eq(s->time, 15 * SEC);
    cr_expect_eq(s->time_utc, DAY0 + 8 * HOUR);
    cr_expect_eq(s->samples, 3);
    cr_expect_eq(s->first_sample, 0);
    cr_expect_eq(s->last_sample, 10 * SEC);
    cr_expect_eq(s->parts.premium, 175000);
    cr_expect_eq(s->parts.interest, -50000);
    cr_expect_eq(s->parts.rate, 125000);
    /* The sample at 08:00 itself opens the next interval. */
    cr_expect_eq(funding_next_sample(w->f), 20 * SEC);
    world_free(w);
}

Test(funding, impact_prices_walk_the_impact_notional)
{
    /* Binance's impact notional: 200 USDT x 125 = 25,000 USDT = 2.5e10
     * cash units = 2.5e8 ticks x lots. Bids: 100 lots at 501000 (5.01e7)
     * and 1000 at 500500: the walk takes 100 lots, then 1.999e8 / 500500 =
     * 399.4006 lots, average 2.5e8 / 499.4006 = 500600.12 ticks. Asks at
     * 501200: above the index, no term. */
    profile p = tests_profile("binance");
    cr_expect_eq(funding_impact_notional(&p), 250000000);
    world *w = world_new(&p, 500000.0, DAY0);
    book_order_spec s1 = {501000, 100, 0, BOOK_BUY, BOOK_LIMIT, 0};
    book_order_spec s2 = {500500, 1000, 0, BOOK_BUY, BOOK_LIMIT, 0};
    book_order_spec s3 = {501200, 1000, 0, BOOK_SELL, BOOK_LIMIT, 0};
    perr e = {0, ""};
    cr_assert_eq(venue_submit(w->v, w->maker, &s1, NULL, NULL, &e), 0);
    cr_assert_eq(venue_submit(w->v, w->maker, &s2, NULL, NULL, &e), 0);
    cr_assert_eq(venue_submit(w->v, w->maker, &s3, NULL, NULL, &e), 0);
    double lots = 100.0 + (250000000.0 - 50100000.0) / 500500.0;
    double impact_bid = 250000000.0 / lots;
    double premium = funding_premium(&p, venue_book_view(w->v), 500000.0,
                                     funding_impact_notional(&p));
    cr_expect_float_eq(premium, (impact_bid - 500000.0) / 500000.0, 1e-12);
    cr_expect_float_eq(impact_bid, 500600.12, 0.01);
    /* Against an index above both sides the ask term counts: the impact ask
     * is 501200 (one deep level), (501200 - 501300) / 501300 < 0. */
    premium = funding_premium(&p, venue_book_view(w->v), 501300.0,
                              funding_impact_notional(&p));
    cr_expect_float_eq(premium, -100.0 / 501300.0, 1e-15);
    /* An empty side contributes nothing. */
    venue_cancel_all(w->v, w->maker);
    cr_expect_eq(funding_premium(&p, venue_book_view(w->v), 500000.0,
                                 funding_impact_notional(&p)),
                 0.0);
    world_free(w);
}

/* ---- when settlements happen -------------------------------------------- */

/* The UTC hour of a settlement instant. */
static int64_t utc_hour(int64_t start_utc, int64_t t)
{
    return ((start_utc + t) % (24 * HOUR)) / HOUR;
}

Test(funding, settlements_fall_at_the_venues_utc_instants)
{
    perr e = {0, ""};
    profile b = tests_profile("binance");
    profile x = tests_profile("bitmex");
    profile h = tests_profile("hyperliquid");
    /* From 05:30 UTC: Binance at 08:00 (2.5h on), BitMEX at 12:00 (6.5h),
     * Hyperliquid at 06:00 (0.5h). */
    int64_t start = DAY0 + 5 * HOUR + 30 * MIN;
    funding *fb = funding_new(&b, start, &e);
    funding *fx = funding_new(&x, start, &e);
    funding *fh = funding_new(&h, start, &e);
    cr_assert(fb && fx && fh, "%s", e.msg);
    cr_expect_eq(funding_next_settlement(fb), 2 * HOUR + 30 * MIN);
    cr_expect_eq(funding_next_settlement(fx), 6 * HOUR + 30 * MIN);
    cr_expect_eq(funding_next_settlement(fh), 30 * MIN);
    cr_expect_eq(funding_next_sample(fb), 0);
    cr_expect_eq(funding_next_event(fh), 0);
    cr_expect_eq(funding_samples_per_interval(fb), 5760);
    cr_expect_eq(funding_samples_per_interval(fx), 480);
    cr_expect_eq(funding_samples_per_interval(fh), 720);
    funding_free(fb);
    funding_free(fx);
    funding_free(fh);
    /* Starting exactly on an instant, the first settlement is a whole
     * interval later; starting between samples, the first sample waits for
     * the grid. */
    fb = funding_new(&b, DAY0 + 16 * HOUR, &e);
    cr_assert_not_null(fb);
    cr_expect_eq(funding_next_settlement(fb), 8 * HOUR);
    funding_free(fb);
    fb = funding_new(&b, DAY0 + 1234, &e);
    cr_assert_not_null(fb);
    cr_expect_eq(funding_next_sample(fb), 5000 - 1234);
    cr_expect_eq(funding_next_settlement(fb), 8 * HOUR - 1234);
    funding_free(fb);
}

Test(funding, eight_hours_and_one_hour_differ_by_the_divisor_and_their_instants)
{
    /* The same constant premium, 0.09%: F = 0.09% - 0.05% = 0.04%. Binance
     * on 8h pays 0.04% at 08, 16 and 00 UTC; the same rule on 1h pays
     * 0.04% / 8 = 0.005% every hour. A run from 02:20 UTC for 24h: 8h
     * settles at 08:00, 16:00, 00:00; 1h at 03:00 ... 02:00, 24 times, the
     * first after 40 minutes of samples. */
    profile p8 = tests_profile("binance");
    profile p1 = p8;
    p1.funding_interval_ms = HOUR;
    int64_t start = DAY0 + 2 * HOUR + 20 * MIN;
    world *w8 = world_new(&p8, 500000.0, start);
    world *w1 = world_new(&p1, 500000.0, start);
    quote_premium(w8, 0.0009);
    quote_premium(w1, 0.0009);
    uint32_t long8 = trader(w8, 1, 1000, ACCOUNT_CROSS, USD(100000));
    uint32_t long1 = trader(w1, 1, 1000, ACCOUNT_CROSS, USD(100000));
    int64_t before8 = wallet(w8->v, long8), before1 = wallet(w1->v, long1);
    advance(w8, 24 * HOUR);
    advance(w1, 24 * HOUR);
    size_t n8, n1;
    const funding_settlement *s8 = settlements(w8, &n8);
    const funding_settlement *s1 = settlements(w1, &n1);
    cr_assert_eq(n8, 3);
    cr_assert_eq(n1, 24);
    int64_t hours8[] = {8, 16, 0};
    for (size_t i = 0; i < n8; i++) {
        cr_expect_eq(utc_hour(start, s8[i].time), hours8[i]);
        cr_expect_eq((start + s8[i].time) % (8 * HOUR), 0);
        cr_expect_eq(s8[i].parts.rate, 40000);
    }
    cr_expect_eq(s8[0].samples, (5 * HOUR + 40 * MIN) / (5 * SEC));
    cr_expect_eq(s8[1].samples, 5760);
    for (size_t i = 0; i < n1; i++) {
        cr_expect_eq(s1[i].time, 40 * MIN + (int64_t)i * HOUR);
        cr_expect_eq(utc_hour(start, s1[i].time), (int64_t)(3 + i) % 24);
        cr_expect_eq(s1[i].parts.rate, 5000);
        cr_expect_eq(s1[i].samples, i == 0 ? 480 : 720);
    }
    /* Over the day the long paid 3 x 0.04% = 24 x 0.005% of its notional,
     * 1000 lots at the mark 500000: 5e10 x 0.04% = 2e7 each 8h. */
    cr_expect_eq(before8 - wallet(w8->v, long8), 3 * 20000000);
    cr_expect_eq(before1 - wallet(w1->v, long1), 24 * 2500000);
    support_audit(w8->v);
    support_audit(w1->v);
    world_free(w8);
    world_free(w1);
}

Test(funding, bitmex_pays_the_rate_of_the_previous_interval)
{
    /* From 04:00 UTC. Interval 04-12 reads 0.1% (F = 0.05%), 12-20 reads
     * 0.03% (F = I = 0.01%), 20-04 reads -0.1% (F = -0.05%). The 12:00
     * settlement has no previous interval and pays the interest-only rate,
     * 0.01%; 20:00 pays 04-12's 0.05%, 04:00 pays 12-20's 0.01%, and 12:00
     * the next day 20-04's -0.05%. Each rate is published (funding_estimate)
     * the moment the interval behind it closes. */
    profile p = tests_profile("bitmex");
    world *w = world_new(&p, 500000.0, DAY0 + 4 * HOUR);
    double path[] = {0.001, 0.0003, -0.001, 0.0, 0.0};
    int64_t paid[] = {10000, 50000, 10000, -50000};
    int64_t published[] = {50000, 10000, -50000, 10000};
    quote_premium(w, path[0]);
    uint32_t longer = trader(w, 1, 1000, ACCOUNT_CROSS, USD(100000));
    cr_expect_eq(funding_estimate(w->f, NULL), 10000);
    for (int k = 0; k < 4; k++) {
        int64_t end = (k + 1) * 8 * HOUR;
        /* The interval's samples, then the next interval's quotes, which
         * its first sample (at the settlement instant) reads. */
        advance(w, end - 1);
        quote_premium(w, path[k + 1]);
        int64_t before = wallet(w->v, longer);
        advance(w, end);
        size_t n;
        const funding_settlement *s = settlements(w, &n);
        cr_assert_eq(n, (size_t)k + 1);
        cr_expect_eq(s[k].parts.rate, paid[k], "settlement %d pays %lld", k,
                     (long long)s[k].parts.rate);
        cr_expect_eq(s[k].samples, k == 0 ? 0 : 480);
        cr_expect_eq(utc_hour(DAY0 + 4 * HOUR, s[k].time), (12 + 8 * k) % 24);
        cr_expect_eq(funding_estimate(w->f, NULL), published[k]);
        /* The long pays rate x 1000 lots x 500000 ticks x K / 1e8, K = 500
         * (0.5 USDT ticks, 0.001 BTC lots): 2500 x rate. */
        cr_expect_eq(p.cash_per_tick_lot, 500);
        cr_expect_eq(before - wallet(w->v, longer), paid[k] * 2500);
    }
    support_audit(w->v);
    world_free(w);
}

Test(funding, known_rate_can_be_given_for_the_first_settlement)
{
    perr e = {0, ""};
    profile p = tests_profile("bitmex");
    funding *f = funding_new(&p, DAY0, &e);
    cr_assert_not_null(f);
    cr_expect_eq(funding_set_known_rate(f, 7777, &e), 0);
    cr_expect_eq(funding_estimate(f, NULL), 7777);
    funding_free(f);
    profile b = tests_profile("binance");
    f = funding_new(&b, DAY0, &e);
    cr_assert_not_null(f);
    cr_expect_eq(funding_set_known_rate(f, 7777, &e), PERR_STATE);
    funding_free(f);
}

/* ---- payments ----------------------------------------------------------- */

Test(funding, payers_round_up_receivers_down_and_the_residual_stays_in_the_pool)
{
    /* At price 500001 and rate 0.01%: the long's 3 lots owe
     * 3 x 500001 x 100 x 1e-4 = 15,000.03, paid as 15,001; the shorts of 1
     * and 2 lots are owed 5,000.01 and 10,000.02, receiving 5,000 and
     * 10,000. Residual 1, left in the fee pool. */
    world *w = binance_world(DAY0);
    quote(w, 499990, 500001);
    uint32_t lng = trader(w, 1, 3, ACCOUNT_CROSS, USD(1000));
    quote(w, 500001, 500010);
    uint32_t s1 = trader(w, -1, 1, ACCOUNT_CROSS, USD(1000));
    uint32_t s2 = trader(w, -1, 2, ACCOUNT_CROSS, USD(1000));
    venue_cancel_all(w->v, w->maker);
    /* The maker sold the long its 3 lots and bought the shorts' 3: flat. */
    cr_assert_eq(venue_account(w->v, w->maker)->size, 0);
    int64_t l0 = wallet(w->v, lng), a0 = wallet(w->v, s1),
            b0 = wallet(w->v, s2);
    venue_totals t0;
    cr_assert_eq(venue_audit(w->v, &t0, NULL), 0);
    venue_funding rec;
    perr e = {0, ""};
    cr_assert_eq(venue_settle_funding(w->v, 1000, 10000, 500001, &rec, &e), 0,
                 "%s", e.msg);
    cr_expect_eq(l0 - wallet(w->v, lng), 15001);
    cr_expect_eq(wallet(w->v, s1) - a0, 5000);
    cr_expect_eq(wallet(w->v, s2) - b0, 10000);
    cr_expect_eq(rec.longs_paid, 15001);
    cr_expect_eq(rec.shorts_received, 15000);
    cr_expect_eq(rec.residual, 1);
    cr_expect_eq(rec.long_lots, 3);
    cr_expect_eq(rec.positions, 3);
    venue_totals t1;
    cr_assert_eq(venue_audit(w->v, &t1, NULL), 0);
    cr_expect_eq(t1.fee_pool - t0.fee_pool, 1);
    /* A negative rate: the shorts pay (rounded up), the long receives. */
    cr_assert_eq(venue_settle_funding(w->v, 2000, -10000, 500001, &rec, &e), 0);
    cr_expect_eq(rec.shorts_received, -(5001 + 10001));
    cr_expect_eq(rec.longs_paid, -15000);
    cr_expect_eq(rec.longs_paid - rec.shorts_received, rec.residual);
    cr_expect_eq(rec.residual, 2);
    cr_expect_eq(l0 - wallet(w->v, lng), 1);
    support_audit(w->v);
    world_free(w);
}

Test(funding, isolated_position_pays_from_its_margin)
{
    world *w = binance_world(DAY0);
    uint32_t iso = long_100_lots(w, ACCOUNT_ISOLATED, USD(2000));
    const account *a = venue_account(w->v, iso);
    int64_t cash = a->cash, reserve = a->reserve;
    cr_assert_gt(reserve, 0);
    perr e = {0, ""};
    /* 100 lots x 500000 x 100 x 0.01% = 500,000 cash units. */
    cr_assert_eq(venue_settle_funding(w->v, 1, 10000, 500000, NULL, &e), 0);
    a = venue_account(w->v, iso);
    cr_expect_eq(a->cash, cash - 500000);
    cr_expect_eq(a->reserve, reserve);
    cr_assert_eq(venue_settle_funding(w->v, 2, -20000, 500000, NULL, &e), 0);
    a = venue_account(w->v, iso);
    cr_expect_eq(a->cash, cash + 500000);
    cr_expect_eq(a->reserve, reserve);
    support_audit(w->v);
    world_free(w);
}

Test(funding, settlement_rejects_bad_input_and_changes_nothing)
{
    world *w = binance_world(DAY0);
    long_100_lots(w, ACCOUNT_CROSS, USD(1000));
    perr e = {0, ""};
    venue_totals t0, t1;
    cr_assert_eq(venue_audit(w->v, &t0, NULL), 0);
    cr_expect_eq(venue_settle_funding(w->v, 10, 10000, 0, NULL, &e),
                 PERR_INVALID);
    cr_expect_eq(venue_settle_funding(w->v, 10, PROFILE_RATE_ONE, 500000,
                                      NULL, &e),
                 PERR_INVALID);
    cr_assert_eq(venue_settle_funding(w->v, 10, 0, 500000, NULL, &e), 0);
    cr_expect_eq(venue_settle_funding(w->v, 5, 10000, 500000, NULL, &e),
                 PERR_INVALID);
    cr_assert_eq(venue_audit(w->v, &t1, NULL), 0);
    cr_expect_eq(t1.fee_pool, t0.fee_pool);
    cr_expect_eq(funding_advance(w->f, w->v, 10, 0.0, &e), PERR_INVALID);
    cr_expect_eq(funding_advance(w->f, w->v, 10, NAN, &e), PERR_INVALID);
    world_free(w);
}

Test(funding, profile_without_a_funding_rule_is_refused_by_name)
{
    profile p = tests_profile("binance");
    p.funding_interval_ms = 0;
    perr e = {0, ""};
    cr_expect_null(funding_new(&p, DAY0, &e));
    cr_expect_not_null(strstr(e.msg, "funding_interval_ms"), "%s", e.msg);
    p = tests_profile("binance");
    p.funding_interval_ms = 7 * HOUR;
    cr_expect_eq(funding_check(&p, &e), PERR_INVALID);
    cr_expect_not_null(strstr(e.msg, "divide a day"), "%s", e.msg);
    p = tests_profile("binance");
    p.premium_sample_ms = 7 * SEC;
    cr_expect_eq(funding_check(&p, &e), PERR_INVALID);
    p = tests_profile("binance");
    p.impact_margin = 0;
    cr_expect_eq(funding_check(&p, &e), PERR_INVALID);
    cr_expect_not_null(strstr(e.msg, "impact"), "%s", e.msg);
}

Test(funding, funding_can_trigger_a_liquidation_at_the_settlement)
{
    /* An isolated long of 100 lots bought at 500000 at 5x: notional 5e9,
     * initial margin 1e9, so cash -4e9 and a margin balance of 1e9 at the
     * mark 500000 against maintenance 0.4% x 5e9 = 2e7. A payment of 10%,
     * 5e8, leaves 5e8: no liquidation. A second one leaves 0 < 2e7: the
     * cascade that follows the settlement liquidates it at that instant. */
    profile p = tests_profile("binance");
    world *w = world_new(&p, 500000.0, DAY0);
    quote(w, 499998, 500000);
    uint32_t victim = trader(w, 1, 100, ACCOUNT_ISOLATED, USD(1100));
    perr e = {0, ""};
    venue_clear_events(w->v);
    cr_assert_eq(venue_settle_funding(w->v, 100, rate_pct(10.0), 500000, NULL,
                                      &e),
                 0, "%s", e.msg);
    size_t n;
    venue_liquidations(w->v, &n);
    cr_expect_eq(n, 0, "one payment leaves the margin above maintenance");
    cr_assert_eq(venue_settle_funding(w->v, 200, rate_pct(10.0), 500000, NULL,
                                      &e),
                 0, "%s", e.msg);
    const venue_liquidation *l = venue_liquidations(w->v, &n);
    cr_assert_geq(n, 1, "funding should have liquidated the long");
    cr_expect_eq(l[0].account, victim);
    cr_expect_eq(l[0].time, 200);
    cr_expect_eq(venue_account(w->v, victim)->size, 0);
    support_audit(w->v);
    world_free(w);
}

/* ---- exactness over a long run ------------------------------------------ */

/* Every position and wallet, to check a settlement against. */
typedef struct snapshot {
    int64_t *size, *wallet;
    uint32_t n;
    int64_t fee_pool;
} snapshot;

static void take_snapshot(const venue *v, snapshot *s)
{
    const accounts *t = venue_accounts(v);
    s->n = t->n;
    s->size = realloc(s->size, t->n * sizeof *s->size);
    s->wallet = realloc(s->wallet, t->n * sizeof *s->wallet);
    cr_assert(s->size && s->wallet);
    for (uint32_t i = 0; i < t->n; i++) {
        s->size[i] = t->a[i].size;
        s->wallet[i] = t->a[i].cash + t->a[i].reserve;
    }
    s->fee_pool = t->fee_pool;
}

/* Checks a settlement against the rule, account by account: each position
 * moved |size| x price x K x |rate| / 1e8, rounded up for the payers and
 * down for the receivers, and the totals and the residual add up. */
static void check_settlement(const venue *v, const snapshot *before,
                             const funding_settlement *s)
{
    const accounts *t = venue_accounts(v);
    const venue_funding *l = &s->ledger;
    int64_t k = venue_profile(v)->cash_per_tick_lot;
    int64_t rate = s->parts.rate;
    int64_t paid = 0, received = 0, long_lots = 0;
    for (uint32_t i = 0; i < before->n; i++) {
        int64_t size = before->size[i];
        i128 num = (i128)(size < 0 ? -size : size) * l->price * k
                   * (rate < 0 ? -rate : rate);
        int64_t down = (int64_t)(num / PROFILE_RATE_ONE);
        int64_t up = down + (num % PROFILE_RATE_ONE != 0);
        int pays = (size > 0 && rate > 0) || (size < 0 && rate < 0);
        int64_t change = t->a[i].cash + t->a[i].reserve - before->wallet[i];
        if (size > 0)
            long_lots += size;
        if (size == 0 || rate == 0) {
            cr_assert_eq(change, 0, "account %u moved %lld", i,
                         (long long)change);
        } else if (pays) {
            cr_assert_eq(change, -up, "account %u paid %lld, owes %lld", i,
                         (long long)-change, (long long)up);
            paid += up;
        } else {
            cr_assert_eq(change, down, "account %u got %lld, owed %lld", i,
                         (long long)change, (long long)down);
            received += down;
        }
    }
    cr_assert_eq(l->rate, rate);
    cr_assert_eq(l->long_lots, long_lots);
    cr_assert_eq(l->residual, paid - received);
    cr_assert_geq(l->residual, 0);
    cr_assert_eq(l->longs_paid - l->shorts_received, l->residual);
    cr_assert_eq(rate >= 0 ? l->longs_paid : -l->shorts_received, paid);
    cr_assert_eq(t->fee_pool - before->fee_pool, l->residual);
}

Test(funding, settlements_are_exactly_zero_sum_over_a_long_random_run)
{
    /* Thirty days of hourly funding (Hyperliquid's rule, priced at the
     * oracle, on Binance's units) with 400 traders of random sizes, sides
     * and margin modes, trading every ten minutes against a maker whose
     * quotes read a random premium around a drifting index. Every one of
     * the 720 settlements must move exactly the rounded payments, leave the
     * residual in the fee pool, and keep the ledger's invariants. */
    profile p = binance_with_hyperliquid_funding();
    world *w = world_new(&p, 500000.0, DAY0 + 17 * MIN);
    pcg32 rng;
    pcg32_seed(&rng, 42, 5);
    quote(w, 499990, 500010);
    uint32_t traders[400];
    for (int i = 0; i < 400; i++) {
        int side = pcg32_bounded(&rng, 2) ? 1 : -1;
        int64_t lots = 1 + pcg32_bounded(&rng, 3000);
        account_mode mode = pcg32_bounded(&rng, 3) == 0 ? ACCOUNT_ISOLATED
                                                        : ACCOUNT_CROSS;
        traders[i] = trader(w, side, lots, mode, USD(200000));
    }
    snapshot snap = {NULL, NULL, 0, 0};
    size_t checked = 0;
    int64_t end = 30 * 24 * HOUR;
    for (int64_t t = 0; t <= end; t += 10 * MIN) {
        /* The index drifts by up to +/-0.2% and the premium is redrawn in
         * +/-0.3%: funding of both signs, sometimes beyond the clamp. */
        w->index *= 1.0 + (pcg32_double(&rng) - 0.5) * 0.004;
        if (w->index < 450000.0 || w->index > 550000.0)
            w->index = 500000.0;
        quote_premium(w, (pcg32_double(&rng) - 0.5) * 0.006);
        for (int j = 0; j < 5; j++) {
            uint32_t id = traders[pcg32_bounded(&rng, 400)];
            int side = pcg32_bounded(&rng, 2) ? 1 : -1;
            int64_t lots = 1 + pcg32_bounded(&rng, 500);
            book_order_spec s = {side > 0 ? w->ask : w->bid, lots, 0, side,
                                 BOOK_IOC, 0};
            perr e = {0, ""};
            cr_assert_eq(venue_submit(w->v, id, &s, NULL, NULL, &e), 0);
        }
        quote(w, w->bid, w->ask);
        while (funding_next_event(w->f) <= t) {
            int settling = funding_next_settlement(w->f)
                           <= funding_next_sample(w->f);
            size_t n0;
            settlements(w, &n0);
            if (settling)
                take_snapshot(w->v, &snap);
            advance(w, funding_next_event(w->f));
            if (settling) {
                size_t n;
                const funding_settlement *s = settlements(w, &n);
                cr_assert_eq(n, n0 + 1);
                cr_assert_eq(s[n - 1].ledger.price, llround(w->index));
                check_settlement(w->v, &snap, &s[n - 1]);
                checked++;
                support_audit(w->v);
            }
        }
    }
    size_t nliq;
    venue_liquidations(w->v, &nliq);
    cr_expect_eq(nliq, 0, "the run is meant to stay clear of liquidations");
    cr_expect_eq(checked, 720);
    size_t n;
    const funding_settlement *s = settlements(w, &n);
    int positive = 0, negative = 0;
    for (size_t i = 0; i < n; i++) {
        positive += s[i].parts.rate > 0;
        negative += s[i].parts.rate < 0;
    }
    cr_expect(positive > 100 && negative > 100, "%d positive, %d negative",
              positive, negative);
    free(snap.size);
    free(snap.wallet);
    world_free(w);
}

/* ---- the acceptance test of issue #5 ------------------------------------ */

/* The deterministic path both runs follow, t in ms since the start: the
 * index swings +/-1% over seven hours, the premium between -0.06% and
 * +0.10% over five. */
static double path_index(int64_t t)
{
    return 500000.0 * (1.0 + 0.01 * sin(TWO_PI * (double)t / (7.0 * HOUR)));
}

static double path_premium(int64_t t)
{
    return 0.0002 + 0.0008 * sin(TWO_PI * (double)t / (5.0 * HOUR));
}

typedef struct day_run {
    funding_settlement rec[32];
    size_t n;
    double expected_avg[32]; /* the samples' average, from the quotes */
    int64_t expected_samples[32];
} day_run;

/* One world, one seed: a maker re-quoting every minute along the path,
 * sixty traders with positions drawn from seed 42, the venue's mark rule
 * attached, for 24 hours from 02:30 UTC. Each settlement is checked
 * against the positions it paid on. */
static void run_day(const profile *p, day_run *out)
{
    int64_t start = DAY0 + 2 * HOUR + 30 * MIN;
    world *w = world_new(p, path_index(0), start);
    perr e = {0, ""};
    w->m = mark_new(&w->p, &e);
    cr_assert_not_null(w->m, "%s", e.msg);
    mark_attach(w->m, w->v, w->f);
    mark_set_index(w->m, w->index);
    pcg32 rng;
    pcg32_seed(&rng, 42, 7);
    quote_premium(w, path_premium(0));
    for (int i = 0; i < 60; i++) {
        int side = pcg32_bounded(&rng, 2) ? 1 : -1;
        int64_t lots = 1 + pcg32_bounded(&rng, 2000);
        trader(w, side, lots, i % 4 ? ACCOUNT_CROSS : ACCOUNT_ISOLATED,
               USD(100000));
    }
    memset(out, 0, sizeof *out);
    funding_average expect;
    funding_average_reset(&expect, p->premium_average);
    double quoted = quoted_premium(w);
    snapshot snap = {NULL, NULL, 0, 0};
    int64_t next_quote = MIN;
    for (;;) {
        int64_t t = funding_next_event(w->f);
        if (next_quote < t)
            t = next_quote;
        if (t > 24 * HOUR)
            break;
        if (t == next_quote) {
            /* At a minute: the index ticks, the maker re-quotes, the mark
             * follows; then whatever funding has due at that instant. */
            w->index = path_index(t);
            quote_premium(w, path_premium(t));
            quoted = quoted_premium(w);
            mark_set_index(w->m, w->index);
            cr_assert_eq(venue_update(w->v, t, &e), 0, "%s", e.msg);
            next_quote += MIN;
        }
        while (funding_next_event(w->f) <= t) {
            if (funding_next_settlement(w->f) <= funding_next_sample(w->f)) {
                /* The sample at the settlement instant, taken in the same
                 * call, opens the next interval. */
                int64_t at = funding_next_settlement(w->f);
                int sample_too = funding_next_sample(w->f) == at;
                take_snapshot(w->v, &snap);
                advance(w, at);
                size_t n;
                const funding_settlement *s = settlements(w, &n);
                cr_assert_lt(n, 32);
                check_settlement(w->v, &snap, &s[n - 1]);
                out->rec[n - 1] = s[n - 1];
                out->expected_avg[n - 1] = funding_average_value(&expect);
                out->expected_samples[n - 1] = expect.n;
                out->n = n;
                funding_average_reset(&expect, p->premium_average);
                if (sample_too)
                    funding_average_add(&expect, quoted);
            } else {
                funding_average_add(&expect, quoted);
                advance(w, funding_next_sample(w->f));
            }
        }
    }
    support_audit(w->v);
    size_t nliq;
    venue_liquidations(w->v, &nliq);
    cr_expect_eq(nliq, 0);
    free(snap.size);
    free(snap.wallet);
    world_free(w);
}

/* The closed form of mechanics.md 1 written out again, independently of
 * funding_rate_of: F = P + clamp(I - P, +/-0.05%), Binance's cap
 * +/-0.30% on F; the 1h rule pays F / 8 (nearest), capped at 4%. */
static int64_t closed_form(int64_t premium, int hourly)
{
    int64_t interest = 10000 - premium;
    if (interest > 50000)
        interest = 50000;
    if (interest < -50000)
        interest = -50000;
    int64_t f = premium + interest;
    if (!hourly)
        return f > 300000 ? 300000 : f < -300000 ? -300000 : f;
    int64_t r = f >= 0 ? (f + 4) / 8 : -((-f + 4) / 8);
    return r > 4000000 ? 4000000 : r < -4000000 ? -4000000 : r;
}

/* The settlements of a day run that started at start (UTC): the first at
 * first ms into the run and one every interval, at whole hours of UTC from
 * first_hour on; the first with first_samples premium samples, the others
 * with samples; each one's average and rate are those of the path in
 * closed form. */
static void expect_settlements(const day_run *r, int64_t start, int64_t first,
                               int64_t interval, int64_t first_hour,
                               int64_t first_samples, int64_t samples)
{
    int hourly = interval == HOUR;
    for (size_t i = 0; i < r->n; i++) {
        const funding_settlement *s = &r->rec[i];
        int64_t k = (int64_t)i;
        cr_expect_eq(s->time, first + k * interval);
        cr_expect_eq(utc_hour(start, s->time),
                     (first_hour + k * interval / HOUR) % 24);
        cr_expect_eq(s->time_utc % interval, 0);
        cr_expect_eq(s->samples, r->expected_samples[i]);
        cr_expect_eq(s->samples, i == 0 ? first_samples : samples);
        cr_expect_float_eq(s->avg_premium, r->expected_avg[i], 1e-12);
        cr_expect_eq(s->parts.premium, funding_premium_rate(s->avg_premium));
        cr_expect_eq(
            s->parts.rate, closed_form(s->parts.premium, hourly),
            "settlement %zu every %lld ms: rate %lld for premium %lld", i,
            (long long)interval, (long long)s->parts.rate,
            (long long)s->parts.premium);
    }
}

Test(funding, same_world_with_8h_and_1h_funding_settles_by_the_rules)
{
    profile p8 = tests_profile("binance");
    profile p1 = binance_with_hyperliquid_funding();
    day_run *r8 = malloc(sizeof *r8), *r1 = malloc(sizeof *r1);
    cr_assert(r8 && r1);
    run_day(&p8, r8);
    run_day(&p1, r1);
    int64_t start = DAY0 + 2 * HOUR + 30 * MIN;

    /* 8h: 08:00, 16:00 and 00:00 UTC, i.e. 5.5h, 13.5h and 21.5h into the
     * run; the first interval holds the 5.5h of samples there were. */
    cr_assert_eq(r8->n, 3);
    expect_settlements(r8, start, 5 * HOUR + 30 * MIN, 8 * HOUR, 8, 3960,
                       5760);
    /* 1h: every hour on the hour, 03:00 to 02:00, the first after 30
     * minutes of samples, paid at the oracle, rounded to the tick. */
    cr_assert_eq(r1->n, 24);
    expect_settlements(r1, start, 30 * MIN, HOUR, 3, 360, 720);
    for (size_t i = 0; i < r1->n; i++) {
        const funding_settlement *s = &r1->rec[i];
        cr_expect_eq(s->ledger.price,
                     llround(path_index(s->time - s->time % MIN)));
    }
    /* The path crosses the clamp region both ways: some hours pay the
     * interest rate alone, others more, some less than zero. */
    int at_interest = 0, above = 0, below = 0;
    for (size_t i = 0; i < r1->n; i++) {
        at_interest += r1->rec[i].parts.rate == 1250;
        above += r1->rec[i].parts.rate > 1250;
        below += r1->rec[i].parts.rate < 0;
    }
    cr_expect(at_interest > 0 && above > 0 && below > 0,
              "%d at I, %d above, %d below zero", at_interest, above, below);
    free(r8);
    free(r1);
}
