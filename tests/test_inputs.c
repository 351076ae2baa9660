/*
 * Tests of what perpsim reads besides scenario YAML (sim/util/textfile.h,
 * models/index_replay.c, sim/cli/calc.c) and of `validate` checking
 * everything a run checks before its first event: a replay's klines file is
 * opened and parsed (missing, not a regular file, malformed, out of order,
 * NaN), counts fit the engine's limits, each refused in one line at the
 * scenario's file:line:column; and bytes from a garbage file are escaped in
 * a message, never echoed raw to the terminal.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include "support_cli.h"
#include "support_fs.h"
#include "textfile.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KLINES PERPSIM_SOURCE_DIR "/tests/data/klines/"

/* A scenario in a new temporary folder dir whose index replays `file`,
 * written to dir/replay.yaml; the key `file:` is at line 4,
 * column 3. */
static void replay_scenario(char *dir, const char *file, char *path,
                            size_t size)
{
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, size, "%s/replay.yaml", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f,
            "name: replay\n"
            "start: 2025-07-10T00:00:00Z\n"
            "index:\n"
            "  file: %s\n"
            "  model: replay\n"
            "duration: 5m\n"
            "venues: [{profile: binance}]\n"
            "populations: [{kind: market_maker, count: 2}]\n",
            file);
    fclose(f);
}

static void write_file(const char *path, const char *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(bytes, 1, n, f), n);
    fclose(f);
}

/* No line but the last ends stderr: the error is one line. */
static int lines(const char *text)
{
    int n = 0;
    for (const char *c = text; *c; c++)
        n += *c == '\n';
    return n;
}

Test(inputs, validate_opens_and_parses_a_replays_klines_file)
{
    char dir[] = "/tmp/perpsim-inputs-XXXXXX";
    char path[300];
    replay_scenario(dir, "klines.csv", path, sizeof path);
    char klines[300], nan_line[512];
    snprintf(klines, sizeof klines, "%s/klines.csv", dir);

    /* A good file: ok, and run agrees. */
    FILE *in = fopen(KLINES "header.csv", "r");
    char good[4096];
    size_t n = fread(good, 1, sizeof good, in);
    fclose(in);
    write_file(klines, good, n);
    outcome o;
    char args[1024];
    snprintf(args, sizeof args, "validate %s", path);
    perpsim(args, &o);
    cr_expect_eq(o.status, 0, "%s", o.err);

    static const struct {
        const char *bytes; /* the klines file's content; NULL: none */
        const char *what;  /* in the message after index.file: */
    } cases[] = {
        {NULL, "klines.csv: No such file"},
        {"garbage\n", "klines.csv:1: the header has 1 columns"},
        {"", "klines.csv:1: empty file: no candles"},
        {"ORDER", "not after the previous candle's close_time"},
        {"NAN", "column 5 (close): 'nan' is not a number"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        remove(klines);
        if (cases[k].bytes && strcmp(cases[k].bytes, "ORDER") == 0) {
            in = fopen(KLINES "bad_order.csv", "r");
            n = fread(good, 1, sizeof good, in);
            fclose(in);
            write_file(klines, good, n);
        } else if (cases[k].bytes && strcmp(cases[k].bytes, "NAN") == 0) {
            snprintf(nan_line, sizeof nan_line,
                     "1752105600000,111200.0,111250.5,111180.2,nan,85.1,"
                     "1752105659999,9467812.55,2310,41.2,4582310.1,0\n");
            write_file(klines, nan_line, strlen(nan_line));
        } else if (cases[k].bytes) {
            write_file(klines, cases[k].bytes, strlen(cases[k].bytes));
        }
        perpsim(args, &o);
        cr_expect_eq(o.status, 2, "case %zu: status %d: %s", k, o.status,
                     o.err);
        cr_expect_not_null(strstr(o.err, "replay.yaml:4:3: index.file: "),
                           "case %zu: %s", k, o.err);
        cr_expect_not_null(strstr(o.err, cases[k].what), "case %zu: want "
                           "'%s' in: %s", k, cases[k].what, o.err);
        cr_expect_eq(lines(o.err), 1, "case %zu: %s", k, o.err);
        cr_expect_str_empty(o.out, "case %zu said: %s", k, o.out);
    }
    remove(klines);
    remove(path);
    rmdir(dir);
}

/* /dev/zero as a klines file made `run` read forever; a folder and a FIFO
 * are refused the same way. */
Test(inputs, a_klines_file_that_is_not_a_regular_file_is_refused)
{
    char dir[] = "/tmp/perpsim-inputs-XXXXXX";
    char path[300];
    replay_scenario(dir, "/dev/zero", path, sizeof path);
    outcome o;
    char args[1024];
    snprintf(args, sizeof args, "validate %s", path);
    cli_run("timeout 20", args, &o);
    cr_expect_eq(o.status, 2, "%s", o.err);
    cr_expect_not_null(strstr(o.err, "index.file: /dev/zero: not a regular "
                                     "file"),
                       "%s", o.err);
    snprintf(args, sizeof args, "run -q %s -o %s/out", path, dir);
    cli_run("timeout 20", args, &o);
    cr_expect_eq(o.status, 2, "run: %s", o.err);
    cr_expect_not_null(strstr(o.err, "not a regular file"), "run: %s", o.err);
    remove(path);
    rmdir(dir);
}

/* A count validate accepted used to fail `run` with "more than 268435456
 * accounts" and exit 1, naming no place in the file. */
Test(inputs, validate_refuses_more_agents_than_a_venue_holds_at_the_count)
{
    char dir[64];
    support_temp_dir(dir, sizeof dir, "inputs");
    char path[300];
    snprintf(path, sizeof path, "%s/big.yaml", dir);
    const char text[] =
        "name: big\n"
        "venues: [{name: a, profile: binance}, {name: b, profile: okx}]\n"
        "populations:\n"
        "  - {kind: market_maker, venue: a, count: 10}\n"
        "  - {kind: noise_taker, venue: b, count: 200000000}\n"
        "  - {kind: noise_taker, venue: a, count: 200000000}\n"
        "  - {kind: leveraged_long, venue: a, count: 100000000}\n";
    write_file(path, text, strlen(text));
    outcome o;
    char args[1024];
    snprintf(args, sizeof args, "validate %s", path);
    perpsim(args, &o);
    cr_expect_eq(o.status, 2, "%s", o.err);
    cr_expect_not_null(strstr(o.err, "big.yaml:7:38: populations[3].count: "
                                     "the populations on venue 'a' come to "
                                     "300000010 agents here; a venue holds "
                                     "at most 268435440"),
                       "%s", o.err);
    cr_expect_eq(lines(o.err), 1, "%s", o.err);
    remove(path);
    rmdir(dir);
}

/* Bytes from a garbage file come back escaped: an escape sequence in a
 * klines or premium CSV file must not reach the user's terminal. */
Test(inputs, garbage_bytes_are_escaped_in_messages)
{
    char dir[] = "/tmp/perpsim-inputs-XXXXXX";
    char path[300];
    replay_scenario(dir, "klines.csv", path, sizeof path);
    char klines[300];
    snprintf(klines, sizeof klines, "%s/klines.csv", dir);
    const char candle[] = "1752105600000,111200.0,111250.5,111180.2,"
                          "\x1b[31m\x01,85.1,1752105659999,9467812.55,2310,"
                          "41.2,4582310.1,0\n";
    write_file(klines, candle, strlen(candle));
    outcome o;
    char args[1024];
    snprintf(args, sizeof args, "validate %s", path);
    perpsim(args, &o);
    cr_expect_eq(o.status, 2, "%s", o.err);
    cr_expect_not_null(strstr(o.err, "'\\x1b[31m\\x01' is not a number"),
                       "%s", o.err);
    cr_expect_null(strchr(o.err, '\x1b'), "a raw escape byte: %s", o.err);

    char csv[300];
    snprintf(csv, sizeof csv, "%s/premium.csv", dir);
    const char premium[] = "time_ms,premium\n0,\x1b[2J\x07\n";
    write_file(csv, premium, strlen(premium));
    snprintf(args, sizeof args, "calc funding --venue binance --premium-csv %s",
             csv);
    perpsim(args, &o);
    cr_expect_eq(o.status, 2, "%s", o.err);
    cr_expect_not_null(strstr(o.err, "got '0,\\x1b[2J\\x07'"), "%s", o.err);
    cr_expect_null(strchr(o.err, '\x1b'), "a raw escape byte: %s", o.err);
    cr_expect_null(strchr(o.err, '\x07'), "a raw bell byte: %s", o.err);
    snprintf(args, sizeof args,
             "calc funding --venue binance --premium-csv /dev/zero");
    cli_run("timeout 20", args, &o);
    cr_expect_eq(o.status, 2, "%s", o.err);
    cr_expect_not_null(strstr(o.err, "/dev/zero: not a regular file"), "%s",
                       o.err);
    remove(csv);
    remove(klines);
    remove(path);
    rmdir(dir);
}

Test(inputs, shown_text_escapes_unprintable_bytes_and_marks_a_cut)
{
    char out[16];
    textfile_shown("plain", SIZE_MAX, out, sizeof out);
    cr_expect_str_eq(out, "plain");
    textfile_shown("a\tb\x7f", SIZE_MAX, out, sizeof out);
    cr_expect_str_eq(out, "a\\x09b\\x7f");
    textfile_shown("0123456789abcdef", SIZE_MAX, out, sizeof out);
    cr_expect_str_eq(out, "0123456789ab...", "15 bytes and the NUL");
    textfile_shown("0123456789abcde", SIZE_MAX, out, sizeof out);
    cr_expect_str_eq(out, "0123456789abcde", "exactly fits");
    textfile_shown("0123456789a\x01" "b", SIZE_MAX, out, sizeof out);
    cr_expect_str_eq(out, "0123456789a...", "an escape is not cut in half");
    textfile_shown("abcdef", 3, out, sizeof out);
    cr_expect_str_eq(out, "abc", "the first text_max bytes are the text");
}

Test(inputs, a_file_over_its_limit_is_refused_before_it_is_read)
{
    char path[] = "/tmp/perpsim-inputs-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, "0123456789", 10), 10);
    close(fd);
    perr e;
    perr_clear(&e);
    char *text;
    size_t len;
    cr_expect_eq(textfile_read(path, 10, "a test file", &text, &len, &e),
                 PERR_OK, "%s", e.msg);
    cr_expect_eq(len, 10);
    cr_expect_str_eq(text, "0123456789");
    free(text);
    cr_expect_null(textfile_open(path, 9, "a test file", &e));
    cr_expect_eq(e.code, PERR_INVALID);
    cr_expect_not_null(strstr(e.msg, "the limit for a test file"), "%s",
                       e.msg);
    remove(path);
}
