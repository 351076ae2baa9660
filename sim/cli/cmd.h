/*
 * cmd: subcommands of the perpsim program that live outside main.c, each
 * taking argv from its own name on (argv[0] is "run", ...) and returning
 * the exit status (main.c, "Exit status"), and what they share: the
 * options, folder and execution of a batch into a sweep's folder (sweep
 * and compare), the progress line of a batch of runs, the messages of
 * option parsing.
 */
#ifndef PERPSIM_CMD_H
#define PERPSIM_CMD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "compare.h"
#include "summary.h"
#include "sweep.h"
#include "sweep_index.h"

enum { EXIT_OK = 0, EXIT_RUN_FAILED = 1, EXIT_USAGE = 2 };

int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);
int cmd_stress(int argc, char **argv);

/* Room for a sweep's folder (cmd_sweep_opts.dir) and the name of a file in
 * it. */
#define CMD_DIR_MAX 4096
#define CMD_PATH_MAX (CMD_DIR_MAX + 104)

/* What a batch of runs into a sweep's folder needs to know (cmd_sweep.c):
 * `perpsim sweep`'s options, and `perpsim compare`'s. */
typedef struct cmd_sweep_opts {
    const char *cmd;        /* the command, for messages: "sweep" */
    const char *file;       /* the sweep file, for messages */
    const char *index_name; /* the index in dir: "sweep.h5" */
    char dir[CMD_DIR_MAX];
    int jobs, force, quiet, merge, mpi, dry_run;
    size_t shard_k, shard_n; /* 1-based; 0 without --shard */
} cmd_sweep_opts;

/* c for a command (cmd, "sweep"; its index, "sweep.h5") before its options
 * are read: no option given, as many workers as the machine has cores, and
 * getopt_long's state reset to read argv from its first option. */
void cmd_sweep_opts_start(cmd_sweep_opts *c, const char *cmd,
                          const char *index_name);

/* The options of c that `perpsim sweep` and `perpsim compare` share, for
 * what getopt_long returned, ch (options: the command's table): -j N,
 * -o DIR (its value in *out), --force, --quiet; and --help, a missing value
 * or an unknown option. Returns 0 for an option it took, -1 for --help, or
 * EXIT_USAGE after saying what is wrong. */
struct option;
int cmd_sweep_option(int ch, char **argv, const struct option *options,
                     cmd_sweep_opts *c, const char **out);

/* The end of a getopt_long table (options) for cmd_sweep_option: the long
 * options it takes, then the terminator; a command lists its own options
 * before it. CMD_SWEEP_SHORT: getopt_long's short options of the same. */
#define CMD_SWEEP_OPTIONS                                                    \
    {"jobs", required_argument, NULL, 'j'},                                  \
    {"output", required_argument, NULL, 'o'},                                \
    {"force", no_argument, NULL, 'F'},                                       \
    {"quiet", no_argument, NULL, 'q'},                                       \
    {"help", no_argument, NULL, 'h'},                                        \
    {NULL, 0, NULL, 0}
#define CMD_SWEEP_SHORT ":j:o:q"

/* c->dir: out (-o) when given, else results/ and file's name without its
 * .yaml ("results/cadence-8h-vs-1h"). Returns EXIT_OK, or EXIT_USAGE after
 * saying that out is too long. */
int cmd_sweep_dir(cmd_sweep_opts *c, const char *out, const char *file);

/* Runs what remains of s (loaded with SWEEP_CHECK_RUNS) into c->dir on
 * c->jobs local workers, then writes the index c->index_name from every
 * journal and prints the outcome; t0 is when the command started. Returns
 * the exit status: 0 every run finished, 1 a run failed, 2 the folder
 * holds another sweep. */
int cmd_sweep_execute(const cmd_sweep_opts *c, const sweep *s, double t0);

/* How a command gets the sweep it runs into c->dir: fills s and returns
 * the exit status (EXIT_OK, or after saying what is wrong). check is
 * SWEEP_CHECK_RUNS where the plan is made (locally, or on MPI rank 0),
 * SWEEP_CHECK_FILE on the other ranks, which need only the runs. */
typedef int (*cmd_sweep_loader)(void *ctx, const cmd_sweep_opts *c,
                                int check, sweep *s);

/* Runs the sweep loader gives: on c->jobs local workers
 * (cmd_sweep_execute), or on MPI ranks when the process was started by
 * mpirun (or c->mpi), rank 0 handing runs out and writing the index. *root
 * is 1 in the process that wrote the index (the only one that may go on
 * to read it; the other ranks get EXIT_OK and stop). Returns the exit
 * status. */
int cmd_sweep_run(const cmd_sweep_opts *c, cmd_sweep_loader loader,
                  void *ctx, int *argc, char ***argv, int *root);

/* ---- variants of a scenario at replicate seeds (cmd_variants.c) ------- */

#define CMD_VARY_MAX 8
#define CMD_SETS_MAX (CMD_VARY_MAX * 4)

/* What `perpsim compare` and `perpsim stress` run: the scenario (NULL: the
 * built-in default) with the fixed overrides sets, at every combination of
 * the values of the --vary keys (the arms; none: one arm, the scenario),
 * each at the same replicate seeds (the scenario's seed and the ones after
 * it). */
typedef struct cmd_variants {
    const char *cmd;      /* "compare", for messages */
    const char *scenario;
    char scenario_abs[4096];
    const char *vary[CMD_VARY_MAX];
    size_t n_vary;
    const char *sets[CMD_SETS_MAX];
    size_t n_sets;
    int by_venue;         /* compare --venues: one arm, two venues or more */
    unsigned long replicates;
    uint64_t seed;        /* the scenario's, with sets (cmd_variants_plan) */
} cmd_variants;

/* The options of a command that runs variants: its sweep's and its
 * variants'. */
typedef struct cmd_variants_opts {
    cmd_sweep_opts run;
    cmd_variants var;
} cmd_variants_opts;

/* A command's own option ch (its value arg) for cmd_variants_options: 0
 * taken, 1 not the command's, or EXIT_USAGE after saying what is wrong. */
typedef int (*cmd_own_option)(cmd_variants_opts *o, int ch, const char *arg);

/* Reads argv for the command o->run.cmd (started by cmd_sweep_opts_start,
 * o->var.cmd set): --vary, --set, the command's own options (own), the
 * sweep's (-j, -o into *out, --force, -q, --help); at most one scenario
 * after them, left at argv[optind]. Returns EXIT_OK, -1 for --help, or
 * EXIT_USAGE after saying what is wrong. */
int cmd_variants_options(int argc, char **argv, const struct option *options,
                         cmd_own_option own, cmd_variants_opts *o,
                         const char **out);

/* The path of file in the command's folder, in buf (cmd_sweep_dir keeps
 * the folder short enough for it). */
const char *cmd_in_dir(const cmd_sweep_opts *c, const char *file,
                       char buf[static CMD_PATH_MAX]);

/* The getopt_long entries of --vary (ch 'V') and --set (ch 's'). */
#define CMD_VARIANTS_OPTIONS                                                 \
    {"vary", required_argument, NULL, 'V'},                                  \
    {"set", required_argument, NULL, 's'}

/* Takes --vary or --set (ch 'V' or 's', its value optarg): 0, 1 for
 * another option, or EXIT_USAGE after saying what is wrong. */
int cmd_variants_option(cmd_variants *v, int ch, const char *optarg_);

/* After the options: the scenario (NULL for the default) made absolute;
 * EXIT_OK or EXIT_USAGE. */
int cmd_variants_scenario(cmd_variants *v, const char *file);

/* Appends to dir (the folder cmd_sweep_dir made from the file's name) what
 * is varied, "-interval-8h-4h-1h" ("-venues" for by_venue), so that
 * comparisons of other keys or values do not meet in one folder. */
void cmd_variants_dir(const cmd_variants *v, char *dir, size_t size);

/* Checks the scenario with the fixed overrides (filling v->seed) and, when
 * check is SWEEP_CHECK_RUNS, each value of each --vary, so that a bad one
 * is reported as the user wrote it; writes the sweep as YAML into text
 * (free it). Returns the exit status. */
int cmd_variants_plan(cmd_variants *v, int check, char **text, size_t *len);

/* The loader (cmd_sweep_loader) of a cmd_variants (ctx): its plan, loaded
 * as DIR/sweep.yaml. */
int cmd_variants_load(void *ctx, const cmd_sweep_opts *c, int check,
                      sweep *s);

/* How a command reads argv into o (EXIT_OK, -1 for --help, or
 * EXIT_USAGE), and how it makes its table (*out) from the index of its
 * runs (0, or PERR_INVALID / PERR_NOMEM with e filled). */
typedef int (*cmd_variants_parse)(int argc, char **argv,
                                  cmd_variants_opts *o);
typedef int (*cmd_variants_build)(const sweep_index *ix,
                                  const cmd_variants_opts *o, void *out,
                                  perr *e);

/* How a command reports its table (prints it, writes its files, draws its
 * figure; index is the path of the sweep's index) and frees it. Returns
 * the exit status. */
typedef int (*cmd_variants_finish)(const cmd_variants_opts *o, void *out,
                                   const char *index);

/* compare and stress: reads the options (parse), runs the sweep of o->var
 * into o->run.dir (cmd_sweep_run), then, in the process that wrote its
 * index (o->run.index_name), builds the table *out from it and reports it
 * (finish). Returns the exit status, the worse of the runs' and the
 * report's (bad usage, an index that cannot be read or a table that
 * cannot be built are said on stderr; an MPI rank other than 0 reports
 * nothing). */
int cmd_variants_main(int argc, char **argv, cmd_variants_parse parse,
                      cmd_variants_build build, cmd_variants_finish finish,
                      cmd_variants_opts *o, void *out);

/* Draws png from input with the Python tool tools/NAME (PERPSIM_TOOLS, or
 * this tree's tools/): says where the figure is, or that it was not drawn
 * and what is written anyway (written, formatted as printf does). Returns
 * the exit status. */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
int cmd_draw(const char *cmd, const char *tool, const char *input,
             const char *png, const char *written, ...);

/* A value in its unit, short: "0.0123%", "$1.37B", "3.0"; "-" for NaN. */
void cmd_shown(double x, compare_unit u, char *out, size_t size);

/* "value [low, high]" in unit u, then " +" or " -" as sign says (a paired
 * difference whose interval excludes 0; 0 for none), or the value alone
 * when there is no interval (low NaN). */
void cmd_interval_text(double value, double low, double high, int sign,
                       compare_unit u, char *out, size_t size);

/* x in a CSV field: %.17g, nothing for NaN. */
void cmd_csv_number(FILE *f, double x);

/* "fraction", "share", "quote" or "count". */
const char *cmd_unit_name(compare_unit u);

/* A file written whole or not at all: cmd_part_open opens path.part (its
 * name in part) for writing, cmd_part_close closes it and renames it to
 * path. Both say what failed (NULL, -1). */
FILE *cmd_part_open(const char *cmd, const char *path,
                    char part[static CMD_PATH_MAX + 8]);
int cmd_part_close(const char *cmd, FILE *f, const char *part,
                   const char *path);

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

/* Whether c's command runs on MPI ranks: 1 when this perpsim has MPI and
 * --mpi was given or mpirun's environment is seen, 0 to run on local
 * workers, or EXIT_USAGE after saying that --mpi needs a perpsim built
 * with MPI. */
int cmd_uses_mpi(const cmd_sweep_opts *c);

/* "perpsim CMD: WHAT 'ARG'; try 'perpsim CMD --help'" on stderr (ARG may
 * be NULL); returns EXIT_USAGE. */
int cmd_usage(const char *cmd, const char *what, const char *arg);

/* The message for an unknown option arg ("--sed=4"), suggesting the
 * nearest of options (getopt_long's table); returns EXIT_USAGE. */
struct option;
int cmd_unknown_option(const char *cmd, const struct option *options,
                       const char *arg);

/* --summary FORMAT of run and inspect (cmd_summary.c). */
typedef enum cmd_summary_format {
    CMD_SUMMARY_TEXT, /* for people: summary_print */
    CMD_SUMMARY_CSV,  /* one row per metric of each run, with a header */
    CMD_SUMMARY_JSON, /* an array of one object per run */
} cmd_summary_format;

/* One run as the summary lists it: summary NULL for a run that failed,
 * with error saying why. */
typedef struct cmd_record {
    const char *scenario;      /* the file given; NULL: the built-in default */
    const char *name;          /* the scenario's name */
    uint64_t seed;
    const char *const *sets;   /* its overrides, "key=value" */
    size_t n_sets;
    const char *result;        /* the result file */
    const summary *summary;
    const char *error;
} cmd_record;

/* "text", "csv" or "json" into *f: 0, or -1 for another word. */
int cmd_summary_parse(const char *text, cmd_summary_format *f);

/* A list of records: open (csv's header, json's '['), before each record
 * next (its index from 0: json's separator), the records, close. A record
 * is self-contained, so a batch's workers write theirs and the parent
 * lists them in order. cmd_summary_record returns 0, or -1 when out
 * failed or memory ran out. */
void cmd_summary_open(FILE *out, cmd_summary_format f);
void cmd_summary_next(FILE *out, cmd_summary_format f, size_t index);
int cmd_summary_record(FILE *out, cmd_summary_format f, const cmd_record *r);
void cmd_summary_close(FILE *out, cmd_summary_format f);

#endif
