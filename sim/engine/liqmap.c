/*
 * liqmap: a venue's liquidation map (liqmap.h), from one pass over its
 * accounts: each position's trigger (account.h keeps it) into its bucket.
 */
#include "liqmap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    const profile *p = venue_profile(v);
    int64_t mark = venue_mark(v);
    /* Quote currency per lot per tick, as the open interest is valued. */
    double quote_per_tick = profile_cash_to_quote(p, 1)
                            * (double)p->cash_per_tick_lot;
    double ticks_to_quote =
        1 / profile_price_to_ticks(p, (profile_decimal){1, 0});
    int64_t w = (int64_t)llround((double)mark * LIQMAP_BUCKET_BPS / 1e4);
    if (w < 1)
        w = 1;
    out->mark = (double)mark * ticks_to_quote;
    out->bucket_bps = LIQMAP_BUCKET_BPS;
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
    if (lo <= hi) {
        out->n = (size_t)(hi - lo + 1);
        out->rows = calloc(out->n, sizeof *out->rows);
        if (!out->rows)
            return perr_set(e, PERR_NOMEM, "no memory for the liquidation map");
    }
    for (size_t r = 0; r < out->n; r++) {
        int64_t k = lo + (int64_t)r;
        out->rows[r].price_low = (double)(mark + k * w) * ticks_to_quote;
        out->rows[r].price_high = (double)(mark + (k + 1) * w) * ticks_to_quote;
    }
    /* Every account with a position, the fund's and the vault's too (ids 0
     * and 1 are held out of the trigger index: beyond the range). */
    for (uint32_t id = 0; id < t->n; id++) {
        const account *a = &t->a[id];
        if (a->size == 0)
            continue;
        int side = a->size > 0 ? 1 : -1;
        int64_t lots = side > 0 ? a->size : -a->size;
        double notional = (double)lots * (double)mark * quote_per_tick;
        if (side > 0)
            out->long_lots += lots;
        else
            out->short_lots += lots;
        int in_range = id >= ACCOUNT_FIRST_TRADER && a->state == ACCOUNT_ACTIVE
                       && (side > 0 ? a->trigger >= t->min_mark
                                    : a->trigger <= t->max_mark);
        if (!in_range) {
            *(side > 0 ? &out->long_beyond : &out->short_beyond) += notional;
            continue;
        }
        liqmap_row *row = &out->rows[floor_div(a->trigger - mark, w) - lo];
        if (side > 0) {
            row->long_notional += notional;
            row->long_positions++;
        } else {
            row->short_notional += notional;
            row->short_positions++;
        }
    }
    return 0;
}

void liqmap_free(liqmap *m)
{
    free(m->rows);
    memset(m, 0, sizeof *m);
}
