/*
 * output: a run's HDF5 file (README.md, "Commands", names the layout below),
 * format_version 1:
 *
 *   /                          attrs format_version (int32),
 *                              perpsim_version, perpsim_revision, scenario
 *                              (name), source, sets (the --set overrides,
 *                              one per line), start_utc ("2025-07-10T00:
 *                              00:00Z"), seed (uint64), start_utc_ms and
 *                              duration_ms (int64)
 *   /scenario                  the resolved scenario text (scenario_load.h)
 *   /venues/<v>                attrs profile, quote_currency and
 *                              base_currency (the profile's units.quote and
 *                              units.base), cash_unit, tick_size, lot_size
 *                              (quote / base, float64), cash_per_tick_lot
 *   /venues/<v>/series/<name>  float64 columns on the output grid, one per
 *                              metrics_series, each with a `units` attribute;
 *                              series/t is the HDF5 dimension scale (H5DS)
 *                              of every other series and audit column
 *   /venues/<v>/audit/<name>   int64 exact totals on the same grid, one per
 *                              metrics_audit, `units`: long_lots,
 *                              short_lots, cash_total, deposits and
 *                              withdrawals (cumulative), so that
 *                              cash_total - deposits + withdrawals is the
 *                              same at every sample (metrics.h)
 *   /venues/<v>/events/<name>  compound tables: liquidations, funding, adl,
 *                              trades (when the scenario asks for them);
 *                              money and prices in the quote currency, with
 *                              the exact integer amounts alongside (*_cash,
 *                              rate_e8); route is an HDF5 enum (book,
 *                              backstop, fund, adl); `units` is an array of
 *                              strings, one per field
 *   /venues/<v>/liquidation_map, /venues/<v>/liquidation_map_grid
 *                              where a venue starts with positions: the
 *                              liquidation map at the start and on the grid
 *                              (output_maps.c)
 *   /summary                   attrs: every summary item (name = value), and
 *                              the checks as attrs "expect:<metric>" =
 *                              [low, high, value, pass]; the same as the
 *                              compound tables /summary/items (name, value)
 *                              and /summary/checks (metric, low, high,
 *                              value, pass)
 * Units name the venue's currencies: "USDT" for money, "USDT/BTC" for a
 * price (output_internal.h).
 * Strings are variable-length UTF-8; /venues and /summary keep creation
 * order. The file uses the HDF5 1.8 format and records no modification
 * times, so the same run gives the same bytes.
 *
 * Datasets are chunked (4096 rows; funding 256), shuffled and deflate-
 * compressed (level 4), and extensible; rows are buffered a chunk at a time
 * in memory and appended whole. The file is written as "<path>.part" (or
 * "<path>.N.part", N from 2, when that name is taken: a part file is only
 * ever one process's) and given its final name by output_commit only, with
 * a hard link that never replaces a result another process finished
 * meanwhile (a rename with overwrite), so a failed or interrupted run
 * never leaves a file that looks finished: output_abort (and any failure
 * to write) removes the part file, after which the output refuses every
 * call (PERR_STATE) but output_commit and output_abort, which free it.
 * Errors name the file and what failed, with HDF5's reason.
 */
#ifndef PERPSIM_OUTPUT_H
#define PERPSIM_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "book.h"
#include "funding.h"
#include "metrics.h"
#include "perr.h"
#include "profile.h"
#include "sink.h"
#include "summary.h"
#include "venue.h"

#define OUTPUT_FORMAT_VERSION 1

typedef struct output output;

typedef struct output_meta {
    const char *scenario_name;
    const char *source;        /* the scenario file */
    const char *resolved;      /* the resolved scenario text */
    const char *const *sets;   /* the overrides as given */
    size_t n_sets;
    uint64_t seed;
    int64_t start_utc_ms;
    int64_t duration_ms;
} output_meta;

/* Creates path's part file and writes the metadata. Fails (PERR_IO) when
 * path exists and overwrite is 0, or the folder cannot be written. */
output *output_open(const char *path, const output_meta *meta, int overwrite,
                    perr *e);

/* Adds venue name trading on p (which must outlive the output); returns
 * its index (0, 1, ...) or a negative PERR code. All venues are added
 * before the first row. */
int output_add_venue(output *o, const char *name, const profile *p,
                     int trades, perr *e);

/* Appends a row of the venue's series and audit columns. */
int output_append_row(output *o, size_t venue, const metrics_row *row,
                      perr *e);

/* Appends event records of the venue (times in ms since the start). */
int output_append_liquidations(output *o, size_t venue,
                               const venue_liquidation *l, size_t n, perr *e);
int output_append_adls(output *o, size_t venue, const venue_adl *a, size_t n,
                       perr *e);
int output_append_funding(output *o, size_t venue,
                          const funding_settlement *f, size_t n, perr *e);
/* Trades: one row per fill at time now (ignored unless the venue was added
 * with trades). */
int output_append_trades(output *o, size_t venue, int64_t now,
                         const book_fill *f, size_t n, perr *e);

/* The venue's risk policies, named in the order venue_policy_event.policy
 * counts them: the table /venues/<v>/events/policy (time_s, policy,
 * action, account, value) with the attributes policies and actions (the
 * names, comma-separated, that the columns index). At most once per venue,
 * only for a venue with policies; output_append_policy_events appends its
 * rows (ignored for a venue without). */
int output_add_policies(output *o, size_t venue, const char *const *names,
                        size_t n, perr *e);
int output_append_policy_events(output *o, size_t venue,
                                const venue_policy_event *x, size_t n,
                                perr *e);

/* The venue's liquidation map at the start (liqmap.h) as the table
 * /venues/<v>/liquidation_map: one row per bucket with the fields
 * price_low, price_high (quote), long_notional, short_notional (quote at
 * the start mark), long_positions, short_positions; its attributes units
 * (per field), bucket_bps, start_price, long_beyond_notional and
 * short_beyond_notional (quote). At most once per venue. */
int output_add_liquidation_map(output *o, size_t venue, const liqmap *m,
                               perr *e);
/* The venue's liquidation map on the output grid (liqmap.h), sampled every
 * every_s seconds: the group /venues/<v>/liquidation_map_grid (README,
 * "Commands"). Once, after the last row. */
int output_add_liquidation_map_grid(output *o, size_t venue,
                                    const liqmap_grid *g, double every_s,
                                    perr *e);

/* The output as the engine's sink (sink.h): its hooks are the calls
 * above, on o. */
sink output_sink(output *o);

/* Flushes everything, writes the summary (s may be NULL: an empty
 * /summary), closes the file and renames it to its final path; refuses
 * (PERR_IO) when, without overwrite, a file appeared at path meanwhile. The
 * output is freed whether or not it succeeds; on failure the part file is
 * removed. */
int output_commit(output *o, const summary *s, perr *e);

/* Closes and removes the part file; o may be NULL. */
void output_abort(output *o);

/* What output_read_info returns of a finished file. */
typedef struct output_info {
    char scenario_name[64];
    char perpsim_version[64];
    uint64_t seed;
    int64_t start_utc_ms;
    int64_t duration_ms;
    int format_version;
    size_t n_venues;
    char venues[8][64]; /* the first 8 venue names */
    size_t samples;     /* rows of the first venue's series */
    char source[512];   /* the scenario file the run read */
    char sets[2048];    /* its overrides, "key=value" lines, "" for none */
} output_info;

/* Reads a finished file's metadata and summary (for `perpsim inspect`);
 * info and s may be NULL. The summary's items and checks (with the value
 * and pass the run recorded) are appended to s, in the order written; on
 * failure s is left as it was. PERR_IO when the file cannot be opened,
 * PERR_INVALID when it is not a perpsim result ("FILE: not a perpsim
 * result (...)": not HDF5, or no format_version) or of another format
 * version ("FILE: format_version N; this perpsim reads format_version 1"). */
int output_read(const char *path, output_info *info, summary *s, perr *e);

#endif
