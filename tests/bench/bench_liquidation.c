/*
 * bench_liquidation: `perpsim bench liquidation`, what the liquidation engine
 * costs when the mark sweeps through a million leveraged positions, against
 * an engine that scans every account at every mark.
 *
 * Options (counts take the shared k, M, G suffixes: 100k, 1M):
 *   --positions N        trader positions, half long, half short (default 1M)
 *   --steps N            marks on the path, >= 2 (default 1000)
 *   --seed N             seed of the positions, >= 1 (default 1)
 *   --profile NAME       built-in venue profile (default binance)
 *   --leverage-median X  median of the leverage distribution, >= 1 (default 5)
 *   --book deep|empty    what the liquidations trade against (default deep)
 *
 * The positions. The mark starts at 60,000 USDT. Positions are opened in
 * pairs, through the venue like any order: a short trader rests a limit sell
 * and a long trader crosses it with an IOC, both at an entry drawn uniformly
 * within 0.25% of the start. A pair's size is lognormal, median 0.01 BTC,
 * sigma 1 (a few BTC at the far tail). Each trader's leverage is lognormal
 * with median --leverage-median and sigma 0.5, rounded to a whole number and
 * capped at the profile's maximum for the position's bracket: at the default
 * median more than half the traders use 5x or less, one in ten 10x or more,
 * and the most leveraged of a million about 60x. A trader deposits exactly
 * the initial margin at that leverage plus the larger trading fee, so every
 * order passes the venue's margin admission (set-up fails loudly if one does
 * not) and no position is liquidatable at the start. The draws come from the
 * project's PCG32 through GSL, on the stream "bench.liquidation" of the seed.
 *
 * The path. The mark falls 30% in equal steps over the first half of the
 * steps (360 ticks, 0.06%, per step at 1000 steps on binance) and climbs back
 * to the start in equal steps over the second, one step per simulated second.
 * A long at leverage L is liquidated once the fall passes about 1/L minus
 * the maintenance rate, so on binance every long at 4x or more goes, about
 * three in four (38% of all positions), all on the way down. No short is:
 * the mark never rises above the start, and a short entered within 0.25% of
 * it would need more than 140x to trigger there. The climb therefore costs
 * the engine a look at the ends of its trigger buckets per step, while a scan
 * pays for every account at every step.
 *
 * The book. --book deep (the default): a market maker rests, at every tick
 * where longs trigger, a bid for exactly the lots that trigger there (it is
 * funded at 1x, twice over, so it never nears its own maintenance margin).
 * Each liquidation then fills whole in the book, at its trigger price,
 * against one maker order: the common path of the engine (take the bucket head,
 * cancel the account's orders, one IOC, the liquidation fee, the surplus to
 * the insurance fund), with neither the fund nor auto-deleveraging stepping
 * in. --book empty: no resting orders at all; every liquidation is taken
 * over by the insurance fund (10M USDT here, and as much in the backstop
 * vault on venues that have one), and once the fund cannot carry the
 * positions the rest is auto-deleveraged against the shorts.
 *
 * The two runs. The engine run calls venue_set_mark at each step of the
 * path and nothing else; only those calls are timed. The baseline builds an
 * identical venue from the same seed and, before each venue_set_mark, tests
 * every account with margin_liquidatable at the new mark, which is what an
 * engine without a trigger index must do; the engine call then does the
 * liquidating, so both runs process the same liquidations. Per-event ledger
 * audits are off in both (venue_set_check); the ledger is audited once after
 * set-up and once after each run. The scan's finds are checked against the
 * engine's records at every step: the same accounts, and the same count as
 * the engine run (under a per-interval cap, dYdX's, the engine may defer some
 * of what the scan finds, so there only engine within scan is required).
 * speedup_vs_scan is the baseline's total time, scan plus engine calls,
 * over the engine run's time.
 *
 * Reading the figure. The scan costs steps x accounts x (one exact test);
 * the engine costs liquidations x (one liquidation) plus steps x (a look at
 * the bucket ends). The speedup is therefore close to
 *     steps x scan_ns_per_account / (liquidated_fraction x ns_per_liquidation)
 * and falls as the fraction liquidated rises: it says how much the trigger
 * index saves on this path, not a constant of the engine. The liquidation
 * steps themselves are those of venue.h (mechanics.md section 4).
 *
 * Output, `name: value` lines: profile, book, positions, steps, mark_path,
 * leverage, liquidations (account-steps liquidated), liquidated (distinct
 * positions), liquidated_fraction, routes (records by route), setup_seconds
 * (one venue), engine_seconds, engine_ns_per_step, engine_ns_per_liquidation,
 * quiet_steps (steps that liquidated nothing) and engine_ns_per_quiet_step,
 * scan_seconds, scan_ns_per_step, baseline_seconds, and speedup_vs_scan last.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "bench.h"
#include "margin.h"
#include "pcg.h"
#include "profile.h"
#include "venue.h"
#include "wallclock.h"
#include "profile_yaml.h"
#include "rule.h"

__extension__ typedef __int128 i128;

/* The start of the path, in the quote currency, and the fall. */
#define LIQ_START_QUOTE 60000
#define LIQ_FALL 0.30
/* Entries lie within this fraction of the start. */
#define LIQ_ENTRY_SPREAD 0.0025
/* Pair sizes: lognormal in the base currency. */
#define LIQ_SIZE_MEDIAN 0.01
#define LIQ_SIZE_SIGMA 1.0
#define LIQ_LEVERAGE_SIGMA 0.5
/* The insurance fund and backstop vault at the start, quote currency. */
#define LIQ_FUND_QUOTE 10000000
#define LIQ_STEP_MS 1000

enum { BOOK_DEEP, BOOK_EMPTY };

typedef struct liq_options {
    size_t positions;
    size_t steps;
    size_t seed;
    const char *profile_name;
    double leverage_median;
    int book_mode;
} liq_options;

/* The mark's path: start down to bottom over the first down steps, then back
 * to start over the rest. */
typedef struct liq_path {
    int64_t start, bottom;
    size_t steps, down;
} liq_path;

/* What set-up built, beyond the venue. */
typedef struct liq_world {
    venue *v;
    size_t positions;
    size_t maker_orders;  /* deep book: the market maker's bids */
    double mean_leverage;
    int32_t max_leverage;
    double seconds;
} liq_world;

/* Per-step bookkeeping of the liquidation records, outside the timed calls. */
typedef struct liq_tally {
    uint32_t *stamp;     /* account -> 1 + the last step it was liquidated */
    uint32_t *per_step;  /* distinct accounts liquidated at each step */
    size_t liquidations; /* account-steps */
    size_t liquidated;   /* distinct accounts */
    size_t routes[4];    /* records by venue_route */
} liq_tally;

static int64_t path_mark(const liq_path *path, size_t i)
{
    int64_t drop = path->start - path->bottom;
    if (i < path->down) {
        int64_t k = (int64_t)(i + 1), n = (int64_t)path->down;
        return path->start - (2 * drop * k + n) / (2 * n);
    }
    int64_t k = (int64_t)(i + 1 - path->down), n = (int64_t)(path->steps - path->down);
    return path->bottom + (2 * drop * k + n) / (2 * n);
}

/* rate x amount rounded up, as fees are charged. */
static int64_t fee_ceil(int64_t amount, int64_t rate)
{
    if (rate <= 0)
        return 0;
    i128 num = (i128)amount * rate;
    return (int64_t)((num + PROFILE_RATE_ONE - 1) / PROFILE_RATE_ONE);
}

/* A leverage draw: lognormal, whole, within [1, the bracket maximum]. */
static int32_t draw_leverage(gsl_rng *r, double median, int32_t most)
{
    double x = gsl_ran_lognormal(r, log(median), LIQ_LEVERAGE_SIGMA);
    int32_t lev = x >= (double)most ? most : (int32_t)llround(x);
    return lev < 1 ? 1 : lev;
}

/* Opens one trader with the margin and fee for notional at leverage. */
static int open_trader(venue *v, int64_t notional, int32_t leverage, uint32_t *id, perr *e)
{
    const profile *p = venue_profile(v);
    int64_t fee_rate = p->taker_fee > p->maker_fee ? p->taker_fee : p->maker_fee;
    int64_t deposit = margin_initial(notional, leverage) + fee_ceil(notional, fee_rate);
    return venue_open(v, deposit, ACCOUNT_CROSS, leverage, id, e);
}

static int rejected(perr *e, const char *what, uint32_t id, const book_result *res,
                    venue_reject why)
{
    return perr_set(e, PERR_STATE,
                    "set-up: the %s of account %u was not taken as planned (%s, outcome %d); "
                    "every position must pass the venue's margin admission",
                    what, (unsigned)id, venue_reject_name(why), (int)res->outcome);
}

/* Opens one long and one short of lots at price through the book. */
static int open_pair(venue *v, int64_t price, int64_t lots, int32_t long_lev, int32_t short_lev,
                     perr *e)
{
    int64_t notional = margin_notional(venue_profile(v), lots, price);
    uint32_t buyer, seller;
    int rc = open_trader(v, notional, long_lev, &buyer, e);
    if (rc == 0)
        rc = open_trader(v, notional, short_lev, &seller, e);
    if (rc)
        return rc;
    book_order_spec spec = {price, lots, 0, BOOK_SELL, BOOK_LIMIT, 0};
    book_result res;
    venue_reject why;
    if ((rc = venue_submit(v, seller, &spec, &res, &why, e)) != 0)
        return rc;
    if (res.outcome != BOOK_RESTED || res.rested != lots)
        return rejected(e, "resting sell", seller, &res, why);
    spec.side = BOOK_BUY;
    spec.type = BOOK_IOC;
    if ((rc = venue_submit(v, buyer, &spec, &res, &why, e)) != 0)
        return rc;
    if (res.outcome != BOOK_FILLED || res.filled != lots)
        return rejected(e, "crossing buy", buyer, &res, why);
    venue_clear_events(v);
    return 0;
}

/* Deep book: one market-maker account bids, at each tick in [bottom, start]
 * where longs trigger, the lots that trigger there. */
static int place_maker(venue *v, const liq_path *path, liq_world *w, perr *e)
{
    const accounts *acc = venue_accounts(v);
    size_t width = (size_t)(path->start - path->bottom + 1);
    int64_t *lots = calloc(width, sizeof *lots);
    if (!lots)
        return perr_set(e, PERR_NOMEM, "set-up: no memory for %zu price levels", width);
    int64_t k = venue_profile(v)->cash_per_tick_lot;
    i128 total = 0;
    for (uint32_t id = ACCOUNT_FIRST_TRADER; id < acc->n; id++) {
        const account *a = &acc->a[id];
        if (a->size > 0 && a->trigger >= path->bottom && a->trigger <= path->start) {
            lots[path->start - a->trigger] += a->size;
            total += (i128)a->size * a->trigger * k;
        }
    }
    int rc = 0;
    if (total > INT64_MAX / 4) {
        rc = perr_set(e, PERR_RANGE, "set-up: the market maker's bids pass int64 cash units");
        goto done;
    }
    uint32_t maker;
    if ((rc = venue_open(v, 2 * (int64_t)total + 1, ACCOUNT_CROSS, 1, &maker, e)) != 0)
        goto done;
    for (size_t i = 0; i < width; i++) {
        if (lots[i] == 0)
            continue;
        book_order_spec spec = {path->start - (int64_t)i, lots[i], 0, BOOK_BUY, BOOK_LIMIT, 0};
        book_result res;
        venue_reject why;
        if ((rc = venue_submit(v, maker, &spec, &res, &why, e)) != 0)
            goto done;
        if (res.outcome != BOOK_RESTED) {
            rc = rejected(e, "market maker's bid", maker, &res, why);
            goto done;
        }
        w->maker_orders++;
    }
done:
    free(lots);
    return rc;
}

/* Builds the venue: positions, the book, an audit. Deterministic in the
 * options, so the engine run and the baseline see the same venue. */
static int liq_setup(const liq_options *o, const profile *p, const liq_path *path,
                     liq_world *w, perr *e)
{
    memset(w, 0, sizeof *w);
    double t0 = wallclock_seconds();
    size_t pairs = o->positions / 2;
    /* The deep book's bids: at most one per tick of the fall. */
    size_t orders_hint = 64;
    if (o->book_mode == BOOK_DEEP)
        orders_hint += (size_t)(path->start - path->bottom);
    w->v = venue_new(p, 1, 2 * path->start, path->start, 2 * pairs + 8, orders_hint, e);
    if (!w->v)
        return e ? e->code : PERR_NOMEM;
    venue *v = w->v;
    venue_set_check(v, 0);
    gsl_rng *r = pcg32_gsl_alloc(o->seed, "bench.liquidation");
    if (!r)
        return perr_set(e, PERR_NOMEM, "set-up: cannot allocate a GSL generator");

    double lot_base = param_decimal_value(p->lot);
    int64_t spread = (int64_t)((double)path->start * LIQ_ENTRY_SPREAD);
    double leverage_sum = 0;
    int rc = 0;
    for (size_t i = 0; i < pairs && rc == 0; i++) {
        double base = gsl_ran_lognormal(r, log(LIQ_SIZE_MEDIAN), LIQ_SIZE_SIGMA);
        int64_t lots = (int64_t)llround(base / lot_base);
        if (lots < 1)
            lots = 1;
        int64_t price = path->start - spread
                        + (int64_t)gsl_rng_uniform_int(r, (unsigned long)(2 * spread + 1));
        int64_t measured = price > path->start ? price : path->start;
        int32_t most = margin_max_leverage(p, margin_notional(p, lots, measured));
        int32_t long_lev = draw_leverage(r, o->leverage_median, most);
        int32_t short_lev = draw_leverage(r, o->leverage_median, most);
        leverage_sum += long_lev + short_lev;
        if (long_lev > w->max_leverage)
            w->max_leverage = long_lev;
        if (short_lev > w->max_leverage)
            w->max_leverage = short_lev;
        rc = open_pair(v, price, lots, long_lev, short_lev, e);
    }
    gsl_rng_free(r);
    if (rc)
        return rc;
    w->positions = 2 * pairs;
    w->mean_leverage = leverage_sum / (double)w->positions;

    /* Nothing may trigger before the path starts. */
    const accounts *acc = venue_accounts(v);
    size_t early = 0;
    for (uint32_t id = ACCOUNT_FIRST_TRADER; id < acc->n; id++) {
        margin_position pos = accounts_position(acc, id);
        early += margin_liquidatable(p, &pos, path->start) != 0;
    }
    if (early)
        return perr_set(e, PERR_STATE,
                        "set-up: %zu positions are liquidatable at the start mark; lower "
                        "--leverage-median",
                        early);
    if (o->book_mode == BOOK_DEEP && (rc = place_maker(v, path, w, e)) != 0)
        return rc;
    if ((rc = venue_audit(v, NULL, e)) != 0)
        return rc;
    w->seconds = wallclock_seconds() - t0;
    return 0;
}

static int liq_tally_init(liq_tally *t, size_t naccounts, size_t steps, perr *e)
{
    memset(t, 0, sizeof *t);
    t->stamp = calloc(naccounts, sizeof *t->stamp);
    t->per_step = calloc(steps, sizeof *t->per_step);
    if (!t->stamp || !t->per_step)
        return perr_set(e, PERR_NOMEM, "no memory to tally %zu accounts", naccounts);
    return 0;
}

static void liq_tally_free(liq_tally *t)
{
    free(t->stamp);
    free(t->per_step);
}

/* Reads the step's liquidation records into t and empties them. */
static void tally_step(venue *v, liq_tally *t, size_t step)
{
    size_t n;
    const venue_liquidation *rec = venue_liquidations(v, &n);
    uint32_t stamp = (uint32_t)step + 1;
    for (size_t i = 0; i < n; i++) {
        uint32_t id = rec[i].account;
        if (rec[i].route < 4)
            t->routes[rec[i].route]++;
        if (id < ACCOUNT_FIRST_TRADER || t->stamp[id] == stamp)
            continue;
        t->liquidated += t->stamp[id] == 0;
        t->stamp[id] = stamp;
        t->per_step[step]++;
        t->liquidations++;
    }
    venue_clear_events(v);
}

/* The engine run: venue_set_mark along the path. The seconds spent in it go
 * to *seconds, and those of the steps that liquidated nothing, and their
 * count, to *quiet_seconds and *quiet_steps. */
static int run_engine(venue *v, const liq_path *path, liq_tally *t, double *seconds,
                      double *quiet_seconds, size_t *quiet_steps, perr *e)
{
    double spent = 0, quiet = 0;
    size_t nquiet = 0;
    for (size_t step = 0; step < path->steps; step++) {
        int64_t mark = path_mark(path, step);
        double t0 = wallclock_seconds();
        int rc = venue_set_mark(v, (int64_t)(step + 1) * LIQ_STEP_MS, mark, e);
        double dt = wallclock_seconds() - t0;
        if (rc)
            return rc;
        spent += dt;
        tally_step(v, t, step);
        if (t->per_step[step] == 0) {
            quiet += dt;
            nquiet++;
        }
    }
    *seconds = spent;
    *quiet_seconds = quiet;
    *quiet_steps = nquiet;
    return 0;
}

/* What an engine without a trigger index does at each mark: test every
 * account. Writes the liquidatable ones to found; returns how many. */
static size_t scan_accounts(const venue *v, int64_t mark, uint32_t *found)
{
    const accounts *acc = venue_accounts(v);
    const profile *p = venue_profile(v);
    size_t n = 0;
    for (uint32_t id = ACCOUNT_FIRST_TRADER; id < acc->n; id++) {
        margin_position pos = accounts_position(acc, id);
        if (margin_liquidatable(p, &pos, mark))
            found[n++] = id;
    }
    return n;
}

/* The baseline: the scan, then the same engine call, at each step; checks
 * that the scan found what the engine liquidated and that the engine did
 * what it did in the engine run (expect). */
static int run_baseline(venue *v, const liq_path *path, const uint32_t *expect, int capped,
                        liq_tally *t, uint32_t *found, double *scan_seconds,
                        double *engine_seconds, perr *e)
{
    double scanning = 0, engine = 0;
    for (size_t step = 0; step < path->steps; step++) {
        int64_t mark = path_mark(path, step);
        double t0 = wallclock_seconds();
        size_t nfound = scan_accounts(v, mark, found);
        double t1 = wallclock_seconds();
        int rc = venue_set_mark(v, (int64_t)(step + 1) * LIQ_STEP_MS, mark, e);
        double t2 = wallclock_seconds();
        scanning += t1 - t0;
        engine += t2 - t1;
        if (rc)
            return rc;
        tally_step(v, t, step);
        size_t matched = 0;
        for (size_t i = 0; i < nfound; i++)
            matched += t->stamp[found[i]] == (uint32_t)step + 1;
        size_t done = t->per_step[step];
        if (done != expect[step] || matched != done || (!capped && nfound != done))
            return perr_set(e, PERR_STATE,
                            "step %zu, mark %lld: the scan found %zu liquidatable accounts, the "
                            "engine liquidated %zu (%zu of them found by the scan) and %u in the "
                            "engine run",
                            step, (long long)mark, nfound, done, matched,
                            (unsigned)expect[step]);
    }
    *scan_seconds = scanning;
    *engine_seconds = engine;
    return 0;
}

/* A count option through the shared parser, within [min, max]. */
static int count_option(int argc, char **argv, int *i, uint64_t min, uint64_t max, size_t *v,
                        perr *e)
{
    const char *opt = argv[*i], *value;
    uint64_t x;
    int rc = bench_option_value(argc, argv, i, &value, e);
    if (rc == 0)
        rc = bench_parse_count(opt, value, &x, e);
    if (rc == 0 && (x < min || x > max))
        rc = perr_set(e, PERR_INVALID, "%s: expected %llu to %llu, got %s", opt,
                      (unsigned long long)min, (unsigned long long)max, value);
    if (rc == 0)
        *v = (size_t)x;
    return rc;
}

static int parse_options(int argc, char **argv, liq_options *o, perr *e)
{
    o->positions = 1000000;
    o->steps = 1000;
    o->seed = 1;
    o->profile_name = "binance";
    o->leverage_median = 5.0;
    o->book_mode = BOOK_DEEP;
    for (int i = 1; i < argc; i++) {
        int rc = 0;
        const char *value;
        if (!strcmp(argv[i], "--positions")) {
            rc = count_option(argc, argv, &i, 2, ACCOUNT_MAX / 2, &o->positions, e);
        } else if (!strcmp(argv[i], "--steps")) {
            rc = count_option(argc, argv, &i, 2, 100000000, &o->steps, e);
        } else if (!strcmp(argv[i], "--seed")) {
            rc = count_option(argc, argv, &i, 1, UINT32_MAX, &o->seed, e);
        } else if (!strcmp(argv[i], "--profile")) {
            rc = bench_option_value(argc, argv, &i, &o->profile_name, e);
            if (rc == 0 && !profile_builtin(o->profile_name)) {
                char names[128] = "";
                for (const char *const *n = profile_builtin_names(); *n; n++)
                    snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                             names[0] ? ", " : "", *n);
                rc = perr_set(e, PERR_INVALID, "--profile: no built-in profile '%s' (%s)",
                              o->profile_name, names);
            }
        } else if (!strcmp(argv[i], "--leverage-median")) {
            rc = bench_option_value(argc, argv, &i, &value, e);
            char *end;
            double x = rc == 0 ? strtod(value, &end) : 0;
            if (rc == 0 && (end == value || *end != '\0' || !(x >= 1.0 && x <= 1000.0)))
                rc = perr_set(e, PERR_INVALID,
                              "--leverage-median: expected a number from 1 to 1000, got '%s'",
                              value);
            o->leverage_median = x;
        } else if (!strcmp(argv[i], "--book")) {
            rc = bench_option_value(argc, argv, &i, &value, e);
            if (rc == 0 && !strcmp(value, "deep"))
                o->book_mode = BOOK_DEEP;
            else if (rc == 0 && !strcmp(value, "empty"))
                o->book_mode = BOOK_EMPTY;
            else if (rc == 0)
                rc = perr_set(e, PERR_INVALID, "--book: expected 'deep' or 'empty', got '%s'",
                              value);
        } else {
            return perr_set(e, PERR_INVALID,
                            "unknown option '%s' (options: --positions N, --steps N, --seed N, "
                            "--profile NAME, --leverage-median X, --book deep|empty)",
                            argv[i]);
        }
        if (rc)
            return rc;
    }
    return 0;
}

int bench_liquidation(int argc, char **argv, FILE *out, perr *e)
{
    liq_options o;
    int rc = parse_options(argc, argv, &o, e);
    if (rc)
        return rc;

    /* The venue keeps a pointer to its profile: this copy, with the fund
     * (and the vault) funded, outlives both venues. */
    profile prof = *profile_builtin(o.profile_name);
    int64_t fund;
    if ((rc = profile_quote_to_cash(&prof, (profile_decimal){LIQ_FUND_QUOTE, 0}, &fund, e)) != 0)
        return rc;
    prof.insurance_fund = fund;
    prof.backstop_vault = prof.has_backstop ? fund : 0;

    liq_path path;
    path.start = llround(profile_price_to_ticks(&prof, (profile_decimal){LIQ_START_QUOTE, 0}));
    path.bottom = path.start - llround((double)path.start * LIQ_FALL);
    path.steps = o.steps;
    path.down = o.steps / 2;
    int capped = prof.liq_style == &rule_liq_capped;

    liq_world w = {0};
    liq_tally engine_tally = {0}, scan_tally = {0};
    uint32_t *found = NULL;
    double engine_seconds = 0, scan_seconds = 0, baseline_engine_seconds = 0;
    double quiet_seconds = 0;
    size_t quiet_steps = 0;

    if ((rc = liq_setup(&o, &prof, &path, &w, e)) != 0)
        goto done;
    size_t naccounts = venue_accounts(w.v)->n;
    if ((rc = liq_tally_init(&engine_tally, naccounts, o.steps, e)) != 0)
        goto done;
    if ((rc = run_engine(w.v, &path, &engine_tally, &engine_seconds, &quiet_seconds,
                         &quiet_steps, e))
        != 0)
        goto done;
    if ((rc = venue_audit(w.v, NULL, e)) != 0)
        goto done;
    venue_free(w.v);
    w.v = NULL;

    /* The baseline, on a venue built again from the same seed. */
    double setup_seconds;
    if ((rc = liq_setup(&o, &prof, &path, &w, e)) != 0)
        goto done;
    setup_seconds = w.seconds;
    if (venue_accounts(w.v)->n != naccounts) {
        rc = perr_set(e, PERR_STATE, "the baseline's venue has %u accounts, the engine's had %zu",
                      (unsigned)venue_accounts(w.v)->n, naccounts);
        goto done;
    }
    found = malloc(naccounts * sizeof *found);
    if (!found) {
        rc = perr_set(e, PERR_NOMEM, "no memory for the scan's %zu accounts", naccounts);
        goto done;
    }
    if ((rc = liq_tally_init(&scan_tally, naccounts, o.steps, e)) != 0)
        goto done;
    if ((rc = run_baseline(w.v, &path, engine_tally.per_step, capped, &scan_tally, found,
                           &scan_seconds, &baseline_engine_seconds, e))
        != 0)
        goto done;
    if ((rc = venue_audit(w.v, NULL, e)) != 0)
        goto done;

    if (engine_seconds <= 0)
        engine_seconds = 1e-9;
    double baseline_seconds = scan_seconds + baseline_engine_seconds;
    const size_t *routes = engine_tally.routes;
    fprintf(out, "profile: %s\n", prof.name);
    if (o.book_mode == BOOK_DEEP)
        fprintf(out, "book: deep, %zu maker bids at the longs' trigger prices\n",
                w.maker_orders);
    else
        fprintf(out, "book: empty, the insurance fund takes over, then ADL\n");
    fprintf(out, "positions: %zu\n", w.positions);
    fprintf(out, "steps: %zu\n", o.steps);
    fprintf(out, "mark_path: %lld -> %lld -> %lld ticks\n", (long long)path.start,
            (long long)path.bottom, (long long)path_mark(&path, o.steps - 1));
    fprintf(out, "leverage: lognormal median %g sigma %g, mean %.2f, max %d\n",
            o.leverage_median, LIQ_LEVERAGE_SIGMA, w.mean_leverage, (int)w.max_leverage);
    fprintf(out, "liquidations: %zu\n", engine_tally.liquidations);
    fprintf(out, "liquidated: %zu\n", engine_tally.liquidated);
    fprintf(out, "liquidated_fraction: %.4f\n",
            (double)engine_tally.liquidated / (double)w.positions);
    fprintf(out, "routes: book %zu, backstop %zu, fund %zu, adl %zu\n", routes[VENUE_BY_BOOK],
            routes[VENUE_BY_BACKSTOP], routes[VENUE_BY_FUND], routes[VENUE_BY_ADL]);
    fprintf(out, "setup_seconds: %.3f\n", setup_seconds);
    fprintf(out, "engine_seconds: %.6f\n", engine_seconds);
    fprintf(out, "engine_ns_per_step: %.0f\n", engine_seconds * 1e9 / (double)o.steps);
    fprintf(out, "engine_ns_per_liquidation: %.0f\n",
            engine_tally.liquidations
                ? engine_seconds * 1e9 / (double)engine_tally.liquidations
                : 0.0);
    fprintf(out, "quiet_steps: %zu\n", quiet_steps);
    fprintf(out, "engine_ns_per_quiet_step: %.0f\n",
            quiet_steps ? quiet_seconds * 1e9 / (double)quiet_steps : 0.0);
    fprintf(out, "scan_seconds: %.6f\n", scan_seconds);
    fprintf(out, "scan_ns_per_step: %.0f\n", scan_seconds * 1e9 / (double)o.steps);
    fprintf(out, "baseline_seconds: %.6f\n", baseline_seconds);
    fprintf(out, "speedup_vs_scan: %.1f\n", baseline_seconds / engine_seconds);
    rc = 0;
done:
    venue_free(w.v);
    liq_tally_free(&engine_tally);
    liq_tally_free(&scan_tally);
    free(found);
    return rc;
}
