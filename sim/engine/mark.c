/*
 * mark: the mark-price rules of docs/mechanics.md section 2, as mark.h
 * states them:
 *   - Binance: median(P1, P2, last), P1 = index x (1 + last funding rate x
 *     time to the next funding / interval), P2 = index + the moving average
 *     of (mid - index) over 30 one-second samples;
 *   - Bybit: the same with a 5-minute average sampled each second;
 *   - BitMEX: fair price = index x (1 + funding rate x time until funding /
 *     interval);
 *   - Hyperliquid: median(oracle + 150 s EMA(mid - oracle),
 *     median(bid, ask, last), other venues' perp mids);
 *   - dYdX v4: the oracle price.
 * Windows and periods come from the profile, and how the components are
 * combined from its rule (models/rules/mark_*.c, through models/rule.h);
 * this file keeps the basis state a rule declares it reads (a ring for a
 * moving average, or an EMA) and knows no rule by name.
 *
 * State: a ring of the last `cap` basis samples with their running sum
 * (recomputed from the ring each time the ring wraps, so rounding cannot
 * drift), or the EMA; the basis left by the last update (what the next
 * samples measure); the next sample instant.
 */
#include "mark.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rule.h"

#define MARK_RING_MAX ((int64_t)1 << 24)

struct mark {
    const profile *p;
    int64_t sample_ms;
    double decay; /* HL: exp(-sample / window) */

    size_t cap, count, head; /* head: the slot the next sample goes to */
    double sum;

    double ema;
    int ema_valid;

    int64_t next_sample; /* -1 before the first update */
    double held_basis;   /* the basis in force since the last update */
    int held_valid;
    int64_t mark;

    /* The venue rule's inputs. */
    double index;
    double external_mid;
    int64_t last;
    const funding *f;

    double ring[]; /* cap samples, in the state's own allocation */
};

int mark_check(const profile *p, perr *e)
{
    if (!p->mark_rule)
        return perr_set(e, PERR_INVALID, "%s: no mark_rule", p->name);
    if (p->mark_rule->basis == RULE_BASIS_NONE)
        return 0;
    if (p->mark_sample_ms <= 0)
        return perr_set(e, PERR_INVALID, "%s: mark_sample_ms must be > 0",
                        p->name);
    if (p->mark_window_ms < p->mark_sample_ms
        || p->mark_window_ms / p->mark_sample_ms > MARK_RING_MAX)
        return perr_set(e, PERR_INVALID,
                        "%s: mark_window_ms must hold 1 to %lld samples of "
                        "mark_sample_ms",
                        p->name, (long long)MARK_RING_MAX);
    return 0;
}

mark *mark_new(const profile *p, perr *e)
{
    if (mark_check(p, e) != 0)
        return NULL;
    /* An averaging rule's ring, of at most MARK_RING_MAX samples
     * (mark_check), is allocated with the state. */
    size_t cap = p->mark_rule->basis == RULE_BASIS_AVERAGE
                     ? (size_t)(p->mark_window_ms / p->mark_sample_ms)
                     : 0;
    mark *m = perr_zalloc(e, sizeof *m + cap * sizeof *m->ring,
                          "no memory for a mark state of %zu samples", cap);
    if (!m)
        return NULL;
    m->p = p;
    m->cap = cap;
    m->next_sample = -1;
    m->index = NAN;
    m->external_mid = NAN;
    m->last = BOOK_NO_PRICE;
    if (p->mark_rule->basis == RULE_BASIS_NONE)
        return m;
    m->sample_ms = p->mark_sample_ms;
    m->decay = exp(-(double)p->mark_sample_ms / (double)p->mark_window_ms);
    return m;
}

void mark_free(mark *m) { free(m); }

int64_t mark_price(const mark *m)
{
    return m->mark;
}

/* Appends k samples of value b to the ring. */
static void ring_push(mark *m, double b, int64_t k)
{
    if (k >= (int64_t)m->cap) {
        for (size_t i = 0; i < m->cap; i++)
            m->ring[i] = b;
        m->count = m->cap;
        m->head = 0;
        m->sum = b * (double)m->cap;
        return;
    }
    for (int64_t j = 0; j < k; j++) {
        if (m->count == m->cap)
            m->sum -= m->ring[m->head];
        else
            m->count++;
        m->ring[m->head] = b;
        m->sum += b;
        if (++m->head == m->cap) {
            m->head = 0;
            if (m->count == m->cap) {
                /* Once per ring: the sum afresh, so rounding cannot drift. */
                double s = 0;
                for (size_t i = 0; i < m->cap; i++)
                    s += m->ring[i];
                m->sum = s;
            }
        }
    }
}

/* Takes the k samples due, all of the basis held since the last update. */
static void take_samples(mark *m, int64_t k)
{
    if (!m->held_valid || k <= 0)
        return;
    double b = m->held_basis;
    if (m->p->mark_rule->basis == RULE_BASIS_EMA) {
        if (!m->ema_valid) {
            m->ema = b;
            m->ema_valid = 1;
            return;
        }
        /* k steps toward a constant b, in closed form. */
        m->ema = b + (m->ema - b) * pow(m->decay, (double)k);
        return;
    }
    ring_push(m, b, k);
}

static double price_or_nan(int64_t p)
{
    return p == BOOK_NO_PRICE ? NAN : (double)p;
}

int64_t mark_update(mark *m, const mark_inputs *in, mark_parts *parts)
{
    mark_parts r = {NAN, NAN, NAN, NAN, NAN, 0};
    const profile *p = m->p;
    if (m->sample_ms > 0) {
        if (m->next_sample < 0) {
            m->next_sample = (in->now / m->sample_ms + 1) * m->sample_ms;
        } else if (in->now >= m->next_sample) {
            int64_t k = (in->now - m->next_sample) / m->sample_ms + 1;
            take_samples(m, k);
            m->next_sample += k * m->sample_ms;
        }
        int sides = in->bid != BOOK_NO_PRICE && in->ask != BOOK_NO_PRICE;
        m->held_valid = sides && isfinite(in->index);
        if (m->held_valid)
            m->held_basis = ((double)in->bid + (double)in->ask) / 2.0
                            - in->index;
    }
    if (!(isfinite(in->index) && in->index > 0)) {
        if (parts)
            *parts = r;
        return 0;
    }

    double index = in->index;
    double fraction = 0.0;
    if (in->interval_ms > 0) {
        int64_t to_next = in->to_next_ms < 0 ? 0
                          : in->to_next_ms > in->interval_ms ? in->interval_ms
                                                             : in->to_next_ms;
        fraction = (double)in->funding_rate / (double)PROFILE_RATE_ONE
                   * (double)to_next / (double)in->interval_ms;
    }
    r.p1 = index * (1.0 + fraction);
    double held = m->held_valid ? m->held_basis : 0.0;
    if (p->mark_rule->basis == RULE_BASIS_EMA)
        r.basis_average = m->ema_valid ? m->ema : held;
    else if (m->count > 0)
        r.basis_average = m->sum / (double)m->count;
    else
        r.basis_average = held;
    r.p2 = index + r.basis_average;
    double book3[3] = {price_or_nan(in->bid), price_or_nan(in->ask),
                       price_or_nan(in->last)};
    r.book_median = rule_median(book3, 3);

    rule_mark_inputs ri = {
        index,
        r.p1,
        r.p2,
        r.book_median,
        price_or_nan(in->last),
        isfinite(in->external_mid) && in->external_mid > 0 ? in->external_mid
                                                           : NAN,
    };
    r.value = p->mark_rule->value(&ri);
    if (isfinite(r.value) && r.value >= 1.0 && r.value < 9.2e18)
        m->mark = llround(r.value);
    r.mark = m->mark;
    if (parts)
        *parts = r;
    return m->mark;
}

/* ---- as a venue's mark rule -------------------------------------------- */

void mark_attach(mark *m, venue *v, const funding *f)
{
    m->f = f;
    venue_set_mark_rule(v, mark_venue_rule, m);
}

void mark_set_index(mark *m, double index)
{
    m->index = index;
}

void mark_set_external_mid(mark *m, double mid)
{
    m->external_mid = mid;
}

int64_t mark_venue_rule(void *ctx, const venue *v)
{
    mark *m = ctx;
    const book *b = venue_book_view(v);
    size_t n;
    const book_fill *fills = book_fills(b, &n);
    if (n > 0)
        m->last = fills[n - 1].price;
    mark_inputs in;
    memset(&in, 0, sizeof in);
    in.now = venue_time(v);
    in.index = m->index;
    in.bid = book_best_bid(b);
    in.ask = book_best_ask(b);
    in.last = m->last;
    in.external_mid = m->external_mid;
    if (m->f) {
        in.funding_rate = funding_estimate(m->f, NULL);
        in.to_next_ms = funding_next_settlement(m->f) - in.now;
        in.interval_ms = funding_interval(m->f);
    }
    int64_t mk = mark_update(m, &in, NULL);
    return mk >= 1 ? mk : venue_mark(v);
}
