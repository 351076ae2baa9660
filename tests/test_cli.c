/*
 * Tests of the perpsim command line, run as a user runs it: the built program
 * in a child process, its exit status, stdout and stderr. The shipped
 * reference scenarios run here too, each passing its `expect:` block.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include "support_cli.h"
#include "support_fs.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

/* The path of the "result: PATH" line of a run's report. */
static void result_path(const char *out, char *path, size_t size)
{
    const char *r = strstr(out, "result: ");
    cr_assert_not_null(r, "no result line: %s", out);
    r += strlen("result: ");
    snprintf(path, size, "%.*s", (int)strcspn(r, "\n"), r);
}

/* Runs `perpsim run ARGS` (formatted), which must succeed, and puts the
 * path of its result in path (512 bytes). */
__attribute__((format(printf, 2, 3))) static void
run_to_result(char *path, const char *fmt, ...)
{
    outcome o;
    char args[2048] = "run ";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args + 4, sizeof args - 4, fmt, ap);
    va_end(ap);
    perpsim(args, &o);
    cr_assert_eq(o.status, 0, "%s: %s", args, o.err);
    result_path(o.out, path, 512);
}

/* The last `key: value` line of s. */
static const char *last_line(const char *s)
{
    size_t n = strlen(s);
    if (n && s[n - 1] == '\n')
        n--;
    while (n > 0 && s[n - 1] != '\n')
        n--;
    return s + n;
}

Test(cli, version_prints_version_and_revision)
{
    outcome o;
    perpsim("--version", &o);
    cr_expect_eq(o.status, 0);
    cr_expect(strncmp(o.out, "perpsim 0.", 10) == 0, "got: %s", o.out);
    cr_expect_not_null(strstr(o.out, "(git "), "got: %s", o.out);
    cr_expect_eq(cli_lines(o.out), 1);
}

Test(cli, help_lists_every_command)
{
    outcome o;
    perpsim("--help", &o);
    cr_expect_eq(o.status, 0);
    const char *names[] = {"run",   "validate", "inspect",  "calc",
                           "sweep", "compare",  "calibrate", "bench"};
    for (size_t i = 0; i < 8; i++)
        cr_expect_not_null(strstr(o.out, names[i]), "help lacks %s", names[i]);
    cr_expect_str_empty(o.err);
}

Test(cli, no_arguments_is_a_usage_error)
{
    outcome o;
    perpsim("", &o);
    cr_expect_eq(o.status, 2);
    cr_expect_not_null(strstr(o.err, "usage:"));
}

Test(cli, every_command_has_help)
{
    const char *names[] = {"run",   "validate", "inspect",  "calc",
                           "sweep", "compare",  "calibrate", "bench"};
    for (size_t i = 0; i < 8; i++) {
        outcome o;
        char args[64];
        snprintf(args, sizeof args, "%s --help", names[i]);
        perpsim(args, &o);
        cr_expect_eq(o.status, 0, "perpsim %s", args);
        char want[64];
        snprintf(want, sizeof want, "usage: perpsim %s", names[i]);
        cr_expect_not_null(strstr(o.out, want), "perpsim %s printed: %s", args,
                           o.out);
    }
}

Test(cli, run_help_documents_its_options)
{
    outcome o;
    perpsim("run --help", &o);
    cr_expect_eq(o.status, 0);
    const char *options[] = {"--output", "--seed", "--set", "--jobs", "--check",
                             "--force", "--quiet"};
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
        cr_expect_not_null(strstr(o.out, options[i]), "lacks %s", options[i]);
}

Test(cli, unknown_command_is_one_line_and_exit_2)
{
    outcome o;
    cli_refused(&o, "frobnicate", "frobnicate");
    cr_expect_not_null(strstr(o.err, "perpsim --help"));
    cr_expect_str_empty(o.out);
}

Test(cli, misspelt_command_gets_a_suggestion)
{
    cli_refused(NULL, "valdate x.yaml", "did you mean 'validate'");
}

Test(cli, unknown_option_is_one_line_and_exit_2)
{
    cli_refused(NULL, "--frobnicate", "--frobnicate");
}

Test(cli, a_run_with_overrides_is_named_by_them_and_never_replaces_another)
{
    char dir[64], plain[512], one_hour[512], two_hours[512], seeded[512];
    support_temp_dir(dir, sizeof dir, "cli-runs");
    const char *quick = "--set duration=50m --set shocks[0].at=30m "
                        "--set shocks[1].at=30m";
    const char *interval = "--set venues.binance.funding.interval";
    run_to_result(plain, "-o %s %s", dir, quick);
    run_to_result(one_hour, "-o %s %s %s=1h", dir, quick, interval);
    run_to_result(two_hours, "-o %s %s %s=2h", dir, quick, interval);
    /* the values are in the name: "quickstart-50m_30m_30m_1h-<hash>-seed42" */
    cr_expect_not_null(strstr(one_hour, "/quickstart-50m_30m_30m_1h-"), "%s",
                       one_hour);
    cr_expect_str_neq(plain, one_hour);
    cr_expect_str_neq(one_hour, two_hours);
    /* --seed is in the name already and adds no tag */
    run_to_result(seeded, "-o %s %s --seed 7", dir, quick);
    cr_expect_not_null(strstr(seeded, "-seed7.h5"), "%s", seeded);
    cr_expect_eq(strncmp(seeded, plain, strlen(plain) - strlen("42.h5")), 0,
                 "%s vs %s", seeded, plain);
    remove(plain);
    remove(one_hour);
    remove(two_hours);
    remove(seeded);
    cr_expect_eq(rmdir(dir), 0);
}

Test(cli, sweep_of_a_missing_file_is_one_line_and_exit_2)
{
    cli_refused(NULL, "sweep /nonexistent/s.yaml", "/nonexistent/s.yaml");
}

Test(cli, calc_prints_key_value_lines_and_rejects_bad_input)
{
    outcome o;
    perpsim("calc liq-price --venue bybit --side long --entry 20000 --size 1 "
            "--leverage 50",
            &o);
    cr_expect_eq(o.status, 0, "stderr: %s", o.err);
    cr_expect_not_null(strstr(o.out, "\nliquidation_price: 19700.000\n"),
                       "got: %s", o.out);
    cli_refused(&o, "calc margin --venue bynance --notional 5",
                "did you mean 'binance'");
    cli_refused(NULL, "calc marign", "did you mean 'margin'");
    perpsim("calc liq-price --help", &o);
    cr_expect_eq(o.status, 0);
    cr_expect_not_null(strstr(o.out, "--other-maintenance"), "%s", o.out);
    perpsim("calc --help", &o);
    cr_expect_eq(o.status, 0);
    cr_expect_not_null(strstr(o.out, "liq-price"), "%s", o.out);
}

/* The rate line of `calc funding` for venue and premium, and the status. */
static int funding_rate_line(const char *args, char *rate, size_t size)
{
    outcome o;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "calc funding %s", args);
    perpsim(cmd, &o);
    cr_expect(strncmp(last_line(o.out), "rate: ", 6) == 0, "%s: %s%s", cmd,
              o.out, o.err);
    const char *line = last_line(o.out);
    size_t n = strcspn(line, "\n");
    if (n >= size)
        n = size - 1;
    memcpy(rate, line, n);
    rate[n] = '\0';
    return o.status;
}

Test(cli, calc_funding_gives_each_venues_closed_form_rate)
{
    /* mechanics.md 1: F = P + clamp(I - P, +/-0.05%), capped, paid per
     * interval as F or F x interval / 8h. At P = 0.03%, inside the clamp
     * region: F = I = 0.01% where there is an interest term, F = P on OKX and
     * dYdX (none); dYdX and Hyperliquid pay F / 8 hourly. Beyond the caps:
     * Binance 0.75 x 0.40% = 0.30%, Bybit and OKX 0.375%, BitMEX 0.75 x
     * (1% - 0.5%) = 0.375%, dYdX 6 x (5% - 3%) = 12% per 8h (1.5% an hour),
     * Hyperliquid 4% an hour. */
    struct {
        const char *args, *rate;
    } cases[] = {
        {"--venue binance --premium 0.0003", "rate: 0.0001"},
        {"--venue bybit --premium 0.0003", "rate: 0.0001"},
        {"--venue okx --premium 0.0003", "rate: 0.0003"},
        {"--venue bitmex --premium 0.0003", "rate: 0.0001"},
        {"--venue dydx --premium 0.0003", "rate: 0.0000375"},
        {"--venue hyperliquid --premium 0.03%", "rate: 0.0000125"},
        {"--venue binance --premium 0.1%", "rate: 0.0005"},
        {"--venue binance --premium -2%", "rate: -0.003"},
        {"--venue bybit --premium 2%", "rate: 0.00375"},
        {"--venue okx --premium -2%", "rate: -0.00375"},
        {"--venue bitmex --premium 200bp", "rate: 0.00375"},
        {"--venue dydx --premium 0.2", "rate: 0.015"},
        {"--venue hyperliquid --premium 0.5", "rate: 0.04"},
        /* Binance divides an N-hour interval's F by 8/N; Bybit does not. */
        {"--venue binance --premium 0.0009 --interval 4", "rate: 0.0002"},
        {"--venue binance --premium 0.0009 --interval 1", "rate: 0.00005"},
        {"--venue bybit --premium 0.0009 --interval 1", "rate: 0.0004"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char rate[128];
        cr_expect_eq(funding_rate_line(cases[i].args, rate, sizeof rate), 0,
                     "%s", cases[i].args);
        cr_expect_str_eq(rate, cases[i].rate, "%s", cases[i].args);
    }
    outcome o;
    perpsim("calc funding --venue hyperliquid --premium 0.0003", &o);
    cr_expect_not_null(strstr(o.out, "interval_hours: 1\n"), "%s", o.out);
    cr_expect_not_null(strstr(o.out, "period_rate: 0.0001\n"), "%s", o.out);
}

/* Writes text to a fresh temporary file; path must hold 32 bytes. */
static void temp_file(char *path, const char *text)
{
    strcpy(path, "/tmp/perpsim-premium-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    support_write_file(path, text);
}

Test(cli, calc_funding_prints_one_line_per_interval_of_a_premium_csv)
{
    /* BitMEX, samples a minute apart with their times: 480 at 0.1% (F =
     * 0.05%), then 480 at 0.03% (F = I = 0.01%), then 2 at -0.1%. BitMEX
     * pays at the end of an interval the rate of the one before, the first
     * the rate of a zero premium (0.01%). */
    char text[65536] = "time_ms,premium\n# a comment\n\n";
    size_t used = strlen(text);
    for (int i = 0; i < 962; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "%d,%s\n",
                                 i * 60000,
                                 i < 480 ? "0.001" : i < 960 ? "0.0003"
                                                             : "-0.001");
    char path[32];
    temp_file(path, text);
    outcome o;
    char args[128];
    snprintf(args, sizeof args, "calc funding --venue bitmex --premium-csv %s",
             path);
    perpsim(args, &o);
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_expect_not_null(strstr(o.out, "samples_per_interval: 480\n"), "%s",
                       o.out);
    cr_expect_not_null(
        strstr(o.out, "interval 1: samples 480 avg_premium 0.001 rate 0.0001 "
                      "next_rate 0.0005\n"),
        "%s", o.out);
    cr_expect_not_null(
        strstr(o.out, "interval 2: samples 480 avg_premium 0.0003 rate "
                      "0.0005 next_rate 0.0001\n"),
        "%s", o.out);
    cr_expect_not_null(
        strstr(o.out, "interval 3: samples 2 avg_premium -0.001 rate 0.0001 "
                      "next_rate -0.0005\n"),
        "%s", o.out);
    cr_expect_str_eq(last_line(o.out), "intervals: 3\n");
    /* Bare samples, Binance on 1h (720 five-second samples an hour), with
     * weights 1..n: 720 samples of 0.0006 then one of 0.0016: the second
     * hour's average is that sample, F = 0.0016 - 0.0005 = 0.11%, / 8. */
    used = 0;
    for (int i = 0; i < 721; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "%s\n",
                                 i < 720 ? "0.0006" : "0.0016");
    remove(path);
    temp_file(path, text);
    snprintf(args, sizeof args,
             "calc funding --venue binance --interval 1 --premium-csv %s",
             path);
    perpsim(args, &o);
    remove(path);
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_expect_not_null(
        strstr(o.out, "interval 1: samples 720 avg_premium 0.0006 rate "
                      "0.0000125\n"),
        "%s", o.out);
    cr_expect_not_null(
        strstr(o.out, "interval 2: samples 1 avg_premium 0.0016 rate "
                      "0.0001375\n"),
        "%s", o.out);
}

Test(cli, calc_funding_rejects_bad_input_in_one_line)
{
    char path[32];
    temp_file(path, "premium\n0.0001\n0.0002,0.0001\n");
    char args[128];
    snprintf(args, sizeof args, "calc funding --venue binance --premium-csv %s",
             path);
    outcome o;
    perpsim(args, &o);
    char where[64];
    snprintf(where, sizeof where, "%s:3:", path);
    cli_expect_refused(&o, args, where);
    cr_expect_str_empty(o.out);
    remove(path);
    temp_file(path, "0.0001\nabc\n");
    snprintf(args, sizeof args, "calc funding --venue okx --premium-csv %s",
             path);
    perpsim(args, &o);
    remove(path);
    cr_expect_eq(o.status, 2);
    snprintf(where, sizeof where, "%s:2:", path);
    cr_expect_not_null(strstr(o.err, where), "%s", o.err);
    cr_expect_not_null(strstr(o.err, "'abc'"), "%s", o.err);
    const char *bad[] = {
        "calc funding --venue binance",
        "calc funding --venue binance --premium 0.1 --premium-csv x.csv",
        "calc funding --venue binance --premium 1.5",
        "calc funding --venue binance --premium lots",
        "calc funding --venue binance --premium 0.1 --interval 3",
        "calc funding --venue binanse --premium 0.1",
        "calc funding --venue binance --premium-csv /nonexistent/p.csv",
        "calc funding --venue binance --premum 0.1",
    };
    const char *names[] = {"--premium", "--premium", "--premium",
                           "--premium", "--interval", "did you mean",
                           "/nonexistent/p.csv", "--premium"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cli_refused(&o, bad[i], names[i]);
    }
    perpsim("calc funding --help", &o);
    cr_expect_eq(o.status, 0);
    cr_expect_not_null(strstr(o.out, "--premium-csv"), "%s", o.out);
    cr_expect_not_null(strstr(o.out, "hyperliquid"), "%s", o.out);
}

Test(cli, calc_funding_refuses_a_premium_path_longer_than_ten_years)
{
    /* Two samples 9e15 ms apart asked for 2.5 billion hourly rows (60 GB)
     * before the bound: found by tests/fuzz/fuzz_premium.c. Ten years of
     * 365 days is the last time accepted. */
    char path[32];
    temp_file(path, "time_ms,premium\n0,0.0001\n8999999999999999,0.0001\n");
    char args[128];
    snprintf(args, sizeof args,
             "calc funding --venue hyperliquid --premium-csv %s", path);
    outcome o;
    perpsim(args, &o);
    remove(path);
    char where[64];
    snprintf(where, sizeof where, "%s:3:", path);
    cli_expect_refused(&o, args, where);
    cr_expect_not_null(strstr(o.err, "10 years"), "%s", o.err);
    temp_file(path, "0,0.0001\n315360000000,0.0001\n");
    snprintf(args, sizeof args,
             "calc funding --venue hyperliquid --premium-csv %s", path);
    perpsim(args, &o);
    remove(path);
    cr_expect_eq(o.status, 0, "%s", o.err);
    cr_expect_str_empty(o.err);
    temp_file(path, "0,0.0001\n315360000001,0.0001\n");
    snprintf(args, sizeof args,
             "calc funding --venue hyperliquid --premium-csv %s", path);
    perpsim(args, &o);
    remove(path);
    snprintf(where, sizeof where, "%s:2:", path);
    cli_expect_refused(&o, args, where);
}

Test(cli, bench_pcg_prints_key_value_lines_headline_last)
{
    outcome o;
    perpsim("bench pcg --draws 1M", &o);
    cr_expect_eq(o.status, 0, "stderr: %s", o.err);
    cr_expect(strncmp(last_line(o.out), "u32_per_sec: ", 13) == 0, "got: %s",
              o.out);
    for (const char *line = o.out; *line;) {
        const char *colon = strstr(line, ": ");
        const char *end = strchr(line, '\n');
        cr_assert_not_null(end);
        cr_expect(colon && colon < end, "not a key: value line: %.*s",
                  (int)(end - line), line);
        line = end + 1;
    }
}

Test(cli, bench_rejects_a_bad_option_value)
{
    cli_refused(NULL, "bench pcg --draws lots", "--draws");
}

Test(cli, bench_unknown_name_is_exit_2)
{
    outcome o;
    cli_refused(&o, "bench nonesuch", "nonesuch");
    perpsim("bench", &o);
    cr_expect_eq(o.status, 2);
}

Test(cli, bench_help_lists_benchmarks)
{
    outcome o;
    perpsim("bench --help", &o);
    cr_expect_eq(o.status, 0);
    cr_expect_not_null(strstr(o.out, "pcg"));
    perpsim("bench pcg --help", &o);
    cr_expect_eq(o.status, 0);
    cr_expect_not_null(strstr(o.out, "--draws"));
}

Test(cli, bench_book_replays_a_hand_written_file)
{
    /* tests/data/book_replay_example.csv, worked by hand: the marketable buy
     * takes orders 3 and 5 (2 fills), the market sell takes 1 @1001 and 2 @999
     * (2 fills), the market buy takes order 4 (1 fill); the second cancel of
     * order 2 is refused; order 1 is left with 3 lots. */
    outcome o;
    perpsim("bench book --replay " PERPSIM_SOURCE_DIR "/tests/data/book_replay_example.csv",
            &o);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_expect_not_null(strstr(o.out, "events: 12\n"), "%s", o.out);
    cr_expect_not_null(strstr(o.out, "fills: 5\n"), "%s", o.out);
    cr_expect_not_null(strstr(o.out, "rejected: 1\n"), "%s", o.out);
    cr_expect_not_null(strstr(o.out, "resting_orders: 1\n"), "%s", o.out);
    cr_expect(strncmp(last_line(o.out), "events_per_sec: ", 16) == 0, "%s", o.out);
}

Test(cli, bench_book_rejects_a_malformed_replay_line_by_number)
{
    char path[32];
    temp_file(path, "add,1,buy,100,5\n# a comment\nadd,2,sell,x,5\n");
    outcome o;
    char args[256];
    snprintf(args, sizeof args, "bench book --replay %s", path);
    perpsim(args, &o);
    remove(path);
    char where[64];
    snprintf(where, sizeof where, "%s:3:", path);
    cli_expect_refused(&o, args, where);
    cr_expect_str_empty(o.out);
}

Test(cli, bench_book_reports_a_missing_replay_file)
{
    cli_refused(NULL, "bench book --replay /nonexistent/events.csv",
                "/nonexistent/events.csv");
}

Test(cli, bench_book_prints_events_per_sec_last)
{
    outcome o;
    perpsim("bench book --orders 20k --events 200k", &o);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_expect_not_null(strstr(o.out, "events: 200000\n"), "%s", o.out);
    cr_expect_not_null(strstr(o.out, "ns_per_event: "), "%s", o.out);
    cr_expect(strncmp(last_line(o.out), "events_per_sec: ", 16) == 0, "%s", o.out);
}

/* Writes the contest stream of seed to path and returns the file's text. */
static char *contest_stream(const char *path, int seed, outcome *o)
{
    perpsimf(o, "bench book --stream contest --events 36k --seed %d --write %s", seed, path);
    cr_assert_eq(o->status, 0, "stderr: %s", o->err);
    return support_read_file(path, NULL);
}

/* The value of the `key: N` line of a benchmark's output. */
static long bench_figure(const char *out, const char *key)
{
    const char *at = strstr(out, key);
    cr_assert_not_null(at, "no %s in %s", key, out);
    return strtol(at + strlen(key), NULL, 10);
}

Test(cli, bench_book_contest_stream_is_the_same_bytes_for_a_seed)
{
    char dir[64], a[96], b[96], c[96];
    support_temp_dir(dir, sizeof dir, "contest");
    snprintf(a, sizeof a, "%s/a.csv", dir);
    snprintf(b, sizeof b, "%s/b.csv", dir);
    snprintf(c, sizeof c, "%s/c.csv", dir);
    outcome o;
    char *first = contest_stream(a, 7, &o), *again = contest_stream(b, 7, &o);
    char *other = contest_stream(c, 8, &o);
    cr_expect_str_eq(first, again);
    cr_expect_str_neq(first, other);
    free(first);
    free(again);
    free(other);
    support_remove_tree(dir);
}

Test(cli, bench_book_refuses_options_that_do_not_shape_the_stream)
{
    cli_refused(NULL, "bench book --write /tmp/perpsim-never.csv", "--write");
    cli_refused(NULL, "bench book --stream contest --orders 10k", "--stream contest");
    cli_refused(NULL, "bench book --stream shallow", "shallow");
}

/* The shape the generator promises (bench_book.c, "the contest-shaped
 * stream"): about half the messages cancels, 30 to 60% of those naming
 * orders already filled or cancelled (the replay refuses them), some adds
 * crossing, and every 1,000 messages' adds within a band of 40 ticks while
 * the whole stream drifts beyond it. The file replays to what the generator
 * timed. */
Test(cli, bench_book_contest_stream_has_the_stated_shape)
{
    char dir[64], path[96];
    support_temp_dir(dir, sizeof dir, "contest");
    snprintf(path, sizeof path, "%s/s.csv", dir);
    outcome gen, rep;
    char *text = contest_stream(path, 3, &gen);
    perpsimf(&rep, "bench book --replay %s", path);
    cr_assert_eq(rep.status, 0, "stderr: %s", rep.err);

    long events = 0, cancels = 0, lo = LONG_MAX, hi = 0, wlo = LONG_MAX, whi = 0, widest = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        events++;
        long id, price, size;
        char side[8];
        if (!strncmp(line, "cancel,", 7)) {
            cancels++;
        } else {
            cr_assert_eq(sscanf(line, "add,%ld,%7[a-z],%ld,%ld", &id, side, &price, &size), 4,
                         "%s", line);
            lo = price < lo ? price : lo;
            hi = price > hi ? price : hi;
            wlo = price < wlo ? price : wlo;
            whi = price > whi ? price : whi;
        }
        if (events % 1000 == 0) {
            widest = whi - wlo > widest ? whi - wlo : widest;
            wlo = LONG_MAX;
            whi = 0;
        }
    }
    cr_expect_eq(events, 36000);
    cr_expect(cancels > 0.45 * events && cancels < 0.55 * events, "%ld cancels", cancels);
    long dead = bench_figure(rep.out, "rejected: ");
    cr_expect_eq(dead, bench_figure(gen.out, "rejected: "));
    cr_expect(dead > 0.3 * cancels && dead < 0.6 * cancels, "%ld of %ld cancels dead", dead,
              cancels);
    cr_expect_gt(bench_figure(rep.out, "fills: "), 0.05 * events);
    cr_expect_eq(bench_figure(rep.out, "fills: "), bench_figure(gen.out, "fills: "));
    cr_expect_eq(bench_figure(rep.out, "resting_orders: "),
                 bench_figure(gen.out, "resting_orders: "));
    cr_expect_leq(widest, 40);
    cr_expect_gt(hi - lo, widest, "the mid does not drift: %ld ticks in all", hi - lo);
    free(text);
    support_remove_tree(dir);
}

/* The scenario corpus through the command line: every malformed file is one
 * line on stderr, exit status 2, and no result file, from `validate` and
 * from `run` alike. */
Test(cli, malformed_scenarios_exit_2_with_one_line_and_leave_no_file)
{
    char dir[64];
    support_temp_dir(dir, sizeof dir, "cli-runs");
    DIR *d = opendir(PERPSIM_SOURCE_DIR "/tests/data/scenarios");
    cr_assert_not_null(d);
    struct dirent *de;
    int files = 0;
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (n < 6 || strcmp(de->d_name + n - 5, ".yaml") != 0
            || strcmp(de->d_name, "valid.yaml") == 0)
            continue;
        char args[1024];
        outcome o;
        snprintf(args, sizeof args, "validate %s/tests/data/scenarios/%s",
                 PERPSIM_SOURCE_DIR, de->d_name);
        cli_refused(&o, args, "");
        snprintf(args, sizeof args, "run -o %s %s/tests/data/scenarios/%s",
                 dir, PERPSIM_SOURCE_DIR, de->d_name);
        cli_refused(&o, args, "");
        files++;
    }
    closedir(d);
    cr_expect_geq(files, 20);
    /* Nothing was written, not even a folder's worth of part files. */
    d = opendir(dir);
    if (d) {
        while ((de = readdir(d)) != NULL)
            cr_expect(de->d_name[0] == '.', "left behind: %s", de->d_name);
        closedir(d);
    }
    rmdir(dir);
}

Test(cli, run_writes_the_result_prints_its_path_and_inspect_reads_it)
{
    char dir[64];
    support_temp_dir(dir, sizeof dir, "cli-runs");
    outcome o;
    perpsimf(&o, "run -o %s", dir);
    cr_assert_eq(o.status, 0, "run: %s", o.err);
    char path[512];
    snprintf(path, sizeof path, "%s/quickstart-seed42.h5", dir);
    char want[600];
    snprintf(want, sizeof want, "result: %s\n", path);
    cr_expect_not_null(strstr(o.out, want), "got: %s", o.out);
    cr_expect_not_null(strstr(o.out, "venue binance\n  liquidations:"), "%s", o.out);
    cr_expect_eq(access(path, R_OK), 0);
    /* The summary printed by run is the one inspect reads back. */
    const char *from_run = strstr(o.out, "venue binance");
    cr_assert_not_null(from_run);
    char *run_summary = strdup(from_run);
    *strstr(run_summary, "result: ") = '\0';
    perpsimf(&o, "inspect %s", path);
    cr_expect_eq(o.status, 0, "inspect: %s", o.err);
    cr_expect_not_null(strstr(o.out, run_summary), "inspect printed: %s\nrun: %s",
                       o.out, run_summary);
    free(run_summary);
    /* A second run refuses to overwrite, --force does. */
    perpsimf(&o, "run -o %s", dir);
    cr_expect_eq(o.status, 2);
    cr_expect_not_null(strstr(o.err, "exists; use --force"), "%s", o.err);
    perpsimf(&o, "run -o %s --force", dir);
    cr_expect_eq(o.status, 0, "%s", o.err);
    remove(path);
    /* A file that is not a result. */
    perpsimf(&o, "inspect %s/tests/data/scenarios/valid.yaml",
             PERPSIM_SOURCE_DIR);
    cr_expect_eq(o.status, 2);
    cr_expect_not_null(strstr(o.err, "not a perpsim result"), "%s", o.err);
    rmdir(dir);
}

Test(cli, check_exits_1_when_an_expectation_fails)
{
    char dir[64];
    support_temp_dir(dir, sizeof dir, "cli-runs");
    outcome o;
    perpsimf(&o,
             "run --check -o %s --set 'expect.binance.mark.start=[1, 2]'",
             dir);
    cr_expect_eq(o.status, 1, "%s %s", o.out, o.err);
    cr_expect_not_null(strstr(o.out, "FAIL binance.mark.start"), "%s", o.out);
    /* The result is still written: a failed expectation is a finding. Its
     * name says that it ran with an override. */
    char path[512];
    result_path(o.out, path, sizeof path);
    cr_expect_not_null(strstr(path, "/quickstart-1-2-"), "%s", path);
    cr_expect_eq(access(path, R_OK), 0);
    remove(path);
    rmdir(dir);
}

Test(cli, check_invariants_audits_every_event_of_a_run)
{
    char dir[64];
    support_temp_dir(dir, sizeof dir, "cli-runs");
    /* The option through the command line, on a smaller quickstart (the
     * shipped scenarios run with it in full: ctest invariants.*). */
    char path[512];
    run_to_result(path,
                  "--check-invariants -o %s --set duration=41m "
                  "--set 'populations[1].count=100' "
                  "--set 'populations[2].count=50' "
                  "--set 'populations[4].count=300' "
                  "--set 'populations[5].count=200'",
                  dir);
    cr_expect_eq(remove(path), 0, "%s", path);
    rmdir(dir);
}

Test(cli, reference_scenarios_pass_their_expectations)
{
    /* The acceptance of the shipped reference scenarios: each at its own
     * seed under --check (tools/seed-check.sh measures the other seeds). */
    static const char *const names[] = {"short-squeeze-1.37b",
                                        "selloff-thin-liquidity",
                                        "cadence-8h-vs-1h",
                                        "crash-2025-10-10"};
    char dir[64];
    support_temp_dir(dir, sizeof dir, "cli-runs");
    char args[1024];
    int n = snprintf(args, sizeof args, "run --check -j 2 -o %s", dir);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        n += snprintf(args + n, sizeof args - (size_t)n, " %s/scenarios/%s.yaml",
                      PERPSIM_SOURCE_DIR, names[i]);
    cr_assert_lt(n, (int)sizeof args);
    outcome o;
    perpsim(args, &o);
    cr_expect_eq(o.status, 0, "%s\n%s", o.out, o.err);
    cr_expect_null(strstr(o.out, "FAIL"), "%s", o.out);
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    struct dirent *de;
    int files = 0;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        files++;
        remove(path);
    }
    closedir(d);
    cr_expect_eq(files, 4);
    int passes = 0;
    for (const char *p = o.out; (p = strstr(p, "\n  pass ")) != NULL; p++)
        passes++;
    /* Every expectation of the four files was reported, and passed. */
    cr_expect_eq(passes, 5 + 9 + 9 + 5, "%s", o.out);
    rmdir(dir);
}

/* Two scenarios of a batch that would write the same result are refused
 * before anything runs: one would otherwise replace the other's file. */
Test(cli, a_batch_refuses_two_runs_with_the_same_result_before_running)
{
    char dir[64];
    support_temp_dir(dir, sizeof dir, "same");
    outcome o;
    perpsimf(&o,
             "run -j 2 %s/scenarios/quickstart.yaml "
             "%s/scenarios/selloff-thin-liquidity.yaml "
             "%s/scenarios/quickstart.yaml -o %s/out",
             PERPSIM_SOURCE_DIR, PERPSIM_SOURCE_DIR, PERPSIM_SOURCE_DIR, dir);
    cr_expect_eq(o.status, 2, "%s", o.err);
    char want[400];
    snprintf(want, sizeof want,
             "perpsim run: %s/out/quickstart-seed42.h5: exists twice in this "
             "batch, from %s/scenarios/quickstart.yaml and "
             "%s/scenarios/quickstart.yaml",
             dir, PERPSIM_SOURCE_DIR, PERPSIM_SOURCE_DIR);
    cr_expect_eq(strncmp(o.err, want, strlen(want)), 0, "%s", o.err);
    cr_expect_not_null(strstr(o.err, "nothing was run"), "%s", o.err);
    char out[300];
    snprintf(out, sizeof out, "%s/out", dir);
    cr_expect_neq(access(out, F_OK), 0, "the batch wrote into %s", out);
    rmdir(dir);
}

/* A result name that is taken gets one kind of message whichever way it
 * is taken (runner_refuse_taken): by a file already there, run after run
 * or in a -j batch, or by two scenarios of one batch. Each opens with
 * "perpsim run: PATH: exists", exit status 2. */
Test(cli, a_taken_result_name_gets_one_kind_of_message_every_way)
{
    char dir[64];
    support_temp_dir(dir, sizeof dir, "taken");
    const char *qs = PERPSIM_SOURCE_DIR "/scenarios/quickstart.yaml";
    char path[300], want[400];
    snprintf(path, sizeof path, "%s/quickstart-1m-192561-seed42.h5", dir);
    outcome o;
    perpsimf(&o, "run -q -o %s --set duration=1m %s", dir, qs);
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert_eq(access(path, R_OK), 0, "no %s", path);
    snprintf(want, sizeof want, "perpsim run: %s: exists; ", path);
    perpsimf(&o, "run -q -o %s --set duration=1m %s", dir, qs);
    cr_expect_eq(o.status, 2, "%s", o.err);
    cr_expect_eq(strncmp(o.err, want, strlen(want)), 0, "%s", o.err);
    /* In a batch on workers: the same line, from the worker's run. */
    perpsimf(&o, "run -q -j 2 -o %s --set duration=1m %s", dir, qs);
    cr_expect_eq(o.status, 2, "%s", o.err);
    cr_expect_eq(strncmp(o.err, want, strlen(want)), 0, "%s", o.err);
    /* Two scenarios of one batch: the same opening, before any run. */
    snprintf(want, sizeof want, "perpsim run: %s: exists twice in this batch",
             path);
    perpsimf(&o, "run -q -o %s --set duration=1m %s %s", dir, qs, qs);
    cr_expect_eq(o.status, 2, "%s", o.err);
    cr_expect_eq(strncmp(o.err, want, strlen(want)), 0, "%s", o.err);
    remove(path);
    rmdir(dir);
}

/* A calculator's figures are all the user's: one too large to represent is
 * bad input (exit 2, like a malformed one), and a malformed amount is
 * quoted back as given, its suffix included. */
Test(cli, calc_refuses_amounts_it_cannot_represent_as_bad_input)
{
    cli_refused(NULL,
                "calc margin --venue binance --notional 9e18 --leverage 10",
                "'9e18'");
    cli_refused(NULL,
                "calc liq-price --venue binance --side long --entry 9e12 "
                "--size 9e9",
                "too large");
    cli_refused(NULL,
                "calc margin --venue binance --notional 500kk --leverage 10",
                "got '500kk'");
    outcome o;
    perpsim("calc margin --venue binance --notional 2.5M --leverage 10", &o);
    cr_expect_eq(o.status, 0, "%s", o.err);
}

/* Options are getopt_long's: a misspelt one is named back with the
 * nearest real one, and a bad --seed is called a bad seed. */
Test(cli, a_misspelt_option_gets_a_suggestion_and_a_bad_seed_is_named)
{
    outcome o;
    perpsimf(&o, "run --sed 4");
    cr_expect_eq(o.status, 2);
    cr_expect_str_eq(o.err, "perpsim run: unknown option '--sed' (did you "
                            "mean '--seed'?); try 'perpsim run --help'\n");
    perpsimf(&o, "run --seed abc");
    cr_expect_eq(o.status, 2);
    cr_expect_not_null(strstr(o.err, "--seed takes a whole number"), "%s",
                       o.err);
    perpsimf(&o, "validate --quite x.yaml");
    cr_expect_not_null(strstr(o.err, "(did you mean '--quiet'?)"), "%s",
                       o.err);
    perpsimf(&o, "inspect --sumary json x.h5");
    cr_expect_not_null(strstr(o.err, "(did you mean '--summary'?)"), "%s",
                       o.err);
    perpsimf(&o, "run --summary yaml");
    cr_expect_not_null(strstr(o.err, "--summary takes text, csv or json, "
                                     "got 'yaml'"), "%s", o.err);
}

/* -q prints nothing but errors; a scenario shortened past its shocks runs
 * without them and says so (not under -q). */
Test(cli, quiet_prints_nothing_and_a_shortened_scenario_drops_late_shocks)
{
    char dir[64];
    support_temp_dir(dir, sizeof dir, "quiet");
    outcome o;
    perpsimf(&o, "run -q -o %s/out --set duration=20m %s/scenarios/"
                 "cadence-8h-vs-1h.yaml",
             dir, PERPSIM_SOURCE_DIR);
    cr_expect_eq(o.status, 0, "%s", o.err);
    cr_expect_str_eq(o.out, "");
    cr_expect_str_eq(o.err, "");
    perpsimf(&o, "validate --set duration=2h %s/scenarios/"
                 "short-squeeze-1.37b.yaml",
             PERPSIM_SOURCE_DIR);
    cr_expect_eq(o.status, 0, "%s", o.err);
    cr_expect_not_null(strstr(o.err, "warning: left out what lies at or after "
                                     "the end of the run: shocks[1] "
                                     "(index_jump at 5h)"),
                       "%s", o.err);
    support_remove_tree(dir);
}

/* --summary csv and json list every run of a batch in the order given,
 * whichever finished first, a failed one included; inspect writes the
 * same record from the file, with the overrides the run had. */
Test(cli, summary_tables_list_runs_in_the_order_given)
{
    char dir[64];
    support_temp_dir(dir, sizeof dir, "table");
    outcome o;
    perpsimf(&o, "run -q -j 2 --summary json -o %s/out --set duration=10m "
                 "%s/scenarios/selloff-thin-liquidity.yaml %s/missing.yaml "
                 "%s/scenarios/quickstart.yaml",
             dir, PERPSIM_SOURCE_DIR, dir, PERPSIM_SOURCE_DIR);
    cr_expect_eq(o.status, 1, "the missing file fails: %s", o.err);
    const char *a = strstr(o.out, "selloff-thin-liquidity.yaml\"");
    const char *b = strstr(o.out, "\"status\": \"failed\"");
    const char *c = strstr(o.out, "quickstart.yaml\"");
    cr_assert(a && b && c && a < b && b < c, "%s", o.out);
    cr_expect_eq(o.out[0], '[');
    cr_expect_not_null(strstr(o.out, "\"sets\": [\n    \"duration=10m\"\n"
                                     "  ]"),
                       "%s", o.out);

    perpsimf(&o, "run --summary csv -o %s/one --set duration=10m", dir);
    cr_expect_eq(o.status, 0, "%s", o.err);
    static const char head[] =
        "scenario,name,seed,sets,result,status,metric,value,expect_low,"
        "expect_high,pass,error\n(built-in default),quickstart,42,"
        "duration=10m,";
    cr_expect_eq(strncmp(o.out, head, sizeof head - 1), 0, "%s", o.out);
    cr_expect_not_null(strstr(o.out, ",ok,binance.liquidations.count,"), "%s",
                       o.out);

    char path[512];
    snprintf(path, sizeof path, "%s/one/quickstart-10m-", dir);
    perpsimf(&o, "inspect %s/one/*.h5", dir); /* the shell expands it */
    cr_expect_eq(o.status, 0, "%s", o.err);
    cr_expect_not_null(strstr(o.out, "from (built-in default) --set "
                                     "duration=10m\n"),
                       "%s", o.out);
    perpsimf(&o, "inspect --summary json %s/one/*.h5", dir);
    cr_expect_not_null(strstr(o.out, "\"result\": \""), "%s", o.out);
    cr_expect_not_null(strstr(o.out, path), "%s", o.out);
    support_remove_tree(dir);
}

/* validate places initial positions as the run would: an open interest the
 * seed's draws cannot reach exits 2 with the key's place (at seed 7, 150k
 * longs hold 1.095B of the crash scenario's 1.2B), where `run` alone used
 * to find it. */
Test(cli, validate_refuses_an_initial_open_interest_the_draws_cannot_reach)
{
    outcome o;
    perpsimf(&o, "validate %s/scenarios/crash-2025-10-10.yaml --set seed=7 "
                 "--set populations[4].count=150k", PERPSIM_SOURCE_DIR);
    cr_expect_eq(o.status, 2, "%s", o.err);
    cr_expect_not_null(strstr(o.err, "crash-2025-10-10.yaml:76:15: "
                                     "populations[4].initial.open_interest: "
                                     "the 150000 agents' positions hold"),
                       "%s", o.err);
    perpsimf(&o, "validate %s/scenarios/crash-2025-10-10.yaml --set seed=7",
             PERPSIM_SOURCE_DIR);
    cr_expect_eq(o.status, 0, "%s", o.err);
}
