/*
 * sweep_index: a sweep's index file, DIR/sweep.h5 (format_version 1), one
 * place that holds the whole sweep for analysis:
 *
 *   /             attrs format_version (int32) = 1, kind = "sweep",
 *                 perpsim_version, perpsim_revision, sweep_file (as
 *                 given), scenario (as opened; "" for the built-in
 *                 default), runs, ok, failed, missing (int64), swept_keys
 *                 and metrics (1-D arrays of strings, in column order)
 *   /sweep        the sweep file's text (a string)
 *   /runs         a compound dataset (HDF5's packet table, H5PT), one row
 *                 per run in plan order
 *                 (point-major, replicate-minor), fields:
 *                   id (string), point (int64), replicate (int32),
 *                   seed (uint64), status (string: ok, failed, missing),
 *                   wall_s (float64, NaN when unknown), expect (int8: 1
 *                   every expectation held, 0 one failed, -1 none or not
 *                   run), error (string), path (string, "runs/ID.h5",
 *                   relative to the index's folder), then one field per
 *                   swept key named by its path as written (float64 when
 *                   every value is a number, else a string), then one
 *                   float64 field per summary metric, named as `expect:`
 *                   names it ("binance.liquidations.total_notional"; NaN
 *                   for a run that did not finish)
 *   /run_files/ID an external link to runs/ID.h5 for each finished run
 *
 * Strings in /runs are fixed-length (null-padded), so that numpy and
 * pandas read the table as one array:
 *   pd.DataFrame(h5py.File("DIR/sweep.h5")["/runs"][:])
 * The index is written under "<path>.part" and renamed when complete. The
 * same runs give the same rows whatever ran them (wall_s aside).
 */
#ifndef PERPSIM_SWEEP_INDEX_H
#define PERPSIM_SWEEP_INDEX_H

#include <stddef.h>
#include <stdio.h>

#include "perr.h"
#include "sweep.h"
#include "sweep_log.h"

#define SWEEP_INDEX_FORMAT_VERSION 1

/* Writes the index of s at path from the runs' outcomes (sweep_match) and
 * the metric names of recs. 0, or PERR_IO/PERR_NOMEM (nothing left
 * behind). */
int sweep_index_write(const char *path, const sweep *s,
                      const sweep_records *recs, const sweep_outcome *out,
                      perr *e);

/* An index read back: its table as columns of text or numbers. */
typedef struct sweep_index_column {
    char *name;
    int text;      /* a string column; else a number */
    char **texts;  /* n_rows strings, for a text column */
    double *values; /* n_rows numbers, for a number column */
} sweep_index_column;

typedef struct sweep_index {
    char sweep_file[1024];
    char scenario[1024];
    char perpsim_version[64];
    long long runs, ok, failed, missing;
    size_t n_keys, n_metrics; /* the swept-key and metric columns */
    sweep_index_column *cols;
    size_t n_cols, n_rows;
} sweep_index;

/* Whether the HDF5 file at path is a sweep index (1), a file of another
 * kind (0), or unreadable (-1). */
int sweep_index_is(const char *path);

/* Reads the index at path. PERR_IO when it cannot be opened, PERR_INVALID
 * when it is not a sweep index ("FILE: not a perpsim sweep index (...)"). */
int sweep_index_read(const char *path, sweep_index *ix, perr *e);

/* The column named name, or NULL. */
const sweep_index_column *sweep_index_column_named(const sweep_index *ix,
                                                   const char *name);

void sweep_index_free(sweep_index *ix);

#endif
