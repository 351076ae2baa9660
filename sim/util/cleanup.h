/*
 * cleanup: what a process removes and stops when it is told to stop
 * (SIGINT, SIGTERM, SIGHUP), so that an interrupted run or batch leaves no
 * part file behind and no worker running.
 *
 * The files are the part files being written (output.c, sweep_index.c
 * register each from its creation to its rename or removal); the children
 * are a batch's workers (pool.c registers each it starts). On a signal the
 * handler that cleanup_install sets removes every registered file, sends
 * the signal on to every registered child and waits for them (each removes
 * its own part file the same way), then dies of the signal itself, so a
 * shell sees 130 for SIGINT and 143 for SIGTERM. SIGKILL cannot be caught:
 * a batch's workers die with it (PR_SET_PDEATHSIG), and what they were
 * writing stays as a part file, which is never taken for a result.
 *
 * The tables are fixed (CLEANUP_FILES paths, CLEANUP_CHILDREN pids) and
 * touched by the handler only through async-signal-safe calls; registering
 * more than they hold fails (-1) and the caller goes on without the
 * guarantee. Single-threaded use: register and unregister from the thread
 * that writes the file.
 */
#ifndef PERPSIM_CLEANUP_H
#define PERPSIM_CLEANUP_H

#include <sys/types.h>

#define CLEANUP_FILES 8
#define CLEANUP_CHILDREN 256

/* Handles SIGINT, SIGTERM and SIGHUP as above, and ignores SIGXFSZ (a write
 * past the file size limit then fails with EFBIG and is reported). The
 * program calls it once, at start; a library user who does not call it
 * keeps its own handling. */
void cleanup_install(void);

/* path (copied) is removed if the process is stopped before
 * cleanup_forget_file(path). 0, or -1 when the table is full or path too
 * long. */
int cleanup_file(const char *path);
void cleanup_forget_file(const char *path);

/* Claims path as this process's own file to write: opens it (creating it
 * when absent, mode 0666 less the umask), takes an exclusive flock on it,
 * checks that the name still refers to the file locked (a process that
 * held it may have renamed it away meanwhile), empties it and registers it
 * as cleanup_file does; the stopping signals are held throughout, so no
 * instant has the file claimed but unregistered. A file left by a process
 * that was killed is claimed again; one another live process holds is not
 * (-1, errno EWOULDBLOCK), nor ever registered or removed here. The
 * descriptor holds the claim: keep it open until the file is renamed or
 * removed. -1 with errno on failure. */
int cleanup_claim_file(const char *path);

/* pid is sent the stopping signal and waited for. */
int cleanup_child(pid_t pid);
void cleanup_forget_child(pid_t pid);

/* In a child just forked: forget the parent's children (its siblings), so
 * that a signal is not sent on to them twice. */
void cleanup_forget_children(void);

#endif
