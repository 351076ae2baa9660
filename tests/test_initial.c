/*
 * Tests of initial positions (models/README.md, "Initial positions"): a
 * leveraged holder population that starts the run holding
 * initial.open_interest, its counterparty, the ledger at the start, the
 * liquidation map (/venues/<v>/liquidation_map) and the keys' checks.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liqmap.h"
#include "runner.h"
#include "scenario_load.h"
#include "support_run.h"

/* Makers, longs that start with 50M and shorts that start with 20M on one
 * Binance venue; the start at 60,000. */
#define INITIAL_WORLD(LONG_OI, SHORT_OI)                                      \
    "name: initial\n"                                                         \
    "seed: 3\n"                                                               \
    "duration: 2m\n"                                                          \
    "index: {model: gbm, price: 60000, vol_annual: 0.5}\n"                    \
    "venues:\n"                                                               \
    "  - {name: binance, profile: binance}\n"                                 \
    "populations:\n"                                                          \
    "  - {kind: market_maker, count: 5}\n"                                    \
    "  - kind: leveraged_long\n"                                              \
    "    count: 20000\n"                                                      \
    "    initial: {open_interest: " LONG_OI ", lookback: 14d}\n"              \
    "  - kind: leveraged_short\n"                                             \
    "    count: 20000\n"                                                      \
    "    initial: {open_interest: " SHORT_OI "}\n"

/* Binance's BTCUSDT: a lot of 0.001 BTC at 60,000 is 60 quote. */
#define LOT_AT_START 60.0

/* Runs text with the ledger checked after every event and opens the
 * result. */
static hid_t run_checked(const char *text, char *dir, size_t size)
{
    char file[4200];
    support_temp_dir(dir, size, "initial");
    snprintf(file, sizeof file, "%s/in.yaml", dir);
    support_write_file(file, text);
    runner_job job = {.scenario = file, .out_dir = dir, .force = 1,
                      .check_invariants = 1};
    runner_result res;
    perr e = {0, ""};
    cr_assert_eq(runner_run(&job, &res, &e), 0, "runner_run: %s", e.msg);
    hid_t f = H5Fopen(res.path, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert_geq(f, 0, "cannot open %s", res.path);
    runner_result_free(&res);
    return f;
}

/* binance's series name of the result f, *size values; the caller frees
 * it. */
static double *series(hid_t f, const char *name, size_t *size)
{
    char path[128];
    snprintf(path, sizeof path, "/venues/binance/series/%s", name);
    double *x = support_read_dataset(f, path, size);
    cr_assert_not_null(x, "no %s", path);
    return x;
}

static double attr_double(hid_t d, const char *name)
{
    double x = NAN;
    hid_t a = H5Aopen(d, name, H5P_DEFAULT);
    cr_assert_geq(a, 0, "no attribute %s", name);
    cr_assert_geq(H5Aread(a, H5T_NATIVE_DOUBLE, &x), 0);
    H5Aclose(a);
    return x;
}

/* The map's rows in memory (liqmap_row), *n of them. */
static liqmap_row *read_map(hid_t f, size_t *n, hid_t *d)
{
    *d = H5Dopen2(f, "/venues/binance/liquidation_map", H5P_DEFAULT);
    cr_assert_geq(*d, 0, "no liquidation map");
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(liqmap_row));
    H5Tinsert(t, "price_low", offsetof(liqmap_row, price_low), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "price_high", offsetof(liqmap_row, price_high), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "long_notional", offsetof(liqmap_row, long_notional), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "short_notional", offsetof(liqmap_row, short_notional), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "long_positions", offsetof(liqmap_row, long_positions), H5T_NATIVE_UINT32);
    H5Tinsert(t, "short_positions", offsetof(liqmap_row, short_positions), H5T_NATIVE_UINT32);
    hid_t sp = H5Dget_space(*d);
    *n = (size_t)H5Sget_simple_extent_npoints(sp);
    liqmap_row *rows = calloc(*n ? *n : 1, sizeof *rows);
    cr_assert_not_null(rows);
    if (*n)
        cr_assert_geq(H5Dread(*d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows), 0);
    H5Sclose(sp);
    H5Tclose(t);
    return rows;
}

Test(initial, open_interest_at_start_is_the_key_and_the_map_sums_to_it)
{
    char dir[256];
    hid_t f = run_checked(INITIAL_WORLD("50M", "20M"), dir, sizeof dir);
    size_t size;
    double *oi = series(f, "open_interest", &size);
    double *mark = series(f, "mark", &size);
    /* The longs' 50M against the shorts' 20M: the counterparty holds the
     * net (30M short), so every long lot is a long holder's, 50M at the
     * start price within a lot. The output values the lots at the first
     * sample's mark (the makers' quotes may move it off the index). */
    double at_start = oi[0] / mark[0] * 60000;
    cr_assert(fabs(at_start - 50e6) <= LOT_AT_START, "open interest %.2f at "
              "the start price (%.2f at the mark %.2f)", at_start, oi[0],
              mark[0]);
    free(mark);
    size_t n;
    hid_t d;
    liqmap_row *rows = read_map(f, &n, &d);
    cr_assert_gt(n, 10);
    double longs = attr_double(d, "long_beyond_notional");
    double shorts = attr_double(d, "short_beyond_notional");
    uint32_t long_positions = 0, short_positions = 0;
    for (size_t i = 0; i < n; i++) {
        longs += rows[i].long_notional;
        shorts += rows[i].short_notional;
        long_positions += rows[i].long_positions;
        short_positions += rows[i].short_positions;
        cr_assert_lt(rows[i].price_low, rows[i].price_high);
        /* Nothing triggers at the start: longs below it, shorts above. */
        if (rows[i].long_positions)
            cr_assert_lt(rows[i].price_low, 60000);
        if (rows[i].short_positions)
            cr_assert_geq(rows[i].price_high, 60000);
    }
    /* The map is valued at the start price, as the key is. */
    cr_assert(fabs(longs - at_start) < 1e-6 * at_start, "longs %.2f", longs);
    cr_assert(fabs(shorts - at_start) < 1e-6 * at_start, "shorts %.2f",
              shorts);
    cr_assert_gt(long_positions, 100);
    cr_assert_gt(short_positions, 100);
    /* The shorts' 20M is in the map's rows, the counterparty's 30M short
     * beyond the range. */
    cr_assert(fabs(attr_double(d, "short_beyond_notional") - 30e6)
                  <= 2 * LOT_AT_START,
              "short beyond %.2f", attr_double(d, "short_beyond_notional"));
    free(rows);
    H5Dclose(d);
    /* The margins (and the counterparty's funding) are deposits at the
     * start. */
    int64_t *deposits = support_read_dataset(f, "/venues/binance/audit/deposits",
                                             &size);
    cr_assert_not_null(deposits);
    cr_assert_gt(deposits[0], 0);
    free(deposits);
    free(oi);
    H5Fclose(f);
    support_remove_tree(dir);
}

Test(initial, a_population_without_the_key_starts_flat_and_writes_no_map)
{
    char dir[256];
    hid_t f = run_checked(INITIAL_WORLD("0", "0"), dir, sizeof dir);
    size_t size;
    double *oi = series(f, "open_interest", &size);
    cr_assert_eq(oi[0], 0);
    cr_assert_eq(H5Lexists(f, "/venues/binance/liquidation_map", H5P_DEFAULT), 0);
    free(oi);
    H5Fclose(f);
    support_remove_tree(dir);
}

/* Loading text fails with want in the message. */
static void refused(const char *text, const char *want)
{
    scenario s;
    perr e = {0, ""};
    cr_assert_neq(scenario_load_text("test.yaml", text, strlen(text), NULL, 0,
                                     &s, &e), 0, "loaded: %s", text);
    cr_assert(strstr(e.msg, want), "got: %s\nwant: %s", e.msg, want);
}

Test(initial, bad_values_are_refused_at_their_place)
{
    refused(INITIAL_WORLD("-1", "0"),
            "test.yaml:11:15: populations[1].initial.open_interest: must be "
            ">= 0 and < 1e15 quote currency (got -1)");
    refused(INITIAL_WORLD("nan", "0"), "populations[1].initial.open_interest");
    /* 20000 shorts of median 2000 and sigma 1 hold 65.9M on average. */
    refused(INITIAL_WORLD("0", "70M"),
            "test.yaml:14:15: populations[2].initial.open_interest: must be "
            "at most count x the mean notional, 20000 x 3297.44 = 6.59489e+07 "
            "quote currency (got 7e+07)");
    const char short_lookback[] =
        "venues:\n"
        "  - {name: binance, profile: binance}\n"
        "populations:\n"
        "  - kind: leveraged_long\n"
        "    initial: {open_interest: 1M, lookback: 30s}\n";
    refused(short_lookback, "test.yaml:5:34: populations[0].initial.lookback: "
                            "must be in [1m, 365d] (got 30s)");
}

Test(initial, the_resolved_scenario_names_the_keys_only_when_used)
{
    scenario s;
    perr e = {0, ""};
    const char *text = INITIAL_WORLD("50M", "0");
    cr_assert_eq(scenario_load_text("test.yaml", text, strlen(text), NULL, 0,
                                    &s, &e), 0, "%s", e.msg);
    const char *longs = strstr(s.resolved, "leveraged_long");
    const char *shorts = strstr(s.resolved, "leveraged_short");
    cr_assert(longs && shorts);
    const char *first = strstr(longs, "open_interest: 50000000");
    cr_assert(first && first < shorts, "%s", s.resolved);
    cr_assert_null(strstr(shorts, "initial"), "%s", shorts);
    scenario_free(&s);
}

/* An open interest under the load's bound (count x the mean notional,
 * 65.9M here) that the seed's draws still cannot reach (positions are
 * liquidated on the look-back, and lognormal draws fall short of the mean):
 * scenario_load_file leaves it to the run, scenario_validate_file (`perpsim
 * validate`) places the positions as the run would and refuses it at the
 * key, FILE:LINE:COL. 40M is reached and passes both. */
Test(initial, validate_places_the_positions_and_refuses_a_shortfall_at_the_key)
{
    char dir[256], file[4200];
    support_temp_dir(dir, sizeof dir, "initial-validate");
    snprintf(file, sizeof file, "%s/in.yaml", dir);
    support_write_file(file, INITIAL_WORLD("0", "60M"));
    scenario s;
    perr e = {0, ""};
    cr_assert_eq(scenario_load_file(file, NULL, 0, &s, &e), 0, "%s", e.msg);
    scenario_free(&s);
    cr_assert_neq(scenario_validate_file(file, NULL, 0, &s, &e), 0);
    char want[4400];
    snprintf(want, sizeof want, "%s:14:15: populations[2].initial."
             "open_interest: the 20000 agents' positions hold ", file);
    cr_assert(strstr(e.msg, want), "got: %s\nwant: %s", e.msg, want);
    cr_assert(strstr(e.msg, "of 6e+07 quote currency at the start; raise "
                            "count or notional.median"), "%s", e.msg);
    support_write_file(file, INITIAL_WORLD("0", "40M"));
    perr_clear(&e);
    cr_assert_eq(scenario_validate_file(file, NULL, 0, &s, &e), 0, "%s", e.msg);
    scenario_free(&s);
    /* Without initial positions nothing is built: the same as loading. */
    support_write_file(file, INITIAL_WORLD("0", "0"));
    cr_assert_eq(scenario_validate_file(file, NULL, 0, &s, &e), 0, "%s", e.msg);
    scenario_free(&s);
    remove(file);
    support_remove_tree(dir);
}

/* The map on the output grid (/venues/<v>/liquidation_map_grid): the start
 * map's buckets as a dimension scale, one row of cells per sample of the
 * grid (every_s: the output step rounded up to a whole minute), each
 * side's cells plus its off-grid and beyond figures the open interest of
 * that sample (valued at its mark, as the series is), exactly but for the
 * sums' rounding. Without initial positions there is none (the test
 * above; tools/check-outputs.sh holds the other scenarios' files). */
Test(initial, the_map_on_the_output_grid_sums_to_each_samples_open_interest)
{
    char dir[256];
    const char *text =
        "name: initial\n"
        "seed: 3\n"
        "duration: 10m\n"
        "output: {every: 20s}\n"
        "index: {model: gbm, price: 60000, vol_annual: 0.5}\n"
        "venues:\n"
        "  - {name: binance, profile: binance}\n"
        "populations:\n"
        "  - {kind: market_maker, count: 5}\n"
        "  - {kind: noise_taker, count: 50}\n"
        "  - kind: leveraged_long\n"
        "    count: 20000\n"
        "    arrival: {rate: 20}\n"
        "    initial: {open_interest: 50M, lookback: 14d}\n"
        "  - kind: leveraged_short\n"
        "    count: 20000\n"
        "    arrival: {rate: 20}\n"
        "    initial: {open_interest: 20M}\n"
        "shocks:\n"
        "  - {at: 5m, kind: index_jump, pct: -5}\n";
    hid_t f = run_checked(text, dir, sizeof dir);
    size_t n_map;
    hid_t d;
    liqmap_row *rows = read_map(f, &n_map, &d);
    H5Dclose(d);
    hid_t g = H5Gopen2(f, "/venues/binance/liquidation_map_grid", H5P_DEFAULT);
    cr_assert_geq(g, 0, "no liquidation_map_grid");
    cr_expect_eq(attr_double(g, "every_s"), 60);
    cr_expect_eq(attr_double(g, "bucket_bps"), 10);
    H5Gclose(g);
    size_t n_t, n_price, n_cells, n;
#define GRID "/venues/binance/liquidation_map_grid/"
    double *t = support_read_dataset(f, GRID "t", &n_t);
    double *price = support_read_dataset(f, GRID "price_low", &n_price);
    double *longs = support_read_dataset(f, GRID "long_notional", &n_cells);
    double *shorts = support_read_dataset(f, GRID "short_notional", &n);
    double *lb = support_read_dataset(f, GRID "long_beyond", &n);
    double *sb = support_read_dataset(f, GRID "short_beyond", &n);
    double *lo = support_read_dataset(f, GRID "long_off_grid", &n);
    double *so = support_read_dataset(f, GRID "short_off_grid", &n);
    double *oi = support_read_dataset(f, "/venues/binance/series/open_interest",
                                      &n);
    double *st = support_read_dataset(f, "/venues/binance/series/t", &n);
    cr_assert(t && price && longs && shorts && lb && sb && lo && so && oi
              && st);
    n_t /= sizeof(double); /* support_read_dataset gives bytes */
    n_price /= sizeof(double);
    n_cells /= sizeof(double);
    /* samples at 0, 60, ..., 600 s (the grid's last sample is the end);
     * the start map's buckets */
    cr_assert_eq(n_t, 11);
    cr_assert_eq(n_price, n_map);
    cr_assert_eq(n_cells, n_t * n_map);
    for (size_t r = 0; r < n_map; r++)
        cr_assert_eq(price[r], rows[r].price_low);
    /* the buckets are the 2-D datasets' second dimension scale */
    hid_t cells = H5Dopen2(f, GRID "long_notional", H5P_DEFAULT);
    hid_t scale = H5Dopen2(f, GRID "price_low", H5P_DEFAULT);
    hid_t tscale = H5Dopen2(f, GRID "t", H5P_DEFAULT);
    cr_expect_gt(H5DSis_attached(cells, scale, 1), 0);
    cr_expect_gt(H5DSis_attached(cells, tscale, 0), 0);
    H5Dclose(tscale);
    H5Dclose(scale);
    H5Dclose(cells);
    int moved = 0;
    for (size_t k = 0; k < n_t; k++) {
        cr_assert_eq(t[k], 60.0 * (double)k);
        size_t row = (size_t)(t[k] / 20); /* the series' sample at t[k] */
        cr_assert_eq(st[row], t[k]);
        double l = lb[k] + lo[k], s = sb[k] + so[k];
        for (size_t r = 0; r < n_map; r++) {
            l += longs[k * n_map + r];
            s += shorts[k * n_map + r];
        }
        cr_assert(fabs(l - oi[row]) <= 1e-9 * oi[row], "sample %zu: longs "
                  "%.4f, open interest %.4f", k, l, oi[row]);
        cr_assert(fabs(s - oi[row]) <= 1e-9 * oi[row], "sample %zu: shorts "
                  "%.4f, open interest %.4f", k, s, oi[row]);
        if (k > 0)
            for (size_t r = 0; r < n_map; r++)
                moved |= longs[k * n_map + r] != longs[r];
    }
    /* the map changes: the 5% drop liquidates the longs nearest the mark */
    cr_expect(moved);
#undef GRID
    free(rows);
    free(t);
    free(price);
    free(longs);
    free(shorts);
    free(lb);
    free(sb);
    free(lo);
    free(so);
    free(oi);
    free(st);
    H5Fclose(f);
    support_remove_tree(dir);
}
