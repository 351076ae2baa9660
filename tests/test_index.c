/*
 * Tests of the index processes (models/index.h): the moments of each random
 * model's log returns against its parameters, Merton's jump count and fat
 * tails, GARCH's long-run variance and volatility clustering, determinism,
 * the replay of Binance klines files (closes exact at close times, the path
 * through a candle, alignment to the start, errors at file:line), and the
 * shocks: jump, freeze, vol burst.
 *
 * Statistical tests run at a fixed seed and accept an estimate within 4 of
 * its standard errors, computed in the test: sd / sqrt(n) for a mean of iid
 * returns, sqrt((m4 - m2^2) / n) for their variance (m4 the sample fourth
 * central moment), and batch means (the spread of the estimate over 100
 * batches much longer than the correlation time) for GARCH, whose squared
 * returns are autocorrelated.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_statistics_double.h>

#include "index.h"
#include "support.h"

#define SEC INT64_C(1000)
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
#define DAY0 INT64_C(1752105600000) /* 2025-07-10T00:00:00Z */
#define KLINES PERPSIM_SOURCE_DIR "/tests/data/klines/"
#define YEARS_PER_MS (1.0 / (365.0 * 86400000.0))
#define TOLERANCE 4.0 /* standard errors */

static index_params params(index_model model)
{
    index_params p;
    index_params_default(&p);
    p.model = model;
    p.seed = 42;
    return p;
}

static index_process *make(const index_params *p)
{
    perr e = {0, ""};
    return support_made(index_new(p, &e), "index_new", &e);
}

/* The log returns of n consecutive steps of `step` ms from where ix is. */
static double *log_returns(index_process *ix, int64_t from, int64_t step, size_t n)
{
    double *r = malloc(n * sizeof *r);
    cr_assert_not_null(r);
    double prev = index_advance(ix, from);
    for (size_t i = 0; i < n; i++) {
        double now = index_advance(ix, from + (int64_t)(i + 1) * step);
        r[i] = log(now / prev);
        prev = now;
    }
    return r;
}

/* The log returns of the first n steps of `step` ms of a new process of p. */
static double *returns_of(const index_params *p, int64_t step, size_t n)
{
    index_process *ix = make(p);
    double *r = log_returns(ix, 0, step, n);
    index_free(ix);
    return r;
}

static double central_moment4(const double *x, size_t n, double mean)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - mean;
        s += d * d * d * d;
    }
    return s / (double)n;
}

/* Sample mean and variance of iid x against their expected values. */
static void expect_iid_mean_variance(const double *x, size_t n, double mean,
                                     double variance, const char *what)
{
    double m = gsl_stats_mean(x, 1, n);
    double v = gsl_stats_variance_m(x, 1, n, m);
    double se_mean = sqrt(v / (double)n);
    double se_var = sqrt((central_moment4(x, n, m) - v * v) / (double)n);
    cr_expect(fabs(m - mean) < TOLERANCE * se_mean,
              "%s: mean %.6g, want %.6g (se %.3g)", what, m, mean, se_mean);
    cr_expect(fabs(v - variance) < TOLERANCE * se_var,
              "%s: variance %.6g, want %.6g (se %.3g)", what, v, variance, se_var);
}

/* The mean gross return exp(r) against exp(drift dt): the expected price
 * grows at the drift. */
static void expect_expected_growth(const double *r, size_t n, double growth)
{
    double *g = malloc(n * sizeof *g);
    cr_assert_not_null(g);
    for (size_t i = 0; i < n; i++)
        g[i] = exp(r[i]);
    double m = gsl_stats_mean(g, 1, n);
    double se = gsl_stats_sd_m(g, 1, n, m) / sqrt((double)n);
    cr_expect(fabs(m - growth) < TOLERANCE * se, "E[S'/S] %.8f, want %.8f (se %.3g)", m,
              growth, se);
    free(g);
}

static double autocorrelation(const double *x, size_t n, size_t lag)
{
    double m = gsl_stats_mean(x, 1, n);
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        den += (x[i] - m) * (x[i] - m);
        if (i + lag < n)
            num += (x[i] - m) * (x[i + lag] - m);
    }
    return num / den;
}

/* The standard error of the mean of x by batch means over `batches`. */
static double batch_se(const double *x, size_t n, size_t batches)
{
    size_t len = n / batches;
    double *means = malloc(batches * sizeof *means);
    cr_assert_not_null(means);
    for (size_t b = 0; b < batches; b++)
        means[b] = gsl_stats_mean(x + b * len, 1, len);
    double se = gsl_stats_sd(means, 1, batches) / sqrt((double)batches);
    free(means);
    return se;
}

/* ---- geometric Brownian motion ------------------------------------------- */

/* Daily returns in a test of their distribution. */
#define DAILY_N 200000

/* One-day steps make the drift visible against the noise: the mean log
 * return (mu - sigma^2 / 2) dt is 4.7 standard errors from 0 and 12 from
 * mu dt (the mistake of leaving out the Ito term). */
static index_params gbm_daily(void)
{
    index_params p = params(INDEX_GBM);
    p.step_ms = DAY;
    p.drift_annual = 0.3;
    p.vol_annual = 1.0;
    return p;
}

Test(index, gbm_log_returns_match_drift_and_vol)
{
    index_params p = gbm_daily();
    double *r = returns_of(&p, DAY, DAILY_N);
    double dt = (double)DAY * YEARS_PER_MS;
    expect_iid_mean_variance(r, DAILY_N, (0.3 - 0.5) * dt, 1.0 * dt, "gbm");
    free(r);
}

/* Daily returns of a process of p: the expected price grows at its drift. */
static void expect_growth_at_the_drift(index_params p)
{
    double *r = returns_of(&p, DAY, DAILY_N);
    expect_expected_growth(r, DAILY_N,
                           exp(p.drift_annual * (double)DAY * YEARS_PER_MS));
    free(r);
}

Test(index, gbm_expected_price_grows_at_the_drift)
{
    expect_growth_at_the_drift(gbm_daily());
}

Test(index, gbm_with_zero_vol_follows_the_drift_exactly)
{
    index_params p = params(INDEX_GBM);
    p.vol_annual = 0;
    p.drift_annual = 0.1;
    p.step_ms = HOUR;
    index_process *ix = make(&p);
    double got = index_advance(ix, 365 * DAY);
    cr_expect(fabs(got / (60000 * exp(0.1)) - 1) < 1e-12, "after a year: %.10g", got);
    index_free(ix);
}

/* ---- Merton jump-diffusion ----------------------------------------------- */

/* Daily steps with one jump a day on average. The drift of 230% a year
 * offsets the jumps' mean log return (-0.6% a day), so the price stays
 * within double range over 200000 steps. */
static index_params merton_daily(void)
{
    index_params p = params(INDEX_JUMP_DIFFUSION);
    p.step_ms = DAY;
    p.drift_annual = 2.3;
    p.vol_annual = 0.5;
    p.jumps.per_day = 1.0;
    p.jumps.mean = -0.05;
    p.jumps.stdev = 0.1;
    return p;
}

Test(index, merton_log_returns_match_parameters)
{
    index_params p = merton_daily();
    double *r = returns_of(&p, DAY, DAILY_N);
    double dt = (double)DAY * YEARS_PER_MS, lambda_dt = 1.0;
    double m = -0.05, s = 0.1, sigma = 0.5, mu = 2.3;
    double kappa = exp(m + s * s / 2) - 1;
    double mean = (mu - sigma * sigma / 2) * dt - lambda_dt * kappa + lambda_dt * m;
    double variance = sigma * sigma * dt + lambda_dt * (s * s + m * m);
    expect_iid_mean_variance(r, DAILY_N, mean, variance, "merton");
    free(r);
}

/* The compensator makes the expected price follow the drift, jumps and all
 * (leaving it out would miss by 170 standard errors here). */
Test(index, merton_expected_price_grows_at_the_drift)
{
    expect_growth_at_the_drift(merton_daily());
}

/* One-minute steps: per_day is converted to a per-step rate. */
Test(index, merton_jump_count_matches_per_day)
{
    index_params p = params(INDEX_JUMP_DIFFUSION);
    p.step_ms = MIN;
    p.jumps.per_day = 100;
    index_process *ix = make(&p);
    const double days = 150;
    index_advance(ix, (int64_t)(days * DAY));
    double want = 100 * days, got = (double)index_jump_count(ix);
    cr_expect(fabs(got - want) < TOLERANCE * sqrt(want), "jumps %.0f, want %.0f +/- %.0f",
              got, want, sqrt(want));
    index_free(ix);
}

Test(index, merton_returns_have_positive_excess_kurtosis)
{
    index_params p = merton_daily();
    double *r = returns_of(&p, DAY, DAILY_N);
    double kurtosis = gsl_stats_kurtosis(r, 1, DAILY_N); /* excess */
    /* Normal returns would give 0 +/- sqrt(24 / n); the compound Poisson
     * cumulants give lambda dt E[Y^4] / variance^2 = 2.6 here. */
    cr_expect(kurtosis > TOLERANCE * sqrt(24.0 / DAILY_N), "excess kurtosis %.3f",
              kurtosis);
    cr_expect(kurtosis > 1.5 && kurtosis < 4.5, "excess kurtosis %.3f, want about 2.6",
              kurtosis);
    free(r);
}

/* ---- GARCH(1,1) ---------------------------------------------------------- */

static index_params garch_test_params(double nu)
{
    index_params p = params(INDEX_GARCH);
    p.step_ms = SEC;
    p.vol_annual = 0.55;
    p.garch.alpha = 0.1;
    p.garch.persistence = 0.95; /* beta 0.85 */
    p.garch.nu = nu;
    return p;
}

static void expect_garch_long_run_variance(double nu)
{
    index_params p = garch_test_params(nu);
    enum { N = 1000000, BATCHES = 100 };
    double *r = returns_of(&p, SEC, N);
    double dt = (double)SEC * YEARS_PER_MS;
    double omega = 0.55 * 0.55 * dt * (1 - 0.95);
    double hbar = omega / (1 - 0.1 - 0.85);
    double m = gsl_stats_mean(r, 1, N);
    double *sq = malloc(N * sizeof *sq);
    cr_assert_not_null(sq);
    for (size_t i = 0; i < N; i++)
        sq[i] = (r[i] - m) * (r[i] - m);
    double v = gsl_stats_mean(sq, 1, N);
    double se_v = batch_se(sq, N, BATCHES), se_m = batch_se(r, N, BATCHES);
    cr_expect(fabs(v - hbar) < TOLERANCE * se_v,
              "nu %g: variance %.6g, want %.6g (se %.3g)", nu, v, hbar, se_v);
    cr_expect(fabs(m - (-hbar / 2)) < TOLERANCE * se_m, "nu %g: mean %.4g (se %.3g)", nu, m,
              se_m);
    free(sq);
    free(r);
}

Test(index, garch_variance_is_omega_over_one_minus_alpha_beta)
{
    expect_garch_long_run_variance(0);
}

Test(index, garch_student_t_innovations_keep_the_long_run_variance)
{
    expect_garch_long_run_variance(6);
}

/* Clustering: squared and absolute returns are positively autocorrelated
 * at the first lags, far beyond the 4 / sqrt(n) an iid series reaches;
 * GBM at the same volatility stays within it. */
Test(index, garch_squared_and_absolute_returns_are_autocorrelated)
{
    enum { N = 500000 };
    const double bound = TOLERANCE / sqrt((double)N);
    index_params p = garch_test_params(0);
    double *r = returns_of(&p, SEC, N);
    double *sq = malloc(N * sizeof *sq), *ab = malloc(N * sizeof *ab);
    cr_assert(sq && ab);
    for (size_t i = 0; i < N; i++) {
        sq[i] = r[i] * r[i];
        ab[i] = fabs(r[i]);
    }
    for (size_t lag = 1; lag <= 10; lag++) {
        cr_expect(autocorrelation(sq, N, lag) > bound, "garch r^2 lag %zu: %.4f", lag,
                  autocorrelation(sq, N, lag));
        cr_expect(autocorrelation(ab, N, lag) > bound, "garch |r| lag %zu: %.4f", lag,
                  autocorrelation(ab, N, lag));
    }
    free(r);

    index_params q = params(INDEX_GBM);
    q.step_ms = SEC;
    r = returns_of(&q, SEC, N);
    for (size_t i = 0; i < N; i++)
        ab[i] = fabs(r[i]);
    for (size_t lag = 1; lag <= 10; lag++)
        cr_expect(fabs(autocorrelation(ab, N, lag)) < bound, "gbm |r| lag %zu: %.4f", lag,
                  autocorrelation(ab, N, lag));
    free(r);
    free(sq);
    free(ab);
}

/* The documented default (1 s steps, alpha 0.01, persistence 0.9999,
 * Student t with nu 4) gives the stylized facts in one day of
 * one-minute returns: excess kurtosis above 3 and absolute returns
 * positively autocorrelated at each of the first 30 lags. One day is a
 * small sample (the facts hold in about 84% of seeds), so the test asks it
 * of at least 14 of 20 seeds. */
Test(index, garch_default_calibration_clusters_one_minute_returns)
{
    enum { N = 1440, SEEDS = 20 };
    int both = 0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        index_params p;
        index_params_default(&p);
        p.seed = seed;
        double *r = returns_of(&p, MIN, N);
        double kurtosis = gsl_stats_kurtosis(r, 1, N);
        double ab[N];
        for (size_t i = 0; i < N; i++)
            ab[i] = fabs(r[i]);
        int positive = 0;
        for (size_t lag = 1; lag <= 30; lag++)
            positive += autocorrelation(ab, N, lag) > 0;
        both += kurtosis > 3 && positive == 30;
        free(r);
    }
    cr_expect(both >= 14, "%d of %d seeds show both facts", both, SEEDS);
}

/* ---- determinism --------------------------------------------------------- */

static const index_model stepped_models[] = {INDEX_GBM, INDEX_JUMP_DIFFUSION, INDEX_GARCH};

Test(index, same_seed_gives_the_same_path_and_another_seed_another)
{
    for (size_t k = 0; k < 3; k++) {
        index_params p = params(stepped_models[k]);
        p.jumps.per_day = 500; /* so the jump draws take part */
        index_process *a = make(&p), *b = make(&p);
        p.seed = 43;
        index_process *c = make(&p);
        int differ = 0;
        for (int64_t t = 0; t <= 2 * HOUR; t += SEC) {
            double pa = index_advance(a, t), pb = index_advance(b, t),
                   pc = index_advance(c, t);
            cr_assert(pa == pb, "%s at %lld: %.17g vs %.17g",
                      index_model_name(stepped_models[k]), (long long)t, pa, pb);
            differ += pa != pc;
        }
        cr_expect(differ > 7000, "%s: seeds 42 and 43 differ at %d of 7201 instants",
                  index_model_name(stepped_models[k]), differ);
        index_free(a);
        index_free(b);
        index_free(c);
    }
}

Test(index, another_stream_name_gives_another_path)
{
    index_params p = params(INDEX_GBM);
    index_process *a = make(&p);
    p.stream = "index2";
    index_process *b = make(&p);
    cr_expect(index_advance(a, MIN) != index_advance(b, MIN));
    index_free(a);
    index_free(b);
}

/* The path depends on the seed, not on when the event loop looks. */
Test(index, path_does_not_depend_on_how_often_advance_is_called)
{
    index_params p = params(INDEX_JUMP_DIFFUSION);
    p.jumps.per_day = 1000;
    index_process *every_ms = make(&p), *sparse = make(&p), *once = make(&p);
    const int64_t end = 10 * MIN, stride = 7001;
    for (int64_t t = 0; t <= end; t++) {
        double fine = index_advance(every_ms, t);
        if (t % stride == 0)
            cr_assert(fine == index_advance(sparse, t), "at %lld", (long long)t);
    }
    cr_expect(index_price(every_ms) == index_advance(once, end));
    index_free(every_ms);
    index_free(sparse);
    index_free(once);
}

Test(index, price_holds_between_steps)
{
    index_params p = params(INDEX_GARCH);
    p.step_ms = 5 * SEC;
    index_process *ix = make(&p);
    cr_expect(index_price(ix) == 60000.0, "the start price before any advance");
    for (int64_t g = 0; g < 10 * MIN; g += 5 * SEC) {
        double at_grid = index_advance(ix, g);
        for (int64_t t = g + 1; t < g + 5 * SEC; t += 499)
            cr_assert(index_advance(ix, t) == at_grid, "at %lld", (long long)t);
    }
    index_free(ix);
}

Test(index, time_does_not_go_back)
{
    index_params p = params(INDEX_GBM);
    index_process *ix = make(&p);
    double at_hour = index_advance(ix, HOUR);
    cr_expect(index_advance(ix, MIN) == at_hour);
    cr_expect(index_price(ix) == at_hour);
    index_free(ix);
}

/* ---- replay -------------------------------------------------------------- */

typedef struct candle {
    double open, high, low, close;
} candle;

/* tests/data/klines/header.csv: five one-minute candles from DAY0. */
static const candle fixture[5] = {
    {111200.0, 111250.5, 111180.2, 111230.1}, /* rising: low first */
    {111230.1, 111300.0, 111100.0, 111120.4}, /* falling: high first */
    {111120.4, 111140.0, 111050.3, 111090.9},
    {111090.9, 111420.7, 111085.0, 111400.0},
    {111400.0, 111410.0, 111390.0, 111400.0}, /* flat: low first */
};

static index_process *replay(const char *name, int64_t start_utc_ms)
{
    index_params p = params(INDEX_REPLAY);
    p.file = name;
    p.start_utc_ms = start_utc_ms;
    return make(&p);
}

static void expect_closes_at_close_times(index_process *ix)
{
    for (int i = 0; i < 5; i++) {
        int64_t close_time = i * MIN + MIN - 1;
        double got = index_advance(ix, close_time);
        cr_expect(got == fixture[i].close, "candle %d: %.17g at its close time, want %.17g",
                  i, got, fixture[i].close);
    }
}

Test(index, replay_reproduces_closes_at_close_times_with_header)
{
    index_process *ix = replay(KLINES "header.csv", DAY0);
    expect_closes_at_close_times(ix);
    index_free(ix);
}

Test(index, replay_reproduces_closes_at_close_times_without_header_crlf)
{
    index_process *ix = replay(KLINES "no_header_crlf.csv", DAY0);
    expect_closes_at_close_times(ix);
    index_free(ix);
}

/* Within a candle: open at open_time, the extremes at 1/3 and 2/3 of the
 * candle (low first when it closes at or above its open), close at
 * close_time, never outside [low, high]. */
Test(index, replay_path_visits_open_extremes_and_close)
{
    index_process *ix = replay(KLINES "header.csv", DAY0);
    const int64_t span = MIN - 1;
    for (int i = 0; i < 5; i++) {
        const candle *c = &fixture[i];
        int64_t t0 = i * MIN;
        bool rising = c->close >= c->open;
        for (int64_t t = t0; t <= t0 + span; t++) {
            double got = index_advance(ix, t);
            cr_assert(got >= c->low && got <= c->high, "candle %d at +%lld: %.10g", i,
                      (long long)(t - t0), got);
            if (t == t0)
                cr_expect(got == c->open, "candle %d open: %.17g", i, got);
            if (t == t0 + span / 3)
                cr_expect(got == (rising ? c->low : c->high), "candle %d first: %.17g", i,
                          got);
            if (t == t0 + 2 * span / 3)
                cr_expect(got == (rising ? c->high : c->low), "candle %d second: %.17g", i,
                          got);
        }
    }
    index_free(ix);
}

/* Over a gap in the file the price moves linearly from the close to the
 * next open. */
Test(index, replay_fills_a_gap_linearly_from_close_to_next_open)
{
    index_process *ix = replay(KLINES "gap.csv", DAY0);
    const int64_t close_t = MIN - 1, open_t = 3 * MIN;
    const double close = 111230.1, open = 111330.1;
    for (int64_t t = close_t; t <= open_t; t += 10007) {
        double w = (double)(t - close_t) / (double)(open_t - close_t);
        double want = close + (open - close) * w;
        double got = index_advance(ix, t);
        cr_expect(fabs(got - want) < 1e-9, "at %lld: %.10f, want %.10f", (long long)t, got,
                  want);
    }
    cr_expect(index_advance(ix, open_t) == open);
    index_free(ix);
}

Test(index, replay_aligns_to_start_skips_earlier_candles_and_holds_the_last_close)
{
    /* Starting halfway through the second candle: the first is skipped,
     * the second's close comes 29999 ms in. */
    index_process *ix = replay(KLINES "header.csv", DAY0 + MIN + 30 * SEC);
    double at0 = index_price(ix);
    cr_expect(at0 > fixture[1].low && at0 < fixture[1].high, "start price %.10g", at0);
    cr_expect(index_advance(ix, 30 * SEC - 1) == fixture[1].close);
    cr_expect(index_advance(ix, 3 * MIN + 30 * SEC - 1) == fixture[4].close);
    cr_expect(index_advance(ix, 30 * DAY) == fixture[4].close, "after the end");
    index_free(ix);

    /* Starting before the file: its first open holds until it opens. */
    ix = replay(KLINES "header.csv", DAY0 - HOUR);
    cr_expect(index_price(ix) == fixture[0].open);
    cr_expect(index_advance(ix, HOUR - 1) == fixture[0].open);
    cr_expect(index_advance(ix, HOUR + MIN - 1) == fixture[0].close);
    index_free(ix);
}

static void expect_replay_error(const char *name, int code, const char *where,
                                const char *what)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s", KLINES, name);
    index_params p = params(INDEX_REPLAY);
    p.file = path;
    p.start_utc_ms = DAY0;
    perr e = {0, ""};
    index_process *ix = index_new(&p, &e);
    cr_expect_null(ix, "%s was accepted", name);
    index_free(ix);
    cr_expect_eq(e.code, code, "%s: code %d (%s)", name, e.code, e.msg);
    cr_expect(strstr(e.msg, where) != NULL, "%s: want '%s' in: %s", name, where, e.msg);
    cr_expect(strstr(e.msg, what) != NULL, "%s: want '%s' in: %s", name, what, e.msg);
}

/* Each malformed klines file is refused with its code, naming the file and
 * the line (where) and what is wrong; a failure names the file. */
Test(index, replay_bad_files_are_errors_naming_file_and_line)
{
    static const struct {
        const char *name;
        int code;
        const char *where, *what;
    } cases[] = {
        {"bad_number.csv", PERR_INVALID, "bad_number.csv:3:",
         "column 5 (close): '111O90.9' is not a number"},
        {"bad_columns.csv", PERR_INVALID, "bad_columns.csv:4:",
         "has 11 columns; a klines file has 12"},
        {"bad_order.csv", PERR_INVALID, "bad_order.csv:4:",
         "not after the previous candle's close_time"},
        {"empty.csv", PERR_INVALID, "empty.csv:1:",
         "no candles"},
        {"header_only.csv", PERR_INVALID, "header_only.csv:1:",
         "no candles after the header"},
        {"bad_candle.csv", PERR_INVALID, "bad_candle.csv:2:",
         "need low <= open, close <= high"},
        {"no_such_file.csv", PERR_IO, "no_such_file.csv:",
         "No such file"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        expect_replay_error(cases[k].name, cases[k].code, cases[k].where,
                            cases[k].what);
}

Test(index, replay_starting_after_the_last_candle_is_an_error)
{
    index_params p = params(INDEX_REPLAY);
    p.file = KLINES "header.csv";
    p.start_utc_ms = DAY0 + DAY;
    perr e = {0, ""};
    cr_expect_null(index_new(&p, &e));
    cr_expect(strstr(e.msg, "header.csv:6:") && strstr(e.msg, "nothing to replay"), "%s",
              e.msg);
}

/* ---- shocks -------------------------------------------------------------- */

/* A process of model with the tests' seed and its twin, which a test
 * shocks: the same path until a shock. */
typedef struct twins {
    index_process *plain, *shocked;
} twins;

static twins make_twins(index_model model)
{
    index_params p = params(model);
    twins tw = {make(&p), make(&p)};
    return tw;
}

static void free_twins(twins tw)
{
    index_free(tw.plain);
    index_free(tw.shocked);
}

Test(index, jump_moves_the_price_by_pct_and_later_returns_continue_from_there)
{
    twins tw = make_twins(INDEX_GARCH);
    perr e = {0, ""};
    const int64_t at = 6 * HOUR + 500; /* between two steps */
    cr_assert_eq(index_jump(tw.shocked, at, 4.0, &e), PERR_OK, "%s", e.msg);
    for (int64_t t = 0; t <= 12 * HOUR; t += 250) {
        double a = index_advance(tw.plain, t), b = index_advance(tw.shocked, t);
        if (t < at)
            cr_assert(a == b, "before the jump, at %lld", (long long)t);
        else
            cr_assert(fabs(b / a - 1.04) < 1e-9, "at %lld: ratio %.12f", (long long)t,
                      b / a);
    }
    free_twins(tw);
}

Test(index, jump_scales_a_replayed_path)
{
    index_process *ix = replay(KLINES "header.csv", DAY0);
    perr e = {0, ""};
    cr_assert_eq(index_jump(ix, 2 * MIN, -10.0, &e), PERR_OK, "%s", e.msg);
    cr_expect(index_advance(ix, 2 * MIN - 1) == fixture[1].close);
    cr_expect(fabs(index_advance(ix, 4 * MIN - 1) - 0.9 * fixture[3].close) < 1e-9);
    index_free(ix);
}

/* The oracle keeps what it published before the freeze; the process goes
 * on underneath and is published again when the freeze ends. */
Test(index, freeze_holds_the_price_then_resumes_the_underlying_path)
{
    twins tw = make_twins(INDEX_GBM);
    perr e = {0, ""};
    const int64_t from = HOUR + 300, until = from + 10 * MIN;
    cr_assert_eq(index_freeze(tw.shocked, from, until - from, &e), PERR_OK, "%s", e.msg);
    double before = 0;
    int changed_underneath = 0;
    for (int64_t t = 0; t <= 2 * HOUR; t += 100) {
        double a = index_advance(tw.plain, t), b = index_advance(tw.shocked, t);
        cr_assert(index_underlying(tw.shocked) == a, "underlying at %lld", (long long)t);
        if (t < from || t >= until) {
            cr_assert(b == a, "published at %lld", (long long)t);
            cr_assert(!index_frozen(tw.shocked));
            before = a;
        } else {
            cr_assert(b == before, "held at %lld: %.10g, want %.10g", (long long)t, b,
                      before);
            cr_assert(index_frozen(tw.shocked));
            changed_underneath += a != before;
        }
    }
    cr_expect(changed_underneath > 0, "the process moved during the freeze");
    free_twins(tw);
}

/* The held value is the process just before the freeze's start even when
 * no advance fell near it, and a freeze passed over whole is gone. */
Test(index, freeze_holds_the_value_at_its_start_between_sparse_advances)
{
    twins tw = make_twins(INDEX_GBM);
    perr e = {0, ""};
    const int64_t from = HOUR + 300;
    cr_assert_eq(index_freeze(tw.shocked, from, 10 * MIN, &e), PERR_OK, "%s", e.msg);
    cr_assert_eq(index_freeze(tw.shocked, 3 * HOUR, MIN, &e), PERR_OK, "%s", e.msg);
    index_advance(tw.shocked, 0);
    double held = index_advance(tw.shocked, from + 5 * MIN);
    cr_expect(held == index_advance(tw.plain, from - 1), "held %.10g", held);
    cr_expect(index_frozen(tw.shocked));
    cr_expect(index_advance(tw.shocked, 4 * HOUR) == index_advance(tw.plain, 4 * HOUR));
    cr_expect(!index_frozen(tw.shocked));
    free_twins(tw);
}

/* A stale oracle during a crash: a freeze and a jump at the same instant
 * publish the pre-jump price until the freeze ends. */
Test(index, freeze_at_the_instant_of_a_jump_publishes_the_pre_jump_price)
{
    twins tw = make_twins(INDEX_GBM);
    perr e = {0, ""};
    cr_assert_eq(index_jump(tw.shocked, HOUR, -10.0, &e), PERR_OK);
    cr_assert_eq(index_freeze(tw.shocked, HOUR, 5 * MIN, &e), PERR_OK);
    double before = index_advance(tw.plain, HOUR - 1);
    index_advance(tw.shocked, HOUR - 1);
    cr_expect(index_advance(tw.shocked, HOUR) == before);
    cr_expect(fabs(index_underlying(tw.shocked) / index_advance(tw.plain, HOUR) - 0.9) < 1e-12);
    cr_expect(index_advance(tw.shocked, HOUR + 5 * MIN - 1) == before);
    double after = index_advance(tw.shocked, HOUR + 5 * MIN);
    cr_expect(fabs(after / index_advance(tw.plain, HOUR + 5 * MIN) - 0.9) < 1e-12);
    free_twins(tw);
}

Test(index, vol_burst_raises_realized_vol_in_its_window)
{
    index_params p = params(INDEX_GBM);
    index_process *ix = make(&p);
    perr e = {0, ""};
    const double k = 3.0;
    cr_assert_eq(index_vol_burst(ix, 2 * HOUR, HOUR, k, &e), PERR_OK, "%s", e.msg);
    enum { N = 4 * 3600, IN_FROM = 2 * 3600, IN_TO = 3 * 3600 };
    double *r = log_returns(ix, 0, SEC, N);
    /* Step i starts at i seconds: steps 7200..10799 start in the window. */
    double sd_in = gsl_stats_sd(r + IN_FROM, 1, IN_TO - IN_FROM);
    double out[N - (IN_TO - IN_FROM)];
    memcpy(out, r, IN_FROM * sizeof *r);
    memcpy(out + IN_FROM, r + IN_TO, (N - IN_TO) * sizeof *r);
    double sd_out = gsl_stats_sd(out, 1, N - (IN_TO - IN_FROM));
    /* The relative standard error of a ratio of sample sds. */
    double se = sqrt(1.0 / (2 * (IN_TO - IN_FROM)) + 1.0 / (2 * (N - (IN_TO - IN_FROM))));
    double ratio = sd_in / sd_out;
    cr_expect(fabs(ratio / k - 1) < TOLERANCE * se, "realized vol ratio %.4f, want %.1f",
              ratio, k);
    double sd_base = 0.55 * sqrt((double)SEC * YEARS_PER_MS);
    cr_expect(fabs(sd_out / sd_base - 1) < TOLERANCE / sqrt(2.0 * (N - 3600)),
              "outside the window %.4g, want %.4g", sd_out, sd_base);
    free(r);
    index_free(ix);
}

/* GARCH remembers the variance it would have had: after the window the
 * returns are those of the process without the burst. */
Test(index, garch_vol_burst_leaves_no_trace_after_its_window)
{
    twins tw = make_twins(INDEX_GARCH);
    perr e = {0, ""};
    cr_assert_eq(index_vol_burst(tw.shocked, HOUR, 10 * MIN, 2.0, &e), PERR_OK);
    enum { N = 2 * 3600 };
    double *a = log_returns(tw.plain, 0, SEC, N), *b = log_returns(tw.shocked, 0, SEC, N);
    int differ_inside = 0;
    for (size_t i = 0; i < N; i++) {
        if (i >= 3600 && i < 3600 + 600)
            differ_inside += a[i] != b[i];
        else
            cr_assert(fabs(a[i] - b[i]) < 1e-12, "step %zu: %.3g vs %.3g", i, a[i], b[i]);
    }
    cr_expect_eq(differ_inside, 600);
    free(a);
    free(b);
    free_twins(tw);
}

Test(index, vol_burst_on_a_replay_is_refused)
{
    index_process *ix = replay(KLINES "header.csv", DAY0);
    perr e = {0, ""};
    cr_expect_eq(index_vol_burst(ix, MIN, MIN, 2.0, &e), PERR_STATE);
    cr_expect(strstr(e.msg, "no volatility"), "%s", e.msg);
    index_free(ix);
}

Test(index, shocks_in_the_past_or_out_of_range_are_refused)
{
    index_params p = params(INDEX_GBM);
    index_process *ix = make(&p);
    perr e = {0, ""};
    index_advance(ix, HOUR);
    cr_expect_eq(index_jump(ix, HOUR, 1.0, &e), PERR_STATE);
    cr_expect(strstr(e.msg, "already been advanced"), "%s", e.msg);
    cr_expect_eq(index_freeze(ix, MIN, MIN, &e), PERR_STATE);
    cr_expect_eq(index_vol_burst(ix, 0, MIN, 2.0, &e), PERR_STATE);
    cr_expect_eq(index_jump(ix, 2 * HOUR, -100.0, &e), PERR_INVALID);
    cr_expect_eq(index_vol_burst(ix, 2 * HOUR, MIN, -1.0, &e), PERR_INVALID);
    cr_expect_eq(index_freeze(ix, 2 * HOUR, 0, &e), PERR_INVALID);
    cr_expect_eq(index_jump(ix, HOUR + 1, 1.0, &e), PERR_OK);
    index_free(ix);
}

/* ---- parameters ---------------------------------------------------------- */

static void expect_rejected(const index_params *p, const char *key)
{
    perr e = {0, ""};
    cr_expect_eq(index_check(p, &e), PERR_INVALID, "%s accepted", key);
    cr_expect(strstr(e.msg, key) != NULL, "want '%s' in: %s", key, e.msg);
    cr_expect_null(index_new(p, &e));
}

Test(index, defaults_are_valid_for_every_random_model)
{
    for (size_t k = 0; k < 3; k++) {
        index_params p = params(stepped_models[k]);
        perr e = {0, ""};
        cr_expect_eq(index_check(&p, &e), PERR_OK, "%s: %s",
                     index_model_name(stepped_models[k]), e.msg);
    }
}

Test(index, out_of_range_parameters_are_rejected_naming_the_key)
{
    index_params p = params(INDEX_GBM);
    p.vol_annual = -0.2;
    expect_rejected(&p, "index.vol_annual");
    p = params(INDEX_GBM);
    p.price = 0;
    expect_rejected(&p, "index.price");
    p = params(INDEX_GBM);
    p.step_ms = 0;
    expect_rejected(&p, "index.step");
    p = params(INDEX_JUMP_DIFFUSION);
    p.jumps.stdev = -0.01;
    expect_rejected(&p, "index.jumps.stdev");
    p = params(INDEX_JUMP_DIFFUSION);
    p.jumps.per_day = NAN;
    expect_rejected(&p, "index.jumps.per_day");
    p = params(INDEX_GARCH);
    p.garch.persistence = 1.0;
    expect_rejected(&p, "alpha + beta must be < 1");
    p = params(INDEX_GARCH);
    p.garch.alpha = 0.5;
    p.garch.persistence = 0.4;
    expect_rejected(&p, "index.garch.persistence");
    p = params(INDEX_GARCH);
    p.garch.nu = 2.0;
    expect_rejected(&p, "index.garch.nu");
    p = params(INDEX_GARCH);
    p.vol_annual = 0;
    expect_rejected(&p, "index.vol_annual");
    p = params(INDEX_REPLAY);
    expect_rejected(&p, "index.file");
}

Test(index, model_names_parse_and_a_typo_gets_a_suggestion)
{
    index_model m;
    perr e = {0, ""};
    cr_expect_eq(index_model_parse("jump_diffusion", &m, &e), PERR_OK);
    cr_expect_eq(m, INDEX_JUMP_DIFFUSION);
    cr_expect_str_eq(index_model_name(INDEX_REPLAY), "replay");
    cr_expect_eq(index_model_parse("garh", &m, &e), PERR_INVALID);
    cr_expect(strstr(e.msg, "did you mean 'garch'"), "%s", e.msg);
}
