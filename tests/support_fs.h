/*
 * support_fs: files and folders for the tests: a file written or read whole
 * (one of the source tree by its path there), a folder removed with all it
 * holds, the files in a folder with a given ending counted, and, for a test that defines _POSIX_C_SOURCE 200809L before any
 * include (mkdtemp), a fresh folder under /tmp.
 */
#ifndef PERPSIM_TESTS_SUPPORT_FS_H
#define PERPSIM_TESTS_SUPPORT_FS_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(_POSIX_C_SOURCE) && _POSIX_C_SOURCE >= 200809L
/* Makes a fresh folder /tmp/perpsim-STEM-XXXXXX and puts its name in dir
 * (size bytes), or fails the test. */
static inline void support_temp_dir(char *dir, size_t size, const char *stem)
{
    int n = snprintf(dir, size, "/tmp/perpsim-%s-XXXXXX", stem);
    cr_assert(n > 0 && (size_t)n < size, "no room for the folder's name");
    cr_assert_not_null(mkdtemp(dir), "cannot make %s", dir);
}
#endif

/* Files in dir whose names end with suffix (0 when dir cannot be read). */
static inline int support_count_ending(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    size_t ls = strlen(suffix);
    for (struct dirent *de; (de = readdir(d));) {
        size_t l = strlen(de->d_name);
        n += l >= ls && strcmp(de->d_name + l - ls, suffix) == 0;
    }
    closedir(d);
    return n;
}

/* Removes dir and all it holds. */
static inline void support_remove_tree(const char *dir)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0, "%s", cmd);
}

/* Writes text as the whole of the file at path, or fails the test. */
static inline void support_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0, "cannot write %s", path);
}

/* The whole of the file at path, NUL-terminated, its length in *size unless
 * size is NULL; the caller frees it. Fails the test when it cannot. */
static inline char *support_read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot read %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    cr_assert_geq(n, 0, "cannot read %s", path);
    char *text = malloc((size_t)n + 1);
    cr_assert_not_null(text);
    cr_assert_eq(fread(text, 1, (size_t)n, f), (size_t)n, "cannot read %s",
                 path);
    text[n] = '\0';
    fclose(f);
    if (size)
        *size = (size_t)n;
    return text;
}

/* The whole of the source tree's file rel ("scenarios/README.md") as a
 * string the caller frees, or fails the test. */
static inline char *support_read_source(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", PERPSIM_SOURCE_DIR, rel);
    return support_read_file(path, NULL);
}

#endif
