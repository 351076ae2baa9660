/*
 * summary_venue: one venue's summary accumulators and the table of the
 * per-venue summary metrics (summary_venue.h, which says how to add one).
 *
 * The accumulators are plain sums, extremes and counts over what the world
 * drains, plus the liquidated notional of every minute of the run (an
 * array allocated up front, with the accumulators), from which the peak
 * minute and the worst 40 minutes come at the end. The value functions only read: a metric that
 * needs a second pass over the minutes makes it when the summary is
 * written, never while the run goes on.
 */
#include "summary_venue.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

summary_venue *summary_venue_new(const profile *p, int64_t duration_ms,
                                 perr *e)
{
    size_t minutes = (size_t)(duration_ms / 60000 + 1);
    summary_venue *sv = NULL;
    size_t size = minutes <= (SIZE_MAX - sizeof *sv) / sizeof *sv->liq_minute
                      ? sizeof *sv + minutes * sizeof *sv->liq_minute
                      : SIZE_MAX; /* calloc refuses it */
    sv = perr_zalloc(e, size, "no memory for the run's summary");
    if (!sv)
        return NULL;
    sv->quote_per_cash = profile_cash_to_quote(p, 1);
    sv->duration_ms = duration_ms;
    sv->minutes = minutes;
    for (int k = 0; k < METRICS_SERIES_COUNT; k++) {
        sv->series[k].min = INFINITY;
        sv->series[k].max = -INFINITY;
    }
    sv->depth_min = INFINITY;
    sv->rate_min = INFINITY;
    sv->rate_max = -INFINITY;
    return sv;
}

void summary_venue_free(summary_venue *sv) { free(sv); }

static double cash_quote(const summary_venue *sv, int64_t cash)
{
    return (double)cash * sv->quote_per_cash;
}

/* ---- accumulating ---------------------------------------------------------- */

void summary_venue_note_liquidations(summary_venue *sv, int64_t now,
                                     const venue_liquidation *liq, size_t n)
{
    size_t minute = (size_t)(now / 60000);
    for (size_t k = 0; k < n; k++) {
        double q = cash_quote(sv, liq[k].notional);
        sv->liq_count++;
        if (liq[k].side > 0)
            sv->liq_long += q;
        else
            sv->liq_short += q;
        if (minute < sv->minutes)
            sv->liq_minute[minute] += q;
    }
}

void summary_venue_note_adls(summary_venue *sv, const venue_adl *adl, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        sv->adl_count++;
        sv->adl_notional += cash_quote(sv, adl[k].notional);
        sv->adl_shortfall += cash_quote(sv, adl[k].shortfall);
    }
}

void summary_venue_note_settlements(summary_venue *sv,
                                    const funding_settlement *fs, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        double rate = (double)fs[k].parts.rate / (double)PROFILE_RATE_ONE;
        sv->settlements++;
        sv->rate_min = fmin(sv->rate_min, rate);
        sv->rate_max = fmax(sv->rate_max, rate);
        sv->rate_sum += rate;
        sv->rate_last = rate;
        double paid = cash_quote(sv, fs[k].ledger.longs_paid);
        sv->longs_paid += paid;
        if (paid > 0)
            sv->longs_paid_gross += paid;
        else
            sv->shorts_paid_gross -= paid;
    }
}

void summary_venue_note_row(summary_venue *sv, const metrics_row *row)
{
    const double *x = row->series;
    /* The mark's own statistics say whether this row is a new extreme; they
     * are updated in the loop below with every other series. */
    const summary_series *mk = &sv->series[METRICS_MARK];
    int new_min = x[METRICS_MARK] < mk->min, new_max = x[METRICS_MARK] > mk->max;
    for (int k = 0; k < METRICS_SERIES_COUNT; k++) {
        summary_series *st = &sv->series[k];
        if (new_min)
            st->at_mark_min = x[k];
        if (new_max)
            st->at_mark_max = x[k];
        if (isnan(x[k]))
            continue;
        st->min = fmin(st->min, x[k]);
        st->max = fmax(st->max, x[k]);
        st->sum += x[k];
        st->count++;
    }
    double depth = x[METRICS_BID_DEPTH_1PCT] + x[METRICS_ASK_DEPTH_1PCT];
    if (depth < sv->depth_min)
        sv->depth_min = depth;
    double premium = fabs(x[METRICS_PREMIUM_INDEX]);
    if (!isnan(premium)) {
        sv->premium_abs_sum += premium;
        sv->premium_abs_max = fmax(sv->premium_abs_max, premium);
        sv->premium_count++;
    }
    double fund = x[METRICS_INSURANCE_FUND];
    if (!sv->have_row || fund > sv->fund_peak)
        sv->fund_peak = fund;
    sv->fund_drawdown = fmax(sv->fund_drawdown, sv->fund_peak - fund);
    if (!sv->have_row)
        sv->first_row = *row;
    sv->have_row = 1;
    sv->last_row = *row;
}

/* ---- the event metrics ------------------------------------------------------ */

static double liq_total(const summary_venue *sv)
{
    return sv->liq_long + sv->liq_short;
}

/* The first minute with the largest liquidated notional; -1 with none. */
static long peak_minute(const summary_venue *sv)
{
    double peak = 0;
    long at = -1;
    for (size_t m = 0; m < sv->minutes; m++)
        if (sv->liq_minute[m] > peak) {
            peak = sv->liq_minute[m];
            at = (long)m;
        }
    return at;
}

/* The largest share of the liquidated notional that fell within any
 * window of `window` consecutive minutes (1 when all of it did, 0 with
 * none): how concentrated the cascade was. */
static double worst_window_share(const summary_venue *sv, size_t window)
{
    double total = liq_total(sv);
    if (total <= 0)
        return 0;
    double sum = 0, worst = 0;
    for (size_t m = 0; m < sv->minutes; m++) {
        sum += sv->liq_minute[m];
        if (m >= window)
            sum -= sv->liq_minute[m - window];
        worst = fmax(worst, sum);
    }
    return fmin(1.0, worst / total);
}

static double days(const summary_venue *sv)
{
    return (double)sv->duration_ms / 86400000.0;
}

static const double *first(const summary_venue *sv)
{
    return sv->first_row.series;
}

static const double *last(const summary_venue *sv)
{
    return sv->last_row.series;
}

static double liq_count(const summary_venue *sv) { return (double)sv->liq_count; }
static double liq_long(const summary_venue *sv) { return sv->liq_long; }
static double liq_short(const summary_venue *sv) { return sv->liq_short; }

static double liq_short_share(const summary_venue *sv)
{
    double total = liq_total(sv);
    return total > 0 ? sv->liq_short / total : 0;
}

static double liq_peak_notional(const summary_venue *sv)
{
    long m = peak_minute(sv);
    return m < 0 ? 0 : sv->liq_minute[m];
}

static double liq_peak_at(const summary_venue *sv)
{
    long m = peak_minute(sv);
    return m < 0 ? -1 : (double)m * 60;
}

static double liq_worst_40m(const summary_venue *sv)
{
    return worst_window_share(sv, 40);
}

static double adl_count(const summary_venue *sv) { return (double)sv->adl_count; }
static double adl_notional(const summary_venue *sv) { return sv->adl_notional; }

static double adl_shortfall(const summary_venue *sv)
{
    return sv->adl_shortfall;
}

static double settlements(const summary_venue *sv)
{
    return (double)sv->settlements;
}

static double rate_min(const summary_venue *sv)
{
    return sv->settlements ? sv->rate_min : NAN;
}

static double rate_max(const summary_venue *sv)
{
    return sv->settlements ? sv->rate_max : NAN;
}

static double rate_mean(const summary_venue *sv)
{
    return sv->settlements ? sv->rate_sum / (double)sv->settlements : NAN;
}

static double rate_last(const summary_venue *sv)
{
    return sv->settlements ? sv->rate_last : NAN;
}

static double longs_paid(const summary_venue *sv) { return sv->longs_paid; }

static double settlements_per_day(const summary_venue *sv)
{
    return (double)sv->settlements / days(sv);
}

static double longs_paid_per_day(const summary_venue *sv)
{
    return sv->longs_paid_gross / days(sv);
}

static double shorts_paid_per_day(const summary_venue *sv)
{
    return sv->shorts_paid_gross / days(sv);
}

static double premium_mean_abs(const summary_venue *sv)
{
    return sv->premium_count ? sv->premium_abs_sum / (double)sv->premium_count
                             : NAN;
}

static double premium_max_abs(const summary_venue *sv)
{
    return sv->premium_count ? sv->premium_abs_max : NAN;
}

static double fund_start(const summary_venue *sv)
{
    return first(sv)[METRICS_INSURANCE_FUND];
}

static double fund_end(const summary_venue *sv)
{
    return last(sv)[METRICS_INSURANCE_FUND];
}

static double fund_change(const summary_venue *sv)
{
    return last(sv)[METRICS_INSURANCE_FUND] - first(sv)[METRICS_INSURANCE_FUND];
}

static double fund_max_drawdown(const summary_venue *sv)
{
    return sv->fund_drawdown;
}

static double depth_min(const summary_venue *sv) { return sv->depth_min; }

static double oi_start(const summary_venue *sv)
{
    return first(sv)[METRICS_OPEN_INTEREST];
}

static double oi_end(const summary_venue *sv)
{
    return last(sv)[METRICS_OPEN_INTEREST];
}

static double oi_change_pct(const summary_venue *sv)
{
    double oi0 = oi_start(sv), oi1 = oi_end(sv);
    return oi0 > 0 ? 100 * (oi1 / oi0 - 1) : NAN;
}

static double mark_start(const summary_venue *sv)
{
    return first(sv)[METRICS_MARK];
}

static double mark_end(const summary_venue *sv)
{
    return last(sv)[METRICS_MARK];
}

const summary_venue_metric summary_venue_metrics[] = {
    {"liquidations.count", "liquidation records (one per route)", liq_count},
    {"liquidations.total_notional", "quote", liq_total},
    {"liquidations.long_notional", "quote: longs closed", liq_long},
    {"liquidations.short_notional", "quote: shorts closed", liq_short},
    {"liquidations.short_share", "short / total, 0 with none", liq_short_share},
    {"liquidations.peak_minute_notional", "quote, the largest 1-minute sum",
     liq_peak_notional},
    {"liquidations.peak_minute", "s since the start of that minute, -1 with none",
     liq_peak_at},
    {"liquidations.worst_40m_share",
     "the most of the total within any 40 consecutive minutes, 0 to 1",
     liq_worst_40m},
    {"adl.count", "ADL closes", adl_count},
    {"adl.notional", "quote", adl_notional},
    {"adl.shortfall",
     "quote: what ADL closes cost their counterparties against the mark, "
     "net: the loss passed on rather than taken by the fund",
     adl_shortfall},
    {"funding.settlements", "settlements in the run", settlements},
    {"funding.rate_min", "fraction per interval", rate_min},
    {"funding.rate_max", "fraction per interval", rate_max},
    {"funding.rate_mean", "fraction per interval", rate_mean},
    {"funding.rate_last", "fraction per interval", rate_last},
    {"funding.longs_paid", "quote, net over the run", longs_paid},
    {"funding.settlements_per_day", "settlements / the run's days",
     settlements_per_day},
    {"funding.longs_paid_per_day",
     "quote: what longs paid (at rates > 0), per day of the run",
     longs_paid_per_day},
    {"funding.shorts_paid_per_day",
     "quote: what shorts paid (at rates < 0), per day", shorts_paid_per_day},
    {"premium.mean_abs",
     "mean |premium index| over the output grid, a fraction", premium_mean_abs},
    {"premium.max_abs", "its largest |value|", premium_max_abs},
    {"insurance_fund.start", "quote", fund_start},
    {"insurance_fund.end", "quote", fund_end},
    {"insurance_fund.change", "quote", fund_change},
    {"insurance_fund.max_drawdown", "quote: the largest fall from a high",
     fund_max_drawdown},
    {"depth.min_1pct", "quote: least bid + ask depth within 1%", depth_min},
    {"open_interest.start", "quote", oi_start},
    {"open_interest.end", "quote", oi_end},
    {"open_interest.change_pct", "percent", oi_change_pct},
    /* mark.min and mark.max are the mark series' statistics. */
    {"mark.start", "quote", mark_start},
    {"mark.end", "quote", mark_end},
    {NULL, NULL, NULL},
};

/* ---- the statistics of every series ----------------------------------------- */

static double stat_min(const summary_venue *sv, const summary_series *st)
{
    (void)sv;
    return st->count ? st->min : NAN;
}

static double stat_max(const summary_venue *sv, const summary_series *st)
{
    (void)sv;
    return st->count ? st->max : NAN;
}

static double stat_mean(const summary_venue *sv, const summary_series *st)
{
    (void)sv;
    return st->count ? st->sum / (double)st->count : NAN;
}

static double stat_at_mark_min(const summary_venue *sv,
                               const summary_series *st)
{
    return sv->have_row ? st->at_mark_min : NAN;
}

static double stat_at_mark_max(const summary_venue *sv,
                               const summary_series *st)
{
    return sv->have_row ? st->at_mark_max : NAN;
}

const summary_venue_stat summary_venue_series_stats[] = {
    {"min", "the least value on the output grid", stat_min},
    {"max", "the largest value", stat_max},
    {"mean", "the mean over the samples that have a value", stat_mean},
    {"at_mark_min", "the value at the sample where the mark was lowest",
     stat_at_mark_min},
    {"at_mark_max", "the value where the mark was highest", stat_at_mark_max},
    {NULL, NULL, NULL},
};

/* ---- the risk policies --------------------------------------------------- */

void summary_venue_list_policy(summary_venue *sv, size_t k)
{
    if (k < RULE_POLICY_MAX)
        sv->policy_listed[k] = 1;
}

void summary_venue_note_policy_events(summary_venue *sv,
                                      const venue_policy_event *x, size_t n,
                                      const uint8_t *kinds)
{
    for (size_t i = 0; i < n; i++)
        sv->policy_records[kinds[x[i].policy]]++;
}

static double policy_interventions(const summary_venue *sv, size_t k)
{
    return (double)sv->policy_records[k];
}

const summary_venue_policy_metric summary_venue_policy_metrics[] = {
    {"interventions",
     "records of the policy (halts, resumes, orders rejected, clipped or "
     "trimmed, deferrals), 0 when it is listed but not enabled",
     policy_interventions},
    {NULL, NULL, NULL},
};

/* ---- writing -------------------------------------------------------------------- */

static int add(summary *out, const char *venue_name, const char *metric,
               double value, perr *e)
{
    /* summary_add keeps SUMMARY_NAME_MAX bytes of the name, as the
     * output and the sweep index do. */
    char name[2 * SUMMARY_NAME_MAX];
    snprintf(name, sizeof name, "%s.%s", venue_name, metric);
    if (summary_add(out, name, value) != 0)
        return perr_set(e, PERR_NOMEM, "no memory for the summary");
    return 0;
}

int summary_venue_write(const summary_venue *sv, const char *venue_name,
                        summary *out, perr *e)
{
    int rc;
    for (const summary_venue_metric *m = summary_venue_metrics; m->name; m++)
        if ((rc = add(out, venue_name, m->name, m->value(sv), e)) != 0)
            return rc;
    for (int k = 0; k < METRICS_SERIES_COUNT; k++) {
        const char *series = metrics_series_name(k);
        for (const summary_venue_stat *s = summary_venue_series_stats; s->name;
             s++) {
            char metric[SUMMARY_NAME_MAX];
            snprintf(metric, sizeof metric, "%s.%s", series, s->name);
            if ((rc = add(out, venue_name, metric,
                          s->value(sv, &sv->series[k]), e)) != 0)
                return rc;
        }
    }
    for (size_t k = 0; k < RULE_POLICY_MAX && rule_policies[k]; k++) {
        if (!sv->policy_listed[k])
            continue;
        for (const summary_venue_policy_metric *m =
                 summary_venue_policy_metrics;
             m->name; m++) {
            char metric[SUMMARY_NAME_MAX];
            snprintf(metric, sizeof metric, "policies.%s.%s",
                     rule_policies[k]->name, m->name);
            if ((rc = add(out, venue_name, metric, m->value(sv, k), e)) != 0)
                return rc;
        }
    }
    return 0;
}
