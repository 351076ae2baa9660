/*
 * fuzz_klines: libFuzzer target for the klines replay reader
 * (models/index_replay.c): any bytes as the file of a scenario's
 * `index: {model: replay, file: ...}`, read through index_new as a run
 * reads it, from a start inside the seeds' candles so that well-formed
 * inputs go on to build a whole path. Seeds: tests/data/klines/
 * (tests/fuzz/README.md).
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp (fuzz_input.h) */

#include <stddef.h>
#include <stdint.h>

#include "fuzz_input.h"
#include "index.h"
#include "perr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    index_params p;
    index_params_default(&p);
    p.model = INDEX_REPLAY;
    p.file = fuzz_write(data, size);
    p.start_utc_ms = INT64_C(1752105600000); /* 2025-07-10T00:00:00Z */
    perr e;
    perr_clear(&e);
    index_process *ix = index_new(&p, &e);
    if (ix) {
        /* Walk the path a little, as a run's first hour would. */
        for (int64_t t = 0; t <= INT64_C(3600000); t += INT64_C(60000))
            (void)index_advance(ix, t);
        index_free(ix);
    }
    return 0;
}
