/*
 * summary_venue: what one venue did over a run, accumulated as its records
 * and output rows pass, and the one declaration of the per-venue summary
 * metrics (summary.h) that turns it into named numbers.
 *
 * Every per-venue metric a summary holds is a line of one of two tables:
 * summary_venue_metrics, the event metrics ("liquidations.count",
 * "funding.rate_mean", ...), and summary_venue_series_stats, the statistics
 * of every output series ("mark.min", "depth_z.at_mark_max", ...). Each line
 * gives the name, its unit and meaning, and the function that computes the
 * value from the accumulators; summary_venue_write walks the tables in
 * their order, and the `expect:` validation (summary_metric_known) reads the
 * same tables, so a metric cannot be produced without being known, or known
 * without being produced. scenarios/README.md documents each name (a test
 * holds them equal).
 *
 * The accumulators follow the records the world drains (world.c): they see
 * each liquidation, ADL close and funding settlement once, and each output
 * row in time order. Nothing here allocates after summary_venue_new, so
 * noting is safe on the hot path.
 *
 * How to add a metric: add its line to summary_venue_metrics in
 * summary_venue.c (name, unit and meaning, value function) at the place it
 * should print, accumulate what it needs in the summary_venue_note_*
 * function that sees it, and document the name in the `expect` section of
 * scenarios/README.md. The name is then accepted by `expect:`, written to
 * /summary, journaled by sweeps and indexed; tools/check-outputs.sh's
 * digests (tests/data/output-digests.txt) must be recorded again, since
 * every run gains an attribute.
 */
#ifndef PERPSIM_SUMMARY_VENUE_H
#define PERPSIM_SUMMARY_VENUE_H

#include <stddef.h>
#include <stdint.h>

#include "funding.h"
#include "metrics.h"
#include "perr.h"
#include "profile.h"
#include "rule.h"
#include "summary.h"
#include "venue.h"

/* Running statistics of one output series. */
typedef struct summary_series {
    double min, max, sum;
    uint64_t count;
    double at_mark_min, at_mark_max; /* its value at the mark's extremes */
} summary_series;

/* One venue's accumulators. All amounts are in the quote currency. */
typedef struct summary_venue {
    double quote_per_cash;   /* the profile's cash unit in quote */
    int64_t duration_ms;     /* the run's */
    summary_series series[METRICS_SERIES_COUNT];
    int have_row;
    metrics_row first_row, last_row;
    double depth_min;        /* bid + ask within 1% */
    uint64_t liq_count;
    double liq_long, liq_short;
    size_t minutes;
    uint64_t adl_count;
    double adl_notional, adl_shortfall;
    uint64_t settlements;
    double rate_min, rate_max, rate_sum, rate_last; /* fractions */
    double longs_paid;                              /* net */
    double longs_paid_gross, shorts_paid_gross;     /* each side's payments */
    double premium_abs_sum, premium_abs_max;        /* of the sampled premium */
    uint64_t premium_count;
    double fund_peak, fund_drawdown; /* the insurance fund's running high,
                                        the largest fall from it */
    /* The venue's risk policies, by their place in rule_policies: listed
     * (the scenario names it, enabled or not) and what it recorded. */
    int policy_listed[RULE_POLICY_MAX];
    uint64_t policy_records[RULE_POLICY_MAX];
    double liq_minute[];     /* liquidated in each minute of the run (in the
                                accumulators' own allocation) */
} summary_venue;

/* An event metric: its name after "<venue>.", what it is, and its value. */
typedef struct summary_venue_metric {
    const char *name; /* "liquidations.worst_40m_share" */
    const char *doc;  /* unit and meaning */
    double (*value)(const summary_venue *sv);
} summary_venue_metric;

/* A statistic of every output series: "<venue>.<series>.<name>". */
typedef struct summary_venue_stat {
    const char *name; /* "min", "at_mark_max" */
    const char *doc;
    double (*value)(const summary_venue *sv, const summary_series *st);
} summary_venue_stat;

/* A metric of each risk policy the venue lists:
 * "<venue>.policies.<policy>.<name>". */
typedef struct summary_venue_policy_metric {
    const char *name; /* "interventions" */
    const char *doc;
    double (*value)(const summary_venue *sv, size_t k); /* k: rule_policies */
} summary_venue_policy_metric;

/* The tables, in the order a summary holds them; each ends with a line
 * whose name is NULL. */
extern const summary_venue_metric summary_venue_metrics[];
extern const summary_venue_stat summary_venue_series_stats[];
extern const summary_venue_policy_metric summary_venue_policy_metrics[];

/* The accumulators of a venue trading on p for a run of duration_ms. NULL
 * with e filled when out of memory. */
summary_venue *summary_venue_new(const profile *p, int64_t duration_ms,
                                 perr *e);
void summary_venue_free(summary_venue *sv);

/* The records of one drain at now (ms since the start). These cannot fail. */
void summary_venue_note_liquidations(summary_venue *sv, int64_t now,
                                     const venue_liquidation *liq, size_t n);
void summary_venue_note_adls(summary_venue *sv, const venue_adl *adl,
                             size_t n);
void summary_venue_note_settlements(summary_venue *sv,
                                    const funding_settlement *fs, size_t n);
/* The policy at place k of rule_policies is listed on the venue: its
 * metrics are written (after every other of the venue's). */
void summary_venue_list_policy(summary_venue *sv, size_t k);
/* Policy records; kinds[e.policy] is the place in rule_policies of the
 * policy that made record e. */
void summary_venue_note_policy_events(summary_venue *sv,
                                      const venue_policy_event *x, size_t n,
                                      const uint8_t *kinds);
/* One output row; rows come in time order. */
void summary_venue_note_row(summary_venue *sv, const metrics_row *row);

/* Appends "<venue_name>.<metric>" for every line of the tables, event
 * metrics first, then each series' statistics in series order, then the
 * metrics of each policy listed, in registry order. 0, or
 * PERR_NOMEM with e filled. */
int summary_venue_write(const summary_venue *sv, const char *venue_name,
                        summary *out, perr *e);

#endif
