/*
 * cmd_run: the commands that run and read scenarios: `perpsim run`,
 * `perpsim validate` and `perpsim inspect` (design.md, "Command line").
 * Part of the program, not the library: this is where printing and exit
 * statuses live. Exit status: 0 success; 1 a run failed, or an expectation
 * failed under --check; 2 bad usage or invalid input (a scenario that does
 * not load, a result that exists without --force).
 *
 * `run -j N` runs its scenarios in N worker processes at once (fork); each
 * worker prints its whole report in one write when its run ends, so reports
 * never interleave, and the progress line is drawn only when one scenario
 * runs at a time on a terminal.
 */
#define _POSIX_C_SOURCE 200809L /* fork, open_memstream, isatty */
#include "cmd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "output.h"
#include "runner.h"
#include "scenario.h"
#include "summary.h"

enum { EXIT_OK = 0, EXIT_RUN_FAILED = 1, EXIT_USAGE = 2 };

typedef struct run_options {
    const char *out_dir;
    const char **sets;
    size_t n_sets;
    char seed_set[64]; /* --seed N as the override "seed=N" */
    int jobs, check, force, quiet, check_invariants;
    const char **files;
    size_t n_files;
} run_options;

/* Prints "perpsim CMD: WHAT 'ARG'; try ..." (ARG may be NULL). */
static int usage_error(const char *cmd, const char *what, const char *arg)
{
    fprintf(stderr, "perpsim %s: %s%s%s%s; try 'perpsim %s --help'\n", cmd,
            what, arg ? " '" : "", arg ? arg : "", arg ? "'" : "", cmd);
    return EXIT_USAGE;
}

/* The value of option argv[*i]: "--opt=value" or the next argument. */
static const char *option_value(const char *cmd, int argc, char **argv, int *i)
{
    const char *eq = strchr(argv[*i], '=');
    if (argv[*i][1] == '-' && eq)
        return eq + 1;
    if (*i + 1 >= argc) {
        usage_error(cmd, "a value is missing after", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

static int is_option(const char *arg, const char *shrt, const char *lng)
{
    size_t n = strlen(lng);
    return (shrt && strcmp(arg, shrt) == 0) || strcmp(arg, lng) == 0
           || (strncmp(arg, lng, n) == 0 && arg[n] == '=');
}

static int parse_run_options(const char *cmd, int argc, char **argv,
                             run_options *o)
{
    memset(o, 0, sizeof o[0]);
    o->out_dir = "results";
    o->jobs = 1;
    o->sets = calloc((size_t)argc + 1, sizeof *o->sets);
    o->files = calloc((size_t)argc + 1, sizeof *o->files);
    if (!o->sets || !o->files) {
        fprintf(stderr, "perpsim %s: out of memory\n", cmd);
        return EXIT_RUN_FAILED;
    }
    int only_files = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v;
        if (only_files || a[0] != '-' || strcmp(a, "-") == 0) {
            o->files[o->n_files++] = a;
        } else if (strcmp(a, "--") == 0) {
            only_files = 1;
        } else if (is_option(a, NULL, "--set")) {
            if (!(v = option_value(cmd, argc, argv, &i)))
                return EXIT_USAGE;
            if (!strchr(v, '='))
                return usage_error(cmd, "--set takes KEY=VALUE, got", v);
            o->sets[o->n_sets++] = v;
        } else if (strcmp(cmd, "validate") == 0) {
            return usage_error(cmd, "unknown option", a);
        } else if (is_option(a, "-o", "--output")) {
            if (!(o->out_dir = option_value(cmd, argc, argv, &i)))
                return EXIT_USAGE;
        } else if (is_option(a, NULL, "--seed")) {
            if (!(v = option_value(cmd, argc, argv, &i)))
                return EXIT_USAGE;
            /* The scenario loader checks it like any seed. */
            snprintf(o->seed_set, sizeof o->seed_set, "seed=%s", v);
        } else if (is_option(a, "-j", "--jobs")) {
            if (!(v = option_value(cmd, argc, argv, &i)))
                return EXIT_USAGE;
            char *end;
            long j = strtol(v, &end, 10);
            if (*end || j < 1 || j > 256)
                return usage_error(cmd, "-j takes a number of workers in "
                                   "[1, 256], got", v);
            o->jobs = (int)j;
        } else if (strcmp(a, "--check") == 0) {
            o->check = 1;
        } else if (strcmp(a, "--force") == 0) {
            o->force = 1;
        } else if (strcmp(a, "--check-invariants") == 0) {
            o->check_invariants = 1;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            o->quiet = 1;
        } else {
            return usage_error(cmd, "unknown option", a);
        }
    }
    /* --seed applies after every --set, as the last word. */
    if (o->seed_set[0])
        o->sets[o->n_sets++] = o->seed_set;
    return EXIT_OK;
}

static void free_run_options(run_options *o)
{
    free(o->sets);
    free(o->files);
}

/* Runs one scenario and writes its report to out; returns the exit status. */
static int run_one(const run_options *o, const char *file, FILE *out,
                   FILE *progress)
{
    runner_job job = {file, o->sets, o->n_sets, o->out_dir, o->force,
                      o->check_invariants, progress};
    runner_result res;
    perr e;
    perr_clear(&e);
    int rc = runner_run(&job, &res, &e);
    if (rc != 0) {
        fprintf(stderr, "perpsim run: %s\n", e.msg[0] ? e.msg : perr_name(rc));
        return rc == PERR_INVALID || rc == PERR_IO ? EXIT_USAGE : EXIT_RUN_FAILED;
    }
    fprintf(out, "scenario %s (seed %" PRIu64 "): %.1f s of wall time, "
                 "%" PRIu64 " events\n",
            res.name, res.seed, res.wall_s, res.events);
    summary_print(out, &res.summary);
    fprintf(out, "result: %s\n", res.path);
    int failed = !summary_all_pass(&res.summary);
    runner_result_free(&res);
    return failed && o->check ? EXIT_RUN_FAILED : EXIT_OK;
}

/* Runs the report of one scenario in a child, printed in one write. */
static int run_in_child(const run_options *o, const char *file)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        return EXIT_RUN_FAILED;
    int status = run_one(o, file, mem, NULL);
    fclose(mem);
    fwrite(text, 1, len, stdout);
    fflush(stdout);
    free(text);
    return status;
}

static int worst(int a, int b)
{
    return a > b ? a : b;
}

int cmd_run(int argc, char **argv)
{
    run_options o;
    int status = parse_run_options("run", argc, argv, &o);
    if (status != EXIT_OK) {
        free_run_options(&o);
        return status;
    }
    static const char *const default_only[] = {NULL};
    const char *const *files = o.n_files ? o.files : default_only;
    size_t n = o.n_files ? o.n_files : 1;
    FILE *progress = !o.quiet && isatty(fileno(stderr)) ? stderr : NULL;
    if (o.jobs == 1 || n == 1) {
        for (size_t k = 0; k < n; k++)
            status = worst(status, run_one(&o, files[k], stdout,
                                           n == 1 ? progress : NULL));
        free_run_options(&o);
        return status;
    }
    fflush(stdout);
    size_t next = 0, running = 0;
    while (next < n || running > 0) {
        while (next < n && running < (size_t)o.jobs) {
            pid_t pid = fork();
            if (pid < 0) {
                fprintf(stderr, "perpsim run: cannot start a worker: %s\n",
                        strerror(errno));
                status = worst(status, EXIT_RUN_FAILED);
                next = n;
                break;
            }
            if (pid == 0)
                _exit(run_in_child(&o, files[next]));
            next++;
            running++;
        }
        if (running == 0)
            break;
        int ws;
        if (wait(&ws) < 0)
            break;
        running--;
        status = worst(status, WIFEXITED(ws) ? WEXITSTATUS(ws) : EXIT_RUN_FAILED);
    }
    free_run_options(&o);
    return status;
}

int cmd_validate(int argc, char **argv)
{
    run_options o;
    int status = parse_run_options("validate", argc, argv, &o);
    if (status == EXIT_OK && o.n_files == 0)
        status = usage_error("validate", "missing scenario file", NULL);
    for (size_t k = 0; status != EXIT_USAGE && k < o.n_files; k++) {
        scenario s;
        perr e;
        perr_clear(&e);
        if (scenario_load_file(o.files[k], o.sets, o.n_sets, &s, &e) != 0) {
            fprintf(stderr, "perpsim validate: %s\n", e.msg);
            status = EXIT_USAGE;
            continue;
        }
        size_t shocks = s.n_shocks, pops = s.n_populations;
        printf("%s: ok (%zu venue%s, %zu population%s, %zu shock%s, %zu "
               "expectation%s)\n",
               o.files[k], s.n_venues, s.n_venues == 1 ? "" : "s", pops,
               pops == 1 ? "" : "s", shocks, shocks == 1 ? "" : "s",
               s.n_expects, s.n_expects == 1 ? "" : "s");
        scenario_free(&s);
    }
    free_run_options(&o);
    return status;
}

int cmd_inspect(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-')
        return usage_error("inspect",
                           argc < 2 ? "missing result file"
                                    : "takes exactly one result file", NULL);
    output_info info;
    summary s;
    memset(&s, 0, sizeof s);
    perr e;
    perr_clear(&e);
    int rc = output_read(argv[1], &info, &s, &e);
    if (rc != 0) {
        fprintf(stderr, "perpsim inspect: %s\n", e.msg);
        return rc == PERR_NOMEM ? EXIT_RUN_FAILED : EXIT_USAGE;
    }
    int64_t h = info.duration_ms / 3600000, m = info.duration_ms / 60000 % 60;
    printf("scenario %s (seed %" PRIu64 "), %" PRId64 "h%02" PRId64
           "m simulated, %zu samples, written by perpsim %s\n",
           info.scenario_name, info.seed, h, m, info.samples,
           info.perpsim_version);
    summary_print(stdout, &s);
    summary_free(&s);
    return EXIT_OK;
}
