/*
 * bigmem: memory for the large arrays that the engine touches at random
 * (the book's order pool and levels, the ledger's accounts and trigger
 * buckets).
 *
 * Random access to an array of tens of megabytes misses the TLB as well as
 * the cache: with 4 KB pages a million 96-byte accounts span 23,000 pages,
 * and the page walk of each miss costs as much as the miss itself. Arrays of
 * 2 MB or more are therefore 2 MB aligned and offered to the kernel for
 * transparent huge pages (Linux, where THP is in `madvise` mode as on
 * Debian). Smaller arrays are 64-byte aligned so that no element smaller
 * than a cache line straddles two. Measured: +12 to 20% on `perpsim bench
 * book`, and see the README for `perpsim bench liquidation`.
 *
 * The memory comes untouched from the kernel, and callers leave it so:
 * the book's levels and the ledger's buckets span every price a run might
 * reach, and are written only where a price is first used, so the pages of
 * prices never reached cost neither time nor memory (a one-minute run
 * 17 ms -> 8.5 ms, the 1M-agent day 241 MB -> 180 MB peak).
 *
 * Memory from bigmem_alloc is released with free().
 */
#ifndef PERPSIM_BIGMEM_H
#define PERPSIM_BIGMEM_H

#include <stddef.h>

/* bytes of uninitialized memory, aligned as above; NULL when out of memory. */
void *bigmem_alloc(size_t bytes);

/* Moves the first old_bytes of old (from bigmem_alloc, or NULL) into a new
 * block of new_bytes and frees old; realloc would keep neither alignment.
 * On failure returns NULL and leaves old as it was. */
void *bigmem_grow(void *old, size_t old_bytes, size_t new_bytes);

#endif
