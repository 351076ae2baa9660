/*
 * cmd_compare: `perpsim compare SCENARIO --vary KEY=V1,V2,... -o DIR`, and
 * `perpsim compare SCENARIO --venues` (README, "Comparing"). A comparison
 * is a sweep (cmd_sweep.c runs it, resumes it, indexes it) of the
 * scenario's variants at the same replicate seeds, then the statistics of
 * compare.h printed as a table and written as DIR/compare.csv, and a
 * figure, DIR/compare.png, drawn by tools/plot-compare.
 *
 *   DIR/compare.h5   the index of the runs (a sweep index, with the
 *                    attributes compare_mode, compare_arms, compare_venue)
 *   DIR/compare.csv  the table, one row per venue, metric and arm
 *   DIR/compare.png  premium, funding and liquidations over time per arm,
 *                    and the paired differences with their intervals
 *   DIR/runs/ID.h5   the runs, named by what they varied
 *
 * The variants, their folder and their sweep are cmd_variants.c's, shared
 * with `perpsim stress`; under mpirun the runs go out across the ranks
 * (cmd_sweep_run) and rank 0 writes the table.
 *
 * `expect:` blocks do not fail a comparison (a variant is expected to
 * break the scenario's targets); how many runs of each arm met them is
 * reported. Exit status: 0 done; 1 a run failed or the figure could not
 * be drawn (the table and the CSV are still written); 2 bad usage.
 */
#define _GNU_SOURCE /* getopt_long */
#include "cmd.h"

#include <errno.h>
#include <getopt.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "h5util.h"
#include "sweep.h"
#include "sweep_index.h"

typedef cmd_variants_opts compare_opts;

static const struct option long_options[] = {
    CMD_VARIANTS_OPTIONS,
    {"venues", no_argument, NULL, 'v'},
    {"replicates", required_argument, NULL, 'r'},
    CMD_SWEEP_OPTIONS,
};

static int usage(const char *what, const char *arg)
{
    return cmd_usage("compare", what, arg);
}

/* --venues and --replicates N. */
static int own_option(compare_opts *o, int ch, const char *arg)
{
    char *end;
    switch (ch) {
    case 'v': o->var.by_venue = 1; return 0;
    case 'r':
        o->var.replicates = strtoul(arg, &end, 10);
        if (*end || end == arg || o->var.replicates < 1
            || o->var.replicates > 100000)
            return usage("--replicates takes a number of seeds in [1, "
                         "100000], got",
                         arg);
        return 0;
    default: return 1;
    }
}

static int parse_options(int argc, char **argv, compare_opts *o)
{
    memset(o, 0, sizeof *o);
    cmd_sweep_opts_start(&o->run, "compare", "compare.h5");
    o->var.cmd = "compare";
    o->var.replicates = 10;
    const char *out = NULL;
    int rc = cmd_variants_options(argc, argv, long_options, own_option, o,
                                  &out);
    if (rc != EXIT_OK)
        return rc;
    if (!o->var.n_vary && !o->var.by_venue)
        return usage("say what to compare: --vary KEY=V1,V2 (variants of the "
                     "scenario) or --venues (its venues)",
                     NULL);
    if (o->var.n_vary && o->var.by_venue)
        return usage("--venues compares the venues of one scenario; it "
                     "takes no --vary",
                     NULL);
    rc = cmd_variants_scenario(&o->var, optind < argc ? argv[optind] : NULL);
    if (rc == EXIT_OK)
        rc = cmd_sweep_dir(&o->run, out,
                           o->var.scenario ? o->var.scenario
                                           : "quickstart.yaml");
    if (rc)
        return rc;
    if (!out)
        cmd_variants_dir(&o->var, o->run.dir, sizeof o->run.dir);
    o->run.file = o->var.scenario ? o->var.scenario : "(built-in default)";
    return EXIT_OK;
}

/* ---- the table ----------------------------------------------------------- */

/* "mean [low, high]" of a cell, or of its paired difference. */
static void cell_text(const compare_cell *c, compare_unit u, int diff,
                      char *out, size_t size)
{
    if (diff)
        cmd_interval_text(c->diff_mean, c->diff_low, c->diff_high,
                          c->diff_sign, u, out, size);
    else
        cmd_interval_text(c->mean, c->low, c->high, 0, u, out, size);
}

enum { LABEL_W = 32, CELL_W = 30 };

static void print_block(const compare_table *t, size_t from, size_t to,
                        int diff)
{
    printf("  %-*s", LABEL_W, "");
    for (size_t a = diff ? 1 : 0; a < t->n_arms; a++)
        printf("%-*s", CELL_W, t->arms[a]);
    printf("\n");
    for (size_t r = from; r < to; r++) {
        const compare_row *row = &t->rows[r];
        printf("  %-*s", LABEL_W, row->metric->label);
        for (size_t a = diff ? 1 : 0; a < t->n_arms; a++) {
            char text[128];
            cell_text(&row->cells[a], row->metric->unit, diff, text,
                      sizeof text);
            printf("%-*s", CELL_W, text);
        }
        printf("\n");
    }
}

static void print_table(const compare_opts *o, const compare_table *t)
{
    size_t per_block = 0;
    compare_metrics(&per_block);
    printf("\n%s: %zu arms x %zu seeds (replicate k at the same seed in "
           "every arm), %zu of %zu runs finished\n",
           o->var.by_venue ? "venues" : "variants", t->n_arms, t->replicates,
           t->ok, t->runs);
    for (size_t from = 0; from < t->n_rows; from += per_block) {
        const char *block = t->rows[from].venue;
        printf("\n%s%s: mean [95%% interval] over the seeds\n",
               block[0] ? "venue " : "", block[0] ? block : "venues");
        print_block(t, from, from + per_block, 0);
        printf("\n%s%s: paired difference from %s, seed by seed [95%% "
               "interval]; + or - where the interval excludes 0\n",
               block[0] ? "venue " : "", block[0] ? block : "venues",
               t->arms[0]);
        print_block(t, from, from + per_block, 1);
    }
    printf("\nexpectations of the scenario's expect: block (they do not fail "
           "a comparison):");
    size_t had = 0;
    for (size_t a = 0; a < t->n_arms; a++)
        had += t->expect_runs[a];
    if (!had)
        printf(" none\n");
    else if (t->by_venue) /* one run holds every venue */
        printf(" %zu of %zu runs met them", t->expect_held[0],
               t->expect_runs[0]);
    else
        for (size_t a = 0; a < t->n_arms; a++)
            printf("%s %s %zu of %zu runs met them", a ? ";" : "", t->arms[a],
                   t->expect_held[a], t->expect_runs[a]);
    if (had)
        printf("\n");
}

/* Writes DIR/compare.csv through a part file. */
static int write_csv(const compare_opts *o, const compare_table *t)
{
    char path[CMD_PATH_MAX], part[CMD_PATH_MAX + 8];
    FILE *f = cmd_part_open("compare",
                            cmd_in_dir(&o->run, "compare.csv", path), part);
    if (!f)
        return EXIT_RUN_FAILED;
    fputs("venue,metric,label,unit,arm,n,mean,sd,ci_low,ci_high,diff_n,"
          "diff_mean,diff_ci_low,diff_ci_high,diff_sign\n",
          f);
    for (size_t r = 0; r < t->n_rows; r++) {
        const compare_row *row = &t->rows[r];
        for (size_t a = 0; a < t->n_arms; a++) {
            const compare_cell *c = &row->cells[a];
            fprintf(f, "%s,%s,\"%s\",%s,\"%s\",%zu,",
                    row->venue[0] ? row->venue : t->arms[a], row->metric->name,
                    row->metric->label, cmd_unit_name(row->metric->unit),
                    t->arms[a], c->n);
            cmd_csv_number(f, c->mean);
            fputc(',', f);
            cmd_csv_number(f, c->sd);
            fputc(',', f);
            cmd_csv_number(f, c->low);
            fputc(',', f);
            cmd_csv_number(f, c->high);
            fputc(',', f);
            if (a > 0) {
                fprintf(f, "%zu,", c->diff_n);
                cmd_csv_number(f, c->diff_mean);
                fputc(',', f);
                cmd_csv_number(f, c->diff_low);
                fputc(',', f);
                cmd_csv_number(f, c->diff_high);
                fprintf(f, ",%s",
                        c->diff_sign > 0 ? "+" : c->diff_sign < 0 ? "-" : "");
            } else {
                fputs(",,,,", f);
            }
            fputc('\n', f);
        }
    }
    if (cmd_part_close("compare", f, part, path) != 0)
        return EXIT_RUN_FAILED;
    printf("table: %s\n", path);
    return EXIT_OK;
}

/* Adds what a reader of compare.h5 needs to know to the index. */
static int mark_index(const compare_opts *o, const compare_table *t)
{
    char path[CMD_PATH_MAX];
    cmd_in_dir(&o->run, "compare.h5", path);
    h5u_quiet q;
    h5u_quiet_begin(&q);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t str = h5u_string_type();
    int bad = f < 0 || str < 0;
    const char *shown_venue = t->by_venue || !t->n_venues ? "" : t->venues[0];
    bad = bad
          || h5u_attr_string(f, "compare_mode", str,
                             t->by_venue ? "venues" : "variants")
                 < 0
          || h5u_attr_array(f, "compare_arms", str, t->n_arms,
                            (const char *const *)t->arms)
                 < 0
          || h5u_attr_string(f, "compare_venue", str, shown_venue) < 0;
    if (str >= 0)
        H5Tclose(str);
    if (f >= 0 && H5Fclose(f) < 0)
        bad = 1;
    char reason[160];
    h5u_quiet_finish(&q, bad, reason, sizeof reason);
    if (bad) {
        fprintf(stderr, "perpsim compare: %s: cannot add the comparison's "
                        "attributes (%s)\n",
                path, reason);
        return EXIT_RUN_FAILED;
    }
    return EXIT_OK;
}

static int build(const sweep_index *ix, const compare_opts *o, void *t,
                 perr *e)
{
    return compare_build(ix, o->var.by_venue, t, e);
}

/* Prints the table, writes compare.csv, marks the index and draws the
 * figure. */
static int finish(const compare_opts *o, void *out, const char *index)
{
    compare_table *t = out;
    print_table(o, t);
    int wrote = write_csv(o, t);
    if (wrote == EXIT_OK)
        wrote = mark_index(o, t);
    char png[CMD_PATH_MAX];
    if (wrote == EXIT_OK)
        wrote = cmd_draw("compare", "plot-compare", index,
                         cmd_in_dir(&o->run, "compare.png", png),
                         "the table and %s/compare.csv are written",
                         o->run.dir);
    compare_table_free(t);
    return wrote;
}

int cmd_compare(int argc, char **argv)
{
    compare_opts o;
    compare_table t;
    return cmd_variants_main(argc, argv, parse_options, build, finish, &o, &t);
}
