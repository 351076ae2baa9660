/*
 * wallclock: the monotonic clock in seconds, for timing what the program
 * does (a run's wall time, a batch's progress line, a benchmark's loop).
 * Never for the simulation: simulated time is the event loop's, in ms.
 */
#ifndef PERPSIM_WALLCLOCK_H
#define PERPSIM_WALLCLOCK_H

/* Seconds on CLOCK_MONOTONIC: only differences mean anything. */
double wallclock_seconds(void);

#endif
