/*
 * Tests of `perpsim calibrate` (sim/batch/calibrate.h, sim/cli/
 * cmd_calibrate.c), run as a user runs it: a calibration recovers a value
 * of the quickstart scenario from the metric it produces there; the same
 * file gives the same bytes at -j 1 and -j 2; errors are one line at the
 * file's line and column, before any run; outputs are not replaced
 * without --force. Scenarios are the quickstart cut to 50 minutes (the
 * drop is at 40) so that each test takes seconds.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include "support_cli.h"
#include "support_fs.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

#define QUICKSTART PERPSIM_SOURCE_DIR "/scenarios/quickstart.yaml"

/* The calibration file's head: the scenario, cut short, and one free key,
 * the crowded longs' median leverage. */
#define HEAD                                                                   \
    "scenario: " QUICKSTART "\n"                                               \
    "set: {duration: 50m}\n"                                                   \
    "sample:\n"                                                                \
    "  method: sobol\n"                                                        \
    "  n: %d\n"                                                                \
    "  ranges:\n"                                                              \
    "    populations[4].leverage.median: [5, 40]\n"                            \
    "replicates: 2\n"

/* The mean over seeds 42 and 43 (the quickstart's seed and the next) of
 * metric with the longs' median leverage at lev, exactly as a run gives
 * it. */
static double mean_at(const char *metric, const char *lev)
{
    double sum = 0;
    for (int seed = 42; seed <= 43; seed++) {
        char l[64], s[32];
        snprintf(l, sizeof l, "populations[4].leverage.median=%s", lev);
        snprintf(s, sizeof s, "seed=%d", seed);
        const char *sets[] = {"duration=50m", l, s};
        runner_job job = {QUICKSTART, sets, NULL, 3, NULL, NULL, 0, 0, NULL};
        runner_result res;
        perr e;
        perr_clear(&e);
        cr_assert_eq(runner_run(&job, &res, &e), 0, "%s", e.msg);
        sum += summary_get(&res.summary, metric);
        runner_result_free(&res);
    }
    return sum / 2;
}

/* The value the report gives the free key. */
static double best_value(const char *dir)
{
    char path[700];
    snprintf(path, sizeof path, "%s/report.txt", dir);
    char *text = support_read_file(path, NULL);
    const char *at = strstr(text, "populations[4].leverage.median = ");
    cr_assert_not_null(at, "no best value in: %s", text);
    double v = strtod(at + strlen("populations[4].leverage.median = "), NULL);
    free(text);
    return v;
}

/* A new temporary folder (dir, 256 bytes) holding cal.yaml (its path in
 * cal, 512 bytes), the text formatted as printf does. */
__attribute__((format(printf, 3, 4))) static void
write_cal(char *dir, char *cal, const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    cr_assert(n >= 0 && (size_t)n < sizeof text, "calibration too long");
    support_temp_dir(dir, 256, "calibrate");
    snprintf(cal, 512, "%s/cal.yaml", dir);
    support_write_file(cal, text);
}

Test(calibrate, recovers_a_known_value)
{
    char dir[256], cal[512], out[512];
    double target = mean_at("binance.liquidations.total_notional", "20");
    cr_assert(target > 1e6, "no liquidations to aim at: %g", target);
    write_cal(dir, cal,
              HEAD "targets:\n"
                   "  binance.liquidations.total_notional: {value: %.17g}\n"
                   "search: {iterations: 15, tolerance: 0.005}\n",
              4, target);
    snprintf(out, sizeof out, "%s/out", dir);
    outcome o;
    perpsimf(&o, "calibrate %s -o %s -j 2 -q", cal, out);
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_expect_str_empty(o.err);
    double got = best_value(out);
    cr_expect(fabs(got - 20) < 1.5, "calibrated to %g, made at 20", got);
    /* the calibrated scenario runs as it is */
    perpsimf(&o, "run %s/calibrated.yaml -o %s/run", out, dir);
    cr_expect_eq(o.status, 0, "%s", o.err);
    /* the CSVs: one row per target, one per evaluation */
    char path[600];
    snprintf(path, sizeof path, "%s/targets.csv", out);
    char *csv = support_read_file(path, NULL);
    static const char head[] = "metric,target,weight,scale,mean,sd,min,max\n"
                               "binance.liquidations.total_notional,";
    cr_expect(strncmp(csv, head, strlen(head)) == 0, "%s", csv);
    free(csv);
    snprintf(path, sizeof path, "%s/path.csv", out);
    csv = support_read_file(path, NULL);
    cr_expect_not_null(strstr(csv, "\n1,start,0,"), "%s", csv);
    cr_expect_not_null(strstr(csv, ",search,"), "%s", csv);
    free(csv);
    support_remove_tree(dir);
}

/* The four outputs in dir/a and dir/b are the same bytes. */
static void expect_same_outputs(const char *dir, const char *a,
                                const char *b)
{
    static const char *const files[] = {"calibrated.yaml", "report.txt",
                                        "targets.csv", "path.csv"};
    for (size_t i = 0; i < 4; i++) {
        char pa[600], pb[600];
        snprintf(pa, sizeof pa, "%s/%s/%s", dir, a, files[i]);
        snprintf(pb, sizeof pb, "%s/%s/%s", dir, b, files[i]);
        size_t na, nb;
        char *ta = support_read_file(pa, &na),
             *tb = support_read_file(pb, &nb);
        cr_expect(na == nb && memcmp(ta, tb, na) == 0, "%s differs in %s",
                  files[i], b);
        free(ta);
        free(tb);
    }
}

Test(calibrate, same_bytes_at_any_j_and_under_mpi)
{
    char dir[256], cal[512];
    write_cal(dir, cal,
              HEAD "targets:\n"
                   "  binance.liquidations.total_notional: {value: 20M}\n"
                   "  binance.depth_z.at_mark_min: {value: -1, weight: 0.5}\n"
                   "search: {iterations: 3}\n",
              2);
    outcome o;
    perpsimf(&o, "calibrate %s -o %s/j1 -j 1 -q", cal, dir);
    cr_assert_eq(o.status, 0, "%s", o.err);
    perpsimf(&o, "calibrate %s -o %s/j2 -j 2 -q", cal, dir);
    cr_assert_eq(o.status, 0, "%s", o.err);
    expect_same_outputs(dir, "j1", "j2");
#ifdef PERPSIM_MPIEXEC
    char args[1024];
    snprintf(args, sizeof args, "calibrate -q %s -o %s/mpi", cal, dir);
    cli_mpirun(3, args, &o);
    cr_assert_eq(o.status, 0, "%s%s", o.out, o.err);
    expect_same_outputs(dir, "j1", "mpi");
#endif
    support_remove_tree(dir);
}

/* Writes a calibration whose free-key and target lines are given and
 * expects it refused at want ("cal.yaml:LINE:COL: ..."), nothing run. */
static void refused(const char *range, const char *targets, const char *want)
{
    char dir[256], cal[512];
    write_cal(dir, cal,
              "scenario: " QUICKSTART "\n"
              "sample:\n"
              "  method: lhs\n"
              "  n: 2\n"
              "  ranges:\n"
              "    %s\n"
              "targets:\n"
              "  %s\n",
              range, targets);
    outcome o;
    perpsimf(&o, "calibrate %s -o %s/out", cal, dir);
    char what[600];
    snprintf(what, sizeof what, "calibrate %s", cal);
    cli_expect_refused(&o, what, want);
    char at[600];
    snprintf(at, sizeof at, "perpsim calibrate: %s/cal.yaml:", dir);
    cr_expect(strncmp(o.err, at, strlen(at)) == 0, "not placed: %s", o.err);
    cr_expect_eq(support_count_ending(dir, ".yaml"), 1); /* no out/ */
    support_remove_tree(dir);
}

Test(calibrate, refuses_an_unknown_metric_at_its_line)
{
    refused("populations[4].leverage.median: [5, 40]",
            "binance.liquidations.total_notionl: {value: 1M}",
            "cal.yaml:8:3: targets.binance.liquidations.total_notionl: unknown "
            "metric 'liquidations.total_notionl' (did you mean "
            "'liquidations.total_notional'?)");
    refused("populations[4].leverage.median: [5, 40]",
            "binanse.depth_z.at_mark_min: {value: -1}",
            "cal.yaml:8:3: targets.binanse.depth_z.at_mark_min: no venue named "
            "'binanse' (did you mean 'binance'?)");
}

Test(calibrate, refuses_an_unknown_key_at_its_line)
{
    refused("populations[4].leverage.medain: [5, 40]",
            "binance.liquidations.total_notional: {value: 1M}",
            "cal.yaml:6:5: populations[4].leverage.medain: unknown key");
    refused("populations[4].leverage.median: [5, 40]",
            "binance.liquidations.total_notional: {value: 1M, wieght: 2}",
            "cal.yaml:8:52: targets.binance.liquidations.total_notional."
            "wieght: unknown key (did you mean 'weight'?)");
    refused("populations[4].leverage.median: [5, 40]",
            "binance.funding.rate_mean: {value: 0}",
            "cal.yaml:8:3: targets.binance.funding.rate_mean: a target of 0 "
            "needs a scale");
}

Test(calibrate, refuses_a_bad_range_at_its_line)
{
    refused("populations[4].leverage.median: [40, 5]",
            "binance.liquidations.total_notional: {value: 1M}",
            "cal.yaml:6:5: sample.ranges.populations[4].leverage.median: the "
            "low bound must be below the high one");
    /* the start points are in range; the high end is not */
    refused("populations[4].leverage.median: [5, 200]",
            "binance.liquidations.total_notional: {value: 1M}",
            "cal.yaml:6:5: populations[4].leverage.median: must be <= 125");
}

Test(calibrate, keeps_outputs_without_force)
{
    char dir[256], cal[512];
    write_cal(dir, cal,
              "scenario: " QUICKSTART "\n"
              "set: {duration: 45m}\n"
              "sample: {method: random, n: 1, ranges: "
              "{venues.binance.insurance_fund: [1M, 9M]}}\n"
              "targets: {binance.mark.max: 60000}\n"
              "search: {iterations: 0}\n");
    outcome o;
    perpsimf(&o, "calibrate %s -o %s/out -q", cal, dir);
    cr_assert_eq(o.status, 0, "%s", o.err);
    char path[600];
    snprintf(path, sizeof path, "%s/out/report.txt", dir);
    size_t n0;
    char *before = support_read_file(path, &n0);
    perpsimf(&o, "calibrate %s -o %s/out -q", cal, dir);
    char what[600];
    snprintf(what, sizeof what, "calibrate %s again", cal);
    cli_expect_refused(&o, what, "calibrated.yaml: exists; use --force");
    size_t n1;
    char *after = support_read_file(path, &n1);
    cr_expect(n0 == n1 && memcmp(before, after, n0) == 0);
    free(after);
    perpsimf(&o, "calibrate %s -o %s/out -q --force", cal, dir);
    cr_expect_eq(o.status, 0, "%s", o.err);
    cr_expect_eq(support_count_ending(dir, ".tmp"), 0);
    free(before);
    support_remove_tree(dir);
}
