/*
 * scenario_sections: step 3 of loading a scenario for the top-level keys
 * and the sections but shocks (scenario_loader.h; scenario_shocks.c reads
 * those): name, seed, start, duration; output; index; venues with their
 * profiles and overrides; populations with their kinds' keys; expect.
 *
 * Each reader takes the entries under its path in file order, marks them
 * used, fills its part of the scenario with the documented defaults
 * (scenarios/README.md), and runs the model's check; a check's message is
 * placed at the entry of the key it names. Venues are read before
 * populations, shocks and expectations, which name them.
 */
#include "scenario_loader.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile_yaml.h"
#include "scenario_load.h"
#include "suggest.h"
#include "summary.h"
#include "utc.h"
#include "world.h"

/* ---- the top level ----------------------------------------------------- */

static const char *const top_keys[] = {
    "name",   "seed",        "start",  "duration", "output",
    "index",  "venues",      "populations", "shocks", "expect",
};
enum { TOP_KEYS = sizeof top_keys / sizeof top_keys[0] };

int loader_check_top_keys(loader *ld)
{
    for (size_t i = 0; i < ld->doc.n; i++) {
        entry *en = &ld->doc.entries[i];
        if (en->dead)
            continue;
        char first[FLAT_PATH_MAX];
        snprintf(first, sizeof first, "%.*s", (int)strcspn(en->path, ".["),
                 en->path);
        size_t k = 0;
        while (k < TOP_KEYS && strcmp(top_keys[k], first) != 0)
            k++;
        if (k == TOP_KEYS) {
            char hint[96];
            loader_did_you_mean(suggest_nearest(first, top_keys, TOP_KEYS),
                                hint, sizeof hint);
            entry at = *en;
            at.path = first;
            if (hint[0])
                return flat_fail_at(&ld->doc, &at, "%s: unknown key%s",
                                    first, hint);
            return flat_fail_at(&ld->doc, &at,
                                "%s: unknown key (scenarios/README.md "
                                "lists the keys)",
                                first);
        }
    }
    return 0;
}

/* Refuses text, the name at path (placed at en), unless it is one of
 * letters, digits, '_' and '-' (and '.', when dots) of 1 to
 * SCENARIO_NAME_MAX - 1 bytes; note ends the message. */
static int check_name(loader *ld, const entry *en, const char *path,
                      const char *text, int dots, const char *note)
{
    if (loader_name_ok(text, dots))
        return 0;
    return flat_fail_at(&ld->doc, en,
                        "%s: expected a name of letters, digits, %s'_' and "
                        "'-' (1 to %d bytes), got \"%.80s\"%s",
                        path, dots ? "'.', " : "", SCENARIO_NAME_MAX - 1, text,
                        note);
}

/* name: the file's stem unless stated. */
static int read_name(loader *ld, scenario *s)
{
    entry *en;
    const char *text;
    int rc = loader_optional_text(ld, "name", "a name", &en, &text);
    if (rc != 0)
        return rc;
    if (text) {
        if ((rc = check_name(ld, en, "name", text, 1, "")) != 0)
            return rc;
        snprintf(s->name, sizeof s->name, "%s", text);
        return 0;
    }
    char stem[PARAM_TEXT_MAX];
    loader_file_stem(ld->doc.file, stem, sizeof stem);
    snprintf(s->name, sizeof s->name, "%.*s", SCENARIO_NAME_MAX - 1,
             stem[0] ? stem : "scenario");
    for (char *c = s->name; *c; c++)
        if (!loader_name_ok((char[]){*c, '\0'}, 1))
            *c = '_';
    return 0;
}

int loader_read_top(loader *ld, scenario *s)
{
    entry *en;
    int rc;
    if ((rc = read_name(ld, s)) != 0)
        return rc;
    s->seed = 1;
    if ((rc = loader_parse_optional(ld, "seed", PARAM_SEED, &s->seed, NULL))
        != 0)
        return rc;
    utc_parse("2025-01-01T00:00:00Z", &s->start_utc_ms);
    const char *text;
    if ((rc = loader_optional_text(ld, "start",
                                   "a UTC instant such as "
                                   "2025-07-10T00:00:00Z",
                                   &en, &text))
        != 0)
        return rc;
    if (text) {
        if (utc_parse(text, &s->start_utc_ms) != 0)
            return flat_fail_at(&ld->doc, en,
                                "start: expected a UTC instant such as "
                                "2025-07-10T00:00:00Z (1970 to 9999), got "
                                "\"%.60s\"",
                                text);
    }
    s->duration_ms = 3600000;
    if ((rc = loader_parse_optional(ld, "duration", PARAM_DURATION,
                                    &s->duration_ms, &en))
        != 0)
        return rc;
    if (s->duration_ms <= 0) {
        char d[32];
        loader_format_value(PARAM_DURATION, &s->duration_ms, d, sizeof d);
        return flat_fail_at(&ld->doc, en, "duration: must be > 0 (got %s)",
                            d);
    }
    return 0;
}

/* ---- output and index -------------------------------------------------- */

#define OUTPUT_KEY(key, type, member, unit)                                   \
    {key, type, offsetof(scenario_output, member), unit, NULL}

const param_key loader_output_keys[] = {
    OUTPUT_KEY("every", PARAM_DURATION, every_ms, "ms"),
    OUTPUT_KEY("zscore_window", PARAM_DURATION, zscore_window_ms, "ms"),
    OUTPUT_KEY("trades", PARAM_BOOL, trades, NULL),
    PARAM_END,
};

int loader_read_output(loader *ld, scenario *s)
{
    entry *sec;
    int rc = loader_section(ld, "output", FLAT_MAP, &sec);
    if (rc != 0)
        return rc;
    scenario_output *o = &s->output;
    o->every_ms = 1000;
    o->zscore_window_ms = 30 * 60000;
    o->trades = 0;
    if ((rc = loader_apply_keys(ld, "output", loader_output_keys, o, NULL,
                                "scenarios/README.md"))
        != 0)
        return rc;
    char a[32], b[32];
    loader_format_value(PARAM_DURATION, &o->every_ms, a, sizeof a);
    loader_format_value(PARAM_DURATION, &s->duration_ms, b, sizeof b);
    if (o->every_ms <= 0 || o->every_ms > s->duration_ms)
        return flat_fail_at(&ld->doc,
                            flat_place_of(&ld->doc, "output.every", sec),
                            "output.every: must be > 0 and at most the "
                            "duration, %s (got %s)",
                            b, a);
    if (o->zscore_window_ms < o->every_ms) {
        loader_format_value(PARAM_DURATION, &o->zscore_window_ms, b,
                            sizeof b);
        return flat_fail_at(&ld->doc,
                            flat_place_of(&ld->doc, "output.zscore_window",
                                          sec),
                            "output.zscore_window: must be at least "
                            "output.every, %s (got %s)",
                            a, b);
    }
    return 0;
}

int loader_read_index(loader *ld, scenario *s, index_keyed *kx)
{
    entry *sec;
    int rc = loader_section(ld, "index", FLAT_MAP, &sec);
    if (rc != 0)
        return rc;
    index_params_default(&kx->params);
    kx->file[0] = '\0';
    if ((rc = loader_apply_keys(ld, "index", index_param_keys, kx, NULL,
                                "models/README.md"))
        != 0)
        return rc;
    s->index = kx->params;
    s->index.seed = s->seed;
    s->index.start_utc_ms = s->start_utc_ms;
    s->index.file = NULL;
    if (kx->file[0]) {
        char path[PARAM_TEXT_MAX];
        const entry *at = flat_place_of(&ld->doc, "index.file", sec);
        if ((rc = loader_join_folder(ld, at, kx->file, path, sizeof path))
            != 0)
            return rc;
        char *copy = loader_text_dup(path, strlen(path));
        if (!copy)
            return loader_nomem(ld);
        s->index.file = copy;
    }
    perr why;
    perr_clear(&why);
    if (index_check(&s->index, &why) != 0)
        return loader_fail_checked(ld, &why, sec);
    /* Build the process once, as a run would before its first event, so
     * that what only creating it finds (a replay's klines file missing,
     * malformed or ending before the start) is reported here, at the key
     * that named it, by validate and before a sweep starts anything. */
    index_process *probe = index_new(&s->index, &why);
    if (!probe) {
        if (why.code == PERR_NOMEM)
            return loader_fail_checked(ld, &why, sec);
        const char *key = s->index.file ? "index.file" : "index";
        return flat_fail_at(&ld->doc, flat_place_of(&ld->doc, key, sec),
                            "%s: %s", key, why.msg);
    }
    index_free(probe);
    return 0;
}

/* ---- lists of items ---------------------------------------------------- */

/* The list section key, required with at least one item (what names one:
 * "venue"); *sec is its entry. */
/* The list key, required to hold at least one what: an array for its items,
 * zeroed, of size bytes each, *n of them; NULL, with the failure in *rc,
 * when the list is missing or empty or memory runs out. */
static void *required_items(loader *ld, const char *key, const char *what,
                            size_t size, size_t *n, int *rc)
{
    entry *sec;
    if ((*rc = loader_section(ld, key, FLAT_LIST, &sec)) != 0)
        return NULL;
    if (!sec)
        *rc = flat_fail_at(&ld->doc, NULL,
                           "%s: required key missing (a list of at least "
                           "one %s)",
                           key, what);
    else if (sec->items == 0)
        *rc = flat_fail_at(&ld->doc, sec, "%s: at least one %s is required",
                           key, what);
    if (*rc != 0)
        return NULL;
    void *items = calloc(sec->items, size);
    if (!items) {
        *rc = loader_nomem(ld);
        return NULL;
    }
    *n = sec->items;
    return items;
}

/* The venues' names (the first 64) into names; how many. */
static size_t venue_names(const scenario *s, const char **names)
{
    size_t n = s->n_venues < 64 ? s->n_venues : 64;
    for (size_t i = 0; i < n; i++)
        names[i] = s->venues[i].name;
    return n;
}

/* For a name that is no venue's: the nearest venue as a hint, and the
 * list of the venues. */
static void no_such_venue(const scenario *s, const char *name, char *hint,
                          size_t hint_size, char *list, size_t list_size)
{
    const char *names[64];
    size_t n = venue_names(s, names);
    loader_did_you_mean(suggest_nearest(name, names, n), hint, hint_size);
    loader_join_names(names, n, " and ", list, list_size);
}

/* ---- venues ------------------------------------------------------------ */

/* Whether a mapping or list at rel under a venue is one a profile holds:
 * a section of its keys, margin.brackets, or one bracket. */
static int venue_container(loader *ld, const entry *en, const char *rel,
                           const profile *p)
{
    const char *const *keys = profile_yaml_keys();
    size_t n = loader_count_names(keys);
    if (strcmp(rel, "margin.brackets") == 0) {
        if (en->kind == FLAT_LIST)
            return 0;
        return flat_fail_at(&ld->doc, en,
                            "%s: expected a list of brackets, got %s",
                            en->path, flat_kind_word(en));
    }
    unsigned idx;
    int used = 0;
    if (sscanf(rel, "margin.brackets[%u]%n", &idx, &used) == 1
        && rel[used] == '\0')
        return loader_expect_map(ld, en, "{cap, mmr, max_leverage}");
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i], rel) == 0)
            return flat_fail_at(&ld->doc, en,
                                "%s: expected a single value, got %s",
                                en->path, flat_kind_word(en));
    if (loader_is_section(rel, keys, n))
        return loader_expect_map(ld, en, "of keys");
    /* Not a key: profile_set says so and suggests one. */
    profile scratch = *p;
    perr why;
    perr_clear(&why);
    if (profile_set(&scratch, rel, "0", &why) == 0)
        return flat_fail_at(&ld->doc, en,
                            "%s: expected a single value, got %s", en->path,
                            flat_kind_word(en));
    size_t vlen = strcspn(en->path, ".");
    return flat_fail_at(&ld->doc, en, "%.*s.%s", (int)vlen, en->path,
                        why.msg);
}

/* A venue's profile from a profile file, opened under the scenario's
 * folder. */
static int load_profile_file(loader *ld, scenario_venue *v, const entry *at,
                             const char *text, size_t i)
{
    char path[PARAM_TEXT_MAX];
    int rc = loader_join_folder(ld, at, text, path, sizeof path);
    if (rc != 0)
        return rc;
    perr why;
    perr_clear(&why);
    rc = profile_load_file(path, &v->profile, &why);
    if (rc == PERR_INVALID) /* its message names the profile file's place */
        return perr_set(ld->e, rc, "%s", why.msg);
    if (rc == PERR_NOMEM)
        return perr_set(ld->e, rc, "%s", why.msg);
    if (rc != 0)
        return flat_fail_at(&ld->doc, at,
                            "venues[%zu].profile: cannot read the profile "
                            "file %s",
                            i, why.msg);
    return 0;
}

static int load_profile(loader *ld, scenario_venue *v, const entry *at,
                        const char *text, size_t i)
{
    if (strlen(text) >= sizeof v->profile_name)
        return flat_fail_at(&ld->doc, at, "%s: the path is too long",
                            at->path);
    snprintf(v->profile_name, sizeof v->profile_name, "%s", text);
    if (loader_looks_like_path(text))
        return load_profile_file(ld, v, at, text, i);
    const profile *builtin = profile_builtin(text);
    if (!builtin) {
        const char *const *names = profile_builtin_names();
        size_t n = loader_count_names(names);
        char hint[96], list[256];
        loader_did_you_mean(suggest_nearest(text, names, n), hint,
                            sizeof hint);
        loader_join_names(names, n, " and ", list, sizeof list);
        return flat_fail_at(&ld->doc, at,
                            "venues[%zu].profile: unknown profile '%s'%s; "
                            "the built-in profiles are %s, or give the path "
                            "of a profile file",
                            i, text, hint, list);
    }
    v->profile = *builtin;
    return 0;
}

/* venues[i].name, or the profile's name; unique among the venues before
 * it. profile_text is the venue's `profile:` at pe. */
static int load_venue_name(loader *ld, scenario *s, size_t i,
                           const entry *item, const entry *pe,
                           const char *profile_text)
{
    char path[64];
    snprintf(path, sizeof path, "venues[%zu].name", i);
    entry *ne;
    const char *t;
    int rc = loader_optional_text(ld, path, "a name", &ne, &t);
    if (rc != 0)
        return rc;
    char name[PARAM_TEXT_MAX];
    if (t) {
        snprintf(name, sizeof name, "%s", t);
    } else {
        loader_default_venue_name(profile_text, name, sizeof name);
    }
    if ((rc = check_name(ld, ne ? ne : pe, path, name, 0,
                         ne ? "" : " (from the profile; state name:)"))
        != 0)
        return rc;
    for (size_t j = 0; j < i; j++)
        if (strcmp(s->venues[j].name, name) == 0)
            return flat_fail_at(&ld->doc, ne ? ne : item,
                                "%s: venues[%zu] is already named '%s'", path,
                                j, name);
    snprintf(s->venues[i].name, sizeof s->venues[i].name, "%.*s",
             SCENARIO_NAME_MAX - 1, name);
    return 0;
}

/* The profile's overrides under venues[i], in the order written, then the
 * profile's check. */
static int load_venue_overrides(loader *ld, scenario_venue *v, size_t i,
                                const entry *item)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "venues[%zu]", i);
    size_t k = 0;
    const char *rel;
    entry *en;
    while ((en = loader_next_under(ld, prefix, &k, &rel))) {
        if (strcmp(rel, "name") == 0 || strcmp(rel, "profile") == 0)
            continue;
        en->used = 1;
        int rc;
        if (strncmp(rel, "policies", 8) == 0
            && (rel[8] == '\0' || rel[8] == '.')) {
            if ((rc = loader_venue_policy(ld, v, en, rel)) != 0)
                return rc;
            continue;
        }
        if (en->kind != FLAT_SCALAR) {
            if ((rc = venue_container(ld, en, rel, &v->profile)) != 0)
                return rc;
            continue;
        }
        const char *value = loader_scalar(ld, en, "a value");
        if (!value)
            return PERR_INVALID;
        perr why;
        perr_clear(&why);
        if (profile_set(&v->profile, rel, value, &why) != 0)
            return flat_fail_at(&ld->doc, en, "%s.%s", prefix, why.msg);
    }
    perr why;
    perr_clear(&why);
    if (profile_check_fields(&v->profile, &why) != 0) {
        perr placed = why;
        snprintf(placed.msg, sizeof placed.msg, "%s.%.*s", prefix,
                 (int)(sizeof placed.msg - sizeof prefix - 1), why.msg);
        return loader_fail_checked(ld, &placed, item);
    }
    return loader_check_venue_policies(ld, v, i, item);
}

static int load_venue(loader *ld, scenario *s, size_t i)
{
    entry *item;
    int rc = loader_list_item(ld, "venues", i, "{name, profile, ...}", &item);
    if (rc != 0)
        return rc;
    scenario_venue *v = &s->venues[i];
    char path[64];
    snprintf(path, sizeof path, "venues[%zu].profile", i);
    entry *pe = flat_find(&ld->doc, path);
    if (!pe)
        return flat_fail_at(&ld->doc, item,
                            "%s: required key missing (a built-in profile "
                            "such as binance, or the path of a profile "
                            "file)",
                            path);
    pe->used = 1;
    const char *text = loader_scalar(ld, pe, "a profile name or path");
    if (!text)
        return PERR_INVALID;
    if ((rc = load_profile(ld, v, pe, text, i)) != 0
        || (rc = load_venue_name(ld, s, i, item, pe, text)) != 0)
        return rc;
    return load_venue_overrides(ld, v, i, item);
}

int loader_read_venues(loader *ld, scenario *s)
{
    int rc;
    s->venues = required_items(ld, "venues", "venue", sizeof *s->venues,
                               &s->n_venues, &rc);
    if (!s->venues)
        return rc;
    return loader_each_item(ld, s, s->n_venues, load_venue);
}

int loader_venue_ref(loader *ld, const scenario *s, const char *path,
                     const entry *item, int required, int32_t *out)
{
    entry *en = flat_find(&ld->doc, path);
    if (!en) {
        if (!required) {
            *out = -1;
            return 0;
        }
        if (s->n_venues == 1) {
            *out = 0;
            return 0;
        }
        const char *names[64];
        char list[256];
        loader_join_names(names, venue_names(s, names), " and ", list,
                          sizeof list);
        return flat_fail_at(&ld->doc, item,
                            "%s: required key missing (the scenario has %zu "
                            "venues: %s)",
                            path, s->n_venues, list);
    }
    en->used = 1;
    const char *text = loader_scalar(ld, en, "a venue name");
    if (!text)
        return PERR_INVALID;
    int v = scenario_venue_index(s, text);
    if (v >= 0) {
        *out = v;
        return 0;
    }
    char hint[96], list[256];
    no_such_venue(s, text, hint, sizeof hint, list, sizeof list);
    return flat_fail_at(&ld->doc, en,
                        "%s: no venue named '%s'%s; the venues are %s", path,
                        text, hint, list);
}

/* ---- populations ------------------------------------------------------- */

static const char *const population_reserved[] = {"kind", "venue",
                                                  "other_venue", "name", NULL};

/* populations[i].kind, from agent.h's registry. */
static int load_population_kind(loader *ld, scenario_population *pop,
                                const entry *item)
{
    char path[64];
    snprintf(path, sizeof path, "%s.kind", pop->key_prefix);
    entry *ke = flat_find(&ld->doc, path);
    if (!ke)
        return flat_fail_at(&ld->doc, item, "%s: required key missing", path);
    ke->used = 1;
    const char *kind = loader_scalar(ld, ke, "a kind of population");
    if (!kind)
        return PERR_INVALID;
    pop->kind = agent_kind_find(kind);
    if (pop->kind)
        return 0;
    const char *names[64];
    size_t n = 0;
    for (const agent_kind *const *k = agent_kinds(); *k && n < 64; k++)
        names[n++] = (*k)->kind;
    char hint[96], list[512];
    loader_did_you_mean(suggest_nearest(kind, names, n), hint, sizeof hint);
    loader_join_names(names, n, " and ", list, sizeof list);
    return flat_fail_at(&ld->doc, ke,
                        "%s: unknown kind '%s'%s; the kinds are %s", path,
                        kind, hint, list);
}

/* populations[i].venue and, for two-venue kinds, .other_venue. */
static int load_population_venues(loader *ld, const scenario *s,
                                  scenario_population *pop,
                                  const entry *item)
{
    const agent_kind *k = pop->kind;
    char path[64];
    int32_t on;
    snprintf(path, sizeof path, "%s.venue", pop->key_prefix);
    int rc = loader_venue_ref(ld, s, path, item, 1, &on);
    if (rc != 0)
        return rc;
    pop->venue = (uint32_t)on;
    snprintf(path, sizeof path, "%s.other_venue", pop->key_prefix);
    entry *oe = flat_find(&ld->doc, path);
    pop->other_venue = -1;
    if (k->two_venues) {
        if (!oe)
            return flat_fail_at(&ld->doc, item,
                                "%s: required key missing (%s trades on two "
                                "venues)",
                                path, k->kind);
        if ((rc = loader_venue_ref(ld, s, path, item, 0, &pop->other_venue))
            != 0)
            return rc;
        if (pop->other_venue == on)
            return flat_fail_at(&ld->doc, oe,
                                "%s: must differ from venue (both are '%s')",
                                path, s->venues[on].name);
    } else if (oe) {
        oe->used = 1;
        return flat_fail_at(&ld->doc, oe,
                            "%s: only for kinds that trade on two venues (%s "
                            "trades on one)",
                            path, k->kind);
    }
    return 0;
}

/* populations[i].name, or "<kind>-<i>"; unique among the populations
 * before it. */
static int load_population_name(loader *ld, scenario *s, size_t i,
                                const entry *item)
{
    scenario_population *pop = &s->populations[i];
    char path[64];
    snprintf(path, sizeof path, "%s.name", pop->key_prefix);
    entry *ne;
    const char *t;
    int rc = loader_optional_text(ld, path, "a name", &ne, &t);
    if (rc != 0)
        return rc;
    if (t) {
        if ((rc = check_name(ld, ne, path, t, 0, "")) != 0)
            return rc;
        snprintf(pop->name, sizeof pop->name, "%s", t);
    } else {
        snprintf(pop->name, sizeof pop->name, "%.40s-%zu", pop->kind->kind,
                 i);
    }
    for (size_t j = 0; j < i; j++)
        if (strcmp(s->populations[j].name, pop->name) == 0)
            return flat_fail_at(&ld->doc, ne ? ne : item,
                                "%s: populations[%zu] is already named '%s' "
                                "(a population's random streams derive from "
                                "its name)",
                                path, j, pop->name);
    return 0;
}

static int load_population(loader *ld, scenario *s, size_t i)
{
    entry *item;
    int rc = loader_list_item(ld, "populations", i,
                              "{kind, venue, name, <the kind's keys>}",
                              &item);
    if (rc != 0)
        return rc;
    scenario_population *pop = &s->populations[i];
    snprintf(pop->key_prefix, sizeof pop->key_prefix, "populations[%zu]", i);
    if ((rc = load_population_kind(ld, pop, item)) != 0
        || (rc = load_population_venues(ld, s, pop, item)) != 0
        || (rc = load_population_name(ld, s, i, item)) != 0)
        return rc;
    const agent_kind *k = pop->kind;
    pop->params = calloc(1, k->params_size);
    if (!pop->params)
        return loader_nomem(ld);
    agent_kind_defaults(k, pop->params);
    if ((rc = loader_apply_keys(ld, pop->key_prefix, k->keys, pop->params,
                                population_reserved, "models/README.md"))
        != 0)
        return rc;
    perr why;
    perr_clear(&why);
    if (agent_kind_check(k, pop->params, &s->venues[pop->venue].profile,
                         pop->key_prefix, &why)
        != 0)
        return loader_fail_checked(ld, &why, item);
    return 0;
}

/* The populations on each venue fit its ledger (WORLD_VENUE_AGENTS_MAX),
 * as world_new would find: the error is at the count that crosses the
 * limit. */
static int check_venue_agents(loader *ld, const scenario *s,
                              const entry *sec)
{
    for (size_t v = 0; v < s->n_venues; v++) {
        uint64_t total = 0;
        for (size_t k = 0; k < s->n_populations; k++) {
            uint64_t n = world_population_agents_on(s, k, v);
            total += n;
            if (n == 0 || total <= WORLD_VENUE_AGENTS_MAX)
                continue;
            char key[64];
            snprintf(key, sizeof key, "populations[%zu].count", k);
            return flat_fail_at(&ld->doc, flat_place_of(&ld->doc, key, sec),
                                "%s: the populations on venue '%s' come to "
                                "%llu agents here; a venue holds at most "
                                "%llu",
                                key, s->venues[v].name,
                                (unsigned long long)total,
                                (unsigned long long)WORLD_VENUE_AGENTS_MAX);
        }
    }
    return 0;
}

int loader_read_populations(loader *ld, scenario *s)
{
    int rc;
    s->populations = required_items(ld, "populations", "population",
                                    sizeof *s->populations,
                                    &s->n_populations, &rc);
    if (!s->populations)
        return rc;
    if ((rc = loader_each_item(ld, s, s->n_populations, load_population))
        != 0)
        return rc;
    return check_venue_agents(ld, s, flat_find(&ld->doc, "populations"));
}

/* ---- expectations ------------------------------------------------------ */

static int load_expect_item(loader *ld, const char *path, double *out)
{
    entry *en = flat_find(&ld->doc, path);
    en->used = 1;
    param_key k = {path, PARAM_DOUBLE, 0, NULL, NULL};
    return loader_parse_entry(ld, en, &k, out);
}

int scenario_metric_problem(const scenario *s, const char *metric, char *why,
                            size_t size)
{
    if (strlen(metric) >= sizeof s->expects[0].metric) {
        snprintf(why, size, "the metric's name is too long");
        return 1;
    }
    const char *dot = strchr(metric, '.');
    char vname[SCENARIO_NAME_MAX + 1];
    size_t vlen = dot ? (size_t)(dot - metric) : strlen(metric);
    snprintf(vname, sizeof vname, "%.*s",
             (int)(vlen < SCENARIO_NAME_MAX ? vlen : SCENARIO_NAME_MAX),
             metric);
    if (scenario_venue_index(s, vname) < 0) {
        char hint[96], list[256];
        no_such_venue(s, vname, hint, sizeof hint, list, sizeof list);
        snprintf(why, size,
                 "no venue named '%s'%s; a metric is <venue>.<metric>, and "
                 "the venues are %s",
                 vname, hint, list);
        return 1;
    }
    if (!dot || !summary_metric_known(dot + 1)) {
        const char *const *names = summary_event_metric_names();
        char hint[128];
        loader_did_you_mean(dot ? suggest_nearest(dot + 1, names,
                                                  loader_count_names(names))
                                : NULL,
                            hint, sizeof hint);
        snprintf(why, size,
                 "unknown metric '%s'%s (sim/engine/summary.h and "
                 "scenarios/README.md list the metrics)",
                 dot ? dot + 1 : "", hint);
        return 1;
    }
    return 0;
}

/* expect.<metric> at en: a range [low, high] of a known metric. */
static int load_expect(loader *ld, scenario *s, entry *en)
{
    const char *metric = en->path + 7;
    if (en->kind != FLAT_LIST || en->items != 2) {
        if (en->kind == FLAT_LIST)
            return flat_fail_at(&ld->doc, en,
                                "%s: expected a range [low, high], got a "
                                "list of %zu",
                                en->path, en->items);
        return flat_fail_at(&ld->doc, en,
                            "%s: expected a range [low, high], got %s",
                            en->path,
                            en->kind == FLAT_SCALAR ? "a single value"
                                                    : flat_kind_word(en));
    }
    char why[512];
    if (scenario_metric_problem(s, metric, why, sizeof why))
        return flat_fail_at(&ld->doc, en, "%s: %s", en->path, why);
    int rc = 0;
    scenario_expect *x = &s->expects[s->n_expects];
    snprintf(x->metric, sizeof x->metric, "%s", metric);
    char item[FLAT_PATH_MAX + 4];
    snprintf(item, sizeof item, "%s[0]", en->path);
    if ((rc = load_expect_item(ld, item, &x->low)) != 0)
        return rc;
    snprintf(item, sizeof item, "%s[1]", en->path);
    if ((rc = load_expect_item(ld, item, &x->high)) != 0)
        return rc;
    if (!(x->low <= x->high))
        return flat_fail_at(&ld->doc, en,
                            "%s: low must be <= high (got [%g, %g])",
                            en->path, x->low, x->high);
    s->n_expects++;
    return 0;
}

int loader_read_expects(loader *ld, scenario *s)
{
    entry *sec;
    int rc = loader_section(ld, "expect", FLAT_MAP, &sec);
    if (rc != 0)
        return rc; /* with no section, a --set may still have added one */
    size_t n = 0;
    for (size_t i = 0; i < ld->doc.n; i++)
        n += !ld->doc.entries[i].dead
             && strncmp(ld->doc.entries[i].path, "expect.", 7) == 0;
    if (n == 0)
        return 0;
    s->expects = calloc(n, sizeof *s->expects);
    if (!s->expects)
        return loader_nomem(ld);
    for (size_t i = 0; i < ld->doc.n; i++) {
        entry *en = &ld->doc.entries[i];
        if (en->dead || en->used || strncmp(en->path, "expect.", 7) != 0)
            continue;
        if (strchr(en->path + 7, '['))
            continue; /* an item of no range: an unknown key at the end */
        en->used = 1;
        if ((rc = load_expect(ld, s, en)) != 0)
            return rc;
    }
    return 0;
}
