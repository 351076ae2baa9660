/*
 * support_agent: what the agent kinds' tests (test_agent_*.c) share: built-in
 * venue profiles; a venue around a centre price with a whale that rests
 * whatever depth a test asks (one order, a ladder, both sides); a population
 * made through its kind (agent_kind_create) on a world of one or two of
 * them; a wake that must succeed; the ledger audit; and the checks of a
 * kind's registry entry: bad values refused naming their key, scenario keys
 * set through its table.
 */
#ifndef PERPSIM_TESTS_SUPPORT_AGENT_H
#define PERPSIM_TESTS_SUPPORT_AGENT_H

#include <criterion/criterion.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "profile_yaml.h"
#include "support.h"
#include "venue.h"

/* ---- venues -------------------------------------------------------------- */

static inline const profile *binance(void)
{
    return builtin_profile("binance");
}

/* A venue on p trading [centre / 5, centre x 2] with its mark at centre. */
static inline venue *test_venue_at(const profile *p, int64_t centre,
                                   size_t accounts_hint)
{
    perr e = {0, ""};
    venue *v = venue_new(p, centre / 5, centre * 2, centre, accounts_hint, 64, &e);
    cr_assert_not_null(v, "venue_new: %s", e.msg);
    return v;
}

/* Around 500000 ticks (50,000 USDT at Binance's 0.1 USDT ticks). */
static inline venue *test_venue(const profile *p, size_t accounts_hint)
{
    return test_venue_at(p, 500000, accounts_hint);
}

/* An account that can rest any depth these tests ask for. */
static inline uint32_t test_whale(venue *v)
{
    perr e = {0, ""};
    uint32_t id;
    cr_assert_eq(venue_open(v, INT64_C(1000000000000000000), ACCOUNT_CROSS, 1,
                            &id, &e), 0, "venue_open: %s", e.msg);
    return id;
}

/* A resting limit order of lots for owner at price on side: its id. */
static inline book_id test_rest(venue *v, uint32_t owner, int side,
                                int64_t price, int64_t lots)
{
    book_order_spec s = {price, lots, 0, side, BOOK_LIMIT, 0};
    book_result r;
    venue_reject why;
    perr e = {0, ""};
    cr_assert_eq(venue_submit(v, owner, &s, &r, &why, &e), 0, "%s", e.msg);
    cr_assert_eq(r.outcome, BOOK_RESTED, "level %lld: %s", (long long)price,
                 venue_reject_name(why));
    return r.id;
}

/* n resting limit orders of lots each for owner at from, from + step, ... */
static inline void test_ladder(venue *v, uint32_t owner, int side, int64_t from,
                               int64_t step, int n, int64_t lots)
{
    for (int k = 0; k < n; k++)
        test_rest(v, owner, side, from + k * step, lots);
}

/* Both sides of owner's book on v: n bids of lots each from bid down and n
 * asks from ask up, step ticks apart (bids first). */
static inline void test_quotes(venue *v, uint32_t owner, int64_t bid,
                               int64_t ask, int64_t step, int n, int64_t lots)
{
    test_ladder(v, owner, BOOK_BUY, bid, -step, n, lots);
    test_ladder(v, owner, BOOK_SELL, ask, step, n, lots);
}

/* A venue on p around 500000 ticks with a whale quoting n levels of lots a
 * side from bid down and ask up, step ticks apart (test_quotes); the
 * whale's account goes to *whale unless whale is NULL. */
static inline venue *test_venue_quoted(const profile *p, size_t accounts_hint,
                                       int64_t bid, int64_t ask, int64_t step,
                                       int n, int64_t lots, uint32_t *whale)
{
    venue *v = test_venue(p, accounts_hint);
    uint32_t id = test_whale(v);
    test_quotes(v, id, bid, ask, step, n, lots);
    if (whale)
        *whale = id;
    return v;
}

/* The ledger audit of v passes. */
static inline void support_agent_audit(const venue *v)
{
    perr e = {0, ""};
    cr_assert_eq(venue_audit(v, NULL, &e), 0, "venue_audit: %s", e.msg);
}

/* ---- populations ---------------------------------------------------------- */

/* A population of kind with params on venues[0] (markets[0]) and, when
 * n_venues is 2, venues[1] as its other market; arrivals start at 0. Fails
 * the test when the kind refuses. */
static inline agent_pop *support_agent_pop(const agent_kind *kind,
                                           const void *params,
                                           venue *const *venues,
                                           size_t n_venues, uint64_t seed,
                                           const char *name,
                                           const char *key_prefix)
{
    cr_assert(n_venues == 1 || n_venues == 2);
    agent_market m[2];
    memset(m, 0, sizeof m);
    for (size_t i = 0; i < n_venues; i++)
        m[i].venue = venues[i];
    agent_world w = {0, 0, 0, n_venues, m};
    agent_setup s = {&w, 0, n_venues == 2 ? 1 : -1, seed, name, 0, key_prefix};
    perr e = {0, ""};
    agent_pop *pop = agent_kind_create(kind, params, &s, &e);
    cr_assert_not_null(pop, "%s: %s", name, e.msg);
    return pop;
}

/* A population of kind with params on v alone (as support_agent_pop), which
 * must name its kind kind_name. */
static inline agent_pop *support_agent_pop_on(const agent_kind *kind,
                                              const char *kind_name,
                                              const void *params, venue *v,
                                              uint64_t seed, const char *name,
                                              const char *key_prefix)
{
    agent_pop *pop = support_agent_pop(kind, params, &v, 1, seed, name,
                                       key_prefix);
    cr_assert_str_eq(pop->kind->kind, kind_name);
    return pop;
}

/* Defines `stats(pop)`: the statistics of a population of the kind whose
 * header declares agent_KIND_stats and agent_KIND_stats_get, by value, for
 * a test to read a field in one expression. */
#define SUPPORT_AGENT_STATS(KIND)                                             \
    static agent_##KIND##_stats stats(const agent_pop *pop)                   \
    {                                                                         \
        agent_##KIND##_stats s;                                               \
        agent_##KIND##_stats_get(pop, &s);                                    \
        return s;                                                             \
    }

/* The account of agent i of a population on one venue. */
static inline uint32_t test_agent(const agent_pop *pop, uint32_t i)
{
    return agent_account(pop, 0, i);
}

/* The position, in lots, of agent i of a population on v. */
static inline int64_t support_agent_size(const venue *v, const agent_pop *pop,
                                         uint32_t i)
{
    return venue_account(v, test_agent(pop, i))->size;
}

/* Agents 0 .. n-1 of a on va and of b on vb hold the same position, cost
 * and cash: two runs that must agree did. */
static inline void support_agent_same_accounts(const venue *va,
                                               const agent_pop *a,
                                               const venue *vb,
                                               const agent_pop *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        const account *x = venue_account(va, test_agent(a, i));
        const account *y = venue_account(vb, test_agent(b, i));
        cr_assert(x->size == y->size && x->cost == y->cost
                      && x->cash == y->cash,
                  "agent %u differs", (unsigned)i);
    }
}

/* pop acts once in w, without error. */
static inline void support_agent_wake(agent_pop *pop, agent_world *w)
{
    perr e = {0, ""};
    cr_assert_eq(agent_wake(pop, w, &e), 0, "agent_wake: %s", e.msg);
}

/* pop wakes at the next instant of its arrival process, on v alone with the
 * index at the mark. */
static inline void support_agent_wake_next(agent_pop *pop, venue *v)
{
    agent_market m = {v, NULL, "v", (double)venue_mark(v), {1.0}};
    agent_world w = {arrival_next(&pop->arrival), 0, 0, 1, &m};
    support_agent_wake(pop, &w);
}

/* Releases a population and the venue it was made on. */
static inline void support_agent_free(agent_pop *pop, venue *v)
{
    agent_free(pop);
    venue_free(v);
}

/* Releases pops[0 .. n) and the venues vs[0 .. n) each was made on. */
static inline void support_agent_free_runs(agent_pop **pops, venue **vs,
                                           int n)
{
    for (int r = 0; r < n; r++)
        support_agent_free(pops[r], vs[r]);
}

/* The end of a test on one venue: v's ledger must balance, then pop and v
 * are released. */
static inline void support_agent_audit_free(agent_pop *pop, venue *v)
{
    support_agent_audit(v);
    support_agent_free(pop, v);
}

/* ---- a kind's registry entry ----------------------------------------------- */

/* The registered kind named name, or the test fails. */
static inline const agent_kind *support_agent_kind(const char *name)
{
    const agent_kind *kind = agent_kind_find(name);
    cr_assert_not_null(kind, "no kind %s", name);
    return kind;
}

/* Fills params with kind's defaults for a population of count agents. */
static inline void support_agent_params(const agent_kind *kind, void *params,
                                        uint32_t count)
{
    agent_kind_defaults(kind, params);
    memcpy((char *)params + kind->count_offset, &count, sizeof count);
}

/* Fills params with kind's defaults, which pass its check on prof. */
static inline void support_agent_defaults(const agent_kind *kind, void *params,
                                          const profile *prof,
                                          const char *key_prefix)
{
    agent_kind_defaults(kind, params);
    perr e = {0, ""};
    cr_assert_eq(agent_kind_check(kind, params, prof, key_prefix, &e), 0, "%s",
                 e.msg);
}

/* kind's table has every one of the n keys. */
static inline void support_agent_has_keys(const agent_kind *kind,
                                          const char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cr_assert_not_null(param_find(kind->keys, keys[i]), "%s", keys[i]);
}

/* kind's check refuses params on prof with PERR_INVALID and a message that
 * starts with key ("populations[2].count:"). */
static inline void support_agent_check_error(const agent_kind *kind,
                                             const void *params,
                                             const profile *prof,
                                             const char *key_prefix,
                                             const char *key)
{
    perr e = {0, ""};
    cr_assert_eq(agent_kind_check(kind, params, prof, key_prefix, &e),
                 PERR_INVALID, "no error for %s", key);
    cr_assert(strstr(e.msg, key) == e.msg, "expected %s in: %s", key, e.msg);
}

/* A value of a kind's key its check must refuse. */
typedef struct support_agent_bad {
    const char *key;
    double value; /* stored as the key's type holds it (an enum's index) */
} support_agent_bad;

/* Sets kind's key name in params to x, stored as the key's type holds it
 * (an enum's index); the test fails on a key kind does not have. */
static inline void support_agent_set_value(const agent_kind *kind,
                                           void *params, const char *name,
                                           double x)
{
    const param_key *key = param_find(kind->keys, name);
    cr_assert_not_null(key, "no key %s", name);
    char *at = (char *)params + key->offset;
    uint32_t count = (uint32_t)x;
    int64_t ms = (int64_t)x;
    int index = (int)x;
    if (key->type == PARAM_DOUBLE)
        memcpy(at, &x, sizeof x);
    else if (key->type == PARAM_COUNT)
        memcpy(at, &count, sizeof count);
    else if (key->type == PARAM_DURATION)
        memcpy(at, &ms, sizeof ms);
    else if (key->type == PARAM_ENUM)
        memcpy(at, &index, sizeof index);
    else
        cr_assert_fail("key %s: a type these tests do not set", name);
}

/* For each of bad: ok with that key set to that value is refused by kind's
 * check on prof, with a message naming key_prefix.key. ok itself passes. */
static inline void support_agent_bad_values(const agent_kind *kind,
                                            const void *ok,
                                            const profile *prof,
                                            const char *key_prefix,
                                            const support_agent_bad *bad,
                                            size_t n)
{
    perr e = {0, ""};
    cr_assert_eq(agent_kind_check(kind, ok, prof, key_prefix, &e), 0, "%s",
                 e.msg);
    void *params = malloc(kind->params_size);
    cr_assert_not_null(params);
    for (size_t k = 0; k < n; k++) {
        memcpy(params, ok, kind->params_size);
        support_agent_set_value(kind, params, bad[k].key, bad[k].value);
        char named[128];
        snprintf(named, sizeof named, "%s.%s:", key_prefix, bad[k].key);
        support_agent_check_error(kind, params, prof, key_prefix, named);
    }
    free(params);
}

/* params as a scenario gives them: kind's defaults with each set[k][0] =
 * set[k][1] through kind's keys (or the test fails naming the key), which
 * pass its check on prof. */
static inline void support_agent_set_keys(const agent_kind *kind, void *params,
                                          const char *(*set)[2], size_t n,
                                          const profile *prof,
                                          const char *key_prefix)
{
    agent_kind_defaults(kind, params);
    for (size_t k = 0; k < n; k++) {
        const param_key *key = param_find(kind->keys, set[k][0]);
        cr_assert_not_null(key, "no key %s", set[k][0]);
        char why[256];
        cr_assert_eq(param_parse(key, set[k][1], params, why, sizeof why), 0,
                     "%s: %s", set[k][0], why);
    }
    perr e = {0, ""};
    cr_assert_eq(agent_kind_check(kind, params, prof, key_prefix, &e), 0, "%s",
                 e.msg);
}

/* Through the registry, the venue's maximum leverage is checked too: kind's
 * defaults with leverage set to a value above Binance's 125x are refused,
 * naming key_prefix.leverage. */
static inline void support_agent_leverage_capped(const agent_kind *kind,
                                                 double leverage,
                                                 const char *key_prefix)
{
    void *params = malloc(kind->params_size);
    cr_assert_not_null(params);
    agent_kind_defaults(kind, params);
    support_agent_set_value(kind, params, "leverage", leverage);
    char want[128];
    snprintf(want, sizeof want, "%s.leverage: must be <= 125", key_prefix);
    support_agent_check_error(kind, params, binance(), key_prefix, want);
    free(params);
}

#endif
