/*
 * bigmem: aligned allocation with a transparent-huge-page hint (bigmem.h).
 */
#define _DEFAULT_SOURCE /* madvise and MADV_HUGEPAGE under -std=c11 */
#include "bigmem.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void *bigmem_alloc(size_t bytes)
{
    const size_t huge = (size_t)2 << 20;
    size_t align = bytes >= huge ? huge : 64;
    bytes = (bytes + align - 1) & ~(align - 1);
    void *p = aligned_alloc(align, bytes ? bytes : align);
#ifdef MADV_HUGEPAGE
    if (p && align == huge)
        (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

void *bigmem_grow(void *old, size_t old_bytes, size_t new_bytes)
{
    void *p = bigmem_alloc(new_bytes);
    if (!p)
        return NULL;
    if (old) {
        memcpy(p, old, old_bytes < new_bytes ? old_bytes : new_bytes);
        free(old);
    }
    return p;
}
