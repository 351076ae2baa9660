/*
 * venue: a venue's set-up and clock, order admission, fills into the
 * ledger, the per-event ledger check and audit, and funding settlement.
 * The liquidation engine (the cascade each mark starts, the insurance
 * fund, the backstop vault and auto-deleveraging) is venue_liq.c's; the
 * two share venue_internal.h. venue.h states the process step by step;
 * the venue facts behind each step are in docs/mechanics.md section 4
 * and notes/venue-examples.md.
 *
 * Invariants: an order is admitted only within the bracket's leverage,
 * the account's available margin and the open-interest cap; every ledger
 * change moves cash and lots, never creates them (the ledger's running
 * totals show it in O(1) after every call with the check on; venue_audit
 * recounts it). Hot paths allocate nothing: the buffers grow by doubling
 * (venue_reserve) and keep their memory.
 */
#include "venue.h"

#include "venue_internal.h"

#include <stdlib.h>
#include <string.h>

#include "grow.h"

/* Grows a buffer of elements of size sz to hold want; 0 or PERR_NOMEM. The
 * check that it is large enough stays here, where the calls are many. */
int venue_reserve(void **buf, size_t *cap, size_t want, size_t sz)
{
    if (want <= *cap)
        return 0;
    void *p = grow_to(*buf, want, cap, sz, 64);
    if (!p)
        return PERR_NOMEM;
    *buf = p;
    return 0;
}

/* ---- set-up ------------------------------------------------------------ */

venue *venue_new(const profile *p, int64_t min_price, int64_t max_price,
                 int64_t initial_mark, size_t accounts_hint,
                 size_t orders_hint, perr *e)
{
    if (profile_check(p, e) != 0)
        return NULL;
    if (initial_mark < min_price || initial_mark > max_price) {
        perr_set(e, PERR_INVALID,
                 "%s: the initial mark %lld lies outside the book's prices "
                 "[%lld, %lld]",
                 p->name, (long long)initial_mark, (long long)min_price,
                 (long long)max_price);
        return NULL;
    }
    venue *v = perr_zalloc(e, sizeof *v, "no memory for a venue");
    if (!v)
        return NULL;
    v->p = p;
    v->base = p;
    v->margin_mult = RULE_POLICY_MARGIN_ONE;
    v->min_price = min_price;
    v->max_price = max_price;
    v->mark = initial_mark;
    v->oi_cap = VENUE_OI_UNCAPPED;
#ifndef NDEBUG
    v->recount_every = 1;
#endif
    v->book = book_new(min_price, max_price, orders_hint, e);
    if (!v->book) {
        free(v);
        return NULL;
    }
    if (accounts_init(&v->acc, p, min_price, max_price, accounts_hint, e) != 0) {
        book_free(v->book);
        free(v);
        return NULL;
    }
    return v;
}

void venue_free(venue *v)
{
    if (!v)
        return;
    book_free(v->book);
    accounts_free(&v->acc);
    free(v->liqs);
    free(v->adls);
    free(v->cool);
    free(v->demands);
    free(v->cands);
    free(v->ids);
    venue_policy_free(v);
    free(v);
}

const profile *venue_profile(const venue *v) { return v->p; }
book *venue_book(venue *v) { return v->book; }
const book *venue_book_view(const venue *v) { return v->book; }
const accounts *venue_accounts(const venue *v) { return &v->acc; }
int64_t venue_mark(const venue *v) { return v->mark; }
int64_t venue_time(const venue *v) { return v->now; }

void venue_set_oi_cap(venue *v, int64_t cap) { v->oi_cap = cap; }
int64_t venue_oi_cap(const venue *v) { return v->oi_cap; }

const account *venue_account(const venue *v, uint32_t id)
{
    return id < v->acc.n ? &v->acc.a[id] : NULL;
}

void venue_set_check(venue *v, uint64_t recount_every)
{
    v->recount_every = recount_every;
    v->since_recount = 0;
}

void venue_check_counts(const venue *v, uint64_t *checks, uint64_t *recounts)
{
    *checks = v->checks;
    *recounts = v->recounts;
}

/* Neither the fund nor the vault below zero at the mark, unless its
 * deleveraging is pending: O(1) (two accounts; the pending demands are a
 * handful at most). */
static int takers_solvent(const venue *v, perr *e)
{
    for (uint32_t x = ACCOUNT_FUND; x < ACCOUNT_FIRST_TRADER; x++) {
        margin_position pos = accounts_position(&v->acc, x);
        if (margin_balance(v->p, &pos, v->mark) < 0 && !venue_liq_pending(v, x))
            return perr_set(e, PERR_STATE,
                            "the %s's margin balance is %lld < 0 and no "
                            "deleveraging is pending",
                            x == ACCOUNT_FUND ? "insurance fund"
                                              : "backstop vault",
                            (long long)margin_balance(v->p, &pos, v->mark));
    }
    return 0;
}

/* With the check on, tests the ledger after the call named where: the
 * running totals and the fund and vault in O(1) every time, and a recount
 * of every account (venue_audit) every recount_every-th time. A broken
 * invariant is a bug in the engine: the call fails there with the audit's
 * status and a report naming the call, so that a run stops where it was
 * seen and the program says so. */
int venue_check_event(venue *v, const char *where, perr *e)
{
    if (!v->recount_every)
        return 0;
    perr audit;
    perr_clear(&audit);
    v->checks++;
    int rc = accounts_check_books(&v->acc, &audit);
    if (rc == 0)
        rc = takers_solvent(v, &audit);
    if (rc == 0 && ++v->since_recount >= v->recount_every) {
        v->since_recount = 0;
        v->recounts++;
        rc = venue_audit(v, NULL, &audit);
    }
    if (rc != 0)
        return perr_set(e, rc, "ledger invariant broken after %s: %s", where,
                        audit.msg);
    return 0;
}

/* The status of a call that changed the ledger: a broken invariant before
 * the call's own failure, since it means the ledger can no longer be
 * trusted. */
static int checked(venue *v, const char *where, int rc, perr *e)
{
    int broken = venue_check_event(v, where, e);
    return broken ? broken : rc;
}

int venue_open(venue *v, int64_t deposit, account_mode mode, int32_t leverage,
               uint32_t *id, perr *e)
{
    int rc = accounts_open(&v->acc, deposit, mode, leverage, id, e);
    return checked(v, "venue_open", rc, e);
}

int venue_deposit(venue *v, uint32_t id, int64_t amount, perr *e)
{
    int rc = accounts_deposit(&v->acc, id, amount, e);
    return checked(v, "venue_deposit", rc, e);
}

int venue_withdraw(venue *v, uint32_t id, int64_t amount, perr *e)
{
    int rc = accounts_withdraw(&v->acc, id, amount, v->mark, e);
    return checked(v, "venue_withdraw", rc, e);
}

int venue_initial_position(venue *v, uint32_t id, uint32_t counterparty,
                           int64_t lots, int64_t notional, perr *e)
{
    uint32_t n = v->acc.n;
    if (id < ACCOUNT_FIRST_TRADER || id >= n
        || counterparty < ACCOUNT_FIRST_TRADER || counterparty >= n
        || id == counterparty)
        return perr_set(e, PERR_INVALID,
                        "an initial position needs two trader accounts "
                        "(got %u and %u)", (unsigned)id,
                        (unsigned)counterparty);
    if (v->acc.a[id].state != ACCOUNT_ACTIVE
        || v->acc.a[counterparty].state != ACCOUNT_ACTIVE)
        return perr_set(e, PERR_INVALID,
                        "account %u or %u is not active", (unsigned)id,
                        (unsigned)counterparty);
    if (lots == 0 || lots == INT64_MIN || notional <= 0)
        return perr_set(e, PERR_INVALID,
                        "an initial position of %lld lots for %lld cash units",
                        (long long)lots, (long long)notional);
    uint32_t buyer = lots > 0 ? id : counterparty;
    uint32_t seller = lots > 0 ? counterparty : id;
    accounts_trade(&v->acc, buyer, seller, lots > 0 ? lots : -lots, notional);
    return checked(v, "venue_initial_position", 0, e);
}

int venue_fund_beyond_range(venue *v, uint32_t id, int64_t *deposit, perr *e)
{
    if (deposit)
        *deposit = 0;
    if (id < ACCOUNT_FIRST_TRADER || id >= v->acc.n)
        return perr_set(e, PERR_INVALID, "no trader account %u", (unsigned)id);
    margin_position pos = accounts_position(&v->acc, id);
    if (pos.size == 0)
        return 0;
    int64_t edge = pos.size > 0 ? v->acc.min_mark : v->acc.max_mark;
    i128 want = (i128)margin_position_maintenance(v->p, &pos, edge)
        - margin_balance(v->p, &pos, edge);
    if (want <= 0)
        return 0;
    if (want >= INT64_MAX / 2)
        return perr_set(e, PERR_RANGE,
                        "account %u: no deposit keeps its position beyond the "
                        "price range", (unsigned)id);
    int rc = venue_deposit(v, id, (int64_t)want, e);
    if (rc != 0)
        return rc;
    pos = accounts_position(&v->acc, id);
    if (margin_liquidatable(v->p, &pos, edge))
        return perr_set(e, PERR_STATE,
                        "account %u: still liquidatable at %lld after a "
                        "deposit of %lld", (unsigned)id, (long long)edge,
                        (long long)want);
    if (deposit)
        *deposit = (int64_t)want;
    return rc;
}

int venue_set_leverage(venue *v, uint32_t id, int32_t leverage, perr *e)
{
    if (id < ACCOUNT_FIRST_TRADER || id >= v->acc.n)
        return perr_set(e, PERR_INVALID, "no trader account %u", (unsigned)id);
    account *a = &v->acc.a[id];
    int64_t notional = margin_notional(v->p, a->size, v->mark);
    int32_t most = margin_max_leverage(v->p, notional);
    if (leverage < 1 || leverage > most)
        return perr_set(e, PERR_STATE,
                        "account %u: leverage %d is outside [1, %d] for a "
                        "position of %lld cash units",
                        (unsigned)id, (int)leverage, (int)most,
                        (long long)notional);
    int32_t old = a->leverage;
    a->leverage = leverage;
    if (a->mode == ACCOUNT_CROSS && accounts_available(&v->acc, id, v->mark) < 0) {
        a->leverage = old;
        return perr_set(e, PERR_STATE,
                        "account %u: not enough margin for leverage %d",
                        (unsigned)id, (int)leverage);
    }
    return 0;
}

/* ---- fills -------------------------------------------------------------- */

/* rate x amount as a fee: the payer's side rounded up, a rebate (negative
 * rate) rounded toward zero. */
static int64_t fee_of(int64_t amount, int64_t rate)
{
    if (rate >= 0)
        return ceil_rate(amount, rate);
    if (amount >= 0 && amount <= INT64_MAX / -rate)
        return -(amount * -rate / PROFILE_RATE_ONE);
    return -(int64_t)(((i128)amount * -rate) / PROFILE_RATE_ONE);
}

static void track_open(accounts *t, uint32_t id, int side,
                       int64_t price_notional, int64_t lots)
{
    account_cold *c = &t->cold[id];
    if (side > 0) {
        c->open_buy_notional += price_notional;
        c->open_buy_lots += lots;
    } else {
        c->open_sell_notional += price_notional;
        c->open_sell_lots += lots;
    }
    t->a[id].resting = c->open_buy_lots != 0 || c->open_sell_lots != 0;
}

/* Applies the fills of one submitted order to the ledger and counts the
 * order and its fills (venue_book_counts). Liquidation and internal (fund,
 * vault) takers pay no trading fee. Returns the notional traded. */
int64_t venue_apply_fills(venue *v, const book_result *res, uint32_t taker,
                           int taker_pays_fee)
{
    size_t n;
    const book_fill *fills = book_fills(v->book, &n);
    int64_t k = v->p->cash_per_tick_lot;
    int64_t total = 0;
    v->book_counts.orders++;
    v->book_counts.fills += res->nfills;
    for (size_t i = res->first_fill; i < res->first_fill + res->nfills; i++) {
        const book_fill *f = &fills[i];
        int64_t amount = f->price * f->size * k;
        uint32_t maker = f->maker_owner;
        uint32_t buyer = f->taker_side == BOOK_BUY ? taker : maker;
        uint32_t seller = f->taker_side == BOOK_BUY ? maker : taker;
        int64_t maker_fee = maker >= ACCOUNT_FIRST_TRADER
                                ? fee_of(amount, v->p->maker_fee) : 0;
        int64_t taker_fee = taker_pays_fee ? fee_of(amount, v->p->taker_fee) : 0;
        track_open(&v->acc, maker, -f->taker_side, -amount, -f->size);
        if (f->taker_side == BOOK_BUY)
            accounts_fill(&v->acc, buyer, seller, f->size, amount, taker_fee,
                          maker_fee);
        else
            accounts_fill(&v->acc, buyer, seller, f->size, amount, maker_fee,
                          taker_fee);
        total += amount;
    }
    return total;
}

int64_t venue_oi_room(const venue *v, int64_t cap)
{
    i128 lot_cash = (i128)v->mark * v->p->cash_per_tick_lot;
    i128 room = (i128)cap / lot_cash - v->acc.long_lots;
    return room <= 0 ? 0 : room > INT64_MAX ? INT64_MAX : (int64_t)room;
}

/* Decides whether account may send spec; fills *lots with the size it may
 * send (reduce-only orders are cut to the position) and moves spec's price
 * where a risk policy clips it. */
static venue_reject admit(venue *v, uint32_t id, book_order_spec *spec,
                          int64_t *lots)
{
    const account *a = &v->acc.a[id];
    *lots = spec->size;
    if (a->state == ACCOUNT_HELD)
        return VENUE_REJECT_LIQUIDATING;
    int64_t side = spec->side;
    int64_t open_max = INT64_MAX;
    if (spec->flags & BOOK_REDUCE_ONLY) {
        if (spec->type == BOOK_LIMIT || spec->type == BOOK_POST_ONLY)
            return VENUE_REJECT_REDUCE_ONLY;
        if (a->size == 0 || sign64(a->size) == side)
            return VENUE_REJECT_REDUCE_ONLY;
        if (*lots > abs64(a->size))
            *lots = abs64(a->size);
        return venue_policy_order(v, id, spec, 0, *lots, 0, &spec->price,
                                  &open_max);
    }
    int64_t reducing = 0;
    if (a->size != 0 && sign64(a->size) != side)
        reducing = *lots < abs64(a->size) ? *lots : abs64(a->size);
    int64_t increasing = *lots - reducing;
    venue_reject r = venue_policy_order(v, id, spec, 0, reducing, increasing,
                                        &spec->price, &open_max);
    if (r != VENUE_ACCEPTED)
        return r;
    if (increasing > open_max) {
        increasing = open_max;
        *lots = reducing + open_max;
        if (*lots == 0)
            return VENUE_REJECT_OI_CAP;
    }
    if (v->oi_cap != VENUE_OI_UNCAPPED && increasing > 0
        && spec->type != BOOK_POST_ONLY) {
        int64_t room = venue_oi_room(v, v->oi_cap);
        if (increasing > room) {
            increasing = room;
            *lots = reducing + room;
            if (*lots == 0)
                return VENUE_REJECT_OI_CAP;
        }
    }
    if (increasing == 0)
        return VENUE_ACCEPTED;
    int64_t price = spec->type == BOOK_MARKET ? v->mark : spec->price;
    int64_t measured = price > v->mark ? price : v->mark;
    /* The position if every resting order on this side filled as well. */
    const account_cold *c = &v->acc.cold[id];
    int64_t same_side = side > 0 ? c->open_buy_lots : c->open_sell_lots;
    int64_t worst = a->size + side * (*lots + same_side);
    int64_t worst_notional = margin_notional(v->p, worst, measured);
    if (a->leverage > margin_max_leverage(v->p, worst_notional))
        return VENUE_REJECT_LEVERAGE;
    int64_t need = margin_initial(
        margin_notional(v->p, increasing, price), a->leverage);
    if (need > accounts_available(&v->acc, id, v->mark))
        return VENUE_REJECT_MARGIN;
    return VENUE_ACCEPTED;
}

int venue_submit(venue *v, uint32_t id, const book_order_spec *spec,
                 book_result *res, venue_reject *why, perr *e)
{
    book_result local;
    if (!res)
        res = &local;
    if (why)
        *why = VENUE_ACCEPTED;
    if (id < ACCOUNT_FIRST_TRADER || id >= v->acc.n)
        return perr_set(e, PERR_INVALID, "no trader account %u",
                        (unsigned)id);
    book_order_spec s = *spec;
    s.owner = id;
    s.flags &= ~(unsigned)BOOK_LIQUIDATION;
    int64_t lots;
    venue_reject r = admit(v, id, &s, &lots);
    if (r != VENUE_ACCEPTED) {
        memset(res, 0, sizeof *res);
        res->outcome = BOOK_REJECTED;
        res->unfilled = spec->size;
        if (why)
            *why = r;
        return 0;
    }
    s.size = lots;
    int rc = book_submit(v->book, &s, res, e);
    if (rc)
        return rc;
    venue_apply_fills(v, res, id, 1);
    if (res->rested > 0)
        track_open(&v->acc, id, s.side,
                   s.price * res->rested * v->p->cash_per_tick_lot,
                   res->rested);
    return venue_check_event(v, "venue_submit", e);
}

int venue_cancel(venue *v, book_id id, perr *e)
{
    book_order_info info;
    int rc = book_lookup(v->book, id, &info, e);
    if (rc)
        return rc;
    rc = book_cancel(v->book, id, NULL, e);
    if (rc)
        return rc;
    v->book_counts.cancels++;
    if (info.owner < v->acc.n)
        track_open(&v->acc, info.owner, info.side,
                   -info.price * info.size * v->p->cash_per_tick_lot,
                   -info.size);
    return 0;
}

void venue_cancel_all(venue *v, uint32_t id)
{
    if (id >= v->acc.n)
        return;
    account *a = &v->acc.a[id];
    if (!a->resting)
        return; /* nothing resting: spare the book a lookup */
    v->book_counts.cancels += book_cancel_owner(v->book, id);
    account_cold *c = &v->acc.cold[id];
    c->open_buy_notional = c->open_sell_notional = 0;
    c->open_buy_lots = c->open_sell_lots = 0;
    a->resting = 0;
}

void venue_book_counts_get(const venue *v, venue_book_counts *out)
{
    *out = v->book_counts;
}

void venue_set_mark_rule(venue *v, venue_mark_fn fn, void *ctx)
{
    v->mark_fn = fn;
    v->mark_ctx = ctx;
}


static int set_time(venue *v, int64_t now, perr *e)
{
    if (now < v->now)
        return perr_set(e, PERR_INVALID,
                        "venue %s: time went back from %lld to %lld ms",
                        v->p->name, (long long)v->now, (long long)now);
    v->now = now;
    return 0;
}

int venue_set_mark(venue *v, int64_t now, int64_t mark, perr *e)
{
    int rc = set_time(v, now, e);
    if (rc)
        return rc;
    if (mark < v->min_price || mark > v->max_price)
        return perr_set(e, PERR_INVALID,
                        "venue %s: mark %lld outside the prices [%lld, %lld]",
                        v->p->name, (long long)mark, (long long)v->min_price,
                        (long long)v->max_price);
    v->mark = mark;
    return venue_liq_cascade(v, e);
}

int venue_update(venue *v, int64_t now, perr *e)
{
    int rc = set_time(v, now, e);
    if (rc)
        return rc;
    if (v->mark_fn) {
        int64_t m = v->mark_fn(v->mark_ctx, v);
        if (m >= v->min_price && m <= v->max_price)
            v->mark = m;
    }
    return venue_liq_cascade(v, e);
}

void venue_books(const venue *v, venue_totals *out)
{
    memset(out, 0, sizeof *out);
    accounts_books(&v->acc, &out->ledger);
    out->insurance_fund = v->acc.a[ACCOUNT_FUND].cash;
    out->backstop_vault = v->acc.a[ACCOUNT_BACKSTOP].cash;
    out->fee_pool = v->acc.fee_pool;
}

int venue_audit(const venue *v, venue_totals *out, perr *e)
{
    venue_totals t;
    memset(&t, 0, sizeof t);
    int rc = accounts_audit(&v->acc, &t.ledger, e);
    t.insurance_fund = v->acc.a[ACCOUNT_FUND].cash;
    t.backstop_vault = v->acc.a[ACCOUNT_BACKSTOP].cash;
    t.fee_pool = v->acc.fee_pool;
    if (out)
        *out = t;
    if (rc)
        return rc;
    return takers_solvent(v, e);
}

const char *venue_route_name(venue_route r)
{
    switch (r) {
    case VENUE_BY_BOOK: return "book";
    case VENUE_BY_BACKSTOP: return "backstop";
    case VENUE_BY_FUND: return "fund";
    case VENUE_BY_ADL: return "adl";
    }
    return "?";
}

const char *venue_reject_name(venue_reject r)
{
    switch (r) {
    case VENUE_ACCEPTED: return "accepted";
    case VENUE_REJECT_LEVERAGE: return "leverage above the bracket maximum";
    case VENUE_REJECT_MARGIN: return "insufficient margin";
    case VENUE_REJECT_REDUCE_ONLY: return "reduce-only order would not reduce";
    case VENUE_REJECT_LIQUIDATING: return "account is being liquidated";
    case VENUE_REJECT_OI_CAP: return "the open-interest cap is reached";
    case VENUE_REJECT_HALTED: return "a circuit breaker halts matching";
    case VENUE_REJECT_BAND: return "priced beyond the price band";
    }
    return "?";
}

/* ---- funding settlement ------------------------------------------------- */

/* Funding moves cash between each position's margin and the fee pool
 * (accounts_pay_from_margin): the pool is the clearing account through which
 * the payers' cash reaches the receivers, and what rounding leaves behind
 * stays in it (ARCHITECTURE.md, "Units and exactness"; docs/mechanics.md 1:
 * payment = size x price x F, longs pay shorts when F > 0). */
int venue_settle_funding(venue *v, int64_t now, int64_t rate, int64_t price,
                         venue_funding *rec, perr *e)
{
    if (now < v->now)
        return perr_set(e, PERR_INVALID,
                        "venue %s: funding at %lld ms, before the clock's %lld",
                        v->p->name, (long long)now, (long long)v->now);
    if (price < 1)
        return perr_set(e, PERR_INVALID,
                        "venue %s: funding valued at price %lld ticks",
                        v->p->name, (long long)price);
    if (rate <= -PROFILE_RATE_ONE || rate >= PROFILE_RATE_ONE)
        return perr_set(e, PERR_INVALID,
                        "venue %s: funding rate %lld is not in (-1, 1)",
                        v->p->name, (long long)rate);
    int64_t k = v->p->cash_per_tick_lot;
    int64_t magnitude = abs64(rate);
    int64_t long_lots = 0;
    for (uint32_t id = ACCOUNT_FUND; id < v->acc.n; id++)
        if (v->acc.a[id].size > 0)
            long_lots += v->acc.a[id].size;
    /* Every single payment is at most the whole side's, plus one. */
    i128 side_total = (i128)long_lots * price * k * magnitude / PROFILE_RATE_ONE;
    if (side_total > (i128)(INT64_MAX / 2))
        return perr_set(e, PERR_RANGE,
                        "venue %s: funding of %lld lots at %lld ticks and rate "
                        "%lld exceeds the cash range",
                        v->p->name, (long long)long_lots, (long long)price,
                        (long long)rate);
    v->now = now;
    venue_funding r = {now, rate, price, long_lots, 0, 0, 0, 0};
    if (rate != 0) {
        int payer_side = rate > 0 ? 1 : -1;
        int64_t paid = 0, received = 0;
        for (uint32_t id = ACCOUNT_FUND; id < v->acc.n; id++) {
            int64_t size = v->acc.a[id].size;
            if (size == 0)
                continue;
            i128 num = (i128)abs64(size) * price * k * magnitude;
            int64_t floor_amount = (int64_t)(num / PROFILE_RATE_ONE);
            if (sign64(size) == payer_side) {
                int64_t amount = floor_amount + (num % PROFILE_RATE_ONE != 0);
                accounts_pay_from_margin(&v->acc, id, amount);
                paid += amount;
            } else {
                accounts_pay_from_margin(&v->acc, id, -floor_amount);
                received += floor_amount;
            }
            r.positions++;
        }
        r.residual = paid - received;
        r.longs_paid = rate > 0 ? paid : -received;
        r.shorts_received = rate > 0 ? received : -paid;
    }
    if (rec)
        *rec = r;
    int rc = venue_check_event(v, "venue_settle_funding", e);
    if (rc != 0)
        return rc;
    return venue_update(v, now, e);
}
