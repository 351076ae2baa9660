/*
 * index_jump: the index moves by `pct` percent at `at` (models/README.md,
 * "Shocks"): the index process's state is
 * multiplied by 1 + pct/100 (index_jump in index.h), so later returns
 * continue from the new level. It is the scenario's way of saying "the spot
 * market gapped": every venue's mark rule sees the jump at the same tick.
 *
 * Keys: pct, a number of percent > -100 (the price stays positive); `-8`
 * and `-8%` both mean minus 8 percent.
 */
#include <stddef.h>
#include <string.h>

#include "shock.h"

SHOCK_NUMBER_PARAMS(jump_params, pct, "percent", jump_keys);

/* pct is a number of percent: "-8%" reads as -8, not -0.08. */
static int jump_parse(const param_key *k, const char *text, void *params,
                      char *why, size_t why_size)
{
    size_t len = strlen(text);
    if (strcmp(k->key, "pct") == 0 && len > 1 && text[len - 1] == '%') {
        char num[64];
        snprintf(num, sizeof num, "%.*s", (int)(len - 1), text);
        if (param_parse(k, num, params, why, why_size) == 0)
            return 0;
    }
    return param_parse(k, text, params, why, why_size);
}

static int jump_check(const shock *sh, const shock_check_env *env, perr *e)
{
    (void)env;
    const jump_params *p = sh->params;
    if (!(p->pct > -100))
        return perr_set(e, PERR_INVALID,
                        "%s.pct: must be > -100 percent, so that the index "
                        "stays positive (got %g)",
                        sh->key_prefix, p->pct);
    return 0;
}

static int jump_setup(const shock *sh, shock_ctx *c, perr *e)
{
    const jump_params *p = sh->params;
    return index_jump(c->index, sh->at, p->pct, e);
}

const shock_kind shock_index_jump_kind = {
    "index_jump",
    "the index moves by pct percent at its instant",
    SHOCK_ON_INDEX, 0, sizeof(jump_params), jump_keys, jump_parse,
    jump_check, jump_setup, NULL, NULL};
