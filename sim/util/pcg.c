/*
 * pcg: PCG32 (XSH-RR 64/32) and its GSL generator type (see pcg.h).
 *
 * The algorithm is M. E. O'Neill's, "PCG: A Family of Simple Fast
 * Space-Efficient Statistically Good Algorithms for Random Number Generation"
 * (2014): a 64-bit LCG with multiplier 6364136223846793005 whose state is
 * output through an xorshift and a data-dependent rotation. The jump-ahead is
 * F. Brown's "Random Number Generation with Arbitrary Stride" (1994): an LCG
 * step x -> a*x + c composed with itself by squaring, delta's bits selecting
 * which powers to apply. Bounded integers use D. Lemire's multiply-and-reject
 * ("Fast Random Integer Generation in an Interval", 2019).
 */
#include "pcg.h"

#include <stdlib.h>

#define PCG32_MULT 6364136223846793005ULL

void pcg32_seed(pcg32 *rng, uint64_t initstate, uint64_t initseq)
{
    rng->state = 0;
    rng->inc = (initseq << 1u) | 1u;
    (void)pcg32_next(rng);
    rng->state += initstate;
    (void)pcg32_next(rng);
}

uint32_t pcg32_bounded(pcg32 *rng, uint32_t bound)
{
    if (bound == 0)
        return 0;
    uint64_t m = (uint64_t)pcg32_next(rng) * bound;
    uint32_t low = (uint32_t)m;
    if (low < bound) {
        /* 2^32 mod bound: the outputs in the short last interval. */
        uint32_t threshold = (uint32_t)(-bound) % bound;
        while (low < threshold) {
            m = (uint64_t)pcg32_next(rng) * bound;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

void pcg32_advance(pcg32 *rng, uint64_t delta)
{
    uint64_t cur_mult = PCG32_MULT, cur_plus = rng->inc;
    uint64_t acc_mult = 1, acc_plus = 0;
    while (delta > 0) {
        if (delta & 1u) {
            acc_mult *= cur_mult;
            acc_plus = acc_plus * cur_mult + cur_plus;
        }
        cur_plus = (cur_mult + 1) * cur_plus;
        cur_mult *= cur_mult;
        delta >>= 1u;
    }
    rng->state = acc_mult * rng->state + acc_plus;
}

uint64_t pcg_fnv1a64(const char *name)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t pcg_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

uint64_t pcg_name_hash(const char *name)
{
    return pcg_mix64(pcg_fnv1a64(name));
}

void pcg32_seed_component(pcg32 *rng, uint64_t seed, const char *name)
{
    uint64_t h = pcg_name_hash(name);
    pcg32_seed(rng, pcg_mix64(seed ^ h), h);
}

/* The GSL type: three callbacks over a pcg32 state that GSL allocates. */

static void gsl_pcg32_set(void *state, unsigned long int seed)
{
    pcg32_seed(state, (uint64_t)seed, PCG32_GSL_STREAM);
}

static unsigned long int gsl_pcg32_get(void *state)
{
    return pcg32_next(state);
}

static double gsl_pcg32_get_double(void *state)
{
    return pcg32_double(state);
}

static const gsl_rng_type pcg32_gsl_type = {
    "pcg32",
    0xffffffffUL,
    0,
    sizeof(pcg32),
    gsl_pcg32_set,
    gsl_pcg32_get,
    gsl_pcg32_get_double,
};

const gsl_rng_type *pcg32_gsl = &pcg32_gsl_type;

gsl_rng *pcg32_gsl_alloc(uint64_t seed, const char *name)
{
    gsl_rng *r = gsl_rng_alloc(pcg32_gsl);
    if (r)
        pcg32_seed_component(r->state, seed, name);
    return r;
}

pcg32 *pcg32_gsl_state(const gsl_rng *r)
{
    return r && r->type == pcg32_gsl ? r->state : NULL;
}
