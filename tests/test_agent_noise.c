/*
 * Tests of the noise takers (models/agent_noise.h) behind the population
 * interface (models/agent.h): market orders never trade beyond their band
 * and limit orders rest behind the touch, one per agent; the side is a coin
 * of bias buy_prob; notionals follow the Pareto law (the Hill estimate of
 * the tail exponent and two exceedance frequencies, against the closed form
 * within sampling error); an agent over its position limit only reduces;
 * top-ups keep every order admissible; the same seed gives the same orders
 * and another population name other ones; bad parameters name the key.
 *
 * The venue is Binance at 50,000 USDT (0.1 USDT ticks, 0.001 BTC lots,
 * K = 100 cash units of 1e-6 USDT per tick-lot) with a whale resting a deep
 * book at 499990 / 500010 ticks, as in test_agent_holder.c.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_noise.h"
#include "margin.h"
#include "support_agent.h"
#include "venue.h"

#define BID INT64_C(499990)
#define ASK INT64_C(500010)
#define MARK INT64_C(500000)
#define K 100.0

/* A venue with a whale resting depth lots at the touch on each side (its
 * account to *whale, unless NULL). */
static venue *make_venue(int64_t depth, uint32_t *whale)
{
    return test_venue_quoted(binance(), 64, BID, ASK, 0, 1, depth, whale);
}

static agent_noise_params params(uint32_t count)
{
    agent_noise_params p;
    support_agent_params(&agent_noise_kind, &p, count);
    return p;
}

static agent_pop *make_pop(const agent_noise_params *p, venue *v, uint64_t seed,
                           const char *name)
{
    return support_agent_pop_on(&agent_noise_kind, "noise_taker", p, v, seed,
                                name, "populations[1]");
}

SUPPORT_AGENT_STATS(noise)

Test(agent_noise, market_orders_never_trade_beyond_the_band)
{
    /* Ten lots at the touch, then a wall at 503000, beyond the 50 bps band
     * (502500): a buy of 20 lots takes the ten and no more. */
    uint32_t whale;
    venue *v = make_venue(10, &whale);
    test_rest(v, whale, BOOK_SELL, 503000, 1000000);
    agent_noise_params p = params(1);
    p.market_share = 1;
    p.buy_prob = 1;
    p.size_min = p.size_max = 1000; /* floor(1e9 / (502500 x 100)) = 19 lots */
    agent_pop *pop = make_pop(&p, v, 1, "noise");
    support_agent_wake_next(pop, v);
    uint32_t id = test_agent(pop, 0);
    cr_assert_eq(venue_account(v, id)->size, 10);
    size_t n;
    const book_fill *f = book_fills(venue_book_view(v), &n);
    for (size_t k = 0; k < n; k++)
        cr_assert_leq(f[k].price, 502500);
    cr_assert_eq(book_best_ask(venue_book_view(v)), 503000);
    cr_assert_eq(venue_accounts(v)->cold[id].open_buy_lots, 0, "a market order rested");
    cr_assert_eq(stats(pop).market_orders, 1);
    cr_assert_eq(stats(pop).rejects, 0);
    support_agent_audit_free(pop, v);
}

Test(agent_noise, limit_orders_rest_behind_the_touch_and_replace_the_last_one)
{
    for (int side = -1; side <= 1; side += 2) {
        venue *v = make_venue(1000000, NULL);
        agent_noise_params p = params(1);
        p.market_share = 0;
        p.buy_prob = side > 0 ? 1 : 0;
        p.limit_offset_bps = 20;
        p.size_min = p.size_max = 5000;
        agent_pop *pop = make_pop(&p, v, 2, "noise");
        uint32_t id = test_agent(pop, 0);
        const book *b = venue_book_view(v);
        double lowest = 1e18, highest = 0;
        for (int k = 0; k < 200; k++) {
            support_agent_wake_next(pop, v);
            cr_assert_eq(book_order_count(b), 3, "the agent's orders pile up");
            book_level lv[2];
            cr_assert_eq(book_levels(b, side, lv, 2), 2);
            /* Its order is the second level: the touch is the whale's. */
            int64_t px = lv[1].price;
            if (side > 0)
                cr_assert(px <= BID && px >= floor(BID * (1 - 0.002)), "bid %lld",
                          (long long)px);
            else
                cr_assert(px >= ASK && px <= ceil(ASK * (1 + 0.002)), "ask %lld",
                          (long long)px);
            lowest = px < lowest ? (double)px : lowest;
            highest = px > highest ? (double)px : highest;
            const account_cold *c = &venue_accounts(v)->cold[id];
            cr_assert_eq(side > 0 ? c->open_buy_lots : c->open_sell_lots, lv[1].size);
        }
        /* The offsets spread over the 20 bps (1000 ticks) window. */
        cr_assert_gt(highest - lowest, 800);
        cr_assert_eq(venue_account(v, id)->size, 0);
        cr_assert_eq(stats(pop).limit_orders, 200);
        support_agent_audit_free(pop, v);
    }
}

/* pop wakes once with v's events cleared; its order filled in one fill. */
static const book_fill *wake_one_fill(agent_pop *pop, venue *v)
{
    venue_clear_events(v);
    support_agent_wake_next(pop, v);
    size_t n;
    const book_fill *f = book_fills(venue_book_view(v), &n);
    cr_assert_eq(n, 1);
    return f;
}

Test(agent_noise, buys_with_probability_buy_prob)
{
    venue *v = make_venue(INT64_C(100000000), NULL);
    agent_noise_params p = params(100);
    p.market_share = 1;
    p.buy_prob = 0.3;
    p.size_min = p.size_max = 100;
    agent_pop *pop = make_pop(&p, v, 3, "noise");
    enum { N = 4000 };
    int buys = 0;
    for (int k = 0; k < N; k++)
        buys += wake_one_fill(pop, v)->taker_side == BOOK_BUY;
    /* Binomial(4000, 0.3): sd 29; 4 sd. */
    cr_assert(fabs(buys - 0.3 * N) <= 4 * sqrt(N * 0.3 * 0.7), "%d buys", buys);
    cr_assert_eq(stats(pop).reduce_only, 0);
    support_agent_free(pop, v);
}

/* The notional of each order, recovered from its fills: lots were sized at
 * the band limit (502500 for a buy, 497500 for a sell), so N is lots x limit
 * x K cash units, less than one lot's notional (about 50 USDT) under the
 * draw. */
static void sample_notionals(double alpha, uint64_t seed, double *out, int n)
{
    venue *v = make_venue(INT64_C(2000000000), NULL);
    venue_set_check(v, 0);
    agent_noise_params p = params(50);
    p.market_share = 1;
    p.size_alpha = alpha;
    p.size_min = 100000;
    p.size_max = 1e11;
    p.max_position_notional = 1e11;
    agent_pop *pop = make_pop(&p, v, seed, "noise");
    for (int k = 0; k < n; k++) {
        const book_fill *f = wake_one_fill(pop, v);
        double limit = f->taker_side > 0 ? 502500 : 497500;
        out[k] = (double)f->size * limit * K / 1e6;
        cr_assert_geq(out[k], 100000 - 50.0);
    }
    cr_assert_eq(stats(pop).rejects, 0);
    cr_assert_eq(stats(pop).capped, 0);
    support_agent_audit_free(pop, v);
}

Test(agent_noise, notionals_follow_the_pareto_tail)
{
    enum { N = 20000 };
    static double x[N];
    double alphas[] = {1.5, 2.5};
    for (int a = 0; a < 2; a++) {
        double alpha = alphas[a];
        sample_notionals(alpha, 5 + (uint64_t)a, x, N);
        /* Hill's estimator with the known scale: n / sum log(x / x_min) is
         * the maximum-likelihood exponent, standard error alpha / sqrt(n)
         * (Hill, Annals of Statistics 3, 1975). */
        double sum = 0;
        int over2 = 0, over10 = 0;
        for (int k = 0; k < N; k++) {
            sum += log(x[k] / 100000);
            over2 += x[k] > 200000;
            over10 += x[k] > 1000000;
        }
        double hill = N / sum;
        cr_assert(fabs(hill - alpha) <= 4 * alpha / sqrt(N), "alpha %g: Hill %g",
                  alpha, hill);
        /* P(X > c x_min) = c^-alpha, within 4 binomial standard errors. */
        double p2 = pow(2, -alpha), p10 = pow(10, -alpha);
        cr_assert(fabs((double)over2 / N - p2) <= 4 * sqrt(p2 * (1 - p2) / N),
                  "alpha %g: P(X > 2 x_min) = %g, expected %g", alpha,
                  (double)over2 / N, p2);
        cr_assert(fabs((double)over10 / N - p10) <= 4 * sqrt(p10 * (1 - p10) / N),
                  "alpha %g: P(X > 10 x_min) = %g, expected %g", alpha,
                  (double)over10 / N, p10);
    }
}

Test(agent_noise, notionals_are_capped_at_size_max)
{
    venue *v = make_venue(INT64_C(100000000), NULL);
    agent_noise_params p = params(10);
    p.market_share = 1;
    p.size_alpha = 1;
    p.size_min = 100;
    p.size_max = 1000; /* P(capped) = 0.1 */
    p.max_position_notional = 1e9;
    agent_pop *pop = make_pop(&p, v, 6, "noise");
    for (int k = 0; k < 2000; k++) {
        venue_clear_events(v);
        support_agent_wake_next(pop, v);
        size_t nf;
        const book_fill *f = book_fills(venue_book_view(v), &nf);
        cr_assert_leq(f[0].size, 20, "an order of %lld lots", (long long)f[0].size);
    }
    /* Binomial(2000, 0.1): sd 13.4. */
    cr_assert(fabs((double)stats(pop).capped - 200) <= 4 * 13.4, "capped %llu",
              (unsigned long long)stats(pop).capped);
    support_agent_free(pop, v);
}

/* An agent given a position of 0.5 BTC (25,000 USDT) on side, against a
 * limit of 10,000 USDT, with parameters that would always add to it. */
static void check_only_reduces(int side)
{
    venue *v = make_venue(INT64_C(100000000), NULL);
    agent_noise_params p = params(1);
    p.market_share = 0; /* reduce-only orders are market orders anyway */
    p.buy_prob = side > 0 ? 1 : 0;
    p.size_min = p.size_max = 2000;
    p.max_position_notional = 10000;
    agent_pop *pop = make_pop(&p, v, 8, "noise");
    uint32_t id = test_agent(pop, 0);
    perr e = {0, ""};
    cr_assert_eq(venue_deposit(v, id, INT64_C(100000000000), &e), 0, "%s", e.msg);
    book_order_spec spec = {side > 0 ? ASK : BID, 500, id, side, BOOK_IOC, 0};
    book_result r;
    venue_reject why;
    cr_assert_eq(venue_submit(v, id, &spec, &r, &why, &e), 0, "%s", e.msg);
    cr_assert_eq(venue_account(v, id)->size, side * 500);
    /* Sized at the band limit it trades at: 40 lots to sell, 39 to buy. */
    double limit = side > 0 ? 497500 : 502500;
    int64_t step = (int64_t)floor(2e9 / (limit * K));
    int64_t expect_size = 500;
    int expect_reduced = 0;
    for (; expect_size * MARK * K > 1e10; expect_size -= step)
        expect_reduced++;
    cr_assert_eq(expect_reduced, 8);
    int reduced = 0, added = 0;
    for (int k = 0; k < 200; k++) {
        int64_t before = venue_account(v, id)->size;
        int over = fabs((double)before) * MARK * K > 1e10;
        support_agent_wake_next(pop, v);
        int64_t after = venue_account(v, id)->size;
        const account_cold *c = &venue_accounts(v)->cold[id];
        if (over) {
            /* It sold (bought back) step lots, never crossing zero, and left
             * nothing resting that could add. */
            cr_assert_eq(side * (before - after), step, "before %lld after %lld",
                         (long long)before, (long long)after);
            cr_assert_eq(c->open_buy_lots + c->open_sell_lots, 0);
            reduced++;
        } else {
            added++;
        }
        cr_assert_geq(side * after, 0);
    }
    /* 500 lots down to the limit (200 lots) takes eight reductions; below
     * it the agent posts limit orders that rest behind the whale's touch
     * and do not fill. */
    cr_assert_eq(reduced, 8);
    cr_assert_eq(added, 192);
    cr_assert_eq(stats(pop).reduce_only, 8);
    cr_assert_eq(venue_account(v, id)->size, side * expect_size);
    support_agent_audit_free(pop, v);
}

Test(agent_noise, an_agent_over_its_position_limit_only_reduces)
{
    check_only_reduces(1);
    check_only_reduces(-1);
}

Test(agent_noise, top_ups_keep_every_order_admissible_and_leverage_at_most_the_stated)
{
    venue *v = make_venue(INT64_C(1000000000), NULL);
    agent_noise_params p = params(20);
    p.market_share = 0.7;
    agent_pop *pop = make_pop(&p, v, 9, "noise");
    const profile *prof = venue_profile(v);
    for (int k = 0; k < 3000; k++) {
        support_agent_wake_next(pop, v);
        /* After each of its turns an agent holds at least 1/3 of its
         * position's notional as margin (less the fee it paid). */
        for (uint32_t i = 0; i < 20; i++) {
            const account *a = venue_account(v, test_agent(pop, i));
            if (a->size == 0)
                continue;
            margin_position pos = {a->size, a->cost, a->cash};
            double balance = (double)margin_balance(prof, &pos, MARK);
            double notional = fabs((double)a->size) * MARK * K;
            cr_assert_geq(balance, notional / 3 * 0.99, "agent %u", i);
        }
    }
    agent_noise_stats s = stats(pop);
    cr_assert_eq(s.rejects, 0);
    cr_assert_gt(s.deposited, 0);
    cr_assert_gt(s.market_orders, 1800);
    cr_assert_gt(s.limit_orders, 600);
    support_agent_audit_free(pop, v);
}

static void run(venue **v, agent_pop **pop, const char *name, uint64_t seed)
{
    *v = make_venue(INT64_C(1000000000), NULL);
    agent_noise_params p = params(30);
    *pop = make_pop(&p, *v, seed, name);
    perr e = {0, ""};
    for (int k = 0; k < 1500; k++) {
        if (k % 300 == 0)
            cr_assert_eq(venue_set_mark(*v, k, MARK + 200 * (k / 300 % 2), &e), 0,
                         "%s", e.msg);
        support_agent_wake_next(*pop, *v);
    }
}

Test(agent_noise, same_seed_gives_the_same_orders)
{
    venue *v[3];
    agent_pop *pop[3];
    run(&v[0], &pop[0], "noise", 99);
    run(&v[1], &pop[1], "noise", 99);
    run(&v[2], &pop[2], "noise-2", 99);
    agent_noise_stats a = stats(pop[0]), b = stats(pop[1]);
    cr_assert_eq(memcmp(&a, &b, sizeof a), 0);
    support_agent_same_accounts(v[0], pop[0], v[1], pop[1], 30);
    int differ = 0;
    for (uint32_t i = 0; i < 30; i++)
        differ += support_agent_size(v[0], pop[0], i)
                  != support_agent_size(v[2], pop[2], i);
    cr_assert_gt(differ, 10, "another stream name gave the same positions");
    book_level la[32], lb[32];
    size_t na = book_levels(venue_book_view(v[0]), BOOK_BUY, la, 32);
    cr_assert_eq(book_levels(venue_book_view(v[1]), BOOK_BUY, lb, 32), na);
    cr_assert_eq(memcmp(la, lb, na * sizeof la[0]), 0);
    support_agent_free_runs(pop, v, 3);
}

Test(agent_noise, bad_parameters_name_the_key)
{
    agent_noise_params ok = params(5), p;
    static const support_agent_bad bad[] = {
        {"count", 0},         {"market_share", 1.1},
        {"band_bps", 0},      {"limit_offset_bps", -1},
        {"buy_prob", NAN},    {"size_alpha", 0},
        {"size_min", 0},      {"size_max", 50},
        {"max_position_notional", -5}, {"leverage", 0},
    };
    support_agent_bad_values(&agent_noise_kind, &ok, binance(), "populations[1]",
                             bad, sizeof bad / sizeof bad[0]);
    p = ok; p.arrival.alpha = 1; p.arrival.kind = ARRIVAL_HAWKES;
    support_agent_check_error(&agent_noise_kind, &p, binance(), "populations[1]",
                              "populations[1].arrival.alpha:");
    const agent_kind *kind = support_agent_kind("noise_taker");
    agent_noise_params d;
    agent_kind_defaults(kind, &d);
    cr_assert(d.count == 1000 && d.size_alpha == 2 && d.leverage == 3);
    support_agent_leverage_capped(kind, 126, "populations[1]");
}

Test(agent_noise, scenario_keys_set_the_parameters)
{
    agent_noise_params p;
    const char *set[][2] = {{"count", "5k"},        {"size_alpha", "1.5"},
                            {"size_min", "50"},     {"size_max", "2M"},
                            {"buy_prob", "40%"},    {"leverage", "4"},
                            {"arrival.rate", "10"}, {"max_position_notional", "250k"}};
    support_agent_set_keys(support_agent_kind("noise_taker"), &p, set,
                           sizeof set / sizeof set[0], binance(), "populations[1]");
    cr_assert(p.count == 5000 && p.size_alpha == 1.5 && p.size_min == 50
              && p.size_max == 2e6 && p.buy_prob == 0.4 && p.leverage == 4
              && p.arrival.rate == 10 && p.max_position_notional == 250000);
}
