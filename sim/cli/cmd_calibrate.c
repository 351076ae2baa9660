/*
 * cmd_calibrate: `perpsim calibrate CAL.yaml -o DIR` (scenarios/README.md,
 * "Calibration files"; README, "Calibrating a scenario"). Part of the
 * program, not the library: options, the local workers, the progress line,
 * the files and exit statuses live here; the file, the objective and the
 * search are calibrate.h.
 *
 * Each batch of candidates the search asks for runs on -j worker processes
 * (pool.h), or under mpirun on the MPI ranks (mpipool.h), one task per
 * candidate and seed, no result file per run; the metric values come back
 * as text and are stored by task number, so the search sees them in the
 * same order however the workers finished. Under MPI every rank runs the
 * same search: rank 0 hands a batch's runs out, then shares their values
 * with every rank (mpipool_share), so each rank's search takes the same
 * next step and serves the next batch; rank 0 alone draws progress and
 * writes the outputs. The
 * outputs are written once the search is done, each through a temporary
 * file renamed into place:
 *
 *   DIR/calibrated.yaml  the resolved scenario with the best values
 *   DIR/report.txt       targets, best values, the objective's path
 *   DIR/targets.csv      per target: target, mean, sd, min, max
 *   DIR/path.csv         every evaluation: phase, values, objective
 *
 * Exit status: 0 done; 1 a run failed or a file could not be written;
 * 2 bad usage, a calibration file that does not check, or outputs in DIR
 * without --force.
 */
#define _GNU_SOURCE /* getopt_long */
#include "cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calibrate.h"
#ifdef PERPSIM_HAVE_MPI
#include "mpipool.h"
#endif
#include "pool.h"
#include "runner.h"
#include "wallclock.h"

static const struct option long_options[] = {
    {"mpi", no_argument, NULL, 'P'},
    CMD_SWEEP_OPTIONS,
};

static const char *const out_names[] = {"calibrated.yaml", "report.txt",
                                        "targets.csv", "path.csv"};
#define N_OUT (sizeof out_names / sizeof out_names[0])

static int usage(const char *what, const char *arg)
{
    return cmd_usage("calibrate", what, arg);
}

static int parse_options(int argc, char **argv, cmd_sweep_opts *c)
{
    cmd_sweep_opts_start(c, "calibrate", NULL);
    const char *out = NULL;
    int ch, rc;
    while ((ch = getopt_long(argc, argv, CMD_SWEEP_SHORT, long_options, NULL))
           != -1) {
        if (ch == 'P')
            c->mpi = 1;
        else if ((rc = cmd_sweep_option(ch, argv, long_options, c, &out)))
            return rc;
    }
    if (optind >= argc)
        return usage("missing calibration file", NULL);
    if (optind + 1 < argc)
        return usage("takes one calibration file; extra argument",
                     argv[optind + 1]);
    c->file = argv[optind];
    if (out)
        return cmd_sweep_dir(c, out, c->file);
    /* results/calibrate-NAME (results/NAME when NAME starts so) */
    const char *base = strrchr(c->file, '/');
    base = base ? base + 1 : c->file;
    size_t n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".yaml") == 0)
        n -= 5;
    int own = strncmp(base, "calibrate", 9) == 0;
    snprintf(c->dir, sizeof c->dir, "results/%s%.*s", own ? "" : "calibrate-",
             (int)n, base);
    return EXIT_OK;
}

/* ---- the runs ----------------------------------------------------------- */

typedef struct cal_ctx {
    const cmd_sweep_opts *cli;
    const calib *c;
    const calib_candidate *cands; /* the batch being run */
    double *values;
    size_t done, total;           /* runs of the batch */
    size_t runs;                  /* every run so far, all batches */
    perr err;
    int failed;
    const calib_result *last;     /* for the progress line */
    int mpi, rank;                /* under MPI: this rank */
    FILE *tty;
    double t0, last_draw;
    int drawn;
} cal_ctx;

static void draw(cal_ctx *x)
{
    if (!x->tty)
        return;
    double now = wallclock_seconds();
    const calib_result *r = x->last;
    size_t n_start = x->c->sw.n_points;
    fprintf(x->tty, "\r  ");
    if (!r || r->n_evals < n_start)
        fprintf(x->tty, "start: %zu/%zu runs", x->done, x->total);
    else
        fprintf(x->tty, "search: iteration %zu/%u, %zu evaluations",
                r->iterations, x->c->iterations, r->n_evals - n_start);
    if (r && r->n_cands)
        fprintf(x->tty, "  best %.4g", r->cands[r->best].objective);
    fprintf(x->tty, "  %zu runs  %.0fs elapsed\033[K", x->runs,
            now - x->t0);
    fflush(x->tty);
    x->last_draw = now;
    x->drawn = 1;
}

static void clear(cal_ctx *x)
{
    if (x->tty && x->drawn) {
        fputs("\r\033[K", x->tty);
        fflush(x->tty);
        x->drawn = 0;
    }
}

static void work(void *ctx, size_t task, FILE *out)
{
    cal_ctx *x = ctx;
    size_t ns = x->c->sw.n_seeds;
    calib_run_one(x->c, &x->cands[task / ns], task % ns, out);
}

static int done(void *ctx, const pool_result *r)
{
    cal_ctx *x = ctx;
    size_t ns = x->c->sw.n_seeds;
    x->done++;
    x->runs++;
    if (x->failed)
        return 1;
    perr e;
    perr_clear(&e);
    int rc;
    if (r->died)
        rc = perr_set(&e, PERR_STATE, "the run's worker died: %s", r->why);
    else
        rc = calib_parse_one(x->c, r->data, r->len,
                             x->values + r->task * x->c->n_targets, &e);
    if (rc != 0) {
        const calib_candidate *cd = &x->cands[r->task / ns];
        char what[512] = "";
        size_t len = 0;
        for (size_t k = 0; k < x->c->sw.n_keys && len < sizeof what; k++)
            len += (size_t)snprintf(what + len, sizeof what - len, "%s%s",
                                    k ? ", " : "", cd->sets[k]);
        perr_set(&x->err, PERR_STATE, "the run at %s, seed %llu, failed: %s",
                 what, (unsigned long long)x->c->sw.seeds[r->task % ns],
                 e.msg);
        x->failed = 1;
        return 1;
    }
    draw(x);
    return 0;
}

static void tick(void *ctx)
{
    cal_ctx *x = ctx;
    if (x->tty && wallclock_seconds() - x->last_draw >= 0.25)
        draw(x);
}

/* Runs the batch's tasks (total) on the local workers, or under MPI on
 * the ranks: rank 0 receives the values and then shares them, with
 * whether a run failed, with every rank. */
static int run_batch(cal_ctx *x, perr *e)
{
    pool_ops ops = {work, done, tick};
#ifdef PERPSIM_HAVE_MPI
    if (x->mpi) {
        size_t *tasks = NULL, n = 0;
        int rc = 0;
        if (x->rank == 0) {
            tasks = malloc((x->total ? x->total : 1) * sizeof *tasks);
            if (!tasks)
                rc = perr_set(e, PERR_NOMEM, "no memory for %zu runs",
                              x->total);
            for (n = 0; tasks && n < x->total; n++)
                tasks[n] = n;
        }
        /* With no tasks (no memory) rank 0 still stops the other ranks. */
        int ran = mpipool_run(tasks, n, &ops, x, e);
        rc = rc != 0 ? rc : ran;
        free(tasks);
        int status = rc != 0 ? rc : x->failed ? PERR_STATE : 0;
        status = mpipool_share(status, x->values,
                               x->total * x->c->n_targets);
        if (status != 0 && x->rank != 0)
            return perr_set(e, status, "rank 0 stopped the calibration");
        if (status != 0 && rc == 0)
            *e = x->err;
        return status;
    }
#endif
    int rc = pool_run(x->total, x->cli->jobs, &ops, x, e);
    if (rc != 0)
        return rc;
    if (x->failed) {
        *e = x->err;
        return PERR_STATE;
    }
    return 0;
}

static int evaluate(void *ctx, const calib_candidate *cands, size_t n,
                    double *values, perr *e)
{
    cal_ctx *x = ctx;
    x->cands = cands;
    x->values = values;
    x->done = 0;
    x->total = n * x->c->sw.n_seeds;
    return run_batch(x, e);
}

static void progress(void *ctx, const calib_result *r)
{
    cal_ctx *x = ctx;
    x->last = r;
    tick(x);
}

/* ---- the files ---------------------------------------------------------- */

/* Refuses (EXIT_USAGE) when an output is in dir and not forced. */
static int check_outputs(const cmd_sweep_opts *c)
{
    for (size_t i = 0; i < N_OUT; i++) {
        char path[CMD_PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", c->dir, out_names[i]);
        if (!c->force && access(path, F_OK) == 0) {
            fprintf(stderr,
                    "perpsim calibrate: %s: exists; use --force to replace "
                    "it or -o for another folder\n",
                    path);
            return EXIT_USAGE;
        }
    }
    return EXIT_OK;
}

/* Writes every output to a temporary file, then renames them all into
 * place; nothing is left half-written. */
static int write_outputs(const cmd_sweep_opts *c, const calib *cal,
                         const calib_result *r)
{
    perr e;
    perr_clear(&e);
    if (runner_make_dir(c->dir, &e) != 0) {
        fprintf(stderr, "perpsim calibrate: %s\n", e.msg);
        return EXIT_RUN_FAILED;
    }
    char *text = calib_scenario_text(cal, r, &e);
    if (!text) {
        fprintf(stderr, "perpsim calibrate: %s\n", e.msg);
        return EXIT_RUN_FAILED;
    }
    char tmp[N_OUT][CMD_PATH_MAX + 32], path[N_OUT][CMD_PATH_MAX];
    size_t made = 0;
    int bad = 0;
    for (size_t i = 0; i < N_OUT && !bad; i++) {
        snprintf(path[i], sizeof path[i], "%s/%s", c->dir, out_names[i]);
        snprintf(tmp[i], sizeof tmp[i], "%s/%s.%ld.tmp", c->dir, out_names[i],
                 (long)getpid());
        FILE *f = fopen(tmp[i], "wb");
        if (!f) {
            fprintf(stderr, "perpsim calibrate: %s: cannot create: %s\n",
                    tmp[i], strerror(errno));
            bad = 1;
            break;
        }
        made++;
        switch (i) {
        case 0: fputs(text, f); break;
        case 1: calib_write_report(f, cal, r); break;
        case 2: calib_write_targets_csv(f, cal, r); break;
        default: calib_write_path_csv(f, cal, r); break;
        }
        int err = ferror(f);
        if (fclose(f) != 0 || err) {
            fprintf(stderr, "perpsim calibrate: %s: cannot write: %s\n",
                    tmp[i], strerror(errno));
            bad = 1;
        }
    }
    for (size_t i = 0; i < made && !bad; i++)
        if (rename(tmp[i], path[i]) != 0) {
            fprintf(stderr, "perpsim calibrate: %s: cannot write: %s\n",
                    path[i], strerror(errno));
            bad = 1;
        }
    for (size_t i = 0; i < made; i++)
        remove(tmp[i]); /* those renamed are gone already */
    free(text);
    return bad ? EXIT_RUN_FAILED : EXIT_OK;
}

static void print_outcome(const cmd_sweep_opts *c, const calib *cal,
                          const calib_result *r, double t0)
{
    const calib_stats *b = &r->cands[r->best];
    printf("calibrate %s: %zu evaluations, %zu candidates x %zu seeds run, "
           "%zu iteration%s of the simplex (%s); %.1f s\n",
           c->file, r->n_evals, r->n_cands, cal->sw.n_seeds, r->iterations,
           r->iterations == 1 ? "" : "s",
           r->converged ? "converged" : "at the limit",
           wallclock_seconds() - t0);
    printf("objective: %.6g\n", b->objective);
    for (size_t k = 0; k < cal->sw.n_keys; k++)
        printf("  %s\n", b->cand.sets[k]);
    for (size_t t = 0; t < cal->n_targets; t++)
        printf("  %s: target %.6g, mean %.6g (sd %.3g)\n",
               cal->targets[t].metric, cal->targets[t].value, b->mean[t],
               b->sd[t]);
    printf("scenario: %s/calibrated.yaml\nreport: %s/report.txt\n", c->dir,
           c->dir);
}

/* Searches with cal's runs on the local workers or, under MPI, the ranks
 * (every rank searches; rank 0 alone draws and writes). Returns the exit
 * status. */
static int search(const cmd_sweep_opts *c, const calib *cal, int mpi,
                  int rank, double t0)
{
    cal_ctx x;
    memset(&x, 0, sizeof x);
    x.cli = c;
    x.c = cal;
    x.mpi = mpi;
    x.rank = rank;
    x.tty = !c->quiet && rank == 0 && isatty(fileno(stderr)) ? stderr : NULL;
    x.t0 = t0;
    perr_clear(&x.err);
    perr e;
    perr_clear(&e);
    calib_result r;
    int status, rc = calib_search(cal, evaluate, progress, &x, &r, &e);
    if (x.tty && x.drawn) {
        draw(&x);
        fputc('\n', x.tty);
    }
    if (rc != 0) {
        clear(&x);
        if (rank == 0)
            fprintf(stderr, "perpsim calibrate: %s\n", e.msg);
        return EXIT_RUN_FAILED;
    }
    status = rank == 0 ? write_outputs(c, cal, &r) : EXIT_OK;
    if (status == EXIT_OK && rank == 0)
        print_outcome(c, cal, &r, t0);
    calib_result_free(cal, &r);
    return status;
}

/* Loads and checks the calibration file, and that its outputs may be
 * written (on rank 0 under MPI). Returns the exit status. */
static int load(const cmd_sweep_opts *c, calib *cal, int rank)
{
    perr e;
    perr_clear(&e);
    int rc = calib_load(c->file, cal, &e);
    if (rc != 0) {
        if (rank == 0)
            fprintf(stderr, "perpsim calibrate: %s\n", e.msg);
        return rc == PERR_NOMEM ? EXIT_RUN_FAILED : EXIT_USAGE;
    }
    int status = rank == 0 ? check_outputs(c) : EXIT_OK;
    if (status != EXIT_OK)
        calib_free(cal);
    return status;
}

#ifdef PERPSIM_HAVE_MPI
/* Every rank loads the file and runs the same search (cmd_calibrate's
 * comment); they agree that all loaded before any runs. */
static int run_mpi(const cmd_sweep_opts *c, int *argc, char ***argv,
                   double t0)
{
    int rank, size;
    perr e;
    perr_clear(&e);
    if (mpipool_init(argc, argv, &rank, &size, &e) != 0) {
        fprintf(stderr, "perpsim calibrate: %s\n", e.msg);
        return EXIT_RUN_FAILED;
    }
    calib cal;
    int status = load(c, &cal, rank), loaded = status == EXIT_OK;
    int all = mpipool_agree(status);
    if (all == EXIT_OK) {
        if (rank == 0 && !c->quiet)
            fprintf(stderr, "calibrate %s: on %d MPI rank%s\n", c->file,
                    size, size == 1 ? "" : "s");
        status = search(c, &cal, 1, rank, t0);
    } else {
        status = all;
    }
    if (loaded)
        calib_free(&cal);
    mpipool_finalize();
    return rank == 0 ? status : EXIT_OK;
}
#endif

int cmd_calibrate(int argc, char **argv)
{
    double t0 = wallclock_seconds();
    cmd_sweep_opts c;
    int status = parse_options(argc, argv, &c);
    if (status != EXIT_OK)
        return status;
    int mpi = cmd_uses_mpi(&c);
    if (mpi == EXIT_USAGE)
        return mpi;
#ifdef PERPSIM_HAVE_MPI
    if (mpi)
        return run_mpi(&c, &argc, &argv, t0);
#endif
    calib cal;
    if ((status = load(&c, &cal, 0)) != EXIT_OK)
        return status;
    status = search(&c, &cal, 0, 0, t0);
    calib_free(&cal);
    return status;
}
