/*
 * textfile: bounded reading of regular files and safe quoting of their
 * bytes (textfile.h states the contract).
 *
 * The file is opened with O_NONBLOCK so that a FIFO with no writer is
 * refused by fstat rather than waited on, then switched back to blocking
 * for the reads; fstat on the open descriptor decides, so a path that is
 * swapped between a check and the open cannot slip a device through.
 */
#define _POSIX_C_SOURCE 200809L
#include "textfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

FILE *textfile_open(const char *path, size_t max, const char *what, perr *e)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0) {
        perr_set(e, PERR_IO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        perr_set(e, PERR_INVALID,
                 "%s: not a regular file (a folder, a device or a pipe); "
                 "perpsim reads its input from files",
                 path);
        return NULL;
    }
    if ((unsigned long long)st.st_size > (unsigned long long)max) {
        close(fd);
        perr_set(e, PERR_INVALID, "%s: larger than %zu MiB, the limit for %s",
                 path, max >> 20, what);
        return NULL;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    FILE *f = fdopen(fd, "r");
    if (!f) {
        int err = errno;
        close(fd);
        perr_set(e, PERR_NOMEM, "%s: %s", path, strerror(err));
    }
    return f;
}

int textfile_read(const char *path, size_t max, const char *what, char **text,
                  size_t *len, perr *e)
{
    *text = NULL;
    *len = 0;
    FILE *f = textfile_open(path, max, what, e);
    if (!f)
        return e->code;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int rc = PERR_OK;
    for (;;) {
        if (n + 1 >= cap) {
            if (cap > max) {
                rc = perr_set(e, PERR_INVALID,
                              "%s: larger than %zu MiB, the limit for %s",
                              path, max >> 20, what);
                break;
            }
            size_t ncap = cap ? 2 * cap : 16384;
            char *grown = realloc(buf, ncap);
            if (!grown) {
                rc = perr_set(e, PERR_NOMEM, "%s: out of memory", path);
                break;
            }
            buf = grown;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (rc == PERR_OK && ferror(f))
        rc = perr_set(e, PERR_IO, "%s: read error", path);
    fclose(f);
    if (rc != PERR_OK) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return PERR_OK;
}

static size_t shown_width(unsigned char c)
{
    return c >= 0x20 && c < 0x7f ? 1 : 4;
}

void textfile_shown(const char *text, size_t text_max, char *out, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    size_t whole = 0, n = 0;
    for (; n < text_max && text[n]; n++)
        whole += shown_width((unsigned char)text[n]);
    /* All of it when it fits; otherwise what fits beside "...". */
    size_t room = whole < size ? size - 1 : size - 4;
    size_t o = 0, i = 0;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (o + shown_width(c) > room)
            break;
        if (shown_width(c) == 1) {
            out[o++] = (char)c;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    if (i < n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}
