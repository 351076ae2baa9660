/*
 * cmd_run: the commands that run and read scenarios: `perpsim run`,
 * `perpsim validate` and `perpsim inspect` (README.md, "Commands").
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
#define _GNU_SOURCE /* getopt_long, open_memstream */
#include "cmd.h"

#include <errno.h>
#include <getopt.h>
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
#include "rule.h"
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
    cmd_summary_format format;
    int list_keys; /* validate --list-keys */
    const char **files;
    size_t n_files;
} run_options;

static int usage_error(const char *cmd, const char *what, const char *arg)
{
    return cmd_usage(cmd, what, arg);
}

/* The options of run, validate and inspect, in one table; each command
 * takes the ones its row of takes[] names (getopt_long gets only those, so
 * a suggestion for a misspelt option is always one the command has). */
enum { OPT_SEED = 256, OPT_SET, OPT_CHECK, OPT_FORCE, OPT_INVARIANTS,
       OPT_SUMMARY, OPT_LIST_KEYS };

static const struct option all_long[] = {
    {"output", required_argument, NULL, 'o'},
    {"seed", required_argument, NULL, OPT_SEED},
    {"set", required_argument, NULL, OPT_SET},
    {"jobs", required_argument, NULL, 'j'},
    {"check", no_argument, NULL, OPT_CHECK},
    {"force", no_argument, NULL, OPT_FORCE},
    {"check-invariants", no_argument, NULL, OPT_INVARIANTS},
    {"summary", required_argument, NULL, OPT_SUMMARY},
    {"list-keys", no_argument, NULL, OPT_LIST_KEYS},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
};

#define ALL_LONG (sizeof all_long / sizeof all_long[0])

static const struct {
    const char *cmd, *shorts, *names; /* names: " name name ... " */
} takes[] = {
    {"run", ":o:j:qh", " output seed set jobs check force check-invariants "
                       "summary quiet help "},
    {"validate", ":qh", " set list-keys quiet help "},
    {"inspect", ":h", " summary help "},
};

/* cmd's options into table (ALL_LONG + 1 entries, ended by zeros); its
 * short options. */
static const char *options_of(const char *cmd, struct option *table)
{
    size_t row = 0;
    while (row + 1 < sizeof takes / sizeof takes[0]
           && strcmp(takes[row].cmd, cmd) != 0)
        row++;
    size_t n = 0;
    for (size_t i = 0; i < ALL_LONG; i++) {
        char word[32];
        snprintf(word, sizeof word, " %s ", all_long[i].name);
        if (strstr(takes[row].names, word))
            table[n++] = all_long[i];
    }
    table[n] = (struct option){NULL, 0, NULL, 0};
    return takes[row].shorts;
}

/* A seed is a whole number of 64 bits, written in decimal. */
static int valid_seed(const char *v)
{
    if (!*v || strspn(v, "0123456789") != strlen(v))
        return 0;
    errno = 0;
    char *end;
    strtoull(v, &end, 10);
    return errno == 0 && *end == '\0';
}

/* One option of cmd (what getopt_long returned, ch) into o: EXIT_OK, or
 * EXIT_USAGE after saying what is wrong. */
static int take_option(const char *cmd, int ch, char **argv,
                       const struct option *table, run_options *o)
{
    switch (ch) {
    case 'o': o->out_dir = optarg; return EXIT_OK;
    case OPT_SEED:
        if (!valid_seed(optarg))
            return usage_error(cmd, "--seed takes a whole number in [0, "
                               "18446744073709551615], got", optarg);
        snprintf(o->seed_set, sizeof o->seed_set, "seed=%s", optarg);
        return EXIT_OK;
    case OPT_SET:
        if (!strchr(optarg, '='))
            return usage_error(cmd, "--set takes KEY=VALUE, got", optarg);
        o->sets[o->n_sets++] = optarg;
        return EXIT_OK;
    case 'j': {
        char *end;
        long j = strtol(optarg, &end, 10);
        if (end == optarg || *end || j < 1 || j > 256)
            return usage_error(cmd, "-j takes a number of workers in "
                               "[1, 256], got", optarg);
        o->jobs = (int)j;
        return EXIT_OK;
    }
    case OPT_CHECK: o->check = 1; return EXIT_OK;
    case OPT_FORCE: o->force = 1; return EXIT_OK;
    case OPT_INVARIANTS: o->check_invariants = 1; return EXIT_OK;
    case OPT_LIST_KEYS: o->list_keys = 1; return EXIT_OK;
    case OPT_SUMMARY:
        if (cmd_summary_parse(optarg, &o->format) != 0)
            return usage_error(cmd, "--summary takes text, csv or json, got",
                               optarg);
        return EXIT_OK;
    case 'q': o->quiet = 1; return EXIT_OK;
    case 'h': return EXIT_OK; /* main.c prints the help before this */
    case ':':
        return usage_error(cmd, "a value is missing after", argv[optind - 1]);
    default:
        return cmd_unknown_option(cmd, table,
                                  optopt ? (char[]){'-', (char)optopt, 0}
                                         : argv[optind - 1]);
    }
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
    struct option table[ALL_LONG + 1];
    const char *shorts = options_of(cmd, table);
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, shorts, table, NULL)) != -1) {
        int status = take_option(cmd, ch, argv, table, o);
        if (status != EXIT_OK)
            return status;
    }
    for (int i = optind; i < argc; i++)
        o->files[o->n_files++] = argv[i];
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

/* Says that file's run leaves out shocks beyond its end (scenario.h). */
static void warn_dropped(const char *cmd, const char *file,
                         const char *dropped)
{
    fprintf(stderr,
            "perpsim %s: %s: warning: left out what lies at or after the "
            "end of the run: %s\n",
            cmd, file ? file : "(built-in default)", dropped);
}

/* Runs one scenario and writes its report to out (the text summary, or
 * the run's record for --summary csv|json); returns the exit status. */
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
        const char *why = e.msg[0] ? e.msg : perr_name(rc);
        fprintf(stderr, "perpsim run: %s\n", why);
        if (o->format != CMD_SUMMARY_TEXT) {
            cmd_record r = {.scenario = file, .sets = o->sets,
                            .n_sets = o->n_sets, .error = why};
            cmd_summary_record(out, o->format, &r);
        }
        /* Bad input (a scenario, an output path that is not a folder, a
         * result that exists) is 2; a file system that refuses the result
         * (permission denied, a full disk, a folder removed) is 1, whether
         * the run had begun or not. */
        return !res.ran && rc == PERR_INVALID ? EXIT_USAGE : EXIT_RUN_FAILED;
    }
    if (res.shocks_dropped[0] && !o->quiet)
        warn_dropped("run", file, res.shocks_dropped);
    if (o->format != CMD_SUMMARY_TEXT) {
        cmd_record r = {file, res.name, res.seed, o->sets, o->n_sets,
                        res.path, &res.summary, NULL};
        cmd_summary_record(out, o->format, &r);
    } else if (!o->quiet) {
        fprintf(out, "scenario %s (seed %" PRIu64 "): %.1f s of wall time, "
                     "%" PRIu64 " events\n",
                res.name, res.seed, res.wall_s, res.events);
        summary_print(out, &res.summary);
        fprintf(out, "result: %s\n", res.path);
    }
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
    char **records; /* --summary csv|json: each run's record, by task */
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
        if (b->records) {
            char *text = NULL;
            size_t len = 0;
            FILE *mem = open_memstream(&text, &len);
            cmd_record rec = {.scenario = b->files[r->task],
                              .sets = b->o->sets, .n_sets = b->o->n_sets,
                              .error = r->why};
            if (mem) {
                cmd_summary_record(mem, b->o->format, &rec);
                fclose(mem);
            }
            b->records[r->task] = text;
        }
    } else if (r->len > 0) {
        status = r->data[0] - '0';
        cmd_progress_clear(&b->progress);
        if (b->records) {
            b->records[r->task] = strndup(r->data + 1, r->len - 1);
        } else {
            fwrite(r->data + 1, 1, r->len - 1, stdout);
            fflush(stdout);
        }
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
 * would take the other's place, with the message of a result that exists
 * (runner_refuse_taken). A scenario that does not load is left to
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
            perr_clear(&e);
            runner_refuse_taken(paths[i], files[j], files[i], &e);
            fprintf(stderr, "perpsim run: %s\n", e.msg);
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
        cmd_summary_open(stdout, o.format);
        status = run_one(&o, files[0], stdout, progress);
        cmd_summary_close(stdout, o.format);
        free_run_options(&o);
        return status;
    }
    if ((status = refuse_same_results(&o, files, n)) != EXIT_OK) {
        free_run_options(&o);
        return status;
    }
    run_batch b = {&o, files, EXIT_OK, {0}, NULL};
    if (o.format != CMD_SUMMARY_TEXT
        && !(b.records = calloc(n, sizeof *b.records))) {
        fprintf(stderr, "perpsim run: no memory for %zu records\n", n);
        free_run_options(&o);
        return EXIT_RUN_FAILED;
    }
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
    /* A script reads the records in the order the scenarios were given,
     * whichever finished first. */
    if (b.records) {
        cmd_summary_open(stdout, o.format);
        for (size_t i = 0, k = 0; i < n; i++) {
            if (!b.records[i])
                continue;
            cmd_summary_next(stdout, o.format, k++);
            fputs(b.records[i], stdout);
            free(b.records[i]);
        }
        cmd_summary_close(stdout, o.format);
        free(b.records);
    }
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
 * (models/venues/README.md) and of every risk policy
 * ("venues.binance.policies.circuit_breaker.move"). Bash completion of --set reads them. */
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
    /* and every key of every risk policy, which --set may list */
    for (size_t v = 0; rc == 0 && v < s->n_venues; v++)
        for (const param_choice *const *c = rule_policies; rc == 0 && *c; c++)
            for (const param_key *k = (*c)->keys; rc == 0 && k->key; k++) {
                snprintf(key, sizeof key, "venues.%s.policies.%s.%s",
                         s->venues[v].name, (*c)->name, k->key);
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
        if (scenario_validate_file(o.files[k], o.sets, o.n_sets, &s, &e) != 0) {
            fprintf(stderr, "perpsim validate: %s\n", e.msg);
            status = EXIT_USAGE;
            continue;
        }
        if (o.quiet) {
            scenario_free(&s);
            continue;
        }
        if (s.shocks_dropped[0])
            warn_dropped("validate", o.files[k], s.shocks_dropped);
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
    run_options o;
    int status = parse_run_options("inspect", argc, argv, &o);
    if (status == EXIT_OK && o.n_files != 1)
        status = usage_error("inspect",
                             o.n_files == 0 ? "missing result file"
                                            : "takes exactly one result file",
                             NULL);
    if (status != EXIT_OK) {
        free_run_options(&o);
        return status;
    }
    const char *path = o.files[0];
    cmd_summary_format format = o.format;
    free_run_options(&o);
    guard_reading(path);
    if (sweep_index_is(path) == 1) {
        if (format != CMD_SUMMARY_TEXT)
            return usage_error("inspect", "--summary csv|json reads a run's "
                               "result; a sweep's index is read with "
                               "tools/perpsim.py, got", path);
        return cmd_inspect_sweep(path);
    }
    output_info info;
    summary s;
    memset(&s, 0, sizeof s);
    perr e;
    perr_clear(&e);
    int rc = output_read(path, &info, &s, &e);
    if (rc != 0) {
        fprintf(stderr, "perpsim inspect: %s\n", e.msg);
        return rc == PERR_NOMEM ? EXIT_RUN_FAILED : EXIT_USAGE;
    }
    /* The run's overrides, one "key=value" per line in the file. */
    const char *sets[64];
    size_t n_sets = 0;
    for (char *line = info.sets; *line && n_sets < 64;) {
        sets[n_sets++] = line;
        char *nl = strchr(line, '\n');
        if (!nl)
            break;
        *nl = '\0';
        line = nl + 1;
    }
    if (format != CMD_SUMMARY_TEXT) {
        cmd_record r = {info.source[0] ? info.source : NULL,
                        info.scenario_name, info.seed, sets, n_sets, path,
                        &s, NULL};
        cmd_summary_open(stdout, format);
        cmd_summary_record(stdout, format, &r);
        cmd_summary_close(stdout, format);
        summary_free(&s);
        return EXIT_OK;
    }
    int64_t h = info.duration_ms / 3600000, m = info.duration_ms / 60000 % 60;
    printf("scenario %s (seed %" PRIu64 "), %" PRId64 "h%02" PRId64
           "m simulated, %zu samples, written by perpsim %s\n",
           info.scenario_name, info.seed, h, m, info.samples,
           info.perpsim_version);
    if (info.source[0])
        printf("from %s", info.source);
    for (size_t i = 0; i < n_sets; i++)
        printf(" --set %s", sets[i]);
    if (info.source[0] || n_sets)
        printf("\n");
    summary_print(stdout, &s);
    summary_free(&s);
    return EXIT_OK;
}
