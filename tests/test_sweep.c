/*
 * Tests of sweeps as data (sim/batch/sweep.c, sim/batch/sweep_log.c,
 * sim/batch/sweep_index.c): a sweep file expands into the runs it describes, in
 * the documented order, with ids that depend only on a point's values and
 * seed; samples cover their ranges as each method promises; every error
 * is one line placed at the sweep file's line; run records survive a
 * round trip exactly and a record cut short is ignored; the plan's runs
 * match their records; the index reads back as written.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <gsl/gsl_qrng.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "summary.h"
#include "support_fs.h"
#include "sweep.h"
#include "sweep_index.h"
#include "sweep_log.h"

/* A fresh folder for a test. */
static void make_dir(char *dir, size_t size)
{
    support_temp_dir(dir, size, "sweep");
}

/* Writes text as the file DIR/NAME. */
static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    support_write_file(path, text);
}

/* Writes text as DIR/s.yaml in a fresh folder, next to a copy of the tiny
 * scenario; path is the sweep file's. */
static void sweep_file(char *dir, size_t size, const char *text, char *path,
                       size_t psize)
{
    make_dir(dir, size);
    char *tiny = support_read_source("tests/data/sweeps/tiny.yaml");
    write_file(dir, "tiny.yaml", tiny);
    free(tiny);
    write_file(dir, "s.yaml", text);
    snprintf(path, psize, "%s/s.yaml", dir);
}

/* Loads the sweep file text (written as sweep_file does, into dir) into s,
 * which must load with check. */
static void load_in(const char *text, int check, sweep *s, char *dir,
                    size_t size)
{
    char path[512];
    sweep_file(dir, size, text, path, sizeof path);
    perr e;
    perr_clear(&e);
    cr_assert_eq(sweep_load(path, check, s, &e), 0, "%s", e.msg);
}

/* load_in for a test that needs no more of the folder. */
static void load_ok(const char *text, int check, sweep *s)
{
    char dir[64];
    load_in(text, check, s, dir, sizeof dir);
}

/* The message of a sweep file that must fail as invalid, after "DIR/". */
static const char *load_error(const char *text, perr *e)
{
    char dir[64], path[512];
    sweep_file(dir, sizeof dir, text, path, sizeof path);
    sweep s;
    perr_clear(e);
    cr_assert_eq(sweep_load(path, SWEEP_CHECK_RUNS, &s, e), PERR_INVALID,
                 "loaded: %s", e->msg);
    const char *m = strstr(e->msg, "s.yaml:");
    cr_assert_not_null(m, "%s", e->msg);
    return m;
}

static const char *value_of(const sweep *s, size_t run, size_t key)
{
    return sweep_set_value(s->points[s->runs[run].point].sets[key]);
}

/* ---- the plan ------------------------------------------------------------ */

Test(sweep, grid_is_the_full_factorial_first_key_slowest_replicates_inner)
{
    sweep s;
    load_ok("scenario: tiny.yaml\n"
            "grid:\n"
            "  venues.binance.funding.interval: [8h, 4h, 1h]\n"
            "  populations[4].leverage.median: [10, 20]\n"
            "replicates: 2\n",
            SWEEP_CHECK_FILE, &s);
    cr_assert_eq(s.n_points, 6);
    cr_assert_eq(s.n_runs, 12);
    const char *interval[] = {"8h", "8h", "4h", "4h", "1h", "1h"};
    const char *median[] = {"10", "20", "10", "20", "10", "20"};
    for (size_t p = 0; p < 6; p++)
        for (size_t k = 0; k < 2; k++) {
            size_t r = p * 2 + k;
            cr_expect_eq(s.runs[r].point, p);
            cr_expect_eq(s.runs[r].replicate, k);
            cr_expect_str_eq(value_of(&s, r, 0), interval[p]);
            cr_expect_str_eq(value_of(&s, r, 1), median[p]);
        }
    cr_expect(s.keys[1].numeric && !s.keys[0].numeric);
    sweep_free(&s);
}

Test(sweep, replicate_k_has_the_same_seed_at_every_point)
{
    sweep s;
    load_ok("scenario: tiny.yaml\n"
            "grid:\n"
            "  populations[4].count: [100, 200, 300]\n"
            "replicates: 3\n",
            SWEEP_CHECK_FILE, &s);
    /* the scenario's seed (42) + k */
    for (size_t r = 0; r < s.n_runs; r++)
        cr_expect_eq(s.runs[r].seed, 42 + s.runs[r].replicate);
    sweep_free(&s);
    load_ok("scenario: tiny.yaml\n"
            "grid:\n"
            "  populations[4].count: [100, 200]\n"
            "seeds: [7, 3]\n",
            SWEEP_CHECK_FILE, &s);
    uint64_t want[] = {7, 3, 7, 3};
    for (size_t r = 0; r < 4; r++)
        cr_expect_eq(s.runs[r].seed, want[r]);
    sweep_free(&s);
}

Test(sweep, ids_depend_on_values_and_seed_not_on_position)
{
    sweep a, b;
    load_ok("scenario: tiny.yaml\n"
            "grid: {venues.binance.funding.interval: [8h, 1h]}\n"
            "replicates: 2\n",
            SWEEP_CHECK_FILE, &a);
    /* More values, in another order: the runs it had keep their ids. */
    load_ok("scenario: tiny.yaml\n"
            "grid: {venues.binance.funding.interval: [1h, 4h, 8h]}\n"
            "replicates: 2\n",
            SWEEP_CHECK_FILE, &b);
    for (size_t i = 0; i < a.n_runs; i++) {
        size_t found = 0;
        for (size_t j = 0; j < b.n_runs; j++)
            if (strcmp(a.runs[i].id, b.runs[j].id) == 0) {
                found++;
                cr_expect_str_eq(value_of(&a, i, 0), value_of(&b, j, 0));
                cr_expect_eq(a.runs[i].seed, b.runs[j].seed);
            }
        cr_expect_eq(found, 1, "%s", a.runs[i].id);
    }
    /* distinct runs, distinct ids; the seed is the id's suffix */
    for (size_t i = 0; i < b.n_runs; i++) {
        char suffix[32];
        snprintf(suffix, sizeof suffix, "-s%" PRIu64, b.runs[i].seed);
        cr_expect_not_null(strstr(b.runs[i].id, suffix));
        for (size_t j = i + 1; j < b.n_runs; j++)
            cr_expect_str_neq(b.runs[i].id, b.runs[j].id);
    }
    sweep_free(&a);
    sweep_free(&b);
}

Test(sweep, overrides_are_set_then_point_then_seed)
{
    sweep s;
    load_ok("scenario: tiny.yaml\n"
            "set: {duration: 2m, output: {every: 30s}}\n"
            "grid:\n"
            "  populations[4].count: [100, 200]\n"
            "seeds: [5]\n",
            SWEEP_CHECK_RUNS, &s);
    const char *sets[8], *places[8];
    char seed[32];
    size_t n = sweep_run_overrides(&s, 1, sets, places, seed);
    cr_assert_eq(n, 4);
    cr_expect_str_eq(sets[0], "duration=2m");
    cr_expect_str_eq(sets[1], "output.every=30s");
    cr_expect_str_eq(sets[2], "populations[4].count=200");
    cr_expect_str_eq(sets[3], "seed=5");
    cr_expect(strstr(places[2], "s.yaml:4:") != NULL, "%s", places[2]);
    /* each run's scenario was loaded and hashed */
    cr_expect_neq(s.runs[0].scenario_hash, 0);
    cr_expect_neq(s.runs[0].scenario_hash, s.runs[1].scenario_hash);
    sweep_free(&s);
}

/* ---- samples ------------------------------------------------------------- */

Test(sweep, sobol_points_are_gsl_sobol_mapped_to_the_ranges)
{
    sweep s;
    load_ok("scenario: tiny.yaml\n"
            "sample:\n"
            "  method: sobol\n"
            "  n: 16\n"
            "  ranges:\n"
            "    venues.binance.insurance_fund: [5M, 100M]\n"
            "    populations[4].leverage.median: [2, 50]\n",
            SWEEP_CHECK_FILE, &s);
    cr_assert_eq(s.n_points, 16);
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, 2);
    for (size_t p = 0; p < 16; p++) {
        double u[2];
        gsl_qrng_get(q, u);
        /* to 6 significant digits */
        double fund = 5e6 + u[0] * 95e6, lev = 2 + u[1] * 48;
        cr_expect_leq(fabs(s.points[p].numbers[0] - fund), 5e-6 * fund);
        cr_expect_leq(fabs(s.points[p].numbers[1] - lev), 5e-6 * lev);
        /* the text given to the scenario reads back to the same number */
        cr_expect_eq(strtod(sweep_set_value(s.points[p].sets[0]), NULL),
                     s.points[p].numbers[0]);
    }
    gsl_qrng_free(q);
    sweep_free(&s);
}

Test(sweep, lhs_puts_one_point_in_each_stratum_of_each_key)
{
    sweep s;
    size_t n = 20;
    load_ok("scenario: tiny.yaml\n"
            "seed: 9\n"
            "sample:\n"
            "  method: lhs\n"
            "  n: 20\n"
            "  ranges:\n"
            "    venues.binance.insurance_fund: [0, 20M]\n"
            "    populations[4].leverage.median: [1, 21]\n",
            SWEEP_CHECK_FILE, &s);
    for (size_t k = 0; k < 2; k++) {
        int seen[20] = {0};
        double lo = k == 0 ? 0 : 1, width = k == 0 ? 1e6 : 1;
        for (size_t p = 0; p < n; p++) {
            double x = s.points[p].numbers[k];
            int stratum = (int)floor((x - lo) / width);
            cr_assert(stratum >= 0 && stratum < 20, "%g", x);
            seen[stratum]++;
        }
        for (int i = 0; i < 20; i++)
            cr_expect_eq(seen[i], 1, "key %zu stratum %d", k, i);
    }
    /* the same seed gives the same points; another seed others */
    static const char text[] = "scenario: tiny.yaml\n"
                               "seed: %d\n"
                               "sample:\n"
                               "  method: lhs\n"
                               "  n: 20\n"
                               "  ranges:\n"
                               "    venues.binance.insurance_fund: [0, 20M]\n"
                               "    populations[4].leverage.median: [1, 21]\n";
    char buf[512];
    sweep again;
    snprintf(buf, sizeof buf, text, 9);
    load_ok(buf, SWEEP_CHECK_FILE, &again);
    for (size_t p = 0; p < n; p++)
        cr_expect_eq(again.points[p].numbers[0], s.points[p].numbers[0]);
    sweep_free(&again);
    snprintf(buf, sizeof buf, text, 10);
    load_ok(buf, SWEEP_CHECK_FILE, &again);
    int differ = 0;
    for (size_t p = 0; p < n; p++)
        differ += again.points[p].numbers[0] != s.points[p].numbers[0];
    cr_expect_gt(differ, 10);
    sweep_free(&again);
    sweep_free(&s);
}

Test(sweep, log_and_int_ranges_and_durations)
{
    sweep s;
    load_ok("scenario: tiny.yaml\n"
            "sample:\n"
            "  method: random\n"
            "  n: 50\n"
            "  ranges:\n"
            "    venues.binance.insurance_fund: [1M, 100M, log]\n"
            "    populations[4].count: [10, 1k, int]\n"
            "    shocks[1].for: [1s, 20s]\n"
            "    shocks[1].fraction: [0.1, 0.9, 0.05]\n",
            SWEEP_CHECK_RUNS, &s);
    size_t below_10m = 0;
    for (size_t p = 0; p < s.n_points; p++) {
        double fund = s.points[p].numbers[0];
        double count = s.points[p].numbers[1];
        double ms = s.points[p].numbers[2];
        cr_expect(fund >= 1e6 && fund <= 1e8);
        below_10m += fund < 1e7;
        cr_expect(count >= 10 && count <= 1000 && count == floor(count));
        cr_expect(ms >= 1000 && ms <= 20000 && ms == floor(ms));
        char want[64];
        snprintf(want, sizeof want, "shocks[1].for=%.0fms", ms);
        cr_expect_str_eq(s.points[p].sets[2], want);
        /* a step: a multiple of 0.05, written with two decimals */
        double f = s.points[p].numbers[3];
        cr_expect_leq(fabs(f * 20 - round(f * 20)), 1e-9, "%g", f);
        snprintf(want, sizeof want, "shocks[1].fraction=%.2f", f);
        cr_expect_str_eq(s.points[p].sets[3], want);
    }
    /* log-uniform: half the points below the geometric middle, 10M */
    cr_expect(below_10m >= 15 && below_10m <= 35, "%zu", below_10m);
    sweep_free(&s);
}

Test(sweep, grid_crossed_with_a_sample)
{
    sweep s;
    load_ok("scenario: tiny.yaml\n"
            "grid: {venues.binance.funding.interval: [8h, 1h]}\n"
            "sample: {method: sobol, n: 4, ranges: {venues.binance."
            "insurance_fund: [5M, 10M]}}\n",
            SWEEP_CHECK_FILE, &s);
    cr_assert_eq(s.n_points, 8);
    /* the sample varies fastest, the same sample at each grid value */
    for (size_t p = 0; p < 8; p++) {
        cr_expect_str_eq(sweep_set_value(s.points[p].sets[0]),
                         p < 4 ? "8h" : "1h");
        cr_expect_eq(s.points[p].numbers[1], s.points[p % 4].numbers[1]);
    }
    sweep_free(&s);
}

/* ---- errors -------------------------------------------------------------- */

Test(sweep, a_value_the_scenario_rejects_is_placed_at_its_line)
{
    perr e;
    cr_expect_str_eq(load_error("scenario: tiny.yaml\n"
                                "grid:\n"
                                "  venues.binance.funding.interval: [8h, "
                                "3x]\n",
                                &e),
                     "s.yaml:3:41: venues[0].funding.interval: expected a "
                     "duration such as 8h, got \"3x\"");
    cr_expect_str_eq(load_error("scenario: tiny.yaml\n"
                                "set: {duration: 2m}\n"
                                "grid:\n"
                                "  populations[4].leverage.median: [5, 500]\n",
                                &e),
                     "s.yaml:4:39: populations[4].leverage.median: must be "
                     "<= 125, binance's maximum leverage (got 500)");
    /* a key the scenario does not have */
    const char *m = load_error("scenario: tiny.yaml\n"
                               "grid: {venues.binance.funding.intervl: [8h]}\n",
                               &e);
    cr_expect(strncmp(m, "s.yaml:2:", 9) == 0, "%s", m);
    cr_expect_not_null(strstr(m, "did you mean 'funding.interval'"), "%s", m);
}

Test(sweep, malformed_sweep_files_fail_with_one_placed_line)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"scenario: tiny.yaml\nreplicate: 3\n",
         "s.yaml:2:1: replicate: unknown key (did you mean 'replicates'?)"},
        {"scenario: tiny.yaml\ngrid: {duration: 2m}\n",
         "s.yaml:2:8: grid.duration: expected a list of values such as [8h, "
         "4h, 1h], got a single value"},
        {"scenario: tiny.yaml\ngrid: {duration: []}\n",
         "s.yaml:2:8: grid.duration: expected a list of values such as [8h, "
         "4h, 1h], got an empty list"},
        {"scenario: tiny.yaml\ngrid: {duration: [2m, 2m]}\n",
         "s.yaml:2:23: grid.duration: 2m is listed twice"},
        {"scenario: tiny.yaml\nset: {duration: 2m}\ngrid: {duration: [3m]}\n",
         "s.yaml:3:8: duration: both set (at "},
        {"scenario: tiny.yaml\nreplicates: 2\nseeds: [1]\n",
         "s.yaml:3:1: seeds: give replicates or seeds, not both (replicates "
         "at line 2)"},
        {"scenario: tiny.yaml\nreplicates: 0\n",
         "s.yaml:2:1: replicates: must be at least 1"},
        {"scenario: tiny.yaml\nsample: {method: lhs, n: 4}\n",
         "s.yaml:2:1: sample: needs ranges, {key: [low, high]}"},
        {"scenario: tiny.yaml\nsample: {method: halton, n: 4, ranges: {x: "
         "[1, 2]}}\n",
         "s.yaml:2:10: sample.method: expected one of lhs, sobol, random"},
        {"scenario: tiny.yaml\nsample: {method: lhs, n: 4, ranges: {duration: "
         "[2, 1]}}\n",
         "s.yaml:2:38: sample.ranges.duration: the low bound must be below "
         "the high one"},
        {"scenario: tiny.yaml\nsample: {method: lhs, n: 4, ranges: {duration: "
         "[0, 1, log]}}\n",
         "s.yaml:2:38: sample.ranges.duration: a log range needs a low bound "
         "above 0"},
        {"scenario: tiny.yaml\nsample: {method: lhs, n: 4, ranges: {duration: "
         "[1s, 2]}}\n",
         "s.yaml:2:38: sample.ranges.duration: give both bounds as durations, "
         "or neither"},
        {"scenario: missing.yaml\n", "missing.yaml: No such file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char dir[64], path[512];
        sweep_file(dir, sizeof dir, cases[i].text, path, sizeof path);
        sweep s;
        perr e;
        perr_clear(&e);
        cr_expect_neq(sweep_load(path, SWEEP_CHECK_RUNS, &s, &e), 0,
                      "case %zu loaded", i);
        cr_expect_not_null(strstr(e.msg, cases[i].msg), "case %zu: got %s",
                           i, e.msg);
        cr_expect_null(strchr(e.msg, '\n'), "case %zu: two lines", i);
    }
}

/* ---- records ------------------------------------------------------------- */

static void summary_with(summary *s, const char *const *names,
                         const double *values, size_t n)
{
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(summary_add(s, names[i], values[i]), 0);
}

Test(sweep, a_record_reads_back_to_the_same_numbers)
{
    const char *names[] = {"binance.liquidations.total_notional",
                           "binance.funding.rate_min", "binance.depth_z.min"};
    double values[] = {1.3712345678901234e9, -0.00050815, NAN};
    summary s;
    summary_with(&s, names, values, 3);
    cr_assert_eq(summary_check_add(&s, "binance.funding.rate_min", -1, 0), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    cr_assert_eq(sweep_record_print(m, "0123456789ab-s42", 1,
                                    UINT64_C(0xfedcba9876543210), 1.25, &s,
                                    NULL),
                 0);
    sweep_record_print(m, "0123456789ab-s43", 0, 7, 0.5, NULL,
                       "disk\tfull\nreally");
    fclose(m);
    sweep_records recs;
    memset(&recs, 0, sizeof recs);
    char *second = strchr(text, '\n') + 1;
    cr_assert_eq(sweep_records_parse(&recs, text, (size_t)(second - text)), 0);
    cr_assert_eq(sweep_records_parse(&recs, second, strlen(second)), 0);
    const sweep_record *r = &recs.r[0];
    cr_expect_str_eq(r->id, "0123456789ab-s42");
    cr_expect(r->ok);
    cr_expect_eq(r->scenario_hash, UINT64_C(0xfedcba9876543210));
    cr_expect_eq(r->wall_s, 1.25);
    cr_expect_eq(r->expect, 1);
    cr_assert_eq(recs.metrics.n, 3);
    cr_expect_eq(sweep_record_value(r, 0), values[0]);
    cr_expect_eq(sweep_record_value(r, 1), values[1]);
    cr_expect(isnan(sweep_record_value(r, 2)));
    const sweep_record *f = &recs.r[1];
    cr_expect(!f->ok);
    cr_expect_eq(f->expect, -1);
    cr_expect_str_eq(f->error, "disk full really");
    cr_expect(isnan(sweep_record_value(f, 0)));
    sweep_records_free(&recs);
    summary_free(&s);
    free(text);
}

Test(sweep, a_journal_line_cut_short_is_ignored_and_a_second_writer_refused)
{
    char dir[64];
    make_dir(dir, sizeof dir);
    sweep_journal j, other;
    perr e;
    perr_clear(&e);
    cr_assert_eq(sweep_journal_open(&j, dir, "local", &e), 0, "%s", e.msg);
    cr_expect_eq(sweep_journal_open(&other, dir, "local", &e), PERR_STATE);
    cr_expect_not_null(strstr(e.msg, "another perpsim sweep"), "%s", e.msg);
    const char whole[] = "run\taaaaaaaaaaaa-s1\tok\t0000000000000001\t0.1\t-1"
                         "\t\tv.x=1\n";
    const char cut[] = "run\tbbbbbbbbbbbb-s1\tok\t0000000000000001\t0.1\t-1"
                       "\t\tv.x=";
    cr_assert_eq(sweep_journal_append(&j, whole, strlen(whole), &e), 0);
    cr_assert_eq(sweep_journal_append(&j, cut, strlen(cut), &e), 0);
    sweep_journal_close(&j);
    sweep_records recs;
    memset(&recs, 0, sizeof recs);
    cr_assert_eq(sweep_records_read_dir(&recs, dir, &e), 0, "%s", e.msg);
    cr_expect_eq(recs.n, 1);
    cr_expect_str_eq(recs.r[0].id, "aaaaaaaaaaaa-s1");
    cr_expect_eq(recs.skipped, 1);
    sweep_records_free(&recs);
}

/* A sweep of four runs, of text, with the folder DIR/runs made for their
 * files and no record yet. */
static void four_runs(const char *text, sweep *s, char *dir, size_t size,
                      sweep_records *recs)
{
    load_in(text, SWEEP_CHECK_RUNS, s, dir, size);
    cr_assert_eq(s->n_runs, 4);
    char runs[128];
    snprintf(runs, sizeof runs, "%s/runs", dir);
    cr_assert_eq(mkdir(runs, 0777), 0, "cannot make %s", runs);
    memset(recs, 0, sizeof *recs);
}

/* Run r's file, as a finished run leaves it (what it holds does not
 * matter here). */
static void run_file(const char *dir, const sweep *s, size_t r)
{
    char path[256];
    snprintf(path, sizeof path, "runs/%s.h5", s->runs[r].id);
    write_file(dir, path, "x");
}

/* Adds the record of a journal line, formatted as printf does, to recs. */
__attribute__((format(printf, 2, 3))) static void
add_record(sweep_records *recs, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    cr_assert_eq(sweep_records_parse(recs, line, strlen(line)), 0, "%s", line);
}

Test(sweep, runs_match_their_records)
{
    sweep s;
    sweep_records recs;
    char dir[64];
    four_runs("scenario: tiny.yaml\n"
              "grid:\n"
              "  populations[4].count: [100, 200]\n"
              "replicates: 2\n",
              &s, dir, sizeof dir, &recs);
    /* run 0 finished; run 1 finished but from another scenario; run 2
     * failed; run 3 has no record; a stray record of no planned run */
    run_file(dir, &s, 0);
    run_file(dir, &s, 1);
    add_record(&recs, "run\t%s\tok\t%016" PRIx64 "\t1\t-1\t\n", s.runs[0].id,
               s.runs[0].scenario_hash);
    add_record(&recs, "run\t%s\tok\t%016" PRIx64 "\t1\t-1\t\n", s.runs[1].id,
               s.runs[1].scenario_hash ^ 1);
    add_record(&recs, "run\t%s\tfailed\t0000000000000000\t1\t-1\tboom\n",
               s.runs[2].id);
    add_record(&recs, "run\tffffffffffff-s1\tok\t%016" PRIx64 "\t1\t-1\t\n",
               s.runs[3].scenario_hash);
    sweep_outcome out[4];
    perr e;
    cr_assert_eq(sweep_match(&s, &recs, dir, out, &e), 0);
    cr_expect_eq(out[0].status, SWEEP_RUN_OK);
    cr_expect_eq(out[1].status, SWEEP_RUN_STALE);
    cr_expect_eq(out[2].status, SWEEP_RUN_FAILED);
    cr_expect_str_eq(out[2].rec->error, "boom");
    cr_expect_eq(out[3].status, SWEEP_RUN_MISSING);
    /* without its file a finished run is not done */
    char path[256];
    snprintf(path, sizeof path, "%s/runs/%s.h5", dir, s.runs[0].id);
    remove(path);
    cr_assert_eq(sweep_match(&s, &recs, dir, out, &e), 0);
    cr_expect_neq(out[0].status, SWEEP_RUN_OK);
    sweep_records_free(&recs);
    sweep_free(&s);
}

/* ---- the index ----------------------------------------------------------- */

Test(sweep, the_index_reads_back_as_written)
{
    sweep s;
    sweep_records recs;
    char dir[64];
    four_runs("scenario: tiny.yaml\n"
              "grid:\n"
              "  venues.binance.funding.interval: [8h, 1h]\n"
              "  populations[4].count: [100, 200]\n",
              &s, dir, sizeof dir, &recs);
    for (size_t r = 0; r < 3; r++) {
        if (r == 2)
            add_record(&recs,
                       "run\t%s\tfailed\t0000000000000000\t0.5\t-1\tno disk\n",
                       s.runs[r].id);
        else
            add_record(&recs,
                       "run\t%s\tok\t%016" PRIx64
                       "\t0.25\t%d\t\tbinance.x=%zu\t"
                       "binance.y=%.17g\n",
                       s.runs[r].id, s.runs[r].scenario_hash, (int)r, r + 1,
                       0.1 * (double)r);
        run_file(dir, &s, r);
    }
    sweep_outcome out[4];
    perr e;
    perr_clear(&e);
    cr_assert_eq(sweep_match(&s, &recs, dir, out, &e), 0);
    char index[256];
    snprintf(index, sizeof index, "%s/sweep.h5", dir);
    cr_assert_eq(sweep_index_write(index, &s, &recs, out, &e), 0, "%s",
                 e.msg);
    cr_expect_eq(sweep_index_is(index), 1);
    sweep_index ix;
    cr_assert_eq(sweep_index_read(index, &ix, &e), 0, "%s", e.msg);
    cr_expect_eq(ix.n_rows, 4);
    cr_expect_eq(ix.runs, 4);
    cr_expect_eq(ix.ok, 2);
    cr_expect_eq(ix.failed, 1);
    cr_expect_eq(ix.missing, 1);
    cr_expect_eq(ix.n_keys, 2);
    cr_expect_eq(ix.n_metrics, 2);
    const sweep_index_column *id = sweep_index_column_named(&ix, "id");
    const sweep_index_column *st = sweep_index_column_named(&ix, "status");
    const sweep_index_column *iv =
        sweep_index_column_named(&ix, "venues.binance.funding.interval");
    const sweep_index_column *cnt =
        sweep_index_column_named(&ix, "populations[4].count");
    const sweep_index_column *x = sweep_index_column_named(&ix, "binance.x");
    const sweep_index_column *err = sweep_index_column_named(&ix, "error");
    const sweep_index_column *ex = sweep_index_column_named(&ix, "expect");
    cr_assert(id && st && iv && cnt && x && err && ex);
    cr_expect(iv->text && !cnt->text && !x->text);
    const char *status[] = {"ok", "ok", "failed", "missing"};
    for (size_t r = 0; r < 4; r++) {
        cr_expect_str_eq(id->texts[r], s.runs[r].id);
        cr_expect_str_eq(st->texts[r], status[r]);
        cr_expect_str_eq(iv->texts[r], r < 2 ? "8h" : "1h");
        cr_expect_eq(cnt->values[r], r % 2 ? 200 : 100);
    }
    cr_expect_eq(x->values[0], 1);
    cr_expect_eq(x->values[1], 2);
    cr_expect(isnan(x->values[2]) && isnan(x->values[3]));
    cr_expect_str_eq(err->texts[2], "no disk");
    cr_expect_str_eq(ex->texts[1], "1");
    cr_expect_str_eq(ex->texts[3], "-1");
    sweep_index_free(&ix);
    /* a run's result is not a sweep index */
    char txt[256];
    snprintf(txt, sizeof txt, "%s/s.yaml", dir);
    cr_expect_neq(sweep_index_read(txt, &ix, &e), 0);
    cr_expect_not_null(strstr(e.msg, "not a perpsim sweep index"), "%s",
                       e.msg);
    sweep_records_free(&recs);
    sweep_free(&s);
}
