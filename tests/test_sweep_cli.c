/*
 * Tests of `perpsim sweep` as a user runs it: the built program on sweep
 * files over the tiny scenario (tests/data/sweeps/tiny.yaml), its exit
 * status, output and folder. The same sweep gives byte-identical run files
 * and the same index rows whether it ran on one worker, four, three MPI
 * ranks or three shards merged; killed with kill -9 and started again it
 * ends with the index of an uninterrupted sweep; a run that fails is
 * recorded and the others go on; a folder of another sweep is refused.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support_cli.h"
#include "support_fs.h"
#include "sweep_index.h"

/* A folder holding the tiny scenario and a sweep file s.yaml of text. */
static void sweep_dir(char *dir, size_t size, const char *text)
{
    support_temp_dir(dir, size, "sweepcli");
    char path[512], cmd[1024];
    snprintf(cmd, sizeof cmd, "cp '%s/tests/data/sweeps/tiny.yaml' %s/",
             PERPSIM_SOURCE_DIR, dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(path, sizeof path, "%s/s.yaml", dir);
    support_write_file(path, text);
}

/* Runs `perpsim ARGS` (formatted), which must succeed; its outcome in *o. */
__attribute__((format(printf, 2, 3))) static void
perpsim_ok(outcome *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_vrunf("", o, fmt, ap);
    va_end(ap);
    cr_assert_eq(o->status, 0, "%s%s", o->out, o->err);
}

static int same_bytes(const char *a, const char *b)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", a, b);
    return system(cmd) == 0;
}

static void read_index(const char *dir, sweep_index *ix)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/sweep.h5", dir);
    perr e;
    perr_clear(&e);
    cr_assert_eq(sweep_index_read(path, ix, &e), 0, "%s", e.msg);
}

/* Every column but the timing one holds the same cells. */
static void expect_same_rows(const char *a_dir, const char *b_dir)
{
    sweep_index a, b;
    read_index(a_dir, &a);
    read_index(b_dir, &b);
    cr_assert_eq(a.n_rows, b.n_rows);
    cr_assert_eq(a.n_cols, b.n_cols);
    for (size_t c = 0; c < a.n_cols; c++) {
        const sweep_index_column *x = &a.cols[c], *y = &b.cols[c];
        cr_assert_str_eq(x->name, y->name);
        if (strcmp(x->name, "wall_s") == 0)
            continue;
        for (size_t r = 0; r < a.n_rows; r++) {
            if (x->text)
                cr_expect_str_eq(x->texts[r], y->texts[r], "%s row %zu",
                                 x->name, r);
            else
                cr_expect(x->values[r] == y->values[r]
                              || (isnan(x->values[r]) && isnan(y->values[r])),
                          "%s row %zu: %.17g vs %.17g (%s vs %s)", x->name, r,
                          x->values[r], y->values[r], a_dir, b_dir);
        }
    }
    sweep_index_free(&a);
    sweep_index_free(&b);
}

/* Every run file of a is in b with the same bytes; returns the count. */
static int expect_same_run_files(const char *a_dir, const char *b_dir)
{
    char runs[1024];
    snprintf(runs, sizeof runs, "%s/runs", a_dir);
    DIR *d = opendir(runs);
    cr_assert_not_null(d);
    int n = 0;
    for (struct dirent *de; (de = readdir(d));) {
        if (de->d_name[0] == '.')
            continue;
        char pa[2048], pb[2048];
        snprintf(pa, sizeof pa, "%s/runs/%s", a_dir, de->d_name);
        snprintf(pb, sizeof pb, "%s/runs/%s", b_dir, de->d_name);
        cr_expect(same_bytes(pa, pb), "%s differs from %s", pa, pb);
        n++;
    }
    closedir(d);
    return n;
}

static const char six_runs[] =
    "scenario: tiny.yaml\n"
    "grid:\n"
    "  venues.binance.funding.interval: [8h, 1h, 4h]\n"
    "replicates: 2\n";

Test(sweep_cli, every_executor_gives_the_same_runs_and_rows)
{
    char dir[64];
    sweep_dir(dir, sizeof dir, six_runs);
    outcome o;
    perpsim_ok(&o, "sweep -q -j 1 %s/s.yaml -o %s/one", dir, dir);
    cr_expect_not_null(strstr(o.out, "6 runs: 6 ok, 0 failed, 0 missing"),
                       "%s", o.out);

    perpsim_ok(&o, "sweep -q -j 4 %s/s.yaml -o %s/four", dir, dir);

    for (int k = 1; k <= 3; k++)
        perpsim_ok(&o, "sweep -q -j 1 --shard %d/3 %s/s.yaml -o %s/shards", k,
                   dir, dir);
    perpsim_ok(&o, "sweep --merge %s/s.yaml -o %s/shards", dir, dir);

    char one[128], four[128], shards[128];
    snprintf(one, sizeof one, "%s/one", dir);
    snprintf(four, sizeof four, "%s/four", dir);
    snprintf(shards, sizeof shards, "%s/shards", dir);
    cr_expect_eq(expect_same_run_files(one, four), 6);
    cr_expect_eq(expect_same_run_files(one, shards), 6);
    expect_same_rows(one, four);
    expect_same_rows(one, shards);

#ifdef PERPSIM_MPIEXEC
    char args[1024];
    snprintf(args, sizeof args, "sweep -q %s/s.yaml -o %s/mpi", dir, dir);
    cli_mpirun(3, args, &o);
    cr_assert_eq(o.status, 0, "%s%s", o.out, o.err);
    cr_expect_not_null(strstr(o.out, "on 3 MPI ranks"), "%s", o.out);
    char mpi[128];
    snprintf(mpi, sizeof mpi, "%s/mpi", dir);
    cr_expect_eq(expect_same_run_files(one, mpi), 6);
    expect_same_rows(one, mpi);
#endif
    support_remove_tree(dir);
}

Test(sweep_cli, the_slurm_array_scripts_run_shards_and_merge_them)
{
    char dir[64], args[2048], one[128], array[128];
    sweep_dir(dir, sizeof dir, six_runs);
    snprintf(one, sizeof one, "%s/one", dir);
    snprintf(array, sizeof array, "%s/array", dir);
    outcome o;
    perpsim_ok(&o, "sweep -q -j 1 %s/s.yaml -o %s", dir, one);
    /* an array numbered from 0, as --array=0-2 gives: shards 1/3 to 3/3 */
    for (int task = 0; task < 3; task++) {
        char env[1024];
        snprintf(env, sizeof env,
                 "SWEEP=%s/s.yaml OUT=%s PERPSIM='%s' SLURM_ARRAY_TASK_ID=%d "
                 "SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_MIN=0 "
                 "SLURM_CPUS_PER_TASK=1 bash %s/tools/slurm/sweep-array.sbatch",
                 dir, array, PERPSIM_EXE, task, PERPSIM_SOURCE_DIR);
        int raw = system(env);
        cr_assert(WIFEXITED(raw) && WEXITSTATUS(raw) == 0, "task %d", task);
    }
    snprintf(args, sizeof args,
             "SWEEP=%s/s.yaml OUT=%s PERPSIM='%s' bash "
             "%s/tools/slurm/sweep-merge.sbatch >/dev/null",
             dir, array, PERPSIM_EXE, PERPSIM_SOURCE_DIR);
    int raw = system(args);
    cr_assert(WIFEXITED(raw) && WEXITSTATUS(raw) == 0);
    char journal[256];
    snprintf(journal, sizeof journal, "%s/journal/shard-3-of-3.log", array);
    cr_expect_eq(access(journal, R_OK), 0);
    cr_expect_eq(expect_same_run_files(one, array), 6);
    expect_same_rows(one, array);
    support_remove_tree(dir);
}

static int journal_records(const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/journal/local.log", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int n = 0;
    for (int c; (c = fgetc(f)) != EOF;)
        n += c == '\n';
    fclose(f);
    return n;
}

Test(sweep_cli, a_sweep_killed_with_kill_9_resumes_to_the_same_index)
{
    char dir[64], sweep_file[128], out_dir[128], ref_dir[128];
    sweep_dir(dir, sizeof dir,
              "scenario: tiny.yaml\n"
              "grid:\n"
              "  populations[4].count: [100, 200, 300, 400]\n"
              "replicates: 3\n");
    snprintf(sweep_file, sizeof sweep_file, "%s/s.yaml", dir);
    snprintf(out_dir, sizeof out_dir, "%s/killed", dir);
    snprintf(ref_dir, sizeof ref_dir, "%s/whole", dir);
    char *argv[] = {"perpsim", "sweep", "-q", "-j", "2", sweep_file, "-o",
                    out_dir, NULL};
    pid_t pid = cli_start(argv);
    /* Kill it once a few runs are recorded, with others under way. */
    struct timespec nap = {0, 2000000};
    for (int i = 0; i < 20000 && journal_records(out_dir) < 3; i++)
        nanosleep(&nap, NULL);
    cr_assert_geq(journal_records(out_dir), 3, "the sweep recorded nothing");
    kill(pid, SIGKILL);
    int ws;
    waitpid(pid, &ws, 0);
    cr_assert(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL,
              "the sweep ended before it was killed");
    int recorded = journal_records(out_dir);
    cr_expect_lt(recorded, 12, "every run finished before the kill");
    /* Its workers went with it: nothing is recorded or written after. */
    struct timespec settle = {0, 300000000};
    nanosleep(&settle, NULL);
    cr_expect_eq(journal_records(out_dir), recorded);

    outcome o;
    perpsim_ok(&o, "sweep -q -j 2 %s -o %s", sweep_file, out_dir);
    char said[64];
    snprintf(said, sizeof said, "%d already done", recorded);
    cr_expect_not_null(strstr(o.out, said), "%s", o.out);
    cr_expect_not_null(strstr(o.out, "12 runs: 12 ok"), "%s", o.out);

    perpsim_ok(&o, "sweep -q -j 2 %s -o %s", sweep_file, ref_dir);
    cr_expect_eq(expect_same_run_files(ref_dir, out_dir), 12);
    expect_same_rows(ref_dir, out_dir);
    support_remove_tree(dir);
}

/* The id of the first run of a --dry-run listing. */
static void first_id(const char *listing, char *id, size_t size)
{
    const char *line = strchr(listing, '\n');
    cr_assert_not_null(line);
    snprintf(id, size, "%.*s", (int)strcspn(line + 1, " "), line + 1);
}

Test(sweep_cli, a_failed_run_is_recorded_the_others_go_on_and_a_restart_redoes_it)
{
    char dir[64], args[1024], id[64], blocker[256];
    sweep_dir(dir, sizeof dir, six_runs);
    outcome o;
    perpsim_ok(&o, "sweep --dry-run %s/s.yaml", dir);
    first_id(o.out, id, sizeof id);
    /* A folder where the run's file must go: its commit fails at run time
     * (a part file cannot be blocked: another name is taken). */
    snprintf(blocker, sizeof blocker, "%s/out/runs/%s.h5", dir, id);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", blocker);
    cr_assert_eq(system(cmd), 0);

    snprintf(args, sizeof args, "sweep -q -j 2 %s/s.yaml -o %s/out", dir, dir);
    perpsim(args, &o);
    cr_expect_eq(o.status, 1, "%s%s", o.out, o.err);
    cr_expect_not_null(strstr(o.out, "6 runs: 5 ok, 1 failed"), "%s", o.out);
    char named[128];
    snprintf(named, sizeof named, "failed: %s: ", id);
    cr_expect_not_null(strstr(o.out, named), "%s", o.out);
    cr_expect_not_null(strstr(o.err, id), "%s", o.err);
    char out_dir[128];
    snprintf(out_dir, sizeof out_dir, "%s/out", dir);
    sweep_index ix;
    read_index(out_dir, &ix);
    const sweep_index_column *st = sweep_index_column_named(&ix, "status");
    const sweep_index_column *err = sweep_index_column_named(&ix, "error");
    cr_assert(st && err);
    cr_expect_str_eq(st->texts[0], "failed");
    cr_expect_not_null(strstr(err->texts[0], "cannot rename"), "%s",
                       err->texts[0]);
    for (size_t r = 1; r < ix.n_rows; r++)
        cr_expect_str_eq(st->texts[r], "ok");
    sweep_index_free(&ix);

    rmdir(blocker);
    perpsim(args, &o);
    cr_expect_eq(o.status, 0, "%s%s", o.out, o.err);
    cr_expect_not_null(strstr(o.out, "1 to run on 1 worker, 5 already done"),
                       "%s", o.out);
    cr_expect_not_null(strstr(o.out, "6 runs: 6 ok"), "%s", o.out);
    support_remove_tree(dir);
}

Test(sweep_cli, a_folder_of_another_sweep_is_refused_unless_forced)
{
    char dir[64], args[1024];
    sweep_dir(dir, sizeof dir, six_runs);
    outcome o;
    snprintf(args, sizeof args, "sweep -q %s/s.yaml -o %s/out", dir, dir);
    perpsim_ok(&o, "%s", args);
    char path[256];
    snprintf(path, sizeof path, "%s/s.yaml", dir);
    FILE *f = fopen(path, "a");
    fputs("set: {duration: 50s}\n", f);
    fclose(f);
    cli_refused(&o, args, "holds another sweep");
    perpsimf(&o, "sweep -q --force %s/s.yaml -o %s/out", dir, dir);
    cr_expect_eq(o.status, 0, "%s%s", o.out, o.err);
    /* every run's scenario changed: all six were redone */
    cr_expect_not_null(strstr(o.out, "6 to run"), "%s", o.out);
    support_remove_tree(dir);
}

Test(sweep_cli, a_bad_value_stops_the_sweep_before_any_run)
{
    char dir[64], args[1024];
    sweep_dir(dir, sizeof dir,
              "scenario: tiny.yaml\n"
              "grid:\n"
              "  venues.binance.funding.interval: [8h, 3x]\n");
    snprintf(args, sizeof args, "sweep %s/s.yaml -o %s/out", dir, dir);
    cli_refused(
        NULL, args,
        "s.yaml:3:41: venues[0].funding.interval: expected a duration");
    char out[256];
    snprintf(out, sizeof out, "%s/out", dir);
    struct stat st;
    cr_expect_neq(stat(out, &st), 0, "the folder was made");
    support_remove_tree(dir);
}

Test(sweep_cli, inspect_prints_the_index_as_a_table)
{
    char dir[64];
    sweep_dir(dir, sizeof dir, six_runs);
    outcome o;
    perpsim_ok(&o, "sweep -q %s/s.yaml -o %s/out", dir, dir);
    perpsim_ok(&o, "inspect %s/out/sweep.h5", dir);
    cr_expect_not_null(strstr(o.out, "6 runs, 6 ok, 0 failed, 0 missing"),
                       "%s", o.out);
    cr_expect_not_null(strstr(o.out, "venues.binance.funding.interval"), "%s",
                       o.out);
    cr_expect_not_null(strstr(o.out, "binance.liquidations.total_notional"),
                       "%s", o.out);
    cr_expect_eq(cli_lines(o.out), 1 + 1 + 6, "%s", o.out);
    support_remove_tree(dir);
}
