/*
 * support_cli: running the built perpsim program as a user does, for the
 * tests of its commands: a shell command line, its exit status, stdout and
 * stderr.
 */
#ifndef PERPSIM_TESTS_SUPPORT_CLI_H
#define PERPSIM_TESTS_SUPPORT_CLI_H

#include <criterion/criterion.h>

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
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s '%s' %s >%s 2>%s </dev/null", prefix,
             PERPSIM_EXE, args, out_path, err_path);
    int raw = system(cmd);
    cr_assert(raw != -1 && WIFEXITED(raw), "%s did not exit", cmd);
    o->status = WEXITSTATUS(raw);
    cli_slurp(out_path, o->out, sizeof o->out);
    cli_slurp(err_path, o->err, sizeof o->err);
}

/* Runs `perpsim ARGS` from the working directory. */
static inline void perpsim(const char *args, outcome *o)
{
    cli_run("", args, o);
}

#endif
