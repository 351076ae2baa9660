/*
 * Tests of the arrival processes (models/arrival.h): Poisson counts and
 * gaps, the Hawkes stationary rate and the overdispersion of its window
 * counts against the closed forms, determinism per stream, excitation, and
 * parameter errors naming the scenario key.
 *
 * Statistical tests run at a fixed seed and accept an estimate within 4 of
 * its standard errors, each derived in the test from the model's own
 * variance (not from the sample), so a wrong rate or a wrong clustering
 * fails rather than widening the band.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arrival.h"

#define SEC INT64_C(1000)
#define TOLERANCE 4.0 /* standard errors */

static arrival_params params(arrival_kind kind, double rate, double alpha, double beta)
{
    arrival_params p;
    arrival_params_default(&p);
    p.kind = kind;
    p.rate = rate;
    p.alpha = alpha;
    p.beta = beta;
    return p;
}

static void make(arrival *a, const arrival_params *p, uint64_t seed, const char *stream,
                 int64_t start_ms)
{
    perr e = {0, ""};
    int rc = arrival_init(a, p, seed, stream, start_ms, &e);
    cr_assert_eq(rc, PERR_OK, "arrival_init: %s", e.msg);
}

/* Counts the arrivals in each of `windows` windows of window_ms from the
 * start (0), into counts; returns the total. */
static uint64_t count_windows(arrival *a, int64_t window_ms, size_t windows,
                              uint64_t *counts)
{
    memset(counts, 0, windows * sizeof *counts);
    uint64_t total = 0;
    const int64_t end = window_ms * (int64_t)windows;
    for (int64_t t = arrival_next(a); t < end; t = arrival_next(a)) {
        counts[t / window_ms]++;
        total++;
    }
    return total;
}

/* Sample variance over mean of counts: the Fano factor. */
static double fano(const uint64_t *counts, size_t n)
{
    double mean = 0, var = 0;
    for (size_t i = 0; i < n; i++)
        mean += (double)counts[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        var += ((double)counts[i] - mean) * ((double)counts[i] - mean);
    var /= (double)(n - 1);
    return var / mean;
}

/* ---- poisson ------------------------------------------------------------- */

Test(arrival, poisson_count_over_a_long_horizon_is_rate_times_time)
{
    /* N(T) is Poisson(rate T): standard error sqrt(rate T) = 1000 here. */
    const double rate = 1000.0, horizon_s = 1000.0;
    arrival_params p = params(ARRIVAL_POISSON, rate, 0, 1.0);
    arrival a;
    make(&a, &p, 42, "population.noise", 0);
    const int64_t end = (int64_t)(horizon_s * 1000);
    uint64_t n = 0;
    for (int64_t t = arrival_next(&a); t < end; t = arrival_next(&a))
        n++;
    double expected = rate * horizon_s;
    cr_expect(fabs((double)n - expected) < TOLERANCE * sqrt(expected),
              "%llu arrivals, expected %.0f +- %.0f", (unsigned long long)n, expected,
              TOLERANCE * sqrt(expected));
    arrival_free(&a);
}

Test(arrival, poisson_gaps_are_exponential_with_mean_one_over_rate)
{
    /* Gaps are iid exponential with mean m = 500 ms: the sample mean has
     * standard error m / sqrt(n), the sample sd (also m) about m / sqrt(2n)
     * (the exponential's excess kurtosis 6 gives var(s^2) = 8 m^4 / n).
     * Rounding to ms telescopes out of the mean and adds only 1/12 ms^2 to
     * the variance. */
    const double rate = 2.0, m = 1000.0 / rate;
    enum { N = 100000 };
    arrival_params p = params(ARRIVAL_POISSON, rate, 0, 1.0);
    arrival a;
    make(&a, &p, 7, "population.holders", 0);
    int64_t prev = arrival_next(&a), first = prev;
    double sum_sq = 0;
    for (int i = 0; i < N; i++) {
        int64_t t = arrival_next(&a);
        double gap = (double)(t - prev);
        sum_sq += (gap - m) * (gap - m);
        prev = t;
    }
    double mean = (double)(prev - first) / N;
    double sd = sqrt(sum_sq / N - (mean - m) * (mean - m));
    cr_expect(fabs(mean - m) < TOLERANCE * m / sqrt(N), "mean gap %.3f ms, expected %.0f",
              mean, m);
    cr_expect(fabs(sd - m) < TOLERANCE * m * sqrt(2.0 / N), "gap sd %.3f ms, expected %.0f",
              sd, m);
    arrival_free(&a);
}

/* Poisson window counts have variance equal to their mean. The sample
 * Fano factor of K near-normal counts has standard error sqrt(2 / (K - 1)). */
Test(arrival, poisson_window_counts_have_fano_factor_one)
{
    enum { K = 500 };
    static uint64_t counts[K];
    arrival_params p = params(ARRIVAL_POISSON, 200.0, 0, 1.0);
    arrival a;
    make(&a, &p, 42, "population.noise", 0);
    count_windows(&a, 10 * SEC, K, counts);
    double f = fano(counts, K);
    cr_expect(fabs(f - 1.0) < TOLERANCE * sqrt(2.0 / (K - 1)), "fano %.3f", f);
    arrival_free(&a);
}

/* ---- hawkes -------------------------------------------------------------- */

/* mu 100/s, alpha 0.5, beta 10/s: mean rate 200/s, clusters lasting about
 * 1 / (beta (1 - alpha)) = 0.2 s. */
static arrival_params hawkes(void)
{
    return params(ARRIVAL_HAWKES, 100.0, 0.5, 10.0);
}

Test(arrival, hawkes_stationary_rate_is_mu_over_one_minus_alpha)
{
    /* Over a long horizon T, var N(T) -> T mu / (1 - alpha)^3 (Hawkes 1971;
     * the Poisson variance inflated by the clustering), so the rate estimate
     * N / T has standard error sqrt(mu / ((1 - alpha)^3 T)) = 0.4/s for
     * T = 5000 s, about 1e6 arrivals. Starting from no excess biases the
     * count by about -(rate - mu) / (beta (1 - alpha)) = -20 arrivals
     * (0.004/s), far inside the band. */
    const arrival_params p = hawkes();
    const double horizon_s = 5000.0, rate = p.rate / (1 - p.alpha);
    const double se = sqrt(p.rate / pow(1 - p.alpha, 3) / horizon_s);
    arrival a;
    make(&a, &p, 42, "population.momentum", 0);
    uint64_t n = 0;
    const int64_t end = (int64_t)(horizon_s * 1000);
    int64_t prev = 0;
    for (int64_t t = arrival_next(&a); t < end; t = arrival_next(&a)) {
        cr_assert(t >= prev, "arrival %llu at %lld ms after %lld ms", (unsigned long long)n,
                  (long long)t, (long long)prev);
        prev = t;
        n++;
    }
    double estimate = (double)n / horizon_s;
    cr_expect(fabs(estimate - rate) < TOLERANCE * se, "rate %.3f/s, expected %.0f +- %.2f",
              estimate, rate, TOLERANCE * se);
    arrival_free(&a);
}

Test(arrival, hawkes_window_counts_are_overdispersed)
{
    /* For the exponential kernel (Hawkes 1971) the count in a window w has
     *   var / mean = 1 + alpha (2 - alpha) / (1 - alpha)^2
     *                  x (1 - (1 - exp(-k w)) / (k w)),  k = beta (1 - alpha),
     * 3.94 for 10 s windows; the sample ratio over K windows has standard
     * error about that times sqrt(2 / (K - 1)) (counts near normal, windows
     * nearly independent: 10 s against 0.2 s of memory). */
    enum { K = 500 };
    static uint64_t counts[K];
    const arrival_params p = hawkes();
    const double w = 10.0, k = p.beta * (1 - p.alpha);
    const double asymptotic = p.alpha * (2 - p.alpha) / pow(1 - p.alpha, 2);
    const double expected = 1 + asymptotic * (1 - (1 - exp(-k * w)) / (k * w));
    arrival a;
    make(&a, &p, 42, "population.momentum", 0);
    count_windows(&a, (int64_t)(w * 1000), K, counts);
    double f = fano(counts, K);
    cr_expect(f > 2.0, "fano %.3f: not overdispersed", f);
    cr_expect(fabs(f - expected) < TOLERANCE * expected * sqrt(2.0 / (K - 1)),
              "fano %.3f, expected %.3f", f, expected);
    arrival_free(&a);
}

Test(arrival, arrivals_start_at_the_start_never_decrease_and_may_share_a_millisecond)
{
    /* 2000 arrivals a second on average: many land in a shared ms. */
    arrival_params p = params(ARRIVAL_HAWKES, 1000.0, 0.5, 50.0);
    arrival a;
    const int64_t start = 3600 * SEC;
    make(&a, &p, 1, "population.takers", start);
    int64_t prev = start;
    int shared = 0;
    for (int i = 0; i < 100000; i++) {
        int64_t t = arrival_next(&a);
        cr_assert(t >= prev, "arrival %d at %lld ms after %lld ms", i, (long long)t,
                  (long long)prev);
        shared += i > 0 && t == prev;
        prev = t;
    }
    cr_expect(shared > 1000, "%d arrivals shared a millisecond with the previous", shared);
    arrival_free(&a);
}

/* ---- determinism --------------------------------------------------------- */

static void first_arrivals(const char *stream, uint64_t seed, int64_t *out, size_t n)
{
    arrival_params p = hawkes();
    arrival a;
    make(&a, &p, seed, stream, 0);
    for (size_t i = 0; i < n; i++)
        out[i] = arrival_next(&a);
    arrival_free(&a);
}

Test(arrival, same_seed_and_stream_give_the_same_arrivals_others_differ)
{
    enum { N = 1000 };
    static int64_t a[N], b[N], c[N], d[N];
    first_arrivals("population.longs", 42, a, N);
    first_arrivals("population.longs", 42, b, N);
    first_arrivals("population.shorts", 42, c, N);
    first_arrivals("population.longs", 43, d, N);
    cr_expect(memcmp(a, b, sizeof a) == 0, "same seed and stream differ");
    int same_stream = 0, same_seed = 0;
    for (size_t i = 0; i < N; i++) {
        same_stream += a[i] == c[i];
        same_seed += a[i] == d[i];
    }
    cr_expect(same_stream < N / 10, "%d of %d equal on another stream", same_stream, N);
    cr_expect(same_seed < N / 10, "%d of %d equal with another seed", same_seed, N);
}

/* ---- excitation ---------------------------------------------------------- */

static uint64_t count_until(arrival *a, int64_t end_ms)
{
    uint64_t n = 0;
    while (arrival_peek(a) < end_ms) {
        arrival_next(a);
        n++;
    }
    return n;
}

Test(arrival, excitation_raises_the_short_run_rate_and_then_decays)
{
    /* A Poisson population at 10/s, excited by 1000/s at 100 s with decay
     * 1/s: the second after should hold about 10 + 1000 (1 - 1/e) = 642
     * arrivals against 10 without; 30 s later the excess is 1000 e^-30,
     * nothing. Before the excitation both runs agree draw for draw. */
    arrival_params p = params(ARRIVAL_POISSON, 10.0, 0, 1.0);
    arrival plain, excited;
    make(&plain, &p, 42, "population.noise", 0);
    make(&excited, &p, 42, "population.noise", 0);
    while (arrival_peek(&plain) < 100 * SEC)
        cr_assert_eq(arrival_next(&plain), arrival_next(&excited));
    perr e = {0, ""};
    cr_assert_eq(arrival_excite(&excited, 100 * SEC, 1000.0, &e), PERR_OK, "%s", e.msg);
    cr_expect(fabs(arrival_intensity(&excited) - 1010.0) < 1e-9, "intensity %g",
              arrival_intensity(&excited));
    cr_expect(arrival_peek(&excited) >= 100 * SEC);
    uint64_t burst = count_until(&excited, 101 * SEC);
    uint64_t calm = count_until(&plain, 101 * SEC);
    cr_expect(burst > 400 && burst < 900, "%llu arrivals in the excited second",
              (unsigned long long)burst);
    cr_expect(calm < 40, "%llu arrivals in the plain second", (unsigned long long)calm);
    count_until(&excited, 130 * SEC);
    uint64_t later = count_until(&excited, 230 * SEC);
    cr_expect(later > 800 && later < 1200, "%llu arrivals in 100 s after the decay",
              (unsigned long long)later);
    arrival_free(&plain);
    arrival_free(&excited);
}

Test(arrival, excitation_outside_the_pending_interval_or_negative_is_refused)
{
    arrival_params p = params(ARRIVAL_HAWKES, 1.0, 0.3, 1.0);
    arrival a;
    make(&a, &p, 5, "population.makers", 0);
    int64_t taken = arrival_next(&a);
    int64_t pending = arrival_peek(&a);
    cr_assert(pending > taken + 1, "draw a seed with a gap: %lld %lld", (long long)taken,
              (long long)pending);
    perr e = {0, ""};
    cr_expect_eq(arrival_excite(&a, taken - 1, 1.0, &e), PERR_STATE);
    cr_expect(strstr(e.msg, "arrival_excite"), "%s", e.msg);
    cr_expect_eq(arrival_excite(&a, pending + 1, 1.0, &e), PERR_STATE);
    cr_expect_eq(arrival_excite(&a, taken, -1.0, &e), PERR_INVALID);
    cr_expect_eq(arrival_excite(&a, taken, NAN, &e), PERR_INVALID);
    cr_expect_eq(arrival_peek(&a), pending, "a refused excitation redrew");
    cr_expect_eq(arrival_excite(&a, pending, 1.0, &e), PERR_OK, "%s", e.msg);
    cr_expect(arrival_peek(&a) >= pending);
    arrival_free(&a);
}

/* ---- parameters ---------------------------------------------------------- */

static void expect_rejected(const arrival_params *p, const char *key)
{
    perr e = {0, ""};
    cr_expect_eq(arrival_check(p, "populations[2].arrival", &e), PERR_INVALID,
                 "%s accepted", key);
    cr_expect(strstr(e.msg, key) != NULL, "want '%s' in: %s", key, e.msg);
    arrival a;
    cr_expect_eq(arrival_init(&a, p, 1, "population", 0, &e), PERR_INVALID);
    arrival_free(&a);
}

Test(arrival, defaults_are_valid_for_both_kinds)
{
    perr e = {0, ""};
    arrival_params p;
    arrival_params_default(&p);
    cr_expect_eq(arrival_check(&p, "arrival", &e), PERR_OK, "%s", e.msg);
    cr_expect_str_eq(arrival_kind_name(p.kind), "poisson");
    p.kind = ARRIVAL_HAWKES;
    cr_expect_eq(arrival_check(&p, "arrival", &e), PERR_OK, "%s", e.msg);
}

Test(arrival, bad_parameters_are_rejected_naming_the_key)
{
    arrival_params p = hawkes();
    p.alpha = 1.0;
    expect_rejected(&p, "populations[2].arrival.alpha: must be in [0, 1)");
    p = hawkes();
    p.alpha = -0.1;
    expect_rejected(&p, "populations[2].arrival.alpha");
    p = hawkes();
    p.alpha = NAN;
    expect_rejected(&p, "populations[2].arrival.alpha");
    p = hawkes();
    p.rate = 0;
    expect_rejected(&p, "populations[2].arrival.rate");
    p = params(ARRIVAL_POISSON, INFINITY, 0, 1.0);
    expect_rejected(&p, "populations[2].arrival.rate");
    p = params(ARRIVAL_POISSON, 1.0, 0, 0);
    expect_rejected(&p, "populations[2].arrival.beta");
    p = hawkes();
    p.kind = (arrival_kind)7;
    expect_rejected(&p, "populations[2].arrival.kind");
}
