/*
 * fuzz_premium: libFuzzer target for the premium CSV reader behind
 * `perpsim calc funding --premium-csv FILE` (sim/cli/calc.c): any bytes as
 * the file, run through the calculator as the program runs it, for a venue
 * of each funding cadence (8 h and 1 h). Seeds: tests/data/premium/
 * (tests/fuzz/README.md).
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp (fuzz_input.h) */

#include <stddef.h>
#include <stdint.h>

#include "calc.h"
#include "fuzz_input.h"
#include "perr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write(data, size);
    static const char *const venues[] = {"binance", "hyperliquid"};
    for (size_t i = 0; i < sizeof venues / sizeof venues[0]; i++) {
        char *argv[] = {"funding", "--venue", (char *)venues[i],
                        "--premium-csv", (char *)path};
        calc_report r = {0};
        perr e;
        perr_clear(&e);
        (void)calc_funding(5, argv, &r, &e);
        calc_report_free(&r);
    }
    return 0;
}
