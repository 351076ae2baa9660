/*
 * version: what build this is. The values are generated at build time from
 * the CMake project version and `git describe` of the source tree (see
 * tools/version.cmake), so a result file can name the exact revision.
 */
#ifndef PERPSIM_VERSION_H
#define PERPSIM_VERSION_H

extern const char version_string[];   /* "0.1.0" */
extern const char version_revision[]; /* "a1b2c3d", "a1b2c3d-dirty" or "unknown" */

#endif
