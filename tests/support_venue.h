/*
 * support_venue: helpers shared by the venue tests (test_venue.c,
 * test_venue_liq.c, test_venue_random.c): a venue on a built-in profile,
 * orders that must be accepted, rest or fill, the mark, the liquidation
 * records, and a venue with one trader holding a position bought from a
 * whale.
 *
 * Units: Binance and Bybit have 0.1 USDT ticks and 0.001 BTC lots, so K
 * (cash per tick-lot) is 100 cash units of 1e-6 USDT, a price of 500000
 * ticks is 50,000 USDT and 100 lots are 0.1 BTC; Hyperliquid has 1 USD
 * ticks and 1e-5 BTC lots (K = 10); dYdX 1 USD ticks and 1e-4 BTC lots
 * (K = 100). Rates: 0.4% is 400,000 / 1e8.
 */
#ifndef PERPSIM_TESTS_SUPPORT_VENUE_H
#define PERPSIM_TESTS_SUPPORT_VENUE_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profile_yaml.h"
#include "support.h"
#include "venue.h"

/* A copy of a built-in profile without trading fees, for tests about the
 * movement of notional alone. */
static inline profile without_fees(const char *name)
{
    profile p = *builtin_profile(name);
    p.maker_fee = 0;
    p.taker_fee = 0;
    return p;
}

static inline venue *make_venue(const profile *p, int64_t lo, int64_t hi,
                                int64_t mark)
{
    perr e = {0, ""};
    venue *v = venue_new(p, lo, hi, mark, 16, 16, &e);
    cr_assert_not_null(v, "venue_new: %s", e.msg);
    return v;
}

static inline book_result submit(venue *v, uint32_t id, int side, book_type type,
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
static inline book_result accepted(venue *v, uint32_t id, int side, book_type type,
                                   int64_t price, int64_t size, unsigned flags)
{
    venue_reject why;
    book_result r = submit(v, id, side, type, price, size, flags, &why);
    cr_assert_eq(why, VENUE_ACCEPTED, "%s", venue_reject_name(why));
    return r;
}

/* A limit order that the venue must accept and that must rest whole. */
static inline book_id rest(venue *v, uint32_t id, int side, int64_t price,
                           int64_t size)
{
    book_result r = accepted(v, id, side, BOOK_LIMIT, price, size, 0);
    cr_assert_eq(r.outcome, BOOK_RESTED);
    cr_assert_eq(r.rested, size);
    return r.id;
}

/* An IOC that the venue must accept and that must fill whole. */
static inline void take(venue *v, uint32_t id, int side, int64_t price, int64_t size)
{
    book_result r = accepted(v, id, side, BOOK_IOC, price, size, 0);
    cr_assert_eq(r.filled, size, "take: filled %lld of %lld",
                 (long long)r.filled, (long long)size);
}

static inline void set_mark(venue *v, int64_t now, int64_t mark)
{
    perr e = {0, ""};
    cr_assert_eq(venue_set_mark(v, now, mark, &e), 0, "venue_set_mark: %s",
                 e.msg);
}

static inline void update(venue *v, int64_t now)
{
    perr e = {0, ""};
    cr_assert_eq(venue_update(v, now, &e), 0, "venue_update: %s", e.msg);
}

static inline const account *acct(const venue *v, uint32_t id)
{
    const account *a = venue_account(v, id);
    cr_assert_not_null(a, "no account %u", (unsigned)id);
    return a;
}

static inline int64_t balance_at(const venue *v, uint32_t id, int64_t mark)
{
    margin_position pos = accounts_position(venue_accounts(v), id);
    return margin_balance(venue_profile(v), &pos, mark);
}

static inline const venue_liquidation *liquidations(const venue *v, size_t *n)
{
    return venue_liquidations(v, n);
}

static inline void expect_liquidation(const venue_liquidation *r, uint32_t id,
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
static inline uint32_t whale(venue *v)
{
    return open_account(v, INT64_C(1000000000000000), ACCOUNT_CROSS, 1);
}

/* A new account with deposit in mode at leverage that opens side x lots at
 * price, taking them from the order maker rests for it. */
static inline uint32_t trader_with(venue *v, uint32_t maker, int64_t deposit,
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
static inline const venue_liquidation *one_liquidation(const venue *v, uint32_t id,
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

static inline trader_setup trader_setup_on(venue *v, int64_t deposit,
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

static inline trader_setup binance_long(const profile *p, account_mode mode)
{
    return trader_setup_on(make_venue(p, 400000, 700000, 500000), 1000000000,
                           mode, 20, BOOK_BUY, 500000, 100);
}

/* A Hyperliquid venue around 60,000 USDC with one trader long lots at
 * 60,000 at 20x. */
static inline trader_setup hyperliquid_long(int64_t deposit, account_mode mode,
                                            int64_t lots)
{
    return trader_setup_on(make_venue(builtin_profile("hyperliquid"), 30000,
                                      90000, 60000),
                           deposit, mode, 20, BOOK_BUY, 60000, lots);
}


#endif
