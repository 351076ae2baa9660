/*
 * output_summary: /summary of a run's file (output.h has the layout): each
 * summary item as an attribute (name = value) and each expect: check as an
 * attribute "expect:<metric>" = [low, high, value, pass], then the same as
 * two compound tables, /summary/items and /summary/checks, for readers
 * that take a table whole. Written once, at output_commit; a failure goes
 * through output_fail like any other write.
 */
#include <hdf5.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "h5util.h"
#include "output_internal.h"
#include "summary.h"

/* A row of /summary/items and of /summary/checks in memory. */
typedef struct summary_item_row {
    const char *name;
    double value;
} summary_item_row;

typedef struct summary_check_row {
    const char *metric;
    double low, high, value;
    uint8_t pass;
} summary_check_row;

/* Writes n rows (in the memory type mem) as the fixed-size dataset name
 * of g, stored as the file type file. */
static herr_t summary_table(hid_t g, const char *name, hid_t mem, hid_t file,
                            size_t n, const void *rows)
{
    hsize_t dims = n;
    hid_t sp = H5Screate_simple(1, &dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t d = H5I_INVALID_HID;
    herr_t rc = sp < 0 || dcpl < 0 || H5Pset_obj_track_times(dcpl, 0) < 0
                        || (d = H5Dcreate2(g, name, file, sp, H5P_DEFAULT,
                                           dcpl, H5P_DEFAULT)) < 0
                        || (n && H5Dwrite(d, mem, H5S_ALL, H5S_ALL,
                                          H5P_DEFAULT, rows) < 0)
                    ? -1
                    : 0;
    h5u_close(d);
    h5u_close(dcpl);
    h5u_close(sp);
    return rc;
}

/* A compound type of a string then count doubles (then a uint8 flag when
 * flag_at is not 0), at the given offsets in memory or packed in the
 * file. */
static hid_t summary_type(const output *o, int in_file, size_t mem_size,
                          const char *const *names, const size_t *offsets,
                          int count, size_t flag_at)
{
    size_t str = H5Tget_size(o->str_type), f64 = 8;
    size_t size = in_file ? str + (size_t)count * f64 + (flag_at ? 1 : 0)
                          : mem_size;
    hid_t t = H5Tcreate(H5T_COMPOUND, size);
    herr_t bad = t < 0 || H5Tinsert(t, names[0], in_file ? 0 : offsets[0],
                                    o->str_type) < 0;
    for (int i = 1; !bad && i <= count; i++)
        bad = H5Tinsert(t, names[i],
                        in_file ? str + (size_t)(i - 1) * f64 : offsets[i],
                        in_file ? H5T_IEEE_F64LE : H5T_NATIVE_DOUBLE) < 0;
    if (!bad && flag_at)
        bad = H5Tinsert(t, names[count + 1],
                        in_file ? str + (size_t)count * f64 : flag_at,
                        in_file ? H5T_STD_U8LE : H5T_NATIVE_UINT8) < 0;
    if (bad && t >= 0) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

/* /summary/items (name, value) and /summary/checks (metric, low, high,
 * value, pass): the attributes of /summary again, as two tables a reader
 * takes whole (pandas.DataFrame(f["summary/items"][()])). */
static herr_t write_summary_tables(const output *o, hid_t g, const summary *s)
{
    static const char *const item_names[] = {"name", "value"};
    static const size_t item_at[] = {offsetof(summary_item_row, name),
                                     offsetof(summary_item_row, value)};
    static const char *const check_names[] = {"metric", "low", "high",
                                              "value", "pass"};
    static const size_t check_at[] = {offsetof(summary_check_row, metric),
                                      offsetof(summary_check_row, low),
                                      offsetof(summary_check_row, high),
                                      offsetof(summary_check_row, value)};
    size_t ni = s ? s->n_items : 0, nc = s ? s->n_checks : 0;
    summary_item_row *items = malloc((ni ? ni : 1) * sizeof *items);
    summary_check_row *checks = malloc((nc ? nc : 1) * sizeof *checks);
    hid_t types[4] = {
        summary_type(o, 0, sizeof *items, item_names, item_at, 1, 0),
        summary_type(o, 1, 0, item_names, item_at, 1, 0),
        summary_type(o, 0, sizeof *checks, check_names, check_at, 3,
                     offsetof(summary_check_row, pass)),
        summary_type(o, 1, 0, check_names, check_at, 3, 1)};
    herr_t rc = -1;
    if (items && checks && types[0] >= 0 && types[1] >= 0 && types[2] >= 0
        && types[3] >= 0) {
        for (size_t i = 0; i < ni; i++)
            items[i] = (summary_item_row){s->items[i].name,
                                          s->items[i].value};
        for (size_t i = 0; i < nc; i++) {
            const summary_check *c = &s->checks[i];
            checks[i] = (summary_check_row){c->metric, c->low, c->high,
                                            c->value, (uint8_t)(c->pass != 0)};
        }
        rc = summary_table(g, "items", types[0], types[1], ni, items) < 0
                     || summary_table(g, "checks", types[2], types[3], nc,
                                      checks) < 0
                 ? -1
                 : 0;
    }
    for (int k = 0; k < 4; k++)
        h5u_close(types[k]);
    free(items);
    free(checks);
    return rc;
}

int output_write_summary(output *o, const summary *s, perr *e)
{
    hid_t g = h5u_make_group(o->file, "summary");
    if (g < 0)
        return output_fail(o, e, "cannot create /summary");
    int bad = 0;
    const char *name = "";
    char check[SUMMARY_NAME_MAX + 16];
    for (size_t i = 0; s && !bad && i < s->n_items; i++) {
        name = s->items[i].name;
        bad = h5u_attr_scalar(g, name, H5T_IEEE_F64LE, &s->items[i].value) < 0;
    }
    for (size_t i = 0; s && !bad && i < s->n_checks; i++) {
        const summary_check *c = &s->checks[i];
        double v[4] = {c->low, c->high, c->value, c->pass ? 1.0 : 0.0};
        snprintf(check, sizeof check, "expect:%s", c->metric);
        name = check;
        bad = h5u_attr_array(g, name, H5T_IEEE_F64LE, 4, v) < 0;
    }
    if (!bad) {
        name = "the tables items and checks";
        bad = write_summary_tables(o, g, s) < 0;
    }
    H5Gclose(g);
    if (bad)
        return output_fail(o, e, "cannot write /summary: %s", name);
    return 0;
}
