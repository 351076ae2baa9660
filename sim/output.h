/*
 * output: a run's HDF5 file (../shared/design.md, "Output (HDF5)"),
 * format_version 1:
 *
 *   /                          attrs format_version, perpsim_version,
 *                              scenario (name), seed, start_utc, source,
 *                              sets (the --set overrides, one per line)
 *   /scenario                  the resolved scenario text (scenario.h)
 *   /venues/<v>                attrs profile, cash_unit, tick_size, lot_size
 *   /venues/<v>/series/<name>  float64 columns on the output grid, one per
 *                              metrics_series, each with a `units` attribute
 *   /venues/<v>/audit/<name>   int64 exact totals on the same grid
 *   /venues/<v>/events/<name>  compound tables: liquidations, funding, adl,
 *                              trades (when the scenario asks for them);
 *                              money and prices in the quote currency, with
 *                              the exact integer amounts alongside
 *   /summary                   attrs: every summary item (name = value), and
 *                              the checks as attrs "expect:<metric>" =
 *                              [low, high, value, pass]
 *
 * Datasets are chunked, deflate-compressed and extensible; rows are
 * buffered a chunk at a time in memory and appended whole. The file is
 * written as "<path>.part" and renamed to path by output_commit only, so a
 * failed or interrupted run never leaves a file that looks finished:
 * output_abort (and any failure) removes the part file.
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

/* Flushes everything, writes the summary, closes the file and renames it to
 * its final path. The output is freed whether or not it succeeds; on
 * failure the part file is removed. */
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
} output_info;

/* Reads a finished file's metadata and summary (for `perpsim inspect`).
 * PERR_IO when the file cannot be opened, PERR_INVALID when it is not a
 * perpsim result (no format_version) or of another format version. */
int output_read(const char *path, output_info *info, summary *s, perr *e);

#endif
