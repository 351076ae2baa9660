/*
 * scenario: a run described as data (../shared/design.md, "Scenario
 * files"), read from YAML, overridden with `--set key.path=value`, checked
 * in full before anything runs. scenarios/README.md documents every key.
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
 * HDF5 output stores it (/scenario).
 */
#ifndef PERPSIM_SCENARIO_H
#define PERPSIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "index.h"
#include "perr.h"
#include "profile.h"
#include "shock.h"

#define SCENARIO_NAME_MAX 64

typedef struct scenario_venue {
    char name[SCENARIO_NAME_MAX];    /* unique within the scenario */
    char profile_name[PARAM_TEXT_MAX]; /* a built-in name or a file path */
    profile profile;                 /* with the scenario's overrides, checked */
} scenario_venue;

typedef struct scenario_population {
    const agent_kind *kind;
    char name[SCENARIO_NAME_MAX];  /* `name:`, default "<kind>-<index>"; the
                                      population's random streams derive from it */
    char key_prefix[48];           /* "populations[3]" */
    uint32_t venue;                /* index into scenario.venues */
    int32_t other_venue;           /* two-venue kinds; else -1 */
    void *params;                  /* kind->params_size bytes, checked */
} scenario_population;

/* A scheduled shock (models/shock.h): at, for, venue and the place in the
 * file, with its kind and the kind's checked parameters. */
typedef shock scenario_shock;

typedef struct scenario_expect {
    char metric[128]; /* "<venue>.<summary metric>", e.g.
                         "binance.liquidations.total_notional" */
    double low, high; /* the inclusive range the value must fall in */
} scenario_expect;

typedef struct scenario_output {
    int64_t every_ms;         /* the output grid, > 0; default 1s */
    int64_t zscore_window_ms; /* rolling z-score window; default 30m */
    int trades;               /* write the trades table; default false */
} scenario_output;

typedef struct scenario {
    char name[SCENARIO_NAME_MAX];
    char source[PARAM_TEXT_MAX]; /* the file, or "(built-in default)" */
    uint64_t seed;
    int64_t start_utc_ms;        /* ms since the Unix epoch */
    int64_t duration_ms;         /* > 0 */
    scenario_output output;
    index_params index;          /* seed and start_utc_ms filled from above */
    scenario_venue *venues;
    size_t n_venues;
    scenario_population *populations;
    size_t n_populations;
    scenario_shock *shocks;      /* sorted by `at`, stable */
    size_t n_shocks;
    scenario_expect *expects;
    size_t n_expects;
    char *resolved;              /* the resolved YAML text (see the top) */
    char **sets;                 /* the overrides as given, "key=value" */
    size_t n_sets;
} scenario;

/* Reads the scenario at path with the overrides sets[0..n_sets) ("key.path=
 * value", applied in order) into *out, and checks all of it. On failure
 * *out holds nothing to free and e says where and what: PERR_IO when the
 * file cannot be read, PERR_NOMEM, PERR_INVALID otherwise. */
int scenario_load_file(const char *path, const char *const *sets,
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

/* Releases what a successful load allocated; s may be zeroed. */
void scenario_free(scenario *s);

/* The index of the venue named name, or -1. */
int scenario_venue_index(const scenario *s, const char *name);

#endif
