/*
 * support: helpers shared by the Criterion tests that build venues.
 */
#ifndef PERPSIM_TESTS_SUPPORT_H
#define PERPSIM_TESTS_SUPPORT_H

#include <criterion/criterion.h>

#include "venue.h"

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

#endif
