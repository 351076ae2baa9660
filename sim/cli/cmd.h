/*
 * cmd: subcommands of the perpsim program that live outside main.c, each
 * taking argv from its own name on (argv[0] is "run", ...) and returning
 * the exit status (main.c, "Exit status"), and what they share: the
 * progress line of a batch of runs.
 */
#ifndef PERPSIM_CMD_H
#define PERPSIM_CMD_H

#include <stddef.h>
#include <stdio.h>

#include "sweep.h"

enum { EXIT_OK = 0, EXIT_RUN_FAILED = 1, EXIT_USAGE = 2 };

int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_compare(int argc, char **argv);

/* What a batch of runs into a sweep's folder needs to know (cmd_sweep.c):
 * `perpsim sweep`'s options, and `perpsim compare`'s. */
typedef struct cmd_sweep_opts {
    const char *cmd;        /* the command, for messages: "sweep" */
    const char *file;       /* the sweep file, for messages */
    const char *index_name; /* the index in dir: "sweep.h5" */
    char dir[4096];
    int jobs, force, quiet, merge, mpi, dry_run;
    size_t shard_k, shard_n; /* 1-based; 0 without --shard */
} cmd_sweep_opts;

/* Runs what remains of s (loaded with SWEEP_CHECK_RUNS) into c->dir on
 * c->jobs local workers, then writes the index c->index_name from every
 * journal and prints the outcome; t0 is when the command started. Returns
 * the exit status: 0 every run finished, 1 a run failed, 2 the folder
 * holds another sweep. */
int cmd_sweep_execute(const cmd_sweep_opts *c, const sweep *s, double t0);

/* `perpsim inspect DIR/sweep.h5`: the index as a table. */
int cmd_inspect_sweep(const char *path);

/* The progress line of a batch on a terminal:
 *   "  37/120 runs  1 failed  1m12s elapsed  ETA 3m50s"
 * redrawn in place; nothing at all when out is NULL. */
typedef struct cmd_progress {
    FILE *out;         /* a terminal, or NULL */
    const char *noun;  /* "runs" */
    size_t total, done, failed;
    double start, last_draw;
    int drawn;         /* a line is on the screen */
} cmd_progress;

void cmd_progress_start(cmd_progress *p, FILE *out, const char *noun,
                        size_t total);
/* Counts one more finished item (failed or not) and redraws. */
void cmd_progress_step(cmd_progress *p, int failed);
/* Redraws at most four times a second (the clock moves on). */
void cmd_progress_draw(cmd_progress *p);
/* Erases the line, so that a report can be printed in its place. */
void cmd_progress_clear(cmd_progress *p);
/* Draws the final state and ends the line. */
void cmd_progress_finish(cmd_progress *p);

/* "perpsim CMD: WHAT 'ARG'; try 'perpsim CMD --help'" on stderr (ARG may
 * be NULL); returns EXIT_USAGE. */
int cmd_usage(const char *cmd, const char *what, const char *arg);

/* The message for an unknown option arg ("--sed=4"), suggesting the
 * nearest of options (getopt_long's table); returns EXIT_USAGE. */
struct option;
int cmd_unknown_option(const char *cmd, const struct option *options,
                       const char *arg);

#endif
