/*
 * utc: UTC instants, "2025-07-10T00:00:00Z" or "2025-07-10T00:00:00.250Z",
 * to and from int64 ms since the Unix epoch (1970-01-01T00:00:00Z). Years
 * 1970 to 9999; no leap seconds (as Unix time).
 */
#ifndef PERPSIM_UTC_H
#define PERPSIM_UTC_H

#include <stddef.h>
#include <stdint.h>

/* text, exactly of the form above, to *out; -1 when it is not (a date that
 * does not exist, such as 2025-02-30, included). */
int utc_parse(const char *text, int64_t *out);

/* utc_ms (>= 0) as text, the milliseconds written only when not zero; out
 * of size >= 25 holds any instant. */
void utc_format(int64_t utc_ms, char *out, size_t size);

#endif
