/*
 * Tests of stress reports (sim/batch/stress.c, sim/cli/cmd_stress.c): the
 * statistics on paths whose answers are known (GSL's quantiles, the
 * exhaustion and ADL probabilities, the mean given ADL, the fund that
 * covers the paths), the bootstrap's intervals (they hold the statistic,
 * the same seed gives the same bytes), paired differences (their sign,
 * paths left out of every arm together), percentiles the paths cannot
 * resolve; and `perpsim stress`: its refusals in one line, the same table
 * at -j 1, -j 2 and under mpirun, the files it writes.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcg.h"
#include "stress.h"
#include "support_cli.h"
#include "support_fs.h"

#define RESAMPLES 500

/* ---- the statistics ------------------------------------------------------ */

Test(stress, quantiles_interpolate_between_order_statistics)
{
    double x[] = {5, 1, 4, 2, 3};
    cr_expect_float_eq(stress_quantile(x, 5, 0.5), 3, 1e-15);
    /* (n-1)p = 3.8: 4 + 0.8 x (5 - 4) */
    cr_expect_float_eq(stress_quantile(x, 5, 0.95), 4.8, 1e-12);
    cr_expect_eq(stress_quantile(x, 5, 1), 5);
    cr_expect(isnan(stress_quantile(x, 0, 0.5)));
}

/* A venue's paths: q[quantity] over n_arms x n paths. */
typedef struct venue_paths {
    double *q[STRESS_QUANTITIES];
    size_t n_arms, n;
} venue_paths;

static void paths_new(venue_paths *p, size_t n_arms, size_t n)
{
    p->n_arms = n_arms;
    p->n = n;
    for (int x = 0; x < STRESS_QUANTITIES; x++) {
        p->q[x] = calloc(n_arms * n, sizeof *p->q[x]);
        cr_assert_not_null(p->q[x]);
    }
    for (size_t i = 0; i < n_arms * n; i++)
        p->q[STRESS_FUND_MIN][i] = 1e6;
}

static void paths_free(venue_paths *p)
{
    for (int x = 0; x < STRESS_QUANTITIES; x++)
        free(p->q[x]);
}

/* The statistics of p into cells (stat x arm), resampled from seed. */
static size_t take(venue_paths *p, uint64_t seed, stress_cell *cells)
{
    gsl_rng *rng = pcg32_gsl_alloc(seed, "stress.bootstrap");
    cr_assert_not_null(rng);
    size_t used = 0;
    perr e;
    perr_clear(&e);
    cr_assert_eq(stress_venue(p->q, p->n_arms, p->n, rng, RESAMPLES, cells,
                              &used, &e),
                 0, "%s", e.msg);
    gsl_rng_free(rng);
    return used;
}

/* The index of statistic name. */
static size_t stat(const char *name)
{
    size_t n;
    const stress_stat *st = stress_stats(&n);
    for (size_t s = 0; s < n; s++)
        if (strcmp(st[s].name, name) == 0)
            return s;
    cr_assert_fail("no statistic %s", name);
    return 0;
}

Test(stress, statistics_of_known_paths_with_intervals_around_them)
{
    /* 20 paths: drawdown k; ADL on paths 0, 5, 10, 15 ($100 each, $30 of
     * it passed on); the fund reaches 0 on path 3 */
    venue_paths p;
    paths_new(&p, 1, 20);
    for (size_t k = 0; k < 20; k++) {
        p.q[STRESS_DRAWDOWN][k] = (double)k;
        p.q[STRESS_LIQUIDATIONS][k] = 1000 + (double)k;
        p.q[STRESS_WORST_40M][k] = 0.5;
        if (k % 5 == 0) {
            p.q[STRESS_ADL_COUNT][k] = 3;
            p.q[STRESS_ADL_NOTIONAL][k] = 100;
            p.q[STRESS_ADL_SHORTFALL][k] = 30;
        }
    }
    p.q[STRESS_FUND_MIN][3] = 0;
    size_t n_stats;
    stress_stats(&n_stats);
    stress_cell *c = calloc(n_stats, sizeof *c);
    cr_assert_eq(take(&p, 7, c), 20);
    cr_expect_float_eq(c[stat("drawdown.mean")].value, 9.5, 1e-12);
    /* (n-1)p = 18.05 */
    cr_expect_float_eq(c[stat("drawdown.p95")].value, 18.05, 1e-9);
    cr_expect_eq(c[stat("exhausted.probability")].value, 0.25);
    cr_expect_eq(c[stat("adl.probability")].value, 0.2);
    cr_expect_eq(c[stat("adl.notional_mean")].value, 20);
    cr_expect_eq(c[stat("adl.notional_given_adl")].value, 100);
    cr_expect_eq(c[stat("cascade.worst_40m_share")].value, 0.5);
    /* fund need: drawdown + what ADL passed on, so path 15 needs 45 */
    cr_expect_eq(p.q[STRESS_FUND_NEED][15], 45);
    cr_expect_eq(p.q[STRESS_EXHAUSTED][3], 1);
    cr_expect_eq(p.q[STRESS_EXHAUSTED][4], 0);
    for (size_t s = 0; s < n_stats; s++) {
        cr_expect_eq(c[s].n, 20);
        if (c[s].tail_short) {
            cr_expect(isnan(c[s].low) && isnan(c[s].high));
            continue;
        }
        cr_expect(c[s].low <= c[s].value && c[s].value <= c[s].high,
                  "statistic %zu: %g not in [%g, %g]", s, c[s].value,
                  c[s].low, c[s].high);
        cr_expect(isnan(c[s].diff), "no difference for the first arm");
    }
    /* 20 paths resolve the 95th percentile, not the 99th or 99.9th */
    cr_expect_not(c[stat("drawdown.p95")].tail_short);
    cr_expect(c[stat("drawdown.p99")].tail_short);
    cr_expect(c[stat("fund_need.p999")].tail_short);
    /* (n-1)p = 18.981: between the two largest needs, 40 and 45 */
    cr_expect_float_eq(c[stat("fund_need.p999")].value, 40 + 0.981 * 5,
                       1e-9);
    /* the mean's interval is not a point: the paths differ */
    cr_expect_lt(c[stat("drawdown.mean")].low, c[stat("drawdown.mean")].high);
    free(c);
    paths_free(&p);
}

Test(stress, the_same_seed_gives_the_same_intervals)
{
    venue_paths p;
    paths_new(&p, 1, 30);
    for (size_t k = 0; k < 30; k++)
        p.q[STRESS_DRAWDOWN][k] = (double)((k * 7919) % 31);
    size_t n_stats;
    stress_stats(&n_stats);
    stress_cell *a = calloc(n_stats, sizeof *a), *b = calloc(n_stats, sizeof *b);
    take(&p, 11, a);
    take(&p, 11, b);
    cr_expect_eq(memcmp(a, b, n_stats * sizeof *a), 0);
    take(&p, 12, b);
    size_t m = stat("drawdown.mean");
    cr_expect(a[m].low != b[m].low || a[m].high != b[m].high,
              "another seed resamples other paths");
    free(a);
    free(b);
    paths_free(&p);
}

Test(stress, paired_differences_have_the_sign_of_the_change)
{
    /* arm 1: every path's drawdown 10 more than arm 0's, give or take 1;
     * liquidations 5% less; the same ADL */
    venue_paths p;
    paths_new(&p, 2, 40);
    for (size_t k = 0; k < 40; k++) {
        double d = (double)((k * 37) % 101) * 1000;
        p.q[STRESS_DRAWDOWN][k] = d;
        p.q[STRESS_DRAWDOWN][40 + k] = d + 10 + (k % 3 == 0 ? 1 : -1);
        p.q[STRESS_LIQUIDATIONS][k] = 1e6 + d;
        p.q[STRESS_LIQUIDATIONS][40 + k] = 0.95 * (1e6 + d);
        p.q[STRESS_ADL_COUNT][k] = p.q[STRESS_ADL_COUNT][40 + k] = k % 2;
    }
    /* path 4 did not finish in arm 1: it leaves both */
    p.q[STRESS_DRAWDOWN][40 + 4] = NAN;
    size_t n_stats;
    stress_stats(&n_stats);
    stress_cell *c = calloc(2 * n_stats, sizeof *c);
    cr_expect_eq(take(&p, 3, c), 39);
    const stress_cell *dd = &c[stat("drawdown.mean") * 2 + 1];
    cr_expect_gt(dd->diff, 9);
    cr_expect_lt(dd->diff, 11);
    cr_expect_eq(dd->diff_sign, 1);
    cr_expect(dd->diff_low <= dd->diff && dd->diff <= dd->diff_high);
    /* far narrower than either arm's own interval */
    cr_expect_lt(dd->diff_high - dd->diff_low, (dd->high - dd->low) / 10);
    const stress_cell *liq = &c[stat("liquidations.mean") * 2 + 1];
    cr_expect_eq(liq->diff_sign, -1);
    const stress_cell *adl = &c[stat("adl.probability") * 2 + 1];
    cr_expect_eq(adl->diff, 0);
    cr_expect_eq(adl->diff_sign, 0);
    cr_expect(isnan(c[stat("drawdown.mean") * 2].diff));
    free(c);
    paths_free(&p);
}

Test(stress, a_mean_given_adl_without_adl_has_no_value)
{
    venue_paths p;
    paths_new(&p, 1, 10);
    size_t n_stats;
    stress_stats(&n_stats);
    stress_cell *c = calloc(n_stats, sizeof *c);
    take(&p, 1, c);
    const stress_cell *g = &c[stat("adl.notional_given_adl")];
    cr_expect(isnan(g->value) && isnan(g->low) && isnan(g->high));
    cr_expect_eq(c[stat("exhausted.probability")].value, 0);
    free(c);
    paths_free(&p);
}

/* ---- the command --------------------------------------------------------- */

/* perpsim ARGS from the source tree, where the scenarios are. */
static void perpsim_src(outcome *o, const char *fmt, ...)
{
    char prefix[1024];
    snprintf(prefix, sizeof prefix, "cd '%s' &&", PERPSIM_SOURCE_DIR);
    va_list ap;
    va_start(ap, fmt);
    cli_vrunf(prefix, o, fmt, ap);
    va_end(ap);
}

/* The runs of the tests: quickstart shortened, its insurance fund varied,
 * three paths. */
#define SMALL                                                                \
    "stress scenarios/quickstart.yaml --paths 3 --set duration=20m -q "      \
    "--vary venues.binance.insurance_fund=1M,5M"

Test(stress_cli, refuses_bad_input_in_one_line)
{
    cli_refused(NULL, "stress scenarios/quickstart.yaml", "--paths N");
    cli_refused(NULL, "stress --paths 2", "missing scenario file");
    cli_refused(NULL, "stress x.yaml --paths 0", "--paths takes");
    cli_refused(NULL, "stress x.yaml --paths two", "--paths takes");
    cli_refused(NULL, "stress x.yaml --pahts 2", "did you mean '--paths'");
    cli_refused(NULL, "stress /no/such.yaml --paths 2", "/no/such.yaml");
    outcome o;
    perpsim_src(&o, "stress scenarios/quickstart.yaml --paths 2 -o /tmp/x "
                    "--vary venues.binance.insurance_fund=1M");
    cli_expect_refused(&o, "one value", "two values or more");
    perpsim_src(&o, "stress scenarios/quickstart.yaml --paths 2 -o /tmp/x "
                    "--set no.such.key=1");
    cli_expect_refused(&o, "unknown key", "unknown key");
}

Test(stress_cli, help_is_listed)
{
    outcome o;
    perpsim("--help", &o);
    cr_expect_not_null(strstr(o.out, "\n  stress "), "%s", o.out);
    perpsim("stress --help", &o);
    cr_expect_eq(o.status, 0);
    cr_expect_not_null(strstr(o.out, "usage: perpsim stress"), "%s", o.out);
}

/* Whether path is a PNG: its signature. */
static int is_png(const char *path)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n',
                                         0x1a, '\n'};
    unsigned char got[8] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(got, 1, sizeof got, f);
    fclose(f);
    return n == sizeof got && memcmp(got, sig, sizeof sig) == 0;
}

/* The file name in dir, read whole. */
static char *read_in(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t size;
    char *text = support_read_file(path, &size);
    cr_assert_not_null(text, "no %s", path);
    return text;
}

/* The SMALL report at -j jobs into dir/sub, which must succeed. */
static void small_report(outcome *o, int jobs, const char *dir,
                         const char *sub)
{
    perpsim_src(o, SMALL " -j %d -o %s/%s", jobs, dir, sub);
    cr_assert_eq(o->status, 0, "%s%s", o->out, o->err);
}

Test(stress_cli, the_report_is_the_same_at_any_number_of_workers_or_ranks)
{
    char dir[64];
    support_temp_dir(dir, sizeof dir, "stress");
    outcome o;
    small_report(&o, 1, dir, "one");
    cr_expect_not_null(strstr(o.out, "venue binance: paired difference from "
                                     "1000000"),
                       "%s", o.out);
    cr_expect_not_null(strstr(o.out, "(max: too few paths)"), "%s", o.out);
    small_report(&o, 2, dir, "two");
    char one[128], two[128];
    snprintf(one, sizeof one, "%s/one", dir);
    snprintf(two, sizeof two, "%s/two", dir);
    char *a = read_in(one, "stress.csv"), *b = read_in(two, "stress.csv");
    cr_expect_str_eq(a, b);
    /* a row per venue, arm and statistic, after the header */
    size_t n_stats;
    stress_stats(&n_stats);
    cr_expect_eq(cli_lines(a), 1 + 2 * (int)n_stats, "%s", a);
    cr_expect_not_null(strstr(a, "\nbinance,\"5000000\",drawdown.p999,"));
    free(b);
    char path[256];
    snprintf(path, sizeof path, "%s/stress.png", one);
    cr_expect(is_png(path), "%s is not a PNG", path);
    /* started again, nothing runs and the report is the same */
    small_report(&o, 2, dir, "one");
    cr_expect_not_null(strstr(o.out, "0 to run"), "%s", o.out);
    b = read_in(one, "stress.csv");
    cr_expect_str_eq(a, b);
    free(b);
#ifdef PERPSIM_MPIEXEC
    char args[1024];
    snprintf(args, sizeof args, SMALL " -o %s/mpi", dir);
    char prefix[1024];
    snprintf(prefix, sizeof prefix,
             "cd '%s' && ASAN_OPTIONS=detect_leaks=0 "
             "OMPI_MCA_rmaps_base_oversubscribe=1 '" PERPSIM_MPIEXEC
             "' --allow-run-as-root --oversubscribe -n 3",
             PERPSIM_SOURCE_DIR);
    cli_run(prefix, args, &o);
    cr_assert_eq(o.status, 0, "%s%s", o.out, o.err);
    cr_expect_not_null(strstr(o.out, "on 3 MPI ranks"), "%s", o.out);
    char mpi[128];
    snprintf(mpi, sizeof mpi, "%s/mpi", dir);
    b = read_in(mpi, "stress.csv");
    cr_expect_str_eq(a, b);
    free(b);
#endif
    free(a);
    support_remove_tree(dir);
}

Test(stress_cli, the_hdf5_report_holds_the_table_and_every_path)
{
    char dir[64];
    support_temp_dir(dir, sizeof dir, "stress");
    outcome o;
    small_report(&o, 2, dir, "report");
    char path[256];
    snprintf(path, sizeof path, "%s/report/stress.h5", dir);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert_geq(f, 0);
    int64_t paths = 0, resamples = 0;
    uint64_t seed = 0;
    hid_t a = H5Aopen(f, "paths", H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_INT64, &paths);
    H5Aclose(a);
    a = H5Aopen(f, "resamples", H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_INT64, &resamples);
    H5Aclose(a);
    a = H5Aopen(f, "seed", H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_UINT64, &seed);
    H5Aclose(a);
    cr_expect_eq(paths, 3);
    cr_expect_eq(resamples, STRESS_RESAMPLES);
    cr_expect_eq(seed, 42, "quickstart's seed");
    hid_t d = H5Dopen2(f, "/paths/binance/drawdown", H5P_DEFAULT);
    cr_assert_geq(d, 0);
    hid_t sp = H5Dget_space(d);
    hsize_t dims[2] = {0, 0};
    cr_expect_eq(H5Sget_simple_extent_ndims(sp), 2);
    H5Sget_simple_extent_dims(sp, dims, NULL);
    cr_expect(dims[0] == 2 && dims[1] == 3, "arms x paths");
    H5Sclose(sp);
    H5Dclose(d);
    d = H5Dopen2(f, "/table/value", H5P_DEFAULT);
    cr_expect_geq(d, 0);
    H5Dclose(d);
    uint64_t seeds[3];
    d = H5Dopen2(f, "/paths/seed", H5P_DEFAULT);
    H5Dread(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, seeds);
    H5Dclose(d);
    cr_expect(seeds[0] == 42 && seeds[2] == 44);
    H5Fclose(f);
    support_remove_tree(dir);
}
