/*
 * Tests of suggest: the edit distance and the nearest-name choice behind
 * every "did you mean" in perpsim's messages.
 */
#include <criterion/criterion.h>

#include "suggest.h"

Test(suggest, distance_counts_edits)
{
    cr_expect_eq(suggest_distance("", ""), 0);
    cr_expect_eq(suggest_distance("run", "run"), 0);
    cr_expect_eq(suggest_distance("run", "rum"), 1);
    cr_expect_eq(suggest_distance("run", "ru"), 1);
    cr_expect_eq(suggest_distance("kitten", "sitting"), 3);
    cr_expect_eq(suggest_distance("", "abc"), 3);
}

Test(suggest, swap_of_adjacent_letters_costs_one)
{
    cr_expect_eq(suggest_distance("inspcet", "inspect"), 1);
    cr_expect_eq(suggest_distance("fudning", "funding"), 1);
}

Test(suggest, nearest_picks_the_closest_candidate)
{
    const char *names[] = {"run", "validate", "inspect", "calc", "sweep", "bench"};
    cr_expect_str_eq(suggest_nearest("valdate", names, 6), "validate");
    cr_expect_str_eq(suggest_nearest("bnech", names, 6), "bench");
    cr_expect_str_eq(suggest_nearest("rn", names, 6), "run");
}

Test(suggest, nothing_is_suggested_for_an_unrelated_word)
{
    const char *names[] = {"run", "validate", "inspect", "calc", "sweep", "bench"};
    cr_expect_null(suggest_nearest("frobnicate", names, 6));
    cr_expect_null(suggest_nearest("xyz", names, 6));
}

Test(suggest, null_candidates_are_skipped)
{
    const char *names[] = {NULL, "interval", NULL};
    cr_expect_str_eq(suggest_nearest("intervl", names, 3), "interval");
}
