/*
 * Tests of the venue (sim/engine/venue.h), part two: liquidation through the
 * book, the insurance fund and the backstop vault when the book is empty,
 * auto-deleveraging, the venues' liquidation policies and the cascade loop.
 * One behaviour per test, with the expected figures worked out by hand in
 * the comments beside them (units: see support_venue.h).
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "rule.h"
#include "support_venue.h"

/* ---- liquidation through the book -------------------------------------- */

Test(venue, binance_long_liquidated_into_bids_pays_the_fee_and_surplus_to_the_fund)
{
    trader_setup s = binance_long(builtin_profile("binance"), ACCOUNT_ISOLATED);
    venue *v = s.v;
    /* The bids stand above the mark: the mark lags the book. */
    rest(v, s.maker, BOOK_BUY, 490000, 100);
    venue_clear_events(v);
    set_mark(v, 1, LONG_TRIGGER);
    /* Sold 100 at 490,000: 4.9e9. The position's cash becomes
     * -4.75e9 + 4.9e9 = 1.5e8; the 1.25% fee is 61,250,000; the remaining
     * 88,750,000 is surplus, the fund's on Binance. The reserve was never
     * committed to the position and stays the trader's. */
    const venue_liquidation *r =
        one_liquidation(v, s.trader, 1, VENUE_BY_BOOK, 100, 4900000000);
    cr_assert_eq(r[0].fee, 61250000);
    cr_assert_eq(r[0].fund_change, 150000000);
    cr_assert_float_eq(r[0].avg_price, 490000.0, 1e-9);
    cr_assert_float_eq(r[0].bankruptcy_price, 475000.0, 1e-9);
    const account *a = acct(v, s.trader);
    cr_assert_eq(a->size, 0);
    cr_assert_eq(a->cash, 0);
    cr_assert_eq(a->reserve, 747500000);
    venue_totals t = support_audit(v);
    cr_assert_eq(t.insurance_fund, 150000000);
    /* The fills are in the book's buffer, flagged as a liquidation. */
    size_t nf;
    const book_fill *f = book_fills(venue_book(v), &nf);
    cr_assert_eq(nf, 1);
    cr_assert(f[0].is_liquidation);
    cr_assert_eq(f[0].taker_owner, s.trader);
    venue_free(v);
}

Test(venue, binance_cross_long_liquidated_into_bids_gives_the_fund_its_wallet)
{
    trader_setup s = binance_long(builtin_profile("binance"), ACCOUNT_CROSS);
    venue *v = s.v;
    /* Cross: cash = 1e9 - 5e9 - fee 2.5e6 = -4,002,500,000; balance
     * 1e4 M - 4.0025e9 < 40 M <=> M < 401,857.4: trigger 401,857, below
     * the venue's range, so a mark within it must get there. */
    cr_assert_eq(acct(v, s.trader)->cash, -4002500000);
    cr_assert_eq(acct(v, s.trader)->trigger, 401857);
    rest(v, s.maker, BOOK_BUY, 410000, 100);
    set_mark(v, 1, 401858);
    cr_assert_eq(acct(v, s.trader)->size, 100);
    set_mark(v, 2, 401857);
    /* Sold at 410,000: cash -4.0025e9 + 4.1e9 = 97,500,000; fee 1.25% of
     * 4.1e9 = 51,250,000; the rest 46,250,000 to the fund as well. */
    const venue_liquidation *r =
        one_liquidation(v, s.trader, 1, VENUE_BY_BOOK, 100, 4100000000);
    cr_assert_eq(r[0].fee, 51250000);
    cr_assert_eq(r[0].fund_change, 97500000);
    cr_assert_eq(acct(v, s.trader)->cash, 0);
    venue_totals t = support_audit(v);
    cr_assert_eq(t.insurance_fund, 97500000);
    venue_free(v);
}

Test(venue, hyperliquid_long_liquidated_into_bids_keeps_its_surplus)
{
    trader_setup s = hyperliquid_long(10000000000, ACCOUNT_ISOLATED, 100000);
    venue *v = s.v;
    uint32_t trader = s.trader;
    /* 1 BTC at 60,000 USDC: notional 1e5 x 6e4 x 10 = 6e10 (below the
     * 100k chunking size); initial 3e9; taker fee 0.045% = 27,000,000.
     *   cash -5.7e10, reserve 1e10 - 3e9 - 2.7e7 = 6,973,000,000;
     *   balance 1e6 M - 5.7e10 < 1.25% x 1e6 M = 12,500 M
     *   <=> 987,500 M < 5.7e10 <=> M < 57,721.5: trigger 57,721.
     * At 57,721 the balance 721,000,000 is above 2/3 of the maintenance
     * 721,512,500, so the book, not the vault, takes it. */
    cr_assert_eq(acct(v, trader)->cash, -57000000000);
    cr_assert_eq(acct(v, trader)->reserve, 6973000000);
    cr_assert_eq(acct(v, trader)->trigger, 57721);
    rest(v, s.maker, BOOK_BUY, 58000, 100000);
    venue_clear_events(v);
    set_mark(v, 1, 57721);
    /* Sold at 58,000: 5.8e10; no clearance fee; the 1e9 left is the
     * trader's and goes back to its reserve. */
    const venue_liquidation *r =
        one_liquidation(v, trader, 1, VENUE_BY_BOOK, 100000, 58000000000);
    cr_assert_eq(r[0].fee, 0);
    cr_assert_eq(r[0].fund_change, 0);
    const account *a = acct(v, trader);
    cr_assert_eq(a->size, 0);
    cr_assert_eq(a->cash, 0);
    cr_assert_eq(a->reserve, 6973000000 + 1000000000);
    venue_totals t = support_audit(v);
    cr_assert_eq(t.insurance_fund, 0);
    cr_assert_eq(t.backstop_vault, 0);
    venue_free(v);
}

Test(venue, liquidation_never_sells_below_the_bankruptcy_price)
{
    trader_setup s = binance_long(builtin_profile("binance"), ACCOUNT_ISOLATED);
    venue *v = s.v;
    /* Bids at 476,000 for 40 lots and at 474,000 (below the bankruptcy
     * price 475,000) for 60: only the 40 fill, 1,904,000,000; the fund
     * takes the 60 left at the bankruptcy price, 4.75e9 x 60 / 100 =
     * 2,850,000,000. */
    rest(v, s.maker, BOOK_BUY, 476000, 40);
    rest(v, s.maker, BOOK_BUY, 474000, 60);
    set_mark(v, 1, LONG_TRIGGER);
    size_t n;
    const venue_liquidation *r = liquidations(v, &n);
    cr_assert_eq(n, 2);
    expect_liquidation(&r[0], s.trader, 1, VENUE_BY_BOOK, 40, 1904000000);
    expect_liquidation(&r[1], s.trader, 1, VENUE_BY_FUND, 60, 2850000000);
    /* The fee (1.25% of 1.904e9 = 23,800,000) is capped at what the
     * position had at the mark after the fill:
     * -4.75e9 + 1.904e9 + 60 x 476907 x 100 = 15,442,000. The takeover at
     * the bankruptcy price leaves -2.846e9 - 15,442,000 + 2.85e9 =
     * -11,442,000, which the fund pays back: the fund ends with the whole
     * 15,442,000 of value at the mark, the trader with nothing of its
     * isolated margin and its reserve untouched. */
    cr_assert_eq(r[0].fee, 15442000);
    cr_assert_eq(acct(v, s.trader)->cash, 0);
    cr_assert_eq(acct(v, s.trader)->reserve, 747500000);
    cr_assert_eq(acct(v, ACCOUNT_FUND)->size, 60);
    cr_assert_eq(acct(v, ACCOUNT_FUND)->cash, -2846000000);
    cr_assert_eq(balance_at(v, ACCOUNT_FUND, LONG_TRIGGER), 15442000);
    /* The fund's own bankruptcy price, 2.846e9 / 6000 = 474,333.3, keeps
     * it off the bid at 474,000 too. */
    cr_assert_eq(book_best_bid(venue_book(v)), 474000);
    /* The fee pool holds the trading fees and nothing else: 0.02% and
     * 0.05% of 5e9 when the position opened, 0.02% of 1.904e9 from the
     * bid's owner. */
    venue_totals t = support_audit(v);
    cr_assert_eq(t.fee_pool, 1000000 + 2500000 + 380800);
    venue_free(v);
}

/* ---- empty book: the fund and the vault -------------------------------- */

Test(venue, binance_fund_takes_over_at_bankruptcy_and_unwinds_into_new_bids)
{
    trader_setup s = binance_long(builtin_profile("binance"), ACCOUNT_ISOLATED);
    venue *v = s.v;
    set_mark(v, 1, LONG_TRIGGER);
    /* No bids: the fund buys the 100 lots at the bankruptcy price, 4.75e9,
     * and is worth 1e4 x 476907 - 4.75e9 = 19,070,000 at the mark. */
    const venue_liquidation *r =
        one_liquidation(v, s.trader, 1, VENUE_BY_FUND, 100, 4750000000);
    cr_assert_eq(r[0].fee, 0);
    cr_assert_eq(r[0].fund_change, 19070000);
    cr_assert_eq(acct(v, ACCOUNT_FUND)->size, 100);
    cr_assert_eq(acct(v, ACCOUNT_FUND)->cash, -4750000000);
    cr_assert_eq(acct(v, s.trader)->size, 0);
    cr_assert_eq(acct(v, s.trader)->cash, 0);
    support_audit(v);

    /* Bids return at 477,000, within 2.5% of the mark and above the fund's
     * own bankruptcy price 475,000: the fund sells everything there and
     * keeps 4.77e9 - 4.75e9 = 20,000,000. */
    rest(v, s.maker, BOOK_BUY, 477000, 150);
    update(v, 2);
    cr_assert_eq(acct(v, ACCOUNT_FUND)->size, 0);
    cr_assert_eq(acct(v, ACCOUNT_FUND)->cash, 20000000);
    venue_totals t = support_audit(v);
    cr_assert_eq(t.insurance_fund, 20000000);
    venue_free(v);
}

Test(venue, fund_does_not_unwind_outside_its_band)
{
    trader_setup s = binance_long(builtin_profile("binance"), ACCOUNT_ISOLATED);
    venue *v = s.v;
    set_mark(v, 1, LONG_TRIGGER);
    cr_assert_eq(acct(v, ACCOUNT_FUND)->size, 100);
    /* 2.5% under the mark is floor(476907 x 0.975) = 464,984; the fund's
     * bankruptcy price 475,000 is higher still, so a bid at 474,000 is
     * out of reach. */
    rest(v, s.maker, BOOK_BUY, 474000, 100);
    update(v, 2);
    cr_assert_eq(acct(v, ACCOUNT_FUND)->size, 100);
    support_audit(v);
    venue_free(v);
}

Test(venue, hyperliquid_backstop_vault_takes_over_and_unwinds_into_new_bids)
{
    trader_setup s = hyperliquid_long(10000000000, ACCOUNT_ISOLATED, 100000);
    venue *v = s.v;
    /* As in the test above: cash -5.7e10, trigger 57,721, bankruptcy
     * 57,000. No bids: the vault buys at 5.7e10 and is worth
     * 1e6 x 57721 - 5.7e10 = 721,000,000. */
    set_mark(v, 1, 57721);
    const venue_liquidation *r = one_liquidation(v, s.trader, 1,
                                                 VENUE_BY_BACKSTOP, 100000,
                                                 57000000000);
    cr_assert_eq(r[0].fund_change, 0);
    cr_assert_eq(acct(v, ACCOUNT_BACKSTOP)->size, 100000);
    cr_assert_eq(acct(v, ACCOUNT_FUND)->size, 0);
    cr_assert_eq(balance_at(v, ACCOUNT_BACKSTOP, 57721), 721000000);
    support_audit(v);
    /* Bids at 57,800 (limit max(57,000, floor(57721 x 0.975) = 56,277)):
     * the vault sells and keeps 5.78e10 - 5.7e10 = 8e8. */
    rest(v, s.maker, BOOK_BUY, 57800, 100000);
    update(v, 2);
    cr_assert_eq(acct(v, ACCOUNT_BACKSTOP)->size, 0);
    venue_totals t = support_audit(v);
    cr_assert_eq(t.backstop_vault, 800000000);
    cr_assert_eq(t.insurance_fund, 0);
    venue_free(v);
}

Test(venue, hyperliquid_vault_takes_over_below_two_thirds_of_maintenance)
{
    trader_setup s = hyperliquid_long(10000000000, ACCOUNT_ISOLATED, 100000);
    venue *v = s.v;
    rest(v, s.maker, BOOK_BUY, 57300, 100000);
    venue_clear_events(v);
    /* At 57,400 the balance is 1e6 x 57400 - 5.7e10 = 4e8 and the
     * maintenance 12,500 x 57400 = 717,500,000, of which 2/3 is
     * 478,333,333: below it, the vault takes the position at once at the
     * bankruptcy price, although the book would have paid more. */
    set_mark(v, 1, 57400);
    one_liquidation(v, s.trader, 1, VENUE_BY_BACKSTOP, 100000, 57000000000);
    support_audit(v);
    venue_free(v);
}

/* ---- auto-deleveraging ------------------------------------------------- */

/* Four shorts and a long of 100 lots isolated at 20x (bankruptcy 475,000);
 * the shorts S1..S4 open in that order with 40, 30, 30 and 50 lots at
 * 500,000 and cross wallets of 2e9, 1e9, 5e8, 1e10 less the maker fee
 * (0.02% of 500,000 x 100 = 10,000 a lot: 4e5, 3e5, 3e5, 5e5). */
typedef struct adl_setup {
    venue *v;
    uint32_t s[4];
    uint32_t trader, other_long;
} adl_setup;

static adl_setup adl_world(const profile *p)
{
    adl_setup w;
    w.v = make_venue(p, 400000, 700000, 500000);
    static const int64_t deposit[4] = {2000000000, 1000000000, 500000000,
                                       10000000000};
    static const int64_t lots[4] = {40, 30, 30, 50};
    for (int i = 0; i < 4; i++)
        w.s[i] = open_account(w.v, deposit[i], ACCOUNT_CROSS, 10);
    for (int i = 0; i < 4; i++)
        rest(w.v, w.s[i], BOOK_SELL, 500000, lots[i]);
    w.trader = open_account(w.v, 1000000000, ACCOUNT_ISOLATED, 20);
    take(w.v, w.trader, BOOK_BUY, 500000, 100);
    w.other_long = open_account(w.v, 10000000000, ACCOUNT_CROSS, 1);
    take(w.v, w.other_long, BOOK_BUY, 500000, 50);
    venue_clear_events(w.v);
    return w;
}

Test(venue, adl_closes_the_bankrupt_long_against_ranked_shorts_at_bankruptcy)
{
    adl_setup w = adl_world(builtin_profile("binance"));
    venue *v = w.v;
    /* The mark gaps to 470,000, past the bankruptcy price 475,000, with no
     * bids. The fund (empty) would be worth 1e4 x 470000 - 4.75e9 = -5e7
     * after a takeover, so it cannot: the position is deleveraged.
     * Binance's score, PnL% x margin ratio, at 470,000 (uPnL 3e6 a lot,
     * maintenance 0.4% x 47e6 = 188,000 a lot, WB = deposit - fee):
     *   S1 1.2e8/1.9996e9 x 7.52e6/2.1196e9 = 2.13e-4
     *   S2 9e7/9.997e8   x 5.64e6/1.0897e9 = 4.66e-4
     *   S3 9e7/4.997e8   x 5.64e6/5.897e8  = 1.72e-3
     *   S4 1.5e8/9.9995e9 x 9.4e6/1.01495e10 = 1.39e-5
     * so S3, S2, S1 close their 30 + 30 + 40 lots at 475,000 and S4 keeps
     * its 50. Value at the bankruptcy price: 4.75e9 x lots / 100; the
     * shorts buy back 5,000 ticks above the mark, 5e5 a lot: the 5e7 the
     * fund lacked, passed on to them. */
    set_mark(v, 1, 470000);
    size_t n;
    const venue_adl *d = venue_adls(v, &n);
    cr_assert_eq(n, 3);
    uint32_t want[3] = {w.s[2], w.s[1], w.s[0]};
    int64_t lots[3] = {30, 30, 40};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(d[i].bankrupt, w.trader);
        cr_assert_eq(d[i].counterparty, want[i], "ADL %d closed %u, not %u",
                     i, (unsigned)d[i].counterparty, (unsigned)want[i]);
        cr_assert_eq(d[i].side, 1);
        cr_assert_eq(d[i].lots, lots[i]);
        cr_assert_eq(d[i].notional, 47500000 * lots[i]);
        cr_assert_float_eq(d[i].price, 475000.0, 1e-9);
        cr_assert_eq(d[i].shortfall, 500000 * lots[i]);
    }
    const venue_liquidation *r = liquidations(v, &n);
    cr_assert_eq(n, 1);
    expect_liquidation(&r[0], w.trader, 1, VENUE_BY_ADL, 100, 4750000000);
    cr_assert_eq(acct(v, w.trader)->size, 0);
    cr_assert_eq(acct(v, w.trader)->cash, 0);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(acct(v, w.s[i])->size, 0);
    cr_assert_eq(acct(v, w.s[3])->size, -50);
    /* S3 sold 30 at 500,000 and bought back at 475,000: +7.5e7 realized. */
    cr_assert_eq(acct(v, w.s[2])->cash, 500000000 - 300000 + 75000000);
    venue_totals t = support_audit(v);
    cr_assert_eq(t.insurance_fund, 0);
    cr_assert_eq(acct(v, ACCOUNT_FUND)->size, 0);
    venue_free(v);
}

Test(venue, fund_with_exactly_the_gap_takes_over_and_one_unit_less_deleverages)
{
    /* The takeover at 470,000 costs the fund 5e7 of margin balance. */
    profile rich = *builtin_profile("binance");
    rich.insurance_fund = 50000000;
    adl_setup w = adl_world(&rich);
    set_mark(w.v, 1, 470000);
    size_t n;
    venue_adls(w.v, &n);
    cr_assert_eq(n, 0);
    cr_assert_eq(acct(w.v, ACCOUNT_FUND)->size, 100);
    cr_assert_eq(balance_at(w.v, ACCOUNT_FUND, 470000), 0);
    support_audit(w.v);
    venue_free(w.v);

    profile poor = *builtin_profile("binance");
    poor.insurance_fund = 50000000 - 1;
    w = adl_world(&poor);
    set_mark(w.v, 1, 470000);
    const venue_adl *d = venue_adls(w.v, &n);
    cr_assert_eq(n, 3);
    /* what ADL passed on is the fund that would have covered it */
    cr_assert_eq(d[0].shortfall + d[1].shortfall + d[2].shortfall, 50000000);
    cr_assert_eq(acct(w.v, ACCOUNT_FUND)->size, 0);
    cr_assert_eq(acct(w.v, ACCOUNT_FUND)->cash, 50000000 - 1);
    support_audit(w.v);
    venue_free(w.v);
}

Test(venue, fund_holding_a_position_past_its_bankruptcy_is_deleveraged)
{
    trader_setup s = binance_long(builtin_profile("binance"), ACCOUNT_ISOLATED);
    venue *v = s.v;
    set_mark(v, 1, LONG_TRIGGER);
    cr_assert_eq(acct(v, ACCOUNT_FUND)->size, 100);
    /* The fund holds 100 lots for 4.75e9 and no cash: at 474,000 it would
     * be worth 4.74e9 - 4.75e9 < 0, so it is closed against the whale's
     * short at its own bankruptcy price, 475,000, and stays at zero. */
    set_mark(v, 2, 474000);
    size_t n;
    const venue_adl *d = venue_adls(v, &n);
    cr_assert_eq(n, 1);
    cr_assert_eq(d[0].bankrupt, ACCOUNT_FUND);
    cr_assert_eq(d[0].counterparty, s.maker);
    cr_assert_eq(d[0].lots, 100);
    cr_assert_eq(d[0].notional, 4750000000);
    cr_assert_eq(acct(v, ACCOUNT_FUND)->size, 0);
    cr_assert_eq(acct(v, ACCOUNT_FUND)->cash, 0);
    support_audit(v);
    venue_free(v);
}

/* Two shorts of 50 lots, A at 520,000 with a 6e8 wallet and B at 500,000
 * with 4e8, and a long of 50 at 500,000 isolated at 20x (cash -2.375e9,
 * bankruptcy 475,000). The mark gaps to 470,000 with no bids and an empty
 * fund, so one of the shorts is deleveraged: the rules disagree on which.
 * Returns the counterparty. */
static uint32_t adl_choice(const profile *p, uint32_t *a, uint32_t *b)
{
    venue *v = make_venue(p, 400000, 700000, 500000);
    uint32_t maker = whale(v);
    *a = open_account(v, 600000000, ACCOUNT_CROSS, 10);
    *b = open_account(v, 400000000, ACCOUNT_CROSS, 10);
    uint32_t trader = open_account(v, 1000000000, ACCOUNT_ISOLATED, 20);
    rest(v, *a, BOOK_SELL, 520000, 50);
    take(v, maker, BOOK_BUY, 520000, 50);
    rest(v, *b, BOOK_SELL, 500000, 50);
    take(v, trader, BOOK_BUY, 500000, 50);
    cr_assert_eq(acct(v, trader)->cash, -2375000000);
    venue_clear_events(v);
    set_mark(v, 1, 470000);
    size_t n;
    const venue_adl *d = venue_adls(v, &n);
    cr_assert_eq(n, 1);
    cr_assert_eq(d[0].bankrupt, trader);
    cr_assert_eq(d[0].lots, 50);
    cr_assert_eq(d[0].notional, 2375000000);
    uint32_t chosen = d[0].counterparty;
    support_audit(v);
    venue_free(v);
    return chosen;
}

Test(venue, binance_adl_ranks_by_pnl_percent_times_margin_ratio)
{
    /* At 470,000: uPnL A 50 x 50000 x 100 = 2.5e8, B 1.5e8; WB A 6e8 -
     * fee 520,000, B 4e8 - 500,000; maintenance 0.4% x 2.35e9 = 9.4e6:
     *   A 2.5e8/5.9948e8 x 9.4e6/8.4948e8 = 4.61e-3
     *   B 1.5e8/3.995e8  x 9.4e6/5.495e8  = 6.42e-3   -> B */
    uint32_t a, b;
    cr_assert_eq(adl_choice(builtin_profile("binance"), &a, &b), b);
}

Test(venue, bybit_adl_ranks_by_pnl_percent_times_effective_leverage)
{
    /* PnL% = uPnL / entry value, effective leverage = value / balance:
     *   A 2.5e8/2.6e9 x 2.35e9/8.4948e8 = 0.2660
     *   B 1.5e8/2.5e9 x 2.35e9/5.495e8  = 0.2566   -> A */
    uint32_t a, b;
    cr_assert_eq(adl_choice(builtin_profile("bybit"), &a, &b), a);
}

/* ---- policies ---------------------------------------------------------- */

Test(venue, bybit_tiered_liquidation_closes_down_to_the_lower_tier_first)
{
    trader_setup s = trader_setup_on(make_venue(builtin_profile("bybit"), 400000,
                                                800000, 600000),
                                     40000000000, ACCOUNT_CROSS, 80, BOOK_BUY,
                                     600000, 50000);
    venue *v = s.v;
    uint32_t trader = s.trader;
    /* 50 BTC at 60,000: cost 3e12 (3M USDT), tier 3 (2.6M-3.2M: 0.63%,
     * deduction 3,020 USDT); taker fee 0.055% = 1.65e9.
     *   cash 4e10 - 3e12 - 1.65e9 = -2,961,650,000,000
     *   maintenance at entry 3e12 x 0.63% - 3.02e9 = 15,880,000,000
     *   5e6 M - 2.96165e12 < 1.588e10 <=> M < 595,506: trigger 595,505. */
    cr_assert_eq(acct(v, trader)->cash, -2961650000000);
    cr_assert_eq(acct(v, trader)->trigger, 595505);
    rest(v, s.maker, BOOK_BUY, 595505, 6667);
    rest(v, s.maker, BOOK_BUY, 594924, 50000);
    venue_clear_events(v);
    set_mark(v, 1, 595505);
    /* Down to tier 2's cap 2.6e12: keep floor(2.6e12 x 50000 / 3e12) =
     * 43,333 lots and sell 6,667 at 595,505 (397,023,183,500). The cost
     * left is 3e12 - 3e12 x 6667 / 50000 = 2,599,980,000,000 (tier 2:
     * 0.56%, deduction 1,200): maintenance 13,359,888,000 against an
     * unchanged balance of 15,875,000,000; no further step. */
    one_liquidation(v, trader, 1, VENUE_BY_BOOK, 6667, 397023183500);
    cr_assert_eq(acct(v, trader)->size, 43333);
    cr_assert_eq(acct(v, trader)->cost, 2599980000000);
    cr_assert_eq(acct(v, trader)->cash, -2564626816500);
    /* Its new trigger: -2,564,626,816,500 + 4,333,300 M < 13,359,888,000
     * <=> M < 594,924.6, so 594,924. There the next step goes down to tier
     * 1's cap 2e12: keep floor(2e12 x 43333 / 2.59998e12) = 33,333, sell
     * 10,000 at 594,924; the cost left 1,999,980,000,000 needs 0.5%,
     * 9,999,900,000, under the balance 13,357,352,700. */
    cr_assert_eq(acct(v, trader)->trigger, 594924);
    venue_clear_events(v);
    set_mark(v, 2, 594924);
    one_liquidation(v, trader, 1, VENUE_BY_BOOK, 10000, 594924000000);
    cr_assert_eq(acct(v, trader)->size, 33333);
    cr_assert_eq(acct(v, trader)->cost, 1999980000000);
    support_audit(v);
    venue_free(v);
}

/* 4 BTC at 60,000 USDC, cross at 20x with 12,108,000,000: notional
 * 4e5 x 6e4 x 10 = 2.4e11 (over 100k), taker fee 0.045% = 1.08e8, so
 * cash 1.2108e10 - 2.4e11 - 1.08e8 = -2.28e11; trigger 57,721 as for
 * 1 BTC. At 57,503 the balance 4e6 x 57503 - 2.28e11 = 2,012,000,000
 * is under the maintenance 50,000 x 57503 = 2,875,150,000 but above
 * 2/3 of it (1,916,766,667): not the vault's. Bids for the whole stand at
 * 57,503 when the mark gets there, at 1,000 ms. */
static trader_setup hyperliquid_4_btc_at_57503(void)
{
    trader_setup s = hyperliquid_long(12108000000, ACCOUNT_CROSS, 400000);
    cr_assert_eq(acct(s.v, s.trader)->cash, -228000000000);
    rest(s.v, s.maker, BOOK_BUY, 57503, 400000);
    venue_clear_events(s.v);
    set_mark(s.v, 1000, 57503);
    return s;
}

Test(venue, hyperliquid_large_position_liquidates_a_fifth_then_the_rest_whole)
{
    trader_setup s = hyperliquid_4_btc_at_57503();
    venue *v = s.v;
    uint32_t trader = s.trader;
    /* A fifth, 80,000 lots, at 57,503: 46,002,400,000. The balance is
     * unchanged and the maintenance falls to 2,300,120,000, still above
     * it, but the account waits out its cooldown in this block. */
    one_liquidation(v, trader, 1, VENUE_BY_BOOK, 80000, 46002400000);
    cr_assert_eq(acct(v, trader)->size, 320000);
    cr_assert_eq(acct(v, trader)->state, ACCOUNT_COOLDOWN);
    support_audit(v);
    /* The next block, within 30 s: the rest goes whole. */
    venue_clear_events(v);
    update(v, 1001);
    one_liquidation(v, trader, 1, VENUE_BY_BOOK, 320000, 184009600000);
    cr_assert_eq(acct(v, trader)->size, 0);
    support_audit(v);
    venue_free(v);
}

Test(venue, hyperliquid_liquidates_a_fifth_again_after_the_cooldown)
{
    trader_setup s = hyperliquid_4_btc_at_57503();
    venue *v = s.v;
    uint32_t trader = s.trader;
    cr_assert_eq(acct(v, trader)->size, 320000);
    /* 30 s after the first chunk the cooldown is over: the next
     * liquidation is a fifth again, ceil(320000 x 0.2) = 64,000. */
    venue_clear_events(v);
    update(v, 31000);
    size_t n;
    const venue_liquidation *r = liquidations(v, &n);
    cr_assert_eq(n, 1);
    cr_assert_eq(r[0].lots, 64000);
    cr_assert_eq(acct(v, trader)->size, 256000);
    support_audit(v);
    venue_free(v);
}

Test(venue, dydx_liquidates_at_most_fifty_positions_per_interval)
{
    venue *v = make_venue(builtin_profile("dydx"), 30000, 90000, 60000);
    uint32_t maker = whale(v);
    /* 60 traders, each 10 lots (0.001 BTC) at 60,000 isolated at 20x:
     * notional 6e7, cash -5.7e7; 1000 M - 5.7e7 < 3% x 1000 M = 30 M
     * <=> M < 58,762.9: trigger 58,762, bankruptcy 57,000. */
    uint32_t t[60];
    for (int i = 0; i < 60; i++)
        t[i] = trader_with(v, maker, 100000000, ACCOUNT_ISOLATED, 20, BOOK_BUY,
                           60000, 10);
    cr_assert_eq(acct(v, t[0])->trigger, 58762);
    venue_clear_events(v);
    /* All 60 trigger at 58,000; no bids, so the fund takes each over
     * (worth 1000 x 58000 - 5.7e7 = 1e6 apiece). 50 in the interval
     * [0, 1000 ms), the lowest ids first. */
    set_mark(v, 100, 58000);
    size_t n;
    const venue_liquidation *r = liquidations(v, &n);
    cr_assert_eq(n, 50);
    for (int i = 0; i < 50; i++)
        expect_liquidation(&r[i], t[i], 1, VENUE_BY_FUND, 10, 57000000);
    for (int i = 50; i < 60; i++)
        cr_assert_eq(acct(v, t[i])->size, 10);
    support_audit(v);
    venue_clear_events(v);
    update(v, 999);
    liquidations(v, &n);
    cr_assert_eq(n, 0);
    update(v, 1000);
    r = liquidations(v, &n);
    cr_assert_eq(n, 10);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(r[i].account, t[50 + i]);
    cr_assert_eq(acct(v, ACCOUNT_FUND)->size, 600);
    cr_assert_eq(balance_at(v, ACCOUNT_FUND, 58000), 60000000);
    support_audit(v);
    venue_free(v);
}

/* ---- the cascade ------------------------------------------------------- */

/* A mark rule: the price of the last trade since the events were cleared,
 * or the mark as it stands. */
typedef struct last_rule {
    book *b;
} last_rule;

static int64_t last_trade_mark(void *ctx, const venue *v)
{
    last_rule *rule = ctx;
    size_t n;
    const book_fill *f = book_fills(rule->b, &n);
    return n ? f[n - 1].price : venue_mark(v);
}

/* A mark rule: the mid (rounded down), or the mark when a side is empty. */
static int64_t mid_mark(void *ctx, const venue *v)
{
    last_rule *rule = ctx;
    int64_t mid2 = book_mid_x2(rule->b);
    return mid2 ? mid2 / 2 : venue_mark(v);
}

/* Three longs of 100 lots at 500,000, isolated at 20x, 19x and 18x:
 *   20x: cash -4,750,000,000, trigger 476,907, bankruptcy 475,000
 *   19x: initial ceil(5e9 / 19) = 263,157,895, cash -4,736,842,105,
 *        4,736,842,105 / 9960 = 475,586.6: trigger 475,586, bankruptcy
 *        473,684.2
 *   18x: initial 277,777,778, cash -4,722,222,222, / 9960 = 474,118.7:
 *        trigger 474,118, bankruptcy 472,222.2 */
typedef struct cascade_setup {
    venue *v;
    uint32_t maker, t[3];
    last_rule rule;
} cascade_setup;

static void cascade_world(cascade_setup *c)
{
    c->v = make_venue(builtin_profile("binance"), 400000, 700000, 500000);
    c->maker = whale(c->v);
    static const int32_t lev[3] = {20, 19, 18};
    for (int i = 0; i < 3; i++)
        c->t[i] = trader_with(c->v, c->maker, 1000000000, ACCOUNT_ISOLATED,
                              lev[i], BOOK_BUY, 500000, 100);
    cr_assert_eq(acct(c->v, c->t[0])->trigger, 476907);
    cr_assert_eq(acct(c->v, c->t[1])->trigger, 475586);
    cr_assert_eq(acct(c->v, c->t[2])->trigger, 474118);
    c->rule.b = venue_book(c->v);
}

/* maker's bids, {price, lots} each, highest first. */
static void rest_bids(venue *v, uint32_t maker, const int64_t (*bids)[2],
                      size_t n)
{
    for (size_t i = 0; i < n; i++)
        rest(v, maker, BOOK_BUY, bids[i][0], bids[i][1]);
}

Test(venue, liquidation_fills_that_move_the_last_price_trigger_more)
{
    static const int64_t bids[][2] = {
        {476500, 60}, {475500, 80}, {474000, 80}, {473000, 60}, {472500, 20}};
    cascade_setup c;
    cascade_world(&c);
    venue *v = c.v;
    rest_bids(v, c.maker, bids, 5);
    venue_set_mark_rule(v, last_trade_mark, &c.rule);
    venue_clear_events(v);
    /* At 476,907 only the 20x long triggers. It sells 60 at 476,500 and 40
     * at 475,500; the last price 475,500 reaches the 19x long's trigger,
     * which sells 40 at 475,500 and 60 at 474,000; 474,000 reaches the 18x
     * long's, which sells 20 at 474,000, 60 at 473,000 and 20 at 472,500,
     * all above its bankruptcy price. One call. */
    set_mark(v, 1, 476907);
    size_t n;
    const venue_liquidation *r = liquidations(v, &n);
    cr_assert_eq(n, 3);
    expect_liquidation(&r[0], c.t[0], 1, VENUE_BY_BOOK, 100,
                       (60 * 476500 + 40 * 475500) * INT64_C(100));
    expect_liquidation(&r[1], c.t[1], 1, VENUE_BY_BOOK, 100,
                       (40 * 475500 + 60 * 474000) * INT64_C(100));
    expect_liquidation(&r[2], c.t[2], 1, VENUE_BY_BOOK, 100,
                       (20 * 474000 + 60 * 473000 + 20 * 472500)
                           * INT64_C(100));
    cr_assert_eq(venue_mark(v), 472500);
    cr_assert_eq(book_best_bid(venue_book(v)), BOOK_NO_PRICE);
    support_audit(v);
    venue_free(v);
}

Test(venue, mid_price_rule_cascades_as_bids_are_taken)
{
    static const int64_t bids[][2] = {
        {476000, 100}, {474000, 100}, {473000, 100}, {471000, 100}};
    cascade_setup c;
    cascade_world(&c);
    venue *v = c.v;
    rest(v, c.maker, BOOK_SELL, 477000, 1000);
    rest_bids(v, c.maker, bids, 4);
    venue_set_mark_rule(v, mid_mark, &c.rule);
    /* The mid (476000 + 477000) / 2 = 476,500 reaches the 20x long's
     * trigger; it sells 100 at 476,000 and the mid falls to
     * (474000 + 477000) / 2 = 475,500, the 19x long's, which sells 100 at
     * 474,000; the mid (473000 + 477000) / 2 = 475,000 stays above the 18x
     * long's 474,118, and the cascade stops there. */
    update(v, 1);
    size_t n;
    const venue_liquidation *r = liquidations(v, &n);
    cr_assert_eq(n, 2);
    expect_liquidation(&r[0], c.t[0], 1, VENUE_BY_BOOK, 100, 4760000000);
    expect_liquidation(&r[1], c.t[1], 1, VENUE_BY_BOOK, 100, 4740000000);
    cr_assert_eq(venue_mark(v), 475000);
    cr_assert_eq(acct(v, c.t[2])->size, 100);
    support_audit(v);
    venue_free(v);
}

Test(venue, cascade_that_empties_the_book_ends_and_conserves_cash_and_lots)
{
    venue *v = make_venue(builtin_profile("binance"), 400000, 700000, 500000);
    uint32_t maker = whale(v);
    int64_t deposits = INT64_C(1000000000000000);
    for (int i = 0; i < 40; i++) {
        /* 40 longs of 100 lots at 10x to 49x: cash -5e9 + ceil(5e9 / L),
         * triggers from 451,807 (10x) to 491,762 (49x). */
        trader_with(v, maker, 1000000000, ACCOUNT_ISOLATED, 10 + i, BOOK_BUY,
                    500000, 100);
        deposits += 1000000000;
    }
    /* A thin ladder: 30 lots every 500 ticks from 491,000 to 481,000,
     * 630 lots for 4,000 long ones. */
    for (int64_t price = 491000; price >= 481000; price -= 500)
        rest(v, maker, BOOK_BUY, price, 30);
    last_rule rule = {venue_book(v)};
    venue_set_mark_rule(v, last_trade_mark, &rule);
    venue_clear_events(v);
    set_mark(v, 1, 491000);
    /* The cascade ran the book down to empty, the fund took over what
     * triggered after, at the last price 481,000, and the call ended;
     * nothing was created or lost on the way. */
    cr_assert_eq(book_best_bid(venue_book(v)), BOOK_NO_PRICE);
    cr_assert_eq(venue_mark(v), 481000);
    size_t n;
    liquidations(v, &n);
    cr_assert_gt(n, 20);
    venue_totals t = support_audit(v);
    cr_assert_eq(t.ledger.cash_total, deposits);
    /* Recount from the accounts themselves. */
    const accounts *ledger = venue_accounts(v);
    int64_t lots = 0, cash = ledger->fee_pool;
    for (uint32_t id = 0; id < ledger->n; id++) {
        lots += ledger->a[id].size;
        cash += ledger->a[id].cash + ledger->a[id].reserve;
    }
    cr_assert_eq(lots, 0);
    cr_assert_eq(cash, deposits);
    cr_assert_geq(balance_at(v, ACCOUNT_FUND, venue_mark(v)), 0);
    venue_free(v);
}
