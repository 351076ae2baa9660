/*
 * bench: the registry behind `perpsim bench NAME`.
 *
 * A benchmark is a program in the repository, run through the perpsim binary
 * so that anyone can reproduce a figure with one command. Each benchmark
 * prints its figures as `name: value` lines on out, the headline figure last,
 * and returns 0, or a negative PERR_* code with e filled (bad arguments are
 * PERR_INVALID and become exit status 2).
 *
 * argv[0] is the benchmark's name; the rest are its own options.
 */
#ifndef PERPSIM_BENCH_H
#define PERPSIM_BENCH_H

#include <stdint.h>
#include <stdio.h>

#include "perr.h"

typedef int (*bench_fn)(int argc, char **argv, FILE *out, perr *e);

typedef struct bench_entry {
    const char *name;
    const char *summary; /* one line for `perpsim bench --help` */
    const char *usage;   /* the options, for `perpsim bench NAME --help` */
    bench_fn run;
} bench_entry;

/* The table of benchmarks, terminated by an entry whose name is NULL. */
extern const bench_entry bench_table[];

/* The entry named name, or NULL. */
const bench_entry *bench_find(const char *name);

/* Parses a positive count for option opt: digits with an optional k, M or G
 * suffix (x1e3, x1e6, x1e9), e.g. "200000", "500k", "2M". */
int bench_parse_count(const char *opt, const char *text, uint64_t *out,
                      perr *e);

/* Reads the value of the option at argv[*i] into *value and advances *i;
 * fails when the option is the last argument. */
int bench_option_value(int argc, char **argv, int *i, const char **value,
                       perr *e);

/* A benchmark's option that takes a count, and where the count goes. */
typedef struct bench_count {
    const char *opt; /* "--events" */
    uint64_t *value;
} bench_count;

/* When argv[*i] is the opt of one of counts (ended by an entry whose opt is
 * NULL), reads its value (bench_option_value, bench_parse_count) into that
 * entry and returns 1; returns 0 when argv[*i] is none of them, and
 * PERR_INVALID with e filled when the value is missing or not a count. */
int bench_count_option(const bench_count *counts, int argc, char **argv,
                       int *i, perr *e);

/* A benchmark's option that takes a word (a folder, a model's name), and
 * where the word goes. */
typedef struct bench_text {
    const char *opt; /* "--dir" */
    const char **value;
} bench_text;

/* Reads all of argv[1 ..] as options of counts and of texts (either may be
 * NULL; each is ended by an entry whose opt is NULL). An option of neither
 * is PERR_INVALID, "unknown option '...'", as is a missing value or a value
 * that is not a count. */
int bench_options(int argc, char **argv, const bench_count *counts,
                  const bench_text *texts, perr *e);

/* The benchmarks. */
int bench_pcg(int argc, char **argv, FILE *out, perr *e);
int bench_book(int argc, char **argv, FILE *out, perr *e);
int bench_liquidation(int argc, char **argv, FILE *out, perr *e);
int bench_event_queue(int argc, char **argv, FILE *out, perr *e);
int bench_output(int argc, char **argv, FILE *out, perr *e);
int bench_run(int argc, char **argv, FILE *out, perr *e);
int bench_sweep(int argc, char **argv, FILE *out, perr *e);

#endif
