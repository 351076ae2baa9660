/*
 * csv: writing CSV fields as RFC 4180 has them, for every table perpsim
 * writes for scripts (calibrate's targets and path, run's --summary csv).
 */
#ifndef PERPSIM_CSV_H
#define PERPSIM_CSV_H

#include <stdio.h>

/* Writes text as one field: as it is, or between double quotes (each quote
 * in it doubled) when it holds a comma, a quote or a line break. NULL is
 * the empty field. */
void csv_field(FILE *out, const char *text);

#endif
