/*
 * Randomized tests of the venue (sim/engine/venue.h), one per built-in
 * profile: two thousand traders with random leverage, deposits and margin
 * modes, market makers quoting around an index that crashes and squeezes,
 * and a mark rule tied to the index and the book. After every step the
 * ledger must balance exactly (venue_audit, and the venue's own check after
 * every event, turned on in release builds as well), nothing may be left
 * liquidatable that the policy does not hold back, and the fund and the
 * vault must never be below zero. Each run also has to reach the routes it
 * exists to exercise (the book, the fund or the vault, ADL).
 * Units: see support_venue.h.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "pcg.h"
#include "rule.h"
#include "support_venue.h"

/* ---- randomized invariants --------------------------------------------- */

/* A venue with RANDOM_TRADERS traders and RANDOM_MAKERS market makers,
 * driven through RANDOM_STEPS one-second steps of an index that walks,
 * crashes (-30% in three steps) and squeezes (+40% in three steps). The
 * makers quote a ladder around the index every step, and at the first step
 * of a crash or squeeze pull most of the side the move runs into, so that
 * liquidations find thin books, the fund or the vault takes positions over,
 * and gaps past bankruptcy force ADL. */
#define RANDOM_TRADERS 2000
#define RANDOM_MAKERS 4
#define RANDOM_LEVELS 6
#define RANDOM_STEPS 200
#define RANDOM_ACTIVE 30 /* traders acting in a step */

typedef struct world {
    venue *v;
    const profile *p;
    pcg32 rng;
    int64_t lo, hi;          /* the book's prices */
    int64_t index;           /* ticks */
    int64_t lots_per_btc;
    int64_t cash_per_usd;
    uint32_t trader[RANDOM_TRADERS];
    uint32_t maker[RANDOM_MAKERS];
    int64_t put_in;          /* the fund and vault at the start, deposits */
    int64_t taken_out;       /* withdrawals */
    long routes[4];
    long adl_fills;
    int pull;                /* 1: bids pulled (a crash), -1: asks */
    int64_t step_move;       /* per mille of the move in progress */
    int move_left;
} world;

static int64_t clamp64(int64_t x, int64_t lo, int64_t hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* The mark: the index plus the book's basis (mid - index), the basis
 * capped at 1% of the index, as Binance's P2 adds a basis to the index. */
static int64_t world_mark(void *ctx, const venue *v)
{
    (void)v;
    world *w = ctx;
    int64_t mark = w->index;
    int64_t mid2 = book_mid_x2(venue_book(w->v));
    if (mid2) {
        int64_t cap = w->index / 100;
        mark += clamp64(mid2 / 2 - w->index, -cap, cap);
    }
    return clamp64(mark, w->lo, w->hi);
}

static int64_t pow10i(int e)
{
    int64_t x = 1;
    while (e-- > 0)
        x *= 10;
    return x;
}

static double uniform(world *w, double a, double b)
{
    return a + (b - a) * pcg32_double(&w->rng);
}

static int64_t lots_for_usd(const world *w, double usd, int64_t price)
{
    double per_lot = (double)price * (double)w->p->cash_per_tick_lot;
    int64_t lots = (int64_t)(usd * (double)w->cash_per_usd / per_lot);
    return lots < 1 ? 1 : lots;
}

/* Submits for a trader, halving the size while admission refuses it for
 * leverage or margin; returns the lots filled. */
static int64_t world_order(world *w, uint32_t id, int side, book_type type,
                           int64_t price, int64_t lots, unsigned flags)
{
    for (int tries = 0; tries < 6 && lots > 0; tries++) {
        venue_reject why;
        book_result r = submit(w->v, id, side, type,
                               clamp64(price, w->lo, w->hi), lots, flags,
                               &why);
        if (why == VENUE_ACCEPTED)
            return r.filled;
        if (why != VENUE_REJECT_LEVERAGE && why != VENUE_REJECT_MARGIN)
            return 0;
        lots /= 2;
    }
    return 0;
}

static void world_deposit(world *w, uint32_t id, int64_t amount)
{
    perr e = {0, ""};
    cr_assert_eq(venue_deposit(w->v, id, amount, &e), 0, "%s", e.msg);
    w->put_in += amount;
}

/* Every maker re-quotes: RANDOM_LEVELS levels a side, from 5 bp to about
 * 1.1% off the index, 0.5 to 3 BTC each; the side a move runs into is pulled to
 * a few small orders 6% to 10% away. */
static void requote(world *w)
{
    for (int m = 0; m < RANDOM_MAKERS; m++) {
        uint32_t id = w->maker[m];
        venue_cancel_all(w->v, id);
        for (int side = BOOK_BUY; side >= BOOK_SELL; side -= 2) {
            int pulled = (side == BOOK_BUY && w->pull > 0)
                         || (side == BOOK_SELL && w->pull < 0);
            for (int k = 0; k < RANDOM_LEVELS; k++) {
                double off = pulled ? uniform(w, 0.06, 0.10)
                                    : 0.0005 + 0.002 * k
                                          + uniform(w, 0, 0.0005);
                double btc = pulled ? uniform(w, 0.01, 0.1)
                                    : uniform(w, 0.5, 3.0);
                int64_t price = (int64_t)((double)w->index
                                          * (1.0 - side * off));
                int64_t lots = (int64_t)(btc * (double)w->lots_per_btc);
                if (lots < 1)
                    lots = 1;
                world_order(w, id, side, BOOK_LIMIT, price, lots, 0);
            }
        }
    }
}

/* Opens a trader's position of about deposit x leverage x u against a
 * maker's order placed for it at the index. */
static void open_position(world *w, uint32_t id, double usd)
{
    int side = pcg32_bounded(&w->rng, 2) ? BOOK_BUY : BOOK_SELL;
    int64_t lots = lots_for_usd(w, usd, w->index);
    uint32_t maker = w->maker[pcg32_bounded(&w->rng, RANDOM_MAKERS)];
    book_result r = submit(w->v, maker, -side, BOOK_LIMIT, w->index, lots, 0,
                           NULL);
    cr_assert_neq(r.outcome, BOOK_REJECTED);
    world_order(w, id, side, BOOK_IOC, w->index, lots, 0);
    venue_cancel_all(w->v, maker);
}

static void world_init(world *w, const char *name)
{
    memset(w, 0, sizeof *w);
    w->p = builtin_profile(name);
    pcg32_seed_component(&w->rng, 20250710, name);
    /* 60,000 USD in ticks; BTC in lots; USD in cash units. */
    w->index = pow10i(4 - w->p->tick.exp) * 6 / w->p->tick.mant;
    w->lots_per_btc = pow10i(-w->p->lot.exp) / w->p->lot.mant;
    w->cash_per_usd = pow10i(-w->p->cash_unit.exp) / w->p->cash_unit.mant;
    w->lo = w->index / 4;
    w->hi = w->index * 3;
    perr e = {0, ""};
    w->v = venue_new(w->p, w->lo, w->hi, w->index, RANDOM_TRADERS + 16,
                     4096, &e);
    cr_assert_not_null(w->v, "%s", e.msg);
    w->put_in = w->p->insurance_fund + w->p->backstop_vault;
    venue_set_mark_rule(w->v, world_mark, w);

    /* Every event is checked, in release builds too. */
    venue_set_check(w->v, 1);
    for (int m = 0; m < RANDOM_MAKERS; m++) {
        int64_t deposit = INT64_C(1000000000) * w->cash_per_usd;
        w->maker[m] = open_account(w->v, deposit, ACCOUNT_CROSS, 1);
        w->put_in += deposit;
    }
    int32_t most = w->p->brackets[0].max_leverage;
    for (int i = 0; i < RANDOM_TRADERS; i++) {
        double usd = uniform(w, 100, 20000);
        /* Log-uniform leverage in [1, most]. */
        int32_t lev = (int32_t)exp(uniform(w, 0, log((double)most + 0.999)));
        lev = lev < 1 ? 1 : lev > most ? most : lev;
        account_mode mode = pcg32_double(&w->rng) < 0.4 ? ACCOUNT_ISOLATED
                                                        : ACCOUNT_CROSS;
        int64_t deposit = (int64_t)(usd * (double)w->cash_per_usd);
        w->trader[i] = open_account(w->v, deposit, mode, lev);
        w->put_in += deposit;
        open_position(w, w->trader[i], usd * lev * uniform(w, 0.3, 0.95));
    }
    venue_clear_events(w->v);
    support_audit(w->v);
}

/* The next index: a random walk of 0.3% a step, or the move in progress,
 * or a new crash or squeeze (one of each is certain, at steps 20 and 60). */
static void move_index(world *w, int step)
{
    w->pull = 0;
    if (w->move_left == 0) {
        int crash = step == 20
                    || (step > 30 && pcg32_bounded(&w->rng, 40) == 0);
        int squeeze = step == 60
                      || (step > 30 && pcg32_bounded(&w->rng, 40) == 0);
        if (crash || squeeze) {
            /* -30% or +40% in three steps: 0.888^3 = 0.70, 1.119^3 = 1.40. */
            w->step_move = crash ? -112 : 119;
            w->move_left = 3;
            w->pull = crash ? 1 : -1;
        }
    }
    double r;
    if (w->move_left > 0) {
        r = (double)w->step_move / 1000.0;
        w->move_left--;
    } else {
        r = uniform(w, -0.003, 0.003);
    }
    int64_t next = (int64_t)((double)w->index * (1.0 + r));
    w->index = clamp64(next, w->lo * 3 / 2, w->hi * 2 / 3);
}

/* Some traders act: open when flat, else add or close (reduce-only), rest
 * an order, deposit or withdraw. */
static void traders_act(world *w)
{
    for (int k = 0; k < RANDOM_ACTIVE; k++) {
        uint32_t id = w->trader[pcg32_bounded(&w->rng, RANDOM_TRADERS)];
        const account *a = acct(w->v, id);
        uint32_t what = pcg32_bounded(&w->rng, 10);
        int64_t band = w->index / 50;
        if (what == 0) {
            world_deposit(w, id, (int64_t)(uniform(w, 10, 5000)
                                           * (double)w->cash_per_usd));
        } else if (what == 1) {
            int64_t amount = (int64_t)(uniform(w, 10, 2000)
                                       * (double)w->cash_per_usd);
            perr e = {0, ""};
            if (venue_withdraw(w->v, id, amount, &e) == 0)
                w->taken_out += amount;
        } else if (what == 2) {
            int side = pcg32_bounded(&w->rng, 2) ? BOOK_BUY : BOOK_SELL;
            int64_t price = w->index - side * (int64_t)(uniform(w, 0.001, 0.02)
                                                        * (double)w->index);
            world_order(w, id, side, BOOK_LIMIT, price,
                        lots_for_usd(w, uniform(w, 1000, 50000), price), 0);
        } else if (a->size == 0 || what < 6) {
            int side = pcg32_bounded(&w->rng, 2) ? BOOK_BUY : BOOK_SELL;
            world_order(w, id, side, BOOK_IOC, w->index + side * band,
                        lots_for_usd(w, uniform(w, 1000, 100000), w->index),
                        0);
        } else {
            int side = a->size > 0 ? BOOK_SELL : BOOK_BUY;
            int64_t lots = a->size > 0 ? a->size : -a->size;
            world_order(w, id, side, BOOK_MARKET, w->index + side * band,
                        lots + (int64_t)pcg32_bounded(&w->rng, 3),
                        BOOK_REDUCE_ONLY);
        }
    }
}

/* The ledger balances against the test's own tally, and neither the fund
 * nor the vault is below zero. */
static void world_check(world *w)
{
    venue_totals t = support_audit(w->v);
    cr_assert_eq(t.ledger.expected_cash, w->put_in - w->taken_out);
    cr_assert_geq(t.fee_pool, 0);
    int64_t mark = venue_mark(w->v);
    cr_assert_geq(balance_at(w->v, ACCOUNT_FUND, mark), 0,
                  "the insurance fund is below zero");
    cr_assert_geq(balance_at(w->v, ACCOUNT_BACKSTOP, mark), 0,
                  "the backstop vault is below zero");
    for (uint32_t x = ACCOUNT_FUND; x < ACCOUNT_FIRST_TRADER; x++)
        if (acct(w->v, x)->size == 0)
            cr_assert_geq(acct(w->v, x)->cash, 0);
    /* The cascade left nothing liquidatable at the mark, unless a
     * per-interval cap stopped it; no trader is still held. */
    uint32_t id;
    int64_t trigger;
    if (w->p->liq_style != &rule_liq_capped) {
        if (accounts_top_long(venue_accounts(w->v), &id, &trigger))
            cr_assert_lt(trigger, mark, "account %u is left liquidatable",
                         (unsigned)id);
        if (accounts_top_short(venue_accounts(w->v), &id, &trigger))
            cr_assert_gt(trigger, mark, "account %u is left liquidatable",
                         (unsigned)id);
    }
    for (int i = 0; i < RANDOM_TRADERS; i++)
        cr_assert_neq(acct(w->v, w->trader[i])->state, ACCOUNT_HELD);
    size_t n;
    const venue_liquidation *r = venue_liquidations(w->v, &n);
    for (size_t i = 0; i < n; i++) {
        cr_assert_lt(r[i].route, 4);
        cr_assert_gt(r[i].lots, 0);
        w->routes[r[i].route]++;
    }
    venue_adls(w->v, &n);
    w->adl_fills += (long)n;
    venue_clear_events(w->v);
}

static void run_world(const char *name, world *w)
{
    world_init(w, name);
    for (int step = 1; step <= RANDOM_STEPS; step++) {
        move_index(w, step);
        requote(w);
        traders_act(w);
        perr e = {0, ""};
        int64_t now = step * INT64_C(1000);
        cr_assert_eq(venue_set_mark(w->v, now, world_mark(w, w->v), &e), 0,
                     "%s", e.msg);
        world_check(w);
    }
    cr_log_info("%s: book %ld, backstop %ld, fund %ld, adl %ld (%ld fills)",
                name, w->routes[VENUE_BY_BOOK], w->routes[VENUE_BY_BACKSTOP],
                w->routes[VENUE_BY_FUND], w->routes[VENUE_BY_ADL],
                w->adl_fills);
    venue_free(w->v);
}

static world the_world;

#define ROUTE(r) (1u << (r))

/* Runs the randomized world on the built-in profile name: every route in
 * some must have liquidated at least once, every route in none never. */
static void expect_routes(const char *name, unsigned some, unsigned none)
{
    run_world(name, &the_world);
    for (int r = 0; r < 4; r++) {
        const char *route = venue_route_name((venue_route)r);
        if (some & ROUTE(r))
            cr_assert_gt(the_world.routes[r], 0, "%s: nothing by %s", name,
                         route);
        if (none & ROUTE(r))
            cr_assert_eq(the_world.routes[r], 0, "%s: %ld by %s", name,
                         the_world.routes[r], route);
    }
}

Test(venue_random, binance_keeps_the_ledger_exact_through_crashes_and_squeezes)
{
    expect_routes("binance",
                  ROUTE(VENUE_BY_BOOK) | ROUTE(VENUE_BY_FUND)
                      | ROUTE(VENUE_BY_ADL),
                  0);
}

Test(venue_random, bybit_keeps_the_ledger_exact_through_crashes_and_squeezes)
{
    expect_routes("bybit",
                  ROUTE(VENUE_BY_BOOK) | ROUTE(VENUE_BY_FUND)
                      | ROUTE(VENUE_BY_ADL),
                  0);
}

Test(venue_random, hyperliquid_keeps_the_ledger_exact_through_crashes_and_squeezes)
{
    expect_routes("hyperliquid",
                  ROUTE(VENUE_BY_BOOK) | ROUTE(VENUE_BY_BACKSTOP)
                      | ROUTE(VENUE_BY_ADL),
                  ROUTE(VENUE_BY_FUND));
}

Test(venue_random, dydx_keeps_the_ledger_exact_through_crashes_and_squeezes)
{
    expect_routes("dydx",
                  ROUTE(VENUE_BY_BOOK) | ROUTE(VENUE_BY_FUND)
                      | ROUTE(VENUE_BY_ADL),
                  0);
}
