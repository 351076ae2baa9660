/*
 * support_cli: running the built perpsim program as a user does, for the
 * tests of its commands: a shell command line, its exit status, stdout and
 * stderr; the check of a refusal (exit 2, one line); a run started in the
 * background to be stopped. A test that includes it defines
 * _POSIX_C_SOURCE 200809L before any include.
 */
#ifndef PERPSIM_TESTS_SUPPORT_CLI_H
#define PERPSIM_TESTS_SUPPORT_CLI_H

#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct outcome {
    int status;
    char out[65536];
    char err[8192];
} outcome;

/* Reads the file at path into buf (NUL-terminated) and removes it. */
static inline void cli_slurp(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot read %s", path);
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
    remove(path);
}

/* Runs `PREFIX perpsim ARGS` through the shell (prefix and args are
 * trusted test text: "cd DIR &&", an mpirun line, environment settings). */
static inline void cli_run(const char *prefix, const char *args, outcome *o)
{
    char out_path[] = "/tmp/perpsim-cli-out-XXXXXX";
    char err_path[] = "/tmp/perpsim-cli-err-XXXXXX";
    int fo = mkstemp(out_path), fe = mkstemp(err_path);
    cr_assert(fo >= 0 && fe >= 0);
    close(fo);
    close(fe);
    char cmd[8192]; /* room for cli_vrunf's 4096 bytes of args and more */
    int n = snprintf(cmd, sizeof cmd, "%s '%s' %s >%s 2>%s </dev/null", prefix,
                     PERPSIM_EXE, args, out_path, err_path);
    cr_assert(n >= 0 && (size_t)n < sizeof cmd, "command too long");
    int raw = system(cmd);
    cr_assert(raw != -1 && WIFEXITED(raw), "%s did not exit", cmd);
    o->status = WEXITSTATUS(raw);
    cli_slurp(out_path, o->out, sizeof o->out);
    cli_slurp(err_path, o->err, sizeof o->err);
}

#ifdef PERPSIM_MPIEXEC
/* Runs `perpsim ARGS` under mpirun with n ranks. As root (CI), OpenMPI
 * needs to be told; two cores take three ranks with --oversubscribe. Its
 * own allocations are not ours to audit. */
static inline void cli_mpirun(int n, const char *args, outcome *o)
{
    char prefix[512];
    snprintf(prefix, sizeof prefix,
             "ASAN_OPTIONS=detect_leaks=0 OMPI_MCA_rmaps_base_oversubscribe=1 "
             "'%s' --allow-run-as-root --oversubscribe -n %d",
             PERPSIM_MPIEXEC, n);
    cli_run(prefix, args, o);
}
#endif

/* Runs `perpsim ARGS` from the working directory. */
static inline void perpsim(const char *args, outcome *o)
{
    cli_run("", args, o);
}

/* cli_run with ARGS formatted from fmt and ap as vprintf does. */
static inline void cli_vrunf(const char *prefix, outcome *o, const char *fmt,
                             va_list ap)
{
    char args[4096];
    int n = vsnprintf(args, sizeof args, fmt, ap);
    cr_assert(n >= 0 && (size_t)n < sizeof args, "arguments too long");
    cli_run(prefix, args, o);
}

/* Runs `perpsim ARGS`, ARGS formatted as printf does. */
__attribute__((format(printf, 2, 3))) static inline void
perpsimf(outcome *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_vrunf("", o, fmt, ap);
    va_end(ap);
}

/* The number of lines of s (newlines). */
static inline int cli_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* o, the outcome of `perpsim what`, is a refusal of bad input: exit 2 and
 * one line on stderr (ended by its newline) that holds want ("" for any
 * line). */
static inline void cli_expect_refused(const outcome *o, const char *what,
                                      const char *want)
{
    cr_expect_eq(o->status, 2, "%s: status %d: %s", what, o->status, o->err);
    size_t n = strlen(o->err);
    cr_expect(n > 0 && cli_lines(o->err) == 1 && o->err[n - 1] == '\n',
              "%s: not one line: %s", what, o->err);
    cr_expect_not_null(strstr(o->err, want), "%s: no '%s' in: %s", what, want,
                       o->err);
}

/* Runs `perpsim args`, which must be refused as cli_expect_refused says;
 * its outcome in *o, unless o is NULL. */
static inline void cli_refused(outcome *o, const char *args, const char *want)
{
    outcome *got = o ? o : malloc(sizeof *got);
    cr_assert_not_null(got);
    perpsim(args, got);
    cli_expect_refused(got, args, want);
    if (!o)
        free(got);
}

/* Starts perpsim with argv (argv[0] its name) in the background, its output
 * thrown away; the caller waits for it. */
static inline pid_t cli_start(char *const argv[])
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

#endif
