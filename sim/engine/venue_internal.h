/*
 * venue_internal: what venue.c and venue_liq.c share and no other file
 * sees: the venue's state (struct venue), the liquidation engine's work
 * records (the cooldown queue, the ADL demands and candidates), the
 * integer helpers both use, and the few calls between the two files.
 * venue.c owns set-up, admission, fills and funding; venue_liq.c owns the
 * liquidation engine (venue.h describes both).
 *
 * Invariants: the cooldown queue is in release order; a demand's lots are
 * what its bankrupt position still has to close (<= lots_total); the
 * buffers only grow (venue_reserve), so hot paths allocate nothing once
 * they reach their working size.
 */
#ifndef PERPSIM_VENUE_INTERNAL_H
#define PERPSIM_VENUE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "rule.h"
#include "venue.h"

__extension__ typedef __int128 i128;

typedef struct cooldown_entry {
    uint32_t id;
    int64_t release; /* ms: back in the trigger index from this instant */
} cooldown_entry;

/* Lots a bankrupt position still has to close by auto-deleveraging. */
typedef struct adl_demand {
    uint32_t bankrupt;
    int8_t side;           /* the bankrupt position's side */
    int64_t lots;          /* still to close */
    int64_t lots_total;
    int64_t notional;      /* closed so far */
    margin_position pos0;  /* the position whose bankruptcy price applies */
    int64_t mark_ref;      /* the mark when the liquidation began */
    int64_t fund_before;   /* the fund's margin balance then */
} adl_demand;

typedef struct adl_candidate {
    double score;
    uint32_t id;
} adl_candidate;

/* A venue's risk policy: its table, its params (the caller's) and the
 * state the engine keeps for it. */
typedef struct venue_policy {
    const rule_policy *rule;
    const void *params;
    void *state;            /* rule->state_size bytes, owned */
    uint32_t last_deferred; /* the account whose deferral was recorded last,
                               so a wait is recorded once; ACCOUNT_NONE */
} venue_policy;

struct venue {
    const profile *p;
    book *book;
    accounts acc;
    int64_t min_price, max_price;
    int64_t mark;
    int64_t now;
    venue_mark_fn mark_fn;
    void *mark_ctx;
    uint64_t recount_every; /* venue_set_check; 0: no check */
    uint64_t since_recount; /* checks since the last recount */
    uint64_t checks, recounts; /* venue_check_counts */
    int64_t oi_cap; /* cash, VENUE_OI_UNCAPPED when none */
    venue_book_counts book_counts;

    venue_liquidation *liqs;
    size_t nliqs, cap_liqs;
    venue_adl *adls;
    size_t nadls, cap_adls;

    cooldown_entry *cool; /* in release order */
    size_t cool_n, cap_cool;

    rule_liq_window window; /* the policy's count per interval */

    const profile *base;     /* the profile the venue was made with */
    profile scaled;          /* v->p once the margin is scaled */
    int64_t margin_mult;     /* RULE_POLICY_MARGIN_ONE = 1 */
    venue_policy pol[RULE_POLICY_MAX]; /* in the order added */
    size_t npol;
    venue_policy_event *pevents;
    size_t npevents, cap_pevents;

    adl_demand *demands;
    size_t ndemands, cap_demands;
    adl_candidate *cands;
    size_t cap_cands;
    uint32_t *ids;
    size_t cap_ids;
};

static inline int64_t sign64(int64_t v)
{
    return (v > 0) - (v < 0);
}

static inline int64_t abs64(int64_t v)
{
    return v < 0 ? -v : v;
}

static inline int64_t ceil_rate(int64_t amount, int64_t rate)
{
    if (amount >= 0 && rate >= 0 && (rate == 0 || amount <= INT64_MAX / rate)) {
        /* The common case fits 64 bits, where dividing by the constant is a
         * multiplication; a 128-bit division is a library call. */
        int64_t num = amount * rate;
        return num / PROFILE_RATE_ONE + (num % PROFILE_RATE_ONE > 0);
    }
    i128 num = (i128)amount * rate;
    i128 q = num / PROFILE_RATE_ONE;
    return (int64_t)(q + (num % PROFILE_RATE_ONE > 0));
}

/* ---- between venue.c and venue_liq.c ---------------------------------- */

/* Grows a buffer of elements of size sz to hold want; 0 or PERR_NOMEM.
 * The buffer keeps its memory (venue_free frees it). */
int venue_reserve(void **buf, size_t *cap, size_t want, size_t sz);

/* With the check on (venue_set_check), tests the ledger after the call
 * named where: the running totals every time, a recount every
 * recount_every-th time; a broken invariant fails with the audit's status
 * and a report naming the call (venue.c). */
int venue_check_event(venue *v, const char *where, perr *e);

/* Applies the fills of one submitted order to the ledger; liquidation and
 * internal (fund, vault) takers pay no trading fee. Returns the notional
 * traded (venue.c). */
int64_t venue_apply_fills(venue *v, const book_result *res, uint32_t taker,
                          int taker_pays_fee);

/* Liquidation passes at the current mark until nothing triggers: 0, or a
 * broken invariant's status (venue_liq.c). */
int venue_liq_cascade(venue *v, perr *e);

/* ---- the risk policies (venue.c) --------------------------------------- */

/* Records what policy k did (venue_policy_event). */
void venue_policy_record(venue *v, size_t k, rule_policy_action action,
                         uint32_t who, double value);

/* The policies' verdict on an order of account id that would reduce
 * the position by reducing lots and open or grow it by opening lots:
 * VENUE_ACCEPTED having moved *price and lowered *open_max (never below
 * 0) as they say, or the first reason one rejects it; each change
 * recorded. */
venue_reject venue_policy_order(venue *v, uint32_t id,
                                const book_order_spec *spec, int liquidation,
                                int64_t reducing, int64_t opening,
                                int64_t *price, int64_t *open_max);

/* At a pass's start: each policy's mark hook. */
void venue_policy_mark(venue *v);

/* 1 when every policy admits a liquidation of account id, whose
 * position's notional at the mark goes to *notional (a deferral recorded
 * once per wait); venue_policy_liquidated(notional) after it. */
int venue_policy_admits(venue *v, uint32_t id, int64_t *notional);
void venue_policy_liquidated(venue *v, int64_t notional);

/* Frees the policies' state and records (venue_free). */
void venue_policy_free(venue *v);

/* 1 while account id has lots pending auto-deleveraging (venue_liq.c). */
int venue_liq_pending(const venue *v, uint32_t id);

#endif

