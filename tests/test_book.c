/*
 * Tests of the order book (sim/engine/book.h): one behaviour per test, from
 * construction, price-time priority and fills, cancel and amend, the order
 * types and invalid calls, to the queries and the order pool. The property
 * test against a reference model is in test_book_model.c.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "book.h"
#include "support_book.h"

/* ---- helpers ----------------------------------------------------------- */

static int submit(book *b, int side, book_type type, int64_t price, int64_t size, uint32_t owner,
                  unsigned flags, book_result *r)
{
    book_order_spec spec = {price, size, owner, side, type, flags};
    perr e = {0, ""};
    int rc = book_submit(b, &spec, r, &e);
    cr_assert(rc == 0 || e.code == rc, "a failing call must fill perr");
    return rc;
}

/* A limit order that must rest whole; returns its id. */
static book_id place(book *b, int side, int64_t price, int64_t size, uint32_t owner)
{
    book_result r;
    cr_assert_eq(submit(b, side, BOOK_LIMIT, price, size, owner, 0, &r), 0);
    cr_assert_eq(r.outcome, BOOK_RESTED);
    cr_assert_eq(r.rested, size);
    cr_assert_neq(r.id, BOOK_NO_ID);
    return r.id;
}

static const book_fill *fills_of(const book *b, size_t *n)
{
    return book_fills(b, n);
}

static void expect_fill(const book_fill *f, book_id maker, book_id taker, int64_t price,
                        int64_t size)
{
    cr_assert_eq(f->maker_id, maker, "maker id");
    cr_assert_eq(f->taker_id, taker, "taker id");
    cr_assert_eq(f->price, price, "fill price %lld, expected %lld", (long long)f->price,
                 (long long)price);
    cr_assert_eq(f->size, size, "fill size %lld, expected %lld", (long long)f->size,
                 (long long)size);
}

static int64_t size_of(const book *b, book_id id)
{
    book_order_info info;
    cr_assert_eq(book_lookup(b, id, &info, NULL), 0);
    return info.size;
}

/* Everything a query can see, to show that a failed call changed nothing. */
typedef struct snapshot {
    size_t count, nbids, nasks, nfills;
    int64_t bid, ask, depth_bid, depth_ask;
    book_level bids[64], asks[64];
} snapshot;

static snapshot snap(const book *b)
{
    snapshot s;
    memset(&s, 0, sizeof s);
    s.count = book_order_count(b);
    s.nbids = book_levels(b, BOOK_BUY, s.bids, 64);
    s.nasks = book_levels(b, BOOK_SELL, s.asks, 64);
    book_fills(b, &s.nfills);
    s.bid = book_best_bid(b);
    s.ask = book_best_ask(b);
    s.depth_bid = book_depth(b, BOOK_BUY, 10000, NULL);
    s.depth_ask = book_depth(b, BOOK_SELL, 10000, NULL);
    return s;
}

static void expect_unchanged(const snapshot *before, const book *b)
{
    snapshot after = snap(b);
    cr_assert(memcmp(before, &after, sizeof after) == 0, "the book changed");
}

/* An order a test puts in the book before it starts: placed in turn, each
 * must rest whole (place). */
typedef struct resting {
    int side;
    int64_t price, size;
    uint32_t owner;
} resting;

/* A book over [lo, hi] holding orders[0 .. n); their ids go to ids unless
 * it is NULL. */
static book *book_with(int64_t lo, int64_t hi, const resting *orders, size_t n, book_id *ids)
{
    book *b = make_book(lo, hi, 0);
    for (size_t i = 0; i < n; i++) {
        book_id id = place(b, orders[i].side, orders[i].price, orders[i].size, orders[i].owner);
        if (ids)
            ids[i] = id;
    }
    return b;
}

#define BOOK_WITH(lo, hi, orders, ids)                                                         \
    book_with(lo, hi, orders, sizeof orders / sizeof orders[0], ids)

/* An order the book must take without an error: what it made of it. */
static book_result order(book *b, int side, book_type type, int64_t price, int64_t size,
                         uint32_t owner, unsigned flags)
{
    book_result r;
    cr_assert_eq(submit(b, side, type, price, size, owner, flags, &r), 0);
    return r;
}

/* An order as order() takes it that must leave the book as it was. */
static book_result order_changing_nothing(book *b, int side, book_type type, int64_t price,
                                          int64_t size, uint32_t owner, unsigned flags)
{
    snapshot before = snap(b);
    book_result r = order(b, side, type, price, size, owner, flags);
    expect_unchanged(&before, b);
    return r;
}

/* How an order ended: its outcome and the lots filled, rested and neither. */
static void expect_result(const book_result *r, book_outcome outcome, int64_t filled,
                          int64_t rested, int64_t unfilled)
{
    cr_assert_eq(r->outcome, outcome, "outcome %d, expected %d", (int)r->outcome, (int)outcome);
    cr_assert_eq(r->filled, filled, "filled %lld, expected %lld", (long long)r->filled,
                 (long long)filled);
    cr_assert_eq(r->rested, rested, "rested %lld, expected %lld", (long long)r->rested,
                 (long long)rested);
    cr_assert_eq(r->unfilled, unfilled, "unfilled %lld, expected %lld", (long long)r->unfilled,
                 (long long)unfilled);
}

/* A fill a test expects: the maker's order, the price and the size. */
typedef struct want_fill {
    book_id maker;
    int64_t price, size;
} want_fill;

/* The fill buffer holds want[0 .. n) in that order, all of them taker's. */
static const book_fill *expect_fills(const book *b, book_id taker, const want_fill *want, size_t n)
{
    size_t got;
    const book_fill *f = fills_of(b, &got);
    cr_assert_eq(got, n, "%zu fills, expected %zu", got, n);
    for (size_t i = 0; i < n; i++)
        expect_fill(&f[i], want[i].maker, taker, want[i].price, want[i].size);
    return f;
}

#define EXPECT_FILLS(b, taker, want) expect_fills(b, taker, want, sizeof want / sizeof want[0])

/* ---- construction ------------------------------------------------------ */

Test(book, new_rejects_bad_price_ranges)
{
    perr e = {0, ""};
    cr_assert_null(book_new(0, 100, 0, &e));
    cr_assert_eq(e.code, PERR_INVALID);
    cr_assert_null(book_new(200, 100, 0, &e));
    cr_assert_null(book_new(1, BOOK_PRICE_MAX + 1, 0, &e));
    cr_assert_null(book_new(1, BOOK_LEVELS_MAX + 1, 0, &e));
    book *b = book_new(BOOK_PRICE_MAX - 100, BOOK_PRICE_MAX, 0, &e);
    cr_assert_not_null(b, "%s", e.msg);
    book_free(b);
    book_free(NULL);
}

Test(book, single_price_book_works)
{
    book *b = make_book(50, 50, 1);
    book_id bid = place(b, BOOK_BUY, 50, 3, 1);
    book_result r = order(b, BOOK_SELL, BOOK_LIMIT, 50, 5, 2, 0);
    expect_result(&r, BOOK_RESTED, 3, 2, 0);
    cr_assert_eq(book_best_ask(b), 50);
    cr_assert_eq(book_best_bid(b), BOOK_NO_PRICE);
    cr_assert_neq(book_cancel(b, bid, NULL, NULL), 0);
    book_free(b);
}

/* ---- priority and fills ------------------------------------------------ */

Test(book, resting_orders_set_best_prices_mid_and_spread)
{
    static const resting orders[] = {
        {BOOK_BUY, 98, 1, 1}, {BOOK_BUY, 99, 1, 1}, {BOOK_SELL, 103, 1, 2}, {BOOK_SELL, 102, 1, 2}};
    book *b = BOOK_WITH(1, 1000, orders, NULL);
    cr_assert_eq(book_best_bid(b), 99);
    cr_assert_eq(book_best_ask(b), 102);
    cr_assert_eq(book_mid_x2(b), 201);
    cr_assert_eq(book_spread(b), 3);
    cr_assert_eq(book_order_count(b), 4);
    cr_assert_eq(book_side_order_count(b, BOOK_BUY), 2);
    cr_assert_eq(book_side_order_count(b, BOOK_SELL), 2);
    book_free(b);
}

Test(book, better_price_fills_first)
{
    static const resting asks[] = {{BOOK_SELL, 101, 5, 1}, {BOOK_SELL, 100, 5, 2}};
    book_id ask[2];
    book *b = BOOK_WITH(1, 1000, asks, ask);
    book_result r = order(b, BOOK_BUY, BOOK_IOC, 101, 7, 3, 0);
    want_fill want[] = {{ask[1], 100, 5}, {ask[0], 101, 2}};
    EXPECT_FILLS(b, r.id, want);
    cr_assert_eq(r.filled_notional, 5 * 100 + 2 * 101);
    book_free(b);
}

Test(book, same_price_fills_in_arrival_order)
{
    static const resting bids[] = {
        {BOOK_BUY, 100, 2, 1}, {BOOK_BUY, 100, 2, 2}, {BOOK_BUY, 100, 2, 3}};
    book_id bid[3];
    book *b = BOOK_WITH(1, 1000, bids, bid);
    book_result r = order(b, BOOK_SELL, BOOK_MARKET, 1, 5, 4, 0);
    want_fill want[] = {{bid[0], 100, 2}, {bid[1], 100, 2}, {bid[2], 100, 1}};
    const book_fill *f = EXPECT_FILLS(b, r.id, want);
    cr_assert_eq(f[0].maker_owner, 1);
    cr_assert_eq(f[2].maker_owner, 3);
    cr_assert_eq(f[0].taker_owner, 4);
    cr_assert_eq(f[0].taker_side, BOOK_SELL);
    cr_assert(f[0].maker_done && f[1].maker_done && !f[2].maker_done);
    book_free(b);
}

/* Two asks of 10 lots at 100, owners 1 and 2, in that order. */
static const resting two_asks_of_10[] = {{BOOK_SELL, 100, 10, 1}, {BOOK_SELL, 100, 10, 2}};

Test(book, partial_fill_leaves_the_maker_first_in_its_level)
{
    book_id ask[2];
    book *b = BOOK_WITH(1, 1000, two_asks_of_10, ask);
    book_result r = order(b, BOOK_BUY, BOOK_IOC, 100, 4, 3, 0);
    cr_assert_eq(r.outcome, BOOK_FILLED);
    cr_assert_eq(size_of(b, ask[0]), 6);
    book_clear_fills(b);
    r = order(b, BOOK_BUY, BOOK_IOC, 100, 8, 3, 0);
    want_fill want[] = {{ask[0], 100, 6}, {ask[1], 100, 2}};
    EXPECT_FILLS(b, r.id, want);
    cr_assert_eq(size_of(b, ask[1]), 8);
    book_level lv;
    cr_assert_eq(book_levels(b, BOOK_SELL, &lv, 1), 1);
    cr_assert_eq(lv.size, 8);
    book_free(b);
}

Test(book, limit_order_sweeps_several_levels_and_rests_the_rest)
{
    static const resting asks[] = {{BOOK_SELL, 100, 1, 1},
                                   {BOOK_SELL, 101, 2, 1},
                                   {BOOK_SELL, 103, 3, 1},
                                   {BOOK_SELL, 105, 4, 1}};
    book_id ask[4];
    book *b = BOOK_WITH(1, 1000, asks, ask);
    book_result r = order(b, BOOK_BUY, BOOK_LIMIT, 104, 10, 2, 0);
    expect_result(&r, BOOK_RESTED, 6, 4, 0);
    cr_assert_eq(r.nfills, 3);
    want_fill want[] = {{ask[0], 100, 1}, {ask[1], 101, 2}, {ask[2], 103, 3}};
    EXPECT_FILLS(b, r.id, want);
    cr_assert_eq(book_best_bid(b), 104);
    cr_assert_eq(book_best_ask(b), 105);
    cr_assert_eq(size_of(b, r.id), 4);
    book_free(b);
}

Test(book, taker_that_empties_a_side_leaves_it_empty)
{
    static const resting bids[] = {{BOOK_BUY, 10, 1, 1}, {BOOK_BUY, 900, 1, 1}};
    book *b = BOOK_WITH(1, 1000, bids, NULL);
    book_result r = order(b, BOOK_SELL, BOOK_IOC, 1, 5, 2, 0);
    expect_result(&r, BOOK_EXPIRED, 2, 0, 3);
    cr_assert_eq(book_best_bid(b), BOOK_NO_PRICE);
    cr_assert_eq(book_order_count(b), 0);
    book_free(b);
}

Test(book, self_trade_is_allowed_and_reported)
{
    book *b = make_book(1, 1000, 0);
    book_id maker = place(b, BOOK_SELL, 100, 5, 7);
    book_result r = order(b, BOOK_BUY, BOOK_LIMIT, 100, 5, 7, 0);
    want_fill want[] = {{maker, 100, 5}};
    const book_fill *f = EXPECT_FILLS(b, r.id, want);
    cr_assert_eq(f[0].maker_owner, 7);
    cr_assert_eq(f[0].taker_owner, 7);
    book_free(b);
}

Test(book, fills_accumulate_until_cleared)
{
    book *b = make_book(1, 1000, 0);
    place(b, BOOK_SELL, 100, 5, 1);
    book_result r1 = order(b, BOOK_BUY, BOOK_IOC, 100, 1, 2, 0);
    book_result r2 = order(b, BOOK_BUY, BOOK_IOC, 100, 1, 2, 0);
    size_t n;
    fills_of(b, &n);
    cr_assert_eq(n, 2);
    cr_assert_eq(r1.first_fill, 0);
    cr_assert_eq(r2.first_fill, 1);
    cr_assert_eq(r2.nfills, 1);
    book_clear_fills(b);
    fills_of(b, &n);
    cr_assert_eq(n, 0);
    book_free(b);
}

/* ---- cancel and amend -------------------------------------------------- */

Test(book, cancel_keeps_time_priority_of_others)
{
    static const resting bids[] = {
        {BOOK_BUY, 100, 1, 1}, {BOOK_BUY, 100, 1, 2}, {BOOK_BUY, 100, 1, 3}};
    book_id bid[3];
    book *b = BOOK_WITH(1, 1000, bids, bid);
    int64_t cancelled = 0;
    cr_assert_eq(book_cancel(b, bid[1], &cancelled, NULL), 0);
    cr_assert_eq(cancelled, 1);
    book_result r = order(b, BOOK_SELL, BOOK_IOC, 100, 2, 4, 0);
    want_fill want[] = {{bid[0], 100, 1}, {bid[2], 100, 1}};
    EXPECT_FILLS(b, r.id, want);
    book_free(b);
}

Test(book, cancel_of_the_best_order_moves_the_best_price)
{
    static const resting asks[] = {{BOOK_SELL, 120, 1, 1}, {BOOK_SELL, 110, 1, 1}};
    book_id ask[2];
    book *b = BOOK_WITH(1, 1000, asks, ask);
    cr_assert_eq(book_cancel(b, ask[1], NULL, NULL), 0);
    cr_assert_eq(book_best_ask(b), 120);
    book_free(b);
}

Test(book, second_cancel_is_an_error_and_changes_nothing)
{
    static const resting bids[] = {{BOOK_BUY, 100, 1, 1}, {BOOK_BUY, 99, 1, 1}};
    book_id bid[2];
    book *b = BOOK_WITH(1, 1000, bids, bid);
    cr_assert_eq(book_cancel(b, bid[0], NULL, NULL), 0);
    snapshot before = snap(b);
    perr e = {0, ""};
    cr_assert_eq(book_cancel(b, bid[0], NULL, &e), PERR_INVALID);
    cr_assert(strstr(e.msg, "not resting") != NULL, "%s", e.msg);
    expect_unchanged(&before, b);
    book_free(b);
}

Test(book, unknown_stale_and_filled_ids_are_errors)
{
    book *b = make_book(1, 1000, 4);
    book_id filled = place(b, BOOK_SELL, 100, 1, 1);
    book_result r = order(b, BOOK_BUY, BOOK_IOC, 100, 1, 2, 0);
    book_id old = place(b, BOOK_BUY, 50, 1, 1);
    cr_assert_eq(book_cancel(b, old, NULL, NULL), 0);
    book_id reused = place(b, BOOK_BUY, 50, 1, 1); /* likely the same slot */
    cr_assert_neq(reused, old);
    snapshot before = snap(b);
    book_id bad[] = {BOOK_NO_ID, filled, r.id, old, (book_id)1 << 32 | 3, UINT64_MAX, 12345};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(book_cancel(b, bad[i], NULL, NULL), PERR_INVALID);
        cr_assert_eq(book_amend(b, bad[i], 1, NULL), PERR_INVALID);
        cr_assert_eq(book_lookup(b, bad[i], NULL, NULL), PERR_INVALID);
    }
    expect_unchanged(&before, b);
    cr_assert_eq(book_cancel(b, reused, NULL, NULL), 0);
    book_free(b);
}

Test(book, amend_down_keeps_time_priority)
{
    book_id ask[2];
    book *b = BOOK_WITH(1, 1000, two_asks_of_10, ask);
    cr_assert_eq(book_amend(b, ask[0], 3, NULL), 0);
    cr_assert_eq(size_of(b, ask[0]), 3);
    book_level lv;
    book_levels(b, BOOK_SELL, &lv, 1);
    cr_assert_eq(lv.size, 13);
    book_result r = order(b, BOOK_BUY, BOOK_IOC, 100, 4, 3, 0);
    want_fill want[] = {{ask[0], 100, 3}, {ask[1], 100, 1}};
    EXPECT_FILLS(b, r.id, want);
    cr_assert_eq(book_amend(b, ask[1], 9, NULL), 0, "equal size is a no-op");
    book_free(b);
}

Test(book, amend_up_or_to_zero_is_an_error_and_changes_nothing)
{
    book *b = make_book(1, 1000, 0);
    book_id id = place(b, BOOK_SELL, 100, 10, 1);
    snapshot before = snap(b);
    cr_assert_eq(book_amend(b, id, 11, NULL), PERR_INVALID);
    cr_assert_eq(book_amend(b, id, 0, NULL), PERR_INVALID);
    cr_assert_eq(book_amend(b, id, -1, NULL), PERR_INVALID);
    expect_unchanged(&before, b);
    cr_assert_eq(size_of(b, id), 10);
    book_free(b);
}

Test(book, cancel_owner_removes_only_that_owners_orders)
{
    static const resting orders[] = {{BOOK_BUY, 90, 1, 1},   {BOOK_BUY, 91, 1, 2},
                                     {BOOK_SELL, 110, 1, 2}, {BOOK_SELL, 110, 1, 3},
                                     {BOOK_BUY, 90, 1, 2}};
    book_id id[5];
    book *b = BOOK_WITH(1, 1000, orders, id);
    cr_assert_eq(book_cancel_owner(b, 2), 3);
    cr_assert_eq(book_order_count(b), 2);
    cr_assert_eq(book_best_bid(b), 90);
    cr_assert_eq(book_best_ask(b), 110);
    cr_assert_eq(book_lookup(b, id[0], NULL, NULL), 0);
    cr_assert_eq(book_lookup(b, id[3], NULL, NULL), 0);
    cr_assert_eq(book_cancel_owner(b, 2), 0);
    cr_assert_eq(book_cancel_owner(b, 99999), 0, "an owner never seen has no orders");
    book_free(b);
}

/* ---- order types ------------------------------------------------------- */

/* One ask of 3 lots at 100 (owner 1). */
static const resting one_ask_of_3[] = {{BOOK_SELL, 100, 3, 1}};

Test(book, ioc_trades_what_crosses_and_cancels_the_rest)
{
    static const resting asks[] = {{BOOK_SELL, 100, 3, 1}, {BOOK_SELL, 102, 3, 1}};
    book *b = BOOK_WITH(1, 1000, asks, NULL);
    book_result r = order(b, BOOK_BUY, BOOK_IOC, 101, 5, 2, 0);
    expect_result(&r, BOOK_EXPIRED, 3, 0, 2);
    cr_assert_eq(book_best_bid(b), BOOK_NO_PRICE, "an IOC never rests");
    cr_assert_eq(book_lookup(b, r.id, NULL, NULL), PERR_INVALID);
    book_free(b);
}

Test(book, ioc_that_does_not_cross_expires_untouched)
{
    book *b = BOOK_WITH(1, 1000, one_ask_of_3, NULL);
    book_result r = order_changing_nothing(b, BOOK_BUY, BOOK_IOC, 99, 5, 2, 0);
    expect_result(&r, BOOK_EXPIRED, 0, 0, 5);
    book_free(b);
}

Test(book, fok_that_cannot_fill_completely_changes_nothing)
{
    static const resting asks[] = {
        {BOOK_SELL, 100, 3, 1}, {BOOK_SELL, 101, 3, 1}, {BOOK_SELL, 103, 30, 1}};
    book *b = BOOK_WITH(1, 1000, asks, NULL);
    book_result r = order_changing_nothing(b, BOOK_BUY, BOOK_FOK, 102, 7, 2, 0);
    expect_result(&r, BOOK_KILLED, 0, 0, 7);
    cr_assert_eq(r.id, BOOK_NO_ID);
    book_free(b);
}

Test(book, fok_that_can_fill_trades_its_whole_size)
{
    static const resting bids[] = {{BOOK_BUY, 100, 3, 1}, {BOOK_BUY, 99, 3, 1}};
    book *b = BOOK_WITH(1, 1000, bids, NULL);
    book_result r = order(b, BOOK_SELL, BOOK_FOK, 99, 6, 2, 0);
    expect_result(&r, BOOK_FILLED, 6, 0, 0);
    cr_assert_eq(r.nfills, 2);
    cr_assert_eq(book_order_count(b), 0);
    book_free(b);
}

Test(book, fok_checks_depth_across_many_blocks)
{
    book *b = make_book(1, 100000, 0);
    for (int64_t p = 1000; p < 9000; p += 37)
        place(b, BOOK_SELL, p, 1, 1);
    int64_t asks = (int64_t)book_order_count(b);
    book_result r = order(b, BOOK_BUY, BOOK_FOK, 9000, asks + 1, 2, 0);
    cr_assert_eq(r.outcome, BOOK_KILLED);
    r = order(b, BOOK_BUY, BOOK_FOK, 9000, asks, 2, 0);
    cr_assert_eq(r.outcome, BOOK_FILLED);
    cr_assert_eq(book_order_count(b), 0);
    book_free(b);
}

Test(book, post_only_that_would_cross_is_rejected)
{
    book *b = BOOK_WITH(1, 1000, one_ask_of_3, NULL);
    book_result r = order_changing_nothing(b, BOOK_BUY, BOOK_POST_ONLY, 100, 1, 2, 0);
    expect_result(&r, BOOK_REJECTED, 0, 0, 1);
    cr_assert_eq(r.id, BOOK_NO_ID);
    book_free(b);
}

Test(book, post_only_that_does_not_cross_rests)
{
    book *b = BOOK_WITH(1, 1000, one_ask_of_3, NULL);
    book_result r = order(b, BOOK_BUY, BOOK_POST_ONLY, 99, 2, 2, 0);
    expect_result(&r, BOOK_RESTED, 0, 2, 0);
    cr_assert_eq(book_best_bid(b), 99);
    book_free(b);
}

Test(book, market_order_stops_at_its_price_limit_and_reports_unfilled)
{
    static const resting bids[] = {
        {BOOK_BUY, 100, 2, 1}, {BOOK_BUY, 96, 2, 1}, {BOOK_BUY, 94, 50, 1}};
    book_id bid[3];
    book *b = BOOK_WITH(1, 1000, bids, bid);
    book_result r = order(b, BOOK_SELL, BOOK_MARKET, 95, 10, 2, 0);
    expect_result(&r, BOOK_EXPIRED, 4, 0, 6);
    size_t n;
    const book_fill *f = fills_of(b, &n);
    for (size_t i = 0; i < n; i++)
        cr_assert_geq(f[i].price, 95, "a sell never fills below its limit");
    cr_assert_eq(size_of(b, bid[2]), 50, "the bid beyond the limit is untouched");
    book_free(b);
}

Test(book, liquidation_never_fills_beyond_its_limit_and_is_flagged)
{
    static const resting asks[] = {
        {BOOK_SELL, 200, 1, 1}, {BOOK_SELL, 205, 1, 1}, {BOOK_SELL, 230, 9, 1}};
    book *b = BOOK_WITH(1, 1000, asks, NULL);
    book_result r = order(b, BOOK_BUY, BOOK_MARKET, 210, 5, 2, BOOK_LIQUIDATION);
    expect_result(&r, BOOK_EXPIRED, 2, 0, 3);
    size_t n;
    const book_fill *f = fills_of(b, &n);
    cr_assert_eq(n, 2);
    for (size_t i = 0; i < n; i++) {
        cr_assert_leq(f[i].price, 210);
        cr_assert_eq(f[i].is_liquidation, 1);
        cr_assert_eq(f[i].taker_flags, BOOK_LIQUIDATION);
    }
    book_free(b);
}

Test(book, reduce_only_flag_is_carried_to_fills_and_lookup)
{
    book *b = make_book(1, 1000, 0);
    book_result r = order(b, BOOK_SELL, BOOK_LIMIT, 100, 5, 1, BOOK_REDUCE_ONLY);
    book_order_info info;
    cr_assert_eq(book_lookup(b, r.id, &info, NULL), 0);
    cr_assert_eq(info.flags, BOOK_REDUCE_ONLY);
    cr_assert_eq(info.side, BOOK_SELL);
    cr_assert_eq(info.price, 100);
    cr_assert_eq(info.owner, 1);
    order(b, BOOK_BUY, BOOK_IOC, 100, 1, 2, 0);
    size_t n;
    const book_fill *f = fills_of(b, &n);
    cr_assert_eq(f[0].maker_flags, BOOK_REDUCE_ONLY);
    cr_assert_eq(f[0].is_liquidation, 0);
    book_free(b);
}

/* ---- invalid calls ----------------------------------------------------- */

Test(book, invalid_submissions_are_errors_and_change_nothing)
{
    static const resting orders[] = {{BOOK_BUY, 150, 5, 1}, {BOOK_SELL, 160, 5, 1}};
    book *b = BOOK_WITH(100, 200, orders, NULL);
    snapshot before = snap(b);
    struct {
        book_order_spec spec;
        const char *why;
    } bad[] = {
        {{155, 0, 1, BOOK_BUY, BOOK_LIMIT, 0}, "zero size"},
        {{155, -3, 1, BOOK_BUY, BOOK_LIMIT, 0}, "negative size"},
        {{99, 1, 1, BOOK_BUY, BOOK_LIMIT, 0}, "price below the range"},
        {{201, 1, 1, BOOK_SELL, BOOK_LIMIT, 0}, "price above the range"},
        {{0, 1, 1, BOOK_SELL, BOOK_MARKET, 0}, "market limit outside the range"},
        {{155, 1, 1, 0, BOOK_LIMIT, 0}, "side 0"},
        {{155, 1, 1, 2, BOOK_LIMIT, 0}, "side 2"},
        {{155, 1, 1, BOOK_BUY, (book_type)9, 0}, "unknown type"},
        {{155, 1, 1, BOOK_BUY, BOOK_LIMIT, 8}, "unknown flag"},
        {{155, 1, BOOK_OWNER_MAX, BOOK_BUY, BOOK_LIMIT, 0}, "owner too large"},
        {{160, 0, 1, BOOK_BUY, BOOK_IOC, 0}, "zero size taker"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        perr e = {0, ""};
        book_result r;
        int rc = book_submit(b, &bad[i].spec, &r, &e);
        cr_assert_eq(rc, PERR_INVALID, "%s: rc %d", bad[i].why, rc);
        cr_assert_eq(e.code, PERR_INVALID);
        cr_assert(e.msg[0] != '\0', "%s: no message", bad[i].why);
        expect_unchanged(&before, b);
    }
    cr_assert_eq(book_submit(b, NULL, NULL, NULL), PERR_INVALID);
    expect_unchanged(&before, b);
    book_free(b);
}

Test(book, resting_size_beyond_its_bounds_is_a_range_error)
{
    book *b = make_book(1, 1000, 0);
    snapshot before = snap(b);
    book_result r;
    cr_assert_eq(submit(b, BOOK_BUY, BOOK_LIMIT, 10, BOOK_REST_SIZE_MAX + 1, 1, 0, &r), PERR_RANGE);
    cr_assert_eq(submit(b, BOOK_BUY, BOOK_POST_ONLY, 10, BOOK_REST_SIZE_MAX + 1, 1, 0, &r),
                 PERR_RANGE);
    expect_unchanged(&before, b);
    book_free(b);

    /* With prices up to 2^24 ticks, more than 2^39 resting lots would
     * overflow the int64 notional sums: the book refuses the order that
     * would pass the bound, on either side. */
    int64_t max_price = (int64_t)1 << 24;
    int64_t bound = INT64_MAX / max_price;
    b = make_book(1, max_price, 0);
    place(b, BOOK_BUY, 10, bound - 5, 1);
    place(b, BOOK_SELL, max_price, 5, 1);
    before = snap(b);
    cr_assert_eq(submit(b, BOOK_SELL, BOOK_LIMIT, 1000, 1, 1, 0, &r), PERR_RANGE);
    expect_unchanged(&before, b);
    cr_assert_eq(book_depth_between(b, BOOK_SELL, 1, max_price, NULL), 5 * max_price);
    /* A taker of any size is fine: it does not rest. */
    cr_assert_eq(submit(b, BOOK_SELL, BOOK_IOC, 10, INT64_MAX, 1, 0, &r), 0);
    cr_assert_eq(r.filled, bound - 5);
    cr_assert_eq(r.filled_notional, (bound - 5) * 10);
    book_free(b);
}


/* ---- queries ----------------------------------------------------------- */

Test(book, queries_on_empty_sides)
{
    book *b = make_book(1, 1000, 0);
    book_level lv[4];
    book_impact imp;
    int64_t size = -1;
    cr_assert_eq(book_best_bid(b), BOOK_NO_PRICE);
    cr_assert_eq(book_best_ask(b), BOOK_NO_PRICE);
    cr_assert_eq(book_mid_x2(b), BOOK_NO_PRICE);
    cr_assert_eq(book_spread(b), BOOK_NO_PRICE);
    cr_assert_eq(book_levels(b, BOOK_BUY, lv, 4), 0);
    cr_assert_eq(book_depth(b, BOOK_BUY, 100, &size), 0);
    cr_assert_eq(size, 0);
    cr_assert_eq(book_impact_price(b, BOOK_BUY, 1000, &imp, NULL), 0);
    cr_assert_eq(imp.complete, 0);
    cr_assert_eq(imp.notional, 0);
    cr_assert_eq(imp.last_price, BOOK_NO_PRICE);
    cr_assert(imp.price == 0.0);

    place(b, BOOK_BUY, 100, 5, 1); /* one side only: still no mid */
    cr_assert_eq(book_mid_x2(b), BOOK_NO_PRICE);
    cr_assert_eq(book_spread(b), BOOK_NO_PRICE);
    cr_assert_eq(book_depth(b, BOOK_BUY, 100, NULL), 0);
    cr_assert_eq(book_levels(b, BOOK_SELL, lv, 4), 0);
    cr_assert_eq(book_impact_price(b, BOOK_BUY, 1000, &imp, NULL), 0);
    cr_assert_eq(imp.complete, 0);
    cr_assert_eq(book_impact_price(b, BOOK_SELL, 100, &imp, NULL), 0);
    cr_assert_eq(imp.complete, 1);
    cr_assert(imp.price == 100.0);
    cr_assert_eq(book_depth_between(b, BOOK_SELL, 1, 1000, &size), 0);
    cr_assert_eq(size, 0);
    book_free(b);
}

/* The walk on side for notional: complete or not, the notional and whole
 * lots it fills, the deepest price it reaches. */
static book_impact expect_impact(const book *b, int side, int64_t notional, int complete,
                                 int64_t filled, int64_t whole_lots, int64_t last_price)
{
    book_impact imp;
    cr_assert_eq(book_impact_price(b, side, notional, &imp, NULL), 0);
    cr_assert_eq(imp.complete, complete);
    cr_assert_eq(imp.notional, filled);
    cr_assert_eq(imp.whole_lots, whole_lots);
    cr_assert_eq(imp.last_price, last_price);
    return imp;
}

Test(book, impact_price_averages_whole_levels_and_a_fraction)
{
    /* Notionals 1000, 1100 and 12000. */
    static const resting asks[] = {
        {BOOK_SELL, 100, 10, 1}, {BOOK_SELL, 110, 10, 1}, {BOOK_SELL, 120, 100, 1}};
    book *b = BOOK_WITH(1, 1000, asks, NULL);
    book_impact imp = expect_impact(b, BOOK_BUY, 2700, 1, 2700, 20, 120);
    /* 2100 buys 20 lots, the remaining 600 buys 5 lots at 120: 2700 / 25 */
    cr_assert_float_eq(imp.price, 108.0, 1e-12);
    imp = expect_impact(b, BOOK_BUY, 1000, 1, 1000, 10, 100);
    cr_assert(imp.price == 100.0);
    cr_assert_eq(book_order_count(b), 3, "the walk changes nothing");
    book_free(b);
}

Test(book, impact_price_on_a_thin_book_reports_what_is_available)
{
    /* Notionals 1000 and 90000, in another block. */
    static const resting bids[] = {{BOOK_BUY, 500, 2, 1}, {BOOK_BUY, 90000, 1, 1}};
    book *b = BOOK_WITH(1, 100000, bids, NULL);
    book_impact imp = expect_impact(b, BOOK_SELL, 1000000, 0, 91000, 3, 500);
    cr_assert_float_eq(imp.price, 91000.0 / 3.0, 1e-9);
    book_free(b);
}

Test(book, impact_price_rejects_bad_arguments)
{
    book *b = make_book(1, 1000, 0);
    book_impact imp;
    perr e = {0, ""};
    cr_assert_eq(book_impact_price(b, BOOK_BUY, 0, &imp, &e), PERR_INVALID);
    cr_assert_eq(book_impact_price(b, BOOK_BUY, -5, &imp, &e), PERR_INVALID);
    cr_assert_eq(book_impact_price(b, 0, 5, &imp, &e), PERR_INVALID);
    book_free(b);
}

Test(book, depth_counts_the_notional_within_bps_of_the_mid)
{
    /* mid 10000: 1% is 9900 .. 10100 */
    static const resting orders[] = {{BOOK_BUY, 9999, 1, 1},   {BOOK_BUY, 9900, 2, 1},
                                     {BOOK_BUY, 9899, 4, 1},   {BOOK_SELL, 10001, 1, 1},
                                     {BOOK_SELL, 10100, 2, 1}, {BOOK_SELL, 10101, 4, 1}};
    book *b = BOOK_WITH(1, 100000, orders, NULL);
    int64_t size;
    cr_assert_eq(book_depth(b, BOOK_BUY, 100, &size), 9999 + 2 * 9900);
    cr_assert_eq(size, 3);
    cr_assert_eq(book_depth(b, BOOK_SELL, 100, &size), 10001 + 2 * 10100);
    cr_assert_eq(size, 3);
    cr_assert_eq(book_depth(b, BOOK_BUY, 0, &size), 0, "0 bps reaches no bid below the mid");
    cr_assert_eq(book_depth(b, BOOK_SELL, 20000, &size), 10001 + 2 * 10100 + 4 * 10101,
                 "bps above 10000 is clamped");
    cr_assert_eq(book_depth(b, BOOK_BUY, -4, &size), 0);
    book_free(b);
}

Test(book, depth_between_keeps_to_its_side)
{
    static const resting orders[] = {
        {BOOK_BUY, 90, 1, 1}, {BOOK_BUY, 95, 1, 1}, {BOOK_SELL, 100, 1, 1}, {BOOK_SELL, 130, 1, 1}};
    book *b = BOOK_WITH(1, 1000, orders, NULL);
    int64_t size;
    cr_assert_eq(book_depth_between(b, BOOK_BUY, 0, 2000, &size), 185);
    cr_assert_eq(size, 2);
    cr_assert_eq(book_depth_between(b, BOOK_SELL, 0, 129, &size), 100);
    cr_assert_eq(book_depth_between(b, BOOK_SELL, 131, 100, &size), 0);
    cr_assert_eq(size, 0);
    book_free(b);
}

/* The first n levels of side are want[0 .. n), best first. */
static void expect_levels(const book *b, int side, const book_level *want, size_t n)
{
    book_level lv[8];
    cr_assert_eq(book_levels(b, side, lv, 8), n);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(lv[i].price, want[i].price, "level %zu at %lld", i, (long long)lv[i].price);
        cr_assert_eq(lv[i].size, want[i].size, "level %zu of %lld", i, (long long)lv[i].size);
    }
}

Test(book, top_levels_come_best_first)
{
    static const resting orders[] = {{BOOK_BUY, 100, 1, 1},      {BOOK_BUY, 100, 2, 1},
                                     {BOOK_BUY, 5, 3, 1},        {BOOK_BUY, 70000, 4, 1},
                                     {BOOK_SELL, 999999, 5, 1}, {BOOK_SELL, 80000, 6, 1}};
    static const book_level bids[] = {{70000, 4}, {100, 3}, {5, 3}};
    static const book_level asks[] = {{80000, 6}, {999999, 5}};
    book *b = BOOK_WITH(1, 1000000, orders, NULL);
    expect_levels(b, BOOK_BUY, bids, 3);
    book_level lv[2];
    cr_assert_eq(book_levels(b, BOOK_BUY, lv, 2), 2);
    expect_levels(b, BOOK_SELL, asks, 2);
    book_free(b);
}

Test(book, best_prices_are_found_across_a_wide_sparse_range)
{
    const int64_t top = (int64_t)1 << 22; /* a four-level bitmap */
    book *b = make_book(1, top, 0);
    book_id far_low = place(b, BOOK_BUY, 1, 1, 1);
    book_id low = place(b, BOOK_BUY, 4097, 1, 1);
    book_id high = place(b, BOOK_SELL, top - 262144, 1, 1);
    place(b, BOOK_SELL, top, 1, 1);
    cr_assert_eq(book_best_bid(b), 4097);
    cr_assert_eq(book_cancel(b, low, NULL, NULL), 0);
    cr_assert_eq(book_best_bid(b), 1);
    cr_assert_eq(book_cancel(b, far_low, NULL, NULL), 0);
    cr_assert_eq(book_best_bid(b), BOOK_NO_PRICE);
    cr_assert_eq(book_cancel(b, high, NULL, NULL), 0);
    cr_assert_eq(book_best_ask(b), top);
    book_impact imp;
    cr_assert_eq(book_impact_price(b, BOOK_BUY, top, &imp, NULL), 0);
    cr_assert_eq(imp.complete, 1);
    cr_assert_eq(imp.last_price, top);
    book_free(b);
}

/* ---- the pool ---------------------------------------------------------- */

Test(book, pool_grows_beyond_its_initial_capacity)
{
    book *b = make_book(1, 10000, 1);
    book_id ids[3000];
    for (int i = 0; i < 3000; i++)
        ids[i] = place(b, i % 2 ? BOOK_SELL : BOOK_BUY, i % 2 ? 6000 + i : 4000 - i, 1,
                       (uint32_t)(i % 700));
    cr_assert_eq(book_order_count(b), 3000);
    cr_assert_geq(book_slot_capacity(b), 3000);
    for (int i = 0; i < 3000; i++) {
        book_order_info info;
        cr_assert_eq(book_lookup(b, ids[i], &info, NULL), 0);
        cr_assert_eq(info.owner, (uint32_t)(i % 700));
        cr_assert_lt(book_id_slot(ids[i]), book_slot_capacity(b));
    }
    book_free(b);
}

Test(book, ids_are_never_reused)
{
    book *b = make_book(1, 1000, 2);
    enum { N = 5000 };
    book_id *ids = malloc(N * sizeof *ids);
    for (int i = 0; i < N; i++) {
        ids[i] = place(b, BOOK_BUY, 100, 1, 1);
        if (i % 3 != 2)
            cr_assert_eq(book_cancel(b, ids[i], NULL, NULL), 0);
    }
    qsort(ids, N, sizeof *ids, compare_ids);
    for (int i = 1; i < N; i++)
        cr_assert_neq(ids[i], ids[i - 1]);
    free(ids);
    book_free(b);
}
