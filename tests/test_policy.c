/*
 * Tests of the venue risk policies (models/rule.h, "venue risk policies";
 * models/rules/policy_*.c; sim/engine/venue_policy.c): each policy's
 * behaviour at its edges on a small Binance venue, the records it leaves,
 * and a venue's `policies:` in a scenario (keys, errors, the resolved
 * text). Units as support_venue.h says: 0.1 USDT ticks, 0.001 BTC lots,
 * K = 100 cash units of 1e-6 USDT, so 500000 ticks is 50,000 USDT and a
 * lot at that price is 5e7 cash (50 USDT).
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rule.h"
#include "scenario_load.h"
#include "summary.h"
#include "support_fs.h"
#include "support_venue.h"

/* ---- helpers ----------------------------------------------------------- */

/* The params of policy r from its defaults with the "key=value" settings
 * (NULL-terminated) parsed through its key table; owned by the caller. */
static void *params_with(const rule_policy *r, const char *const *sets)
{
    void *params = malloc(r->params_size);
    cr_assert_not_null(params);
    memcpy(params, r->defaults, r->params_size);
    for (const char *const *s = sets; *s; s++) {
        char key[64];
        const char *eq = strchr(*s, '=');
        cr_assert_not_null(eq);
        snprintf(key, sizeof key, "%.*s", (int)(eq - *s), *s);
        const param_key *k = param_find(r->info.keys, key);
        cr_assert_not_null(k, "no key %s", key);
        char why[256];
        cr_assert_eq(param_parse(k, eq + 1, params, why, sizeof why), 0,
                     "%s", why);
    }
    return params;
}

/* Adds policy r with sets to v, checked against v's profile; the params
 * are returned for the caller to free after the venue. */
static void *add_policy(venue *v, const rule_policy *r,
                        const char *const *sets)
{
    void *params = params_with(r, sets);
    perr e = {0, ""};
    cr_assert_eq(r->check(params, venue_profile(v), &e), 0, "%s", e.msg);
    cr_assert_eq(venue_add_policy(v, r, params, &e), 0, "%s", e.msg);
    return params;
}

#define SETS(...) ((const char *const[]){__VA_ARGS__, NULL})

static const venue_policy_event *events(const venue *v, size_t *n)
{
    return venue_policy_events(v, n);
}

static void expect_event(const venue_policy_event *x, int64_t time,
                         rule_policy_action action, uint32_t who)
{
    cr_expect_eq(x->time, time, "time %lld, expected %lld",
                 (long long)x->time, (long long)time);
    cr_expect_eq(x->action, action, "action %s, expected %s",
                 rule_policy_action_names[x->action],
                 rule_policy_action_names[action]);
    cr_expect_eq(x->account, who);
}

static venue_reject submit_why(venue *v, uint32_t id, int side,
                               book_type type, int64_t price, int64_t size,
                               book_result *r)
{
    venue_reject why;
    *r = submit(v, id, side, type, price, size, 0, &why);
    return why;
}

/* A trader long 100 lots at 500000, isolated at leverage, deposit 2e9,
 * bought from maker's post-only ask. Its trigger (support_venue.h's
 * arithmetic): 20x 476907, 10x 451807, 5x 401606. */
static uint32_t long_at(venue *v, uint32_t maker, int32_t leverage)
{
    uint32_t id = open_account(v, 2000000000, ACCOUNT_ISOLATED, leverage);
    accepted(v, maker, BOOK_SELL, BOOK_POST_ONLY, 500000, 100, 0);
    take(v, id, BOOK_BUY, 500000, 100);
    return id;
}

/* A Binance venue around 50,000 USDT (400000 to 700000 ticks) with a
 * whale, the maker, in *maker. */
static venue *binance_with_maker(uint32_t *maker)
{
    venue *v = make_venue(builtin_profile("binance"), 400000, 700000, 500000);
    *maker = whale(v);
    return v;
}

/* The ledger audit holds (support_audit) at the end of every test, then
 * the venue and the policy's keys are freed. */
static void free_audited(venue *v, void *params)
{
    support_audit(v);
    venue_free(v);
    free(params);
}

/* The accounts of the liquidation records since the last clear, in order,
 * each once (a liquidation may leave several records). */
static size_t liquidated_order(const venue *v, uint32_t *out, size_t max)
{
    size_t n, k = 0;
    const venue_liquidation *r = venue_liquidations(v, &n);
    for (size_t i = 0; i < n && k < max; i++)
        if (k == 0 || out[k - 1] != r[i].account)
            out[k++] = r[i].account;
    return k;
}

/* ---- circuit_breaker --------------------------------------------------- */

#define BREAKER SETS("move=5%", "window=60s", "halt=10s")

Test(policy_circuit_breaker, trips_only_when_the_move_exceeds_move)
{
    venue *v = make_venue(builtin_profile("binance"), 400000, 700000, 500000);
    void *params = add_policy(v, &rule_policy_circuit_breaker, BREAKER);
    set_mark(v, 1000, 500000);
    /* 5% of 500000 is 25000: 475000 is exactly 5% down, not more. */
    set_mark(v, 2000, 475000);
    size_t n;
    events(v, &n);
    cr_assert_eq(n, 0);
    set_mark(v, 3000, 474999);
    const venue_policy_event *x = events(v, &n);
    cr_assert_eq(n, 1);
    expect_event(&x[0], 3000, RULE_POLICY_HALT, ACCOUNT_NONE);
    cr_expect_float_eq(x[0].value, 25001.0 / 500000.0, 1e-12);
    free_audited(v, params);
}

Test(policy_circuit_breaker, a_rise_from_the_low_trips_it_too)
{
    venue *v = make_venue(builtin_profile("binance"), 400000, 700000, 500000);
    void *params = add_policy(v, &rule_policy_circuit_breaker, BREAKER);
    set_mark(v, 1000, 480000);
    set_mark(v, 2000, 504000); /* +5% of 480000 exactly: no */
    size_t n;
    events(v, &n);
    cr_assert_eq(n, 0);
    set_mark(v, 3000, 504001);
    const venue_policy_event *x = events(v, &n);
    cr_assert_eq(n, 1);
    expect_event(&x[0], 3000, RULE_POLICY_HALT, ACCOUNT_NONE);
    free_audited(v, params);
}

/* The events of a breaker (BREAKER) that saw 500000 at 0.5s, 490000 at 1s
 * and then 474999 at last_ms. */
static size_t after_high_at_half_a_second(int64_t last_ms)
{
    venue *v = make_venue(builtin_profile("binance"), 400000, 700000, 500000);
    void *params = add_policy(v, &rule_policy_circuit_breaker, BREAKER);
    set_mark(v, 500, 500000);
    set_mark(v, 1000, 490000);
    set_mark(v, last_ms, 474999);
    size_t n;
    events(v, &n);
    venue_free(v);
    free(params);
    return n;
}

Test(policy_circuit_breaker, a_move_older_than_the_window_does_not_count)
{
    /* Steps of 60s / 60 = 1s: the window holds the step of the clock and
     * the 59 before it. At 59.999s (step 59) the high of step 0 is in it:
     * 474999 is 5.0002% below 500000. At 60s (step 60) it is not, and
     * from 490000 the fall is 3.06%. */
    cr_assert_eq(after_high_at_half_a_second(59999), 1);
    cr_assert_eq(after_high_at_half_a_second(60000), 0);
}

Test(policy_circuit_breaker, a_halt_rejects_orders_keeps_resting_ones_and_resumes)
{
    uint32_t maker;
    venue *v = binance_with_maker(&maker);
    uint32_t taker = whale(v);
    void *params = add_policy(v, &rule_policy_circuit_breaker, BREAKER);
    book_id resting = rest(v, maker, BOOK_BUY, 470000, 10);
    set_mark(v, 1000, 500000);
    set_mark(v, 2000, 470000); /* 6% down: halted for [2000, 12000) */
    book_result r;
    cr_assert_eq(submit_why(v, taker, BOOK_SELL, BOOK_IOC, 470000, 5, &r),
                 VENUE_REJECT_HALTED);
    cr_assert_eq(r.outcome, BOOK_REJECTED);
    /* the resting bid stays, whole, and may still be cancelled */
    book_order_info info;
    perr e = {0, ""};
    cr_assert_eq(book_lookup(venue_book(v), resting, &info, &e), 0);
    cr_assert_eq(info.size, 10);
    size_t n;
    const venue_policy_event *x = events(v, &n);
    cr_assert_eq(n, 2);
    expect_event(&x[0], 2000, RULE_POLICY_HALT, ACCOUNT_NONE);
    expect_event(&x[1], 2000, RULE_POLICY_REJECT, taker);
    cr_expect_float_eq(x[1].value, 47000.0, 1e-9); /* its price, quote */
    venue_clear_events(v);
    update(v, 11999);
    cr_assert_eq(submit_why(v, taker, BOOK_SELL, BOOK_IOC, 470000, 5, &r),
                 VENUE_REJECT_HALTED);
    venue_clear_events(v);
    /* At 12000 the halt is over: the first pass records the resume. */
    update(v, 12000);
    x = events(v, &n);
    cr_assert_eq(n, 1);
    expect_event(&x[0], 12000, RULE_POLICY_RESUME, ACCOUNT_NONE);
    cr_expect_float_eq(x[0].value, 10.0, 1e-12);
    cr_assert_eq(accepted(v, taker, BOOK_SELL, BOOK_IOC, 470000, 5, 0).filled,
                 5);
    free_audited(v, params);
}

Test(policy_circuit_breaker, liquidations_wait_for_the_halts_end_in_trigger_order)
{
    uint32_t maker;
    venue *v = binance_with_maker(&maker);
    uint32_t low = long_at(v, maker, 10);  /* trigger 451807 */
    uint32_t high = long_at(v, maker, 20); /* trigger 476907 */
    /* bids above both bankruptcy prices (475000, 450000), so that both
     * liquidations go through the book, in the order they are made */
    rest(v, maker, BOOK_BUY, 480000, 200);
    void *params = add_policy(v, &rule_policy_circuit_breaker, BREAKER);
    venue_clear_events(v);
    set_mark(v, 1000, 500000);
    set_mark(v, 2000, 450000); /* both trigger; the breaker trips first */
    size_t n;
    venue_liquidations(v, &n);
    cr_assert_eq(n, 0);
    cr_assert_eq(acct(v, high)->size, 100);
    cr_assert_eq(acct(v, low)->size, 100);
    const venue_policy_event *x = events(v, &n);
    cr_assert_eq(n, 2);
    expect_event(&x[0], 2000, RULE_POLICY_HALT, ACCOUNT_NONE);
    /* the head of the queue: the highest trigger, recorded once */
    expect_event(&x[1], 2000, RULE_POLICY_DEFER, high);
    venue_clear_events(v);
    update(v, 5000);
    events(v, &n);
    cr_assert_eq(n, 0, "a wait is recorded once");
    update(v, 12000);
    uint32_t order[4];
    cr_assert_eq(liquidated_order(v, order, 4), 2);
    cr_assert_eq(order[0], high);
    cr_assert_eq(order[1], low);
    cr_assert_eq(acct(v, high)->size, 0);
    cr_assert_eq(acct(v, low)->size, 0);
    x = events(v, &n);
    cr_assert_geq(n, 1);
    expect_event(&x[0], 12000, RULE_POLICY_RESUME, ACCOUNT_NONE);
    free_audited(v, params);
}

Test(policy_circuit_breaker, scope_liquidations_lets_orders_trade)
{
    uint32_t maker;
    venue *v = binance_with_maker(&maker);
    uint32_t taker = whale(v);
    uint32_t trader = long_at(v, maker, 20);
    void *params = add_policy(
        v, &rule_policy_circuit_breaker,
        SETS("move=5%", "window=60s", "halt=10s", "scope=liquidations"));
    rest(v, maker, BOOK_BUY, 470000, 10);
    set_mark(v, 1000, 500000);
    set_mark(v, 2000, 470000);
    cr_assert_eq(acct(v, trader)->size, 100, "the liquidation waits");
    cr_assert_eq(accepted(v, taker, BOOK_SELL, BOOK_IOC, 470000, 5, 0).filled,
                 5);
    free_audited(v, params);
}

/* ---- price_band -------------------------------------------------------- */

Test(policy_price_band, rejects_beyond_the_band_and_accepts_at_its_edge)
{
    venue *v = make_venue(builtin_profile("binance"), 400000, 700000, 500000);
    uint32_t a = whale(v);
    void *params = add_policy(v, &rule_policy_price_band, SETS("band=2%"));
    /* d = floor(500000 x 2%) = 10000: the band is [490000, 510000]. */
    book_result r;
    cr_assert_eq(submit_why(v, a, BOOK_BUY, BOOK_LIMIT, 510001, 1, &r),
                 VENUE_REJECT_BAND);
    cr_assert_eq(submit_why(v, a, BOOK_BUY, BOOK_LIMIT, 510000, 1, &r),
                 VENUE_ACCEPTED);
    cr_assert_eq(submit_why(v, a, BOOK_SELL, BOOK_POST_ONLY, 489999, 1, &r),
                 VENUE_REJECT_BAND);
    cr_assert_eq(submit_why(v, a, BOOK_SELL, BOOK_POST_ONLY, 520000, 1, &r),
                 VENUE_ACCEPTED, "a sell above the mark is inside");
    size_t n;
    const venue_policy_event *x = events(v, &n);
    cr_assert_eq(n, 2);
    expect_event(&x[0], 0, RULE_POLICY_REJECT, a);
    cr_expect_float_eq(x[0].value, 51000.1, 1e-9);
    expect_event(&x[1], 0, RULE_POLICY_REJECT, a);
    free_audited(v, params);
}

Test(policy_price_band, clip_sends_at_the_edge_and_market_orders_are_clipped)
{
    uint32_t maker;
    venue *v = binance_with_maker(&maker);
    uint32_t taker = whale(v);
    accepted(v, maker, BOOK_SELL, BOOK_POST_ONLY, 505000, 10, 0);
    accepted(v, maker, BOOK_SELL, BOOK_POST_ONLY, 515000, 10, 0);
    /* reject: a market order's limit is clipped all the same */
    void *params = add_policy(v, &rule_policy_price_band, SETS("band=2%"));
    book_result r;
    cr_assert_eq(submit_why(v, taker, BOOK_BUY, BOOK_MARKET, 600000, 20, &r),
                 VENUE_ACCEPTED);
    cr_assert_eq(r.filled, 10, "only the ask inside the band");
    venue_free(v);
    free(params);

    v = make_venue(builtin_profile("binance"), 400000, 700000, 500000);
    maker = whale(v);
    params = add_policy(v, &rule_policy_price_band,
                        SETS("band=2%", "action=clip"));
    cr_assert_eq(submit_why(v, maker, BOOK_BUY, BOOK_LIMIT, 520000, 3, &r),
                 VENUE_ACCEPTED);
    cr_assert_eq(r.rested, 3);
    cr_assert_eq(book_best_bid(venue_book(v)), 510000);
    size_t n;
    const venue_policy_event *x = events(v, &n);
    cr_assert_eq(n, 1);
    expect_event(&x[0], 0, RULE_POLICY_CLIP, maker);
    cr_expect_float_eq(x[0].value, 51000.0, 1e-9);
    free_audited(v, params);
}

/* A long at its trigger 476907 (bankruptcy 475000) with bids at 475500:
 * the liquidation sells there unless a band of 0.2% (edge 476907 - 953 =
 * 475954) holds liquidation orders too. */
static venue *band_liquidation(const char *const *sets, uint32_t *trader,
                               void **params)
{
    uint32_t maker;
    venue *v = binance_with_maker(&maker);
    *trader = long_at(v, maker, 20);
    rest(v, maker, BOOK_BUY, 475500, 100);
    *params = add_policy(v, &rule_policy_price_band, sets);
    venue_clear_events(v);
    set_mark(v, 1, LONG_TRIGGER);
    return v;
}

Test(policy_price_band, liquidation_orders_pass_unless_liquidations_is_yes)
{
    uint32_t trader;
    void *params;
    venue *v = band_liquidation(SETS("band=0.2%"), &trader, &params);
    one_liquidation(v, trader, 1, VENUE_BY_BOOK, 100, 4755000000);
    venue_free(v);
    free(params);

    v = band_liquidation(SETS("band=0.2%", "action=clip", "liquidations=yes"),
                         &trader, &params);
    /* clipped to 475954: nothing fills, the fund takes it over (and its
     * unwinds are held to the band as well: clipped, nothing fills) */
    one_liquidation(v, trader, 1, VENUE_BY_FUND, 100, 4750000000);
    size_t n;
    const venue_policy_event *x = events(v, &n);
    cr_assert_geq(n, 2);
    expect_event(&x[0], 1, RULE_POLICY_CLIP, trader);
    expect_event(&x[1], 1, RULE_POLICY_CLIP, ACCOUNT_FUND);
    cr_assert_eq(acct(v, ACCOUNT_FUND)->size, 100);
    cr_expect_float_eq(x[0].value, 47595.4, 1e-9);
    free_audited(v, params);

    v = band_liquidation(SETS("band=0.2%", "liquidations=yes"), &trader,
                         &params);
    one_liquidation(v, trader, 1, VENUE_BY_FUND, 100, 4750000000);
    x = events(v, &n);
    cr_assert_geq(n, 1);
    expect_event(&x[0], 1, RULE_POLICY_REJECT, trader);
    free_audited(v, params);
}

/* ---- liquidation_throttle ---------------------------------------------- */

Test(policy_liquidation_throttle, count_per_interval_in_trigger_order)
{
    uint32_t maker;
    venue *v = binance_with_maker(&maker);
    uint32_t c = long_at(v, maker, 5);  /* 401606 */
    uint32_t a = long_at(v, maker, 20); /* 476907 */
    uint32_t b = long_at(v, maker, 10); /* 451807 */
    void *params = add_policy(v, &rule_policy_liquidation_throttle,
                              SETS("count=1", "interval=1s"));
    venue_clear_events(v);
    set_mark(v, 500, 400000);
    uint32_t order[4];
    cr_assert_eq(liquidated_order(v, order, 4), 1);
    cr_assert_eq(order[0], a);
    size_t n;
    const venue_policy_event *x = events(v, &n);
    cr_assert_eq(n, 1);
    expect_event(&x[0], 500, RULE_POLICY_DEFER, b);
    venue_clear_events(v);
    update(v, 999); /* the interval [0, 1000) has had its one */
    cr_assert_eq(liquidated_order(v, order, 4), 0);
    update(v, 1000);
    cr_assert_eq(liquidated_order(v, order, 4), 1);
    cr_assert_eq(order[0], b);
    x = events(v, &n);
    cr_assert_eq(n, 1);
    expect_event(&x[0], 1000, RULE_POLICY_DEFER, c);
    venue_clear_events(v);
    update(v, 2500);
    cr_assert_eq(liquidated_order(v, order, 4), 1);
    cr_assert_eq(order[0], c);
    free_audited(v, params);
}

Test(policy_liquidation_throttle, notional_limit_lets_the_first_of_an_interval_through)
{
    uint32_t maker;
    venue *v = binance_with_maker(&maker);
    uint32_t a = long_at(v, maker, 20);
    uint32_t b = long_at(v, maker, 10);
    /* each position is 100 lots x 400000 x 100 = 4e9 cash, 4,000 USDT at
     * the mark: a limit of 5,000 takes one per interval, 8,000 two */
    void *params = add_policy(v, &rule_policy_liquidation_throttle,
                              SETS("count=0", "notional=3000",
                                   "interval=1s"));
    venue_clear_events(v);
    set_mark(v, 10, 400000);
    uint32_t order[4];
    cr_assert_eq(liquidated_order(v, order, 4), 1,
                 "the first goes though it is above the limit");
    cr_assert_eq(order[0], a);
    size_t n;
    const venue_policy_event *x = events(v, &n);
    cr_assert_eq(n, 1);
    expect_event(&x[0], 10, RULE_POLICY_DEFER, b);
    cr_expect_float_eq(x[0].value, 4000.0, 1e-9);
    venue_free(v);
    free(params);

    v = make_venue(builtin_profile("binance"), 400000, 700000, 500000);
    maker = whale(v);
    long_at(v, maker, 20);
    long_at(v, maker, 10);
    params = add_policy(v, &rule_policy_liquidation_throttle,
                        SETS("count=0", "notional=8000", "interval=1s"));
    venue_clear_events(v);
    set_mark(v, 10, 400000);
    cr_assert_eq(liquidated_order(v, order, 4), 2);
    free_audited(v, params);
}

/* ---- oi_cap ------------------------------------------------------------ */

Test(policy_oi_cap, the_venue_cap_trims_then_rejects_and_reducing_passes)
{
    uint32_t maker;
    venue *v = binance_with_maker(&maker);
    uint32_t t1 = open_account(v, 100000000000, ACCOUNT_CROSS, 5);
    uint32_t t2 = open_account(v, 100000000000, ACCOUNT_CROSS, 5);
    /* 5,000 USDT at 500000 x K = 5e7 a lot: 100 lots */
    void *params = add_policy(v, &rule_policy_oi_cap, SETS("venue=5000"));
    accepted(v, maker, BOOK_SELL, BOOK_POST_ONLY, 500000, 300, 0);
    book_result r;
    cr_assert_eq(submit_why(v, t1, BOOK_BUY, BOOK_IOC, 500000, 150, &r),
                 VENUE_ACCEPTED);
    cr_assert_eq(r.filled, 100, "trimmed to the 100 the cap leaves");
    cr_assert_eq(submit_why(v, t2, BOOK_BUY, BOOK_IOC, 500000, 10, &r),
                 VENUE_REJECT_OI_CAP);
    size_t n;
    const venue_policy_event *x = events(v, &n);
    cr_assert_eq(n, 2);
    expect_event(&x[0], 0, RULE_POLICY_TRIM, t1);
    cr_expect_float_eq(x[0].value, 50.0, 1e-12);
    expect_event(&x[1], 0, RULE_POLICY_REJECT, t2);
    /* a sell of t1's reduces: it trades */
    rest(v, maker, BOOK_BUY, 499000, 20);
    cr_assert_eq(accepted(v, t1, BOOK_SELL, BOOK_IOC, 499000, 20, 0).filled,
                 20);
    free_audited(v, params);
}

Test(policy_oi_cap, the_account_cap_counts_the_position_and_resting_orders)
{
    uint32_t maker;
    venue *v = binance_with_maker(&maker);
    uint32_t t = open_account(v, 100000000000, ACCOUNT_CROSS, 5);
    /* 2,500 USDT: 50 lots a side */
    void *params = add_policy(v, &rule_policy_oi_cap, SETS("account=2500"));
    accepted(v, maker, BOOK_SELL, BOOK_POST_ONLY, 500000, 20, 0);
    take(v, t, BOOK_BUY, 500000, 20);
    rest(v, t, BOOK_BUY, 490000, 20);
    book_result r;
    cr_assert_eq(submit_why(v, t, BOOK_BUY, BOOK_POST_ONLY, 480000, 30, &r),
                 VENUE_ACCEPTED);
    cr_assert_eq(r.rested, 10, "20 held + 20 resting: 10 left");
    cr_assert_eq(submit_why(v, t, BOOK_BUY, BOOK_LIMIT, 480000, 1, &r),
                 VENUE_REJECT_OI_CAP);
    /* the other side is its own: a sell of 70 reduces 20, opens 50 */
    rest(v, maker, BOOK_BUY, 500000, 70);
    cr_assert_eq(accepted(v, t, BOOK_SELL, BOOK_IOC, 500000, 80, 0).filled,
                 70);
    cr_assert_eq(acct(v, t)->size, -50);
    free_audited(v, params);
}

/* ---- policies in a scenario -------------------------------------------- */

static const char policy_scenario[] =
    "venues:\n"
    "  - profile: binance\n"
    "    policies:\n"
    "      circuit_breaker: {move: 3%, window: 2m}\n"
    "      price_band: {}\n"
    "populations:\n"
    "  - kind: leveraged_long\n";

static const char *load_error(const char *const *sets, size_t n, perr *e)
{
    scenario s;
    perr_clear(e);
    cr_assert_eq(scenario_load_text("p.yaml", policy_scenario,
                                    strlen(policy_scenario), sets, n, &s, e),
                 PERR_INVALID, "loaded");
    return e->msg;
}

Test(policy, a_venue_lists_policies_by_name_from_their_defaults)
{
    scenario s;
    perr e = {0, ""};
    const char *sets[] = {"venues.binance.policies.circuit_breaker.halt=1m",
                          "venues.binance.policies.oi_cap.venue=1B",
                          "venues.binance.policies.oi_cap.enabled=no"};
    cr_assert_eq(scenario_load_text("p.yaml", policy_scenario,
                                    strlen(policy_scenario), sets, 3, &s, &e),
                 0, "%s", e.msg);
    const scenario_venue *v = &s.venues[0];
    cr_assert_not_null(v->policies[0]);
    cr_assert_not_null(v->policies[1]);
    cr_assert_null(v->policies[2]);
    cr_assert_not_null(v->policies[3]);
    /* the resolved text holds every key of each listed policy */
    cr_assert(strstr(s.resolved, "circuit_breaker:"));
    cr_assert(strstr(s.resolved, "move: 3000000e-8"), "%s", s.resolved);
    cr_assert(strstr(s.resolved, "halt: 1m"), "%s", s.resolved);
    cr_assert(strstr(s.resolved, "scope: all"), "%s", s.resolved);
    cr_assert(strstr(s.resolved, "band: 2000000e-8"), "%s", s.resolved);
    cr_assert(strstr(s.resolved, "enabled: no"), "%s", s.resolved);
    /* which loads back to the same policies */
    scenario back;
    cr_assert_eq(scenario_load_text("r.yaml", s.resolved, strlen(s.resolved),
                                    NULL, 0, &back, &e),
                 0, "%s", e.msg);
    for (size_t k = 0; rule_policies[k]; k++) {
        const rule_policy *r = (const rule_policy *)rule_policies[k];
        cr_assert_eq(!v->policies[k], !back.venues[0].policies[k]);
        if (v->policies[k])
            cr_assert_eq(memcmp(v->policies[k], back.venues[0].policies[k],
                                r->params_size),
                         0, "%s", r->info.name);
    }
    scenario_free(&back);
    scenario_free(&s);
}

Test(policy, unknown_policies_and_keys_are_placed_and_suggested)
{
    perr e;
    const char *bad_policy[] = {"venues.binance.policies.circuit_breakr.move=1%"};
    cr_expect(strstr(load_error(bad_policy, 1, &e),
                     "unknown policy 'circuit_breakr' (did you mean "
                     "'circuit_breaker'?)"),
              "%s", e.msg);
    const char *bad_key[] = {"venues.binance.policies.price_band.bnad=1%"};
    cr_expect(strstr(load_error(bad_key, 1, &e),
                     "policies.price_band.bnad: unknown key (did you mean "
                     "'band'?)"),
              "%s", e.msg);
    const char *bad_value[] = {"venues.binance.policies.price_band.action=cut"};
    cr_expect(strstr(load_error(bad_value, 1, &e), "action"), "%s", e.msg);
    const char *bad_range[] = {"venues.binance.policies.circuit_breaker.move=0"};
    cr_expect(strstr(load_error(bad_range, 1, &e),
                     "venues[0].policies.circuit_breaker.move: must be above "
                     "0"),
              "%s", e.msg);
    const char *throttle[] = {
        "venues.binance.policies.liquidation_throttle.count=0"};
    cr_expect(strstr(load_error(throttle, 1, &e),
                     "liquidation_throttle.count: a throttle limits"),
              "%s", e.msg);
}

Test(policy, a_policy_check_points_at_its_line)
{
    static const char text[] = "venues:\n"
                               "  - profile: binance\n"
                               "    policies:\n"
                               "      price_band:\n"
                               "        band: 150%\n"
                               "populations:\n"
                               "  - kind: leveraged_long\n";
    scenario s;
    perr e;
    perr_clear(&e);
    cr_assert_eq(scenario_load_text("p.yaml", text, strlen(text), NULL, 0, &s,
                                    &e),
                 PERR_INVALID);
    cr_expect(strstr(e.msg, "p.yaml:5:"), "%s", e.msg);
    cr_expect(strstr(e.msg, "venues[0].policies.price_band.band: must be"),
              "%s", e.msg);
}

Test(policy, every_policy_has_enabled_first_and_defaults_that_check)
{
    const profile *p = builtin_profile("binance");
    for (size_t k = 0; rule_policies[k]; k++) {
        const rule_policy *r = (const rule_policy *)rule_policies[k];
        cr_assert_str_eq(r->info.keys[0].key, "enabled", "%s", r->info.name);
        cr_assert_eq(r->info.keys[0].offset, 0);
        int enabled;
        memcpy(&enabled, r->defaults, sizeof enabled);
        cr_assert_eq(enabled, 1, "%s", r->info.name);
        perr e = {0, ""};
        /* oi_cap has no default cap: it must be given one */
        int rc = r->check(r->defaults, p, &e);
        if (strcmp(r->info.name, "oi_cap") == 0)
            cr_assert_eq(rc, PERR_INVALID);
        else
            cr_assert_eq(rc, 0, "%s: %s", r->info.name, e.msg);
    }
}

Test(policy, every_policy_and_key_is_documented)
{
    /* scenarios/README.md, "Venue risk policies": a paragraph that starts
     * "`NAME`:" for each policy, in registry order, and a row of each of
     * its keys before the next one's paragraph. */
    char *text = support_read_source("scenarios/README.md");
    const char *at = strstr(text, "#### Venue risk policies");
    cr_assert_not_null(at, "no section \"Venue risk policies\"");
    for (size_t k = 0; rule_policies[k]; k++) {
        char head[64];
        snprintf(head, sizeof head, "\n`%s`: ", rule_policies[k]->name);
        const char *start = strstr(at, head);
        cr_assert_not_null(start, "no paragraph %s", head + 1);
        const char *end = rule_policies[k + 1] ? NULL : strstr(start, "\n### ");
        if (rule_policies[k + 1]) {
            snprintf(head, sizeof head, "\n`%s`: ", rule_policies[k + 1]->name);
            end = strstr(start, head);
        }
        cr_assert_not_null(end);
        for (const param_key *x = rule_policies[k]->keys; x->key; x++) {
            char row[64];
            snprintf(row, sizeof row, "| `%s` |", x->key);
            const char *hit = strstr(start, row);
            cr_expect(hit && hit < end, "%s: no row %s",
                      rule_policies[k]->name, row);
        }
        at = start + 1;
    }
    free(text);
}

/* What summary_print writes of s (owned by the caller). */
static char *printed(const summary *s)
{
    FILE *out = tmpfile();
    cr_assert_not_null(out);
    summary_print(out, s);
    long len = ftell(out);
    cr_assert_geq(len, 0);
    char *text = calloc((size_t)len + 1, 1);
    cr_assert_not_null(text);
    rewind(out);
    cr_assert_eq(fread(text, 1, (size_t)len, out), (size_t)len);
    fclose(out);
    return text;
}

Test(policy, the_printed_summary_names_each_listed_policys_interventions)
{
    summary s = {0};
    cr_assert_eq(summary_add(&s, "v.liquidations.total_notional", 1), 0);
    cr_assert_eq(summary_add(&s, "v.policies.price_band.interventions", 7), 0);
    cr_assert_eq(summary_add(&s, "v.policies.circuit_breaker.interventions", 2),
                 0);
    char *text = printed(&s);
    /* in registry order, whatever the summary's */
    cr_expect(strstr(text, "  policies:            circuit_breaker 2, "
                           "price_band 7 interventions\n"),
              "%s", text);
    free(text);
    summary_free(&s);

    summary none = {0};
    cr_assert_eq(summary_add(&none, "v.liquidations.total_notional", 1), 0);
    text = printed(&none);
    cr_expect_null(strstr(text, "policies"), "%s", text);
    free(text);
    summary_free(&none);
}

/* ---- dynamic_margin ---------------------------------------------------- */

Test(policy_dynamic_margin, the_multiplier_follows_volatility_by_steps_and_rekeys)
{
    uint32_t maker;
    venue *v = binance_with_maker(&maker);
    uint32_t trader = long_at(v, maker, 20);
    cr_assert_eq(acct(v, trader)->trigger, LONG_TRIGGER);
    /* three 1s returns make a window; any volatility is far above the
     * reference, so the target is max = 2, reached in steps of 0.5 */
    void *params = add_policy(v, &rule_policy_dynamic_margin,
                              SETS("window=3s", "update=1s", "vol_ref=0.0001",
                                   "min=1", "max=2", "step=0.5"));
    venue_clear_events(v);
    set_mark(v, 0, 500000);
    set_mark(v, 1000, 505000);
    set_mark(v, 2000, 495000);
    size_t n;
    events(v, &n);
    cr_assert_eq(n, 0, "no full window yet");
    cr_assert_eq(venue_margin_multiplier(v), 100);
    set_mark(v, 2999, 480000); /* not a sample: 3000 is the next */
    cr_assert_eq(venue_margin_multiplier(v), 100);
    set_mark(v, 3000, 500000);
    /* 1.5: Binance's first bracket 0.4% becomes 0.6%, so the trigger
     * 1e4 M - 4.75e9 < 60 M <=> M < 477,867.2 */
    cr_assert_eq(venue_margin_multiplier(v), 150);
    const venue_policy_event *x = events(v, &n);
    cr_assert_eq(n, 1);
    expect_event(&x[0], 3000, RULE_POLICY_MARGIN, ACCOUNT_NONE);
    cr_expect_float_eq(x[0].value, 1.5, 1e-12);
    cr_assert_eq(acct(v, trader)->trigger, 477867);
    cr_assert_eq(venue_profile(v)->brackets[0].mmr, 600000);
    cr_assert_eq(venue_profile(v)->brackets[0].max_leverage, 125 * 100 / 150);
    cr_assert_eq(builtin_profile("binance")->brackets[0].mmr, 400000,
                 "the profile given is not changed");
    support_audit(v);
    set_mark(v, 4000, 500000);
    cr_assert_eq(venue_margin_multiplier(v), 200);
    /* 0.8%: 9920 M < 4.75e9 <=> M < 478,830.6 */
    cr_assert_eq(acct(v, trader)->trigger, 478830);
    support_audit(v);
    /* at 478000 the scaled margin liquidates what 476907 would not */
    rest(v, maker, BOOK_BUY, 478000, 100);
    venue_clear_events(v);
    set_mark(v, 4500, 478000);
    one_liquidation(v, trader, 1, VENUE_BY_BOOK, 100, 4780000000);
    free_audited(v, params);
}

Test(policy_dynamic_margin, it_starts_at_min_and_rates_stay_below_one)
{
    uint32_t maker;
    venue *v = binance_with_maker(&maker);
    uint32_t trader = long_at(v, maker, 20);
    void *params = add_policy(v, &rule_policy_dynamic_margin,
                              SETS("min=1.25", "max=3"));
    set_mark(v, 1, 500000);
    cr_assert_eq(venue_margin_multiplier(v), 125);
    /* 0.5%: 9950 M < 4.75e9 <=> M < 477,386.9 */
    cr_assert_eq(acct(v, trader)->trigger, 477386);
    support_audit(v);
    /* Binance's last bracket, 50%, is held at 99% at any multiplier */
    venue_set_margin_multiplier(v, 300);
    const profile *p = venue_profile(v);
    cr_assert_eq(p->brackets[p->nbrackets - 1].mmr, VENUE_MMR_SCALED_MAX);
    cr_assert_eq(p->brackets[0].mmr, 1200000);
    for (int i = 1; i < p->nbrackets; i++)
        cr_assert_geq(p->brackets[i].mmr, p->brackets[i - 1].mmr);
    free_audited(v, params);
    perr e = {0, ""};
    params = params_with(&rule_policy_dynamic_margin, SETS("max=101"));
    cr_assert_eq(rule_policy_dynamic_margin.check(
                     params, builtin_profile("binance"), &e),
                 PERR_INVALID);
    cr_expect(strstr(e.msg, "max: "), "%s", e.msg);
    free(params);
}
