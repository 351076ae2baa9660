/*
 * support_agent: helpers shared by the agent kinds' tests (test_agent_*.c):
 * a population made by its kind's constructor on a small world of venues,
 * the check that refuses a bad key and names it, and scenario keys set
 * through a kind's param table.
 */
#ifndef PERPSIM_TESTS_SUPPORT_AGENT_H
#define PERPSIM_TESTS_SUPPORT_AGENT_H

#include <criterion/criterion.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "agent.h"

typedef agent_pop *(*support_agent_new_fn)(const void *params,
                                            const agent_setup *s, perr *e);
typedef int (*support_agent_check_fn)(const void *params, const profile *prof,
                                      const char *key_prefix, perr *e);

/* A population made by new (a kind's constructor) with params on venues[0]
 * (markets[0]) and, when n_venues is 2, venues[1] as its other market;
 * arrivals start at 0. Fails the test when new refuses. */
static inline agent_pop *support_agent_pop(support_agent_new_fn new_pop,
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
    agent_pop *pop = new_pop(params, &s, &e);
    cr_assert_not_null(pop, "%s: %s", name, e.msg);
    return pop;
}

/* check refuses params on prof with PERR_INVALID and a message that starts
 * with key ("populations[2].count:"). */
static inline void support_agent_check_error(support_agent_check_fn check,
                                             const void *params,
                                             const profile *prof,
                                             const char *key_prefix,
                                             const char *key)
{
    perr e = {0, ""};
    cr_assert_eq(check(params, prof, key_prefix, &e), PERR_INVALID,
                 "no error for %s", key);
    cr_assert(strstr(e.msg, key) == e.msg, "expected %s in: %s", key, e.msg);
}

/* Sets each set[k][0] = set[k][1] of params through kind's keys, as a
 * scenario would, or fails the test naming the key. */
static inline void support_agent_set_keys(const agent_kind *kind, void *params,
                                          const char *(*set)[2], size_t n)
{
    for (size_t k = 0; k < n; k++) {
        const param_key *key = param_find(kind->keys, set[k][0]);
        cr_assert_not_null(key, "no key %s", set[k][0]);
        char why[256];
        cr_assert_eq(param_parse(key, set[k][1], params, why, sizeof why), 0,
                     "%s: %s", set[k][0], why);
    }
}

#endif
