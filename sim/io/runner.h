/*
 * runner: one scenario from file to result, as `perpsim run`, `perpsim
 * bench run` and sweeps need it: load and check the scenario with its
 * overrides, build the world, run it into an HDF5 file written under a
 * temporary name, summarise, check the expectations, commit the file.
 * Nothing is left behind when any step fails.
 */
#ifndef PERPSIM_RUNNER_H
#define PERPSIM_RUNNER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "perr.h"
#include "scenario.h"
#include "summary.h"
#include "venue.h"

typedef struct runner_job {
    const char *scenario;        /* a file, or NULL for the built-in default */
    const char *const *sets;     /* "key=value" overrides, in order */
    const char *const *places;   /* where each came from, or NULL: --set */
    size_t n_sets;
    const char *out_dir;         /* NULL: no file is written */
    const char *out_path;        /* the result's path; NULL: out_dir's
                                    runner_result_path */
    int force;                   /* overwrite an existing result */
    int check_invariants;        /* check the ledger after every event
                                    (world_options) */
    FILE *progress;              /* a terminal to draw the progress line on, or NULL */
} runner_job;

typedef struct runner_result {
    char path[4096];    /* the result file ("" without out_dir) */
    char name[64];      /* the scenario's name */
    char shocks_dropped[SCENARIO_DROPPED_MAX]; /* scenario.h: shocks beyond
                                                  the end, left out */
    uint64_t seed;
    uint64_t scenario_hash; /* FNV-1a 64 of the resolved scenario text */
    summary summary;    /* the run's summary and checks; summary_free it */
    uint64_t events;      /* the world's events (world_events) */
    venue_book_counts book; /* what the books processed (world_book_counts) */
    uint64_t agents;    /* in all populations */
    int64_t sim_ms;     /* simulated time */
    double wall_s;      /* the run, set-up and output included */
    double setup_s;     /* loading and building the world */
    int ran;            /* the run had begun (set on failure too): a failure
                           with ran set is the run's, not its input's */
} runner_result;

/* Runs job. 0 on success (whatever the expectations say), else an error:
 * PERR_INVALID for a bad scenario (e says where), an output path that is
 * not a folder or a result that exists without force; PERR_IO for a file
 * that cannot be written; others from the run. *res is
 * filled on success and must be released with runner_result_free; on
 * failure only res->ran says whether the run had begun (a disk that fills
 * mid-run) or its input was refused. */
int runner_run(const runner_job *job, runner_result *res, perr *e);

void runner_result_free(runner_result *res);

/* Creates dir and its parents as needed (mkdir -p); PERR_IO when one
 * cannot be made, PERR_INVALID when the path is too long or names a file
 * that is not a folder. */
int runner_make_dir(const char *dir, perr *e);

/* What a run's overrides ("key=value") are called in file names: their
 * values, in order, joined by '_', letters, digits and '.' kept and any run
 * of other bytes between them written as one '-' ("[1, 2]" is "1-2"), cut
 * at RUNNER_SLUG_MAX bytes; overrides of the seed are left out (the seed
 * has a place of its own). "" when none is left. Returns the length. */
#define RUNNER_SLUG_MAX 32
size_t runner_slug(const char *const *sets, size_t n, char *out, size_t size);

/* The file name a scenario's result gets in out_dir:
 * "<out_dir>/<name>-seed<seed>.h5", or with overrides other than the seed
 * "<out_dir>/<name>-<slug>-<6 hex digits of a hash of the overrides>-
 * seed<seed>.h5" ("quickstart-1h-aa4751-seed42.h5"), so that a run with
 * overrides never takes the name of the run without them, nor of a run
 * with others. */
void runner_result_path(const char *out_dir, const char *name,
                        const char *const *sets, size_t n_sets, uint64_t seed,
                        char *out, size_t size);

/* The one refusal of a result name that is taken, whichever way it is:
 * by a file already there (first and second NULL: "PATH: exists; use
 * --force to overwrite it or -o for another folder", what runner_run
 * reports without job->force), or by two scenarios of one batch that would
 * both write it (first and second their files, NULL for the built-in
 * default: "PATH: exists twice in this batch, from FIRST and SECOND ...;
 * nothing was run"). Both open with the path and "exists", so a script or
 * a reader sees one kind of message for one kind of collision. Returns
 * PERR_INVALID (bad input: exit status 2). */
int runner_refuse_taken(const char *path, const char *first,
                        const char *second, perr *e);

#endif
