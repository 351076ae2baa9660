/*
 * output_internal: what the files of the output module share and nobody
 * else sees. output.c owns the file (open, the venues' series and event
 * tables, commit and abort); output_maps.c writes the liquidation maps
 * into it and output_summary.c the summary. The struct is output.c's; output_maps.c reaches
 * a venue only through output_venue_of and reports a failure only through
 * output_fail, so the rule of output.h holds for both: a write that fails
 * closes the file and removes the part file at once.

 */
#ifndef PERPSIM_OUTPUT_INTERNAL_H
#define PERPSIM_OUTPUT_INTERNAL_H

#include <hdf5.h>
#include <stddef.h>

#include "metrics.h"
#include "output.h"
#include "profile.h"

enum {
    OUTPUT_CHUNK = 4096,
    OUTPUT_FUNDING_CHUNK = 256,
    OUTPUT_DEFLATE = 4,
};

typedef enum out_kind { K_F64, K_I64, K_U32, K_I8, K_U8, K_ROUTE } out_kind;

/* A field of a compound dataset: its name, its place in the struct of a
 * row in memory, its kind, and its symbolic unit. */
typedef struct out_field {
    const char *name;
    size_t offset;
    out_kind kind;
    const char *unit;
} out_field;

#define FIELD(s, f, k, u) {#f, offsetof(s, f), k, u}
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The tables of a venue, in the order of this schema. */
enum { T_LIQUIDATIONS, T_FUNDING, T_ADL, T_TRADES, T_POLICY, T_COUNT };

typedef struct out_table {
    hid_t dset;
    unsigned char *buf; /* chunk rows of the table's struct */
    size_t nbuf;
    hsize_t rows;       /* rows in the file */
} out_table;

typedef struct out_venue {
    char name[64];
    const profile *p;
    hid_t series[METRICS_SERIES_COUNT];
    hid_t audit[METRICS_AUDIT_COUNT];
    metrics_row *rows; /* OUTPUT_CHUNK rows */
    size_t nrows;
    hsize_t written;
    int trades;
    out_table table[T_COUNT];
} out_venue;

struct output {
    char *path, *part;
    int part_fd; /* holds the claim on the part file (cleanup.h); -1 */
    int overwrite;
    int failed;       /* a write failed: the file is closed and removed */
    int rows_started; /* no venue may be added after the first row */
    hid_t file, venues;
    hid_t str_type;   /* variable-length UTF-8 string */
    hid_t route_type; /* enum over uint8 */
    hid_t mem_type[T_COUNT], file_type[T_COUNT];
    hid_t dcpl_rows, dcpl_funding; /* chunked, shuffled, deflated */
    out_venue *v;
    size_t nv, capv;
    double *scratch;  /* one column of a chunk (int64 columns too) */
};

/* Records a failure of the file (what, then HDF5's reason), closes it and
 * removes the part file. Returns PERR_IO. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
int output_fail(output *o, perr *e, const char *fmt, ...);

/* Checks the call and returns venue vi, or NULL with *rc set. */
out_venue *output_venue_of(output *o, size_t vi, int *rc, perr *e);

/* The compound type of n fields in memory (native types at the offsets of
 * a struct of mem_size bytes) or in the file (standard little-endian types
 * packed one after another). */
hid_t output_compound(const output *o, const out_field *fields, size_t n,
                      size_t mem_size, int in_file);

/* A `units` attribute on d: one string (n == 0: *units) or an array of n,
 * one per field of a compound dataset, each with the words "quote" and
 * "base" replaced by p's currencies. */
herr_t output_units(const output *o, hid_t d, const profile *p,
                    const char *const *units, size_t n);

/* Writes /summary from s (NULL: an empty summary): output_summary.c. */
int output_write_summary(output *o, const summary *s, perr *e);

#endif
