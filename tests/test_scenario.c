/*
 * Tests of scenario files and their loader (sim/io/scenario_load.h, one
 * file a step in sim/io/scenario_*.c) and of the scenario as data
 * (sim/engine/scenario.h): a valid file loads with the values it states
 * (durations, suffixes, percentages, venue overrides applied to the
 * profile), absent keys take the documented defaults, --set replaces, adds
 * and addresses venues by name, the resolved text loads back to the same
 * scenario, the built-in default is the file on disk, and each malformed
 * file of tests/data/scenarios/ fails with its exact one-line message,
 * file:line:column included.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"
#include "agent_holder.h"
#include "profile.h"
#include "scenario_load.h"
#include "profile_yaml.h"

#define HOUR_MS INT64_C(3600000)
#define MIN_MS INT64_C(60000)
#define PCT(x) ((int64_t)((x) * 1000000.0 + 0.5)) /* PCT(0.5) == 0.5% */

static void data_path(const char *name, char *out, size_t size)
{
    snprintf(out, size, "%s/tests/data/scenarios/%s.yaml", PERPSIM_SOURCE_DIR,
             name);
}

static void load_data(const char *name, const char *const *sets,
                      size_t n_sets, scenario *s)
{
    char path[512];
    data_path(name, path, sizeof path);
    perr e = {0, ""};
    cr_assert_eq(scenario_load_file(path, sets, n_sets, s, &e), 0, "%s",
                 e.msg);
}

/* The least text that loads: one venue, one population, the rest defaults. */
#define LEAST_SCENARIO                                                         \
    "venues: [{profile: binance}]\n"                                           \
    "populations: [{kind: leveraged_long}]\n"

static void load_text(const char *text, const char *const *sets,
                      size_t n_sets, scenario *s)
{
    perr e = {0, ""};
    cr_assert_eq(scenario_load_text("dir/small.yaml", text, strlen(text),
                                    sets, n_sets, s, &e),
                 0, "%s", e.msg);
}

/* The message of loading text with sets, which must fail as invalid. */
static const char *text_error(const char *text, const char *const *sets,
                              size_t n_sets, perr *e)
{
    scenario s;
    perr_clear(e);
    cr_assert_eq(scenario_load_text("dir/small.yaml", text, strlen(text),
                                    sets, n_sets, &s, e),
                 PERR_INVALID, "loaded");
    return e->msg;
}

static const char small[] =
    "venues:\n"
    "  - {profile: binance}\n"
    "populations:\n"
    "  - kind: leveraged_long\n"
    "    leverage: {median: 5}\n";

/* Loading small with the one override set fails as invalid with msg. */
static void expect_set_error(const char *set, const char *msg)
{
    const char *sets[] = {set};
    perr e;
    cr_expect_str_eq(text_error(small, sets, 1, &e), msg, "--set %s", set);
}

static const agent_holder_params *holder(const scenario *s, size_t i)
{
    return s->populations[i].params;
}

/* ---- a valid file ------------------------------------------------------ */

/* tests/data/scenarios/valid.yaml, loaded before each test that reads its
 * values (.init) and freed after it (.fini). */
static scenario valid;

static void load_valid(void)
{
    load_data("valid", NULL, 0, &valid);
}

static void free_valid(void)
{
    scenario_free(&valid);
}

Test(scenario, a_valid_file_loads_with_its_values,
     .init = load_valid, .fini = free_valid)
{
    const scenario *s = &valid;
    cr_expect_str_eq(s->name, "sample-1.37b");
    cr_expect_eq(s->seed, 7);
    cr_expect_eq(s->start_utc_ms, INT64_C(1752134400000)); /* 2025-07-10 08:00 */
    cr_expect_eq(s->duration_ms, 24 * HOUR_MS);
    cr_expect_eq(s->output.every_ms, 5000);
    cr_expect_eq(s->output.zscore_window_ms, 30 * MIN_MS);
    cr_expect_eq(s->output.trades, 1);
    cr_expect_eq(s->index.model, INDEX_GBM);
    cr_expect_eq(s->index.price, 1200.0, "1.2k");
    cr_expect_eq(s->index.vol_annual, 0.55, "55%%");
    cr_expect_eq(s->index.seed, 7, "the index takes the scenario's seed");
    cr_expect_eq(s->index.start_utc_ms, s->start_utc_ms);
    cr_expect_eq(s->index.step_ms, 1000, "the default step");
    cr_expect_str_eq(s->index.stream, "index");
}

Test(scenario, venue_overrides_are_applied_to_the_profile,
     .init = load_valid, .fini = free_valid)
{
    const scenario *s = &valid;
    cr_assert_eq(s->n_venues, 2);
    cr_expect_str_eq(s->venues[0].name, "fast");
    cr_expect_str_eq(s->venues[0].profile_name, "binance");
    const profile *base = profile_builtin("binance");
    const profile *p = &s->venues[0].profile;
    cr_expect_eq(p->funding_interval_ms, HOUR_MS);
    cr_expect_eq(base->funding_interval_ms, 8 * HOUR_MS,
                 "the built-in is untouched");
    cr_expect_eq(p->brackets[0].mmr, PCT(0.5));
    cr_expect_eq(p->brackets[1].cum, 0,
                 "cum refilled: 50000 x (0.5%% - 0.5%%) + 0");
    cr_expect_eq(p->taker_fee, base->taker_fee, "other keys keep the profile's");
    cr_expect_str_eq(s->venues[1].name, "okx", "the name defaults to the profile");
    cr_expect_eq(memcmp(&s->venues[1].profile, profile_builtin("okx"),
                        sizeof(profile)),
                 0);
    cr_expect_eq(scenario_venue_index(s, "okx"), 1);
    cr_expect_eq(scenario_venue_index(s, "binance"), -1);
}

Test(scenario, populations_take_their_keys_with_suffixes,
     .init = load_valid, .fini = free_valid)
{
    const scenario *s = &valid;
    cr_assert_eq(s->n_populations, 2);
    const scenario_population *shorts = &s->populations[0];
    cr_expect_eq(shorts->kind, agent_kind_find("leveraged_short"));
    cr_expect_str_eq(shorts->name, "leveraged_short-0");
    cr_expect_str_eq(shorts->key_prefix, "populations[0]");
    cr_expect_eq(shorts->venue, 0);
    cr_expect_eq(shorts->other_venue, -1);
    const agent_holder_params *h = holder(s, 0);
    cr_expect_eq(h->side, -1);
    cr_expect_eq(h->count, 300000, "300k");
    cr_expect_eq(h->leverage_median, 15);
    cr_expect_eq(h->notional_median, 2500, "2.5k");
    cr_expect_eq(h->notional_sigma, 1.0, "the default");
    cr_expect_eq(h->arrival.kind, ARRIVAL_HAWKES);
    cr_expect_eq(h->arrival.rate, 2);
    cr_expect_eq(h->arrival.alpha, 0.3);
    cr_expect_str_eq(s->populations[1].name, "longs");
    cr_expect_eq(s->populations[1].venue, 1);
    cr_expect_eq(holder(s, 1)->count, 1000000, "1M");
    cr_expect_eq(holder(s, 1)->side, 1);
}

/* A shock's own number key, read through its kind's table. */
static double shock_number(const scenario_shock *sh, const char *key)
{
    const param_key *k = param_find(sh->kind->keys, key);
    cr_assert(k && k->type == PARAM_DOUBLE, "%s has no number %s",
              sh->kind->kind, key);
    double x;
    memcpy(&x, (const char *)sh->params + k->offset, sizeof x);
    return x;
}

/* A whale's side: 1 buy, -1 sell. */
static int shock_side(const scenario_shock *sh)
{
    const param_key *k = param_find(sh->kind->keys, "side");
    cr_assert_not_null(k);
    char text[16];
    param_format(k, sh->params, text, sizeof text);
    return strcmp(text, "buy") == 0 ? 1 : -1;
}

Test(scenario, shocks_are_sorted_by_time_stably,
     .init = load_valid, .fini = free_valid)
{
    const scenario *s = &valid;
    cr_assert_eq(s->n_shocks, 5);
    const scenario_shock *x = s->shocks;
    cr_expect_eq(x[0].kind, shock_kind_find("whale"));
    cr_expect_eq(x[0].at, 90 * MIN_MS);
    cr_expect_eq(x[0].venue, 1);
    cr_expect_eq(shock_number(&x[0], "notional"), 500e6, "500M");
    cr_expect_eq(shock_side(&x[0]), -1);
    cr_expect_eq(x[1].kind, shock_kind_find("vol_burst"));
    cr_expect_eq(shock_number(&x[1], "factor"), 3);
    cr_expect_eq(x[1].duration, HOUR_MS);
    cr_expect_eq(x[1].venue, -1);
    cr_expect_eq(x[2].kind, shock_kind_find("oracle_freeze"));
    cr_expect_eq(x[2].duration, 90000);
    /* Both at 6h: the file's order. */
    cr_expect_eq(x[3].kind, shock_kind_find("liquidity_withdrawal"));
    cr_expect_eq(shock_number(&x[3], "fraction"), 0.8);
    cr_expect_eq(x[3].duration, 20 * MIN_MS);
    cr_expect_eq(x[3].venue, 0);
    cr_expect_eq(x[4].kind, shock_kind_find("index_jump"));
    cr_expect_eq(shock_number(&x[4], "pct"), 4.0);
    cr_expect_str_eq(x[4].key_prefix, "shocks[2]", "the place in the file");
}

Test(scenario, a_shortened_run_drops_the_shocks_beyond_its_end_and_names_them)
{
    static const char text[] =
        "duration: 6h\n" LEAST_SCENARIO
        "shocks:\n"
        "  - {at: 5h, kind: index_jump, pct: -8}\n"
        "  - {at: 1h, kind: index_jump, pct: 2}\n"
        "  - {at: 2h, kind: vol_burst, factor: 3, for: 1h}\n";
    const char *const sets[] = {"duration=2h"};
    scenario s;
    load_text(text, sets, 1, &s);
    cr_assert_eq(s.n_shocks, 1, "only the shock before 2h acts");
    cr_expect_eq(s.shocks[0].at, HOUR_MS);
    cr_expect_str_eq(s.shocks_dropped,
                     "shocks[0] (index_jump at 5h), shocks[2] (vol_burst at 2h)");
    cr_expect_null(strstr(s.resolved, "index_jump, pct: -8"),
                   "the resolved scenario is what ran");
    scenario_free(&s);

    load_text(text, NULL, 0, &s);
    cr_expect_eq(s.n_shocks, 3, "the file's own duration drops nothing");
    cr_expect_str_eq(s.shocks_dropped, "");
    scenario_free(&s);
}

Test(scenario, expectations_are_ranges_of_known_metrics,
     .init = load_valid, .fini = free_valid)
{
    const scenario *s = &valid;
    cr_assert_eq(s->n_expects, 3);
    cr_expect_str_eq(s->expects[0].metric, "fast.liquidations.total_notional");
    cr_expect_eq(s->expects[0].low, 1.23e9);
    cr_expect_eq(s->expects[0].high, 1.51e9, "1.51B");
    cr_expect_str_eq(s->expects[2].metric, "okx.depth_z.min");
    cr_expect_eq(s->expects[2].low, -10);
}

Test(scenario, pct_may_carry_a_percent_sign)
{
    static const char text[] =
        LEAST_SCENARIO "shocks: [{at: 1m, kind: index_jump, pct: -8%}]\n";
    scenario s;
    load_text(text, NULL, 0, &s);
    cr_expect_eq(shock_number(&s.shocks[0], "pct"), -8.0,
                 "a number of percent, either way");
    scenario_free(&s);
}

Test(scenario, a_start_with_milliseconds_on_a_leap_day)
{
    static const char text[] =
        "start: 2024-02-29T23:59:59.250Z\n" LEAST_SCENARIO;
    scenario s;
    load_text(text, NULL, 0, &s);
    cr_expect_eq(s.start_utc_ms, INT64_C(1709251199250));
    cr_expect_not_null(strstr(s.resolved, "start: 2024-02-29T23:59:59.250Z\n"));
    scenario_free(&s);
}

/* ---- defaults ---------------------------------------------------------- */

Test(scenario, absent_keys_take_the_documented_defaults)
{
    scenario s;
    load_text(small, NULL, 0, &s);
    cr_expect_str_eq(s.name, "small", "the file's name");
    cr_expect_str_eq(s.source, "dir/small.yaml");
    cr_expect_eq(s.seed, 1);
    cr_expect_eq(s.start_utc_ms, INT64_C(1735689600000)); /* 2025-01-01 */
    cr_expect_eq(s.duration_ms, HOUR_MS);
    cr_expect_eq(s.output.every_ms, 1000);
    cr_expect_eq(s.output.zscore_window_ms, 30 * MIN_MS);
    cr_expect_eq(s.output.trades, 0);
    index_params ix;
    index_params_default(&ix);
    cr_expect_eq(s.index.model, ix.model);
    cr_expect_eq(s.index.price, ix.price);
    cr_expect_eq(s.index.garch.persistence, ix.garch.persistence);
    cr_expect_null(s.index.file);
    cr_expect_str_eq(s.venues[0].name, "binance");
    cr_expect_eq(s.populations[0].venue, 0, "the only venue");
    cr_expect_str_eq(s.populations[0].name, "leveraged_long-0");
    agent_holder_params d;
    agent_kind_defaults(&agent_holder_long_kind, &d);
    d.leverage_median = 5;
    cr_expect_eq(memcmp(holder(&s, 0), &d, sizeof d), 0);
    cr_expect_eq(s.n_shocks, 0);
    cr_expect_null(s.shocks);
    cr_expect_eq(s.n_expects, 0);
    cr_expect_eq(s.n_sets, 0);
    scenario_free(&s);
}

Test(scenario, a_profile_file_is_found_beside_the_scenario)
{
    static const char text[] =
        "venues: [{name: mine, profile: venues/bybit.yaml}]\n"
        "populations: [{kind: leveraged_short}]\n";
    char name[512];
    snprintf(name, sizeof name, "%s/models/scenario.yaml", PERPSIM_SOURCE_DIR);
    scenario s;
    perr e = {0, ""};
    cr_assert_eq(scenario_load_text(name, text, strlen(text), NULL, 0, &s, &e),
                 0, "%s", e.msg);
    cr_expect_str_eq(s.venues[0].profile_name, "venues/bybit.yaml");
    cr_expect_eq(memcmp(&s.venues[0].profile, profile_builtin("bybit"),
                        sizeof(profile)),
                 0);
    scenario_free(&s);
}

/* ---- --set ------------------------------------------------------------- */

Test(scenario, set_replaces_values_of_the_file)
{
    const char *sets[] = {"populations[0].leverage.median=7",
                          "venues[0].funding.interval=4h",
                          "populations[0].count=500k"};
    scenario s;
    load_text(small, sets, 3, &s);
    cr_expect_eq(holder(&s, 0)->leverage_median, 7);
    cr_expect_eq(holder(&s, 0)->count, 500000);
    cr_expect_eq(s.venues[0].profile.funding_interval_ms, 4 * HOUR_MS);
    cr_assert_eq(s.n_sets, 3);
    cr_expect_str_eq(s.sets[1], "venues[0].funding.interval=4h");
    scenario_free(&s);
}

/* Copies the klines fixture header.csv to DIR/klines.csv, DIR a new
 * temporary folder (the loader opens a replay's file to check it). */
static void klines_beside(char *dir, char *file, size_t size)
{
    cr_assert_not_null(mkdtemp(dir));
    snprintf(file, size, "%s/klines.csv", dir);
    char from[512], text[4096];
    snprintf(from, sizeof from, "%s/tests/data/klines/header.csv",
             PERPSIM_SOURCE_DIR);
    FILE *in = fopen(from, "r"), *out = fopen(file, "w");
    cr_assert(in && out);
    size_t n = fread(text, 1, sizeof text, in);
    cr_assert_eq(fwrite(text, 1, n, out), n);
    fclose(in);
    fclose(out);
}

Test(scenario, set_adds_keys_the_file_does_not_state)
{
    char dir[] = "/tmp/perpsim-scenario-XXXXXX", klines[300], name[300];
    klines_beside(dir, klines, sizeof klines);
    snprintf(name, sizeof name, "%s/small.yaml", dir);
    const char *sets[] = {"seed=99", "output.trades=true",
                          "index.model=replay", "index.file=klines.csv",
                          "start=2025-07-10T00:00:00Z",
                          "expect.binance.liquidations.count=[1, 5k]"};
    scenario s;
    perr e = {0, ""};
    cr_assert_eq(scenario_load_text(name, small, strlen(small), sets, 6, &s,
                                    &e),
                 0, "%s", e.msg);
    remove(klines);
    rmdir(dir);
    cr_expect_eq(s.seed, 99);
    cr_expect_eq(s.output.trades, 1);
    cr_expect_eq(s.index.model, INDEX_REPLAY);
    cr_expect_str_eq(s.index.file, klines,
                     "relative to the scenario's folder");
    cr_assert_eq(s.n_expects, 1);
    cr_expect_str_eq(s.expects[0].metric, "binance.liquidations.count");
    cr_expect_eq(s.expects[0].high, 5000);
    scenario_free(&s);
}

Test(scenario, set_addresses_a_venue_by_its_name)
{
    const char *sets[] = {"venues.binance.funding.interval=1h"};
    scenario s;
    load_text(small, sets, 1, &s);
    cr_expect_eq(s.venues[0].profile.funding_interval_ms, HOUR_MS);
    scenario_free(&s);

    expect_set_error("venues.binanse.funding.interval=1h",
                     "--set venues.binanse.funding.interval: no venue named "
                     "'binanse' (did you mean 'binance'?); the venues are "
                     "binance");
}

Test(scenario, an_unknown_set_key_is_placed_at_set)
{
    expect_set_error("populations[0].leverge.median=3",
                     "--set populations[0].leverge.median: unknown key (did "
                     "you mean 'leverage.median'?)");
    expect_set_error("sed=3", "--set sed: unknown key (did you mean 'seed'?)");
}

Test(scenario, a_bad_set_value_is_placed_at_set)
{
    expect_set_error("duration=soon",
                     "--set duration: expected a duration such as 30s, 5m, 8h "
                     "or 1d, got \"soon\"");
    expect_set_error("populations[0].leverage.median=500",
                     "--set populations[0].leverage.median: must be <= 125, "
                     "binance's maximum leverage (got 500)");
}

Test(scenario, set_cannot_add_list_items_or_drop_the_equals)
{
    expect_set_error("populations[1].count=5",
                     "--set populations[1].count: populations has items [0] "
                     "to [0]; a --set cannot add one");
    expect_set_error("shocks[0].at=5m",
                     "--set shocks[0].at: the scenario has no list shocks");
    expect_set_error("seed", "--set seed: expected key.path=value");
    expect_set_error("populations[0].leverage=3",
                     "--set populations[0].leverage: populations[0].leverage "
                     "is a mapping in the scenario; set the keys under it one "
                     "at a time");
}

/* ---- the resolved text ------------------------------------------------- */

static void expect_same(const scenario *a, const scenario *b)
{
    cr_expect_str_eq(a->name, b->name);
    cr_expect_eq(a->seed, b->seed);
    cr_expect_eq(a->start_utc_ms, b->start_utc_ms);
    cr_expect_eq(a->duration_ms, b->duration_ms);
    cr_expect_eq(a->output.every_ms, b->output.every_ms);
    cr_expect_eq(a->output.zscore_window_ms, b->output.zscore_window_ms);
    cr_expect_eq(a->output.trades, b->output.trades);
    cr_expect_eq(a->index.model, b->index.model);
    cr_expect_eq(a->index.step_ms, b->index.step_ms);
    cr_expect_eq(a->index.price, b->index.price);
    cr_expect_eq(a->index.drift_annual, b->index.drift_annual);
    cr_expect_eq(a->index.vol_annual, b->index.vol_annual);
    cr_expect_eq(memcmp(&a->index.jumps, &b->index.jumps, sizeof a->index.jumps),
                 0);
    cr_expect_eq(memcmp(&a->index.garch, &b->index.garch, sizeof a->index.garch),
                 0);
    cr_assert_eq(a->n_venues, b->n_venues);
    for (size_t i = 0; i < a->n_venues; i++) {
        cr_expect_str_eq(a->venues[i].name, b->venues[i].name);
        cr_expect_str_eq(a->venues[i].profile_name, b->venues[i].profile_name);
        cr_expect_eq(memcmp(&a->venues[i].profile, &b->venues[i].profile,
                            sizeof(profile)),
                     0, "venues[%zu]'s profile", i);
    }
    cr_assert_eq(a->n_populations, b->n_populations);
    for (size_t i = 0; i < a->n_populations; i++) {
        const scenario_population *p = &a->populations[i];
        const scenario_population *q = &b->populations[i];
        cr_expect_eq(p->kind, q->kind);
        cr_expect_str_eq(p->name, q->name);
        cr_expect_eq(p->venue, q->venue);
        cr_expect_eq(p->other_venue, q->other_venue);
        cr_expect_eq(memcmp(p->params, q->params, p->kind->params_size), 0,
                     "populations[%zu]'s parameters", i);
    }
    cr_assert_eq(a->n_shocks, b->n_shocks);
    for (size_t i = 0; i < a->n_shocks; i++) {
        const scenario_shock *x = &a->shocks[i], *y = &b->shocks[i];
        cr_expect(x->kind == y->kind && x->at == y->at
                      && x->duration == y->duration && x->venue == y->venue
                      && memcmp(x->params, y->params, x->kind->params_size)
                             == 0,
                  "shocks[%zu]", i);
    }
    cr_assert_eq(a->n_expects, b->n_expects);
    for (size_t i = 0; i < a->n_expects; i++) {
        cr_expect_str_eq(a->expects[i].metric, b->expects[i].metric);
        cr_expect_eq(a->expects[i].low, b->expects[i].low);
        cr_expect_eq(a->expects[i].high, b->expects[i].high);
    }
    cr_expect_str_eq(a->resolved, b->resolved);
}

/* Loads s's resolved text under the same name and compares. */
static void expect_round_trip(const scenario *s)
{
    scenario again;
    perr e = {0, ""};
    cr_assert_eq(scenario_load_text(s->source, s->resolved,
                                    strlen(s->resolved), NULL, 0, &again, &e),
                 0, "%s\n%s", e.msg, s->resolved);
    expect_same(s, &again);
    scenario_free(&again);
}

Test(scenario, the_resolved_text_loads_back_to_the_same_scenario)
{
    scenario s;
    load_data("valid", NULL, 0, &s);
    expect_round_trip(&s);
    scenario_free(&s);

    const char *sets[] = {"venues.fast.fees.taker=0.03%", "seed=12345678901",
                          "populations[1].arrival.process=hawkes",
                          "index.model=jump_diffusion"};
    load_data("valid", sets, 4, &s);
    expect_round_trip(&s);
    scenario_free(&s);
}

Test(scenario, the_resolved_text_states_every_key)
{
    scenario s;
    load_text(small, NULL, 0, &s);
    /* Defaults written out, the profile's overrides only. */
    static const char *const parts[] = {
        "name: small\n", "seed: 1\n", "start: 2025-01-01T00:00:00Z\n",
        "duration: 1h\n", "  every: 1s\n", "  zscore_window: 30m\n",
        "  trades: false\n", "  model: garch\n", "  garch:\n    alpha: 0.01\n",
        "  - name: binance\n    profile: binance\n",
        "  - kind: leveraged_long\n    venue: binance\n"
        "    name: leveraged_long-0\n    count: 1000\n"
        "    leverage:\n      median: 5\n      sigma: 0.6\n",
        "    arrival:\n      process: poisson\n"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        cr_expect_not_null(strstr(s.resolved, parts[i]), "no '%s' in:\n%s",
                           parts[i], s.resolved);
    cr_expect_null(strstr(s.resolved, "funding"), "no profile key unless set");
    cr_expect_null(strstr(s.resolved, "shocks"));
    scenario_free(&s);
}

/* ---- the built-in default ---------------------------------------------- */

Test(scenario, the_default_is_scenarios_quickstart)
{
    scenario d, f;
    perr e = {0, ""};
    cr_assert_eq(scenario_load_default(NULL, 0, &d, &e), 0, "%s", e.msg);
    cr_expect_str_eq(d.source, "(built-in default)");
    char path[512];
    snprintf(path, sizeof path, "%s/scenarios/quickstart.yaml",
             PERPSIM_SOURCE_DIR);
    cr_assert_eq(scenario_load_file(path, NULL, 0, &f, &e), 0, "%s", e.msg);
    cr_expect_str_eq(d.name, "quickstart");
    cr_expect_str_eq(d.resolved, f.resolved,
                     "the compiled-in copy is the file on disk");
    cr_expect_gt(d.n_populations, 0);
    expect_round_trip(&d);
    scenario_free(&d);
    scenario_free(&f);

    const char *sets[] = {"duration=45m"};
    cr_assert_eq(scenario_load_default(sets, 1, &d, &e), 0, "%s", e.msg);
    cr_expect_eq(d.duration_ms, 45 * MIN_MS);
    scenario_free(&d);
}

/* ---- failures ---------------------------------------------------------- */

Test(scenario, a_failed_load_leaves_nothing_behind)
{
    scenario s;
    memset(&s, 0x5a, sizeof s);
    perr e;
    const char *sets[] = {"expect.binance.liquidations.count=[1, 2]",
                          "shocks=3"};
    text_error(small, sets, 2, &e);
    scenario zero;
    memset(&zero, 0, sizeof zero);
    cr_assert_eq(scenario_load_text("x.yaml", small, strlen(small), sets, 2,
                                    &s, &e),
                 PERR_INVALID);
    cr_expect_eq(memcmp(&s, &zero, sizeof s), 0);
    scenario_free(&s); /* a zeroed scenario may be freed */
}

Test(scenario, a_missing_file_is_an_io_error_naming_it)
{
    scenario s;
    perr e = {0, ""};
    cr_expect_eq(scenario_load_file("/nonexistent/x.yaml", NULL, 0, &s, &e),
                 PERR_IO);
    cr_expect_not_null(strstr(e.msg, "/nonexistent/x.yaml"));
}

/* Each malformed file and its whole message after the file's path. Line 1
 * of each file says what is wrong with it. */
static const struct {
    const char *file, *message;
} malformed[] = {
    {"wrong_type",
     ":2:1: seed: expected a whole number in [0, 2^64), got a mapping"},
    {"unknown_top_key", ":2:1: outptu: unknown key (did you mean 'output'?)"},
    {"unknown_population_key",
     ":8:7: populations[0].leverage.medain: unknown key (did you mean "
     "'leverage.median'?)"},
    {"negative_count",
     ":5:44: populations[0].count: expected a whole number such as 20 or "
     "300k, got \"-5\""},
    {"negative_notional",
     ":6:16: populations[0].notional.median: must be > 0 and < 1e15 quote "
     "currency (got -2000)"},
    {"leverage_above_max",
     ":8:16: populations[1].leverage.median: must be <= 125, binance's "
     "maximum leverage (got 200)"},
    {"missing_venue_ref",
     ":6:28: populations[0].venue: no venue named 'bybit'; the venues are "
     "binance and okx"},
    {"venue_needed",
     ":6:5: populations[0].venue: required key missing (the scenario has 2 "
     "venues: binance and okx)"},
    {"missing_venues",
     ":2:1: venues: required key missing (a list of at least one venue)"},
    {"broken_yaml",
     ":4:12: broken YAML: did not find expected ',' or '}' while parsing a "
     "flow mapping"},
    {"duplicate_key", ":4:1: seed: duplicate key (first at line 2)"},
    {"dotted_and_nested",
     ":7:7: venues[0].funding.interval: duplicate key (first at line 5)"},
    {"two_documents",
     ":7:1: a second YAML document; a scenario file holds one"},
    {"bad_duration",
     ":2:1: duration: expected a duration such as 30s, 5m, 8h or 1d, got "
     "\"1 hour\""},
    {"bad_start",
     ":2:1: start: expected a UTC instant such as 2025-07-10T00:00:00Z (1970 "
     "to 9999), got \"2025-02-30T00:00:00Z\""},
    {"unknown_kind",
     ":5:6: populations[0].kind: unknown kind 'leveraged_lng' (did you mean "
     "'leveraged_long'?); the kinds are market_maker, noise_taker, momentum, "
     "leveraged_long, leveraged_short, basis_arb and cross_venue_arb"},
    {"unknown_profile",
     ":3:21: venues[0].profile: unknown profile 'binanse' (did you mean "
     "'binance'?); the built-in profiles are binance, bybit, hyperliquid, "
     "dydx, okx and bitmex, or give the path of a profile file"},
    {"duplicate_venue_name",
     ":4:6: venues[1].name: venues[0] is already named 'binance'"},
    {"other_venue_missing",
     ":7:5: populations[0].other_venue: required key missing "
     "(cross_venue_arb trades on two venues)"},
    {"other_venue_one_venue_kind",
     ":6:44: populations[0].other_venue: only for kinds that trade on two "
     "venues (leveraged_long trades on one)"},
    {"expect_unknown_metric",
     ":7:3: expect.binance.liquidations.totl_notional: unknown metric "
     "'liquidations.totl_notional' (did you mean "
     "'liquidations.total_notional'?) (sim/engine/summary.h and scenarios/README.md "
     "list the metrics)"},
    {"expect_low_above_high",
     ":7:3: expect.binance.liquidations.total_notional: low must be <= high "
     "(got [2e+09, 1e+09])"},
    {"expect_not_range",
     ":7:3: expect.binance.liquidations.count: expected a range [low, high], "
     "got a single value"},
    {"shock_before_start",
     ":8:6: shocks[0].at: must be >= 0 (got -2h)"},
    {"fraction_above_one",
     ":7:43: shocks[0].fraction: must be in [0, 1] (got 1.5)"},
    {"whale_negative_notional",
     ":7:28: shocks[0].notional: must be > 0, quote currency (got -5e+06)"},
    {"shock_foreign_key",
     ":7:41: shocks[0].fraction: not a key of an index_jump shock (its keys "
     "are at, kind, pct)"},
    {"venue_override_wrong_type",
     ":5:15: venues[0].funding.interval: expected a duration such as 8h, got "
     "\"eight\""},
    {"venue_override_unknown",
     ":6:7: venues[0].funding.intervl: unknown key (did you mean "
     "'funding.interval'?)"},
    {"venue_override_fails_check",
     ":6:7: venues[0].funding.interval: must divide 24h"},
    {"populations_not_list",
     ":4:1: populations: expected a list, got a mapping"},
    {"output_scalar",
     ":2:1: output: expected a mapping of keys, got a single value"},
    {"index_unknown_model",
     ":2:9: index.model: expected one of gbm, jump_diffusion, garch, replay, "
     "got \"garh\" (did you mean 'garch'?)"},
    {"nul_escape", ":3:7: name: a NUL byte (\\0) in a value is not allowed"},
    {"yaml_tag",
     ":4:7: seed: the YAML tag '!!python/object/apply:os.system' is not "
     "allowed (values are plain text, numbers, lists and mappings)"},
};

Test(scenario, each_malformed_file_fails_with_its_one_line_message)
{
    cr_expect_geq(sizeof malformed / sizeof malformed[0], 22);
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        char path[512], want[1024];
        data_path(malformed[i].file, path, sizeof path);
        snprintf(want, sizeof want, "%s%s", path, malformed[i].message);
        scenario s;
        perr e = {0, ""};
        cr_expect_eq(scenario_load_file(path, NULL, 0, &s, &e), PERR_INVALID,
                     "%s loaded", malformed[i].file);
        cr_expect_str_eq(e.msg, want);
        cr_expect_null(strchr(e.msg, '\n'), "one line");
    }
}

/* ---- the key tables and the documentation ------------------------------ */

Test(scenario, the_index_key_table_names_the_models_in_enum_order)
{
    const param_key *model = param_find(index_param_keys, "model");
    cr_assert_not_null(model);
    cr_assert_eq(model->type, PARAM_ENUM);
    int i = 0;
    for (; model->names[i]; i++)
        cr_expect_str_eq(model->names[i], index_model_name((index_model)i));
    cr_expect_eq(i, INDEX_REPLAY + 1);
}

/* The world sizes its account tables from agent_kind_count: every kind's
 * count_offset must point at its documented `count` key, or a population
 * would open more accounts than the table holds. */
Test(scenario, every_kinds_count_offset_is_its_count_key)
{
    for (const agent_kind *const *k = agent_kinds(); *k; k++) {
        const param_key *c = param_find((*k)->keys, "count");
        cr_assert_not_null(c, "kind %s has no count key", (*k)->kind);
        cr_expect_eq(c->type, PARAM_COUNT, "kind %s", (*k)->kind);
        cr_expect_eq(c->offset, (*k)->count_offset, "kind %s", (*k)->kind);
        void *params = calloc(1, (*k)->params_size);
        cr_assert_not_null(params);
        agent_kind_defaults(*k, params);
        uint32_t n = 12345;
        memcpy((char *)params + c->offset, &n, sizeof n);
        cr_expect_eq(agent_kind_count(*k, params), 12345u, "kind %s",
                     (*k)->kind);
        free(params);
    }
}

static int documented(const char *docs, const char *key)
{
    char quoted[160];
    snprintf(quoted, sizeof quoted, "`%s`", key);
    return strstr(docs, quoted) != NULL;
}

Test(scenario, every_key_of_every_model_is_documented)
{
    char *models = support_read_source("models/README.md");
    char *scen = support_read_source("scenarios/README.md");
    for (const agent_kind *const *k = agent_kinds(); *k; k++) {
        cr_expect(documented(models, (*k)->kind) && documented(scen, (*k)->kind),
                  "kind %s", (*k)->kind);
        for (const param_key *p = (*k)->keys; p->key; p++)
            cr_expect(documented(models, p->key) || documented(scen, p->key),
                      "%s: key `%s` is in neither README", (*k)->kind, p->key);
    }
    for (const param_key *p = index_param_keys; p->key; p++)
        cr_expect(documented(models, p->key) && documented(scen, p->key),
                  "index key `%s`", p->key);
    static const char *const own[] = {
        "name",   "seed",    "start",        "duration",  "output",
        "every",  "zscore_window", "trades", "index",     "venues",
        "profile", "populations", "kind",    "venue",     "other_venue",
        "shocks", "at",      "index_jump",   "pct",       "vol_burst",
        "factor", "for",     "oracle_freeze", "liquidity_withdrawal",
        "fraction", "whale", "notional",     "side",      "expect"};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        cr_expect(documented(scen, own[i]), "scenarios/README.md: `%s`",
                  own[i]);
    free(models);
    free(scen);
}
