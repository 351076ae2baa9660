/*
 * Tests of how a result gets its name (sim/io/output.h): each process
 * writes its own part file ("<path>.part", or "<path>.N.part" when a live
 * process holds that one), the part file a killed run left is taken over
 * rather than left beside the new one, the final name is given atomically
 * and never replaces a result another process finished meanwhile, and an
 * output folder removed mid-run ends the run in one line, exit 1, with no
 * file.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include "support_cli.h"
#include "support_fs.h"
#include "output.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SQUEEZE PERPSIM_SOURCE_DIR "/scenarios/short-squeeze-1.37b.yaml"
#define RESULT "short-squeeze-1.37b-seed42.h5"

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* A fresh folder (dir) and the path of the file name in it (path). */
typedef struct folder {
    char dir[64];
    char path[300];
} folder;

static folder folder_for(const char *name)
{
    folder f;
    support_temp_dir(f.dir, sizeof f.dir, "publish");
    snprintf(f.path, sizeof f.path, "%s/%s", f.dir, name);
    return f;
}

static output_meta meta(void)
{
    output_meta m = {"publish", "publish.yaml", "name: publish\n", NULL, 0,
                     1, 0, INT64_C(60000)};
    return m;
}

/* Starts `perpsim run -q SQUEEZE -o dir` with its output in files under
 * dir's parent; returns the pid. */
static pid_t start_run(const char *dir, const char *log)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(PERPSIM_EXE, "perpsim", "run", "-q", SQUEEZE, "-o", dir,
              (char *)NULL);
        _exit(127);
    }
    return pid;
}

static int status_of(pid_t pid)
{
    int ws;
    cr_assert_eq(waitpid(pid, &ws, 0), pid);
    cr_assert(WIFEXITED(ws), "perpsim died (status %d)", ws);
    return WEXITSTATUS(ws);
}

/* Two outputs of one path in one process: the second writes its own part
 * file, and the second to commit finds the result there and refuses to
 * replace it (without overwrite), leaving the first's file and no part. */
Test(publish, two_writers_of_one_result_never_share_a_part_file)
{
    folder f = folder_for("run.h5");
    char part[320], part2[320];
    snprintf(part, sizeof part, "%s.part", f.path);
    snprintf(part2, sizeof part2, "%s.2.part", f.path);
    output_meta m = meta();
    perr e = {0, ""};
    output *a = output_open(f.path, &m, 0, &e);
    cr_assert_not_null(a, "%s", e.msg);
    output *b = output_open(f.path, &m, 0, &e);
    cr_assert_not_null(b, "%s", e.msg);
    cr_expect(exists(part) && exists(part2), "each writer has its part file");

    summary s;
    memset(&s, 0, sizeof s);
    cr_assert_eq(output_commit(a, &s, &e), 0, "%s", e.msg);
    cr_expect(exists(f.path));
    cr_expect_eq(output_commit(b, &s, &e), PERR_IO);
    cr_expect_not_null(strstr(e.msg, "appeared while the run was writing"),
                       "%s", e.msg);
    cr_expect(exists(f.path), "the first result stays");
    cr_expect(!exists(part) && !exists(part2), "no part file is left");
    support_remove_tree(f.dir);
}

/* A part file nobody holds (a run killed with kill -9 left it) is taken
 * over: after the run, neither it nor a second part file remains. */
Test(publish, a_killed_runs_part_file_is_taken_over)
{
    folder f = folder_for(RESULT);
    char part[320];
    snprintf(part, sizeof part, "%s.part", f.path);
    support_write_file(part, "half a result");
    outcome o;
    perpsimf(&o, "run -q %s -o %s", SQUEEZE, f.dir);
    cr_expect_eq(o.status, 0, "%s", o.err);
    cr_expect(exists(f.path));
    cr_expect_eq(support_count_ending(f.dir, ".part"), 0,
                 "a part file was left");
    support_remove_tree(f.dir);
}

/* The same run started twice at once into one folder: one result, written
 * whole by one of them; the other says why it wrote nothing (exit 1); no
 * part file is left. */
Test(publish, the_same_run_twice_at_once_gives_one_whole_result)
{
    folder f = folder_for(RESULT);
    char log_a[320], log_b[320];
    snprintf(log_a, sizeof log_a, "%s.a.log", f.dir);
    snprintf(log_b, sizeof log_b, "%s.b.log", f.dir);
    pid_t a = start_run(f.dir, log_a);
    pid_t b = start_run(f.dir, log_b);
    int sa = status_of(a), sb = status_of(b);
    char err_a[8192], err_b[8192];
    cli_slurp(log_a, err_a, sizeof err_a);
    cli_slurp(log_b, err_b, sizeof err_b);
    cr_expect((sa == 0) != (sb == 0), "statuses %d and %d:\n%s\n%s", sa, sb,
              err_a, err_b);
    const char *loser = sa == 0 ? err_b : err_a;
    cr_expect_eq(sa == 0 ? sb : sa, 1, "%s", loser);
    cr_expect(strstr(loser, "refusing to overwrite")
                  || strstr(loser, "exists; use --force"),
              "%s", loser);
    cr_expect_eq(support_count_ending(f.dir, ".part"), 0,
                 "a part file was left");
    outcome o;
    perpsimf(&o, "inspect %s", f.path);
    cr_expect_eq(o.status, 0, "the result is whole: %s", o.err);
    support_remove_tree(f.dir);
}

/* The output folder removed while the run writes: one line, exit 1, and
 * nothing written anywhere. */
Test(publish, an_output_folder_removed_mid_run_is_one_line_and_exit_1)
{
    char base[64];
    support_temp_dir(base, sizeof base, "publish");
    char dir[320], part[400], log[320];
    snprintf(dir, sizeof dir, "%s/out", base);
    snprintf(part, sizeof part, "%s/" RESULT ".part", dir);
    snprintf(log, sizeof log, "%s.log", base);
    pid_t pid = start_run(dir, log);
    struct timespec nap = {0, 1000000};
    for (int i = 0; i < 60000 && !exists(part); i++)
        nanosleep(&nap, NULL);
    cr_assert(exists(part), "the run never started writing");
    /* The part file is claimed just before HDF5 opens it and the run
     * starts; removing the folder in between is a folder that cannot be
     * written (exit 2), not one removed mid-run. The run lasts seconds. */
    struct timespec settle = {0, 300000000};
    nanosleep(&settle, NULL);
    support_remove_tree(dir);
    int status = status_of(pid);
    char err[8192];
    cli_slurp(log, err, sizeof err);
    cr_expect_eq(status, 1, "%s", err);
    const char *line = strstr(err, "perpsim run: ");
    cr_expect_not_null(line, "%s", err);
    cr_expect_not_null(strstr(err, "No such file or directory"), "%s", err);
    cr_expect_null(strstr(err, "HDF5-DIAG"), "%s", err);
    cr_expect(!exists(dir), "the folder came back");
    rmdir(base);
}
