/*
 * flat: a YAML document as a flat list of key paths, each with the place it
 * was written, so that a loader can hand keys to their owners one at a time
 * and put every error at a line and column. Scenario files (scenario_load.h)
 * and sweep files (sweep.h) are read this way.
 *
 * One entry per node below the root mapping, in file order, named by its
 * key path: `venues[0].funding.interval`. A scalar entry holds its text; a
 * mapping or a list holds only its kind (and a list its length), so a
 * wrong type is caught where it was written. A dotted key
 * (`funding.interval: 1h`) and the nested form name the same path, and a
 * path stated twice is an error ("duplicate key (first at line 5)").
 *
 * Messages are one line, "FILE:LINE:COL: MSG"; an entry that a program
 * added (line 0) is placed as "--set MSG", the form of a command-line
 * override, unless it carries an origin of its own (flat_entry.origin).
 *
 * Invariants: an entry's path is unique among the live entries; an entry
 * that a loader marks dead stays in the list until flat_free.
 */
#ifndef PERPSIM_FLAT_H
#define PERPSIM_FLAT_H

#include <stddef.h>

#include "perr.h"

#define FLAT_PATH_MAX 256 /* bytes of a key path, NUL included */
#define FLAT_DEPTH_MAX 16 /* nesting of mappings and lists */

/* The largest file flat_read_file reads: a scenario or sweep file is a few
 * kilobytes, and a device or a mistyped path must not fill the memory. */
#define FLAT_FILE_MAX ((size_t)64 << 20)

enum { FLAT_SCALAR, FLAT_MAP, FLAT_LIST };

typedef struct flat_entry {
    char *path;
    char *value;   /* a scalar's text; NULL for a mapping or a list */
    int kind;      /* FLAT_* */
    size_t items;  /* a list: its length */
    int line, col; /* 1-based; 0: added by a program (see origin) */
    /* With line 0: where the entry came from, as a message prefix
     * ("sweep.yaml:7:5"), or NULL for a command-line --set. */
    const char *origin;
    int used;      /* a loader took it */
    int dead;      /* replaced by another */
} flat_entry;

typedef struct flat_doc {
    const char *file; /* for messages */
    perr *e;
    flat_entry *entries;
    size_t n, cap;
    /* A hash index of the paths (open addressing: entry index + 1, 0
     * empty; nslots a power of two, at least twice n), so that finding a
     * path costs the same in a file of ten keys and of a hundred thousand. */
    size_t *slots;
    size_t nslots;
    int root_line, root_col; /* the root mapping's place */
} flat_doc;

/* Starts an empty document named file (for messages) reporting into e. */
void flat_init(flat_doc *d, const char *file, perr *e);

/* Parses one YAML document of len bytes into d's entries. what names the
 * document in messages ("scenario"); an empty document is an error that
 * ends with empty_hint. 0, or PERR_INVALID/PERR_NOMEM with d->e filled:
 * broken YAML, a root that is not a mapping, a key that is not a name,
 * duplicate keys, nesting deeper than FLAT_DEPTH_MAX, a second document. */
int flat_parse(flat_doc *d, const char *text, size_t len, const char *what,
               const char *empty_hint);

/* The live entry of path, or NULL. */
flat_entry *flat_find(const flat_doc *d, const char *path);

/* Appends an entry; NULL when memory runs out (d->e filled). */
flat_entry *flat_add(flat_doc *d, const char *path, const char *value,
                     int kind, size_t items, int line, int col);

/* Fails with PERR_INVALID and "FILE:LINE:COL: MSG" placed at at (NULL: the
 * root mapping); MSG should start with the key path. Returns PERR_INVALID. */
int flat_fail_at(flat_doc *d, const flat_entry *at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The entry that best places a message about path: its own, else its
 * nearest ancestor's, else fallback. */
const flat_entry *flat_place_of(const flat_doc *d, const char *path,
                                const flat_entry *fallback);

/* "a mapping", "a list" or "a single value". */
const char *flat_kind_word(const flat_entry *en);

/* Frees every entry; d may be zeroed. */
void flat_free(flat_doc *d);

/* Reads the whole file at path into a new NUL-terminated buffer (*text,
 * free it) of *len bytes, as textfile_read does for a YAML file: PERR_IO
 * when it cannot be read, PERR_INVALID when it is not a regular file or is
 * longer than FLAT_FILE_MAX, PERR_NOMEM. */
int flat_read_file(const char *path, char **text, size_t *len, perr *e);

#endif
