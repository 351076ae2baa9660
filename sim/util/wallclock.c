/*
 * wallclock: the monotonic clock (wallclock.h), one copy for the runner,
 * the executors, the command line and the benchmarks.
 */
#define _POSIX_C_SOURCE 200809L

#include "wallclock.h"

#include <time.h>

double wallclock_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
