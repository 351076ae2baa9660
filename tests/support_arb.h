/*
 * support_arb: helpers shared by the arbitrageurs' tests (test_agent_arb.c,
 * test_agent_xarb.c): a venue around a centre price with a whale resting
 * ladders of depth (one side, or both: test_quotes) and the premium of its
 * mid (the ledger audit is support.h's).
 */
#ifndef PERPSIM_TESTS_SUPPORT_ARB_H
#define PERPSIM_TESTS_SUPPORT_ARB_H

#include <criterion/criterion.h>
#include <stdint.h>

#include "support.h"
#include "venue.h"
#include "profile_yaml.h"

static inline const profile *builtin_profile(const char *name)
{
    const profile *p = profile_builtin(name);
    cr_assert_not_null(p, "no built-in profile %s", name);
    return p;
}

static inline const profile *binance(void)
{
    return builtin_profile("binance");
}

/* A venue on p trading [centre / 5, centre x 2] with its mark at centre. */
static inline venue *test_venue_at(const profile *p, int64_t centre,
                                   size_t accounts_hint)
{
    perr e = {0, ""};
    venue *v = venue_new(p, centre / 5, centre * 2, centre, accounts_hint, 64, &e);
    cr_assert_not_null(v, "venue_new: %s", e.msg);
    return v;
}

/* Around 500000 ticks (50,000 USDT at Binance's 0.1 USDT ticks). */
static inline venue *test_venue(const profile *p, size_t accounts_hint)
{
    return test_venue_at(p, 500000, accounts_hint);
}

/* An account that can rest any depth these tests ask for. */
static inline uint32_t test_whale(venue *v)
{
    perr e = {0, ""};
    uint32_t id;
    cr_assert_eq(venue_open(v, INT64_C(1000000000000000000), ACCOUNT_CROSS, 1,
                            &id, &e), 0, "venue_open: %s", e.msg);
    return id;
}

/* n resting limit orders of lots each for owner at from, from + step, ... */
static inline void test_ladder(venue *v, uint32_t owner, int side, int64_t from,
                               int64_t step, int n, int64_t lots)
{
    for (int k = 0; k < n; k++) {
        book_order_spec s = {from + k * step, lots, 0, side, BOOK_LIMIT, 0};
        book_result r;
        venue_reject why;
        perr e = {0, ""};
        cr_assert_eq(venue_submit(v, owner, &s, &r, &why, &e), 0, "%s", e.msg);
        cr_assert_eq(r.outcome, BOOK_RESTED, "level %lld: %s",
                     (long long)s.price, venue_reject_name(why));
    }
}

/* Both sides of owner's book on v: n bids of lots each from bid down and n
 * asks from ask up, step ticks apart (bids first). */
static inline void test_quotes(venue *v, uint32_t owner, int64_t bid,
                               int64_t ask, int64_t step, int n, int64_t lots)
{
    test_ladder(v, owner, BOOK_BUY, bid, -step, n, lots);
    test_ladder(v, owner, BOOK_SELL, ask, step, n, lots);
}

/* (mid - index) / index, both in ticks. */
static inline double test_mid_premium(const venue *v, double index)
{
    int64_t mid_x2 = book_mid_x2(venue_book_view(v));
    cr_assert_neq(mid_x2, BOOK_NO_PRICE, "the book has no mid");
    return ((double)mid_x2 / 2.0 - index) / index;
}

#endif
