/*
 * bench_run: a whole scenario, output included, timed end to end
 * (ARCHITECTURE.md, "Performance budget": a world of a million agents
 * simulating 24 hours in under a minute, under 300 bytes per agent). By
 * default it
 * runs scenarios/bench-1m-24h.yaml from the working directory or the source
 * tree, writing its result to a fresh temporary folder that it removes
 * afterwards (--keep DIR writes there instead and keeps the file).
 * --check-invariants runs it as `perpsim run --check-invariants` does.
 *
 * Peak memory is the process's maximum resident set (getrusage), which
 * includes the program itself; bytes_per_agent divides it by the agents.
 */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner.h"

#ifndef PERPSIM_SOURCE_DIR
#define PERPSIM_SOURCE_DIR "."
#endif

static const char default_scenario[] = "scenarios/bench-1m-24h.yaml";

int bench_run(int argc, char **argv, FILE *out, perr *e)
{
    const char *file = NULL, *keep = NULL;
    int write_output = 1, check_invariants = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--scenario") == 0) {
            if (bench_option_value(argc, argv, &i, &v, e) != 0)
                return PERR_INVALID;
            file = v;
        } else if (strcmp(argv[i], "--keep") == 0) {
            if (bench_option_value(argc, argv, &i, &v, e) != 0)
                return PERR_INVALID;
            keep = v;
        } else if (strcmp(argv[i], "--no-output") == 0) {
            write_output = 0;
        } else if (strcmp(argv[i], "--check-invariants") == 0) {
            check_invariants = 1;
        } else {
            return perr_set(e, PERR_INVALID, "unknown option '%s'", argv[i]);
        }
    }
    char path[4096];
    if (!file) {
        file = default_scenario;
        if (access(file, R_OK) != 0) {
            snprintf(path, sizeof path, "%s/%s", PERPSIM_SOURCE_DIR,
                     default_scenario);
            file = path;
        }
    }
    char tmp[] = "/tmp/perpsim-bench-run-XXXXXX";
    const char *dir = keep;
    if (write_output && !keep) {
        if (!mkdtemp(tmp))
            return perr_set(e, PERR_IO, "cannot create a temporary folder");
        dir = tmp;
    }
    runner_job job = {.scenario = file, .out_dir = write_output ? dir : NULL,
                      .force = 1, .check_invariants = check_invariants};
    runner_result res;
    int rc = runner_run(&job, &res, e);
    long long bytes = 0;
    struct stat st;
    if (rc == 0 && res.path[0] && stat(res.path, &st) == 0)
        bytes = (long long)st.st_size;
    if (rc == 0 && write_output && !keep)
        remove(res.path);
    if (write_output && !keep)
        rmdir(tmp);
    if (rc != 0)
        return rc;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double rss = (double)ru.ru_maxrss * 1024.0; /* Linux: kilobytes */
    fprintf(out, "scenario: %s\n", file);
    fprintf(out, "agents: %" PRIu64 "\n", res.agents);
    fprintf(out, "simulated_hours: %.2f\n", (double)res.sim_ms / 3.6e6);
    fprintf(out, "events: %" PRIu64 "\n", res.events);
    uint64_t book_events = res.book.orders + res.book.cancels + res.book.fills;
    fprintf(out, "book_events: %" PRIu64 "\n", book_events);
    fprintf(out, "book_orders: %" PRIu64 "\n", res.book.orders);
    fprintf(out, "book_cancels: %" PRIu64 "\n", res.book.cancels);
    fprintf(out, "book_fills: %" PRIu64 "\n", res.book.fills);
    fprintf(out, "setup_s: %.2f\n", res.setup_s);
    double run_s = res.wall_s - res.setup_s;
    fprintf(out, "events_per_s: %.0f\n", (double)res.events / run_s);
    fprintf(out, "book_events_per_s: %.0f\n", (double)book_events / run_s);
    fprintf(out, "output_bytes: %lld\n", bytes);
    fprintf(out, "peak_rss_mb: %.1f\n", rss / 1048576.0);
    if (res.agents)
        fprintf(out, "bytes_per_agent: %.0f\n", rss / (double)res.agents);
    double liquidated = 0;
    static const char key[] = ".liquidations.total_notional";
    for (size_t k = 0; k < res.summary.n_items; k++) {
        const char *n = res.summary.items[k].name;
        size_t len = strlen(n);
        if (len > sizeof key - 1 && strcmp(n + len - (sizeof key - 1), key) == 0)
            liquidated += res.summary.items[k].value;
    }
    fprintf(out, "liquidated_notional: %.0f\n", liquidated);
    fprintf(out, "wall_s: %.2f\n", res.wall_s);
    runner_result_free(&res);
    return 0;
}
