/*
 * calc: `perpsim calc margin` and `perpsim calc liq-price`.
 *
 * Inputs are read as exact decimals and converted to the venue's units (lots,
 * cash units) without rounding, so a calculator's answer is the engine's:
 * margin.h computes both. Prices print with two more decimals than the tick.
 *
 * The liquidation price follows Binance's one-way formula (mechanics.md 3),
 *     LP = (WB - TMM1 + UPNL1 + cum - side x Q x EP) / (Q x MMR - side x Q),
 * with the bracket recomputed at LP's own notional; TMM1 and UPNL1 are the
 * other positions' maintenance margin and unrealized PnL in cross mode
 * (--other-maintenance, --other-upnl), zero in isolated mode. Bybit's
 * profile measures maintenance at the entry value, as its published formula
 * does; Hyperliquid's and dYdX's formulas are this one rearranged.
 *
 * `calc funding` runs a premium path through the funding engine's own
 * averaging and rate (funding.h; mechanics.md 1): avg(P) by the venue's
 * weights, F by its limit rule (avg(P) + clamp(I - avg(P)) for every
 * built-in venue), the cap, and the division by
 * period / interval where the venue divides. A known-ahead venue (BitMEX)
 * pays at the end of an interval the rate of the interval before, and the
 * first interval the rate of a zero premium, as the engine does.
 *
 * A calculator prints nothing: it fills a calc_report with its `key: value`
 * lines, in order, and the program prints them (main.c).
 */
#include "calc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "funding.h"
#include "grow.h"
#include "margin.h"
#include "profile.h"
#include "profile_yaml.h"
#include "suggest.h"
#include "textfile.h"

__extension__ typedef __int128 i128;

static const char *const margin_options[] = {"--venue", "--notional",
                                             "--leverage"};
static const char *const liq_options[] = {
    "--venue",  "--side", "--entry",             "--size",       "--wallet",
    "--mode",   "--leverage", "--other-maintenance", "--other-upnl"};

const calc_entry calc_table[] = {
    {"margin", "bracket, maintenance and initial margin of a notional",
     "--venue V --notional N [--leverage L]\n"
     "  --venue V      a built-in venue profile: binance, bybit, okx, bitmex,\n"
     "                 dydx, hyperliquid (models/venues/NAME.yaml)\n"
     "  --notional N   position notional in the quote currency, e.g. 250000 or 2.5M\n"
     "  --leverage L   leverage for the initial margin (default: the bracket's maximum)",
     calc_margin, NULL},
    {"liq-price", "liquidation and bankruptcy price of a position",
     "--venue V --side long|short --entry P --size Q [--wallet W]\n"
     "                  [--mode isolated|cross] [--leverage L]\n"
     "                  [--other-maintenance X] [--other-upnl Y]\n"
     "  --venue V      a built-in venue profile: binance, bybit, okx, bitmex,\n"
     "                 dydx, hyperliquid (models/venues/NAME.yaml)\n"
     "  --side S       long or short\n"
     "  --entry P      entry price in the quote currency\n"
     "  --size Q       position size in the base currency (a whole number of lots)\n"
     "  --wallet W     the margin behind the position: the isolated wallet\n"
     "                 balance (default: the initial margin at the leverage) or,\n"
     "                 in cross mode (required there), the cross wallet balance\n"
     "  --mode M       isolated (default) or cross\n"
     "  --leverage L   leverage (default: the bracket's maximum at entry)\n"
     "  --other-maintenance X, --other-upnl Y\n"
     "                 cross mode: the maintenance margin and unrealized PnL of\n"
     "                 the account's other positions (default 0)",
     calc_liq_price, NULL},
    {"funding", "the funding rate of a premium path",
     "--venue V (--premium X | --premium-csv FILE) [--interval H]\n"
     "  --venue V      a built-in venue profile: binance, bybit, okx, bitmex,\n"
     "                 dydx, hyperliquid\n"
     "  --premium X    a constant premium index, as a fraction (0.0003), in\n"
     "                 percent (0.03%) or in basis points (3bp)\n"
     "  --premium-csv FILE\n"
     "                 a premium path: one sample per line (a fraction), or\n"
     "                 `time_ms,premium` lines with time_ms counted from a\n"
     "                 settlement instant; an optional header line, blank\n"
     "                 lines and # comments are skipped. Bare samples are\n"
     "                 spaced by the venue's sampling period from time 0;\n"
     "                 a path spans at most 10 years.\n"
     "                 Prints one line per interval: the samples in it, their\n"
     "                 average and the rate paid at its end\n"
     "  --interval H   the funding interval in hours (1, 2, 4 or 8; default\n"
     "                 the venue's)",
     calc_funding, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

/* ---- the report ---------------------------------------------------------- */

void calc_report_free(calc_report *r)
{
    free(r->lines);
    memset(r, 0, sizeof *r);
}

/* Appends `key: value`. An allocation failure is kept in r and returned by
 * report_done, so that a calculator's lines read as the list they print. */
static void put(calc_report *r, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void put(calc_report *r, const char *key, const char *fmt, ...)
{
    if (r->failed)
        return;
    calc_line *lines = grow_for_one(r->lines, r->n, &r->cap, sizeof *lines,
                                    16);
    if (!lines) {
        r->failed = 1;
        return;
    }
    r->lines = lines;
    calc_line *l = &r->lines[r->n++];
    snprintf(l->key, sizeof l->key, "%s", key);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->value, sizeof l->value, fmt, ap);
    va_end(ap);
}

static int report_done(const calc_report *r, const char *calc, perr *e)
{
    if (r->failed)
        return perr_set(e, PERR_NOMEM, "calc %s: out of memory", calc);
    return 0;
}

const calc_entry *calc_find(const char *name)
{
    for (const calc_entry *c = calc_table; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

/* Option values by name: argv is scanned once into this table. */
typedef struct calc_args {
    const char *const *names;
    size_t n;
    const char *values[16];
} calc_args;

static int parse_args(const char *calc, int argc, char **argv,
                      const char *const *names, size_t n, calc_args *out,
                      perr *e)
{
    memset(out, 0, sizeof *out);
    out->names = names;
    out->n = n;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq = strchr(arg, '=');
        size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
        size_t k = 0;
        while (k < n && !(strlen(names[k]) == len
                          && strncmp(names[k], arg, len) == 0))
            k++;
        if (k == n) {
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(len < 63 ? len : 63),
                     arg);
            const char *near = suggest_nearest(name, names, n);
            if (arg[0] != '-')
                return perr_set(e, PERR_INVALID,
                                "calc %s: unexpected argument '%s'", calc, arg);
            return perr_set(e, PERR_INVALID,
                            "calc %s: unknown option '%s'%s%s%s", calc, name,
                            near ? " (did you mean '" : "", near ? near : "",
                            near ? "'?)" : "");
        }
        const char *value = eq ? eq + 1 : NULL;
        if (!value) {
            if (i + 1 >= argc)
                return perr_set(e, PERR_INVALID, "calc %s: %s needs a value",
                                calc, names[k]);
            value = argv[++i];
        }
        if (out->values[k])
            return perr_set(e, PERR_INVALID, "calc %s: %s given twice", calc,
                            names[k]);
        out->values[k] = value;
    }
    return 0;
}

static const char *arg_value(const calc_args *a, const char *name)
{
    for (size_t k = 0; k < a->n; k++)
        if (strcmp(a->names[k], name) == 0)
            return a->values[k];
    return NULL;
}

static int required(const char *calc, const calc_args *a, const char *name,
                    const char **value, perr *e)
{
    *value = arg_value(a, name);
    if (!*value)
        return perr_set(e, PERR_INVALID, "calc %s: %s is required", calc,
                        name);
    return 0;
}

static int find_venue(const char *calc, const char *name, const profile **p,
                      perr *e)
{
    *p = profile_builtin(name);
    if (*p)
        return 0;
    const char *const *names = profile_builtin_names();
    size_t n = 0;
    while (names[n])
        n++;
    const char *near = suggest_nearest(name, (const char **)names, n);
    char known[256] = "";
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(known);
        snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                 names[i]);
    }
    return perr_set(e, PERR_INVALID,
                    "calc %s: --venue: no venue profile '%s'%s%s%s (known: "
                    "%s)",
                    calc, name, near ? " (did you mean '" : "",
                    near ? near : "", near ? "'?)" : "", known);
}

/* Reads a calculator's arguments against options (n of them), the first
 * n_required of which, --venue first, must be given (checked in that
 * order), and finds the built-in venue that --venue names. */
static int read_args(const char *calc, int argc, char **argv,
                     const char *const *options, size_t n, size_t n_required,
                     calc_args *a, const profile **p, perr *e)
{
    int rc = parse_args(calc, argc, argv, options, n, a, e);
    for (size_t i = 0; !rc && i < n_required; i++) {
        const char *value;
        rc = required(calc, a, options[i], &value, e);
    }
    if (!rc)
        rc = find_venue(calc, arg_value(a, "--venue"), p, e);
    return rc;
}

/* A quote-currency amount with an optional k, M or B suffix. */
static int parse_quote(const char *calc, const char *opt, const char *text,
                       const profile *p, int allow_negative, int64_t *cash,
                       perr *e)
{
    char buf[128];
    size_t len = strlen(text);
    if (len == 0 || len >= sizeof buf)
        return perr_set(e, PERR_INVALID, "calc %s: %s: expected an amount",
                        calc, opt);
    memcpy(buf, text, len + 1);
    int scale = 0;
    char last = buf[len - 1];
    if (last == 'k' || last == 'K')
        scale = 3;
    else if (last == 'M')
        scale = 6;
    else if (last == 'B' || last == 'G')
        scale = 9;
    if (scale)
        buf[len - 1] = '\0';
    char what[96];
    snprintf(what, sizeof what, "calc %s: %s", calc, opt);
    profile_decimal d;
    perr inner;
    int rc = param_parse_decimal(what, buf, &d, &inner);
    if (rc == PERR_INVALID) /* name what was given, suffix included */
        return perr_set(e, rc,
                        "%s: expected an amount such as 250000 or 2.5M, got "
                        "'%s'",
                        what, text);
    if (rc)
        return perr_set(e, rc, "%s: '%s' is too large", what, text);
    d.exp += scale;
    if (d.mant < 0 && !allow_negative)
        return perr_set(e, PERR_INVALID, "%s: must not be negative, got '%s'",
                        what, text);
    rc = profile_quote_to_cash(p, d, cash, &inner);
    if (rc)
        return perr_set(e, rc, "%s: '%s': %s", what, text, inner.msg);
    return 0;
}

static int parse_leverage(const char *calc, const char *text, int32_t *out,
                          perr *e)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (end == text || *end || v < 1 || v > 1000)
        return perr_set(e, PERR_INVALID,
                        "calc %s: --leverage: expected a whole number from 1 "
                        "to 1000, got '%s'",
                        calc, text);
    *out = (int32_t)v;
    return 0;
}

static int price_decimals(const profile *p)
{
    return (p->tick.exp < 0 ? -p->tick.exp : 0) + 2;
}

static void put_rate(calc_report *out, const char *key, int64_t rate)
{
    put(out, key, "%.8g", (double)rate / (double)PROFILE_RATE_ONE);
}

static void put_cash(calc_report *out, const profile *p, const char *key,
                     int64_t cash)
{
    int decimals = p->cash_unit.exp < 0 ? -p->cash_unit.exp : 0;
    put(out, key, "%.*f", decimals, profile_cash_to_quote(p, cash));
}

int calc_margin(int argc, char **argv, calc_report *out, perr *e)
{
    const char *c = "margin";
    calc_args a;
    const profile *p;
    int64_t notional;
    int rc = read_args(c, argc, argv, margin_options,
                       sizeof margin_options / sizeof margin_options[0], 2, &a,
                       &p, e);
    const char *notional_text = arg_value(&a, "--notional");
    if (!rc)
        rc = parse_quote(c, "--notional", notional_text, p, 0, &notional, e);
    if (rc)
        return rc;
    int b = margin_bracket(p, notional);
    int32_t most = p->brackets[b].max_leverage;
    int32_t leverage = most;
    const char *lev = arg_value(&a, "--leverage");
    if (lev) {
        rc = parse_leverage(c, lev, &leverage, e);
        if (rc)
            return rc;
        if (leverage > most)
            return perr_set(e, PERR_INVALID,
                            "calc margin: --leverage %d exceeds %s's maximum "
                            "of %d for a notional of %s (bracket %d)",
                            (int)leverage, p->name, (int)most, notional_text,
                            b + 1);
    }
    put(out, "venue", "%s", p->name);
    put_cash(out, p, "notional", notional);
    put(out, "bracket", "%d", b + 1);
    put_rate(out, "mmr", p->brackets[b].mmr);
    put_cash(out, p, "maintenance_amount", p->brackets[b].cum);
    put_cash(out, p, "maintenance_margin", margin_maintenance(p, notional));
    put(out, "leverage", "%d", (int)leverage);
    put_cash(out, p, "initial_margin", margin_initial(notional, leverage));
    put(out, "max_leverage", "%d", (int)most);
    return report_done(out, c, e);
}

int calc_liq_price(int argc, char **argv, calc_report *out, perr *e)
{
    const char *c = "liq-price";
    calc_args a;
    const profile *p;
    int rc = read_args(c, argc, argv, liq_options,
                       sizeof liq_options / sizeof liq_options[0], 4, &a, &p,
                       e);
    if (rc)
        return rc;
    const char *side_text = arg_value(&a, "--side");
    const char *entry_text = arg_value(&a, "--entry");
    const char *size_text = arg_value(&a, "--size");

    int side;
    if (strcmp(side_text, "long") == 0)
        side = 1;
    else if (strcmp(side_text, "short") == 0)
        side = -1;
    else
        return perr_set(e, PERR_INVALID,
                        "calc liq-price: --side: expected long or short, got "
                        "'%s'",
                        side_text);
    const char *mode = arg_value(&a, "--mode");
    int cross = 0;
    if (mode && strcmp(mode, "cross") == 0)
        cross = 1;
    else if (mode && strcmp(mode, "isolated") != 0)
        return perr_set(e, PERR_INVALID,
                        "calc liq-price: --mode: expected isolated or cross, "
                        "got '%s'",
                        mode);

    profile_decimal entry, size;
    rc = param_parse_decimal("calc liq-price: --entry", entry_text, &entry, e);
    if (!rc)
        rc = param_parse_decimal("calc liq-price: --size", size_text, &size,
                                   e);
    if (rc)
        return rc;
    if (entry.mant <= 0)
        return perr_set(e, PERR_INVALID,
                        "calc liq-price: --entry must be > 0, got '%s'",
                        entry_text);
    if (size.mant <= 0)
        return perr_set(e, PERR_INVALID,
                        "calc liq-price: --size must be > 0, got '%s'",
                        size_text);
    int64_t lots;
    perr inner;
    rc = profile_base_to_lots(p, size, &lots, &inner);
    if (rc)
        return perr_set(e, rc, "calc liq-price: --size '%s': %s", size_text,
                        inner.msg);
    /* The entry value EP x Q in cash units, exactly. */
    profile_decimal value = {0, entry.exp + size.exp};
    if (entry.mant > INT64_MAX / size.mant)
        return perr_set(e, PERR_RANGE,
                        "calc liq-price: --entry x --size is too large");
    value.mant = entry.mant * size.mant;
    int64_t cost;
    rc = profile_quote_to_cash(p, value, &cost, &inner);
    if (rc)
        return perr_set(e, rc, "calc liq-price: entry value %s x %s: %s",
                        entry_text, size_text, inner.msg);

    int b_entry = margin_bracket(p, cost);
    int32_t leverage = p->brackets[b_entry].max_leverage;
    const char *lev = arg_value(&a, "--leverage");
    if (lev) {
        rc = parse_leverage(c, lev, &leverage, e);
        if (rc)
            return rc;
        if (leverage > p->brackets[b_entry].max_leverage)
            return perr_set(e, PERR_INVALID,
                            "calc liq-price: --leverage %d exceeds %s's "
                            "maximum of %d for this position (bracket %d)",
                            (int)leverage, p->name,
                            (int)p->brackets[b_entry].max_leverage,
                            b_entry + 1);
    }
    int64_t initial = margin_initial(cost, leverage);

    int64_t wallet = initial;
    const char *wallet_text = arg_value(&a, "--wallet");
    if (wallet_text) {
        rc = parse_quote(c, "--wallet", wallet_text, p, 0, &wallet, e);
        if (rc)
            return rc;
    } else if (cross) {
        return perr_set(e, PERR_INVALID,
                        "calc liq-price: --wallet is required in cross mode");
    }
    int64_t other_mm = 0, other_upnl = 0;
    const char *mm_text = arg_value(&a, "--other-maintenance");
    const char *upnl_text = arg_value(&a, "--other-upnl");
    if ((mm_text || upnl_text) && !cross)
        return perr_set(e, PERR_INVALID,
                        "calc liq-price: --other-maintenance and --other-upnl "
                        "apply to cross mode only (add --mode cross)");
    if (mm_text
        && (rc = parse_quote(c, "--other-maintenance", mm_text, p, 0,
                             &other_mm, e)) != 0)
        return rc;
    if (upnl_text
        && (rc = parse_quote(c, "--other-upnl", upnl_text, p, 1, &other_upnl,
                             e)) != 0)
        return rc;

    /* The margin behind the position, as the ledger holds it: the wallet
     * (less the other positions' maintenance, plus their PnL) minus what
     * the position cost. */
    margin_position pos = {side * lots, side * cost,
                           wallet - other_mm + other_upnl - side * cost};
    int bracket;
    double lp = margin_liq_price(p, &pos, &bracket);
    double bp = margin_bankruptcy_price(p, &pos);
    int decimals = price_decimals(p);

    put(out, "venue", "%s", p->name);
    put(out, "side", "%s", side > 0 ? "long" : "short");
    put(out, "mode", "%s", cross ? "cross" : "isolated");
    put_cash(out, p, "entry_value", cost);
    put(out, "leverage", "%d", (int)leverage);
    put_cash(out, p, "initial_margin", initial);
    put_cash(out, p, "wallet", wallet);
    put_cash(out, p, "maintenance_margin", margin_maintenance(p, cost));
    put(out, "bracket", "%d", bracket + 1);
    put_rate(out, "mmr", p->brackets[bracket].mmr);
    if (side > 0 && !(lp > 0))
        put(out, "liquidation_price", "none");
    else
        put(out, "liquidation_price", "%.*f", decimals,
            profile_ticks_to_price(p, lp));
    if (side > 0 && !(bp > 0))
        put(out, "bankruptcy_price", "none");
    else
        put(out, "bankruptcy_price", "%.*f", decimals,
            profile_ticks_to_price(p, bp));
    return report_done(out, c, e);
}

/* ---- calc funding ------------------------------------------------------- */

static const char *const funding_options[] = {"--venue", "--premium",
                                              "--premium-csv", "--interval"};

/* A rate as an exact decimal fraction: 10000 is 0.0001, -1250
 * -0.0000125. */
typedef struct rate_text {
    char s[32];
} rate_text;

static rate_text rate_exact(int64_t rate)
{
    uint64_t mag = rate < 0 ? (uint64_t)0 - (uint64_t)rate : (uint64_t)rate;
    uint64_t one = (uint64_t)PROFILE_RATE_ONE;
    char frac[16];
    snprintf(frac, sizeof frac, "%08llu", (unsigned long long)(mag % one));
    size_t n = strlen(frac);
    while (n > 0 && frac[n - 1] == '0')
        frac[--n] = '\0';
    rate_text t;
    snprintf(t.s, sizeof t.s, "%s%llu%s%s", rate < 0 ? "-" : "",
             (unsigned long long)(mag / one), n ? "." : "", frac);
    return t;
}

/* --premium: a fraction, a percentage (0.03%) or basis points (3bp), to the
 * nearest rate unit, as the engine rounds an average premium. */
static int parse_premium(const char *text, int64_t *rate, perr *e)
{
    char buf[64];
    size_t len = strlen(text);
    if (len == 0 || len >= sizeof buf)
        return perr_set(e, PERR_INVALID,
                        "calc funding: --premium: expected a fraction such as "
                        "0.0003, got '%s'",
                        text);
    memcpy(buf, text, len + 1);
    int shift = 8; /* a fraction to rate units */
    if (buf[len - 1] == '%') {
        buf[len - 1] = '\0';
        shift -= 2;
    } else if (len > 2 && strcmp(buf + len - 2, "bp") == 0) {
        buf[len - 2] = '\0';
        shift -= 4;
    }
    profile_decimal d;
    int rc = param_parse_decimal("calc funding: --premium", buf, &d, e);
    if (rc)
        return rc;
    int exp = d.exp + shift;
    i128 v = d.mant;
    for (; exp > 0; exp--) {
        v *= 10;
        if (v > (i128)PROFILE_RATE_ONE || v < -(i128)PROFILE_RATE_ONE)
            break;
    }
    if (exp < -20) {
        v = 0; /* |mant| < 1e19: less than half a rate unit */
    } else if (exp < 0) {
        i128 den = 1;
        for (; exp < 0; exp++)
            den *= 10;
        v = v >= 0 ? (v + den / 2) / den : -((-v + den / 2) / den);
    }
    if (v >= (i128)PROFILE_RATE_ONE || v <= -(i128)PROFILE_RATE_ONE)
        return perr_set(e, PERR_INVALID,
                        "calc funding: --premium must lie in (-1, 1), got '%s'",
                        text);
    *rate = (int64_t)v;
    return 0;
}

/* One interval of a premium path. */
typedef struct funding_row {
    int64_t samples;
    int64_t premium; /* the average, as a rate */
    int64_t rate;    /* computed from this interval's samples */
} funding_row;

typedef struct funding_rows {
    funding_row *row;
    size_t n, cap;
} funding_rows;

static int push_row(funding_rows *rows, const profile *p,
                    const funding_average *avg, perr *e)
{
    funding_row *row = grow_for_one(rows->row, rows->n, &rows->cap,
                                    sizeof *row, 16);
    if (!row)
        return perr_set(e, PERR_NOMEM, "calc funding: out of memory");
    rows->row = row;
    funding_row *r = &rows->row[rows->n++];
    r->samples = avg->n;
    r->premium = funding_premium_rate(funding_average_value(avg));
    r->rate = funding_rate_of(p, p->funding_interval_ms, r->premium, NULL);
    return 0;
}

/* The largest premium CSV read: a year of 1-second samples at about 30
 * bytes a line is under 1 GiB. */
#define PREMIUM_CSV_MAX ((size_t)1 << 30)

/* The longest path read, ten years of 365 days: at most 87,600 hourly
 * intervals to hold and print, where a time_ms near 2^53 would ask for
 * billions (found by tests/fuzz/fuzz_premium.c). */
#define PREMIUM_SPAN_YEARS 10
#define PREMIUM_SPAN_MAX_MS (PREMIUM_SPAN_YEARS * INT64_C(365) * 86400000)

/* A whole field of a CSV line as a double (surrounding blanks allowed). */
static int parse_field(const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || errno)
        return -1;
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end)
        return -1;
    *out = v;
    return 0;
}

/* Reads the premium path of path into per-interval rows: bare samples are
 * spaced by the venue's sampling period from time 0, `time_ms,premium`
 * lines carry their own time; time 0 is a settlement instant, so the
 * sample at time t falls in interval t / interval (the engine's
 * [S(k-1), S(k)) intervals). */
static int read_premium_csv(const char *path, const profile *p,
                            funding_rows *rows, perr *e)
{
    perr why;
    perr_clear(&why);
    FILE *in = textfile_open(path, PREMIUM_CSV_MAX, "a premium CSV file", &why);
    if (!in)
        return perr_set(e, PERR_INVALID, "calc funding: --premium-csv %s",
                        why.msg);
    char line[4096];
    long lineno = 0;
    int columns = 0, first = 1, rc = 0;
    int64_t index = 0, last_time = -1, interval = 0;
    funding_average avg;
    funding_average_reset(&avg, p->premium_average);
    while (fgets(line, sizeof line, in)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n' && !feof(in)) {
            rc = perr_set(e, PERR_INVALID, "calc funding: %s:%ld: line too "
                          "long", path, lineno);
            break;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'
                           || line[len - 1] == ' ' || line[len - 1] == '\t'))
            line[--len] = '\0';
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\0' || *s == '#')
            continue;
        char shown[48];
        textfile_shown(s, SIZE_MAX, shown, sizeof shown);
        char *comma = strchr(s, ',');
        int n = comma ? 2 : 1;
        double t = 0, premium = 0;
        int bad;
        if (comma) {
            *comma = '\0';
            bad = strchr(comma + 1, ',') != NULL || parse_field(s, &t) != 0
                  || parse_field(comma + 1, &premium) != 0;
        } else {
            bad = parse_field(s, &premium) != 0;
        }
        int was_first = first;
        first = 0;
        if (bad && was_first)
            continue; /* a header */
        if (bad) {
            rc = perr_set(e, PERR_INVALID,
                          "calc funding: %s:%ld: expected %s, got '%s'", path,
                          lineno,
                          comma ? "time_ms,premium such as 60000,0.0003"
                                : "a premium such as 0.0003",
                          shown);
            break;
        }
        if (columns && n != columns) {
            rc = perr_set(e, PERR_INVALID,
                          "calc funding: %s:%ld: %d column%s where the lines "
                          "before have %d",
                          path, lineno, n, n > 1 ? "s" : "", columns);
            break;
        }
        columns = n;
        if (!isfinite(premium) || premium <= -1 || premium >= 1) {
            rc = perr_set(e, PERR_INVALID,
                          "calc funding: %s:%ld: a premium must lie in "
                          "(-1, 1)",
                          path, lineno);
            break;
        }
        int64_t time;
        if (n == 2) {
            if (!(t >= 0 && t < 9e15) || t != floor(t)) {
                rc = perr_set(e, PERR_INVALID,
                              "calc funding: %s:%ld: time_ms must be a whole "
                              "number of ms >= 0",
                              path, lineno);
                break;
            }
            time = (int64_t)t;
            if (time < last_time) {
                rc = perr_set(e, PERR_INVALID,
                              "calc funding: %s:%ld: time_ms %lld is before "
                              "the line above's %lld",
                              path, lineno, (long long)time,
                              (long long)last_time);
                break;
            }
        } else {
            time = index * p->premium_sample_ms;
        }
        if (time > PREMIUM_SPAN_MAX_MS) {
            rc = perr_set(e, PERR_INVALID,
                          "calc funding: %s:%ld: the sample at %lld ms is "
                          "more than %d years (%lld ms) after time 0, the "
                          "longest path calc funding reads",
                          path, lineno, (long long)time, PREMIUM_SPAN_YEARS,
                          (long long)PREMIUM_SPAN_MAX_MS);
            break;
        }
        last_time = time;
        index++;
        int64_t k = time / p->funding_interval_ms;
        while (rc == 0 && interval < k) {
            rc = push_row(rows, p, &avg, e);
            funding_average_reset(&avg, p->premium_average);
            interval++;
        }
        if (rc)
            break;
        funding_average_add(&avg, premium);
    }
    if (rc == 0 && ferror(in))
        rc = perr_set(e, PERR_INVALID, "calc funding: %s: read error", path);
    fclose(in);
    if (rc == 0 && index == 0)
        rc = perr_set(e, PERR_INVALID,
                      "calc funding: %s: no premium samples", path);
    if (rc == 0)
        rc = push_row(rows, p, &avg, e);
    return rc;
}

int calc_funding(int argc, char **argv, calc_report *out, perr *e)
{
    const char *c = "funding";
    calc_args a;
    const profile *base;
    int rc = read_args(c, argc, argv, funding_options,
                       sizeof funding_options / sizeof funding_options[0], 1,
                       &a, &base, e);
    if (rc)
        return rc;
    const char *venue_name = arg_value(&a, "--venue");
    const char *premium_text = arg_value(&a, "--premium");
    const char *csv = arg_value(&a, "--premium-csv");
    if (!premium_text == !csv)
        return perr_set(e, PERR_INVALID,
                        "calc funding: give one of --premium and "
                        "--premium-csv");
    profile p = *base;
    const char *interval_text = arg_value(&a, "--interval");
    if (interval_text) {
        char *end;
        long hours = strtol(interval_text, &end, 10);
        if (end == interval_text || (*end && strcmp(end, "h") != 0)
            || !(hours == 1 || hours == 2 || hours == 4 || hours == 8))
            return perr_set(e, PERR_INVALID,
                            "calc funding: --interval: expected 1, 2, 4 or 8 "
                            "(hours), got '%s'",
                            interval_text);
        p.funding_interval_ms = hours * FUNDING_HOUR_MS;
        p.funding_offset_ms %= p.funding_interval_ms;
    }
    perr inner;
    if (funding_check(&p, &inner) != 0)
        return perr_set(e, PERR_INVALID, "calc funding: --venue %s: %s",
                        venue_name, inner.msg);

    if (premium_text) {
        int64_t premium = 0;
        rc = parse_premium(premium_text, &premium, e);
        if (rc)
            return rc;
        funding_parts parts;
        funding_rate_of(&p, p.funding_interval_ms, premium, &parts);
        int64_t floor, cap;
        funding_cap_bounds(&p, &floor, &cap);
        put(out, "venue", "%s", p.name);
        put(out, "interval_hours", "%g",
            (double)p.funding_interval_ms / (double)FUNDING_HOUR_MS);
        put(out, "period_hours", "%g",
            (double)p.funding_period_ms / (double)FUNDING_HOUR_MS);
        put(out, "known_ahead", "%s", p.funding_known_ahead ? "yes" : "no");
        put(out, "premium", "%s", rate_exact(parts.premium).s);
        put(out, "interest_part", "%s", rate_exact(parts.interest).s);
        put(out, "floor", "%s", rate_exact(floor).s);
        put(out, "cap", "%s", rate_exact(cap).s);
        put(out, "cap_bounds", "%s",
            p.funding_cap_per_interval ? "interval" : "period");
        put(out, "period_rate", "%s", rate_exact(parts.rate_period).s);
        put(out, "rate", "%s", rate_exact(parts.rate).s);
        return report_done(out, c, e);
    }

    funding_rows rows = {NULL, 0, 0};
    rc = read_premium_csv(csv, &p, &rows, e);
    if (rc) {
        free(rows.row);
        return rc;
    }
    int ahead = p.funding_known_ahead;
    int64_t first_rate = funding_rate_of(&p, p.funding_interval_ms, 0, NULL);
    put(out, "venue", "%s", p.name);
    put(out, "interval_hours", "%g",
        (double)p.funding_interval_ms / (double)FUNDING_HOUR_MS);
    put(out, "sample_seconds", "%g", (double)p.premium_sample_ms / 1000.0);
    put(out, "samples_per_interval", "%lld",
        (long long)(p.funding_interval_ms / p.premium_sample_ms));
    put(out, "known_ahead", "%s", ahead ? "yes" : "no");
    for (size_t i = 0; i < rows.n; i++) {
        const funding_row *r = &rows.row[i];
        int64_t paid = !ahead ? r->rate : i == 0 ? first_rate
                                                 : rows.row[i - 1].rate;
        char key[32];
        snprintf(key, sizeof key, "interval %zu", i + 1);
        put(out, key, "samples %lld avg_premium %s rate %s%s%s",
            (long long)r->samples, rate_exact(r->premium).s,
            rate_exact(paid).s, ahead ? " next_rate " : "",
            ahead ? rate_exact(r->rate).s : "");
    }
    put(out, "intervals", "%zu", rows.n);
    free(rows.row);
    return report_done(out, c, e);
}
