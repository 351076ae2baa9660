/*
 * fuzz_profile: libFuzzer target for the venue profile loader
 * (sim/io/profile_yaml.h): any bytes as a profile file (models/venues/),
 * parsed and checked as a scenario's `profile: FILE` is. Seeds:
 * the models/venues/ files and tests/data/profiles/ (tests/fuzz/README.md).
 */
#include <stddef.h>
#include <stdint.h>

#include "perr.h"
#include "profile_yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    profile p;
    perr e;
    perr_clear(&e);
    (void)profile_load_text("fuzz.yaml", (const char *)data, size, &p, &e);
    return 0;
}
