/*
 * pool: the local executor of `perpsim run -j N` and `perpsim sweep -j N`.
 * N worker processes, started once, take tasks from one queue: the parent
 * hands the next task to whichever worker is free (a dynamic queue, not a
 * static split), so a long task never holds up the others.
 *
 * A task is a number in [0, n). A worker does it by calling ops->work,
 * which writes the task's result (any bytes: a report, a record) to a
 * stream; the parent receives those bytes whole and calls ops->done with
 * them, one task at a time, in the order tasks finish. Workers are
 * processes, not threads, so a task that crashes takes only its worker
 * down: the parent reports that task as died (with the signal), starts a
 * new worker and goes on.
 *
 * A worker reuses its memory from one task to the next: it is one process
 * for its whole life, not one per task. Workers end when the parent closes
 * their queue, and on Linux also when the parent dies (kill -9 included),
 * so a killed run never leaves workers writing behind it.
 */
#ifndef PERPSIM_POOL_H
#define PERPSIM_POOL_H

#include <stddef.h>
#include <stdio.h>

#include "perr.h"

#define POOL_WORKERS_MAX 1024

/* What the parent learns of one task. */
typedef struct pool_result {
    size_t task;
    const char *data; /* the bytes ops->work wrote (valid during done) */
    size_t len;
    double wall_s;    /* the task's time in its worker */
    int died;         /* the worker ended before it finished the task */
    char why[96];     /* when died: "killed by signal 11 (Segmentation
                         fault)", "exited with status 3" */
} pool_result;

typedef struct pool_ops {
    /* In a worker: does task and writes its result to out. */
    void (*work)(void *ctx, size_t task, FILE *out);
    /* In the parent, as each task ends. Returning nonzero stops the pool
     * from starting further tasks (those running still finish). */
    int (*done)(void *ctx, const pool_result *r);
    /* In the parent, a few times a second while tasks run; may be NULL. */
    void (*tick)(void *ctx);
} pool_ops;

/* Does tasks 0..n-1 on `workers` processes (at most n are started), then
 * returns once every started task has ended. 0 when the pool ran (tasks
 * that died are reported through done, not here), else PERR_IO or
 * PERR_NOMEM when no worker could be started or the parent's pipes
 * failed. */
int pool_run(size_t n, int workers, const pool_ops *ops, void *ctx, perr *e);

/* The number of processors this process may run on (at least 1): the
 * default for -j. */
int pool_default_workers(void);

#endif
