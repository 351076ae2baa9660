/*
 * venue_policy: a venue's risk policies at run time (models/rule.h,
 * "venue risk policies"; docs/mechanics.md section 7): the policies a
 * venue was given, their state, the four points the engine calls them at
 * (a pass's start, order admission, a liquidation's admission and its
 * end) and the records of what they did. venue.c and venue_liq.c call in
 * here through venue_internal.h; which policy does what is the policies'
 * business, never a switch here.
 *
 * Invariants: the policies are called in the order they were added; each
 * change a policy makes to an order or to the cascade is one record
 * (a liquidation's deferral once per wait: the same account deferred again
 * and again by the same policy is recorded when it is first deferred);
 * the records grow by doubling and keep their memory.
 */
#include "venue_internal.h"

#include <stdlib.h>

int venue_add_policy(venue *v, const rule_policy *r, const void *params,
                     perr *e)
{
    if (v->npol >= RULE_POLICY_MAX)
        return perr_set(e, PERR_INVALID,
                        "venue %s: more than %d policies", v->p->name,
                        RULE_POLICY_MAX);
    void *state = calloc(1, r->state_size ? r->state_size : 1);
    if (!state)
        return perr_set(e, PERR_NOMEM, "venue %s: no memory for policy %s",
                        v->p->name, r->info.name);
    venue_policy *k = &v->pol[v->npol++];
    *k = (venue_policy){r, params, state, ACCOUNT_NONE};
    if (r->init) {
        rule_policy_ctx c = {params, state, v};
        r->init(&c);
    }
    return 0;
}

size_t venue_policy_count(const venue *v) { return v->npol; }

void venue_policy_free(venue *v)
{
    for (size_t k = 0; k < v->npol; k++)
        free(v->pol[k].state);
    free(v->pevents);
}

const venue_policy_event *venue_policy_events(const venue *v, size_t *n)
{
    *n = v->npevents;
    return v->pevents;
}

void venue_policy_record(venue *v, size_t k, rule_policy_action action,
                         uint32_t who, double value)
{
    if (venue_reserve((void **)&v->pevents, &v->cap_pevents,
                      v->npevents + 1, sizeof *v->pevents) != 0)
        return; /* out of memory: the record is lost, the ledger is not */
    v->pevents[v->npevents++] = (venue_policy_event){
        v->now, (uint8_t)k, (uint8_t)action, who, value};
}

static rule_policy_ctx ctx_of(const venue *v, size_t k)
{
    return (rule_policy_ctx){v->pol[k].params, v->pol[k].state, v};
}

void venue_set_margin_multiplier(venue *v, int64_t mult)
{
    if (mult == v->margin_mult)
        return;
    if (v->p != &v->scaled) {
        v->scaled = *v->base;
        v->p = &v->scaled;
        v->acc.profile = &v->scaled;
    }
    v->margin_mult = mult;
    for (int i = 0; i < v->base->nbrackets; i++) {
        const profile_bracket *b = &v->base->brackets[i];
        i128 mmr = ((i128)b->mmr * mult + RULE_POLICY_MARGIN_ONE - 1)
                   / RULE_POLICY_MARGIN_ONE;
        int64_t lev = (int64_t)b->max_leverage * RULE_POLICY_MARGIN_ONE / mult;
        if (mmr > VENUE_MMR_SCALED_MAX)
            mmr = VENUE_MMR_SCALED_MAX;
        if (mmr < b->mmr)
            mmr = b->mmr;
        v->scaled.brackets[i].mmr = (int64_t)mmr;
        v->scaled.brackets[i].max_leverage = (int32_t)(lev < 1 ? 1 : lev);
    }
    /* the rates keep their order (each scaled alike, rounded up), so the
     * formula applies */
    profile_fill_cum(&v->scaled, NULL);
    for (uint32_t id = ACCOUNT_FIRST_TRADER; id < v->acc.n; id++)
        accounts_rekey(&v->acc, id);
}

int64_t venue_margin_multiplier(const venue *v) { return v->margin_mult; }

void venue_policy_mark(venue *v)
{
    for (size_t k = 0; k < v->npol; k++) {
        if (!v->pol[k].rule->mark)
            continue;
        rule_policy_ctx c = ctx_of(v, k);
        double value = 0;
        rule_policy_action a = v->pol[k].rule->mark(&c, &value);
        if (a != RULE_POLICY_NONE)
            venue_policy_record(v, k, a, ACCOUNT_NONE, value);
    }
    for (size_t k = 0; k < v->npol; k++) {
        if (!v->pol[k].rule->margin)
            continue;
        rule_policy_ctx c = ctx_of(v, k);
        int64_t mult = v->pol[k].rule->margin(&c);
        if (mult == v->margin_mult)
            continue;
        venue_set_margin_multiplier(v, mult);
        venue_policy_record(v, k, RULE_POLICY_MARGIN, ACCOUNT_NONE,
                            (double)mult / RULE_POLICY_MARGIN_ONE);
    }
}

venue_reject venue_policy_order(venue *v, uint32_t id,
                                const book_order_spec *spec, int liquidation,
                                int64_t reducing, int64_t opening,
                                int64_t *price, int64_t *open_max)
{
    rule_policy_order o = {id,       spec->side, spec->type, liquidation,
                           *price,   reducing,   opening,    *open_max};
    for (size_t k = 0; k < v->npol; k++) {
        if (!v->pol[k].rule->order)
            continue;
        rule_policy_ctx c = ctx_of(v, k);
        int64_t price0 = o.price, max0 = o.open_max;
        venue_reject r = v->pol[k].rule->order(&c, &o);
        if (r != VENUE_ACCEPTED) {
            venue_policy_record(v, k, RULE_POLICY_REJECT, id,
                                profile_ticks_to_price(v->p,
                                                       (double)price0));
            return r;
        }
        if (o.price != price0)
            venue_policy_record(v, k, RULE_POLICY_CLIP, id,
                                profile_ticks_to_price(v->p,
                                                       (double)o.price));
        int64_t before = max0 < opening ? max0 : opening;
        if (o.open_max < 0)
            o.open_max = 0;
        if (o.open_max < before)
            venue_policy_record(v, k, RULE_POLICY_TRIM, id,
                                (double)(before - o.open_max));
    }
    *price = o.price;
    *open_max = o.open_max;
    return VENUE_ACCEPTED;
}

int venue_policy_admits(venue *v, uint32_t id, int64_t *notional_out)
{
    *notional_out = 0;
    if (v->npol == 0)
        return 1;
    margin_position pos = accounts_position(&v->acc, id);
    int64_t notional = margin_notional(v->p, pos.size, v->mark);
    *notional_out = notional;
    for (size_t k = 0; k < v->npol; k++) {
        venue_policy *pk = &v->pol[k];
        if (!pk->rule->admits)
            continue;
        rule_policy_ctx c = ctx_of(v, k);
        if (pk->rule->admits(&c, &pos, notional))
            continue;
        if (pk->last_deferred != id) {
            pk->last_deferred = id;
            venue_policy_record(v, k, RULE_POLICY_DEFER, id,
                                profile_cash_to_quote(v->p, notional));
        }
        return 0;
    }
    return 1;
}

void venue_policy_liquidated(venue *v, int64_t notional)
{
    for (size_t k = 0; k < v->npol; k++) {
        v->pol[k].last_deferred = ACCOUNT_NONE;
        if (v->pol[k].rule->liquidated) {
            rule_policy_ctx c = ctx_of(v, k);
            v->pol[k].rule->liquidated(&c, notional);
        }
    }
}
