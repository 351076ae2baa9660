/*
 * suggest: nearest-name suggestions by edit distance (see suggest.h). The
 * distance uses three rows of a fixed-size table: no allocation, and names
 * are short.
 */
#include "suggest.h"

#include <stdio.h>
#include <string.h>

#define SUGGEST_MAX 63

static int min3(int a, int b, int c)
{
    int m = a < b ? a : b;
    return m < c ? m : c;
}

int suggest_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > SUGGEST_MAX)
        n = SUGGEST_MAX;
    if (m > SUGGEST_MAX)
        m = SUGGEST_MAX;
    int rows[3][SUGGEST_MAX + 1];
    int *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= m; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= m; j++) {
            int cost = a[i - 1] != b[j - 1];
            cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]
                && prev2[j - 2] + 1 < cur[j])
                cur[j] = prev2[j - 2] + 1;
        }
        int *spare = prev2;
        prev2 = prev;
        prev = cur;
        cur = spare;
    }
    return prev[m];
}

const char *suggest_nearest(const char *word, const char *const *candidates,
                            size_t count)
{
    size_t len = strlen(word);
    int limit = len <= 4 ? 1 : (int)((len + 2) / 3);
    const char *best = NULL;
    int best_distance = limit + 1;
    for (size_t i = 0; i < count; i++) {
        if (!candidates[i])
            continue;
        int d = suggest_distance(word, candidates[i]);
        if (d < best_distance) {
            best = candidates[i];
            best_distance = d;
        }
    }
    return best;
}

/* The distinct next parts after the first plen bytes of key among the keys
 * that share those bytes, into parts (pointed to by cands); how many. */
static size_t section_parts(const char *key, size_t plen,
                            const char *const *keys, size_t n,
                            char parts[][48], const char **cands)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(keys[i], key, plen) != 0)
            continue;
        size_t len = strcspn(keys[i] + plen, ".");
        if (len >= sizeof parts[0])
            continue;
        snprintf(parts[m], sizeof parts[m], "%.*s", (int)len, keys[i] + plen);
        int dup = 0;
        for (size_t j = 0; j < m; j++)
            dup |= strcmp(parts[j], parts[m]) == 0;
        if (!dup) {
            cands[m] = parts[m];
            m++;
        }
    }
    return m;
}

void suggest_key_path(const char *key, const char *const *keys, size_t n,
                      char *out, size_t size)
{
    if (n > SUGGEST_KEYS_MAX)
        n = SUGGEST_KEYS_MAX;
    const char *dot = strrchr(key, '.');
    size_t plen = dot ? (size_t)(dot - key) + 1 : 0;
    const char *leaf = key + plen;
    const char *cands[SUGGEST_KEYS_MAX] = {NULL};
    char parts[SUGGEST_KEYS_MAX][48];
    size_t m = section_parts(key, plen, keys, n, parts, cands);
    const char *near = suggest_nearest(leaf, cands, m);
    if (near) {
        snprintf(out, size, "%.*s%s", (int)plen, key, near);
        return;
    }
    const char *leaves[SUGGEST_KEYS_MAX];
    for (size_t i = 0; i < n; i++) {
        const char *d = strrchr(keys[i], '.');
        leaves[i] = d ? d + 1 : keys[i];
    }
    near = suggest_nearest(leaf, leaves, n);
    out[0] = '\0';
    for (size_t i = 0; near && i < n; i++)
        if (leaves[i] == near) {
            snprintf(out, size, "%s", keys[i]);
            return;
        }
}
