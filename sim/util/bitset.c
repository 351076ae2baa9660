/*
 * bitset: set-up and release of the level arrays (bitset.h has the
 * structure and the inline operations).
 */
#include "bitset.h"

#include <stdlib.h>
#include <string.h>

int bitset_init(bitset *bs, int64_t nbits, int min_depth)
{
    memset(bs, 0, sizeof *bs);
    size_t words = (size_t)((nbits + 63) >> 6);
    if (words == 0)
        words = 1;
    for (;;) {
        if (bs->depth == BITSET_DEPTH_MAX) {
            bitset_free(bs);
            return -1;
        }
        bs->words[bs->depth] = words;
        bs->w[bs->depth] = calloc(words, sizeof(uint64_t));
        if (!bs->w[bs->depth]) {
            bitset_free(bs);
            return -1;
        }
        bs->depth++;
        if (words == 1 && bs->depth >= min_depth)
            return 0;
        words = (words + 63) >> 6;
    }
}

void bitset_free(bitset *bs)
{
    for (int i = 0; i < BITSET_DEPTH_MAX; i++)
        free(bs->w[i]);
    memset(bs, 0, sizeof *bs);
}
