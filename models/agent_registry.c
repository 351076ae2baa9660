/*
 * agent_registry: the registry of agent kinds (agent.h). A kind written in its own
 * file under models/ is made known to scenarios by one line here; the order
 * is the order scenarios/README.md documents them in.
 */
#include <string.h>

#include "agent.h"
#include "agent_arb.h"
#include "agent_holder.h"
#include "agent_maker.h"
#include "agent_momentum.h"
#include "agent_noise.h"
#include "agent_xarb.h"

static const agent_kind *const kinds[] = {
    &agent_maker_kind,
    &agent_noise_kind,
    &agent_momentum_kind,
    &agent_holder_long_kind,
    &agent_holder_short_kind,
    &agent_arb_kind,
    &agent_xarb_kind,
    NULL,
};

const agent_kind *const *agent_kinds(void)
{
    return kinds;
}

const agent_kind *agent_kind_find(const char *kind)
{
    for (const agent_kind *const *k = kinds; *k; k++)
        if (strcmp((*k)->kind, kind) == 0)
            return *k;
    return NULL;
}
