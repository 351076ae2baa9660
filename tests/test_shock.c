/*
 * Tests of the shock interface (models/shock.h): the registry
 * (models/shocks/shocks.c) finds every kind by name and lists its keys in
 * the documented order, scenarios/README.md documents every kind and key
 * in its shock table, the loader suggests the nearest kind for an unknown
 * one and writes every kind back to the same scenario; and the oi_cap kind:
 * its checks, and a run in which the venue's open interest stops growing
 * at the cap for exactly the cap's window. The venue's rule itself is
 * tested in test_venue.c (oi_cap_*).
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"
#include "support_run.h"
#include "runner.h"
#include "scenario_load.h"
#include "shock.h"

/* One venue, one population, and the shocks given. */
#define HEAD                                                                  \
    "duration: 1h\n"                                                          \
    "venues: [{profile: binance}, {profile: okx}]\n"                          \
    "populations: [{kind: leveraged_long, venue: binance}]\n"

static void load(const char *text, scenario *s)
{
    perr e = {0, ""};
    cr_assert_eq(scenario_load_text("t.yaml", text, strlen(text), NULL, 0, s,
                                    &e),
                 0, "%s", e.msg);
}

/* The message of loading text, which must fail as invalid. */
static void expect_error(const char *text, const char *want)
{
    scenario s;
    perr e = {0, ""};
    cr_assert_eq(scenario_load_text("t.yaml", text, strlen(text), NULL, 0, &s,
                                    &e),
                 PERR_INVALID, "loaded");
    cr_expect_str_eq(e.msg, want);
}

/* ---- the registry -------------------------------------------------- */

Test(shock, every_kind_is_found_by_its_name_and_no_other_name_is)
{
    size_t n = 0;
    for (const shock_kind *const *k = shock_kinds(); *k; k++, n++) {
        cr_expect_eq(shock_kind_find((*k)->kind), *k, "%s", (*k)->kind);
        cr_expect((*k)->start || (*k)->setup, "%s does nothing", (*k)->kind);
        cr_expect((*k)->end == NULL || (*k)->lasts,
                  "%s ends without a `for`", (*k)->kind);
    }
    cr_expect_eq(n, 6);
    cr_expect_null(shock_kind_find("earthquake"));
    cr_expect_null(shock_kind_find("whal"));
}

static void expect_keys(const char *kind, const char *want)
{
    const shock_kind *k = shock_kind_find(kind);
    cr_assert_not_null(k, "%s", kind);
    const char *names[16];
    size_t n = shock_kind_key_names(k, names, 16);
    char got[256] = "";
    for (size_t i = 0; i < n; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s",
                 i ? ", " : "", names[i]);
    cr_expect_str_eq(got, want, "%s", kind);
}

Test(shock, a_kind_lists_at_kind_venue_its_own_keys_then_for)
{
    expect_keys("index_jump", "at, kind, pct");
    expect_keys("vol_burst", "at, kind, factor, for");
    expect_keys("oracle_freeze", "at, kind, for");
    expect_keys("liquidity_withdrawal", "at, kind, venue, fraction, for");
    expect_keys("whale", "at, kind, venue, notional, side");
    expect_keys("oi_cap", "at, kind, venue, cap, for");
    cr_expect(shock_kind_has_key(shock_kind_find("oi_cap"), "cap"));
    cr_expect_not(shock_kind_has_key(shock_kind_find("index_jump"), "venue"));
}

/* Each kind has a row in scenarios/README.md's shock table, in the
 * registry's order, that names each of its keys but at and kind. */
Test(shock, every_kind_and_key_is_in_the_shock_table_in_order)
{
    char *doc = support_read_source("scenarios/README.md");
    const char *table = strstr(doc, "| kind | keys | effect |");
    cr_assert_not_null(table, "scenarios/README.md has no shock table");
    const char *last = table;
    for (const shock_kind *const *k = shock_kinds(); *k; k++) {
        char row[80];
        snprintf(row, sizeof row, "\n| `%s` |", (*k)->kind);
        const char *at = strstr(table, row);
        cr_assert_not_null(at, "no row for %s", (*k)->kind);
        cr_expect_gt(at, last, "%s is out of the registry's order", (*k)->kind);
        last = at;
        const char *end = strchr(at + 1, '\n');
        cr_assert_not_null(end);
        const char *names[16];
        size_t n = shock_kind_key_names(*k, names, 16);
        for (size_t i = 2; i < n; i++) {
            char quoted[64];
            snprintf(quoted, sizeof quoted, "`%s`", names[i]);
            const char *found = strstr(at, quoted);
            cr_expect(found && found < end, "%s: key %s is not in its row",
                      (*k)->kind, quoted);
        }
    }
    free(doc);
}

/* ---- loading ------------------------------------------------------- */

Test(shock, an_unknown_kind_suggests_the_nearest_and_lists_the_kinds)
{
    expect_error(HEAD "shocks: [{at: 5m, kind: oi_capp, venue: okx, cap: 1M, "
                      "for: 5m}]\n",
                 "t.yaml:4:19: shocks[0].kind: expected one of index_jump, "
                 "vol_burst, oracle_freeze, liquidity_withdrawal, whale, "
                 "oi_cap, got \"oi_capp\" (did you mean 'oi_cap'?)");
    expect_error(HEAD "shocks: [{at: 5m, pct: 3}]\n",
                 "t.yaml:4:10: shocks[0].kind: required key missing "
                 "(index_jump, vol_burst, oracle_freeze, "
                 "liquidity_withdrawal, whale or oi_cap)");
}

Test(shock, a_key_of_no_kind_suggests_one_of_this_kind)
{
    expect_error(HEAD "shocks: [{at: 5m, kind: oi_cap, venue: okx, cpa: 1M, "
                      "for: 5m}]\n",
                 "t.yaml:4:45: shocks[0].cpa: unknown key (did you mean "
                 "'cap'?)");
    expect_error(HEAD "shocks: [{at: 5m, kind: index_jump, pct: 3, venue: "
                      "okx}]\n",
                 "t.yaml:4:45: shocks[0].venue: not a key of an index_jump "
                 "shock (its keys are at, kind, pct)");
    expect_error(HEAD "shocks: [{at: 5m, kind: oi_cap, cap: 1M, for: 5m}]\n",
                 "t.yaml:4:10: shocks[0].venue: required key missing for an "
                 "oi_cap shock (its keys are at, kind, venue, cap, for)");
}

/* Every kind written to the resolved text loads back to the same shocks,
 * and writes the same text again. */
Test(shock, every_kind_writes_back_to_the_same_shock)
{
    static const char text[] =
        HEAD
        "shocks:\n"
        "  - {at: 1m, kind: index_jump, pct: -8%}\n"
        "  - {at: 2m, kind: vol_burst, factor: 3, for: 10m}\n"
        "  - {at: 3m, kind: oracle_freeze, for: 90s}\n"
        "  - {at: 4m, kind: liquidity_withdrawal, venue: okx, fraction: 0.5, "
        "for: 5m}\n"
        "  - {at: 5m, kind: whale, venue: binance, notional: 2M, side: buy}\n"
        "  - {at: 6m, kind: oi_cap, venue: okx, cap: 50M, for: 20m}\n";
    scenario a, b;
    load(text, &a);
    size_t n = 0;
    for (const shock_kind *const *k = shock_kinds(); *k; k++)
        n++;
    cr_assert_eq(a.n_shocks, n, "one shock of every kind");
    load(a.resolved, &b);
    cr_assert_eq(b.n_shocks, a.n_shocks);
    for (size_t i = 0; i < a.n_shocks; i++) {
        const scenario_shock *x = &a.shocks[i], *y = &b.shocks[i];
        cr_expect_eq(x->kind, shock_kinds()[i]);
        cr_expect(x->kind == y->kind && x->at == y->at
                      && x->duration == y->duration && x->venue == y->venue
                      && memcmp(x->params, y->params, x->kind->params_size)
                             == 0,
                  "shocks[%zu]", i);
    }
    cr_expect_str_eq(a.resolved, b.resolved);
    cr_expect_not_null(strstr(a.resolved,
                              "  - at: 6m\n"
                              "    kind: oi_cap\n"
                              "    venue: okx\n"
                              "    cap: 50000000\n"
                              "    for: 20m\n"),
                       "%s", a.resolved);
    scenario_free(&a);
    scenario_free(&b);
}

/* ---- oi_cap -------------------------------------------------------- */

Test(oi_cap, the_cap_must_be_a_positive_amount)
{
    expect_error(HEAD "shocks: [{at: 5m, kind: oi_cap, venue: okx, cap: 0, "
                      "for: 5m}]\n",
                 "t.yaml:4:45: shocks[0].cap: must be in (0, 1e15), quote "
                 "currency (got 0)");
    expect_error(HEAD "shocks: [{at: 5m, kind: oi_cap, venue: okx, cap: 1M, "
                      "for: 0s}]\n",
                 "t.yaml:4:54: shocks[0].for: must be > 0 (got 0ms)");
}

Test(oi_cap, two_caps_on_one_venue_may_not_overlap)
{
    static const char two[] =
        HEAD
        "shocks:\n"
        "  - {at: 10m, kind: oi_cap, venue: okx, cap: 1M, for: 10m}\n"
        "  - {at: 19m, kind: oi_cap, venue: okx, cap: 2M, for: 5m}\n";
    expect_error(two, "t.yaml:6:6: shocks[1].at: overlaps shocks[0], an "
                      "oi_cap on the same venue (a venue has one cap at a "
                      "time)");
    /* One after the other, or on two venues, they may. */
    scenario s;
    load(HEAD "shocks:\n"
              "  - {at: 10m, kind: oi_cap, venue: okx, cap: 1M, for: 10m}\n"
              "  - {at: 20m, kind: oi_cap, venue: okx, cap: 2M, for: 5m}\n"
              "  - {at: 12m, kind: oi_cap, venue: binance, cap: 2M, for: 5m}\n",
         &s);
    cr_expect_eq(s.n_shocks, 3);
    scenario_free(&s);
}

/* Makers, noise and leveraged holders build open interest for 30 minutes
 * (about $5.1M at 10m, $6.2M at 20m, $6.4M at 30m); an oi_cap of `cap` from
 * 10m for 10m. */
static const char growing[] =
    "name: growing\n"
    "seed: 7\n"
    "duration: 30m\n"
    "output: {every: 1m}\n"
    "index: {model: gbm, price: 60000, vol_annual: 0.2}\n"
    SUPPORT_SMALL_WORLD(10, 5);

/* The open interest series (quote, one value a minute: 31) of a run of
 * growing with the shocks (YAML, "" for none). */
static double *open_interest(const char *shocks)
{
    char d[64], text[4096], path[4096];
    support_temp_dir(d, sizeof d, "shock");
    int n = snprintf(text, sizeof text, "%s%s", growing, shocks);
    cr_assert_lt(n, (int)sizeof text);
    support_run_text(d, text, NULL, 0, path, sizeof path);
    hid_t h = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert_geq(h, 0);
    size_t bytes;
    double *oi = support_read_dataset(
        h, "/venues/binance/series/open_interest", &bytes);
    cr_assert_not_null(oi);
    cr_assert_eq(bytes, 31 * sizeof *oi);
    H5Fclose(h);
    support_remove_tree(d);
    return oi;
}

Test(oi_cap, open_interest_above_the_cap_stops_growing_for_the_window)
{
    double *calm = open_interest("");
    double *capped = open_interest(
        "shocks: [{at: 10m, kind: oi_cap, venue: binance, cap: 2M, "
        "for: 10m}]\n");
    for (int m = 0; m <= 10; m++)
        cr_expect_eq(capped[m], calm[m], "minute %d: the same before", m);
    cr_assert_gt(calm[20], 1.1 * calm[10], "the calm run grows: %g to %g",
                 calm[10], calm[20]);
    /* Above the cap from its start, no order may open more: positions only
     * close (the value moves with the mark, 0.2% at most here). */
    for (int m = 11; m <= 20; m++)
        cr_expect_leq(capped[m], 1.002 * capped[10], "minute %d: %g after %g",
                      m, capped[m], capped[10]);
    /* Lifted at 20m, it grows again. */
    cr_expect_gt(capped[30], 1.1 * capped[20], "%g to %g", capped[20],
                 capped[30]);
    free(calm);
    free(capped);
}

Test(oi_cap, open_interest_below_the_cap_grows_to_it_and_no_further)
{
    double *calm = open_interest("");
    double *capped = open_interest(
        "shocks: [{at: 10m, kind: oi_cap, venue: binance, cap: 5.5M, "
        "for: 10m}]\n");
    cr_assert_lt(calm[10], 5.5e6);
    cr_assert_gt(calm[20], 1.1 * 5.5e6);
    double most = 0;
    for (int m = 11; m <= 20; m++)
        most = capped[m] > most ? capped[m] : most;
    /* Orders are trimmed to the room left, so it fills up to the cap. */
    cr_expect_leq(most, 1.002 * 5.5e6, "%g", most);
    cr_expect_geq(most, 0.99 * 5.5e6, "%g", most);
    free(calm);
    free(capped);
}
