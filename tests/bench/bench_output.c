/*
 * bench_output: `perpsim bench output`, the cost of writing a run's HDF5
 * file (ARCHITECTURE.md, "Performance budget": writing output under 5% of
 * run time).
 *
 * Options (counts take the shared k, M, G suffixes):
 *   --rows N          series rows per venue (default 86400: a day at 1 s)
 *   --venues N        venues (default 2)
 *   --liquidations N  liquidation records, spread over the venues
 *                     (default 100k)
 *   --dir DIR         where the temporary file goes (default $TMPDIR or /tmp)
 *
 * The rows are made before the clock starts: random walks for the prices,
 * open interest and depth, sparse liquidation flows, so that the shuffle
 * and deflate filters see data shaped like a run's rather than constants.
 * The clock covers output_open to output_commit (the rename included), so
 * the figure is the whole cost a run pays for its file. The file is
 * removed afterwards.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "output.h"
#include "pcg.h"
#include "profile_yaml.h"
#include "wallclock.h"

static void make_rows(metrics_row *rows, size_t n, pcg32 *rng)
{
    double price = 60000, oi = 2.5e9, depth = 4e7;
    for (size_t i = 0; i < n; i++) {
        double *s = rows[i].series;
        price *= 1 + 2e-4 * (pcg32_double(rng) - 0.5);
        oi *= 1 + 1e-4 * (pcg32_double(rng) - 0.5);
        depth *= 1 + 1e-2 * (pcg32_double(rng) - 0.5);
        for (int k = 0; k < METRICS_SERIES_COUNT; k++)
            s[k] = 0;
        s[METRICS_T] = (double)i;
        s[METRICS_INDEX] = price;
        s[METRICS_MARK] = round(price * 10) / 10;
        s[METRICS_LAST] = round(price * 10) / 10 + 0.1;
        s[METRICS_MID] = s[METRICS_LAST] - 0.05;
        s[METRICS_SPREAD_BPS] = 1e4 * 0.1 / price;
        s[METRICS_BID_DEPTH_1PCT] = depth;
        s[METRICS_ASK_DEPTH_1PCT] = depth * 1.1;
        s[METRICS_BID_DEPTH_2PCT] = depth * 1.9;
        s[METRICS_ASK_DEPTH_2PCT] = depth * 2.1;
        s[METRICS_DEPTH_Z] = 4 * (pcg32_double(rng) - 0.5);
        s[METRICS_TAKER_BUY_NOTIONAL] = 1e6 * pcg32_double(rng);
        s[METRICS_TAKER_SELL_NOTIONAL] = 1e6 * pcg32_double(rng);
        s[METRICS_TAKER_BUY_SELL_RATIO] =
            s[METRICS_TAKER_BUY_NOTIONAL] / s[METRICS_TAKER_SELL_NOTIONAL];
        s[METRICS_TAKER_IMBALANCE_Z] = 4 * (pcg32_double(rng) - 0.5);
        s[METRICS_OPEN_INTEREST] = oi;
        s[METRICS_OPEN_INTEREST_Z] = 4 * (pcg32_double(rng) - 0.5);
        if (pcg32_next(rng) % 50 == 0)
            s[METRICS_LIQ_LONG_NOTIONAL] = 1e5 * pcg32_double(rng);
        s[METRICS_PREMIUM_INDEX] = (s[METRICS_MID] - price) / price;
        s[METRICS_FUNDING_RATE] = 1e-4;
        s[METRICS_INSURANCE_FUND] = 1e9;
        rows[i].audit[METRICS_LONG_LOTS] = (int64_t)(oi / price * 1000);
        rows[i].audit[METRICS_SHORT_LOTS] = rows[i].audit[METRICS_LONG_LOTS];
        rows[i].audit[METRICS_CASH_TOTAL] = INT64_C(5000000000000000);
    }
}

static void make_liquidations(venue_liquidation *l, size_t n, size_t rows,
                              pcg32 *rng)
{
    for (size_t i = 0; i < n; i++) {
        memset(&l[i], 0, sizeof l[i]);
        l[i].time = (int64_t)(i * rows * 1000 / n);
        l[i].account = 2 + pcg32_next(rng) % 1000000u;
        l[i].side = pcg32_next(rng) & 1 ? 1 : -1;
        l[i].route = (uint8_t)(pcg32_next(rng) % 4);
        l[i].lots = 1 + pcg32_next(rng) % 5000;
        l[i].avg_price = 600000 + (double)(pcg32_next(rng) % 20000);
        l[i].notional = (int64_t)((double)l[i].lots * l[i].avg_price * 100);
        l[i].bankruptcy_price = l[i].avg_price - 50;
        l[i].fee = l[i].notional / 200;
        l[i].fund_change = l[i].fee;
    }
}

int bench_output(int argc, char **argv, FILE *out, perr *e)
{
    uint64_t rows = 86400, venues = 2, liquidations = 100000;
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    const bench_count counts[] = {{"--rows", &rows},
                                  {"--venues", &venues},
                                  {"--liquidations", &liquidations},
                                  {NULL, NULL}};
    const bench_text texts[] = {{"--dir", &dir}, {NULL, NULL}};
    int rc = bench_options(argc, argv, counts, texts, e);
    if (rc)
        return rc;
    if (venues > 64)
        return perr_set(e, PERR_INVALID, "--venues: at most 64");
    const profile *p = profile_builtin("binance");
    if (!p)
        return perr_set(e, PERR_STATE, "no built-in profile binance");

    metrics_row *row_data = malloc((size_t)rows * sizeof *row_data);
    venue_liquidation *liq = malloc((size_t)liquidations * sizeof *liq);
    if (!row_data || !liq) {
        free(row_data);
        free(liq);
        return perr_set(e, PERR_NOMEM, "no memory for the rows");
    }
    pcg32 rng;
    pcg32_seed_component(&rng, 1, "bench_output");
    make_rows(row_data, (size_t)rows, &rng);
    make_liquidations(liq, (size_t)liquidations, (size_t)rows, &rng);

    char path[4096];
    snprintf(path, sizeof path, "%s/perpsim-bench-output-%ld.h5", dir,
             (long)getpid());
    output_meta meta = {"bench-output", "(generated)", "name: bench-output\n",
                        NULL, 0, 1, INT64_C(1752105600000),
                        (int64_t)rows * 1000};
    summary s = {0};
    rc = summary_add(&s, "bench.rows", (double)rows);

    double t0 = wallclock_seconds();
    output *o = rc ? NULL : output_open(path, &meta, 1, e);
    if (!o)
        rc = rc ? rc : e->code;
    for (uint64_t v = 0; !rc && v < venues; v++) {
        char name[32];
        snprintf(name, sizeof name, "venue%llu", (unsigned long long)v);
        int idx = output_add_venue(o, name, p, 0, e);
        if (idx < 0)
            rc = idx;
    }
    for (uint64_t r = 0; !rc && r < rows; r++)
        for (uint64_t v = 0; !rc && v < venues; v++)
            rc = output_append_row(o, (size_t)v, &row_data[r], e);
    /* Liquidations arrive in small bursts, as a run reports them. */
    for (uint64_t i = 0; !rc && i < liquidations; i += 8) {
        size_t n = liquidations - i < 8 ? (size_t)(liquidations - i) : 8;
        rc = output_append_liquidations(o, (size_t)(i / 8 % venues), liq + i,
                                        n, e);
    }
    if (o) {
        if (rc)
            output_abort(o);
        else
            rc = output_commit(o, &s, e);
    }
    double seconds = wallclock_seconds() - t0;
    summary_free(&s);
    free(row_data);
    free(liq);
    if (rc)
        return rc;

    struct stat st;
    long long bytes = stat(path, &st) == 0 ? (long long)st.st_size : -1;
    remove(path);
    double total_rows = (double)rows * (double)venues;
    fprintf(out, "series_rows: %.0f\n", total_rows);
    fprintf(out, "liquidation_rows: %llu\n", (unsigned long long)liquidations);
    fprintf(out, "bytes: %lld\n", bytes);
    fprintf(out, "bytes_per_series_row: %.1f\n",
            (double)bytes / total_rows);
    fprintf(out, "seconds: %.3f\n", seconds);
    fprintf(out, "share_of_a_60s_run: %.2f%%\n", 100 * seconds / 60);
    fprintf(out, "rows_per_s: %.0f\n",
            (total_rows + (double)liquidations) / seconds);
    return 0;
}
