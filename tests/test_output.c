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
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"
#include "version.h"
#include "profile_yaml.h"

#define START_MS INT64_C(1752105600000) /* 2025-07-10T00:00:00Z */
#define ROWS0 5000 /* more than one 4096-row chunk */
#define ROWS1 3
#define LIQS 4100

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/perpsim-test-output-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
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

static void check_series(hid_t f, const char *vname, size_t rows)
{
    char path[128], unit[32];
    double *x = malloc(rows * sizeof *x);
    for (int i = 0; i < METRICS_SERIES_COUNT; i++) {
        snprintf(path, sizeof path, "/venues/%s/series/%s", vname,
                 metrics_series_name(i));
        hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
        cr_assert_geq(d, 0, "no %s", path);
        cr_assert_eq(rows_of(d), rows, "%s rows", path);
        hid_t t = H5Dget_type(d);
        cr_assert_eq(H5Tget_class(t), H5T_FLOAT);
        cr_assert_eq(H5Tget_size(t), 8);
        H5Tclose(t);
        check_chunked(d, 4096);
        read_string_attr(d, "units", unit, sizeof unit);
        cr_assert_str_eq(unit, metrics_series_unit(i), "%s units", path);
        cr_assert_geq(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                              H5P_DEFAULT, x), 0);
        for (size_t k = 0; k < rows; k++) {
            if (k == 0 && i == METRICS_LAST)
                cr_assert(isnan(x[k]), "NaN kept");
            else
                cr_assert_eq(x[k], series_value(k, i), "%s[%zu]", path, k);
        }
        H5Dclose(d);
    }
    free(x);
    int64_t *y = malloc(rows * sizeof *y);
    for (int i = 0; i < METRICS_AUDIT_COUNT; i++) {
        snprintf(path, sizeof path, "/venues/%s/audit/%s", vname,
                 metrics_audit_name(i));
        hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
        cr_assert_geq(d, 0, "no %s", path);
        cr_assert_eq(rows_of(d), rows);
        hid_t t = H5Dget_type(d);
        cr_assert_eq(H5Tget_class(t), H5T_INTEGER);
        cr_assert_eq(H5Tget_size(t), 8);
        H5Tclose(t);
        read_string_attr(d, "units", unit, sizeof unit);
        cr_assert_str_eq(unit, metrics_audit_unit(i));
        cr_assert_geq(H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL,
                              H5P_DEFAULT, y), 0);
        for (size_t k = 0; k < rows; k++)
            cr_assert_eq(y[k], audit_value(k, i), "%s[%zu]", path, k);
        H5Dclose(d);
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

typedef struct liq_read {
    double time_s;
    uint32_t account;
    int8_t side;
    uint8_t route;
    int64_t lots;
    double notional, avg_price, bankruptcy_price, fee, fund_change;
    int64_t notional_cash, fund_change_cash;
} liq_read;

static void check_liquidations(hid_t f)
{
    hid_t d = open_table(f, "/venues/okx/events/liquidations", LIQS);
    check_chunked(d, 4096);
    hid_t route = H5Tenum_create(H5T_NATIVE_UINT8);
    const char *names[] = {"book", "backstop", "fund", "adl"};
    for (uint8_t r = 0; r < 4; r++)
        H5Tenum_insert(route, names[r], &r);
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(liq_read));
    H5Tinsert(t, "time_s", offsetof(liq_read, time_s), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "account", offsetof(liq_read, account), H5T_NATIVE_UINT32);
    H5Tinsert(t, "side", offsetof(liq_read, side), H5T_NATIVE_INT8);
    H5Tinsert(t, "route", offsetof(liq_read, route), route);
    H5Tinsert(t, "lots", offsetof(liq_read, lots), H5T_NATIVE_INT64);
    H5Tinsert(t, "notional", offsetof(liq_read, notional), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "avg_price", offsetof(liq_read, avg_price), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "bankruptcy_price", offsetof(liq_read, bankruptcy_price),
              H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "fee", offsetof(liq_read, fee), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "fund_change", offsetof(liq_read, fund_change),
              H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "notional_cash", offsetof(liq_read, notional_cash),
              H5T_NATIVE_INT64);
    H5Tinsert(t, "fund_change_cash", offsetof(liq_read, fund_change_cash),
              H5T_NATIVE_INT64);
    liq_read *r = malloc(LIQS * sizeof *r);
    cr_assert_geq(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, r), 0);
    for (size_t i = 0; i < LIQS; i++) {
        cr_assert_eq(r[i].time_s, (double)i * 0.25);
        cr_assert_eq(r[i].account, 2 + i);
        cr_assert_eq(r[i].side, i % 2 ? -1 : 1);
        cr_assert_eq(r[i].route, i % 4);
        cr_assert_eq(r[i].lots, (int64_t)i + 1);
        cr_assert_eq(r[i].notional_cash, (int64_t)(i + 1) * 60000000);
        cr_assert(fabs(r[i].notional - (double)(i + 1) * 60.0) < 1e-9);
        cr_assert(fabs(r[i].avg_price - 60000.0) < 1e-9);
        cr_assert(fabs(r[i].bankruptcy_price - 59900.05) < 1e-9);
        cr_assert(fabs(r[i].fee - 0.012345) < 1e-15);
        cr_assert_eq(r[i].fund_change_cash, -(int64_t)i);
        cr_assert(fabs(r[i].fund_change + (double)i * 1e-6) < 1e-15);
    }
    free(r);
    H5Tclose(t);
    H5Tclose(route);
    H5Dclose(d);
    d = open_table(f, "/venues/binance/events/liquidations", 1);
    H5Dclose(d);
}

typedef struct funding_read {
    double time_s;
    int64_t time_utc_ms;
    double rate;
    int64_t rate_e8;
    double avg_premium;
    int64_t samples;
    double price;
    int64_t long_lots;
    double longs_paid, shorts_received;
    int64_t residual_cash;
} funding_read;

static void check_funding(hid_t f)
{
    hid_t d = open_table(f, "/venues/okx/events/funding", 2);
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(funding_read));
#define IN(field, type) \
    H5Tinsert(t, #field, offsetof(funding_read, field), type)
    IN(time_s, H5T_NATIVE_DOUBLE);
    IN(time_utc_ms, H5T_NATIVE_INT64);
    IN(rate, H5T_NATIVE_DOUBLE);
    IN(rate_e8, H5T_NATIVE_INT64);
    IN(avg_premium, H5T_NATIVE_DOUBLE);
    IN(samples, H5T_NATIVE_INT64);
    IN(price, H5T_NATIVE_DOUBLE);
    IN(long_lots, H5T_NATIVE_INT64);
    IN(longs_paid, H5T_NATIVE_DOUBLE);
    IN(shorts_received, H5T_NATIVE_DOUBLE);
    IN(residual_cash, H5T_NATIVE_INT64);
#undef IN
    funding_read r[2];
    cr_assert_geq(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, r), 0);
    cr_assert_eq(r[0].time_s, 28800.0);
    cr_assert_eq(r[1].time_utc_ms, START_MS + 2 * INT64_C(28800000));
    cr_assert_eq(r[0].rate_e8, 10000);
    cr_assert_eq(r[0].rate, 0.0001);
    cr_assert_eq(r[1].rate_e8, -2500);
    cr_assert(fabs(r[1].rate + 0.000025) < 1e-18);
    cr_assert_eq(r[1].avg_premium, 0.0003);
    cr_assert_eq(r[0].samples, 5760);
    cr_assert(fabs(r[0].price - 60012.3) < 1e-9);
    cr_assert_eq(r[0].long_lots, 777);
    cr_assert(fabs(r[0].longs_paid - 0.04663) < 1e-15);
    cr_assert(fabs(r[1].shorts_received + 0.004664) < 1e-15);
    cr_assert_eq(r[1].residual_cash, 1);
    H5Tclose(t);
    H5Dclose(d);
    d = open_table(f, "/venues/binance/events/funding", 0);
    check_chunked(d, 256);
    H5Dclose(d);
}

typedef struct adl_read {
    uint32_t counterparty;
    int8_t side;
    int64_t lots;
    double notional, price;
    int64_t notional_cash;
} adl_read;

typedef struct trade_read {
    double time_s, price;
    int64_t size;
    uint32_t maker_owner, taker_owner;
    int8_t taker_side;
    uint8_t is_liquidation;
} trade_read;

static void check_adl_and_trades(hid_t f)
{
    hid_t d = open_table(f, "/venues/binance/events/adl", 3);
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(adl_read));
    H5Tinsert(t, "counterparty", offsetof(adl_read, counterparty),
              H5T_NATIVE_UINT32);
    H5Tinsert(t, "side", offsetof(adl_read, side), H5T_NATIVE_INT8);
    H5Tinsert(t, "lots", offsetof(adl_read, lots), H5T_NATIVE_INT64);
    H5Tinsert(t, "notional", offsetof(adl_read, notional), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "price", offsetof(adl_read, price), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "notional_cash", offsetof(adl_read, notional_cash),
              H5T_NATIVE_INT64);
    adl_read a[3];
    cr_assert_geq(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, a), 0);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(a[i].counterparty, 40u + (unsigned)i);
        cr_assert_eq(a[i].side, -1);
        cr_assert_eq(a[i].lots, 5 + i);
        cr_assert_eq(a[i].notional_cash, (5 + i) * INT64_C(60000000));
        cr_assert(fabs(a[i].notional - (5 + i) * 60.0) < 1e-9);
        cr_assert(fabs(a[i].price - 60000.0) < 1e-9);
    }
    H5Tclose(t);
    H5Dclose(d);
    d = open_table(f, "/venues/okx/events/adl", 0);
    H5Dclose(d);

    d = open_table(f, "/venues/okx/events/trades", 5);
    t = H5Tcreate(H5T_COMPOUND, sizeof(trade_read));
    H5Tinsert(t, "time_s", offsetof(trade_read, time_s), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "price", offsetof(trade_read, price), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "size", offsetof(trade_read, size), H5T_NATIVE_INT64);
    H5Tinsert(t, "maker_owner", offsetof(trade_read, maker_owner),
              H5T_NATIVE_UINT32);
    H5Tinsert(t, "taker_owner", offsetof(trade_read, taker_owner),
              H5T_NATIVE_UINT32);
    H5Tinsert(t, "taker_side", offsetof(trade_read, taker_side),
              H5T_NATIVE_INT8);
    H5Tinsert(t, "is_liquidation", offsetof(trade_read, is_liquidation),
              H5T_NATIVE_UINT8);
    trade_read r[5];
    cr_assert_geq(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, r), 0);
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(r[i].time_s, 12.345);
        cr_assert(fabs(r[i].price - (60000.0 + 0.1 * i)) < 1e-9);
        cr_assert_eq(r[i].size, 10 + i);
        cr_assert_eq(r[i].maker_owner, 2u);
        cr_assert_eq(r[i].taker_owner, 3u + (unsigned)i);
        cr_assert_eq(r[i].taker_side, i % 2 ? -1 : 1);
        cr_assert_eq(r[i].is_liquidation, i == 4);
    }
    H5Tclose(t);
    H5Dclose(d);
    cr_assert_eq(H5Lexists(f, "/venues/binance/events/trades", H5P_DEFAULT), 0,
                 "no trades table for a venue that keeps none");
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
    char text[256];
    read_string_attr(f, "scenario", text, sizeof text);
    cr_assert_str_eq(text, "short-squeeze");
    read_string_attr(f, "perpsim_version", text, sizeof text);
    cr_assert_str_eq(text, version_string);
    read_string_attr(f, "start_utc", text, sizeof text);
    cr_assert_str_eq(text, "2025-07-10T00:00:00Z");
    read_string_attr(f, "source", text, sizeof text);
    cr_assert_str_eq(text, "scenarios/squeeze.yaml");
    read_string_attr(f, "sets", text, sizeof text);
    cr_assert_str_eq(text, "seed=7\nvenues.okx.funding.interval=1h");

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
    read_string_attr(g, "profile", text, sizeof text);
    cr_assert_str_eq(text, "binance");
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

Test(output, abort_leaves_no_file)
{
    char path[256], part[300];
    file_path(path, sizeof path, "aborted.h5");
    snprintf(part, sizeof part, "%s.part", path);
    perr e = {0, ""};
    output_meta m = meta();
    output *o = output_open(path, &m, 0, &e);
    cr_assert_not_null(o, "%s", e.msg);
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
    file_path(path, sizeof path, "raced.h5");
    snprintf(part, sizeof part, "%s.part", path);
    perr e = {0, ""};
    output_meta m = meta();
    output *o = output_open(path, &m, 0, &e);
    cr_assert_not_null(o, "%s", e.msg);
    cr_assert_eq(output_add_venue(o, "okx", binance(), 0, &e), 0);
    /* Someone else writes the final name meanwhile. */
    FILE *other = fopen(path, "w");
    fputs("theirs\n", other);
    fclose(other);
    cr_assert_eq(output_commit(o, NULL, &e), PERR_IO);
    cr_assert(strstr(e.msg, path), "the message names the file: %s", e.msg);
    cr_assert(!exists(part));
    char buf[16] = "";
    other = fopen(path, "r");
    cr_assert_not_null(fgets(buf, sizeof buf, other));
    fclose(other);
    cr_assert_str_eq(buf, "theirs\n", "the other file is untouched");
}

Test(output, existing_file_is_overwritten_only_when_asked)
{
    char path[256];
    file_path(path, sizeof path, "old.h5");
    FILE *old = fopen(path, "w");
    fputs("old\n", old);
    fclose(old);
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
    FILE *t = fopen(path, "w");
    fputs("not a result\n", t);
    fclose(t);
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
    char path[256];
    file_path(path, sizeof path, "misuse.h5");
    perr e = {0, ""};
    output_meta m = meta();
    output *o = output_open(path, &m, 0, &e);
    cr_assert_not_null(o, "%s", e.msg);
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

static unsigned char *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return buf;
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
    unsigned char *x = slurp(a, &na), *y = slurp(b, &nb);
    cr_assert_eq(na, nb);
    cr_assert(memcmp(x, y, na) == 0, "the files differ");
    free(x);
    free(y);
}
