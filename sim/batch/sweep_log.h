/*
 * sweep_log: what a sweep remembers of its runs, so that it can stop at
 * any moment (kill -9 included) and go on later, and so that separate
 * processes (scheduler-array shards, MPI ranks) can build one index.
 *
 * A run's *record* is one line of text: its id, whether it finished, the
 * hash of the scenario it ran, its wall time, whether its expectations
 * held, its error, and every summary metric as name=value:
 *
 *   run <TAB> ID <TAB> ok|failed <TAB> HASH <TAB> WALL_S <TAB> EXPECT
 *       <TAB> ERROR <TAB> NAME=VALUE <TAB> ... <NEWLINE>
 *
 * Records are appended to a *journal*, DIR/journal/TAG.log (TAG: "local",
 * "mpi", "shard-3-of-8"), one write() per line by the one process that
 * owns the journal, after the run's file has been renamed into place. So
 * a record is the run's completion mark: a run with no record was not
 * finished, whatever lies in DIR/runs. A line cut short (no newline) is
 * ignored when read.
 *
 * Records read back share one table of metric names (sweep_metrics), in
 * the order first seen, so that a thousand records of the same scenario
 * store their names once.
 */
#ifndef PERPSIM_SWEEP_LOG_H
#define PERPSIM_SWEEP_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "perr.h"
#include "summary.h"
#include "sweep.h"

#define SWEEP_ERROR_MAX 512

/* The metric names of a set of records, in the order first seen. */
typedef struct sweep_metrics {
    char **names;
    size_t n, cap;
    size_t hint; /* where the next name is likely to be */
} sweep_metrics;

typedef struct sweep_record {
    char id[SWEEP_ID_MAX];
    int ok;                 /* the run finished and its file is in place */
    uint64_t scenario_hash; /* of the scenario it ran (0: none loaded) */
    double wall_s;
    int expect;             /* 1 every expectation held, 0 one failed, -1
                               none */
    char *error;            /* "" when ok */
    double *values;         /* values[i] of metrics->names[i]; NaN beyond
                               n_values or where the run had none */
    size_t n_values;
    size_t order;           /* its place among all records read */
} sweep_record;

typedef struct sweep_records {
    sweep_record *r;
    size_t n, cap;
    sweep_metrics metrics;
    size_t skipped; /* lines that were not whole records */
} sweep_records;

/* Writes the record of a run as one line. s (the run's summary) may be
 * NULL for a run that failed; error may be NULL or "". */
int sweep_record_print(FILE *out, const char *id, int ok, uint64_t hash,
                       double wall_s, const summary *s, const char *error);

/* Parses one whole line (with or without its newline) into a new record
 * of recs; 0, PERR_INVALID when it is not a record, PERR_NOMEM. */
int sweep_records_parse(sweep_records *recs, const char *line, size_t len);

/* Reads every journal DIR/journal/ *.log, in name order, appending their
 * records to recs. 0 (also when there is no journal), or PERR_IO/NOMEM. */
int sweep_records_read_dir(sweep_records *recs, const char *dir, perr *e);

void sweep_records_free(sweep_records *recs);

/* Where a run of the plan stands, by its records. */
typedef enum sweep_status {
    SWEEP_RUN_OK,      /* finished: an ok record of the same scenario, and
                          its file in place */
    SWEEP_RUN_FAILED,  /* its latest record is a failure */
    SWEEP_RUN_MISSING, /* no record: never run, or killed mid-run */
    SWEEP_RUN_STALE,   /* finished, but from another scenario (the
                          scenario or the sweep changed since), or its
                          file is gone */
} sweep_status;

typedef struct sweep_outcome {
    sweep_status status;
    const sweep_record *rec; /* the record it stands by; NULL if missing */
} sweep_outcome;

/* Matches the plan's runs to recs: out[r] for each run r of s. A run is
 * OK when an ok record has its id and, where the plan knows the run's
 * scenario hash, that hash, and dir/runs/ID.h5 exists; otherwise its
 * latest record decides (failed, or stale when ok). 0 or PERR_NOMEM. */
int sweep_match(const sweep *s, const sweep_records *recs, const char *dir,
                sweep_outcome *out, perr *e);

/* "ok", "failed", "missing", "stale". */
const char *sweep_status_name(sweep_status st);

/* A journal open for appending. */
typedef struct sweep_journal {
    int fd;
    char path[4096];
} sweep_journal;

/* Opens DIR/journal/TAG.log for appending, creating it, and takes an
 * exclusive lock on it: a second process writing the same journal is
 * refused (PERR_STATE, "... is being written by another perpsim"). */
int sweep_journal_open(sweep_journal *j, const char *dir, const char *tag,
                       perr *e);

/* Appends one record line (len bytes, ending in a newline) in one
 * write(): a process killed after it returns leaves the whole line. (It
 * does not fsync: a record outlives the process, not the machine.) */
int sweep_journal_append(sweep_journal *j, const char *line, size_t len,
                         perr *e);

void sweep_journal_close(sweep_journal *j);

/* The value of metric i of a record (NaN when it has none). */
double sweep_record_value(const sweep_record *r, size_t i);

#endif
