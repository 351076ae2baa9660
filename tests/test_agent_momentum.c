/*
 * Tests of the momentum traders (models/agent_momentum.h) behind the
 * population interface (models/agent.h): the signal is the return over
 * lookback on the population's sample grid, steps without a wake holding the
 * last price seen; agents buy after a rise beyond the threshold and sell
 * after a fall, and do nothing below it; the notional scales with the
 * signal up to max_scale; positions close after hold, or when the signal
 * reverses; the index can be the signal's price; the same seed gives the
 * same trades; bad parameters name the key.
 *
 * The venue is Binance at 50,000 USDT (0.1 USDT ticks, 0.001 BTC lots,
 * K = 100 cash units of 1e-6 USDT per tick-lot) with a whale resting a deep
 * book at 499990 / 500010 ticks; the tests move the mark by venue_set_mark.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_momentum.h"
#include "support_agent.h"
#include "venue.h"

#define BID INT64_C(499990)
#define ASK INT64_C(500010)
#define MARK INT64_C(500000)
#define K 100.0

/* Binance with a whale's deep book at BID / ASK. */
static venue *make_venue(void)
{
    uint32_t whale;
    return test_venue_quoted(binance(), 64, BID, ASK, 0, 1, INT64_C(1000000000),
                             &whale);
}

static agent_momentum_params params(uint32_t count)
{
    agent_momentum_params p;
    support_agent_params(&agent_momentum_kind, &p, count);
    p.lookback_ms = 60000;
    p.sample_ms = 10000;
    p.threshold = 0.005;
    p.notional = 10000;
    p.max_scale = 3;
    p.hold_ms = 300000;
    p.leverage = 5;
    /* The whale's book stays at 50,000 while the tests move the mark by up
     * to 3%: a band of 4% lets market orders reach it. */
    p.band_bps = 400;
    return p;
}

static agent_pop *make_pop(const agent_momentum_params *p, venue *v, uint64_t seed)
{
    return support_agent_pop_on(&agent_momentum_kind, "momentum", p, v, seed,
                                "momentum", "populations[4]");
}

/* count traders with the tests' parameters (params) on a venue of their own (*v), seeded with seed. */
static agent_pop *traders(uint32_t count, uint64_t seed, venue **v)
{
    *v = make_venue();
    agent_momentum_params p = params(count);
    return make_pop(&p, *v, seed);
}

static void wake_at(agent_pop *pop, venue *v, int64_t now, double index)
{
    agent_market m = {v, NULL, "v", index, {1.0}};
    agent_world w = {now, 0, index / 10, 1, &m};
    support_agent_wake(pop, &w);
}

static void set_mark(venue *v, int64_t now, int64_t mark)
{
    perr e = {0, ""};
    cr_assert_eq(venue_set_mark(v, now, mark, &e), 0, "%s", e.msg);
}

SUPPORT_AGENT_STATS(momentum)

/* Wakes pop every 100 ms over [from, to) and returns the next instant. */
static int64_t wake_span(agent_pop *pop, venue *v, int64_t from, int64_t to)
{
    for (; from < to; from += 100)
        wake_at(pop, v, from, (double)MARK);
    return from;
}

/* The positions of agents: how many are long, short, and the sizes seen. */
static void positions(const agent_pop *pop, const venue *v, uint32_t count,
                      int *longs, int *shorts)
{
    *longs = *shorts = 0;
    for (uint32_t i = 0; i < count; i++) {
        int64_t size = venue_account(v, test_agent(pop, i))->size;
        *longs += size > 0;
        *shorts += size < 0;
    }
}

Test(agent_momentum, the_signal_is_the_return_over_lookback_on_the_sample_grid)
{
    venue *v = make_venue();
    agent_momentum_params p = params(1);
    p.lookback_ms = 30000; /* three 10 s steps */
    p.threshold = 0.9;     /* never trades */
    agent_pop *pop = make_pop(&p, v, 1);
    int valid;
    wake_at(pop, v, 0, (double)MARK); /* step 0: 500000 */
    agent_momentum_signal(pop, &valid);
    cr_assert(!valid);
    set_mark(v, 10000, 505000);
    wake_at(pop, v, 10000, (double)MARK); /* step 1 */
    set_mark(v, 25000, 510000);
    wake_at(pop, v, 25000, (double)MARK); /* step 2 */
    agent_momentum_signal(pop, &valid);
    cr_assert(!valid, "valid before three steps of history");
    set_mark(v, 31000, 515000);
    wake_at(pop, v, 31000, (double)MARK); /* step 3: against step 0 */
    double r = agent_momentum_signal(pop, &valid);
    cr_assert(valid);
    cr_assert(fabs(r - (515000.0 / 500000 - 1)) < 1e-15, "r = %.17g", r);
    /* A later wake in the same step compares the current price with the
     * same slot, whose price is the step's first. */
    set_mark(v, 39000, 520000);
    wake_at(pop, v, 39000, (double)MARK);
    r = agent_momentum_signal(pop, &valid);
    cr_assert(fabs(r - (520000.0 / 500000 - 1)) < 1e-15, "r = %.17g", r);
    /* No wake in steps 4 and 5: they hold 520000, the last price seen.
     * At step 7 the lag is step 4. */
    set_mark(v, 72000, 530000);
    wake_at(pop, v, 72000, (double)MARK);
    r = agent_momentum_signal(pop, &valid);
    cr_assert(fabs(r - (530000.0 / 520000 - 1)) < 1e-15, "r = %.17g", r);
    /* A gap longer than the ring: every slot holds the last price. */
    set_mark(v, 500000, 540000);
    wake_at(pop, v, 500000, (double)MARK);
    r = agent_momentum_signal(pop, &valid);
    cr_assert(fabs(r - (540000.0 / 530000 - 1)) < 1e-15, "r = %.17g", r);
    cr_assert_eq(stats(pop).opens_long + stats(pop).opens_short, 0);
    support_agent_free(pop, v);
}

/* Twenty agents see 60 s of a flat mark, then a move of below_pct (which
 * must not trigger) and then of pct percent; returns the next instant. */
static int64_t move_and_trade(agent_pop *pop, venue *v, double below_pct, double pct)
{
    int64_t t = wake_span(pop, v, 0, 61000);
    cr_assert_eq(stats(pop).opens_long + stats(pop).opens_short, 0);
    set_mark(v, t, (int64_t)llround(MARK * (1 + below_pct / 100)));
    t = wake_span(pop, v, t, 70000);
    cr_assert_eq(stats(pop).opens_long + stats(pop).opens_short, 0,
                 "traded on a move of %g%%", below_pct);
    set_mark(v, t, (int64_t)llround(MARK * (1 + pct / 100)));
    return wake_span(pop, v, t, 85000);
}

Test(agent_momentum, agents_buy_after_a_rise_beyond_the_threshold)
{
    venue *v;
    agent_pop *pop = traders(20, 2, &v);
    move_and_trade(pop, v, 0.4, 1);
    int longs, shorts;
    positions(pop, v, 20, &longs, &shorts);
    cr_assert_eq(shorts, 0);
    cr_assert_eq(longs, 20, "%d of 20 bought in 150 wakes", longs);
    cr_assert_eq(stats(pop).opens_long, 20);
    /* Signal 1% = 2 x the threshold: 20,000 USDT at the mark 505,000. */
    for (uint32_t i = 0; i < 20; i++)
        cr_assert_eq(venue_account(v, test_agent(pop, i))->size,
                     (int64_t)floor(2e10 / (505000 * K)));
    support_agent_free(pop, v);
}

Test(agent_momentum, agents_sell_after_a_fall_beyond_the_threshold)
{
    venue *v;
    agent_pop *pop = traders(20, 3, &v);
    move_and_trade(pop, v, -0.4, -1);
    int longs, shorts;
    positions(pop, v, 20, &longs, &shorts);
    cr_assert_eq(longs, 0);
    cr_assert_eq(shorts, 20);
    for (uint32_t i = 0; i < 20; i++)
        cr_assert_eq(venue_account(v, test_agent(pop, i))->size,
                     -(int64_t)floor(2e10 / (495000 * K)));
    support_agent_free(pop, v);
}

Test(agent_momentum, the_notional_scales_with_the_signal_up_to_max_scale)
{
    double pct[] = {0.75, 3};
    double scale[] = {1.5, 3}; /* 3% would be 6 x the threshold: capped */
    for (int c = 0; c < 2; c++) {
        venue *v;
        agent_pop *pop = traders(5, 4, &v);
        move_and_trade(pop, v, 0, pct[c]);
        double mark = MARK * (1 + pct[c] / 100);
        int64_t want = (int64_t)floor(10000 * scale[c] * 1e6 / (mark * K));
        for (uint32_t i = 0; i < 5; i++) {
            int64_t size = venue_account(v, test_agent(pop, i))->size;
            cr_assert(llabs(size - want) <= 1, "%g%%: agent %u holds %lld, want %lld",
                      pct[c], i, (long long)size, (long long)want);
        }
        support_agent_free(pop, v);
    }
}

Test(agent_momentum, positions_close_after_hold)
{
    venue *v;
    agent_pop *pop = traders(20, 5, &v);
    int64_t t = move_and_trade(pop, v, 0, 1);
    cr_assert_eq(stats(pop).opens_long, 20);
    /* Opened in [70 s, 85 s): none has held 300 s before 370 s, and the
     * signal has faded (the mark stays up), so nothing closes. */
    t = wake_span(pop, v, t, 370000);
    cr_assert_eq(stats(pop).closes_hold + stats(pop).closes_reverse, 0);
    int longs, shorts;
    positions(pop, v, 20, &longs, &shorts);
    cr_assert_eq(longs, 20);
    wake_span(pop, v, 385000, 420000);
    cr_assert_eq(stats(pop).closes_hold, 20);
    positions(pop, v, 20, &longs, &shorts);
    cr_assert_eq(longs + shorts, 0);
    cr_assert_eq(stats(pop).opens_long, 20, "re-opened without a signal");
    support_agent_free(pop, v);
}

Test(agent_momentum, positions_close_when_the_signal_reverses)
{
    venue *v;
    agent_pop *pop = traders(20, 6, &v);
    int64_t t = move_and_trade(pop, v, 0, 1);
    t = wake_span(pop, v, t, 160000);
    cr_assert_eq(stats(pop).closes_hold + stats(pop).closes_reverse, 0);
    /* A 1% fall from the new level: every long closes on its next turn, and
     * agents found flat then sell. */
    set_mark(v, t, 500000);
    wake_span(pop, v, t, t + 20000);
    agent_momentum_stats s = stats(pop);
    cr_assert_eq(s.closes_reverse, 20);
    cr_assert_eq(s.closes_hold, 0);
    cr_assert_gt(s.opens_short, 0);
    int longs, shorts;
    positions(pop, v, 20, &longs, &shorts);
    cr_assert_eq(longs, 0);
    cr_assert_eq(shorts, (int)s.opens_short);
    support_agent_free(pop, v);
}

Test(agent_momentum, the_index_can_be_the_signals_price)
{
    venue *v = make_venue();
    agent_momentum_params p = params(10);
    p.price = AGENT_MOMENTUM_INDEX;
    agent_pop *pop = make_pop(&p, v, 7);
    int64_t t = 0;
    for (; t < 61000; t += 100)
        wake_at(pop, v, t, 500000);
    /* The mark stays; the index falls 2%. */
    for (; t < 80000; t += 100)
        wake_at(pop, v, t, 490000);
    int longs, shorts;
    positions(pop, v, 10, &longs, &shorts);
    cr_assert_eq(longs, 0);
    cr_assert_eq(shorts, 10);
    support_agent_free(pop, v);
}

Test(agent_momentum, same_seed_gives_the_same_trades)
{
    venue *v[2];
    agent_pop *pop[2];
    agent_momentum_params p = params(50);
    for (int r = 0; r < 2; r++) {
        v[r] = make_venue();
        pop[r] = make_pop(&p, v[r], 8);
    }
    for (int64_t t = 0; t < 900000; t += 250) {
        int64_t mark = (int64_t)llround(MARK * (1 + 0.02 * sin((double)t / 60000)));
        for (int r = 0; r < 2; r++) {
            if (t % 5000 == 0)
                set_mark(v[r], t, mark);
            wake_at(pop[r], v[r], t, (double)mark);
        }
    }
    agent_momentum_stats a = stats(pop[0]), b = stats(pop[1]);
    cr_assert_eq(memcmp(&a, &b, sizeof a), 0);
    cr_assert_gt(a.opens_long, 20);
    cr_assert_gt(a.opens_short, 20);
    cr_assert_gt(a.closes_hold + a.closes_reverse, 20);
    for (uint32_t i = 0; i < 50; i++) {
        const account *x = venue_account(v[0], test_agent(pop[0], i));
        const account *y = venue_account(v[1], test_agent(pop[1], i));
        cr_assert(x->size == y->size && x->cost == y->cost && x->cash == y->cash);
    }
    support_agent_audit(v[0]);
    support_agent_free_runs(pop, v, 2);
}

Test(agent_momentum, bad_parameters_name_the_key)
{
    agent_momentum_params ok = params(5);
    static const support_agent_bad bad[] = {
        {"count", 0},        {"price", 2},      {"sample", 0},
        {"lookback", 65000}, {"threshold", 0},  {"notional", -1},
        {"max_scale", 0.5},  {"hold", 0},       {"leverage", 0},
        {"band_bps", 0},     {"arrival.beta", 0},
    };
    support_agent_bad_values(&agent_momentum_kind, &ok, binance(), "populations[4]",
                             bad, sizeof bad / sizeof bad[0]);
    const agent_kind *kind = support_agent_kind("momentum");
    agent_momentum_params d;
    agent_kind_defaults(kind, &d);
    cr_assert(d.count == 200 && d.lookback_ms == 300000 && d.threshold == 0.005);
    support_agent_leverage_capped(kind, 500, "populations[4]");
}

Test(agent_momentum, scenario_keys_set_the_parameters)
{
    agent_momentum_params p;
    const char *set[][2] = {{"price", "index"},    {"lookback", "1h"},
                            {"sample", "30s"},     {"threshold", "1%"},
                            {"hold", "2h"},        {"max_scale", "2"},
                            {"notional", "20k"},   {"arrival.process", "hawkes"}};
    support_agent_set_keys(support_agent_kind("momentum"), &p, set,
                           sizeof set / sizeof set[0], binance(), "populations[4]");
    cr_assert(p.price == AGENT_MOMENTUM_INDEX && p.lookback_ms == 3600000
              && p.sample_ms == 30000 && p.threshold == 0.01 && p.hold_ms == 7200000
              && p.max_scale == 2 && p.notional == 20000
              && p.arrival.kind == ARRIVAL_HAWKES);
}
