/*
 * index_replay: the index read from a klines file in the Binance USD-M
 * public-data CSV format (docs/mechanics.md section 5): twelve columns
 *     open_time, open, high, low, close, volume, close_time, quote_volume,
 *     count, taker_buy_volume, taker_buy_quote_volume, ignore
 * with times in ms since the Unix epoch and close_time = open_time +
 * interval - 1 ms; early files have no header row, later ones do. Any
 * interval works (1s to 1M); the same reader takes indexPriceKlines and
 * markPriceKlines files, which share the format.
 *
 * The path. Prices between the recorded points are filled in so that a
 * candle's wicks happen (a liquidation cascade is triggered by the wick, not
 * the close): within each candle the price moves linearly through four
 * knots,
 *     open_time: open -> 1/3 of the way: first extreme
 *                     -> 2/3 of the way: second extreme -> close_time: close,
 * the extremes visited low first when close >= open (a rising candle dips,
 * then rallies past its close) and high first otherwise, the usual
 * assumption of bar-based backtests. From a candle's close_time to the next
 * candle's open_time (1 ms in a gapless file, longer over a gap) it moves
 * linearly from the close to the next open. So each candle's open is
 * reproduced exactly at its open_time and its close exactly at its
 * close_time (a knot's own price is returned unchanged, never
 * interpolated), and the path stays within [low, high] inside a candle.
 *
 * Alignment. The file's epoch times become simulated times by subtracting
 * the scenario start (start_utc_ms). Candles that close before the start
 * are skipped; before the first candle left, its open holds; after the last
 * close, the last close holds.
 *
 * Checks, each reported as "file:line: what": the column count (12, a header
 * too), numbers in the columns read (open_time, open, high, low, close,
 * close_time; the others are counted, not read), prices > 0 with
 * low <= open, close <= high, close_time >= open_time, each open_time after
 * the previous close_time, times in ms (a 16-digit time is microseconds, as
 * Binance's spot files from 2025 use), lines up to 4095 bytes, at least one
 * candle. Blank lines are skipped; the first line is a header when its
 * first field starts with a letter. The file must be a regular file of at
 * most REPLAY_FILE_MAX bytes (textfile.h), and a field quoted back in a
 * message has its unprintable bytes escaped.
 *
 * State: the knots (time, price) of the candles kept, 64 bytes a candle,
 * and a cursor: the path is asked at non-decreasing times, so finding the
 * segment costs O(1) amortized.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "index_model.h"
#include "textfile.h"

#define REPLAY_COLUMNS 12
#define REPLAY_LINE_MAX 4096
/* The largest klines file read: a year of 1-second candles of about 130
 * bytes a line is 4 GB, which the knots (64 bytes a candle) would hold in
 * 2 GB; 1 GiB is a year of 1-minute candles fifteen times over. */
#define REPLAY_FILE_MAX ((size_t)1 << 30)
/* 1e14 ms is the year 5138; a time this large is in microseconds. */
#define REPLAY_MICROSECONDS_FROM INT64_C(100000000000000)

static const char *const replay_column[REPLAY_COLUMNS] = {
    "open_time", "open", "high", "low", "close", "volume", "close_time",
    "quote_volume", "count", "taker_buy_volume", "taker_buy_quote_volume", "ignore",
};

enum { COL_OPEN_TIME, COL_OPEN, COL_HIGH, COL_LOW, COL_CLOSE, COL_VOLUME, COL_CLOSE_TIME };

typedef struct replay {
    int64_t *t; /* ms since the scenario start, non-decreasing */
    double *price;
    size_t count, cap;
    size_t cursor; /* t[cursor] <= the last time asked, once past t[0] */
} replay;

/* What a parse of one file needs to report an error. */
typedef struct replay_reader {
    const char *file;
    int line;
    perr *e;
} replay_reader;

static int replay_fail(const replay_reader *rd, const char *what, const char *detail)
{
    return perr_set(rd->e, PERR_INVALID, "%s:%d: %s%s", rd->file, rd->line, what,
                    detail);
}

static int replay_check(const index_params *p, perr *e)
{
    if (!p->file || !p->file[0])
        return perr_set(e, PERR_INVALID, "index.file: a replay index needs a klines file");
    if (p->start_utc_ms < 0)
        return perr_set(e, PERR_INVALID,
                        "index: the replay start must be at or after 1970-01-01 (got %lld "
                        "ms)",
                        (long long)p->start_utc_ms);
    return PERR_OK;
}

static void replay_release(void *state)
{
    replay *r = state;
    free(r->t);
    free(r->price);
}

static int replay_push(replay *r, int64_t t, double price)
{
    /* Two columns of one capacity: it grows once both have. */
    size_t t_cap = r->cap, p_cap = r->cap;
    int64_t *t_grown = grow_for_one(r->t, r->count, &t_cap, sizeof *t_grown,
                                    256);
    if (!t_grown)
        return PERR_NOMEM;
    r->t = t_grown;
    double *p_grown = grow_for_one(r->price, r->count, &p_cap,
                                   sizeof *p_grown, 256);
    if (!p_grown)
        return PERR_NOMEM;
    r->price = p_grown;
    r->cap = p_cap;
    r->t[r->count] = t;
    r->price[r->count] = price;
    r->count++;
    return PERR_OK;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

static int replay_parse_time(const replay_reader *rd, char *field, int col, int64_t *out)
{
    char *s = trim(field);
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    char what[64], detail[160];
    snprintf(what, sizeof what, "column %d (%s): ", col + 1, replay_column[col]);
    if (end == s || *end != '\0' || errno == ERANGE || v < 0) {
        char shown[48];
        textfile_shown(s, SIZE_MAX, shown, sizeof shown);
        snprintf(detail, sizeof detail, "'%s' is not a time in ms", shown);
        return replay_fail(rd, what, detail);
    }
    if (v >= REPLAY_MICROSECONDS_FROM) {
        snprintf(detail, sizeof detail,
                 "%lld looks like microseconds (Binance spot files from 2025 use "
                 "them); klines times must be in ms",
                 v);
        return replay_fail(rd, what, detail);
    }
    *out = v;
    return PERR_OK;
}

static int replay_parse_price(const replay_reader *rd, char *field, int col, double *out)
{
    char *s = trim(field);
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    char what[64], detail[96];
    snprintf(what, sizeof what, "column %d (%s): ", col + 1, replay_column[col]);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v)) {
        char shown[48];
        textfile_shown(s, SIZE_MAX, shown, sizeof shown);
        snprintf(detail, sizeof detail, "'%s' is not a number", shown);
        return replay_fail(rd, what, detail);
    }
    if (v <= 0) {
        snprintf(detail, sizeof detail, "%.40s is not a price > 0", s);
        return replay_fail(rd, what, detail);
    }
    *out = v;
    return PERR_OK;
}

/* Splits line at commas into at most REPLAY_COLUMNS fields; returns the
 * number of fields the line has (which may be more). */
static int replay_split(char *line, char *fields[REPLAY_COLUMNS])
{
    int n = 0;
    char *s = line;
    for (;;) {
        char *comma = strchr(s, ',');
        if (n < REPLAY_COLUMNS)
            fields[n] = s;
        n++;
        if (!comma)
            return n;
        *comma = '\0';
        s = comma + 1;
    }
}

static int replay_wrong_columns(const replay_reader *rd, int found, bool header)
{
    char detail[256];
    snprintf(detail, sizeof detail,
             "%s has %d columns; a klines file has 12 (open_time, open, high, low, "
             "close, volume, close_time, quote_volume, count, taker_buy_volume, "
             "taker_buy_quote_volume, ignore)",
             header ? "the header" : "the line", found);
    return replay_fail(rd, "", detail);
}

typedef struct replay_candle {
    int64_t open_time, close_time;
    double open, high, low, close;
} replay_candle;

static int replay_parse_candle(const replay_reader *rd, char *fields[REPLAY_COLUMNS],
                               replay_candle *c)
{
    int rc = replay_parse_time(rd, fields[COL_OPEN_TIME], COL_OPEN_TIME, &c->open_time);
    if (rc == PERR_OK)
        rc = replay_parse_price(rd, fields[COL_OPEN], COL_OPEN, &c->open);
    if (rc == PERR_OK)
        rc = replay_parse_price(rd, fields[COL_HIGH], COL_HIGH, &c->high);
    if (rc == PERR_OK)
        rc = replay_parse_price(rd, fields[COL_LOW], COL_LOW, &c->low);
    if (rc == PERR_OK)
        rc = replay_parse_price(rd, fields[COL_CLOSE], COL_CLOSE, &c->close);
    if (rc == PERR_OK)
        rc = replay_parse_time(rd, fields[COL_CLOSE_TIME], COL_CLOSE_TIME, &c->close_time);
    if (rc != PERR_OK)
        return rc;
    char detail[160];
    if (c->close_time < c->open_time) {
        snprintf(detail, sizeof detail, "close_time %lld is before open_time %lld",
                 (long long)c->close_time, (long long)c->open_time);
        return replay_fail(rd, "", detail);
    }
    if (c->high < c->open || c->high < c->close || c->low > c->open || c->low > c->close) {
        snprintf(detail, sizeof detail,
                 "the candle is inconsistent: need low <= open, close <= high (open %.10g, "
                 "high %.10g, low %.10g, close %.10g)",
                 c->open, c->high, c->low, c->close);
        return replay_fail(rd, "", detail);
    }
    return PERR_OK;
}

/* The four knots of candle c, its times made relative to start. */
static int replay_add_candle(replay *r, const replay_candle *c, int64_t start)
{
    int64_t t0 = c->open_time - start, t1 = c->close_time - start;
    int64_t span = t1 - t0;
    bool rising = c->close >= c->open;
    double first = rising ? c->low : c->high;
    double second = rising ? c->high : c->low;
    int rc = replay_push(r, t0, c->open);
    if (rc == PERR_OK)
        rc = replay_push(r, t0 + span / 3, first);
    if (rc == PERR_OK)
        rc = replay_push(r, t0 + 2 * span / 3, second);
    if (rc == PERR_OK)
        rc = replay_push(r, t1, c->close);
    return rc;
}

static int replay_load(replay *r, FILE *f, const index_params *p, perr *e)
{
    replay_reader rd = {.file = p->file, .line = 0, .e = e};
    char buf[REPLAY_LINE_MAX];
    bool seen_line = false, seen_header = false, have_prev = false;
    int64_t prev_close = 0;
    int last_candle_line = 0;
    while (fgets(buf, sizeof buf, f)) {
        rd.line++;
        size_t len = strlen(buf);
        if (len == sizeof buf - 1 && buf[len - 1] != '\n' && !feof(f))
            return replay_fail(&rd, "", "line longer than 4095 bytes");
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            buf[--len] = '\0';
        char *line = trim(buf);
        if (!line[0])
            continue;
        char *fields[REPLAY_COLUMNS];
        int n = replay_split(line, fields);
        if (!seen_line) {
            seen_line = true;
            unsigned char first = (unsigned char)trim(fields[0])[0];
            if (isalpha(first) || first == '_') {
                seen_header = true;
                if (n != REPLAY_COLUMNS)
                    return replay_wrong_columns(&rd, n, true);
                continue;
            }
        }
        if (n != REPLAY_COLUMNS)
            return replay_wrong_columns(&rd, n, false);
        replay_candle c;
        int rc = replay_parse_candle(&rd, fields, &c);
        if (rc != PERR_OK)
            return rc;
        if (have_prev && c.open_time <= prev_close) {
            char detail[160];
            snprintf(detail, sizeof detail,
                     "open_time %lld is not after the previous candle's close_time %lld "
                     "(times must increase)",
                     (long long)c.open_time, (long long)prev_close);
            return replay_fail(&rd, "", detail);
        }
        have_prev = true;
        prev_close = c.close_time;
        last_candle_line = rd.line;
        if (c.close_time < p->start_utc_ms)
            continue;
        if (replay_add_candle(r, &c, p->start_utc_ms) != PERR_OK)
            return perr_set(e, PERR_NOMEM, "%s:%d: out of memory", p->file, rd.line);
    }
    if (ferror(f))
        return perr_set(e, PERR_IO, "%s:%d: read error", p->file, rd.line + 1);
    if (!have_prev) {
        rd.line = rd.line > 0 ? rd.line : 1;
        return replay_fail(&rd, "",
                           seen_header ? "no candles after the header row"
                                       : "empty file: no candles");
    }
    if (r->count == 0) {
        rd.line = last_candle_line;
        char detail[160];
        snprintf(detail, sizeof detail,
                 "the last candle closes at %lld, before the scenario start %lld: "
                 "nothing to replay",
                 (long long)prev_close, (long long)p->start_utc_ms);
        return replay_fail(&rd, "", detail);
    }
    return PERR_OK;
}

static int replay_init(void *state, const index_params *p, perr *e)
{
    FILE *f = textfile_open(p->file, REPLAY_FILE_MAX, "a klines file", e);
    if (!f)
        return e->code;
    int rc = replay_load(state, f, p, e);
    fclose(f);
    return rc;
}

static double replay_path(void *state, int64_t t)
{
    replay *r = state;
    if (t < r->t[0])
        return r->price[0];
    while (r->cursor + 1 < r->count && r->t[r->cursor + 1] <= t)
        r->cursor++;
    size_t k = r->cursor;
    if (k + 1 == r->count || r->t[k] == t)
        return r->price[k];
    /* t[k] < t < t[k + 1]. */
    double w = (double)(t - r->t[k]) / (double)(r->t[k + 1] - r->t[k]);
    return r->price[k] + (r->price[k + 1] - r->price[k]) * w;
}

const index_model_ops index_replay_ops = {
    .check = replay_check,
    .state_size = sizeof(replay),
    .init = replay_init,
    .release = replay_release,
    .path = replay_path,
};
