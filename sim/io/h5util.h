/*
 * h5util: the small pieces of HDF5 that every perpsim file writer and
 * reader needs (a run's result, output.h; a sweep's index,
 * sweep_index.h): silencing HDF5's error printer while perpsim reports
 * errors itself, HDF5's reason for a failure in one line, closing what was
 * opened, attributes,
 * groups that keep their creation order, and reading string and number
 * attributes whatever their stored type.
 */
#ifndef PERPSIM_H5UTIL_H
#define PERPSIM_H5UTIL_H

#include <stddef.h>

#include <hdf5.h>

/* HDF5's automatic error printing, saved and switched off. */
typedef struct h5u_quiet {
    H5E_auto2_t fn;
    void *data;
} h5u_quiet;

void h5u_quiet_begin(h5u_quiet *q);
void h5u_quiet_end(const h5u_quiet *q);

/* HDF5's reason for the last failure (the innermost entry of its stack),
 * and clears the stack. */
void h5u_reason(char *out, size_t size);

/* Ends a quiet stretch of calls (h5u_quiet_end) with the error stack
 * cleared, HDF5's reason in out when bad (else ""); returns bad. */
int h5u_quiet_finish(const h5u_quiet *q, int bad, char *out, size_t size);

/* Attributes of obj: a scalar of type, a 1-D array of n values, a string
 * through str_type (a variable-length string type). <0 on failure. */
herr_t h5u_attr_scalar(hid_t obj, const char *name, hid_t type,
                       const void *value);
herr_t h5u_attr_array(hid_t obj, const char *name, hid_t type, hsize_t n,
                      const void *values);
herr_t h5u_attr_string(hid_t obj, const char *name, hid_t str_type,
                       const char *value);

/* Closes id, a datatype, dataspace, attribute, dataset, group or property
 * list, by the close of its kind; nothing for an invalid id (< 0), so that
 * a function's clean-up closes whatever it got as far as opening. */
void h5u_close(hid_t id);

/* A new variable-length UTF-8 string type (close it), or <0. */
hid_t h5u_string_type(void);

/* A group whose links (and attributes) keep their creation order, with no
 * modification times. */
hid_t h5u_make_group(hid_t parent, const char *name);

/* Reads the string attribute name of obj (fixed or variable length) into
 * out; leaves out empty when there is none. 0, or -1 on failure. */
int h5u_read_attr_string(hid_t obj, const char *name, char *out,
                         size_t size);

/* Reads the numeric attribute name of obj as type (HDF5 converts); 1 when
 * it exists and was read, 0 when absent, -1 on failure. */
int h5u_read_attr_number(hid_t obj, const char *name, hid_t type, void *out);

#endif
