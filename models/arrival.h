/*
 * arrival: the arrival process of one agent population, the instants at
 * which some member of the population acts (ARCHITECTURE.md, "From
 * scenario file to HDF5 result": activity is a per-population arrival
 * process, not a wake-up per agent per tick). Two kinds:
 *
 *   poisson  constant intensity mu (arrivals per second)
 *   hawkes   self-exciting, exponential kernel:
 *              lambda(t) = mu + sum over arrivals t_i < t of
 *                          alpha beta exp(-beta (t - t_i))
 *            each arrival adds alpha beta to the intensity, decaying at
 *            rate beta per second, so it begets alpha further arrivals on
 *            average (the branching ratio; alpha < 1 keeps the process
 *            stationary, with mean rate mu / (1 - alpha)).
 *
 * Both kinds are one model: intensity mu plus an excess that decays at rate
 * beta and jumps by alpha beta at each Hawkes arrival (poisson: never) and
 * by `amount` at each arrival_excite (either kind: a liquidation burst
 * raising a population's activity). The state is the excess at one
 * instant: O(1) memory whatever the history.
 *
 * Time. Arrivals are simulated in continuous time and reported as int64 ms
 * since the scenario start, rounded down: start_ms + floor(t * 1000) for an
 * arrival t seconds after the start. Reported times never decrease, but
 * several arrivals may share a millisecond (at high rates, or in a Hawkes
 * burst); the event loop orders them by insertion sequence as it does any
 * tie. An arrival beyond the int64 clock is reported as ARRIVAL_NEVER.
 *
 * The object always holds the next arrival, drawn ahead ("pending"):
 * arrival_peek shows it, arrival_next hands it out and draws the one after.
 * arrival_excite at an instant before the pending arrival discards it and
 * draws afresh from that instant, which is exact because the process with an
 * exponential kernel is Markov in its intensity; the caller reschedules the
 * population's wake-up at the new arrival_peek.
 *
 * Randomness. Draws come only from the population's own generator,
 * pcg32_gsl_alloc(seed, stream_name) (ARCHITECTURE.md, "Randomness and
 * determinism"): same seed and stream, same arrivals; other components'
 * draws do not depend on this one.
 *
 * models/README.md ("Arrival processes") documents the parameters as
 * scenario keys. arrival_next and arrival_excite allocate nothing.
 */
#ifndef PERPSIM_ARRIVAL_H
#define PERPSIM_ARRIVAL_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "perr.h"

/* The reported time of an arrival that falls beyond the int64 clock. */
#define ARRIVAL_NEVER INT64_MAX

typedef enum arrival_kind {
    ARRIVAL_POISSON,
    ARRIVAL_HAWKES,
} arrival_kind;

typedef struct arrival_params {
    arrival_kind kind;
    double rate;  /* mu: the baseline intensity, arrivals per second, > 0 */
    double alpha; /* hawkes: branching ratio, in [0, 1); poisson ignores it */
    double beta;  /* decay rate of the excess intensity, per second, > 0 */
} arrival_params;

/* A population's arrival process. The fields are private to arrival.c; the
 * struct is public so a population can hold it by value. */
typedef struct arrival {
    gsl_rng *rng;
    int64_t start_ms;
    double rate, jump, beta; /* jump: alpha beta for hawkes, 0 for poisson */
    double base_s;           /* the instant the pending arrival was drawn from */
    double base_excess;      /* the excess intensity just after base_s */
    double pending_s;        /* the pending arrival, seconds since the start */
} arrival;

/* The documented defaults with the baseline rate given, as an initializer
 * (a kind's defaults state its own rate): poisson, alpha 0.5, beta 0.1 per
 * second. */
#define ARRIVAL_PARAMS_DEFAULTS(rate) {ARRIVAL_POISSON, (rate), 0.5, 0.1}

/* Fills p with the documented defaults: ARRIVAL_PARAMS_DEFAULTS at rate 1
 * per second. */
void arrival_params_default(arrival_params *p);

/* The scenario name of a kind: "poisson", "hawkes" ("unknown" otherwise). */
const char *arrival_kind_name(arrival_kind kind);
/* The names in enum order, NULL-terminated (a param_key's names). */
extern const char *const arrival_kind_names[];

/* Checks p. key_prefix is the scenario path of the arrival block, such as
 * "populations[2].arrival"; the message names the key under it
 * ("populations[2].arrival.alpha: must be in [0, 1) (got 1)"). */
int arrival_check(const arrival_params *p, const char *key_prefix, perr *e);

/* Sets a up at start_ms (>= 0) with no excess intensity, on the generator of the
 * component stream_name in a run seeded with seed, and draws the first
 * arrival. Fails with p's check or PERR_NOMEM; a is then left freeable. */
int arrival_init(arrival *a, const arrival_params *p, uint64_t seed,
                 const char *stream_name, int64_t start_ms, perr *e);

/* Releases the generator; a may be zeroed or failed-init. */
void arrival_free(arrival *a);

/* The pending arrival (ms), without drawing anything. */
int64_t arrival_peek(const arrival *a);

/* Returns the pending arrival (ms) and draws the next: successive results
 * never decrease. Can't fail. */
int64_t arrival_next(arrival *a);

/* Adds amount (arrivals per second, >= 0) to the excess intensity at at_ms,
 * decaying at beta from then on. at_ms must lie between the last arrival
 * handed out or excitation (or the start) and the pending arrival,
 * inclusive; if it shares the millisecond of the last arrival or excitation
 * it takes effect just after it. The
 * pending arrival is redrawn from at_ms: read it again with arrival_peek.
 * PERR_INVALID for a bad amount; PERR_STATE for an instant outside that
 * range (the past, or beyond an arrival the caller has not taken). */
int arrival_excite(arrival *a, int64_t at_ms, double amount, perr *e);

/* The intensity (arrivals per second) just after the instant the pending
 * arrival was drawn from: the last arrival or excitation. For tests and
 * outputs. */
double arrival_intensity(const arrival *a);

#endif
