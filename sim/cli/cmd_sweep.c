/*
 * cmd_sweep: `perpsim sweep SWEEP.yaml -o DIR` (scenarios/README.md,
 * "Sweep files"; README, "Sweeps"). Part of the program, not the library:
 * options, printing, progress and exit statuses live here; the plan is
 * sweep.h, the folder and the run task sweep_exec.h, the records
 * sweep_log.h, the index sweep_index.h.
 *
 * One flow for every executor: load and check the whole plan, make the
 * folder, read what earlier starts recorded, keep the runs that are not
 * done (and, with --shard K/N, in this shard), do them on local workers
 * (pool.h) or MPI ranks (mpipool.h), appending each run's record to this
 * executor's journal as it ends, then build the index from every journal.
 * So a sweep killed at any point and started again with the same command
 * goes on where it stopped, and shards merge by reading each other's
 * journals.
 *
 * `perpsim compare` is a sweep too: it reads the options they share (-j,
 * -o, --force, --quiet) and names its folder through cmd_sweep_option and
 * cmd_sweep_dir here, and runs through cmd_sweep_execute.
 *
 * Exit status: 0 every run finished; 1 a run failed (or, merging, some
 * are missing); 2 bad usage or a sweep file that does not check.
 */
#define _GNU_SOURCE /* getopt_long, open_memstream */
#include "cmd.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool.h"
#include "sweep_exec.h"
#include "sweep_index.h"
#include "sweep_log.h"
#include "wallclock.h"
#ifdef PERPSIM_HAVE_MPI
#include "mpipool.h"
#endif

static const struct option long_options[] = {
    {"shard", required_argument, NULL, 'S'},
    {"merge", no_argument, NULL, 'M'},
    {"mpi", no_argument, NULL, 'P'},
    {"dry-run", no_argument, NULL, 'D'},
    CMD_SWEEP_OPTIONS,
};

static int usage(const char *what, const char *arg)
{
    return cmd_usage("sweep", what, arg);
}

void cmd_sweep_opts_start(cmd_sweep_opts *c, const char *cmd,
                          const char *index_name)
{
    memset(c, 0, sizeof *c);
    c->cmd = cmd;
    c->index_name = index_name;
    c->jobs = pool_default_workers();
    optind = 1;
    opterr = 0;
}

int cmd_sweep_option(int ch, char **argv, const struct option *options,
                     cmd_sweep_opts *c, const char **out)
{
    switch (ch) {
    case 'j': {
        char *end;
        long j = strtol(optarg, &end, 10);
        if (*end || end == optarg || j < 1 || j > POOL_WORKERS_MAX)
            return cmd_usage(c->cmd,
                             "-j takes a number of workers in [1, 1024], got",
                             optarg);
        c->jobs = (int)j;
        return 0;
    }
    case 'o': *out = optarg; return 0;
    case 'F': c->force = 1; return 0;
    case 'q': c->quiet = 1; return 0;
    case 'h': return -1; /* main.c prints the help before this */
    case ':':
        return cmd_usage(c->cmd, "a value is missing after", argv[optind - 1]);
    default:
        return cmd_unknown_option(c->cmd, options,
                                  optopt ? (char[]){'-', (char)optopt, 0}
                                         : argv[optind - 1]);
    }
}

int cmd_sweep_dir(cmd_sweep_opts *c, const char *out, const char *file)
{
    if (out) {
        if (snprintf(c->dir, sizeof c->dir, "%s", out) >= (int)sizeof c->dir)
            return cmd_usage(c->cmd, "the -o path is too long", NULL);
        return EXIT_OK;
    }
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    size_t n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".yaml") == 0)
        n -= 5;
    snprintf(c->dir, sizeof c->dir, "results/%.*s", (int)n, base);
    return EXIT_OK;
}

/* "K/N" with 1 <= K <= N. */
static int parse_shard(const char *v, cmd_sweep_opts *c)
{
    char *end;
    errno = 0;
    unsigned long k = strtoul(v, &end, 10);
    if (end == v || *end != '/' || errno)
        return -1;
    const char *nt = end + 1;
    unsigned long n = strtoul(nt, &end, 10);
    if (end == nt || *end || errno || n < 1 || k < 1 || k > n
        || n > 1000000)
        return -1;
    c->shard_k = k;
    c->shard_n = n;
    return 0;
}

static int parse_options(int argc, char **argv, cmd_sweep_opts *c)
{
    cmd_sweep_opts_start(c, "sweep", "sweep.h5");
    const char *out = NULL;
    int ch;
    while ((ch = getopt_long(argc, argv, CMD_SWEEP_SHORT, long_options, NULL))
           != -1) {
        int rc;
        switch (ch) {
        case 'S':
            if (parse_shard(optarg, c) != 0)
                return usage("--shard takes K/N with 1 <= K <= N (shards "
                             "count from 1), got",
                             optarg);
            break;
        case 'M': c->merge = 1; break;
        case 'P': c->mpi = 1; break;
        case 'D': c->dry_run = 1; break;
        default:
            if ((rc = cmd_sweep_option(ch, argv, long_options, c, &out)))
                return rc;
        }
    }
    if (optind >= argc)
        return usage("missing sweep file", NULL);
    if (optind + 1 < argc)
        return usage("takes one sweep file; extra argument", argv[optind + 1]);
    c->file = argv[optind];
    if (c->merge && (c->shard_n || c->mpi || c->dry_run))
        return usage("--merge only reads what ran; drop", c->shard_n ? "--shard"
                                                       : c->mpi ? "--mpi"
                                                                : "--dry-run");
    return cmd_sweep_dir(c, out, c->file);
}

/* ---- one start of a sweep ----------------------------------------------- */

typedef struct sweep_ctx {
    const cmd_sweep_opts *cli;
    const sweep *s;
    const size_t *todo;   /* local pool: task i is run todo[i] */
    int tasks_are_runs;   /* MPI: a task is a run number */
    sweep_journal journal;
    sweep_records live;   /* this start's records, for its messages */
    cmd_progress progress;
    perr err;
    int fatal;            /* the journal cannot be written */
} sweep_ctx;

static size_t run_of(const sweep_ctx *x, size_t task)
{
    return x->tasks_are_runs ? task : x->todo[task];
}

static void work(void *ctx, size_t task, FILE *out)
{
    sweep_ctx *x = ctx;
    sweep_exec_run(x->s, x->cli->dir, run_of(x, task), out);
}

static int done(void *ctx, const pool_result *r)
{
    sweep_ctx *x = ctx;
    const sweep_run *run = &x->s->runs[run_of(x, r->task)];
    char *line = NULL;
    size_t len = 0;
    if (r->died || r->len == 0) {
        char why[160];
        snprintf(why, sizeof why, "the run's worker died: %s",
                 r->died ? r->why : "no record");
        FILE *m = open_memstream(&line, &len);
        if (m) {
            sweep_record_print(m, run->id, 0, 0, r->wall_s, NULL, why);
            fclose(m);
        }
    }
    const char *text = line ? line : r->data;
    size_t tlen = line ? len : r->len;
    int failed = 1;
    if (sweep_records_parse(&x->live, text, tlen) == 0) {
        const sweep_record *rec = &x->live.r[x->live.n - 1];
        failed = !rec->ok;
        if (failed) {
            cmd_progress_clear(&x->progress);
            fprintf(stderr, "perpsim %s: run %s failed: %s\n", x->cli->cmd, rec->id,
                    rec->error);
        }
        if (sweep_journal_append(&x->journal, text, tlen, &x->err) != 0)
            x->fatal = 1;
    }
    free(line);
    cmd_progress_step(&x->progress, failed);
    return x->fatal;
}

static void tick(void *ctx)
{
    sweep_ctx *x = ctx;
    cmd_progress_draw(&x->progress);
}

/* Which runs remain: not done, and in this shard. Refuses (2) when
 * finished runs were made from another scenario, unless forced. */
static int plan_todo(const cmd_sweep_opts *c, const sweep *s, size_t **todo,
                     size_t *n_todo, size_t *n_done)
{
    sweep_records recs;
    memset(&recs, 0, sizeof recs);
    perr e;
    perr_clear(&e);
    sweep_outcome *out = calloc(s->n_runs, sizeof *out);
    *todo = calloc(s->n_runs, sizeof **todo);
    int rc = !out || !*todo ? perr_set(&e, PERR_NOMEM, "out of memory") : 0;
    if (rc == 0)
        rc = sweep_records_read_dir(&recs, c->dir, &e);
    if (rc == 0)
        rc = sweep_match(s, &recs, c->dir, out, &e);
    if (rc != 0) {
        fprintf(stderr, "perpsim %s: %s\n", c->cmd, e.msg);
        sweep_records_free(&recs);
        free(out);
        return EXIT_RUN_FAILED;
    }
    size_t changed = 0, first = 0;
    *n_todo = *n_done = 0;
    for (size_t r = 0; r < s->n_runs; r++) {
        if (out[r].status == SWEEP_RUN_STALE && out[r].rec->ok
            && out[r].rec->scenario_hash != s->runs[r].scenario_hash) {
            if (changed++ == 0)
                first = r;
        }
        if (c->shard_n && r % c->shard_n != c->shard_k - 1)
            continue;
        if (out[r].status == SWEEP_RUN_OK)
            (*n_done)++;
        else
            (*todo)[(*n_todo)++] = r;
    }
    sweep_records_free(&recs);
    free(out);
    if (changed && !c->force) {
        fprintf(stderr,
                "perpsim %s: %zu finished run%s in %s ran another "
                "scenario than this sweep gives now (first: %s; the "
                "scenario file changed?); --force redoes them\n",
                c->cmd, changed, changed == 1 ? "" : "s", c->dir,
                s->runs[first].id);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* Builds DIR/sweep.h5 from every journal and prints the outcome. */
static int finish(const cmd_sweep_opts *c, const sweep *s, double t0)
{
    sweep_records recs;
    memset(&recs, 0, sizeof recs);
    perr e;
    perr_clear(&e);
    sweep_outcome *out = calloc(s->n_runs, sizeof *out);
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", c->dir, c->index_name);
    int rc = out ? 0 : perr_set(&e, PERR_NOMEM, "out of memory");
    if (rc == 0)
        rc = sweep_records_read_dir(&recs, c->dir, &e);
    if (rc == 0)
        rc = sweep_match(s, &recs, c->dir, out, &e);
    if (rc == 0)
        rc = sweep_index_write(path, s, &recs, out, &e);
    if (rc != 0) {
        fprintf(stderr, "perpsim %s: %s\n", c->cmd, e.msg);
        sweep_records_free(&recs);
        free(out);
        return EXIT_RUN_FAILED;
    }
    size_t ok = 0, failed = 0, missing = 0;
    for (size_t r = 0; r < s->n_runs; r++) {
        ok += out[r].status == SWEEP_RUN_OK;
        failed += out[r].status == SWEEP_RUN_FAILED;
    }
    missing = s->n_runs - ok - failed;
    printf("%s: %zu runs: %zu ok, %zu failed, %zu missing; %.1f s\n",
           c->cmd, s->n_runs, ok, failed, missing, wallclock_seconds() - t0);
    size_t shown = 0;
    for (size_t r = 0; r < s->n_runs && shown < 10; r++)
        if (out[r].status == SWEEP_RUN_FAILED) {
            printf("  failed: %s: %s\n", s->runs[r].id, out[r].rec->error);
            shown++;
        }
    if (failed > shown)
        printf("  and %zu more failed (the index lists them)\n",
               failed - shown);
    if (missing) {
        shown = 0;
        printf("  missing:");
        for (size_t r = 0; r < s->n_runs && shown < 5; r++)
            if (out[r].status != SWEEP_RUN_OK
                && out[r].status != SWEEP_RUN_FAILED)
                printf(" %s", s->runs[r].id), shown++;
        printf("%s (not run yet: run the same command again)\n",
               missing > shown ? " ..." : "");
    }
    printf("index: %s\n", path);
    sweep_records_free(&recs);
    free(out);
    return failed || missing ? EXIT_RUN_FAILED : EXIT_OK;
}

static void print_plan(const sweep *s)
{
    printf("%zu runs: %zu point%s x %zu seed%s", s->n_runs, s->n_points,
           s->n_points == 1 ? "" : "s", s->n_seeds,
           s->n_seeds == 1 ? "" : "s");
    if (s->sample_n)
        printf(" (%s sample of %zu)", sweep_method_name(s->method),
               s->sample_n);
    printf("\n");
}

static int dry_run(const sweep *s)
{
    print_plan(s);
    for (size_t r = 0; r < s->n_runs; r++) {
        const sweep_run *run = &s->runs[r];
        const sweep_point *p = &s->points[run->point];
        printf("%s  point %zu  seed %" PRIu64, run->id, run->point, run->seed);
        for (size_t k = 0; k < s->n_keys; k++)
            printf("  %s", p->sets[k]);
        printf("\n");
    }
    return EXIT_OK;
}

/* Loads and checks the sweep; 0 or the exit status. */
static int load(const cmd_sweep_opts *c, int check, sweep *s)
{
    perr e;
    perr_clear(&e);
    int rc = sweep_load(c->file, check, s, &e);
    if (rc == 0)
        return EXIT_OK;
    fprintf(stderr, "perpsim %s: %s\n", c->cmd, e.msg);
    return rc == PERR_NOMEM ? EXIT_RUN_FAILED : EXIT_USAGE;
}

/* Makes the folder and works out what remains; 0 or the exit status. */
static int prepare(const cmd_sweep_opts *c, const sweep *s, size_t **todo,
                   size_t *n_todo, size_t *n_done)
{
    perr e;
    perr_clear(&e);
    if (sweep_exec_prepare(s, c->dir, c->force, &e) != 0) {
        fprintf(stderr, "perpsim %s: %s\n", c->cmd, e.msg);
        return e.code == PERR_STATE ? EXIT_USAGE : EXIT_RUN_FAILED;
    }
    return plan_todo(c, s, todo, n_todo, n_done);
}

static int merge(const cmd_sweep_opts *c)
{
    sweep s;
    int status = load(c, SWEEP_CHECK_RUNS, &s);
    if (status != EXIT_OK)
        return status;
    int same = sweep_exec_same_sweep(&s, c->dir);
    if (same != 1 && !c->force) {
        fprintf(stderr, "perpsim %s: %s %s; --merge reads the runs of "
                        "this sweep there\n",
                c->cmd, c->dir, same < 0 ? "holds no sweep" : "holds another sweep");
        sweep_free(&s);
        return EXIT_USAGE;
    }
    status = finish(c, &s, wallclock_seconds());
    sweep_free(&s);
    return status;
}

static void journal_tag(const cmd_sweep_opts *c, int mpi, char *tag, size_t size)
{
    if (c->shard_n)
        snprintf(tag, size, "shard-%zu-of-%zu", c->shard_k, c->shard_n);
    else
        snprintf(tag, size, "%s", mpi ? "mpi" : "local");
}

/* Opens the journal and the progress line of a start. */
static int begin(sweep_ctx *x, const cmd_sweep_opts *c, const sweep *s, int mpi,
                 size_t n_todo)
{
    memset(x, 0, sizeof *x);
    x->cli = c;
    x->s = s;
    char tag[64];
    journal_tag(c, mpi, tag, sizeof tag);
    perr_clear(&x->err);
    if (sweep_journal_open(&x->journal, c->dir, tag, &x->err) != 0) {
        fprintf(stderr, "perpsim %s: %s\n", x->cli->cmd, x->err.msg);
        return x->err.code == PERR_STATE ? EXIT_USAGE : EXIT_RUN_FAILED;
    }
    FILE *tty = !c->quiet && isatty(fileno(stderr)) ? stderr : NULL;
    cmd_progress_start(&x->progress, tty, "runs", n_todo);
    return EXIT_OK;
}

static int end(sweep_ctx *x)
{
    cmd_progress_finish(&x->progress);
    sweep_journal_close(&x->journal);
    int failed = 0;
    for (size_t i = 0; i < x->live.n; i++)
        failed |= !x->live.r[i].ok;
    sweep_records_free(&x->live);
    if (x->fatal) {
        fprintf(stderr, "perpsim %s: %s\n", x->cli->cmd, x->err.msg);
        return EXIT_RUN_FAILED;
    }
    return failed ? EXIT_RUN_FAILED : EXIT_OK;
}

static void announce(const cmd_sweep_opts *c, const sweep *s, size_t n_todo,
                     size_t n_done, const char *on)
{
    printf("%s %s: ", c->cmd, c->file);
    print_plan(s);
    if (c->shard_n)
        printf("shard %zu/%zu: ", c->shard_k, c->shard_n);
    printf("%zu to run%s%s, %zu already done, into %s\n", n_todo,
           n_todo ? " on " : "", n_todo ? on : "", n_done, c->dir);
    fflush(stdout);
}

int cmd_sweep_execute(const cmd_sweep_opts *c, const sweep *s, double t0)
{
    size_t *todo = NULL, n_todo = 0, n_done = 0;
    int status = prepare(c, s, &todo, &n_todo, &n_done);
    if (status == EXIT_OK) {
        int jobs = (size_t)c->jobs < n_todo ? c->jobs : (int)n_todo;
        char on[48];
        snprintf(on, sizeof on, "%d worker%s", jobs, jobs == 1 ? "" : "s");
        announce(c, s, n_todo, n_done, on);
        sweep_ctx x;
        status = begin(&x, c, s, 0, n_todo);
        if (status == EXIT_OK) {
            x.todo = todo;
            pool_ops ops = {work, done, tick};
            perr e;
            perr_clear(&e);
            if (pool_run(n_todo, c->jobs, &ops, &x, &e) != 0) {
                cmd_progress_clear(&x.progress);
                fprintf(stderr, "perpsim %s: %s\n", c->cmd, e.msg);
                x.fatal = 1;
                x.err = e;
            }
            status = end(&x);
            if (x.fatal) {
                /* the journal or the workers failed: no index */
            } else if (c->shard_n) {
                printf("shard %zu/%zu done; when every shard is, build the "
                       "index: perpsim sweep %s -o %s --merge\n",
                       c->shard_k, c->shard_n, c->file, c->dir);
            } else {
                int fin = finish(c, s, t0);
                status = fin > status ? fin : status;
            }
        }
    }
    free(todo);
    return status;
}

/* The loader of `perpsim sweep`: the sweep file c->file. */
static int load_file(void *ctx, const cmd_sweep_opts *c, int check, sweep *s)
{
    (void)ctx;
    return load(c, check, s);
}

static int run_local(const cmd_sweep_opts *c, cmd_sweep_loader loader,
                     void *ctx)
{
    double t0 = wallclock_seconds();
    sweep s;
    memset(&s, 0, sizeof s);
    int status = loader(ctx, c, SWEEP_CHECK_RUNS, &s);
    if (status == EXIT_OK)
        status = cmd_sweep_execute(c, &s, t0);
    sweep_free(&s);
    return status;
}

#ifdef PERPSIM_HAVE_MPI
static int run_mpi(const cmd_sweep_opts *c, cmd_sweep_loader loader,
                   void *ctx, int *argc, char ***argv, int *root)
{
    double t0 = wallclock_seconds();
    int rank, size;
    perr e;
    perr_clear(&e);
    if (mpipool_init(argc, argv, &rank, &size, &e) != 0) {
        fprintf(stderr, "perpsim %s: %s\n", c->cmd, e.msg);
        return EXIT_RUN_FAILED;
    }
    sweep s;
    memset(&s, 0, sizeof s);
    size_t *todo = NULL, n_todo = 0, n_done = 0;
    int status;
    if (rank == 0) {
        /* Rank 0 checks everything; the others need only the plan. */
        status = loader(ctx, c, SWEEP_CHECK_RUNS, &s);
        if (status == EXIT_OK)
            status = prepare(c, &s, &todo, &n_todo, &n_done);
    } else {
        status = loader(ctx, c, SWEEP_CHECK_FILE, &s);
    }
    sweep_ctx x;
    memset(&x, 0, sizeof x);
    if (mpipool_agree(status) == EXIT_OK && rank == 0) {
        char on[48];
        snprintf(on, sizeof on, "%d MPI rank%s", size, size == 1 ? "" : "s");
        announce(c, &s, n_todo, n_done, on);
        status = begin(&x, c, &s, 1, n_todo);
    }
    status = mpipool_agree(status);
    if (status == EXIT_OK) {
        x.cli = c;
        x.s = &s;
        x.tasks_are_runs = 1;
        pool_ops ops = {work, done, tick};
        if (mpipool_run(rank == 0 ? todo : NULL, rank == 0 ? n_todo : 0, &ops,
                        &x, &e)
            != 0) {
            fprintf(stderr, "perpsim %s: %s\n", c->cmd, e.msg);
            x.fatal = 1;
        }
        if (rank == 0) {
            status = end(&x);
            if (!x.fatal) {
                int fin = finish(c, &s, t0);
                status = fin > status ? fin : status;
            }
        }
    }
    free(todo);
    sweep_free(&s);
    mpipool_finalize();
    *root = rank == 0;
    return rank == 0 ? status : EXIT_OK;
}
#endif

int cmd_sweep_run(const cmd_sweep_opts *c, cmd_sweep_loader loader,
                  void *ctx, int *argc, char ***argv, int *root)
{
    *root = 1;
    int mpi = cmd_uses_mpi(c);
    if (mpi == EXIT_USAGE)
        return mpi;
#ifdef PERPSIM_HAVE_MPI
    if (mpi)
        return run_mpi(c, loader, ctx, argc, argv, root);
#else
    (void)argc;
    (void)argv;
#endif
    return run_local(c, loader, ctx);
}

/* ---- inspect ------------------------------------------------------------ */

/* Whether a metric column is one inspect shows: per venue, the total
 * liquidated and the funding longs paid. */
static int headline(const char *name)
{
    static const char *const shown[] = {".liquidations.total_notional",
                                        ".liquidations.short_share",
                                        ".funding.longs_paid"};
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
        size_t m = strlen(shown[i]);
        if (n > m && strcmp(name + n - m, shown[i]) == 0)
            return 1;
    }
    return 0;
}

static void cell(const sweep_index_column *col, size_t r, char *out,
                 size_t size)
{
    if (col->text)
        snprintf(out, size, "%s", col->texts[r]);
    else if (col->values[r] != col->values[r])
        snprintf(out, size, "-");
    else
        snprintf(out, size, "%.6g", col->values[r]);
}

int cmd_inspect_sweep(const char *path)
{
    sweep_index ix;
    perr e;
    perr_clear(&e);
    if (sweep_index_read(path, &ix, &e) != 0) {
        fprintf(stderr, "perpsim inspect: %s\n", e.msg);
        return e.code == PERR_NOMEM ? EXIT_RUN_FAILED : EXIT_USAGE;
    }
    printf("sweep %s of %s: %lld runs, %lld ok, %lld failed, %lld missing; "
           "written by perpsim %s\n",
           ix.sweep_file, ix.scenario[0] ? ix.scenario : "(built-in default)",
           ix.runs, ix.ok, ix.failed, ix.missing, ix.perpsim_version);
    /* id, seed, status, the swept keys, the headline metrics, wall_s */
    const sweep_index_column *cols[64];
    size_t n = 0;
    const char *fixed[] = {"id", "seed", "status"};
    for (size_t i = 0; i < 3; i++)
        if ((cols[n] = sweep_index_column_named(&ix, fixed[i])))
            n++;
    size_t first_key = ix.n_cols - ix.n_metrics - ix.n_keys;
    for (size_t k = 0; k < ix.n_keys && n < 48; k++)
        cols[n++] = &ix.cols[first_key + k];
    for (size_t m = 0; m < ix.n_metrics && n < 62; m++)
        if (headline(ix.cols[first_key + ix.n_keys + m].name))
            cols[n++] = &ix.cols[first_key + ix.n_keys + m];
    if ((cols[n] = sweep_index_column_named(&ix, "wall_s")))
        n++;
    int width[64];
    char buf[64];
    for (size_t c = 0; c < n; c++) {
        width[c] = (int)strlen(cols[c]->name);
        for (size_t r = 0; r < ix.n_rows; r++) {
            cell(cols[c], r, buf, sizeof buf);
            if ((int)strlen(buf) > width[c])
                width[c] = (int)strlen(buf);
        }
    }
    for (size_t c = 0; c < n; c++)
        printf("%s%-*s", c ? "  " : "", width[c], cols[c]->name);
    printf("\n");
    for (size_t r = 0; r < ix.n_rows; r++) {
        for (size_t c = 0; c < n; c++) {
            cell(cols[c], r, buf, sizeof buf);
            printf("%s%*s", c ? "  " : "", cols[c]->text ? -width[c] : width[c],
                   buf);
        }
        printf("\n");
    }
    const sweep_index_column *err = sweep_index_column_named(&ix, "error");
    for (size_t r = 0; err && r < ix.n_rows; r++)
        if (err->texts[r][0])
            printf("%s: %s\n", cols[0]->texts[r], err->texts[r]);
    sweep_index_free(&ix);
    return EXIT_OK;
}

int cmd_sweep(int argc, char **argv)
{
    cmd_sweep_opts c;
    int status = parse_options(argc, argv, &c);
    if (status != EXIT_OK)
        return status;
    if (c.merge)
        return merge(&c);
    if (c.dry_run) {
        sweep s;
        status = load(&c, SWEEP_CHECK_FILE, &s);
        if (status == EXIT_OK) {
            status = dry_run(&s);
            sweep_free(&s);
        }
        return status;
    }
    int mpi = cmd_uses_mpi(&c);
    if (mpi == EXIT_USAGE)
        return mpi;
    if (c.shard_n && mpi)
        return usage("--shard runs one slice on local workers; under "
                     "mpirun, give each shard its own mpirun, or drop",
                     "--shard");
    int root;
    return cmd_sweep_run(&c, load_file, NULL, &argc, &argv, &root);
}
