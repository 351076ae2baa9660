/*
 * scenario_loader: internal to the scenario loader (scenario_load.h is its
 * public face); only the sim/io/scenario_*.c files include this header.
 *
 * Loading has four steps over one data structure, the *flat list* of the
 * YAML document (flat.h: one entry per node below the root, in file order,
 * named by its key path "venues[0].funding.interval", with its place):
 *
 *   1. flatten (flat_parse, in scenario_load.c): broken YAML, duplicate
 *      keys and non-scalar keys fail here;
 *   2. overrides (scenario_set.c): each `--set key=value` replaces the
 *      entry of its path or adds one, placed as "--set KEY" (or where the
 *      caller says it came from, scenario_load's origins: a sweep file's
 *      line); `venues.NAME.` is rewritten as `venues[i].`;
 *   3. ownership (scenario_sections.c, scenario_shocks.c, through
 *      scenario_keys.c): each section takes the entries under its path, in
 *      file order, and gives every one to the model that owns it
 *      (param_parse with the model's param_key table, profile_set for a
 *      venue's profile), then runs the model's check; a check's message
 *      starts with the key path at fault, and is placed at the entry of
 *      that path;
 *   4. the entries nobody took are unknown keys (scenario_load.c).
 * The resolved text (scenario_resolved.c) is written from the loaded
 * scenario (every model's keys through param_format) and, for profiles,
 * from the override entries.
 *
 * Invariants: an entry's path is unique among the live entries; an entry
 * replaced by an override is marked dead, never freed before the end; an
 * entry some section read is marked used; a failed load frees everything
 * it allocated and leaves *out zeroed. Every failure goes through
 * flat_fail_at or perr_set into the loader's perr, one line that names the
 * key and its place.
 */
#ifndef PERPSIM_SCENARIO_LOADER_H
#define PERPSIM_SCENARIO_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "flat.h"
#include "param.h"
#include "perr.h"
#include "scenario.h"

typedef flat_entry entry;

typedef struct loader {
    flat_doc doc;                /* the flat list, the file's name, e */
    char folder[PARAM_TEXT_MAX]; /* of the file, with its '/'; "" for none */
    perr *e;
    const char *origin;          /* where the override being applied came
                                    from ("sweep.yaml:7:5"); NULL: --set */
    int place_initial;           /* place the initial positions as the run
                                    would (scenario_validate_file) */
} loader;

/* ---- messages and names (scenario_keys.c) ------------------------------ */

/* A copy of the n bytes at s with a '\0', or NULL when out of memory. */
char *loader_text_dup(const char *s, size_t n);

/* Fails with PERR_NOMEM: "FILE: out of memory". */
int loader_nomem(loader *ld);

/* Places a model's check message ("populations[1].count: must be ...") at
 * the entry of the key it starts with, fallback when there is none. */
int loader_fail_checked(loader *ld, const perr *why, const entry *fallback);

/* The text of a scalar entry, or NULL having failed with what was
 * expected. */
const char *loader_scalar(loader *ld, const entry *en, const char *what);

/* The key path, marked read, in *en, and its text in *text: both NULL, and
 * 0, when the key is not there; PERR_INVALID, having failed with what was
 * expected, when it is not a scalar. */
int loader_optional_text(loader *ld, const char *path, const char *what,
                         entry **en, const char **text);

/* " (did you mean 'x'?)" for near, "" for NULL. */
void loader_did_you_mean(const char *near, char *out, size_t size);

/* "a, b<last>c": the names joined by ", " and, before the last, by last
 * (" and ", " or "). */
void loader_join_names(const char *const *names, size_t n, const char *last,
                       char *out, size_t size);

/* How many names before the NULL that ends them. */
size_t loader_count_names(const char *const *names);

/* Whether text is a name of letters, digits, '_', '-' (and '.' when
 * dots), 1 to SCENARIO_NAME_MAX - 1 bytes. */
int loader_name_ok(const char *text, int dots);

/* Whether a venue's `profile:` names a file rather than a built-in. */
int loader_looks_like_path(const char *profile_text);

/* The file name of path without its folder and extension. */
void loader_file_stem(const char *path, char *out, size_t size);

/* A venue's name when it states none: its profile's (a built-in's name, or
 * a profile file's stem). */
void loader_default_venue_name(const char *profile_text, char *out,
                               size_t size);

/* A relative path of the scenario (a profile, a klines file) as opened:
 * under the scenario file's folder; fails at en when too long. */
int loader_join_folder(loader *ld, const entry *en, const char *rel,
                       char *out, size_t size);

/* ---- the models' keys (scenario_keys.c) -------------------------------- */

/* Whether rel is a section of keys: the part before a dot of some key. */
int loader_is_section(const char *rel, const char *const *keys, size_t n);

/* Fails at en, an unknown key rel among keys: suggests the nearest, or
 * points to doc, which lists them. */
int loader_unknown_key(loader *ld, const entry *en, const char *rel,
                       const char *const *keys, size_t n, const char *doc);

/* The parser of a model's key table (param_parse's signature). */
typedef int (*loader_parse_fn)(const param_key *, const char *, void *,
                               char *, size_t);

/* Parses the scalar entry en as k says into params, through parse (NULL:
 * param_parse); a failure is placed at en, with a suggestion for an
 * enumeration. */
int loader_parse_entry_by(loader *ld, const entry *en, const param_key *k,
                          void *params, loader_parse_fn parse);

/* loader_parse_entry_by with param_parse. */
int loader_parse_entry(loader *ld, const entry *en, const param_key *k,
                       void *params);

/* Gives every entry under prefix (but the reserved keys, NULL-terminated,
 * which the caller reads) to the param table keys: values through
 * param_parse into params, sections must be mappings, anything else is an
 * unknown key whose message points to doc. */
int loader_apply_keys(loader *ld, const char *prefix, const param_key *keys,
                      void *params, const char *const *reserved,
                      const char *doc);

/* Parses the entry at path, when there is one, as a value of type t into
 * *value; *found (when not NULL) is the entry or NULL. */
int loader_parse_optional(loader *ld, const char *path, param_type t,
                          void *value, entry **found);

/* value, of type t, as param_format writes it. */
void loader_format_value(param_type t, const void *value, char *out,
                         size_t size);

/* The live entries under prefix, in file order: from *i on, the next
 * whose path is "<prefix>.<rel>", with *rel set and *i moved past it;
 * NULL when none is left. Start with *i = 0. */
entry *loader_next_under(loader *ld, const char *prefix, size_t *i,
                         const char **rel);

/* The entry of a section, checked to be of kind (*out NULL when absent). */
int loader_section(loader *ld, const char *key, int kind, entry **out);

/* The entry of item i of a list, which must be a mapping (what says of
 * which keys, for the message). */
/* 0 when en is a mapping; else fails at en: "PATH: expected a mapping
 * WHAT, got KIND" (what: "of keys", "{cap, mmr, max_leverage}"). */
int loader_expect_map(loader *ld, const entry *en, const char *what);

int loader_list_item(loader *ld, const char *list, size_t i,
                     const char *what, entry **out);

/* Loads items 0 .. n-1 of a list of s in turn with load, stopping at the
 * first error. */
int loader_each_item(loader *ld, scenario *s, size_t n,
                     int (*load)(loader *ld, scenario *s, size_t i));

/* ---- step 2: overrides (scenario_set.c) -------------------------------- */

/* Applies one override "key.path=value" to the flat list, placed at
 * ld->origin (NULL: "--set"). */
int loader_apply_set(loader *ld, const char *set);

/* ---- step 3: the sections (scenario_sections.c, scenario_shocks.c) ----- */

/* The output options' keys, for the resolved text. */
extern const param_key loader_output_keys[];

/* Every entry's first part must be a top-level key. */
int loader_check_top_keys(loader *ld);

int loader_read_top(loader *ld, scenario *s);
int loader_read_output(loader *ld, scenario *s);
/* kx keeps the index's keys as written (its file as text) for the
 * resolved text. */
int loader_read_index(loader *ld, scenario *s, index_keyed *kx);
int loader_read_venues(loader *ld, scenario *s);
int loader_read_populations(loader *ld, scenario *s);
int loader_read_shocks(loader *ld, scenario *s);
int loader_read_expects(loader *ld, scenario *s);

/* The venue the entry at path names, into *out; a missing entry is -1
 * unless required, and then the only venue, when there is one. */
int loader_venue_ref(loader *ld, const scenario *s, const char *path,
                     const entry *item, int required, int32_t *out);

/* ---- a venue's risk policies (scenario_policies.c) --------------------- */

/* Takes the entry en at rel ("policies", "policies.NAME" or
 * "policies.NAME.KEY") under venue v: a policy named is listed (from its
 * defaults), a key parsed into its params; unknown names and keys fail at
 * en with the nearest. */
int loader_venue_policy(loader *ld, scenario_venue *v, const entry *en,
                        const char *rel);

/* Each listed policy's check against v's profile, placed at the key it
 * names under venues[i] (item when the key is not in the file). */
int loader_check_venue_policies(loader *ld, const scenario_venue *v,
                                size_t i, const entry *item);

/* Calls add with "policies.NAME.KEY" and the value of every key of every
 * policy v lists, in registry and table order; add's first failure. */
typedef int (*loader_key_fn)(void *ctx, const char *rel, const char *value);
int loader_policy_keys(const scenario_venue *v, loader_key_fn add, void *ctx);

/* ---- the resolved text (scenario_resolved.c) --------------------------- */

/* Writes s->resolved: the whole run as YAML (scenario_load.h). */
int loader_write_resolved(loader *ld, scenario *s, const index_keyed *kx);

#endif
