/*
 * Property test of the order book (sim/engine/book.h): long random sequences
 * of operations run against both the book and a reference model written here
 * to be obviously correct (an array of orders in arrival order, scanned
 * linearly), and every fill, every outcome and every query must agree.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "book.h"
#include "support_book.h"


/* splitmix64: a small deterministic generator local to the test. */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static int64_t rng_range(uint64_t *state, int64_t lo, int64_t hi) /* inclusive */
{
    return lo + (int64_t)(rng_next(state) % (uint64_t)(hi - lo + 1));
}

typedef struct ref_order {
    book_id id;
    int64_t price, size;
    uint32_t owner;
    int side;
    unsigned flags;
} ref_order;

/* The reference: live orders in arrival order, nothing else. */
typedef struct ref_book {
    int64_t lo, hi;
    ref_order *orders;
    size_t n, cap;
    book_fill *fills;
    size_t nfills, fill_cap;
} ref_book;

static void ref_push_fill(ref_book *rb, book_fill f)
{
    if (rb->nfills == rb->fill_cap) {
        rb->fill_cap = rb->fill_cap ? 2 * rb->fill_cap : 256;
        rb->fills = realloc(rb->fills, rb->fill_cap * sizeof *rb->fills);
        cr_assert_not_null(rb->fills);
    }
    rb->fills[rb->nfills++] = f;
}

static void ref_remove(ref_book *rb, size_t i)
{
    memmove(&rb->orders[i], &rb->orders[i + 1], (rb->n - i - 1) * sizeof *rb->orders);
    rb->n--;
}

static ref_order *ref_find(ref_book *rb, book_id id, size_t *at)
{
    for (size_t i = 0; i < rb->n; i++)
        if (rb->orders[i].id == id) {
            if (at)
                *at = i;
            return &rb->orders[i];
        }
    return NULL;
}

static int64_t ref_best(const ref_book *rb, int side)
{
    int64_t best = BOOK_NO_PRICE;
    for (size_t i = 0; i < rb->n; i++) {
        const ref_order *o = &rb->orders[i];
        if (o->side == side &&
            (best == BOOK_NO_PRICE || (side == BOOK_BUY ? o->price > best : o->price < best)))
            best = o->price;
    }
    return best;
}

/* The earliest order at the best price of side, or -1. */
static long ref_best_order(const ref_book *rb, int side)
{
    long found = -1;
    for (size_t i = 0; i < rb->n; i++) {
        const ref_order *o = &rb->orders[i];
        if (o->side != side)
            continue;
        if (found < 0 || (side == BOOK_BUY ? o->price > rb->orders[found].price
                                           : o->price < rb->orders[found].price))
            found = (long)i;
    }
    return found;
}

static int64_t ref_resting_size(const ref_book *rb)
{
    int64_t total = 0;
    for (size_t i = 0; i < rb->n; i++)
        total += rb->orders[i].size;
    return total;
}

/* Whether a taker on side with limit price may trade at price. */
static bool within(int side, int64_t price, int64_t limit)
{
    return side == BOOK_BUY ? price <= limit : price >= limit;
}

/* The reference's book_submit; the new order's id comes from the book (the
 * model checks ids for uniqueness elsewhere, it does not invent them). */
static int ref_submit(ref_book *rb, const book_order_spec *s, book_id id, book_result *r)
{
    memset(r, 0, sizeof *r);
    bool may_rest = s->type == BOOK_LIMIT || s->type == BOOK_POST_ONLY;
    if ((s->side != BOOK_BUY && s->side != BOOK_SELL) || (unsigned)s->type > BOOK_MARKET ||
        (s->flags & ~3u) || s->size <= 0 || s->price < rb->lo || s->price > rb->hi ||
        s->owner >= BOOK_OWNER_MAX)
        return PERR_INVALID;
    if (may_rest && (s->size > BOOK_REST_SIZE_MAX ||
                     s->size > INT64_MAX / rb->hi - ref_resting_size(rb)))
        return PERR_RANGE;
    r->first_fill = rb->nfills;
    int opp = -s->side;
    int64_t best = ref_best(rb, opp);
    bool crosses = best != BOOK_NO_PRICE && within(s->side, best, s->price);
    if (s->type == BOOK_POST_ONLY && crosses) {
        r->outcome = BOOK_REJECTED;
        r->unfilled = s->size;
        return 0;
    }
    if (s->type == BOOK_FOK) {
        int64_t avail = 0;
        for (size_t i = 0; i < rb->n; i++) {
            const ref_order *o = &rb->orders[i];
            if (o->side == opp && within(s->side, o->price, s->price))
                avail += o->size;
        }
        if (avail < s->size) {
            r->outcome = BOOK_KILLED;
            r->unfilled = s->size;
            return 0;
        }
    }
    r->id = id;
    int64_t left = s->size;
    while (left > 0) {
        long m = ref_best_order(rb, opp);
        if (m < 0)
            break;
        ref_order *o = &rb->orders[m];
        if (!within(s->side, o->price, s->price))
            break;
        int64_t f = o->size < left ? o->size : left;
        book_fill fill;
        memset(&fill, 0, sizeof fill);
        fill.maker_id = o->id;
        fill.taker_id = id;
        fill.price = o->price;
        fill.size = f;
        fill.maker_owner = o->owner;
        fill.taker_owner = s->owner;
        fill.taker_side = (int8_t)s->side;
        fill.is_liquidation = (s->flags & BOOK_LIQUIDATION) ? 1 : 0;
        fill.maker_flags = (uint8_t)o->flags;
        fill.taker_flags = (uint8_t)s->flags;
        fill.maker_done = f == o->size;
        ref_push_fill(rb, fill);
        r->filled += f;
        r->filled_notional += f * o->price;
        left -= f;
        o->size -= f;
        if (o->size == 0)
            ref_remove(rb, (size_t)m);
    }
    r->nfills = rb->nfills - r->first_fill;
    if (left > 0 && may_rest) {
        if (rb->n == rb->cap) {
            rb->cap = rb->cap ? 2 * rb->cap : 256;
            rb->orders = realloc(rb->orders, rb->cap * sizeof *rb->orders);
            cr_assert_not_null(rb->orders);
        }
        rb->orders[rb->n++] = (ref_order){id, s->price, left, s->owner, s->side, s->flags};
        r->rested = left;
        r->outcome = BOOK_RESTED;
    } else {
        r->unfilled = left;
        r->outcome = left > 0 ? BOOK_EXPIRED : BOOK_FILLED;
    }
    return 0;
}

/* The levels of one side, best first, by sorting the orders' prices. */
static int compare_levels_up(const void *a, const void *b)
{
    int64_t x = ((const book_level *)a)->price, y = ((const book_level *)b)->price;
    return x < y ? -1 : x > y;
}

static size_t ref_levels(const ref_book *rb, int side, book_level *out)
{
    size_t n = 0;
    for (size_t i = 0; i < rb->n; i++)
        if (rb->orders[i].side == side)
            out[n++] = (book_level){rb->orders[i].price, rb->orders[i].size};
    qsort(out, n, sizeof *out, compare_levels_up);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m > 0 && out[m - 1].price == out[i].price)
            out[m - 1].size += out[i].size;
        else
            out[m++] = out[i];
    }
    if (side == BOOK_BUY)
        for (size_t i = 0; i < m / 2; i++) {
            book_level t = out[i];
            out[i] = out[m - 1 - i];
            out[m - 1 - i] = t;
        }
    return m;
}

static book_impact ref_impact(const book_level *lv, size_t n, int64_t notional)
{
    int64_t left = notional, whole = 0, partial = 0, last = BOOK_NO_PRICE;
    for (size_t i = 0; i < n && left > 0; i++) {
        int64_t level_notional = lv[i].size * lv[i].price;
        last = lv[i].price;
        if (level_notional <= left) {
            left -= level_notional;
            whole += lv[i].size;
        } else {
            partial = left;
            left = 0;
        }
    }
    book_impact r;
    r.notional = notional - left;
    r.whole_lots = whole;
    r.last_price = last;
    r.complete = left == 0;
    r.price = r.notional > 0 ? (double)r.notional / ((double)whole + (double)partial / (double)last)
                             : 0.0;
    return r;
}

#define CHECK(cond, ...)                                                                       \
    do {                                                                                       \
        if (!(cond))                                                                           \
            cr_assert_fail(__VA_ARGS__);                                                       \
    } while (0)

typedef struct prop_config {
    uint64_t seed;
    int64_t lo, hi;      /* the book's range */
    int64_t mean_dist;   /* ticks from the mid, mostly */
    int64_t far_dist;    /* ticks for the occasional far order */
    uint32_t owners;
    size_t capacity;     /* initial pool: small, so the pool grows */
    int ops;
    size_t target;       /* live orders the sequence hovers around */
} prop_config;

static void compare_fills(const book *b, const ref_book *rb, int op)
{
    size_t n;
    const book_fill *f = book_fills(b, &n);
    CHECK(n == rb->nfills, "op %d: %zu fills in the book, %zu in the model", op, n, rb->nfills);
    for (size_t i = 0; i < n; i++) {
        const book_fill *x = &f[i], *y = &rb->fills[i];
        CHECK(x->maker_id == y->maker_id && x->taker_id == y->taker_id && x->price == y->price &&
                  x->size == y->size && x->maker_owner == y->maker_owner &&
                  x->taker_owner == y->taker_owner && x->taker_side == y->taker_side &&
                  x->is_liquidation == y->is_liquidation && x->maker_flags == y->maker_flags &&
                  x->taker_flags == y->taker_flags && x->maker_done == y->maker_done,
              "op %d: fill %zu differs: book maker %llx taker %llx %lld@%lld, model maker %llx "
              "taker %llx %lld@%lld",
              op, i, (unsigned long long)x->maker_id, (unsigned long long)x->taker_id,
              (long long)x->size, (long long)x->price, (unsigned long long)y->maker_id,
              (unsigned long long)y->taker_id, (long long)y->size, (long long)y->price);
    }
}

static void compare_queries(const book *b, const ref_book *rb, uint64_t *rng, int op,
                            book_level *scratch, book_level *got)
{
    int64_t bid = ref_best(rb, BOOK_BUY), ask = ref_best(rb, BOOK_SELL);
    CHECK(book_best_bid(b) == bid, "op %d: best bid %lld, model %lld", op,
          (long long)book_best_bid(b), (long long)bid);
    CHECK(book_best_ask(b) == ask, "op %d: best ask %lld, model %lld", op,
          (long long)book_best_ask(b), (long long)ask);
    bool both = bid != BOOK_NO_PRICE && ask != BOOK_NO_PRICE;
    int64_t mid_x2 = both ? bid + ask : BOOK_NO_PRICE;
    CHECK(book_mid_x2(b) == mid_x2, "op %d: mid", op);
    CHECK(book_spread(b) == (both ? ask - bid : BOOK_NO_PRICE), "op %d: spread", op);
    CHECK(book_order_count(b) == rb->n, "op %d: %zu orders, model %zu", op, book_order_count(b),
          rb->n);

    static const int64_t fixed_bps[] = {0, 1, 50, 100, 500, 10000};
    for (int side = -1; side <= 1; side += 2) {
        size_t n = ref_levels(rb, side, scratch);
        size_t want = (size_t)rng_range(rng, 0, 24);
        size_t k = book_levels(b, side, got, want);
        CHECK(k == (n < want ? n : want), "op %d: %zu top levels, model %zu", op, k,
              n < want ? n : want);
        for (size_t i = 0; i < k; i++)
            CHECK(got[i].price == scratch[i].price && got[i].size == scratch[i].size,
                  "op %d: level %zu is %lld x %lld, model %lld x %lld", op, i,
                  (long long)got[i].price, (long long)got[i].size, (long long)scratch[i].price,
                  (long long)scratch[i].size);
        size_t count = 0;
        for (size_t i = 0; i < rb->n; i++)
            count += rb->orders[i].side == side;
        CHECK(book_side_order_count(b, side) == count, "op %d: side count", op);

        for (int j = 0; j < 7; j++) {
            int64_t bps = j < 6 ? fixed_bps[j] : rng_range(rng, 0, 3000);
            int64_t want_size = 0, want_notional = 0;
            for (size_t i = 0; both && i < n; i++) {
                int64_t p = scratch[i].price;
                bool in = side == BOOK_BUY ? 20000 * p >= mid_x2 * (10000 - bps)
                                           : 20000 * p <= mid_x2 * (10000 + bps);
                if (in) {
                    want_size += scratch[i].size;
                    want_notional += scratch[i].size * p;
                }
            }
            int64_t size;
            int64_t notional = book_depth(b, side, bps, &size);
            CHECK(notional == want_notional && size == want_size,
                  "op %d: depth side %d at %lld bps is %lld (%lld lots), model %lld (%lld lots)",
                  op, side, (long long)bps, (long long)notional, (long long)size,
                  (long long)want_notional, (long long)want_size);
        }

        int64_t lo = rng_range(rng, rb->lo - 10, rb->hi + 10);
        int64_t hi = rng_range(rng, lo - 5, rb->hi + 10);
        int64_t want_size = 0, want_notional = 0;
        for (size_t i = 0; i < n; i++)
            if (scratch[i].price >= lo && scratch[i].price <= hi) {
                want_size += scratch[i].size;
                want_notional += scratch[i].size * scratch[i].price;
            }
        int64_t size;
        int64_t notional = book_depth_between(b, side, lo, hi, &size);
        CHECK(notional == want_notional && size == want_size,
              "op %d: depth between %lld and %lld on side %d", op, (long long)lo, (long long)hi,
              side);

        /* Impact: a notional the side usually covers, and sometimes not. */
        int64_t total = 0;
        for (size_t i = 0; i < n; i++)
            total += scratch[i].size * scratch[i].price;
        int64_t request = rng_range(rng, 1, total + total / 4 + 10);
        book_impact want_imp = ref_impact(scratch, n, request), imp;
        CHECK(book_impact_price(b, -side, request, &imp, NULL) == 0, "op %d: impact failed", op);
        CHECK(imp.notional == want_imp.notional && imp.whole_lots == want_imp.whole_lots &&
                  imp.last_price == want_imp.last_price && imp.complete == want_imp.complete &&
                  imp.price == want_imp.price,
              "op %d: impact of %lld against side %d: book %.10g (%lld, %lld lots, last %lld, "
              "complete %d), model %.10g (%lld, %lld lots, last %lld, complete %d)",
              op, (long long)request, side, imp.price, (long long)imp.notional,
              (long long)imp.whole_lots, (long long)imp.last_price, imp.complete,
              want_imp.price, (long long)want_imp.notional, (long long)want_imp.whole_lots,
              (long long)want_imp.last_price, want_imp.complete);
    }

    if (rb->n > 0) {
        const ref_order *o = &rb->orders[rng_next(rng) % rb->n];
        book_order_info info;
        CHECK(book_lookup(b, o->id, &info, NULL) == 0 && info.price == o->price &&
                  info.size == o->size && info.owner == o->owner && info.side == o->side &&
                  info.flags == o->flags,
              "op %d: lookup of a live order disagrees", op);
    }
}

/* Adds id to the list of every id the book issued. */
static void remember_id(book_id **ids, size_t *n, size_t *cap, book_id id)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 1024;
        *ids = realloc(*ids, *cap * sizeof **ids);
        cr_assert_not_null(*ids);
    }
    (*ids)[(*n)++] = id;
}

static void run_property(const prop_config *cfg)
{
    uint64_t rng = cfg->seed;
    book *b = make_book(cfg->lo, cfg->hi, cfg->capacity);
    ref_book rb;
    memset(&rb, 0, sizeof rb);
    rb.lo = cfg->lo;
    rb.hi = cfg->hi;
    size_t scratch_cap = 4096;
    book_level *scratch = malloc(scratch_cap * sizeof *scratch);
    book_level *got = malloc(32 * sizeof *got);
    cr_assert(scratch && got);
    book_id *issued = NULL;
    size_t nissued = 0, issued_cap = 0;
    int64_t mid = (cfg->lo + cfg->hi) / 2;

    for (int op = 0; op < cfg->ops; op++) {
        if (rb.n + 16 > scratch_cap) {
            scratch_cap *= 2;
            scratch = realloc(scratch, scratch_cap * sizeof *scratch);
            cr_assert_not_null(scratch);
        }
        if (rng_next(&rng) % 8 == 0)
            mid += rng_next(&rng) % 2 ? 1 : -1;
        if (mid < cfg->lo)
            mid = cfg->lo;
        if (mid > cfg->hi)
            mid = cfg->hi;

        unsigned roll = (unsigned)(rng_next(&rng) % 100);
        if (rb.n > cfg->target && roll < 50)
            roll = 75; /* shed orders by cancelling */
        if (roll < 72) {
            /* submit: a random type, side, price near the mid (or far), size */
            book_order_spec s;
            s.side = rng_next(&rng) % 2 ? BOOK_BUY : BOOK_SELL;
            unsigned t = (unsigned)(rng_next(&rng) % 100);
            s.type = t < 60   ? BOOK_LIMIT
                     : t < 72 ? BOOK_POST_ONLY
                     : t < 82 ? BOOK_IOC
                     : t < 91 ? BOOK_FOK
                              : BOOK_MARKET;
            int64_t dist = rng_next(&rng) % 16 == 0 ? rng_range(&rng, 0, cfg->far_dist)
                                                    : rng_range(&rng, 0, 2 * cfg->mean_dist);
            /* an eighth of the orders lean across the mid so that they trade */
            if (rng_next(&rng) % 8 == 0)
                dist = -rng_range(&rng, 0, cfg->mean_dist);
            s.price = s.side == BOOK_BUY ? mid - dist : mid + dist;
            if (s.price < cfg->lo)
                s.price = cfg->lo;
            if (s.price > cfg->hi)
                s.price = cfg->hi;
            s.size = rng_next(&rng) % 10 == 0 ? rng_range(&rng, 1, 300) : rng_range(&rng, 1, 12);
            s.owner = rng_next(&rng) % 50 == 0 ? (uint32_t)rng_range(&rng, 0, 5000)
                                               : (uint32_t)(rng_next(&rng) % cfg->owners);
            unsigned fl = (unsigned)(rng_next(&rng) % 16);
            s.flags = (fl & 1 ? BOOK_REDUCE_ONLY : 0) | (fl & 2 ? BOOK_LIQUIDATION : 0);
            /* now and then an invalid one */
            unsigned inv = (unsigned)(rng_next(&rng) % 40);
            if (inv == 0)
                s.size = -(int64_t)(rng_next(&rng) % 3);
            else if (inv == 1)
                s.price = rng_next(&rng) % 2 ? cfg->lo - 1 - (int64_t)(rng_next(&rng) % 5)
                                             : cfg->hi + 1 + (int64_t)(rng_next(&rng) % 5);
            else if (inv == 2)
                s.owner = BOOK_OWNER_MAX + (uint32_t)(rng_next(&rng) % 3);

            book_result r, want;
            int rc = book_submit(b, &s, &r, NULL);
            int want_rc = ref_submit(&rb, &s, rc == 0 ? r.id : BOOK_NO_ID, &want);
            CHECK(rc == want_rc, "op %d: submit returned %d, model %d", op, rc, want_rc);
            if (rc == 0) {
                CHECK(r.id == want.id && r.outcome == want.outcome && r.filled == want.filled &&
                          r.filled_notional == want.filled_notional && r.rested == want.rested &&
                          r.unfilled == want.unfilled && r.first_fill == want.first_fill &&
                          r.nfills == want.nfills,
                      "op %d: result differs: outcome %d/%d filled %lld/%lld rested %lld/%lld",
                      op, r.outcome, want.outcome, (long long)r.filled, (long long)want.filled,
                      (long long)r.rested, (long long)want.rested);
                if (r.id != BOOK_NO_ID)
                    remember_id(&issued, &nissued, &issued_cap, r.id);
            }
        } else if (roll < 84) {
            /* cancel: mostly a live order, sometimes an id that is gone */
            book_id id;
            if (rb.n > 0 && rng_next(&rng) % 5 != 0)
                id = rb.orders[rng_next(&rng) % rb.n].id;
            else if (nissued > 0)
                id = issued[rng_next(&rng) % nissued];
            else
                id = rng_next(&rng);
            size_t at;
            ref_order *o = ref_find(&rb, id, &at);
            int64_t cancelled = -1;
            int rc = book_cancel(b, id, &cancelled, NULL);
            CHECK(rc == (o ? 0 : PERR_INVALID), "op %d: cancel returned %d", op, rc);
            if (o) {
                CHECK(cancelled == o->size, "op %d: cancelled size", op);
                ref_remove(&rb, at);
            }
        } else if (roll < 96) {
            /* amend: in range, to the same size, up, or to zero */
            if (rb.n == 0)
                continue;
            ref_order *o = &rb.orders[rng_next(&rng) % rb.n];
            int64_t to = rng_range(&rng, -1, o->size + 1);
            int rc = book_amend(b, o->id, to, NULL);
            bool ok = to >= 1 && to <= o->size;
            CHECK(rc == (ok ? 0 : PERR_INVALID), "op %d: amend to %lld returned %d", op,
                  (long long)to, rc);
            if (ok)
                o->size = to;
        } else if (roll < 98) {
            uint32_t owner = (uint32_t)(rng_next(&rng) % (cfg->owners + 2));
            size_t want = 0;
            for (size_t i = 0; i < rb.n;) {
                if (rb.orders[i].owner == owner) {
                    ref_remove(&rb, i);
                    want++;
                } else {
                    i++;
                }
            }
            size_t got_n = book_cancel_owner(b, owner);
            CHECK(got_n == want, "op %d: cancel_owner removed %zu, model %zu", op, got_n, want);
        } else {
            /* a big sweep, to cross many levels and blocks */
            book_order_spec s = {rng_next(&rng) % 2 ? cfg->hi : cfg->lo,
                                 rng_range(&rng, 1, 400),
                                 (uint32_t)(rng_next(&rng) % cfg->owners),
                                 BOOK_BUY,
                                 rng_next(&rng) % 2 ? BOOK_MARKET : BOOK_IOC,
                                 0};
            s.side = s.price == cfg->hi ? BOOK_BUY : BOOK_SELL;
            book_result r, want;
            int rc = book_submit(b, &s, &r, NULL);
            int want_rc = ref_submit(&rb, &s, rc == 0 ? r.id : BOOK_NO_ID, &want);
            CHECK(rc == want_rc && rc == 0, "op %d: sweep returned %d", op, rc);
            CHECK(r.filled == want.filled && r.unfilled == want.unfilled, "op %d: sweep", op);
            remember_id(&issued, &nissued, &issued_cap, r.id);
        }

        compare_fills(b, &rb, op);
        if (rng_next(&rng) % 3 == 0) {
            book_clear_fills(b);
            rb.nfills = 0;
        }
        compare_queries(b, &rb, &rng, op, scratch, got);
    }

    qsort(issued, nissued, sizeof *issued, compare_ids);
    for (size_t i = 1; i < nissued; i++)
        CHECK(issued[i] != issued[i - 1], "id %llx issued twice", (unsigned long long)issued[i]);

    free(issued);
    free(scratch);
    free(got);
    free(rb.orders);
    free(rb.fills);
    book_free(b);
}

/* Sixty ticks: one bitmap block, constant crossing, the pool growing from one
 * slot. */
Test(property, narrow_book_agrees_with_reference)
{
    prop_config cfg = {11, 100, 160, 4, 30, 8, 1, 40000, 120};
    run_property(&cfg);
}

/* A few thousand ticks: orders spread over tens of blocks. */
Test(property, clustered_book_agrees_with_reference)
{
    prop_config cfg = {22, 1000, 6000, 40, 2000, 40, 16, 40000, 250};
    run_property(&cfg);
}

/* Three million ticks (a four-level bitmap) with orders far apart, so that
 * the searches for the next level climb the hierarchy. */
Test(property, wide_sparse_book_agrees_with_reference)
{
    prop_config cfg = {33, 1, 3000000, 200, 1400000, 25, 4, 30000, 200};
    run_property(&cfg);
}

/* A range that starts and ends mid-block, with many owners. */
Test(property, unaligned_book_agrees_with_reference)
{
    prop_config cfg = {44, 4095, 4095 + 777, 20, 400, 300, 64, 30000, 300};
    run_property(&cfg);
}
