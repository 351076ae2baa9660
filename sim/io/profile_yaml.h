/*
 * profile_yaml: venue profiles written as YAML (models/venues/NAME.yaml).
 *
 * A profile file states every field of a `profile` under a key path such
 * as `funding.interval` or `margin.brackets`; models/venues/README.md lists
 * each key with its type, unit and meaning. One table in profile_yaml.c maps
 * every key path to its field, so files, overrides (`--set`) and the
 * documentation name the same things.
 *
 * Values are exact: rates ("0.05%", "5bp" or "0.0005") become multiples of
 * 1e-8, durations ("8h", "150s") milliseconds, quote-currency amounts ("200",
 * "1.5M") whole cash units through profile_quote_to_cash. A value that the
 * profile cannot hold exactly is an error, never rounded.
 *
 * Every error is one line that says where and what:
 *   models/venues/bitmex.yaml:14:3: funding.interval: expected a duration
 *   such as 8h, got "eight"
 * Unknown keys suggest the nearest valid one; duplicate keys, missing keys
 * and broken YAML are errors too, and the loaded profile must pass
 * profile_check, whose complaint is reported at the line of the key at fault.
 *
 * The built-in profiles (profile_builtin) are read here too, from the
 * copies of models/venues/NAME.yaml compiled into the program: profile.c,
 * the engine's side, reads no text.
 */
#ifndef PERPSIM_PROFILE_YAML_H
#define PERPSIM_PROFILE_YAML_H

#include <stddef.h>

#include "perr.h"
#include "profile.h"

/* Reads the profile file at path into *out. On failure *out is undefined
 * and e names path:line:column and the key path. PERR_IO when the file
 * cannot be read, PERR_NOMEM when memory runs out, PERR_INVALID otherwise. */
int profile_load_file(const char *path, profile *out, perr *e);

/* As profile_load_file, for the len bytes of text; name_for_errors stands
 * for the file in messages. */
int profile_load_text(const char *name_for_errors, const char *text,
                      size_t len, profile *out, perr *e);

/* Sets the field at key_path (for example "funding.interval") from its
 * text, as a file would state it ("1h"). Brackets are set one field at a
 * time: "margin.brackets[2].mmr"; the maintenance amounts are then filled
 * again from the formula. Unknown keys fail with the nearest valid key
 * suggested. The profile is not checked, because a change often needs
 * several keys (an interval and its offset): call profile_check after the
 * last. A quote-currency amount is converted with the profile's current
 * cash unit; changing units.cash_unit does not rescale amounts already set. */
int profile_set(profile *p, const char *key_path, const char *value,
                perr *e);

/* The built-in profile named name, or NULL. The first call reads every
 * built-in file; the profiles live in static storage until the program
 * ends. Not thread-safe until that first call has returned. */
const profile *profile_builtin(const char *name);

/* The names of the built-in profiles, NULL-terminated: the file names of
 * models/venues/NAME.yaml, which each file's `name` equals. */
const char *const *profile_builtin_names(void);

/* The key paths a profile file may hold, NULL-terminated, in the order
 * models/venues/README.md documents them. */
const char *const *profile_yaml_keys(void);

#endif
