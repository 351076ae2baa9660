/*
 * cmd_variants: the variants of a scenario at replicate seeds (cmd.h),
 * which `perpsim compare` and `perpsim stress` both run as a sweep: their
 * --vary and --set options, their default folder, the sweep file made of
 * them (checked value by value, so that a bad value is reported as the
 * user wrote it), the figure each draws with a Python tool, and how their
 * tables show and write numbers.
 */
#define _GNU_SOURCE /* open_memstream, realpath, getopt_long */
#include "cmd.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"
#include "scenario_load.h"

#ifndef PERPSIM_TOOLS_DIR
#define PERPSIM_TOOLS_DIR "tools"
#endif

int cmd_variants_option(cmd_variants *v, int ch, const char *arg)
{
    switch (ch) {
    case 'V':
        if (v->n_vary == CMD_VARY_MAX)
            return cmd_usage(v->cmd,
                             "at most 8 --vary; the variants are every "
                             "combination of their values: drop",
                             arg);
        v->vary[v->n_vary++] = arg;
        return 0;
    case 's':
        if (!strchr(arg, '=') || arg[0] == '=')
            return cmd_usage(v->cmd, "--set takes KEY=VALUE, got", arg);
        if (v->n_sets == CMD_SETS_MAX)
            return cmd_usage(v->cmd, "too many --set; drop", arg);
        v->sets[v->n_sets++] = arg;
        return 0;
    default: return 1;
    }
}

int cmd_variants_scenario(cmd_variants *v, const char *file)
{
    v->scenario = file;
    if (file && !realpath(file, v->scenario_abs)) {
        fprintf(stderr, "perpsim %s: %s: %s\n", v->cmd, file,
                strerror(errno));
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

void cmd_variants_dir(const cmd_variants *v, char *out, size_t size)
{
    int len = (int)strlen(out);
    if (v->by_venue) {
        snprintf(out + len, size - (size_t)len, "-venues");
        return;
    }
    for (size_t i = 0; i < v->n_vary && (size_t)len < size; i++) {
        /* the key's last part, then its values */
        const char *eq = strchr(v->vary[i], '=');
        const char *key = v->vary[i];
        const char *dot = key;
        for (const char *c = key; eq && c < eq; c++)
            if (*c == '.')
                dot = c + 1;
        char part[256];
        snprintf(part, sizeof part, "%.*s=%s", eq ? (int)(eq - dot) : 0, dot,
                 eq ? eq + 1 : "");
        const char *sets[] = {part};
        char values[RUNNER_SLUG_MAX + 1];
        runner_slug(sets, 1, values, sizeof values);
        len += snprintf(out + len, size - (size_t)len, "-%.*s-%s",
                        eq ? (int)(eq - dot) : 0, dot, values);
    }
}

/* Says what e reports; the exit status for it: 1 when memory ran out, 2
 * for bad input. */
static int refused(const cmd_variants *v, const perr *e)
{
    fprintf(stderr, "perpsim %s: %s\n", v->cmd, e->msg);
    return e->code == PERR_NOMEM ? EXIT_RUN_FAILED : EXIT_USAGE;
}

/* Appends s as a YAML single-quoted scalar. */
static void quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

/* The scenario with the fixed overrides: it must load on its own, with
 * two venues or more for by_venue; fills v->seed. */
static int check_base(cmd_variants *v, const char *path)
{
    scenario s;
    perr e;
    perr_clear(&e);
    if (scenario_load(path, v->sets, NULL, v->n_sets, &s, &e) != 0)
        return refused(v, &e);
    int status = EXIT_OK;
    v->seed = s.seed;
    if (v->by_venue && s.n_venues < 2) {
        fprintf(stderr,
                "perpsim %s: %s has one venue; --venues compares the venues "
                "of a scenario with two or more (or vary a key with "
                "--vary)\n",
                v->cmd, v->scenario ? v->scenario : "(built-in default)");
        status = EXIT_USAGE;
    }
    scenario_free(&s);
    return status;
}

/* The values of --vary i as a YAML list; each loaded with the fixed
 * overrides when check asks. */
static int vary_values(const cmd_variants *v, size_t i, const char *path,
                       int check, FILE *f)
{
    const char *eq = strchr(v->vary[i], '=');
    if (!eq || eq == v->vary[i] || !eq[1])
        return cmd_usage(v->cmd, "--vary takes KEY=V1,V2,..., got",
                         v->vary[i]);
    char origin[1200];
    snprintf(origin, sizeof origin, "--vary %s", v->vary[i]);
    fprintf(f, "  '%.*s': [", (int)(eq - v->vary[i]), v->vary[i]);
    size_t n_values = 0;
    int status = EXIT_OK;
    for (const char *x = eq + 1; *x;) {
        size_t vlen = strcspn(x, ",");
        if (vlen == 0) {
            status = cmd_usage(v->cmd, "--vary has an empty value in",
                               v->vary[i]);
            break;
        }
        char set[1200];
        snprintf(set, sizeof set, "%.*s=%.*s", (int)(eq - v->vary[i]),
                 v->vary[i], (int)vlen, x);
        const char *sets[CMD_SETS_MAX + 1], *places[CMD_SETS_MAX + 1];
        for (size_t k = 0; k < v->n_sets; k++) {
            sets[k] = v->sets[k];
            places[k] = NULL;
        }
        sets[v->n_sets] = set;
        places[v->n_sets] = origin;
        scenario s;
        perr e;
        perr_clear(&e);
        if (check == SWEEP_CHECK_RUNS
            && scenario_load(path, sets, places, v->n_sets + 1, &s, &e)
                   != 0) {
            status = refused(v, &e);
            break;
        }
        if (check == SWEEP_CHECK_RUNS)
            scenario_free(&s);
        if (n_values++)
            fputs(", ", f);
        char value[1024];
        snprintf(value, sizeof value, "%.*s", (int)vlen, x);
        quoted(f, value);
        x += vlen + (x[vlen] == ',');
    }
    fputs("]\n", f);
    if (status == EXIT_OK && n_values < 2)
        status = cmd_usage(v->cmd,
                           "--vary needs two values or more to compare, got",
                           v->vary[i]);
    return status;
}

int cmd_variants_plan(cmd_variants *v, int check, char **text, size_t *len)
{
    const char *path = v->scenario ? v->scenario_abs : NULL;
    FILE *f = open_memstream(text, len);
    if (!f)
        return EXIT_RUN_FAILED;
    fprintf(f, "# perpsim %s: %s at %lu replicate seeds\n", v->cmd,
            v->by_venue ? "the venues of the scenario" : "variants",
            v->replicates);
    if (path) {
        fputs("scenario: ", f);
        quoted(f, path);
        fputc('\n', f);
    }
    if (v->n_sets) {
        fputs("set:\n", f);
        for (size_t i = 0; i < v->n_sets; i++) {
            const char *eq = strchr(v->sets[i], '=');
            fprintf(f, "  '%.*s': ", (int)(eq - v->sets[i]), v->sets[i]);
            quoted(f, eq + 1);
            fputc('\n', f);
        }
    }
    int status = check_base(v, path);
    if (v->n_vary)
        fputs("grid:\n", f);
    for (size_t i = 0; status == EXIT_OK && i < v->n_vary; i++)
        status = vary_values(v, i, path, check, f);
    fprintf(f, "replicates: %lu\n", v->replicates);
    fclose(f);
    return status;
}

int cmd_variants_load(void *ctx, const cmd_sweep_opts *c, int check,
                      sweep *s)
{
    cmd_variants *v = ctx;
    char *text = NULL;
    size_t len = 0;
    int status = cmd_variants_plan(v, check, &text, &len);
    if (status != EXIT_OK) {
        free(text);
        return status;
    }
    char name[CMD_PATH_MAX];
    snprintf(name, sizeof name, "%s/sweep.yaml", c->dir);
    perr e;
    perr_clear(&e);
    int loaded = sweep_load_text(name, text, len, check, s, &e);
    free(text);
    return loaded != 0 ? refused(v, &e) : EXIT_OK;
}

int cmd_variants_options(int argc, char **argv, const struct option *options,
                         cmd_own_option own, cmd_variants_opts *o,
                         const char **out)
{
    int ch;
    while ((ch = getopt_long(argc, argv, CMD_SWEEP_SHORT, options, NULL))
           != -1) {
        int rc = cmd_variants_option(&o->var, ch, optarg);
        if (rc == 1)
            rc = own(o, ch, optarg);
        if (rc == 1)
            rc = cmd_sweep_option(ch, argv, options, &o->run, out);
        if (rc)
            return rc;
    }
    if (optind + 1 < argc)
        return cmd_usage(o->run.cmd, "takes one scenario file; extra argument",
                         argv[optind + 1]);
    return EXIT_OK;
}

const char *cmd_in_dir(const cmd_sweep_opts *c, const char *file,
                       char buf[static CMD_PATH_MAX])
{
    snprintf(buf, CMD_PATH_MAX, "%s/%s", c->dir, file);
    return buf;
}

int cmd_variants_main(int argc, char **argv, cmd_variants_parse parse,
                      cmd_variants_build build, cmd_variants_finish finish,
                      cmd_variants_opts *o, void *out)
{
    int status = parse(argc, argv, o);
    if (status != EXIT_OK)
        return status;
    const cmd_sweep_opts *c = &o->run;
    int root;
    status = cmd_sweep_run(c, cmd_variants_load, &o->var, &argc, &argv, &root);
    if (status == EXIT_USAGE || !root)
        return status;
    char index[CMD_PATH_MAX];
    cmd_in_dir(c, c->index_name, index);
    sweep_index ix;
    perr e;
    perr_clear(&e);
    if (sweep_index_read(index, &ix, &e) != 0) {
        fprintf(stderr, "perpsim %s: %s\n", c->cmd, e.msg);
        return EXIT_RUN_FAILED;
    }
    int rc = build(&ix, o, out, &e);
    sweep_index_free(&ix);
    if (rc != 0) {
        fprintf(stderr, "perpsim %s: %s: %s\n", c->cmd, index, e.msg);
        return rc == PERR_INVALID ? EXIT_USAGE : EXIT_RUN_FAILED;
    }
    int reported = finish(o, out, index);
    return reported > status ? reported : status;
}

int cmd_draw(const char *cmd, const char *tool_name, const char *input,
             const char *png, const char *written, ...)
{
    const char *tools = getenv("PERPSIM_TOOLS");
    if (!tools)
        tools = PERPSIM_TOOLS_DIR;
    char tool[4200];
    snprintf(tool, sizeof tool, "%s/%s", tools, tool_name);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        execl("/usr/bin/python3", "python3", tool, input, "-o", png,
              (char *)NULL);
        fprintf(stderr, "perpsim %s: cannot start /usr/bin/python3: %s\n",
                cmd, strerror(errno));
        _exit(127);
    }
    int ws = 0;
    if (pid < 0 || waitpid(pid, &ws, 0) < 0 || !WIFEXITED(ws)
        || WEXITSTATUS(ws) != 0) {
        char what[CMD_PATH_MAX + 128];
        va_list ap;
        va_start(ap, written);
        vsnprintf(what, sizeof what, written, ap);
        va_end(ap);
        fprintf(stderr, "perpsim %s: %s was not drawn (%s failed; %s)\n",
                cmd, png, tool, what);
        return EXIT_RUN_FAILED;
    }
    printf("figure: %s\n", png);
    return EXIT_OK;
}

/* ---- the tables of compare and stress ----------------------------------- */

void cmd_shown(double x, compare_unit u, char *out, size_t size)
{
    if (isnan(x)) {
        snprintf(out, size, "-");
        return;
    }
    double a = fabs(x);
    const char *sign = x < 0 ? "-" : "";
    switch (u) {
    case COMPARE_FRACTION: snprintf(out, size, "%.4f%%", 100 * x); break;
    case COMPARE_SHARE: snprintf(out, size, "%.1f%%", 100 * x); break;
    case COMPARE_COUNT: snprintf(out, size, "%.2f", x); break;
    case COMPARE_QUOTE:
        if (a >= 1e9)
            snprintf(out, size, "%s$%.3gB", sign, a / 1e9);
        else if (a >= 1e6)
            snprintf(out, size, "%s$%.3gM", sign, a / 1e6);
        else if (a >= 1e3)
            snprintf(out, size, "%s$%.3gk", sign, a / 1e3);
        else
            snprintf(out, size, "%s$%.3g", sign, a);
        break;
    }
}

void cmd_interval_text(double value, double low, double high, int sign,
                       compare_unit u, char *out, size_t size)
{
    char m[32], lo[32], hi[32];
    cmd_shown(value, u, m, sizeof m);
    if (isnan(low)) {
        snprintf(out, size, "%s", m);
        return;
    }
    cmd_shown(low, u, lo, sizeof lo);
    cmd_shown(high, u, hi, sizeof hi);
    snprintf(out, size, "%s [%s, %s]%s", m, lo, hi,
             sign > 0 ? " +" : sign < 0 ? " -" : "");
}


void cmd_csv_number(FILE *f, double x)
{
    if (!isnan(x))
        fprintf(f, "%.17g", x);
}

const char *cmd_unit_name(compare_unit u)
{
    static const char *const names[] = {"fraction", "share", "quote",
                                        "count"};
    return names[u];
}

FILE *cmd_part_open(const char *cmd, const char *path,
                    char part[static CMD_PATH_MAX + 8])
{
    snprintf(part, CMD_PATH_MAX + 8, "%s.part", path);
    FILE *f = fopen(part, "w");
    if (!f)
        fprintf(stderr, "perpsim %s: %s: %s\n", cmd, part, strerror(errno));
    return f;
}

int cmd_part_close(const char *cmd, FILE *f, const char *part,
                   const char *path)
{
    int bad = ferror(f) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(part, path) != 0) {
        fprintf(stderr, "perpsim %s: %s: cannot write: %s\n", cmd, path,
                strerror(errno));
        remove(part);
        return -1;
    }
    return 0;
}
