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

/* A scenario in a new temporary folder (dir) whose index replays `file`,
 * written to dir/replay.yaml (path), where the key `file:` is at line 4,
 * column 3; klines is dir/klines.csv, the name a test gives its own file. */
typedef struct replay {
    char dir[64];
    char path[300];
    char klines[300];
} replay;

static void replay_scenario(replay *r, const char *file)
{
    support_temp_dir(r->dir, sizeof r->dir, "inputs");
    snprintf(r->path, sizeof r->path, "%s/replay.yaml", r->dir);
    snprintf(r->klines, sizeof r->klines, "%s/klines.csv", r->dir);
    char text[1024];
    snprintf(text, sizeof text,
             "name: replay\n"
             "start: 2025-07-10T00:00:00Z\n"
             "index:\n"
             "  file: %s\n"
             "  model: replay\n"
             "duration: 5m\n"
             "venues: [{profile: binance}]\n"
             "populations: [{kind: market_maker, count: 2}]\n",
             file);
    support_write_file(r->path, text);
}

/* Writes tests/data/klines/NAME to the file at path. */
static void copy_klines(const char *name, const char *path)
{
    char *text = support_read_source(name);
    support_write_file(path, text);
    free(text);
}

/* `validate` of the scenario at path (through `timeout 20`, for an input
 * that could be read forever) must refuse it in one line holding want and
 * also ("" for nothing more), and print nothing on stdout. */
static void validate_refused(const char *path, const char *want,
                             const char *also)
{
    outcome o;
    char args[1024];
    snprintf(args, sizeof args, "validate %s", path);
    cli_run("timeout 20", args, &o);
    cli_expect_refused(&o, args, want);
    cr_expect_not_null(strstr(o.err, also), "%s: want '%s' in: %s", args, also,
                       o.err);
    cr_expect_str_empty(o.out, "%s said: %s", args, o.out);
}

Test(inputs, validate_opens_and_parses_a_replays_klines_file)
{
    replay r;
    replay_scenario(&r, "klines.csv");

    /* A good file: ok, and run agrees. */
    copy_klines("tests/data/klines/header.csv", r.klines);
    outcome o;
    perpsimf(&o, "validate %s", r.path);
    cr_expect_eq(o.status, 0, "%s", o.err);

    static const struct {
        const char *bytes; /* the klines file's content; NULL: none */
        const char *what;  /* in the message after index.file: */
    } cases[] = {
        {NULL, "klines.csv: No such file"},
        {"garbage\n", "klines.csv:1: the header has 1 columns"},
        {"", "klines.csv:1: empty file: no candles"},
        {"ORDER", "not after the previous candle's close_time"},
        {"1752105600000,111200.0,111250.5,111180.2,nan,85.1,"
         "1752105659999,9467812.55,2310,41.2,4582310.1,0\n",
         "column 5 (close): 'nan' is not a number"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        remove(r.klines);
        if (cases[k].bytes && strcmp(cases[k].bytes, "ORDER") == 0)
            copy_klines("tests/data/klines/bad_order.csv", r.klines);
        else if (cases[k].bytes)
            support_write_file(r.klines, cases[k].bytes);
        validate_refused(r.path, "replay.yaml:4:3: index.file: ", cases[k].what);
    }
    support_remove_tree(r.dir);
}

/* /dev/zero as a klines file made `run` read forever; a folder and a FIFO
 * are refused the same way. */
Test(inputs, a_klines_file_that_is_not_a_regular_file_is_refused)
{
    replay r;
    replay_scenario(&r, "/dev/zero");
    validate_refused(r.path, "index.file: /dev/zero: not a regular file", "");
    outcome o;
    char args[1024];
    snprintf(args, sizeof args, "run %s -o %s/out", r.path, r.dir);
    cli_run("timeout 20", args, &o);
    cr_expect_eq(o.status, 2, "run: %s", o.err);
    cr_expect_not_null(strstr(o.err, "not a regular file"), "run: %s", o.err);
    support_remove_tree(r.dir);
}

/* A count validate accepted used to fail `run` with "more than 268435456
 * accounts" and exit 1, naming no place in the file. */
Test(inputs, validate_refuses_more_agents_than_a_venue_holds_at_the_count)
{
    char dir[64];
    support_temp_dir(dir, sizeof dir, "inputs");
    char path[300];
    snprintf(path, sizeof path, "%s/big.yaml", dir);
    support_write_file(path,
        "name: big\n"
        "venues: [{name: a, profile: binance}, {name: b, profile: okx}]\n"
        "populations:\n"
        "  - {kind: market_maker, venue: a, count: 10}\n"
        "  - {kind: noise_taker, venue: b, count: 200000000}\n"
        "  - {kind: noise_taker, venue: a, count: 200000000}\n"
        "  - {kind: leveraged_long, venue: a, count: 100000000}\n");
    validate_refused(path, "big.yaml:7:38: populations[3].count: "
                           "the populations on venue 'a' come to "
                           "300000010 agents here; a venue holds "
                           "at most 268435440",
                     "");
    support_remove_tree(dir);
}

/* Bytes from a garbage file come back escaped: an escape sequence in a
 * klines or premium CSV file must not reach the user's terminal. */
Test(inputs, garbage_bytes_are_escaped_in_messages)
{
    replay r;
    replay_scenario(&r, "klines.csv");
    support_write_file(r.klines, "1752105600000,111200.0,111250.5,111180.2,"
                                 "\x1b[31m\x01,85.1,1752105659999,9467812.55,"
                                 "2310,41.2,4582310.1,0\n");
    outcome o;
    perpsimf(&o, "validate %s", r.path);
    cr_expect_eq(o.status, 2, "%s", o.err);
    cr_expect_not_null(strstr(o.err, "'\\x1b[31m\\x01' is not a number"),
                       "%s", o.err);
    cr_expect_null(strchr(o.err, '\x1b'), "a raw escape byte: %s", o.err);

    char csv[300];
    snprintf(csv, sizeof csv, "%s/premium.csv", r.dir);
    support_write_file(csv, "time_ms,premium\n0,\x1b[2J\x07\n");
    perpsimf(&o, "calc funding --venue binance --premium-csv %s", csv);
    cr_expect_eq(o.status, 2, "%s", o.err);
    cr_expect_not_null(strstr(o.err, "got '0,\\x1b[2J\\x07'"), "%s", o.err);
    cr_expect_null(strchr(o.err, '\x1b'), "a raw escape byte: %s", o.err);
    cr_expect_null(strchr(o.err, '\x07'), "a raw bell byte: %s", o.err);
    cli_run("timeout 20",
            "calc funding --venue binance --premium-csv /dev/zero", &o);
    cr_expect_eq(o.status, 2, "%s", o.err);
    cr_expect_not_null(strstr(o.err, "/dev/zero: not a regular file"), "%s",
                       o.err);
    support_remove_tree(r.dir);
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

/* Writes the len bytes of data to path. */
static void write_bytes(const char *path, const unsigned char *data,
                        size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s", path);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

/* A damaged result is refused by `inspect` in one line naming it, exit 2,
 * never with HDF5's error stack and never by a crash: a file whose
 * signature is gone, one cut short, and one whose global heap (where the
 * attributes' strings live) states the scenario's name an object far
 * larger than the heap, which makes Debian's HDF5 1.10 copy past its
 * buffer and fault. */
Test(inputs, inspect_refuses_a_damaged_result_in_one_line)
{
    outcome o;
    char dir[64], good[256];
    support_temp_dir(dir, sizeof dir, "inputs");
    perpsimf(&o, "run --set duration=1h -o %s", dir);
    const char *result = o.status == 0 ? strstr(o.out, "result: ") : NULL;
    cr_assert(result && sscanf(result, "result: %255s", good) == 1,
              "run: status %d: %s%s", o.status, o.out, o.err);
    size_t len = 0;
    unsigned char *bytes = (unsigned char *)support_read_file(good, &len);
    cr_assert_gt(len, 4096);

    /* The global heap's object holding the scenario's name, which inspect
     * reads: its size (8 bytes little-endian) comes just before it. */
    const unsigned char *heap = NULL, *name = NULL;
    for (size_t i = 0; !heap && i + 32 <= len; i++)
        if (memcmp(bytes + i, "GCOL", 4) == 0)
            heap = bytes + i;
    cr_assert_not_null(heap, "no global heap in %s", good);
    for (const unsigned char *c = heap + 24; !name && c + 10 <= bytes + len;
         c++)
        if (memcmp(c, "quickstart", 10) == 0 && c[-8] == 10 && c[-7] == 0)
            name = c;
    cr_assert_not_null(name, "no scenario name in the global heap of %s",
                       good);

    enum { SIGNATURE, CUT, HEAP, N_DAMAGE };
    static const char *const names[N_DAMAGE] = {"signature", "cut", "heap"};
    for (int d = 0; d < N_DAMAGE; d++) {
        unsigned char *copy = malloc(len);
        cr_assert_not_null(copy);
        memcpy(copy, bytes, len);
        size_t n = len;
        if (d == SIGNATURE)
            memset(copy, 0, 8);
        else if (d == CUT)
            n = len / 3;
        else {
            /* The name's object states a size far beyond the heap. */
            size_t at = (size_t)(name - bytes) - 8;
            memset(copy + at, 0, 8);
            copy[at + 3] = 0x7f;
        }
        char path[160], args[200];
        snprintf(path, sizeof path, "%s/%s.h5", dir, names[d]);
        write_bytes(path, copy, n);
        free(copy);
        snprintf(args, sizeof args, "inspect %s", path);
        /* The fault is in HDF5's own copy, which AddressSanitizer (in the
         * sanitizer build) would report before it happens: what is tested
         * is what the program does when the library faults, so the copy
         * runs unchecked, as in a release build. */
        cli_run("ASAN_OPTIONS=\"$ASAN_OPTIONS:replace_intrin=0\"", args, &o);
        cli_expect_refused(&o, args, path);
        cr_expect_str_empty(o.out, "%s printed: %s", args, o.out);
        cr_expect_null(strstr(o.err, "HDF5-DIAG"), "%s", o.err);
    }
    free(bytes);
    support_remove_tree(dir);
}
