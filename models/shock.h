/*
 * shock: the interface between a scenario's scheduled shocks and the world
 * (scenarios/README.md), in the manner of agent.h and
 * gsl_rng_type: one shock_kind per kind of shock, a table of its scenario
 * keys and its behaviour, and one registry (models/shocks/shocks.c) that the
 * scenario loader and the world know kinds through. Neither has a switch on
 * a kind.
 *
 * A shock is one item of the scenario's `shocks:` list. Every kind has `at`
 * and `kind`; a kind that acts on a venue (target SHOCK_ON_VENUE) has
 * `venue`, a kind that lasts (lasts = 1) has `for`; its own keys are its
 * param_key table (param.h). A shock's keys are written, documented and
 * resolved in one order: at, kind, venue, the kind's own keys, for. Every
 * key is required (a shock states its size: there is no default jump),
 * except `venue`, which defaults to the only venue when there is one.
 *
 * The loader (sim/io/scenario_shocks.c) parses the common keys into struct
 * shock, gives the rest to the kind's table, and calls check. The world
 * then drives every kind alike, shock by shock in the order of `at` (the
 * file's order at one instant):
 *
 *   setup(sh, c)   while the world is built, after the populations: what
 *                  the kind needs before the run (an index kind schedules
 *                  itself on the index process; the whale opens its
 *                  venue's shock account);
 *   start(sh, c)   at `at`, when the kind has it;
 *   end(sh, c)     at `at` + `for`, when the kind has it.
 *
 * An index kind's effect lands between the index's grid steps, so the world
 * ticks the index at `at` as well (after queueing start and end, which is
 * the order that fixes events at one instant). A venue kind that changes the
 * book or the ledger asks the world to settle the venue (the cascade runs
 * and its records are drained) through the context: nothing else tells the
 * world that a venue changed.
 *
 * Adding a kind: write models/shocks/NAME.c with its params struct, its
 * param_key table, check, the hooks it needs and a `const shock_kind
 * shock_NAME_kind` (the header comment says what it does and cites the
 * mechanic); add its declaration and its line to models/shocks/shocks.c
 * (the order there is the documentation's); list the file in
 * CMakeLists.txt; document the kind and its keys in scenarios/README.md's
 * shock table (tests/test_shock.c checks that every key is there); test it.
 */
#ifndef PERPSIM_SHOCK_H
#define PERPSIM_SHOCK_H

#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "index.h"
#include "param.h"
#include "perr.h"

typedef struct shock_kind shock_kind;

/* What a kind acts on: the index process shared by every venue, or one
 * venue (`venue:`). */
typedef enum shock_target {
    SHOCK_ON_INDEX,
    SHOCK_ON_VENUE,
} shock_target;

/* One scheduled shock: the keys every kind shares, and the kind's own. */
typedef struct shock {
    const shock_kind *kind;
    int64_t at;           /* ms since the start, in [0, duration) */
    int64_t duration;     /* `for`, ms, > 0 for kinds that last; else 0 */
    int32_t venue;        /* venue kinds: index into the world's markets
                             (the scenario's venues); else -1 */
    char key_prefix[48];  /* "shocks[2]": the place in the file */
    void *params;         /* kind->params_size bytes, checked */
} shock;

/* What a kind's check may look at besides its shock. */
typedef struct shock_check_env {
    const index_params *index; /* the scenario's index process */
    const shock *earlier;      /* the shocks before this one in the file,
                                  loaded and checked */
    size_t n_earlier;
} shock_check_env;

/* What the world lends a kind's hooks. */
typedef struct shock_ctx {
    index_process *index; /* the world's index (setup: schedule on it) */
    agent_world *world;   /* the clock and the markets as agents see them:
                             venue, funding, name, and the conditions
                             a shock may set (agent_conditions) */
    void *engine;         /* the world, for the calls below */
    /* The venue's shock account (cross, leverage 1, no cash): opened on
     * market's venue the first time a shock asks for it (at setup, so
     * account ids do not depend on the run), the same one after. */
    int (*account)(void *engine, uint32_t market, uint32_t *id, perr *e);
    /* Every population trading on market adjusts at once to a change of
     * its market (agent_react): makers quote, pull or restore. */
    int (*react)(void *engine, uint32_t market, perr *e);
    /* The venue's cascade runs and its records are drained: after anything
     * that moved its book or its ledger. */
    int (*settle)(void *engine, uint32_t market, perr *e);
} shock_ctx;

struct shock_kind {
    const char *kind;      /* the scenario's `kind:`, e.g. "index_jump" */
    const char *summary;   /* one line for help and docs */
    shock_target target;   /* SHOCK_ON_VENUE: has `venue:` */
    int lasts;             /* 1: has `for:` (a window), 0: an instant */
    size_t params_size;    /* bytes of its parameters struct */
    const param_key *keys; /* its own keys, in documentation order */
    /* Reads text into the key k of params (NULL: param_parse); for
     * spellings param.h does not know. Fails as param_parse does. */
    int (*parse)(const param_key *k, const char *text, void *params,
                 char *why, size_t why_size);
    /* Checks sh (every key read, the venue resolved; `at` within the run
     * and `for` > 0 already checked); messages start with the key path
     * ("shocks[2].fraction: must be in [0, 1] (got 1.5)"). NULL: nothing
     * more to check. */
    int (*check)(const shock *sh, const shock_check_env *env, perr *e);
    /* Hooks, each may be NULL (nothing to do then); see the top. */
    int (*setup)(const shock *sh, shock_ctx *c, perr *e);
    int (*start)(const shock *sh, shock_ctx *c, perr *e);
    int (*end)(const shock *sh, shock_ctx *c, perr *e);
};

/* The parameters of a kind whose one key is a number (index_jump's pct,
 * vol_burst's factor, oi_cap's cap): the struct T with the double member m,
 * and its key table `keys`, whose one row is the key named m in unit. */
#define SHOCK_NUMBER_PARAMS(T, m, unit, keys)                                 \
    typedef struct T {                                                        \
        double m;                                                             \
    } T;                                                                      \
    static const param_key keys[] = {                                         \
        {#m, PARAM_DOUBLE, offsetof(T, m), unit, NULL}, PARAM_END}

/* Every registered kind, NULL-terminated, in documentation order. */
const shock_kind *const *shock_kinds(void);

/* The kind named kind, or NULL. */
const shock_kind *shock_kind_find(const char *kind);

/* Whether key (a key under a shock: "at", "pct") is a key of kind. */
int shock_kind_has_key(const shock_kind *kind, const char *key);

/* The kind's key names in the documented order (at, kind, venue, its own,
 * for) into out[0 .. max); returns how many. */
size_t shock_kind_key_names(const shock_kind *kind, const char **out,
                            size_t max);

#endif
