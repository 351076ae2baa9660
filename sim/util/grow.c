/*
 * grow: arrays that grow by doubling (grow.h).
 */
#include "grow.h"

#include <stdint.h>
#include <stdlib.h>

void *grow_for_one(void *items, size_t n, size_t *cap, size_t size,
                   size_t first)
{
    if (n < *cap)
        return items;
    if (*cap > SIZE_MAX / 2)
        return NULL;
    size_t want = *cap ? 2 * *cap : first;
    if (want == 0 || want > SIZE_MAX / size)
        return NULL;
    void *grown = realloc(items, want * size);
    if (grown)
        *cap = want;
    return grown;
}
