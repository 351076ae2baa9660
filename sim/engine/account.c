/*
 * account: the ledger of one venue and its trigger buckets (account.h has the
 * model and the invariants).
 *
 * Cost basis. Opening adds the trade's notional to the signed cost; reducing
 * removes the reduced share of the cost, cost x q / |size| truncated toward
 * zero. The truncation only moves a fraction of a cash unit of realized PnL
 * from this reduction to a later one: cash never depends on it, because cash
 * moves by each trade's notional and nothing else.
 *
 * Trigger buckets (account.h): an account records its bucket links, so a
 * re-key that stays in its bucket touches nothing else and one that moves is
 * an unlink and a link.
 */
#include "account.h"
#include "bigmem.h"

#include <stdlib.h>
#include <string.h>

__extension__ typedef __int128 i128;

static int64_t sign64(int64_t v)
{
    return (v > 0) - (v < 0);
}

static int64_t abs64(int64_t v)
{
    return v < 0 ? -v : v;
}

/* ---- the running totals ------------------------------------------------ */

/* Every change to a ledger entry's cash goes through these three, which add
 * what the leg moved to the running total (accounts.cash_total). A transfer
 * whose legs do not cancel then moves the running total away from initial
 * + deposits - withdrawals, which the O(1) check sees at once
 * (accounts_check_books); a change that bypassed them shows in the
 * recount (accounts_audit). */
static inline void move_cash(accounts *t, account *a, int64_t amount)
{
    a->cash += amount;
    t->cash_total += amount;
}

static inline void move_reserve(accounts *t, account *a, int64_t amount)
{
    a->reserve += amount;
    t->cash_total += amount;
}

static inline void move_pool(accounts *t, int64_t amount)
{
    t->fee_pool += amount;
    t->cash_total += amount;
}

/* ---- trigger buckets --------------------------------------------------- */

static account_buckets *buckets_of(accounts *t, int side)
{
    return side > 0 ? &t->longs : &t->shorts;
}

/* The bucket of a trigger on side: see accounts.nbuckets. */
static int64_t bucket_of(const accounts *t, int side, int64_t trigger)
{
    int64_t top = t->nbuckets - 2; /* the bucket of max_mark */
    if (side > 0) {
        if (trigger < t->min_mark) /* MARGIN_NEVER_LONG included */
            return 0;
        return trigger >= t->max_mark ? top : trigger - t->min_mark + 1;
    }
    if (trigger > t->max_mark) /* MARGIN_NEVER_SHORT included */
        return t->nbuckets - 1;
    return trigger <= t->min_mark ? 1 : trigger - t->min_mark + 1;
}

/* Each bucket is a doubly linked list from its oldest entry (head) to its
 * newest (tail): appending and unlinking are O(1), a bucket's accounts come
 * out in the order they entered it, and taking the head touches only the
 * next entry, not the far end of the list. */
static void unindex(accounts *t, uint32_t id)
{
    account *a = &t->a[id];
    if (a->indexed == 0)
        return;
    account_buckets *bk = buckets_of(t, a->indexed);
    int64_t b = bucket_of(t, a->indexed, a->trigger);
    if (a->prev != ACCOUNT_NONE)
        t->a[a->prev].next = a->next;
    else
        bk->head[b] = a->next;
    if (a->next != ACCOUNT_NONE)
        t->a[a->next].prev = a->prev;
    else
        bk->tail[b] = a->prev;
    if (bk->head[b] == ACCOUNT_NONE) {
        bitset_clear(&bk->nonempty, b);
        if (b == bk->top) /* the next one is near: a local search */
            bk->top = a->indexed > 0
                          ? (b > 0 ? bitset_prev(&bk->nonempty, 0, b - 1) : -1)
                          : (b + 1 < t->nbuckets ? bitset_next(&bk->nonempty, 0, b + 1) : -1);
    }
    a->next = a->prev = ACCOUNT_NONE;
    a->indexed = 0;
    bk->count--;
}

static void index_at(accounts *t, uint32_t id, int side, int64_t trigger)
{
    account *a = &t->a[id];
    account_buckets *bk = buckets_of(t, side);
    int64_t b = bucket_of(t, side, trigger);
    uint32_t last = bitset_test(&bk->nonempty, b) ? bk->tail[b] : ACCOUNT_NONE;
    a->trigger = trigger;
    a->indexed = (int8_t)side;
    a->next = ACCOUNT_NONE;
    a->prev = last;
    if (last == ACCOUNT_NONE) {
        bk->head[b] = id;
        bitset_set(&bk->nonempty, b);
        if (bk->top < 0 || (side > 0 ? b > bk->top : b < bk->top))
            bk->top = b;
    } else {
        t->a[last].next = id;
    }
    bk->tail[b] = id;
    bk->count++;
}

/* ---- set-up ----------------------------------------------------------- */

static int grow(accounts *t, size_t want, perr *e)
{
    if (want <= t->cap)
        return 0;
    size_t cap = t->cap ? t->cap : 64;
    while (cap < want)
        cap *= 2;
    if (cap > ACCOUNT_MAX)
        cap = ACCOUNT_MAX;
    if (cap < want)
        return perr_set(e, PERR_RANGE, "more than %u accounts on one venue",
                        (unsigned)ACCOUNT_MAX);
    account *a = bigmem_grow(t->a, (size_t)t->n * sizeof *a, cap * sizeof *a);
    if (!a)
        return perr_set(e, PERR_NOMEM, "no memory for %zu accounts", cap);
    t->a = a;
    account_cold *cold = bigmem_grow(t->cold, (size_t)t->n * sizeof *cold,
                                     cap * sizeof *cold);
    if (!cold)
        return perr_set(e, PERR_NOMEM, "no memory for %zu accounts", cap);
    t->cold = cold;
    t->cap = (uint32_t)cap;
    return 0;
}

static void blank(accounts *t, uint32_t id, account_mode mode, int32_t leverage)
{
    account *a = &t->a[id];
    memset(a, 0, sizeof *a);
    memset(&t->cold[id], 0, sizeof t->cold[id]);
    a->next = a->prev = ACCOUNT_NONE;
    a->leverage = leverage;
    a->mode = (uint8_t)mode;
}

static int init_buckets(account_buckets *bk, int64_t n)
{
    bk->head = bigmem_alloc((size_t)n * sizeof *bk->head);
    bk->tail = bigmem_alloc((size_t)n * sizeof *bk->tail);
    /* Not initialised: a bucket's head and tail are read only while its
     * bit says it holds accounts, and set when its first account enters
     * (index_at), so the buckets of marks never reached are never
     * touched. */
    if (!bk->head || !bk->tail || bitset_init(&bk->nonempty, n, 1) != 0)
        return -1;
    bk->top = -1;
    return 0;
}

int accounts_init(accounts *t, const profile *p, int64_t min_mark,
                  int64_t max_mark, size_t capacity, perr *e)
{
    memset(t, 0, sizeof *t);
    t->profile = p;
    if (min_mark < 1 || max_mark < min_mark)
        return perr_set(e, PERR_INVALID, "accounts: bad mark range [%lld, %lld]",
                        (long long)min_mark, (long long)max_mark);
    t->min_mark = min_mark;
    t->max_mark = max_mark;
    t->nbuckets = max_mark - min_mark + 3;
    if (init_buckets(&t->longs, t->nbuckets) != 0
        || init_buckets(&t->shorts, t->nbuckets) != 0) {
        accounts_free(t);
        return perr_set(e, PERR_NOMEM, "no memory for %lld trigger buckets",
                        (long long)t->nbuckets);
    }
    int rc = grow(t, capacity < ACCOUNT_FIRST_TRADER + 1
                         ? ACCOUNT_FIRST_TRADER + 1
                         : capacity,
                  e);
    if (rc != 0) {
        accounts_free(t);
        return rc;
    }
    for (uint32_t i = 0; i < ACCOUNT_FIRST_TRADER; i++) {
        blank(t, i, ACCOUNT_CROSS, 1);
        t->a[i].state = ACCOUNT_HELD;
    }
    move_cash(t, &t->a[ACCOUNT_FUND], p->insurance_fund);
    move_cash(t, &t->a[ACCOUNT_BACKSTOP], p->backstop_vault);
    t->initial_total = p->insurance_fund + p->backstop_vault;
    t->n = ACCOUNT_FIRST_TRADER;
    return 0;
}

void accounts_free(accounts *t)
{
    free(t->a);
    free(t->cold);
    free(t->longs.head);
    free(t->longs.tail);
    free(t->shorts.head);
    free(t->shorts.tail);
    bitset_free(&t->longs.nonempty);
    bitset_free(&t->shorts.nonempty);
    memset(t, 0, sizeof *t);
}

int accounts_open(accounts *t, int64_t deposit, account_mode mode,
                  int32_t leverage, uint32_t *id, perr *e)
{
    if (deposit < 0)
        return perr_set(e, PERR_INVALID, "a deposit must be >= 0, got %lld",
                        (long long)deposit);
    int32_t most = t->profile->brackets[0].max_leverage;
    if (leverage < 1 || leverage > most)
        return perr_set(e, PERR_INVALID,
                        "%s: leverage must lie in [1, %d], got %d",
                        t->profile->name, (int)most, (int)leverage);
    if (mode != ACCOUNT_CROSS && mode != ACCOUNT_ISOLATED)
        return perr_set(e, PERR_INVALID, "unknown margin mode %d", (int)mode);
    if (t->n >= ACCOUNT_MAX)
        return perr_set(e, PERR_RANGE, "more than %u accounts on one venue",
                        (unsigned)ACCOUNT_MAX);
    int rc = grow(t, (size_t)t->n + 1, e);
    if (rc)
        return rc;
    uint32_t i = t->n++;
    blank(t, i, mode, leverage);
    if (mode == ACCOUNT_ISOLATED)
        move_reserve(t, &t->a[i], deposit);
    else
        move_cash(t, &t->a[i], deposit);
    t->deposits += deposit;
    *id = i;
    return 0;
}

static int check_id(const accounts *t, uint32_t id, perr *e)
{
    if (id >= t->n)
        return perr_set(e, PERR_INVALID, "no account %u (the venue has %u)",
                        (unsigned)id, (unsigned)t->n);
    return 0;
}

/* The checks of a deposit or withdrawal (what: "a deposit") of amount into
 * or out of account id: the account exists and the amount is > 0. */
static int check_transfer(const accounts *t, uint32_t id, int64_t amount,
                          const char *what, perr *e)
{
    int rc = check_id(t, id, e);
    if (rc)
        return rc;
    if (amount <= 0)
        return perr_set(e, PERR_INVALID, "%s must be > 0, got %lld", what,
                        (long long)amount);
    return 0;
}

int accounts_deposit(accounts *t, uint32_t id, int64_t amount, perr *e)
{
    int rc = check_transfer(t, id, amount, "a deposit", e);
    if (rc)
        return rc;
    account *a = &t->a[id];
    if (a->mode == ACCOUNT_ISOLATED)
        move_reserve(t, a, amount);
    else
        move_cash(t, a, amount);
    t->deposits += amount;
    accounts_rekey(t, id);
    return 0;
}

int64_t accounts_order_margin(const accounts *t, uint32_t id)
{
    const account_cold *c = &t->cold[id];
    int64_t larger = c->open_buy_notional > c->open_sell_notional
                         ? c->open_buy_notional
                         : c->open_sell_notional;
    return margin_initial(larger, t->a[id].leverage);
}

int64_t accounts_available(const accounts *t, uint32_t id, int64_t mark)
{
    const account *a = &t->a[id];
    int64_t orders = accounts_order_margin(t, id);
    if (a->mode == ACCOUNT_ISOLATED)
        return a->reserve - orders;
    margin_position pos = accounts_position(t, id);
    int64_t notional = margin_notional(t->profile, a->size, mark);
    return margin_balance(t->profile, &pos, mark)
           - margin_initial(notional, a->leverage) - orders;
}

int accounts_withdraw(accounts *t, uint32_t id, int64_t amount, int64_t mark,
                      perr *e)
{
    int rc = check_transfer(t, id, amount, "a withdrawal", e);
    if (rc)
        return rc;
    int64_t free_cash = accounts_available(t, id, mark);
    account *a = &t->a[id];
    if (a->mode == ACCOUNT_CROSS && free_cash > a->cash)
        free_cash = a->cash;
    if (amount > free_cash)
        return perr_set(e, PERR_STATE,
                        "account %u: cannot withdraw %lld, %lld is free",
                        (unsigned)id, (long long)amount,
                        (long long)(free_cash > 0 ? free_cash : 0));
    if (a->mode == ACCOUNT_ISOLATED)
        move_reserve(t, a, -amount);
    else
        move_cash(t, a, -amount);
    t->withdrawals += amount;
    accounts_rekey(t, id);
    return 0;
}

/* ---- trades and transfers -------------------------------------------- */

/* Moves initial margin for an opened notional from reserve into the
 * isolated position, as much as the reserve holds. */
static void commit_isolated(accounts *t, account *a, int64_t notional)
{
    int64_t need = margin_initial(notional, a->leverage);
    if (need > a->reserve)
        need = a->reserve > 0 ? a->reserve : 0;
    move_reserve(t, a, -need);
    move_cash(t, a, need);
}

/* One side of a trade: delta lots (signed) for amount cash. A trade that
 * flips the position is a close of the old one for its share of the amount
 * (q of |delta| lots), then an opening for the remainder: isolated margin is
 * settled on the close before the new position's cash arrives, so the
 * release to reserve cannot take the new position's proceeds with it. */
static void trade_leg(accounts *t, account *a, int64_t delta, int64_t amount)
{
    int64_t dir = sign64(delta);
    int64_t s = a->size;
    if (s == 0 || sign64(s) == dir) {
        move_cash(t, a, -dir * amount);
        a->size += delta;
        a->cost += dir * amount;
        if (a->mode == ACCOUNT_ISOLATED)
            commit_isolated(t, a, amount);
        return;
    }
    int64_t q = abs64(delta) < abs64(s) ? abs64(delta) : abs64(s);
    int64_t closing = q == abs64(delta) ? amount
                                        : (int64_t)((i128)amount * q / abs64(delta));
    int64_t wallet_before = a->cash + a->cost;
    move_cash(t, a, -dir * closing);
    int64_t removed = q == abs64(s) ? a->cost /* a close: no division */
                                    : (int64_t)((i128)a->cost * q / abs64(s));
    a->cost -= removed;
    a->size += dir * q;
    if (a->mode == ACCOUNT_ISOLATED && a->state != ACCOUNT_HELD) {
        /* Keep the margin per lot of what remains; the rest, realized PnL
         * included, goes back to reserve. Not while the position is being
         * liquidated: its margin must stay where the liquidation fee and
         * the surplus are taken from (the venue returns what is the
         * trader's once the liquidation is done). */
        int64_t wallet = a->cash + a->cost;
        int64_t keep = (int64_t)((i128)wallet_before * abs64(a->size) / abs64(s));
        int64_t release = wallet - (keep > 0 ? keep : 0);
        if (release > wallet)
            release = wallet;
        if (release > 0) {
            move_cash(t, a, -release);
            move_reserve(t, a, release);
        }
    }
    int64_t rest = abs64(delta) - q;
    if (rest > 0) {
        int64_t opened = amount - closing;
        move_cash(t, a, -dir * opened);
        a->size = dir * rest;
        a->cost = dir * opened;
        if (a->mode == ACCOUNT_ISOLATED)
            commit_isolated(t, a, opened);
    }
}

/* A fee to the pool (amount < 0: a rebate from it), without re-keying. */
static void charge_fee(accounts *t, account *a, int64_t amount)
{
    move_pool(t, amount);
    if (a->mode == ACCOUNT_ISOLATED && amount > 0 && a->reserve >= amount)
        move_reserve(t, a, -amount);
    else if (a->mode == ACCOUNT_ISOLATED && amount < 0)
        move_reserve(t, a, -amount);
    else
        move_cash(t, a, -amount);
}

/* The lots a position adds to the long and to the short total. */
static inline int64_t long_part(int64_t size)
{
    return size > 0 ? size : 0;
}

static inline int64_t short_part(int64_t size)
{
    return size < 0 ? -size : 0;
}

void accounts_fill(accounts *t, uint32_t buyer, uint32_t seller, int64_t lots,
                   int64_t amount, int64_t buyer_fee, int64_t seller_fee)
{
    int64_t b0 = t->a[buyer].size, s0 = t->a[seller].size;
    trade_leg(t, &t->a[buyer], lots, amount);
    trade_leg(t, &t->a[seller], -lots, amount);
    /* Each total follows its own side's parts of the two legs, so a trade
     * that moved more lots one way than the other unbalances them (the
     * O(1) check, accounts_check_books). */
    int64_t b1 = t->a[buyer].size, s1 = t->a[seller].size;
    int64_t longs = long_part(b1) - long_part(b0);
    int64_t shorts = short_part(b1) - short_part(b0);
    if (seller != buyer) {
        longs += long_part(s1) - long_part(s0);
        shorts += short_part(s1) - short_part(s0);
    }
    t->long_lots += longs;
    t->short_lots += shorts;
    if (buyer_fee)
        charge_fee(t, &t->a[buyer], buyer_fee);
    if (seller_fee)
        charge_fee(t, &t->a[seller], seller_fee);
    accounts_rekey(t, buyer);
    if (seller != buyer)
        accounts_rekey(t, seller);
}

void accounts_trade(accounts *t, uint32_t buyer, uint32_t seller, int64_t lots,
                    int64_t amount)
{
    accounts_fill(t, buyer, seller, lots, amount, 0, 0);
}

void accounts_transfer(accounts *t, uint32_t from, uint32_t to, int64_t amount)
{
    move_cash(t, &t->a[from], -amount);
    move_cash(t, &t->a[to], amount);
    accounts_rekey(t, from);
    if (to != from)
        accounts_rekey(t, to);
}

void accounts_pay_fee(accounts *t, uint32_t id, int64_t amount)
{
    charge_fee(t, &t->a[id], amount);
    accounts_rekey(t, id);
}

void accounts_pay_from_margin(accounts *t, uint32_t id, int64_t amount)
{
    move_cash(t, &t->a[id], -amount);
    move_pool(t, amount);
    accounts_rekey(t, id);
}

void accounts_release_margin(accounts *t, uint32_t id, int64_t amount)
{
    move_cash(t, &t->a[id], -amount);
    move_reserve(t, &t->a[id], amount);
}

/* ---- trigger index ---------------------------------------------------- */

void accounts_rekey(accounts *t, uint32_t id)
{
    account *a = &t->a[id];
    if (id < ACCOUNT_FIRST_TRADER || a->state != ACCOUNT_ACTIVE)
        return;
    if (a->size == 0) {
        unindex(t, id);
        return;
    }
    margin_position pos = accounts_position(t, id);
    int side = a->size > 0 ? 1 : -1;
    int64_t trigger = margin_trigger(t->profile, &pos, t->max_mark);
    if (a->indexed == side
        && bucket_of(t, side, trigger) == bucket_of(t, side, a->trigger)) {
        a->trigger = trigger; /* same bucket: stays where it is */
        return;
    }
    unindex(t, id);
    index_at(t, id, side, trigger);
}

void accounts_set_state(accounts *t, uint32_t id, account_state state)
{
    account *a = &t->a[id];
    if (state != ACCOUNT_ACTIVE)
        unindex(t, id);
    a->state = (uint8_t)state;
    if (state == ACCOUNT_ACTIVE)
        accounts_rekey(t, id);
}

int accounts_top_long(const accounts *t, uint32_t *id, int64_t *trigger)
{
    int64_t b = t->longs.top;
    if (b < 1)
        return 0; /* empty, or only longs no mark in range liquidates */
    *id = t->longs.head[b];
    *trigger = t->min_mark + b - 1;
    return 1;
}

int accounts_top_short(const accounts *t, uint32_t *id, int64_t *trigger)
{
    int64_t b = t->shorts.top;
    if (b < 0 || b > t->nbuckets - 2)
        return 0;
    *id = t->shorts.head[b];
    *trigger = t->min_mark + b - 1;
    return 1;
}

uint32_t accounts_after_top(const accounts *t, int side, uint32_t id)
{
    const account *a = &t->a[id];
    if (a->next != ACCOUNT_NONE)
        return a->next;
    int64_t b = bucket_of(t, side, a->trigger);
    if (side > 0) {
        b = b > 1 ? bitset_prev(&t->longs.nonempty, 0, b - 1) : -1;
        return b >= 1 ? t->longs.head[b] : ACCOUNT_NONE;
    }
    b = b < t->nbuckets - 2 ? bitset_next(&t->shorts.nonempty, 0, b + 1) : -1;
    return b >= 0 && b <= t->nbuckets - 2 ? t->shorts.head[b] : ACCOUNT_NONE;
}

int64_t accounts_warm(const accounts *t, int side, int64_t from, int64_t to,
                      size_t max, size_t *walked)
{
    const account_buckets *bk = side > 0 ? &t->longs : &t->shorts;
    int64_t step = side > 0 ? -1 : 1;
    int64_t end = bucket_of(t, side, to);
    int64_t b = bucket_of(t, side, from);
    uint32_t cur[ACCOUNTS_WARM_LISTS];
    int64_t list_bucket[ACCOUNTS_WARM_LISTS];
    int lists = 0;
    while (lists < ACCOUNTS_WARM_LISTS && (side > 0 ? b >= end : b <= end)) {
        b = side > 0 ? bitset_prev(&bk->nonempty, 0, b)
                     : bitset_next(&bk->nonempty, 0, b);
        if (b < 0 || (side > 0 ? b < end : b > end)) {
            b = end + step;
            break;
        }
        cur[lists] = bk->head[b];
        list_bucket[lists++] = b;
        __builtin_prefetch(&t->a[bk->head[b]]);
        b += step;
    }
    /* b is now the bucket after the last one taken. Each round reads the
     * lines the previous one asked for: independent loads, in flight
     * together. */
    size_t count = (size_t)lists;
    for (int active = lists; active > 0 && count < max;) {
        active = 0;
        for (int j = 0; j < lists; j++) {
            if (cur[j] == ACCOUNT_NONE)
                continue;
            uint32_t next = t->a[cur[j]].next;
            cur[j] = next;
            if (next != ACCOUNT_NONE) {
                __builtin_prefetch(&t->a[next]);
                count++;
                active++;
            }
        }
    }
    if (walked)
        *walked = count;
    for (int j = 0; j < lists; j++)
        if (cur[j] != ACCOUNT_NONE)
            return t->min_mark + list_bucket[j] - 1;
    return t->min_mark + b - 1;
}

size_t accounts_side_count(const accounts *t, int side)
{
    return side > 0 ? t->longs.count : t->shorts.count;
}

size_t accounts_side_ids(const accounts *t, int side, uint32_t *out)
{
    const account_buckets *bk = side > 0 ? &t->longs : &t->shorts;
    size_t n = 0;
    for (int64_t b = bitset_next(&bk->nonempty, 0, 0); b >= 0;
         b = b + 1 < t->nbuckets ? bitset_next(&bk->nonempty, 0, b + 1) : -1)
        for (uint32_t id = bk->head[b]; id != ACCOUNT_NONE; id = t->a[id].next)
            out[n++] = id;
    return n;
}

/* ---- audit ------------------------------------------------------------ */

/* Walks one side's non-empty buckets: every entry links back, sits in the
 * bucket of its trigger and holds a position of the side, and their number
 * is the side's count and the number of accounts marked as indexed on that
 * side (so no indexed account hides in a bucket whose bit is clear). */
static int audit_buckets(const accounts *t, int side, size_t indexed, perr *e)
{
    const account_buckets *bk = side > 0 ? &t->longs : &t->shorts;
    const char *name = side > 0 ? "long" : "short";
    size_t n = 0;
    int64_t top = side > 0 ? bitset_prev(&bk->nonempty, 0, t->nbuckets - 1)
                           : bitset_next(&bk->nonempty, 0, 0);
    if (bk->top != top)
        return perr_set(e, PERR_STATE, "%s buckets: the cached top is %lld, not %lld", name,
                        (long long)bk->top, (long long)top);
    for (int64_t b = bitset_next(&bk->nonempty, 0, 0); b >= 0;
         b = b + 1 < t->nbuckets ? bitset_next(&bk->nonempty, 0, b + 1) : -1) {
        uint32_t id = bk->head[b];
        if (id == ACCOUNT_NONE)
            return perr_set(e, PERR_STATE,
                            "%s bucket %lld: marked non-empty but empty", name,
                            (long long)b);
        uint32_t prev = ACCOUNT_NONE;
        for (; id != ACCOUNT_NONE; prev = id, id = t->a[id].next) {
            const account *a = &t->a[id];
            if (a->prev != prev || a->indexed != side
                || sign64(a->size) != side
                || bucket_of(t, side, a->trigger) != b)
                return perr_set(e, PERR_STATE,
                                "%s bucket %lld: account %u is misfiled", name,
                                (long long)b, (unsigned)id);
            if (++n > t->n)
                return perr_set(e, PERR_STATE, "%s bucket %lld: a cycle",
                                name, (long long)b);
        }
        if (bk->tail[b] != prev)
            return perr_set(e, PERR_STATE, "%s bucket %lld: wrong tail", name,
                            (long long)b);
    }
    if (n != bk->count || n != indexed)
        return perr_set(e, PERR_STATE,
                        "%s buckets hold %zu accounts; the count says %zu and "
                        "%zu accounts say they are indexed",
                        name, n, bk->count, indexed);
    return 0;
}

void accounts_books(const accounts *t, accounts_totals *out)
{
    accounts_totals s = {t->long_lots, t->short_lots, t->cash_total,
                         t->initial_total + t->deposits - t->withdrawals,
                         t->long_lots, t->deposits, t->withdrawals};
    *out = s;
}

int accounts_check_books(const accounts *t, perr *e)
{
    if (t->long_lots != t->short_lots || t->long_lots < 0)
        return perr_set(e, PERR_STATE,
                        "running totals: long lots %lld != short lots %lld",
                        (long long)t->long_lots, (long long)t->short_lots);
    int64_t expected = t->initial_total + t->deposits - t->withdrawals;
    if (t->cash_total != expected)
        return perr_set(e, PERR_STATE,
                        "running totals: cash %lld != initial + deposits - "
                        "withdrawals %lld (off by %lld)",
                        (long long)t->cash_total, (long long)expected,
                        (long long)(t->cash_total - expected));
    return 0;
}

int accounts_audit(const accounts *t, accounts_totals *out, perr *e)
{
    accounts_totals s = {0, 0, t->fee_pool, 0, 0, t->deposits, t->withdrawals};
    size_t indexed_long = 0, indexed_short = 0;
    s.expected_cash = t->initial_total + t->deposits - t->withdrawals;
    for (uint32_t i = 0; i < t->n; i++) {
        const account *a = &t->a[i];
        if (a->size > 0)
            s.long_lots += a->size;
        else
            s.short_lots -= a->size;
        s.cash_total += a->cash + a->reserve;
        indexed_long += a->indexed > 0;
        indexed_short += a->indexed < 0;
        if (a->reserve < 0)
            return perr_set(e, PERR_STATE, "account %u: reserve %lld < 0",
                            (unsigned)i, (long long)a->reserve);
        if (a->resting != (t->cold[i].open_buy_lots != 0 || t->cold[i].open_sell_lots != 0))
            return perr_set(e, PERR_STATE, "account %u: resting flag %d disagrees with its open lots",
                            (unsigned)i, a->resting);
        if (i >= ACCOUNT_FIRST_TRADER && a->state == ACCOUNT_ACTIVE) {
            int want = (int)sign64(a->size);
            if (a->indexed != want)
                return perr_set(e, PERR_STATE,
                                "account %u: holds %lld lots but is %s the "
                                "trigger buckets",
                                (unsigned)i, (long long)a->size,
                                a->indexed ? "in the wrong side of" : "not in");
            if (a->size != 0) {
                margin_position pos = accounts_position(t, i);
                if (a->trigger != margin_trigger(t->profile, &pos, t->max_mark))
                    return perr_set(e, PERR_STATE,
                                    "account %u: stale trigger %lld",
                                    (unsigned)i, (long long)a->trigger);
            }
        }
    }
    s.open_interest = s.long_lots;
    if (out)
        *out = s;
    int rc = audit_buckets(t, 1, indexed_long, e);
    if (rc)
        return rc;
    rc = audit_buckets(t, -1, indexed_short, e);
    if (rc)
        return rc;
    if (s.long_lots != s.short_lots)
        return perr_set(e, PERR_STATE, "long lots %lld != short lots %lld",
                        (long long)s.long_lots, (long long)s.short_lots);
    if (s.long_lots != t->long_lots || s.short_lots != t->short_lots)
        return perr_set(e, PERR_STATE,
                        "lots recounted %lld long, %lld short; the books "
                        "say %lld, %lld", (long long)s.long_lots,
                        (long long)s.short_lots, (long long)t->long_lots,
                        (long long)t->short_lots);
    if (s.cash_total != t->cash_total)
        return perr_set(e, PERR_STATE,
                        "cash recounted %lld; the running total says %lld "
                        "(off by %lld)",
                        (long long)s.cash_total, (long long)t->cash_total,
                        (long long)(s.cash_total - t->cash_total));
    if (s.cash_total != s.expected_cash)
        return perr_set(e, PERR_STATE,
                        "cash total %lld != initial + deposits - withdrawals "
                        "%lld (off by %lld)",
                        (long long)s.cash_total, (long long)s.expected_cash,
                        (long long)(s.cash_total - s.expected_cash));
    return 0;
}
