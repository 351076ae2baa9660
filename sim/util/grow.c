/*
 * grow: arrays that grow by doubling (grow.h).
 */
#include "grow.h"

#include <stdint.h>
#include <stdlib.h>

void *grow_to(void *items, size_t want, size_t *cap, size_t size,
              size_t first)
{
    if (want <= *cap)
        return items;
    size_t n = *cap ? *cap : first;
    while (n != 0 && n < want)
        n = n > SIZE_MAX / 2 ? 0 : 2 * n;
    if (n == 0 || n > SIZE_MAX / size)
        return NULL;
    void *grown = realloc(items, n * size);
    if (grown)
        *cap = n;
    return grown;
}

void *grow_for_one(void *items, size_t n, size_t *cap, size_t size,
                   size_t first)
{
    if (n < *cap)
        return items;
    return grow_to(items, *cap + 1, cap, size, first);
}

void *grow_push(void **items, size_t *n, size_t *cap, size_t size,
                size_t first)
{
    unsigned char *grown = grow_for_one(*items, *n, cap, size, first);
    if (!grown)
        return NULL;
    *items = grown;
    return grown + (*n)++ * size;
}
