/*
 * Tests of pcg: the reference output, jump-ahead, unbiased bounded integers,
 * 53-bit doubles, stream derivation, and GSL distributions drawn through the
 * PCG generator type.
 */
#include <criterion/criterion.h>

#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "pcg.h"

/* The published output of the reference pcg32 demo (pcg32-demo.c, seeded
 * with pcg32_srandom_r(&rng, 42, 54)). */
static const uint32_t reference_42_54[6] = {0xa15c02b7, 0x7b47f409, 0xba1d3330,
                                            0x83d2f293, 0xbfa4784b, 0xcbed606e};

Test(pcg, seed_42_stream_54_gives_reference_output)
{
    pcg32 rng;
    pcg32_seed(&rng, 42, 54);
    for (int i = 0; i < 6; i++) {
        uint32_t got = pcg32_next(&rng);
        cr_expect_eq(got, reference_42_54[i], "output %d: got 0x%08x, want 0x%08x",
                     i, got, reference_42_54[i]);
    }
}

Test(pcg, gsl_type_seeded_42_gives_reference_output)
{
    gsl_rng *r = gsl_rng_alloc(pcg32_gsl);
    cr_assert_not_null(r);
    gsl_rng_set(r, 42);
    cr_expect_str_eq(gsl_rng_name(r), "pcg32");
    cr_expect_eq(gsl_rng_max(r), 0xffffffffUL);
    cr_expect_eq(gsl_rng_min(r), 0UL);
    for (int i = 0; i < 6; i++)
        cr_expect_eq(gsl_rng_get(r), (unsigned long)reference_42_54[i]);
    cr_expect_not_null(pcg32_gsl_state(r));
    gsl_rng_free(r);
}

Test(pcg, advance_equals_stepping)
{
    const uint64_t deltas[] = {0, 1, 2, 3, 63, 64, 1000, 12345};
    for (size_t k = 0; k < sizeof deltas / sizeof deltas[0]; k++) {
        pcg32 stepped, jumped;
        pcg32_seed(&stepped, 42, 54);
        jumped = stepped;
        for (uint64_t i = 0; i < deltas[k]; i++)
            (void)pcg32_next(&stepped);
        pcg32_advance(&jumped, deltas[k]);
        cr_expect_eq(jumped.state, stepped.state, "delta %llu",
                     (unsigned long long)deltas[k]);
        cr_expect_eq(pcg32_next(&jumped), pcg32_next(&stepped));
    }
}

Test(pcg, advance_by_minus_n_goes_back)
{
    pcg32 rng;
    pcg32_seed(&rng, 7, 11);
    pcg32 start = rng;
    for (int i = 0; i < 1000; i++)
        (void)pcg32_next(&rng);
    pcg32_advance(&rng, (uint64_t)0 - 1000u);
    cr_expect_eq(rng.state, start.state);
}

Test(pcg, advance_huge_delta_composes)
{
    /* advance(a) then advance(b) equals advance(a + b), for deltas far
     * beyond what stepping could check. */
    pcg32 one, two;
    pcg32_seed(&one, 1, 2);
    two = one;
    uint64_t a = 0x123456789abcdefULL, b = 0xfedcba987654321ULL;
    pcg32_advance(&one, a);
    pcg32_advance(&one, b);
    pcg32_advance(&two, a + b);
    cr_expect_eq(one.state, two.state);
}

Test(pcg, bounded_stays_below_bound)
{
    pcg32 rng;
    pcg32_seed(&rng, 3, 4);
    const uint32_t bounds[] = {1, 2, 3, 7, 10, 1000, 0x80000001u, 0xffffffffu};
    for (size_t k = 0; k < sizeof bounds / sizeof bounds[0]; k++)
        for (int i = 0; i < 10000; i++)
            cr_assert_lt(pcg32_bounded(&rng, bounds[k]), bounds[k]);
    cr_expect_eq(pcg32_bounded(&rng, 0), 0u);
}

Test(pcg, bounded_has_no_modulo_bias)
{
    /* With bound 3 * 2^30, `next % bound` would put values below 2^30 twice
     * as often as the others (probability 1/2 instead of 1/3). */
    pcg32 rng;
    pcg32_seed(&rng, 42, 54);
    const uint32_t bound = 3u << 30;
    const int n = 300000;
    int low = 0;
    for (int i = 0; i < n; i++)
        low += pcg32_bounded(&rng, bound) < (1u << 30);
    double share = (double)low / n;
    /* Sampling error of the share is sqrt(1/3 * 2/3 / n) ~ 0.00086. */
    cr_expect(fabs(share - 1.0 / 3.0) < 0.005, "share below 2^30: %f", share);
}

Test(pcg, bounded_is_uniform_over_small_range)
{
    pcg32 rng;
    pcg32_seed(&rng, 99, 1);
    enum { K = 10, N = 200000 };
    double counts[K] = {0};
    for (int i = 0; i < N; i++)
        counts[pcg32_bounded(&rng, K)] += 1;
    double chi2 = 0, expected = (double)N / K;
    for (int k = 0; k < K; k++)
        chi2 += (counts[k] - expected) * (counts[k] - expected) / expected;
    double p = gsl_cdf_chisq_Q(chi2, K - 1);
    cr_expect(p > 0.001, "chi2 %f, p %g", chi2, p);
}

Test(pcg, double_is_in_unit_interval_with_53_bits)
{
    pcg32 rng;
    pcg32_seed(&rng, 5, 6);
    int uses_low_bits = 0;
    for (int i = 0; i < 100000; i++) {
        double u = pcg32_double(&rng);
        cr_assert(u >= 0.0 && u < 1.0);
        /* A 32-bit double would always be a multiple of 2^-32. */
        double scaled = u * 0x1.0p32;
        uses_low_bits += scaled != floor(scaled);
    }
    cr_expect_gt(uses_low_bits, 99000);
}

Test(pcg, fnv1a64_matches_published_vectors)
{
    /* Test vectors of the FNV reference (Fowler, Noll, Vo), 64-bit FNV-1a. */
    cr_expect_eq(pcg_fnv1a64(""), 0xcbf29ce484222325ULL);
    cr_expect_eq(pcg_fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
    cr_expect_eq(pcg_fnv1a64("foobar"), 0x85944171f73967e8ULL);
}

Test(pcg, component_stream_depends_only_on_seed_and_name)
{
    pcg32 a, b, other;
    pcg32_seed_component(&a, 42, "index");
    pcg32_seed_component(&other, 42, "population.market_maker");
    (void)pcg32_next(&other);
    pcg32_seed_component(&b, 42, "index");
    for (int i = 0; i < 100; i++)
        cr_expect_eq(pcg32_next(&a), pcg32_next(&b));
}

Test(pcg, component_stream_is_pinned)
{
    /* The derivation is part of the file format's promise: the same seed and
     * name give the same draws in every build. This pins it. */
    pcg32 rng;
    uint64_t h = pcg_name_hash("index");
    cr_expect_eq(h, pcg_mix64(pcg_fnv1a64("index")));
    pcg32_seed_component(&rng, 42, "index");
    pcg32 manual;
    pcg32_seed(&manual, pcg_mix64(42 ^ h), h);
    cr_expect_eq(rng.state, manual.state);
    cr_expect_eq(rng.inc, manual.inc);
}

Test(pcg, distinct_names_and_seeds_give_distinct_streams)
{
    const char *names[] = {"index", "population.0", "population.1",
                           "venue.binance.shocks", "venue.bybit.shocks"};
    enum { N = sizeof names / sizeof names[0] };
    uint32_t first[N][4];
    uint64_t inc[N];
    for (int i = 0; i < N; i++) {
        pcg32 rng;
        pcg32_seed_component(&rng, 42, names[i]);
        inc[i] = rng.inc;
        for (int k = 0; k < 4; k++)
            first[i][k] = pcg32_next(&rng);
    }
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++) {
            cr_expect_neq(inc[i], inc[j], "%s and %s share a stream", names[i],
                          names[j]);
            cr_expect(memcmp(first[i], first[j], sizeof first[i]) != 0);
        }
    pcg32 s1, s2;
    pcg32_seed_component(&s1, 1, "index");
    pcg32_seed_component(&s2, 2, "index");
    cr_expect_neq(pcg32_next(&s1), pcg32_next(&s2));
}

/* Chi-square goodness of fit of n draws against a continuous distribution:
 * 50 bins of equal probability under cdf. Returns the p-value. */
static double chi2_fit(gsl_rng *r, double (*draw)(const gsl_rng *, double),
                       double param, double (*cdf)(double, double), int n)
{
    enum { BINS = 50 };
    double counts[BINS] = {0};
    for (int i = 0; i < n; i++) {
        double u = cdf(draw(r, param), param);
        int bin = (int)(u * BINS);
        counts[bin < BINS ? bin : BINS - 1] += 1;
    }
    double chi2 = 0, expected = (double)n / BINS;
    for (int b = 0; b < BINS; b++)
        chi2 += (counts[b] - expected) * (counts[b] - expected) / expected;
    return gsl_cdf_chisq_Q(chi2, BINS - 1);
}

Test(pcg, gsl_gaussian_through_pcg_fits)
{
    gsl_rng *r = pcg32_gsl_alloc(42, "test.gaussian");
    cr_assert_not_null(r);
    double p = chi2_fit(r, gsl_ran_gaussian, 2.5, gsl_cdf_gaussian_P, 200000);
    cr_expect(p > 0.001, "p-value %g", p);
    gsl_rng_free(r);
}

Test(pcg, gsl_exponential_through_pcg_fits)
{
    gsl_rng *r = pcg32_gsl_alloc(42, "test.exponential");
    cr_assert_not_null(r);
    double p = chi2_fit(r, gsl_ran_exponential, 3.0, gsl_cdf_exponential_P,
                        200000);
    cr_expect(p > 0.001, "p-value %g", p);
    gsl_rng_free(r);
}

Test(pcg, gsl_fit_check_rejects_a_wrong_distribution)
{
    /* The fit check must be able to fail: Gaussian draws with stdev 2.6
     * tested against stdev 2.5 are rejected. */
    gsl_rng *r = pcg32_gsl_alloc(42, "test.gaussian");
    cr_assert_not_null(r);
    enum { BINS = 50, N = 200000 };
    double counts[BINS] = {0};
    for (int i = 0; i < N; i++) {
        double u = gsl_cdf_gaussian_P(gsl_ran_gaussian(r, 2.6), 2.5);
        int bin = (int)(u * BINS);
        counts[bin < BINS ? bin : BINS - 1] += 1;
    }
    double chi2 = 0, expected = (double)N / BINS;
    for (int b = 0; b < BINS; b++)
        chi2 += (counts[b] - expected) * (counts[b] - expected) / expected;
    cr_expect(gsl_cdf_chisq_Q(chi2, BINS - 1) < 1e-6);
    gsl_rng_free(r);
}
