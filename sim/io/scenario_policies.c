/*
 * scenario_policies: a venue's `policies:` (scenarios/README.md, "venues";
 * models/rule.h, "venue risk policies"): a mapping keyed by policy name,
 * each a mapping of the policy's keys, so that every figure is a flat key
 * --set and sweeps can name ("venues.binance.policies.circuit_breaker.move").
 * A listed policy starts from its defaults; its keys are parsed through
 * its table and checked against the venue's profile once the profile's
 * overrides are in; unknown policies and keys fail at their place with the
 * nearest name. The resolved text writes every key of each listed policy.
 */
#include <stdlib.h>
#include <string.h>

#include "scenario_loader.h"
#include "suggest.h"

static size_t policy_names(const char **names)
{
    size_t n = 0;
    for (const param_choice *const *c = rule_policies; *c; c++)
        names[n++] = (*c)->name;
    return n;
}

static const rule_policy *policy_at(size_t k)
{
    return (const rule_policy *)rule_policies[k];
}

/* The registry position of the policy named by the len bytes at name, or
 * -1 having failed at en. */
static int find_policy(loader *ld, const entry *en, const char *name,
                       size_t len)
{
    const char *names[RULE_POLICY_MAX + 1];
    size_t n = policy_names(names);
    for (size_t k = 0; k < n; k++)
        if (strlen(names[k]) == len && strncmp(names[k], name, len) == 0)
            return (int)k;
    char text[FLAT_PATH_MAX], hint[96], list[256];
    snprintf(text, sizeof text, "%.*s", (int)len, name);
    loader_did_you_mean(suggest_nearest(text, names, n), hint, sizeof hint);
    loader_join_names(names, n, " and ", list, sizeof list);
    flat_fail_at(&ld->doc, en, "%s: unknown policy '%s'%s; the policies are %s",
                 en->path, text, hint, list);
    return -1;
}

/* The params of policy k on v, from its defaults when first named. */
static void *params_of(loader *ld, scenario_venue *v, size_t k)
{
    if (!v->policies[k]) {
        const rule_policy *r = policy_at(k);
        v->policies[k] = malloc(r->params_size);
        if (!v->policies[k]) {
            loader_nomem(ld);
            return NULL;
        }
        memcpy(v->policies[k], r->defaults, r->params_size);
    }
    return v->policies[k];
}

int loader_venue_policy(loader *ld, scenario_venue *v, const entry *en,
                        const char *rel)
{
    const char *rest = rel + strlen("policies");
    if (*rest == '\0')
        return loader_expect_map(ld, en, "of policies {circuit_breaker: "
                                         "{...}, ...}");
    const char *name = rest + 1;
    size_t len = strcspn(name, ".");
    int k = find_policy(ld, en, name, len);
    if (k < 0)
        return PERR_INVALID;
    void *params = params_of(ld, v, (size_t)k);
    if (!params)
        return PERR_NOMEM;
    const rule_policy *r = policy_at((size_t)k);
    if (name[len] == '\0')
        return loader_expect_map(ld, en, "of the policy's keys ({} for its "
                                         "defaults)");
    const char *key = name + len + 1;
    const param_key *pk = param_find(r->info.keys, key);
    if (!pk) {
        const char *keys[16];
        size_t n = 0;
        for (const param_key *x = r->info.keys; x->key && n < 16; x++)
            keys[n++] = x->key;
        return loader_unknown_key(ld, en, key, keys, n,
                                  "scenarios/README.md, \"Venue risk "
                                  "policies\",");
    }
    return loader_parse_entry(ld, en, pk, params);
}

int loader_check_venue_policies(loader *ld, const scenario_venue *v,
                                 size_t i, const entry *item)
{
    for (size_t k = 0; k < RULE_POLICY_MAX && rule_policies[k]; k++) {
        if (!v->policies[k])
            continue;
        const rule_policy *r = policy_at(k);
        perr why;
        perr_clear(&why);
        if (r->check(v->policies[k], &v->profile, &why) == 0)
            continue;
        char prefix[96];
        snprintf(prefix, sizeof prefix, "venues[%zu].policies.%s.", i,
                 r->info.name);
        perr placed = why;
        snprintf(placed.msg, sizeof placed.msg, "%s%.*s", prefix,
                 (int)(sizeof placed.msg - sizeof prefix - 1), why.msg);
        return loader_fail_checked(ld, &placed, item);
    }
    return 0;
}

int loader_policy_keys(const scenario_venue *v, loader_key_fn add, void *ctx)
{
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < RULE_POLICY_MAX && rule_policies[k];
         k++) {
        if (!v->policies[k])
            continue;
        const rule_policy *r = policy_at(k);
        for (const param_key *x = r->info.keys; rc == 0 && x->key; x++) {
            char rel[FLAT_PATH_MAX], value[PARAM_TEXT_MAX];
            snprintf(rel, sizeof rel, "policies.%s.%s", r->info.name, x->key);
            param_format(x, v->policies[k], value, sizeof value);
            rc = add(ctx, rel, value);
        }
    }
    return rc;
}
