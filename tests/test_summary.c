/*
 * Tests of the summary metrics' one declaration (sim/summary_venue.h): the
 * tables are what `expect:` accepts, what a run writes, in their order, and
 * what scenarios/README.md documents, both ways; and the accumulators give
 * the figures worked out by hand.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "profile_yaml.h"
#include "summary.h"
#include "summary_venue.h"

/* ---- the docs ------------------------------------------------------------ */

/* The `expect` section of scenarios/README.md, up to the next "## ". */
static char *expect_section(void)
{
    char *text = support_read_source("scenarios/README.md");
    char *start = strstr(text, "### `expect`");
    cr_assert_not_null(start, "scenarios/README.md has no `expect` section");
    char *end = strstr(start, "\n## ");
    size_t len = end ? (size_t)(end - start) : strlen(start);
    memmove(text, start, len);
    text[len] = '\0';
    return text;
}

static int quoted(const char *docs, const char *prefix, const char *name)
{
    char q[160];
    snprintf(q, sizeof q, "`%s%s`", prefix, name);
    return strstr(docs, q) != NULL;
}

/* The first metric of table (then of stats) that docs do not name in
 * backquotes, the statistics as `.min`; NULL when all are there. */
static const char *first_undocumented(const char *docs,
                                      const summary_venue_metric *table,
                                      const summary_venue_stat *stats)
{
    for (const summary_venue_metric *m = table; m->name; m++)
        if (!quoted(docs, "", m->name))
            return m->name;
    for (const summary_venue_stat *s = stats; s->name; s++)
        if (!quoted(docs, ".", s->name))
            return s->name;
    return NULL;
}

/* Every backquoted word of docs made of [a-z0-9_.] with a dot in it is a
 * metric: "a.b" must be summary_metric_known, ".b" a series statistic.
 * Copies the first that is not into out; 0 when there is none. */
static int first_undeclared(const char *docs, char *out, size_t size)
{
    for (const char *p = strchr(docs, '`'); p; p = strchr(p, '`')) {
        const char *end = strchr(p + 1, '`');
        if (!end)
            break;
        size_t len = (size_t)(end - p - 1);
        char word[128];
        int plain = len > 0 && len < sizeof word;
        for (size_t i = 0; plain && i < len; i++) {
            char c = p[1 + i];
            plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.';
        }
        p = end + 1;
        if (!plain)
            continue;
        memcpy(word, end - len, len);
        word[len] = '\0';
        if (!strchr(word, '.'))
            continue;
        int known = 0;
        if (word[0] == '.') {
            for (const summary_venue_stat *s = summary_venue_series_stats;
                 s->name; s++)
                known |= strcmp(s->name, word + 1) == 0;
        } else {
            known = summary_metric_known(word);
        }
        if (!known) {
            snprintf(out, size, "%s", word);
            return 1;
        }
    }
    return 0;
}

Test(summary, every_declared_metric_is_documented_in_the_scenarios_readme)
{
    char *docs = expect_section();
    const char *missing = first_undocumented(docs, summary_venue_metrics,
                                             summary_venue_series_stats);
    cr_expect_null(missing, "scenarios/README.md, `expect`: no `%s`", missing);
    free(docs);
}

Test(summary, every_metric_the_readme_names_is_declared)
{
    char *docs = expect_section();
    char word[128];
    cr_expect_eq(first_undeclared(docs, word, sizeof word), 0,
                 "scenarios/README.md names `%s`, which summary_venue.c does "
                 "not declare", word);
    free(docs);
}

Test(summary, a_declared_metric_the_docs_do_not_name_is_found)
{
    char *docs = expect_section();
    size_t n = 0;
    while (summary_venue_metrics[n].name)
        n++;
    summary_venue_metric *table = calloc(n + 2, sizeof *table);
    cr_assert_not_null(table);
    memcpy(table, summary_venue_metrics, n * sizeof *table);
    table[n] = (summary_venue_metric){"liquidations.imaginary", "quote",
                                      summary_venue_metrics[0].value};
    const char *missing = first_undocumented(docs, table,
                                             summary_venue_series_stats);
    cr_expect(missing && strcmp(missing, "liquidations.imaginary") == 0,
              "found %s", missing ? missing : "nothing");
    free(table);
    free(docs);
}

Test(summary, a_documented_metric_that_is_not_declared_is_found)
{
    char word[128] = "";
    cr_expect_eq(first_undeclared("`liquidations.count`, `mark.min`, `.mean`, "
                                  "`funding.imaginary` and `[low, high]`",
                                  word, sizeof word),
                 1);
    cr_expect_str_eq(word, "funding.imaginary");
    cr_expect_eq(first_undeclared("`.median`", word, sizeof word), 1);
    cr_expect_str_eq(word, ".median");
}

/* ---- the tables are what expect: accepts ---------------------------------- */

Test(summary, expect_accepts_exactly_the_declared_metrics)
{
    const char *const *names = summary_event_metric_names();
    size_t n = 0;
    for (; summary_venue_metrics[n].name; n++) {
        cr_expect(summary_metric_known(summary_venue_metrics[n].name), "%s",
                  summary_venue_metrics[n].name);
        cr_expect_str_eq(names[n], summary_venue_metrics[n].name);
    }
    cr_expect_null(names[n]);
    for (const summary_venue_stat *s = summary_venue_series_stats; s->name;
         s++) {
        char metric[64];
        snprintf(metric, sizeof metric, "depth_z.%s", s->name);
        cr_expect(summary_metric_known(metric), "%s", metric);
    }
    cr_expect_not(summary_metric_known("liquidations.imaginary"));
    cr_expect_not(summary_metric_known("depth_z.median"));
    cr_expect_not(summary_metric_known("no_series.min"));
}

/* ---- production -------------------------------------------------------- */

static summary_venue *fresh(int64_t duration_ms)
{
    const profile *p = profile_builtin("binance");
    cr_assert_not_null(p);
    perr e = {0, ""};
    summary_venue *sv = summary_venue_new(p, duration_ms, &e);
    cr_assert_not_null(sv, "%s", e.msg);
    return sv;
}

Test(summary, write_gives_every_declared_metric_in_table_order)
{
    summary_venue *sv = fresh(3600000);
    summary out = {0};
    perr e = {0, ""};
    cr_assert_eq(summary_venue_write(sv, "binance", &out, &e), 0, "%s", e.msg);
    size_t i = 0;
    char name[SUMMARY_NAME_MAX];
    for (const summary_venue_metric *m = summary_venue_metrics; m->name;
         m++, i++) {
        snprintf(name, sizeof name, "binance.%s", m->name);
        cr_assert_lt(i, out.n_items);
        cr_expect_str_eq(out.items[i].name, name);
    }
    for (int k = 0; k < METRICS_SERIES_COUNT; k++)
        for (const summary_venue_stat *s = summary_venue_series_stats; s->name;
             s++, i++) {
            snprintf(name, sizeof name, "binance.%s.%s",
                     metrics_series_name(k), s->name);
            cr_assert_lt(i, out.n_items);
            cr_expect_str_eq(out.items[i].name, name);
        }
    cr_expect_eq(out.n_items, i);
    /* A venue that did nothing: no settlements, no liquidation minute. */
    cr_expect(isnan(summary_get(&out, "binance.funding.rate_mean")));
    cr_expect_eq(summary_get(&out, "binance.liquidations.peak_minute"), -1);
    cr_expect_eq(summary_get(&out, "binance.liquidations.worst_40m_share"), 0);
    summary_free(&out);
    summary_venue_free(sv);
}

Test(summary, liquidations_give_shares_peak_minute_and_worst_40_minutes)
{
    summary_venue *sv = fresh(3 * 3600000);
    /* Binance's cash unit is 1e-6 USDT: 100 USDT at minute 0 from a long,
     * then 300 USDT from shorts at minute 100 (twice 150). */
    venue_liquidation long_liq = {0};
    long_liq.side = 1;
    long_liq.notional = 100000000;
    summary_venue_note_liquidations(sv, 30000, &long_liq, 1);
    venue_liquidation short_liq[2] = {{0}, {0}};
    short_liq[0].side = short_liq[1].side = -1;
    short_liq[0].notional = short_liq[1].notional = 150000000;
    summary_venue_note_liquidations(sv, 100 * 60000 + 5, short_liq, 2);
    summary out = {0};
    perr e = {0, ""};
    cr_assert_eq(summary_venue_write(sv, "v", &out, &e), 0, "%s", e.msg);
    cr_expect_eq(summary_get(&out, "v.liquidations.count"), 3);
    cr_expect_eq(summary_get(&out, "v.liquidations.total_notional"), 400);
    cr_expect_eq(summary_get(&out, "v.liquidations.short_share"), 0.75);
    cr_expect_eq(summary_get(&out, "v.liquidations.peak_minute_notional"), 300);
    cr_expect_eq(summary_get(&out, "v.liquidations.peak_minute"), 6000);
    /* The two minutes are 100 apart: no 40 minutes hold both. */
    cr_expect_eq(summary_get(&out, "v.liquidations.worst_40m_share"), 0.75);
    summary_free(&out);
    summary_venue_free(sv);
}
