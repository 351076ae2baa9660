/*
 * Tests of scenario files (sim/scenario.c).
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "scenario.h"

Test(scenario, the_default_loads)
{
    scenario s;
    perr e = {0, ""};
    cr_assert_eq(scenario_load_default(NULL, 0, &s, &e), 0, "%s", e.msg);
    printf("%s", s.resolved);
    scenario_free(&s);
}
