/*
 * venue_liq: the liquidation engine of a venue (venue.h, "The cascade"):
 * the passes over triggered positions, each liquidation's steps (the
 * policy's part, the IOC within the bankruptcy price and the band, the
 * fee), the insurance fund and the backstop vault that take over what the
 * book cannot fill and work it back, auto-deleveraging with its ranking,
 * and the records of it all. The venue's rules come through their tables
 * (models/rule.h): the liquidation policy (liquidation.style), the ADL
 * ranking (adl.rank) and the ADL price (adl.price); the venue facts are in
 * docs/mechanics.md section 4 and notes/venue-examples.md.
 *
 * Invariants: cash and lots are only moved (accounts_trade,
 * accounts_transfer), so the ledger balances after every step; the fund's
 * and the vault's margin balances are never below zero unless a
 * deleveraging of them is pending; an account is HELD exactly while it is
 * being liquidated or has lots pending ADL. Hot paths allocate nothing:
 * the records, the cooldown queue and the ADL work arrays grow by doubling
 * and keep their memory.
 */
#include "venue_internal.h"

#include <math.h>
#include <string.h>

/* ---- records ------------------------------------------------------------ */

static int64_t fund_balance(const venue *v)
{
    const account *f = &v->acc.a[ACCOUNT_FUND];
    if (f->size == 0)
        return f->cash; /* the common case, asked several times per liquidation */
    margin_position pos = accounts_position(&v->acc, ACCOUNT_FUND);
    return margin_balance(v->p, &pos, v->mark);
}

static void record_liquidation(venue *v, uint32_t id, int side,
                               venue_route route, int64_t lots,
                               int64_t notional, double bp, int64_t fee,
                               int64_t fund_change)
{
    if (lots <= 0)
        return;
    if (venue_reserve((void **)&v->liqs, &v->cap_liqs, v->nliqs + 1,
                sizeof *v->liqs) != 0)
        return; /* out of memory: the record is lost, the ledger is not */
    venue_liquidation *r = &v->liqs[v->nliqs++];
    r->time = v->now;
    r->account = id;
    r->side = (int8_t)side;
    r->route = (uint8_t)route;
    r->lots = lots;
    r->notional = notional;
    r->avg_price = (double)notional / ((double)lots * (double)v->p->cash_per_tick_lot);
    r->bankruptcy_price = bp;
    r->fee = fee;
    r->fund_change = fund_change;
}

static void record_adl(venue *v, uint32_t bankrupt, uint32_t counterparty,
                       int side, int64_t lots, int64_t notional,
                       int64_t shortfall)
{
    if (venue_reserve((void **)&v->adls, &v->cap_adls, v->nadls + 1,
                sizeof *v->adls) != 0)
        return;
    venue_adl *r = &v->adls[v->nadls++];
    r->time = v->now;
    r->bankrupt = bankrupt;
    r->counterparty = counterparty;
    r->side = (int8_t)side;
    r->lots = lots;
    r->notional = notional;
    r->price = (double)notional / ((double)lots * (double)v->p->cash_per_tick_lot);
    r->shortfall = shortfall;
}

const venue_liquidation *venue_liquidations(const venue *v, size_t *n)
{
    *n = v->nliqs;
    return v->liqs;
}

const venue_adl *venue_adls(const venue *v, size_t *n)
{
    *n = v->nadls;
    return v->adls;
}

void venue_clear_events(venue *v)
{
    v->nliqs = 0;
    v->nadls = 0;
    v->npevents = 0;
    book_clear_fills(v->book);
}

/* ---- the liquidation engine --------------------------------------------- */

/* The cash of closing lots of d's position by auto-deleveraging, at the
 * venue's ADL price. */
static int64_t adl_value(const venue *v, const adl_demand *d, int64_t lots)
{
    return v->p->adl_price->value(v->p, &d->pos0, lots, d->mark_ref);
}

static int push_demand(venue *v, uint32_t id, int side, int64_t lots,
                       const margin_position *pos0, int64_t mark_ref,
                       int64_t fund_before)
{
    if (venue_reserve((void **)&v->demands, &v->cap_demands, v->ndemands + 1,
                sizeof *v->demands) != 0)
        return PERR_NOMEM;
    adl_demand *d = &v->demands[v->ndemands++];
    d->bankrupt = id;
    d->side = (int8_t)side;
    d->lots = lots;
    d->lots_total = lots;
    d->notional = 0;
    d->pos0 = *pos0;
    d->mark_ref = mark_ref;
    d->fund_before = fund_before;
    accounts_set_state(&v->acc, id, ACCOUNT_HELD);
    return 0;
}

/* After a trader's position is gone: what is left of its margin goes to the
 * fund (or stays, where the venue returns it), and a deficit is paid by the
 * fund, then the fee pool. Returns the change to the fund's cash. */
static int64_t settle_remainder(venue *v, uint32_t id)
{
    account *a = &v->acc.a[id];
    if (id < ACCOUNT_FIRST_TRADER || a->size != 0)
        return 0;
    int64_t left = a->cash;
    if (left > 0 && !v->p->surplus_to_trader) {
        accounts_transfer(&v->acc, id, ACCOUNT_FUND, left);
        return left;
    }
    if (left < 0) {
        /* The fund pays what its margin balance can: its cash alone is
         * negative while it carries a long it took over, yet it may be
         * worth far more than the deficit. */
        int64_t from_fund = fund_balance(v);
        if (from_fund > -left)
            from_fund = -left;
        if (from_fund < 0)
            from_fund = 0;
        accounts_transfer(&v->acc, ACCOUNT_FUND, id, from_fund);
        int64_t rest = -left - from_fund;
        if (rest > 0)
            accounts_pay_fee(&v->acc, id, -rest);
        return -from_fund;
    }
    if (left > 0 && a->mode == ACCOUNT_ISOLATED) {
        /* The trader's surplus: back to the wallet it can use. */
        accounts_release_margin(&v->acc, id, left);
    }
    return 0;
}

/* 1 when taker X can take lots of a position of side at value cash and keep
 * a margin balance >= 0 at the mark. */
static int can_take_over(const venue *v, uint32_t x, int side, int64_t lots,
                         int64_t value)
{
    const account *a = &v->acc.a[x];
    /* X buys a liquidated long (pays value), or sells to a short (receives). */
    margin_position after = {a->size + side * lots, 0,
                             a->cash - side * value};
    return margin_balance(v->p, &after, v->mark) >= 0;
}

/* What one step of the venue's liquidation policy closes of id's
 * position (pos, its position now). */
static rule_liq_step liq_step(const venue *v, uint32_t id,
                              const margin_position *pos)
{
    rule_liq_inputs in = {v->p, pos, v->mark, v->now,
                          v->acc.cold[id].cooldown_until};
    return v->p->liq_style->step(&in);
}

/* The limit of a liquidation IOC for a position of side: no worse than the
 * bankruptcy price, nor than the band around the mark. Returns 0 when no
 * price in the book's range qualifies. */
static int64_t liquidation_limit(const venue *v, int side, double bp,
                                 int64_t band)
{
    double limit;
    if (side > 0) {
        /* A long sells: at or above the bankruptcy price. */
        limit = ceil(bp);
        if (band > 0) {
            double low = floor((double)v->mark
                               * (1.0 - (double)band / (double)PROFILE_RATE_ONE));
            if (low > limit)
                limit = low;
        }
        if (limit > (double)v->max_price)
            return 0;
        return limit < (double)v->min_price ? v->min_price : (int64_t)limit;
    }
    limit = floor(bp);
    if (band > 0) {
        double high = ceil((double)v->mark
                           * (1.0 + (double)band / (double)PROFILE_RATE_ONE));
        if (high < limit)
            limit = high;
    }
    if (limit < (double)v->min_price)
        return 0;
    return limit > (double)v->max_price ? v->max_price : (int64_t)limit;
}

/* Sends an IOC for lots of account id's position of side into the book
 * within limit; returns the lots filled and their notional in *notional. */
static int64_t send_ioc(venue *v, uint32_t id, int side, int64_t lots,
                        int64_t limit, int taker_pays_fee, int64_t *notional)
{
    *notional = 0;
    if (limit == 0 || lots <= 0)
        return 0;
    book_order_spec s = {limit, lots, id, -side, BOOK_IOC,
                         BOOK_REDUCE_ONLY | BOOK_LIQUIDATION};
    int64_t open_max = 0;
    if (venue_policy_order(v, id, &s, 1, lots, 0, &s.price, &open_max)
        != VENUE_ACCEPTED)
        return 0; /* refused by a risk policy: left to the takeover */
    book_result res;
    if (book_submit(v->book, &s, &res, NULL) != 0)
        return 0; /* a size beyond the book's limits: left to the takeover */
    *notional = venue_apply_fills(v, &res, id, taker_pays_fee);
    return res.filled;
}

/* Hands lots of position id (side) to the backstop vault or the fund at the
 * bankruptcy price of pos0, or to auto-deleveraging when it cannot carry
 * them. */
static void take_over(venue *v, uint32_t id, int side, int64_t lots,
                      const margin_position *pos0, double bp,
                      int64_t mark_ref, int64_t fund_before)
{
    uint32_t x = v->p->has_backstop ? ACCOUNT_BACKSTOP : ACCOUNT_FUND;
    int64_t value = margin_bankruptcy_value(pos0, lots);
    if (!can_take_over(v, x, side, lots, value)) {
        push_demand(v, id, side, lots, pos0, mark_ref, fund_before);
        return;
    }
    int64_t before = fund_balance(v);
    if (side > 0)
        accounts_trade(&v->acc, x, id, lots, value);
    else
        accounts_trade(&v->acc, id, x, lots, value);
    record_liquidation(v, id, side,
                       x == ACCOUNT_BACKSTOP ? VENUE_BY_BACKSTOP : VENUE_BY_FUND,
                       lots, value, bp, 0, fund_balance(v) - before);
}

/* Liquidates one triggered trader account. */
static void liquidate(venue *v, uint32_t id)
{
    const profile *p = v->p;
    /* id has no demand yet (an account with one is held, out of the
     * trigger index); take_over is the only step below that adds one, and
     * only for id: a demand added here is id's. Comparing the count, not
     * scanning the demands (venue_liq_pending), keeps a pass that leaves
     * many positions to auto-deleveraging linear in them. */
    size_t demands_before = v->ndemands;
    accounts_set_state(&v->acc, id, ACCOUNT_HELD);
    venue_cancel_all(v, id);
    account *a = &v->acc.a[id];
    int side = (int)sign64(a->size);
    margin_position pos0 = accounts_position(&v->acc, id);
    double bp = margin_bankruptcy_price(p, &pos0);
    int64_t fund_before = fund_balance(v);
    int64_t mark_ref = v->mark;

    /* Below the backstop threshold the vault takes everything at once. */
    if (p->has_backstop && p->backstop_below > 0) {
        int64_t mm = margin_position_maintenance(p, &pos0, v->mark);
        i128 threshold = (i128)mm * p->backstop_below;
        if ((i128)margin_balance(p, &pos0, v->mark) * PROFILE_RATE_ONE
            < threshold) {
            take_over(v, id, side, abs64(pos0.size), &pos0, bp, mark_ref,
                      fund_before);
            if (v->acc.a[id].state == ACCOUNT_HELD && v->acc.a[id].size == 0) {
                settle_remainder(v, id);
                accounts_set_state(&v->acc, id, ACCOUNT_ACTIVE);
            }
            return;
        }
    }

    rule_liq_step step = liq_step(v, id, &pos0);
    int64_t lots = step.lots;
    int64_t limit = liquidation_limit(v, side, bp, p->price_band);
    int64_t fund0 = fund_balance(v);
    int64_t filled_notional;
    int64_t filled = send_ioc(v, id, side, lots, limit, 0, &filled_notional);
    int64_t fee = 0;
    if (filled > 0 && p->liq_fee > 0) {
        fee = ceil_rate(filled_notional, p->liq_fee);
        margin_position now = accounts_position(&v->acc, id);
        int64_t bal = margin_balance(p, &now, v->mark);
        if (fee > bal)
            fee = bal > 0 ? bal : 0;
        if (fee > 0)
            accounts_transfer(&v->acc, id, ACCOUNT_FUND, fee);
    }
    record_liquidation(v, id, side, VENUE_BY_BOOK, filled, filled_notional, bp,
                       fee, fund_balance(v) - fund0);
    if (lots - filled > 0)
        take_over(v, id, side, lots - filled, &pos0, bp, mark_ref,
                  fund_before);
    a = &v->acc.a[id];
    if (a->size == 0) {
        int64_t before = fund_balance(v);
        settle_remainder(v, id);
        if (v->nliqs > 0 && v->liqs[v->nliqs - 1].account == id)
            v->liqs[v->nliqs - 1].fund_change += fund_balance(v) - before;
    }
    if (v->ndemands > demands_before)
        return; /* held for auto-deleveraging */
    if (step.pause && a->size != 0) {
        v->acc.cold[id].cooldown_until = step.pause_until;
        if (venue_reserve((void **)&v->cool, &v->cap_cool, v->cool_n + 1,
                    sizeof *v->cool) == 0) {
            /* Not again in this block: back in the index a millisecond on,
             * and until cooldown_until any liquidation takes it whole. */
            v->cool[v->cool_n++] = (cooldown_entry){id, v->now + 1};
            accounts_set_state(&v->acc, id, ACCOUNT_COOLDOWN);
            return;
        }
    }
    accounts_set_state(&v->acc, id, ACCOUNT_ACTIVE);
}

/* Returns accounts whose post-chunk pause has passed to the index. Entries
 * are appended in time order, so the expired ones are a prefix. */
static void release_cooldowns(venue *v)
{
    size_t i = 0;
    while (i < v->cool_n && v->cool[i].release <= v->now) {
        uint32_t id = v->cool[i].id;
        if (v->acc.a[id].state == ACCOUNT_COOLDOWN)
            accounts_set_state(&v->acc, id, ACCOUNT_ACTIVE);
        i++;
    }
    if (i > 0) {
        memmove(v->cool, v->cool + i, (v->cool_n - i) * sizeof *v->cool);
        v->cool_n -= i;
    }
}

/* The fund and the vault work their positions back into the book, and are
 * deleveraged at their own bankruptcy price when their margin balance would
 * go below zero. Returns 1 if anything changed. */
static int tend_takers(venue *v)
{
    int changed = 0;
    for (uint32_t x = ACCOUNT_FUND; x < ACCOUNT_FIRST_TRADER; x++) {
        account *a = &v->acc.a[x];
        if (a->size == 0)
            continue;
        int side = (int)sign64(a->size);
        int already = 0;
        for (size_t i = 0; i < v->ndemands; i++)
            already |= v->demands[i].bankrupt == x;
        if (already)
            continue;
        margin_position pos = accounts_position(&v->acc, x);
        if (margin_balance(v->p, &pos, v->mark) < 0) {
            push_demand(v, x, side, abs64(a->size), &pos, v->mark,
                        fund_balance(v));
            changed = 1;
            continue;
        }
        double bp = margin_bankruptcy_price(v->p, &pos);
        int64_t limit = liquidation_limit(v, side, bp, v->p->unwind_band);
        int64_t notional;
        if (send_ioc(v, x, side, abs64(a->size), limit, 0, &notional) > 0)
            changed = 1;
    }
    return changed;
}

static double adl_score(const venue *v, uint32_t id)
{
    const profile *p = v->p;
    const account *a = &v->acc.a[id];
    margin_position pos = accounts_position(&v->acc, id);
    double k = (double)p->cash_per_tick_lot;
    rule_adl_inputs in;
    in.p = p;
    in.pos = &pos;
    in.mark = v->mark;
    in.size = a->size;
    in.cost = (double)a->cost;
    in.mark_value = (double)a->size * (double)v->mark * k;
    in.upnl = in.mark_value - (double)a->cost;
    in.wallet = (double)a->cash + (double)a->cost;
    in.balance = (double)margin_balance(p, &pos, v->mark);
    return p->adl_rank->score(&in);
}

/* 1 when candidate a ranks before b: higher score first, then lower id, so
 * the order is deterministic. */
static int ranks_before(const adl_candidate *a, const adl_candidate *b)
{
    if (a->score != b->score)
        return a->score > b->score;
    return a->id < b->id;
}

static void cand_sift_down(adl_candidate *h, size_t n, size_t i)
{
    adl_candidate x = h[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && ranks_before(&h[c + 1], &h[c]))
            c++;
        if (!ranks_before(&h[c], &x))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

int venue_liq_pending(const venue *v, uint32_t id)
{
    for (size_t i = 0; i < v->ndemands; i++)
        if (v->demands[i].bankrupt == id && v->demands[i].lots > 0)
            return 1;
    return 0;
}

/* The positions of side that can take auto-deleveraging, ranked lazily: the
 * traders' scores are computed once, O(n), and heaped, so handing out the k
 * best costs O(n + k log n), not a sort of the whole side. The fund and the
 * vault, the venue's own, come after every trader. */
typedef struct adl_ranking {
    size_t traders; /* candidates still in the heap v->cands[0 .. traders) */
    size_t own, nown;
    uint32_t own_ids[ACCOUNT_FIRST_TRADER];
} adl_ranking;

static void rank_candidates(venue *v, int side, adl_ranking *r)
{
    memset(r, 0, sizeof *r);
    size_t want = accounts_side_count(&v->acc, side) + v->cool_n + 1;
    if (venue_reserve((void **)&v->cands, &v->cap_cands, want, sizeof *v->cands) != 0
        || venue_reserve((void **)&v->ids, &v->cap_ids, want, sizeof *v->ids) != 0)
        return; /* out of memory: no ranking, the lots stay pending */
    size_t n = accounts_side_ids(&v->acc, side, v->ids);
    for (size_t i = 0; i < v->cool_n; i++) {
        uint32_t id = v->cool[i].id;
        if (sign64(v->acc.a[id].size) == side
            && v->acc.a[id].state == ACCOUNT_COOLDOWN)
            v->ids[n++] = id;
    }
    for (size_t i = 0; i < n; i++)
        v->cands[i] = (adl_candidate){adl_score(v, v->ids[i]), v->ids[i]};
    for (size_t i = n / 2; i-- > 0;)
        cand_sift_down(v->cands, n, i);
    r->traders = n;
    for (uint32_t x = ACCOUNT_FUND; x < ACCOUNT_FIRST_TRADER; x++)
        if (sign64(v->acc.a[x].size) == side && !venue_liq_pending(v, x))
            r->own_ids[r->nown++] = x;
}

/* The best remaining candidate, or ACCOUNT_NONE. */
static uint32_t next_candidate(venue *v, adl_ranking *r)
{
    if (r->traders > 0) {
        uint32_t id = v->cands[0].id;
        v->cands[0] = v->cands[--r->traders];
        if (r->traders > 0)
            cand_sift_down(v->cands, r->traders, 0);
        return id;
    }
    return r->own < r->nown ? r->own_ids[r->own++] : ACCOUNT_NONE;
}

/* Closes lots of demand d against counterparty c; returns the cash. */
static int64_t adl_fill(venue *v, adl_demand *d, uint32_t c, int64_t lots)
{
    int64_t value = adl_value(v, d, lots);
    if (d->side > 0)
        accounts_trade(&v->acc, c, d->bankrupt, lots, value);
    else
        accounts_trade(&v->acc, d->bankrupt, c, lots, value);
    int64_t at_mark = margin_notional(v->p, lots, d->mark_ref);
    record_adl(v, d->bankrupt, c, d->side, lots, value,
               d->side * (value - at_mark));
    d->lots -= lots;
    d->notional += value;
    return value;
}

/* Resolves every pending demand: each side's demands against the opposite
 * side's ranked positions, then, if lots remain (their counterparts are
 * themselves pending), pending longs against pending shorts. */
static int resolve_adl(venue *v)
{
    if (v->ndemands == 0)
        return 0;
    for (int side = 1; side >= -1; side -= 2) {
        int any = 0;
        for (size_t i = 0; i < v->ndemands; i++)
            any |= v->demands[i].side == side && v->demands[i].lots > 0;
        if (!any)
            continue;
        adl_ranking r;
        rank_candidates(v, -side, &r);
        uint32_t c = next_candidate(v, &r);
        for (size_t i = 0; i < v->ndemands; i++) {
            adl_demand *d = &v->demands[i];
            while (d->side == side && d->lots > 0 && c != ACCOUNT_NONE) {
                int64_t have = abs64(v->acc.a[c].size);
                if (have == 0 || sign64(v->acc.a[c].size) != -side
                    || c == d->bankrupt) {
                    c = next_candidate(v, &r);
                    continue;
                }
                adl_fill(v, d, c, d->lots < have ? d->lots : have);
            }
        }
    }
    for (size_t i = 0; i < v->ndemands; i++) {
        adl_demand *d = &v->demands[i];
        for (size_t j = 0; j < v->ndemands && d->side > 0 && d->lots > 0; j++) {
            adl_demand *o = &v->demands[j];
            if (o->side > 0 || o->lots == 0)
                continue;
            int64_t lots = d->lots < o->lots ? d->lots : o->lots;
            o->notional += adl_fill(v, d, o->bankrupt, lots);
            o->lots -= lots;
        }
    }
    for (size_t i = 0; i < v->ndemands; i++) {
        adl_demand *d = &v->demands[i];
        int64_t closed = d->lots_total - d->lots;
        int64_t before = fund_balance(v);
        if (v->acc.a[d->bankrupt].size == 0)
            settle_remainder(v, d->bankrupt);
        if (d->bankrupt >= ACCOUNT_FIRST_TRADER)
            accounts_set_state(&v->acc, d->bankrupt, ACCOUNT_ACTIVE);
        record_liquidation(v, d->bankrupt, d->side, VENUE_BY_ADL, closed,
                           d->notional, margin_bankruptcy_price(v->p, &d->pos0),
                           0, fund_balance(v) - before);
    }
    v->ndemands = 0;
    return 1;
}

/* One pass over each side's triggered positions; returns how many were
 * liquidated, or -1 when the cap stopped the pass. */
/* Accounts walked ahead of the one being liquidated (accounts_warm): at
 * most WARM_MAX at a time, so they are still in the cache when their turn
 * comes, and the next walk starts when fewer than WARM_LOW are left. */
#define WARM_MAX 512
#define WARM_LOW 4

static long liquidate_triggered(venue *v)
{
    long done = 0;
    for (int side = 1; side >= -1; side -= 2) {
        uint32_t id;
        int64_t trigger;
        size_t warmed = 0; /* walked ahead and not yet liquidated */
        int more = 1;      /* buckets up to the mark not walked yet */
        while (side > 0 ? accounts_top_long(&v->acc, &id, &trigger)
                              && trigger >= v->mark
                        : accounts_top_short(&v->acc, &id, &trigger)
                              && trigger <= v->mark) {
            /* The accounts of a pass sit at random places in memory and a
             * bucket's list reveals them one miss at a time: walk the
             * coming buckets together first, so their misses overlap. */
            if (warmed < WARM_LOW && more) {
                /* From the top: the few still warm are walked again, at the
                 * cost of cache hits, and the count stays exact. */
                int64_t after = accounts_warm(&v->acc, side, trigger, v->mark,
                                              WARM_MAX, &warmed);
                more = side > 0 ? after >= v->mark : after <= v->mark;
            }
            if (warmed > 0)
                warmed--;
            /* Start loading the likely next one while this one is
             * processed: accounts sit in random order in memory, so each
             * is otherwise a cache miss. */
            uint32_t next = accounts_after_top(&v->acc, side, id);
            if (next != ACCOUNT_NONE)
                __builtin_prefetch(&v->acc.a[next]);
            int64_t notional;
            if (!venue_policy_admits(v, id, &notional)
                || !v->p->liq_style->admits(v->p, &v->window, v->now))
                return done ? done : -1;
            v->window.count++;
            liquidate(v, id);
            venue_policy_liquidated(v, notional);
            done++;
        }
    }
    return done;
}

/* Passes until nothing triggers. A pass that changed nothing but the mark
 * is followed by another at the new mark; a mark rule that kept moving with
 * nothing else changing would loop, so such passes stop after
 * MARK_ONLY_PASSES in a row. 0, or a broken invariant (check_event), which
 * stops the passes at once. */
#define MARK_ONLY_PASSES 16

int venue_liq_cascade(venue *v, perr *e)
{
    int mark_only = 0;
    for (;;) {
        release_cooldowns(v);
        venue_policy_mark(v);
        long done = liquidate_triggered(v);
        int changed = done > 0;
        changed |= resolve_adl(v);
        changed |= tend_takers(v);
        changed |= resolve_adl(v);
        /* Checked at the mark the pass ran at: at the next mark the fund
         * may be below zero until the next pass deleverages it. */
        int rc = venue_check_event(v, "a liquidation pass", e);
        if (rc != 0)
            return rc;
        int64_t mark = v->mark;
        if (v->mark_fn) {
            int64_t m = v->mark_fn(v->mark_ctx, v);
            if (m >= v->min_price && m <= v->max_price)
                mark = m;
        }
        int moved = mark != v->mark;
        v->mark = mark;
        if (changed)
            mark_only = 0;
        else if (moved && mark_only < MARK_ONLY_PASSES)
            mark_only++;
        else
            return 0;
    }
}
