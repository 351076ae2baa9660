/*
 * book: one venue's limit order book and its matching engine.
 *
 * Prices are int64 ticks and sizes int64 lots (ARCHITECTURE.md, "Units and
 * exactness"); a price is therefore always on the tick grid, and the only
 * price check is the book's range [min_price, max_price], fixed when the book
 * is made. Bids and asks match in price-time priority. Every order the book
 * accepts gets an id; a resting order keeps it until it is filled or
 * cancelled, after which the id is stale for good and every call naming it
 * fails.
 *
 * Fills are appended to a buffer inside the book that the caller reads with
 * book_fills() and empties with book_clear_fills(); the book reports, the
 * account layer charges. Queries (best prices, mid, spread, depth near the
 * mid, impact prices, top levels) never change the book and are cheap enough
 * to call after every event.
 *
 * Self-trade: allowed. A taker may fill against its own owner's resting
 * orders; the fill is reported like any other, with maker_owner ==
 * taker_owner, and the account layer decides what a wash trade means.
 *
 * Units of the results: notional is ticks x lots (an int64, exact); a mid is
 * given in half ticks (bid + ask) so it stays an integer.
 */
#ifndef PERPSIM_BOOK_H
#define PERPSIM_BOOK_H

#include <stddef.h>
#include <stdint.h>

#include "perr.h"

/* An order id. Never 0, and not reused for another order until one slot of
 * the pool has been reused 2^32 - 1 times. */
typedef uint64_t book_id;
#define BOOK_NO_ID ((book_id)0)

/* Returned by price queries when the side (or, for the mid and spread, either
 * side) is empty. Real prices are at least 1 tick, so 0 is unambiguous. */
#define BOOK_NO_PRICE ((int64_t)0)

/* Limits of a book's price range: min_price >= 1, max_price <= BOOK_PRICE_MAX,
 * and at most BOOK_LEVELS_MAX prices (one level each) in the range: 16.7
 * million ticks, for example prices up to 1.67 million USD at 0.1 USD ticks. */
#define BOOK_PRICE_MAX ((int64_t)1 << 40)
#define BOOK_LEVELS_MAX ((int64_t)1 << 24)
/* The most lots one order may rest with (about 1.1e12); larger orders may
 * still trade as takers (IOC, FOK, MARKET). */
#define BOOK_REST_SIZE_MAX (((int64_t)1 << 40) - 1)
/* Owner (account) ids are small dense integers below this bound. */
#define BOOK_OWNER_MAX ((uint32_t)1 << 28)

/* Sides. A side argument to a query names the resting side (BOOK_BUY: bids);
 * in a spec or a fill it is the taker's side. */
enum { BOOK_BUY = 1, BOOK_SELL = -1 };

typedef enum book_type {
    BOOK_LIMIT,     /* trades what it crosses, the rest rests (good till cancel) */
    BOOK_IOC,       /* trades what it crosses up to its price, the rest is cancelled */
    BOOK_FOK,       /* trades its whole size within its price, or nothing at all */
    BOOK_POST_ONLY, /* rests; rejected whole if it would trade on arrival */
    BOOK_MARKET,    /* trades up to its price limit (the venue's band), the rest
                       is cancelled; matching is that of IOC, the type is kept
                       apart because venues treat market orders differently */
} book_type;

/* Order flags, carried to the fills and to book_lookup; the book's matching
 * does not depend on them. */
enum {
    BOOK_REDUCE_ONLY = 1u, /* for the account layer: may only reduce a position */
    BOOK_LIQUIDATION = 2u, /* the order is a forced liquidation */
};

/* How a submitted order ended. */
typedef enum book_outcome {
    BOOK_FILLED,   /* fully traded on arrival */
    BOOK_RESTED,   /* some or all of it rests in the book under result.id */
    BOOK_EXPIRED,  /* IOC or MARKET: traded what it could, the rest cancelled */
    BOOK_KILLED,   /* FOK that could not fill completely: nothing happened */
    BOOK_REJECTED, /* POST_ONLY that would have crossed: nothing happened */
} book_outcome;

typedef struct book_order_spec {
    int64_t price;  /* limit price in ticks; for MARKET the price limit (band):
                       never fills beyond it. Must lie in the book's range. */
    int64_t size;   /* lots, > 0 */
    uint32_t owner; /* account id, < BOOK_OWNER_MAX */
    int side;       /* BOOK_BUY or BOOK_SELL */
    book_type type;
    unsigned flags; /* BOOK_REDUCE_ONLY | BOOK_LIQUIDATION */
} book_order_spec;

typedef struct book_result {
    book_id id;              /* the order's id (also the taker id of its fills);
                                BOOK_NO_ID when KILLED or REJECTED */
    book_outcome outcome;
    int64_t filled;          /* lots traded on arrival */
    int64_t filled_notional; /* sum of price x size over those fills */
    int64_t rested;          /* lots left resting under id */
    int64_t unfilled;        /* lots neither traded nor rested (cancelled) */
    size_t first_fill;       /* this order's fills are book_fills()[first_fill .. */
    size_t nfills;           /*   first_fill + nfills) */
} book_result;

typedef struct book_fill {
    book_id maker_id;
    book_id taker_id;
    int64_t price; /* the maker's price */
    int64_t size;
    uint32_t maker_owner;
    uint32_t taker_owner;
    int8_t taker_side;      /* BOOK_BUY or BOOK_SELL */
    uint8_t is_liquidation; /* 1 when the taker carried BOOK_LIQUIDATION */
    uint8_t maker_flags;    /* the flags of each order as submitted */
    uint8_t taker_flags;
    uint8_t maker_done;     /* 1 when this fill took the maker out of the book */
} book_fill;

typedef struct book_order_info {
    int64_t price;
    int64_t size; /* remaining lots */
    uint32_t owner;
    int side;
    unsigned flags;
} book_order_info;

typedef struct book_level {
    int64_t price;
    int64_t size; /* total lots resting at price */
} book_level;

/* The walk of a hypothetical market order over one side of the book. */
typedef struct book_impact {
    double price;       /* average fill price in ticks: notional / quantity,
                           where quantity counts whole_lots plus the fraction
                           of a level taken at last_price; 0 if nothing fills */
    int64_t notional;   /* ticks x lots the walk fills: the request when
                           complete, all the side holds when not */
    int64_t whole_lots; /* lots of the levels the walk consumes entirely */
    int64_t last_price; /* the deepest level the walk reaches (BOOK_NO_PRICE if none) */
    int complete;       /* 1 when the side holds the whole requested notional */
} book_impact;

typedef struct book book;

/* Makes an empty book over the prices [min_price, max_price] with room for
 * order_capacity orders before its pool first grows (0 picks a small default).
 * Returns NULL and fills e on a bad range (PERR_INVALID) or when memory runs
 * out (PERR_NOMEM). */
book *book_new(int64_t min_price, int64_t max_price, size_t order_capacity, perr *e);

/* Releases the book and everything in it. b may be NULL. */
void book_free(book *b);

/* Submits an order: matches it against the opposite side in price-time
 * priority up to its price, then rests, cancels or rejects the remainder as
 * its type says, and describes what happened in *res (res may be NULL). Fills
 * are appended to the fill buffer. An invalid spec (side, type, flags, size
 * <= 0, price outside the range, owner too large) returns PERR_INVALID; a
 * LIMIT or POST_ONLY order larger than BOOK_REST_SIZE_MAX, or one that could
 * take the book's resting lots past what its int64 notional sums can hold
 * (INT64_MAX / max_price), returns PERR_RANGE; lack of memory returns
 * PERR_NOMEM. On any error the book is unchanged. */
int book_submit(book *b, const book_order_spec *spec, book_result *res, perr *e);

/* Cancels a resting order. Its remaining size goes to *cancelled_size when
 * that is not NULL. An unknown or stale id (filled, cancelled, never issued)
 * returns PERR_INVALID and changes nothing. O(1). */
int book_cancel(book *b, book_id id, int64_t *cancelled_size, perr *e);

/* Reduces a resting order's size to new_size, keeping its time priority.
 * new_size must be in [1, current size] (equal is a no-op); to change the
 * price, cancel and submit anew. Errors (PERR_INVALID) change nothing. */
int book_amend(book *b, book_id id, int64_t new_size, perr *e);

/* Cancels every resting order of owner and returns how many there were. Costs
 * O(that owner's orders). This function can't fail. */
size_t book_cancel_owner(book *b, uint32_t owner);

/* Describes a resting order. An unknown or stale id returns PERR_INVALID. */
int book_lookup(const book *b, book_id id, book_order_info *out, perr *e);

/* The fills since the last book_clear_fills, oldest first; *n gets their
 * count. The pointer is valid until the next call that changes the book. The
 * buffer keeps growing until it is cleared, so clear it once read. */
const book_fill *book_fills(const book *b, size_t *n);

/* Empties the fill buffer, keeping its memory for reuse. */
void book_clear_fills(book *b);

/* Best prices, BOOK_NO_PRICE when the side is empty. O(1). */
int64_t book_best_bid(const book *b);
int64_t book_best_ask(const book *b);

/* best bid + best ask, i.e. the mid in half ticks; BOOK_NO_PRICE (0) when
 * either side is empty. */
int64_t book_mid_x2(const book *b);

/* best ask - best bid in ticks (>= 1); BOOK_NO_PRICE (0) when a side is empty. */
int64_t book_spread(const book *b);

/* Resting notional on side (BOOK_BUY: bids, BOOK_SELL: asks) within bps basis
 * points of the mid: bids priced at or above mid x (1 - bps/10000), asks at or
 * below mid x (1 + bps/10000), bounds exact in integers. bps is clamped to
 * [0, 10000]. The lots go to *size when it is not NULL. 0 (and size 0) when
 * there is no mid. Costs O(window/4096 + non-empty 64-tick blocks in it). */
int64_t book_depth(const book *b, int side, int64_t bps, int64_t *size);

/* Resting notional (and lots in *size, if not NULL) on side at prices in
 * [lo, hi]; the bounds are clipped to the book's range. */
int64_t book_depth_between(const book *b, int side, int64_t lo, int64_t hi, int64_t *size);

/* What a market order on taker_side (BOOK_BUY walks the asks: the impact ask;
 * BOOK_SELL walks the bids: the impact bid) for notional ticks x lots would
 * pay on average, without changing the book. A level is taken whole while the
 * notional left covers it, then fractionally. When the side holds less than
 * notional, out->complete is 0 and out describes taking all of it. notional
 * <= 0 or a bad side is PERR_INVALID. */
int book_impact_price(const book *b, int taker_side, int64_t notional, book_impact *out,
                      perr *e);

/* Writes up to n levels of side, best first, into out; returns how many. */
size_t book_levels(const book *b, int side, book_level *out, size_t n);

/* Resting orders, in all and on one side. */
size_t book_order_count(const book *b);
size_t book_side_order_count(const book *b, int side);

/* Starts loading what a cancel, amend or lookup of id will touch, without
 * waiting for it, so that a caller working through a queue of known events
 * can overlap the memory latency of several of them. Call it twice: with
 * neighbours 0 some 8 to 16 events ahead (loads the order), then with
 * neighbours 1 some 2 to 4 events ahead (reads the now cached order and loads
 * its level and its neighbours in the level and owner lists). Never changes
 * the book; any id is safe to pass, a stale one only wastes a few loads. */
void book_prefetch(const book *b, book_id id, int neighbours);

/* The book's price range. */
int64_t book_min_price(const book *b);
int64_t book_max_price(const book *b);

/* A dense index for id, below book_slot_capacity() while the order rests,
 * so a caller can keep per-order data in a plain array. The index of an
 * order that ended is reused by later orders. */
uint32_t book_id_slot(book_id id);
size_t book_slot_capacity(const book *b);

#endif
