/*
 * mpipool: tasks over MPI ranks with rank 0 as the dispatcher (mpipool.h).
 *
 * Messages: a worker rank sends READY (empty) when it starts, then RESULT
 * (a 16-byte header, the task and its wall time, then the result's bytes)
 * after each task; rank 0 answers each with TASK (the task number, or
 * UINT64_MAX: stop). Rank 0's main thread polls with MPI_Iprobe and a
 * short sleep rather than blocking in MPI_Recv, which in OpenMPI spins a
 * core that rank 0's own work thread needs.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream, nanosleep */
#include "mpipool.h"
#include "wallclock.h"

#include <mpi.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { TAG_READY = 1, TAG_RESULT = 2, TAG_TASK = 3 };

#define STOP UINT64_MAX

typedef struct header {
    uint64_t task;
    double wall_s;
} header;

int mpipool_launched(void)
{
    /* OpenMPI's mpirun; MPICH's Hydra and srun --mpi=pmi2; PMIx
     * launchers (srun --mpi=pmix). */
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE",
                                       "PMIX_RANK"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i]))
            return 1;
    return 0;
}

int mpipool_init(int *argc, char ***argv, int *rank, int *size, perr *e)
{
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided)
        != MPI_SUCCESS)
        return perr_set(e, PERR_STATE, "MPI could not be initialised");
    if (provided < MPI_THREAD_FUNNELED) {
        MPI_Finalize();
        return perr_set(e, PERR_STATE,
                        "this MPI library does not allow threads "
                        "(MPI_THREAD_FUNNELED)");
    }
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    return 0;
}

void mpipool_finalize(void)
{
    MPI_Finalize();
}

int mpipool_agree(int v)
{
    int all = v;
    MPI_Allreduce(&v, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return all;
}

int mpipool_share(int status, double *v, size_t n)
{
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    for (size_t at = 0; at < n;) {
        size_t part = n - at < (size_t)INT32_MAX ? n - at : (size_t)INT32_MAX;
        MPI_Bcast(v + at, (int)part, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        at += part;
    }
    return status;
}

/* Runs ops->work for task into a new buffer. */
static char *do_task(const pool_ops *ops, void *ctx, size_t task,
                     size_t *len, double *wall)
{
    char *buf = NULL;
    FILE *out = open_memstream(&buf, len);
    if (!out)
        return NULL;
    double t0 = wallclock_seconds();
    ops->work(ctx, task, out);
    fclose(out);
    *wall = wallclock_seconds() - t0;
    return buf;
}

/* ---- worker ranks ------------------------------------------------------- */

static int worker(const pool_ops *ops, void *ctx)
{
    MPI_Send(NULL, 0, MPI_BYTE, 0, TAG_READY, MPI_COMM_WORLD);
    for (;;) {
        uint64_t task;
        MPI_Recv(&task, 1, MPI_UINT64_T, 0, TAG_TASK, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        if (task == STOP)
            return 0;
        size_t len = 0;
        double wall = 0;
        char *buf = do_task(ops, ctx, (size_t)task, &len, &wall);
        header h = {task, wall};
        char *msg = malloc(sizeof h + len);
        if (!buf || !msg)
            MPI_Abort(MPI_COMM_WORLD, 1);
        memcpy(msg, &h, sizeof h);
        memcpy(msg + sizeof h, buf, len);
        if (sizeof h + len > (size_t)INT32_MAX)
            MPI_Abort(MPI_COMM_WORLD, 1);
        MPI_Send(msg, (int)(sizeof h + len), MPI_BYTE, 0, TAG_RESULT,
                 MPI_COMM_WORLD);
        free(msg);
        free(buf);
    }
}

/* ---- rank 0 ------------------------------------------------------------- */

/* Rank 0's work thread and its one-task mailbox. */
typedef struct local {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const pool_ops *ops;
    void *ctx;
    int has_task, finished, quit, busy;
    size_t task;
    char *buf;
    size_t len;
    double wall;
} local;

static void *local_main(void *arg)
{
    local *l = arg;
    pthread_mutex_lock(&l->mu);
    for (;;) {
        while (!l->has_task && !l->quit)
            pthread_cond_wait(&l->cv, &l->mu);
        if (!l->has_task)
            break;
        size_t task = l->task;
        l->has_task = 0;
        pthread_mutex_unlock(&l->mu);
        size_t len = 0;
        double wall = 0;
        char *buf = do_task(l->ops, l->ctx, task, &len, &wall);
        pthread_mutex_lock(&l->mu);
        l->buf = buf;
        l->len = len;
        l->wall = wall;
        l->finished = 1;
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

static void local_give(local *l, size_t task)
{
    pthread_mutex_lock(&l->mu);
    l->task = task;
    l->has_task = 1;
    l->busy = 1;
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

static int report(const pool_ops *ops, void *ctx, size_t task,
                  const char *data, size_t len, double wall)
{
    pool_result r;
    memset(&r, 0, sizeof r);
    r.task = task;
    r.data = data ? data : "";
    r.len = data ? len : 0;
    r.wall_s = wall;
    if (!data) {
        r.died = 1;
        snprintf(r.why, sizeof r.why, "out of memory in rank 0");
    }
    return ops->done(ctx, &r);
}

static int dispatcher(const size_t *tasks, size_t n, const pool_ops *ops,
                      void *ctx, int size, perr *e)
{
    local l;
    memset(&l, 0, sizeof l);
    l.ops = ops;
    l.ctx = ctx;
    pthread_mutex_init(&l.mu, NULL);
    pthread_cond_init(&l.cv, NULL);
    pthread_t th;
    if (pthread_create(&th, NULL, local_main, &l) != 0)
        return perr_set(e, PERR_STATE, "cannot start rank 0's work thread");
    size_t next = 0;
    int stop = 0, remote = size - 1;
    if (next < n)
        local_give(&l, tasks[next++]);
    double last_tick = wallclock_seconds();
    char *msg = NULL;
    size_t msg_cap = 0;
    while (remote > 0 || l.busy) {
        int idle = 1;
        int flag = 0;
        MPI_Status st;
        if (remote > 0)
            MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag,
                       &st);
        if (flag) {
            idle = 0;
            int count = 0;
            MPI_Get_count(&st, MPI_BYTE, &count);
            if ((size_t)count + 1 > msg_cap) {
                free(msg);
                msg_cap = (size_t)count + 1;
                if (!(msg = malloc(msg_cap)))
                    MPI_Abort(MPI_COMM_WORLD, 1);
            }
            MPI_Recv(msg, count, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG,
                     MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (st.MPI_TAG == TAG_RESULT && (size_t)count >= sizeof(header)) {
                header h;
                memcpy(&h, msg, sizeof h);
                msg[count] = '\0';
                if (report(ops, ctx, (size_t)h.task, msg + sizeof h,
                           (size_t)count - sizeof h, h.wall_s))
                    stop = 1;
            }
            uint64_t task = !stop && next < n ? (uint64_t)tasks[next++] : STOP;
            MPI_Send(&task, 1, MPI_UINT64_T, st.MPI_SOURCE, TAG_TASK,
                     MPI_COMM_WORLD);
            if (task == STOP)
                remote--;
        }
        pthread_mutex_lock(&l.mu);
        int finished = l.finished;
        char *buf = l.buf;
        size_t len = l.len, task = l.task;
        double wall = l.wall;
        if (finished) {
            l.finished = 0;
            l.buf = NULL;
            l.busy = 0;
        }
        pthread_mutex_unlock(&l.mu);
        if (finished) {
            idle = 0;
            if (report(ops, ctx, task, buf, len, wall))
                stop = 1;
            free(buf);
            if (!stop && next < n)
                local_give(&l, tasks[next++]);
        }
        double now = wallclock_seconds();
        if (ops->tick && now - last_tick >= 0.25) {
            ops->tick(ctx);
            last_tick = now;
        }
        if (idle) {
            struct timespec nap = {0, 200000}; /* 0.2 ms */
            nanosleep(&nap, NULL);
        }
    }
    pthread_mutex_lock(&l.mu);
    l.quit = 1;
    pthread_cond_signal(&l.cv);
    pthread_mutex_unlock(&l.mu);
    pthread_join(th, NULL);
    pthread_mutex_destroy(&l.mu);
    pthread_cond_destroy(&l.cv);
    free(msg);
    return 0;
}

int mpipool_run(const size_t *tasks, size_t n, const pool_ops *ops,
                void *ctx, perr *e)
{
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (rank != 0)
        return worker(ops, ctx);
    return dispatcher(tasks, n, ops, ctx, size, e);
}
