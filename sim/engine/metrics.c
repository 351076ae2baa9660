/*
 * metrics: one venue's output row per sample (metrics.h;
 * docs/mechanics.md section 6 for the definitions).
 *
 * Flows. Between two samples the notes add up the interval's taker buy and
 * sell notional, liquidated notional by the side of the position closed
 * (every route of a liquidation counts: book, backstop, fund, ADL) and the
 * ADL notional. Fill notionals are summed as exact integers of ticks x lots
 * and converted to the quote currency once per sample; liquidation and ADL
 * notionals are summed in cash units.
 *
 * Rolling z-scores. Each z-scored series keeps a ring of its last n =
 * window / every samples (rounded down, at least 1), allocated here, and a
 * running sum of (x - c) and of (x - c)^2 about a centre c. Adding a sample
 * adds its terms and subtracts those of the one it displaces, so a sample
 * costs O(1). Rounding in such running sums drifts and cancels badly when
 * the values are large next to their spread (open interest), so each time
 * the ring wraps the sums are recomputed from the ring about its fresh
 * mean: O(n) every n samples. The deviation is the sample one (n - 1 in
 * the denominator, as pandas' rolling std). A window whose values are all
 * equal (no liquidations for half an hour: the common case) is recognised
 * exactly by the length of the run of equal values at its end, and its
 * z-score is exactly 0, never the quotient of two rounding errors.
 */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "margin.h"

__extension__ typedef __int128 i128;

/* The z-scored series and the series their scores go to. */
enum { Z_DEPTH, Z_TAKER, Z_OI, Z_LIQ, Z_COUNT };

typedef struct metrics_window {
    double *ring;  /* the last n values, ring[head] the oldest once full */
    size_t n;      /* capacity: samples per window */
    size_t count;  /* values held, <= n */
    size_t head;   /* where the next value goes */
    double centre; /* c of the running sums */
    double sum;    /* sum of (x - c) over the ring */
    double sum2;   /* sum of (x - c)^2 over the ring */
    double last;   /* the newest value */
    size_t run;    /* how many of the newest values equal last exactly */
} metrics_window;

struct metrics {
    const profile *p;
    int64_t every_ms;
    double quote_per_tick_lot; /* quote currency per tick x lot */
    /* The open interval's flows. */
    int64_t taker_buy;  /* ticks x lots */
    int64_t taker_sell; /* ticks x lots */
    int64_t liq_long;   /* cash units */
    int64_t liq_short;  /* cash units */
    int64_t adl;        /* cash units */
    metrics_window z[Z_COUNT];
    double rings[];     /* every window's ring, in the metrics' allocation */
};

metrics *metrics_new(const profile *p, int64_t every_ms, int64_t window_ms,
                     perr *e)
{
    if (!p || every_ms <= 0 || window_ms < every_ms) {
        perr_set(e, PERR_INVALID,
                 "metrics: the sampling period (%lld ms) must be > 0 and the "
                 "z-score window (%lld ms) at least that long",
                 (long long)every_ms, (long long)window_ms);
        return NULL;
    }
    int64_t n = window_ms / every_ms;
    if (n > (int64_t)1 << 28) {
        perr_set(e, PERR_RANGE,
                 "metrics: a z-score window of %lld samples is too long",
                 (long long)n);
        return NULL;
    }
    metrics *m =
        perr_zalloc(e, sizeof *m + (size_t)n * Z_COUNT * sizeof *m->rings,
                    "metrics: no memory for %lld-sample windows", (long long)n);
    if (!m)
        return NULL;
    m->p = p;
    m->every_ms = every_ms;
    m->quote_per_tick_lot = profile_cash_to_quote(p, p->cash_per_tick_lot);
    for (int i = 0; i < Z_COUNT; i++) {
        m->z[i].ring = m->rings + (size_t)i * (size_t)n;
        m->z[i].n = (size_t)n;
    }
    return m;
}

void metrics_free(metrics *m) { free(m); }

void metrics_note_fills(metrics *m, const book_fill *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t notional = f[i].price * f[i].size;
        if (f[i].taker_side == BOOK_BUY)
            m->taker_buy += notional;
        else
            m->taker_sell += notional;
    }
}

void metrics_note_liquidations(metrics *m, const venue_liquidation *l,
                               size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (l[i].side > 0)
            m->liq_long += l[i].notional;
        else
            m->liq_short += l[i].notional;
    }
}

void metrics_note_adls(metrics *m, const venue_adl *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        m->adl += a[i].notional;
}

/* Recomputes w's sums from its ring about the ring's mean. */
static void window_recentre(metrics_window *w)
{
    double total = 0;
    for (size_t i = 0; i < w->count; i++)
        total += w->ring[i];
    w->centre = total / (double)w->count;
    w->sum = 0;
    w->sum2 = 0;
    for (size_t i = 0; i < w->count; i++) {
        double d = w->ring[i] - w->centre;
        w->sum += d;
        w->sum2 += d * d;
    }
}

/* Adds x to w and returns its z-score over the window, x included. */
static double window_push(metrics_window *w, double x)
{
    if (w->count == w->n) {
        double d = w->ring[w->head] - w->centre;
        w->sum -= d;
        w->sum2 -= d * d;
    } else {
        w->count++;
    }
    w->ring[w->head] = x;
    w->head = w->head + 1 == w->n ? 0 : w->head + 1;
    if (w->count == 1) {
        w->centre = x;
        w->run = 0;
    }
    double d = x - w->centre;
    w->sum += d;
    w->sum2 += d * d;
    w->run = w->run > 0 && x == w->last ? w->run + 1 : 1;
    w->last = x;
    if (w->head == 0)
        window_recentre(w);

    if (w->count < 2 || w->run >= w->count)
        return 0;
    double k = (double)w->count;
    double mean = w->sum / k; /* about the centre */
    double var = (w->sum2 - w->sum * mean) / (k - 1);
    if (!(var > 0))
        return 0;
    return (x - w->centre - mean) / sqrt(var);
}

/* Resting notional on side within bps basis points of the mid; when a side
 * is empty (no mid) the mark stands in, so that the asks of a book whose
 * bids were swept still count: bids at or above mark x (1 - bps/10000),
 * asks at or below mark x (1 + bps/10000), the bounds rounded inward. */
static int64_t depth_near(const book *b, int side, int64_t mark, int64_t bps)
{
    if (book_mid_x2(b) != BOOK_NO_PRICE)
        return book_depth(b, side, bps, NULL);
    if (mark <= 0)
        return 0;
    if (side == BOOK_BUY) {
        i128 lo = ((i128)mark * (10000 - bps) + 9999) / 10000;
        return book_depth_between(b, side, (int64_t)lo, INT64_MAX, NULL);
    }
    i128 hi = (i128)mark * (10000 + bps) / 10000;
    return book_depth_between(b, side, 1,
                              hi > INT64_MAX ? INT64_MAX : (int64_t)hi, NULL);
}

int metrics_sample(metrics *m, const venue *v, int64_t now, double index_ticks,
                   int64_t last, const funding *f, metrics_row *row, perr *e)
{
    (void)e; /* the books cannot fail; the recount is the world's */
    venue_totals totals;
    venue_books(v, &totals);

    const profile *p = m->p;
    const book *b = venue_book_view(v);
    double q = m->quote_per_tick_lot;
    double *s = row->series;
    int64_t mark = venue_mark(v);

    s[METRICS_T] = (double)now / 1000.0;
    s[METRICS_INDEX] = profile_ticks_to_price(p, index_ticks);
    s[METRICS_MARK] = profile_ticks_to_price(p, (double)mark);
    s[METRICS_LAST] = last == BOOK_NO_PRICE
                          ? NAN
                          : profile_ticks_to_price(p, (double)last);

    int64_t mid_x2 = book_mid_x2(b);
    if (mid_x2 == BOOK_NO_PRICE) {
        s[METRICS_MID] = NAN;
        s[METRICS_SPREAD_BPS] = NAN;
        s[METRICS_PREMIUM_INDEX] = NAN;
    } else {
        double mid_ticks = (double)mid_x2 / 2.0;
        s[METRICS_MID] = profile_ticks_to_price(p, mid_ticks);
        s[METRICS_SPREAD_BPS] = 1e4 * (double)book_spread(b) / mid_ticks;
        s[METRICS_PREMIUM_INDEX] = (mid_ticks - index_ticks) / index_ticks;
    }

    s[METRICS_BID_DEPTH_1PCT] = q * (double)depth_near(b, BOOK_BUY, mark, 100);
    s[METRICS_ASK_DEPTH_1PCT] = q * (double)depth_near(b, BOOK_SELL, mark, 100);
    s[METRICS_BID_DEPTH_2PCT] = q * (double)depth_near(b, BOOK_BUY, mark, 200);
    s[METRICS_ASK_DEPTH_2PCT] = q * (double)depth_near(b, BOOK_SELL, mark, 200);
    s[METRICS_DEPTH_Z] =
        window_push(&m->z[Z_DEPTH],
                    s[METRICS_BID_DEPTH_1PCT] + s[METRICS_ASK_DEPTH_1PCT]);

    double buy = q * (double)m->taker_buy, sell = q * (double)m->taker_sell;
    s[METRICS_TAKER_BUY_NOTIONAL] = buy;
    s[METRICS_TAKER_SELL_NOTIONAL] = sell;
    s[METRICS_TAKER_BUY_SELL_RATIO] = m->taker_sell > 0 ? buy / sell : NAN;
    s[METRICS_TAKER_IMBALANCE_Z] = window_push(&m->z[Z_TAKER], buy - sell);

    s[METRICS_OPEN_INTEREST] =
        q * (double)totals.ledger.long_lots * (double)mark;
    s[METRICS_OPEN_INTEREST_Z] =
        window_push(&m->z[Z_OI], s[METRICS_OPEN_INTEREST]);

    s[METRICS_LIQ_LONG_NOTIONAL] = profile_cash_to_quote(p, m->liq_long);
    s[METRICS_LIQ_SHORT_NOTIONAL] = profile_cash_to_quote(p, m->liq_short);
    s[METRICS_LIQ_Z] =
        window_push(&m->z[Z_LIQ], s[METRICS_LIQ_LONG_NOTIONAL]
                                      + s[METRICS_LIQ_SHORT_NOTIONAL]);

    s[METRICS_FUNDING_RATE] =
        f ? (double)funding_estimate(f, NULL) / (double)PROFILE_RATE_ONE : 0.0;

    margin_position fund = accounts_position(venue_accounts(v), ACCOUNT_FUND);
    s[METRICS_INSURANCE_FUND] =
        profile_cash_to_quote(p, margin_balance(p, &fund, mark));
    s[METRICS_ADL_NOTIONAL] = profile_cash_to_quote(p, m->adl);

    row->audit[METRICS_LONG_LOTS] = totals.ledger.long_lots;
    row->audit[METRICS_SHORT_LOTS] = totals.ledger.short_lots;
    row->audit[METRICS_CASH_TOTAL] = totals.ledger.cash_total;
    row->audit[METRICS_DEPOSITS] = totals.ledger.deposits;
    row->audit[METRICS_WITHDRAWALS] = totals.ledger.withdrawals;

    m->taker_buy = m->taker_sell = 0;
    m->liq_long = m->liq_short = m->adl = 0;
    return 0;
}
