/*
 * account: the ledger of one venue. Traders' accounts, their one-way
 * positions, the insurance fund, the backstop vault and the fee pool, and the
 * two orderings of positions by liquidation trigger that the liquidation
 * engine pops from.
 *
 * Ledger entries are int64 cash units and every change moves cash from one
 * entry to another, so two invariants hold exactly after every call
 * (ARCHITECTURE.md, "Units and exactness"):
 *   - the sizes of all positions sum to zero (long lots == short lots);
 *   - the cash of every account (cash + reserve) plus the fee pool equals
 *     the initial total plus deposits minus withdrawals.
 * Running totals. The ledger keeps, in O(1) per change, the long lots and
 * the short lots (each from its own side's part of every fill) and the cash
 * total (every change to an entry's cash adds what it moved), beside the
 * deposits and withdrawals so far. accounts_check_books tests the two
 * invariants on these totals in O(1): a transfer whose legs do not cancel,
 * or a fill whose lots do not balance, fails it at once. accounts_audit
 * recounts every account in O(accounts) and also proves the running totals
 * against the recount, which catches a change made behind the ledger's
 * back.
 * Positions are held clearing-house style (margin.h): a trade moves the
 * buyer's cash down and the seller's up by its notional, and each position
 * keeps its signed entry notional (cost) for entry price and realized PnL.
 * The insurance fund and the backstop vault are accounts too (ids
 * ACCOUNT_FUND and ACCOUNT_BACKSTOP), so a position they take over is on the
 * ledger like any other.
 *
 * Margin modes. Cross: cash is the whole wallet and backs the position.
 * Isolated: cash is the position's isolated margin and reserve the rest of
 * the wallet; opening moves initial margin from reserve to cash, reducing
 * moves the matching share of the isolated wallet back (except while the
 * account is HELD for liquidation, so the fee and surplus come out of the
 * position's margin), and a liquidation can take only cash.
 *
 * Trigger index: each trader's open position has a trigger tick
 * (margin_trigger): a long is liquidatable at marks <= trigger, a short at
 * marks >= trigger. Each side keeps one bucket per tick of the book's price
 * range, a list of the accounts whose trigger is that tick (oldest first),
 * with a bitset over the non-empty buckets (bitset.h). A
 * re-key is an unlink and a link, O(1); the next long to liquidate is the
 * head of the highest non-empty long bucket and the next short the head of
 * the lowest short one; each side caches that bucket (top), and when it
 * empties the next is a local bit scan away. So finding every liquidatable
 * position at a mark costs O(1) per position found and O(1) when none is
 * (ARCHITECTURE.md, "Performance budget": no scan over all accounts).
 * Triggers beyond the range are
 * clamped to its edge buckets (a long triggered at every mark of the range
 * sits at the top) and positions no mark of the range can liquidate sit in
 * one extra bucket per side that no mark reaches, so every position of a
 * side is in its side's buckets and auto-deleveraging can rank them all.
 *
 * Memory. An account is one 64-byte cache line (account); the fields that
 * only order admission and cooldowns read live in a parallel array
 * (account_cold). Both arrays, and the buckets, come from bigmem.h.
 */
#ifndef PERPSIM_ACCOUNT_H
#define PERPSIM_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "bitset.h"
#include "margin.h"
#include "perr.h"
#include "profile.h"

enum { ACCOUNT_FUND = 0, ACCOUNT_BACKSTOP = 1, ACCOUNT_FIRST_TRADER = 2 };

#define ACCOUNT_NONE UINT32_MAX
/* The most accounts a table holds (the book's owner ids). */
#define ACCOUNT_MAX ((uint32_t)1 << 28)

typedef enum account_mode { ACCOUNT_CROSS = 0, ACCOUNT_ISOLATED = 1 } account_mode;

/* Where an account stands with the liquidation engine. */
typedef enum account_state {
    ACCOUNT_ACTIVE = 0,   /* in the trigger index when it holds a position */
    ACCOUNT_COOLDOWN = 1, /* partially liquidated, waiting (Hyperliquid) */
    ACCOUNT_HELD = 2,     /* out of the index: being liquidated, or a fund */
} account_state;

/* What the liquidation engine reads of every account it liquidates, and of
 * its neighbours in the trigger buckets: exactly one cache line, so that a
 * liquidation costs one miss on the account, not two (a million accounts
 * are far larger than any cache). The rest is in account_cold. */
typedef struct account {
    _Alignas(64) int64_t cash; /* the balance backing the position (margin.h) */
    int64_t reserve;  /* isolated mode: the wallet not committed; else 0 */
    int64_t size;     /* lots, signed */
    int64_t cost;     /* signed entry notional, cash units */
    int64_t trigger;  /* liquidation trigger tick (valid while size != 0) */
    uint32_t next, prev; /* links in its trigger bucket, ACCOUNT_NONE at ends */
    int32_t leverage;
    uint8_t mode;        /* account_mode */
    uint8_t state;       /* account_state */
    int8_t indexed;      /* 1 in the long buckets, -1 in the short ones, 0 none */
    uint8_t resting;     /* 1 while account_cold's open lots are not both 0 */
} account;

_Static_assert(sizeof(account) == 64, "an account is one cache line");

/* The fields of an account that only order admission, the venue's order
 * tracking and a Hyperliquid-style cooldown read. */
typedef struct account_cold {
    int64_t open_buy_notional;  /* resting orders, cash units at their prices */
    int64_t open_sell_notional;
    int64_t open_buy_lots;
    int64_t open_sell_lots;
    int64_t cooldown_until; /* ms; ACCOUNT_COOLDOWN only */
} account_cold;

/* One side's trigger buckets. */
typedef struct account_buckets {
    uint32_t *head; /* per bucket: the oldest account, or ACCOUNT_NONE */
    uint32_t *tail; /* per bucket: the newest account, or ACCOUNT_NONE */
    bitset nonempty;
    int64_t top;    /* the non-empty bucket nearest liquidation: the highest
                       for longs, the lowest for shorts; -1 when empty */
    size_t count;   /* accounts in the buckets */
} account_buckets;

typedef struct accounts {
    const profile *profile;
    int64_t min_mark, max_mark; /* the marks the buckets cover (the book's) */
    account *a;
    account_cold *cold; /* cold[id] goes with a[id] */
    uint32_t n, cap;
    /* Bucket b >= 1 holds trigger min_mark + b - 1; bucket 0 holds longs and
     * bucket nbuckets - 1 shorts that no mark in range liquidates. */
    int64_t nbuckets;
    account_buckets longs, shorts;
    int64_t fee_pool;
    int64_t initial_total; /* cash put in at creation (fund, backstop) */
    int64_t deposits;      /* by traders, their opening deposits included */
    int64_t withdrawals;
    /* Lots held long and short, kept by accounts_fill (the only place a
     * size changes) so the totals cost O(1); the audit recounts them. */
    int64_t long_lots, short_lots;
    /* Every account's cash + reserve plus the fee pool, kept by every
     * change to any of them; the audit recounts it. */
    int64_t cash_total;
} accounts;

/* The ledger's totals: recounted from every account (accounts_audit) or
 * as the running totals have them (accounts_books). */
typedef struct accounts_totals {
    int64_t long_lots;
    int64_t short_lots;
    int64_t cash_total;    /* every account's cash + reserve, plus the fee pool */
    int64_t expected_cash; /* initial total + deposits - withdrawals */
    int64_t open_interest; /* long lots */
    int64_t deposits;      /* so far, opening deposits included */
    int64_t withdrawals;   /* so far */
} accounts_totals;

/* Sets up the ledger of a venue with the fund and backstop accounts funded
 * from the profile, room for capacity accounts before growing, and trigger
 * buckets over the marks [min_mark, max_mark] (the book's prices). */
int accounts_init(accounts *t, const profile *p, int64_t min_mark,
                  int64_t max_mark, size_t capacity, perr *e);
void accounts_free(accounts *t);

/* Opens a trader account holding deposit cash; *id gets its id. */
int accounts_open(accounts *t, int64_t deposit, account_mode mode,
                  int32_t leverage, uint32_t *id, perr *e);

/* External money in and out: a deposit goes to cash (cross) or reserve
 * (isolated); a withdrawal may take only what is not needed as margin at
 * mark (initial margin of the position and of open orders), PERR_STATE
 * otherwise. */
int accounts_deposit(accounts *t, uint32_t id, int64_t amount, perr *e);
int accounts_withdraw(accounts *t, uint32_t id, int64_t amount, int64_t mark,
                      perr *e);

/* What id may still commit as initial margin at mark: for cross, margin
 * balance minus the initial margin of the position and of its open orders;
 * for isolated, reserve minus the open orders' initial margin. */
int64_t accounts_available(const accounts *t, uint32_t id, int64_t mark);

/* Initial margin reserved by id's open orders: the larger side's resting
 * notional over the leverage (one side can fill before the other cancels,
 * Binance's one-way rule). */
int64_t accounts_order_margin(const accounts *t, uint32_t id);

/* The position of id as margin.h sees it. */
static inline margin_position accounts_position(const accounts *t, uint32_t id)
{
    const account *a = &t->a[id];
    margin_position pos = {a->size, a->cost, a->cash};
    return pos;
}

/* Applies a trade of lots between buyer and seller for amount cash (the
 * notional, > 0): the buyer's cash falls and the seller's rises by amount,
 * positions and cost bases follow, isolated margin moves as described above,
 * and both triggers are updated. buyer == seller is allowed and changes
 * nothing but costs. Cannot fail. */
void accounts_trade(accounts *t, uint32_t buyer, uint32_t seller, int64_t lots,
                    int64_t amount);

/* accounts_trade and, in the same step, each side's trading fee to the fee
 * pool (accounts_pay_fee's rules; 0 for none): one re-key per account. */
void accounts_fill(accounts *t, uint32_t buyer, uint32_t seller, int64_t lots,
                   int64_t amount, int64_t buyer_fee, int64_t seller_fee);

/* Moves amount cash (>= 0) from one account's cash to another's (fees to
 * the fund, surplus, takeover payments) and updates both triggers. An
 * isolated payer pays from its position's margin, never from reserve. */
void accounts_transfer(accounts *t, uint32_t from, uint32_t to, int64_t amount);

/* Moves amount between an account and the fee pool (amount > 0: the account
 * pays the pool; < 0: the pool pays the account, a maker rebate). An
 * isolated account pays from reserve while it suffices, then from cash. */
void accounts_pay_fee(accounts *t, uint32_t id, int64_t amount);

/* Moves amount between an account's margin (cash: the whole wallet when
 * cross, the position's isolated margin when isolated, never reserve) and
 * the fee pool, as funding is paid (amount > 0: the account pays). One
 * re-key. */
void accounts_pay_from_margin(accounts *t, uint32_t id, int64_t amount);

/* Moves amount from id's cash to its reserve: what remains of an isolated
 * position's margin back to the wallet once the position is gone (no
 * re-key: there is no position to key). */
void accounts_release_margin(accounts *t, uint32_t id, int64_t amount);

/* Re-computes id's trigger and its bucket; call after changing an account's
 * fields directly. */
void accounts_rekey(accounts *t, uint32_t id);

/* Takes id out of the trigger index and sets its state (COOLDOWN or HELD),
 * or puts it back (ACTIVE). */
void accounts_set_state(accounts *t, uint32_t id, account_state state);

/* The next long (highest trigger) and short (lowest trigger) to liquidate:
 * return 1 and fill *id and *trigger (clamped to the covered marks), or 0
 * when no position of the side can be liquidated at any covered mark. */
int accounts_top_long(const accounts *t, uint32_t *id, int64_t *trigger);
int accounts_top_short(const accounts *t, uint32_t *id, int64_t *trigger);

/* The account the engine will likely take after id, the top of side (1 long,
 * -1 short): the next in id's bucket, else the head of the next non-empty
 * bucket toward the far end; ACCOUNT_NONE if there is none. A hint for
 * prefetching, not a promise: a liquidation may re-key either. */
uint32_t accounts_after_top(const accounts *t, int side, uint32_t id);

/* Loads ahead of the engine, without changing anything, the accounts of
 * side whose triggers lie from `from` to `to` inclusive (longs: from >= to,
 * walked downward; shorts: from <= to, upward), in the order the engine
 * pops them. A bucket's list is a chain of random addresses that only a
 * walk can follow, one cache miss after another, so up to
 * ACCOUNTS_WARM_LISTS non-empty buckets are walked at once, a step in each
 * per round, and their misses overlap. Stops after about max accounts.
 * Returns the trigger to continue from: that of the first bucket not walked
 * to its end, or one beyond `to` when every bucket up to it was; *walked
 * (may be NULL) gets the number of accounts touched. A hint, like
 * accounts_after_top: what a liquidation re-keys afterwards may differ. */
#define ACCOUNTS_WARM_LISTS 16
int64_t accounts_warm(const accounts *t, int side, int64_t from, int64_t to,
                      size_t max, size_t *walked);

/* The number of positions of side (1 long, -1 short) in the index, and
 * their ids: out must hold accounts_side_count of them. Costs O(positions +
 * non-empty buckets / 64). */
size_t accounts_side_count(const accounts *t, int side);
size_t accounts_side_ids(const accounts *t, int side, uint32_t *out);

/* The totals by the ledger's books, in O(1): the running totals of lots and
 * cash, the deposits and withdrawals so far, and what the cash should be,
 * initial + deposits - withdrawals. accounts_audit proves that a recount
 * gives the same figures. */
void accounts_books(const accounts *t, accounts_totals *out);

/* The invariants on the running totals alone, O(1): long lots == short
 * lots, and cash == initial + deposits - withdrawals. PERR_STATE with
 * "running totals: ..." naming the first that fails. */
int accounts_check_books(const accounts *t, perr *e);

/* Recounts every invariant from scratch, O(accounts); fills *out (may be
 * NULL) and returns PERR_STATE with the first broken invariant named,
 * including a recount that differs from the running totals. */
int accounts_audit(const accounts *t, accounts_totals *out, perr *e);

#endif
