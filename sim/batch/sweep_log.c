/*
 * sweep_log: run records as lines, journals of them (sweep_log.h).
 *
 * Numbers are written with 17 significant digits, so a value read back is
 * the double the run computed (NaN and infinities as "nan", "inf"). An
 * error message has its tabs and line breaks turned into spaces.
 */
#define _DEFAULT_SOURCE /* flock, strdup, getline */
#include "sweep_log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grow.h"

int sweep_record_print(FILE *out, const char *id, int ok, uint64_t hash,
                       double wall_s, const summary *s, const char *error)
{
    int expect = -1;
    if (s && s->n_checks)
        expect = summary_all_pass(s);
    fprintf(out, "run\t%s\t%s\t%016" PRIx64 "\t%.6f\t%d\t", id,
            ok ? "ok" : "failed", hash, wall_s, expect);
    for (const char *c = error ? error : ""; *c; c++)
        fputc(*c == '\t' || *c == '\n' || *c == '\r' ? ' ' : *c, out);
    for (size_t i = 0; s && i < s->n_items; i++)
        fprintf(out, "\t%s=%.17g", s->items[i].name, s->items[i].value);
    fputc('\n', out);
    return ferror(out) ? PERR_IO : 0;
}

double sweep_record_value(const sweep_record *r, size_t i)
{
    return i < r->n_values ? r->values[i] : NAN;
}

/* The index of name in the table, added when new; SIZE_MAX on no memory. */
static size_t metric_index(sweep_metrics *m, const char *name, size_t len)
{
    if (m->hint < m->n && strlen(m->names[m->hint]) == len
        && memcmp(m->names[m->hint], name, len) == 0)
        return m->hint++;
    for (size_t i = 0; i < m->n; i++)
        if (strlen(m->names[i]) == len && memcmp(m->names[i], name, len) == 0) {
            m->hint = i + 1;
            return i;
        }
    char **names = grow_for_one(m->names, m->n, &m->cap, sizeof *names, 64);
    if (!names)
        return SIZE_MAX;
    m->names = names;
    char *copy = malloc(len + 1);
    if (!copy)
        return SIZE_MAX;
    memcpy(copy, name, len);
    copy[len] = '\0';
    m->names[m->n] = copy;
    m->hint = m->n + 1;
    return m->n++;
}

/* The next tab-separated field of [*p, end): its start and length. */
static int next_field(const char **p, const char *end, const char **f,
                      size_t *len)
{
    if (*p > end)
        return 0;
    const char *tab = memchr(*p, '\t', (size_t)(end - *p));
    const char *stop = tab ? tab : end;
    *f = *p;
    *len = (size_t)(stop - *p);
    *p = stop + 1;
    return 1;
}

static int field_is(const char *f, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(f, word, len) == 0;
}

/* Parses len bytes at f as a double into *x with strtod; 0 on success. */
static int field_double(const char *f, size_t len, double *x)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, f, len);
    buf[len] = '\0';
    char *end;
    *x = strtod(buf, &end);
    return *end ? -1 : 0;
}

int sweep_records_parse(sweep_records *recs, const char *line, size_t len)
{
    const char *end = line + len;
    if (len && end[-1] == '\n')
        end--;
    const char *p = line, *f;
    size_t fl;
    sweep_record r;
    memset(&r, 0, sizeof r);
    if (!next_field(&p, end, &f, &fl) || !field_is(f, fl, "run"))
        return PERR_INVALID;
    if (!next_field(&p, end, &f, &fl) || fl == 0 || fl >= sizeof r.id)
        return PERR_INVALID;
    memcpy(r.id, f, fl);
    if (!next_field(&p, end, &f, &fl)
        || !(field_is(f, fl, "ok") || field_is(f, fl, "failed")))
        return PERR_INVALID;
    r.ok = field_is(f, fl, "ok");
    char hex[17];
    if (!next_field(&p, end, &f, &fl) || fl != 16)
        return PERR_INVALID;
    memcpy(hex, f, 16);
    hex[16] = '\0';
    char *hend;
    r.scenario_hash = strtoull(hex, &hend, 16);
    double expect;
    if (*hend || !next_field(&p, end, &f, &fl)
        || field_double(f, fl, &r.wall_s) != 0
        || !next_field(&p, end, &f, &fl) || field_double(f, fl, &expect) != 0
        || !next_field(&p, end, &f, &fl))
        return PERR_INVALID;
    r.expect = (int)expect;
    if (fl >= SWEEP_ERROR_MAX)
        fl = SWEEP_ERROR_MAX - 1;
    r.error = malloc(fl + 1);
    if (!r.error)
        return PERR_NOMEM;
    memcpy(r.error, f, fl);
    r.error[fl] = '\0';
    int rc = 0;
    size_t cap = 0;
    while (rc == 0 && next_field(&p, end, &f, &fl)) {
        const char *eq = memchr(f, '=', fl);
        double x;
        if (!eq || eq == f
            || field_double(eq + 1, fl - (size_t)(eq + 1 - f), &x) != 0) {
            rc = PERR_INVALID;
            break;
        }
        size_t i = metric_index(&recs->metrics, f, (size_t)(eq - f));
        if (i == SIZE_MAX) {
            rc = PERR_NOMEM;
            break;
        }
        if (i >= cap) {
            size_t ncap = recs->metrics.n > 2 * cap ? recs->metrics.n : 2 * cap;
            double *grown = realloc(r.values, ncap * sizeof *grown);
            if (!grown) {
                rc = PERR_NOMEM;
                break;
            }
            for (size_t k = cap; k < ncap; k++)
                grown[k] = NAN;
            r.values = grown;
            cap = ncap;
        }
        r.values[i] = x;
        if (i + 1 > r.n_values)
            r.n_values = i + 1;
    }
    if (rc == 0) {
        sweep_record *grown = grow_for_one(recs->r, recs->n, &recs->cap,
                                           sizeof *grown, 256);
        if (!grown)
            rc = PERR_NOMEM;
        else
            recs->r = grown;
    }
    if (rc != 0) {
        free(r.error);
        free(r.values);
        return rc;
    }
    r.order = recs->n;
    recs->r[recs->n++] = r;
    return 0;
}

/* Parses every whole line of the file at path. */
static int read_journal(sweep_records *recs, const char *path, perr *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return perr_set(e, PERR_IO, "%s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] != '\n') { /* cut short by a kill */
            recs->skipped++;
            break;
        }
        int prc = sweep_records_parse(recs, line, (size_t)n);
        if (prc == PERR_NOMEM)
            rc = perr_set(e, PERR_NOMEM, "%s: out of memory", path);
        else if (prc != 0 && line[0] != '#')
            recs->skipped++;
    }
    if (rc == 0 && ferror(f))
        rc = perr_set(e, PERR_IO, "%s: read error", path);
    free(line);
    fclose(f);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int sweep_records_read_dir(sweep_records *recs, const char *dir, perr *e)
{
    char jdir[4096];
    snprintf(jdir, sizeof jdir, "%s/journal", dir);
    DIR *d = opendir(jdir);
    if (!d)
        return errno == ENOENT ? 0
                               : perr_set(e, PERR_IO, "%s: %s", jdir,
                                          strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (struct dirent *de; rc == 0 && (de = readdir(d));) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".log") != 0)
            continue;
        char **grown = grow_for_one(names, n, &cap, sizeof *grown, 16);
        if (!grown) {
            rc = perr_set(e, PERR_NOMEM, "out of memory");
            break;
        }
        names = grown;
        if (!(names[n] = strdup(de->d_name)))
            rc = perr_set(e, PERR_NOMEM, "out of memory");
        else
            n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", jdir, names[i]);
        rc = read_journal(recs, path, e);
    }
    GROW_FREE_EACH(names, n);
    return rc;
}

void sweep_records_free(sweep_records *recs)
{
    for (size_t i = 0; i < recs->n; i++) {
        free(recs->r[i].error);
        free(recs->r[i].values);
    }
    free(recs->r);
    GROW_FREE_EACH(recs->metrics.names, recs->metrics.n);
    memset(recs, 0, sizeof *recs);
}

int sweep_journal_open(sweep_journal *j, const char *dir, const char *tag,
                       perr *e)
{
    j->fd = -1;
    char jdir[4096];
    snprintf(jdir, sizeof jdir, "%s/journal", dir);
    if (mkdir(jdir, 0777) != 0 && errno != EEXIST)
        return perr_set(e, PERR_IO, "%s: cannot create: %s", jdir,
                        strerror(errno));
    if (snprintf(j->path, sizeof j->path, "%s/%s.log", jdir, tag)
        >= (int)sizeof j->path)
        return perr_set(e, PERR_INVALID, "%s: path too long", jdir);
    j->fd = open(j->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (j->fd < 0)
        return perr_set(e, PERR_IO, "%s: cannot open: %s", j->path,
                        strerror(errno));
    if (flock(j->fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        close(j->fd);
        j->fd = -1;
        if (err == EWOULDBLOCK)
            return perr_set(e, PERR_STATE,
                            "%s is being written by another perpsim sweep; "
                            "wait for it, or use another -o folder",
                            j->path);
        return perr_set(e, PERR_IO, "%s: cannot lock: %s", j->path,
                        strerror(err));
    }
    return 0;
}

int sweep_journal_append(sweep_journal *j, const char *line, size_t len,
                         perr *e)
{
    size_t put = 0;
    while (put < len) {
        ssize_t w = write(j->fd, line + put, len - put);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return perr_set(e, PERR_IO, "%s: cannot write: %s", j->path,
                            strerror(errno));
        put += (size_t)w;
    }
    return 0;
}

void sweep_journal_close(sweep_journal *j)
{
    if (j->fd >= 0)
        close(j->fd);
    j->fd = -1;
}

const char *sweep_status_name(sweep_status st)
{
    static const char *const names[] = {"ok", "failed", "missing", "stale"};
    return names[st];
}

static int by_id(const void *a, const void *b)
{
    const sweep_record *x = *(const sweep_record *const *)a;
    const sweep_record *y = *(const sweep_record *const *)b;
    int c = strcmp(x->id, y->id);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

int sweep_match(const sweep *s, const sweep_records *recs, const char *dir,
                sweep_outcome *out, perr *e)
{
    const sweep_record **sorted = malloc((recs->n + 1) * sizeof *sorted);
    if (!sorted)
        return perr_set(e, PERR_NOMEM, "out of memory");
    for (size_t i = 0; i < recs->n; i++)
        sorted[i] = &recs->r[i];
    qsort(sorted, recs->n, sizeof *sorted, by_id);
    for (size_t r = 0; r < s->n_runs; r++) {
        const sweep_run *run = &s->runs[r];
        out[r].status = SWEEP_RUN_MISSING;
        out[r].rec = NULL;
        /* The first record of the id: binary search on sorted ids. */
        size_t lo = 0, hi = recs->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (strcmp(sorted[mid]->id, run->id) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        const sweep_record *good = NULL, *latest = NULL;
        for (size_t i = lo; i < recs->n && strcmp(sorted[i]->id, run->id) == 0;
             i++) {
            const sweep_record *rec = sorted[i];
            latest = rec;
            if (rec->ok
                && (run->scenario_hash == 0
                    || rec->scenario_hash == run->scenario_hash))
                good = rec;
        }
        if (good) {
            char path[8192];
            struct stat st;
            snprintf(path, sizeof path, "%s/runs/%s.h5", dir, run->id);
            if (stat(path, &st) == 0) {
                out[r].status = SWEEP_RUN_OK;
                out[r].rec = good;
                continue;
            }
        }
        if (latest) {
            out[r].status = latest->ok ? SWEEP_RUN_STALE : SWEEP_RUN_FAILED;
            out[r].rec = latest;
        }
    }
    free(sorted);
    return 0;
}
