/*
 * scenario: the run as data (scenarios/README.md): the
 * venues with their profiles, the populations with their kinds' checked
 * parameters, the index process, the scheduled shocks, the output grid and
 * the expectations. The engine builds a world from it (world.h) and reads
 * nothing else; how a scenario is read from YAML, overridden and checked
 * is the loader's business (sim/io/scenario_load.h), and
 * scenarios/README.md documents every key.
 *
 * Invariants of a loaded scenario: every venue's profile, every
 * population's parameters and every shock's parameters have passed their
 * model's check; names are unique within their list; population venues
 * and shock venues index `venues`; shocks are sorted by `at`, stably;
 * `resolved` is the whole run as YAML text, which loads back to the same
 * scenario. scenario_free releases what a load allocated.
 */
#ifndef PERPSIM_SCENARIO_H
#define PERPSIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "index.h"
#include "param.h"
#include "profile.h"
#include "rule.h"
#include "shock.h"

#define SCENARIO_NAME_MAX 64

typedef struct scenario_venue {
    char name[SCENARIO_NAME_MAX];    /* unique within the scenario */
    char profile_name[PARAM_TEXT_MAX]; /* a built-in name or a file path */
    profile profile;                 /* with the scenario's overrides, checked */
    /* The venue's risk policies (`policies:`, models/rule.h): the params of
     * the policy at position k of rule_policies, checked against profile,
     * or NULL where the venue lists none; owned. A listed policy whose
     * enabled is no stays here (it is the scenario's) and is not run. */
    void *policies[RULE_POLICY_MAX];
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

#define SCENARIO_DROPPED_MAX 512

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
    /* Shocks placed at or after the end of the run (a scenario shortened
     * with --set duration=...): left out of shocks, since they would never
     * act, and named here for the warning the program prints
     * ("shocks[2] (liquidity_withdrawal at 12h)", ...); "" when none. */
    char shocks_dropped[SCENARIO_DROPPED_MAX];
    scenario_expect *expects;
    size_t n_expects;
    char *resolved;              /* the resolved YAML text, owned */
    char **sets;                 /* the overrides as given, "key=value" */
    size_t n_sets;
} scenario;

/* Releases what a load allocated (every list, every model's parameters,
 * the index's file, the resolved text, the overrides) and zeroes *s; s may
 * be NULL or zeroed. */
void scenario_free(scenario *s);

/* The index of the venue named name, or -1. */
int scenario_venue_index(const scenario *s, const char *name);

#endif
