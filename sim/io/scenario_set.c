/*
 * scenario_set: step 2 of loading a scenario, the overrides
 * (scenario_loader.h). Each `--set key.path=value` (or a sweep's point,
 * placed at the sweep file's line) edits the flat list before any model
 * sees it:
 *
 *   - a key the file states is replaced in place, keeping its order; a
 *     mapping or list cannot be replaced whole, but `expect.METRIC=[low,
 *     high]` replaces a range and its two items;
 *   - a key the file does not state is added at the end, for its section
 *     to take (or to fail as unknown there, with a suggestion);
 *   - `venues.NAME.rest` is rewritten as `venues[i].rest`;
 *   - an index "[N]" must name an item the file has: an override adds
 *     keys, never list items.
 *
 * A replaced entry is marked dead, never freed before the end, and an
 * entry an override wrote has no line: it is placed as "--set KEY" or at
 * its origin.
 */
#include "scenario_loader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suggest.h"

/* Fails the override being applied: "--set MSG", or "ORIGIN: MSG" for one
 * that came from a file (a sweep's). MSG starts with the key. */
static int set_fail(loader *ld, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int set_fail(loader *ld, const char *fmt, ...)
{
    char msg[sizeof ld->e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (ld->origin)
        return perr_set(ld->e, PERR_INVALID, "%s: %s", ld->origin, msg);
    return perr_set(ld->e, PERR_INVALID, "--set %s", msg);
}

/* Checks each "[N]" of a --set key: the list must be in the scenario and
 * hold item N (a --set adds keys, never list items). A list under a venue
 * that the file does not state is the profile's (margin.brackets), which
 * profile_set checks. */
static int check_set_indices(loader *ld, const char *key)
{
    for (const char *br = strchr(key, '['); br; br = strchr(br + 1, '[')) {
        char container[FLAT_PATH_MAX];
        snprintf(container, sizeof container, "%.*s", (int)(br - key), key);
        char *end;
        errno = 0;
        unsigned long idx = strtoul(br + 1, &end, 10);
        if (end == br + 1 || *end != ']' || errno || br[1] == '-'
            || br[1] == '+')
            return set_fail(ld, "%s: expected a list index such as [0]",
                            key);
        const entry *list = flat_find(&ld->doc, container);
        if (!list) {
            if (strncmp(container, "venues[", 7) == 0)
                continue;
            return set_fail(ld, "%s: the scenario has no list %s", key,
                            container);
        }
        if (list->kind != FLAT_LIST)
            return set_fail(ld, "%s: %s is %s, not a list", key, container,
                            flat_kind_word(list));
        if (idx >= list->items) {
            if (list->items == 0)
                return set_fail(ld,
                                "%s: %s is empty; a --set cannot add "
                                "an item",
                                key, container);
            return set_fail(ld,
                            "%s: %s has items [0] to [%zu]; a --set "
                            "cannot add one",
                            key, container, list->items - 1);
        }
    }
    return 0;
}

/* The name of venues[i] as the entries state it now ("" if none). */
static void entry_venue_name(loader *ld, size_t i, char *out, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "venues[%zu].name", i);
    const entry *en = flat_find(&ld->doc, path);
    if (en && en->kind == FLAT_SCALAR) {
        snprintf(out, size, "%s", en->value);
        return;
    }
    snprintf(path, sizeof path, "venues[%zu].profile", i);
    en = flat_find(&ld->doc, path);
    if (en && en->kind == FLAT_SCALAR)
        loader_default_venue_name(en->value, out, size);
    else if (size)
        out[0] = '\0';
}

/* Rewrites "venues.NAME.rest" as "venues[i].rest" (scenarios/README.md,
 * "Overrides": a venue by its name). */
static int venue_by_name(loader *ld, const char *key, char *out, size_t size)
{
    const char *name = key + strlen("venues.");
    size_t nlen = strcspn(name, ".");
    const entry *list = flat_find(&ld->doc, "venues");
    size_t n = list && list->kind == FLAT_LIST ? list->items : 0;
    const char *names[64];
    char buf[64][SCENARIO_NAME_MAX];
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        char vn[SCENARIO_NAME_MAX];
        entry_venue_name(ld, i, vn, sizeof vn);
        if (strlen(vn) == nlen && strncmp(vn, name, nlen) == 0) {
            int len = snprintf(out, size, "venues[%zu]%s", i, name + nlen);
            if (len < 0 || (size_t)len >= size)
                return set_fail(ld, "%s: key path too long", key);
            return 0;
        }
        if (shown < 64) {
            snprintf(buf[shown], sizeof buf[shown], "%s", vn);
            names[shown] = buf[shown];
            shown++;
        }
    }
    char want[SCENARIO_NAME_MAX];
    snprintf(want, sizeof want, "%.*s", (int)nlen, name);
    char hint[96], list_text[256];
    loader_did_you_mean(suggest_nearest(want, names, shown), hint,
                        sizeof hint);
    loader_join_names(names, shown, " and ", list_text, sizeof list_text);
    return set_fail(ld, "%s: no venue named '%s'%s; the venues are %s", key,
                    want, hint, shown ? list_text : "none");
}

/* "[low, high]" into its two texts. */
static int split_range(const char *value, char *low, char *high, size_t size)
{
    size_t n = strlen(value);
    if (n < 2 || value[0] != '[' || value[n - 1] != ']')
        return -1;
    const char *comma = strchr(value, ',');
    if (!comma || strchr(comma + 1, ','))
        return -1;
    const char *a = value + 1, *b = comma + 1;
    while (*a == ' ')
        a++;
    while (*b == ' ')
        b++;
    size_t alen = (size_t)(comma - a), blen = (size_t)(value + n - 1 - b);
    while (alen && a[alen - 1] == ' ')
        alen--;
    while (blen && b[blen - 1] == ' ')
        blen--;
    if (!alen || !blen || alen >= size || blen >= size)
        return -1;
    snprintf(low, size, "%.*s", (int)alen, a);
    snprintf(high, size, "%.*s", (int)blen, b);
    return 0;
}

/* Adds an entry of the override being applied, placed where it came
 * from. */
static entry *add_set_entry(loader *ld, const char *path, const char *value,
                            int kind, size_t items)
{
    entry *en = flat_add(&ld->doc, path, value, kind, items, 0, 0);
    if (en)
        en->origin = ld->origin;
    return en;
}

/* `expect.METRIC=[low, high]`: the range and its two items replace the
 * file's. */
static int set_range(loader *ld, const char *key, const char *value)
{
    char low[128], high[128];
    if (split_range(value, low, high, sizeof low) != 0)
        return set_fail(ld, "%s: expected a range [low, high], got \"%s\"",
                        key, value);
    size_t klen = strlen(key);
    for (size_t i = 0; i < ld->doc.n; i++) {
        entry *en = &ld->doc.entries[i];
        if (strncmp(en->path, key, klen) == 0
            && (en->path[klen] == '\0' || en->path[klen] == '['))
            en->dead = 1;
    }
    char item[FLAT_PATH_MAX + 4];
    if (!add_set_entry(ld, key, NULL, FLAT_LIST, 2))
        return PERR_NOMEM;
    snprintf(item, sizeof item, "%s[0]", key);
    if (!add_set_entry(ld, item, low, FLAT_SCALAR, 0))
        return PERR_NOMEM;
    snprintf(item, sizeof item, "%s[1]", key);
    if (!add_set_entry(ld, item, high, FLAT_SCALAR, 0))
        return PERR_NOMEM;
    return 0;
}

/* A key the file states: its value replaced, in place. */
static int set_replace(loader *ld, entry *old, const char *key,
                       const char *value)
{
    if (old->kind != FLAT_SCALAR)
        return set_fail(ld,
                        "%s: %s is %s in the scenario; set the keys under "
                        "it one at a time",
                        key, key, flat_kind_word(old));
    char *copy = loader_text_dup(value, strlen(value));
    if (!copy)
        return perr_set(ld->e, PERR_NOMEM, "out of memory");
    free(old->value);
    old->value = copy;
    old->line = old->col = 0;
    old->origin = ld->origin;
    return 0;
}

int loader_apply_set(loader *ld, const char *set)
{
    const char *eq = strchr(set, '=');
    if (!eq || eq == set)
        return set_fail(ld, "%s: expected key.path=value", set);
    char key[FLAT_PATH_MAX];
    if ((size_t)(eq - set) >= sizeof key)
        return set_fail(ld, "%.60s...: key path too long", set);
    snprintf(key, sizeof key, "%.*s", (int)(eq - set), set);
    const char *value = eq + 1;
    if (strncmp(key, "venues.", 7) == 0) {
        char rewritten[FLAT_PATH_MAX];
        int rc = venue_by_name(ld, key, rewritten, sizeof rewritten);
        if (rc != 0)
            return rc;
        memcpy(key, rewritten, sizeof key);
    }
    int rc = check_set_indices(ld, key);
    if (rc != 0)
        return rc;
    if (strncmp(key, "expect.", 7) == 0 && value[0] == '['
        && !strchr(key, '['))
        return set_range(ld, key, value);
    entry *old = flat_find(&ld->doc, key);
    if (old)
        return set_replace(ld, old, key, value);
    return add_set_entry(ld, key, value, FLAT_SCALAR, 0) ? 0 : PERR_NOMEM;
}
