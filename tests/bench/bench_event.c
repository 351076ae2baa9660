/*
 * bench_event: `perpsim bench event`, the event queue under the hold model.
 *
 * Options (counts take the shared k, M, G suffixes: 500k, 2M):
 *   --events N     events held in the queue (default 1M)
 *   --ops N        holds timed (default 10M)
 *   --increment D  exp (default) or uniform: how far ahead each push goes
 *   --seed N       seed of the increments (default 1)
 *
 * The hold model is the classic test of a simulation queue: the queue holds
 * N events, and each hold pops the earliest and pushes one at its time plus a
 * random increment, so the size stays N while time moves on. Increments are
 * in ms with mean 1000 (exponential, or uniform on [0, 2000]), drawn ahead
 * of time into a table of 64k values that the loop cycles through, so that
 * the figure is the queue's and not the logarithm's. The starting events are
 * at one increment from time 0, as if each had been pushed then, and N
 * untimed holds settle the queue's shape before the clock starts. (Starting
 * spread over a long span instead puts every new event near the root for a
 * long while: a different and much easier workload.)
 */
#include <math.h>
#include <string.h>

#include "bench.h"
#include "event.h"
#include "pcg.h"
#include "wallclock.h"

enum { BENCH_EVENT_TABLE = 1 << 16 };

int bench_event_queue(int argc, char **argv, FILE *out, perr *e)
{
    uint64_t events = 1000000u, ops = 10000000u, seed = 1;
    const char *increment = "exp";
    const bench_count counts[] = {
        {"--events", &events}, {"--ops", &ops}, {"--seed", &seed}, {NULL, NULL}};
    const bench_text texts[] = {{"--increment", &increment}, {NULL, NULL}};
    int rc = bench_options(argc, argv, counts, texts, e);
    if (rc)
        return rc;
    int uniform = strcmp(increment, "uniform") == 0;
    if (!uniform && strcmp(increment, "exp") != 0)
        return perr_set(e, PERR_INVALID,
                        "--increment: expected exp or uniform, got '%s'",
                        increment);

    static int64_t increments[BENCH_EVENT_TABLE];
    pcg32 rng;
    pcg32_seed_component(&rng, seed, "bench_event");
    for (int i = 0; i < BENCH_EVENT_TABLE; i++) {
        double u = pcg32_double(&rng);
        double ms = uniform ? 2000.0 * u : -1000.0 * log1p(-u);
        increments[i] = (int64_t)ms;
    }

    event_queue q;
    rc = event_queue_init(&q, (size_t)events, e);
    if (rc)
        return rc;
    for (uint64_t i = 0; i < events; i++) {
        int64_t seq = event_push(&q, increments[pcg32_next(&rng) & (BENCH_EVENT_TABLE - 1)],
                                 0, (uint32_t)i, i, e);
        if (seq < 0) {
            rc = (int)seq;
            goto done;
        }
    }

    event ev;
    uint64_t checksum = 0;
    unsigned k = 0;
    for (uint64_t i = 0; i < events; i++) {
        event_pop(&q, &ev);
        event_push(&q, ev.time + increments[k++ & (BENCH_EVENT_TABLE - 1)],
                   ev.kind, ev.target, ev.payload, NULL);
    }

    double t0 = wallclock_seconds();
    for (uint64_t i = 0; i < ops; i++) {
        event_pop(&q, &ev);
        checksum += ev.seq ^ (uint64_t)ev.time;
        event_push(&q, ev.time + increments[k++ & (BENCH_EVENT_TABLE - 1)],
                   ev.kind, ev.target, ev.payload, NULL);
    }
    double t = wallclock_seconds() - t0;

    fprintf(out, "events: %llu\n", (unsigned long long)events);
    fprintf(out, "ops: %llu\n", (unsigned long long)ops);
    fprintf(out, "increment: %s\n", uniform ? "uniform" : "exp");
    fprintf(out, "checksum: %016llx\n", (unsigned long long)checksum);
    fprintf(out, "sim_time_ms: %lld\n", (long long)event_now(&q));
    fprintf(out, "ns_per_hold: %.2f\n", t * 1e9 / (double)ops);
    fprintf(out, "holds_per_sec: %.0f\n", (double)ops / t);
done:
    event_queue_free(&q);
    return rc;
}
