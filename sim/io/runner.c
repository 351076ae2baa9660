/*
 * runner: one scenario from file to result (runner.h). The order of the
 * steps is what keeps a failure clean: everything that can be refused (the
 * scenario, an existing result) is refused before the world is built, the
 * output lives under its part file (output.h) until the summary is in it,
 * and every failure after that aborts the output, which removes the part
 * file.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, mkdir, access */
#include "runner.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "output.h"
#include "pcg.h"
#include "scenario_load.h"
#include "version.h"
#include "wallclock.h"
#include "world.h"

static int is_seed(const char *set)
{
    return strncmp(set, "seed=", 5) == 0;
}

static int slug_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '.';
}

size_t runner_slug(const char *const *sets, size_t n, char *out, size_t size)
{
    size_t len = 0, cap = size ? size - 1 : 0;
    if (cap > RUNNER_SLUG_MAX)
        cap = RUNNER_SLUG_MAX;
    for (size_t i = 0; i < n && len < cap; i++) {
        if (is_seed(sets[i]))
            continue;
        const char *eq = strchr(sets[i], '=');
        if (len && len < cap)
            out[len++] = '_';
        /* Other bytes become one '-' between the kept ones: "[1, 2]" is
         * "1-2", "5%" is "5". */
        size_t start = len;
        int gap = 0;
        for (const char *c = eq ? eq + 1 : sets[i]; *c && len < cap; c++) {
            if (!slug_char(*c)) {
                gap = 1;
                continue;
            }
            if (gap && len > start && len + 1 < cap)
                out[len++] = '-';
            gap = 0;
            out[len++] = *c;
        }
    }
    while (len && (out[len - 1] == '_' || out[len - 1] == '-'))
        len--;
    if (size)
        out[len] = '\0';
    return len;
}

void runner_result_path(const char *out_dir, const char *name,
                        const char *const *sets, size_t n_sets, uint64_t seed,
                        char *out, size_t size)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a over "set\n" each */
    size_t overrides = 0;
    for (size_t i = 0; i < n_sets; i++) {
        if (is_seed(sets[i]))
            continue;
        overrides++;
        for (const char *c = sets[i];; c++) {
            h = (h ^ (unsigned char)(*c ? *c : '\n')) * 0x100000001b3u;
            if (!*c)
                break;
        }
    }
    if (!overrides) {
        snprintf(out, size, "%s/%s-seed%" PRIu64 ".h5", out_dir, name, seed);
        return;
    }
    char slug[RUNNER_SLUG_MAX + 1];
    runner_slug(sets, n_sets, slug, sizeof slug);
    snprintf(out, size, "%s/%s-%s%s%06" PRIx64 "-seed%" PRIu64 ".h5", out_dir,
             name, slug, slug[0] ? "-" : "", pcg_mix64(h) >> 40, seed);
}

int runner_refuse_taken(const char *path, const char *first,
                        const char *second, perr *e)
{
    static const char builtin[] = "(built-in default)";
    if (!first && !second)
        return perr_set(e, PERR_INVALID,
                        "%s: exists; use --force to overwrite it or -o for "
                        "another folder",
                        path);
    return perr_set(e, PERR_INVALID,
                    "%s: exists twice in this batch, from %s and %s (the "
                    "same name, overrides and seed); give one another "
                    "`name:` or seed, or run them separately with -o; "
                    "nothing was run",
                    path, first ? first : builtin, second ? second : builtin);
}

/* A progress line on a terminal: simulated time, percent, events/s and
 * what has been liquidated, redrawn in place at most a few times a second. */
typedef struct progress_line {
    FILE *out;
    double start, last_draw;
} progress_line;

static void draw_progress(void *ctx, const world_progress *p)
{
    progress_line *pl = ctx;
    double now = wallclock_seconds();
    int done = p->now >= p->duration;
    if (!done && now - pl->last_draw < 0.25)
        return;
    pl->last_draw = now;
    double elapsed = now - pl->start;
    int64_t s = p->now / 1000;
    fprintf(pl->out,
            "\r  %3" PRId64 ":%02" PRId64 ":%02" PRId64 " simulated  %5.1f%%  "
            "%6.2fM events/s  liquidated $%.1fM   %s",
            s / 3600, s / 60 % 60, s % 60,
            p->duration > 0 ? 100.0 * (double)p->now / (double)p->duration : 100.0,
            elapsed > 0 ? (double)p->events / elapsed / 1e6 : 0.0,
            p->liquidated / 1e6, done ? "\n" : "");
    fflush(pl->out);
}

int runner_make_dir(const char *dir, perr *e)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return perr_set(e, PERR_INVALID, "%s: path too long", dir);
    for (char *c = path + 1; *c; c++) {
        if (*c != '/')
            continue;
        *c = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return perr_set(e, PERR_IO, "%s: cannot create: %s", path,
                            strerror(errno));
        *c = '/';
    }
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return perr_set(e, PERR_IO, "%s: cannot create: %s", path,
                        strerror(errno));
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return perr_set(e, PERR_INVALID, "%s: not a folder", path);
    return 0;
}

int runner_run(const runner_job *job, runner_result *res, perr *e)
{
    memset(res, 0, sizeof *res);
    double t0 = wallclock_seconds();
    scenario s;
    memset(&s, 0, sizeof s);
    int rc = scenario_load(job->scenario, job->sets, job->places, job->n_sets,
                           &s, e);
    if (rc != 0)
        return rc;
    snprintf(res->name, sizeof res->name, "%s", s.name);
    snprintf(res->shocks_dropped, sizeof res->shocks_dropped, "%s",
             s.shocks_dropped);
    res->seed = s.seed;
    res->scenario_hash = pcg_fnv1a64(s.resolved);
    output *o = NULL;
    world *w = NULL;
    if (job->out_path) {
        if (snprintf(res->path, sizeof res->path, "%s", job->out_path)
            >= (int)sizeof res->path) {
            rc = perr_set(e, PERR_INVALID, "%.60s...: path too long",
                          job->out_path);
            goto done;
        }
    } else if (job->out_dir) {
        runner_result_path(job->out_dir, s.name, job->sets, job->n_sets,
                           s.seed, res->path, sizeof res->path);
        if (!job->force && access(res->path, F_OK) == 0) {
            rc = runner_refuse_taken(res->path, NULL, NULL, e);
            goto done;
        }
        if ((rc = runner_make_dir(job->out_dir, e)) != 0)
            goto done;
    }
    world_options opt = {job->check_invariants};
    if (!(w = world_new(&s, &opt, e))) {
        rc = perr_status(e, PERR_STATE);
        goto done;
    }
    if (res->path[0]) {
        output_meta meta = {s.name, s.source, s.resolved,
                            (const char *const *)s.sets, s.n_sets, s.seed,
                            s.start_utc_ms, s.duration_ms};
        if (!(o = output_open(res->path, &meta, job->force, e))) {
            rc = perr_status(e, PERR_IO);
            goto done;
        }
    }
    res->setup_s = wallclock_seconds() - t0;
    progress_line pl = {job->progress, wallclock_seconds(), 0};
    sink out = output_sink(o);
    res->ran = 1;
    rc = world_run(w, o ? &out : NULL, job->progress ? draw_progress : NULL,
                   &pl, e);
    if (rc == 0)
        rc = world_summarize(w, &res->summary, e);
    if (rc == 0 && o) {
        rc = output_commit(o, &res->summary, e);
        o = NULL; /* committed or not, output_commit freed it */
    }
    res->events = world_events(w);
    world_book_counts(w, &res->book);
    res->agents = world_agents(w);
    res->sim_ms = s.duration_ms;
done:
    output_abort(o);
    world_free(w);
    scenario_free(&s);
    res->wall_s = wallclock_seconds() - t0;
    if (rc != 0) {
        summary_free(&res->summary);
        res->path[0] = '\0';
    }
    return rc;
}

void runner_result_free(runner_result *res)
{
    summary_free(&res->summary);
}
