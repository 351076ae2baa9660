/*
 * scenario: releasing a scenario and finding its venues by name
 * (scenario.h). Everything a scenario owns is on the heap, allocated by the
 * loader (sim/io/scenario_load.c); this file frees it without knowing how
 * it was read.
 */
#include "scenario.h"

#include <stdlib.h>
#include <string.h>

#include "grow.h"

void scenario_free(scenario *s)
{
    if (!s)
        return;
    for (size_t i = 0; s->venues && i < s->n_venues; i++)
        for (size_t k = 0; k < RULE_POLICY_MAX; k++)
            free(s->venues[i].policies[k]);
    free(s->venues);
    for (size_t i = 0; s->populations && i < s->n_populations; i++)
        free(s->populations[i].params);
    free(s->populations);
    for (size_t i = 0; s->shocks && i < s->n_shocks; i++)
        free(s->shocks[i].params);
    free(s->shocks);
    free(s->expects);
    free(s->resolved);
    GROW_FREE_EACH(s->sets, s->n_sets);
    free((char *)s->index.file);
    memset(s, 0, sizeof *s);
}

int scenario_venue_index(const scenario *s, const char *name)
{
    for (size_t i = 0; i < s->n_venues; i++)
        if (strcmp(s->venues[i].name, name) == 0)
            return (int)i;
    return -1;
}
