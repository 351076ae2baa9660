/*
 * grow: the arrays that grow by doubling as items are appended (a venue's
 * shocks, a report's lines, a journal's records, the output's venues, a
 * venue's buffers, a summary's items, the funding records): one copy of the
 * growth, its overflow check included, and of freeing an array of owned
 * pointers. The caller keeps the array, its count and its capacity; items
 * keep their places until the array moves.
 */
#ifndef PERPSIM_GROW_H
#define PERPSIM_GROW_H

#include <stddef.h>
#include <stdlib.h> /* free, for GROW_FREE_EACH */

/* The array items, of n items of size bytes and room for *cap, with room
 * for one more: items itself while n < *cap; otherwise items reallocated to
 * twice *cap (first when *cap is 0), its n items kept, and *cap updated.
 * NULL when memory runs out, items and *cap then as they were. */
void *grow_for_one(void *items, size_t n, size_t *cap, size_t size,
                   size_t first);

/* The array items with room for want items: items itself while want <=
 * *cap; otherwise items reallocated to *cap (first when *cap is 0) doubled
 * until it holds want, and *cap updated. NULL when memory runs out or the
 * size overflows, items and *cap then as they were. */
void *grow_to(void *items, size_t want, size_t *cap, size_t size,
              size_t first);

/* Appends one item to the array *items of *n items, growing it as
 * grow_for_one does: the new item (uninitialised), with *items, *n and *cap
 * updated; NULL when memory runs out, all three then as they were. */
void *grow_push(void **items, size_t *n, size_t *cap, size_t size,
                size_t first);

/* Frees items[0..n) and then the array items itself, an array of owned
 * pointers of any type (names, lines, per-point tables); items may be NULL.
 * A macro so that it takes char ** and double ** alike. */
#define GROW_FREE_EACH(items, n)                                               \
    do {                                                                       \
        for (size_t grow_i_ = 0; (items) && grow_i_ < (n); grow_i_++)          \
            free((items)[grow_i_]);                                            \
        free(items);                                                           \
    } while (0)

#endif
