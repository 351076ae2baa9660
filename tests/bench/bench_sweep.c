/*
 * bench_sweep: what a sweep costs beyond its runs (the budgets:
 * parallel efficiency >= 0.9, under 5 ms per run of overhead, a 10,000-row
 * index written in under a second).
 *
 *   efficiency   wall time of a sweep on 1 worker divided by N times its
 *                wall time on N workers, for the same runs (by default 8N
 *                replicates of scenarios/short-squeeze-1.37b.yaml), each
 *                sweep a fresh `perpsim sweep` process into a fresh folder;
 *                --repeat pairs of sweeps (1 worker, then N), one
 *                efficiency per pair, their median and range
 *   overhead     a sweep of --tiny runs of the tiny test scenario
 *                (tests/data/sweeps/tiny.yaml, a simulated minute) on one
 *                worker: its wall time minus the runs' own (from the
 *                journal), per run: checking the plan, handing runs to the
 *                worker, the journal, the index
 *   index        sweep_index_write of --index-rows rows with the metric
 *                columns of a one-venue run (144), in this process
 *
 * --tiny 0, --index-rows 0 and --repeat 0 leave a part out.
 *
 * The sweeps run the perpsim program this benchmark is part of
 * (/proc/self/exe), as a user's would.
 */
#define _DEFAULT_SOURCE /* realpath */
#include "bench.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pool.h"
#include "sweep.h"
#include "sweep_index.h"
#include "sweep_log.h"
#include "wallclock.h"

#ifndef PERPSIM_SOURCE_DIR
#define PERPSIM_SOURCE_DIR "."
#endif

/* A file of the source tree, from the working directory or the tree. */
static void source_file(const char *rel, char *out, size_t size)
{
    if (access(rel, R_OK) == 0 && realpath(rel, out))
        return;
    snprintf(out, size, "%s/%s", PERPSIM_SOURCE_DIR, rel);
}

static int write_text(const char *path, const char *text, perr *e)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return perr_set(e, PERR_IO, "%s: %s", path, strerror(errno));
    fputs(text, f);
    return fclose(f) == 0 ? 0 : perr_set(e, PERR_IO, "%s: write error", path);
}

static void remove_tree(const char *dir)
{
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", dir, (char *)NULL);
        _exit(127);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

/* Runs `perpsim sweep -q -j JOBS FILE -o DIR` (a fresh DIR) and returns
 * its wall time, or a negative PERR code. */
static double timed_sweep(const char *file, const char *dir, int jobs,
                          perr *e)
{
    char exe[4096], j[16];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return perr_set(e, PERR_IO, "cannot find the perpsim program");
    exe[n] = '\0';
    snprintf(j, sizeof j, "%d", jobs);
    remove_tree(dir);
    fflush(NULL);
    double t0 = wallclock_seconds();
    pid_t pid = fork();
    if (pid < 0)
        return perr_set(e, PERR_IO, "fork: %s", strerror(errno));
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        execl(exe, exe, "sweep", "-q", "-j", j, file, "-o", dir,
              (char *)NULL);
        _exit(127);
    }
    int ws;
    waitpid(pid, &ws, 0);
    double wall = wallclock_seconds() - t0;
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
        return perr_set(e, PERR_STATE, "perpsim sweep %s -j %d failed", file,
                        jobs);
    return wall;
}

/* The sum of the runs' own wall times in dir's journals. */
static double runs_wall(const char *dir, size_t *n, perr *e)
{
    sweep_records recs;
    memset(&recs, 0, sizeof recs);
    double sum = 0;
    if (sweep_records_read_dir(&recs, dir, e) != 0)
        return -1;
    for (size_t i = 0; i < recs.n; i++)
        sum += recs.r[i].wall_s;
    *n = recs.n;
    sweep_records_free(&recs);
    return sum;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, by_value);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The index of rows runs of 144 metrics, in memory, written to path. */
static int index_bench(const char *tmp, uint64_t rows, FILE *out, perr *e)
{
    char scenario[4096], file[4200], text[4400], path[4200];
    source_file("tests/data/sweeps/tiny.yaml", scenario, sizeof scenario);
    snprintf(file, sizeof file, "%s/index.yaml", tmp);
    snprintf(text, sizeof text, "scenario: %s\nreplicates: %" PRIu64 "\n",
             scenario, rows);
    int rc = write_text(file, text, e);
    sweep s;
    if (rc != 0 || (rc = sweep_load(file, SWEEP_CHECK_FILE, &s, e)) != 0)
        return rc;
    sweep_records recs;
    memset(&recs, 0, sizeof recs);
    sweep_outcome *o = calloc(s.n_runs, sizeof *o);
    char *line = malloc(16384);
    if (!o || !line)
        rc = perr_set(e, PERR_NOMEM, "out of memory");
    for (size_t r = 0; rc == 0 && r < s.n_runs; r++) {
        int len = snprintf(line, 16384, "run\t%s\tok\t%016" PRIx64
                                        "\t1.5\t1\t",
                           s.runs[r].id, (uint64_t)r);
        for (int m = 0; m < 144; m++)
            len += snprintf(line + len, 16384 - (size_t)len,
                            "\tbinance.metric_%03d=%.17g", m,
                            (double)r * 1.000001 + m);
        line[len++] = '\n';
        rc = sweep_records_parse(&recs, line, (size_t)len);
    }
    for (size_t r = 0; rc == 0 && r < s.n_runs; r++)
        o[r] = (sweep_outcome){SWEEP_RUN_OK, &recs.r[r]};
    snprintf(path, sizeof path, "%s/sweep.h5", tmp);
    double t0 = wallclock_seconds();
    if (rc == 0)
        rc = sweep_index_write(path, &s, &recs, o, e);
    double took = wallclock_seconds() - t0;
    struct stat st;
    if (rc == 0) {
        fprintf(out, "index_rows: %zu\n", s.n_runs);
        fprintf(out, "index_columns: %zu\n", 9 + recs.metrics.n);
        fprintf(out, "index_bytes: %lld\n",
                stat(path, &st) == 0 ? (long long)st.st_size : -1LL);
        fprintf(out, "index_write_s: %.3f\n", took);
    }
    remove(path);
    free(line);
    free(o);
    sweep_records_free(&recs);
    sweep_free(&s);
    return rc;
}

int bench_sweep(int argc, char **argv, FILE *out, perr *e)
{
    uint64_t jobs = (uint64_t)pool_default_workers(), runs = 0, tiny = 1000;
    uint64_t repeat = 3, index_rows = 10000;
    const char *scenario_arg = NULL;
    int do_eff = 1, do_tiny = 1, do_index = 1;
    for (int i = 1; i < argc; i++) {
        const char *v;
        uint64_t *target = NULL;
        if (strcmp(argv[i], "--jobs") == 0)
            target = &jobs;
        else if (strcmp(argv[i], "--runs") == 0)
            target = &runs;
        else if (strcmp(argv[i], "--tiny") == 0)
            target = &tiny;
        else if (strcmp(argv[i], "--repeat") == 0)
            target = &repeat;
        else if (strcmp(argv[i], "--index-rows") == 0)
            target = &index_rows;
        else if (strcmp(argv[i], "--scenario") != 0)
            return perr_set(e, PERR_INVALID, "unknown option '%s'", argv[i]);
        if (bench_option_value(argc, argv, &i, &v, e) != 0)
            return PERR_INVALID;
        if (!target)
            scenario_arg = v;
        else if (strcmp(v, "0") == 0 && target != &jobs && target != &runs)
            *target = 0; /* leaves that part out */
        else if (bench_parse_count(argv[i - 1], v, target, e) != 0)
            return PERR_INVALID;
    }
    if (repeat == 0)
        do_eff = 0;
    if (tiny == 0)
        do_tiny = 0;
    if (index_rows == 0)
        do_index = 0;
    if (jobs < 1 || jobs > POOL_WORKERS_MAX)
        return perr_set(e, PERR_INVALID, "--jobs: 1 to %d", POOL_WORKERS_MAX);
    if (runs == 0)
        runs = 8 * jobs;
    if (repeat > 99)
        return perr_set(e, PERR_INVALID, "--repeat: 0 to 99");
    char tmp[] = "/tmp/perpsim-bench-sweep-XXXXXX";
    if (!mkdtemp(tmp))
        return perr_set(e, PERR_IO, "cannot make a temporary folder");
    char scenario[4096], file[4200], text[4400], dir[4200];
    int rc = 0;
    fprintf(out, "jobs: %" PRIu64 "\n", jobs);

    if (rc == 0 && do_tiny) {
        source_file("tests/data/sweeps/tiny.yaml", scenario, sizeof scenario);
        snprintf(file, sizeof file, "%s/tiny.yaml", tmp);
        snprintf(dir, sizeof dir, "%s/tiny", tmp);
        snprintf(text, sizeof text, "scenario: %s\nreplicates: %" PRIu64 "\n",
                 scenario, tiny);
        rc = write_text(file, text, e);
        double wall = rc == 0 ? timed_sweep(file, dir, 1, e) : -1;
        size_t n = 0;
        double own = wall >= 0 ? runs_wall(dir, &n, e) : -1;
        if (wall < 0 || own < 0)
            rc = rc ? rc : e->code;
        else {
            fprintf(out, "tiny_runs: %zu\n", n);
            fprintf(out, "tiny_sweep_wall_s: %.3f\n", wall);
            fprintf(out, "tiny_runs_own_s: %.3f\n", own);
            fprintf(out, "overhead_ms_per_run: %.3f\n",
                    1e3 * (wall - own) / (double)n);
        }
        remove_tree(dir);
    }
    if (rc == 0 && do_index)
        rc = index_bench(tmp, index_rows, out, e);
    if (rc == 0 && do_eff) {
        if (scenario_arg && !realpath(scenario_arg, scenario))
            rc = perr_set(e, PERR_IO, "%s: %s", scenario_arg, strerror(errno));
        else if (!scenario_arg)
            source_file("scenarios/short-squeeze-1.37b.yaml", scenario,
                        sizeof scenario);
        snprintf(file, sizeof file, "%s/eff.yaml", tmp);
        snprintf(dir, sizeof dir, "%s/eff", tmp);
        snprintf(text, sizeof text, "scenario: %s\nreplicates: %" PRIu64 "\n",
                 scenario, runs);
        if (rc == 0)
            rc = write_text(file, text, e);
        /* Each pair, one sweep at each width back to back, gives one
         * efficiency: the machine's drift between pairs cancels out. */
        double one[99], many[99], eff[99];
        for (uint64_t k = 0; rc == 0 && k < repeat; k++) {
            one[k] = timed_sweep(file, dir, 1, e);
            many[k] = one[k] >= 0 ? timed_sweep(file, dir, (int)jobs, e) : -1;
            if (one[k] < 0 || many[k] < 0)
                rc = e->code;
            else
                eff[k] = one[k] / ((double)jobs * many[k]);
        }
        remove_tree(dir);
        if (rc == 0) {
            double m1 = median(one, repeat), mn = median(many, repeat);
            double me = median(eff, repeat);
            fprintf(out, "runs: %" PRIu64 "\n", runs);
            fprintf(out, "wall_s_j1: %.3f (%.3f to %.3f)\n", m1, one[0],
                    one[repeat - 1]);
            fprintf(out, "wall_s_jN: %.3f (%.3f to %.3f)\n", mn, many[0],
                    many[repeat - 1]);
            fprintf(out, "efficiency: %.3f (pairs %.3f to %.3f)\n", me,
                    eff[0], eff[repeat - 1]);
        }
    }
    remove_tree(tmp);
    return rc;
}
