/*
 * bitset: a hierarchy of 64-bit words over n bits that finds the next or
 * previous set bit in a few ctz/clz steps. Level 0 holds the bits; bit i of
 * level k+1 is set exactly when word i of level k is non-zero. The order
 * book indexes its price levels with it and the ledger its liquidation
 * trigger buckets.
 *
 * Set and clear stop climbing as soon as a level above already knows the
 * answer, so both cost O(1) amortized and O(depth) at worst; next and prev
 * climb while the current word has nothing in the wanted direction, then
 * descend along the nearest set bits. The functions are inline because they
 * sit on the book's hottest paths.
 */
#ifndef PERPSIM_BITSET_H
#define PERPSIM_BITSET_H

#include <stddef.h>
#include <stdint.h>

#define BITSET_DEPTH_MAX 6 /* 64^6 bits */

typedef struct bitset {
    int depth;
    uint64_t *w[BITSET_DEPTH_MAX];
    size_t words[BITSET_DEPTH_MAX];
} bitset;

/* Sets up an all-clear bitset of nbits bits (>= 1) with at least min_depth
 * levels. Returns 0, or -1 when memory runs out (everything freed). */
int bitset_init(bitset *bs, int64_t nbits, int min_depth);

/* Releases the words; bs may have failed to initialise. */
void bitset_free(bitset *bs);

/* Whether bit i is set. */
static inline int bitset_test(const bitset *bs, int64_t i)
{
    return (int)(bs->w[0][i >> 6] >> (i & 63)) & 1;
}

static inline void bitset_set(bitset *bs, int64_t i)
{
    for (int lvl = 0; lvl < bs->depth; lvl++) {
        uint64_t *w = &bs->w[lvl][i >> 6];
        uint64_t was = *w;
        *w = was | (UINT64_C(1) << (i & 63));
        if (was)
            return; /* the levels above already know this word is non-empty */
        i >>= 6;
    }
}

static inline void bitset_clear(bitset *bs, int64_t i)
{
    for (int lvl = 0; lvl < bs->depth; lvl++) {
        uint64_t *w = &bs->w[lvl][i >> 6];
        *w &= ~(UINT64_C(1) << (i & 63));
        if (*w)
            return;
        i >>= 6;
    }
}

/* The lowest set bit >= i of level lvl, as an index at that level, or -1. */
static inline int64_t bitset_next(const bitset *bs, int lvl, int64_t i)
{
    int top = lvl;
    for (; top < bs->depth; top++) {
        uint64_t w = (uint64_t)i >> 6;
        if (w >= bs->words[top])
            return -1;
        uint64_t word = bs->w[top][w] & (~UINT64_C(0) << (i & 63));
        if (word) {
            int64_t pos = (int64_t)(w << 6) + __builtin_ctzll(word);
            while (top > lvl) {
                top--;
                pos = (pos << 6) + __builtin_ctzll(bs->w[top][pos]);
            }
            return pos;
        }
        i = (int64_t)w + 1;
    }
    return -1;
}

/* The highest set bit <= i of level lvl, or -1; i must lie below the
 * level's size. */
static inline int64_t bitset_prev(const bitset *bs, int lvl, int64_t i)
{
    int top = lvl;
    for (; top < bs->depth; top++) {
        if (i < 0)
            return -1;
        uint64_t w = (uint64_t)i >> 6;
        uint64_t word = bs->w[top][w] & (~UINT64_C(0) >> (63 - (i & 63)));
        if (word) {
            int64_t pos = (int64_t)(w << 6) + 63 - __builtin_clzll(word);
            while (top > lvl) {
                top--;
                pos = (pos << 6) + 63 - __builtin_clzll(bs->w[top][pos]);
            }
            return pos;
        }
        i = (int64_t)w - 1;
    }
    return -1;
}

#endif
