/*
 * scenario_load: a scenario (the run as data, sim/engine/scenario.h) read
 * from YAML (scenarios/README.md), overridden with
 * `--set key.path=value`, checked in full before anything runs.
 * scenarios/README.md documents every key.
 *
 * The top-level keys:
 *   name, seed, start (a UTC instant, 2025-07-10T00:00:00Z), duration,
 *   output:      every, zscore_window, trades
 *   index:       the index process (models/index.h; models/README.md keys)
 *   venues:      a list of {name, profile, <profile keys to override>}
 *   populations: a list of {kind, venue, other_venue, name, <kind's keys>}
 *   shocks:      a list of {at, kind, ...} (shock.h's kinds)
 *   expect:      a mapping metric -> [low, high] (summary.h names metrics)
 *
 * Loading flattens the document into key paths ("venues[0].funding.
 * interval"), applies the overrides to that flat list (replacing a key or
 * adding it), then gives every key to the model that owns it: param_parse
 * for the index, the output options, each population's kind (agent.h's
 * registry) and each shock's kind (shock.h's), profile_set for a venue's
 * profile. A key nobody owns is an error that suggests the nearest valid
 * one. Every error is one line:
 *   scenarios/x.yaml:12:7: populations[1].leverage.median: must be <= 125,
 *   binance's maximum leverage (got 200)
 * and a key set with --set is placed as `--set venues[0].funding.interval`.
 *
 * The resolved scenario (`resolved`) is the whole run as YAML text: every
 * key of every model with its value after defaults and overrides, in the
 * documented order, so that loading it again gives the same scenario. The
 * HDF5 output stores it (/scenario). A loaded scenario is released with
 * scenario_free.
 */
#ifndef PERPSIM_SCENARIO_LOAD_H
#define PERPSIM_SCENARIO_LOAD_H

#include <stddef.h>

#include "perr.h"
#include "scenario.h"

/* Reads the scenario at path with the overrides sets[0..n_sets) ("key.path=
 * value", applied in order) into *out, and checks all of it. On failure
 * *out holds nothing to free and e says where and what: PERR_IO when the
 * file cannot be read, PERR_NOMEM, PERR_INVALID otherwise. */
int scenario_load_file(const char *path, const char *const *sets,
                       size_t n_sets, scenario *out, perr *e);

/* As scenario_load_file, and then, when some population starts with
 * positions (initial.open_interest), places them as the run would, by
 * building the world without running it: an open interest the draws cannot
 * reach is an error at its key (`perpsim validate`). path NULL: the
 * built-in default. */
int scenario_validate_file(const char *path, const char *const *sets,
                           size_t n_sets, scenario *out, perr *e);

/* As scenario_load_file for the len bytes of text; name stands for the
 * file in messages and in `source`. */
int scenario_load_text(const char *name, const char *text, size_t len,
                       const char *const *sets, size_t n_sets, scenario *out,
                       perr *e);

/* The built-in default scenario (scenarios/quickstart.yaml, compiled into
 * the program) with the overrides. */
int scenario_load_default(const char *const *sets, size_t n_sets,
                          scenario *out, perr *e);

/* Either of the above: the file at path, or with path NULL the built-in
 * default. Override i is placed at origins[i] in messages ("sweep.yaml:
 * 7:5: venues[0].funding.interval: ...") rather than as "--set ..."; origins
 * (or any item of it) may be NULL. */
int scenario_load(const char *path, const char *const *sets,
                  const char *const *origins, size_t n_sets, scenario *out,
                  perr *e);

/* Whether metric ("<venue>.<metric>", as expect: and a calibration's
 * targets name it) is not one that s's summaries hold: 0 when it is, else 1
 * with why the nearest venue or metric in why ("no venue named 'x' (did
 * you mean 'y'?); ..."). */
int scenario_metric_problem(const scenario *s, const char *metric, char *why,
                            size_t size);

#endif
