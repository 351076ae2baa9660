/*
 * Tests of the mark-price rules (sim/engine/mark.h) against docs/mechanics.md
 * section 2: Binance's median(P1, P2, last) with P1 from the funding rate
 * and P2 from the moving average of the basis, BitMEX's fair price, the
 * Hyperliquid median with the EMA of the basis, and dYdX's oracle; how
 * samples are taken (on the clock, each measuring the basis in force just
 * before it, a quiet spell filled with the basis that held through it);
 * missing inputs; and the rule installed as a venue's mark, driving its
 * liquidations. Expected values are worked by hand beside each test.
 *
 * Units: Binance's, 0.1 USDT ticks, an index of 500000 ticks = 50,000 USDT.
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
#include "support.h"
#include "venue.h"

#define SEC INT64_C(1000)
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY0 INT64_C(1752105600000) /* 2025-07-10T00:00:00Z */

/* Binance's units with the mark rule given: Binance's and Bybit's MEDIAN3
 * (30 one-second samples for Binance, mechanics.md 2), the others with the
 * windows of their venues (Hyperliquid's 150 s EMA). */
static profile with_rule(const rule_mark *rule)
{
    profile p = *builtin_profile("binance");
    p.mark_rule = rule;
    p.mark_sample_ms = SEC;
    p.mark_window_ms = rule == &rule_mark_hl ? 150 * SEC : 30 * SEC;
    return p;
}

static mark *new_mark(const profile *p)
{
    perr e = {0, ""};
    return support_made(mark_new(p, &e), "mark_new", &e);
}

/* A mark on the profile with_rule gives; the profile is kept in static
 * storage, for the marks of one rule in a test. */
static mark *mark_with(const rule_mark *rule)
{
    static profile p;
    p = with_rule(rule);
    return new_mark(&p);
}

/* Inputs with the book quoting mid +/- 1 tick around index + basis. */
static mark_inputs at(int64_t now, double index, int64_t basis)
{
    mark_inputs in;
    memset(&in, 0, sizeof in);
    in.now = now;
    in.index = index;
    int64_t mid = llround(index) + basis;
    in.bid = mid - 1;
    in.ask = mid + 1;
    in.last = BOOK_NO_PRICE;
    in.external_mid = NAN;
    return in;
}

/* Updates m with the inputs at() gives; the parts of the mark go to parts
 * unless it is NULL. Returns the mark. */
static int64_t update_at(mark *m, int64_t now, double index, int64_t basis,
                         mark_parts *parts)
{
    mark_inputs in = at(now, index, basis);
    return mark_update(m, &in, parts);
}

/* in with a funding clock: the rate (1e-8) and the time to the next
 * settlement of an interval. */
static mark_inputs with_funding(mark_inputs in, int64_t rate,
                                int64_t to_next_ms, int64_t interval_ms)
{
    in.funding_rate = rate;
    in.to_next_ms = to_next_ms;
    in.interval_ms = interval_ms;
    return in;
}

/* The mark a fresh mark of rule forms from its first inputs, in. */
static int64_t first_mark(const rule_mark *rule, const mark_inputs *in)
{
    mark *m = mark_with(rule);
    int64_t price = mark_update(m, in, NULL);
    mark_free(m);
    return price;
}

Test(mark, binance_mark_is_the_median_of_p1_p2_and_last)
{
    /* 31 updates a second apart with the mid 100 ticks over the index: 30
     * samples of basis 100, so P2 = 500000 + 100 = 500100. Funding 0.01%
     * with 4h of an 8h interval to go: P1 = 500000 x (1 + 0.0001 x 0.5) =
     * 500025. With the last trade at 500060 the median is the last; at
     * 500200 it is P2; at 499000 it is P1. */
    mark *m = mark_with(&rule_mark_median3);
    for (int64_t t = 0; t < 30; t++)
        update_at(m, t * SEC, 500000.0, 100, NULL);
    mark_inputs in = at(30 * SEC, 500000.0, 100);
    mark_update(m, &in, NULL);
    in = with_funding(in, 10000, 4 * HOUR, 8 * HOUR);
    mark_parts parts;
    in.last = 500060;
    cr_expect_eq(mark_update(m, &in, &parts), 500060);
    cr_expect_eq(parts.basis_average, 100.0);
    cr_expect_eq(parts.p2, 500100.0);
    cr_expect_float_eq(parts.p1, 500025.0, 1e-9);
    in.last = 500200;
    cr_expect_eq(mark_update(m, &in, NULL), 500100);
    in.last = 499000;
    cr_expect_eq(mark_update(m, &in, NULL), 500025);
    cr_expect_eq(mark_price(m), 500025);
    mark_free(m);
}

Test(mark, p2_averages_the_last_window_of_samples)
{
    /* Update k (at k seconds) quotes a basis of k ticks. The sample at k
     * seconds measures the basis left by update k - 1, so after update 40
     * the samples are 0 ... 39 and the window holds the last 30, 10 ... 39:
     * mean 24.5, and the mark index + 24.5 rounds half away to 500025. */
    mark *m = mark_with(&rule_mark_basis_ma);
    mark_parts parts;
    int64_t mk = 0;
    for (int64_t k = 0; k <= 40; k++)
        mk = update_at(m, k * SEC, 500000.0, k, &parts);
    cr_expect_eq(parts.basis_average, 24.5);
    cr_expect_eq(mk, 500025);
    mark_free(m);
}

Test(mark, a_quiet_spell_is_sampled_at_the_basis_that_held_through_it)
{
    /* Basis 100 from t = 0; nothing happens for an hour; then an update at
     * 3600 s quotes basis 0. Every sample of that hour saw 100, so the
     * average is still 100. One second later the first sample of basis 0
     * enters: (29 x 100 + 0) / 30. */
    mark *m = mark_with(&rule_mark_basis_ma);
    mark_parts parts;
    update_at(m, 0, 500000.0, 100, NULL);
    update_at(m, 3600 * SEC, 500000.0, 0, &parts);
    cr_expect_eq(parts.basis_average, 100.0);
    update_at(m, 3601 * SEC, 500000.0, 0, &parts);
    cr_expect_float_eq(parts.basis_average, 2900.0 / 30.0, 1e-9);
    /* Updates between two sample instants take no sample. */
    update_at(m, 3601 * SEC + 500, 500000.0, -500, &parts);
    cr_expect_float_eq(parts.basis_average, 2900.0 / 30.0, 1e-9);
    mark_free(m);
}

Test(mark, the_ring_sum_does_not_drift)
{
    /* Ten thousand random bases: the running average equals the plain mean
     * of the last 30 samples. */
    mark *m = mark_with(&rule_mark_basis_ma);
    pcg32 rng;
    pcg32_seed(&rng, 42, 11);
    int64_t basis[10001];
    mark_parts parts;
    for (int k = 0; k <= 10000; k++) {
        basis[k] = (int64_t)pcg32_bounded(&rng, 2001) - 1000;
        update_at(m, k * SEC, 500000.0 + 0.25 * (k % 4), basis[k], &parts);
        if (k >= 30 && k % 997 == 0) {
            /* Samples 0 .. k-1 measured updates 0 .. k-1: the last 30. */
            double sum = 0;
            for (int j = k - 30; j < k; j++)
                sum += (double)(llround(500000.0 + 0.25 * (j % 4)) + basis[j])
                       - (500000.0 + 0.25 * (j % 4));
            cr_expect_float_eq(parts.basis_average, sum / 30.0, 1e-9,
                               "at %d", k);
        }
    }
    mark_free(m);
}

Test(mark, bitmex_fair_price_by_hand)
{
    /* Fair price = index x (1 + rate x time until funding / interval):
     * 500000 x (1 + 0.0001 x 4h/8h) = 500025; with -0.375% and the whole
     * interval to go, 500000 x 0.99625 = 498125; at the settlement itself
     * the basis is gone: the index. */
    mark *m = mark_with(&rule_mark_fair);
    mark_inputs in = with_funding(at(0, 500000.0, 40), 10000, 4 * HOUR,
                                  8 * HOUR);
    cr_expect_eq(mark_update(m, &in, NULL), 500025);
    in.funding_rate = -375000;
    in.to_next_ms = 8 * HOUR;
    cr_expect_eq(mark_update(m, &in, NULL), 498125);
    in.to_next_ms = 0;
    cr_expect_eq(mark_update(m, &in, NULL), 500000);
    /* No funding clock: the index. */
    in.interval_ms = 0;
    in.index = 512345.6;
    cr_expect_eq(mark_update(m, &in, NULL), 512346);
    mark_free(m);
}

Test(mark, hyperliquid_median_with_the_ema_of_the_basis)
{
    /* Samples once a second, EMA time constant 150 s. Basis 50 at 0 and
     * 1 s: the first sample (1 s) starts the EMA at 50, the second (2 s)
     * keeps it there. From the 2 s update on the basis is 0, so the ten
     * samples 3 .. 12 s move it to 50 x exp(-10/150) = 46.7838. At 12 s,
     * with bid/ask index -/+ 1 and the last trade at index + 5, the book's
     * median is index + 1, and with no external mid the mark is the mean of
     * 500046.78 and 500001: 500023.89 -> 500024. An external mid of 500010
     * makes it the median of three: 500010. */
    mark *m = mark_with(&rule_mark_hl);
    update_at(m, 0, 500000.0, 50, NULL);
    update_at(m, 1 * SEC, 500000.0, 50, NULL);
    update_at(m, 2 * SEC, 500000.0, 0, NULL);
    mark_inputs in = at(12 * SEC, 500000.0, 0);
    in.last = 500005;
    mark_parts parts;
    double ema = 50.0 * exp(-10.0 / 150.0);
    cr_expect_eq(mark_update(m, &in, &parts), 500024);
    cr_expect_float_eq(parts.basis_average, ema, 1e-9);
    cr_expect_eq(parts.book_median, 500001.0);
    cr_expect_float_eq(parts.value, (500000.0 + ema + 500001.0) / 2.0, 1e-9);
    in.external_mid = 500010.0;
    cr_expect_eq(mark_update(m, &in, NULL), 500010);
    mark_free(m);
}

Test(mark, oracle_mark_is_the_index_rounded_to_the_nearest_tick)
{
    mark *m = mark_with(&rule_mark_oracle);
    mark_inputs in = at(0, 500000.4, 0);
    cr_expect_eq(mark_update(m, &in, NULL), 500000);
    in.index = 500000.5;
    cr_expect_eq(mark_update(m, &in, NULL), 500001);
    /* No index: no mark can be formed; the last one stays. */
    in.index = NAN;
    cr_expect_eq(mark_update(m, &in, NULL), 0);
    cr_expect_eq(mark_price(m), 500001);
    mark_free(m);
}

Test(mark, missing_inputs_are_left_out_of_the_median)
{
    /* No trade yet: median(P1, P2) is their mean. P1 = 500000 x (1 +
     * 0.001) = 500500 with the whole interval to go, P2 = 500000 + 100
     * (the basis in force before any sample): 500300. An empty side: no
     * basis, P2 = the index, the mean with P1 500250. */
    mark_inputs in = with_funding(at(0, 500000.0, 100), 100000, 8 * HOUR,
                                  8 * HOUR);
    cr_expect_eq(first_mark(&rule_mark_median3, &in), 500300);
    in.bid = BOOK_NO_PRICE;
    cr_expect_eq(first_mark(&rule_mark_median3, &in), 500250);
}

Test(mark, check_refuses_a_window_shorter_than_a_sample)
{
    profile p = with_rule(&rule_mark_median3);
    p.mark_window_ms = 500;
    perr e = {0, ""};
    cr_expect_eq(mark_check(&p, &e), PERR_INVALID);
    cr_expect_not_null(strstr(e.msg, "mark_window_ms"), "%s", e.msg);
    cr_expect_null(mark_new(&p, &e));
    p.mark_sample_ms = 0;
    cr_expect_eq(mark_check(&p, &e), PERR_INVALID);
    /* Rules without a basis need neither. */
    p.mark_rule = &rule_mark_oracle;
    cr_expect_eq(mark_check(&p, &e), 0);
}

/* ---- as the venue's mark rule ------------------------------------------- */

/* test_venue.c's Binance long: 100 lots bought at 500000, isolated at 20x
 * with 1,000 USDT: liquidatable at marks <= 476907. */
static venue *binance_long(const profile *p, uint32_t *trader)
{
    perr e = {0, ""};
    venue *v = venue_new(p, 400000, 700000, 500000, 16, 16, &e);
    cr_assert_not_null(v, "%s", e.msg);
    uint32_t maker;
    cr_assert_eq(venue_open(v, INT64_C(1000000000000000), ACCOUNT_CROSS, 1,
                            &maker, &e),
                 0);
    cr_assert_eq(venue_open(v, 1000000000, ACCOUNT_ISOLATED, 20, trader, &e),
                 0);
    book_order_spec sell = {500000, 100, 0, BOOK_SELL, BOOK_LIMIT, 0};
    book_order_spec buy = {500000, 100, 0, BOOK_BUY, BOOK_IOC, 0};
    cr_assert_eq(venue_submit(v, maker, &sell, NULL, NULL, &e), 0);
    book_result r;
    cr_assert_eq(venue_submit(v, *trader, &buy, &r, NULL, &e), 0);
    cr_assert_eq(r.filled, 100);
    venue_clear_events(v);
    return v;
}

Test(mark, oracle_rule_drives_the_venues_liquidations)
{
    profile p = with_rule(&rule_mark_oracle);
    uint32_t id;
    venue *v = binance_long(&p, &id);
    mark *m = new_mark(&p);
    mark_attach(m, v, NULL);
    perr e = {0, ""};
    /* Before any index the venue keeps its mark. */
    cr_assert_eq(venue_update(v, 1000, &e), 0);
    cr_expect_eq(venue_mark(v), 500000);
    mark_set_index(m, 476907.6); /* rounds to 476908: one tick above */
    cr_assert_eq(venue_update(v, 2000, &e), 0);
    cr_expect_eq(venue_mark(v), 476908);
    size_t n;
    venue_liquidations(v, &n);
    cr_expect_eq(n, 0);
    mark_set_index(m, 476907.4);
    cr_assert_eq(venue_update(v, 3000, &e), 0);
    venue_liquidations(v, &n);
    cr_expect_geq(n, 1);
    cr_expect_eq(venue_account(v, id)->size, 0);
    mark_free(m);
    venue_free(v);
}

Test(mark, fair_price_rule_reads_the_funding_clock)
{
    /* BitMEX-style fair price on a venue whose funding clock (Binance's
     * 8h rule, no samples yet: the interest-only estimate 0.01%) starts at
     * 00:00 UTC: at 0 the next settlement is 8h away, fair = 500000 x
     * 1.0001 = 500050; at 4h, 500025. */
    profile p = with_rule(&rule_mark_fair);
    p.funding_interval_ms = 8 * HOUR;
    p.funding_period_ms = 8 * HOUR;
    p.premium_source = &rule_premium_impact;
    p.premium_sample_ms = 5 * SEC;
    p.premium_average = &rule_average_linear;
    p.interest_rate = 10000;
    p.funding_clamp = 50000;
    p.funding_cap_rule = &rule_limit_mmr;
    p.funding_cap_factor = 75000000;
    p.impact_margin = INT64_C(200000000);
    perr e = {0, ""};
    funding *f = funding_new(&p, DAY0, &e);
    cr_assert_not_null(f, "%s", e.msg);
    uint32_t id;
    venue *v = binance_long(&p, &id);
    mark *m = new_mark(&p);
    mark_attach(m, v, f);
    mark_set_index(m, 500000.0);
    cr_assert_eq(venue_update(v, 0, &e), 0);
    cr_expect_eq(venue_mark(v), 500050);
    cr_assert_eq(venue_update(v, 4 * HOUR, &e), 0);
    cr_expect_eq(venue_mark(v), 500025);
    mark_free(m);
    venue_free(v);
    funding_free(f);
}
