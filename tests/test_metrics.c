/*
 * Tests of the output metrics (sim/engine/metrics.h): depth near the mid against a
 * book built by hand, and near the mark when a side is empty, taker flows and their ratio, the interval's
 * liquidation and ADL flows, rolling z-scores against a direct two-pass
 * computation over the window, the audit columns against venue_audit, and
 * the NaN conventions of an empty book.
 *
 * Units (Binance's profile): 0.1 USDT ticks, 0.001 BTC lots, cash units of
 * 1e-6 USDT, so a tick x lot is 1e-4 USDT and K = 100 cash units. The mid
 * of the hand-built book is 600,000 ticks (60,000 USDT): 1% of it reaches
 * bids down to 594,000 and asks up to 606,000, 2% to 588,000 and 612,000.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "metrics.h"
#include "pcg.h"
#include "support.h"
#include "profile_yaml.h"

#define QPTL 1e-4 /* USDT per tick x lot */

static const profile *binance(void)
{
    const profile *p = profile_builtin("binance");
    cr_assert_not_null(p);
    return p;
}

static venue *make_venue(void)
{
    perr e = {0, ""};
    venue *v = venue_new(binance(), 400000, 800000, 600000, 16, 64, &e);
    cr_assert_not_null(v, "venue_new: %s", e.msg);
    return v;
}

static metrics *make_metrics(int64_t every, int64_t window)
{
    perr e = {0, ""};
    metrics *m = metrics_new(binance(), every, window, &e);
    cr_assert_not_null(m, "metrics_new: %s", e.msg);
    return m;
}

static book_result submit(venue *v, uint32_t id, int side, book_type type,
                          int64_t price, int64_t size)
{
    book_order_spec s = {price, size, 0, side, type, 0};
    book_result r;
    venue_reject why;
    perr e = {0, ""};
    cr_assert_eq(venue_submit(v, id, &s, &r, &why, &e), 0, "venue_submit: %s",
                 e.msg);
    cr_assert_eq(why, VENUE_ACCEPTED, "%s", venue_reject_name(why));
    return r;
}

static void rest(venue *v, uint32_t id, int side, int64_t price, int64_t size)
{
    book_result r = submit(v, id, side, BOOK_LIMIT, price, size);
    cr_assert_eq(r.outcome, BOOK_RESTED);
}

static metrics_row sample(metrics *m, const venue *v, int64_t now,
                          double index, int64_t last, const funding *f)
{
    metrics_row row;
    memset(&row, 0xff, sizeof row); /* every field must be written */
    perr e = {0, ""};
    cr_assert_eq(metrics_sample(m, v, now, index, last, f, &row, &e), 0,
                 "metrics_sample: %s", e.msg);
    return row;
}

static void assert_close(double got, double want, const char *what)
{
    double tol = 1e-9 * fmax(1.0, fabs(want));
    cr_assert(fabs(got - want) <= tol, "%s: got %.12g, want %.12g", what, got,
              want);
}

/* The book of the header comment: each side has an order at the best price,
 * one exactly on the 1% bound, one a tick beyond it, one exactly on the 2%
 * bound and one a tick beyond that. */
static uint32_t build_book(venue *v)
{
    uint32_t mm = open_account(v, INT64_C(1000000000000), ACCOUNT_CROSS, 20);
    rest(v, mm, BOOK_BUY, 599990, 10);
    rest(v, mm, BOOK_BUY, 594000, 5);
    rest(v, mm, BOOK_BUY, 593999, 7);
    rest(v, mm, BOOK_BUY, 588000, 3);
    rest(v, mm, BOOK_BUY, 587999, 100);
    rest(v, mm, BOOK_SELL, 600010, 10);
    rest(v, mm, BOOK_SELL, 606000, 4);
    rest(v, mm, BOOK_SELL, 606001, 6);
    rest(v, mm, BOOK_SELL, 612000, 2);
    rest(v, mm, BOOK_SELL, 612001, 50);
    return mm;
}

Test(metrics, depth_counts_the_orders_within_one_and_two_percent_of_the_mid)
{
    venue *v = make_venue();
    build_book(v);
    metrics *m = make_metrics(1000, 60000);
    metrics_row row = sample(m, v, 1000, 599400.0, BOOK_NO_PRICE, NULL);
    const double *s = row.series;

    assert_close(s[METRICS_MID], 60000.0, "mid");
    assert_close(s[METRICS_SPREAD_BPS], 1e4 * 20.0 / 600000.0, "spread_bps");
    assert_close(s[METRICS_BID_DEPTH_1PCT],
                 (599990.0 * 10 + 594000.0 * 5) * QPTL, "bid 1%");
    assert_close(s[METRICS_ASK_DEPTH_1PCT],
                 (600010.0 * 10 + 606000.0 * 4) * QPTL, "ask 1%");
    assert_close(s[METRICS_BID_DEPTH_2PCT],
                 (599990.0 * 10 + 594000.0 * 5 + 593999.0 * 7 + 588000.0 * 3)
                     * QPTL,
                 "bid 2%");
    assert_close(s[METRICS_ASK_DEPTH_2PCT],
                 (600010.0 * 10 + 606000.0 * 4 + 606001.0 * 6 + 612000.0 * 2)
                     * QPTL,
                 "ask 2%");
    assert_close(s[METRICS_INDEX], 59940.0, "index");
    assert_close(s[METRICS_PREMIUM_INDEX], (600000.0 - 599400.0) / 599400.0,
                 "premium");
    assert_close(s[METRICS_MARK], 60000.0, "mark");
    assert_close(s[METRICS_T], 1.0, "t");
    metrics_free(m);
    venue_free(v);
}

Test(metrics, a_one_sided_book_measures_depth_around_the_mark)
{
    /* Only asks rest (the bids were swept): no mid, so the mark (600,000
     * ticks) stands in: asks up to 606,000 count within 1%, and the bids
     * are honestly empty. */
    venue *v = make_venue();
    uint32_t mm = open_account(v, INT64_C(1000000000000), ACCOUNT_CROSS, 20);
    rest(v, mm, BOOK_SELL, 600010, 10);
    rest(v, mm, BOOK_SELL, 606000, 4);
    rest(v, mm, BOOK_SELL, 606001, 6);
    metrics *m = make_metrics(1000, 60000);
    metrics_row row = sample(m, v, 1000, 600000.0, BOOK_NO_PRICE, NULL);
    const double *s = row.series;
    cr_assert(isnan(s[METRICS_MID]));
    cr_assert_eq(s[METRICS_BID_DEPTH_1PCT], 0.0);
    assert_close(s[METRICS_ASK_DEPTH_1PCT], (600010.0 * 10 + 606000.0 * 4) * QPTL,
                 "ask 1%");
    assert_close(s[METRICS_ASK_DEPTH_2PCT],
                 (600010.0 * 10 + 606000.0 * 4 + 606001.0 * 6) * QPTL, "ask 2%");
    metrics_free(m);
    venue_free(v);
}

Test(metrics, taker_flows_and_ratio_cover_one_interval)
{
    venue *v = make_venue();
    build_book(v);
    uint32_t taker = open_account(v, INT64_C(1000000000000), ACCOUNT_CROSS, 20);
    metrics *m = make_metrics(1000, 60000);

    submit(v, taker, BOOK_BUY, BOOK_IOC, 600010, 3);
    submit(v, taker, BOOK_SELL, BOOK_IOC, 594000, 12); /* 10 @ 599990, 2 @ 594000 */
    size_t n;
    const book_fill *f = book_fills(venue_book(v), &n);
    cr_assert_eq(n, 3);
    metrics_note_fills(m, f, n);
    venue_clear_events(v);

    metrics_row row = sample(m, v, 1000, 600000.0, 594000, NULL);
    double buy = 600010.0 * 3 * QPTL;
    double sell = (599990.0 * 10 + 594000.0 * 2) * QPTL;
    assert_close(row.series[METRICS_TAKER_BUY_NOTIONAL], buy, "buy");
    assert_close(row.series[METRICS_TAKER_SELL_NOTIONAL], sell, "sell");
    assert_close(row.series[METRICS_TAKER_BUY_SELL_RATIO], buy / sell, "ratio");
    assert_close(row.series[METRICS_LAST], 59400.0, "last");

    /* The next interval starts empty: nothing sold, so no ratio. */
    row = sample(m, v, 2000, 600000.0, 594000, NULL);
    cr_assert_eq(row.series[METRICS_TAKER_BUY_NOTIONAL], 0.0);
    cr_assert_eq(row.series[METRICS_TAKER_SELL_NOTIONAL], 0.0);
    cr_assert(isnan(row.series[METRICS_TAKER_BUY_SELL_RATIO]));

    /* Buys alone: still no ratio (buy / 0). */
    submit(v, taker, BOOK_BUY, BOOK_IOC, 606000, 1); /* 7 left at 600010 */
    f = book_fills(venue_book(v), &n);
    metrics_note_fills(m, f, n);
    venue_clear_events(v);
    row = sample(m, v, 3000, 600000.0, 600010, NULL);
    assert_close(row.series[METRICS_TAKER_BUY_NOTIONAL], 600010.0 * QPTL,
                 "buy alone");
    cr_assert(isnan(row.series[METRICS_TAKER_BUY_SELL_RATIO]));
    metrics_free(m);
    venue_free(v);
}

Test(metrics, liquidation_and_adl_flows_split_by_side_and_reset)
{
    venue *v = make_venue();
    metrics *m = make_metrics(1000, 60000);
    venue_liquidation l[3];
    memset(l, 0, sizeof l);
    l[0].side = 1, l[0].notional = 5000000;   /* 5 USDT of a long */
    l[1].side = -1, l[1].notional = 7000000;  /* 7 USDT of a short */
    l[2].side = 1, l[2].notional = 11000000;  /* 11 USDT of a long (ADL route) */
    l[2].route = VENUE_BY_ADL;
    venue_adl a[2];
    memset(a, 0, sizeof a);
    a[0].notional = 2000000;
    a[1].notional = 9000000;
    metrics_note_liquidations(m, l, 3);
    metrics_note_adls(m, a, 2);
    metrics_row row = sample(m, v, 1000, 600000.0, BOOK_NO_PRICE, NULL);
    assert_close(row.series[METRICS_LIQ_LONG_NOTIONAL], 16.0, "longs");
    assert_close(row.series[METRICS_LIQ_SHORT_NOTIONAL], 7.0, "shorts");
    assert_close(row.series[METRICS_ADL_NOTIONAL], 11.0, "adl");
    row = sample(m, v, 2000, 600000.0, BOOK_NO_PRICE, NULL);
    cr_assert_eq(row.series[METRICS_LIQ_LONG_NOTIONAL], 0.0);
    cr_assert_eq(row.series[METRICS_LIQ_SHORT_NOTIONAL], 0.0);
    cr_assert_eq(row.series[METRICS_ADL_NOTIONAL], 0.0);
    metrics_free(m);
    venue_free(v);
}

/* The z-score of values[k] over the window of n ending at k, by the
 * definition: two passes, sample standard deviation, 0 with fewer than two
 * values or a zero deviation. */
static double direct_z(const double *values, size_t k, size_t n)
{
    size_t first = k + 1 >= n ? k + 1 - n : 0, count = k + 1 - first;
    if (count < 2)
        return 0;
    double mean = 0;
    for (size_t i = first; i <= k; i++)
        mean += values[i];
    mean /= (double)count;
    double ss = 0;
    for (size_t i = first; i <= k; i++)
        ss += (values[i] - mean) * (values[i] - mean);
    double sd = sqrt(ss / (double)(count - 1));
    return sd > 0 ? (values[k] - mean) / sd : 0;
}

/* Feeds liquidated notional (cash units) per sample and compares liq_z with
 * direct_z; window / every = 7 samples, so the ring wraps many times. */
static void check_liq_z(const int64_t *cash, size_t count, double tol)
{
    venue *v = make_venue();
    metrics *m = make_metrics(1000, 7500); /* 7 samples: rounded down */
    double values[256];
    cr_assert(count <= 256);
    for (size_t k = 0; k < count; k++) {
        venue_liquidation l;
        memset(&l, 0, sizeof l);
        l.side = k % 3 ? 1 : -1;
        l.notional = cash[k];
        metrics_note_liquidations(m, &l, 1);
        values[k] = (double)cash[k] * 1e-6;
        metrics_row row = sample(m, v, (int64_t)(k + 1) * 1000, 600000.0,
                                 BOOK_NO_PRICE, NULL);
        double want = direct_z(values, k, 7);
        double got = row.series[METRICS_LIQ_Z];
        size_t first = k >= 6 ? k - 6 : 0;
        int constant = 1;
        for (size_t i = first; i <= k; i++)
            constant &= values[i] == values[k];
        if (constant)
            cr_assert_eq(got, 0.0, "sample %zu: a constant window", k);
        cr_assert(fabs(got - want) <= tol, "sample %zu: z %.15g, want %.15g",
                  k, got, want);
    }
    metrics_free(m);
    venue_free(v);
}

Test(metrics, z_scores_match_a_direct_computation_over_the_window)
{
    pcg32 rng;
    pcg32_seed_component(&rng, 7, "test_metrics");
    int64_t cash[200];
    for (size_t k = 0; k < 200; k++)
        cash[k] = (pcg32_next(&rng) % 4 == 0) ? 0
                                              : (int64_t)(pcg32_next(&rng) % 100000000u);
    check_liq_z(cash, 200, 1e-9);
}

Test(metrics, z_scores_stay_accurate_for_large_values_with_a_small_spread)
{
    /* About 1e9 USDT with a spread of a few USDT: running sums of squares
     * would lose every digit here. */
    pcg32 rng;
    pcg32_seed_component(&rng, 8, "test_metrics");
    int64_t cash[250];
    for (size_t k = 0; k < 250; k++)
        cash[k] = INT64_C(1000000000000000) + (int64_t)(pcg32_next(&rng) % 5000000u)
                  + (int64_t)k * 100000;
    check_liq_z(cash, 250, 1e-6);
}

Test(metrics, z_score_is_exactly_zero_on_a_constant_window_after_a_spike)
{
    int64_t cash[40] = {0};
    cash[3] = 123456789;
    cash[4] = 98765;
    check_liq_z(cash, 40, 1e-9); /* and exactly 0 once the window is all 0 */
    venue *v = make_venue();
    metrics *m = make_metrics(1000, 5000);
    venue_liquidation l;
    memset(&l, 0, sizeof l);
    l.side = 1;
    l.notional = 5555555;
    metrics_note_liquidations(m, &l, 1);
    metrics_row row;
    for (int k = 1; k <= 12; k++) {
        row = sample(m, v, k * 1000, 600000.0, BOOK_NO_PRICE, NULL);
        if (k == 2)
            cr_assert_lt(row.series[METRICS_LIQ_Z], 0.0, "the spike's shadow");
    }
    cr_assert_eq(row.series[METRICS_LIQ_Z], 0.0);
    metrics_free(m);
    venue_free(v);
}

Test(metrics, audit_columns_and_open_interest_follow_venue_audit)
{
    static profile funded;
    funded = *binance();
    funded.insurance_fund = INT64_C(5000000000000); /* 5M USDT */
    perr e = {0, ""};
    venue *v = venue_new(&funded, 400000, 800000, 600000, 16, 64, &e);
    cr_assert_not_null(v, "venue_new: %s", e.msg);
    build_book(v);
    uint32_t taker = open_account(v, INT64_C(1000000000000), ACCOUNT_CROSS, 20);
    submit(v, taker, BOOK_BUY, BOOK_IOC, 606000, 14); /* 10 + 4 lots */
    venue_clear_events(v);
    metrics *m = metrics_new(&funded, 1000, 60000, &e);
    cr_assert_not_null(m, "metrics_new: %s", e.msg);
    metrics_row row = sample(m, v, 1000, 600000.0, 606000, NULL);
    venue_totals t;
    cr_assert_eq(venue_audit(v, &t, &e), 0, "%s", e.msg);
    cr_assert_eq(t.ledger.long_lots, 14);
    cr_assert_eq(row.audit[METRICS_LONG_LOTS], t.ledger.long_lots);
    cr_assert_eq(row.audit[METRICS_SHORT_LOTS], t.ledger.short_lots);
    cr_assert_eq(row.audit[METRICS_CASH_TOTAL], t.ledger.cash_total);
    cr_assert_eq(row.audit[METRICS_CASH_TOTAL], t.ledger.expected_cash);
    assert_close(row.series[METRICS_OPEN_INTEREST],
                 14.0 * (double)venue_mark(v) * QPTL, "open interest");
    /* The fund holds no position: its margin balance is its cash. */
    assert_close(row.series[METRICS_INSURANCE_FUND],
                 (double)t.insurance_fund * 1e-6, "insurance fund");
    assert_close(row.series[METRICS_INSURANCE_FUND], 5e6, "the fund's 5M");
    metrics_free(m);
    venue_free(v);
}

Test(metrics, empty_book_gives_nan_prices_and_zero_depth)
{
    venue *v = make_venue();
    metrics *m = make_metrics(1000, 60000);
    metrics_row row = sample(m, v, 500, 600000.0, BOOK_NO_PRICE, NULL);
    const double *s = row.series;
    cr_assert(isnan(s[METRICS_LAST]));
    cr_assert(isnan(s[METRICS_MID]));
    cr_assert(isnan(s[METRICS_SPREAD_BPS]));
    cr_assert(isnan(s[METRICS_PREMIUM_INDEX]));
    cr_assert(isnan(s[METRICS_TAKER_BUY_SELL_RATIO]));
    cr_assert_eq(s[METRICS_BID_DEPTH_1PCT], 0.0);
    cr_assert_eq(s[METRICS_ASK_DEPTH_2PCT], 0.0);
    cr_assert_eq(s[METRICS_DEPTH_Z], 0.0);
    cr_assert_eq(s[METRICS_OPEN_INTEREST], 0.0);
    cr_assert_eq(s[METRICS_FUNDING_RATE], 0.0); /* no funding clock */
    assert_close(s[METRICS_T], 0.5, "t");
    for (int i = 0; i < METRICS_SERIES_COUNT; i++) {
        int nan_ok = i == METRICS_LAST || i == METRICS_MID
                     || i == METRICS_SPREAD_BPS || i == METRICS_PREMIUM_INDEX
                     || i == METRICS_TAKER_BUY_SELL_RATIO;
        cr_assert(nan_ok || isfinite(s[i]), "%s is %g",
                  metrics_series_name(i), s[i]);
    }
    metrics_free(m);
    venue_free(v);
}

Test(metrics, funding_rate_is_the_clock_estimate_as_a_fraction)
{
    venue *v = make_venue();
    build_book(v);
    perr e = {0, ""};
    funding *f = funding_new(binance(), INT64_C(1752105600000), &e);
    cr_assert_not_null(f, "funding_new: %s", e.msg);
    /* The index under the book's impact bid: a premium. */
    cr_assert_eq(funding_advance(f, v, funding_next_sample(f), 580000.0, &e),
                 0, "%s", e.msg);
    metrics *m = make_metrics(1000, 60000);
    metrics_row row = sample(m, v, 1000, 580000.0, BOOK_NO_PRICE, f);
    double want = (double)funding_estimate(f, NULL) / 1e8;
    cr_assert_neq(want, 0.0);
    cr_assert_eq(row.series[METRICS_FUNDING_RATE], want);
    metrics_free(m);
    funding_free(f);
    venue_free(v);
}

Test(metrics, a_window_shorter_than_the_period_is_refused)
{
    perr e = {0, ""};
    cr_assert_null(metrics_new(binance(), 1000, 999, &e));
    cr_assert_eq(e.code, PERR_INVALID);
    cr_assert_null(metrics_new(binance(), 0, 1000, &e));
    cr_assert_eq(e.code, PERR_INVALID);
}
