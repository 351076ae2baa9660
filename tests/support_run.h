/*
 * support_run: whole runs for the tests, as `perpsim run` makes them: a
 * scenario given as text written to a folder and run by the runner into a
 * result file, a dataset of that file read back whole, and the small world
 * of leveraged holders several tests run. Includes support_fs.h.
 */
#ifndef PERPSIM_TESTS_SUPPORT_RUN_H
#define PERPSIM_TESTS_SUPPORT_RUN_H

#include <criterion/criterion.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>

#include "runner.h"
#include "support_fs.h"

/* The venue and populations of a small world as scenario text: 5 market
 * makers, 50 noise takers, and 2000 leveraged longs and 2000 shorts whose
 * leverage has the median LEVERAGE and who arrive at RATE a second. */
#define SUPPORT_SMALL_WORLD(LEVERAGE, RATE)                                   \
    "venues:\n"                                                               \
    "  - {name: binance, profile: binance}\n"                                 \
    "populations:\n"                                                          \
    "  - {kind: market_maker, count: 5}\n"                                    \
    "  - {kind: noise_taker, count: 50}\n"                                    \
    "  - kind: leveraged_long\n"                                              \
    "    count: 2000\n"                                                       \
    "    leverage: {median: " #LEVERAGE ", sigma: 0.3}\n"                     \
    "    arrival: {rate: " #RATE "}\n"                                        \
    "  - kind: leveraged_short\n"                                             \
    "    count: 2000\n"                                                       \
    "    leverage: {median: " #LEVERAGE ", sigma: 0.3}\n"                     \
    "    arrival: {rate: " #RATE "}\n"

/* Writes text as DIR/in.yaml and runs it, with the n_sets overrides sets,
 * into DIR; the result's path goes in path (size bytes). */
static inline void support_run_text(const char *dir, const char *text,
                                    const char *const *sets, size_t n_sets,
                                    char *path, size_t size)
{
    char file[256];
    snprintf(file, sizeof file, "%s/in.yaml", dir);
    support_write_file(file, text);
    runner_job job = {.scenario = file, .sets = sets, .n_sets = n_sets,
                      .out_dir = dir, .force = 1};
    runner_result res;
    perr e = {0, ""};
    cr_assert_eq(runner_run(&job, &res, &e), 0, "runner_run: %s", e.msg);
    snprintf(path, size, "%s", res.path);
    runner_result_free(&res);
}

/* The bytes of dataset name in file, or NULL if there is none; *size is
 * their length (0 for none). The caller frees them. */
static inline void *support_read_dataset(hid_t file, const char *name,
                                         size_t *size)
{
    *size = 0;
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0)
        return NULL;
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    hid_t t = H5Dget_type(d), sp = H5Dget_space(d);
    hsize_t n = (hsize_t)H5Sget_simple_extent_npoints(sp);
    *size = (size_t)n * H5Tget_size(t);
    void *buf = malloc(*size ? *size : 1);
    cr_assert_not_null(buf);
    if (n)
        cr_assert_geq(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), 0);
    H5Sclose(sp);
    H5Tclose(t);
    H5Dclose(d);
    return buf;
}

#endif
