/*
 * agent: what every kind shares (agent.h). The three entries of the
 * registry, the same for every kind and worked from its agent_kind:
 * defaults (a copy of the kind's), the check (count, the kind's rules with
 * their ranges read from its param_key table, arrival keys, the venue's
 * limits, its `leverage` key against the venue's maximum) and creation (the
 * population, its generator, its arrival process and its block of
 * consecutive accounts on each of its venues, around the kind's own init
 * and per-agent state); a population's release and the liquidations it
 * hears of. And what kinds' rules and checks share: a venue's units, orders
 * and their refusals, an open funded to exactly its margin, a whole
 * position's close, the taker fee, a market order's band, the
 * arbitrageurs' room, accounts and sizing, and quote amounts in cash units.
 * Each kind keeps only what is its own.
 */
#include "agent.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "margin.h"
#include "pcg.h"

__extension__ typedef __int128 i128;

/* ---- the registry's entries ------------------------------------------- */

void agent_kind_defaults(const agent_kind *k, void *params)
{
    memcpy(params, k->defaults, k->params_size);
}

/* A range as a rule writes it: "in [a, b]" (either bracket open), "> a",
 * ">= a", or "> a and < b", each perhaps followed by unit words. */
typedef struct agent_range {
    double lo, hi;
    int lo_open, hi_open;
} agent_range;

static int range_parse(const char *text, agent_range *r)
{
    char *end;
    r->hi = INFINITY;
    r->hi_open = 1;
    if (strncmp(text, "in ", 3) == 0 && (text[3] == '[' || text[3] == '(')) {
        r->lo_open = text[3] == '(';
        r->lo = strtod(text + 4, &end);
        if (strncmp(end, ", ", 2) != 0)
            return -1;
        r->hi = strtod(end + 2, &end);
        if (*end != ']' && *end != ')')
            return -1;
        r->hi_open = *end == ')';
        return 0;
    }
    if (text[0] != '>')
        return -1;
    r->lo_open = text[1] != '=';
    r->lo = strtod(text + (r->lo_open ? 1 : 2), &end);
    if (end == text + (r->lo_open ? 1 : 2))
        return -1;
    if (strncmp(end, " and < ", 7) == 0) {
        const char *hi = end + 7;
        r->hi = strtod(hi, &end);
        if (end == hi)
            return -1;
    }
    return 0;
}

/* Checks key's value in params against rule's range. */
static int rule_check_range(const agent_rule *rule, const param_key *key,
                            const void *params, const char *key_prefix,
                            perr *e)
{
    agent_range r;
    if (range_parse(rule->range, &r) != 0)
        return perr_set(e, PERR_STATE, "%s.%s: the kind's range \"%s\" is not "
                        "one agent.h reads", key_prefix, rule->key, rule->range);
    const char *at = (const char *)params + key->offset;
    double x;
    char got[64];
    if (key->type == PARAM_DOUBLE) {
        memcpy(&x, at, sizeof x);
        snprintf(got, sizeof got, "%g", x);
    } else if (key->type == PARAM_COUNT) {
        uint32_t n;
        memcpy(&n, at, sizeof n);
        x = n;
        snprintf(got, sizeof got, "%u", (unsigned)n);
    } else if (key->type == PARAM_DURATION) {
        int64_t ms;
        memcpy(&ms, at, sizeof ms);
        x = (double)ms;
        snprintf(got, sizeof got, "%lld ms", (long long)ms);
    } else {
        return perr_set(e, PERR_STATE, "%s.%s: a range on a key that is not "
                        "a number", key_prefix, rule->key);
    }
    int above = r.lo_open ? x > r.lo : x >= r.lo;
    int below = r.hi_open ? x < r.hi : x <= r.hi;
    if (above && below)
        return 0;
    return perr_set(e, PERR_INVALID, "%s.%s: must be %s (got %s)", key_prefix,
                    rule->key, rule->range, got);
}

/* Checks that key's value in params is the index of one of its names. */
static int rule_check_names(const agent_rule *rule, const param_key *key,
                            const void *params, const char *key_prefix,
                            perr *e)
{
    int v;
    memcpy(&v, (const char *)params + key->offset, sizeof v);
    size_t n = 0;
    while (key->names[n])
        n++;
    if (v >= 0 && (size_t)v < n)
        return 0;
    char list[256] = "";
    size_t used = 0;
    for (size_t i = 0; i < n && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                 i == 0 ? "" : i + 1 == n ? " or " : ", ",
                                 key->names[i]);
    return perr_set(e, PERR_INVALID, "%s.%s: must be %s (got %d)", key_prefix,
                    rule->key, list, v);
}

/* AGENT_CASH: the amount of quote currency at key's row in the venue's cash
 * units (agent_quote_cash). */
static int rule_check_cash(const agent_rule *rule, const param_key *key,
                           const void *params, const profile *p,
                           const char *key_prefix, perr *e)
{
    if (key->type != PARAM_DOUBLE)
        return perr_set(e, PERR_STATE, "%s.%s: a cash amount on a key that "
                        "is not a number", key_prefix, rule->key);
    double amount;
    memcpy(&amount, (const char *)params + key->offset, sizeof amount);
    if (agent_quote_cash(p, amount) < 0)
        return perr_set(e, PERR_INVALID, "%s.%s: %g is not a representable "
                        "amount of %s's cash units", key_prefix, rule->key,
                        amount, p->name);
    return 0;
}

static int rule_check(const agent_kind *k, const agent_rule *rule,
                      const void *params, const profile *p,
                      const char *key_prefix, perr *e)
{
    if (rule->check)
        return rule->check((const char *)params + rule->offset, p, key_prefix,
                           e);
    const param_key *key = param_find(k->keys, rule->key);
    if (!key)
        return perr_set(e, PERR_STATE, "%s.%s: a rule of %s on no key of its "
                        "table", key_prefix, rule->key, k->kind);
    if (rule->range && strcmp(rule->range, AGENT_CASH_RANGE) == 0)
        return rule_check_cash(rule, key, params, p, key_prefix, e);
    if (rule->range)
        return rule_check_range(rule, key, params, key_prefix, e);
    if (key->type == PARAM_ENUM)
        return rule_check_names(rule, key, params, key_prefix, e);
    return perr_set(e, PERR_STATE, "%s.%s: a rule of %s that checks nothing",
                    key_prefix, rule->key, k->kind);
}

/* The uint32_t leverage at `at` within p's first bracket. */
static int check_leverage(const void *at, const profile *p,
                          const char *key_prefix, perr *e)
{
    uint32_t leverage;
    memcpy(&leverage, at, sizeof leverage);
    int32_t most = p->brackets[0].max_leverage;
    if (leverage > (uint32_t)most)
        return perr_set(e, PERR_INVALID,
                        "%s.leverage: must be <= %d, %s's maximum leverage "
                        "(got %u)", key_prefix, (int)most, p->name,
                        (unsigned)leverage);
    return 0;
}

/* The kind's `leverage` key: the leverage of its agents' accounts, or
 * NULL when it has none. */
static const param_key *leverage_key(const agent_kind *k)
{
    const param_key *key = param_find(k->keys, "leverage");
    return key && key->type == PARAM_COUNT ? key : NULL;
}

int agent_kind_check(const agent_kind *k, const void *params, const profile *p,
                     const char *key_prefix, perr *e)
{
    uint32_t count = agent_kind_count(k, params);
    if (count < 1 || count > ACCOUNT_MAX - ACCOUNT_FIRST_TRADER)
        return perr_set(e, PERR_INVALID, "%s.count: must be in [1, %u] (got %u)",
                        key_prefix,
                        (unsigned)(ACCOUNT_MAX - ACCOUNT_FIRST_TRADER),
                        (unsigned)count);
    for (const agent_rule *r = k->rules; r && r->key; r++) {
        int rc = rule_check(k, r, params, p, key_prefix, e);
        if (rc != 0)
            return rc;
    }
    char arrival_key[256];
    snprintf(arrival_key, sizeof arrival_key, "%s.arrival", key_prefix);
    int rc = arrival_check((const arrival_params *)(const void *)
                               ((const char *)params + k->arrival_offset),
                           arrival_key, e);
    for (const agent_rule *r = k->venue_rules; rc == 0 && r && r->key; r++)
        rc = rule_check(k, r, params, p, key_prefix, e);
    const param_key *leverage = leverage_key(k);
    if (rc == 0 && leverage)
        rc = check_leverage((const char *)params + leverage->offset, p,
                            key_prefix, e);
    return rc;
}

/* The venues a population of kind k is made on, checked: 1 or 2 of them. */
static int create_venues(const agent_kind *k, const agent_setup *s,
                         venue *vs[2], perr *e)
{
    vs[0] = agent_setup_venue(s, 0);
    if (!k->two_venues)
        return 1;
    if (s->other_market < 0 || (size_t)s->other_market >= s->world->n_markets)
        return perr_set(e, PERR_INVALID, "%s.other_venue: required for %s",
                        s->key_prefix, k->kind);
    vs[1] = agent_setup_venue(s, 1);
    if (vs[0] == vs[1])
        return perr_set(e, PERR_INVALID,
                        "%s.other_venue: must differ from the population's "
                        "venue", s->key_prefix);
    return 2;
}

/* What the accounts of a population of kind k with params open with on a
 * venue with profile p. */
static int opening_of(const agent_kind *k, const void *params,
                      const profile *p, agent_opening *o, perr *e)
{
    if (k->opening) {
        *o = k->opening(params, p);
        return 0;
    }
    const param_key *key = leverage_key(k);
    if (!key)
        return perr_set(e, PERR_STATE, "kind %s opens its accounts at its "
                        "leverage key, and has none", k->kind);
    uint32_t leverage;
    memcpy(&leverage, (const char *)params + key->offset, sizeof leverage);
    *o = (agent_opening){0, (int32_t)leverage};
    return 0;
}

/* Opens the count accounts of pop's agents on v, at consecutive ids from
 * pop->first[leg]. */
static int open_accounts(agent_pop *pop, int leg, venue *v, const void *params,
                         const char *name, perr *e)
{
    agent_opening o = {0, 0};
    int rc = opening_of(pop->kind, params, venue_profile(v), &o, e);
    if (rc != 0)
        return rc;
    for (uint32_t i = 0; i < pop->count; i++) {
        uint32_t id;
        if ((rc = venue_open(v, o.deposit, ACCOUNT_CROSS, o.leverage, &id, e))
            != 0)
            return rc;
        if (i == 0)
            pop->first[leg] = id;
        else if (id != pop->first[leg] + i)
            return perr_set(e, PERR_STATE,
                            "%s: accounts were opened on the venue while the "
                            "population's accounts were", name);
    }
    return 0;
}

agent_pop *agent_kind_create(const agent_kind *k, const void *params,
                             const agent_setup *s, perr *e)
{
    venue *vs[2];
    int n_venues = create_venues(k, s, vs, e);
    if (n_venues < 0)
        return NULL;
    for (int leg = 0; leg < n_venues; leg++)
        if (agent_kind_check(k, params, venue_profile(vs[leg]), s->key_prefix,
                             e) != 0)
            return NULL;
    agent_pop *pop =
        perr_zalloc(e, k->pop_size, "no memory for population %s", s->name);
    if (!pop)
        return NULL;
    pop->kind = k;
    pop->market = s->market;
    pop->other_market = s->other_market;
    pop->count = agent_kind_count(k, params);
    memcpy((char *)pop + k->pop_params_offset, params, k->params_size);
    char stream[256];
    snprintf(stream, sizeof stream, "%s/agents", s->name);
    pop->rng = pcg32_gsl_alloc(s->seed, stream);
    if (pop->rng && k->prefetch)
        pop->peek = gsl_rng_clone(pop->rng);
    int rc = pop->rng && (pop->peek || !k->prefetch)
                 ? 0
                 : perr_set(e, PERR_NOMEM, "no memory for population %s",
                            s->name);
    if (rc == 0 && k->agent_size > 0
        && !(pop->agents = calloc(pop->count, k->agent_size)))
        rc = perr_set(e, PERR_NOMEM, "no memory for the %u agents of %s",
                      (unsigned)pop->count, s->name);
    if (rc == 0 && k->init)
        rc = k->init(pop, s, e);
    const arrival_params *arrivals = (const arrival_params *)(const void *)
        ((const char *)params + k->arrival_offset);
    if (rc == 0)
        rc = arrival_init(&pop->arrival, arrivals, s->seed, s->name,
                          s->start_ms, e);
    for (int leg = 0; rc == 0 && leg < n_venues; leg++)
        rc = open_accounts(pop, leg, vs[leg], params, s->name, e);
    if (rc == 0)
        return pop;
    agent_free(pop);
    return NULL;
}

void agent_free(agent_pop *pop)
{
    if (!pop)
        return;
    if (pop->kind->release)
        pop->kind->release(pop);
    arrival_free(&pop->arrival);
    if (pop->rng)
        gsl_rng_free(pop->rng);
    if (pop->peek)
        gsl_rng_free(pop->peek);
    free(pop->agents);
    free(pop);
}

/* The leg account_id of markets[market] is pop's on (0 its market, 1 its
 * other market) with its agent in *i, or -1 when it is not pop's. */
static int own_account(const agent_pop *pop, uint32_t market,
                       uint32_t account_id, uint32_t *i)
{
    int leg = market == pop->market ? 0
            : pop->other_market >= 0 && market == (uint32_t)pop->other_market
                ? 1
                : -1;
    if (leg < 0 || account_id < pop->first[leg]
        || account_id - pop->first[leg] >= pop->count)
        return -1;
    *i = account_id - pop->first[leg];
    return leg;
}

void agent_on_liquidated(agent_pop *pop, uint32_t market, uint32_t account_id,
                         int64_t now)
{
    const agent_kind *k = pop->kind;
    uint32_t i;
    if (k->on_liquidated)
        k->on_liquidated(pop, market, account_id, now);
    if (k->on_agent_liquidated
        && own_account(pop, market, account_id, &i) >= 0)
        k->on_agent_liquidated(pop, i);
}

/* ---- what kinds' rules share ------------------------------------------ */

agent_units agent_units_of(const profile *p)
{
    return (agent_units){(double)p->cash_per_tick_lot,
                         1 / profile_cash_to_quote(p, 1)};
}

int agent_send(venue *v, const book_order_spec *spec, uint64_t *rejects,
               int64_t *filled, perr *e)
{
    book_result res;
    venue_reject why;
    int rc = venue_submit(v, spec->owner, spec, &res, &why, e);
    if (filled)
        *filled = rc == 0 && why == VENUE_ACCEPTED ? res.filled : 0;
    if (rc == 0 && why != VENUE_ACCEPTED)
        (*rejects)++;
    return rc;
}

/* Brings account id's wallet on v to exactly want cash units. */
static int fund(venue *v, uint32_t id, int64_t want, perr *e)
{
    int64_t wallet = venue_account(v, id)->cash;
    if (wallet < want)
        return venue_deposit(v, id, want - wallet, e);
    if (wallet > want)
        return venue_withdraw(v, id, wallet - want, e);
    return 0;
}

int agent_open_funded(venue *v, const book_order_spec *spec, int64_t wallet,
                      int32_t leverage, uint64_t *rejects, int64_t *filled,
                      perr *e)
{
    *filled = 0;
    int rc = fund(v, spec->owner, wallet, e);
    if (rc == 0 && leverage > 0)
        rc = venue_set_leverage(v, spec->owner, leverage, e);
    return rc != 0 ? rc : agent_send(v, spec, rejects, filled, e);
}

int agent_close(venue *v, uint32_t id, int64_t price, book_type type,
                uint64_t *rejects, int *flat, perr *e)
{
    const account *a = venue_account(v, id);
    int dir = a->size > 0 ? 1 : -1;
    book_order_spec spec = {price, dir * a->size, id, -dir, type,
                            BOOK_REDUCE_ONLY};
    int64_t filled;
    int rc = agent_send(v, &spec, rejects, &filled, e);
    *flat = rc == 0 && filled > 0 && venue_account(v, id)->size == 0;
    return rc;
}

int64_t agent_taker_fee(const profile *p, int64_t notional)
{
    if (p->taker_fee <= 0)
        return 0;
    i128 num = (i128)notional * p->taker_fee;
    return (int64_t)((num + PROFILE_RATE_ONE - 1) / PROFILE_RATE_ONE);
}

int64_t agent_clamp_price(const book *b, double px)
{
    double lo = (double)book_min_price(b), hi = (double)book_max_price(b);
    return (int64_t)(px < lo ? lo : px > hi ? hi : px);
}

int64_t agent_band_price(const venue *v, int side, double band_bps)
{
    double mark = (double)venue_mark(v), band = band_bps / 1e4;
    return agent_clamp_price(venue_book_view(v),
                             side > 0 ? floor(mark * (1 + band))
                                      : ceil(mark * (1 - band)));
}

int64_t agent_room_lots(const profile *p, const account *acc, int64_t max_cash,
                        int64_t price)
{
    int64_t used = acc->cost < 0 ? -acc->cost : acc->cost;
    if (used >= max_cash)
        return 0;
    i128 per_lot = (i128)price * p->cash_per_tick_lot;
    return (int64_t)((i128)(max_cash - used) / per_lot);
}

/* ---- what kinds' checks share ----------------------------------------- */

int agent_check_sizing(const void *sizing, const profile *p,
                       const char *key_prefix, perr *e)
{
    (void)p;
    const agent_arb_sizing *s = sizing;
    const char *k = key_prefix;
    if (!(s->threshold_bps >= 0 && s->threshold_bps <= 10000))
        return perr_set(e, PERR_INVALID,
                        "%s.threshold_bps: must be in [0, 10000] (got %g)", k,
                        s->threshold_bps);
    if (!(s->exit_bps >= 0 && s->exit_bps <= s->threshold_bps))
        return perr_set(e, PERR_INVALID,
                        "%s.exit_bps: must be in [0, threshold_bps = %g] (got %g)",
                        k, s->threshold_bps, s->exit_bps);
    if (!(s->order_notional > 0 && s->order_notional < 1e15))
        return perr_set(e, PERR_INVALID,
                        "%s.order_notional: must be > 0 and < 1e15 quote "
                        "currency (got %g)", k, s->order_notional);
    if (!(s->max_position_notional >= s->order_notional
          && s->max_position_notional < 1e15))
        return perr_set(e, PERR_INVALID,
                        "%s.max_position_notional: must be >= order_notional "
                        "= %g and < 1e15 quote currency (got %g)", k,
                        s->order_notional, s->max_position_notional);
    if (s->leverage < 1 || s->leverage > 10000)
        return perr_set(e, PERR_INVALID,
                        "%s.leverage: must be in [1, 10000] (got %u)", k,
                        (unsigned)s->leverage);
    if (!(s->capital * s->leverage >= s->max_position_notional
          && s->capital < 1e15))
        return perr_set(e, PERR_INVALID,
                        "%s.capital: must be at least max_position_notional / "
                        "leverage = %g and < 1e15 quote currency (got %g)", k,
                        s->max_position_notional / s->leverage, s->capital);
    return 0;
}

agent_opening agent_arb_opening(const void *params, const profile *p)
{
    const agent_arb_sizing *s = params;
    return (agent_opening){agent_quote_cash(p, s->capital),
                           (int32_t)s->leverage};
}

int agent_check_sizing_venue(const void *sizing, const profile *p,
                             const char *key_prefix, perr *e)
{
    const agent_arb_sizing *s = sizing;
    int64_t max_cash = agent_quote_cash(p, s->max_position_notional);
    if (max_cash < 0 || agent_quote_cash(p, s->capital) < 0)
        return perr_set(e, PERR_INVALID,
                        "%s.max_position_notional: %g (or capital %g) is not a "
                        "representable amount of %s's cash units", key_prefix,
                        s->max_position_notional, s->capital, p->name);
    int32_t most = margin_max_leverage(p, max_cash);
    if ((int64_t)s->leverage > most)
        return perr_set(e, PERR_INVALID,
                        "%s.leverage: must be <= %d, %s's maximum for a "
                        "position of max_position_notional %g (got %u)",
                        key_prefix, (int)most, p->name,
                        s->max_position_notional, (unsigned)s->leverage);
    return 0;
}

int64_t agent_quote_cash(const profile *p, double amount)
{
    double cash = amount / profile_cash_to_quote(p, 1);
    if (!(cash >= 1 && cash < 4e18))
        return -1;
    return (int64_t)llround(cash);
}
