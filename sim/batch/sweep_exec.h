/*
 * sweep_exec: what every executor of a sweep shares (local workers, MPI
 * ranks, scheduler-array shards): the sweep's folder and the task that
 * does one run.
 *
 *   DIR/sweep.yaml       a copy of the sweep file the folder belongs to
 *   DIR/runs/ID.h5       one ordinary result file per run
 *   DIR/journal/TAG.log  the runs' records (sweep_log.h)
 *   DIR/sweep.h5         the index (sweep_index.h)
 *
 * A folder belongs to one sweep: starting a sweep in a folder whose
 * sweep.yaml differs is refused unless forced, so that two sweeps' runs
 * are never mixed under one index.
 */
#ifndef PERPSIM_SWEEP_EXEC_H
#define PERPSIM_SWEEP_EXEC_H

#include <stddef.h>
#include <stdio.h>

#include "perr.h"
#include "sweep.h"

/* Makes DIR, DIR/runs and DIR/journal, and makes DIR/sweep.yaml hold s's
 * text: written when absent; when it differs, PERR_STATE ("DIR holds
 * another sweep ...") unless force, which replaces it. */
int sweep_exec_prepare(const sweep *s, const char *dir, int force, perr *e);

/* Whether dir/sweep.yaml holds s's text (1), another (0), or nothing
 * (-1). */
int sweep_exec_same_sweep(const sweep *s, const char *dir);

/* Does run r of s: writes DIR/runs/ID.h5 (replacing a half-written one)
 * and prints the run's record (sweep_log.h) to out, ok or failed. It never
 * stops the caller: every failure of the run is in the record. */
void sweep_exec_run(const sweep *s, const char *dir, size_t r, FILE *out);

#endif
