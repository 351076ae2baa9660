/*
 * sweep_index: writing and reading DIR/sweep.h5 (sweep_index.h).
 *
 * The table is assembled in memory as packed rows (each field at its
 * offset, no padding) and appended in one call to a packet table (HDF5's
 * high-level H5PT API), shuffled and compressed. A text field is as wide as its longest
 * value. Reading goes through the dataset's own compound type, so any
 * reader of the format (or a later version that adds fields) is read the
 * same way: each field becomes a column of text (strings and integers,
 * exactly) or of numbers.
 */
#define _POSIX_C_SOURCE 200809L
#include "sweep_index.h"

#include <errno.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "h5util.h"
#include "version.h"

/* ---- writing ------------------------------------------------------------ */

typedef struct field {
    const char *name;
    hid_t type;    /* owned when a string type */
    size_t size, offset;
    int owned;
} field;

typedef struct table {
    field *f;
    size_t n, row_size;
} table;

static int add_field(table *t, const char *name, hid_t type, size_t size,
                     int owned)
{
    field *grown = realloc(t->f, (t->n + 1) * sizeof *grown);
    if (!grown) {
        if (owned)
            H5Tclose(type);
        return -1;
    }
    t->f = grown;
    t->f[t->n] = (field){name, type, size, t->row_size, owned};
    t->row_size += size;
    t->n++;
    return 0;
}

/* A fixed-length, null-padded string field of width bytes. */
static int add_text_field(table *t, const char *name, size_t width)
{
    hid_t s = H5Tcopy(H5T_C_S1);
    if (s < 0 || H5Tset_size(s, width) < 0
        || H5Tset_strpad(s, H5T_STR_NULLPAD) < 0
        || H5Tset_cset(s, H5T_CSET_UTF8) < 0) {
        if (s >= 0)
            H5Tclose(s);
        return -1;
    }
    return add_field(t, name, s, width, 1);
}

static void table_free(table *t)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->f[i].owned)
            H5Tclose(t->f[i].type);
    free(t->f);
}

static void put_text(char *row, const field *f, const char *text)
{
    size_t n = strlen(text);
    memset(row + f->offset, 0, f->size);
    memcpy(row + f->offset, text, n < f->size ? n : f->size);
}

static void put(char *row, const field *f, const void *v)
{
    memcpy(row + f->offset, v, f->size);
}

/* The fixed fields, in order. */
enum { F_ID, F_POINT, F_REPLICATE, F_SEED, F_STATUS, F_WALL, F_EXPECT,
       F_ERROR, F_PATH, F_FIXED };

static const char *index_status(sweep_status st)
{
    return st == SWEEP_RUN_OK ? "ok" : st == SWEEP_RUN_FAILED ? "failed"
                                                                : "missing";
}

static int build_fields(table *t, const sweep *s, const sweep_records *recs,
                        const sweep_outcome *out)
{
    size_t error_width = 1;
    for (size_t r = 0; r < s->n_runs; r++)
        if (out[r].status == SWEEP_RUN_FAILED && out[r].rec) {
            size_t n = strlen(out[r].rec->error) + 1;
            if (n > error_width)
                error_width = n;
        }
    if (add_text_field(t, "id", SWEEP_ID_MAX) || add_field(t, "point", H5T_STD_I64LE, 8, 0)
        || add_field(t, "replicate", H5T_STD_I32LE, 4, 0)
        || add_field(t, "seed", H5T_STD_U64LE, 8, 0)
        || add_text_field(t, "status", 8)
        || add_field(t, "wall_s", H5T_IEEE_F64LE, 8, 0)
        || add_field(t, "expect", H5T_STD_I8LE, 1, 0)
        || add_text_field(t, "error", error_width)
        || add_text_field(t, "path", SWEEP_ID_MAX + 9))
        return -1;
    for (size_t k = 0; k < s->n_keys; k++) {
        const sweep_key *key = &s->keys[k];
        if (key->numeric) {
            if (add_field(t, key->path, H5T_IEEE_F64LE, 8, 0))
                return -1;
            continue;
        }
        size_t width = 1;
        for (size_t p = 0; p < s->n_points; p++) {
            size_t n = strlen(sweep_set_value(s->points[p].sets[k])) + 1;
            if (n > width)
                width = n;
        }
        if (add_text_field(t, key->path, width))
            return -1;
    }
    for (size_t m = 0; m < recs->metrics.n; m++)
        if (add_field(t, recs->metrics.names[m], H5T_IEEE_F64LE, 8, 0))
            return -1;
    return 0;
}

static void fill_row(char *row, const table *t, const sweep *s, size_t r,
                     const sweep_records *recs, const sweep_outcome *o)
{
    const sweep_run *run = &s->runs[r];
    const sweep_record *rec = o->rec;
    int ok = o->status == SWEEP_RUN_OK;
    int64_t point = (int64_t)run->point;
    int32_t replicate = (int32_t)run->replicate;
    double wall = rec && o->status != SWEEP_RUN_MISSING
                          && o->status != SWEEP_RUN_STALE
                      ? rec->wall_s
                      : NAN;
    int8_t expect = ok ? (int8_t)rec->expect : -1;
    char path[SWEEP_ID_MAX + 16];
    snprintf(path, sizeof path, "runs/%s.h5", run->id);
    put_text(row, &t->f[F_ID], run->id);
    put(row, &t->f[F_POINT], &point);
    put(row, &t->f[F_REPLICATE], &replicate);
    put(row, &t->f[F_SEED], &run->seed);
    put_text(row, &t->f[F_STATUS], index_status(o->status));
    put(row, &t->f[F_WALL], &wall);
    put(row, &t->f[F_EXPECT], &expect);
    put_text(row, &t->f[F_ERROR],
             o->status == SWEEP_RUN_FAILED && rec ? rec->error : "");
    put_text(row, &t->f[F_PATH], path);
    const sweep_point *p = &s->points[run->point];
    for (size_t k = 0; k < s->n_keys; k++) {
        const field *f = &t->f[F_FIXED + k];
        if (s->keys[k].numeric)
            put(row, f, &p->numbers[k]);
        else
            put_text(row, f, sweep_set_value(p->sets[k]));
    }
    for (size_t m = 0; m < recs->metrics.n; m++) {
        double v = ok ? sweep_record_value(rec, m) : NAN;
        put(row, &t->f[F_FIXED + s->n_keys + m], &v);
    }
}

/* A 1-D array of strings; with none, an attribute of HDF5's null
 * dataspace (h5py reads it as Empty). */
static herr_t string_array_attr(hid_t obj, const char *name, hid_t str,
                                const char *const *items, size_t n)
{
    if (n > 0)
        return h5u_attr_array(obj, name, str, n, items);
    hid_t sp = H5Screate(H5S_NULL);
    hid_t a = sp < 0 ? H5I_INVALID_HID
                     : H5Acreate2(obj, name, str, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (sp >= 0)
        H5Sclose(sp);
    if (a < 0)
        return -1;
    return H5Aclose(a);
}

/* The number of items of the array attribute name of obj (0 if absent). */
static size_t attr_items(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0)
        return 0;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t sp = a < 0 ? H5I_INVALID_HID : H5Aget_space(a);
    hssize_t n = sp < 0 ? 0 : H5Sget_simple_extent_npoints(sp);
    h5u_close(sp);
    h5u_close(a);
    return n > 0 ? (size_t)n : 0;
}

static int write_file(hid_t f, const sweep *s, const sweep_records *recs,
                      const sweep_outcome *out, const table *t, char *rows)
{
    hid_t str = h5u_string_type();
    if (str < 0)
        return -1;
    long long counts[4] = {0, 0, 0, 0}; /* ok, failed, missing */
    for (size_t r = 0; r < s->n_runs; r++)
        counts[out[r].status == SWEEP_RUN_OK       ? 0
               : out[r].status == SWEEP_RUN_FAILED ? 1
                                                   : 2]++;
    long long runs = (long long)s->n_runs;
    int32_t version = SWEEP_INDEX_FORMAT_VERSION;
    const char **keys = calloc(s->n_keys + 1, sizeof *keys);
    int bad = !keys;
    for (size_t k = 0; !bad && k < s->n_keys; k++)
        keys[k] = s->keys[k].path;
    bad = bad
          || h5u_attr_scalar(f, "format_version", H5T_STD_I32LE, &version) < 0
          || h5u_attr_string(f, "kind", str, "sweep") < 0
          || h5u_attr_string(f, "perpsim_version", str, version_string) < 0
          || h5u_attr_string(f, "perpsim_revision", str, version_revision) < 0
          || h5u_attr_string(f, "sweep_file", str, s->file) < 0
          || h5u_attr_string(f, "scenario", str, s->scenario) < 0
          || h5u_attr_scalar(f, "runs", H5T_STD_I64LE, &runs) < 0
          || h5u_attr_scalar(f, "ok", H5T_STD_I64LE, &counts[0]) < 0
          || h5u_attr_scalar(f, "failed", H5T_STD_I64LE, &counts[1]) < 0
          || h5u_attr_scalar(f, "missing", H5T_STD_I64LE, &counts[2]) < 0
          || string_array_attr(f, "swept_keys", str, keys, s->n_keys) < 0
          || string_array_attr(f, "metrics", str,
                               (const char *const *)recs->metrics.names,
                               recs->metrics.n) < 0;
    free(keys);
    if (!bad) {
        hid_t sp = H5Screate(H5S_SCALAR);
        hid_t d = sp < 0 ? H5I_INVALID_HID
                         : H5Dcreate2(f, "sweep", str, sp, H5P_DEFAULT,
                                      H5P_DEFAULT, H5P_DEFAULT);
        const char *text = s->text;
        bad = d < 0 || H5Dwrite(d, str, H5S_ALL, H5S_ALL, H5P_DEFAULT, &text)
                           < 0;
        h5u_close(d);
        h5u_close(sp);
    }
    H5Tclose(str);
    if (bad)
        return -1;

    /* A packet table (HDF5's high-level H5PT): a compound dataset that
     * takes our filters; shuffled and lightly deflated, it writes ten
     * times faster than H5TB's level-6 deflate at about the same size. */
    hid_t rowtype = H5Tcreate(H5T_COMPOUND, t->row_size);
    for (size_t i = 0; !bad && i < t->n; i++)
        bad = rowtype < 0
              || H5Tinsert(rowtype, t->f[i].name, t->f[i].offset,
                           t->f[i].type)
                     < 0;
    hsize_t chunk = s->n_runs < 1024 ? s->n_runs : 1024;
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    bad = bad || dcpl < 0 || H5Pset_shuffle(dcpl) < 0
          || H5Pset_deflate(dcpl, 1) < 0 || H5Pset_obj_track_times(dcpl, 0) < 0;
    hid_t pt = bad ? H5I_INVALID_HID
                   : H5PTcreate(f, "runs", rowtype, chunk, dcpl);
    bad = bad || pt < 0 || H5PTappend(pt, s->n_runs, rows) < 0;
    if (pt >= 0 && H5PTclose(pt) < 0)
        bad = 1;
    h5u_close(dcpl);
    h5u_close(rowtype);
    if (bad)
        return -1;

    hid_t g = h5u_make_group(f, "run_files");
    if (g < 0)
        return -1;
    for (size_t r = 0; !bad && r < s->n_runs; r++) {
        if (out[r].status != SWEEP_RUN_OK)
            continue;
        char target[SWEEP_ID_MAX + 16];
        snprintf(target, sizeof target, "runs/%s.h5", s->runs[r].id);
        bad = H5Lcreate_external(target, "/", g, s->runs[r].id, H5P_DEFAULT,
                                 H5P_DEFAULT)
              < 0;
    }
    H5Gclose(g);
    return bad ? -1 : 0;
}

int sweep_index_write(const char *path, const sweep *s,
                      const sweep_records *recs, const sweep_outcome *out,
                      perr *e)
{
    table t = {NULL, 0, 0};
    if (build_fields(&t, s, recs, out) != 0) {
        table_free(&t);
        return perr_set(e, PERR_NOMEM, "%s: cannot lay out the table", path);
    }
    char *rows = calloc(s->n_runs, t.row_size);
    if (!rows) {
        table_free(&t);
        return perr_set(e, PERR_NOMEM, "%s: no memory for %zu rows", path,
                        s->n_runs);
    }
    for (size_t r = 0; r < s->n_runs; r++)
        fill_row(rows + r * t.row_size, &t, s, r, recs, &out[r]);

    char part[8192];
    snprintf(part, sizeof part, "%s.part", path);
    cleanup_file(part); /* removed if the sweep is stopped (cleanup.h) */
    h5u_quiet q;
    h5u_quiet_begin(&q);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    unsigned order = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
    hid_t f = H5I_INVALID_HID;
    if (fapl >= 0 && fcpl >= 0
        && H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) >= 0
        && H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) >= 0
        && H5Pset_attr_creation_order(fcpl, order) >= 0
        && H5Pset_link_creation_order(fcpl, order) >= 0
        && H5Pset_obj_track_times(fcpl, 0) >= 0)
        f = H5Fcreate(part, H5F_ACC_TRUNC, fcpl, fapl);
    h5u_close(fapl);
    h5u_close(fcpl);
    int rc = 0;
    char reason[160];
    if (f < 0) {
        h5u_reason(reason, sizeof reason);
        rc = perr_set(e, PERR_IO, "%s: cannot create (%s)", part, reason);
    } else {
        int bad = write_file(f, s, recs, out, &t, rows) != 0;
        if (bad)
            h5u_reason(reason, sizeof reason);
        if (H5Fclose(f) < 0 && !bad) {
            bad = 1;
            h5u_reason(reason, sizeof reason);
        }
        if (bad)
            rc = perr_set(e, PERR_IO, "%s: cannot write the index (%s)", part,
                          reason);
    }
    H5Eclear2(H5E_DEFAULT);
    h5u_quiet_end(&q);
    if (rc == 0 && rename(part, path) != 0)
        rc = perr_set(e, PERR_IO, "%s: cannot rename to %s: %s", part, path,
                      strerror(errno));
    if (rc != 0)
        remove(part);
    cleanup_forget_file(part);
    free(rows);
    table_free(&t);
    return rc;
}

/* ---- reading ------------------------------------------------------------ */

int sweep_index_is(const char *path)
{
    h5u_quiet q;
    h5u_quiet_begin(&q);
    int is = -1;
    if (H5Fis_hdf5(path) > 0) {
        hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        if (f >= 0) {
            char kind[32];
            is = h5u_read_attr_string(f, "kind", kind, sizeof kind) == 0
                 && strcmp(kind, "sweep") == 0;
            H5Fclose(f);
        }
    }
    H5Eclear2(H5E_DEFAULT);
    h5u_quiet_end(&q);
    return is;
}

void sweep_index_free(sweep_index *ix)
{
    for (size_t c = 0; c < ix->n_cols; c++) {
        sweep_index_column *col = &ix->cols[c];
        free(col->name);
        for (size_t r = 0; col->texts && r < ix->n_rows; r++)
            free(col->texts[r]);
        free(col->texts);
        free(col->values);
    }
    free(ix->cols);
    memset(ix, 0, sizeof *ix);
}

const sweep_index_column *sweep_index_column_named(const sweep_index *ix,
                                                   const char *name)
{
    for (size_t c = 0; c < ix->n_cols; c++)
        if (strcmp(ix->cols[c].name, name) == 0)
            return &ix->cols[c];
    return NULL;
}

/* The integer at cell, of the native integer type type, in decimal: HDF5
 * widens it to 64 bits, signed or not as it is. */
static void integer_text(hid_t type, const char *cell, char *out, size_t n)
{
    unsigned char wide[8] = {0};
    size_t size = H5Tget_size(type);
    int is_signed = H5Tget_sign(type) != H5T_SGN_NONE;
    memcpy(wide, cell, size < sizeof wide ? size : sizeof wide);
    if (size > sizeof wide
        || H5Tconvert(type, is_signed ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT64,
                      1, wide, NULL, H5P_DEFAULT) < 0) {
        snprintf(out, n, "?");
        return;
    }
    int64_t s;
    uint64_t u;
    memcpy(&s, wide, sizeof s);
    memcpy(&u, wide, sizeof u);
    if (is_signed)
        snprintf(out, n, "%" PRId64, s);
    else
        snprintf(out, n, "%" PRIu64, u);
}

/* Converts the member of native type ft at offset off of the rows into a
 * column. */
static int fill_column(sweep_index_column *col, hid_t ft, size_t off,
                       const char *rows, size_t row_size, size_t n)
{
    H5T_class_t cls = H5Tget_class(ft);
    size_t size = H5Tget_size(ft);
    col->text = cls != H5T_FLOAT;
    if (col->text)
        col->texts = calloc(n ? n : 1, sizeof *col->texts);
    else
        col->values = calloc(n ? n : 1, sizeof *col->values);
    if ((col->text && !col->texts) || (!col->text && !col->values))
        return -1;
    for (size_t r = 0; r < n; r++) {
        const char *cell = rows + r * row_size + off;
        char buf[64];
        if (cls == H5T_FLOAT) {
            if (size == sizeof(double)) {
                double v;
                memcpy(&v, cell, sizeof v);
                col->values[r] = v;
            } else {
                float v;
                memcpy(&v, cell, sizeof v);
                col->values[r] = v;
            }
            continue;
        }
        if (cls == H5T_STRING) {
            col->texts[r] = malloc(size + 1);
            if (!col->texts[r])
                return -1;
            memcpy(col->texts[r], cell, size);
            col->texts[r][size] = '\0';
            continue;
        }
        if (cls != H5T_INTEGER)
            snprintf(buf, sizeof buf, "?");
        else
            integer_text(ft, cell, buf, sizeof buf);
        if (!(col->texts[r] = malloc(strlen(buf) + 1)))
            return -1;
        strcpy(col->texts[r], buf);
    }
    return 0;
}

/* Converts member c of the rows (read with their native type) into a
 * column. */
static int read_column(sweep_index_column *col, hid_t mtype, unsigned c,
                       const char *rows, size_t row_size, size_t n)
{
    hid_t ft = H5Tget_member_type(mtype, c);
    int rc = fill_column(col, ft, H5Tget_member_offset(mtype, c), rows,
                         row_size, n);
    H5Tclose(ft);
    return rc;
}

static int read_index(hid_t f, const char *path, sweep_index *ix, perr *e)
{
    char kind[32];
    int32_t version = 0;
    if (h5u_read_attr_string(f, "kind", kind, sizeof kind) != 0
        || strcmp(kind, "sweep") != 0)
        return perr_set(e, PERR_INVALID,
                        "%s: not a perpsim sweep index (no kind = \"sweep\" "
                        "attribute)",
                        path);
    if (h5u_read_attr_number(f, "format_version", H5T_NATIVE_INT32, &version)
            != 1
        || version != SWEEP_INDEX_FORMAT_VERSION)
        return perr_set(e, PERR_INVALID,
                        "%s: sweep index format_version %d; this perpsim reads "
                        "%d",
                        path, (int)version, SWEEP_INDEX_FORMAT_VERSION);
    if (h5u_read_attr_string(f, "sweep_file", ix->sweep_file,
                             sizeof ix->sweep_file)
        || h5u_read_attr_string(f, "scenario", ix->scenario,
                                sizeof ix->scenario)
        || h5u_read_attr_string(f, "perpsim_version", ix->perpsim_version,
                                sizeof ix->perpsim_version)
        || h5u_read_attr_number(f, "runs", H5T_NATIVE_LLONG, &ix->runs) < 0
        || h5u_read_attr_number(f, "ok", H5T_NATIVE_LLONG, &ix->ok) < 0
        || h5u_read_attr_number(f, "failed", H5T_NATIVE_LLONG, &ix->failed) < 0
        || h5u_read_attr_number(f, "missing", H5T_NATIVE_LLONG, &ix->missing)
               < 0)
        return perr_set(e, PERR_INVALID, "%s: cannot read the root attributes",
                        path);
    hid_t d = H5Dopen2(f, "runs", H5P_DEFAULT);
    if (d < 0)
        return perr_set(e, PERR_INVALID, "%s: no /runs table", path);
    hid_t ftype = H5Dget_type(d), mtype = H5I_INVALID_HID;
    hid_t sp = H5Dget_space(d);
    hsize_t n = 0;
    int rc = 0;
    char *rows = NULL;
    if (ftype < 0 || sp < 0 || H5Tget_class(ftype) != H5T_COMPOUND
        || H5Sget_simple_extent_ndims(sp) != 1
        || H5Sget_simple_extent_dims(sp, &n, NULL) != 1
        || (mtype = H5Tget_native_type(ftype, H5T_DIR_ASCEND)) < 0)
        rc = perr_set(e, PERR_INVALID, "%s: /runs is not a table", path);
    size_t row_size = rc ? 0 : H5Tget_size(mtype);
    int nm = rc ? 0 : H5Tget_nmembers(mtype);
    if (rc == 0 && !(rows = malloc(n * row_size + 1)))
        rc = perr_set(e, PERR_NOMEM, "%s: out of memory", path);
    if (rc == 0 && n
        && H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0)
        rc = perr_set(e, PERR_IO, "%s: cannot read /runs", path);
    if (rc == 0 && nm > 0 && !(ix->cols = calloc((size_t)nm, sizeof *ix->cols)))
        rc = perr_set(e, PERR_NOMEM, "%s: out of memory", path);
    ix->n_rows = (size_t)n;
    for (int c = 0; rc == 0 && c < nm; c++) {
        sweep_index_column *col = &ix->cols[c];
        char *name = H5Tget_member_name(mtype, (unsigned)c);
        ix->n_cols = (size_t)c + 1;
        col->name = name ? malloc(strlen(name) + 1) : NULL;
        if (col->name)
            strcpy(col->name, name);
        H5free_memory(name);
        if (!col->name
            || read_column(col, mtype, (unsigned)c, rows, row_size, ix->n_rows))
            rc = perr_set(e, PERR_NOMEM, "%s: out of memory", path);
    }
    free(rows);
    h5u_close(mtype);
    h5u_close(ftype);
    h5u_close(sp);
    H5Dclose(d);
    if (rc == 0) {
        ix->n_keys = attr_items(f, "swept_keys");
        ix->n_metrics = attr_items(f, "metrics");
        if (F_FIXED + ix->n_keys + ix->n_metrics != ix->n_cols)
            rc = perr_set(e, PERR_INVALID,
                          "%s: /runs has %zu fields, not the %d fixed ones, "
                          "%zu swept keys and %zu metrics its attributes "
                          "name",
                          path, ix->n_cols, F_FIXED, ix->n_keys,
                          ix->n_metrics);
    }
    return rc;
}

int sweep_index_read(const char *path, sweep_index *ix, perr *e)
{
    memset(ix, 0, sizeof *ix);
    struct stat st;
    if (stat(path, &st) != 0)
        return perr_set(e, PERR_IO, "%s: cannot open: %s", path,
                        strerror(errno));
    h5u_quiet q;
    h5u_quiet_begin(&q);
    int rc;
    if (H5Fis_hdf5(path) <= 0) {
        rc = perr_set(e, PERR_INVALID,
                      "%s: not a perpsim sweep index (not an HDF5 file)",
                      path);
    } else {
        hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        if (f < 0) {
            char reason[160];
            h5u_reason(reason, sizeof reason);
            rc = perr_set(e, PERR_IO, "%s: cannot open (%s)", path, reason);
        } else {
            rc = read_index(f, path, ix, e);
            H5Fclose(f);
        }
    }
    H5Eclear2(H5E_DEFAULT);
    h5u_quiet_end(&q);
    if (rc != 0)
        sweep_index_free(ix);
    return rc;
}
