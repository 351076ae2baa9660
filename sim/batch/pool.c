/*
 * pool: worker processes on one dynamic queue (pool.h).
 *
 * Each worker has two pipes: the parent writes task numbers (8 bytes) into
 * its command pipe, the worker writes back a header (task, length, wall
 * time: 24 bytes, less than PIPE_BUF, so it arrives whole) and the result's
 * bytes into its result pipe. The parent polls the result pipes of the busy
 * workers; end of file on one means its worker died mid-task. Closing a
 * command pipe is how the parent tells a worker to stop.
 *
 * A worker closes every pipe end it inherited that is not its own, so a
 * worker's death is seen as end of file on its result pipe even while
 * other workers run.
 */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT, prctl */
#include "pool.h"
#include "wallclock.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "cleanup.h"

typedef struct worker {
    pid_t pid;     /* 0: not running */
    int cmd_fd;    /* the parent's end of the command pipe */
    int res_fd;    /* the parent's end of the result pipe */
    int busy;
    size_t task;
} worker;

typedef struct result_header {
    uint64_t task;
    uint64_t len;
    double wall_s;
} result_header;

typedef struct pool_state {
    const pool_ops *ops;
    void *ctx;
    worker *w;
    size_t nw;
    pid_t parent;
} pool_state;

/* Reads exactly n bytes; returns n, or less at end of file or on error. */
static size_t read_full(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

static int write_full(int fd, const void *buf, size_t n)
{
    size_t put = 0;
    while (put < n) {
        ssize_t r = write(fd, (const char *)buf + put, n - put);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        put += (size_t)r;
    }
    return 0;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* ---- the worker side ---------------------------------------------------- */

static void worker_main(const pool_state *p, int cmd, int res)
{
    uint64_t task;
    while (read_full(cmd, &task, sizeof task) == sizeof task) {
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        if (!out)
            _exit(111);
        double t0 = wallclock_seconds();
        p->ops->work(p->ctx, (size_t)task, out);
        if (fclose(out) != 0)
            _exit(111);
        result_header h = {task, len, wallclock_seconds() - t0};
        if (write_full(res, &h, sizeof h) != 0 || write_full(res, buf, len) != 0)
            _exit(112);
        free(buf);
    }
    _exit(0);
}

/* ---- the parent side ---------------------------------------------------- */

/* Starts worker k; 0 or PERR_IO. */
static int spawn(pool_state *p, size_t k, perr *e)
{
    int cmd[2], res[2];
    if (pipe(cmd) != 0)
        return perr_set(e, PERR_IO, "cannot start a worker: pipe: %s",
                        strerror(errno));
    if (pipe(res) != 0) {
        int err = errno;
        close(cmd[0]);
        close(cmd[1]);
        return perr_set(e, PERR_IO, "cannot start a worker: pipe: %s",
                        strerror(err));
    }
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        close(cmd[0]);
        close(cmd[1]);
        close(res[0]);
        close(res[1]);
        return perr_set(e, PERR_IO, "cannot start a worker: fork: %s",
                        strerror(err));
    }
    if (pid == 0) {
#ifdef __linux__
        prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
        if (getppid() != p->parent)
            _exit(0); /* the parent died before the line above */
        cleanup_forget_children(); /* its siblings are the parent's */
        signal(SIGPIPE, SIG_DFL);
        for (size_t j = 0; j < p->nw; j++) {
            if (p->w[j].cmd_fd >= 0)
                close(p->w[j].cmd_fd);
            if (p->w[j].res_fd >= 0)
                close(p->w[j].res_fd);
        }
        close(cmd[1]);
        close(res[0]);
        worker_main(p, cmd[0], res[1]);
    }
    close(cmd[0]);
    close(res[1]);
    cleanup_child(pid); /* stopped with the batch (cleanup.h) */
    worker *w = &p->w[k];
    w->pid = pid;
    w->cmd_fd = cmd[1];
    w->res_fd = res[0];
    w->busy = 0;
    return 0;
}

/* Waits for worker w to end; describes how in why. */
static void reap(worker *w, char *why, size_t size)
{
    close_fd(&w->cmd_fd);
    close_fd(&w->res_fd);
    int status = 0;
    pid_t got;
    do
        got = waitpid(w->pid, &status, 0);
    while (got < 0 && errno == EINTR);
    cleanup_forget_child(w->pid);
    w->pid = 0;
    w->busy = 0;
    if (!why)
        return;
    if (got < 0)
        snprintf(why, size, "its worker was lost");
    else if (WIFSIGNALED(status))
        snprintf(why, size, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(why, size, "its worker exited with status %d",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* Gives task to worker k, starting it first when it is not running; a
 * worker found dead is started again once. 0 or PERR_IO. */
static int assign(pool_state *p, size_t k, size_t task, perr *e)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        worker *w = &p->w[k];
        if (w->pid == 0) {
            int rc = spawn(p, k, e);
            if (rc != 0)
                return rc;
        }
        uint64_t t = task;
        if (write_full(w->cmd_fd, &t, sizeof t) == 0) {
            w->busy = 1;
            w->task = task;
            return 0;
        }
        reap(w, NULL, 0);
    }
    return perr_set(e, PERR_IO, "cannot hand a task to a worker: %s",
                    strerror(errno));
}

/* Reads worker w's result; 0, or -1 when it died (why filled). On
 * success *buf holds the bytes (free it). */
static int receive(worker *w, pool_result *r, char **buf, char *why,
                   size_t size)
{
    result_header h;
    *buf = NULL;
    if (read_full(w->res_fd, &h, sizeof h) != sizeof h || h.task != w->task
        || h.len > ((size_t)1 << 30)) {
        reap(w, why, size);
        return -1;
    }
    char *data = malloc(h.len + 1);
    if (!data || read_full(w->res_fd, data, h.len) != h.len) {
        free(data);
        reap(w, why, size);
        return -1;
    }
    data[h.len] = '\0';
    *buf = data;
    r->data = data;
    r->len = h.len;
    r->wall_s = h.wall_s;
    return 0;
}

int pool_run(size_t n, int workers, const pool_ops *ops, void *ctx, perr *e)
{
    if (n == 0)
        return 0;
    if (workers < 1)
        workers = 1;
    if (workers > POOL_WORKERS_MAX)
        workers = POOL_WORKERS_MAX;
    size_t nw = (size_t)workers < n ? (size_t)workers : n;
    pool_state p = {ops, ctx, calloc(nw, sizeof(worker)), nw, getpid()};
    struct pollfd *fds = calloc(nw, sizeof *fds);
    size_t *who = calloc(nw, sizeof *who);
    if (!p.w || !fds || !who) {
        free(p.w);
        free(fds);
        free(who);
        return perr_set(e, PERR_NOMEM, "out of memory starting %zu workers",
                        nw);
    }
    for (size_t k = 0; k < nw; k++)
        p.w[k].cmd_fd = p.w[k].res_fd = -1;
    /* A worker that dies makes writes to its pipe fail, not the parent. */
    struct sigaction ignore = {.sa_handler = SIG_IGN}, old_pipe;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, &old_pipe);

    int rc = 0, stop = 0;
    size_t next = 0, running = 0;
    for (size_t k = 0; k < nw && rc == 0; k++) {
        rc = assign(&p, k, next, e);
        if (rc == 0) {
            next++;
            running++;
        }
    }
    double last_tick = wallclock_seconds();
    while (running > 0) {
        size_t nf = 0;
        for (size_t k = 0; k < nw; k++)
            if (p.w[k].busy) {
                fds[nf].fd = p.w[k].res_fd;
                fds[nf].events = POLLIN;
                fds[nf].revents = 0;
                who[nf++] = k;
            }
        int ready = poll(fds, nf, 250);
        if (ready < 0 && errno != EINTR) {
            rc = perr_set(e, PERR_IO, "waiting for workers: %s",
                          strerror(errno));
            break;
        }
        for (size_t i = 0; ready > 0 && i < nf; i++) {
            if (!fds[i].revents)
                continue;
            worker *w = &p.w[who[i]];
            pool_result r;
            memset(&r, 0, sizeof r);
            r.task = w->task;
            char *buf;
            if (receive(w, &r, &buf, r.why, sizeof r.why) != 0)
                r.died = 1;
            else
                w->busy = 0;
            running--;
            if (ops->done(ctx, &r) != 0)
                stop = 1;
            free(buf);
            if (!stop && rc == 0 && next < n) {
                int arc = assign(&p, who[i], next, e);
                if (arc == 0) {
                    next++;
                    running++;
                } else if (running == 0) {
                    rc = arc; /* no worker left to do the rest */
                }
            }
        }
        double now = wallclock_seconds();
        if (ops->tick && now - last_tick >= 0.25) {
            ops->tick(ctx);
            last_tick = now;
        }
    }
    for (size_t k = 0; k < nw; k++)
        if (p.w[k].pid)
            reap(&p.w[k], NULL, 0);
    sigaction(SIGPIPE, &old_pipe, NULL);
    free(p.w);
    free(fds);
    free(who);
    return rc;
}

int pool_default_workers(void)
{
#ifdef __linux__
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}
