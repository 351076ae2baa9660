/*
 * fuzz_input: what the fuzz targets share. Two of the readers under test
 * (klines replays, premium CSV files) take a path, as a user names one, so
 * their targets write each input to a file of their own first and hand the
 * reader its path: the bytes then go through the same bounded reader
 * (sim/util/textfile) a run uses.
 *
 * The file lives in $TMPDIR (else /tmp) under a name mkstemp makes unique,
 * so that targets fuzzing side by side never share it, and is removed when
 * the target exits.
 */
#ifndef PERPSIM_FUZZ_INPUT_H
#define PERPSIM_FUZZ_INPUT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_path[4096];

static void fuzz_remove_file(void)
{
    if (fuzz_path[0])
        unlink(fuzz_path);
}

/* The path of this process's input file, made on the first call. Exits the
 * target (it cannot fuzz anything) when no file can be made. */
static const char *fuzz_file(void)
{
    if (fuzz_path[0])
        return fuzz_path;
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    int n = snprintf(fuzz_path, sizeof fuzz_path, "%s/perpsim-fuzz-XXXXXX",
                     dir);
    if (n < 0 || (size_t)n >= sizeof fuzz_path) {
        fprintf(stderr, "fuzz: TMPDIR is too long\n");
        exit(1);
    }
    int fd = mkstemp(fuzz_path);
    if (fd < 0) {
        perror(fuzz_path);
        exit(1);
    }
    close(fd);
    atexit(fuzz_remove_file);
    return fuzz_path;
}

/* Writes data[0..size) as the whole of the input file; returns its path. */
static const char *fuzz_write(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file();
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
    return path;
}

#endif
