/*
 * main: the perpsim command line.
 *
 * One program, one subcommand per job (run, validate, inspect, calc, sweep,
 * compare, stress, calibrate, bench). This file owns argument parsing, help text and the mapping of
 * library status codes to exit statuses; the work itself is in libperpsim and,
 * for bench, in tests/bench/.
 *
 * Exit status: 0 success; 1 a run failed (or, with --check, an expectation
 * failed); 2 bad usage or invalid input. Every error is one line on stderr
 * that says what was wrong and where, with a hint where one helps.
 */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "calc.h"
#include "cleanup.h"
#include "cmd.h"
#include "perr.h"
#include "stress.h"
#include "suggest.h"
#include "version.h"
#include "world.h"

#define STRINGIFY(x) #x
#define AS_TEXT(x) STRINGIFY(x)


typedef struct command {
    const char *name;
    const char *summary;
    const char *help; /* the full text of `perpsim NAME --help` */
    /* NULL while the issue that builds the command has not landed. */
    int (*run)(int argc, char **argv);
    const char *pending; /* why run is NULL: which issue brings it */
    /* Set when the first argument names an item of the command (a benchmark,
     * a calculator) whose own --help takes over from the command's. */
    int nested;
    /* Appends what the command's help lists (its items), or NULL. */
    void (*help_items)(FILE *out);
} command;

static int bench_command(int argc, char **argv);
static void bench_help_items(FILE *out);
static int calc_command(int argc, char **argv);
static void calc_help_items(FILE *out);

static const char run_help[] =
    "usage: perpsim run [OPTIONS] [SCENARIO...]\n"
    "\n"
    "Run scenario files (none: the built-in default scenario) and write one\n"
    "HDF5 result per scenario, then print a summary of each.\n"
    "\n"
    "options:\n"
    "  -o, --output DIR     folder for result files (default: results/)\n"
    "      --seed N         override the scenario's seed\n"
    "      --set KEY=VALUE  override any scenario key, e.g.\n"
    "                       --set venues.binance.funding.interval=1h\n"
    "  -j, --jobs N         run N scenarios at once (default: 1)\n"
    "      --check          exit 1 if any expectation in `expect:` fails\n"
    "      --force          overwrite an existing result file\n"
    "      --check-invariants  check the exact ledger after every event that\n"
    "                       changes it (running totals, O(1)), recount it from\n"
    "                       scratch once per as many such events as the venue\n"
    "                       has accounts (at least " AS_TEXT(WORLD_RECOUNT_EVERY) ") and at the end;\n"
    "                       exit 1 naming the first broken invariant; the\n"
    "                       results are the same with it or without\n"
    "      --summary FORMAT text (default), csv or json: the summary as a\n"
    "                       table for scripts, one record per run in the\n"
    "                       order the scenarios were given (README.md,\n"
    "                       \"Summaries for scripts\")\n"
    "  -q, --quiet          print nothing but errors (and the table\n"
    "                       --summary csv|json asks for)\n"
    "  -h, --help           show this help\n"
    "\n"
    "A scenario shortened with --set duration=... runs without the shocks\n"
    "that lie at or after its new end, and says which it left out.\n";

static const char validate_help[] =
    "usage: perpsim validate SCENARIO...\n"
    "       perpsim validate --list-keys [SCENARIO...]\n"
    "\n"
    "Parse and check scenario files without running them: unknown keys, wrong\n"
    "types and out-of-range values are reported as FILE:LINE:COLUMN errors.\n"
    "\n"
    "options:\n"
    "      --set KEY=VALUE  apply an override before checking\n"
    "      --list-keys      print every key that --set can override in the\n"
    "                       scenarios (none: the built-in default), one per\n"
    "                       line, as venues.NAME.KEY for a venue's keys\n"
    "  -q, --quiet          print nothing but errors (the exit status says)\n"
    "  -h, --help           show this help\n";

static const char inspect_help[] =
    "usage: perpsim inspect [--summary FORMAT] RUN.h5 | SWEEP/sweep.h5\n"
    "\n"
    "Print the summary of a finished run from its result file (with the\n"
    "scenario file and --set overrides it ran with), or a sweep's index as\n"
    "a table (one row per run: its keys, status and headline figures).\n"
    "\n"
    "options:\n"
    "      --summary FORMAT text (default), csv or json, as `perpsim run`\n"
    "                       writes them (a run's result only)\n"
    "  -h, --help           show this help\n";

static const char calc_help[] =
    "usage: perpsim calc CALCULATOR [OPTIONS]\n"
    "\n"
    "Venue calculators, printing `key: value` lines, computed with the same\n"
    "margin arithmetic the engine liquidates by. `perpsim calc NAME --help`\n"
    "shows a calculator's options.\n"
    "\n"
    "calculators:\n";

static const char sweep_help[] =
    "usage: perpsim sweep [OPTIONS] SWEEP.yaml\n"
    "\n"
    "Run a parameter sweep: a scenario over a grid and/or a sample (Latin\n"
    "hypercube, Sobol, random) of scenario keys, each point at several\n"
    "replicate seeds (the same seeds at every point). Writes one result\n"
    "file per run, DIR/runs/ID.h5, and the index DIR/sweep.h5 (one row per\n"
    "run: its keys, status and every summary metric). Checks every run's\n"
    "scenario before any starts. Started again with the same command, it\n"
    "goes on where it stopped; a run that fails is recorded and the others\n"
    "go on. Under mpirun it hands runs out across the ranks.\n"
    "\n"
    "options:\n"
    "  -o, --output DIR     the sweep's folder (default: results/NAME, NAME\n"
    "                       the sweep file's name without .yaml)\n"
    "  -j, --jobs N         local worker processes (default: the number of\n"
    "                       processors)\n"
    "      --shard K/N      run only the K-th of N slices (K from 1), e.g. one\n"
    "                       task of a scheduler array; then --merge\n"
    "      --merge          build the index from every shard's runs\n"
    "      --mpi            use MPI even if mpirun's environment is not seen\n"
    "      --force          go on in a folder that holds another version of\n"
    "                       this sweep, redoing runs whose scenario changed\n"
    "      --dry-run        check the sweep and list its runs; run nothing\n"
    "  -q, --quiet          no progress line\n"
    "  -h, --help           show this help\n"
    "\n"
    "Sweep files: scenarios/README.md (\"Sweep files\"); an example:\n"
    "scenarios/sweep-cadence-leverage-fund.yaml.\n";

static const char compare_help[] =
    "usage: perpsim compare [OPTIONS] [SCENARIO] --vary KEY=V1,V2,...\n"
    "       perpsim compare [OPTIONS] [SCENARIO] --venues\n"
    "\n"
    "Compare variants of a scenario (none: the built-in default), such as\n"
    "funding cadences, over the same replicate seeds, so that each\n"
    "difference between variants is paired seed by seed; or, with --venues,\n"
    "the venues of one multi-venue scenario. Prints per variant the mean and\n"
    "95% interval over the seeds of the premium, the funding each side paid\n"
    "per day, settlements per day, liquidations (total, longs, shorts, peak\n"
    "minute, share in the worst 40 minutes), the least depth, the insurance\n"
    "fund's drawdown and ADL, then each variant's paired difference from the\n"
    "first with its interval. Writes DIR/compare.csv (the table),\n"
    "DIR/compare.h5 (the index of the runs), DIR/compare.png (the figure)\n"
    "and the runs under DIR/runs/. Started again, it goes on where it\n"
    "stopped; under mpirun the runs go out across the ranks. The scenario's\n"
    "expect: block is reported, never a failure.\n"
    "\n"
    "options:\n"
    "      --vary KEY=V1,V2 the variants: KEY at each value (repeat --vary for\n"
    "                       every combination of several keys), e.g.\n"
    "                       --vary venues.binance.funding.interval=8h,4h,1h\n"
    "      --venues         compare the scenario's venues instead\n"
    "      --set KEY=VALUE  an override of every run, e.g. --set duration=6h\n"
    "      --replicates N   seeds per variant: the scenario's seed and the N-1\n"
    "                       after it (default 10)\n"
    "  -o, --output DIR     the comparison's folder (default:\n"
    "                       results/SCENARIO-KEY-VALUES, such as\n"
    "                       results/cadence-8h-vs-1h-interval-8h-4h-1h, or\n"
    "                       results/SCENARIO-venues)\n"
    "  -j, --jobs N         local worker processes (default: the number of\n"
    "                       processors)\n"
    "      --force          go on in a folder that holds another comparison\n"
    "  -q, --quiet          no progress line\n"
    "  -h, --help           show this help\n";

static const char stress_help[] =
    "usage: perpsim stress [OPTIONS] SCENARIO --paths N [--vary KEY=V1,V2,...]\n"
    "\n"
    "A stress report on each venue's insurance fund: run the scenario at N\n"
    "paths (its seed and the N-1 after it), and with --vary each variant at\n"
    "the same paths, then print per venue and variant, with 95% percentile\n"
    "bootstrap intervals (" AS_TEXT(STRESS_RESAMPLES) " resamples of the paths, seeded from the\n"
    "scenario's seed): the fund's drawdown (mean, 95th, 99th, 99.9th\n"
    "percentile), the probability the fund is exhausted (ADL closed\n"
    "positions, or the fund fell to 0), the probability of ADL and its\n"
    "notional (mean, and mean given ADL), liquidations (mean, 95th\n"
    "percentile), the share of them in the worst 40 minutes, and the fund\n"
    "that would have covered 99% and 99.9% of paths (a percentile of the\n"
    "drawdown plus the loss ADL passed on, adl.shortfall); with --vary, each\n"
    "variant's paired difference from the first on the same paths. A\n"
    "percentile p needs 1/(1-p) paths (1000 for the 99.9th); with fewer it\n"
    "is the largest value, flagged, with no interval. Writes DIR/stress.csv\n"
    "(the table), DIR/stress.h5 (the table and every path's values),\n"
    "DIR/stress.png (the figure), the index DIR/sweep.h5 and the runs under\n"
    "DIR/runs/. Started again, it goes on\n"
    "where it stopped; under mpirun the runs go out across the ranks, with\n"
    "the same results at any -j or number of ranks.\n"
    "\n"
    "options:\n"
    "      --paths N        paths (replicate seeds) per variant, in [1, 1000000]\n"
    "      --vary KEY=V1,V2 the variants: KEY at each value (repeat --vary for\n"
    "                       every combination of several keys), e.g.\n"
    "                       --vary venues.binance.insurance_fund=10M,50M\n"
    "      --set KEY=VALUE  an override of every run, e.g. --set duration=6h\n"
    "  -o, --output DIR     the report's folder (default:\n"
    "                       results/stress-SCENARIO[-KEY-VALUES])\n"
    "  -j, --jobs N         local worker processes (default: the number of\n"
    "                       processors)\n"
    "      --force          go on in a folder that holds another report\n"
    "  -q, --quiet          no progress line\n"
    "  -h, --help           show this help\n";

static const char calibrate_help[] =
    "usage: perpsim calibrate [OPTIONS] CAL.yaml\n"
    "\n"
    "Find values of a scenario's free keys whose summary metrics, averaged\n"
    "over the same seeds at every candidate, hit targets (simulated method\n"
    "of moments): the objective is the sum over targets of weight *\n"
    "((mean - target) / scale)^2. Evaluates a space-filling sample of the\n"
    "keys' ranges (Sobol, Latin hypercube or random), then searches from the\n"
    "best of it with GSL's Nelder-Mead simplex in the unit cube of the\n"
    "ranges. Checks the file, the metrics and every start point before any\n"
    "run. Writes DIR/calibrated.yaml (the scenario with the best values, for\n"
    "perpsim run), DIR/report.txt, DIR/targets.csv (per target: target,\n"
    "mean, sd, min, max over the seeds) and DIR/path.csv (every evaluation).\n"
    "The same file gives the same bytes whatever -j, and under mpirun (the\n"
    "ranks run each batch of candidates; rank 0 writes the outputs).\n"
    "\n"
    "options:\n"
    "  -o, --output DIR     the folder of the outputs (default:\n"
    "                       results/calibrate-NAME, NAME the file's name\n"
    "                       without .yaml; results/NAME when NAME starts with\n"
    "                       calibrate)\n"
    "  -j, --jobs N         local worker processes for a candidate's seeds and\n"
    "                       the start's points (default: the number of\n"
    "                       processors)\n"
    "      --mpi            use MPI even if mpirun's environment is not seen\n"
    "      --force          replace the outputs of an earlier calibration\n"
    "  -q, --quiet          no progress line\n"
    "  -h, --help           show this help\n"
    "\n"
    "Calibration files: scenarios/README.md (\"Calibration files\"); an\n"
    "example: scenarios/calibrate-selloff.yaml.\n";

static const char bench_help[] =
    "usage: perpsim bench NAME [OPTIONS]\n"
    "\n"
    "Run the benchmark NAME and print its figures as `name: value` lines, the\n"
    "headline figure last. `perpsim bench NAME --help` shows its options.\n"
    "\n"
    "benchmarks:\n";

static const command commands[] = {
    {"run", "run scenarios and write HDF5 results", run_help, cmd_run, NULL, 0,
     NULL},
    {"validate", "check scenario files without running them", validate_help,
     cmd_validate, NULL, 0, NULL},
    {"inspect", "summarise a finished run's result file", inspect_help,
     cmd_inspect, NULL, 0, NULL},
    {"calc", "venue calculators: margin, liquidation price, funding",
     calc_help, calc_command, NULL, 1, calc_help_items},
    {"sweep", "parameter sweeps: local workers, MPI or shards", sweep_help,
     cmd_sweep, NULL, 0, NULL},
    {"compare", "compare variants (funding cadences) or venues, paired by seed",
     compare_help, cmd_compare, NULL, 0, NULL},
    {"stress", "insurance-fund stress report over many paths, with intervals",
     stress_help, cmd_stress, NULL, 0, NULL},
    {"calibrate", "fit scenario keys to target metrics over seeds",
     calibrate_help, cmd_calibrate, NULL, 0, NULL},
    {"bench", "run a benchmark and print its figures", bench_help,
     bench_command, NULL, 1, bench_help_items},
};

#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static void print_usage(FILE *out)
{
    fputs("usage: perpsim COMMAND [OPTIONS] [ARGS]\n"
          "\n"
          "perpsim simulates perpetual-futures venues to study liquidation\n"
          "cascades: order books, margin, liquidations, insurance funds, ADL and\n"
          "funding at each venue's cadence.\n"
          "\n"
          "commands:\n",
          out);
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        fprintf(out, "  %-9s %s%s\n", commands[i].name, commands[i].summary,
                commands[i].run ? "" : " (not in this build yet)");
    fputs("\n"
          "options:\n"
          "  -h, --help       show this help; `perpsim COMMAND --help` for a command\n"
          "  -V, --version    show the version and git revision\n"
          "\n"
          "exit status: 0 success, 1 a run or an expectation failed, 2 bad usage\n"
          "or invalid input.\n",
          out);
}

static void print_command_help(const command *c, FILE *out)
{
    fputs(c->help, out);
    if (c->help_items)
        c->help_items(out);
    if (!c->run)
        fprintf(out, "\nnot in this build yet: %s.\n", c->pending);
}

static int is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int unknown_command(const char *name)
{
    const char *names[COMMAND_COUNT];
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        names[i] = commands[i].name;
    const char *near = suggest_nearest(name, names, COMMAND_COUNT);
    if (near)
        fprintf(stderr,
                "perpsim: unknown command '%s' (did you mean '%s'?); try "
                "'perpsim --help'\n",
                name, near);
    else
        fprintf(stderr, "perpsim: unknown command '%s'; try 'perpsim --help'\n",
                name);
    return EXIT_USAGE;
}

/* Maps a library status to an exit status: bad input is a usage error, any
 * other failure a failed run. */
static int exit_status(int status)
{
    if (status == 0)
        return EXIT_OK;
    return status == PERR_INVALID ? EXIT_USAGE : EXIT_RUN_FAILED;
}

static void bench_help_items(FILE *out)
{
    for (const bench_entry *b = bench_table; b->name; b++)
        fprintf(out, "  %-12s %s\n", b->name, b->summary);
}

static int bench_command(int argc, char **argv)
{
    /* argv[0] is "bench". */
    if (argc < 2) {
        fputs("perpsim bench: missing benchmark name; try 'perpsim bench "
              "--help'\n",
              stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (name[0] == '-') {
        fprintf(stderr,
                "perpsim bench: unknown option '%s'; try 'perpsim bench "
                "--help'\n",
                name);
        return EXIT_USAGE;
    }
    const bench_entry *b = bench_find(name);
    if (!b) {
        const char *names[64];
        size_t n = 0;
        for (const bench_entry *p = bench_table; p->name && n < 64; p++)
            names[n++] = p->name;
        const char *near = suggest_nearest(name, names, n);
        fprintf(stderr,
                "perpsim bench: unknown benchmark '%s'%s%s%s; try 'perpsim "
                "bench --help'\n",
                name, near ? " (did you mean '" : "", near ? near : "",
                near ? "'?)" : "");
        return EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (is_help(argv[i])) {
            printf("usage: perpsim bench %s %s\n\n%s\n", b->name, b->usage,
                   b->summary);
            return EXIT_OK;
        }
    }
    perr e;
    perr_clear(&e);
    int status = b->run(argc - 1, argv + 1, stdout, &e);
    if (status != 0)
        fprintf(stderr, "perpsim bench %s: %s\n", b->name,
                e.msg[0] ? e.msg : perr_name(status));
    return exit_status(status);
}

static void calc_help_items(FILE *out)
{
    for (const calc_entry *c = calc_table; c->name; c++)
        fprintf(out, "  %-10s %s%s\n", c->name, c->summary,
                c->run ? "" : " (not in this build yet)");
}

static int calc_command(int argc, char **argv)
{
    /* argv[0] is "calc". */
    if (argc < 2 || argv[1][0] == '-') {
        if (argc >= 2)
            fprintf(stderr, "perpsim calc: unknown option '%s'; ", argv[1]);
        else
            fputs("perpsim calc: missing calculator name; ", stderr);
        fputs("try 'perpsim calc --help'\n", stderr);
        return EXIT_USAGE;
    }
    const calc_entry *c = calc_find(argv[1]);
    if (!c) {
        const char *names[16];
        size_t n = 0;
        for (const calc_entry *p = calc_table; p->name && n < 16; p++)
            names[n++] = p->name;
        const char *near = suggest_nearest(argv[1], names, n);
        fprintf(stderr,
                "perpsim calc: unknown calculator '%s'%s%s%s; try 'perpsim "
                "calc --help'\n",
                argv[1], near ? " (did you mean '" : "", near ? near : "",
                near ? "'?)" : "");
        return EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++)
        if (is_help(argv[i])) {
            printf("usage: perpsim calc %s %s\n\n%s\n", c->name, c->usage,
                   c->summary);
            if (!c->run)
                printf("\nnot in this build yet: %s.\n", c->pending);
            return EXIT_OK;
        }
    if (!c->run) {
        fprintf(stderr, "perpsim calc %s: not in this build yet: %s\n",
                c->name, c->pending);
        return EXIT_USAGE;
    }
    perr e;
    perr_clear(&e);
    calc_report answer = {0};
    int status = c->run(argc - 1, argv + 1, &answer, &e);
    if (status != 0)
        fprintf(stderr, "perpsim %s\n", e.msg[0] ? e.msg : perr_name(status));
    for (size_t i = 0; status == 0 && i < answer.n; i++)
        printf("%s: %s\n", answer.lines[i].key, answer.lines[i].value);
    calc_report_free(&answer);
    /* Every figure a calculator sees is the user's: one it cannot represent
     * (a notional of 9e18, an entry x size past 2^63) is bad input too. */
    return exit_status(status == PERR_RANGE ? PERR_INVALID : status);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return EXIT_USAGE;
    }
    const char *first = argv[1];
    if (is_help(first) || strcmp(first, "help") == 0) {
        if (argc > 2 && strcmp(first, "help") == 0) {
            const command *c = find_command(argv[2]);
            if (!c)
                return unknown_command(argv[2]);
            print_command_help(c, stdout);
            return EXIT_OK;
        }
        print_usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(first, "-V") == 0 || strcmp(first, "--version") == 0) {
        printf("perpsim %s (git %s)\n", version_string, version_revision);
        return EXIT_OK;
    }
    if (first[0] == '-') {
        fprintf(stderr, "perpsim: unknown option '%s'; try 'perpsim --help'\n",
                first);
        return EXIT_USAGE;
    }
    const command *c = find_command(first);
    if (!c)
        return unknown_command(first);
    /* Stopped by SIGINT, SIGTERM or SIGHUP, a run leaves no part file and a
     * batch no worker behind (cleanup.h). */
    cleanup_install();
    /* HDF5's own clean-up at exit closes what is still open, and a file
     * whose close failed (a full disk) crashes it (HDF5 1.10): perpsim
     * closes everything it opens, so it does without. */
    H5dont_atexit();
    /* A command's own --help always works, even before its issue lands. For
     * a nested command, `COMMAND ITEM --help` is the item's help, which the
     * command gives itself. */
    if (!c->nested || argc < 3 || argv[2][0] == '-') {
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--") == 0)
                break;
            if (is_help(argv[i])) {
                print_command_help(c, stdout);
                return EXIT_OK;
            }
        }
    }
    if (!c->run) {
        fprintf(stderr, "perpsim %s: not in this build yet: %s\n", c->name,
                c->pending);
        return EXIT_USAGE;
    }
    return c->run(argc - 1, argv + 1);
}
