/*
 * summary: what a finished run amounts to, as named numbers, and the
 * expectations of its scenario checked against them.
 *
 * A metric is named "<venue>.<metric>", the metric one of the event
 * metrics (liquidations, funding, ADL, the insurance fund...) or, for every
 * output series of the venue (metrics_series_name), one of its statistics
 * (".min", ".max", ".mean", ".at_mark_min": the value at the sample where
 * the mark was lowest, ".at_mark_max"). Both lists are declared once, with
 * their units and the way they are computed, in summary_venue.h. A
 * scenario's `expect:` block names them, and `perpsim run` and `perpsim
 * inspect` print them the same way (summary_print). The HDF5 output keeps a
 * summary as attributes of /summary (output.h).
 */
#ifndef PERPSIM_SUMMARY_H
#define PERPSIM_SUMMARY_H

#include <stddef.h>
#include <stdio.h>

#define SUMMARY_NAME_MAX 128

typedef struct summary_item {
    char name[SUMMARY_NAME_MAX]; /* "binance.liquidations.total_notional" */
    double value;
} summary_item;

typedef struct summary_check {
    char metric[SUMMARY_NAME_MAX];
    double low, high;
    double value; /* NaN when the run had no such metric */
    int pass;
} summary_check;

typedef struct summary {
    summary_item *items;
    size_t n_items, cap_items;
    summary_check *checks;
    size_t n_checks, cap_checks;
} summary;

/* The per-venue metric names that are not series statistics, in the order
 * summaries hold them (summary_venue_metrics); NULL-terminated. */
const char *const *summary_event_metric_names(void);

/* Whether metric (without the venue, "liquidations.short_share" or
 * "depth_z.min") is one a summary holds. */
int summary_metric_known(const char *metric);

/* Appends name = value; 0, or PERR_NOMEM. */
int summary_add(summary *s, const char *name, double value);

/* The value of name, or NaN. */
double summary_get(const summary *s, const char *name);

/* Appends a check of metric against [low, high] from the items present. */
int summary_check_add(summary *s, const char *metric, double low, double high);

/* 1 when every check passed (also when there are none). */
int summary_all_pass(const summary *s);

/* Prints the human summary: per venue the headline figures, then every
 * check with pass or FAIL. */
void summary_print(FILE *out, const summary *s);

void summary_free(summary *s);

#endif
