/*
 * Tests of the market makers (models/agent_maker.h) behind the population
 * interface (models/agent.h): the layered quotes sit where the rule puts
 * them; inventory skews both quotes against it and the limit stops the side
 * that adds; depth follows markets[m].conditions.liquidity for every maker at once
 * (agent_maker_requote_all); a volatility spike widens spreads and thins
 * depth, and calm brings them back; a liquidation burst pulls every quote
 * until the cooldown ends; the defaults keep makers solvent through a 30%
 * crash against a relentless seller; the same seed gives the same book; and
 * bad parameters are errors naming the key.
 *
 * The venue is Binance (0.1 USDT ticks, 0.001 BTC lots, K = 100 cash units
 * of 1e-6 USDT per tick-lot) with the index at 50,000 USDT = 500,000 ticks;
 * the makers are alone in the book unless a test adds a taker.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_maker.h"
#include "margin.h"
#include "support.h"
#include "support_agent.h"
#include "venue.h"

#define INDEX 500000.0
#define K 100.0

/* The makers alone in a book around INDEX. */
static venue *make_venue(void)
{
    return test_venue(binance(), 64);
}

static agent_maker_params params(uint32_t count)
{
    agent_maker_params p;
    support_agent_params(&agent_maker_kind, &p, count);
    return p;
}

static agent_pop *make_pop(const agent_maker_params *p, venue *v, uint64_t seed)
{
    return support_agent_pop_on(&agent_maker_kind, "market_maker", p, v, seed,
                                "makers", "populations[0]");
}

/* count makers with the defaults on a venue of their own (*v), seeded with seed. */
static agent_pop *makers(uint32_t count, uint64_t seed, venue **v)
{
    *v = make_venue();
    agent_maker_params p = params(count);
    return make_pop(&p, *v, seed);
}

static agent_world world(agent_market *m, venue *v, int64_t now, double index,
                         double liquidity)
{
    *m = (agent_market){v, NULL, "v", index, {liquidity}};
    return (agent_world){now, 0, index * 0.1, 1, m};
}

static void wake_at(agent_pop *pop, venue *v, int64_t now, double index,
                    double liquidity)
{
    agent_market m;
    agent_world w = world(&m, v, now, index, liquidity);
    support_agent_wake(pop, &w);
}

static void requote_all(agent_pop *pop, venue *v, int64_t now, double index,
                        double liquidity)
{
    perr e = {0, ""};
    agent_market m;
    agent_world w = world(&m, v, now, index, liquidity);
    cr_assert_eq(agent_maker_requote_all(pop, &w, &e), 0, "%s", e.msg);
}

static int64_t side_lots(venue *v, int side)
{
    book_level lv[128];
    size_t n = book_levels(venue_book_view(v), side, lv, 128);
    int64_t lots = 0;
    for (size_t k = 0; k < n; k++)
        lots += lv[k].size;
    return lots;
}

/* A taker sends an IOC of lots on side at price, and the test checks it. */
static void take(venue *v, uint32_t taker, int side, int64_t price, int64_t lots)
{
    perr e = {0, ""};
    book_order_spec spec = {price, lots, taker, side, BOOK_IOC, 0};
    book_result r;
    venue_reject why;
    cr_assert_eq(venue_submit(v, taker, &spec, &r, &why, &e), 0, "%s", e.msg);
    cr_assert_eq(why, VENUE_ACCEPTED, "%s", venue_reject_name(why));
    cr_assert_gt(r.filled, 0);
}

Test(agent_maker, posts_layered_quotes_at_the_half_spread_around_the_index)
{
    venue *v;
    agent_pop *pop = makers(1, 1, &v);
    wake_at(pop, v, 0, INDEX, 1);
    /* Half-spread 2 bps = 100 ticks, levels 2 bps = 100 ticks apart, 100,000
     * USDT per level: floor(1e11 / (price x 100)) lots. */
    book_level bids[8], asks[8];
    cr_assert_eq(book_levels(venue_book_view(v), BOOK_BUY, bids, 8), 5);
    cr_assert_eq(book_levels(venue_book_view(v), BOOK_SELL, asks, 8), 5);
    for (int k = 0; k < 5; k++) {
        int64_t bid = 499900 - 100 * k, ask = 500100 + 100 * k;
        cr_assert_eq(bids[k].price, bid, "bid level %d at %lld", k, (long long)bids[k].price);
        cr_assert_eq(asks[k].price, ask, "ask level %d at %lld", k, (long long)asks[k].price);
        cr_assert_eq(bids[k].size, (int64_t)floor(1e11 / (bid * K)));
        cr_assert_eq(asks[k].size, (int64_t)floor(1e11 / (ask * K)));
    }
    /* A re-quote replaces the quotes rather than adding to them. */
    wake_at(pop, v, 1000, INDEX, 1);
    cr_assert_eq(book_order_count(venue_book_view(v)), 10);
    support_agent_audit_free(pop, v);
}

Test(agent_maker, a_long_maker_quotes_lower_and_a_short_one_higher_than_a_flat_one)
{
    agent_maker_params p = params(1);
    p.skew_bps = 20;
    venue *flat_v = make_venue(), *long_v = make_venue(), *short_v = make_venue();
    agent_pop *flat = make_pop(&p, flat_v, 3);
    agent_pop *lng = make_pop(&p, long_v, 3);
    agent_pop *shrt = make_pop(&p, short_v, 3);
    wake_at(flat, flat_v, 0, INDEX, 1);
    wake_at(lng, long_v, 0, INDEX, 1);
    wake_at(shrt, short_v, 0, INDEX, 1);
    /* Takers sell 3000 lots into the long maker's bids and buy 3000 from
     * the short one's asks: about 150,000 USDT of inventory, 15% of the
     * limit, a skew of 3 bps = 150 ticks. */
    take(long_v, open_account(long_v, INT64_C(1000000000000), ACCOUNT_CROSS, 10),
         BOOK_SELL, 499000, 3000);
    take(short_v, open_account(short_v, INT64_C(1000000000000), ACCOUNT_CROSS, 10),
         BOOK_BUY, 501000, 3000);
    cr_assert_eq(venue_account(long_v, test_agent(lng, 0))->size, 3000);
    cr_assert_eq(venue_account(short_v, test_agent(shrt, 0))->size, -3000);
    wake_at(flat, flat_v, 1000, INDEX, 1);
    wake_at(lng, long_v, 1000, INDEX, 1);
    wake_at(shrt, short_v, 1000, INDEX, 1);
    const book *f = venue_book_view(flat_v), *l = venue_book_view(long_v),
               *s = venue_book_view(short_v);
    double skew_ticks = INDEX * 20 * (3000 * INDEX * K / 1e12) / 1e4;
    cr_assert(fabs(skew_ticks - 150) < 1e-9);
    cr_assert_lt(book_best_bid(l), book_best_bid(f));
    cr_assert_lt(book_best_ask(l), book_best_ask(f));
    cr_assert_gt(book_best_bid(s), book_best_bid(f));
    cr_assert_gt(book_best_ask(s), book_best_ask(f));
    cr_assert(llabs(book_best_bid(f) - book_best_bid(l) - 150) <= 1,
              "long bid %lld flat %lld", (long long)book_best_bid(l),
              (long long)book_best_bid(f));
    cr_assert(llabs(book_best_ask(f) - book_best_ask(l) - 150) <= 1);
    cr_assert(llabs(book_best_ask(s) - book_best_ask(f) - 150) <= 1);
    support_agent_free(flat, flat_v);
    support_agent_free(lng, long_v);
    support_agent_free(shrt, short_v);
}

Test(agent_maker, a_maker_at_its_inventory_limit_stops_quoting_the_side_that_adds)
{
    venue *v = make_venue();
    agent_maker_params p = params(1);
    p.max_inventory_notional = 200000; /* two levels' worth */
    agent_pop *pop = make_pop(&p, v, 5);
    wake_at(pop, v, 0, INDEX, 1);
    /* The bid side is capped at the room: 200,000 USDT, not 500,000. */
    int64_t bid_lots = side_lots(v, BOOK_BUY);
    cr_assert(bid_lots <= 4001 && bid_lots >= 3990, "bid lots %lld", (long long)bid_lots);
    uint32_t taker = open_account(v, INT64_C(1000000000000), ACCOUNT_CROSS, 10);
    take(v, taker, BOOK_SELL, 400000, 100000);
    const account *a = venue_account(v, test_agent(pop, 0));
    cr_assert_eq(a->size, bid_lots);
    /* Long about 200,000 USDT valued at the index: no bid, and the asks are
     * still there to sell it. */
    for (int k = 1; k <= 3; k++) {
        wake_at(pop, v, 1000 * k, INDEX, 1);
        cr_assert_eq(book_best_bid(venue_book_view(v)), BOOK_NO_PRICE);
        cr_assert_gt(side_lots(v, BOOK_SELL), 0);
    }
    /* Selling half of it back opens room for bids again. */
    take(v, taker, BOOK_BUY, 600000, bid_lots / 2);
    wake_at(pop, v, 5000, INDEX, 1);
    cr_assert_neq(book_best_bid(venue_book_view(v)), BOOK_NO_PRICE);
    support_agent_audit_free(pop, v);
}

Test(agent_maker, every_makers_depth_follows_the_markets_liquidity)
{
    venue *v;
    agent_pop *pop = makers(4, 7, &v);
    const accounts *acc = venue_accounts(v);
    int64_t full[4];
    requote_all(pop, v, 0, INDEX, 1);
    for (uint32_t i = 0; i < 4; i++) {
        full[i] = acc->cold[test_agent(pop, i)].open_buy_lots;
        cr_assert_gt(full[i], 9900, "maker %u bids %lld lots", i, (long long)full[i]);
    }
    /* A withdrawal to 20%: every maker at once posts a fifth (up to a lot
     * per level of rounding). */
    requote_all(pop, v, 1000, INDEX, 0.2);
    for (uint32_t i = 0; i < 4; i++) {
        uint32_t id = test_agent(pop, i);
        int64_t bids = acc->cold[id].open_buy_lots, asks = acc->cold[id].open_sell_lots;
        cr_assert(llabs(5 * bids - full[i]) <= 5 * 5, "maker %u: %lld of %lld",
                  i, (long long)bids, (long long)full[i]);
        cr_assert(llabs(5 * asks - full[i]) <= 5 * 5 + 25);
    }
    cr_assert_eq(book_order_count(venue_book_view(v)), 4 * 10);
    /* Liquidity 0: nothing at all; then back to normal. */
    requote_all(pop, v, 2000, INDEX, 0);
    cr_assert_eq(book_order_count(venue_book_view(v)), 0);
    requote_all(pop, v, 3000, INDEX, 1);
    for (uint32_t i = 0; i < 4; i++)
        cr_assert_eq(acc->cold[test_agent(pop, i)].open_buy_lots, full[i]);
    support_agent_audit_free(pop, v);
}

Test(agent_maker, a_volatility_spike_widens_the_spread_and_thins_the_depth)
{
    venue *v;
    agent_pop *pop = makers(1, 9, &v);
    const book *b = venue_book_view(v);
    int64_t t = 0;
    for (int k = 0; k < 120; k++, t += 1000)
        wake_at(pop, v, t, INDEX, 1);
    int64_t calm_spread = book_spread(b);
    int64_t calm_depth = side_lots(v, BOOK_BUY);
    cr_assert_eq(calm_spread, 200, "calm spread %lld ticks", (long long)calm_spread);
    cr_assert(fabs(agent_maker_half_spread_bps(pop) - 2) < 1e-12);
    /* Five seconds of 1% swings: one-second volatility of about 1e-2
     * against a normal 9e-5. */
    for (int k = 0; k < 5; k++, t += 1000)
        wake_at(pop, v, t, k % 2 ? INDEX : INDEX * 1.01, 1);
    wake_at(pop, v, t, INDEX, 1);
    t += 1000;
    int64_t wild_spread = book_spread(b);
    int64_t wild_depth = side_lots(v, BOOK_BUY);
    cr_assert_gt(wild_spread, 5 * calm_spread, "spread %lld after the spike",
                 (long long)wild_spread);
    cr_assert_lt(wild_depth, calm_depth / 5, "depth %lld after the spike",
                 (long long)wild_depth);
    /* The half-spread follows the rule: 2 bps x (1 + excess), and the size
     * factor 1 / (1 + excess). */
    double excess = agent_maker_volatility(pop) / (0.5 / sqrt(365.25 * 86400)) - 1;
    cr_assert(fabs(agent_maker_half_spread_bps(pop) - 2 * (1 + excess)) < 1e-9);
    cr_assert(fabs(agent_maker_size_factor(pop) - 1 / (1 + excess)) < 1e-12);
    /* Twenty half-lives of calm bring both back. */
    for (int k = 0; k < 1200; k++, t += 1000)
        wake_at(pop, v, t, INDEX, 1);
    cr_assert_eq(book_spread(b), calm_spread);
    cr_assert_eq(side_lots(v, BOOK_BUY), calm_depth);
    support_agent_free(pop, v);
}

Test(agent_maker, a_liquidation_burst_pulls_every_quote_until_the_cooldown_ends)
{
    venue *v = make_venue();
    agent_maker_params p = params(3); /* burst: > 20 in 10 s, pulled 30 s */
    agent_pop *pop = make_pop(&p, v, 11);
    const book *b = venue_book_view(v);
    requote_all(pop, v, 0, INDEX, 1);
    cr_assert_eq(book_order_count(b), 30);
    /* Twenty liquidations in 10 s are not more than burst_count; a second
     * record of one of them (another route), and records of another
     * market, do not count. */
    for (uint32_t k = 0; k < 20; k++)
        agent_on_liquidated(pop, 0, 100 + k, 1000 + 500 * k);
    agent_on_liquidated(pop, 0, 119, 1000 + 500 * 19);
    agent_on_liquidated(pop, 1, 500, 11000);
    cr_assert_eq(book_order_count(b), 30);
    cr_assert(!agent_maker_pulled(pop, 11000));
    /* The 21st within 10 s of the first that counts: every quote goes at
     * once. (The first at 1000 has left the window; the second, 1500, is
     * 9.5 s before 11000.) */
    agent_on_liquidated(pop, 0, 200, 11000);
    cr_assert(agent_maker_pulled(pop, 11000));
    cr_assert_eq(book_order_count(b), 0);
    agent_maker_stats s;
    agent_maker_stats_get(pop, &s);
    cr_assert_eq(s.bursts, 1);
    /* Inside the cooldown (until 41000) wakes post nothing. */
    for (int64_t t = 12000; t < 41000; t += 1000) {
        wake_at(pop, v, t, INDEX, 1);
        cr_assert_eq(book_order_count(b), 0, "quotes at %lld", (long long)t);
    }
    requote_all(pop, v, 40999, INDEX, 1);
    cr_assert_eq(book_order_count(b), 0);
    requote_all(pop, v, 41000, INDEX, 1);
    cr_assert_eq(book_order_count(b), 30);
    support_agent_free(pop, v);
}

Test(agent_maker, burst_keep_leaves_that_fraction_of_depth_during_the_cooldown)
{
    venue *v = make_venue();
    agent_maker_params p = params(1);
    p.burst_count = 2;
    p.burst_keep = 0.25;
    agent_pop *pop = make_pop(&p, v, 13);
    requote_all(pop, v, 0, INDEX, 1);
    int64_t full = side_lots(v, BOOK_BUY);
    for (uint32_t k = 0; k < 3; k++)
        agent_on_liquidated(pop, 0, 10 + k, 100);
    cr_assert_eq(side_lots(v, BOOK_BUY), 0);
    requote_all(pop, v, 1000, INDEX, 1);
    int64_t kept = side_lots(v, BOOK_BUY);
    cr_assert(llabs(4 * kept - full) <= 4 * 5, "kept %lld of %lld", (long long)kept,
              (long long)full);
    support_agent_free(pop, v);
}

/* The defaults against a seller that takes 200,000 USDT per second while
 * the index falls 30% in ten minutes: the makers buy up to their limit and
 * no maker is ever liquidatable. */
Test(agent_maker, the_defaults_keep_makers_solvent_through_a_crash)
{
    venue *v;
    agent_pop *pop = makers(10, 17, &v);
    const profile *prof = venue_profile(v);
    uint32_t seller = open_account(v, INT64_C(4000000000000000), ACCOUNT_CROSS, 2);
    perr e = {0, ""};
    double index = INDEX;
    for (int64_t t = 0; t < 600000; t += 1000) {
        index = INDEX * (1 - 0.3 * (double)t / 600000);
        cr_assert_eq(venue_set_mark(v, t, (int64_t)index, &e), 0, "%s", e.msg);
        for (int k = 0; k < 5; k++)
            wake_at(pop, v, t, index, 1);
        book_order_spec spec = {(int64_t)(index * 0.95),
                                (int64_t)(2e11 / (index * K)), seller, BOOK_SELL,
                                BOOK_IOC, 0};
        book_result r;
        venue_reject why;
        cr_assert_eq(venue_submit(v, seller, &spec, &r, &why, &e), 0, "%s", e.msg);
        for (uint32_t i = 0; i < 10; i++) {
            const account *a = venue_account(v, test_agent(pop, i));
            margin_position pos = {a->size, a->cost, a->cash};
            cr_assert(!margin_liquidatable(prof, &pos, (int64_t)index),
                      "maker %u liquidatable at %g", i, index);
        }
    }
    size_t n;
    venue_liquidations(v, &n);
    cr_assert_eq(n, 0);
    /* They did buy, and no maker's inventory went far past its limit. */
    int64_t total = 0;
    for (uint32_t i = 0; i < 10; i++) {
        int64_t size = venue_account(v, test_agent(pop, i))->size;
        total += size;
        cr_assert_leq((double)size * index * K, 1.02e12, "maker %u long %lld", i,
                      (long long)size);
    }
    cr_assert_gt((double)total * index * K, 5e12, "the makers bought %lld lots",
                 (long long)total);
    support_agent_audit_free(pop, v);
}

Test(agent_maker, same_seed_gives_the_same_quotes)
{
    venue *v[2];
    agent_pop *pop[2];
    uint32_t taker[2];
    agent_maker_params p = params(5);
    p.reference = AGENT_MAKER_REF_MID;
    for (int r = 0; r < 2; r++) {
        v[r] = make_venue();
        pop[r] = make_pop(&p, v[r], 21);
        taker[r] = open_account(v[r], INT64_C(1000000000000), ACCOUNT_CROSS, 10);
    }
    for (int64_t k = 0; k < 400; k++) {
        double index = INDEX * (1 + 0.002 * sin((double)k / 20));
        for (int r = 0; r < 2; r++) {
            wake_at(pop[r], v[r], 250 * k, index, 1);
            if (k % 7 == 0 && book_best_bid(venue_book_view(v[r])) != BOOK_NO_PRICE)
                take(v[r], taker[r], k % 14 ? BOOK_SELL : BOOK_BUY,
                     k % 14 ? 400000 : 600000, 5000);
        }
    }
    book_level a[64], b[64];
    for (int side = -1; side <= 1; side += 2) {
        size_t na = book_levels(venue_book_view(v[0]), side, a, 64);
        size_t nb = book_levels(venue_book_view(v[1]), side, b, 64);
        cr_assert_eq(na, nb);
        cr_assert_gt(na, 10);
        cr_assert_eq(memcmp(a, b, na * sizeof a[0]), 0);
    }
    agent_maker_stats sa, sb;
    agent_maker_stats_get(pop[0], &sa);
    agent_maker_stats_get(pop[1], &sb);
    cr_assert_eq(memcmp(&sa, &sb, sizeof sa), 0);
    support_agent_same_accounts(v[0], pop[0], v[1], pop[1], 5);
    int traded = 0;
    for (uint32_t i = 0; i < 5; i++)
        traded += support_agent_size(v[0], pop[0], i) != 0;
    cr_assert_geq(traded, 2);
    support_agent_free_runs(pop, v, 2);
}

Test(agent_maker, bad_parameters_name_the_key)
{
    agent_maker_params ok = params(3), p;
    static const support_agent_bad bad[] = {
        {"count", 0},                 {"capital", 0},
        {"leverage", 0},              {"levels", 0},
        {"spread_bps", -1},           {"level_spacing_bps", NAN},
        {"reference", 7},             {"depth_notional", 0},
        {"vol_halflife", 0},          {"vol_normal", 0},
        {"vol_spread_mult", -1},      {"vol_size_mult", -1},
        {"skew_bps", -1},             {"max_inventory_notional", 0},
        {"burst_count", 0},           {"burst_window", 0},
        {"burst_cooldown", -1},       {"burst_keep", 1.5},
        {"arrival.rate", 0},
    };
    support_agent_bad_values(&agent_maker_kind, &ok, binance(), "populations[2]",
                             bad, sizeof bad / sizeof bad[0]);
    perr e = {0, ""};
    p = ok; p.arrival.rate = 0;
    cr_assert_eq(agent_kind_check(&agent_maker_kind, &p, binance(), "populations[2]", &e),
                 PERR_INVALID);
    cr_assert_str_eq(e.msg, "populations[2].arrival.rate: must be > 0 per second (got 0)");

    /* Through the registry: the venue's maximum leverage is checked too. */
    const agent_kind *kind = support_agent_kind("market_maker");
    cr_assert_eq(kind->params_size, sizeof(agent_maker_params));
    agent_maker_params d;
    agent_kind_defaults(kind, &d);
    cr_assert(d.count == 10 && d.levels == 5 && d.spread_bps == 4 && d.capital == 5e6);
    support_agent_leverage_capped(kind, 200, "populations[2]");
    d.spread_bps = -1;
    cr_assert_eq(agent_kind_check(kind, &d, binance(), "populations[2]", &e),
                 PERR_INVALID);
    cr_assert_str_eq(e.msg, "populations[2].spread_bps: must be > 0 and < 10000 (got -1)");
}

Test(agent_maker, scenario_keys_set_the_parameters)
{
    agent_maker_params p;
    const char *set[][2] = {{"reference", "mid"},       {"vol_halflife", "2m"},
                            {"spread_bps", "6"},        {"capital", "2M"},
                            {"burst_keep", "25%"},      {"arrival.process", "hawkes"},
                            {"arrival.rate", "3"},      {"levels", "3"}};
    support_agent_set_keys(support_agent_kind("market_maker"), &p, set,
                           sizeof set / sizeof set[0], binance(), "populations[0]");
    cr_assert_eq(p.reference, AGENT_MAKER_REF_MID);
    cr_assert_eq(p.vol_halflife_ms, 120000);
    cr_assert(p.spread_bps == 6 && p.capital == 2e6 && p.burst_keep == 0.25);
    cr_assert(p.arrival.kind == ARRIVAL_HAWKES && p.arrival.rate == 3 && p.levels == 3);
}
