/*
 * profile_embed: the venue profile files compiled into the program.
 *
 * The definitions are generated at build time by tools/embed_venues.cmake
 * from the files models/venues/NAME.yaml that CMakeLists.txt names
 * (PERPSIM_BUILTIN_VENUES), in that order; profile_yaml.c reads them.
 * Each text is the file's bytes, with a NUL after them.
 */
#ifndef PERPSIM_PROFILE_EMBED_H
#define PERPSIM_PROFILE_EMBED_H

#include <stddef.h>

typedef struct profile_embedded {
    const char *path; /* "models/venues/NAME.yaml", for messages */
    const char *text;
    size_t len;       /* bytes of text, without the NUL */
} profile_embedded;

extern const profile_embedded profile_embedded_files[];
extern const size_t profile_embedded_count;
/* NAME of each file, in the same order, NULL-terminated. */
extern const char *const profile_embedded_names[];

#endif
