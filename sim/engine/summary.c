/*
 * summary: named totals of a run and its checks (summary.h). A summary is
 * small (a few hundred items), so lookups are linear and the arrays grow by
 * doubling. The printer knows the event metrics by name and finds the
 * venues from the items, so `perpsim inspect` prints a file's summary
 * exactly as `perpsim run` printed it. Which metrics exist is declared once,
 * in summary_venue.c's tables: the checks here read them.
 */
#include "summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "grow.h"
#include "metrics.h"
#include "perr.h"
#include "summary_venue.h"

/* The event metrics' names as one NULL-terminated list, for the loader's
 * "did you mean": filled once from summary_venue_metrics, whichever thread
 * asks first. */
static const char *event_names[128];
static once_flag event_names_once = ONCE_FLAG_INIT;

static void event_names_fill(void)
{
    size_t n = 0;
    for (const summary_venue_metric *m = summary_venue_metrics;
         m->name && n + 1 < sizeof event_names / sizeof event_names[0]; m++)
        event_names[n++] = m->name;
    event_names[n] = NULL;
}

const char *const *summary_event_metric_names(void)
{
    call_once(&event_names_once, event_names_fill);
    return event_names;
}

/* Whether metric is "policies.<policy>.<policy metric>". */
static int policy_metric_known(const char *metric)
{
    const char *prefix = "policies.";
    if (strncmp(metric, prefix, strlen(prefix)) != 0)
        return 0;
    const char *name = metric + strlen(prefix);
    for (const param_choice *const *c = rule_policies; *c; c++) {
        size_t len = strlen((*c)->name);
        if (strncmp(name, (*c)->name, len) != 0 || name[len] != '.')
            continue;
        for (const summary_venue_policy_metric *m =
                 summary_venue_policy_metrics;
             m->name; m++)
            if (strcmp(name + len + 1, m->name) == 0)
                return 1;
    }
    return 0;
}

int summary_metric_known(const char *metric)
{
    for (const summary_venue_metric *m = summary_venue_metrics; m->name; m++)
        if (strcmp(m->name, metric) == 0)
            return 1;
    if (policy_metric_known(metric))
        return 1;
    const char *dot = strrchr(metric, '.');
    if (!dot)
        return 0;
    size_t len = (size_t)(dot - metric);
    for (int i = 0; i < METRICS_SERIES_COUNT; i++) {
        const char *name = metrics_series_name(i);
        if (strlen(name) != len || strncmp(name, metric, len) != 0)
            continue;
        for (const summary_venue_stat *st = summary_venue_series_stats;
             st->name; st++)
            if (strcmp(st->name, dot + 1) == 0)
                return 1;
    }
    return 0;
}

int summary_add(summary *s, const char *name, double value)
{
    summary_item *it = grow_push((void **)&s->items, &s->n_items,
                                 &s->cap_items, sizeof *it, 64);
    if (!it)
        return PERR_NOMEM;
    snprintf(it->name, sizeof it->name, "%s", name);
    it->value = value;
    return 0;
}

double summary_get(const summary *s, const char *name)
{
    for (size_t i = 0; i < s->n_items; i++)
        if (strcmp(s->items[i].name, name) == 0)
            return s->items[i].value;
    return NAN;
}

int summary_check_add(summary *s, const char *metric, double low, double high)
{
    summary_check *c = grow_push((void **)&s->checks, &s->n_checks,
                                 &s->cap_checks, sizeof *c, 64);
    if (!c)
        return PERR_NOMEM;
    snprintf(c->metric, sizeof c->metric, "%s", metric);
    c->low = low;
    c->high = high;
    c->value = summary_get(s, metric);
    c->pass = c->value >= low && c->value <= high; /* NaN fails */
    return 0;
}

int summary_all_pass(const summary *s)
{
    for (size_t i = 0; i < s->n_checks; i++)
        if (!s->checks[i].pass)
            return 0;
    return 1;
}

/* $1.37B, $512.0M, $12.3k, $950 */
static void money(char *out, size_t size, double x)
{
    double a = fabs(x);
    if (!isfinite(x))
        snprintf(out, size, "n/a");
    else if (a >= 1e9)
        snprintf(out, size, "%s$%.2fB", x < 0 ? "-" : "", a / 1e9);
    else if (a >= 1e6)
        snprintf(out, size, "%s$%.1fM", x < 0 ? "-" : "", a / 1e6);
    else if (a >= 1e3)
        snprintf(out, size, "%s$%.1fk", x < 0 ? "-" : "", a / 1e3);
    else
        snprintf(out, size, "%s$%.0f", x < 0 ? "-" : "", a);
}

static double venue_get(const summary *s, const char *v, const char *m)
{
    char name[2 * SUMMARY_NAME_MAX];
    snprintf(name, sizeof name, "%s.%s", v, m);
    return summary_get(s, name);
}

static void print_venue(FILE *out, const summary *s, const char *v)
{
    char a[32], b[32], c[32];
    fprintf(out, "venue %s\n", v);
    money(a, sizeof a, venue_get(s, v, "liquidations.total_notional"));
    money(b, sizeof b, venue_get(s, v, "liquidations.long_notional"));
    money(c, sizeof c, venue_get(s, v, "liquidations.short_notional"));
    fprintf(out, "  liquidations:        %s (longs %s, shorts %s; %.1f%% shorts; "
                 "%.0f records)\n",
            a, b, c, 100 * venue_get(s, v, "liquidations.short_share"),
            venue_get(s, v, "liquidations.count"));
    double peak_at = venue_get(s, v, "liquidations.peak_minute");
    money(a, sizeof a, venue_get(s, v, "liquidations.peak_minute_notional"));
    if (isfinite(peak_at) && peak_at >= 0)
        fprintf(out, "  peak minute:         %s at %02d:%02d after the start\n",
                a, (int)(peak_at / 3600), (int)fmod(peak_at / 60, 60));
    else
        fprintf(out, "  peak minute:         none\n");
    money(a, sizeof a, venue_get(s, v, "depth.min_1pct"));
    fprintf(out, "  minimum depth (1%%):  %s bid + ask\n", a);
    money(a, sizeof a, venue_get(s, v, "funding.longs_paid"));
    fprintf(out, "  funding:             %.0f settlements, rate %+.4f%% to "
                 "%+.4f%% (mean %+.4f%%), longs paid %s\n",
            venue_get(s, v, "funding.settlements"),
            100 * venue_get(s, v, "funding.rate_min"),
            100 * venue_get(s, v, "funding.rate_max"),
            100 * venue_get(s, v, "funding.rate_mean"), a);
    money(a, sizeof a, venue_get(s, v, "insurance_fund.start"));
    money(b, sizeof b, venue_get(s, v, "insurance_fund.end"));
    money(c, sizeof c, venue_get(s, v, "insurance_fund.change"));
    fprintf(out, "  insurance fund:      %s -> %s (%s)\n", a, b, c);
    money(a, sizeof a, venue_get(s, v, "adl.notional"));
    fprintf(out, "  ADL:                 %s in %.0f closes\n", a,
            venue_get(s, v, "adl.count"));
    fprintf(out, "  mark:                %.2f -> %.2f (min %.2f, max %.2f)\n",
            venue_get(s, v, "mark.start"), venue_get(s, v, "mark.end"),
            venue_get(s, v, "mark.min"), venue_get(s, v, "mark.max"));
    money(a, sizeof a, venue_get(s, v, "open_interest.start"));
    money(b, sizeof b, venue_get(s, v, "open_interest.end"));
    fprintf(out, "  open interest:       %s -> %s\n", a, b);
    /* the risk policies' interventions, where the venue lists any */
    int listed = 0;
    for (const param_choice *const *r = rule_policies; *r; r++) {
        char metric[SUMMARY_NAME_MAX];
        snprintf(metric, sizeof metric, "policies.%s.interventions",
                 (*r)->name);
        double n = venue_get(s, v, metric);
        if (isnan(n))
            continue;
        fprintf(out, listed ? ", %s %.0f" : "  policies:            %s %.0f",
                (*r)->name, n);
        listed = 1;
    }
    if (listed)
        fprintf(out, " interventions\n");
}

void summary_print(FILE *out, const summary *s)
{
    static const char key[] = ".liquidations.total_notional";
    for (size_t i = 0; i < s->n_items; i++) {
        const char *n = s->items[i].name;
        size_t len = strlen(n);
        if (len <= sizeof key - 1 || strcmp(n + len - (sizeof key - 1), key) != 0)
            continue;
        char v[SUMMARY_NAME_MAX];
        snprintf(v, sizeof v, "%.*s", (int)(len - (sizeof key - 1)), n);
        print_venue(out, s, v);
    }
    if (s->n_checks)
        fprintf(out, "expectations\n");
    for (size_t i = 0; i < s->n_checks; i++) {
        const summary_check *c = &s->checks[i];
        fprintf(out, "  %-4s %s = %.6g in [%.6g, %.6g]\n",
                c->pass ? "pass" : "FAIL", c->metric, c->value, c->low,
                c->high);
    }
}

void summary_free(summary *s)
{
    free(s->items);
    free(s->checks);
    memset(s, 0, sizeof *s);
}
