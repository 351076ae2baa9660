/*
 * cmd_stress: `perpsim stress SCENARIO --paths N [--vary KEY=V1,V2,...]`
 * (README, "Stress reports"). A stress report is a sweep (cmd_sweep.c
 * runs it on local workers or MPI ranks, resumes it, indexes it) of the
 * scenario's variants (cmd_variants.c, as `perpsim compare` makes them) at
 * N replicate seeds, the paths; then the statistics of stress.h printed as
 * a table per venue and written as:
 *
 *   DIR/stress.csv  one row per venue, arm and statistic: its value, 95%
 *                   bootstrap interval, number of paths, paired difference
 *                   from the first arm with its interval
 *   DIR/stress.h5   the same table (/table, one dataset per column), the
 *                   per-path values of each venue (/paths/VENUE/QUANTITY,
 *                   arms x paths) and the paths' seeds (/paths/seed), with
 *                   the attributes paths, resamples, seed, confidence,
 *                   arms, venues
 *   DIR/stress.png  the figure, by tools/plot-stress
 *   DIR/sweep.h5    the index of the runs; DIR/runs/ID.h5 the runs
 *
 * Exit status: 0 done; 1 a run failed or an output could not be written
 * (what could be is); 2 bad usage.
 */
#define _GNU_SOURCE /* getopt_long */
#include "cmd.h"

#include <getopt.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"
#include "stress.h"
#include "sweep_index.h"

#define PATHS_MAX 1000000

typedef cmd_variants_opts stress_opts;

static const struct option long_options[] = {
    CMD_VARIANTS_OPTIONS,
    {"paths", required_argument, NULL, 'n'},
    CMD_SWEEP_OPTIONS,
};

static int usage(const char *what, const char *arg)
{
    return cmd_usage("stress", what, arg);
}

/* --paths N. */
static int own_option(stress_opts *o, int ch, const char *arg)
{
    if (ch != 'n')
        return 1;
    char *end;
    o->var.replicates = strtoul(arg, &end, 10);
    if (*end || end == arg || o->var.replicates < 1
        || o->var.replicates > PATHS_MAX)
        return usage("--paths takes a number of paths in [1, 1000000], got",
                     arg);
    return 0;
}

static int parse_options(int argc, char **argv, stress_opts *o)
{
    memset(o, 0, sizeof *o);
    cmd_sweep_opts_start(&o->run, "stress", "sweep.h5");
    o->var.cmd = "stress";
    const char *out = NULL;
    int rc = cmd_variants_options(argc, argv, long_options, own_option, o,
                                  &out);
    if (rc != EXIT_OK)
        return rc;
    if (optind >= argc)
        return usage("missing scenario file", NULL);
    if (!o->var.replicates)
        return usage("say how many paths: --paths N", NULL);
    rc = cmd_variants_scenario(&o->var, argv[optind]);
    if (rc)
        return rc;
    /* results/stress-NAME[-KEY-VALUES] */
    const char *base = strrchr(argv[optind], '/');
    char name[1024];
    snprintf(name, sizeof name, "stress-%s", base ? base + 1 : argv[optind]);
    if ((rc = cmd_sweep_dir(&o->run, out, name)))
        return rc;
    if (!out)
        cmd_variants_dir(&o->var, o->run.dir, sizeof o->run.dir);
    o->run.file = o->var.scenario;
    return EXIT_OK;
}

static const stress_cell *cell_of(const stress_report *r, size_t v, size_t s,
                                  size_t a)
{
    size_t n_stats;
    stress_stats(&n_stats);
    return &r->cells[(v * n_stats + s) * r->n_arms + a];
}

/* ---- the table ----------------------------------------------------------- */

/* "value [low, high]", of the cell or its difference; a tail that the
 * paths cannot resolve is marked. */
static void cell_text(const stress_cell *c, compare_unit u, int diff,
                      char *out, size_t size)
{
    double v = diff ? c->diff : c->value;
    if (c->tail_short) {
        char m[32];
        cmd_shown(v, u, m, sizeof m);
        snprintf(out, size, "%s (max: too few paths)", m);
    } else {
        cmd_interval_text(v, diff ? c->diff_low : c->low,
                          diff ? c->diff_high : c->high,
                          diff ? c->diff_sign : 0, u, out, size);
    }
}

enum { LABEL_W = 34, CELL_W = 30 };

static void print_block(const stress_report *r, size_t v, int diff)
{
    size_t n_stats;
    const stress_stat *st = stress_stats(&n_stats);
    printf("  %-*s", LABEL_W, "");
    for (size_t a = diff ? 1 : 0; a < r->n_arms; a++)
        printf("%-*s", CELL_W, r->arms[a]);
    printf("\n");
    for (size_t s = 0; s < n_stats; s++) {
        printf("  %-*s", LABEL_W, st[s].label);
        for (size_t a = diff ? 1 : 0; a < r->n_arms; a++) {
            char text[128];
            cell_text(cell_of(r, v, s, a), st[s].unit, diff, text,
                      sizeof text);
            printf("%-*s", CELL_W, text);
        }
        printf("\n");
    }
}

static void print_table(const stress_report *r)
{
    printf("\nstress: %zu arm%s x %zu paths (path k at the same seed in every "
           "arm), %zu of %zu runs finished; %zu bootstrap resamples from "
           "seed %llu\n",
           r->n_arms, r->n_arms == 1 ? "" : "s", r->paths, r->ok, r->runs,
           r->resamples, (unsigned long long)r->seed);
    for (size_t v = 0; v < r->n_venues; v++) {
        printf("\nvenue %s: value [95%% interval] over %zu paths finished in "
               "every arm\n",
               r->venues[v], r->used[v]);
        print_block(r, v, 0);
        if (r->n_arms > 1) {
            printf("\nvenue %s: paired difference from %s on the same paths "
                   "[95%% interval]; + or - where it excludes 0\n",
                   r->venues[v], r->arms[0]);
            print_block(r, v, 1);
        }
    }
    printf("\nexhausted: ADL closed positions, or the fund fell to 0.\n"
           "fund covering: the percentile of the fund's drawdown plus what "
           "went beyond it to ADL\n(adl.shortfall: what the ADL closes cost "
           "their counterparties against the mark).\n"
           "too few paths: a percentile p needs 1/(1-p) paths (1000 for the "
           "99.9th); the value is then\nthe largest or next to it, with no "
           "interval.\n");
}

/* ---- the CSV ------------------------------------------------------------- */

static int write_csv(const stress_opts *o, const stress_report *r)
{
    char path[CMD_PATH_MAX], part[CMD_PATH_MAX + 8];
    FILE *f = cmd_part_open("stress", cmd_in_dir(&o->run, "stress.csv", path),
                            part);
    if (!f)
        return EXIT_RUN_FAILED;
    size_t n_stats;
    const stress_stat *st = stress_stats(&n_stats);
    fputs("venue,arm,statistic,label,unit,n,value,ci_low,ci_high,diff,"
          "diff_ci_low,diff_ci_high,diff_sign,tail_short\n",
          f);
    for (size_t v = 0; v < r->n_venues; v++)
        for (size_t a = 0; a < r->n_arms; a++)
            for (size_t s = 0; s < n_stats; s++) {
                const stress_cell *c = cell_of(r, v, s, a);
                fprintf(f, "%s,\"%s\",%s,\"%s\",%s,%zu,", r->venues[v],
                        r->arms[a], st[s].name, st[s].label,
                        cmd_unit_name(st[s].unit), c->n);
                const double x[] = {c->value, c->low,      c->high,
                                    c->diff,  c->diff_low, c->diff_high};
                for (size_t i = 0; i < sizeof x / sizeof x[0]; i++) {
                    cmd_csv_number(f, x[i]);
                    fputc(',', f);
                }
                fprintf(f, "%s,%d\n",
                        c->diff_sign > 0   ? "+"
                        : c->diff_sign < 0 ? "-"
                                           : "",
                        c->tail_short);
            }
    if (cmd_part_close("stress", f, part, path) != 0)
        return EXIT_RUN_FAILED;
    printf("table: %s\n", path);
    return EXIT_OK;
}

/* ---- the HDF5 file --------------------------------------------------------- */

/* A 1-D dataset of n variable-length strings. */
static int put_strings(hid_t g, const char *name, hid_t str, size_t n,
                       const char *const *v)
{
    hsize_t dim = n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t d = sp < 0 ? -1
                     : H5Dcreate2(g, name, str, sp, H5P_DEFAULT, H5P_DEFAULT,
                                  H5P_DEFAULT);
    int bad = d < 0 || (n && H5Dwrite(d, str, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                      v) < 0);
    h5u_close(d);
    h5u_close(sp);
    return bad ? -1 : 0;
}

/* The table as one dataset per column, a row per venue, arm, statistic. */
static int put_table(hid_t f, hid_t str, const stress_report *r)
{
    size_t n_stats;
    const stress_stat *st = stress_stats(&n_stats);
    size_t rows = r->n_venues * r->n_arms * n_stats;
    enum { N_TEXT = 5, N_NUM = 8 };
    static const char *const text_names[N_TEXT] = {"venue", "arm", "statistic",
                                                   "label", "unit"};
    static const char *const num_names[N_NUM] = {
        "n",    "value",       "ci_low",       "ci_high",
        "diff", "diff_ci_low", "diff_ci_high", "tail_short"};
    const char **text = calloc(N_TEXT * rows + 1, sizeof *text);
    double *num = calloc(N_NUM * rows + 1, sizeof *num);
    hid_t g = text && num ? h5u_make_group(f, "table") : -1;
    int bad = g < 0;
    size_t i = 0;
    for (size_t v = 0; !bad && v < r->n_venues; v++)
        for (size_t a = 0; a < r->n_arms; a++)
            for (size_t s = 0; s < n_stats; s++, i++) {
                const stress_cell *c = cell_of(r, v, s, a);
                const char *t[N_TEXT] = {r->venues[v], r->arms[a], st[s].name,
                                         st[s].label,
                                         cmd_unit_name(st[s].unit)};
                const double x[N_NUM] = {(double)c->n, c->value,   c->low,
                                         c->high,      c->diff,    c->diff_low,
                                         c->diff_high, c->tail_short};
                for (int k = 0; k < N_TEXT; k++)
                    text[k * rows + i] = t[k];
                for (int k = 0; k < N_NUM; k++)
                    num[k * rows + i] = x[k];
            }
    hsize_t dim = rows;
    for (int k = 0; !bad && k < N_TEXT; k++)
        bad = put_strings(g, text_names[k], str, rows, text + k * rows) < 0;
    for (int k = 0; !bad && k < N_NUM; k++)
        bad = H5LTmake_dataset_double(g, num_names[k], 1, &dim,
                                      num + k * rows)
              < 0;
    h5u_close(g);
    free(text);
    free(num);
    return bad ? -1 : 0;
}

/* /paths/VENUE/QUANTITY (arms x paths) and /paths/seed. */
static int put_paths(hid_t f, const stress_report *r)
{
    hid_t g = h5u_make_group(f, "paths");
    int bad = g < 0;
    uint64_t *seeds = calloc(r->paths + 1, sizeof *seeds);
    bad |= !seeds;
    for (size_t k = 0; !bad && k < r->paths; k++)
        seeds[k] = r->seed + k;
    hsize_t dim = r->paths;
    bad = bad
          || H5LTmake_dataset(g, "seed", 1, &dim, H5T_NATIVE_UINT64, seeds)
                 < 0;
    free(seeds);
    for (size_t v = 0; !bad && v < r->n_venues; v++) {
        hid_t vg = h5u_make_group(g, r->venues[v]);
        int64_t used = (int64_t)r->used[v];
        bad = vg < 0
              || h5u_attr_scalar(vg, "paths_used", H5T_NATIVE_INT64, &used)
                     < 0;
        hsize_t dims[2] = {r->n_arms, r->paths};
        for (int q = 0; !bad && q < STRESS_QUANTITIES; q++)
            bad = H5LTmake_dataset_double(
                      vg, stress_quantities[q].name, 2, dims,
                      r->values
                          + (v * STRESS_QUANTITIES + (size_t)q) * r->n_arms
                                * r->paths)
                  < 0;
        h5u_close(vg);
    }
    h5u_close(g);
    return bad ? -1 : 0;
}

static int put_attrs(hid_t f, hid_t str, const stress_opts *o,
                     const stress_report *r)
{
    int64_t paths = (int64_t)r->paths, resamples = (int64_t)r->resamples;
    int32_t version = 1;
    double confidence = STRESS_CONFIDENCE;
    return h5u_attr_string(f, "kind", str, "stress") < 0
                   || h5u_attr_scalar(f, "format_version", H5T_NATIVE_INT32,
                                      &version)
                          < 0
                   || h5u_attr_string(f, "scenario", str, o->var.scenario) < 0
                   || h5u_attr_scalar(f, "paths", H5T_NATIVE_INT64, &paths)
                          < 0
                   || h5u_attr_scalar(f, "resamples", H5T_NATIVE_INT64,
                                      &resamples)
                          < 0
                   || h5u_attr_scalar(f, "seed", H5T_NATIVE_UINT64, &r->seed)
                          < 0
                   || h5u_attr_scalar(f, "confidence", H5T_NATIVE_DOUBLE,
                                      &confidence)
                          < 0
                   || h5u_attr_array(f, "arms", str, r->n_arms,
                                     (const char *const *)r->arms)
                          < 0
                   || h5u_attr_array(f, "venues", str, r->n_venues,
                                     (const char *const *)r->venues)
                          < 0
               ? -1
               : 0;
}

/* Writes DIR/stress.h5 through a part file. */
static int write_h5(const stress_opts *o, const stress_report *r)
{
    char path[CMD_PATH_MAX], part[CMD_PATH_MAX + 8];
    cmd_in_dir(&o->run, "stress.h5", path);
    snprintf(part, sizeof part, "%s.part", path);
    h5u_quiet q;
    h5u_quiet_begin(&q);
    hid_t f = H5Fcreate(part, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t str = h5u_string_type();
    int bad = f < 0 || str < 0 || put_attrs(f, str, o, r) < 0
              || put_table(f, str, r) < 0 || put_paths(f, r) < 0;
    h5u_close(str);
    if (f >= 0 && H5Fclose(f) < 0)
        bad = 1;
    char reason[160];
    h5u_quiet_finish(&q, bad, reason, sizeof reason);
    if (bad || rename(part, path) != 0) {
        fprintf(stderr, "perpsim stress: %s: cannot write (%s)\n", path,
                bad ? reason : "rename failed");
        remove(part);
        return EXIT_RUN_FAILED;
    }
    printf("report: %s\n", path);
    return EXIT_OK;
}

/* The report of the index, resampled from the scenario's seed. */
static int build(const sweep_index *ix, const stress_opts *o, void *r,
                 perr *e)
{
    return stress_build(ix, o->var.seed, STRESS_RESAMPLES, r, e);
}

/* Prints the report, writes stress.csv and stress.h5 and draws the
 * figure. */
static int finish(const stress_opts *o, void *out, const char *index)
{
    stress_report *r = out;
    char h5[CMD_PATH_MAX], png[CMD_PATH_MAX];
    (void)index;
    print_table(r);
    int wrote = write_csv(o, r);
    int made = write_h5(o, r);
    if (made == EXIT_OK)
        made = cmd_draw("stress", "plot-stress",
                        cmd_in_dir(&o->run, "stress.h5", h5),
                        cmd_in_dir(&o->run, "stress.png", png),
                        "the table, %s/stress.csv and stress.h5 are written",
                        o->run.dir);
    stress_report_free(r);
    return made > wrote ? made : wrote;
}

int cmd_stress(int argc, char **argv)
{
    stress_opts o;
    stress_report r;
    return cmd_variants_main(argc, argv, parse_options, build, finish, &o, &r);
}
