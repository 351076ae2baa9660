/*
 * Tests of the venue (sim/engine/venue.h): accounts and fills, order admission by
 * margin, the liquidation trigger, liquidation through the book, the
 * insurance fund, the backstop vault, auto-deleveraging, the venues'
 * liquidation policies and the cascade loop; one behaviour per test, with
 * the expected figures worked out by hand in the comments beside them.
 *
 * Then a randomized test per built-in profile: two thousand traders with
 * random leverage, deposits and margin modes, market makers quoting around
 * an index that crashes and squeezes, and a mark rule tied to the index and
 * the book. After every step the ledger must balance exactly (venue_audit,
 * and the venue's own check after every event, turned on in release builds
 * as well), nothing may be left liquidatable that the policy does not hold
 * back, and the fund and the vault must never be below zero. Each run also has to reach
 * the routes it exists to exercise (the book, the fund or the vault, ADL).
 *
 * Units used throughout: Binance and Bybit have 0.1 USDT ticks and 0.001 BTC
 * lots, so K (cash per tick-lot) is 100 cash units of 1e-6 USDT, a price of
 * 500000 ticks is 50,000 USDT and 100 lots are 0.1 BTC; Hyperliquid has 1 USD
 * ticks and 1e-5 BTC lots (K = 10); dYdX 1 USD ticks and 1e-4 BTC lots
 * (K = 100). Rates: 0.4% is 400,000 / 1e8.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pcg.h"
#include "venue.h"
#include "support.h"
#include "profile_yaml.h"
#include "rule.h"

/* ---- helpers ----------------------------------------------------------- */

static const profile *builtin(const char *name)
{
    const profile *p = profile_builtin(name);
    cr_assert_not_null(p, "no built-in profile %s", name);
    return p;
}

/* A copy of a built-in profile without trading fees, for tests about the
 * movement of notional alone. */
static profile without_fees(const char *name)
{
    profile p = *builtin(name);
    p.maker_fee = 0;
    p.taker_fee = 0;
    return p;
}

static venue *make_venue(const profile *p, int64_t lo, int64_t hi,
                         int64_t mark)
{
    perr e = {0, ""};
    venue *v = venue_new(p, lo, hi, mark, 16, 16, &e);
    cr_assert_not_null(v, "venue_new: %s", e.msg);
    return v;
}

static book_result submit(venue *v, uint32_t id, int side, book_type type,
                          int64_t price, int64_t size, unsigned flags,
                          venue_reject *why)
{
    book_order_spec s = {price, size, 0, side, type, flags};
    book_result r;
    perr e = {0, ""};
    cr_assert_eq(venue_submit(v, id, &s, &r, why, &e), 0, "venue_submit: %s",
                 e.msg);
    return r;
}

/* An order that the venue must accept: what the book made of it. */
static book_result accepted(venue *v, uint32_t id, int side, book_type type,
                            int64_t price, int64_t size, unsigned flags)
{
    venue_reject why;
    book_result r = submit(v, id, side, type, price, size, flags, &why);
    cr_assert_eq(why, VENUE_ACCEPTED, "%s", venue_reject_name(why));
    return r;
}

/* A limit order that the venue must accept and that must rest whole. */
static book_id rest(venue *v, uint32_t id, int side, int64_t price,
                    int64_t size)
{
    book_result r = accepted(v, id, side, BOOK_LIMIT, price, size, 0);
    cr_assert_eq(r.outcome, BOOK_RESTED);
    cr_assert_eq(r.rested, size);
    return r.id;
}

/* An IOC that the venue must accept and that must fill whole. */
static void take(venue *v, uint32_t id, int side, int64_t price, int64_t size)
{
    book_result r = accepted(v, id, side, BOOK_IOC, price, size, 0);
    cr_assert_eq(r.filled, size, "take: filled %lld of %lld",
                 (long long)r.filled, (long long)size);
}

static void set_mark(venue *v, int64_t now, int64_t mark)
{
    perr e = {0, ""};
    cr_assert_eq(venue_set_mark(v, now, mark, &e), 0, "venue_set_mark: %s",
                 e.msg);
}

static void update(venue *v, int64_t now)
{
    perr e = {0, ""};
    cr_assert_eq(venue_update(v, now, &e), 0, "venue_update: %s", e.msg);
}

static const account *acct(const venue *v, uint32_t id)
{
    const account *a = venue_account(v, id);
    cr_assert_not_null(a, "no account %u", (unsigned)id);
    return a;
}

static int64_t balance_at(const venue *v, uint32_t id, int64_t mark)
{
    margin_position pos = accounts_position(venue_accounts(v), id);
    return margin_balance(venue_profile(v), &pos, mark);
}

static const venue_liquidation *liquidations(const venue *v, size_t *n)
{
    return venue_liquidations(v, n);
}

static void expect_liquidation(const venue_liquidation *r, uint32_t id,
                               int side, venue_route route, int64_t lots,
                               int64_t notional)
{
    cr_assert_eq(r->account, id, "liquidated account %u, expected %u",
                 (unsigned)r->account, (unsigned)id);
    cr_assert_eq(r->side, side);
    cr_assert_eq(r->route, route, "route %s, expected %s",
                 venue_route_name((venue_route)r->route),
                 venue_route_name(route));
    cr_assert_eq(r->lots, lots, "lots %lld, expected %lld",
                 (long long)r->lots, (long long)lots);
    cr_assert_eq(r->notional, notional, "notional %lld, expected %lld",
                 (long long)r->notional, (long long)notional);
}

/* A big, unlevered account that is never at risk: the market maker and the
 * other side of the positions the tests build. */
static uint32_t whale(venue *v)
{
    return open_account(v, INT64_C(1000000000000000), ACCOUNT_CROSS, 1);
}

/* A new account with deposit in mode at leverage that opens side x lots at
 * price, taking them from the order maker rests for it. */
static uint32_t trader_with(venue *v, uint32_t maker, int64_t deposit,
                            account_mode mode, int32_t leverage, int side,
                            int64_t price, int64_t lots)
{
    uint32_t id = open_account(v, deposit, mode, leverage);
    rest(v, maker, -side, price, lots);
    take(v, id, side, price, lots);
    return id;
}

/* The one liquidation record since the events were cleared, which must be
 * id's (as expect_liquidation checks it). */
static const venue_liquidation *one_liquidation(const venue *v, uint32_t id,
                                                int side, venue_route route,
                                                int64_t lots, int64_t notional)
{
    size_t n;
    const venue_liquidation *r = liquidations(v, &n);
    cr_assert_eq(n, 1, "%zu liquidations, expected one", n);
    expect_liquidation(&r[0], id, side, route, lots, notional);
    return r;
}

/* A venue with a whale and one trader whose position the whale's resting
 * order gave it; the events are cleared. */
typedef struct trader_setup {
    venue *v;
    uint32_t maker, trader;
} trader_setup;

static trader_setup trader_setup_on(venue *v, int64_t deposit,
                                    account_mode mode, int32_t leverage,
                                    int side, int64_t price, int64_t lots)
{
    trader_setup s;
    s.v = v;
    s.maker = whale(v);
    s.trader = trader_with(v, s.maker, deposit, mode, leverage, side, price,
                           lots);
    venue_clear_events(v);
    return s;
}

/* A Binance venue around 50,000 USDT with one trader long 100 lots (0.1
 * BTC) at 500000 ticks, isolated at 20x, bought from a whale's resting
 * sell. The trader deposited 1e9 (1,000 USDT) to reserve.
 *   notional      100 x 500000 x 100         = 5,000,000,000
 *   initial       5e9 / 20                   =   250,000,000 (reserve -> cash)
 *   taker fee     5e9 x 0.05%                =     2,500,000 (from reserve)
 *   cash          -5e9 + 2.5e8               = -4,750,000,000
 *   reserve       1e9 - 2.5e8 - 2.5e6        =   747,500,000
 *   bankruptcy    4.75e9 / (100 x 100)       =       475,000 ticks
 *   trigger: balance 1e4 x M - 4.75e9 < maintenance 0.4% x 1e4 x M = 40 M
 *            <=> 9960 M < 4.75e9 <=> M < 476,907.6, so M <= 476,907. */
#define LONG_TRIGGER INT64_C(476907)

static trader_setup binance_long(const profile *p, account_mode mode)
{
    return trader_setup_on(make_venue(p, 400000, 700000, 500000), 1000000000,
                           mode, 20, BOOK_BUY, 500000, 100);
}

/* A Hyperliquid venue around 60,000 USDC with one trader long lots at
 * 60,000 at 20x. */
static trader_setup hyperliquid_long(int64_t deposit, account_mode mode,
                                     int64_t lots)
{
    return trader_setup_on(make_venue(builtin("hyperliquid"), 30000, 90000,
                                      60000),
                           deposit, mode, 20, BOOK_BUY, 60000, lots);
}

/* ---- accounts and fills ------------------------------------------------ */

/* Two accounts of 1e10 at 10x; the seller rests 10 lots at 600,001 and the
 * buyer takes them. */
static void trade_10_lots(venue *v, uint32_t *seller, uint32_t *buyer)
{
    *seller = open_account(v, 10000000000, ACCOUNT_CROSS, 10);
    *buyer = open_account(v, 10000000000, ACCOUNT_CROSS, 10);
    rest(v, *seller, BOOK_SELL, 600001, 10);
    take(v, *buyer, BOOK_BUY, 600001, 10);
}

/* An account of 1e10 at 10x that buys 10 lots at 600,000 and 30 at 600,400
 * from maker in one order: cost 2,401,200,000, entry 600,300. */
static uint32_t long_at_600300(venue *v, uint32_t maker)
{
    uint32_t id = open_account(v, 10000000000, ACCOUNT_CROSS, 10);
    rest(v, maker, BOOK_SELL, 600000, 10);
    rest(v, maker, BOOK_SELL, 600400, 30);
    take(v, id, BOOK_BUY, 600400, 40);
    return id;
}

Test(venue, trade_moves_price_times_lots_times_k_from_buyer_to_seller)
{
    profile p = without_fees("binance");
    venue *v = make_venue(&p, 400000, 700000, 600000);
    uint32_t seller, buyer;
    trade_10_lots(v, &seller, &buyer);
    /* 600001 x 10 x 100 = 600,001,000 cash units. */
    cr_assert_eq(acct(v, buyer)->cash, 10000000000 - 600001000);
    cr_assert_eq(acct(v, seller)->cash, 10000000000 + 600001000);
    cr_assert_eq(acct(v, buyer)->size, 10);
    cr_assert_eq(acct(v, seller)->size, -10);
    cr_assert_eq(acct(v, buyer)->cost, 600001000);
    cr_assert_eq(acct(v, seller)->cost, -600001000);
    venue_totals t = support_audit(v);
    cr_assert_eq(t.fee_pool, 0);
    cr_assert_eq(t.ledger.open_interest, 10);
    venue_free(v);
}

Test(venue, cost_basis_gives_the_average_entry_price)
{
    profile p = without_fees("binance");
    venue *v = make_venue(&p, 400000, 700000, 600000);
    uint32_t buyer = long_at_600300(v, whale(v));
    /* cost = 10 x 600000 x 100 + 30 x 600400 x 100
     *      = 600,000,000 + 1,801,200,000 = 2,401,200,000;
     * entry = cost / (40 x 100) = 600,300 ticks. */
    const account *a = acct(v, buyer);
    cr_assert_eq(a->size, 40);
    cr_assert_eq(a->cost, 2401200000);
    cr_assert_eq(a->cost / (a->size * p.cash_per_tick_lot), 600300);
    cr_assert_eq(a->cost % (a->size * p.cash_per_tick_lot), 0);
    support_audit(v);
    venue_free(v);
}

Test(venue, reduction_realizes_pnl_into_the_wallet)
{
    profile p = without_fees("binance");
    venue *v = make_venue(&p, 400000, 700000, 600000);
    uint32_t maker = whale(v);
    uint32_t trader = long_at_600300(v, maker);
    int64_t wallet0 = acct(v, trader)->cash + acct(v, trader)->cost;
    rest(v, maker, BOOK_BUY, 601000, 10);
    take(v, trader, BOOK_SELL, 601000, 10);
    /* Selling 10 at 601,000 against an entry of 600,300 realizes
     * 10 x (601000 - 600300) x 100 = 700,000: cash rises by the notional
     * 601,000,000, the cost falls by 2,401,200,000 x 10 / 40 = 600,300,000,
     * and the entry of the rest stays 600,300. */
    const account *a = acct(v, trader);
    cr_assert_eq(a->size, 30);
    cr_assert_eq(a->cost, 1800900000);
    cr_assert_eq(a->cash + a->cost - wallet0, 700000);
    cr_assert_eq(a->cost / (a->size * p.cash_per_tick_lot), 600300);
    support_audit(v);
    venue_free(v);
}

Test(venue, maker_and_taker_fees_go_to_the_fee_pool_rounded_up)
{
    venue *v = make_venue(builtin("binance"), 400000, 700000, 600000);
    uint32_t seller, buyer;
    trade_10_lots(v, &seller, &buyer);
    /* notional 600,001,000; maker 0.02% = 120,000.2 -> 120,001;
     * taker 0.05% = 300,000.5 -> 300,001: the payers round up. */
    cr_assert_eq(acct(v, seller)->cash, 10000000000 + 600001000 - 120001);
    cr_assert_eq(acct(v, buyer)->cash, 10000000000 - 600001000 - 300001);
    venue_totals t = support_audit(v);
    cr_assert_eq(t.fee_pool, 120001 + 300001);
    venue_free(v);
}

Test(venue, maker_rebate_is_rounded_toward_the_pool)
{
    profile p = *builtin("binance");
    p.maker_fee = -1000; /* -0.001% */
    venue *v = make_venue(&p, 400000, 700000, 600000);
    uint32_t seller, buyer;
    trade_10_lots(v, &seller, &buyer);
    /* rebate 600,001,000 x 0.001% = 6,000.01 -> 6,000 to the maker (the
     * receiver rounds down); taker 300,001 as before. */
    cr_assert_eq(acct(v, seller)->cash, 10000000000 + 600001000 + 6000);
    venue_totals t = support_audit(v);
    cr_assert_eq(t.fee_pool, 300001 - 6000);
    venue_free(v);
}

Test(venue, isolated_margin_moves_from_reserve_on_opening_and_back_on_closing)
{
    venue *v = make_venue(builtin("binance"), 400000, 700000, 600000);
    uint32_t maker = whale(v);
    uint32_t trader = open_account(v, 1000000000, ACCOUNT_ISOLATED, 10);
    cr_assert_eq(acct(v, trader)->reserve, 1000000000);
    cr_assert_eq(acct(v, trader)->cash, 0);
    rest(v, maker, BOOK_SELL, 600000, 10);
    take(v, trader, BOOK_BUY, 600000, 10);
    /* notional 600,000,000; initial margin at 10x 60,000,000 moves to the
     * position; taker fee 0.05% = 300,000 from reserve. */
    const account *a = acct(v, trader);
    cr_assert_eq(a->reserve, 1000000000 - 60000000 - 300000);
    cr_assert_eq(a->cash, -600000000 + 60000000);
    cr_assert_eq(balance_at(v, trader, 600000), 60000000);

    /* Close 4 of 10 at 603,000 (notional 241,200,000, fee 120,600): the
     * isolated wallet was 60,000,000; after the trade it is
     * -298,800,000 + 360,000,000 = 61,200,000, the 6 lots kept keep
     * 60,000,000 x 6 / 10 = 36,000,000, and 25,200,000 (24,000,000 margin
     * + 1,200,000 realized) goes back to reserve. */
    rest(v, maker, BOOK_BUY, 603000, 10);
    take(v, trader, BOOK_SELL, 603000, 4);
    a = acct(v, trader);
    cr_assert_eq(a->size, 6);
    cr_assert_eq(a->cash, -298800000 - 25200000);
    cr_assert_eq(a->reserve, 939700000 + 25200000 - 120600);

    /* Close the rest: 6 x 603000 x 100 = 361,800,000, fee 180,900; the
     * position's cash (-324,000,000 + 361,800,000 = 37,800,000) all goes
     * back to reserve. */
    take(v, trader, BOOK_SELL, 603000, 6);
    a = acct(v, trader);
    cr_assert_eq(a->size, 0);
    cr_assert_eq(a->cash, 0);
    /* 1e9 + profit 10 x 3000 x 100 - fees 300,000 + 120,600 + 180,900. */
    cr_assert_eq(a->reserve, 1000000000 + 3000000 - 601500);
    support_audit(v);
    venue_free(v);
}

/* ---- admission --------------------------------------------------------- */

/* Everything an order admission could change, to show a rejection did not. */
typedef struct venue_snapshot {
    size_t orders, nfills;
    int64_t bid, ask;
    int64_t cash, reserve, size, cost, trigger;
    int64_t open_buy_notional, open_sell_notional, open_buy_lots,
        open_sell_lots;
    venue_totals t;
} venue_snapshot;

static venue_snapshot snap(venue *v, uint32_t id)
{
    venue_snapshot s;
    memset(&s, 0, sizeof s);
    s.orders = book_order_count(venue_book(v));
    book_fills(venue_book(v), &s.nfills);
    s.bid = book_best_bid(venue_book(v));
    s.ask = book_best_ask(venue_book(v));
    const account *a = acct(v, id);
    s.cash = a->cash;
    s.reserve = a->reserve;
    s.size = a->size;
    s.cost = a->cost;
    s.trigger = a->size ? a->trigger : 0;
    const account_cold *c = &venue_accounts(v)->cold[id];
    s.open_buy_notional = c->open_buy_notional;
    s.open_sell_notional = c->open_sell_notional;
    s.open_buy_lots = c->open_buy_lots;
    s.open_sell_lots = c->open_sell_lots;
    s.t = support_audit(v);
    return s;
}

static void expect_unchanged(venue *v, uint32_t id, const venue_snapshot *s)
{
    venue_snapshot now = snap(v, id);
    cr_assert(memcmp(&now, s, sizeof now) == 0,
              "a rejected order changed the venue");
}

/* An order of id's that the venue must refuse for reason: rejected, nothing
 * filled, and the venue as it was. */
static void refused(venue *v, uint32_t id, int side, book_type type,
                    int64_t price, int64_t size, unsigned flags,
                    venue_reject reason)
{
    venue_snapshot before = snap(v, id);
    venue_reject why;
    book_result r = submit(v, id, side, type, price, size, flags, &why);
    cr_assert_eq(why, reason, "%s, expected %s", venue_reject_name(why),
                 venue_reject_name(reason));
    cr_assert_eq(r.outcome, BOOK_REJECTED);
    cr_assert_eq(r.filled, 0);
    expect_unchanged(v, id, &before);
}

/* A Binance venue at 600,000 with a whale and a trader of 1e9 at 10x long
 * 10 lots at 600,000 (notional 6e8, initial margin 6e7). */
static trader_setup binance_10_lots(account_mode mode)
{
    return trader_setup_on(make_venue(builtin("binance"), 400000, 700000,
                                      600000),
                           1000000000, mode, 10, BOOK_BUY, 600000, 10);
}

/* Found by the funding engine's randomized test: selling three times an
 * isolated long released the new short's proceeds to reserve with the old
 * position's margin, leaving the short far below maintenance. */
Test(venue, isolated_flip_closes_the_old_position_then_margins_the_new_one)
{
    trader_setup s = binance_10_lots(ACCOUNT_ISOLATED);
    venue *v = s.v;
    uint32_t trader = s.trader;
    /* As above: reserve 1e9 - 60,000,000 - fee 300,000. */
    rest(v, s.maker, BOOK_BUY, 600000, 30);
    take(v, trader, BOOK_SELL, 600000, 30);
    /* The close of 10 returns its 60,000,000 of margin; the short of 20
     * (notional 1,200,000,000) commits 120,000,000 at 10x; the fee on the
     * 30 lots is 900,000. */
    const account *a = acct(v, trader);
    cr_assert_eq(a->size, -20);
    cr_assert_eq(a->cost, -1200000000);
    cr_assert_eq(balance_at(v, trader, 600000), 120000000);
    cr_assert_eq(a->reserve, 1000000000 - 120000000 - 300000 - 900000);
    support_audit(v);
    venue_free(v);
}

/* A Binance venue at 600,000 with an account *id of deposit in mode at
 * leverage that is refused a buy of fit + 1 lots at price for reason, and
 * then rests a buy of fit lots there. */
static venue *buys_at_most(uint32_t *id, int64_t deposit, account_mode mode,
                           int32_t leverage, int64_t price, int64_t fit,
                           venue_reject reason)
{
    venue *v = make_venue(builtin("binance"), 400000, 700000, 600000);
    *id = open_account(v, deposit, mode, leverage);
    refused(v, *id, BOOK_BUY, BOOK_LIMIT, price, fit + 1, 0, reason);
    rest(v, *id, BOOK_BUY, price, fit);
    return v;
}

Test(venue, order_beyond_the_bracket_leverage_is_rejected)
{
    /* 125x holds up to 50,000 USDT = 5e10: 833 lots at 600,000 are
     * 49,980,000,000, 834 lots 50,040,000,000 (bracket 2: at most 100x). */
    uint32_t trader;
    venue *v = buys_at_most(&trader, 1000000000, ACCOUNT_CROSS, 125, 600000,
                            833, VENUE_REJECT_LEVERAGE);
    /* One more lot on the same side would make 834 if both filled. */
    refused(v, trader, BOOK_BUY, BOOK_LIMIT, 599000, 1, 0,
            VENUE_REJECT_LEVERAGE);
    venue_free(v);
}

Test(venue, order_beyond_available_margin_is_rejected_and_changes_nothing)
{
    venue *v = make_venue(builtin("binance"), 400000, 700000, 600000);
    uint32_t trader = open_account(v, 100000000, ACCOUNT_CROSS, 10);
    /* 100 USDT at 10x. A resting buy of 10 at 500,000 (notional 5e8)
     * reserves 5e7; 5e7 is left. */
    rest(v, trader, BOOK_BUY, 500000, 10);
    cr_assert_eq(accounts_order_margin(venue_accounts(v), trader), 50000000);
    cr_assert_eq(accounts_available(venue_accounts(v), trader, 600000),
                 50000000);
    /* 11 more lots need 5.5e7 > 5e7. */
    refused(v, trader, BOOK_BUY, BOOK_LIMIT, 500000, 11, 0,
            VENUE_REJECT_MARGIN);
    /* Exactly the 5e7 left is enough. */
    rest(v, trader, BOOK_BUY, 500000, 10);
    cr_assert_eq(accounts_available(venue_accounts(v), trader, 600000), 0);
    venue_free(v);
}

Test(venue, isolated_order_beyond_reserve_is_rejected)
{
    /* 21 lots at 500,000 at 10x need 1.05e8 of the 1e8 reserve. */
    uint32_t trader;
    venue *v = buys_at_most(&trader, 100000000, ACCOUNT_ISOLATED, 10, 500000,
                            20, VENUE_REJECT_MARGIN);
    venue_free(v);
}

Test(venue, reduce_only_order_that_would_rest_is_rejected)
{
    trader_setup s = binance_10_lots(ACCOUNT_CROSS);
    refused(s.v, s.trader, BOOK_SELL, BOOK_LIMIT, 610000, 5, BOOK_REDUCE_ONLY,
            VENUE_REJECT_REDUCE_ONLY);
    refused(s.v, s.trader, BOOK_SELL, BOOK_POST_ONLY, 610000, 5,
            BOOK_REDUCE_ONLY, VENUE_REJECT_REDUCE_ONLY);
    /* A reduce-only order on the position's own side would increase it. */
    refused(s.v, s.trader, BOOK_BUY, BOOK_IOC, 600000, 5, BOOK_REDUCE_ONLY,
            VENUE_REJECT_REDUCE_ONLY);
    venue_free(s.v);
}

Test(venue, reduce_only_ioc_is_cut_to_the_position_and_never_flips_it)
{
    trader_setup s = binance_10_lots(ACCOUNT_CROSS);
    venue *v = s.v;
    uint32_t trader = s.trader;
    rest(v, s.maker, BOOK_BUY, 599000, 50);
    book_result r = accepted(v, trader, BOOK_SELL, BOOK_IOC, 599000, 25,
                             BOOK_REDUCE_ONLY);
    cr_assert_eq(r.filled, 10);
    cr_assert_eq(acct(v, trader)->size, 0);
    /* Flat, a further reduce-only order has nothing to reduce. */
    refused(v, trader, BOOK_SELL, BOOK_MARKET, 590000, 5, BOOK_REDUCE_ONLY,
            VENUE_REJECT_REDUCE_ONLY);
    cr_assert_eq(acct(v, trader)->size, 0);
    support_audit(v);
    venue_free(v);
}

/* ---- the open-interest cap (venue_set_oi_cap) ------------------------- */

static int64_t open_interest(const venue *v)
{
    return support_audit(v).ledger.long_lots;
}

/* At mark 600,000 one lot is 600,000 x K = 6e7 cash (60 USDT); a cap of
 * 30 lots' worth and a little more floors to 30 lots. */
#define CAP_30_LOTS (30 * INT64_C(60000000) + 5000000)

/* A Binance venue at 600,000: a whale resting 100 lots for sale, and three
 * accounts of 1e10 at 10x, the first of which has bought 20 of them. */
typedef struct oi_setup {
    venue *v;
    uint32_t maker, a, b, c;
} oi_setup;

static oi_setup oi_world(void)
{
    oi_setup w;
    w.v = make_venue(builtin("binance"), 400000, 700000, 600000);
    w.maker = whale(w.v);
    w.a = open_account(w.v, 10000000000, ACCOUNT_CROSS, 10);
    w.b = open_account(w.v, 10000000000, ACCOUNT_CROSS, 10);
    w.c = open_account(w.v, 10000000000, ACCOUNT_CROSS, 10);
    rest(w.v, w.maker, BOOK_SELL, 600000, 100);
    take(w.v, w.a, BOOK_BUY, 600000, 20);
    return w;
}

Test(venue, oi_cap_trims_an_opening_order_to_the_room_left_and_rejects_none_left)
{
    oi_setup w = oi_world();
    venue *v = w.v;
    uint32_t b = w.b, c = w.c;
    cr_assert_eq(open_interest(v), 20);
    venue_set_oi_cap(v, CAP_30_LOTS);
    cr_assert_eq(venue_oi_cap(v), CAP_30_LOTS);
    /* 25 lots would open 25; the cap leaves 10: trimmed, not rejected. */
    book_result r = accepted(v, b, BOOK_BUY, BOOK_IOC, 600000, 25, 0);
    cr_assert_eq(r.filled, 10);
    cr_assert_eq(acct(v, b)->size, 10);
    cr_assert_eq(open_interest(v), 30);
    /* Nothing left to open: the whole order is rejected and changes nothing,
     * whatever its type: a limit order may take, and opening a short counts
     * alike. */
    refused(v, c, BOOK_BUY, BOOK_IOC, 600000, 5, 0, VENUE_REJECT_OI_CAP);
    refused(v, c, BOOK_BUY, BOOK_LIMIT, 590000, 5, 0, VENUE_REJECT_OI_CAP);
    refused(v, c, BOOK_SELL, BOOK_MARKET, 0, 5, 0, VENUE_REJECT_OI_CAP);
    cr_assert_str_eq(venue_reject_name(VENUE_REJECT_OI_CAP),
                     "the open-interest cap is reached");
    /* Lifted, the same order trades whole. */
    venue_set_oi_cap(v, VENUE_OI_UNCAPPED);
    take(v, c, BOOK_BUY, 600000, 5);
    cr_assert_eq(open_interest(v), 35);
    venue_free(v);
}

Test(venue, oi_cap_lets_reducing_and_post_only_orders_through_and_cuts_a_flip)
{
    oi_setup w = oi_world();
    venue *v = w.v;
    uint32_t a = w.a, d = w.c;
    take(v, w.b, BOOK_BUY, 600000, 10);
    rest(v, w.maker, BOOK_BUY, 599000, 100);
    venue_set_oi_cap(v, CAP_30_LOTS);
    /* At the cap, a reducing order trades whole: a sells 5 of its 20 to the
     * maker's bid (resting from before the cap), closing 5 of the maker's
     * short too. */
    book_result r = accepted(v, a, BOOK_SELL, BOOK_IOC, 599000, 5, 0);
    cr_assert_eq(r.filled, 5);
    cr_assert_eq(open_interest(v), 25);
    /* A flip: selling 23 closes a's 15 and opens 8 short; the cap leaves 5
     * to open (30 - 25), so the order is cut to 15 + 5 = 20. */
    r = accepted(v, a, BOOK_SELL, BOOK_IOC, 599000, 23, 0);
    cr_assert_eq(r.filled, 20);
    cr_assert_eq(acct(v, a)->size, -5);
    /* The maker bought 20 back, so open interest fell (b's 10 long against
     * a's and the maker's 5 short each): the cut counts the worst case,
     * every counterparty opening too. */
    cr_assert_eq(open_interest(v), 10);
    /* A post-only order only rests, which moves no open interest: it is not
     * cut even with no room at all. */
    venue_set_oi_cap(v, 0);
    r = accepted(v, d, BOOK_BUY, BOOK_POST_ONLY, 598000, 50, 0);
    cr_assert_eq(r.rested, 50);
    /* Whoever takes it is held to the cap: a's sell would open more short. */
    refused(v, a, BOOK_SELL, BOOK_IOC, 598000, 10, 0, VENUE_REJECT_OI_CAP);
    cr_assert_eq(open_interest(v), 10);
    venue_free(v);
}

/* ---- the trigger ------------------------------------------------------- */

/* id's position on side has its trigger at trigger, exactly: the margin
 * test holds there and not a tick before, and the venue, its events
 * cleared, liquidates nothing at a mark a tick before and the whole
 * position at the trigger. */
static void expect_liquidated_at_trigger(venue *v, uint32_t id, int side,
                                         int64_t trigger)
{
    int64_t size = acct(v, id)->size;
    cr_assert_eq(acct(v, id)->trigger, trigger);
    margin_position pos = accounts_position(venue_accounts(v), id);
    const profile *p = venue_profile(v);
    cr_assert_not(margin_liquidatable(p, &pos, trigger + side));
    cr_assert(margin_liquidatable(p, &pos, trigger));

    set_mark(v, 1, trigger + side);
    size_t n;
    liquidations(v, &n);
    cr_assert_eq(n, 0);
    cr_assert_eq(acct(v, id)->size, size);

    set_mark(v, 2, trigger);
    liquidations(v, &n);
    cr_assert_eq(n, 1);
    cr_assert_eq(acct(v, id)->size, 0);
}

Test(venue, long_is_liquidated_exactly_when_the_mark_reaches_its_trigger)
{
    trader_setup s = binance_long(builtin("binance"), ACCOUNT_ISOLATED);
    cr_assert_eq(acct(s.v, s.trader)->cash, -4750000000);
    cr_assert_eq(acct(s.v, s.trader)->size, 100);
    expect_liquidated_at_trigger(s.v, s.trader, BOOK_BUY, LONG_TRIGGER);
    support_audit(s.v);
    venue_free(s.v);
}

Test(venue, short_is_liquidated_exactly_when_the_mark_reaches_its_trigger)
{
    trader_setup s = trader_setup_on(make_venue(builtin("binance"), 400000,
                                                700000, 500000),
                                     1000000000, ACCOUNT_ISOLATED, 20,
                                     BOOK_SELL, 500000, 100);
    /* cash 5e9 + 2.5e8 = 5.25e9; balance 5.25e9 - 1e4 M < 40 M
     * <=> 10040 M > 5.25e9 <=> M > 522,908.4, so M >= 522,909. */
    cr_assert_eq(acct(s.v, s.trader)->cash, 5250000000);
    cr_assert_eq(acct(s.v, s.trader)->size, -100);
    expect_liquidated_at_trigger(s.v, s.trader, BOOK_SELL, 522909);
    /* No asks: the fund took the short over at the bankruptcy price
     * 525,000, paid 5.25e9, and is worth 5.25e9 - 1e4 x 522909 =
     * 20,910,000 at the mark. */
    one_liquidation(s.v, s.trader, -1, VENUE_BY_FUND, 100, 5250000000);
    cr_assert_eq(balance_at(s.v, ACCOUNT_FUND, 522909), 20910000);
    support_audit(s.v);
    venue_free(s.v);
}

Test(venue, liquidation_cancels_the_accounts_resting_orders)
{
    trader_setup s = binance_long(builtin("binance"), ACCOUNT_ISOLATED);
    venue *v = s.v;
    rest(v, s.trader, BOOK_BUY, 450000, 10);
    rest(v, s.trader, BOOK_SELL, 520000, 10);
    cr_assert_eq(book_order_count(venue_book(v)), 2);
    set_mark(v, 1, LONG_TRIGGER);
    cr_assert_eq(acct(v, s.trader)->size, 0);
    cr_assert_eq(book_order_count(venue_book(v)), 0);
    cr_assert_eq(venue_accounts(v)->cold[s.trader].open_buy_lots, 0);
    cr_assert_eq(venue_accounts(v)->cold[s.trader].open_sell_lots, 0);
    cr_assert_eq(acct(v, s.trader)->resting, 0);
    cr_assert_eq(accounts_order_margin(venue_accounts(v), s.trader), 0);
    support_audit(v);
    venue_free(v);
}

/* ---- liquidation through the book -------------------------------------- */

Test(venue, binance_long_liquidated_into_bids_pays_the_fee_and_surplus_to_the_fund)
{
    trader_setup s = binance_long(builtin("binance"), ACCOUNT_ISOLATED);
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
    trader_setup s = binance_long(builtin("binance"), ACCOUNT_CROSS);
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
    trader_setup s = binance_long(builtin("binance"), ACCOUNT_ISOLATED);
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
    trader_setup s = binance_long(builtin("binance"), ACCOUNT_ISOLATED);
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
    trader_setup s = binance_long(builtin("binance"), ACCOUNT_ISOLATED);
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
    adl_setup w = adl_world(builtin("binance"));
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
     * its 50. Value at the bankruptcy price: 4.75e9 x lots / 100. */
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
    profile rich = *builtin("binance");
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

    profile poor = *builtin("binance");
    poor.insurance_fund = 50000000 - 1;
    w = adl_world(&poor);
    set_mark(w.v, 1, 470000);
    venue_adls(w.v, &n);
    cr_assert_eq(n, 3);
    cr_assert_eq(acct(w.v, ACCOUNT_FUND)->size, 0);
    cr_assert_eq(acct(w.v, ACCOUNT_FUND)->cash, 50000000 - 1);
    support_audit(w.v);
    venue_free(w.v);
}

Test(venue, fund_holding_a_position_past_its_bankruptcy_is_deleveraged)
{
    trader_setup s = binance_long(builtin("binance"), ACCOUNT_ISOLATED);
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
    cr_assert_eq(adl_choice(builtin("binance"), &a, &b), b);
}

Test(venue, bybit_adl_ranks_by_pnl_percent_times_effective_leverage)
{
    /* PnL% = uPnL / entry value, effective leverage = value / balance:
     *   A 2.5e8/2.6e9 x 2.35e9/8.4948e8 = 0.2660
     *   B 1.5e8/2.5e9 x 2.35e9/5.495e8  = 0.2566   -> A */
    uint32_t a, b;
    cr_assert_eq(adl_choice(builtin("bybit"), &a, &b), a);
}

/* ---- policies ---------------------------------------------------------- */

Test(venue, bybit_tiered_liquidation_closes_down_to_the_lower_tier_first)
{
    trader_setup s = trader_setup_on(make_venue(builtin("bybit"), 400000,
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
    venue *v = make_venue(builtin("dydx"), 30000, 90000, 60000);
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
    c->v = make_venue(builtin("binance"), 400000, 700000, 500000);
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
    venue *v = make_venue(builtin("binance"), 400000, 700000, 500000);
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

/* ---- randomized invariants --------------------------------------------- */

/* A venue with RANDOM_TRADERS traders and RANDOM_MAKERS market makers,
 * driven through RANDOM_STEPS one-second steps of an index that walks,
 * crashes (-30% in three steps) and squeezes (+40% in three steps). The
 * makers quote a ladder around the index every step, and at the first step
 * of a crash or squeeze pull most of the side the move runs into, so that
 * liquidations find thin books, the fund or the vault takes positions over,
 * and gaps past bankruptcy force ADL. */
#define RANDOM_TRADERS 2000
#define RANDOM_MAKERS 4
#define RANDOM_LEVELS 6
#define RANDOM_STEPS 200
#define RANDOM_ACTIVE 30 /* traders acting in a step */

typedef struct world {
    venue *v;
    const profile *p;
    pcg32 rng;
    int64_t lo, hi;          /* the book's prices */
    int64_t index;           /* ticks */
    int64_t lots_per_btc;
    int64_t cash_per_usd;
    uint32_t trader[RANDOM_TRADERS];
    uint32_t maker[RANDOM_MAKERS];
    int64_t put_in;          /* the fund and vault at the start, deposits */
    int64_t taken_out;       /* withdrawals */
    long routes[4];
    long adl_fills;
    int pull;                /* 1: bids pulled (a crash), -1: asks */
    int64_t step_move;       /* per mille of the move in progress */
    int move_left;
} world;

static int64_t clamp64(int64_t x, int64_t lo, int64_t hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* The mark: the index plus the book's basis (mid - index), the basis
 * capped at 1% of the index, as Binance's P2 adds a basis to the index. */
static int64_t world_mark(void *ctx, const venue *v)
{
    (void)v;
    world *w = ctx;
    int64_t mark = w->index;
    int64_t mid2 = book_mid_x2(venue_book(w->v));
    if (mid2) {
        int64_t cap = w->index / 100;
        mark += clamp64(mid2 / 2 - w->index, -cap, cap);
    }
    return clamp64(mark, w->lo, w->hi);
}

static int64_t pow10i(int e)
{
    int64_t x = 1;
    while (e-- > 0)
        x *= 10;
    return x;
}

static double uniform(world *w, double a, double b)
{
    return a + (b - a) * pcg32_double(&w->rng);
}

static int64_t lots_for_usd(const world *w, double usd, int64_t price)
{
    double per_lot = (double)price * (double)w->p->cash_per_tick_lot;
    int64_t lots = (int64_t)(usd * (double)w->cash_per_usd / per_lot);
    return lots < 1 ? 1 : lots;
}

/* Submits for a trader, halving the size while admission refuses it for
 * leverage or margin; returns the lots filled. */
static int64_t world_order(world *w, uint32_t id, int side, book_type type,
                           int64_t price, int64_t lots, unsigned flags)
{
    for (int tries = 0; tries < 6 && lots > 0; tries++) {
        venue_reject why;
        book_result r = submit(w->v, id, side, type,
                               clamp64(price, w->lo, w->hi), lots, flags,
                               &why);
        if (why == VENUE_ACCEPTED)
            return r.filled;
        if (why != VENUE_REJECT_LEVERAGE && why != VENUE_REJECT_MARGIN)
            return 0;
        lots /= 2;
    }
    return 0;
}

static void world_deposit(world *w, uint32_t id, int64_t amount)
{
    perr e = {0, ""};
    cr_assert_eq(venue_deposit(w->v, id, amount, &e), 0, "%s", e.msg);
    w->put_in += amount;
}

/* Every maker re-quotes: RANDOM_LEVELS levels a side, from 5 bp to about
 * 1.1% off the index, 0.5 to 3 BTC each; the side a move runs into is pulled to
 * a few small orders 6% to 10% away. */
static void requote(world *w)
{
    for (int m = 0; m < RANDOM_MAKERS; m++) {
        uint32_t id = w->maker[m];
        venue_cancel_all(w->v, id);
        for (int side = BOOK_BUY; side >= BOOK_SELL; side -= 2) {
            int pulled = (side == BOOK_BUY && w->pull > 0)
                         || (side == BOOK_SELL && w->pull < 0);
            for (int k = 0; k < RANDOM_LEVELS; k++) {
                double off = pulled ? uniform(w, 0.06, 0.10)
                                    : 0.0005 + 0.002 * k
                                          + uniform(w, 0, 0.0005);
                double btc = pulled ? uniform(w, 0.01, 0.1)
                                    : uniform(w, 0.5, 3.0);
                int64_t price = (int64_t)((double)w->index
                                          * (1.0 - side * off));
                int64_t lots = (int64_t)(btc * (double)w->lots_per_btc);
                if (lots < 1)
                    lots = 1;
                world_order(w, id, side, BOOK_LIMIT, price, lots, 0);
            }
        }
    }
}

/* Opens a trader's position of about deposit x leverage x u against a
 * maker's order placed for it at the index. */
static void open_position(world *w, uint32_t id, double usd)
{
    int side = pcg32_bounded(&w->rng, 2) ? BOOK_BUY : BOOK_SELL;
    int64_t lots = lots_for_usd(w, usd, w->index);
    uint32_t maker = w->maker[pcg32_bounded(&w->rng, RANDOM_MAKERS)];
    book_result r = submit(w->v, maker, -side, BOOK_LIMIT, w->index, lots, 0,
                           NULL);
    cr_assert_neq(r.outcome, BOOK_REJECTED);
    world_order(w, id, side, BOOK_IOC, w->index, lots, 0);
    venue_cancel_all(w->v, maker);
}

static void world_init(world *w, const char *name)
{
    memset(w, 0, sizeof *w);
    w->p = builtin(name);
    pcg32_seed_component(&w->rng, 20250710, name);
    /* 60,000 USD in ticks; BTC in lots; USD in cash units. */
    w->index = pow10i(4 - w->p->tick.exp) * 6 / w->p->tick.mant;
    w->lots_per_btc = pow10i(-w->p->lot.exp) / w->p->lot.mant;
    w->cash_per_usd = pow10i(-w->p->cash_unit.exp) / w->p->cash_unit.mant;
    w->lo = w->index / 4;
    w->hi = w->index * 3;
    perr e = {0, ""};
    w->v = venue_new(w->p, w->lo, w->hi, w->index, RANDOM_TRADERS + 16,
                     4096, &e);
    cr_assert_not_null(w->v, "%s", e.msg);
    w->put_in = w->p->insurance_fund + w->p->backstop_vault;
    venue_set_mark_rule(w->v, world_mark, w);

    /* Every event is checked, in release builds too. */
    venue_set_check(w->v, 1);
    for (int m = 0; m < RANDOM_MAKERS; m++) {
        int64_t deposit = INT64_C(1000000000) * w->cash_per_usd;
        w->maker[m] = open_account(w->v, deposit, ACCOUNT_CROSS, 1);
        w->put_in += deposit;
    }
    int32_t most = w->p->brackets[0].max_leverage;
    for (int i = 0; i < RANDOM_TRADERS; i++) {
        double usd = uniform(w, 100, 20000);
        /* Log-uniform leverage in [1, most]. */
        int32_t lev = (int32_t)exp(uniform(w, 0, log((double)most + 0.999)));
        lev = lev < 1 ? 1 : lev > most ? most : lev;
        account_mode mode = pcg32_double(&w->rng) < 0.4 ? ACCOUNT_ISOLATED
                                                        : ACCOUNT_CROSS;
        int64_t deposit = (int64_t)(usd * (double)w->cash_per_usd);
        w->trader[i] = open_account(w->v, deposit, mode, lev);
        w->put_in += deposit;
        open_position(w, w->trader[i], usd * lev * uniform(w, 0.3, 0.95));
    }
    venue_clear_events(w->v);
    support_audit(w->v);
}

/* The next index: a random walk of 0.3% a step, or the move in progress,
 * or a new crash or squeeze (one of each is certain, at steps 20 and 60). */
static void move_index(world *w, int step)
{
    w->pull = 0;
    if (w->move_left == 0) {
        int crash = step == 20
                    || (step > 30 && pcg32_bounded(&w->rng, 40) == 0);
        int squeeze = step == 60
                      || (step > 30 && pcg32_bounded(&w->rng, 40) == 0);
        if (crash || squeeze) {
            /* -30% or +40% in three steps: 0.888^3 = 0.70, 1.119^3 = 1.40. */
            w->step_move = crash ? -112 : 119;
            w->move_left = 3;
            w->pull = crash ? 1 : -1;
        }
    }
    double r;
    if (w->move_left > 0) {
        r = (double)w->step_move / 1000.0;
        w->move_left--;
    } else {
        r = uniform(w, -0.003, 0.003);
    }
    int64_t next = (int64_t)((double)w->index * (1.0 + r));
    w->index = clamp64(next, w->lo * 3 / 2, w->hi * 2 / 3);
}

/* Some traders act: open when flat, else add or close (reduce-only), rest
 * an order, deposit or withdraw. */
static void traders_act(world *w)
{
    for (int k = 0; k < RANDOM_ACTIVE; k++) {
        uint32_t id = w->trader[pcg32_bounded(&w->rng, RANDOM_TRADERS)];
        const account *a = acct(w->v, id);
        uint32_t what = pcg32_bounded(&w->rng, 10);
        int64_t band = w->index / 50;
        if (what == 0) {
            world_deposit(w, id, (int64_t)(uniform(w, 10, 5000)
                                           * (double)w->cash_per_usd));
        } else if (what == 1) {
            int64_t amount = (int64_t)(uniform(w, 10, 2000)
                                       * (double)w->cash_per_usd);
            perr e = {0, ""};
            if (venue_withdraw(w->v, id, amount, &e) == 0)
                w->taken_out += amount;
        } else if (what == 2) {
            int side = pcg32_bounded(&w->rng, 2) ? BOOK_BUY : BOOK_SELL;
            int64_t price = w->index - side * (int64_t)(uniform(w, 0.001, 0.02)
                                                        * (double)w->index);
            world_order(w, id, side, BOOK_LIMIT, price,
                        lots_for_usd(w, uniform(w, 1000, 50000), price), 0);
        } else if (a->size == 0 || what < 6) {
            int side = pcg32_bounded(&w->rng, 2) ? BOOK_BUY : BOOK_SELL;
            world_order(w, id, side, BOOK_IOC, w->index + side * band,
                        lots_for_usd(w, uniform(w, 1000, 100000), w->index),
                        0);
        } else {
            int side = a->size > 0 ? BOOK_SELL : BOOK_BUY;
            int64_t lots = a->size > 0 ? a->size : -a->size;
            world_order(w, id, side, BOOK_MARKET, w->index + side * band,
                        lots + (int64_t)pcg32_bounded(&w->rng, 3),
                        BOOK_REDUCE_ONLY);
        }
    }
}

/* The ledger balances against the test's own tally, and neither the fund
 * nor the vault is below zero. */
static void world_check(world *w)
{
    venue_totals t = support_audit(w->v);
    cr_assert_eq(t.ledger.expected_cash, w->put_in - w->taken_out);
    cr_assert_geq(t.fee_pool, 0);
    int64_t mark = venue_mark(w->v);
    cr_assert_geq(balance_at(w->v, ACCOUNT_FUND, mark), 0,
                  "the insurance fund is below zero");
    cr_assert_geq(balance_at(w->v, ACCOUNT_BACKSTOP, mark), 0,
                  "the backstop vault is below zero");
    for (uint32_t x = ACCOUNT_FUND; x < ACCOUNT_FIRST_TRADER; x++)
        if (acct(w->v, x)->size == 0)
            cr_assert_geq(acct(w->v, x)->cash, 0);
    /* The cascade left nothing liquidatable at the mark, unless a
     * per-interval cap stopped it; no trader is still held. */
    uint32_t id;
    int64_t trigger;
    if (w->p->liq_style != &rule_liq_capped) {
        if (accounts_top_long(venue_accounts(w->v), &id, &trigger))
            cr_assert_lt(trigger, mark, "account %u is left liquidatable",
                         (unsigned)id);
        if (accounts_top_short(venue_accounts(w->v), &id, &trigger))
            cr_assert_gt(trigger, mark, "account %u is left liquidatable",
                         (unsigned)id);
    }
    for (int i = 0; i < RANDOM_TRADERS; i++)
        cr_assert_neq(acct(w->v, w->trader[i])->state, ACCOUNT_HELD);
    size_t n;
    const venue_liquidation *r = venue_liquidations(w->v, &n);
    for (size_t i = 0; i < n; i++) {
        cr_assert_lt(r[i].route, 4);
        cr_assert_gt(r[i].lots, 0);
        w->routes[r[i].route]++;
    }
    venue_adls(w->v, &n);
    w->adl_fills += (long)n;
    venue_clear_events(w->v);
}

static void run_world(const char *name, world *w)
{
    world_init(w, name);
    for (int step = 1; step <= RANDOM_STEPS; step++) {
        move_index(w, step);
        requote(w);
        traders_act(w);
        perr e = {0, ""};
        int64_t now = step * INT64_C(1000);
        cr_assert_eq(venue_set_mark(w->v, now, world_mark(w, w->v), &e), 0,
                     "%s", e.msg);
        world_check(w);
    }
    cr_log_info("%s: book %ld, backstop %ld, fund %ld, adl %ld (%ld fills)",
                name, w->routes[VENUE_BY_BOOK], w->routes[VENUE_BY_BACKSTOP],
                w->routes[VENUE_BY_FUND], w->routes[VENUE_BY_ADL],
                w->adl_fills);
    venue_free(w->v);
}

static world the_world;

#define ROUTE(r) (1u << (r))

/* Runs the randomized world on the built-in profile name: every route in
 * some must have liquidated at least once, every route in none never. */
static void expect_routes(const char *name, unsigned some, unsigned none)
{
    run_world(name, &the_world);
    for (int r = 0; r < 4; r++) {
        const char *route = venue_route_name((venue_route)r);
        if (some & ROUTE(r))
            cr_assert_gt(the_world.routes[r], 0, "%s: nothing by %s", name,
                         route);
        if (none & ROUTE(r))
            cr_assert_eq(the_world.routes[r], 0, "%s: %ld by %s", name,
                         the_world.routes[r], route);
    }
}

Test(venue_random, binance_keeps_the_ledger_exact_through_crashes_and_squeezes)
{
    expect_routes("binance",
                  ROUTE(VENUE_BY_BOOK) | ROUTE(VENUE_BY_FUND)
                      | ROUTE(VENUE_BY_ADL),
                  0);
}

Test(venue_random, bybit_keeps_the_ledger_exact_through_crashes_and_squeezes)
{
    expect_routes("bybit",
                  ROUTE(VENUE_BY_BOOK) | ROUTE(VENUE_BY_FUND)
                      | ROUTE(VENUE_BY_ADL),
                  0);
}

Test(venue_random, hyperliquid_keeps_the_ledger_exact_through_crashes_and_squeezes)
{
    expect_routes("hyperliquid",
                  ROUTE(VENUE_BY_BOOK) | ROUTE(VENUE_BY_BACKSTOP)
                      | ROUTE(VENUE_BY_ADL),
                  ROUTE(VENUE_BY_FUND));
}

Test(venue_random, dydx_keeps_the_ledger_exact_through_crashes_and_squeezes)
{
    expect_routes("dydx",
                  ROUTE(VENUE_BY_BOOK) | ROUTE(VENUE_BY_FUND)
                      | ROUTE(VENUE_BY_ADL),
                  0);
}

/* ---- the check after every event ---------------------------------------- */

/* A ledger broken behind the venue's back: cash that no transfer moved. */
static void break_cash(venue *v, uint32_t id)
{
    ((account *)venue_account(v, id))->cash += 1;
}

/* A Binance venue without fees, checked after every event or not, with one
 * account, *id, whose cash is then broken. */
static venue *broken_venue(int check, uint32_t *id)
{
    static profile p;
    p = without_fees("binance");
    venue *v = make_venue(&p, 400000, 700000, 600000);
    venue_set_check(v, check);
    *id = open_account(v, 10000000000, ACCOUNT_CROSS, 10);
    break_cash(v, *id);
    return v;
}

Test(venue, broken_invariant_fails_the_call_with_a_report_instead_of_aborting)
{
    uint32_t id;
    venue *v = broken_venue(1, &id);
    perr e = {0, ""};
    int rc = venue_deposit(v, id, 1000, &e);
    cr_assert_lt(rc, 0);
    cr_expect_eq(e.code, rc);
    cr_expect_not_null(strstr(e.msg, "ledger invariant broken after "
                                     "venue_deposit: "),
                       "%s", e.msg);
    venue_free(v);
}

Test(venue, broken_invariant_stops_the_cascade_with_an_error)
{
    uint32_t id;
    venue *v = broken_venue(1, &id);
    perr e = {0, ""};
    cr_assert_lt(venue_set_mark(v, 1000, 590000, &e), 0);
    cr_expect_not_null(strstr(e.msg, "after a liquidation pass"), "%s", e.msg);
    venue_free(v);
}

Test(venue, unchecked_venue_leaves_the_audit_to_the_caller)
{
    uint32_t id;
    venue *v = broken_venue(0, &id);
    perr e = {0, ""};
    cr_assert_eq(venue_deposit(v, id, 1000, &e), 0, "%s", e.msg);
    cr_expect_lt(venue_audit(v, NULL, &e), 0);
    venue_free(v);
}
