/*
 * Tests of comparisons (sim/batch/compare.c, sim/cli/cmd_compare.c): the mean, the
 * t-interval and the paired difference are the textbook's; `perpsim
 * compare` runs each variant at the same seeds, reports settlements per
 * day for each cadence, writes a CSV whose numbers are the runs' own
 * statistics, an index a reader can tell from a sweep, run files named by
 * what varied and the figure; compares the venues of one scenario; goes on
 * where it stopped; and refuses bad input in one line before any run.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compare.h"
#include "support_cli.h"
#include "support_fs.h"
#include "sweep_index.h"

/* t quantiles at 0.975 (any table of Student's t): 2, 3, 4 degrees of
 * freedom */
#define T2 4.302652729911275
#define T4 2.7764451051977987

/* ---- the statistics ------------------------------------------------------ */

Test(compare, describe_gives_the_mean_sd_and_t_interval_of_the_numbers)
{
    double x[] = {1, 2, NAN, 3, 4, 5};
    compare_cell c;
    compare_describe(x, 6, &c);
    cr_expect_eq(c.n, 5);
    cr_expect_float_eq(c.mean, 3.0, 1e-15);
    cr_expect_float_eq(c.sd, sqrt(2.5), 1e-15);
    double half = T4 * sqrt(2.5) / sqrt(5.0);
    cr_expect_float_eq(c.low, 3 - half, 1e-9);
    cr_expect_float_eq(c.high, 3 + half, 1e-9);
    double one[] = {7, NAN};
    compare_describe(one, 2, &c);
    cr_expect_eq(c.n, 1);
    cr_expect_eq(c.mean, 7);
    cr_expect(isnan(c.low) && isnan(c.high) && isnan(c.sd));
}

Test(compare, paired_differences_are_taken_seed_by_seed)
{
    /* Seeds move both arms together: the arms' own intervals overlap, the
     * paired difference is clearly above zero. */
    double base[] = {10, 20, 30, NAN}, x[] = {11, 21.2, 30.8, 40};
    compare_cell c;
    compare_paired(x, base, 4, &c);
    cr_expect_eq(c.diff_n, 3);
    cr_expect_float_eq(c.diff_mean, 1.0, 1e-15);
    double sd = 0.2; /* of 1, 1.2, 0.8 */
    /* GSL's t quantile agrees with the tables to about 1e-11 */
    cr_expect_float_eq(c.diff_low, 1 - T2 * sd / sqrt(3.0), 1e-9);
    cr_expect_eq(c.diff_sign, 1);
    compare_cell a, b;
    compare_describe(base, 4, &a);
    compare_describe(x, 3, &b);
    cr_expect(a.high > b.low, "the arms' intervals overlap");
    /* no difference, no sign; a constant difference has one */
    compare_paired(base, base, 3, &c);
    cr_expect(c.diff_mean == 0 && c.diff_low == 0 && c.diff_high == 0);
    cr_expect_eq(c.diff_sign, 0);
    double less[] = {7, 17, 27};
    compare_paired(less, base, 3, &c);
    cr_expect_eq(c.diff_sign, -1);
}

/* ---- the command --------------------------------------------------------- */

/* perpsim ARGS from the source tree, where the tests' scenarios are. */
static void perpsim_src(const char *args, outcome *o)
{
    char prefix[1024];
    snprintf(prefix, sizeof prefix, "cd '%s' &&", PERPSIM_SOURCE_DIR);
    cli_run(prefix, args, o);
}


/* The CSV row of venue, metric and arm: its fields, split at commas
 * outside quotes. */
static int csv_row(const char *csv, const char *venue, const char *metric,
                   const char *arm, char fields[15][64])
{
    char want[256];
    snprintf(want, sizeof want, "\n%s,%s,", venue, metric);
    for (const char *p = strstr(csv, want); p; p = strstr(p + 1, want)) {
        const char *line = p + 1;
        size_t len = strcspn(line, "\n");
        int k = 0, quoted = 0;
        size_t at = 0;
        for (size_t i = 0; i < len && k < 15; i++) {
            if (line[i] == '"') {
                quoted = !quoted;
                continue;
            }
            if (line[i] == ',' && !quoted) {
                fields[k++][at] = '\0';
                at = 0;
                continue;
            }
            if (at < 63)
                fields[k][at++] = line[i];
        }
        if (k < 15)
            fields[k++][at] = '\0';
        if (k == 15 && strcmp(fields[4], arm) == 0)
            return 1;
    }
    return 0;
}

static const char cadences[] =
    "compare tests/data/sweeps/tiny.yaml --set duration=4h --set "
    "output.every=1m --vary venues.binance.funding.interval=4h,1h "
    "--replicates 3 -q -j 2";

Test(compare, cadences_compare_per_day_with_paired_differences)
{
    char dir[64], args[1024], path[256];
    support_temp_dir(dir, sizeof dir, "compare");
    snprintf(args, sizeof args, "%s -o %s", cadences, dir);
    outcome o;
    perpsim_src(args, &o);
    cr_assert_eq(o.status, 0, "%s\n%s", o.out, o.err);
    cr_expect_not_null(strstr(o.out, "variants: 2 arms x 3 seeds"), "%s",
                       o.out);
    cr_expect_not_null(strstr(o.out, "settlements per day             6.00"),
                       "%s", o.out);
    cr_expect_not_null(strstr(o.out, "paired difference from 4h"), "%s",
                       o.out);

    snprintf(path, sizeof path, "%s/compare.csv", dir);
    char *csv = support_read_file(path, NULL);
    static const char header[] = "venue,metric,label,unit,arm,n,mean,sd,"
                                 "ci_low,ci_high,diff_n,diff_mean,"
                                 "diff_ci_low,diff_ci_high,diff_sign\n";
    cr_expect_eq(strncmp(csv, header, strlen(header)), 0, "%s", csv);
    size_t metrics_n;
    compare_metrics(&metrics_n);
    /* one venue, two arms */
    cr_expect_eq(cli_lines(csv), 1 + (int)metrics_n * 2);
    char fld[15][64];
    cr_assert(csv_row(csv, "binance", "funding.settlements_per_day", "4h",
                      fld));
    cr_expect_eq(strtod(fld[6], NULL), 6.0, "%s", fld[6]);
    cr_assert(csv_row(csv, "binance", "funding.settlements_per_day", "1h",
                      fld));
    cr_expect_eq(strtod(fld[6], NULL), 24.0, "%s", fld[6]);
    cr_expect_eq(strtod(fld[11], NULL), 18.0);
    cr_expect_str_eq(fld[14], "+");

    /* The CSV's numbers are the runs' own: recompute one from the index. */
    sweep_index ix;
    perr e;
    snprintf(path, sizeof path, "%s/compare.h5", dir);
    cr_assert_eq(sweep_index_read(path, &ix, &e), 0, "%s", e.msg);
    const sweep_index_column *liq =
        sweep_index_column_named(&ix, "binance.liquidations.total_notional");
    const sweep_index_column *pt = sweep_index_column_named(&ix, "point");
    cr_assert(liq && pt);
    double v[2][3];
    size_t k[2] = {0, 0};
    for (size_t r = 0; r < ix.n_rows; r++) {
        int p = atoi(pt->texts[r]);
        v[p][k[p]++] = liq->values[r];
    }
    sweep_index_free(&ix);
    cr_assert(k[0] == 3 && k[1] == 3);
    double mean = (v[1][0] + v[1][1] + v[1][2]) / 3, ss = 0, dmean = 0;
    for (int i = 0; i < 3; i++) {
        ss += (v[1][i] - mean) * (v[1][i] - mean);
        dmean += (v[1][i] - v[0][i]) / 3;
    }
    cr_assert(csv_row(csv, "binance", "liquidations.total_notional", "1h",
                      fld));
    cr_expect_float_eq(strtod(fld[6], NULL), mean, 1e-9 * fabs(mean) + 1e-9);
    cr_expect_float_eq(strtod(fld[8], NULL),
                       mean - T2 * sqrt(ss / 2) / sqrt(3.0),
                       1e-9 * fabs(mean) + 1e-6);
    cr_expect_float_eq(strtod(fld[11], NULL), dmean,
                       1e-9 * fabs(dmean) + 1e-6);

    /* the index says what it compares; runs are named by their values */
    hid_t h = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert_geq(h, 0);
    cr_expect_gt(H5Aexists(h, "compare_mode"), 0);
    cr_expect_gt(H5Aexists(h, "compare_arms"), 0);
    H5Fclose(h);
    snprintf(args, sizeof args, "ls %s/runs | grep -c '^1h-.*-s4[234].h5$'",
             dir);
    FILE *ls = popen(args, "r");
    int count = 0;
    cr_assert_eq(fscanf(ls, "%d", &count), 1);
    pclose(ls);
    cr_expect_eq(count, 3);
    snprintf(path, sizeof path, "%s/compare.png", dir);
    struct stat st;
    cr_expect_eq(stat(path, &st), 0, "no figure");

    /* Started again, it runs nothing and prints the same table. */
    static char first[65536];
    snprintf(first, sizeof first, "%s", strstr(o.out, "variants:"));
    snprintf(args, sizeof args, "%s -o %s", cadences, dir);
    perpsim_src(args, &o);
    cr_expect_eq(o.status, 0, "%s", o.err);
    cr_expect_not_null(strstr(o.out, "0 to run, 6 already done"), "%s",
                       o.out);
    const char *again = strstr(o.out, "variants:");
    cr_assert_not_null(again);
    size_t table = strstr(first, "table: ") - first;
    cr_expect_eq(strncmp(first, again, table), 0);
    free(csv);
    support_remove_tree(dir);
}

Test(compare, the_venues_of_one_scenario_compare_paired_by_run)
{
    char dir[64], args[1024];
    support_temp_dir(dir, sizeof dir, "compare");
    snprintf(args, sizeof args,
             "compare tests/data/sweeps/tiny-two-venues.yaml --venues "
             "--replicates 3 -q -o %s",
             dir);
    outcome o;
    perpsim_src(args, &o);
    cr_assert_eq(o.status, 0, "%s\n%s", o.out, o.err);
    cr_expect_not_null(strstr(o.out, "venues: 2 arms x 3 seeds"), "%s",
                       o.out);
    cr_expect_not_null(strstr(o.out, "paired difference from binance"), "%s",
                       o.out);
    /* 8h against hourly funding over three hours: 1 against 3 */
    cr_expect_not_null(strstr(o.out, "settlements per day             8.00"),
                       "%s", o.out);
    cr_expect_not_null(strstr(o.out, "3 of 3 runs met them"), "%s", o.out);
    support_remove_tree(dir);
}

Test(compare, bad_input_is_one_line_before_any_run)
{
    static const struct {
        const char *args, *msg;
    } cases[] = {
        {"compare tests/data/sweeps/tiny.yaml --vary "
         "venues.binance.funding.interval=8h,3x",
         "--vary venues.binance.funding.interval=8h,3x: "
         "venues[0].funding.interval: expected a duration"},
        {"compare tests/data/sweeps/tiny.yaml --vary "
         "venues.binance.funding.interval=8h",
         "needs two values or more"},
        {"compare tests/data/sweeps/tiny.yaml",
         "say what to compare: --vary KEY=V1,V2"},
        {"compare tests/data/sweeps/tiny.yaml --venues",
         "has one venue; --venues compares"},
        {"compare tests/data/sweeps/tiny.yaml --varry x=1,2",
         "did you mean '--vary'"},
        {"compare tests/data/sweeps/tiny.yaml --set duraton=1h --vary "
         "seed=1,2",
         "--set duraton: unknown key"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char dir[64], args[1024];
        support_temp_dir(dir, sizeof dir, "compare");
        snprintf(args, sizeof args, "%s -o %s/out", cases[i].args, dir);
        outcome o;
        perpsim_src(args, &o);
        cli_expect_refused(&o, args, cases[i].msg);
        char out[128];
        snprintf(out, sizeof out, "%s/out", dir);
        struct stat st;
        cr_expect_neq(stat(out, &st), 0, "case %zu made the folder", i);
        support_remove_tree(dir);
    }
}
