/*
 * fuzz_scenario: libFuzzer target for the scenario loader
 * (sim/io/scenario_load.h): any bytes as a scenario file, loaded and
 * checked in full as `perpsim validate` does. A load must either succeed
 * (and free all it took) or fail with a message; a crash, a leak, a hang or
 * undefined behaviour is a bug. Seeds: the scenarios/ files and
 * tests/data/scenarios/ (tests/fuzz/README.md).
 */
#include <stddef.h>
#include <stdint.h>

#include "perr.h"
#include "scenario_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    scenario s;
    perr e;
    perr_clear(&e);
    if (scenario_load_text("fuzz.yaml", (const char *)data, size, NULL, 0, &s,
                           &e)
        == PERR_OK)
        scenario_free(&s);
    return 0;
}
