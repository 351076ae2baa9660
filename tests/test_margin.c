/*
 * Tests of margin arithmetic and the `perpsim calc margin` / `calc liq-price`
 * calculators against the venues' published formulas and worked examples.
 * Every example names its source; notes/venue-examples.md has the quotes.
 *
 * Binance publishes its liquidation-price formula as an image with a variable
 * table and no numeric example we could find (notes 1.6); the Binance tests
 * below therefore check its own bracket examples exactly, and its formula on
 * examples worked by hand from that variable table, the arithmetic written
 * out beside each.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calc.h"
#include "margin.h"
#include "pcg.h"
#include "profile.h"
#include "profile_yaml.h"
#include "rule.h"

#define USD(x) ((int64_t)((x) * 1e6 + ((x) >= 0 ? 0.5 : -0.5)))

/* Binance BTCUSDT brackets of the 2021-03-18 announcement (notes 1.3): the
 * table Binance's FAQ examples are computed on. cum is filled by the FAQ's
 * formula, which the FAQ's own examples then check. */
static profile binance_2021(void)
{
    profile p = *profile_builtin("binance");
    static const struct { double cap, pct; int lev; } t[] = {
        {50e3, 0.40, 125}, {250e3, 0.50, 100}, {1e6, 1.00, 50},
        {10e6, 2.50, 20},  {20e6, 5.00, 10},   {50e6, 10.0, 5},
        {100e6, 12.5, 4},  {200e6, 15.0, 3},   {300e6, 25.0, 2},
        {0, 50.0, 1},
    };
    p.nbrackets = 10;
    for (int i = 0; i < 10; i++) {
        p.brackets[i].cap = i == 9 ? PROFILE_NOTIONAL_UNBOUNDED
                                   : USD(t[i].cap);
        p.brackets[i].mmr = (int64_t)llround(t[i].pct * 1e6);
        p.brackets[i].max_leverage = t[i].lev;
    }
    cr_assert_eq(profile_fill_cum(&p, NULL), 0);
    cr_assert_eq(profile_check(&p, NULL), 0);
    return p;
}

/* A position from quote-currency figures: size in base units, entry price,
 * and the wallet (margin) behind it. */
static margin_position position(const profile *p, double size, double entry,
                                double wallet)
{
    double base_per_lot = (double)p->lot.mant * pow(10, p->lot.exp);
    int64_t lots = (int64_t)llround(size / base_per_lot);
    int64_t cost = USD(fabs(size) * entry) * (size < 0 ? -1 : 1);
    margin_position pos = {lots, cost, USD(wallet) - cost};
    return pos;
}

static double liq_price(const profile *p, const margin_position *pos,
                        int *bracket)
{
    return profile_ticks_to_price(p, margin_liq_price(p, pos, bracket));
}

/* Runs a calculator as `perpsim calc` would and returns its output. */
static int run_calc(calc_fn fn, const char *args, char *out, size_t size,
                    perr *e)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "calc %s", args);
    char *argv[32];
    int argc = 0;
    for (char *tok = strtok(buf, " "); tok && argc < 31; tok = strtok(NULL, " "))
        argv[argc++] = tok;
    argv[argc] = NULL;
    calc_report answer = {0};
    perr_clear(e);
    int rc = fn(argc - 1, argv + 1, &answer, e);
    /* The lines as `perpsim calc` prints them (main.c). */
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; rc == 0 && i < answer.n && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s: %s\n",
                                 answer.lines[i].key, answer.lines[i].value);
    calc_report_free(&answer);
    return rc;
}

/* The report of a calculator that must accept args, as `perpsim calc`
 * prints it; good until the next call. */
static const char *calc_ok(calc_fn fn, const char *args)
{
    static char out[4096];
    perr e;
    cr_assert_eq(run_calc(fn, args, out, sizeof out, &e), 0, "%s: %s", args,
                 e.msg);
    return out;
}

/* A calculator refuses args as bad input, in a message that holds want. */
static void calc_refused(calc_fn fn, const char *args, const char *want)
{
    char out[4096];
    perr e;
    cr_expect_eq(run_calc(fn, args, out, sizeof out, &e), PERR_INVALID, "%s",
                 args);
    cr_expect_not_null(strstr(e.msg, want), "%s: %s", args, e.msg);
}

/* The value of `key: value` in out, as a number. */
static double value_of(const char *out, const char *key)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\n%s: ", key);
    char text[8192];
    snprintf(text, sizeof text, "\n%s", out);
    const char *at = strstr(text, pattern);
    cr_assert_not_null(at, "no '%s' in:\n%s", key, out);
    return strtod(at + strlen(pattern), NULL);
}

/* The report out says key: want, within tol (exactly when tol is 0). */
static void expect_value(const char *out, const char *key, double want,
                         double tol)
{
    double got = value_of(out, key);
    if (tol == 0)
        cr_expect_eq(got, want, "%s %.17g, expected %.17g:\n%s", key, got,
                     want, out);
    else
        cr_expect(fabs(got - want) < tol, "%s %.6f, expected %.6f:\n%s", key,
                  got, want, out);
}

Test(margin, builtin_profiles_pass_their_checks)
{
    /* Includes every bracket's cum against the formula: Binance's column
     * in mechanics.md 3 and Bybit's deductions (notes 2.5) both follow it. */
    for (const char *const *n = profile_builtin_names(); *n; n++) {
        perr e;
        perr_clear(&e);
        cr_expect_eq(profile_check(profile_builtin(*n), &e), 0, "%s: %s", *n,
                     e.msg);
    }
}

Test(margin, binance_faq_bracket_examples)
{
    /* Binance FAQ "How to Calculate Liquidation Price of USDⓈ-M Futures
     * Contracts": "if the position size ... is 264,000 USDT, then the
     * maintenance margin rate would be 1%"; "500,000 USDT, then the
     * maintenance amount would be 1,300 USDT"; and "Maintenance Amount on
     * Level 3 = 250,000 * (1% - 0.5%) + 50 USDT = 1,300 USDT". */
    profile p = binance_2021();
    int b = margin_bracket(&p, USD(264000));
    cr_expect_eq(p.brackets[b].mmr, PROFILE_RATE_ONE / 100);
    b = margin_bracket(&p, USD(500000));
    cr_expect_eq(p.brackets[b].cum, USD(1300));
    cr_expect_eq(p.brackets[1].cum, USD(50));
    cr_expect_eq(p.brackets[2].cum, USD(1300));
    /* MM = notional x MMR - cum: 500,000 x 1% - 1,300 = 3,700. */
    cr_expect_eq(margin_maintenance(&p, USD(500000)), USD(3700));
}

Test(margin, binance_isolated_liq_price_recomputes_across_brackets)
{
    /* Binance's isolated one-way formula (FAQ above; TMM1 = UPNL1 = 0):
     * LP = (WB + cum - side x Q x EP) / (Q x MMR - side x Q).
     * Long 10 BTC at 30,000, isolated wallet 30,000 (10x), 2021 brackets:
     *   bracket 1: (30,000 + 0 - 300,000) / (10 x 0.004 - 10) = 27,108.43,
     *   a notional of 271,084: bracket 3, so recompute with 1% and 1,300:
     *   (30,000 + 1,300 - 300,000) / (10 x 0.01 - 10) = 27,141.41,
     *   a notional of 271,414: bracket 3, consistent. */
    profile p = binance_2021();
    margin_position pos = position(&p, 10, 30000, 30000);
    int bracket;
    double lp = liq_price(&p, &pos, &bracket);
    cr_expect_eq(bracket, 2);
    cr_expect(fabs(lp - 268700.0 / 9.9) < 1e-6, "LP %.6f", lp);
    /* Bankruptcy: MMR = cum = 0: (30,000 - 300,000) / -10 = 27,000. */
    cr_expect(fabs(profile_ticks_to_price(&p, margin_bankruptcy_price(&p, &pos))
                   - 27000.0) < 1e-9);
}

Test(margin, binance_cross_liq_price_counts_other_positions)
{
    /* The cross form of the same formula: WB - TMM1 + UPNL1 in place of WB.
     * Short 2 BTC at 40,000; cross wallet 50,000; other positions'
     * maintenance 1,000 and unrealized PnL -2,000; 2021 brackets:
     *   bracket 1: (50,000 - 1,000 - 2,000 + 0 + 80,000) / (2 x 0.004 + 2)
     *   = 63,221.1, a notional of 126,442: bracket 2 (0.5%, cum 50):
     *   (127,000 + 50) / (2 x 0.005 + 2) = 63,208.96, notional 126,418:
     *   bracket 2, consistent. */
    profile p = binance_2021();
    margin_position pos = position(&p, -2, 40000, 50000 - 1000 - 2000);
    int bracket;
    double lp = liq_price(&p, &pos, &bracket);
    cr_expect_eq(bracket, 1);
    cr_expect(fabs(lp - 127050.0 / 2.01) < 1e-6, "LP %.6f", lp);
    /* The calculator does the same with the built-in (late-2024) brackets,
     * where 126,418 is in bracket 2 with 0.5% and cum 50 as well. */
    const char *out = calc_ok(
        calc_liq_price,
        "liq-price --venue binance --side short --entry 40000 --size 2 --mode "
        "cross --wallet 50000 --other-maintenance 1000 --other-upnl -2000");
    expect_value(out, "liquidation_price", 63208.955, 0.001);
}

Test(margin, bybit_isolated_examples)
{
    /* Bybit, "Liquidation Price (USDT Contract)", Example 1: long 1 BTC at
     * 20,000 USDT, 50x, MMR 0.5%: IM 400, MM 100, LP = 20,000 - (400 - 100)
     * = 19,700. Older version of the article: long 1 BTC at 10,000, 50x:
     * 9,850; short 1 BTC at 8,000, 40x: 8,160. "Bankruptcy Price (USDT
     * Contract)": long 1 BTC at 10,000, 50x: 9,800. "Maintenance Margin
     * (USDT Contract)": 1 BTC at 10,000, 50x: IM 200, MM 50. */
    static const struct {
        const char *args;
        double im, mm, lp;
    } longs[] = {
        {"liq-price --venue bybit --side long --entry 20000 --size 1 "
         "--leverage 50",
         400, 100, 19700},
        {"liq-price --venue bybit --side long --entry 10000 --size 1 "
         "--leverage 50",
         200, 50, 9850},
    };
    const char *out = NULL;
    for (size_t i = 0; i < sizeof longs / sizeof longs[0]; i++) {
        out = calc_ok(calc_liq_price, longs[i].args);
        expect_value(out, "initial_margin", longs[i].im, 0);
        expect_value(out, "maintenance_margin", longs[i].mm, 0);
        expect_value(out, "liquidation_price", longs[i].lp, 0.005);
    }
    /* The second, at 10,000: */
    expect_value(out, "bankruptcy_price", 9800.0, 0.005);

    out = calc_ok(calc_liq_price, "liq-price --venue bybit --side short "
                                  "--entry 8000 --size 1 --leverage 40");
    expect_value(out, "liquidation_price", 8160.0, 0.005);
}

Test(margin, bybit_cross_example_with_available_balance)
{
    /* Bybit's cross example (notes 2.2, the 1 BTC version): long 1 BTC at
     * 20,000, 100x (IM 200, MM 100), available balance 2,000: total
     * sustainable loss = 2,000 + 200 - 100 = 2,100, LP = 17,900. The cross
     * wallet is the available balance plus the position's initial margin. */
    const char *out = calc_ok(
        calc_liq_price, "liq-price --venue bybit --side long --entry 20000 "
                        "--size 1 --leverage 100 --mode cross --wallet 2200");
    expect_value(out, "liquidation_price", 17900.0, 0.005);
}

Test(margin, dydx_isolated_and_cross_examples)
{
    /* dYdX v4 docs, concepts/trading/liquidations: "deposits $1,000 ...
     * shorts 3 ETH ... at $3,000 ... MMF = 0.05": p' = (1000 + 9000) /
     * (0.15 + 3) ~ 3174.60, where the remaining equity is ~476.2. Cross:
     * 1.5 ETH short, other positions' MMR 175: (1000 + 4500 - 175) / 1.575
     * ~ 3380.95. An ETH-USD profile with MMF 5%: */
    profile p = *profile_builtin("dydx");
    p.brackets[0].mmr = 5 * PROFILE_RATE_ONE / 100;
    p.tick = (profile_decimal){1, -1};
    p.lot = (profile_decimal){1, -3};
    p.cash_per_tick_lot = 100;
    cr_assert_eq(profile_check(&p, NULL), 0);
    margin_position pos = position(&p, -3, 3000, 1000);
    double lp = liq_price(&p, &pos, NULL);
    cr_expect(fabs(lp - 3174.60) < 0.005, "LP %.4f", lp);
    /* Equity at p' is the maintenance margin: 3 x 3174.6 x 5% ~ 476.2. */
    double equity = (double)pos.cash * 1e-6 - 3 * lp;
    cr_expect(fabs(equity - 476.2) < 0.05, "equity %.3f", equity);
    pos = position(&p, -1.5, 3000, 1000 - 175);
    lp = liq_price(&p, &pos, NULL);
    cr_expect(fabs(lp - 3380.95) < 0.005, "LP %.4f", lp);
}

Test(margin, hyperliquid_formula_agrees)
{
    /* Hyperliquid docs, "Liquidations": liq_price = price - side x
     * margin_available / position_size / (1 - l x side), l = 1 /
     * MAINTENANCE_LEVERAGE, margin_available (isolated) = isolated margin -
     * maintenance margin. No numeric example is published; evaluated by
     * hand for long 1 BTC at 100,000, 10x (margin 10,000), BTC at 40x so
     * maintenance 1.25%: 100,000 - 8,750 / 0.9875 = 91,139.24. */
    const char *out =
        calc_ok(calc_liq_price, "liq-price --venue hyperliquid --side long "
                                "--entry 100000 --size 1 --leverage 10");
    expect_value(out, "liquidation_price", (100000.0 - 8750.0 / 0.9875), 0.01);
    expect_value(out, "maintenance_margin", 1250.0, 0);
}

Test(margin, calc_margin_reports_bracket_figures)
{
    /* mechanics.md 3, BTCUSDT tier 2 (50k-600k): 100x, 0.50%, cum 50.
     * 500,000 x 0.5% - 50 = 2,450; initial at 100x = 5,000. */
    const char *out =
        calc_ok(calc_margin, "margin --venue binance --notional 500k");
    expect_value(out, "bracket", 2.0, 0);
    expect_value(out, "mmr", 0.005, 0);
    expect_value(out, "maintenance_margin", 2450.0, 0);
    expect_value(out, "initial_margin", 5000.0, 0);
    expect_value(out, "max_leverage", 100.0, 0);
    out = calc_ok(calc_margin,
                  "margin --venue binance --notional 500000 --leverage 20");
    expect_value(out, "initial_margin", 25000.0, 0);
}

Test(margin, calc_rejects_bad_input_with_the_option_named)
{
    calc_refused(calc_margin,
                 "margin --venue binance --notional 500000 --leverage 125",
                 "--leverage 125 exceeds");
    calc_refused(calc_margin, "margin --venue binanse --notional 5",
                 "did you mean 'binance'");
    calc_refused(
        calc_liq_price,
        "liq-price --venue binance --side long --entry 100 --size 0.0005",
        "--size '0.0005'");
    calc_refused(calc_liq_price,
                 "liq-price --venue binance --side up --entry 100 --size 1",
                 "--side");
    calc_refused(calc_liq_price,
                 "liq-price --venue binance --side long --entry 100 --size 1 "
                 "--mode cross",
                 "--wallet is required");
    calc_refused(calc_margin, "margin --venue binance --notinal 5",
                 "did you mean '--notional'");
}

Test(margin, fully_funded_long_is_never_liquidated_where_margin_is_at_the_mark)
{
    /* margin_trigger answers "never" for a long with cash >= 0 without the
     * exact test; the exact test must agree at every mark, down to 1 tick,
     * on every venue that measures maintenance at the mark, for positions
     * from one lot to beyond the last bracket's floor. */
    for (const char *const *n = profile_builtin_names(); *n; n++) {
        const profile *p = profile_builtin(*n);
        if (p->mm_basis != &rule_mm_basis_mark)
            continue;
        for (int64_t lots = 1; lots <= INT64_C(1000000000); lots *= 31) {
            int64_t entry = 600000;
            int64_t cost = lots * entry * p->cash_per_tick_lot;
            margin_position pos = {lots, cost, 0}; /* 1x: cash 0 */
            cr_assert_eq(margin_trigger(p, &pos, 4 * entry), MARGIN_NEVER_LONG, "%s", *n);
            for (int64_t m = 1; m <= 4 * entry; m = m * 3 + 1)
                cr_expect(!margin_liquidatable(p, &pos, m), "%s, %lld lots at mark %lld", *n,
                          (long long)lots, (long long)m);
            /* Short of full funding the exact test decides. */
            pos.cash = -cost / 2;
            int64_t t = margin_trigger(p, &pos, 4 * entry);
            cr_expect(t != MARGIN_NEVER_LONG && margin_liquidatable(p, &pos, t)
                          && !margin_liquidatable(p, &pos, t + 1),
                      "%s, %lld lots at 2x: trigger %lld", *n, (long long)lots, (long long)t);
        }
    }
}

Test(margin, trigger_is_the_exact_edge_of_the_liquidation_test)
{
    /* For random positions on every venue, the trigger tick is where the
     * exact integer test flips, and it brackets the liquidation price the
     * calculator prints. */
    pcg32 rng;
    pcg32_seed_component(&rng, 7, "margin-trigger");
    for (const char *const *n = profile_builtin_names(); *n; n++) {
        const profile *p = profile_builtin(*n);
        for (int i = 0; i < 2000; i++) {
            int side = pcg32_bounded(&rng, 2) ? 1 : -1;
            int64_t lots = 1 + (int64_t)pcg32_bounded(&rng, 1000000);
            int64_t entry = 1000 + (int64_t)pcg32_bounded(&rng, 1000000);
            int64_t cost = lots * entry * p->cash_per_tick_lot;
            int32_t lev = 1 + (int32_t)pcg32_bounded(
                                  &rng, (uint32_t)p->brackets[0].max_leverage);
            int64_t wallet = cost / lev;
            margin_position pos = {side * lots, side * cost,
                                   wallet - side * cost};
            int64_t max_mark = 4 * entry;
            int64_t t = margin_trigger(p, &pos, max_mark);
            double lp = margin_liq_price(p, &pos, NULL);
            if (side > 0) {
                if (t == MARGIN_NEVER_LONG) {
                    cr_expect(!margin_liquidatable(p, &pos, 1));
                    continue;
                }
                cr_expect(margin_liquidatable(p, &pos, t));
                if (t < max_mark)
                    cr_expect(!margin_liquidatable(p, &pos, t + 1),
                              "%s long: %lld", *n, (long long)t);
                cr_expect(lp > (double)t - 1.0 && lp <= (double)t + 1 + 1e-6,
                          "%s long: trigger %lld, LP %.4f", *n, (long long)t,
                          lp);
            } else {
                if (t == MARGIN_NEVER_SHORT) {
                    cr_expect(!margin_liquidatable(p, &pos, max_mark));
                    continue;
                }
                cr_expect(margin_liquidatable(p, &pos, t));
                if (t > 1)
                    cr_expect(!margin_liquidatable(p, &pos, t - 1),
                              "%s short: %lld", *n, (long long)t);
                cr_expect(lp >= (double)t - 1 - 1e-6 && lp < (double)t + 1.0,
                          "%s short: trigger %lld, LP %.4f", *n, (long long)t,
                          lp);
            }
        }
    }
}
