/*
 * bench pcg: how fast the generator is, raw and through GSL. Each loop folds
 * its draws into a checksum that is printed, so the compiler cannot drop it.
 */
#include <string.h>

#include <gsl/gsl_randist.h>

#include "bench.h"
#include "pcg.h"
#include "wallclock.h"

int bench_pcg(int argc, char **argv, FILE *out, perr *e)
{
    uint64_t draws = 100000000u;
    const bench_count counts[] = {{"--draws", &draws}, {NULL, NULL}};
    int rc = bench_options(argc, argv, counts, NULL, e);
    if (rc)
        return rc;

    pcg32 rng;
    pcg32_seed(&rng, 42, 54);
    uint32_t sum32 = 0;
    double t0 = wallclock_seconds();
    for (uint64_t i = 0; i < draws; i++)
        sum32 += pcg32_next(&rng);
    double t_u32 = wallclock_seconds() - t0;

    double sum = 0;
    uint64_t draws_double = draws / 2;
    t0 = wallclock_seconds();
    for (uint64_t i = 0; i < draws_double; i++)
        sum += pcg32_double(&rng);
    double t_double = wallclock_seconds() - t0;

    gsl_rng *r = pcg32_gsl_alloc(42, "bench");
    if (!r)
        return perr_set(e, PERR_NOMEM, "cannot allocate a GSL generator");
    uint64_t draws_gauss = draws / 10;
    t0 = wallclock_seconds();
    for (uint64_t i = 0; i < draws_gauss; i++)
        sum += gsl_ran_gaussian_ziggurat(r, 1.0);
    double t_gauss = wallclock_seconds() - t0;
    gsl_rng_free(r);

    fprintf(out, "draws: %llu\n", (unsigned long long)draws);
    fprintf(out, "checksum: %08x %.6f\n", sum32, sum);
    fprintf(out, "ns_per_double: %.3f\n", t_double * 1e9 / (double)draws_double);
    fprintf(out, "ns_per_gsl_gaussian: %.3f\n",
            t_gauss * 1e9 / (double)draws_gauss);
    fprintf(out, "ns_per_u32: %.3f\n", t_u32 * 1e9 / (double)draws);
    fprintf(out, "u32_per_sec: %.0f\n", (double)draws / t_u32);
    return 0;
}
