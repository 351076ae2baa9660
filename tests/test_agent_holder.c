/*
 * Tests of the leveraged directional holders (models/agent_holder.h) behind
 * the population interface (models/agent.h): they open on their side, never
 * past their bracket's maximum leverage, with the leverage distribution's
 * median; take-profit and stop-loss close them when the mark crosses; a
 * liquidated holder re-enters with the stated probability; a stop-loss
 * filled past bankruptcy leaves a debt that the next open repays; the same
 * seed
 * gives the same actions; bad parameters are errors naming the key; and a
 * million of them, the venue's ledger included, fit in under 300 bytes each.
 *
 * The venue is Binance at 50,000 USDT (0.1 USDT ticks, 0.001 BTC lots,
 * K = 100 cash units of 1e-6 USDT per tick-lot) with a whale quoting a deep
 * book at 499990 / 500010 ticks, as in test_venue.c.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_holder.h"
#include "margin.h"
#include "support_agent.h"
#include "venue.h"

#define BID INT64_C(499990)
#define ASK INT64_C(500010)
#define MARK INT64_C(500000)

/* A venue with a whale resting depth lots at bid_price and at ASK; the
 * whale's account and its ask's id go to *whale_out and *ask_out. */
static venue *make_venue_bid(size_t accounts_hint, int64_t depth, int64_t bid_price,
                             uint32_t *whale_out, book_id *ask_out)
{
    venue *v = test_venue(binance(), accounts_hint);
    *whale_out = test_whale(v);
    test_rest(v, *whale_out, BOOK_BUY, bid_price, depth);
    *ask_out = test_rest(v, *whale_out, BOOK_SELL, ASK, depth);
    return v;
}

/* A venue with a whale resting depth lots on each side of the touch. */
static venue *make_venue(size_t accounts_hint, int64_t depth)
{
    uint32_t whale;
    return test_venue_quoted(binance(), accounts_hint, BID, ASK, 0, 1, depth,
                             &whale);
}

static agent_holder_params params(uint32_t count, int side)
{
    agent_holder_params p;
    support_agent_params(&agent_holder_long_kind, &p, count);
    p.side = side;
    p.notional_median = 1000;
    p.notional_sigma = 0.3;
    return p;
}

/* The kind of p's side. */
static const agent_kind *kind_of(const agent_holder_params *p)
{
    return p->side > 0 ? &agent_holder_long_kind : &agent_holder_short_kind;
}

static agent_pop *make_pop(const agent_holder_params *p, venue *v, uint64_t seed)
{
    const char *kind = p->side > 0 ? "leveraged_long" : "leveraged_short";
    return support_agent_pop_on(kind_of(p), kind, p, v, seed, "holders",
                                "populations[0]");
}

SUPPORT_AGENT_STATS(holder)

/* Wakes pop until n positions have been opened in all (at most 60 wakes per
 * agent, far beyond the coupon collector's need). */
static void wake_until_opened(agent_pop *pop, venue *v, uint32_t count, uint64_t n)
{
    for (uint64_t k = 0; stats(pop).opens < n && k < 60 * (uint64_t)count; k++)
        support_agent_wake_next(pop, v);
    cr_assert_eq(stats(pop).opens, n, "opened %llu of %llu",
                 (unsigned long long)stats(pop).opens, (unsigned long long)n);
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

Test(agent_holder, waking_opens_positions_on_the_populations_side)
{
    for (int side = -1; side <= 1; side += 2) {
        venue *v = make_venue(64, INT64_C(1000000000));
        agent_holder_params p = params(100, side);
        agent_pop *pop = make_pop(&p, v, 7);
        cr_assert_str_eq(pop->kind->kind, side > 0 ? "leveraged_long" : "leveraged_short");
        wake_until_opened(pop, v, 100, 100);
        for (uint32_t i = 0; i < 100; i++) {
            const account *a = venue_account(v, test_agent(pop, i));
            cr_assert(side > 0 ? a->size > 0 : a->size < 0, "agent %u size %lld",
                      (unsigned)i, (long long)a->size);
        }
        cr_assert_eq(stats(pop).holding, 100);
        support_agent_audit_free(pop, v);
    }
}

Test(agent_holder, leverage_never_exceeds_the_bracket_maximum_and_has_the_median)
{
    /* Large positions (median 2 million USDT) with high leverage: the
     * brackets bind for many. */
    venue *v = make_venue(512, INT64_C(1000000000));
    venue_set_check(v, 0);
    agent_holder_params p = params(400, 1);
    p.notional_median = 2e6;
    p.notional_sigma = 1.0;
    p.leverage_median = 60;
    p.leverage_sigma = 0.5;
    agent_pop *pop = make_pop(&p, v, 11);
    wake_until_opened(pop, v, 400, 400);
    int capped = 0;
    for (uint32_t i = 0; i < 400; i++) {
        const account *a = venue_account(v, test_agent(pop, i));
        int64_t entry_notional = a->cost < 0 ? -a->cost : a->cost;
        int32_t most = margin_max_leverage(binance(), entry_notional);
        int32_t most_mark = margin_max_leverage(
            binance(), margin_notional(binance(), a->size, MARK));
        cr_assert(a->leverage >= 1 && a->leverage <= most && a->leverage <= most_mark,
                  "agent %u: leverage %d, bracket maximum %d", (unsigned)i,
                  (int)a->leverage, (int)most);
        capped += a->leverage == most;
    }
    cr_assert_gt(capped, 20, "the brackets bound only %d times", capped);
    support_agent_audit_free(pop, v);

    /* Small positions: the first bracket (125x) never binds, and the sample
     * median of the rounded leverage is within 4 standard errors of the
     * median (SE = median x sigma x sqrt(pi / 2) / sqrt(n) = 0.38) plus
     * half a unit of rounding. */
    v = make_venue(512, INT64_C(1000000000));
    venue_set_check(v, 0);
    p = params(400, 1);
    pop = make_pop(&p, v, 12);
    wake_until_opened(pop, v, 400, 400);
    int lev[400];
    for (uint32_t i = 0; i < 400; i++)
        lev[i] = venue_account(v, test_agent(pop, i))->leverage;
    qsort(lev, 400, sizeof lev[0], cmp_int);
    double median = 0.5 * (lev[199] + lev[200]);
    double se = 10 * 0.6 * sqrt(acos(-1.0) / 2) / sqrt(400.0);
    cr_assert(fabs(median - 10) <= 4 * se + 0.5, "median leverage %g", median);
    support_agent_free(pop, v);
}

/* Opens 50 holders at leverage 5, which no 20% move liquidates. */
static agent_pop *open_fifty(venue *v, uint64_t seed)
{
    agent_holder_params p = params(50, 1);
    p.leverage_median = 5;
    p.leverage_sigma = 0;
    p.take_profit = 0.05;
    p.stop_loss = 0.03;
    p.reentry = 1;
    agent_pop *pop = make_pop(&p, v, seed);
    wake_until_opened(pop, v, 50, 50);
    /* Inside the bands nothing closes. */
    for (int k = 0; k < 500; k++)
        support_agent_wake_next(pop, v);
    cr_assert_eq(stats(pop).take_profits + stats(pop).stop_losses, 0);
    cr_assert_eq(stats(pop).holding, 50);
    return pop;
}

static void wake_until_flat(agent_pop *pop, venue *v, int take_profit)
{
    for (int k = 0; k < 5000; k++) {
        agent_holder_stats s = stats(pop);
        if ((take_profit ? s.take_profits : s.stop_losses) == 50)
            break;
        support_agent_wake_next(pop, v);
    }
    agent_holder_stats s = stats(pop);
    cr_assert_eq(take_profit ? s.take_profits : s.stop_losses, 50);
    cr_assert_eq(take_profit ? s.stop_losses : s.take_profits, 0);
    cr_assert_eq(s.liquidations, 0);
}

/* Fifty holders (open_fifty, seed) see the mark at inside, just short of
 * their take-profit (or stop-loss) band, where none closes, then at past,
 * where every one does. */
static void check_band_closes(uint64_t seed, int take_profit, int64_t inside,
                              int64_t past)
{
    venue *v = make_venue(64, INT64_C(1000000000));
    agent_pop *pop = open_fifty(v, seed);
    perr e = {0, ""};
    cr_assert_eq(venue_set_mark(v, 1, inside, &e), 0, "%s", e.msg);
    for (int k = 0; k < 500; k++)
        support_agent_wake_next(pop, v);
    agent_holder_stats s = stats(pop);
    cr_assert_eq(take_profit ? s.take_profits : s.stop_losses, 0);
    cr_assert_eq(venue_set_mark(v, 2, past, &e), 0, "%s", e.msg);
    wake_until_flat(pop, v, take_profit);
    support_agent_audit_free(pop, v);
}

Test(agent_holder, take_profit_closes_when_the_mark_rises_past_it)
{
    /* Entry 500010: take-profit at 525010.5. */
    check_band_closes(3, 1, 525010, 525011);
}

Test(agent_holder, stop_loss_closes_when_the_mark_falls_past_it)
{
    /* Entry 500010: stop-loss at 485009.7. */
    check_band_closes(4, 0, 485010, 485009);
}

Test(agent_holder, a_stop_loss_filled_past_bankruptcy_leaves_a_debt_the_next_open_repays)
{
    /* The only bid rests at 37,000 USDT, 26% under the entry: a 5x long
     * (20% margin) stopped out at the 3% stop-loss fills there and ends flat
     * with a negative wallet, as a close into a book emptied by a cascade
     * does. The mark, 485,000 ticks, is above the liquidation price, so the
     * engine does not step in first. With the asks gone nobody can reopen
     * yet; once they are back, reopening repays the debt: the wallet is
     * exactly the new initial margin (the fee added before was paid). */
    uint32_t whale;
    book_id ask;
    venue *v = make_venue_bid(64, INT64_C(1000000000), INT64_C(370000), &whale, &ask);
    agent_pop *pop = open_fifty(v, 6);
    perr e = {0, ""};
    cr_assert_eq(venue_cancel(v, ask, &e), 0, "%s", e.msg);
    cr_assert_eq(venue_set_mark(v, 1, 485000, &e), 0, "%s", e.msg);
    wake_until_flat(pop, v, 0);
    for (uint32_t i = 0; i < 50; i++) {
        const account *a = venue_account(v, test_agent(pop, i));
        cr_assert_eq(a->size, 0);
        cr_assert_lt(a->cash, 0, "agent %u wallet %lld", (unsigned)i, (long long)a->cash);
    }
    book_order_spec spec = {ASK, INT64_C(1000000000), whale, BOOK_SELL, BOOK_LIMIT, 0};
    book_result r;
    venue_reject why;
    cr_assert_eq(venue_submit(v, whale, &spec, &r, &why, &e), 0, "%s", e.msg);
    cr_assert_eq(r.outcome, BOOK_RESTED, "%s", venue_reject_name(why));
    cr_assert_eq(venue_set_mark(v, 2, MARK, &e), 0, "%s", e.msg);
    wake_until_opened(pop, v, 50, 100);
    for (uint32_t i = 0; i < 50; i++) {
        const account *a = venue_account(v, test_agent(pop, i));
        cr_assert_gt(a->size, 0);
        /* cash is the wallet less the entry notional (margin.h). */
        cr_assert_eq(a->cost, margin_notional(binance(), a->size, ASK));
        cr_assert_eq(a->cash + a->cost, margin_initial(a->cost, 5),
                     "agent %u: wallet %lld", (unsigned)i, (long long)(a->cash + a->cost));
    }
    support_agent_audit_free(pop, v);
}

Test(agent_holder, liquidated_holders_reenter_with_the_stated_probability)
{
    enum { N = 2000 };
    venue *v = make_venue(N + 16, INT64_C(1000000000));
    venue_set_check(v, 0);
    agent_holder_params p = params(N, 1);
    p.leverage_median = 20;
    p.leverage_sigma = 0.1;
    p.stop_loss = 0.9;
    p.take_profit = 10;
    p.reentry = 0.3;
    agent_pop *pop = make_pop(&p, v, 5);
    wake_until_opened(pop, v, N, N);

    /* A 10% fall liquidates every 20x (+-30%) long. */
    perr e = {0, ""};
    cr_assert_eq(venue_set_mark(v, 1, 450000, &e), 0, "%s", e.msg);
    size_t n;
    const venue_liquidation *liq = venue_liquidations(v, &n);
    cr_assert_geq(n, (size_t)N);
    for (size_t k = 0; k < n; k++)
        agent_on_liquidated(pop, 0, liq[k].account, liq[k].time);
    venue_clear_events(v);
    agent_holder_stats s = stats(pop);
    cr_assert_eq(s.liquidations, N);
    cr_assert_eq(s.holding, 0);
    /* Retired: binomial(2000, 0.7), mean 1400, sd 20.5; 4 sd. */
    cr_assert(fabs((double)s.retired - 1400) <= 4 * 20.5, "retired %u", s.retired);

    /* Back at 50,000 every agent that stayed opens again and no retired one
     * does: each is picked some 50 times in 100,000 wakes. */
    cr_assert_eq(venue_set_mark(v, 2, MARK, &e), 0, "%s", e.msg);
    for (int k = 0; k < 50 * N; k++)
        support_agent_wake_next(pop, v);
    s = stats(pop);
    cr_assert_eq(s.holding, N - s.retired);
    cr_assert_eq(s.opens, N + (N - s.retired));
    support_agent_audit_free(pop, v);
}

Test(agent_holder, same_seed_gives_the_same_actions)
{
    venue *v[2];
    agent_pop *pop[2];
    agent_holder_params p = params(300, -1);
    p.take_profit = 0.01;
    p.stop_loss = 0.01;
    for (int r = 0; r < 2; r++) {
        v[r] = make_venue(512, INT64_C(1000000000));
        venue_set_check(v[r], 0);
        pop[r] = make_pop(&p, v[r], 99);
    }
    perr e = {0, ""};
    int64_t marks[] = {500000, 506000, 494000, 500000};
    for (int step = 0; step < 4; step++) {
        for (int r = 0; r < 2; r++) {
            cr_assert_eq(venue_set_mark(v[r], step, marks[step], &e), 0, "%s", e.msg);
            for (int k = 0; k < 600; k++)
                support_agent_wake_next(pop[r], v[r]);
        }
    }
    agent_holder_stats a = stats(pop[0]), b = stats(pop[1]);
    cr_assert_eq(memcmp(&a, &b, sizeof a), 0);
    cr_assert_gt(a.opens, 100);
    cr_assert_gt(a.take_profits + a.stop_losses, 10);
    cr_assert_eq(arrival_peek(&pop[0]->arrival), arrival_peek(&pop[1]->arrival));
    for (uint32_t i = 0; i < 300; i++) {
        const account *x = venue_account(v[0], test_agent(pop[0], i));
        const account *y = venue_account(v[1], test_agent(pop[1], i));
        cr_assert(x->size == y->size && x->cost == y->cost && x->cash == y->cash
                  && x->leverage == y->leverage, "agent %u differs", (unsigned)i);
    }
    support_agent_free_runs(pop, v, 2);
}

Test(agent_holder, bad_parameters_name_the_key)
{
    agent_holder_params ok = params(10, 1);
    static const support_agent_bad bad[] = {
        {"count", 0},              {"leverage.median", 0.5},
        {"leverage.sigma", -1},    {"notional.median", NAN},
        {"notional.sigma", -0.1},  {"take_profit", 0},
        {"stop_loss", 1},          {"reentry", 1.5},
        {"arrival.rate", 0},
    };
    support_agent_bad_values(kind_of(&ok), &ok, binance(), "populations[0]", bad,
                             sizeof bad / sizeof bad[0]);
    perr e = {0, ""};
    int side;
    cr_assert_eq(agent_holder_kind_parse("leveraged_short", "populations[0]", &side, &e), 0);
    cr_assert_eq(side, -1);
    cr_assert_eq(agent_holder_kind_parse("leveraged_sideways", "populations[0]", &side, &e),
                 PERR_INVALID);
    cr_assert(strstr(e.msg, "populations[0].kind:") == e.msg, "%s", e.msg);
}

/* One million holders and their venue accounts, measured from what both
 * allocate, against ARCHITECTURE.md's "Performance budget": under 300
 * bytes per agent.
 * Per agent: the population's state byte; the venue's account (64 bytes)
 * and account_cold (40) at the ledger's capacity; and, counted although a
 * holder never rests an order and so never grows it, a book owner-list head
 * (4 bytes) and the venue's auto-deleveraging workspace for one position
 * (a 16-byte ranked candidate and a 4-byte id). A few thousand holders trade,
 * so the accounts are live ones. Measured: about 134 bytes per agent. */
Test(agent_holder, a_million_holders_take_under_300_bytes_each)
{
    enum { N = 1000000 };
    venue *v = make_venue(N + 2 + 1, INT64_C(1000000000));
    venue_set_check(v, 0);
    agent_holder_params p = params(N, 1);
    agent_pop *pop = make_pop(&p, v, 1);
    for (int k = 0; k < 2000; k++)
        support_agent_wake_next(pop, v);
    cr_assert_gt(stats(pop).opens, 1900);
    const accounts *acc = venue_accounts(v);
    cr_assert_geq(acc->cap, (uint32_t)N);
    size_t venue_bytes = (size_t)acc->cap * (sizeof(account) + sizeof(account_cold))
                         + (size_t)N * (sizeof(uint32_t) + 16 + sizeof(uint32_t));
    size_t total = agent_holder_bytes(pop) + venue_bytes;
    double per_agent = (double)total / N;
    fprintf(stderr, "agent_holder: %.1f bytes per holder (population %zu B, "
                    "venue %zu B for %u account slots)\n",
            per_agent, agent_holder_bytes(pop), venue_bytes, (unsigned)acc->cap);
    cr_assert_lt(per_agent, 300.0, "%.1f bytes per holder", per_agent);
    support_agent_audit_free(pop, v);
}
