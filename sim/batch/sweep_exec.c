/*
 * sweep_exec: the sweep's folder and the task of one run (sweep_exec.h).
 */
#define _POSIX_C_SOURCE 200809L /* mkdir, getpid */
#include "sweep_exec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner.h"
#include "sweep_log.h"

int sweep_exec_same_sweep(const sweep *s, const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/sweep.yaml", dir);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    int same = 1;
    size_t at = 0;
    char buf[8192];
    for (size_t got; (got = fread(buf, 1, sizeof buf, f)) > 0; at += got)
        if (at + got > s->text_len || memcmp(buf, s->text + at, got) != 0) {
            same = 0;
            break;
        }
    fclose(f);
    return same && at == s->text_len;
}

/* Writes s's text to dir/sweep.yaml through a temporary file. */
static int save_copy(const sweep *s, const char *dir, perr *e)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/sweep.yaml", dir);
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return perr_set(e, PERR_IO, "%s: cannot create: %s", tmp,
                        strerror(errno));
    int bad = fwrite(s->text, 1, s->text_len, f) != s->text_len;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        int err = errno;
        remove(tmp);
        return perr_set(e, PERR_IO, "%s: cannot write: %s", path,
                        strerror(err));
    }
    return 0;
}

int sweep_exec_prepare(const sweep *s, const char *dir, int force, perr *e)
{
    char sub[4096];
    int rc = runner_make_dir(dir, e);
    if (rc == 0) {
        snprintf(sub, sizeof sub, "%s/runs", dir);
        rc = runner_make_dir(sub, e);
    }
    if (rc == 0) {
        snprintf(sub, sizeof sub, "%s/journal", dir);
        rc = runner_make_dir(sub, e);
    }
    if (rc != 0)
        return rc;
    int same = sweep_exec_same_sweep(s, dir);
    if (same == 1)
        return 0;
    if (same == 0 && !force)
        return perr_set(e, PERR_STATE,
                        "%s holds another sweep (its sweep.yaml is not this "
                        "one's); use another -o folder, or --force to go on "
                        "with this one (runs whose scenario changed are "
                        "redone)",
                        dir);
    return save_copy(s, dir, e);
}

void sweep_exec_run(const sweep *s, const char *dir, size_t r, FILE *out)
{
    const sweep_run *run = &s->runs[r];
    size_t cap = s->n_sets + s->n_keys + 1;
    const char **sets = calloc(cap, sizeof *sets);
    const char **places = calloc(cap, sizeof *places);
    char path[4096];
    snprintf(path, sizeof path, "%s/runs/%s.h5", dir, run->id);
    if (!sets || !places) {
        free(sets);
        free(places);
        sweep_record_print(out, run->id, 0, 0, 0, NULL, "out of memory");
        return;
    }
    char seed[32];
    size_t n = sweep_run_overrides(s, r, sets, places, seed);
    runner_job job = {.scenario = sweep_scenario(s),
                      .sets = sets,
                      .places = places,
                      .n_sets = n,
                      .out_path = path,
                      .force = 1};
    runner_result res;
    perr e;
    perr_clear(&e);
    int rc = runner_run(&job, &res, &e);
    if (rc == 0) {
        sweep_record_print(out, run->id, 1, res.scenario_hash, res.wall_s,
                           &res.summary, NULL);
        runner_result_free(&res);
    } else {
        sweep_record_print(out, run->id, 0, res.scenario_hash, res.wall_s,
                           NULL, e.msg[0] ? e.msg : perr_name(rc));
    }
    free(sets);
    free(places);
}
