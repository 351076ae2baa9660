/*
 * agent_registry: the registry of agent kinds (agent.h). A kind written in its own
 * file under models/ is made known to scenarios by one line here; the order
 * is the order scenarios/README.md documents them in.
 */
#include "agent.h"
#include "agent_arb.h"
#include "agent_holder.h"
#include "agent_maker.h"
#include "agent_momentum.h"
#include "agent_noise.h"
#include "agent_xarb.h"
#include "registry.h"

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

REGISTRY_FUNCTIONS(agent_kind, kinds, agent_kinds, agent_kind_find)
