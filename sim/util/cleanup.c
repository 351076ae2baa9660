/*
 * cleanup: part files removed and workers stopped when the process is told
 * to stop (cleanup.h).
 *
 * The tables are plain arrays whose slots the handler reads: a file's slot
 * is in use while its flag is set, and the flag is set only after the path
 * is in place (a signal fence keeps the compiler from reordering the two),
 * so the handler never reads half a path; a child's slot is in use while
 * its pid is not zero. The handler uses only unlink, kill,
 * waitpid, sigaction and raise (async-signal-safe, POSIX.1-2008 2.4.3).
 */
#define _POSIX_C_SOURCE 200809L
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CLEANUP_PATH_MAX 4096

static char files[CLEANUP_FILES][CLEANUP_PATH_MAX];
static volatile sig_atomic_t file_used[CLEANUP_FILES];
static volatile pid_t children[CLEANUP_CHILDREN];

static void on_stop(int sig)
{
    int saved = errno;
    for (int i = 0; i < CLEANUP_FILES; i++)
        if (file_used[i])
            unlink(files[i]);
    for (int i = 0; i < CLEANUP_CHILDREN; i++)
        if (children[i] > 0)
            kill(children[i], sig);
    for (int i = 0; i < CLEANUP_CHILDREN; i++) {
        pid_t pid = children[i];
        if (pid <= 0)
            continue;
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    /* Die of the signal, so that whoever waits for this process sees it. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    errno = saved;
    raise(sig);
}

void cleanup_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    /* One cleanup at a time: the other stopping signals wait for it. */
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaddset(&sa.sa_mask, SIGHUP);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* A file grown past the size limit (ulimit -f) is a write that fails
     * (EFBIG), which the writer reports, not a crash. */
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGXFSZ, &ign, NULL);
}

int cleanup_file(const char *path)
{
    size_t len = strlen(path);
    if (len == 0 || len >= CLEANUP_PATH_MAX)
        return -1;
    for (int i = 0; i < CLEANUP_FILES; i++) {
        if (file_used[i])
            continue;
        memcpy(files[i], path, len + 1);
        atomic_signal_fence(memory_order_seq_cst);
        file_used[i] = 1;
        return 0;
    }
    return -1;
}

void cleanup_forget_file(const char *path)
{
    for (int i = 0; i < CLEANUP_FILES; i++)
        if (file_used[i] && strcmp(files[i], path) == 0)
            file_used[i] = 0;
}

int cleanup_child(pid_t pid)
{
    for (int i = 0; i < CLEANUP_CHILDREN; i++)
        if (children[i] == 0) {
            children[i] = pid;
            return 0;
        }
    return -1;
}

void cleanup_forget_child(pid_t pid)
{
    for (int i = 0; i < CLEANUP_CHILDREN; i++)
        if (children[i] == pid)
            children[i] = 0;
}

void cleanup_forget_children(void)
{
    for (int i = 0; i < CLEANUP_CHILDREN; i++)
        children[i] = 0;
}

int cleanup_claim_file(const char *path)
{
    sigset_t stops, before;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    sigaddset(&stops, SIGHUP);
    sigprocmask(SIG_BLOCK, &stops, &before);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    int err = errno;
    if (fd >= 0) {
        struct stat held, named;
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            err = errno;
        } else if (fstat(fd, &held) != 0 || stat(path, &named) != 0
                   || held.st_dev != named.st_dev
                   || held.st_ino != named.st_ino) {
            err = EWOULDBLOCK; /* renamed away by the one that held it */
        } else if (ftruncate(fd, 0) != 0) {
            err = errno;
        } else {
            (void)cleanup_file(path);
            sigprocmask(SIG_SETMASK, &before, NULL);
            return fd;
        }
        close(fd);
        fd = -1;
    }
    sigprocmask(SIG_SETMASK, &before, NULL);
    errno = err;
    return fd;
}
