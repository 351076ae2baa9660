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
 * `expect:` blocks do not fail a comparison (a variant is expected to
 * break the scenario's targets); how many runs of each arm met them is
 * reported. Exit status: 0 done; 1 a run failed or the figure could not
 * be drawn (the table and the CSV are still written); 2 bad usage.
 */
#define _GNU_SOURCE /* getopt_long, realpath */
#include "cmd.h"

#include <errno.h>
#include <getopt.h>
#include <hdf5.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compare.h"
#include "h5util.h"
#include "runner.h"
#include "scenario_load.h"
#include "sweep.h"
#include "sweep_index.h"
#include "wallclock.h"

#ifndef PERPSIM_TOOLS_DIR
#define PERPSIM_TOOLS_DIR "tools"
#endif

#define VARY_MAX 8

typedef struct compare_opts {
    cmd_sweep_opts run;
    const char *scenario; /* NULL: the built-in default */
    char scenario_abs[PATH_MAX];
    const char *vary[VARY_MAX];
    size_t n_vary;
    const char *sets[VARY_MAX * 4]; /* --set: fixed overrides of every run */
    size_t n_sets;
    int by_venue;
    unsigned long replicates;
} compare_opts;

static const struct option long_options[] = {
    {"vary", required_argument, NULL, 'V'},
    {"venues", no_argument, NULL, 'v'},
    {"set", required_argument, NULL, 's'},
    {"replicates", required_argument, NULL, 'r'},
    CMD_SWEEP_OPTIONS,
};

static int usage(const char *what, const char *arg)
{
    return cmd_usage("compare", what, arg);
}

/* The default folder: results/<scenario file name>-<what is compared>,
 * "results/cadence-8h-vs-1h-interval-8h-4h-1h", "...-venues", so that
 * comparisons of other keys or values do not meet in one folder; out is
 * the folder cmd_sweep_dir made of the file's name. */
static void default_dir(const compare_opts *o, char *out, size_t size)
{
    int len = (int)strlen(out);
    if (o->by_venue) {
        snprintf(out + len, size - (size_t)len, "-venues");
        return;
    }
    for (size_t i = 0; i < o->n_vary && (size_t)len < size; i++) {
        /* the key's last part, then its values */
        const char *eq = strchr(o->vary[i], '=');
        const char *key = o->vary[i];
        const char *dot = key;
        for (const char *c = key; eq && c < eq; c++)
            if (*c == '.')
                dot = c + 1;
        char part[256];
        snprintf(part, sizeof part, "%.*s=%s", eq ? (int)(eq - dot) : 0, dot,
                 eq ? eq + 1 : "");
        const char *sets[] = {part};
        char values[RUNNER_SLUG_MAX + 1];
        runner_slug(sets, 1, values, sizeof values);
        len += snprintf(out + len, size - (size_t)len, "-%.*s-%s",
                        eq ? (int)(eq - dot) : 0, dot, values);
    }
}

static int parse_options(int argc, char **argv, compare_opts *o)
{
    memset(o, 0, sizeof *o);
    cmd_sweep_opts_start(&o->run, "compare", "compare.h5");
    o->replicates = 10;
    const char *out = NULL;
    int ch;
    while ((ch = getopt_long(argc, argv, CMD_SWEEP_SHORT, long_options, NULL))
           != -1) {
        char *end;
        int rc;
        switch (ch) {
        case 'V':
            if (o->n_vary == VARY_MAX)
                return usage("at most 8 --vary; the variants are every "
                             "combination of their values: drop",
                             optarg);
            o->vary[o->n_vary++] = optarg;
            break;
        case 'v': o->by_venue = 1; break;
        case 's':
            if (!strchr(optarg, '=') || optarg[0] == '=')
                return usage("--set takes KEY=VALUE, got", optarg);
            if (o->n_sets == sizeof o->sets / sizeof o->sets[0])
                return usage("too many --set; drop", optarg);
            o->sets[o->n_sets++] = optarg;
            break;
        case 'r':
            o->replicates = strtoul(optarg, &end, 10);
            if (*end || end == optarg || o->replicates < 1
                || o->replicates > 100000)
                return usage("--replicates takes a number of seeds in [1, "
                             "100000], got",
                             optarg);
            break;
        default:
            if ((rc = cmd_sweep_option(ch, argv, long_options, &o->run,
                                       &out)))
                return rc;
        }
    }
    if (optind + 1 < argc)
        return usage("takes one scenario file; extra argument",
                     argv[optind + 1]);
    o->scenario = optind < argc ? argv[optind] : NULL;
    if (!o->n_vary && !o->by_venue)
        return usage("say what to compare: --vary KEY=V1,V2 (variants of the "
                     "scenario) or --venues (its venues)",
                     NULL);
    if (o->n_vary && o->by_venue)
        return usage("--venues compares the venues of one scenario; it "
                     "takes no --vary",
                     NULL);
    if (o->scenario && !realpath(o->scenario, o->scenario_abs)) {
        fprintf(stderr, "perpsim compare: %s: %s\n", o->scenario,
                strerror(errno));
        return EXIT_USAGE;
    }
    int rc = cmd_sweep_dir(&o->run, out,
                           o->scenario ? o->scenario : "quickstart.yaml");
    if (rc)
        return rc;
    if (!out)
        default_dir(o, o->run.dir, sizeof o->run.dir);
    o->run.file = o->scenario ? o->scenario : "(built-in default)";
    return EXIT_OK;
}

/* ---- the plan ------------------------------------------------------------ */

/* Says what e reports; the exit status for it: 1 when memory ran out, 2
 * for bad input. */
static int refused(const perr *e)
{
    fprintf(stderr, "perpsim compare: %s\n", e->msg);
    return e->code == PERR_NOMEM ? EXIT_RUN_FAILED : EXIT_USAGE;
}

/* Appends s as a YAML single-quoted scalar. */
static void quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

/* Checks each value of each --vary against the scenario, so that a bad one
 * is reported as the user wrote it, and writes the sweep of the
 * comparison as YAML into text. */
static int plan(const compare_opts *o, char **text, size_t *len)
{
    const char *path = o->scenario ? o->scenario_abs : NULL;
    FILE *f = open_memstream(text, len);
    if (!f)
        return EXIT_RUN_FAILED;
    fprintf(f, "# perpsim compare: %s at %lu replicate seeds\n",
            o->by_venue ? "the venues of the scenario" : "variants",
            o->replicates);
    if (path) {
        fputs("scenario: ", f);
        quoted(f, path);
        fputc('\n', f);
    }
    int status = EXIT_OK;
    if (o->n_sets) {
        fputs("set:\n", f);
        for (size_t i = 0; i < o->n_sets; i++) {
            const char *eq = strchr(o->sets[i], '=');
            fprintf(f, "  '%.*s': ", (int)(eq - o->sets[i]), o->sets[i]);
            quoted(f, eq + 1);
            fputc('\n', f);
        }
    }
    /* The fixed overrides must load on their own, placed as --set; the
     * venues compared must be two or more. */
    {
        scenario s;
        perr e;
        perr_clear(&e);
        if (scenario_load(path, o->sets, NULL, o->n_sets, &s, &e) != 0) {
            fclose(f);
            return refused(&e);
        }
        if (o->by_venue && s.n_venues < 2) {
            fprintf(stderr,
                    "perpsim compare: %s has one venue; --venues compares "
                    "the venues of a scenario with two or more (or vary a "
                    "key with --vary)\n",
                    o->run.file);
            status = EXIT_USAGE;
        }
        scenario_free(&s);
    }
    if (o->n_vary)
        fputs("grid:\n", f);
    for (size_t i = 0; status == EXIT_OK && i < o->n_vary; i++) {
        const char *eq = strchr(o->vary[i], '=');
        if (!eq || eq == o->vary[i] || !eq[1]) {
            status = usage("--vary takes KEY=V1,V2,..., got", o->vary[i]);
            break;
        }
        char origin[1200];
        snprintf(origin, sizeof origin, "--vary %s", o->vary[i]);
        fputs("  ", f);
        fprintf(f, "'%.*s': [", (int)(eq - o->vary[i]), o->vary[i]);
        size_t n_values = 0;
        for (const char *v = eq + 1; *v;) {
            size_t vlen = strcspn(v, ",");
            char set[1200];
            snprintf(set, sizeof set, "%.*s=%.*s", (int)(eq - o->vary[i]),
                     o->vary[i], (int)vlen, v);
            scenario s;
            perr e;
            perr_clear(&e);
            const char *sets[VARY_MAX * 4 + 1], *places[VARY_MAX * 4 + 1];
            for (size_t k = 0; k < o->n_sets; k++) {
                sets[k] = o->sets[k];
                places[k] = NULL;
            }
            sets[o->n_sets] = set;
            places[o->n_sets] = origin;
            if (vlen == 0) {
                status = usage("--vary has an empty value in", o->vary[i]);
                break;
            }
            if (scenario_load(path, sets, places, o->n_sets + 1, &s, &e)
                != 0) {
                status = refused(&e);
                break;
            }
            scenario_free(&s);
            if (n_values++)
                fputs(", ", f);
            char value[1024];
            snprintf(value, sizeof value, "%.*s", (int)vlen, v);
            quoted(f, value);
            v += vlen + (v[vlen] == ',');
        }
        fputs("]\n", f);
        if (status == EXIT_OK && n_values < 2)
            status = usage("--vary needs two values or more to compare, got",
                           o->vary[i]);
    }
    fprintf(f, "replicates: %lu\n", o->replicates);
    fclose(f);
    return status;
}

/* ---- the table ----------------------------------------------------------- */

/* A value in its unit, short: "0.0123%", "$1.37B", "3.0". */
static void shown(double x, compare_unit u, char *out, size_t size)
{
    if (isnan(x)) {
        snprintf(out, size, "-");
        return;
    }
    double a = fabs(x);
    const char *sign = x < 0 ? "-" : "";
    switch (u) {
    case COMPARE_FRACTION: snprintf(out, size, "%.4f%%", 100 * x); break;
    case COMPARE_SHARE: snprintf(out, size, "%.1f%%", 100 * x); break;
    case COMPARE_COUNT: snprintf(out, size, "%.2f", x); break;
    case COMPARE_QUOTE:
        if (a >= 1e9)
            snprintf(out, size, "%s$%.3gB", sign, a / 1e9);
        else if (a >= 1e6)
            snprintf(out, size, "%s$%.3gM", sign, a / 1e6);
        else if (a >= 1e3)
            snprintf(out, size, "%s$%.3gk", sign, a / 1e3);
        else
            snprintf(out, size, "%s$%.3g", sign, a);
        break;
    }
}

/* "mean [low, high]" of a cell, or of its paired difference. */
static void cell_text(const compare_cell *c, compare_unit u, int diff,
                      char *out, size_t size)
{
    char m[32], lo[32], hi[32];
    shown(diff ? c->diff_mean : c->mean, u, m, sizeof m);
    shown(diff ? c->diff_low : c->low, u, lo, sizeof lo);
    shown(diff ? c->diff_high : c->high, u, hi, sizeof hi);
    if (isnan(diff ? c->diff_low : c->low))
        snprintf(out, size, "%s", m);
    else
        snprintf(out, size, "%s [%s, %s]%s", m, lo, hi,
                 !diff ? "" : c->diff_sign > 0 ? " +" : c->diff_sign < 0 ? " -"
                                                                         : "");
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
           o->by_venue ? "venues" : "variants", t->n_arms, t->replicates,
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

static void csv_number(FILE *f, double x)
{
    if (!isnan(x))
        fprintf(f, "%.17g", x);
}

static const char *unit_name(compare_unit u)
{
    static const char *const names[] = {"fraction", "share", "quote",
                                        "count"};
    return names[u];
}

/* The path of file in the comparison's folder (DIR/compare.h5, ...), in
 * buf; cmd_sweep_dir keeps DIR short enough for it. */
static const char *in_dir(const compare_opts *o, const char *file,
                          char buf[static CMD_PATH_MAX])
{
    snprintf(buf, CMD_PATH_MAX, "%s/%s", o->run.dir, file);
    return buf;
}

/* Writes DIR/compare.csv through a part file. */
static int write_csv(const compare_opts *o, const compare_table *t)
{
    char path[CMD_PATH_MAX], part[CMD_PATH_MAX + 8];
    in_dir(o, "compare.csv", path);
    snprintf(part, sizeof part, "%s.part", path);
    FILE *f = fopen(part, "w");
    if (!f) {
        fprintf(stderr, "perpsim compare: %s: %s\n", part, strerror(errno));
        return EXIT_RUN_FAILED;
    }
    fputs("venue,metric,label,unit,arm,n,mean,sd,ci_low,ci_high,diff_n,"
          "diff_mean,diff_ci_low,diff_ci_high,diff_sign\n",
          f);
    for (size_t r = 0; r < t->n_rows; r++) {
        const compare_row *row = &t->rows[r];
        for (size_t a = 0; a < t->n_arms; a++) {
            const compare_cell *c = &row->cells[a];
            fprintf(f, "%s,%s,\"%s\",%s,\"%s\",%zu,",
                    row->venue[0] ? row->venue : t->arms[a], row->metric->name,
                    row->metric->label, unit_name(row->metric->unit),
                    t->arms[a], c->n);
            csv_number(f, c->mean);
            fputc(',', f);
            csv_number(f, c->sd);
            fputc(',', f);
            csv_number(f, c->low);
            fputc(',', f);
            csv_number(f, c->high);
            fputc(',', f);
            if (a > 0) {
                fprintf(f, "%zu,", c->diff_n);
                csv_number(f, c->diff_mean);
                fputc(',', f);
                csv_number(f, c->diff_low);
                fputc(',', f);
                csv_number(f, c->diff_high);
                fprintf(f, ",%s",
                        c->diff_sign > 0 ? "+" : c->diff_sign < 0 ? "-" : "");
            } else {
                fputs(",,,,", f);
            }
            fputc('\n', f);
        }
    }
    int bad = ferror(f) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(part, path) != 0) {
        fprintf(stderr, "perpsim compare: %s: cannot write: %s\n", path,
                strerror(errno));
        remove(part);
        return EXIT_RUN_FAILED;
    }
    printf("table: %s\n", path);
    return EXIT_OK;
}

/* Adds what a reader of compare.h5 needs to know to the index. */
static int mark_index(const compare_opts *o, const compare_table *t)
{
    char path[CMD_PATH_MAX];
    in_dir(o, "compare.h5", path);
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
    char reason[160] = "";
    if (bad)
        h5u_reason(reason, sizeof reason);
    H5Eclear2(H5E_DEFAULT);
    h5u_quiet_end(&q);
    if (bad) {
        fprintf(stderr, "perpsim compare: %s: cannot add the comparison's "
                        "attributes (%s)\n",
                path, reason);
        return EXIT_RUN_FAILED;
    }
    return EXIT_OK;
}

/* Draws DIR/compare.png with tools/plot-compare. */
static int draw(const compare_opts *o)
{
    const char *tools = getenv("PERPSIM_TOOLS");
    if (!tools)
        tools = PERPSIM_TOOLS_DIR;
    char tool[4200], index[CMD_PATH_MAX], png[CMD_PATH_MAX];
    snprintf(tool, sizeof tool, "%s/plot-compare", tools);
    in_dir(o, "compare.h5", index);
    in_dir(o, "compare.png", png);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        execl("/usr/bin/python3", "python3", tool, index, "-o", png,
              (char *)NULL);
        fprintf(stderr, "perpsim compare: cannot start /usr/bin/python3: "
                        "%s\n",
                strerror(errno));
        _exit(127);
    }
    int ws = 0;
    if (pid < 0 || waitpid(pid, &ws, 0) < 0 || !WIFEXITED(ws)
        || WEXITSTATUS(ws) != 0) {
        fprintf(stderr,
                "perpsim compare: %s was not drawn (%s failed; the table and "
                "%s/compare.csv are written)\n",
                png, tool, o->run.dir);
        return EXIT_RUN_FAILED;
    }
    printf("figure: %s\n", png);
    return EXIT_OK;
}

int cmd_compare(int argc, char **argv)
{
    double t0 = wallclock_seconds();
    compare_opts o;
    int status = parse_options(argc, argv, &o);
    if (status != EXIT_OK)
        return status;
    char *text = NULL;
    size_t len = 0;
    status = plan(&o, &text, &len);
    if (status != EXIT_OK) {
        free(text);
        return status;
    }
    char name[CMD_PATH_MAX];
    sweep s;
    perr e;
    perr_clear(&e);
    int loaded = sweep_load_text(in_dir(&o, "sweep.yaml", name), text, len,
                                 SWEEP_CHECK_RUNS, &s, &e);
    free(text);
    if (loaded != 0)
        return refused(&e);
    status = cmd_sweep_execute(&o.run, &s, t0);
    sweep_free(&s);
    if (status == EXIT_USAGE)
        return status;

    char index[CMD_PATH_MAX];
    sweep_index ix;
    compare_table t;
    perr_clear(&e);
    if (sweep_index_read(in_dir(&o, "compare.h5", index), &ix, &e) != 0) {
        fprintf(stderr, "perpsim compare: %s\n", e.msg);
        return EXIT_RUN_FAILED;
    }
    int rc = compare_build(&ix, o.by_venue, &t, &e);
    sweep_index_free(&ix);
    if (rc != 0) {
        fprintf(stderr, "perpsim compare: %s: %s\n", index, e.msg);
        return rc == PERR_INVALID ? EXIT_USAGE : EXIT_RUN_FAILED;
    }
    print_table(&o, &t);
    int wrote = write_csv(&o, &t);
    if (wrote == EXIT_OK)
        wrote = mark_index(&o, &t);
    if (wrote == EXIT_OK)
        wrote = draw(&o);
    compare_table_free(&t);
    return wrote > status ? wrote : status;
}
