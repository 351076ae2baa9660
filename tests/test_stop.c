/*
 * Tests of how perpsim stops when told to (sim/util/cleanup.h): a single
 * run or a `run -j` batch stopped by SIGINT or SIGTERM dies of that signal
 * (a shell sees 130 or 143), leaves no part file and no final-named file,
 * and leaves no worker running on.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include "support_cli.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Files in dir whose names end with suffix. */
static int count_ending(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    size_t ls = strlen(suffix);
    for (struct dirent *de; (de = readdir(d));) {
        size_t l = strlen(de->d_name);
        n += l >= ls && strcmp(de->d_name + l - ls, suffix) == 0;
    }
    closedir(d);
    return n;
}

/* Starts perpsim with argv (argv[0] its name), its output thrown away. */
static pid_t start(char *const argv[])
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execv(PERPSIM_EXE, argv);
        _exit(127);
    }
    return pid;
}

/* Waits (up to a minute) until dir holds n part files. */
static void wait_for_parts(const char *dir, int n)
{
    struct timespec nap = {0, 1000000};
    for (int i = 0; i < 60000 && count_ending(dir, ".part") < n; i++)
        nanosleep(&nap, NULL);
    cr_assert_eq(count_ending(dir, ".part"), n,
                 "the runs never had %d part files under way", n);
}

static void stop_and_check(pid_t pid, int sig, const char *dir)
{
    kill(pid, sig);
    int ws;
    cr_assert_eq(waitpid(pid, &ws, 0), pid);
    cr_expect(WIFSIGNALED(ws) && WTERMSIG(ws) == sig,
              "perpsim did not die of signal %d (status %d)", sig, ws);
    cr_expect_eq(count_ending(dir, ".part"), 0, "a part file was left");
    /* A worker still running would finish its run and write its file. */
    struct timespec settle = {1, 500000000};
    nanosleep(&settle, NULL);
    cr_expect_eq(count_ending(dir, ".h5"), 0,
                 "a result was written after the stop");
    cr_expect_eq(count_ending(dir, ".part"), 0,
                 "a part file appeared after the stop");
}

Test(stop, a_batch_stopped_by_sigterm_leaves_no_part_file_and_no_worker)
{
    char dir[] = "/tmp/perpsim-stop-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char *argv[] = {"perpsim", "run", "-q", "-j", "2",
                    PERPSIM_SOURCE_DIR "/scenarios/short-squeeze-1.37b.yaml",
                    PERPSIM_SOURCE_DIR "/scenarios/selloff-thin-liquidity.yaml",
                    "-o", dir, NULL};
    pid_t pid = start(argv);
    wait_for_parts(dir, 2);
    stop_and_check(pid, SIGTERM, dir);
    rmdir(dir);
}

Test(stop, a_run_stopped_by_sigint_leaves_no_part_file)
{
    char dir[] = "/tmp/perpsim-stop-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char *argv[] = {"perpsim", "run", "-q",
                    PERPSIM_SOURCE_DIR "/scenarios/short-squeeze-1.37b.yaml",
                    "-o", dir, NULL};
    pid_t pid = start(argv);
    wait_for_parts(dir, 1);
    stop_and_check(pid, SIGINT, dir);
    rmdir(dir);
}
