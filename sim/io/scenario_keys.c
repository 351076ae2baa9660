/*
 * scenario_keys: how the scenario loader gives keys to the models, and the
 * pieces of its messages (scenario_loader.h). A model owns its keys
 * through a param_key table; loader_apply_keys hands it every entry under
 * its path, parses values with param_parse, accepts mappings only where
 * the table has a section, and calls anything else an unknown key with
 * the nearest valid one ("did you mean"), looked for first among the keys
 * of the same section, then among all keys by their last part (a key
 * written in the wrong section).
 *
 * Also here: the names a scenario gives (scenario, venue, population) and
 * where relative paths are opened from. Every failure is placed at the
 * entry at fault (flat_fail_at); the messages are part of the interface
 * (tests assert them).
 */
#include "scenario_loader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suggest.h"

/* Room for a model's own message before it is placed. */
#define WHY_SIZE 320

char *loader_text_dup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* ---- messages ---------------------------------------------------------- */

int loader_nomem(loader *ld)
{
    return perr_set(ld->e, PERR_NOMEM, "%s: out of memory", ld->doc.file);
}

int loader_fail_checked(loader *ld, const perr *why, const entry *fallback)
{
    if (why->code == PERR_NOMEM)
        return perr_set(ld->e, PERR_NOMEM, "%s", why->msg);
    char key[FLAT_PATH_MAX];
    size_t klen = strcspn(why->msg, ": ");
    snprintf(key, sizeof key, "%.*s", (int)(klen < sizeof key ? klen : 0),
             why->msg);
    return flat_fail_at(&ld->doc, flat_place_of(&ld->doc, key, fallback),
                        "%s", why->msg);
}

const char *loader_scalar(loader *ld, const entry *en, const char *what)
{
    if (en->kind == FLAT_SCALAR && en->value[0])
        return en->value;
    flat_fail_at(&ld->doc, en, "%s: expected %s, got %s", en->path, what,
                 en->kind == FLAT_SCALAR ? "nothing" : flat_kind_word(en));
    return NULL;
}

int loader_optional_text(loader *ld, const char *path, const char *what,
                         entry **en, const char **text)
{
    *text = NULL;
    *en = flat_find(&ld->doc, path);
    if (!*en)
        return 0;
    (*en)->used = 1;
    *text = loader_scalar(ld, *en, what);
    return *text ? 0 : PERR_INVALID;
}

void loader_did_you_mean(const char *near, char *out, size_t size)
{
    if (near)
        snprintf(out, size, " (did you mean '%s'?)", near);
    else if (size)
        out[0] = '\0';
}

void loader_join_names(const char *const *names, size_t n, const char *last,
                       char *out, size_t size)
{
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s%s",
                 i == 0 ? "" : i + 1 == n ? last : ", ", names[i]);
    }
}

size_t loader_count_names(const char *const *names)
{
    size_t n = 0;
    while (names[n])
        n++;
    return n;
}

/* ---- names ------------------------------------------------------------- */

int loader_name_ok(const char *text, int dots)
{
    size_t n = strlen(text);
    if (n == 0 || n >= SCENARIO_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '-'
              || (dots && c == '.')))
            return 0;
    }
    return 1;
}

int loader_looks_like_path(const char *profile_text)
{
    size_t n = strlen(profile_text);
    return strchr(profile_text, '/') != NULL
           || (n > 5 && strcmp(profile_text + n - 5, ".yaml") == 0)
           || (n > 4 && strcmp(profile_text + n - 4, ".yml") == 0);
}

void loader_file_stem(const char *path, char *out, size_t size)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strcspn(base, ".");
    snprintf(out, size, "%.*s", (int)n, base);
}

void loader_default_venue_name(const char *profile_text, char *out,
                               size_t size)
{
    if (loader_looks_like_path(profile_text))
        loader_file_stem(profile_text, out, size);
    else
        snprintf(out, size, "%s", profile_text);
}

int loader_join_folder(loader *ld, const entry *en, const char *rel,
                       char *out, size_t size)
{
    int len = snprintf(out, size, "%s%s", rel[0] == '/' ? "" : ld->folder,
                       rel);
    if (len < 0 || (size_t)len >= size)
        return flat_fail_at(&ld->doc, en, "%s: the path is too long",
                            en->path);
    return 0;
}

/* ---- the models' keys -------------------------------------------------- */

int loader_is_section(const char *rel, const char *const *keys, size_t n)
{
    size_t len = strlen(rel);
    for (size_t i = 0; i < n; i++)
        if (strncmp(keys[i], rel, len) == 0 && keys[i][len] == '.')
            return 1;
    return 0;
}

int loader_unknown_key(loader *ld, const entry *en, const char *rel,
                       const char *const *keys, size_t n, const char *doc)
{
    char near[FLAT_PATH_MAX];
    suggest_key_path(rel, keys, n, near, sizeof near);
    if (near[0])
        return flat_fail_at(&ld->doc, en,
                            "%s: unknown key (did you mean '%s'?)", en->path,
                            near);
    return flat_fail_at(&ld->doc, en, "%s: unknown key (%s lists the keys)",
                        en->path, doc);
}

/* The names of a param table's keys and the extra ones, for suggestions. */
static size_t key_names(const param_key *keys, const char *const *extra,
                        const char **out, size_t max)
{
    size_t n = 0;
    for (const char *const *x = extra; x && *x && n < max; x++)
        out[n++] = *x;
    for (const param_key *k = keys; k && k->key && n < max; k++)
        out[n++] = k->key;
    return n;
}

int loader_parse_entry_by(loader *ld, const entry *en, const param_key *k,
                          void *params, loader_parse_fn parse)
{
    const char *what =
        k->type == PARAM_ENUM ? "a name" : param_type_what(k->type);
    const char *text = loader_scalar(ld, en, what);
    if (!text)
        return PERR_INVALID;
    char why[WHY_SIZE];
    if ((parse ? parse : param_parse)(k, text, params, why, sizeof why) == 0)
        return 0;
    char hint[96] = "";
    if (k->type == PARAM_ENUM)
        loader_did_you_mean(suggest_nearest(text, k->names,
                                            loader_count_names(k->names)),
                            hint, sizeof hint);
    return flat_fail_at(&ld->doc, en, "%s: %s%s", en->path, why, hint);
}

int loader_parse_entry(loader *ld, const entry *en, const param_key *k,
                       void *params)
{
    return loader_parse_entry_by(ld, en, k, params, NULL);
}

static int is_reserved(const char *rel, const char *const *reserved)
{
    for (const char *const *r = reserved; r && *r; r++)
        if (strcmp(rel, *r) == 0)
            return 1;
    return 0;
}

entry *loader_next_under(loader *ld, const char *prefix, size_t *i,
                         const char **rel)
{
    size_t plen = strlen(prefix);
    for (; *i < ld->doc.n; ++*i) {
        entry *en = &ld->doc.entries[*i];
        if (en->dead || strncmp(en->path, prefix, plen) != 0
            || en->path[plen] != '.')
            continue;
        ++*i;
        *rel = en->path + plen + 1;
        return en;
    }
    return NULL;
}

int loader_apply_keys(loader *ld, const char *prefix, const param_key *keys,
                      void *params, const char *const *reserved,
                      const char *doc)
{
    const char *names[96];
    size_t n = key_names(keys, reserved, names, 96);
    size_t i = 0;
    const char *rel;
    entry *en;
    while ((en = loader_next_under(ld, prefix, &i, &rel))) {
        if (is_reserved(rel, reserved))
            continue;
        en->used = 1;
        const param_key *k = param_find(keys, rel);
        if (k) {
            int rc = loader_parse_entry(ld, en, k, params);
            if (rc != 0)
                return rc;
            continue;
        }
        if (loader_is_section(rel, names, n)) {
            int rc = loader_expect_map(ld, en, "of keys");
            if (rc != 0)
                return rc;
            continue;
        }
        return loader_unknown_key(ld, en, rel, names, n, doc);
    }
    return 0;
}

int loader_parse_optional(loader *ld, const char *path, param_type t,
                          void *value, entry **found)
{
    entry *en = flat_find(&ld->doc, path);
    if (found)
        *found = en;
    if (!en)
        return 0;
    en->used = 1;
    param_key k = {path, t, 0, NULL, NULL};
    return loader_parse_entry(ld, en, &k, value);
}

void loader_format_value(param_type t, const void *value, char *out,
                         size_t size)
{
    param_key k = {"", t, 0, NULL, NULL};
    param_format(&k, value, out, size);
}

int loader_section(loader *ld, const char *key, int kind, entry **out)
{
    entry *en = flat_find(&ld->doc, key);
    *out = en;
    if (!en)
        return 0;
    en->used = 1;
    if (en->kind == kind)
        return 0;
    return flat_fail_at(&ld->doc, en, "%s: expected %s, got %s", key,
                        kind == FLAT_MAP ? "a mapping of keys" : "a list",
                        flat_kind_word(en));
}

int loader_each_item(loader *ld, scenario *s, size_t n,
                     int (*load)(loader *ld, scenario *s, size_t i))
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = load(ld, s, i);
    return rc;
}

int loader_list_item(loader *ld, const char *list, size_t i,
                     const char *what, entry **out)
{
    char path[64];
    snprintf(path, sizeof path, "%s[%zu]", list, i);
    entry *en = flat_find(&ld->doc, path);
    *out = en;
    en->used = 1;
    return loader_expect_map(ld, en, what);
}

int loader_expect_map(loader *ld, const entry *en, const char *what)
{
    if (en->kind == FLAT_MAP)
        return 0;
    return flat_fail_at(&ld->doc, en, "%s: expected a mapping %s, got %s",
                        en->path, what, flat_kind_word(en));
}
