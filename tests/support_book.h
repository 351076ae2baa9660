/*
 * support_book: helpers shared by the order-book tests (test_book.c and
 * test_book_model.c): a book that must be made, and the order of book ids
 * for qsort, to find an id issued twice.
 */
#ifndef PERPSIM_TESTS_SUPPORT_BOOK_H
#define PERPSIM_TESTS_SUPPORT_BOOK_H

#include <criterion/criterion.h>

#include "book.h"

/* A book over prices [lo, hi] with room for capacity orders, or fails the
 * test. */
static inline book *make_book(int64_t lo, int64_t hi, size_t capacity)
{
    perr e = {0, ""};
    book *b = book_new(lo, hi, capacity, &e);
    cr_assert_not_null(b, "book_new: %s", e.msg);
    return b;
}

/* qsort's comparison of two book_id, ascending. */
static inline int compare_ids(const void *a, const void *b)
{
    book_id x = *(const book_id *)a, y = *(const book_id *)b;
    return x < y ? -1 : x > y;
}

#endif
