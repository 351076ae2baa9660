/*
 * agent: the interface between the world's event loop and a population of
 * agents (../shared/design.md, "Layout" and "Time and the event loop").
 *
 * The unit the engine sees is a population, never an agent: one struct
 * agent_pop per population, holding its arrival process (arrival.h) and a
 * pointer to its kind's function table (agent_pop_type, in the manner of
 * gsl_rng_type). A kind embeds agent_pop as the first member of its own
 * struct and is made by its own constructor (agent_holder_new, ...), which is
 * the "init" of design.md's interface; the engine then drives every kind
 * alike:
 *
 *   t = arrival_peek(&pop->arrival)    schedule the population's wake-up;
 *   arrival_next(&pop->arrival)        at t, take the arrival,
 *   agent_wake(pop, v, t, e)           let the population act once,
 *   agent_on_liquidated(pop, id, t)    for each venue_liquidations record,
 *   agent_free(pop)                    at the end of the run.
 *
 * At each arrival the population itself picks which of its agents acts (or
 * what it does as a whole), drawing from its own PCG stream, so activity
 * costs nothing per agent while the agents only hold. Orders go through
 * venue_submit, which applies fills to both sides' accounts before it
 * returns, so the kinds written so far need no fill callback; a kind whose
 * orders rest (market makers) will add on_fill here when it needs one.
 *
 * on_liquidated may be called for any account: a population ignores accounts
 * that are not its own, so the loop can pass every record to every
 * population, and it may see several records of one liquidation (one per
 * route), so it acts once per position, not once per record.
 */
#ifndef PERPSIM_AGENT_H
#define PERPSIM_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "arrival.h"
#include "perr.h"
#include "venue.h"

typedef struct agent_pop agent_pop;

/* A kind of population: its scenario name and its behaviour. */
typedef struct agent_pop_type {
    const char *kind; /* the scenario's `kind:`, e.g. "leveraged_long" */
    /* Acts once, at now (the arrival just taken), on venue v. A rejection by
     * the venue is an outcome, not an error; errors are the venue's. */
    int (*wake)(agent_pop *pop, venue *v, int64_t now, perr *e);
    /* Notes that account_id was (perhaps partly) liquidated at now. */
    void (*on_liquidated)(agent_pop *pop, uint32_t account_id, int64_t now);
    /* Releases the population, its arrival process included. */
    void (*free)(agent_pop *pop);
} agent_pop_type;

/* The part of every population the engine reads. */
struct agent_pop {
    const agent_pop_type *type;
    arrival arrival; /* when the population acts next (arrival_peek) */
};

static inline int agent_wake(agent_pop *pop, venue *v, int64_t now, perr *e)
{
    return pop->type->wake(pop, v, now, e);
}

static inline void agent_on_liquidated(agent_pop *pop, uint32_t account_id,
                                       int64_t now)
{
    pop->type->on_liquidated(pop, account_id, now);
}

/* pop may be NULL. */
static inline void agent_free(agent_pop *pop)
{
    if (pop)
        pop->type->free(pop);
}

#endif
