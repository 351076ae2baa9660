/*
 * Tests of UTC instants (sim/util/utc.h): known instants both ways, the
 * milliseconds written only when there are any, dates that do not exist
 * and text that is not of the one form refused.
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "utc.h"

Test(utc, known_instants_both_ways)
{
    static const struct {
        const char *text;
        int64_t ms;
    } cases[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"2025-07-10T20:00:00Z", INT64_C(1752177600000)},
        {"2024-02-29T23:59:59.999Z", INT64_C(1709251199999)},
        {"2000-03-01T00:00:00.001Z", INT64_C(951868800001)},
        {"9999-12-31T23:59:59Z", INT64_C(253402300799000)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t ms = -1;
        cr_assert_eq(utc_parse(cases[i].text, &ms), 0, "%s", cases[i].text);
        cr_expect_eq(ms, cases[i].ms, "%s: %lld", cases[i].text,
                     (long long)ms);
        char back[32];
        utc_format(cases[i].ms, back, sizeof back);
        cr_expect_str_eq(back, cases[i].text);
    }
}

Test(utc, refuses_what_is_not_one_instant)
{
    static const char *const bad[] = {
        "2025-02-29T00:00:00Z", /* not a leap year */
        "2025-04-31T00:00:00Z", "2025-07-10T24:00:00Z",
        "2025-07-10T00:60:00Z", "1969-12-31T23:59:59Z",
        "2025-07-10 00:00:00Z", "2025-07-10T00:00:00",
        "2025-07-10T00:00:00+01:00", "2025-07-10T00:00:00.5Z",
        "2025-7-10T00:00:00Z", "", "+025-07-10T00:00:00Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = 42;
        cr_expect_eq(utc_parse(bad[i], &ms), -1, "%s", bad[i]);
        cr_expect_eq(ms, 42, "%s: *out written", bad[i]);
    }
}
