/*
 * account: the ledger of one venue and its trigger heaps (account.h has the
 * model and the invariants).
 *
 * Cost basis. Opening adds the trade's notional to the signed cost; reducing
 * removes the reduced share of the cost, cost x q / |size| truncated toward
 * zero. The truncation only moves a fraction of a cash unit of realized PnL
 * from this reduction to a later one: cash never depends on it, because cash
 * moves by each trade's notional and nothing else.
 *
 * Heaps. Binary heaps of (trigger, id), the long one ordered so the highest
 * trigger is on top (the first long a falling mark reaches), the short one
 * the lowest. Each account records its slot, so a re-key is a sift in place.
 */
#include "account.h"

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

/* ---- heaps ------------------------------------------------------------ */

/* 1 when a belongs above b in the heap of side (1 long: higher trigger
 * first; -1 short: lower first); ties by id, so the order is deterministic. */
static int above(int side, const account_heap_entry *a,
                 const account_heap_entry *b)
{
    if (a->trigger != b->trigger)
        return side > 0 ? a->trigger > b->trigger : a->trigger < b->trigger;
    return a->id < b->id;
}

static void heap_place(accounts *t, account_heap *h, size_t i,
                       account_heap_entry v)
{
    h->e[i] = v;
    t->a[v.id].heap_slot = (uint32_t)i;
}

static void sift_up(accounts *t, account_heap *h, int side, size_t i)
{
    account_heap_entry v = h->e[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!above(side, &v, &h->e[parent]))
            break;
        heap_place(t, h, i, h->e[parent]);
        i = parent;
    }
    heap_place(t, h, i, v);
}

static void sift_down(accounts *t, account_heap *h, int side, size_t i)
{
    account_heap_entry v = h->e[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->n)
            break;
        if (child + 1 < h->n && above(side, &h->e[child + 1], &h->e[child]))
            child++;
        if (!above(side, &h->e[child], &v))
            break;
        heap_place(t, h, i, h->e[child]);
        i = child;
    }
    heap_place(t, h, i, v);
}

static account_heap *heap_of(accounts *t, int side)
{
    return side > 0 ? &t->longs : &t->shorts;
}

static void heap_remove(accounts *t, uint32_t id)
{
    account *a = &t->a[id];
    if (a->heap_side == 0)
        return;
    int side = a->heap_side;
    account_heap *h = heap_of(t, side);
    size_t i = a->heap_slot;
    a->heap_slot = ACCOUNT_NO_HEAP;
    a->heap_side = 0;
    h->n--;
    if (i == h->n)
        return;
    account_heap_entry last = h->e[h->n];
    heap_place(t, h, i, last);
    sift_up(t, h, side, i);
    sift_down(t, h, side, t->a[last.id].heap_slot);
}

/* Cannot fail: heaps are sized with the account table (accounts_open grows
 * both before an account exists). */
static void heap_set(accounts *t, uint32_t id, int side, int64_t trigger)
{
    account *a = &t->a[id];
    if (a->heap_side != 0 && a->heap_side != side)
        heap_remove(t, id);
    account_heap *h = heap_of(t, side);
    account_heap_entry v = {trigger, id};
    if (a->heap_side == 0) {
        a->heap_side = (int8_t)side;
        size_t i = h->n++;
        heap_place(t, h, i, v);
        sift_up(t, h, side, i);
        return;
    }
    size_t i = a->heap_slot;
    h->e[i].trigger = trigger;
    sift_up(t, h, side, i);
    sift_down(t, h, side, a->heap_slot);
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
    account *a = realloc(t->a, cap * sizeof *a);
    if (!a)
        return perr_set(e, PERR_NOMEM, "no memory for %zu accounts", cap);
    t->a = a;
    account_heap_entry *l = realloc(t->longs.e, cap * sizeof *l);
    if (!l)
        return perr_set(e, PERR_NOMEM, "no memory for %zu accounts", cap);
    t->longs.e = l;
    account_heap_entry *s = realloc(t->shorts.e, cap * sizeof *s);
    if (!s)
        return perr_set(e, PERR_NOMEM, "no memory for %zu accounts", cap);
    t->shorts.e = s;
    t->cap = (uint32_t)cap;
    t->longs.cap = t->shorts.cap = cap;
    return 0;
}

static void blank(account *a, account_mode mode, int32_t leverage)
{
    memset(a, 0, sizeof *a);
    a->heap_slot = ACCOUNT_NO_HEAP;
    a->leverage = leverage;
    a->mode = (uint8_t)mode;
}

int accounts_init(accounts *t, const profile *p, int64_t max_mark,
                  size_t capacity, perr *e)
{
    memset(t, 0, sizeof *t);
    t->profile = p;
    t->max_mark = max_mark;
    if (grow(t, capacity < ACCOUNT_FIRST_TRADER + 1 ? ACCOUNT_FIRST_TRADER + 1
                                                    : capacity,
             e) != 0) {
        accounts_destroy(t);
        return e ? e->code : PERR_NOMEM;
    }
    for (uint32_t i = 0; i < ACCOUNT_FIRST_TRADER; i++) {
        blank(&t->a[i], ACCOUNT_CROSS, 1);
        t->a[i].state = ACCOUNT_HELD;
    }
    t->a[ACCOUNT_FUND].cash = p->insurance_fund;
    t->a[ACCOUNT_BACKSTOP].cash = p->backstop_vault;
    t->initial_total = p->insurance_fund + p->backstop_vault;
    t->n = ACCOUNT_FIRST_TRADER;
    return 0;
}

void accounts_destroy(accounts *t)
{
    free(t->a);
    free(t->longs.e);
    free(t->shorts.e);
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
    blank(&t->a[i], mode, leverage);
    if (mode == ACCOUNT_ISOLATED)
        t->a[i].reserve = deposit;
    else
        t->a[i].cash = deposit;
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

int accounts_deposit(accounts *t, uint32_t id, int64_t amount, perr *e)
{
    int rc = check_id(t, id, e);
    if (rc)
        return rc;
    if (amount <= 0)
        return perr_set(e, PERR_INVALID, "a deposit must be > 0, got %lld",
                        (long long)amount);
    account *a = &t->a[id];
    if (a->mode == ACCOUNT_ISOLATED)
        a->reserve += amount;
    else
        a->cash += amount;
    t->deposits += amount;
    accounts_rekey(t, id);
    return 0;
}

int64_t accounts_order_margin(const accounts *t, uint32_t id)
{
    const account *a = &t->a[id];
    int64_t larger = a->open_buy_notional > a->open_sell_notional
                         ? a->open_buy_notional
                         : a->open_sell_notional;
    return margin_initial(larger, a->leverage);
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
    int rc = check_id(t, id, e);
    if (rc)
        return rc;
    if (amount <= 0)
        return perr_set(e, PERR_INVALID, "a withdrawal must be > 0, got %lld",
                        (long long)amount);
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
        a->reserve -= amount;
    else
        a->cash -= amount;
    t->withdrawals += amount;
    accounts_rekey(t, id);
    return 0;
}

margin_position accounts_position(const accounts *t, uint32_t id)
{
    const account *a = &t->a[id];
    margin_position pos = {a->size, a->cost, a->cash};
    return pos;
}

/* ---- trades and transfers -------------------------------------------- */

/* Moves initial margin for an opened notional from reserve into the
 * isolated position, as much as the reserve holds. */
static void commit_isolated(account *a, int64_t notional)
{
    int64_t need = margin_initial(notional, a->leverage);
    if (need > a->reserve)
        need = a->reserve > 0 ? a->reserve : 0;
    a->reserve -= need;
    a->cash += need;
}

/* One side of a trade: delta lots (signed) for amount cash. */
static void trade_leg(account *a, int64_t delta, int64_t amount)
{
    int64_t dir = sign64(delta);
    int64_t wallet_before = a->cash + a->cost;
    a->cash -= dir * amount;
    int64_t s = a->size;
    if (s == 0 || sign64(s) == dir) {
        a->size += delta;
        a->cost += dir * amount;
        if (a->mode == ACCOUNT_ISOLATED)
            commit_isolated(a, amount);
        return;
    }
    int64_t q = abs64(delta) < abs64(s) ? abs64(delta) : abs64(s);
    int64_t removed = (int64_t)((i128)a->cost * q / abs64(s));
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
            a->cash -= release;
            a->reserve += release;
        }
    }
    int64_t rest = abs64(delta) - q;
    if (rest > 0) {
        /* The trade flips the position: the reduce part took q lots'
         * share of the amount, the new position costs the remainder. */
        int64_t opened = amount - (int64_t)((i128)amount * q / abs64(delta));
        a->size = dir * rest;
        a->cost = dir * opened;
        if (a->mode == ACCOUNT_ISOLATED)
            commit_isolated(a, opened);
    }
}

void accounts_trade(accounts *t, uint32_t buyer, uint32_t seller, int64_t lots,
                    int64_t amount)
{
    trade_leg(&t->a[buyer], lots, amount);
    trade_leg(&t->a[seller], -lots, amount);
    accounts_rekey(t, buyer);
    if (seller != buyer)
        accounts_rekey(t, seller);
}

void accounts_transfer(accounts *t, uint32_t from, uint32_t to, int64_t amount)
{
    t->a[from].cash -= amount;
    t->a[to].cash += amount;
    accounts_rekey(t, from);
    if (to != from)
        accounts_rekey(t, to);
}

void accounts_pay_fee(accounts *t, uint32_t id, int64_t amount)
{
    account *a = &t->a[id];
    t->fee_pool += amount;
    if (a->mode == ACCOUNT_ISOLATED && amount > 0 && a->reserve >= amount)
        a->reserve -= amount;
    else if (a->mode == ACCOUNT_ISOLATED && amount < 0)
        a->reserve -= amount;
    else
        a->cash -= amount;
    accounts_rekey(t, id);
}

/* ---- trigger index ---------------------------------------------------- */

void accounts_rekey(accounts *t, uint32_t id)
{
    account *a = &t->a[id];
    if (id < ACCOUNT_FIRST_TRADER || a->state != ACCOUNT_ACTIVE)
        return;
    if (a->size == 0) {
        heap_remove(t, id);
        return;
    }
    margin_position pos = accounts_position(t, id);
    a->trigger = margin_trigger(t->profile, &pos, t->max_mark);
    heap_set(t, id, a->size > 0 ? 1 : -1, a->trigger);
}

void accounts_set_state(accounts *t, uint32_t id, account_state state)
{
    account *a = &t->a[id];
    if (state != ACCOUNT_ACTIVE)
        heap_remove(t, id);
    a->state = (uint8_t)state;
    if (state == ACCOUNT_ACTIVE)
        accounts_rekey(t, id);
}

int accounts_top_long(const accounts *t, uint32_t *id, int64_t *trigger)
{
    if (t->longs.n == 0)
        return 0;
    *id = t->longs.e[0].id;
    *trigger = t->longs.e[0].trigger;
    return 1;
}

int accounts_top_short(const accounts *t, uint32_t *id, int64_t *trigger)
{
    if (t->shorts.n == 0)
        return 0;
    *id = t->shorts.e[0].id;
    *trigger = t->shorts.e[0].trigger;
    return 1;
}

/* ---- audit ------------------------------------------------------------ */

static int audit_heap(const accounts *t, const account_heap *h, int side,
                      perr *e)
{
    for (size_t i = 0; i < h->n; i++) {
        const account_heap_entry *v = &h->e[i];
        const account *a = &t->a[v->id];
        if (a->heap_side != side || a->heap_slot != i
            || a->trigger != v->trigger || sign64(a->size) != side)
            return perr_set(e, PERR_STATE,
                            "trigger heap: slot %zu names account %u, which "
                            "does not point back to it",
                            i, (unsigned)v->id);
        if (i > 0 && above(side, v, &h->e[(i - 1) / 2]))
            return perr_set(e, PERR_STATE,
                            "trigger heap: slot %zu is out of order", i);
    }
    return 0;
}

int accounts_audit(const accounts *t, accounts_totals *out, perr *e)
{
    accounts_totals s = {0, 0, t->fee_pool, 0, 0};
    s.expected_cash = t->initial_total + t->deposits - t->withdrawals;
    for (uint32_t i = 0; i < t->n; i++) {
        const account *a = &t->a[i];
        if (a->size > 0)
            s.long_lots += a->size;
        else
            s.short_lots -= a->size;
        s.cash_total += a->cash + a->reserve;
        if (a->reserve < 0)
            return perr_set(e, PERR_STATE, "account %u: reserve %lld < 0",
                            (unsigned)i, (long long)a->reserve);
        if (i >= ACCOUNT_FIRST_TRADER && a->state == ACCOUNT_ACTIVE) {
            int want = (int)sign64(a->size);
            if (a->heap_side != want)
                return perr_set(e, PERR_STATE,
                                "account %u: holds %lld lots but is %s the "
                                "trigger heaps",
                                (unsigned)i, (long long)a->size,
                                a->heap_side ? "in the wrong one of" : "not in");
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
    int rc = audit_heap(t, &t->longs, 1, e);
    if (rc)
        return rc;
    rc = audit_heap(t, &t->shorts, -1, e);
    if (rc)
        return rc;
    if (s.long_lots != s.short_lots)
        return perr_set(e, PERR_STATE, "long lots %lld != short lots %lld",
                        (long long)s.long_lots, (long long)s.short_lots);
    if (s.cash_total != s.expected_cash)
        return perr_set(e, PERR_STATE,
                        "cash total %lld != initial + deposits - withdrawals "
                        "%lld (off by %lld)",
                        (long long)s.cash_total, (long long)s.expected_cash,
                        (long long)(s.cash_total - s.expected_cash));
    return 0;
}
