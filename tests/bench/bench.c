/*
 * bench: the table of benchmarks and the small helpers they share (timing,
 * option values). A new benchmark is a file in tests/bench/ and one row here.
 */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const bench_entry bench_table[] = {
    {"pcg", "PCG32 throughput: raw outputs, doubles and a GSL distribution",
     "[--draws N] (default 100M)", bench_pcg},
    {"book", "order book: a generated stream of adds, cancels and market orders",
     "[--stream deep|contest] [--orders N] [--events N] [--seed N]\n"
     "                        [--cancel recent|uniform] [--prefetch] [--replay FILE]\n"
     "                        [--write FILE]\n"
     "  --stream S     deep (default): a deep book; contest: a small busy book\n"
     "                 in a narrow band, half cancels, many of dead orders\n"
     "  --orders N     resting orders before the clock starts (default 200k; deep)\n"
     "  --events N     events in the generated stream (default 10M)\n"
     "  --seed N       seed of the generated stream (default 1)\n"
     "  --cancel M     cancels hit recent orders (default) or uniform ones (deep)\n"
     "  --prefetch     announce each coming cancel to the book ahead of time\n"
     "  --replay FILE  replay a CSV event file instead (format: README)\n"
     "  --write FILE   also write the contest stream as a replay file",
     bench_book},
    {"liquidation",
     "liquidation engine: the mark 30% down and back, against a full scan",
     "[--positions N] [--steps N] [--seed N] [--profile NAME]\n"
     "                        [--leverage-median X] [--book deep|empty]\n"
     "  --positions N        positions, half long, half short (default 1M)\n"
     "  --steps N            marks on the path down 30% and back (default 1000)\n"
     "  --seed N             seed of the positions (default 1)\n"
     "  --profile NAME       built-in venue profile (default binance)\n"
     "  --leverage-median X  median of the lognormal leverage, sigma 0.5 (default 5)\n"
     "  --book deep|empty    a maker bids every liquidation (default), or no book:\n"
     "                       the insurance fund takes over, then ADL",
     bench_liquidation},
    {"event", "event queue: the hold model, pop the earliest and push one ahead",
     "[--events N] [--ops N] [--increment exp|uniform] [--seed N]\n"
     "  --events N          events held in the queue (default 1M)\n"
     "  --ops N             holds timed: a pop and a push each (default 10M)\n"
     "  --increment D       each push goes exp (default, mean 1000 ms) or\n"
     "                      uniform (0 to 2000 ms) ahead of the popped time\n"
     "  --seed N            seed of the increments (default 1)",
     bench_event_queue},
    {"output", "HDF5 output: a day of 1 s rows for two venues and 100k liquidations",
     "[--rows N] [--venues N] [--liquidations N] [--dir DIR]\n"
     "  --rows N          series rows per venue (default 86400)\n"
     "  --venues N        venues (default 2)\n"
     "  --liquidations N  liquidation records over all venues (default 100k)\n"
     "  --dir DIR         folder of the temporary file (default $TMPDIR or /tmp)",
     bench_output},
    {"run", "a whole scenario with output: wall time, events/s, peak memory",
     "[--scenario FILE] [--keep DIR] [--no-output] [--check-invariants]\n"
     "  --scenario FILE     the scenario (default scenarios/bench-1m-24h.yaml)\n"
     "  --keep DIR          write the result to DIR and keep it\n"
     "  --no-output         run without writing a result file\n"
     "  --check-invariants  check the ledger as `run --check-invariants` does",
     bench_run},
    {"sweep", "sweeps: parallel efficiency, overhead per run, index writing",
     "[--jobs N] [--runs N] [--repeat N] [--scenario FILE] [--tiny N]\n"
     "                        [--index-rows N]\n"
     "  --jobs N        workers of the parallel sweep (default: processors)\n"
     "  --runs N        runs of each efficiency sweep (default 8 x jobs)\n"
     "  --repeat N      pairs of sweeps, at 1 then N workers (default 3;\n"
     "                  0 leaves the efficiency out)\n"
     "  --scenario FILE the efficiency sweep's scenario (default\n"
     "                  scenarios/short-squeeze-1.37b.yaml)\n"
     "  --tiny N        tiny runs of the overhead sweep (default 1000; 0: none)\n"
     "  --index-rows N  rows of the index written (default 10000; 0: none)",
     bench_sweep},
    {NULL, NULL, NULL, NULL},
};

const bench_entry *bench_find(const char *name)
{
    for (const bench_entry *b = bench_table; b->name; b++)
        if (strcmp(b->name, name) == 0)
            return b;
    return NULL;
}

int bench_parse_count(const char *opt, const char *text, uint64_t *out,
                      perr *e)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    uint64_t scale = 1;
    if (*end == 'k')
        scale = 1000u, end++;
    else if (*end == 'M')
        scale = 1000000u, end++;
    else if (*end == 'G')
        scale = 1000000000u, end++;
    if (end == text || *end != '\0' || text[0] == '-' || errno == ERANGE
        || v == 0 || v > UINT64_MAX / scale)
        return perr_set(e, PERR_INVALID,
                        "%s: expected a positive count such as 500000, 500k "
                        "or 2M, got '%s'",
                        opt, text);
    *out = (uint64_t)v * scale;
    return 0;
}

int bench_count_option(const bench_count *counts, int argc, char **argv,
                       int *i, perr *e)
{
    for (const bench_count *c = counts; c->opt; c++) {
        if (strcmp(argv[*i], c->opt) != 0)
            continue;
        const char *value = NULL;
        if (bench_option_value(argc, argv, i, &value, e)
            || bench_parse_count(c->opt, value, c->value, e))
            return PERR_INVALID;
        return 1;
    }
    return 0;
}

int bench_options(int argc, char **argv, const bench_count *counts,
                  const bench_text *texts, perr *e)
{
    static const bench_count no_counts[] = {{NULL, NULL}};
    for (int i = 1; i < argc; i++) {
        int rc = bench_count_option(counts ? counts : no_counts, argc, argv,
                                    &i, e);
        if (rc < 0)
            return rc;
        if (rc > 0)
            continue;
        const bench_text *t = texts;
        while (t && t->opt && strcmp(argv[i], t->opt) != 0)
            t++;
        if (!t || !t->opt)
            return perr_set(e, PERR_INVALID, "unknown option '%s'", argv[i]);
        if (bench_option_value(argc, argv, &i, t->value, e))
            return PERR_INVALID;
    }
    return 0;
}

int bench_option_value(int argc, char **argv, int *i, const char **value,
                       perr *e)
{
    if (*i + 1 >= argc)
        return perr_set(e, PERR_INVALID, "%s: missing value", argv[*i]);
    *value = argv[++*i];
    return 0;
}
