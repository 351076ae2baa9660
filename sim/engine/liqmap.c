/*
 * liqmap: a venue's liquidation map (liqmap.h), from one pass over its
 * accounts: each position's trigger (account.h keeps it) into its bucket.
 */
#include "liqmap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* How the map values what it holds, as the open interest is valued: quote
 * currency per lot per tick, and per tick. */
typedef struct valuation {
    double quote_per_tick_lot, quote_per_tick;
} valuation;

static valuation valuation_of(const venue *v)
{
    const profile *p = venue_profile(v);
    return (valuation){
        profile_cash_to_quote(p, 1) * (double)p->cash_per_tick_lot,
        1 / profile_price_to_ticks(p, (profile_decimal){1, 0})};
}

/* Account id's position as the map counts it: side 0 for none; its lots
 * and its notional at mark; and whether its trigger lies in the book's
 * range (else no mark liquidates it: a 1x long, the fund's or the vault's
 * position, which are held out of the trigger index). */
typedef struct held {
    int side;
    int64_t lots, trigger;
    double notional;
    int in_range;
} held;

static held held_by(const accounts *t, uint32_t id, int64_t mark,
                    valuation val)
{
    const account *a = &t->a[id];
    held h = {0, 0, a->trigger, 0, 0};
    if (a->size == 0)
        return h;
    h.side = a->size > 0 ? 1 : -1;
    h.lots = h.side > 0 ? a->size : -a->size;
    h.notional = (double)h.lots * (double)mark * val.quote_per_tick_lot;
    h.in_range = id >= ACCOUNT_FIRST_TRADER && a->state == ACCOUNT_ACTIVE
                 && (h.side > 0 ? a->trigger >= t->min_mark
                                : a->trigger <= t->max_mark);
    return h;
}

/* floor(a / b) for b > 0. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

int liqmap_build(const venue *v, liqmap *out, perr *e)
{
    memset(out, 0, sizeof *out);
    const accounts *t = venue_accounts(v);
    int64_t mark = venue_mark(v);
    valuation val = valuation_of(v);
    int64_t w = (int64_t)llround((double)mark * LIQMAP_BUCKET_BPS / 1e4);
    if (w < 1)
        w = 1;
    out->mark = (double)mark * val.quote_per_tick;
    out->bucket_bps = LIQMAP_BUCKET_BPS;
    out->mark_ticks = mark;
    out->width_ticks = w;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (uint32_t id = ACCOUNT_FIRST_TRADER; id < t->n; id++) {
        const account *a = &t->a[id];
        if (a->size == 0 || a->state != ACCOUNT_ACTIVE)
            continue;
        int in_range = a->size > 0 ? a->trigger >= t->min_mark
                                   : a->trigger <= t->max_mark;
        if (!in_range)
            continue;
        int64_t k = floor_div(a->trigger - mark, w);
        lo = k < lo ? k : lo;
        hi = k > hi ? k : hi;
    }
    out->first_bucket = lo <= hi ? lo : 0;
    if (lo <= hi) {
        out->n = (size_t)(hi - lo + 1);
        out->rows = calloc(out->n, sizeof *out->rows);
        if (!out->rows)
            return perr_set(e, PERR_NOMEM, "no memory for the liquidation map");
    }
    for (size_t r = 0; r < out->n; r++) {
        int64_t k = lo + (int64_t)r;
        out->rows[r].price_low = (double)(mark + k * w) * val.quote_per_tick;
        out->rows[r].price_high =
            (double)(mark + (k + 1) * w) * val.quote_per_tick;
    }
    /* Every account with a position, the fund's and the vault's too (ids 0
     * and 1 are held out of the trigger index: beyond the range). */
    for (uint32_t id = 0; id < t->n; id++) {
        held h = held_by(t, id, mark, val);
        if (h.side == 0)
            continue;
        *(h.side > 0 ? &out->long_lots : &out->short_lots) += h.lots;
        if (!h.in_range) {
            *(h.side > 0 ? &out->long_beyond : &out->short_beyond) +=
                h.notional;
            continue;
        }
        liqmap_row *row = &out->rows[floor_div(h.trigger - mark, w) - lo];
        if (h.side > 0) {
            row->long_notional += h.notional;
            row->long_positions++;
        } else {
            row->short_notional += h.notional;
            row->short_positions++;
        }
    }
    return 0;
}

int liqmap_grid_init(liqmap_grid *g, const liqmap *m, perr *e)
{
    memset(g, 0, sizeof *g);
    g->buckets = m->n;
    g->bucket_bps = m->bucket_bps;
    g->mark_ticks = m->mark_ticks;
    g->width_ticks = m->width_ticks;
    g->first_bucket = m->first_bucket;
    g->price_low = calloc(m->n ? m->n : 1, sizeof *g->price_low);
    if (!g->price_low)
        return perr_set(e, PERR_NOMEM, "no memory for the liquidation map");
    for (size_t r = 0; r < m->n; r++)
        g->price_low[r] = m->rows[r].price_low;
    return 0;
}

/* Room for one more sample. */
static int grid_grow(liqmap_grid *g, perr *e)
{
    if (g->n < g->cap)
        return 0;
    size_t cap = g->cap ? 2 * g->cap : 64;
    double **one[] = {&g->t, &g->mark, &g->long_beyond, &g->short_beyond,
                      &g->long_off_grid, &g->short_off_grid};
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++) {
        double *p = realloc(*one[i], cap * sizeof **one[i]);
        if (!p)
            return perr_set(e, PERR_NOMEM, "no memory for the liquidation map");
        *one[i] = p;
    }
    size_t row = g->buckets ? g->buckets : 1;
    double **cells[] = {&g->longs, &g->shorts};
    for (size_t i = 0; i < 2; i++) {
        double *p = realloc(*cells[i], cap * row * sizeof **cells[i]);
        if (!p)
            return perr_set(e, PERR_NOMEM, "no memory for the liquidation map");
        *cells[i] = p;
    }
    g->cap = cap;
    return 0;
}

int liqmap_grid_sample(liqmap_grid *g, const venue *v, double t_s, perr *e)
{
    int rc = grid_grow(g, e);
    if (rc != 0)
        return rc;
    const accounts *t = venue_accounts(v);
    int64_t mark = venue_mark(v);
    valuation val = valuation_of(v);
    size_t k = g->n++;
    double *longs = g->longs + k * g->buckets;
    double *shorts = g->shorts + k * g->buckets;
    memset(longs, 0, g->buckets * sizeof *longs);
    memset(shorts, 0, g->buckets * sizeof *shorts);
    g->t[k] = t_s;
    g->mark[k] = (double)mark * val.quote_per_tick;
    double lb = 0, sb = 0, lo = 0, so = 0;
    for (uint32_t id = 0; id < t->n; id++) {
        held h = held_by(t, id, mark, val);
        if (h.side == 0)
            continue;
        if (!h.in_range) {
            *(h.side > 0 ? &lb : &sb) += h.notional;
            continue;
        }
        int64_t r = floor_div(h.trigger - g->mark_ticks, g->width_ticks)
                    - g->first_bucket;
        if (r < 0 || (uint64_t)r >= g->buckets)
            *(h.side > 0 ? &lo : &so) += h.notional;
        else
            (h.side > 0 ? longs : shorts)[r] += h.notional;
    }
    g->long_beyond[k] = lb;
    g->short_beyond[k] = sb;
    g->long_off_grid[k] = lo;
    g->short_off_grid[k] = so;
    return 0;
}

void liqmap_grid_free(liqmap_grid *g)
{
    double *arrays[] = {g->price_low, g->t, g->mark, g->longs, g->shorts,
                        g->long_beyond, g->short_beyond, g->long_off_grid,
                        g->short_off_grid};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
        free(arrays[i]);
    memset(g, 0, sizeof *g);
}

void liqmap_free(liqmap *m)
{
    free(m->rows);
    memset(m, 0, sizeof *m);
}
