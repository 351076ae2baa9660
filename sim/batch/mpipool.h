/*
 * mpipool: the MPI executor of `perpsim sweep` and `perpsim calibrate`
 * under mpirun (compiled
 * when the build finds MPI). Rank 0 hands tasks out one at a time to
 * whichever rank asks next (a dynamic queue across ranks and nodes), and
 * works itself on a second thread, so mpirun -n N gives N workers. Only
 * rank 0 sees results: it calls ops->done for each, in the order they
 * arrive, and so it alone writes the journal and the index.
 *
 * The ops are pool.h's: ops->work runs on the rank that got the task (on
 * rank 0, on its work thread; nothing else of rank 0 runs a task), its
 * bytes travel to rank 0, ops->done and ops->tick run on rank 0's main
 * thread, the only one that calls MPI (MPI_THREAD_FUNNELED).
 *
 * A rank that dies (a run that crashes) ends the whole job, as mpirun
 * does; the sweep's journal lets the next start go on from there.
 */
#ifndef PERPSIM_MPIPOOL_H
#define PERPSIM_MPIPOOL_H

#include <stddef.h>

#include "perr.h"
#include "pool.h"

/* Whether this process was started by mpirun (or srun) with MPI's
 * environment. */
int mpipool_launched(void);

/* Initialises MPI; fills this rank and the number of ranks. */
int mpipool_init(int *argc, char ***argv, int *rank, int *size, perr *e);

void mpipool_finalize(void);

/* The largest of every rank's v, on every rank: how ranks agree that all
 * of them are ready (0) before any starts. */
int mpipool_agree(int v);

/* Rank 0's status and its n values, on every rank: how the ranks of an
 * iterative search (perpsim calibrate) all see the results of a batch that
 * only rank 0 received. Returns rank 0's status; v is overwritten on the
 * other ranks. */
int mpipool_share(int status, double *v, size_t n);

/* On rank 0: hands out tasks[0..n) and returns when all have ended; on
 * the other ranks (tasks NULL, n 0): does what rank 0 hands out until it
 * says stop. 0, or an error of the pool itself on rank 0. */
int mpipool_run(const size_t *tasks, size_t n, const pool_ops *ops,
                void *ctx, perr *e);

#endif
