/*
 * scenario_shocks: step 3 of loading a scenario for `shocks:`
 * (scenario_loader.h). A shock's keys are `at`, `kind`, `for` and `venue`,
 * which every kind may have and this file reads, and its kind's own
 * (models/shock.h: the kind's param_key table, parsed through the kind's
 * parser when it has one). Which keys a kind takes is the kind's
 * (shock_kind_key_names): a key of another kind is named as such, a key
 * of none is unknown with a suggestion, and every key the kind takes is
 * required but `at` (checked on its own) and `venue` where the scenario
 * has one venue.
 *
 * The shocks are checked by their kind once read, then sorted by `at`,
 * stably: shocks at one instant keep the file's order.
 */
#include "scenario_loader.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The keys a shock of any kind may have besides its kind's own (shock.h):
 * read here, `venue` then resolved against the scenario's venues. */
typedef struct shock_common {
    int64_t at, for_ms;
    char venue[PARAM_TEXT_MAX];
} shock_common;

static const param_key shock_common_keys[] = {
    {"at", PARAM_DURATION, offsetof(shock_common, at), "ms since the start",
     NULL},
    {"for", PARAM_DURATION, offsetof(shock_common, for_ms), "ms", NULL},
    {"venue", PARAM_TEXT, offsetof(shock_common, venue), "name", NULL},
    PARAM_END,
};

enum { SHOCK_KINDS_MAX = 32, SHOCK_KEYS_MAX = 32 };

/* The registered kinds' names into names (NULL-terminated); how many. */
static size_t shock_kind_names(const char **names)
{
    size_t n = 0;
    for (const shock_kind *const *k = shock_kinds(); *k && n < SHOCK_KINDS_MAX;
         k++)
        names[n++] = (*k)->kind;
    names[n] = NULL;
    return n;
}

/* Whether key is a key of any kind of shock. */
static int any_shock_has_key(const char *key)
{
    for (const shock_kind *const *k = shock_kinds(); *k; k++)
        if (shock_kind_has_key(*k, key))
            return 1;
    return 0;
}

static const char *article(const char *word)
{
    return strchr("aeiou", word[0]) ? "an" : "a";
}

/* "at, kind, pct" */
static void shock_keys_text(const char *const *names, size_t n, char *out,
                            size_t size)
{
    loader_join_names(names, n, ", ", out, size);
}

/* Reads `kind` of the shock at item into *out. */
static int load_shock_kind(loader *ld, const entry *item, const char *prefix,
                           const shock_kind **out)
{
    const char *names[SHOCK_KINDS_MAX + 1];
    size_t n = shock_kind_names(names);
    char path[64];
    snprintf(path, sizeof path, "%s.kind", prefix);
    entry *ke = flat_find(&ld->doc, path);
    if (!ke) {
        char list[512];
        loader_join_names(names, n, " or ", list, sizeof list);
        return flat_fail_at(&ld->doc, item, "%s: required key missing (%s)",
                            path, list);
    }
    ke->used = 1;
    const param_key kind_key = {"kind", PARAM_ENUM, 0, NULL, names};
    int index = 0;
    int rc = loader_parse_entry(ld, ke, &kind_key, &index);
    if (rc == 0)
        *out = shock_kinds()[index];
    return rc;
}

/* Gives each entry under the shock's prefix to the common keys or to its
 * kind's table; a key of another kind, or of none, is an error. Marks in
 * present[] (indexed as shock_kind_key_names) the keys found. */
static int read_shock_keys(loader *ld, scenario_shock *sh, shock_common *c,
                           const char *const *names, size_t n_names,
                           int *present)
{
    const shock_kind *kind = sh->kind;
    size_t i = 0;
    const char *rel;
    entry *en;
    while ((en = loader_next_under(ld, sh->key_prefix, &i, &rel))) {
        if (strcmp(rel, "kind") == 0)
            continue;
        en->used = 1;
        if (!any_shock_has_key(rel))
            return loader_unknown_key(ld, en, rel, names, n_names,
                                      "scenarios/README.md");
        size_t slot = 0;
        while (slot < n_names && strcmp(names[slot], rel) != 0)
            slot++;
        if (slot == n_names) {
            char keys[256];
            shock_keys_text(names, n_names, keys, sizeof keys);
            return flat_fail_at(&ld->doc, en,
                                "%s: not a key of %s %s shock (its keys are "
                                "%s)",
                                en->path, article(kind->kind), kind->kind,
                                keys);
        }
        present[slot] = 1;
        const param_key *own = param_find(kind->keys, rel);
        int rc = own ? loader_parse_entry_by(ld, en, own, sh->params,
                                             kind->parse)
                     : loader_parse_entry(ld, en,
                                          param_find(shock_common_keys, rel),
                                          c);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Every key is required but `at` (checked after these), `kind` (read),
 * and `venue` where there is one venue. */
static int require_shock_keys(loader *ld, const scenario *s,
                              const scenario_shock *sh, const entry *item,
                              const char *const *names, size_t n_names,
                              const int *present)
{
    for (size_t k = 2; k < n_names; k++) {
        if (present[k] || (strcmp(names[k], "venue") == 0 && s->n_venues == 1))
            continue;
        char keys[256];
        shock_keys_text(names, n_names, keys, sizeof keys);
        return flat_fail_at(&ld->doc, item,
                            "%s.%s: required key missing for %s %s shock (its "
                            "keys are %s)",
                            sh->key_prefix, names[k], article(sh->kind->kind),
                            sh->kind->kind, keys);
    }
    return 0;
}

/* `at` >= 0 (one at or after the end is dropped: drop_late_shocks),
 * `for` > 0 for a kind that lasts, and `venue` one of
 * the scenario's for a kind that acts on a venue. */
static int place_shock(loader *ld, const scenario *s, scenario_shock *sh,
                       const shock_common *c, const entry *item)
{
    const char *prefix = sh->key_prefix;
    char a[32], key[64];
    snprintf(key, sizeof key, "%s.at", prefix);
    if (c->at < 0) {
        loader_format_value(PARAM_DURATION, &c->at, a, sizeof a);
        return flat_fail_at(&ld->doc, flat_place_of(&ld->doc, key, item),
                            "%s: must be >= 0 (got %s)", key, a);
    }
    if (sh->kind->lasts && c->for_ms <= 0) {
        snprintf(key, sizeof key, "%s.for", prefix);
        loader_format_value(PARAM_DURATION, &c->for_ms, a, sizeof a);
        return flat_fail_at(&ld->doc, flat_place_of(&ld->doc, key, item),
                            "%s: must be > 0 (got %s)", key, a);
    }
    if (sh->kind->target == SHOCK_ON_VENUE) {
        snprintf(key, sizeof key, "%s.venue", prefix);
        return loader_venue_ref(ld, s, key, item, 1, &sh->venue);
    }
    return 0;
}

static int load_shock(loader *ld, scenario *s, size_t i)
{
    entry *item;
    int rc = loader_list_item(ld, "shocks", i, "{at, kind, ...}", &item);
    if (rc != 0)
        return rc;
    scenario_shock *sh = &s->shocks[i];
    snprintf(sh->key_prefix, sizeof sh->key_prefix, "shocks[%zu]", i);
    sh->venue = -1;
    if ((rc = load_shock_kind(ld, item, sh->key_prefix, &sh->kind)) != 0)
        return rc;
    const shock_kind *kind = sh->kind;
    sh->params = calloc(1, kind->params_size ? kind->params_size : 1);
    if (!sh->params)
        return loader_nomem(ld);

    const char *names[SHOCK_KEYS_MAX];
    size_t n_names = shock_kind_key_names(kind, names, SHOCK_KEYS_MAX);
    int present[SHOCK_KEYS_MAX] = {0};
    shock_common c;
    memset(&c, 0, sizeof c);
    if ((rc = read_shock_keys(ld, sh, &c, names, n_names, present)) != 0)
        return rc;
    if ((rc = require_shock_keys(ld, s, sh, item, names, n_names, present))
        != 0)
        return rc;
    if (!present[0])
        return flat_fail_at(&ld->doc, item, "%s.at: required key missing",
                            sh->key_prefix);
    sh->at = c.at;
    sh->duration = c.for_ms;
    if ((rc = place_shock(ld, s, sh, &c, item)) != 0)
        return rc;
    shock_check_env env = {&s->index, s->shocks, i};
    perr why;
    perr_clear(&why);
    if (kind->check && kind->check(sh, &env, &why) != 0)
        return loader_fail_checked(ld, &why, item);
    return 0;
}

/* Shocks at or after the end of the run never act: a scenario shortened
 * for a smoke test (--set duration=2h) runs without them rather than
 * failing, and s->shocks_dropped names them for the program's warning.
 * Each was checked like any other first, so a bad one is still an
 * error. */
static void drop_late_shocks(scenario *s)
{
    size_t kept = 0, len = 0;
    for (size_t i = 0; i < s->n_shocks; i++) {
        scenario_shock *sh = &s->shocks[i];
        if (sh->at < s->duration_ms) {
            s->shocks[kept++] = *sh;
            continue;
        }
        char at[32];
        loader_format_value(PARAM_DURATION, &sh->at, at, sizeof at);
        size_t room = sizeof s->shocks_dropped - len;
        int n = snprintf(s->shocks_dropped + len, room, "%s%s (%s at %s)",
                         len ? ", " : "", sh->key_prefix, sh->kind->kind, at);
        if (n > 0)
            len = (size_t)n < room ? len + (size_t)n : sizeof s->shocks_dropped - 1;
        free(sh->params);
    }
    s->n_shocks = kept;
}

int loader_read_shocks(loader *ld, scenario *s)
{
    entry *sec;
    int rc = loader_section(ld, "shocks", FLAT_LIST, &sec);
    if (rc != 0 || !sec || sec->items == 0)
        return rc;
    s->shocks = calloc(sec->items, sizeof *s->shocks);
    if (!s->shocks)
        return loader_nomem(ld);
    s->n_shocks = sec->items;
    if ((rc = loader_each_item(ld, s, s->n_shocks, load_shock)) != 0)
        return rc;
    drop_late_shocks(s);
    /* Stable insertion sort by `at`: shocks at one instant keep file order. */
    for (size_t i = 1; i < s->n_shocks; i++) {
        scenario_shock x = s->shocks[i];
        size_t j = i;
        while (j > 0 && s->shocks[j - 1].at > x.at) {
            s->shocks[j] = s->shocks[j - 1];
            j--;
        }
        s->shocks[j] = x;
    }
    return 0;
}
