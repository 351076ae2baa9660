/*
 * Tests of the cross-venue arbitrageurs (models/agent_xarb.h): with venue A
 * rich and venue B cheap they sell A and buy B in equal base quantities
 * (across different lot sizes), the gap between the two mids narrows and is
 * left where the edge of agent_xarb.h runs out; they unwind when the gap
 * closes; each leg stays within max_position_notional; a higher funding
 * estimate near settlement on one venue makes them short there at no price
 * gap; the ledger audit holds on both venues after every wake; the same
 * seed gives the same actions; bad parameters name the key.
 *
 * Venues: A is Binance (0.1 USDT ticks, 0.001 BTC lots, taker 0.05%), B is
 * OKX (0.1 USDT ticks, 0.01 BTC lots, taker 0.05%), both around an index of
 * 500000 ticks (50,000 USDT). Entry needs an edge above 0.0005 + 0.0005 +
 * 2 bp = 0.0012 of the index, i.e. 600 ticks between A's bid and B's ask.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_xarb.h"
#include "funding.h"
#include "support.h"
#include "support_agent.h"
#include "venue.h"

#define INDEX INT64_C(500000)
#define HOUR INT64_C(3600000)
#define DAY0 INT64_C(1752105600000)

typedef struct pair {
    venue *v[2];
    funding *f[2];
    uint32_t whale[2];
} pair;

static const profile *okx(void)
{
    return builtin_profile("okx");
}

static pair make_pair(void)
{
    pair p;
    memset(&p, 0, sizeof p);
    p.v[0] = test_venue(binance(), 64);
    p.v[1] = test_venue(okx(), 64);
    for (int k = 0; k < 2; k++)
        p.whale[k] = test_whale(p.v[k]);
    return p;
}

/* Releases pop and the pair it trades on. */
static void free_pair(agent_pop *pop, pair *p)
{
    agent_free(pop);
    for (int k = 0; k < 2; k++) {
        venue_free(p->v[k]);
        funding_free(p->f[k]);
    }
}

/* A rich, B cheap: A bids 501000 down and asks 501100 up, B bids 499000
 * down and asks 499120 up, 1 bp steps, 0.05 BTC a level on both (50 lots
 * on A, 5 on B); the mids are 1990 ticks (40 bp) apart. */
static void quote_apart(pair *p)
{
    test_quotes(p->v[0], p->whale[0], 501000, 501100, 50, 40, 50);
    test_quotes(p->v[1], p->whale[1], 499000, 499120, 50, 40, 5);
}

/* A pair where A quotes bid_a / ask_a and B bid_b / ask_b, five levels a
 * side 10 ticks apart, of lots_a and lots_b lots a level. */
static pair pair_quoting(int64_t bid_a, int64_t ask_a, int64_t lots_a,
                         int64_t bid_b, int64_t ask_b, int64_t lots_b)
{
    pair p = make_pair();
    test_quotes(p.v[0], p.whale[0], bid_a, ask_a, 10, 5, lots_a);
    test_quotes(p.v[1], p.whale[1], bid_b, ask_b, 10, 5, lots_b);
    return p;
}

/* Both at the index, 499990 / 500010, deep. */
static void quote_together(pair *p)
{
    for (int k = 0; k < 2; k++) {
        venue_cancel_all(p->v[k], p->whale[k]);
        int64_t lots = k == 0 ? 1000 : 100;
        test_quotes(p->v[k], p->whale[k], 499990, 500010, 10, 5, lots);
    }
}

static agent_xarb_params params(uint32_t count)
{
    agent_xarb_params p;
    support_agent_params(&agent_xarb_kind, &p, count);
    return p;
}

static agent_pop *make_pop(const agent_xarb_params *prm, pair *p, uint64_t seed)
{
    return support_agent_pop(&agent_xarb_kind, prm, p->v, 2, seed, "xarbs",
                             "populations[1]");
}

SUPPORT_AGENT_STATS(xarb)

static void wake_n(agent_pop *pop, pair *p, int64_t now, int n)
{
    agent_market m[2] = {{p->v[0], p->f[0], "binance", (double)INDEX, {1.0}},
                         {p->v[1], p->f[1], "okx", (double)INDEX, {1.0}}};
    agent_world w = {now, DAY0, (double)INDEX * 0.1, 2, m};
    for (int k = 0; k < n; k++) {
        arrival_next(&pop->arrival);
        support_agent_wake(pop, &w);
        support_audit(p->v[0]);
        support_audit(p->v[1]);
    }
}

static int64_t leg_size(const pair *p, const agent_pop *pop, int leg, uint32_t i)
{
    return venue_account(p->v[leg], agent_account(pop, leg, i))->size;
}

/* Every agent holds equal and opposite base on the two venues:
 * sizeA x 0.001 + sizeB x 0.01 == 0, i.e. sizeA == -10 sizeB. */
static void expect_matched(const pair *p, const agent_pop *pop, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        cr_assert_eq(leg_size(p, pop, 0, i), -10 * leg_size(p, pop, 1, i),
                     "agent %u: %lld lots on A, %lld on B", (unsigned)i,
                     (long long)leg_size(p, pop, 0, i),
                     (long long)leg_size(p, pop, 1, i));
}

static double mid_gap(const pair *p)
{
    return (double)(book_mid_x2(venue_book_view(p->v[0]))
                    - book_mid_x2(venue_book_view(p->v[1]))) / 2.0;
}

Test(agent_xarb, they_sell_the_dear_venue_buy_the_cheap_and_the_gap_narrows)
{
    pair p = make_pair();
    quote_apart(&p);
    cr_assert_eq(mid_gap(&p), 1990.0);
    agent_xarb_params prm = params(3);
    agent_pop *pop = make_pop(&prm, &p, 1);
    wake_n(pop, &p, 0, 300);

    int64_t sold_a = 0;
    for (uint32_t i = 0; i < 3; i++) {
        cr_assert_leq(leg_size(&p, pop, 0, i), 0, "agent %u long on dear A", (unsigned)i);
        cr_assert_geq(leg_size(&p, pop, 1, i), 0, "agent %u short on cheap B", (unsigned)i);
        sold_a -= leg_size(&p, pop, 0, i);
    }
    cr_assert_gt(sold_a, 0);
    expect_matched(&p, pop, 3);
    /* Each pair trade takes one level of each touch (0.05 BTC both); the
     * k-th pairs A's bid 501000 - 50 k with B's ask 499120 + 50 k, 1880 -
     * 100 k ticks apart, and trades while that exceeds 600: k = 0 ... 12,
     * 13 levels. The 14th pair, 580 apart, is left. */
    cr_assert_eq(sold_a, 13 * 50);
    int64_t bid_a = book_best_bid(venue_book_view(p.v[0]));
    int64_t ask_b = book_best_ask(venue_book_view(p.v[1]));
    cr_assert_eq(bid_a, 500350);
    cr_assert_eq(ask_b, 499770);
    /* The mids: (500350 + 501100) / 2 - (499000 + 499770) / 2 = 1340. */
    cr_assert_eq(mid_gap(&p), 1340.0);
    cr_assert_eq(stats(pop).lots_sold[0], 650);
    cr_assert_eq(stats(pop).lots_bought[1], 65);
    cr_assert_eq(stats(pop).lots_bought[0] + stats(pop).lots_sold[1], 0);
    free_pair(pop, &p);
}

Test(agent_xarb, they_unwind_when_the_gap_closes)
{
    pair p = make_pair();
    quote_apart(&p);
    agent_xarb_params prm = params(3);
    agent_pop *pop = make_pop(&prm, &p, 2);
    wake_n(pop, &p, 0, 300);
    cr_assert_gt(stats(pop).entries, 0);
    /* Together: the remaining edge (askA - bidB) / I = 20 / 500000 = 0.4 bp
     * is below exit_bps 1, and each pair is closed. */
    quote_together(&p);
    wake_n(pop, &p, 1000, 300);
    for (uint32_t i = 0; i < 3; i++) {
        cr_assert_eq(leg_size(&p, pop, 0, i), 0);
        cr_assert_eq(leg_size(&p, pop, 1, i), 0);
    }
    cr_assert_gt(stats(pop).exits, 0);
    cr_assert_eq(stats(pop).lots_bought[0], stats(pop).lots_sold[0]);
    cr_assert_eq(stats(pop).lots_sold[1], stats(pop).lots_bought[1]);
    free_pair(pop, &p);
}

Test(agent_xarb, no_trade_while_the_gap_is_within_fees_and_threshold)
{
    /* A bids 500300, B asks 499710: 590 ticks, 0.00118 < 0.0012. */
    pair p = pair_quoting(500300, 500320, 100, 499690, 499710, 10);
    agent_xarb_params prm = params(2);
    agent_pop *pop = make_pop(&prm, &p, 3);
    wake_n(pop, &p, 0, 100);
    cr_assert_eq(stats(pop).entries, 0);
    cr_assert_eq(stats(pop).lots_sold[0] + stats(pop).lots_bought[1], 0);
    free_pair(pop, &p);
}

Test(agent_xarb, each_leg_stays_within_max_position_notional)
{
    /* A gap that never closes (deep levels), a small bound. */
    pair p = pair_quoting(502000, 502010, 10000, 497990, 498000, 1000);
    agent_xarb_params prm = params(3);
    prm.sizing.order_notional = 7000;
    prm.sizing.max_position_notional = 20000;
    prm.sizing.capital = 6000;
    prm.sizing.leverage = 4;
    agent_pop *pop = make_pop(&prm, &p, 4);
    int64_t bound = INT64_C(20000000000);
    for (int k = 0; k < 200; k++) {
        wake_n(pop, &p, k, 1);
        for (uint32_t i = 0; i < 3; i++)
            for (int leg = 0; leg < 2; leg++) {
                const account *a = venue_account(p.v[leg],
                                                  agent_account(pop, leg, i));
                cr_assert_leq(a->cost < 0 ? -a->cost : a->cost, bound,
                              "agent %u leg %d: cost %lld", (unsigned)i, leg,
                              (long long)a->cost);
            }
    }
    /* The bound binds. Pairs of 0.14 BTC (7000 / 50,000): 14 lots of B at
     * 498 USDT and 140 of A at 50,200, twice; then A has room for 118 lots
     * (5,944 USDT) and B for 12, so 0.118 BTC: 11 of B, 110 of A; then A's
     * room of 8 lots is less than one of B's 0.01 BTC lots. Full: 39 and
     * -390 lots, 19,422 and 19,578 USDT. */
    for (uint32_t i = 0; i < 3; i++) {
        cr_assert_eq(leg_size(&p, pop, 1, i), 39, "agent %u", (unsigned)i);
        cr_assert_eq(leg_size(&p, pop, 0, i), -390, "agent %u", (unsigned)i);
    }
    cr_assert_eq(stats(pop).rejects, 0);
    free_pair(pop, &p);
}

/* Binance's rules with the rate known ahead, so the test sets the estimate. */
static profile known_binance, known_okx;

static void add_funding(pair *p, int64_t rate_a, int64_t rate_b)
{
    perr e = {0, ""};
    known_binance = *binance();
    known_okx = *okx();
    known_binance.funding_known_ahead = 1;
    known_okx.funding_known_ahead = 1;
    p->f[0] = funding_new(&known_binance, DAY0, &e);
    p->f[1] = funding_new(&known_okx, DAY0, &e);
    cr_assert(p->f[0] && p->f[1], "funding_new: %s", e.msg);
    cr_assert_eq(funding_set_known_rate(p->f[0], rate_a, &e), 0, "%s", e.msg);
    cr_assert_eq(funding_set_known_rate(p->f[1], rate_b, &e), 0, "%s", e.msg);
    cr_assert_eq(funding_next_settlement(p->f[0]), 8 * HOUR);
    cr_assert_eq(funding_next_settlement(p->f[1]), 8 * HOUR);
}

Test(agent_xarb, they_short_the_venue_whose_funding_is_higher)
{
    /* No price gap: both books 499990 / 500010. At 07:12 the funding edge
     * is 0.0027 on the venue paying 0.3% and 0 on the other, so shorting
     * it earns -20 / 500000 + 0.0027 = 0.00266 > 0.0012. At 01:00 the same
     * rate weighs 0.000375, and -0.00004 + 0.000375 < 0.0012: no trade. */
    for (int rich = 0; rich < 2; rich++) {
        pair p = make_pair();
        quote_together(&p);
        add_funding(&p, rich == 0 ? 300000 : 0, rich == 1 ? 300000 : 0);
        agent_xarb_params prm = params(2);
        agent_pop *pop = make_pop(&prm, &p, 5);
        wake_n(pop, &p, 1 * HOUR, 100);
        cr_assert_eq(stats(pop).entries, 0);
        wake_n(pop, &p, 7 * HOUR + 12 * 60000, 20);
        cr_assert_gt(stats(pop).entries, 0);
        int64_t short_side = 0;
        for (uint32_t i = 0; i < 2; i++) {
            cr_assert_leq(leg_size(&p, pop, rich, i), 0, "venue %d", rich);
            cr_assert_geq(leg_size(&p, pop, 1 - rich, i), 0);
            short_side += leg_size(&p, pop, rich, i);
        }
        cr_assert_lt(short_side, 0);
        expect_matched(&p, pop, 2);
        free_pair(pop, &p);
    }
}

Test(agent_xarb, same_seed_gives_the_same_actions)
{
    pair p[2];
    agent_pop *pop[2];
    agent_xarb_params prm = params(5);
    prm.sizing.order_notional = 1000;
    for (int r = 0; r < 2; r++) {
        p[r] = make_pair();
        quote_apart(&p[r]);
        pop[r] = make_pop(&prm, &p[r], 31);
        wake_n(pop[r], &p[r], 0, 80);
    }
    agent_xarb_stats a = stats(pop[0]), b = stats(pop[1]);
    cr_assert_eq(memcmp(&a, &b, sizeof a), 0);
    cr_assert_gt(a.entries, 10);
    for (uint32_t i = 0; i < 5; i++)
        for (int leg = 0; leg < 2; leg++) {
            const account *x = venue_account(p[0].v[leg], agent_account(pop[0], leg, i));
            const account *y = venue_account(p[1].v[leg], agent_account(pop[1], leg, i));
            cr_assert(x->size == y->size && x->cost == y->cost && x->cash == y->cash,
                      "agent %u leg %d differs", (unsigned)i, leg);
        }
    for (int r = 0; r < 2; r++) {
        free_pair(pop[r], &p[r]);
    }
}

Test(agent_xarb, bad_parameters_name_the_key)
{
    agent_xarb_params ok = params(3);
    static const support_agent_bad bad[] = {
        {"count", 0},          {"threshold_bps", -1},
        {"exit_bps", -0.5},    {"order_notional", INFINITY},
        {"max_position_notional", 10}, {"leverage", 126},
        {"capital", 1},        {"arrival.beta", 0},
    };
    support_agent_bad_values(&agent_xarb_kind, &ok, binance(), "populations[1]",
                             bad, sizeof bad / sizeof bad[0]);
}

Test(agent_xarb, the_registry_makes_a_two_venue_population)
{
    const agent_kind *k = support_agent_kind("cross_venue_arb");
    cr_assert_eq(k->two_venues, 1);
    agent_xarb_params prm;
    support_agent_defaults(k, &prm, okx(), "populations[1]");
    static const char *const keys[] = {
        "count", "threshold_bps", "exit_bps", "order_notional",
        "max_position_notional", "leverage", "capital", "arrival.process",
        "arrival.rate", "arrival.alpha", "arrival.beta"};
    support_agent_has_keys(k, keys, sizeof keys / sizeof keys[0]);
    perr e = {0, ""};

    pair p = make_pair();
    agent_market m[3] = {{p.v[1], NULL, "okx", (double)INDEX, {1.0}},
                         {p.v[0], NULL, "binance", (double)INDEX, {1.0}},
                         {p.v[0], NULL, "binance", (double)INDEX, {1.0}}};
    agent_world w = {0, DAY0, 50000.0, 3, m};
    /* Without a second venue, or with the same venue twice: an error. */
    agent_setup none = {&w, 0, -1, 9, "xarbs", 0, "populations[1]"};
    cr_assert_null(agent_kind_create(k, &prm, &none, &e));
    cr_assert(strstr(e.msg, "populations[1].other_venue:") == e.msg, "%s", e.msg);
    agent_setup same = {&w, 1, 2, 9, "xarbs", 0, "populations[1]"};
    cr_assert_null(agent_kind_create(k, &prm, &same, &e));
    cr_assert(strstr(e.msg, "populations[1].other_venue:") == e.msg, "%s", e.msg);
    agent_setup s = {&w, 1, 0, 9, "xarbs", 0, "populations[1]"};
    agent_pop *pop = agent_kind_create(k, &prm, &s, &e);
    cr_assert_not_null(pop, "%s", e.msg);
    cr_assert_str_eq(pop->kind->kind, "cross_venue_arb");
    cr_assert_eq(pop->market, 1);
    cr_assert_eq(pop->other_market, 0);
    /* Leg A is markets[1] (Binance), leg B markets[0] (OKX). */
    cr_assert_eq(venue_account(p.v[0], agent_account(pop, 0, 0))->cash,
                 INT64_C(500000000000));
    cr_assert_eq(venue_account(p.v[1], agent_account(pop, 1, 0))->cash,
                 INT64_C(500000000000));
    free_pair(pop, &p);
}
