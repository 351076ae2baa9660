/*
 * textfile: reading the files a user names, bounded. Every input perpsim
 * reads (scenario, sweep and profile YAML, klines replays, premium CSV
 * files) comes through here, so that each refuses the same things the same
 * way: a path that is not a regular file (a folder, a device such as
 * /dev/zero, a FIFO that would block) and a file larger than the limit its
 * kind of input states. It also owns showing a piece of such a file back to
 * the user: bytes that are not printable text are escaped, never echoed raw
 * to a terminal.
 *
 * Messages name the path: "PATH: No such file or directory", "PATH: not a
 * regular file (...)", "PATH: larger than N MiB, the limit for WHAT".
 */
#ifndef PERPSIM_TEXTFILE_H
#define PERPSIM_TEXTFILE_H

#include <stddef.h>
#include <stdio.h>

#include "perr.h"

/* Opens path for reading as text when it is a regular file of at most max
 * bytes (what names the kind of input for the message: "a klines file").
 * NULL with e filled: PERR_IO when it cannot be opened, PERR_INVALID when it
 * is not a regular file or is too large. The FILE is the caller's to
 * fclose. Never blocks on a FIFO. */
FILE *textfile_open(const char *path, size_t max, const char *what, perr *e);

/* Reads the whole of path, as textfile_open admits it, into a new
 * NUL-terminated buffer (*text, the caller frees it) of *len bytes. Reading
 * stops at max bytes even if the file grows meanwhile. PERR_NOMEM besides
 * textfile_open's codes. */
int textfile_read(const char *path, size_t max, const char *what, char **text,
                  size_t *len, perr *e);

/* Writes into out (size bytes, > 4) the first bytes of text up to its NUL
 * or text_max bytes, for quoting in a message: printable ASCII as is, any
 * other byte as \xNN, and "..." when it does not all fit. */
void textfile_shown(const char *text, size_t text_max, char *out,
                    size_t size);

#endif
