/*
 * suggest: "did you mean" for a misspelt name.
 *
 * One mechanism for every place a user types a name from a known set:
 * subcommands, options, scenario keys, venue profile keys, venue names.
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

/* How many keys suggest_key_path considers: the first SUGGEST_KEYS_MAX. */
#define SUGGEST_KEYS_MAX 96

/* The nearest of keys[0..n) to key, a dotted path ("funding.intervl"):
 * first among the next parts of the keys under key's section
 * ("funding.interval", "funding.cap" ...), then among all keys by their
 * last part (a key written in the wrong section). Writes the suggestion's
 * full path into out, or "" for none. Parts of 48 bytes or more are never
 * suggested. */
void suggest_key_path(const char *key, const char *const *keys, size_t n,
                      char *out, size_t size);

#endif
