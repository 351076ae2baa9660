/*
 * Tests of the venue (sim/engine/venue.h), part one: accounts and fills,
 * order admission by margin, the open-interest cap, the liquidation trigger,
 * and the ledger check the venue runs after every event. One behaviour per
 * test, with the expected figures worked out by hand in the comments beside
 * them (units: see support_venue.h). Liquidation itself is in
 * test_venue_liq.c, the randomized runs in test_venue_random.c.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "support_venue.h"

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

/* The book events the venue counts: each order that reaches the book, each
 * order cancelled (one by one or all of an account's), each fill. */
Test(venue, counts_the_orders_cancels_and_fills_its_book_processed)
{
    venue *v = make_venue(builtin_profile("binance"), 400000, 700000, 600000);
    uint32_t maker = open_account(v, 10000000000, ACCOUNT_CROSS, 10);
    uint32_t taker = open_account(v, 10000000000, ACCOUNT_CROSS, 10);
    rest(v, maker, BOOK_SELL, 600001, 10);
    rest(v, maker, BOOK_SELL, 600002, 10);
    book_id gone = rest(v, maker, BOOK_SELL, 600009, 10);
    rest(v, maker, BOOK_BUY, 599990, 10);
    rest(v, maker, BOOK_BUY, 599980, 10);
    /* One taker order across both of the first two asks: two fills. */
    take(v, taker, BOOK_BUY, 600002, 20);
    cr_assert_eq(venue_cancel(v, gone, NULL), 0);
    venue_cancel_all(v, maker); /* the two bids */
    venue_book_counts c;
    venue_book_counts_get(v, &c);
    cr_expect_eq(c.orders, 6);
    cr_expect_eq(c.fills, 2);
    cr_expect_eq(c.cancels, 3);
    venue_free(v);
}

Test(venue, maker_and_taker_fees_go_to_the_fee_pool_rounded_up)
{
    venue *v = make_venue(builtin_profile("binance"), 400000, 700000, 600000);
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
    profile p = *builtin_profile("binance");
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
    venue *v = make_venue(builtin_profile("binance"), 400000, 700000, 600000);
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
    return trader_setup_on(make_venue(builtin_profile("binance"), 400000, 700000,
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
    venue *v = make_venue(builtin_profile("binance"), 400000, 700000, 600000);
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
    venue *v = make_venue(builtin_profile("binance"), 400000, 700000, 600000);
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
    w.v = make_venue(builtin_profile("binance"), 400000, 700000, 600000);
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
    trader_setup s = binance_long(builtin_profile("binance"), ACCOUNT_ISOLATED);
    cr_assert_eq(acct(s.v, s.trader)->cash, -4750000000);
    cr_assert_eq(acct(s.v, s.trader)->size, 100);
    expect_liquidated_at_trigger(s.v, s.trader, BOOK_BUY, LONG_TRIGGER);
    support_audit(s.v);
    venue_free(s.v);
}

Test(venue, short_is_liquidated_exactly_when_the_mark_reaches_its_trigger)
{
    trader_setup s = trader_setup_on(make_venue(builtin_profile("binance"), 400000,
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
    trader_setup s = binance_long(builtin_profile("binance"), ACCOUNT_ISOLATED);
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
