/*
 * Tests of the HDF5 output (sim/io/output.h). A small file with two venues,
 * more rows than one chunk on one of them, every event table and a summary
 * is written, then read back through the HDF5 API itself (H5Dopen2,
 * H5Dread, H5Aread), not through output.c, so the layout is checked as any
 * reader sees it: names, shapes, chunking and filters, `units` attributes
 * and values. Then the life of the file: absent under its final name until
 * the commit, no part file left after an abort or a failed commit, no
 * overwriting without the flag, and output_read's answers, including the
 * files it must refuse.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"
#include "version.h"
#include "profile_yaml.h"
#include "support_fs.h"

#define START_MS INT64_C(1752105600000) /* 2025-07-10T00:00:00Z */
#define ROWS0 5000 /* more than one 4096-row chunk */
#define ROWS1 3
#define LIQS 4100

static char dir[64];

static void make_dir(void)
{
    support_temp_dir(dir, sizeof dir, "test-output");
}

static void remove_dir(void)
{
    support_remove_tree(dir);
}

TestSuite(output, .init = make_dir, .fini = remove_dir);

static void file_path(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static const profile *binance(void)
{
    const profile *p = profile_builtin("binance");
    cr_assert_not_null(p);
    return p;
}

static const char *const sets[] = {"seed=7", "venues.okx.funding.interval=1h"};

static output_meta meta(void)
{
    output_meta m = {"short-squeeze", "scenarios/squeeze.yaml",
                     "name: short-squeeze\nseed: 7\n", sets, 2, 7, START_MS,
                     INT64_C(86400000)};
    return m;
}

static double series_value(size_t row, int i)
{
    return (double)row * 100.0 + (double)i + 0.25;
}

static int64_t audit_value(size_t row, int i)
{
    return (INT64_C(1) << 40) + (int64_t)row * 1000 + i;
}

static metrics_row make_row(size_t k)
{
    metrics_row r;
    for (int i = 0; i < METRICS_SERIES_COUNT; i++)
        r.series[i] = series_value(k, i);
    for (int i = 0; i < METRICS_AUDIT_COUNT; i++)
        r.audit[i] = audit_value(k, i);
    if (k == 0)
        r.series[METRICS_LAST] = NAN;
    return r;
}

static void make_summary(summary *s)
{
    memset(s, 0, sizeof *s);
    cr_assert_eq(summary_add(s, "okx.liquidations.total_notional", 1.37e9), 0);
    cr_assert_eq(summary_add(s, "okx.liquidations.short_share", 0.83), 0);
    cr_assert_eq(summary_add(s, "binance.liquidations.total_notional", 2.5e8), 0);
    cr_assert_eq(summary_add(s, "binance.depth_z.min", -0.8), 0);
    cr_assert_eq(summary_check_add(s, "okx.liquidations.total_notional", 1.23e9,
                                   1.51e9), 0);
    cr_assert_eq(summary_check_add(s, "binance.depth_z.min", 0, 1), 0);
}

/* Writes the full file of the header comment at path. */
static void write_full(const char *path)
{
    perr e = {0, ""};
    output_meta m = meta();
    output *o = output_open(path, &m, 0, &e);
    cr_assert_not_null(o, "output_open: %s", e.msg);
    cr_assert_eq(output_add_venue(o, "okx", binance(), 1, &e), 0, "%s", e.msg);
    cr_assert_eq(output_add_venue(o, "binance", binance(), 0, &e), 1, "%s",
                 e.msg);
    for (size_t k = 0; k < ROWS0; k++) {
        metrics_row r = make_row(k);
        cr_assert_eq(output_append_row(o, 0, &r, &e), 0, "%s", e.msg);
        if (k < ROWS1)
            cr_assert_eq(output_append_row(o, 1, &r, &e), 0, "%s", e.msg);
    }
    static venue_liquidation l[LIQS];
    for (size_t i = 0; i < LIQS; i++) {
        memset(&l[i], 0, sizeof l[i]);
        l[i].time = (int64_t)i * 250;
        l[i].account = (uint32_t)(2 + i);
        l[i].side = i % 2 ? -1 : 1;
        l[i].route = (uint8_t)(i % 4);
        l[i].lots = (int64_t)i + 1;
        l[i].notional = (int64_t)(i + 1) * 60000000;
        l[i].avg_price = 600000.0;
        l[i].bankruptcy_price = 599000.5;
        l[i].fee = 12345;
        l[i].fund_change = -(int64_t)i;
    }
    cr_assert_eq(output_append_liquidations(o, 0, l, 10, &e), 0, "%s", e.msg);
    cr_assert_eq(output_append_liquidations(o, 0, l + 10, LIQS - 10, &e), 0,
                 "%s", e.msg);
    cr_assert_eq(output_append_liquidations(o, 1, l, 1, &e), 0, "%s", e.msg);

    funding_settlement f[2];
    memset(f, 0, sizeof f);
    for (int i = 0; i < 2; i++) {
        f[i].time = (i + 1) * INT64_C(28800000);
        f[i].time_utc = START_MS + f[i].time;
        f[i].samples = 5760;
        f[i].avg_premium = 0.00015 * (i + 1);
        f[i].ledger.rate = i ? -2500 : 10000;
        f[i].ledger.price = 600123;
        f[i].ledger.long_lots = 777;
        f[i].ledger.longs_paid = i ? -4663 : 46630;
        f[i].ledger.shorts_received = i ? -4664 : 46629;
        f[i].ledger.residual = 1;
        f[i].ledger.positions = 12;
    }
    cr_assert_eq(output_append_funding(o, 0, f, 2, &e), 0, "%s", e.msg);

    venue_adl a[3];
    memset(a, 0, sizeof a);
    for (int i = 0; i < 3; i++) {
        a[i].time = 1000 * i;
        a[i].bankrupt = 0;
        a[i].counterparty = (uint32_t)(40 + i);
        a[i].side = -1;
        a[i].lots = 5 + i;
        a[i].notional = (5 + i) * INT64_C(60000000);
        a[i].price = 600000;
    }
    cr_assert_eq(output_append_adls(o, 1, a, 3, &e), 0, "%s", e.msg);

    book_fill t[5];
    memset(t, 0, sizeof t);
    for (int i = 0; i < 5; i++) {
        t[i].price = 600000 + i;
        t[i].size = 10 + i;
        t[i].maker_owner = 2;
        t[i].taker_owner = (uint32_t)(3 + i);
        t[i].taker_side = i % 2 ? BOOK_SELL : BOOK_BUY;
        t[i].is_liquidation = i == 4;
    }
    cr_assert_eq(output_append_trades(o, 0, 12345, t, 5, &e), 0, "%s", e.msg);
    /* The second venue keeps no trades: ignored. */
    cr_assert_eq(output_append_trades(o, 1, 12345, t, 5, &e), 0, "%s", e.msg);

    char part[300];
    snprintf(part, sizeof part, "%s.part", path);
    cr_assert(!exists(path), "the final name appears only at the commit");
    cr_assert(exists(part));
    summary s;
    make_summary(&s);
    cr_assert_eq(output_commit(o, &s, &e), 0, "output_commit: %s", e.msg);
    summary_free(&s);
    cr_assert(exists(path));
    cr_assert(!exists(part));
}

/* ---- reading through HDF5 ---------------------------------------------- */

static hsize_t rows_of(hid_t d)
{
    hid_t s = H5Dget_space(d);
    cr_assert_geq(s, 0);
    cr_assert_eq(H5Sget_simple_extent_ndims(s), 1);
    hsize_t n, max;
    H5Sget_simple_extent_dims(s, &n, &max);
    cr_assert_eq(max, H5S_UNLIMITED, "extensible along rows");
    H5Sclose(s);
    return n;
}

static void read_string_attr(hid_t obj, const char *name, char *out,
                             size_t size)
{
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    cr_assert_geq(a, 0, "attribute %s", name);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    char *s = NULL;
    cr_assert_geq(H5Aread(a, t, &s), 0);
    snprintf(out, size, "%s", s);
    H5free_memory(s);
    H5Tclose(t);
    H5Aclose(a);
}

/* Each attrs[i][0] of obj is the string attrs[i][1]. */
static void expect_string_attrs(hid_t obj, const char *const (*attrs)[2],
                                size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char text[256];
        read_string_attr(obj, attrs[i][0], text, sizeof text);
        cr_assert_str_eq(text, attrs[i][1], "attribute %s", attrs[i][0]);
    }
}

static void check_chunked(hid_t d, hsize_t chunk)
{
    hid_t p = H5Dget_create_plist(d);
    cr_assert_eq(H5Pget_layout(p), H5D_CHUNKED);
    hsize_t c = 0;
    cr_assert_eq(H5Pget_chunk(p, 1, &c), 1);
    cr_assert_eq(c, chunk);
    cr_assert_eq(H5Pget_nfilters(p), 2);
    unsigned flags, cd[4];
    size_t ncd = 4;
    cr_assert_eq(H5Pget_filter2(p, 0, &flags, &ncd, cd, 0, NULL, NULL),
                 H5Z_FILTER_SHUFFLE);
    ncd = 4;
    cr_assert_eq(H5Pget_filter2(p, 1, &flags, &ncd, cd, 0, NULL, NULL),
                 H5Z_FILTER_DEFLATE);
    H5Pclose(p);
}

/* A symbolic unit of metrics.h as the file names it for the test's venues
 * (both binance's profile: USDT, BTC). */
static const char *named(const char *unit)
{
    if (strcmp(unit, "quote") == 0)
        return "USDT";
    if (strcmp(unit, "quote/base") == 0)
        return "USDT/BTC";
    return unit;
}

/* Reads column i of /venues/VNAME/GROUP (series: float64, audit: int64)
 * into values, and checks what every column on the output grid has: rows,
 * the type's class and 8 bytes, the chunks and filters, its unit (named)
 * and description, and series/t attached as its dimension scale (t itself
 * being the scale). */
static void read_column(hid_t f, const char *vname, const char *group, int i,
                        size_t rows, void *values)
{
    int audit = strcmp(group, "audit") == 0;
    const char *name = audit ? metrics_audit_name(i) : metrics_series_name(i);
    const char *unit = audit ? metrics_audit_unit(i) : metrics_series_unit(i);
    const char *what = audit ? metrics_audit_what(i) : metrics_series_what(i);
    H5T_class_t class = audit ? H5T_INTEGER : H5T_FLOAT;
    hid_t mem_type = audit ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE;
    char path[128], got[128];
    snprintf(path, sizeof path, "/venues/%s/%s/%s", vname, group, name);
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    cr_assert_geq(d, 0, "no %s", path);
    cr_assert_eq(rows_of(d), rows, "%s rows", path);
    hid_t t = H5Dget_type(d);
    cr_assert_eq(H5Tget_class(t), class, "%s type", path);
    cr_assert_eq(H5Tget_size(t), 8);
    H5Tclose(t);
    check_chunked(d, 4096);
    read_string_attr(d, "units", got, sizeof got);
    cr_assert_str_eq(got, named(unit), "%s units", path);
    read_string_attr(d, "description", got, sizeof got);
    cr_assert_str_eq(got, what, "%s description", path);
    snprintf(path, sizeof path, "/venues/%s/series/t", vname);
    hid_t t_scale = H5Dopen2(f, path, H5P_DEFAULT);
    cr_assert_eq(H5DSis_scale(t_scale), 1, "%s is a dimension scale", path);
    if (strcmp(group, "series") == 0 && strcmp(name, "t") == 0)
        cr_assert_eq(H5DSget_num_scales(d, 0), 0);
    else
        cr_assert_eq(H5DSis_attached(d, t_scale, 0), 1,
                     "%s/%s has t as its scale", group, name);
    H5Dclose(t_scale);
    cr_assert_geq(H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values),
                  0, "%s", path);
    H5Dclose(d);
}

static void check_series(hid_t f, const char *vname, size_t rows)
{
    double *x = malloc(rows * sizeof *x);
    for (int i = 0; i < METRICS_SERIES_COUNT; i++) {
        read_column(f, vname, "series", i, rows, x);
        for (size_t k = 0; k < rows; k++)
            cr_assert(k == 0 && i == METRICS_LAST ? isnan(x[k])
                                                  : x[k] == series_value(k, i),
                      "%s[%zu]", metrics_series_name(i), k);
    }
    free(x);
    int64_t *y = malloc(rows * sizeof *y);
    for (int i = 0; i < METRICS_AUDIT_COUNT; i++) {
        read_column(f, vname, "audit", i, rows, y);
        for (size_t k = 0; k < rows; k++)
            cr_assert_eq(y[k], audit_value(k, i), "%s[%zu]",
                         metrics_audit_name(i), k);
    }
    free(y);
}

/* Opens a table and checks its rows and that its units attribute has one
 * entry per field, the first "s". */
static hid_t open_table(hid_t f, const char *path, hsize_t rows)
{
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    cr_assert_geq(d, 0, "no %s", path);
    cr_assert_eq(rows_of(d), rows, "%s rows", path);
    hid_t t = H5Dget_type(d);
    cr_assert_eq(H5Tget_class(t), H5T_COMPOUND);
    int members = H5Tget_nmembers(t);
    H5Tclose(t);
    hid_t a = H5Aopen(d, "units", H5P_DEFAULT);
    cr_assert_geq(a, 0, "%s has no units", path);
    hid_t s = H5Aget_space(a);
    cr_assert_eq(H5Sget_simple_extent_npoints(s), members);
    hid_t st = H5Tcopy(H5T_C_S1);
    H5Tset_size(st, H5T_VARIABLE);
    H5Tset_cset(st, H5T_CSET_UTF8);
    char **units = calloc((size_t)members, sizeof *units);
    cr_assert_geq(H5Aread(a, st, units), 0);
    cr_assert_str_eq(units[0], "s");
    H5Dvlen_reclaim(st, s, H5P_DEFAULT, units);
    free(units);
    H5Tclose(st);
    H5Sclose(s);
    H5Aclose(a);
    return d;
}

/* An event table's rows as a reader without the writer's structs has them:
 * read whole in the native form of the file's own compound type, a field
 * found by its name. */
typedef struct rows {
    hid_t type;
    size_t size; /* bytes a row */
    unsigned char *data;
} rows;

static rows read_rows(hid_t d, size_t n)
{
    rows t;
    hid_t file_type = H5Dget_type(d);
    t.type = H5Tget_native_type(file_type, H5T_DIR_ASCEND);
    H5Tclose(file_type);
    cr_assert_geq(t.type, 0);
    t.size = H5Tget_size(t.type);
    t.data = malloc(n ? n * t.size : 1);
    cr_assert_not_null(t.data);
    cr_assert_geq(H5Dread(d, t.type, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.data),
                  0);
    return t;
}

static void free_rows(rows *t)
{
    H5Tclose(t->type);
    free(t->data);
}

/* Where field is in row i, and its type (which the caller closes). */
static const unsigned char *field_at(const rows *t, size_t i,
                                     const char *field, hid_t *type)
{
    int k = H5Tget_member_index(t->type, field);
    cr_assert_geq(k, 0, "no field %s", field);
    *type = H5Tget_member_type(t->type, (unsigned)k);
    return t->data + i * t->size + H5Tget_member_offset(t->type, (unsigned)k);
}

/* Field of row i, a float64. */
static double f64(const rows *t, size_t i, const char *field)
{
    hid_t type;
    const unsigned char *at = field_at(t, i, field, &type);
    cr_assert_eq(H5Tget_class(type), H5T_FLOAT, "%s is not a float", field);
    cr_assert_eq(H5Tget_size(type), sizeof(double), "%s", field);
    H5Tclose(type);
    double x;
    memcpy(&x, at, sizeof x);
    return x;
}

/* Field of row i, an integer (or an enum's value) of any size and sign. */
static int64_t int_of(const rows *t, size_t i, const char *field)
{
    hid_t type;
    const unsigned char *at = field_at(t, i, field, &type);
    H5T_class_t class = H5Tget_class(type);
    cr_assert(class == H5T_INTEGER || class == H5T_ENUM,
              "%s is not an integer", field);
    hid_t base = class == H5T_ENUM ? H5Tget_super(type) : H5Tcopy(type);
    int is_signed = H5Tget_sign(base) == H5T_SGN_2;
    size_t size = H5Tget_size(base);
    H5Tclose(base);
    H5Tclose(type);
    switch (size) {
    case 1: return is_signed ? *(const int8_t *)at : *at;
    case 4: {
        uint32_t u;
        memcpy(&u, at, sizeof u);
        return is_signed ? (int32_t)u : (int64_t)u;
    }
    case 8: {
        int64_t x;
        memcpy(&x, at, sizeof x);
        return x;
    }
    }
    cr_assert_fail("%s: an integer of %zu bytes", field, size);
    return 0;
}

static void check_liquidations(hid_t f)
{
    hid_t d = open_table(f, "/venues/okx/events/liquidations", LIQS);
    check_chunked(d, 4096);
    rows r = read_rows(d, LIQS);
    /* The routes are an enum that names its values. */
    hid_t type;
    field_at(&r, 0, "route", &type);
    cr_assert_eq(H5Tget_class(type), H5T_ENUM);
    const char *names[] = {"book", "backstop", "fund", "adl"};
    for (uint8_t v = 0; v < 4; v++) {
        char name[16];
        cr_assert_geq(H5Tenum_nameof(type, &v, name, sizeof name), 0);
        cr_assert_str_eq(name, names[v]);
    }
    H5Tclose(type);
    for (size_t i = 0; i < LIQS; i++) {
        cr_assert_eq(f64(&r, i, "time_s"), (double)i * 0.25);
        cr_assert_eq(int_of(&r, i, "account"), 2 + (int64_t)i);
        cr_assert_eq(int_of(&r, i, "side"), i % 2 ? -1 : 1);
        cr_assert_eq(int_of(&r, i, "route"), (int64_t)(i % 4));
        cr_assert_eq(int_of(&r, i, "lots"), (int64_t)i + 1);
        cr_assert_eq(int_of(&r, i, "notional_cash"),
                     (int64_t)(i + 1) * 60000000);
        cr_assert(fabs(f64(&r, i, "notional") - (double)(i + 1) * 60.0) <
                  1e-9);
        cr_assert(fabs(f64(&r, i, "avg_price") - 60000.0) < 1e-9);
        cr_assert(fabs(f64(&r, i, "bankruptcy_price") - 59900.05) < 1e-9);
        cr_assert(fabs(f64(&r, i, "fee") - 0.012345) < 1e-15);
        cr_assert_eq(int_of(&r, i, "fund_change_cash"), -(int64_t)i);
        cr_assert(fabs(f64(&r, i, "fund_change") + (double)i * 1e-6) < 1e-15);
    }
    free_rows(&r);
    H5Dclose(d);
    d = open_table(f, "/venues/binance/events/liquidations", 1);
    H5Dclose(d);
}

static void check_funding(hid_t f)
{
    hid_t d = open_table(f, "/venues/okx/events/funding", 2);
    rows r = read_rows(d, 2);
    cr_assert_eq(f64(&r, 0, "time_s"), 28800.0);
    cr_assert_eq(int_of(&r, 1, "time_utc_ms"),
                 START_MS + 2 * INT64_C(28800000));
    cr_assert_eq(int_of(&r, 0, "rate_e8"), 10000);
    cr_assert_eq(f64(&r, 0, "rate"), 0.0001);
    cr_assert_eq(int_of(&r, 1, "rate_e8"), -2500);
    cr_assert(fabs(f64(&r, 1, "rate") + 0.000025) < 1e-18);
    cr_assert_eq(f64(&r, 1, "avg_premium"), 0.0003);
    cr_assert_eq(int_of(&r, 0, "samples"), 5760);
    cr_assert(fabs(f64(&r, 0, "price") - 60012.3) < 1e-9);
    cr_assert_eq(int_of(&r, 0, "long_lots"), 777);
    cr_assert(fabs(f64(&r, 0, "longs_paid") - 0.04663) < 1e-15);
    cr_assert(fabs(f64(&r, 1, "shorts_received") + 0.004664) < 1e-15);
    cr_assert_eq(int_of(&r, 1, "residual_cash"), 1);
    free_rows(&r);
    H5Dclose(d);
    d = open_table(f, "/venues/binance/events/funding", 0);
    check_chunked(d, 256);
    H5Dclose(d);
}

static void check_adl_and_trades(hid_t f)
{
    hid_t d = open_table(f, "/venues/binance/events/adl", 3);
    rows a = read_rows(d, 3);
    for (size_t i = 0; i < 3; i++) {
        int64_t k = (int64_t)i;
        cr_assert_eq(int_of(&a, i, "counterparty"), 40 + k);
        cr_assert_eq(int_of(&a, i, "side"), -1);
        cr_assert_eq(int_of(&a, i, "lots"), 5 + k);
        cr_assert_eq(int_of(&a, i, "notional_cash"), (5 + k) * 60000000);
        cr_assert(fabs(f64(&a, i, "notional") - (double)(5 + k) * 60.0) <
                  1e-9);
        cr_assert(fabs(f64(&a, i, "price") - 60000.0) < 1e-9);
    }
    free_rows(&a);
    H5Dclose(d);
    d = open_table(f, "/venues/okx/events/adl", 0);
    H5Dclose(d);

    d = open_table(f, "/venues/okx/events/trades", 5);
    rows t = read_rows(d, 5);
    for (size_t i = 0; i < 5; i++) {
        int64_t k = (int64_t)i;
        cr_assert_eq(f64(&t, i, "time_s"), 12.345);
        cr_assert(fabs(f64(&t, i, "price") - (60000.0 + 0.1 * (double)k)) <
                  1e-9);
        cr_assert_eq(int_of(&t, i, "size"), 10 + k);
        cr_assert_eq(int_of(&t, i, "maker_owner"), 2);
        cr_assert_eq(int_of(&t, i, "taker_owner"), 3 + k);
        cr_assert_eq(int_of(&t, i, "taker_side"), i % 2 ? -1 : 1);
        cr_assert_eq(int_of(&t, i, "is_liquidation"), i == 4);
    }
    free_rows(&t);
    H5Dclose(d);
    cr_assert_eq(H5Lexists(f, "/venues/binance/events/trades", H5P_DEFAULT), 0,
                 "no trades table for a venue that keeps none");
}

/* Field `field` of every row of the compound dataset d, as type (size
 * bytes a row), into out: HDF5 reads one member by name through a
 * compound type of that member alone. */
static void read_field(hid_t d, const char *field, hid_t type, size_t size,
                       void *out)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, size);
    H5Tinsert(t, field, 0, type);
    cr_assert_geq(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, out), 0,
                  "field %s", field);
    H5Tclose(t);
}

static hsize_t points_of(hid_t d)
{
    hid_t space = H5Dget_space(d);
    hssize_t n = H5Sget_simple_extent_npoints(space);
    H5Sclose(space);
    cr_assert_geq(n, 0);
    return (hsize_t)n;
}

/* /summary/items holds each attribute of /summary as a row (name, value)
 * in the same order, and /summary/checks each expect: check (metric, low,
 * high, value, pass). */
static void check_summary_tables(hid_t f)
{
    hid_t str = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, H5T_VARIABLE);
    H5Tset_cset(str, H5T_CSET_UTF8);
    hid_t d = H5Dopen2(f, "/summary/items", H5P_DEFAULT);
    cr_assert_geq(d, 0, "no /summary/items");
    hsize_t n = points_of(d);
    cr_assert_gt(n, 0);
    char **names = calloc(n, sizeof *names);
    double *values = calloc(n, sizeof *values);
    read_field(d, "name", str, sizeof *names, names);
    read_field(d, "value", H5T_NATIVE_DOUBLE, sizeof *values, values);
    H5Dclose(d);
    hid_t g = H5Gopen2(f, "/summary", H5P_DEFAULT);
    int found = 0;
    for (hsize_t i = 0; i < n; i++) {
        double x = NAN;
        hid_t a = H5Aopen(g, names[i], H5P_DEFAULT);
        cr_assert_geq(a, 0, "row %s is an attribute", names[i]);
        H5Aread(a, H5T_NATIVE_DOUBLE, &x);
        H5Aclose(a);
        cr_assert(x == values[i] || (isnan(x) && isnan(values[i])), "%s",
                  names[i]);
        found += strcmp(names[i], "okx.liquidations.total_notional") == 0
                 && values[i] == 1.37e9;
        H5free_memory(names[i]);
    }
    cr_assert_eq(found, 1);
    free(names);
    free(values);
    H5Gclose(g);

    d = H5Dopen2(f, "/summary/checks", H5P_DEFAULT);
    cr_assert_geq(d, 0, "no /summary/checks");
    cr_assert_eq(points_of(d), 2);
    char *metric[2];
    double low[2], high[2], value[2];
    uint8_t pass[2];
    read_field(d, "metric", str, sizeof *metric, metric);
    read_field(d, "low", H5T_NATIVE_DOUBLE, sizeof *low, low);
    read_field(d, "high", H5T_NATIVE_DOUBLE, sizeof *high, high);
    read_field(d, "value", H5T_NATIVE_DOUBLE, sizeof *value, value);
    read_field(d, "pass", H5T_NATIVE_UINT8, sizeof *pass, pass);
    H5Dclose(d);
    cr_assert_str_eq(metric[0], "okx.liquidations.total_notional");
    cr_assert_eq(low[0], 1.23e9);
    cr_assert_eq(high[0], 1.51e9);
    cr_assert_eq(value[0], 1.37e9);
    cr_assert_eq(pass[0], 1);
    cr_assert_str_eq(metric[1], "binance.depth_z.min");
    cr_assert_eq(pass[1], 0, "a failed check is recorded as failed");
    H5free_memory(metric[0]);
    H5free_memory(metric[1]);
    H5Tclose(str);
}

Test(output, file_holds_the_layout_units_and_values)
{
    char path[256];
    file_path(path, sizeof path, "run.h5");
    write_full(path);

    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert_geq(f, 0);
    int32_t version = 0;
    hid_t a = H5Aopen(f, "format_version", H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_INT32, &version);
    H5Aclose(a);
    cr_assert_eq(version, OUTPUT_FORMAT_VERSION);
    uint64_t seed = 0;
    a = H5Aopen(f, "seed", H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_UINT64, &seed);
    H5Aclose(a);
    cr_assert_eq(seed, 7);
    const char *const root_attrs[][2] = {
        {"scenario", "short-squeeze"},
        {"perpsim_version", version_string},
        {"start_utc", "2025-07-10T00:00:00Z"},
        {"source", "scenarios/squeeze.yaml"},
        {"sets", "seed=7\nvenues.okx.funding.interval=1h"},
    };
    expect_string_attrs(f, root_attrs, 5);

    hid_t d = H5Dopen2(f, "/scenario", H5P_DEFAULT);
    cr_assert_geq(d, 0);
    hid_t st = H5Tcopy(H5T_C_S1);
    H5Tset_size(st, H5T_VARIABLE);
    H5Tset_cset(st, H5T_CSET_UTF8);
    char *scenario = NULL;
    cr_assert_geq(H5Dread(d, st, H5S_ALL, H5S_ALL, H5P_DEFAULT, &scenario), 0);
    cr_assert_str_eq(scenario, "name: short-squeeze\nseed: 7\n");
    H5free_memory(scenario);
    H5Tclose(st);
    H5Dclose(d);

    hid_t g = H5Gopen2(f, "/venues/okx", H5P_DEFAULT);
    static const char *const venue_attrs[][2] = {
        {"profile", "binance"},
        {"quote_currency", "USDT"},
        {"base_currency", "BTC"},
    };
    expect_string_attrs(g, venue_attrs, 3);
    double tick = 0;
    a = H5Aopen(g, "tick_size", H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_DOUBLE, &tick);
    H5Aclose(a);
    cr_assert(fabs(tick - 0.1) < 1e-15);
    H5Gclose(g);

    check_series(f, "okx", ROWS0);
    check_series(f, "binance", ROWS1);
    check_liquidations(f);
    check_funding(f);
    check_adl_and_trades(f);

    g = H5Gopen2(f, "/summary", H5P_DEFAULT);
    cr_assert_geq(g, 0);
    double x = 0;
    a = H5Aopen(g, "okx.liquidations.total_notional", H5P_DEFAULT);
    cr_assert_geq(a, 0);
    H5Aread(a, H5T_NATIVE_DOUBLE, &x);
    H5Aclose(a);
    cr_assert_eq(x, 1.37e9);
    double check[4];
    a = H5Aopen(g, "expect:okx.liquidations.total_notional", H5P_DEFAULT);
    cr_assert_geq(a, 0);
    H5Aread(a, H5T_NATIVE_DOUBLE, check);
    H5Aclose(a);
    cr_assert_eq(check[0], 1.23e9);
    cr_assert_eq(check[1], 1.51e9);
    cr_assert_eq(check[2], 1.37e9);
    cr_assert_eq(check[3], 1.0);
    a = H5Aopen(g, "expect:binance.depth_z.min", H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_DOUBLE, check);
    H5Aclose(a);
    cr_assert_eq(check[3], 0.0, "a failed check is recorded as failed");
    H5Gclose(g);
    check_summary_tables(f);
    cr_assert_eq(H5Fget_obj_count(f, H5F_OBJ_ALL), 1, "the test leaked handles");
    H5Fclose(f);
}

Test(output, read_returns_the_info_and_summary_written)
{
    char path[256];
    file_path(path, sizeof path, "run.h5");
    write_full(path);
    output_info info;
    summary got = {0}, want;
    perr e = {0, ""};
    cr_assert_eq(output_read(path, &info, &got, &e), 0, "%s", e.msg);
    cr_assert_str_eq(info.scenario_name, "short-squeeze");
    cr_assert_str_eq(info.perpsim_version, version_string);
    cr_assert_eq(info.seed, 7);
    cr_assert_eq(info.start_utc_ms, START_MS);
    cr_assert_eq(info.duration_ms, INT64_C(86400000));
    cr_assert_eq(info.format_version, 1);
    cr_assert_eq(info.n_venues, 2);
    cr_assert_str_eq(info.venues[0], "okx", "venues in the order added");
    cr_assert_str_eq(info.venues[1], "binance");
    cr_assert_eq(info.samples, ROWS0);

    make_summary(&want);
    cr_assert_eq(got.n_items, want.n_items);
    for (size_t i = 0; i < want.n_items; i++) {
        cr_assert_str_eq(got.items[i].name, want.items[i].name);
        cr_assert_eq(got.items[i].value, want.items[i].value);
    }
    cr_assert_eq(got.n_checks, want.n_checks);
    for (size_t i = 0; i < want.n_checks; i++) {
        cr_assert_str_eq(got.checks[i].metric, want.checks[i].metric);
        cr_assert_eq(got.checks[i].low, want.checks[i].low);
        cr_assert_eq(got.checks[i].high, want.checks[i].high);
        cr_assert_eq(got.checks[i].value, want.checks[i].value);
        cr_assert_eq(got.checks[i].pass, want.checks[i].pass);
    }
    cr_assert_eq(summary_all_pass(&got), 0);
    summary_free(&got);
    summary_free(&want);
}

/* Opens an output writing name in the test's folder; puts the file's name
 * in path (256 bytes) and its part file's in part (300). */
static output *open_output(const char *name, char *path, char *part)
{
    file_path(path, 256, name);
    snprintf(part, 300, "%s.part", path);
    perr e = {0, ""};
    output_meta m = meta();
    output *o = output_open(path, &m, 0, &e);
    cr_assert_not_null(o, "%s", e.msg);
    return o;
}

Test(output, abort_leaves_no_file)
{
    char path[256], part[300];
    output *o = open_output("aborted.h5", path, part);
    perr e = {0, ""};
    cr_assert_eq(output_add_venue(o, "okx", binance(), 0, &e), 0);
    metrics_row r = make_row(1);
    cr_assert_eq(output_append_row(o, 0, &r, &e), 0);
    cr_assert(exists(part));
    cr_assert(!exists(path));
    output_abort(o);
    cr_assert(!exists(part));
    cr_assert(!exists(path));
    output_abort(NULL);
}

Test(output, failed_commit_removes_the_part_file)
{
    char path[256], part[300];
    output *o = open_output("raced.h5", path, part);
    perr e = {0, ""};
    cr_assert_eq(output_add_venue(o, "okx", binance(), 0, &e), 0);
    /* Someone else writes the final name meanwhile. */
    support_write_file(path, "theirs\n");
    cr_assert_eq(output_commit(o, NULL, &e), PERR_IO);
    cr_assert(strstr(e.msg, path), "the message names the file: %s", e.msg);
    cr_assert(!exists(part));
    char *theirs = support_read_file(path, NULL);
    cr_assert_str_eq(theirs, "theirs\n", "the other file is untouched");
    free(theirs);
}

Test(output, existing_file_is_overwritten_only_when_asked)
{
    char path[256];
    file_path(path, sizeof path, "old.h5");
    support_write_file(path, "old\n");
    perr e = {0, ""};
    output_meta m = meta();
    cr_assert_null(output_open(path, &m, 0, &e));
    cr_assert_eq(e.code, PERR_IO);
    cr_assert(strstr(e.msg, path) && strstr(e.msg, "exists"), "%s", e.msg);

    output *o = output_open(path, &m, 1, &e);
    cr_assert_not_null(o, "%s", e.msg);
    cr_assert_eq(output_commit(o, NULL, &e), 0, "%s", e.msg);
    output_info info;
    cr_assert_eq(output_read(path, &info, NULL, &e), 0, "%s", e.msg);
    cr_assert_eq(info.n_venues, 0);
}

Test(output, a_file_that_is_not_hdf5_is_not_a_result)
{
    char path[256];
    file_path(path, sizeof path, "notes.txt");
    support_write_file(path, "not a result\n");
    output_info info;
    summary s = {0};
    perr e = {0, ""};
    cr_assert_eq(output_read(path, &info, &s, &e), PERR_INVALID);
    cr_assert(strncmp(e.msg, path, strlen(path)) == 0, "%s", e.msg);
    cr_assert(strstr(e.msg, ": not a perpsim result ("), "%s", e.msg);
    cr_assert_eq(s.n_items, 0);
}

Test(output, hdf5_without_format_version_or_of_another_is_refused)
{
    char path[256];
    file_path(path, sizeof path, "other.h5");
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert_geq(f, 0);
    hid_t g = H5Gcreate2(f, "data", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(g);
    H5Fclose(f);
    output_info info;
    perr e = {0, ""};
    cr_assert_eq(output_read(path, &info, NULL, &e), PERR_INVALID);
    cr_assert(strstr(e.msg, ": not a perpsim result (no format_version"),
              "%s", e.msg);

    f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    int32_t two = 2;
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(f, "format_version", H5T_STD_I32LE, s, H5P_DEFAULT,
                         H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_INT32, &two);
    H5Aclose(a);
    H5Sclose(s);
    H5Fclose(f);
    cr_assert_eq(output_read(path, &info, NULL, &e), PERR_INVALID);
    cr_assert(strstr(e.msg, "format_version 2"), "%s", e.msg);

    file_path(path, sizeof path, "missing.h5");
    cr_assert_eq(output_read(path, &info, NULL, &e), PERR_IO);
}

/* A result with a required part deleted (cut short, or edited) is refused
 * in one line naming the part, not read as an empty summary; a folder is
 * not a result. */
Test(output, a_result_missing_a_required_part_is_refused_naming_it)
{
    static const char *const parts[] = {"summary", "venues", "scenario"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        char path[256], want[64];
        file_path(path, sizeof path, "cut.h5");
        remove(path);
        write_full(path);
        hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
        cr_assert_geq(f, 0);
        cr_assert_geq(H5Ldelete(f, parts[i], H5P_DEFAULT), 0);
        H5Fclose(f);
        output_info info;
        summary got = {0};
        perr e = {0, ""};
        cr_expect_eq(output_read(path, &info, &got, &e), PERR_INVALID,
                     "without /%s", parts[i]);
        snprintf(want, sizeof want, ": /%s is missing", parts[i]);
        cr_expect(strstr(e.msg, "not a complete perpsim result")
                      && strstr(e.msg, want),
                  "without /%s: %s", parts[i], e.msg);
        cr_expect_eq(got.n_items, 0, "without /%s: a summary was read",
                     parts[i]);
        summary_free(&got);
    }
    char folder[256];
    file_path(folder, sizeof folder, "");
    perr e = {0, ""};
    cr_expect_eq(output_read(folder, NULL, NULL, &e), PERR_INVALID);
    cr_expect(strstr(e.msg, "not a regular file"), "%s", e.msg);
}

Test(output, misuse_is_refused_without_harm_to_the_file)
{
    char path[256], part[300];
    output *o = open_output("misuse.h5", path, part);
    perr e = {0, ""};
    cr_assert_eq(output_add_venue(o, "a/b", binance(), 0, &e), PERR_INVALID);
    cr_assert_eq(output_add_venue(o, "okx", binance(), 0, &e), 0);
    cr_assert_eq(output_add_venue(o, "okx", binance(), 0, &e), PERR_INVALID);
    metrics_row r = make_row(0);
    cr_assert_eq(output_append_row(o, 1, &r, &e), PERR_INVALID);
    cr_assert_eq(output_append_row(o, 0, &r, &e), 0);
    cr_assert_eq(output_add_venue(o, "late", binance(), 0, &e), PERR_STATE);
    cr_assert_eq(output_commit(o, NULL, &e), 0, "%s", e.msg);
    output_info info;
    cr_assert_eq(output_read(path, &info, NULL, &e), 0, "%s", e.msg);
    cr_assert_eq(info.n_venues, 1);
    cr_assert_eq(info.samples, 1);
}

Test(output, a_folder_that_does_not_exist_is_an_io_error)
{
    char path[256];
    file_path(path, sizeof path, "no/such/folder/run.h5");
    perr e = {0, ""};
    output_meta m = meta();
    cr_assert_null(output_open(path, &m, 0, &e));
    cr_assert_eq(e.code, PERR_IO);
    cr_assert(strstr(e.msg, "run.h5.part: cannot create"), "%s", e.msg);
}

Test(output, the_same_run_gives_the_same_bytes)
{
    /* A second apart: no modification time may reach the file. */
    char a[256], b[256];
    file_path(a, sizeof a, "first.h5");
    file_path(b, sizeof b, "second.h5");
    write_full(a);
    sleep(1);
    write_full(b);
    size_t na, nb;
    char *x = support_read_file(a, &na), *y = support_read_file(b, &nb);
    cr_assert_eq(na, nb);
    cr_assert(memcmp(x, y, na) == 0, "the files differ");
    free(x);
    free(y);
}
