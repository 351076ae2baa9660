/*
 * venue: one venue at run time. Its order book, its ledger (accounts.h),
 * order admission by margin, and the liquidation engine: the cascade loop of
 * ARCHITECTURE.md ("Margin, the ledger and the liquidation engine") with
 * the insurance fund, the backstop vault and auto-deleveraging, as the
 * venue's profile says.
 *
 * Order admission (venue_submit). An order that could raise the position's
 * leverage past the bracket maximum of its resulting notional, or needs more
 * initial margin than the account has available (open orders' reserved
 * margin included), is rejected with a reason and changes nothing. A
 * reduce-only order must be immediate (IOC, FOK, MARKET) and is cut to the
 * position it reduces, so it can never increase one. While an open-interest
 * cap is set (venue_set_oi_cap, the oi_cap shock), an order is also cut to
 * what the cap leaves it to open. Before the margin checks, the venue's risk
 * policies (venue_add_policy; models/rule.h) may reject an order
 * (VENUE_REJECT_HALTED, VENUE_REJECT_BAND, VENUE_REJECT_OI_CAP), move its
 * price to a band's edge, or trim the lots it opens; liquidation orders
 * and the fund's and vault's unwinds pass through them too. Fills move cash and positions
 * (accounts_trade) and charge maker and taker fees to the fee pool, the
 * payer's side rounded up.
 *
 * The cascade (venue_set_mark, venue_update). At each mark, every position
 * whose margin balance is below maintenance is liquidated, found by popping
 * the trigger buckets, never by a scan. Liquidating a position:
 *   1. cancel the account's resting orders;
 *   2. choose the part to close, by the venue's liquidation policy
 *      (models/rule.h): all of it (full), down to the next lower bracket
 *      (tiered), a chunk then a cooldown (chunked), or all of it within a
 *      per-interval cap (capped); below backstop_below x maintenance the
 *      backstop vault takes the whole position over at once;
 *   3. send a reduce-only IOC into the book, limited to the bankruptcy price
 *      and to the venue's price band around the mark;
 *   4. charge the liquidation fee on what filled, to the insurance fund,
 *      never taking the account below zero;
 *   5. what the book did not fill is taken over at the bankruptcy price by
 *      the backstop vault where the venue has one, else the insurance fund,
 *      provided its margin balance at the mark stays >= 0 afterwards; else
 *      it is auto-deleveraged against the opposite side's positions, ranked
 *      by the venue's ADL score, at the venue's ADL price (the bankruptcy
 *      price, or the mark);
 *   6. after a full liquidation, what remains of the account's margin goes
 *      to the fund, or stays with the trader where the venue returns it; a
 *      deficit (rounding, or a mark that gapped past bankruptcy) is paid by
 *      the fund, and what the fund cannot pay is deleveraged first.
 * The fund and the vault work the positions they took over back into the
 * book with IOCs inside the band, and when either one's margin balance would
 * fall below zero its position is deleveraged at its own bankruptcy price:
 * neither ever goes negative unnoticed. After each pass the mark is
 * recomputed by the venue's mark rule (venue_set_mark_rule), since the
 * liquidation fills moved the book, and the loop repeats until nothing
 * triggers or the policy's limits stop it. Cash and lots are only ever
 * moved, so the ledger's invariants hold at every step (venue_set_check,
 * venue_audit).
 *
 * The risk policies see the mark at the start of every pass and may defer
 * a liquidation (it stays in the trigger index, taken again in trigger
 * order when they admit it).
 *
 * Event records: one venue_liquidation per route a liquidation took (book,
 * backstop, fund, ADL), one venue_adl per counterparty closed and one
 * venue_policy_event per intervention of a risk policy. Fills stay
 * in the book's buffer. All accumulate until venue_clear_events.
 */
#ifndef PERPSIM_VENUE_H
#define PERPSIM_VENUE_H

#include <stddef.h>
#include <stdint.h>

#include "account.h"
#include "book.h"
#include "perr.h"
#include "profile.h"

typedef struct venue venue;

/* Who took a liquidated position's lots. */
typedef enum venue_route {
    VENUE_BY_BOOK = 0,
    VENUE_BY_BACKSTOP = 1,
    VENUE_BY_FUND = 2,
    VENUE_BY_ADL = 3,
} venue_route;

typedef struct venue_liquidation {
    int64_t time;             /* ms */
    uint32_t account;
    int8_t side;              /* the position's side: 1 a long was closed */
    uint8_t route;            /* venue_route */
    int64_t lots;
    int64_t notional;         /* cash units changing hands */
    double avg_price;         /* ticks: notional / (lots x K) */
    double bankruptcy_price;  /* ticks, at the start of the liquidation */
    int64_t fee;              /* liquidation fee to the fund, cash */
    int64_t fund_change;      /* change of the fund's margin balance at the mark */
} venue_liquidation;

typedef struct venue_adl {
    int64_t time;
    uint32_t bankrupt;     /* the account (or the fund, the vault) closed out */
    uint32_t counterparty; /* the ranked position closed against it */
    int8_t side;           /* the bankrupt position's side */
    int64_t lots;
    int64_t notional;
    double price;          /* ticks */
    int64_t shortfall;     /* cash: what the close cost the counterparty
                              against the mark the liquidation began at,
                              side x (notional - the lots' value at that
                              mark): the loss passed on rather than taken by
                              the fund (negative where the close favoured
                              the counterparty) */
} venue_adl;

/* Why venue_submit rejected an order (res->outcome is BOOK_REJECTED). */
typedef enum venue_reject {
    VENUE_ACCEPTED = 0,
    VENUE_REJECT_LEVERAGE,     /* past the bracket maximum */
    VENUE_REJECT_MARGIN,       /* not enough available margin */
    VENUE_REJECT_REDUCE_ONLY,  /* reduce-only that would not reduce, or rests */
    VENUE_REJECT_LIQUIDATING,  /* the account is being liquidated */
    VENUE_REJECT_OI_CAP,       /* the open-interest cap leaves it no lots */
    VENUE_REJECT_HALTED,       /* a circuit breaker halts matching */
    VENUE_REJECT_BAND,         /* priced beyond a price band */
} venue_reject;

/* What a venue risk policy did (models/rule.h, rule_policy_action). */
typedef struct venue_policy_event {
    int64_t time;     /* ms */
    uint8_t policy;   /* index in the order the policies were added */
    uint8_t action;   /* rule_policy_action */
    uint32_t account; /* the order's or the position's; ACCOUNT_NONE */
    double value;     /* as the action says */
} venue_policy_event;

/* Returns the venue's mark after its book changed; the engine calls it after
 * every liquidation pass. ctx is the pointer given to venue_set_mark_rule. */
typedef int64_t (*venue_mark_fn)(void *ctx, const venue *v);

typedef struct venue_totals {
    accounts_totals ledger;
    int64_t insurance_fund; /* the fund's cash */
    int64_t backstop_vault; /* the vault's cash */
    int64_t fee_pool;
} venue_totals;

/* A venue trading on the profile p (which must outlive it and pass
 * profile_check) over prices [min_price, max_price], with room for the given
 * numbers of accounts and resting orders before growing. The mark starts at
 * initial_mark. */
venue *venue_new(const profile *p, int64_t min_price, int64_t max_price,
                 int64_t initial_mark, size_t accounts_hint,
                 size_t orders_hint, perr *e);
void venue_free(venue *v);

const profile *venue_profile(const venue *v);
book *venue_book(venue *v);
/* The same book for queries, from a const venue (a mark rule's view). */
const book *venue_book_view(const venue *v);
const accounts *venue_accounts(const venue *v);
const account *venue_account(const venue *v, uint32_t id);
int64_t venue_mark(const venue *v);
int64_t venue_time(const venue *v);

/* Opens a trader account with deposit cash; see accounts_open. */
int venue_open(venue *v, int64_t deposit, account_mode mode, int32_t leverage,
               uint32_t *id, perr *e);
int venue_deposit(venue *v, uint32_t id, int64_t amount, perr *e);
int venue_withdraw(venue *v, uint32_t id, int64_t amount, perr *e);

/* Positions the run starts with (models/README.md, "Initial positions"):
 * account id takes lots (signed: > 0 it buys, < 0 it sells) from
 * counterparty off the book, for notional cash units (> 0, the entry
 * notional, at a price of the past), as a fill without fees: the buyer's
 * cash falls and the seller's rises by notional, both positions and cost
 * bases follow and both are re-keyed, so the ledger's invariants hold as
 * after any fill. Both must be trader accounts, different, and active.
 * Nothing is checked against margin: the caller funds id first (its
 * initial margin, venue_deposit) and the counterparty after
 * (venue_fund_beyond_range). PERR_INVALID changing nothing otherwise. */
int venue_initial_position(venue *v, uint32_t id, uint32_t counterparty,
                           int64_t lots, int64_t notional, perr *e);

/* Deposits into trader account id the least cash that leaves its position
 * liquidatable at no mark of the book's range (a long: not at the lowest
 * price, a short: not at the highest; margin.h's monotonicity then covers
 * every mark between), so its trigger lies beyond the range. *deposit
 * (may be NULL) gets the amount, 0 when none was needed. PERR_RANGE when
 * no int64 amount does it. */
int venue_fund_beyond_range(venue *v, uint32_t id, int64_t *deposit,
                            perr *e);

/* Changes an account's leverage; refused (PERR_STATE) when the position's
 * bracket does not allow it or the margin would not cover it. */
int venue_set_leverage(venue *v, uint32_t id, int32_t leverage, perr *e);

/* Submits an order for account id (the spec's owner is overwritten). An order the
 * margin rules refuse sets res->outcome = BOOK_REJECTED and *why (may be
 * NULL) and returns 0: a rejection is an outcome, not an error. Errors are
 * those of book_submit plus an unknown account. Fills are applied to both
 * sides' accounts before it returns; it does not run the cascade. */
int venue_submit(venue *v, uint32_t id, const book_order_spec *spec,
                 book_result *res, venue_reject *why, perr *e);

/* Cancels one of the account's resting orders, or all of them. */
int venue_cancel(venue *v, book_id id, perr *e);
void venue_cancel_all(venue *v, uint32_t account);

/* What the venue's book has processed so far: orders submitted to it (every
 * type, liquidation orders included; an order the margin rules refuse never
 * reaches it), orders cancelled (one by one or all of an account's at once)
 * and fills (one per maker order a taker matched). Their sum is the run's
 * book events (`perpsim bench run`). */
typedef struct venue_book_counts {
    uint64_t orders;
    uint64_t cancels;
    uint64_t fills;
} venue_book_counts;

void venue_book_counts_get(const venue *v, venue_book_counts *out);

/* The open-interest cap (venue_set_oi_cap) when none is set. */
#define VENUE_OI_UNCAPPED INT64_C(-1)

/* Caps the open interest at cap cash units of long lots valued at the mark
 * (VENUE_OI_UNCAPPED lifts it). While a cap is set, an order that could take
 * liquidity (every type but post-only) is cut at admission to the lots that
 * reduce its account's position plus the lots the cap leaves to open,
 * max(0, floor(cap / (mark x K)) - long lots); an order cut to nothing is
 * rejected (VENUE_REJECT_OI_CAP). A fill raises the open interest by at
 * most the lots its taker opens, so no order accepted under the cap takes
 * the open interest past it at the mark of its admission, and none raises
 * it while it is above. Post-only orders are not cut: resting never moves
 * the open interest, and whoever takes them was held to the cap. The cap
 * limits orders only: it closes nothing, and a mark that rises later may
 * value the open interest above it. Liquidations are never cut (they only
 * reduce). */
void venue_set_oi_cap(venue *v, int64_t cap);
int64_t venue_oi_cap(const venue *v);

/* Venue risk policies (models/rule.h, "venue risk policies"). */
typedef struct rule_policy rule_policy;

/* Adds policy r with its checked params (which must outlive the venue)
 * to the venue's, after those added before (the order the engine calls
 * them in and venue_policy_event.policy counts); its state is allocated
 * zeroed and set up by its init. PERR_INVALID when RULE_POLICY_MAX are
 * there, PERR_NOMEM. */
int venue_add_policy(venue *v, const rule_policy *r, const void *params,
                     perr *e);
size_t venue_policy_count(const venue *v);

/* Scales the venue's margin by mult (RULE_POLICY_MARGIN_ONE = 1, >= 1):
 * every bracket's maintenance rate becomes ceil(rate x mult) of its
 * profile's, but no more than VENUE_MMR_SCALED_MAX (nor less than the
 * profile's), so rates stay below 1 and in order; its maximum leverage max(1, floor(leverage / mult)), its
 * maintenance amounts follow (profile_fill_cum), on a copy of the profile
 * the venue keeps from the first call (venue_profile then returns it);
 * every trader position is re-keyed at once, so the trigger index stays
 * exact. */
void venue_set_margin_multiplier(venue *v, int64_t mult);
#define VENUE_MMR_SCALED_MAX (PROFILE_RATE_ONE / 100 * 99)
int64_t venue_margin_multiplier(const venue *v);

/* Lots the open interest (long lots) may still grow by under a cap of cap
 * cash at the mark: max(0, floor(cap / (mark x K)) - long lots). */
int64_t venue_oi_room(const venue *v, int64_t cap);

/* The check after every public call that changes the ledger (an order, an
 * account opened, a deposit or withdrawal, a liquidation pass, a funding
 * settlement): with recount_every > 0, each such call tests the ledger's
 * running totals (accounts_check_books) and the fund and the vault, in
 * O(1), and every recount_every-th one also recounts every account
 * (venue_audit, O(accounts)); 1 recounts after every call. A broken
 * invariant fails the call with the audit's status and "ledger invariant
 * broken after CALL: ..." in its report. 0 turns the check off. The
 * default is 1 in debug builds (no NDEBUG: the unit tests' small venues)
 * and 0 in release builds; a world sets it in every build, from
 * `--check-invariants` (world.h: WORLD_RECOUNT_EVERY), since a recount per
 * call would make a run of many accounts quadratic. The check changes
 * nothing on the ledger: a run gives the same results with it or without. */
void venue_set_check(venue *v, uint64_t recount_every);

/* How many checks and recounts the check has made (venue_set_check). */
void venue_check_counts(const venue *v, uint64_t *checks, uint64_t *recounts);

/* Installs the mark rule the cascade recomputes the mark with (NULL: the
 * mark changes only through venue_set_mark). */
void venue_set_mark_rule(venue *v, venue_mark_fn fn, void *ctx);

/* Sets the clock (ms, never backwards) and the mark, then runs the cascade
 * until nothing more triggers. */
int venue_set_mark(venue *v, int64_t now, int64_t mark, perr *e);

/* Sets the clock and runs the cascade at the mark the rule gives (or the
 * current mark): for after trades, and for cooldowns and caps that expire. */
int venue_update(venue *v, int64_t now, perr *e);

/* The event records since the last venue_clear_events. */
const venue_liquidation *venue_liquidations(const venue *v, size_t *n);
const venue_adl *venue_adls(const venue *v, size_t *n);
const venue_policy_event *venue_policy_events(const venue *v, size_t *n);
/* Empties the liquidation, ADL and policy records and the book's fill
 * buffer. */
void venue_clear_events(venue *v);

/* Counts every invariant from scratch (accounts_audit) and checks that
 * neither the fund nor the vault is below zero; fills *out if not NULL. */
int venue_audit(const venue *v, venue_totals *out, perr *e);

/* The totals by the ledger's books in O(1) (accounts_books: the running
 * totals, deposits and withdrawals), with the fund's, the vault's and the
 * fee pool's cash: what the output records on its grid. venue_audit proves
 * the books against a recount. */
void venue_books(const venue *v, venue_totals *out);

/* A liquidation in numbers, for tests and reports. */
const char *venue_route_name(venue_route r);
const char *venue_reject_name(venue_reject r);

/* ---- funding settlement (issue #5; the clock is funding.h) ------------- */

/* One funding settlement on the ledger. Payments are signed from the
 * longs' point of view so one identity holds whatever the rate's sign:
 *     longs_paid - shorts_received == residual >= 0
 * (rate > 0: the longs pay and the shorts receive; rate < 0: both figures
 * are negative, the shorts pay |shorts_received| and the longs receive
 * |longs_paid|). */
typedef struct venue_funding {
    int64_t time;            /* ms */
    int64_t rate;            /* the rate paid for the interval */
    int64_t price;           /* ticks the positions were valued at */
    int64_t long_lots;       /* open interest charged (== short lots) */
    int64_t longs_paid;      /* cash units */
    int64_t shorts_received; /* cash units */
    int64_t residual;        /* rounding left in the fee pool */
    uint32_t positions;      /* accounts that paid or received */
} venue_funding;

/* Settles funding at rate (PROFILE_RATE_ONE = 1) on every open position,
 * valued at price ticks (the mark or the oracle, as the caller's profile
 * says): each pays or receives |size| x price x cash_per_tick_lot x |rate|,
 * longs paying shorts when rate > 0. Payers round up, receivers round down,
 * and the difference (the residual, >= 0) stays in the fee pool, so the
 * settlement is exactly zero-sum. The insurance fund and the backstop vault
 * settle like traders (their positions are on the ledger and the lots must
 * balance). A cross account pays from its wallet; an isolated one from its
 * position's margin (cash), never from reserve, and receives into it too.
 * Every changed account is re-keyed, then the cascade runs (venue_update)
 * so that funding-triggered liquidations happen at now. Fills *rec (may be
 * NULL). Fails, changing nothing, on time going back, price < 1 or a rate
 * outside (-1, 1) (PERR_INVALID) and on payments beyond int64 (PERR_RANGE).
 * Costs O(accounts). */
int venue_settle_funding(venue *v, int64_t now, int64_t rate, int64_t price,
                         venue_funding *rec, perr *e);

#endif
