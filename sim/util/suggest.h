/*
 * suggest: "did you mean" for a misspelt name.
 *
 * One mechanism for every place a user types a name from a known set:
 * subcommands, options, and (later) scenario keys and venue names.
 */
#ifndef PERPSIM_SUGGEST_H
#define PERPSIM_SUGGEST_H

#include <stddef.h>

/* The Damerau-Levenshtein (optimal string alignment) distance between a and
 * b: insertions, deletions, substitutions and swaps of adjacent characters
 * each cost 1. Names longer than 63 bytes are compared on their first 63. */
int suggest_distance(const char *a, const char *b);

/* The candidate nearest to word, or NULL when none is close enough to be a
 * plausible typo (distance at most 1 for words of up to 4 characters, else at
 * most a third of the word's length, rounded up). Ties go to the earlier
 * candidate. candidates may contain NULL entries, which are skipped. */
const char *suggest_nearest(const char *word, const char *const *candidates,
                            size_t count);

#endif
