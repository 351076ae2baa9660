/*
 * whale: one market order of `notional` quote currency on a venue at `at`
 * (models/README.md, "Shocks"; scenarios/README.md, `shocks`): the lots
 * are notional / (touch x one lot's quote per tick), rounded down (nothing
 * is sent when that is under one lot), and
 * the order is a MARKET order limited only by the edge of the book's price
 * range, so it sweeps as deep as it must. It trades from the venue's shock
 * account (one per venue, opened at set-up, shared by every whale on that
 * venue), into which the notional is deposited twice over first (margin at
 * leverage 1 for the slip and the fees): the whale is never the one
 * liquidated. The cascade its fills set off runs at once.
 *
 * Keys: venue; notional, quote currency > 0; side, buy or sell.
 */
#include <math.h>
#include <stddef.h>

#include "shock.h"

typedef struct whale_params {
    double notional;
    int side; /* 0 buy, 1 sell: the index in side_names */
} whale_params;

static const char *const side_names[] = {"buy", "sell", NULL};

static const param_key whale_keys[] = {
    {"notional", PARAM_DOUBLE, offsetof(whale_params, notional), "quote",
     NULL},
    {"side", PARAM_ENUM, offsetof(whale_params, side), NULL, side_names},
    PARAM_END,
};

static int whale_check(const shock *sh, const shock_check_env *env, perr *e)
{
    (void)env;
    const whale_params *p = sh->params;
    if (!(p->notional > 0))
        return perr_set(e, PERR_INVALID,
                        "%s.notional: must be > 0, quote currency (got %g)",
                        sh->key_prefix, p->notional);
    return 0;
}

/* The account is opened now, not at the order: ids follow the set-up. */
static int whale_setup(const shock *sh, shock_ctx *c, perr *e)
{
    uint32_t id;
    return c->account(c->engine, (uint32_t)sh->venue, &id, e);
}

static int whale_start(const shock *sh, shock_ctx *c, perr *e)
{
    const whale_params *p = sh->params;
    uint32_t m = (uint32_t)sh->venue, whale;
    int rc = c->account(c->engine, m, &whale, e);
    if (rc != 0)
        return rc;
    venue *v = c->world->markets[m].venue;
    const profile *prof = venue_profile(v);
    const book *b = venue_book_view(v);
    int buy = p->side == 0;
    int64_t touch = buy ? book_best_ask(b) : book_best_bid(b);
    if (touch == BOOK_NO_PRICE)
        touch = venue_mark(v);
    double per_lot = (double)touch * ((double)prof->cash_per_tick_lot
                                      * profile_cash_to_quote(prof, 1));
    int64_t lots = (int64_t)floor(p->notional / per_lot);
    if (lots < 1)
        return 0;
    int64_t need =
        (int64_t)ceil(2 * p->notional / profile_cash_to_quote(prof, 1));
    rc = venue_deposit(v, whale, need, e);
    if (rc != 0)
        return rc;
    book_order_spec spec = {buy ? book_max_price(b) : book_min_price(b), lots,
                            whale, buy ? BOOK_BUY : BOOK_SELL, BOOK_MARKET, 0};
    book_result r;
    venue_reject why;
    if ((rc = venue_submit(v, whale, &spec, &r, &why, e)) != 0)
        return rc;
    return c->settle(c->engine, m, e);
}

const shock_kind shock_whale_kind = {
    "whale",
    "a market order of notional quote currency on the venue",
    SHOCK_ON_VENUE, 0, sizeof(whale_params), whale_keys, NULL, whale_check,
    whale_setup, whale_start, NULL};
