/*
 * cmd_summary: a run's summary as `perpsim run` and `perpsim inspect` print
 * it with --summary FORMAT (cmd.h): text for people (summary_print), csv
 * and json for scripts. The JSON is built and written by json-c, not by
 * hand.
 *
 * csv: one row per metric of each run, a tidy table that any number of
 * runs with different venues share:
 *
 *   scenario,name,seed,sets,result,status,metric,value,expect_low,
 *   expect_high,pass,error
 *
 * `sets` is the run's overrides joined by ';'; the expect_* and pass
 * columns are filled on the rows of metrics the scenario's `expect:` block
 * checks (a checked metric the run did not have gets a row of its own with
 * an empty value); a run that failed is one row with status `failed`, its
 * error in the last column and the others empty.
 *
 * json: an array with one object per run, in the order the runs were
 * given:
 *
 *   {"scenario": FILE or null, "name": ..., "seed": N, "sets": [...],
 *    "result": PATH, "status": "ok", "passed": true,
 *    "metrics": {NAME: VALUE, ...},
 *    "expectations": [{"metric", "low", "high", "value", "pass"}, ...]}
 *
 * or {"scenario", "sets", "status": "failed", "error": MESSAGE}. A number
 * that is not finite (a metric a run could not compute, an unbounded end
 * of a range) is null. Numbers are written in the fewest digits that read
 * back to the same double.
 */
#define _POSIX_C_SOURCE 200809L
#include "cmd.h"

#include <json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

int cmd_summary_parse(const char *text, cmd_summary_format *f)
{
    static const char *const names[] = {"text", "csv", "json"};
    for (int i = 0; i < 3; i++)
        if (strcmp(text, names[i]) == 0) {
            *f = (cmd_summary_format)i;
            return 0;
        }
    return -1;
}

/* The shortest "%.Ng" of x that strtod reads back as x. */
static void shortest(double x, char *out, size_t size)
{
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(out, size, "%.*g", digits, x);
        if (strtod(out, NULL) == x)
            return;
    }
}

/* ---- csv ---------------------------------------------------------------- */

/* A field and what ends it: a comma, or the line's end when last. */
static void cell(FILE *out, const char *text, int last)
{
    csv_field(out, text);
    fputc(last ? '\n' : ',', out);
}

static void csv_number(FILE *out, double x, int last)
{
    char buf[32] = "";
    if (isfinite(x))
        shortest(x, buf, sizeof buf);
    cell(out, buf, last);
}

/* The columns every row of r starts with: scenario to status. */
static void csv_run(FILE *out, const cmd_record *r, const char *sets,
                    const char *status)
{
    char seed[24] = "";
    if (r->summary)
        snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->seed);
    cell(out, r->scenario ? r->scenario : "(built-in default)", 0);
    cell(out, r->name, 0);
    cell(out, seed, 0);
    cell(out, sets, 0);
    cell(out, r->result, 0);
    cell(out, status, 0);
}

static const summary_check *check_of(const summary *s, const char *metric)
{
    for (size_t i = 0; i < s->n_checks; i++)
        if (strcmp(s->checks[i].metric, metric) == 0)
            return &s->checks[i];
    return NULL;
}

static void csv_row(FILE *out, const cmd_record *r, const char *sets,
                    const char *metric, double value, const summary_check *c)
{
    csv_run(out, r, sets, "ok");
    cell(out, metric, 0);
    csv_number(out, value, 0);
    if (c) {
        csv_number(out, c->low, 0);
        csv_number(out, c->high, 0);
        cell(out, c->pass ? "true" : "false", 0);
        fputc('\n', out);
    } else {
        fputs(",,,\n", out);
    }
}

static void write_csv(FILE *out, const cmd_record *r)
{
    size_t len = 1;
    for (size_t i = 0; i < r->n_sets; i++)
        len += strlen(r->sets[i]) + 1;
    char *sets = calloc(len, 1);
    for (size_t i = 0, at = 0; sets && i < r->n_sets; i++)
        at += (size_t)sprintf(sets + at, "%s%s", i ? ";" : "", r->sets[i]);
    const summary *s = r->summary;
    if (!s) {
        csv_run(out, r, sets, "failed");
        fputs(",,,,,", out);
        cell(out, r->error ? r->error : "", 1);
        free(sets);
        return;
    }
    for (size_t i = 0; i < s->n_items; i++)
        csv_row(out, r, sets, s->items[i].name, s->items[i].value,
                check_of(s, s->items[i].name));
    /* A checked metric the run did not have. */
    for (size_t i = 0; i < s->n_checks; i++)
        if (isnan(summary_get(s, s->checks[i].metric)))
            csv_row(out, r, sets, s->checks[i].metric, NAN, &s->checks[i]);
    free(sets);
}

/* ---- json --------------------------------------------------------------- */

static json_object *json_number(double x)
{
    if (!isfinite(x))
        return NULL; /* json-c writes NULL as null */
    char buf[32];
    shortest(x, buf, sizeof buf);
    return json_object_new_double_s(x, buf);
}

static json_object *json_text(const char *text)
{
    return text ? json_object_new_string(text) : NULL;
}

static json_object *json_record(const cmd_record *r)
{
    json_object *o = json_object_new_object(), *sets = json_object_new_array();
    if (!o || !sets) {
        json_object_put(o);
        json_object_put(sets);
        return NULL;
    }
    for (size_t i = 0; i < r->n_sets; i++)
        json_object_array_add(sets, json_object_new_string(r->sets[i]));
    json_object_object_add(o, "scenario", json_text(r->scenario));
    const summary *s = r->summary;
    if (!s) {
        json_object_object_add(o, "sets", sets);
        json_object_object_add(o, "status", json_object_new_string("failed"));
        json_object_object_add(o, "error", json_text(r->error ? r->error : ""));
        return o;
    }
    json_object_object_add(o, "name", json_text(r->name));
    json_object_object_add(o, "seed", json_object_new_uint64(r->seed));
    json_object_object_add(o, "sets", sets);
    json_object_object_add(o, "result", json_text(r->result));
    json_object_object_add(o, "status", json_object_new_string("ok"));
    json_object_object_add(o, "passed",
                           json_object_new_boolean(summary_all_pass(s)));
    json_object *metrics = json_object_new_object();
    for (size_t i = 0; metrics && i < s->n_items; i++)
        json_object_object_add(metrics, s->items[i].name,
                               json_number(s->items[i].value));
    json_object_object_add(o, "metrics", metrics);
    json_object *checks = json_object_new_array();
    for (size_t i = 0; checks && i < s->n_checks; i++) {
        const summary_check *c = &s->checks[i];
        json_object *k = json_object_new_object();
        if (!k)
            break;
        json_object_object_add(k, "metric", json_text(c->metric));
        json_object_object_add(k, "low", json_number(c->low));
        json_object_object_add(k, "high", json_number(c->high));
        json_object_object_add(k, "value", json_number(c->value));
        json_object_object_add(k, "pass", json_object_new_boolean(c->pass));
        json_object_array_add(checks, k);
    }
    json_object_object_add(o, "expectations", checks);
    return o;
}

static int write_json(FILE *out, const cmd_record *r)
{
    json_object *o = json_record(r);
    if (!o)
        return -1;
    const char *text = json_object_to_json_string_ext(
        o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
               | JSON_C_TO_STRING_NOSLASHESCAPE);
    int rc = text && fputs(text, out) >= 0 ? 0 : -1;
    json_object_put(o);
    return rc;
}

/* ---- the list ----------------------------------------------------------- */

int cmd_summary_record(FILE *out, cmd_summary_format f, const cmd_record *r)
{
    switch (f) {
    case CMD_SUMMARY_CSV: write_csv(out, r); return ferror(out) ? -1 : 0;
    case CMD_SUMMARY_JSON: return write_json(out, r);
    case CMD_SUMMARY_TEXT: break;
    }
    if (r->summary)
        summary_print(out, r->summary);
    return ferror(out) ? -1 : 0;
}

void cmd_summary_open(FILE *out, cmd_summary_format f)
{
    if (f == CMD_SUMMARY_CSV)
        fputs("scenario,name,seed,sets,result,status,metric,value,expect_low,"
              "expect_high,pass,error\n",
              out);
    else if (f == CMD_SUMMARY_JSON)
        fputs("[\n", out);
}

void cmd_summary_next(FILE *out, cmd_summary_format f, size_t index)
{
    if (f == CMD_SUMMARY_JSON && index > 0)
        fputs(",\n", out);
}

void cmd_summary_close(FILE *out, cmd_summary_format f)
{
    if (f == CMD_SUMMARY_JSON)
        fputs("\n]\n", out);
}
