/*
 * Tests of the basis and funding arbitrageurs (models/agent_arb.h) behind
 * the population interface (models/agent.h): a perp trading above the index
 * is sold down toward it and one below is bought up; they take every bid
 * (ask) that still leaves their edge and none beyond, so the closed-form
 * limit of agent_arb.h is where the book is left; a positive funding
 * estimate close to settlement makes them short a perp at zero premium, at
 * exactly the limit the funding edge gives, while the same estimate early
 * in the interval does not; they unwind when the basis reverts, with their
 * spot leg following the perp; positions stay within max_position_notional;
 * the ledger audit holds after every wake; the same seed gives the same
 * actions; bad parameters are errors naming the key.
 *
 * The venue is Binance (0.1 USDT ticks, 0.001 BTC lots, K = 100 cash units
 * of 1e-6 USDT per tick-lot, taker fee 0.05%) with the index at 500000
 * ticks (50,000 USDT); a whale rests ladders of depth. At the defaults
 * (threshold 2 bp, exit 1 bp, no spot fee) the entry cost plus threshold is
 * 0.0007, so with no funding sell_entry = ceil(500000 x 1.0007) = 500350 and
 * buy_entry = floor(500000 x 0.9993) = 499650.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_arb.h"
#include "funding.h"
#include "support.h"
#include "support_agent.h"
#include "venue.h"

#define INDEX INT64_C(500000)
#define HOUR INT64_C(3600000)
/* 2025-07-10T00:00:00Z: Binance settles at 8h, 16h, 24h after it. */
#define DAY0 INT64_C(1752105600000)

static agent_arb_params params(uint32_t count)
{
    agent_arb_params p;
    support_agent_params(&agent_arb_kind, &p, count);
    return p;
}

static agent_pop *make_pop(const agent_arb_params *p, venue *v, uint64_t seed)
{
    return support_agent_pop(&agent_arb_kind, p, &v, 1, seed, "arbs",
                             "populations[0]");
}

/* (mid - index) / index, both in ticks. */
static double mid_premium(const venue *v, double index)
{
    int64_t mid_x2 = book_mid_x2(venue_book_view(v));
    cr_assert_neq(mid_x2, BOOK_NO_PRICE, "the book has no mid");
    return ((double)mid_x2 / 2.0 - index) / index;
}

SUPPORT_AGENT_STATS(arb)

/* Wakes pop n times at now on v (funding clock f, may be NULL), auditing
 * the ledger after every wake. */
static void wake_n(agent_pop *pop, venue *v, funding *f, int64_t now, int n)
{
    agent_market m = {v, f, "binance", (double)INDEX, {1.0}};
    agent_world w = {now, DAY0, (double)INDEX * 0.1, 1, &m};
    for (int k = 0; k < n; k++) {
        arrival_next(&pop->arrival);
        support_agent_wake(pop, &w);
        support_audit(v);
    }
}

/* The sum of the population's perp positions (lots). */
static int64_t total_size(const venue *v, const agent_pop *pop, uint32_t count)
{
    int64_t sum = 0;
    for (uint32_t i = 0; i < count; i++)
        sum += venue_account(v, test_agent(pop, i))->size;
    return sum;
}

/* Every agent's spot leg is minus its perp position. */
static void expect_hedged(const venue *v, const agent_pop *pop, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        double base, cash;
        agent_arb_spot(pop, i, &base, &cash);
        int64_t size = venue_account(v, test_agent(pop, i))->size;
        cr_assert(fabs(base + (double)size * 0.001) < 1e-9,
                  "agent %u: spot %g against %lld lots", (unsigned)i, base,
                  (long long)size);
    }
}

Test(agent_arb, sell_a_rich_perp_down_toward_the_index)
{
    /* Bids 501000, 500950, ... 499050 (1 bp steps), asks 501100 up: the mid
     * 501050 is 21 bp above the index. Arbitrageurs take the bids down to
     * sell_entry = 500350, 14 levels of 20 lots, and leave 500300 on top. */
    venue *v = test_venue_quoted(binance(), 64, 501000, 501100, 50, 40, 20, NULL);
    double before = mid_premium(v, (double)INDEX);
    double impact_before = funding_premium(binance(), venue_book_view(v),
                                           (double)INDEX,
                                           funding_impact_notional(binance()));
    cr_assert(fabs(before - 0.0021) < 1e-9, "premium %g", before);
    agent_arb_params p = params(3);
    agent_pop *pop = make_pop(&p, v, 1);
    wake_n(pop, v, NULL, 0, 200);

    double after = mid_premium(v, (double)INDEX);
    double impact_after = funding_premium(binance(), venue_book_view(v),
                                          (double)INDEX,
                                          funding_impact_notional(binance()));
    cr_assert_lt(after, before - 0.0005, "premium %g -> %g", before, after);
    cr_assert_gt(after, 0);
    cr_assert_lt(impact_after, impact_before);
    cr_assert_eq(book_best_bid(venue_book_view(v)), 500300);
    cr_assert_eq(total_size(v, pop, 3), -14 * 20);
    for (uint32_t i = 0; i < 3; i++) {
        const account *a = venue_account(v, test_agent(pop, i));
        cr_assert_leq(a->size, 0);
        if (a->size != 0) /* sold at 500350 or better: cost <= -500350 K */
            cr_assert_leq(a->cost, a->size * 500350 * 100, "agent %u", (unsigned)i);
    }
    expect_hedged(v, pop, 3);
    support_agent_free(pop, v);
}

Test(agent_arb, buy_a_cheap_perp_up_toward_the_index)
{
    /* The mirror: asks 499000, 499050, ... and bids 498900 down; the mid is
     * 21 bp below. They lift asks up to buy_entry = 499650 (14 levels). */
    venue *v = test_venue(binance(), 64);
    uint32_t whale = test_whale(v);
    test_ladder(v, whale, BOOK_SELL, 499000, 50, 40, 20);
    test_ladder(v, whale, BOOK_BUY, 498900, -50, 40, 20);
    double before = mid_premium(v, (double)INDEX);
    cr_assert(fabs(before + 0.0021) < 1e-9, "premium %g", before);
    agent_arb_params p = params(3);
    agent_pop *pop = make_pop(&p, v, 2);
    wake_n(pop, v, NULL, 0, 200);
    double after = mid_premium(v, (double)INDEX);
    cr_assert_gt(after, before + 0.0005, "premium %g -> %g", before, after);
    cr_assert_lt(after, 0);
    cr_assert_eq(book_best_ask(venue_book_view(v)), 499700);
    cr_assert_eq(total_size(v, pop, 3), 14 * 20);
    expect_hedged(v, pop, 3);
    support_agent_free(pop, v);
}

Test(agent_arb, nothing_is_traded_inside_the_band)
{
    /* A book at 499660 / 500340 sits just inside both entry limits. */
    venue *v = test_venue_quoted(binance(), 64, 500340, 500345, 10, 20, 100, NULL);
    agent_arb_params p = params(2);
    agent_pop *pop = make_pop(&p, v, 3);
    wake_n(pop, v, NULL, 0, 100);
    cr_assert_eq(stats(pop).entries, 0);
    cr_assert_eq(stats(pop).lots_sold + stats(pop).lots_bought, 0);
    support_agent_free(pop, v);
}

Test(agent_arb, the_funding_edge_has_its_closed_form)
{
    /* f = F / 1e8 x (1 - tau / T). */
    cr_assert(fabs(agent_arb_funding_edge(300000, 0, 8 * HOUR, 8 * HOUR)) < 1e-15);
    cr_assert(fabs(agent_arb_funding_edge(300000, 4 * HOUR, 8 * HOUR, 8 * HOUR)
                   - 0.0015) < 1e-15);
    cr_assert(fabs(agent_arb_funding_edge(300000, 7 * HOUR + 12 * 60000, 8 * HOUR,
                                          8 * HOUR) - 0.0027) < 1e-15);
    cr_assert(fabs(agent_arb_funding_edge(-100000, 7 * HOUR, 8 * HOUR, 8 * HOUR)
                   + 0.000875) < 1e-15);
    /* The weight stays in [0, 1]. */
    cr_assert(fabs(agent_arb_funding_edge(100000, 8 * HOUR, 8 * HOUR, HOUR)
                   - 0.001) < 1e-15);
    cr_assert(fabs(agent_arb_funding_edge(100000, 0, 9 * HOUR, HOUR)) < 1e-15);
    agent_arb_params p = params(1);
    agent_arb_limits lim;
    agent_arb_limits_get(&p, binance(), (double)INDEX, 0.0027, &lim);
    /* 500000 x (1 + 0.0007 - 0.0027) = 499000, (1 - 0.0007 - 0.0027) =
     * 498300, (1 + 0.0001 - 0.0027) = 498700, (1 - 0.0001 - 0.0027) = 498600. */
    cr_assert_eq(lim.sell_entry, 499000);
    cr_assert_eq(lim.buy_entry, 498300);
    cr_assert_eq(lim.buy_exit, 498700);
    cr_assert_eq(lim.sell_exit, 498600);
    agent_arb_limits_get(&p, binance(), (double)INDEX, 0, &lim);
    cr_assert_eq(lim.sell_entry, 500350);
    cr_assert_eq(lim.buy_entry, 499650);
    cr_assert_eq(lim.buy_exit, 500050);
    cr_assert_eq(lim.sell_exit, 499950);
}

Test(agent_arb, positive_funding_near_settlement_makes_them_short_at_zero_premium)
{
    /* Binance's rules with the rate known ahead, so the estimate is one the
     * test sets: 0.3% for the 08:00 settlement. The book sits at the index
     * (499990 / 500010, 1 bp steps of 10 lots on 150 levels a side). */
    static profile known;
    known = *binance();
    known.funding_known_ahead = 1;
    perr e = {0, ""};
    funding *f = funding_new(&known, DAY0, &e);
    cr_assert_not_null(f, "funding_new: %s", e.msg);
    cr_assert_eq(funding_set_known_rate(f, 300000, &e), 0, "%s", e.msg);
    cr_assert_eq(funding_next_settlement(f), 8 * HOUR);
    uint32_t whale;
    venue *v = test_venue_quoted(&known, 64, 499990, 500010, 10, 150, 10, &whale);
    cr_assert(fabs(mid_premium(v, (double)INDEX)) < 1e-12);
    agent_arb_params p = params(2);
    agent_pop *pop = make_pop(&p, v, 4);

    /* At 01:00, f = 0.003 x 1/8 = 0.000375 < 0.0007: sell_entry 500163 is
     * above the bid, and nothing trades. */
    wake_n(pop, v, f, 1 * HOUR, 100);
    cr_assert_eq(stats(pop).lots_sold + stats(pop).lots_bought, 0);

    /* At 07:12, f = 0.0027 and sell_entry = 499000: they sell every bid
     * from 499990 down to 499000 (100 levels of 10 lots) and no lower. */
    wake_n(pop, v, f, 7 * HOUR + 12 * 60000, 300);
    cr_assert_eq(total_size(v, pop, 2), -100 * 10);
    cr_assert_eq(book_best_bid(venue_book_view(v)), 498990);
    cr_assert_eq(stats(pop).lots_bought, 0);
    expect_hedged(v, pop, 2);

    /* The 08:00 settlement pays them the 0.3% (each short receives
     * |size| x 500000 x 100 x 0.003 cash units at the mark 500000), and the
     * estimate becomes the next interval's: its samples all read a book
     * without premium, so F is the interest 0.01%, weighted by one minute
     * of eight hours, f = 0.0001 / 480. Their edge is the premium alone:
     * buy_exit = floor(500000 x (1.0001 - f)) = 500049, and they buy back
     * the asks 500010 ... 500040 (40 lots), not the 500050 beyond. */
    int64_t cash0 = venue_account(v, test_agent(pop, 0))->cash;
    int64_t size0 = venue_account(v, test_agent(pop, 0))->size;
    cr_assert_eq(funding_advance(f, v, 8 * HOUR + 60000, (double)INDEX, &e), 0,
                 "funding_advance: %s", e.msg);
    size_t n;
    const funding_settlement *rec = funding_settlements(f, &n);
    cr_assert_eq(n, 1);
    cr_assert_eq(rec[0].parts.rate, 300000);
    cr_assert_eq(venue_account(v, test_agent(pop, 0))->cash - cash0,
                 -size0 * 500000 * 100 * 3 / 1000);
    cr_assert_eq(funding_next_settlement(f), 16 * HOUR);
    cr_assert_eq(funding_estimate(f, NULL), 10000);
    agent_arb_limits lim;
    agent_arb_limits_get(&p, &known, (double)INDEX,
                         agent_arb_market_funding_edge(
                             &(agent_market){v, f, "binance", (double)INDEX, {1.0}},
                             8 * HOUR + 60000), &lim);
    cr_assert_eq(lim.buy_exit, 500049);
    wake_n(pop, v, f, 8 * HOUR + 60000, 300);
    cr_assert_eq(total_size(v, pop, 2), -960);
    cr_assert_eq(book_best_ask(venue_book_view(v)), 500050);
    expect_hedged(v, pop, 2);
    /* Depth at 500010 again: they close the rest. */
    test_ladder(v, whale, BOOK_SELL, 500010, 10, 1, 2000);
    wake_n(pop, v, f, 8 * HOUR + 120000, 300);
    cr_assert_eq(total_size(v, pop, 2), 0);
    expect_hedged(v, pop, 2);
    support_agent_free(pop, v);
    funding_free(f);
}

Test(agent_arb, they_unwind_when_the_basis_reverts)
{
    uint32_t whale;
    venue *v = test_venue_quoted(binance(), 64, 501000, 501100, 50, 40, 20, &whale);
    agent_arb_params p = params(3);
    agent_pop *pop = make_pop(&p, v, 5);
    wake_n(pop, v, NULL, 0, 200);
    cr_assert_eq(total_size(v, pop, 3), -280);
    /* The whale re-quotes at the index: 499990 / 500010, deep. The ask is
     * below buy_exit = 500050, so each short is bought back. */
    venue_cancel_all(v, whale);
    test_quotes(v, whale, 499990, 500010, 10, 5, 1000);
    wake_n(pop, v, NULL, 1000, 200);
    cr_assert_eq(total_size(v, pop, 3), 0);
    for (uint32_t i = 0; i < 3; i++) {
        cr_assert_eq(venue_account(v, test_agent(pop, i))->size, 0);
        double base, cash;
        agent_arb_spot(pop, i, &base, &cash);
        cr_assert(fabs(base) < 1e-12);
    }
    cr_assert_gt(stats(pop).exits, 0);
    cr_assert_eq(stats(pop).lots_bought, 280);
    support_agent_free(pop, v);
}

Test(agent_arb, positions_never_exceed_max_position_notional)
{
    /* A deep rich book (bids at 20 bp over the index, 1000 lots a level):
     * the edge never runs out, only the bound stops them. */
    venue *v = test_venue_quoted(binance(), 64, 501000, 501100, 10, 10, 1000, NULL);
    agent_arb_params p = params(4);
    p.sizing.order_notional = 25000;
    p.sizing.max_position_notional = 60000;
    p.sizing.capital = 25000;
    p.sizing.leverage = 3;
    agent_pop *pop = make_pop(&p, v, 6);
    int64_t bound = INT64_C(60000000000); /* 60,000 USDT in cash units */
    for (int k = 0; k < 300; k++) {
        wake_n(pop, v, NULL, k, 1);
        for (uint32_t i = 0; i < 4; i++) {
            const account *a = venue_account(v, test_agent(pop, i));
            cr_assert_leq(a->cost < 0 ? -a->cost : a->cost, bound,
                          "agent %u at wake %d: cost %lld", (unsigned)i, k,
                          (long long)a->cost);
        }
    }
    /* Each is full: within two lots (501000 x 100 cash each) of the bound. */
    for (uint32_t i = 0; i < 4; i++) {
        const account *a = venue_account(v, test_agent(pop, i));
        cr_assert_gt(-a->cost, bound - 2 * 501000 * 100, "agent %u", (unsigned)i);
    }
    cr_assert_eq(stats(pop).rejects, 0);
    support_agent_free(pop, v);
}

Test(agent_arb, same_seed_gives_the_same_actions)
{
    venue *v[2];
    agent_pop *pop[2];
    agent_arb_params p = params(7);
    p.sizing.order_notional = 1000;
    for (int r = 0; r < 2; r++) {
        v[r] = test_venue_quoted(binance(), 64, 501000, 501100, 50, 40, 20, NULL);
        pop[r] = make_pop(&p, v[r], 77);
        wake_n(pop[r], v[r], NULL, 0, 60);
    }
    agent_arb_stats a = stats(pop[0]), b = stats(pop[1]);
    cr_assert_eq(memcmp(&a, &b, sizeof a), 0);
    cr_assert_gt(a.entries, 10);
    cr_assert_eq(arrival_peek(&pop[0]->arrival), arrival_peek(&pop[1]->arrival));
    support_agent_same_accounts(v[0], pop[0], v[1], pop[1], 7);
    int differ = 0;
    for (uint32_t i = 0; i < 7; i++)
        differ += support_agent_size(v[0], pop[0], i)
                  != support_agent_size(v[0], pop[0], 0);
    /* The agents were picked unevenly: positions differ between them. */
    cr_assert_gt(differ, 0);
    support_agent_free_runs(pop, v, 2);
}

Test(agent_arb, bad_parameters_name_the_key)
{
    agent_arb_params ok = params(3), p;
    static const support_agent_bad bad[] = {
        {"count", 0},
        {"threshold_bps", -1},
        {"exit_bps", 3},                   /* above threshold_bps 2 */
        {"spot_fee_bps", NAN},
        {"order_notional", 0},
        {"max_position_notional", 1000},   /* below the order */
        {"leverage", 0},
        {"leverage", 100},                 /* a 1M position is in the 75x bracket */
        {"capital", 100000},               /* x5 < 1M */
        {"arrival.rate", 0},
    };
    support_agent_bad_values(&agent_arb_kind, &ok, binance(), "populations[2]", bad,
                             sizeof bad / sizeof bad[0]);
    perr e = {0, ""};
    /* The exact message of the brief's example. */
    p = ok;
    p.sizing.threshold_bps = -1;
    agent_kind_check(&agent_arb_kind, &p, binance(), "populations[2]", &e);
    cr_assert_str_eq(e.msg, "populations[2].threshold_bps: must be in [0, 10000] (got -1)");
}

Test(agent_arb, the_registry_knows_the_kind_and_its_keys)
{
    const agent_kind *k = support_agent_kind("basis_arb");
    cr_assert_eq(k->two_venues, 0);
    cr_assert_eq(k->params_size, sizeof(agent_arb_params));
    agent_arb_params p;
    support_agent_defaults(k, &p, binance(), "populations[0]");
    static const char *const keys[] = {
        "count", "threshold_bps", "exit_bps", "spot_fee_bps", "order_notional",
        "max_position_notional", "leverage", "capital", "arrival.process",
        "arrival.rate", "arrival.alpha", "arrival.beta"};
    support_agent_has_keys(k, keys, sizeof keys / sizeof keys[0]);
    perr e = {0, ""};
    char why[128];
    cr_assert_eq(param_parse(param_find(k->keys, "threshold_bps"), "3.5", &p,
                             why, sizeof why), 0, "%s", why);
    cr_assert_eq(p.sizing.threshold_bps, 3.5);

    /* create: a population on markets[0] of a world. */
    venue *v = test_venue(binance(), 64);
    agent_market m = {v, NULL, "binance", (double)INDEX, {1.0}};
    agent_world w = {0, DAY0, 50000.0, 1, &m};
    agent_setup s = {&w, 0, -1, 9, "arbs", 0, "populations[0]"};
    agent_pop *pop = agent_kind_create(k, &p, &s, &e);
    cr_assert_not_null(pop, "%s", e.msg);
    cr_assert_str_eq(pop->kind->kind, "basis_arb");
    cr_assert_eq(pop->market, 0);
    cr_assert_eq(pop->other_market, -1);
    const account *a = venue_account(v, test_agent(pop, 0));
    cr_assert_eq(a->cash, INT64_C(500000000000));
    cr_assert_eq(a->leverage, 5);
    support_agent_free(pop, v);
}
