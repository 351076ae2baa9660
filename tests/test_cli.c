/*
 * Tests of the perpsim command line, run as a user runs it: the built program
 * in a child process, its exit status, stdout and stderr.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct outcome {
    int status;
    char out[16384];
    char err[4096];
} outcome;

static void slurp(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot read %s", path);
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
    remove(path);
}

/* Runs `perpsim ARGS` through the shell (args are trusted test text). */
static void perpsim(const char *args, outcome *o)
{
    char out_path[] = "/tmp/perpsim-cli-out-XXXXXX";
    char err_path[] = "/tmp/perpsim-cli-err-XXXXXX";
    int fo = mkstemp(out_path), fe = mkstemp(err_path);
    cr_assert(fo >= 0 && fe >= 0);
    close(fo);
    close(fe);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' %s >%s 2>%s </dev/null", PERPSIM_EXE, args,
             out_path, err_path);
    int raw = system(cmd);
    cr_assert(raw != -1 && WIFEXITED(raw), "perpsim %s did not exit", args);
    o->status = WEXITSTATUS(raw);
    slurp(out_path, o->out, sizeof o->out);
    slurp(err_path, o->err, sizeof o->err);
}

static int line_count(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
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
    cr_expect_eq(line_count(o.out), 1);
}

Test(cli, help_lists_every_command)
{
    outcome o;
    perpsim("--help", &o);
    cr_expect_eq(o.status, 0);
    const char *names[] = {"run", "validate", "inspect", "calc", "sweep", "bench"};
    for (size_t i = 0; i < 6; i++)
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
    const char *names[] = {"run", "validate", "inspect", "calc", "sweep", "bench"};
    for (size_t i = 0; i < 6; i++) {
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
    perpsim("frobnicate", &o);
    cr_expect_eq(o.status, 2);
    cr_expect_eq(line_count(o.err), 1, "stderr: %s", o.err);
    cr_expect_not_null(strstr(o.err, "frobnicate"));
    cr_expect_not_null(strstr(o.err, "perpsim --help"));
    cr_expect_str_empty(o.out);
}

Test(cli, misspelt_command_gets_a_suggestion)
{
    outcome o;
    perpsim("valdate x.yaml", &o);
    cr_expect_eq(o.status, 2);
    cr_expect_not_null(strstr(o.err, "did you mean 'validate'"), "%s", o.err);
}

Test(cli, unknown_option_is_one_line_and_exit_2)
{
    outcome o;
    perpsim("--frobnicate", &o);
    cr_expect_eq(o.status, 2);
    cr_expect_eq(line_count(o.err), 1, "stderr: %s", o.err);
    cr_expect_not_null(strstr(o.err, "--frobnicate"));
}

Test(cli, command_not_in_build_says_so_in_one_line)
{
    const char *names[] = {"run", "validate x.yaml", "inspect x.h5",
                           "calc funding --venue binance --premium 0.001",
                           "sweep s.yaml"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        outcome o;
        perpsim(names[i], &o);
        cr_expect_eq(o.status, 2, "perpsim %s", names[i]);
        cr_expect_eq(line_count(o.err), 1, "perpsim %s: %s", names[i], o.err);
        cr_expect_not_null(strstr(o.err, "not in this build yet"));
    }
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
    perpsim("calc margin --venue bynance --notional 5", &o);
    cr_expect_eq(o.status, 2);
    cr_expect_eq(line_count(o.err), 1, "%s", o.err);
    cr_expect_not_null(strstr(o.err, "did you mean 'binance'"), "%s", o.err);
    perpsim("calc marign", &o);
    cr_expect_eq(o.status, 2);
    cr_expect_not_null(strstr(o.err, "did you mean 'margin'"), "%s", o.err);
    perpsim("calc liq-price --help", &o);
    cr_expect_eq(o.status, 0);
    cr_expect_not_null(strstr(o.out, "--other-maintenance"), "%s", o.out);
    perpsim("calc --help", &o);
    cr_expect_eq(o.status, 0);
    cr_expect_not_null(strstr(o.out, "liq-price"), "%s", o.out);
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
    outcome o;
    perpsim("bench pcg --draws lots", &o);
    cr_expect_eq(o.status, 2);
    cr_expect_eq(line_count(o.err), 1, "stderr: %s", o.err);
    cr_expect_not_null(strstr(o.err, "--draws"));
}

Test(cli, bench_unknown_name_is_exit_2)
{
    outcome o;
    perpsim("bench nonesuch", &o);
    cr_expect_eq(o.status, 2);
    cr_expect_eq(line_count(o.err), 1);
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
    char path[] = "/tmp/perpsim-replay-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("add,1,buy,100,5\n# a comment\nadd,2,sell,x,5\n", f);
    fclose(f);
    outcome o;
    char args[256];
    snprintf(args, sizeof args, "bench book --replay %s", path);
    perpsim(args, &o);
    remove(path);
    cr_expect_eq(o.status, 2);
    cr_expect_eq(line_count(o.err), 1, "stderr: %s", o.err);
    char where[64];
    snprintf(where, sizeof where, "%s:3:", path);
    cr_expect_not_null(strstr(o.err, where), "stderr: %s", o.err);
    cr_expect_str_empty(o.out);
}

Test(cli, bench_book_reports_a_missing_replay_file)
{
    outcome o;
    perpsim("bench book --replay /nonexistent/events.csv", &o);
    cr_expect_eq(o.status, 2);
    cr_expect_not_null(strstr(o.err, "/nonexistent/events.csv"), "%s", o.err);
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
