/*
 * support: helpers shared by the Criterion tests: an object a constructor
 * must make, a built-in venue profile, an account on a venue and the audit
 * of its ledger; and, through
 * support_fs.h, files (a file of the source tree, such as the docs that
 * tests hold the code to).
 */
#ifndef PERPSIM_TESTS_SUPPORT_H
#define PERPSIM_TESTS_SUPPORT_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "profile_yaml.h"
#include "support_fs.h"
#include "venue.h"

/* obj, what a constructor that reports into e returned, which must not be
 * NULL (the test fails with e's message): `return support_made(
 * mark_new(p, &e), "mark_new", &e);`. */
static inline void *support_made(void *obj, const char *what, const perr *e)
{
    cr_assert_not_null(obj, "%s: %s", what, e->msg);
    return obj;
}

/* The built-in venue profile name, or fails the test. */
static inline const profile *builtin_profile(const char *name)
{
    const profile *p = profile_builtin(name);
    cr_assert_not_null(p, "no built-in profile %s", name);
    return p;
}

/* Opens an account on v with deposit cash units, or fails the test. */
static inline uint32_t open_account(venue *v, int64_t deposit, account_mode mode,
                                    int32_t leverage)
{
    perr e = {0, ""};
    uint32_t id;
    cr_assert_eq(venue_open(v, deposit, mode, leverage, &id, &e), 0,
                 "venue_open: %s", e.msg);
    return id;
}

/* The ledger balances: the audit passes, long lots equal short lots and the
 * cash total is what was put in. */
static inline venue_totals support_audit(const venue *v)
{
    venue_totals t;
    perr e = {0, ""};
    cr_assert_eq(venue_audit(v, &t, &e), 0, "venue_audit: %s", e.msg);
    cr_assert_eq(t.ledger.long_lots, t.ledger.short_lots);
    cr_assert_eq(t.ledger.cash_total, t.ledger.expected_cash);
    return t;
}

#endif
