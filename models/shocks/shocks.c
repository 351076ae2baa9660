/*
 * shocks: the registry of shock kinds (shock.h). A kind written in its own
 * file in this folder is made known to scenarios by its declaration and its
 * line in kinds[] below; the order of kinds[] is the order scenarios/
 * README.md documents them in and the order messages list them in.
 */
#include <string.h>

#include "registry.h"
#include "shock.h"

extern const shock_kind shock_index_jump_kind;
extern const shock_kind shock_vol_burst_kind;
extern const shock_kind shock_oracle_freeze_kind;
extern const shock_kind shock_liquidity_withdrawal_kind;
extern const shock_kind shock_whale_kind;
extern const shock_kind shock_oi_cap_kind;

static const shock_kind *const kinds[] = {
    &shock_index_jump_kind,
    &shock_vol_burst_kind,
    &shock_oracle_freeze_kind,
    &shock_liquidity_withdrawal_kind,
    &shock_whale_kind,
    &shock_oi_cap_kind,
    NULL,
};

REGISTRY_FUNCTIONS(shock_kind, kinds, shock_kinds, shock_kind_find)

size_t shock_kind_key_names(const shock_kind *kind, const char **out,
                            size_t max)
{
    size_t n = 0;
    if (n < max)
        out[n++] = "at";
    if (n < max)
        out[n++] = "kind";
    if (kind->target == SHOCK_ON_VENUE && n < max)
        out[n++] = "venue";
    for (const param_key *k = kind->keys; k->key && n < max; k++)
        out[n++] = k->key;
    if (kind->lasts && n < max)
        out[n++] = "for";
    return n;
}

int shock_kind_has_key(const shock_kind *kind, const char *key)
{
    const char *names[32];
    size_t n = shock_kind_key_names(kind, names, 32);
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], key) == 0)
            return 1;
    return 0;
}
