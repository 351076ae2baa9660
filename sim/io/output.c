/*
 * output: a run's HDF5 file through the HDF5 C API (output.h has the
 * layout).
 *
 * Storage. Every dataset is 1-D, extensible (H5S_UNLIMITED), chunked and
 * compressed with the shuffle filter then deflate at level OUTPUT_DEFLATE;
 * shuffle groups the bytes of equal significance, which is what lets
 * deflate find the runs in slowly varying int64 and float64 columns. Series
 * and audit columns are chunked OUTPUT_CHUNK rows (4096 rows: 32 KiB of
 * float64), the event tables the same except funding (a few rows a day:
 * OUTPUT_FUNDING_CHUNK). Rows are buffered a chunk at a time in memory and
 * appended whole, so each chunk is compressed and written once; the last,
 * partial chunk goes at output_commit. Event tables are compound datasets of
 * standard little-endian types, packed (no padding in the file), converted
 * by HDF5 from the native structs below; a table's `units` attribute is an
 * array of strings, one per field in field order. Strings (attributes,
 * /scenario) are variable-length UTF-8. The file is made with the 1.8 file
 * format (readable by HDF5 1.8 and later, h5py, every binding) so that
 * /summary may hold hundreds of attributes (dense attribute storage), and
 * /venues and /summary track creation order, so a reader sees the venues
 * and the summary in the order they were written. Objects carry no
 * modification times: the same run gives the same bytes.
 *
 * Errors. HDF5's own printing of its error stack is switched off for the
 * duration of every call here (and restored after), and each failure is one
 * perr line naming the file, what failed and HDF5's innermost reason. A
 * write that fails closes the file and removes the part file at once; the
 * output then refuses further calls until output_commit or output_abort
 * frees it.
 */
#define _POSIX_C_SOURCE 200809L
#include "output.h"

#include <errno.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "grow.h"
#include "h5util.h"
#include "output_internal.h"
#include "rule.h"
#include "utc.h"
#include "version.h"

/* ---- the event tables' rows in memory ----------------------------------- */

typedef struct out_liquidation {
    double time_s;
    uint32_t account;
    int8_t side;
    uint8_t route;
    int64_t lots;
    double notional, avg_price, bankruptcy_price, fee, fund_change;
    int64_t notional_cash, fee_cash, fund_change_cash;
} out_liquidation;

typedef struct out_funding {
    double time_s;
    int64_t time_utc_ms;
    double rate;
    int64_t rate_e8;
    double avg_premium;
    int64_t samples;
    double price;
    int64_t long_lots;
    double longs_paid, shorts_received;
    int64_t longs_paid_cash, shorts_received_cash, residual_cash;
    uint32_t positions;
} out_funding;

typedef struct out_adl {
    double time_s;
    uint32_t bankrupt, counterparty;
    int8_t side;
    int64_t lots;
    double notional, price;
    int64_t notional_cash;
} out_adl;

typedef struct out_trade {
    double time_s;
    double price;
    int64_t size;
    uint32_t maker_owner, taker_owner;
    int8_t taker_side;
    uint8_t is_liquidation;
} out_trade;

typedef struct out_policy {
    double time_s;
    uint8_t policy, action;
    uint32_t account;
    double value;
} out_policy;

/* Part file names tried before giving up ("<path>.part", then
 * "<path>.2.part" ...), and the bytes such a name adds to the path. */
#define OUTPUT_PART_TRIES 1000
#define OUTPUT_PART_EXTRA sizeof ".1000.part"

static const out_field liquidation_fields[] = {
    FIELD(out_liquidation, time_s, K_F64, "s"),
    FIELD(out_liquidation, account, K_U32, "account id"),
    FIELD(out_liquidation, side, K_I8, "1 long, -1 short"),
    FIELD(out_liquidation, route, K_ROUTE, "venue_route"),
    FIELD(out_liquidation, lots, K_I64, "lots"),
    FIELD(out_liquidation, notional, K_F64, "quote"),
    FIELD(out_liquidation, avg_price, K_F64, "quote/base"),
    FIELD(out_liquidation, bankruptcy_price, K_F64, "quote/base"),
    FIELD(out_liquidation, fee, K_F64, "quote"),
    FIELD(out_liquidation, fund_change, K_F64, "quote"),
    FIELD(out_liquidation, notional_cash, K_I64, "cash units"),
    FIELD(out_liquidation, fee_cash, K_I64, "cash units"),
    FIELD(out_liquidation, fund_change_cash, K_I64, "cash units"),
};

static const out_field funding_fields[] = {
    FIELD(out_funding, time_s, K_F64, "s"),
    FIELD(out_funding, time_utc_ms, K_I64, "ms since the Unix epoch"),
    FIELD(out_funding, rate, K_F64, "fraction"),
    FIELD(out_funding, rate_e8, K_I64, "1e-8"),
    FIELD(out_funding, avg_premium, K_F64, "fraction"),
    FIELD(out_funding, samples, K_I64, "1"),
    FIELD(out_funding, price, K_F64, "quote/base"),
    FIELD(out_funding, long_lots, K_I64, "lots"),
    FIELD(out_funding, longs_paid, K_F64, "quote"),
    FIELD(out_funding, shorts_received, K_F64, "quote"),
    FIELD(out_funding, longs_paid_cash, K_I64, "cash units"),
    FIELD(out_funding, shorts_received_cash, K_I64, "cash units"),
    FIELD(out_funding, residual_cash, K_I64, "cash units"),
    FIELD(out_funding, positions, K_U32, "1"),
};

static const out_field adl_fields[] = {
    FIELD(out_adl, time_s, K_F64, "s"),
    FIELD(out_adl, bankrupt, K_U32, "account id"),
    FIELD(out_adl, counterparty, K_U32, "account id"),
    FIELD(out_adl, side, K_I8, "1 long, -1 short"),
    FIELD(out_adl, lots, K_I64, "lots"),
    FIELD(out_adl, notional, K_F64, "quote"),
    FIELD(out_adl, price, K_F64, "quote/base"),
    FIELD(out_adl, notional_cash, K_I64, "cash units"),
};

static const out_field trade_fields[] = {
    FIELD(out_trade, time_s, K_F64, "s"),
    FIELD(out_trade, price, K_F64, "quote/base"),
    FIELD(out_trade, size, K_I64, "lots"),
    FIELD(out_trade, maker_owner, K_U32, "account id"),
    FIELD(out_trade, taker_owner, K_U32, "account id"),
    FIELD(out_trade, taker_side, K_I8, "1 buy, -1 sell"),
    FIELD(out_trade, is_liquidation, K_U8, "1"),
};

static const out_field policy_fields[] = {
    FIELD(out_policy, time_s, K_F64, "s"),
    FIELD(out_policy, policy, K_U8, "index into the attribute policies"),
    FIELD(out_policy, action, K_U8, "index into the attribute actions"),
    FIELD(out_policy, account, K_U32, "account id, 4294967295 for none"),
    FIELD(out_policy, value, K_F64, "per action (scenarios/README.md)"),
};

static const struct {
    const char *name;
    const out_field *fields;
    size_t nfields;
    size_t size;
    size_t chunk;
    const char *what; /* its `description` attribute */
} schema[T_COUNT] = {
    [T_LIQUIDATIONS] = {"liquidations", liquidation_fields,
                        COUNT(liquidation_fields), sizeof(out_liquidation),
                        OUTPUT_CHUNK,
                        "one row per liquidation step: the account, the "
                        "side of its position, where it was closed (route) "
                        "and at what price, the fee and the insurance "
                        "fund's change"},
    [T_FUNDING] = {"funding", funding_fields, COUNT(funding_fields),
                   sizeof(out_funding), OUTPUT_FUNDING_CHUNK,
                   "one row per funding settlement: the rate, the average "
                   "premium it came from, and what longs paid and shorts "
                   "received"},
    [T_ADL] = {"adl", adl_fields, COUNT(adl_fields), sizeof(out_adl),
               OUTPUT_CHUNK,
               "one row per auto-deleveraging fill: the bankrupt account, "
               "the counterparty closed against it, the size and price"},
    [T_TRADES] = {"trades", trade_fields, COUNT(trade_fields),
                  sizeof(out_trade), OUTPUT_CHUNK,
                  "one row per fill of the book: price, size, maker, taker "
                  "and whether the taker was a liquidation"},
    [T_POLICY] = {"policy", policy_fields, COUNT(policy_fields),
                  sizeof(out_policy), OUTPUT_CHUNK,
                  "one row per intervention of a venue risk policy: which "
                  "policy, what it did (action), the account concerned and "
                  "a value whose meaning the action gives"},
};

/* Tables only some venues have: trades where asked, policy where the venue
 * has risk policies (output_add_policies makes it). */
static int table_absent(const out_venue *v, int t)
{
    return (t == T_TRADES && !v->trades)
           || (t == T_POLICY && !v->table[T_POLICY].buf);
}

/* ---- HDF5's error stack ------------------------------------------------- */

/* ---- closing ------------------------------------------------------------ */

static void close_id(hid_t *id, herr_t (*fn)(hid_t))
{
    if (*id >= 0)
        fn(*id);
    *id = H5I_INVALID_HID;
}

static void venue_close(out_venue *v)
{
    for (int i = 0; i < METRICS_SERIES_COUNT; i++)
        close_id(&v->series[i], H5Dclose);
    for (int i = 0; i < METRICS_AUDIT_COUNT; i++)
        close_id(&v->audit[i], H5Dclose);
    for (int t = 0; t < T_COUNT; t++)
        close_id(&v->table[t].dset, H5Dclose);
}

/* Closes every handle; returns H5Fclose's status (0 when already closed). */
static herr_t output_close(output *o)
{
    for (size_t i = 0; i < o->nv; i++)
        venue_close(&o->v[i]);
    close_id(&o->venues, H5Gclose);
    close_id(&o->str_type, H5Tclose);
    close_id(&o->route_type, H5Tclose);
    for (int t = 0; t < T_COUNT; t++) {
        close_id(&o->mem_type[t], H5Tclose);
        close_id(&o->file_type[t], H5Tclose);
    }
    close_id(&o->dcpl_rows, H5Pclose);
    close_id(&o->dcpl_funding, H5Pclose);
    herr_t rc = 0;
    if (o->file >= 0)
        rc = H5Fclose(o->file);
    o->file = H5I_INVALID_HID;
    return rc;
}

static void output_free(output *o)
{
    for (size_t i = 0; i < o->nv; i++) {
        free(o->v[i].rows);
        for (int t = 0; t < T_COUNT; t++)
            free(o->v[i].table[t].buf);
    }
    free(o->v);
    free(o->scratch);
    free(o->path);
    if (o->part)
        cleanup_forget_file(o->part);
    if (o->part_fd >= 0)
        close(o->part_fd);
    free(o->part);
    free(o);
}

int output_fail(output *o, perr *e, const char *fmt, ...)
{
    char what[256], reason[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    h5u_reason(reason, sizeof reason);
    perr_set(e, PERR_IO, "%s: %s (%s)", o->part, what, reason);
    output_close(o);
    H5Eclear2(H5E_DEFAULT);
    remove(o->part);
    o->failed = 1;
    return PERR_IO;
}

static int output_usable(const output *o, perr *e)
{
    if (!o)
        return perr_set(e, PERR_STATE, "output: no output");
    if (o->failed)
        return perr_set(e, PERR_STATE,
                        "%s: an earlier write failed; the file is gone",
                        o->part);
    return 0;
}

/* ---- attributes --------------------------------------------------------- */

/* ---- open --------------------------------------------------------------- */

/* The HDF5 type of a field of kind k: the native one of the struct in
 * memory, or the standard little-endian one of the file. */
static hid_t kind_type(const output *o, out_kind k, int in_file)
{
    switch (k) {
    case K_F64: return in_file ? H5T_IEEE_F64LE : H5T_NATIVE_DOUBLE;
    case K_I64: return in_file ? H5T_STD_I64LE : H5T_NATIVE_INT64;
    case K_U32: return in_file ? H5T_STD_U32LE : H5T_NATIVE_UINT32;
    case K_I8: return in_file ? H5T_STD_I8LE : H5T_NATIVE_INT8;
    case K_U8: return in_file ? H5T_STD_U8LE : H5T_NATIVE_UINT8;
    case K_ROUTE: return o->route_type;
    }
    return H5I_INVALID_HID;
}

/* Claims o's part file, the first of "<path>.part", "<path>.2.part",
 * "<path>.3.part" ... that no live process holds (cleanup_claim_file: an
 * exclusive lock held until the output is freed), so no two processes
 * (two shells, two shards, two hosts sharing the disk) ever write into one
 * part file, and the part file of a run that was killed is taken over
 * rather than left beside a new one. HDF5's own file locking is switched
 * off for the file (the claim is the lock). The open also gives a folder
 * that is not there one line (HDF5's message is a paragraph). */
static int create_part(output *o, size_t len, perr *e)
{
    for (int n = 1; n <= OUTPUT_PART_TRIES; n++) {
        if (n == 1)
            snprintf(o->part, len + OUTPUT_PART_EXTRA, "%s.part", o->path);
        else
            snprintf(o->part, len + OUTPUT_PART_EXTRA, "%s.%d.part", o->path,
                     n);
        o->part_fd = cleanup_claim_file(o->part);
        if (o->part_fd >= 0)
            return 0;
        if (errno != EWOULDBLOCK)
            return perr_set(e, PERR_IO, "%s: cannot create: %s", o->part,
                            strerror(errno));
    }
    return perr_set(e, PERR_IO,
                    "%s: cannot create: %d processes are writing this "
                    "result already",
                    o->part, OUTPUT_PART_TRIES);
}

hid_t output_compound(const output *o, const out_field *fields, size_t n,
                      size_t mem_size, int in_file)
{
    size_t size = mem_size;
    if (in_file)
        for (size_t i = size = 0; i < n; i++)
            size += H5Tget_size(kind_type(o, fields[i].kind, 1));
    hid_t type = H5Tcreate(H5T_COMPOUND, size);
    size_t at = 0;
    for (size_t i = 0; type >= 0 && i < n; i++) {
        hid_t ft = kind_type(o, fields[i].kind, in_file);
        if (H5Tinsert(type, fields[i].name, in_file ? at : fields[i].offset,
                      ft) < 0) {
            H5Tclose(type);
            return H5I_INVALID_HID;
        }
        at += H5Tget_size(ft);
    }
    return type;
}

/* Table t's compound type in memory or in the file. */
static hid_t table_type(const output *o, int t, int in_file)
{
    return output_compound(o, schema[t].fields, schema[t].nfields,
                           schema[t].size, in_file);
}

static hid_t make_dcpl(hsize_t chunk)
{
    hid_t p = H5Pcreate(H5P_DATASET_CREATE);
    if (p < 0)
        return p;
    if (H5Pset_chunk(p, 1, &chunk) < 0 || H5Pset_shuffle(p) < 0
        || H5Pset_deflate(p, OUTPUT_DEFLATE) < 0
        || H5Pset_obj_track_times(p, 0) < 0) {
        H5Pclose(p);
        return H5I_INVALID_HID;
    }
    return p;
}

static int write_metadata(output *o, const output_meta *m, perr *e)
{
    hid_t root = o->file;
    int32_t version = OUTPUT_FORMAT_VERSION;
    char start[48];
    utc_format(m->start_utc_ms, start, sizeof start);
    size_t len = 1;
    for (size_t i = 0; i < m->n_sets; i++)
        len += strlen(m->sets[i]) + 1;
    char *sets = malloc(len);
    if (!sets)
        return output_fail(o, e, "no memory for the --set list");
    sets[0] = '\0';
    for (size_t i = 0, at = 0; i < m->n_sets; i++)
        at += (size_t)sprintf(sets + at, "%s%s", i ? "\n" : "", m->sets[i]);
    int bad = h5u_attr_scalar(root, "format_version", H5T_STD_I32LE, &version) < 0
              || h5u_attr_string(root, "description", o->str_type,
                                 "a perpsim run: the scenario as run "
                                 "(/scenario), per venue its series on the "
                                 "output grid (/venues/<v>/series, over the "
                                 "dimension scale t), its ledger's exact "
                                 "totals (audit) and its event tables "
                                 "(events), and the run's summary metrics "
                                 "(/summary)") < 0
              || h5u_attr_string(root, "perpsim_version", o->str_type, version_string) < 0
              || h5u_attr_string(root, "perpsim_revision", o->str_type, version_revision) < 0
              || h5u_attr_string(root, "scenario", o->str_type, m->scenario_name) < 0
              || h5u_attr_string(root, "source", o->str_type, m->source) < 0
              || h5u_attr_string(root, "sets", o->str_type, sets) < 0
              || h5u_attr_scalar(root, "seed", H5T_STD_U64LE, &m->seed) < 0
              || h5u_attr_string(root, "start_utc", o->str_type, start) < 0
              || h5u_attr_scalar(root, "start_utc_ms", H5T_STD_I64LE,
                             &m->start_utc_ms) < 0
              || h5u_attr_scalar(root, "duration_ms", H5T_STD_I64LE,
                             &m->duration_ms) < 0;
    free(sets);
    if (bad)
        return output_fail(o, e, "cannot write the root attributes");

    hid_t s = H5Screate(H5S_SCALAR);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t d = s < 0 || dcpl < 0 || H5Pset_obj_track_times(dcpl, 0) < 0
                  ? H5I_INVALID_HID
                  : H5Dcreate2(root, "scenario", o->str_type, s, H5P_DEFAULT,
                               dcpl, H5P_DEFAULT);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    const char *text = m->resolved ? m->resolved : "";
    herr_t rc = d < 0 ? -1
                      : H5Dwrite(d, o->str_type, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                 &text);
    h5u_close(d);
    h5u_close(s);
    if (rc < 0)
        return output_fail(o, e, "cannot write /scenario");
    return 0;
}

output *output_open(const char *path, const output_meta *meta, int overwrite,
                    perr *e)
{
    if (!path || !*path || !meta) {
        perr_set(e, PERR_INVALID, "output: no path or no metadata");
        return NULL;
    }
    struct stat st;
    if (!overwrite && stat(path, &st) == 0) {
        perr_set(e, PERR_IO,
                 "%s: already exists; refusing to overwrite it (--force "
                 "does)",
                 path);
        return NULL;
    }
    output *o = calloc(1, sizeof *o);
    size_t len = strlen(path);
    if (o) {
        o->part_fd = -1;
        o->path = malloc(len + 1);
        o->part = malloc(len + OUTPUT_PART_EXTRA);
        o->scratch = malloc(OUTPUT_CHUNK * sizeof *o->scratch);
    }
    if (!o || !o->path || !o->part || !o->scratch) {
        if (o)
            output_free(o);
        perr_set(e, PERR_NOMEM, "%s: no memory for the output", path);
        return NULL;
    }
    memcpy(o->path, path, len + 1);
    o->overwrite = overwrite;
    o->file = o->venues = o->str_type = o->route_type = H5I_INVALID_HID;
    o->dcpl_rows = o->dcpl_funding = H5I_INVALID_HID;
    for (int t = 0; t < T_COUNT; t++)
        o->mem_type[t] = o->file_type[t] = H5I_INVALID_HID;

    if (create_part(o, len, e) != 0) {
        output_free(o);
        return NULL;
    }

    h5u_quiet q;
    h5u_quiet_begin(&q);
    int rc = 0;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    unsigned order = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
    if (fapl < 0 || fcpl < 0
        || H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) < 0
        || H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0
        || H5Pset_file_locking(fapl, 0, 1) < 0
        || H5Pset_attr_creation_order(fcpl, order) < 0
        || H5Pset_link_creation_order(fcpl, order) < 0
        || H5Pset_obj_track_times(fcpl, 0) < 0
        || (o->file = H5Fcreate(o->part, H5F_ACC_TRUNC, fcpl, fapl)) < 0)
        rc = output_fail(o, e, "cannot create the file");
    h5u_close(fapl);
    h5u_close(fcpl);

    if (!rc) {
        o->str_type = h5u_string_type();
        if (o->str_type < 0)
            rc = output_fail(o, e, "cannot make the string type");
    }
    if (!rc) {
        o->route_type = H5Tenum_create(H5T_NATIVE_UINT8);
        for (uint8_t r = VENUE_BY_BOOK; !rc && r <= VENUE_BY_ADL; r++)
            if (o->route_type < 0
                || H5Tenum_insert(o->route_type,
                                  venue_route_name((venue_route)r), &r) < 0)
                rc = output_fail(o, e, "cannot make the route type");
    }
    for (int t = 0; !rc && t < T_COUNT; t++) {
        o->mem_type[t] = table_type(o, t, 0);
        o->file_type[t] = table_type(o, t, 1);
        if (o->mem_type[t] < 0 || o->file_type[t] < 0)
            rc = output_fail(o, e, "cannot make the type of %s",
                             schema[t].name);
    }
    if (!rc) {
        o->dcpl_rows = make_dcpl(OUTPUT_CHUNK);
        o->dcpl_funding = make_dcpl(OUTPUT_FUNDING_CHUNK);
        if (o->dcpl_rows < 0 || o->dcpl_funding < 0)
            rc = output_fail(o, e, "cannot set up chunking and compression");
    }
    if (!rc)
        rc = write_metadata(o, meta, e);
    if (!rc && (o->venues = h5u_make_group(o->file, "venues")) < 0)
        rc = output_fail(o, e, "cannot create /venues");
    h5u_quiet_end(&q);
    if (rc) {
        output_free(o);
        return NULL;
    }
    return o;
}

/* ---- venues ------------------------------------------------------------- */

/* unit with each whole word "quote" or "base" replaced by p's currency,
 * into buf (size bytes, cut short if it must be). */
static void name_unit(const profile *p, const char *unit, char *buf,
                      size_t size)
{
    size_t at = 0;
    buf[0] = '\0';
    for (const char *c = unit; *c && at + 1 < size;) {
        size_t word = strspn(c, "abcdefghijklmnopqrstuvwxyz");
        const char *say = NULL;
        if (word == 5 && strncmp(c, "quote", 5) == 0)
            say = p->quote;
        else if (word == 4 && strncmp(c, "base", 4) == 0)
            say = p->base;
        int n = say ? snprintf(buf + at, size - at, "%s", say)
                    : snprintf(buf + at, size - at, "%.*s",
                               (int)(word ? word : 1), c);
        at += (size_t)n < size - at ? (size_t)n : size - at - 1;
        c += word ? word : 1;
    }
}

herr_t output_units(const output *o, hid_t d, const profile *p,
                    const char *const *units, size_t n)
{
    enum { MAX_FIELDS = 16, UNIT_MAX = 80 };
    char named[MAX_FIELDS][UNIT_MAX];
    const char *say[MAX_FIELDS];
    size_t count = n ? n : 1;
    if (count > MAX_FIELDS)
        return -1;
    for (size_t i = 0; i < count; i++) {
        name_unit(p, units[i], named[i], UNIT_MAX);
        say[i] = named[i];
    }
    return n ? h5u_attr_array(d, "units", o->str_type, n, say)
             : h5u_attr_scalar(d, "units", o->str_type, &say[0]);
}

static hid_t make_column(const output *o, hid_t group, const char *name,
                         hid_t type, hid_t dcpl, const profile *p,
                         const char *const *units, size_t nunits)
{
    hsize_t zero = 0, unlimited = H5S_UNLIMITED;
    hid_t s = H5Screate_simple(1, &zero, &unlimited);
    if (s < 0)
        return s;
    hid_t d = H5Dcreate2(group, name, type, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Sclose(s);
    if (d < 0)
        return d;
    if (output_units(o, d, p, units, nunits) < 0) {
        H5Dclose(d);
        return H5I_INVALID_HID;
    }
    return d;
}

/* Makes series/t the dimension scale of the output grid (H5DS) and attaches
 * it to every other series and audit column, so that a reader (h5py's
 * dims, HDFView, xarray) finds each column's time axis in the file. */
static herr_t attach_time(out_venue *v)
{
    hid_t t = v->series[METRICS_T];
    if (H5DSset_scale(t, "t") < 0)
        return -1;
    for (int i = 0; i < METRICS_SERIES_COUNT; i++)
        if (i != METRICS_T && H5DSattach_scale(v->series[i], t, 0) < 0)
            return -1;
    for (int i = 0; i < METRICS_AUDIT_COUNT; i++)
        if (H5DSattach_scale(v->audit[i], t, 0) < 0)
            return -1;
    return 0;
}

static int venue_build(output *o, out_venue *v, perr *e)
{
    hid_t g = h5u_make_group(o->venues, v->name);
    if (g < 0)
        return output_fail(o, e, "cannot create /venues/%s", v->name);
    const profile *p = v->p;
    double cash_unit = param_decimal_value(p->cash_unit);
    double tick = param_decimal_value(p->tick);
    double lot = param_decimal_value(p->lot);
    const char *where = "its attributes";
    /* The columns on the output grid: one group of each kind of value. */
    const struct {
        const char *name;
        int count;
        hid_t type;
        hid_t *columns;
        const char *(*column_name)(int);
        const char *(*column_unit)(int);
        const char *(*column_what)(int);
    } grid[2] = {
        {"series", METRICS_SERIES_COUNT, H5T_IEEE_F64LE, v->series,
         metrics_series_name, metrics_series_unit, metrics_series_what},
        {"audit", METRICS_AUDIT_COUNT, H5T_STD_I64LE, v->audit,
         metrics_audit_name, metrics_audit_unit, metrics_audit_what},
    };
    hid_t groups[2] = {H5I_INVALID_HID, H5I_INVALID_HID},
          events = H5I_INVALID_HID;
    int bad = h5u_attr_string(g, "profile", o->str_type, p->name) < 0
              || h5u_attr_string(g, "quote_currency", o->str_type, p->quote) < 0
              || h5u_attr_string(g, "base_currency", o->str_type, p->base) < 0
              || h5u_attr_scalar(g, "cash_unit", H5T_IEEE_F64LE, &cash_unit) < 0
              || h5u_attr_scalar(g, "tick_size", H5T_IEEE_F64LE, &tick) < 0
              || h5u_attr_scalar(g, "lot_size", H5T_IEEE_F64LE, &lot) < 0
              || h5u_attr_scalar(g, "cash_per_tick_lot", H5T_STD_I64LE,
                             &p->cash_per_tick_lot) < 0;
    for (int k = 0; !bad && k < 2; k++) {
        where = grid[k].name;
        bad = (groups[k] = h5u_make_group(g, where)) < 0;
        for (int i = 0; !bad && i < grid[k].count; i++) {
            const char *unit = grid[k].column_unit(i);
            where = grid[k].column_name(i);
            grid[k].columns[i] = make_column(o, groups[k], where,
                                             grid[k].type, o->dcpl_rows, p,
                                             &unit, 0);
            bad = grid[k].columns[i] < 0
                  || h5u_attr_string(grid[k].columns[i], "description",
                                     o->str_type, grid[k].column_what(i)) < 0;
        }
    }
    if (!bad) {
        where = "the dimension scale t";
        bad = attach_time(v) < 0;
    }
    if (!bad) {
        where = "events";
        bad = (events = h5u_make_group(g, "events")) < 0;
    }
    for (int t = 0; !bad && t < T_COUNT; t++) {
        if (table_absent(v, t))
            continue;
        const char *units[16];
        for (size_t i = 0; i < schema[t].nfields; i++)
            units[i] = schema[t].fields[i].unit;
        where = schema[t].name;
        v->table[t].dset =
            make_column(o, events, where, o->file_type[t],
                        t == T_FUNDING ? o->dcpl_funding : o->dcpl_rows, p,
                        units, schema[t].nfields);
        bad = v->table[t].dset < 0
              || h5u_attr_string(v->table[t].dset, "description", o->str_type,
                                 schema[t].what) < 0;
    }
    for (int k = 0; k < 2; k++)
        if (groups[k] >= 0)
            H5Gclose(groups[k]);
    if (events >= 0)
        H5Gclose(events);
    H5Gclose(g);
    if (bad)
        return output_fail(o, e, "cannot create /venues/%s: %s", v->name,
                           where);
    return 0;
}

int output_add_venue(output *o, const char *name, const profile *p,
                     int trades, perr *e)
{
    int rc = output_usable(o, e);
    if (rc)
        return rc;
    if (o->rows_started)
        return perr_set(e, PERR_STATE,
                        "%s: venue %s added after the first row", o->part,
                        name);
    if (!p || !name || !*name || strlen(name) >= sizeof o->v->name
        || strchr(name, '/') || strcmp(name, ".") == 0)
        return perr_set(e, PERR_INVALID,
                        "%s: '%s' cannot name a venue (1 to 63 characters, "
                        "no '/')",
                        o->part, name ? name : "");
    for (size_t i = 0; i < o->nv; i++)
        if (strcmp(o->v[i].name, name) == 0)
            return perr_set(e, PERR_INVALID, "%s: venue %s added twice",
                            o->part, name);
    out_venue *venues = grow_for_one(o->v, o->nv, &o->capv, sizeof *venues,
                                     4);
    if (!venues)
        return perr_set(e, PERR_NOMEM, "%s: no memory for venue %s", o->part,
                        name);
    o->v = venues;
    out_venue *v = &o->v[o->nv];
    memset(v, 0, sizeof *v);
    for (int i = 0; i < METRICS_SERIES_COUNT; i++)
        v->series[i] = H5I_INVALID_HID;
    for (int i = 0; i < METRICS_AUDIT_COUNT; i++)
        v->audit[i] = H5I_INVALID_HID;
    for (int t = 0; t < T_COUNT; t++)
        v->table[t].dset = H5I_INVALID_HID;
    snprintf(v->name, sizeof v->name, "%s", name);
    v->p = p;
    v->trades = trades != 0;
    o->nv++; /* from here on output_close and output_free see it */
    v->rows = malloc(OUTPUT_CHUNK * sizeof *v->rows);
    for (int t = 0; v->rows && t < T_COUNT; t++) {
        if (t == T_POLICY || table_absent(v, t))
            continue;
        v->table[t].buf = malloc(schema[t].chunk * schema[t].size);
        if (!v->table[t].buf)
            break;
    }
    int short_of_memory = !v->rows || !v->table[T_LIQUIDATIONS].buf
                          || !v->table[T_FUNDING].buf || !v->table[T_ADL].buf
                          || (v->trades && !v->table[T_TRADES].buf);
    if (short_of_memory) {
        free(v->rows);
        for (int t = 0; t < T_COUNT; t++)
            free(v->table[t].buf);
        o->nv--;
        return perr_set(e, PERR_NOMEM, "%s: no memory for venue %s", o->part,
                        name);
    }
    h5u_quiet q;
    h5u_quiet_begin(&q);
    rc = venue_build(o, v, e);
    h5u_quiet_end(&q);
    return rc ? rc : (int)(o->nv - 1);
}

/* ---- appending ---------------------------------------------------------- */

/* Writes n rows of data (in type) at row `at` of d, growing it. */
static herr_t append_rows(hid_t d, hid_t type, hsize_t at, size_t n,
                          const void *data)
{
    hsize_t size = at + n, count = n;
    if (H5Dset_extent(d, &size) < 0)
        return -1;
    hid_t fs = H5Dget_space(d);
    if (fs < 0)
        return -1;
    hid_t ms = H5Screate_simple(1, &count, NULL);
    herr_t rc = -1;
    if (ms >= 0
        && H5Sselect_hyperslab(fs, H5S_SELECT_SET, &at, NULL, &count, NULL)
               >= 0)
        rc = H5Dwrite(d, type, ms, fs, H5P_DEFAULT, data);
    if (ms >= 0)
        H5Sclose(ms);
    H5Sclose(fs);
    return rc;
}

static int flush_series(output *o, out_venue *v, perr *e)
{
    if (v->nrows == 0)
        return 0;
    for (int i = 0; i < METRICS_SERIES_COUNT; i++) {
        for (size_t r = 0; r < v->nrows; r++)
            o->scratch[r] = v->rows[r].series[i];
        if (append_rows(v->series[i], H5T_NATIVE_DOUBLE, v->written, v->nrows,
                        o->scratch) < 0)
            return output_fail(o, e, "cannot write /venues/%s/series/%s",
                               v->name, metrics_series_name(i));
    }
    int64_t *column = (int64_t *)(void *)o->scratch;
    for (int i = 0; i < METRICS_AUDIT_COUNT; i++) {
        for (size_t r = 0; r < v->nrows; r++)
            column[r] = v->rows[r].audit[i];
        if (append_rows(v->audit[i], H5T_NATIVE_INT64, v->written, v->nrows,
                        column) < 0)
            return output_fail(o, e, "cannot write /venues/%s/audit/%s",
                               v->name, metrics_audit_name(i));
    }
    v->written += v->nrows;
    v->nrows = 0;
    return 0;
}

static int flush_table(output *o, out_venue *v, int t, perr *e)
{
    out_table *tb = &v->table[t];
    if (tb->nbuf == 0)
        return 0;
    if (append_rows(tb->dset, o->mem_type[t], tb->rows, tb->nbuf, tb->buf) < 0)
        return output_fail(o, e, "cannot write /venues/%s/events/%s", v->name,
                           schema[t].name);
    tb->rows += tb->nbuf;
    tb->nbuf = 0;
    return 0;
}

out_venue *output_venue_of(output *o, size_t vi, int *rc, perr *e)
{
    *rc = output_usable(o, e);
    if (*rc)
        return NULL;
    if (vi >= o->nv) {
        *rc = perr_set(e, PERR_INVALID, "%s: no venue %zu (%zu added)",
                       o->part, vi, o->nv);
        return NULL;
    }
    return &o->v[vi];
}

int output_append_row(output *o, size_t vi, const metrics_row *row,
                      perr *e)
{
    int rc;
    out_venue *v = output_venue_of(o, vi, &rc, e);
    if (!v)
        return rc;
    o->rows_started = 1;
    v->rows[v->nrows++] = *row;
    if (v->nrows < OUTPUT_CHUNK)
        return 0;
    h5u_quiet q;
    h5u_quiet_begin(&q);
    rc = flush_series(o, v, e);
    h5u_quiet_end(&q);
    return rc;
}

/* The next free row of table t, zeroed (so that no padding byte is left
 * undefined). */
static void *table_row(out_venue *v, int t)
{
    unsigned char *r = v->table[t].buf + v->table[t].nbuf * schema[t].size;
    memset(r, 0, schema[t].size);
    return r;
}

/* Counts the row table_row gave and writes the chunk when it is full. */
static int table_push(output *o, out_venue *v, int t, perr *e)
{
    if (++v->table[t].nbuf < schema[t].chunk)
        return 0;
    h5u_quiet q;
    h5u_quiet_begin(&q);
    int rc = flush_table(o, v, t, e);
    h5u_quiet_end(&q);
    return rc;
}

/* Fills row, a zeroed row of its table, from records[i] of the engine's
 * kind for that table; now is the time (ms) of records that carry none. */
typedef void (*row_fill)(void *row, const profile *p, const void *records,
                         size_t i, int64_t now);

/* Appends n of the engine's records to table t of venue vi, one row each
 * as fill makes it; trades only where the venue records them. */
static int append_records(output *o, size_t vi, int t, row_fill fill,
                          const void *records, size_t n, int64_t now,
                          perr *e)
{
    int rc;
    out_venue *v = output_venue_of(o, vi, &rc, e);
    if (!v)
        return rc;
    if (table_absent(v, t))
        return 0;
    for (size_t i = 0; i < n; i++) {
        fill(table_row(v, t), v->p, records, i, now);
        if ((rc = table_push(o, v, t, e)))
            return rc;
    }
    return 0;
}

static void liquidation_row(void *row, const profile *p, const void *records,
                            size_t i, int64_t now)
{
    const venue_liquidation *l = (const venue_liquidation *)records + i;
    out_liquidation *r = row;
    (void)now;
    r->time_s = (double)l->time / 1000.0;
    r->account = l->account;
    r->side = l->side;
    r->route = l->route;
    r->lots = l->lots;
    r->notional = profile_cash_to_quote(p, l->notional);
    r->avg_price = profile_ticks_to_price(p, l->avg_price);
    r->bankruptcy_price = profile_ticks_to_price(p, l->bankruptcy_price);
    r->fee = profile_cash_to_quote(p, l->fee);
    r->fund_change = profile_cash_to_quote(p, l->fund_change);
    r->notional_cash = l->notional;
    r->fee_cash = l->fee;
    r->fund_change_cash = l->fund_change;
}

int output_append_liquidations(output *o, size_t vi,
                               const venue_liquidation *l, size_t n, perr *e)
{
    return append_records(o, vi, T_LIQUIDATIONS, liquidation_row, l, n, 0, e);
}

static void adl_row(void *row, const profile *p, const void *records,
                    size_t i, int64_t now)
{
    const venue_adl *a = (const venue_adl *)records + i;
    out_adl *r = row;
    (void)now;
    r->time_s = (double)a->time / 1000.0;
    r->bankrupt = a->bankrupt;
    r->counterparty = a->counterparty;
    r->side = a->side;
    r->lots = a->lots;
    r->notional = profile_cash_to_quote(p, a->notional);
    r->price = profile_ticks_to_price(p, a->price);
    r->notional_cash = a->notional;
}

int output_append_adls(output *o, size_t vi, const venue_adl *a, size_t n,
                       perr *e)
{
    return append_records(o, vi, T_ADL, adl_row, a, n, 0, e);
}

static void funding_row(void *row, const profile *p, const void *records,
                        size_t i, int64_t now)
{
    const funding_settlement *f = (const funding_settlement *)records + i;
    const venue_funding *l = &f->ledger;
    out_funding *r = row;
    (void)now;
    r->time_s = (double)f->time / 1000.0;
    r->time_utc_ms = f->time_utc;
    r->rate = (double)l->rate / (double)PROFILE_RATE_ONE;
    r->rate_e8 = l->rate;
    r->avg_premium = f->avg_premium;
    r->samples = f->samples;
    r->price = profile_ticks_to_price(p, (double)l->price);
    r->long_lots = l->long_lots;
    r->longs_paid = profile_cash_to_quote(p, l->longs_paid);
    r->shorts_received = profile_cash_to_quote(p, l->shorts_received);
    r->longs_paid_cash = l->longs_paid;
    r->shorts_received_cash = l->shorts_received;
    r->residual_cash = l->residual;
    r->positions = l->positions;
}

int output_append_funding(output *o, size_t vi,
                          const funding_settlement *f, size_t n, perr *e)
{
    return append_records(o, vi, T_FUNDING, funding_row, f, n, 0, e);
}

static void trade_row(void *row, const profile *p, const void *records,
                      size_t i, int64_t now)
{
    const book_fill *f = (const book_fill *)records + i;
    out_trade *r = row;
    r->time_s = (double)now / 1000.0;
    r->price = profile_ticks_to_price(p, (double)f->price);
    r->size = f->size;
    r->maker_owner = f->maker_owner;
    r->taker_owner = f->taker_owner;
    r->taker_side = f->taker_side;
    r->is_liquidation = f->is_liquidation;
}

int output_append_trades(output *o, size_t vi, int64_t now,
                         const book_fill *f, size_t n, perr *e)
{
    return append_records(o, vi, T_TRADES, trade_row, f, n, now, e);
}

/* ---- risk policies' interventions -------------------------------------- */

/* names, comma-separated, into list (size bytes, cut short if need be). */
static void join_names(const char *const *names, size_t n, char *list,
                       size_t size)
{
    size_t used = 0;
    list[0] = '\0';
    for (size_t i = 0; i < n && names[i] && used < size; i++)
        used += (size_t)snprintf(list + used, size - used, "%s%s",
                                 i ? "," : "", names[i]);
}

int output_add_policies(output *o, size_t vi, const char *const *names,
                        size_t n, perr *e)
{
    int rc;
    out_venue *v = output_venue_of(o, vi, &rc, e);
    if (!v)
        return rc;
    if (v->table[T_POLICY].buf)
        return perr_set(e, PERR_STATE, "%s: the policies of %s added twice",
                        o->part, v->name);
    char list[512], actions[256], where[128];
    join_names(names, n, list, sizeof list);
    join_names(rule_policy_action_names, SIZE_MAX, actions, sizeof actions);
    v->table[T_POLICY].buf = malloc(schema[T_POLICY].chunk
                                    * schema[T_POLICY].size);
    if (!v->table[T_POLICY].buf)
        return perr_set(e, PERR_NOMEM, "%s: no memory for the policies of %s",
                        o->part, v->name);
    snprintf(where, sizeof where, "%s/events", v->name);
    h5u_quiet q;
    h5u_quiet_begin(&q);
    hid_t events = H5Gopen2(o->venues, where, H5P_DEFAULT);
    const char *units[COUNT(policy_fields)];
    for (size_t i = 0; i < COUNT(policy_fields); i++)
        units[i] = policy_fields[i].unit;
    hid_t d = events < 0 ? H5I_INVALID_HID
                         : make_column(o, events, "policy",
                                       o->file_type[T_POLICY], o->dcpl_rows,
                                       v->p, units, COUNT(policy_fields));
    v->table[T_POLICY].dset = d;
    int bad = d < 0
              || h5u_attr_string(d, "description", o->str_type,
                                 schema[T_POLICY].what) < 0
              || h5u_attr_string(d, "policies", o->str_type, list) < 0
              || h5u_attr_string(d, "actions", o->str_type, actions) < 0;
    if (events >= 0)
        H5Gclose(events);
    rc = bad ? output_fail(o, e, "cannot create /venues/%s/events/policy",
                           v->name)
             : 0;
    h5u_quiet_end(&q);
    return rc;
}

static void policy_row(void *row, const profile *p, const void *records,
                       size_t i, int64_t now)
{
    const venue_policy_event *x = (const venue_policy_event *)records + i;
    out_policy *r = row;
    (void)p;
    (void)now;
    r->time_s = (double)x->time / 1000.0;
    r->policy = x->policy;
    r->action = x->action;
    r->account = x->account;
    r->value = x->value;
}

int output_append_policy_events(output *o, size_t vi,
                                const venue_policy_event *x, size_t n,
                                perr *e)
{
    return append_records(o, vi, T_POLICY, policy_row, x, n, 0, e);
}


/* Gives the finished part file its final name, atomically. Without
 * overwrite a hard link is made, which fails when the name exists, so a
 * result that appeared meanwhile (another process finishing the same run)
 * is never replaced; a file system without hard links falls back to a check
 * and a rename. With overwrite, a rename. The part file is gone after. */
static int publish(output *o, perr *e)
{
    int rc = 0;
    if (!o->overwrite) {
        if (link(o->part, o->path) == 0) {
            remove(o->part);
            return 0;
        }
        struct stat st;
        if (errno == EEXIST || stat(o->path, &st) == 0) {
            rc = perr_set(e, PERR_IO,
                          "%s: appeared while the run was writing; refusing "
                          "to overwrite it (--force does)",
                          o->path);
            remove(o->part);
            return rc;
        }
    }
    if (rename(o->part, o->path) != 0) {
        rc = perr_set(e, PERR_IO, "%s: cannot rename to %s: %s", o->part,
                      o->path, strerror(errno));
        remove(o->part);
    }
    return rc;
}

/* ---- commit and abort --------------------------------------------------- */

int output_commit(output *o, const summary *s, perr *e)
{
    int rc = output_usable(o, e);
    if (rc) {
        if (o)
            output_free(o);
        return rc;
    }
    h5u_quiet q;
    h5u_quiet_begin(&q);
    for (size_t i = 0; !rc && i < o->nv; i++) {
        rc = flush_series(o, &o->v[i], e);
        for (int t = 0; !rc && t < T_COUNT; t++)
            if (o->v[i].table[t].dset >= 0)
                rc = flush_table(o, &o->v[i], t, e);
    }
    if (!rc)
        rc = output_write_summary(o, s, e);
    if (!rc && output_close(o) < 0)
        rc = output_fail(o, e, "cannot close the file");
    h5u_quiet_end(&q);
    if (!rc)
        rc = publish(o, e);
    output_free(o);
    return rc;
}

void output_abort(output *o)
{
    if (!o)
        return;
    h5u_quiet q;
    h5u_quiet_begin(&q);
    output_close(o);
    H5Eclear2(H5E_DEFAULT);
    h5u_quiet_end(&q);
    remove(o->part);
    output_free(o);
}
