/*
 * Tests of how perpsim fails and stops (README, "Failure behaviour"): a
 * single run or a `run -j` batch stopped by SIGINT or SIGTERM dies of that
 * signal (a shell sees 130 or 143), leaves no part file and no final-named
 * file, and leaves no worker running on (sim/util/cleanup.h); a run whose
 * disk fills ends with one line and exit 1, leaving no file.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include "support_cli.h"
#include "support_fs.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Waits (up to a minute) until dir holds n part files. */
static void wait_for_parts(const char *dir, int n)
{
    struct timespec nap = {0, 1000000};
    for (int i = 0; i < 60000 && support_count_ending(dir, ".part") < n; i++)
        nanosleep(&nap, NULL);
    cr_assert_eq(support_count_ending(dir, ".part"), n,
                 "the runs never had %d part files under way", n);
}

/* perpsim run -q [-j N] on the N shipped scenarios named, stopped by sig
 * once its N part files are under way: it dies of that signal and leaves
 * no part file, and no worker goes on to write a result after it. */
static void stop_a_run(int sig, const char *const *names, int n)
{
    char dir[64], jobs[16], paths[2][512];
    support_temp_dir(dir, sizeof dir, "stop");
    snprintf(jobs, sizeof jobs, "%d", n);
    char *argv[16];
    int k = 0;
    argv[k++] = "perpsim";
    argv[k++] = "run";
    argv[k++] = "-q";
    if (n > 1) {
        argv[k++] = "-j";
        argv[k++] = jobs;
    }
    cr_assert_leq(n, 2);
    for (int i = 0; i < n; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/scenarios/%s.yaml",
                 PERPSIM_SOURCE_DIR, names[i]);
        argv[k++] = paths[i];
    }
    argv[k++] = "-o";
    argv[k++] = dir;
    argv[k] = NULL;
    pid_t pid = cli_start(argv);
    wait_for_parts(dir, n);

    kill(pid, sig);
    int ws;
    cr_assert_eq(waitpid(pid, &ws, 0), pid);
    cr_expect(WIFSIGNALED(ws) && WTERMSIG(ws) == sig,
              "perpsim did not die of signal %d (status %d)", sig, ws);
    cr_expect_eq(support_count_ending(dir, ".part"), 0, "a part file was left");
    /* A worker still running would finish its run and write its file. */
    struct timespec settle = {1, 500000000};
    nanosleep(&settle, NULL);
    cr_expect_eq(support_count_ending(dir, ".h5"), 0,
                 "a result was written after the stop");
    cr_expect_eq(support_count_ending(dir, ".part"), 0,
                 "a part file appeared after the stop");
    rmdir(dir);
}

Test(failure, a_batch_stopped_by_sigterm_leaves_no_part_file_and_no_worker)
{
    static const char *const names[] = {"short-squeeze-1.37b",
                                        "selloff-thin-liquidity"};
    stop_a_run(SIGTERM, names, 2);
}

Test(failure, a_run_stopped_by_sigint_leaves_no_part_file)
{
    static const char *const names[] = {"short-squeeze-1.37b"};
    stop_a_run(SIGINT, names, 1);
}

/* The disk fills mid-run: a file size limit (ulimit -f, what CI can set
 * without a small file system) makes the writes fail with EFBIG. One line,
 * exit 1 (the run's failure, not bad input), no file; HDF5's clean-up at
 * exit used to crash on the file whose close had failed. */
Test(failure, a_full_disk_ends_the_run_with_one_line_exit_1_and_no_file)
{
    char dir[64];
    support_temp_dir(dir, sizeof dir, "full");
    for (int jobs = 1; jobs <= 2; jobs++) {
        char prefix[64], args[1024];
        snprintf(prefix, sizeof prefix, "ulimit -f 400 &&");
        if (jobs == 1)
            snprintf(args, sizeof args,
                     "run -q %s/scenarios/short-squeeze-1.37b.yaml -o %s",
                     PERPSIM_SOURCE_DIR, dir);
        else
            snprintf(args, sizeof args,
                     "run -q -j 2 %s/scenarios/short-squeeze-1.37b.yaml "
                     "%s/scenarios/selloff-thin-liquidity.yaml -o %s",
                     PERPSIM_SOURCE_DIR, PERPSIM_SOURCE_DIR, dir);
        outcome o;
        cli_run(prefix, args, &o);
        cr_expect_eq(o.status, 1, "-j %d: status %d: %s", jobs, o.status,
                     o.err);
        cr_expect_not_null(strstr(o.err, "short-squeeze-1.37b-seed42.h5.part: "
                                         "cannot write"),
                           "-j %d: %s", jobs, o.err);
        cr_expect_null(strstr(o.err, "HDF5-DIAG"), "-j %d: %s", jobs, o.err);
        cr_expect_eq(support_count_ending(dir, ".part"), 0, "-j %d", jobs);
        cr_expect_eq(support_count_ending(dir, "short-squeeze-1.37b-seed42.h5"), 0,
                     "-j %d", jobs);
        char done[300];
        snprintf(done, sizeof done, "%s/selloff-thin-liquidity-seed42.h5", dir);
        remove(done);
    }
    rmdir(dir);
}

/* An output folder the program may not write to is a file system refusing
 * the result, as a full disk is: one line naming the file and why, exit 1,
 * no file, for one run, a -j 2 batch and a sweep. As root (CI) a folder's
 * mode stops nothing, so there the program runs without the capabilities
 * that override it (setpriv, util-linux). */
Test(failure, a_folder_without_write_permission_is_one_line_exit_1_and_no_file)
{
    char dir[64];
    support_temp_dir(dir, sizeof dir, "denied");
    cr_assert_eq(chmod(dir, 0555), 0);
    const char *prefix =
        geteuid() == 0 ? "setpriv --bounding-set=-dac_override,-dac_read_search"
                       : "";
    char args[3][1024];
    snprintf(args[0], sizeof args[0], "run -q --set duration=1h -o %s", dir);
    snprintf(args[1], sizeof args[1],
             "run -q -j 2 %s/scenarios/short-squeeze-1.37b.yaml "
             "%s/scenarios/selloff-thin-liquidity.yaml -o %s",
             PERPSIM_SOURCE_DIR, PERPSIM_SOURCE_DIR, dir);
    snprintf(args[2], sizeof args[2],
             "sweep -q %s/scenarios/sweep-quickstart.yaml -o %s/sweep",
             PERPSIM_SOURCE_DIR, dir);
    const int lines[3] = {1, 2, 1};
    for (int k = 0; k < 3; k++) {
        outcome o;
        cli_run(prefix, args[k], &o);
        cr_expect_eq(o.status, 1, "%s: status %d: %s", args[k], o.status,
                     o.err);
        cr_expect_eq(cli_lines(o.err), lines[k], "%s: %s", args[k], o.err);
        cr_expect_not_null(strstr(o.err, "Permission denied"), "%s: %s",
                           args[k], o.err);
        cr_expect_not_null(strstr(o.err, dir), "%s: %s", args[k], o.err);
        cr_expect_null(strstr(o.err, "HDF5-DIAG"), "%s: %s", args[k], o.err);
        char sweep_dir[128];
        snprintf(sweep_dir, sizeof sweep_dir, "%s/sweep", dir);
        cr_expect(support_count_ending(dir, ".h5") == 0
                      && support_count_ending(dir, ".part") == 0
                      && access(sweep_dir, F_OK) != 0,
                  "%s left a file", args[k]);
    }
    cr_assert_eq(chmod(dir, 0755), 0);
    support_remove_tree(dir);
}

/* Input is read from regular files only: a device (/dev/zero would grow to
 * gigabytes), a folder or a FIFO (a read would wait for a writer forever)
 * is one line and exit 2, for a scenario and for a venue profile alike. */
Test(failure, input_that_is_not_a_regular_file_is_one_line_and_exit_2)
{
    char dir[64];
    support_temp_dir(dir, sizeof dir, "input");
    char fifo[300];
    snprintf(fifo, sizeof fifo, "%s/fifo.yaml", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    const char *const inputs[] = {"/dev/zero", dir, fifo};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        char args[1024];
        outcome o;
        snprintf(args, sizeof args, "validate %s", inputs[i]);
        cli_run("timeout 20", args, &o);
        cli_expect_refused(&o, args, "not a regular file");
        snprintf(args, sizeof args,
                 "run -q --set venues[0].profile=%s -o %s/out", inputs[i],
                 dir);
        cli_run("timeout 20", args, &o);
        cli_expect_refused(&o, args, "not a regular file");
    }
    remove(fifo);
    rmdir(dir);
}
