/*
 * calc: the venue calculators behind `perpsim calc NAME`. Each fills a
 * report of `key: value` lines, which the program prints; they compute with
 * the same functions the engine acts on (margin.h, funding.h), from a
 * built-in venue profile (profile.h).
 */
#ifndef PERPSIM_CALC_H
#define PERPSIM_CALC_H

#include <stddef.h>

#include "perr.h"

/* One line of a calculator's answer: "key: value". */
typedef struct calc_line {
    char key[48];
    char value[160];
} calc_line;

/* A calculator's answer, line by line in the order to print. Start it
 * zeroed; calc_report_free releases it whatever the calculator returned. */
typedef struct calc_report {
    calc_line *lines;
    size_t n, cap;
    int failed; /* an allocation failed: the calculator returns PERR_NOMEM */
} calc_report;

void calc_report_free(calc_report *r);

typedef int (*calc_fn)(int argc, char **argv, calc_report *out, perr *e);

typedef struct calc_entry {
    const char *name;
    const char *summary;
    const char *usage; /* the options, for `perpsim calc NAME --help` */
    calc_fn run;       /* NULL while the issue that brings it is open */
    const char *pending;
} calc_entry;

/* The calculators, terminated by an entry whose name is NULL. */
extern const calc_entry calc_table[];

const calc_entry *calc_find(const char *name);

/* argv[0] is the calculator's name. Bad options and values are PERR_INVALID
 * with a message naming the option; out holds the answer only on success. */
int calc_margin(int argc, char **argv, calc_report *out, perr *e);
int calc_liq_price(int argc, char **argv, calc_report *out, perr *e);
/* The funding rate per interval of a constant premium or a premium path
 * (funding.h), for the venue's interval or --interval. */
int calc_funding(int argc, char **argv, calc_report *out, perr *e);

#endif
