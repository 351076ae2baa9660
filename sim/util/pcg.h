/*
 * pcg: perpsim's random number generator, PCG32 (XSH-RR 64/32), and its
 * registration as a GSL generator type.
 *
 * The generator has a 64-bit state and a 64-bit increment that must be odd;
 * each odd increment is a distinct stream, so one seed gives 2^63 independent
 * sequences. Output is the XSH-RR permutation of the state before the step.
 * Seeding follows the reference pcg32_srandom_r(initstate, initseq): with
 * initstate 42 and initseq 54 the first outputs are 0xa15c02b7 0x7b47f409
 * 0xba1d3330 0x83d2f293 0xbfa4784b 0xcbed606e (the reference demo's output).
 *
 * Every random component of a run (the index process, each population, each
 * venue's shocks) draws from its own stream, derived from the scenario seed and
 * the component's name by pcg32_seed_component(); see pcg_name_hash() for the
 * documented hash. A component's draws therefore depend on nothing but the seed
 * and its own name: adding a component never shifts another's draws.
 *
 * Through GSL: gsl_rng_alloc(pcg32_gsl) gives a generator that every gsl_ran_*
 * distribution accepts. gsl_rng_set(r, s) seeds it as pcg32_seed(s, 54);
 * pcg32_gsl_alloc() seeds a component stream directly.
 */
#ifndef PERPSIM_PCG_H
#define PERPSIM_PCG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

typedef struct pcg32 {
    uint64_t state;
    uint64_t inc; /* always odd: (initseq << 1) | 1 */
} pcg32;

/* The stream gsl_rng_set() uses, as in the reference demo. */
#define PCG32_GSL_STREAM 54u

/* Seeds as the reference pcg32_srandom_r(initstate, initseq). Only the low 63
 * bits of initseq select the stream. */
void pcg32_seed(pcg32 *rng, uint64_t initstate, uint64_t initseq);

/* The next 32-bit output; uniform over [0, 2^32). */
static inline uint32_t pcg32_next(pcg32 *rng)
{
    uint64_t old = rng->state;
    rng->state = old * 6364136223846793005ULL + rng->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

/* A uniform integer in [0, bound) without modulo bias (bound >= 1): the
 * multiply-and-reject method, which rejects only the 2^32 mod bound outputs
 * that would make some results more likely. Bound 0 returns 0. */
uint32_t pcg32_bounded(pcg32 *rng, uint32_t bound);

/* A uniform double in [0, 1) with 53 random bits (every multiple of 2^-53 is
 * equally likely): 27 bits from one output and 26 from the next. */
static inline double pcg32_double(pcg32 *rng)
{
    uint64_t hi = pcg32_next(rng) >> 5;
    uint64_t lo = pcg32_next(rng) >> 6;
    return (double)((hi << 26) | lo) * 0x1.0p-53;
}

/* Moves the generator delta steps ahead in O(log delta) multiplications, so
 * that the next output is the one delta calls of pcg32_next() would reach.
 * The sequence is a cycle of 2^64, so advancing by 2^64 - k goes k back. */
void pcg32_advance(pcg32 *rng, uint64_t delta);

/* The 64-bit name hash behind component streams: FNV-1a 64 over the bytes of
 * name (offset basis 0xcbf29ce484222325, prime 0x100000001b3), then the
 * splitmix64 finaliser so that names differing in one byte differ in every
 * bit of the stream number. */
uint64_t pcg_name_hash(const char *name);

/* The FNV-1a 64 hash alone (exposed so tests can check it against the
 * published test vectors). */
uint64_t pcg_fnv1a64(const char *name);

/* The splitmix64 finaliser (a bijection on 64-bit integers). */
uint64_t pcg_mix64(uint64_t x);

/* Seeds rng for the component called name in a run with seed seed:
 * h = pcg_name_hash(name); pcg32_seed(rng, pcg_mix64(seed ^ h), h).
 * Distinct names get distinct streams unless their hashes agree in the low 63
 * bits (a chance of 2^-63 for a pair). */
void pcg32_seed_component(pcg32 *rng, uint64_t seed, const char *name);

/* The GSL generator type: name "pcg32", range [0, 2^32 - 1]; get_double is
 * pcg32_double (53 bits, two outputs per double). */
extern const gsl_rng_type *pcg32_gsl;

/* A GSL generator on the stream of component name (see
 * pcg32_seed_component). NULL if the allocation fails. Free with gsl_rng_free. */
gsl_rng *pcg32_gsl_alloc(uint64_t seed, const char *name);

/* The PCG state inside a GSL generator of type pcg32_gsl, or NULL when r is of
 * another type. */
pcg32 *pcg32_gsl_state(const gsl_rng *r);

#endif
