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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flat.h"
#include "output.h"
#include "pool.h"
#include "profile_yaml.h"
#include "runner.h"
#include "scenario_load.h"
#include "summary.h"
#include "sweep_index.h"


typedef struct run_options {
    const char *out_dir;
    const char **sets;
    size_t n_sets;
    char seed_set[64]; /* --seed N as the override "seed=N" */
    int jobs, check, force, quiet, check_invariants;
    int list_keys; /* validate --list-keys */
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
        } else if (strcmp(cmd, "validate") == 0
                   && strcmp(a, "--list-keys") == 0) {
            o->list_keys = 1;
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
    runner_job job = {.scenario = file,
                      .sets = o->sets,
                      .n_sets = o->n_sets,
                      .out_dir = o->out_dir,
                      .force = o->force,
                      .check_invariants = o->check_invariants,
                      .progress = progress};
    runner_result res;
    perr e;
    perr_clear(&e);
    int rc = runner_run(&job, &res, &e);
    if (rc != 0) {
        fprintf(stderr, "perpsim run: %s\n", e.msg[0] ? e.msg : perr_name(rc));
        /* Bad input (a scenario, an output path that is not a folder, a
         * result that exists) is 2; a file system that refuses the result
         * (permission denied, a full disk, a folder removed) is 1, whether
         * the run had begun or not. */
        return !res.ran && rc == PERR_INVALID ? EXIT_USAGE : EXIT_RUN_FAILED;
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

static int worst(int a, int b)
{
    return a > b ? a : b;
}

/* `run -j N`: scenarios as tasks of the worker pool. A worker's result is
 * its exit status (one byte) and the report, which the parent prints in
 * one write when the run ends, so reports never interleave. */
typedef struct run_batch {
    const run_options *o;
    const char *const *files;
    int status;
    cmd_progress progress;
} run_batch;

static void batch_work(void *ctx, size_t task, FILE *out)
{
    run_batch *b = ctx;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    int status = mem ? run_one(b->o, b->files[task], mem, NULL)
                     : EXIT_RUN_FAILED;
    if (mem)
        fclose(mem);
    fputc('0' + status, out);
    if (text)
        fwrite(text, 1, len, out);
    free(text);
}

static int batch_done(void *ctx, const pool_result *r)
{
    run_batch *b = ctx;
    int status = EXIT_RUN_FAILED;
    if (r->died) {
        cmd_progress_clear(&b->progress);
        fprintf(stderr, "perpsim run: %s: %s\n",
                b->files[r->task] ? b->files[r->task] : "(built-in default)",
                r->why);
    } else if (r->len > 0) {
        status = r->data[0] - '0';
        cmd_progress_clear(&b->progress);
        fwrite(r->data + 1, 1, r->len - 1, stdout);
        fflush(stdout);
    }
    b->status = worst(b->status, status);
    cmd_progress_step(&b->progress, status != EXIT_OK);
    return 0;
}

static void batch_tick(void *ctx)
{
    run_batch *b = ctx;
    cmd_progress_draw(&b->progress);
}

/* Before a batch starts: two of its scenarios that would write the same
 * result file (the same name, overrides and seed) are refused, since one
 * would take the other's place. A scenario that does not load is left to
 * its run, which reports it. Returns the exit status (EXIT_OK: none). */
static int refuse_same_results(const run_options *o,
                               const char *const *files, size_t n)
{
    if (!o->out_dir)
        return EXIT_OK;
    char (*paths)[4096] = calloc(n, sizeof *paths);
    if (!paths) {
        fprintf(stderr, "perpsim run: no memory for %zu result names\n", n);
        return EXIT_RUN_FAILED;
    }
    int status = EXIT_OK;
    for (size_t i = 0; i < n && status == EXIT_OK; i++) {
        scenario s;
        perr e;
        perr_clear(&e);
        memset(&s, 0, sizeof s);
        if (scenario_load(files[i], o->sets, NULL, o->n_sets, &s, &e) != 0)
            continue;
        runner_result_path(o->out_dir, s.name, o->sets, o->n_sets, s.seed,
                           paths[i], sizeof paths[i]);
        scenario_free(&s);
        for (size_t j = 0; j < i; j++) {
            if (strcmp(paths[i], paths[j]) != 0)
                continue;
            fprintf(stderr,
                    "perpsim run: %s and %s would both write %s (the same "
                    "name and seed); give one another `name:` or seed, or run "
                    "them separately with -o; nothing was run\n",
                    files[j] ? files[j] : "(built-in default)",
                    files[i] ? files[i] : "(built-in default)", paths[i]);
            status = EXIT_USAGE;
            break;
        }
    }
    free(paths);
    return status;
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
    if (n == 1) {
        status = run_one(&o, files[0], stdout, progress);
        free_run_options(&o);
        return status;
    }
    if ((status = refuse_same_results(&o, files, n)) != EXIT_OK) {
        free_run_options(&o);
        return status;
    }
    run_batch b = {&o, files, EXIT_OK, {0}};
    cmd_progress_start(&b.progress, progress, "runs", n);
    pool_ops ops = {batch_work, batch_done, batch_tick};
    perr e;
    perr_clear(&e);
    if (pool_run(n, o.jobs, &ops, &b, &e) != 0) {
        cmd_progress_clear(&b.progress);
        fprintf(stderr, "perpsim run: %s\n", e.msg);
        b.status = worst(b.status, EXIT_RUN_FAILED);
    }
    cmd_progress_finish(&b.progress);
    free_run_options(&o);
    return b.status;
}

/* Prints key once: keys[0..*n) are those printed so far. */
static int print_key_once(const char *key, char ***keys, size_t *n,
                          size_t *cap)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*keys)[i], key) == 0)
            return 0;
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 256;
        char **k = realloc(*keys, c * sizeof *k);
        if (!k)
            return PERR_NOMEM;
        *keys = k;
        *cap = c;
    }
    size_t len = strlen(key);
    char *copy = malloc(len + 1);
    if (!copy)
        return PERR_NOMEM;
    memcpy(copy, key, len + 1);
    (*keys)[(*n)++] = copy;
    puts(key);
    return 0;
}

/* `validate --list-keys`: every key of s that --set can override, one per
 * line, as the resolved scenario holds them (after defaults and overrides:
 * "populations[3].leverage.median"), a venue's keys by its name
 * ("venues.binance.insurance_fund") and with every key of its profile
 * (models/venues/README.md). Bash completion of --set reads them. */
static int list_keys(const scenario *s, perr *e)
{
    flat_doc d;
    flat_init(&d, "the resolved scenario", e);
    int rc = flat_parse(&d, s->resolved, strlen(s->resolved), "scenario", "");
    char **keys = NULL;
    size_t n = 0, cap = 0;
    char key[FLAT_PATH_MAX + 64];
    for (size_t i = 0; rc == 0 && i < d.n; i++) {
        const flat_entry *en = &d.entries[i];
        if (en->dead || en->kind != FLAT_SCALAR)
            continue;
        size_t v;
        int at;
        if (sscanf(en->path, "venues[%zu]%n", &v, &at) == 1
            && v < s->n_venues && en->path[at] == '.') {
            if (strcmp(en->path + at, ".name") == 0)
                continue;
            snprintf(key, sizeof key, "venues.%s%s", s->venues[v].name,
                     en->path + at);
        } else {
            snprintf(key, sizeof key, "%s", en->path);
        }
        rc = print_key_once(key, &keys, &n, &cap);
    }
    for (size_t v = 0; rc == 0 && v < s->n_venues; v++)
        for (const char *const *k = profile_yaml_keys(); rc == 0 && *k; k++) {
            snprintf(key, sizeof key, "venues.%s.%s", s->venues[v].name, *k);
            rc = print_key_once(key, &keys, &n, &cap);
        }
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
    flat_free(&d);
    if (rc == PERR_NOMEM)
        perr_set(e, PERR_NOMEM, "out of memory");
    return rc;
}

int cmd_validate(int argc, char **argv)
{
    run_options o;
    int status = parse_run_options("validate", argc, argv, &o);
    if (status == EXIT_OK && o.list_keys) {
        /* The keys of each scenario given, or of the built-in default. */
        size_t n = o.n_files ? o.n_files : 1;
        for (size_t k = 0; status == EXIT_OK && k < n; k++) {
            scenario s;
            perr e;
            perr_clear(&e);
            if (scenario_load(o.n_files ? o.files[k] : NULL, o.sets, NULL,
                              o.n_sets, &s, &e) != 0) {
                fprintf(stderr, "perpsim validate: %s\n", e.msg);
                status = EXIT_USAGE;
                break;
            }
            if (list_keys(&s, &e) != 0) {
                fprintf(stderr, "perpsim validate: %s\n", e.msg);
                status = EXIT_RUN_FAILED;
            }
            scenario_free(&s);
        }
        free_run_options(&o);
        return status;
    }
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

/* Debian's HDF5 (1.10) trusts the object sizes in a file's global heap, where
 * variable-length strings live: a damaged size makes H5Aread copy past its
 * buffer and fault inside the library, where no error can be returned (a
 * file with a flipped byte at the right place does it; tests/test_inputs.c).
 * inspect reads files it did not write, so a fault while it reads one is
 * reported as what it is, a damaged file: one line, exit 2, not a crash. */
static char inspect_fault_line[4200];
static size_t inspect_fault_len;

static void inspect_fault(int sig)
{
    (void)sig;
    ssize_t w = write(STDERR_FILENO, inspect_fault_line, inspect_fault_len);
    (void)w;
    _exit(EXIT_USAGE);
}

static void guard_reading(const char *path)
{
    snprintf(inspect_fault_line, sizeof inspect_fault_line,
             "perpsim inspect: %s: damaged: the HDF5 library faulted reading "
             "it\n",
             path);
    inspect_fault_len = strlen(inspect_fault_line);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = inspect_fault;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}

int cmd_inspect(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-')
        return usage_error("inspect",
                           argc < 2 ? "missing result file"
                                    : "takes exactly one result file", NULL);
    guard_reading(argv[1]);
    if (sweep_index_is(argv[1]) == 1)
        return cmd_inspect_sweep(argv[1]);
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
