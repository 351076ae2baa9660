/*
 * oi_cap: a venue caps its open interest at `cap` quote currency for `for`,
 * as venues do for a market under stress (Hyperliquid's open-interest caps
 * on an asset refuse orders that would grow it, and let positions close).
 * At `at` the venue's cap is set (venue_set_oi_cap, venue.h states the rule
 * exactly), at the end it is lifted. While it holds, every order that could
 * take liquidity is cut at admission to what reduces its account's position
 * plus what the cap leaves to open, the open interest (long lots) valued at
 * the mark of the moment: an order that would cross the cap is trimmed, not
 * rejected whole, and an order trimmed to nothing is rejected
 * (VENUE_REJECT_OI_CAP). Orders that reduce or keep positions trade as
 * before, post-only quotes are not cut (resting moves no open interest;
 * their takers were held to the cap), and liquidations are never cut.
 *
 * A venue has one cap at a time: an oi_cap whose window overlaps an earlier
 * one's on the same venue is refused when the scenario is loaded.
 *
 * Keys: venue; cap, quote currency > 0 (suffixes: 50M); for, a duration > 0.
 */
#include <stddef.h>

#include "shock.h"

SHOCK_NUMBER_PARAMS(cap_params, cap, "quote", cap_keys);

static int overlaps(const shock *a, const shock *b)
{
    return a->venue == b->venue && a->at < b->at + b->duration
           && b->at < a->at + a->duration;
}

static int cap_check(const shock *sh, const shock_check_env *env, perr *e)
{
    const cap_params *p = sh->params;
    if (!(p->cap > 0 && p->cap < 1e15))
        return perr_set(e, PERR_INVALID,
                        "%s.cap: must be in (0, 1e15), quote currency (got %g)",
                        sh->key_prefix, p->cap);
    for (size_t i = 0; i < env->n_earlier; i++) {
        const shock *o = &env->earlier[i];
        if (o->kind == sh->kind && overlaps(o, sh))
            return perr_set(e, PERR_INVALID,
                            "%s.at: overlaps %s, an oi_cap on the same venue "
                            "(a venue has one cap at a time)",
                            sh->key_prefix, o->key_prefix);
    }
    return 0;
}

/* The cap in the venue's cash units, or -1 when it is not an amount the
 * venue can hold. */
static int64_t cap_cash(const shock *sh, const shock_ctx *c)
{
    const cap_params *p = sh->params;
    venue *v = c->world->markets[sh->venue].venue;
    return agent_quote_cash(venue_profile(v), p->cap);
}

static int cap_setup(const shock *sh, shock_ctx *c, perr *e)
{
    const cap_params *p = sh->params;
    if (cap_cash(sh, c) < 0)
        return perr_set(e, PERR_INVALID,
                        "cap: %g is not an amount %s's cash units can hold",
                        p->cap, c->world->markets[sh->venue].name);
    return 0;
}

static int cap_start(const shock *sh, shock_ctx *c, perr *e)
{
    (void)e;
    venue_set_oi_cap(c->world->markets[sh->venue].venue, cap_cash(sh, c));
    return 0;
}

static int cap_end(const shock *sh, shock_ctx *c, perr *e)
{
    (void)e;
    venue_set_oi_cap(c->world->markets[sh->venue].venue, VENUE_OI_UNCAPPED);
    return 0;
}

const shock_kind shock_oi_cap_kind = {
    "oi_cap",
    "the venue accepts no order that would take its open interest above cap "
    "for `for`",
    SHOCK_ON_VENUE, 1, sizeof(cap_params), cap_keys, NULL, cap_check,
    cap_setup, cap_start, cap_end};
